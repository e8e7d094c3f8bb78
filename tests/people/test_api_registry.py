"""The registry's JSON API: search, register, read and change households and persons, as
each persona sees them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hromada.core.models import AuditEvent, IdempotencyRecord
from hromada.people.actions import (
    MemberData,
    do_create_household,
    do_find_duplicates,
    do_update_person,
)
from hromada.people.models import (
    Document,
    DuplicatePair,
    Household,
    Person,
    PersonStatus,
    Sex,
    Vulnerability,
)
from tests.base import ApiClient, BaseTestCase, audit_text, member

PEOPLE = "/api/v1/people"
HOUSEHOLDS = f"{PEOPLE}/households"


def patch(client: ApiClient, path: str, body: Any) -> Any:
    return client.client.patch(
        path, json.dumps(body), content_type="application/json", headers=client.headers
    )


def new_member(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "family_name": "Знам'янська",
        "given_name": "Людмила",
        "patronymic": "Іванівна",
        "sex": "female",
        "birth": "14.03.1957",
    }
    data.update(overrides)
    return data


def household(*members: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "address": "вул. Садова, 5",
        "members": list(members) or [new_member()],
    }
    data.update(overrides)
    return data


class RegisterTestCase(BaseTestCase):
    def test_it_registers_a_household_with_everything_about_its_members(self) -> None:
        body = household(
            new_member(
                phone="067 123 45 67",
                documents=[{"kind": "passport_booklet", "number": "аа 123456"}],
                vulnerabilities=[
                    {"kind": "older_person"},
                    {"kind": "disability", "disability_group": 2},
                ],
                residency="displaced",
                displaced_from="Торецька громада",
                displaced_on="03.2022",
                legal_basis="vital_interests",
            ),
            new_member(
                family_name="Petrenko",
                given_name="Ihor",
                sex="male",
                birth="1948",
                is_head=True,
                documents=[{"kind": "rnokpp", "number": "17590 13776"}],
            ),  # fmt: skip
            site=str(self.site_a.pk),
        )
        response = self.api(self.rita).post(HOUSEHOLDS, body)
        self.assertEqual(response.status_code, 201, response.content)
        answer = response.json()
        created = Household.objects.get(pk=answer["id"])
        self.assertEqual(created.site, self.site_a)
        self.assertEqual(created.address, "вул. Садова, 5")
        card = created.active_card()
        assert card is not None
        self.assertEqual(answer["card"], card.code)
        self.assertEqual(answer["size"], 2)
        # the head first
        head, other = answer["members"]
        self.assertEqual(head["family_name"], "Petrenko")
        self.assertTrue(head["is_head"])
        self.assertEqual(head["birth"], "1948")
        self.assertEqual(head["documents"], [{"kind": "rnokpp", "number": "1759013776"}])
        self.assertEqual(other["birth"], "14.03.1957")
        self.assertEqual(other["phone"], "+380671234567")
        self.assertEqual(other["documents"], [{"kind": "passport_booklet", "number": "АА 123456"}])
        self.assertEqual(other["displaced_on"], "2022-03-01")
        person = Person.objects.get(pk=other["id"])
        self.assertEqual(person.birth_date, date(1957, 3, 14))
        self.assertEqual(person.residency, "displaced")
        self.assertEqual(person.legal_basis, "vital_interests")
        self.assertFalse(person.is_head)
        self.assertEqual(Document.objects.get(person=person).number, "АА123456")
        vulnerabilities = Vulnerability.objects.filter(person=person)
        self.assertEqual(
            sorted(vulnerabilities.values_list("kind", "disability_group")),
            [("disability", 2), ("older_person", None)],
        )

    def test_it_audits_the_fields_and_never_the_values(self) -> None:
        body = household(new_member(documents=[{"kind": "passport_booklet", "number": "АА123456"}]))
        response = self.api(self.rita).post(HOUSEHOLDS, body)
        self.assertEqual(response.status_code, 201)
        person = response.json()["members"][0]["id"]
        events = AuditEvent.objects.filter(actor=self.rita, action="people.create_person")
        events = events.filter(object_id=person)
        self.assertEqual(events.count(), 1)
        self.assertIn("documents", events[0].fields)
        for event in AuditEvent.objects.all():
            dumped = audit_text(event)
            for secret in ("Знам'янська", "Людмила", "1957", "Садова", "123456"):
                self.assertNotIn(secret, dumped)

    def test_it_registers_at_the_only_site_of_a_registrar_and_asks_a_coordinator(self) -> None:
        response = self.api(self.rita).post(HOUSEHOLDS, household())
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["site"], str(self.site_a.pk))
        response = self.api(self.alice).post(HOUSEHOLDS, household(new_member(given_name="Ірина")))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["site"])

    def test_it_refuses_a_site_the_registrar_does_not_cover(self) -> None:
        response = self.api(self.rita).post(HOUSEHOLDS, household(site=str(self.site_b.pk)))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["site"])
        self.assertEqual(Household.objects.count(), 1)

    def test_it_lets_only_the_registry_register(self) -> None:
        for user in (self.dan, self.otto):
            response = self.api(user).post(HOUSEHOLDS, household())
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.json()["code"], "forbidden")
        self.assertEqual(self.api(None).post(HOUSEHOLDS, household()).status_code, 401)
        self.assertEqual(Household.objects.count(), 1)


class InvalidInputTestCase(BaseTestCase):
    def refused(self, body: dict[str, Any], language: str = "en") -> dict[str, Any]:
        response = self.api(self.rita, language).post(HOUSEHOLDS, body)
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(Household.objects.count(), 1)
        self.assertEqual(Person.objects.count(), 3)
        answer: dict[str, Any] = response.json()
        self.assertEqual(answer["code"], "invalid")
        return answer

    def test_it_names_a_broken_birth_date_in_english_and_ukrainian(self) -> None:
        body = household(new_member(), new_member(given_name="Ірина", birth="31.02.1950"))
        answer = self.refused(body, "en")
        self.assertEqual(answer["fields"], ["members.1.birth"])
        self.assertEqual(
            answer["errors"]["members.1.birth"], ["There is no such day in the calendar."]
        )
        self.assertIn("members.1.birth", answer["message"])
        answer = self.refused(body, "uk")
        self.assertEqual(answer["fields"], ["members.1.birth"])
        self.assertIn("Такого дня немає в календарі.", answer["message"])
        self.assertIn("members.1.birth", answer["message"])

    def test_it_names_each_wrong_field_of_each_member(self) -> None:
        body = household(
            new_member(birth="14 March"),
            new_member(given_name="Ірина", phone="12", birth="1990"),
        )
        answer = self.refused(body)
        self.assertEqual(answer["fields"], ["members.0.birth", "members.1.phone"])

    def test_it_refuses_an_rnokpp_whose_check_digit_is_wrong(self) -> None:
        body = household(new_member(documents=[{"kind": "rnokpp", "number": "1759013777"}]))
        answer = self.refused(body)
        self.assertEqual(answer["fields"], ["members.0.documents.0.number"])
        answer = self.refused(body, "uk")
        self.assertEqual(answer["fields"], ["members.0.documents.0.number"])

    def test_it_refuses_a_document_kind_it_does_not_know(self) -> None:
        body = household(new_member(documents=[{"kind": "driving_licence", "number": "AB123"}]))
        for language in ("en", "uk"):
            answer = self.refused(body, language)
            self.assertEqual(answer["fields"], ["members.0.documents.0.kind"])
            self.assertIn("members.0.documents.0.kind", answer["message"])

    def test_it_names_a_missing_field(self) -> None:
        incomplete = new_member()
        del incomplete["sex"]
        answer = self.refused(household(incomplete))
        self.assertEqual(answer["fields"], ["members.0.sex"])
        answer = self.refused(household(new_member(family_name="  ")))
        self.assertEqual(answer["fields"], ["members.0.family_name"])
        answer = self.refused(household(members=[]))
        self.assertEqual(answer["fields"], ["members"])

    def test_it_puts_a_disability_group_only_on_a_disability(self) -> None:
        wrong = [{"kind": "older_person", "disability_group": 1}]
        answer = self.refused(household(new_member(vulnerabilities=wrong)))
        self.assertEqual(answer["fields"], ["members.0.vulnerabilities.0.disability_group"])
        missing = [{"kind": "older_person"}, {"kind": "disability"}]
        answer = self.refused(household(new_member(vulnerabilities=missing)))
        self.assertEqual(answer["fields"], ["members.0.vulnerabilities.1.disability_group"])

    def test_it_refuses_the_same_document_twice_and_a_displacement_of_a_resident(self) -> None:
        twice = [{"kind": "passport_booklet", "number": "АА123456"}] * 2
        answer = self.refused(household(new_member(documents=twice)))
        self.assertEqual(answer["fields"], ["members.0"])
        answer = self.refused(household(new_member(displaced_from="Бахмут")))
        self.assertEqual(answer["fields"], ["members.0.residency"])

    def test_it_refuses_a_body_that_is_not_json(self) -> None:
        response = self.api(self.rita).post(HOUSEHOLDS, "{not json")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid")


class DuplicatesTestCase(BaseTestCase):
    def oksana(self) -> Person:
        return self.household_a.members.get(given_name="Оксана")

    def test_it_asks_before_registering_someone_already_registered(self) -> None:
        # the head of household A, her name in Latin letters
        body = household(
            new_member(family_name="Koval", given_name="Oksana", patronymic="Petrivna",
                       birth="17.05.1960")
        )  # fmt: skip
        rita = self.api(self.rita)
        response = rita.post(HOUSEHOLDS, body)
        self.assertEqual(response.status_code, 409, response.content)
        answer = response.json()
        self.assertEqual(answer["code"], "possible_duplicates")
        self.assertEqual([d["id"] for d in answer["duplicates"]], [str(self.oksana().pk)])
        duplicate = answer["duplicates"][0]
        self.assertEqual(duplicate["member"], 0)
        self.assertEqual(duplicate["household"], str(self.household_a.pk))
        self.assertEqual(duplicate["birth"], "17.05.1960")
        codes = [r["code"] for r in duplicate["reasons"]]
        self.assertIn("birth_date", codes)
        self.assertTrue(all(r["label"] for r in duplicate["reasons"]))
        self.assertEqual(Household.objects.count(), 1)

        # the registrar looked: another woman of the same name and birth date
        body["different_from"] = [str(self.oksana().pk)]
        response = rita.post(HOUSEHOLDS, body)
        self.assertEqual(response.status_code, 201, response.content)
        new = Person.objects.get(pk=response.json()["members"][0]["id"])
        pair = DuplicatePair.objects.get()
        self.assertEqual({pair.person_a_id, pair.person_b_id}, {new.pk, self.oksana().pk})
        self.assertEqual(pair.status, DuplicatePair.Status.DIFFERENT)
        self.assertEqual(pair.decided_by, self.rita)

        # and the batch check does not raise the pair again
        do_find_duplicates(actor=self.alice)
        self.assertFalse(DuplicatePair.objects.filter(status=DuplicatePair.Status.OPEN).exists())
        self.assertEqual(DuplicatePair.objects.get().status, DuplicatePair.Status.DIFFERENT)

    def test_it_asks_before_adding_a_member_registered_in_another_household(self) -> None:
        other = do_create_household(
            actor=self.rita, site=self.site_a, address="", members=[member(given="Марія")]
        )
        body = new_member(family_name="Коваль", given_name="Оксана", patronymic="Петрівна",
                          birth="17.05.1960")  # fmt: skip
        rita = self.api(self.rita)
        response = rita.post(f"{HOUSEHOLDS}/{other.pk}/members", body)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["duplicates"][0]["id"], str(self.oksana().pk))
        body["different_from"] = [str(self.oksana().pk)]
        response = rita.post(f"{HOUSEHOLDS}/{other.pk}/members", body)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["size"], 2)
        self.assertEqual(DuplicatePair.objects.get().status, DuplicatePair.Status.DIFFERENT)

    def test_it_does_not_show_a_registrar_the_people_of_another_site(self) -> None:
        do_create_household(
            actor=self.alice, site=self.site_b, address="", members=[member(given="Марія")]
        )
        body = household(new_member(family_name="Коваль", given_name="Марія",
                                    patronymic="Петрівна", birth="17.05.1960"))  # fmt: skip
        self.assertEqual(self.api(self.rita).post(HOUSEHOLDS, body).status_code, 201)

    def test_it_refuses_a_document_registered_to_someone_else(self) -> None:
        passport = [{"kind": "passport_booklet", "number": "КМ 000123"}]
        rita = self.api(self.rita)
        response = patch(rita, f"{PEOPLE}/persons/{self.oksana().pk}", {"documents": passport})
        self.assertEqual(response.status_code, 200, response.content)
        # another woman, with Oksana's passport number (a typo, or a borrowed document)
        body = household(new_member(documents=passport))
        response = rita.post(HOUSEHOLDS, body, **{"Idempotency-Key": "dup-doc"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "document_taken")
        self.assertIn("passport", response.json()["message"])
        self.assertEqual(Household.objects.count(), 1)
        self.assertFalse(IdempotencyRecord.objects.exists())
        # corrected, the same key registers her: the refusal was not remembered
        body["members"][0]["documents"] = [{"kind": "passport_booklet", "number": "КМ 000124"}]
        response = rita.post(HOUSEHOLDS, body, **{"Idempotency-Key": "dup-doc"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(Household.objects.count(), 2)

    def test_it_refuses_to_give_a_person_someone_elses_document(self) -> None:
        ihor = self.household_a.members.get(given_name="Ігор")
        passport = [{"kind": "passport_booklet", "number": "КМ 000123"}]
        rita = self.api(self.rita)
        patch(rita, f"{PEOPLE}/persons/{self.oksana().pk}", {"documents": passport})
        response = patch(rita, f"{PEOPLE}/persons/{ihor.pk}", {"documents": passport})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "document_taken")
        self.assertIn("already registered", response.json()["message"])
        self.assertFalse(Document.objects.filter(person=ihor).exists())


class IdempotencyTestCase(BaseTestCase):
    def test_it_answers_a_retry_with_the_first_answer_and_registers_once(self) -> None:
        rita = self.api(self.rita)
        first = rita.post(HOUSEHOLDS, household(), **{"Idempotency-Key": "reg-1"})
        self.assertEqual(first.status_code, 201)
        again = rita.post(HOUSEHOLDS, household(), **{"Idempotency-Key": "reg-1"})
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(Household.objects.count(), 2)
        self.assertEqual(Person.objects.filter(given_name="Людмила").count(), 1)
        # without the key, the same body is a possible duplicate of the first
        self.assertEqual(rita.post(HOUSEHOLDS, household()).status_code, 409)

    def test_it_adds_a_member_once_however_often_the_request_is_sent(self) -> None:
        rita = self.api(self.rita)
        path = f"{HOUSEHOLDS}/{self.household_a.pk}/members"
        answers = [rita.post(path, new_member(), **{"Idempotency-Key": "add-1"}) for _ in range(2)]
        self.assertEqual([a.status_code for a in answers], [201, 201])
        self.assertEqual(answers[0].json(), answers[1].json())
        self.assertEqual(self.household_a.members.count(), 4)

    def test_it_refuses_a_key_too_long(self) -> None:
        response = self.api(self.rita).post(
            HOUSEHOLDS, household(), **{"Idempotency-Key": "k" * 201}
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(Household.objects.count(), 1)


class ReadTestCase(BaseTestCase):
    def test_it_shows_the_registry_the_whole_household(self) -> None:
        oksana = self.household_a.members.get(given_name="Оксана")
        do_update_person(
            actor=self.rita, person=oksana,
            member=MemberData(**{**member().__dict__, "is_head": True, "phone": "+380671234567",
                                 "documents": (("passport_booklet", "АА123456"),)}),
        )  # fmt: skip
        for user in (self.rita, self.alice):
            response = self.api(user).get(f"{HOUSEHOLDS}/{self.household_a.pk}")
            self.assertEqual(response.status_code, 200)
            answer = response.json()
            self.assertEqual(answer["view"], "registry")
            self.assertEqual(answer["size"], 3)
            self.assertEqual(answer["card"], self.card_a.code)
            self.assertEqual(answer["address"], "вул. Шкільна, 1")
            head = answer["members"][0]
            self.assertEqual(head["given_name"], "Оксана")
            self.assertEqual(
                head["documents"], [{"kind": "passport_booklet", "number": "АА 123456"}]
            )
            self.assertEqual(head["phone"], "+380671234567")

    def test_it_shows_the_desk_names_and_household_size_only(self) -> None:
        tarас = self.household_a.members.get(given_name="Тарас")
        do_update_person(
            actor=self.rita, person=tarас,
            member=MemberData(**{**member(given="Тарас", born=date(2015, 1, 2)).__dict__,
                                 "status": PersonStatus.EVACUATED}),
        )  # fmt: skip
        response = self.api(self.dan).get(f"{HOUSEHOLDS}/{self.household_a.pk}")
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["view"], "desk")
        self.assertEqual(answer["size"], 2)
        self.assertEqual(
            [m["name"] for m in answer["members"]],
            ["Коваль Оксана Петрівна", "Коваль Ігор Петрівна"],
        )
        self.assertEqual(set(answer), {"view", "id", "site", "size", "members"})
        for field in ("1960", "Шкільна", "documents", "phone", "birth", "vulnerabilities"):
            self.assertNotIn(field, response.content.decode())
        # the desk reads no person's record, and no household of another site
        oksana = self.household_a.members.get(given_name="Оксана")
        self.assertEqual(self.api(self.dan).get(f"{PEOPLE}/persons/{oksana.pk}").status_code, 403)
        self.assertEqual(
            self.api(self.bea).get(f"{HOUSEHOLDS}/{self.household_a.pk}").status_code, 404
        )

    def test_it_shows_an_auditor_counts_and_no_one(self) -> None:
        oksana = self.household_a.members.get(given_name="Оксана")
        otto = self.api(self.otto)
        for path in (f"{HOUSEHOLDS}/{self.household_a.pk}", f"{PEOPLE}/persons/{oksana.pk}",
                     f"{PEOPLE}/search?q=Коваль", HOUSEHOLDS):  # fmt: skip
            self.assertEqual(otto.get(path).status_code, 403, path)
        response = otto.get(f"{PEOPLE}/counts")
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["households"], 1)
        self.assertEqual(answer["persons"], 3)
        self.assertEqual(
            answer["by_status"][0], {"code": "present", "label": "present", "count": 3}
        )
        self.assertNotIn("Коваль", response.content.decode())
        for user in (self.rita, self.dan):
            self.assertEqual(self.api(user).get(f"{PEOPLE}/counts").status_code, 403)

    def test_it_answers_404_for_another_sites_household_and_person(self) -> None:
        other = do_create_household(
            actor=self.alice, site=self.site_b, address="", members=[member(given="Марія")]
        )
        maria = other.members.get()
        rita = self.api(self.rita)
        self.assertEqual(rita.get(f"{HOUSEHOLDS}/{other.pk}").status_code, 404)
        self.assertEqual(patch(rita, f"{HOUSEHOLDS}/{other.pk}", {"address": "x"}).status_code, 404)
        self.assertEqual(
            rita.post(f"{HOUSEHOLDS}/{other.pk}/members", new_member()).status_code, 404
        )
        self.assertEqual(rita.get(f"{PEOPLE}/persons/{maria.pk}").status_code, 404)
        self.assertEqual(
            patch(rita, f"{PEOPLE}/persons/{maria.pk}", {"phone": ""}).status_code, 404
        )
        response = rita.get(f"{PEOPLE}/persons/{maria.pk}")
        self.assertEqual(response.json()["code"], "not_found")
        self.assertEqual(self.api(self.alice).get(f"{PEOPLE}/persons/{maria.pk}").status_code, 200)
        self.assertEqual(Person.objects.get(pk=maria.pk).phone, "")


class SearchTestCase(BaseTestCase):
    def test_it_finds_a_person_by_a_latin_spelling_with_why(self) -> None:
        other = do_create_household(
            actor=self.alice, site=self.site_b, address="", members=[member()]
        )
        response = self.api(self.rita).get(f"{PEOPLE}/search", q="Koval Oksana 1960")
        self.assertEqual(response.status_code, 200)
        hits = response.json()
        oksana = self.household_a.members.get(given_name="Оксана")
        self.assertEqual(hits[0]["id"], str(oksana.pk))
        self.assertEqual(hits[0]["household"], str(self.household_a.pk))
        self.assertEqual(hits[0]["site"], str(self.site_a.pk))
        self.assertEqual(hits[0]["birth"], "17.05.1960")
        self.assertTrue(hits[0]["reasons"])
        self.assertTrue(all(r["code"] and r["label"] for r in hits[0]["reasons"]))
        self.assertNotIn(str(other.pk), [h["household"] for h in hits])
        # the coordinator sees both sites
        hits = self.api(self.alice).get(f"{PEOPLE}/search", q="Koval Oksana 1960").json()
        self.assertIn(str(other.pk), [h["household"] for h in hits])

    def test_it_finds_a_household_by_its_card(self) -> None:
        hits = self.api(self.rita).get(f"{PEOPLE}/search", q=self.card_a.display_code()).json()
        self.assertEqual({h["household"] for h in hits}, {str(self.household_a.pk)})
        self.assertEqual(len(hits), 3)

    def test_it_searches_with_the_line_in_the_body_too(self) -> None:
        posted = self.api(self.rita).post(f"{PEOPLE}/search", {"q": "Koval Oksana 1960"})
        self.assertEqual(posted.status_code, 200)
        got = self.api(self.rita).get(f"{PEOPLE}/search", q="Koval Oksana 1960").json()
        self.assertEqual(posted.json(), got)
        self.assertTrue(got)
        self.assertEqual(self.api(self.dan).post(f"{PEOPLE}/search", {"q": "x"}).status_code, 403)
        self.assertEqual(self.api(self.rita).post(f"{PEOPLE}/search", {}).status_code, 422)

    def test_it_lets_only_the_registry_search(self) -> None:
        for user in (self.dan, self.otto):
            self.assertEqual(self.api(user).get(f"{PEOPLE}/search", q="Коваль").status_code, 403)
        response = self.api(self.rita).get(f"{PEOPLE}/search")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["q"])


class UpdateTestCase(BaseTestCase):
    def test_it_changes_only_the_fields_sent(self) -> None:
        ihor = self.household_a.members.get(given_name="Ігор")
        response = patch(
            self.api(self.rita),
            f"{PEOPLE}/persons/{ihor.pk}",
            {"phone": "067 765 43 21", "sex": "male"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["phone"], "+380677654321")
        ihor.refresh_from_db()
        self.assertEqual(ihor.phone, "+380677654321")
        self.assertEqual(ihor.sex, Sex.MALE)
        self.assertEqual(ihor.family_name, "Коваль")
        self.assertEqual(ihor.birth_date, date(1960, 5, 17))
        event = AuditEvent.objects.filter(action="people.update_person").get()
        self.assertEqual(sorted(event.fields), ["phone", "sex"])

    def test_it_replaces_documents_and_vulnerabilities_when_sent(self) -> None:
        ihor = self.household_a.members.get(given_name="Ігор")
        path = f"{PEOPLE}/persons/{ihor.pk}"
        body = {
            "documents": [{"kind": "id_card", "number": "001 234 567"}],
            "vulnerabilities": [
                {"kind": "chronic_illness"},
                {"kind": "disability", "disability_group": 1},
            ],
        }
        response = patch(self.api(self.rita), path, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["documents"], [{"kind": "id_card", "number": "001234567"}])
        self.assertEqual(
            sorted(ihor.vulnerabilities.values_list("kind", "disability_group")),
            [("chronic_illness", None), ("disability", 1)],
        )
        response = patch(
            self.api(self.rita), path, {"vulnerabilities": [], "phone": "050 111 22 33"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(ihor.vulnerabilities.exists())
        self.assertEqual(ihor.documents.get().number, "001234567")

    def test_it_makes_a_new_head_and_the_old_one_a_member(self) -> None:
        ihor = self.household_a.members.get(given_name="Ігор")
        oksana = self.household_a.members.get(given_name="Оксана")
        self.assertTrue(oksana.is_head)
        response = patch(self.api(self.alice), f"{PEOPLE}/persons/{ihor.pk}", {"is_head": True})
        self.assertEqual(response.status_code, 200)
        oksana.refresh_from_db()
        self.assertFalse(oksana.is_head)
        self.assertTrue(Person.objects.get(pk=ihor.pk).is_head)

    def test_it_names_a_broken_field_and_changes_nothing(self) -> None:
        ihor = self.household_a.members.get(given_name="Ігор")
        response = patch(
            self.api(self.rita, "uk"), f"{PEOPLE}/persons/{ihor.pk}",
            {"birth": "31.02.1950", "given_name": "Іван"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["birth"])
        self.assertIn("Такого дня немає в календарі.", response.json()["message"])
        self.assertEqual(Person.objects.get(pk=ihor.pk).given_name, "Ігор")

    def test_it_changes_the_address_of_a_household(self) -> None:
        response = patch(
            self.api(self.rita), f"{HOUSEHOLDS}/{self.household_a.pk}", {"address": "вул. Нова, 2"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["address"], "вул. Нова, 2")
        self.household_a.refresh_from_db()
        self.assertEqual(self.household_a.address, "вул. Нова, 2")
        self.assertEqual(AuditEvent.objects.filter(action="people.update_household").count(), 1)
        response = patch(
            self.api(self.rita), f"{HOUSEHOLDS}/{self.household_a.pk}", {"address": "x" * 301}
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["address"])
        for user in (self.dan, self.otto):
            response = patch(
                self.api(user), f"{HOUSEHOLDS}/{self.household_a.pk}", {"address": "x"}
            )
            self.assertEqual(response.status_code, 403)


class SchemaTestCase(BaseTestCase):
    def test_it_lists_the_registry_in_the_schema(self) -> None:
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        self.assertEqual(set(paths[f"{HOUSEHOLDS}/{{id}}"]), {"get", "patch"})
        self.assertEqual(set(paths[f"{PEOPLE}/persons/{{id}}"]), {"get", "patch"})
        self.assertIn("post", paths[HOUSEHOLDS])
        self.assertIn("get", paths[HOUSEHOLDS])
        self.assertIn("post", paths[f"{HOUSEHOLDS}/{{id}}/members"])
        self.assertIn("get", paths[f"{PEOPLE}/search"])
        self.assertIn("get", paths[f"{PEOPLE}/counts"])
        self.assertIn("409", paths[HOUSEHOLDS]["post"]["responses"])
