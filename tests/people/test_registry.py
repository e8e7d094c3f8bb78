"""The registry of issue 3 through HTTP: recording a person fully, finding them in any
spelling, the duplicate check before saving, the coordinator's queue and merge, and who sees
what."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from django.apps import apps
from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.distribution.models import Collection
from hromada.people.actions import (
    MemberData,
    do_create_household,
    do_find_duplicates,
    do_issue_card,
    do_mark_different,
)
from hromada.people.models import (
    BirthPrecision,
    Card,
    Document,
    DuplicatePair,
    Household,
    NameVariant,
    Person,
    PersonMerge,
    PersonStatus,
    Residency,
    Sex,
    Vulnerability,
)
from tests.base import BaseTestCase
from tests.people.test_households import household_form

# a synthetic tax number with a valid check digit for 14.03.1957 (see lib.documents)
RNOKPP_1957_03_14 = "2089204568"


def one_member(**overrides: Any) -> dict[str, Any]:
    """The registration form with one member, Людмила Знам'янська."""
    return household_form(
        **{
            "site": "",
            "members-1-family_name": "",
            "members-1-given_name": "",
            "members-1-sex": "",
            "members-1-birth": "",
            **overrides,
        }
    )


def person(family: str, given: str, patronymic: str = "", born: date | None = None,
           sex: str = Sex.FEMALE, **extra: Any) -> MemberData:  # fmt: skip
    return MemberData(
        family_name=family,
        given_name=given,
        patronymic=patronymic,
        sex=sex,
        birth_date=born or date(1957, 3, 14),
        **extra,
    )


class RecordTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.rita)

    def post(self, **overrides: Any) -> Any:
        data = one_member(site=str(self.site_a.pk), **overrides)
        return self.client.post(reverse("people:household_create"), data)

    def test_it_records_everything_the_registrar_knows(self) -> None:
        response = self.post(
            **{
                "members-0-birth": "03.1957",
                "members-0-phone": "067 123 45 67",
                "members-0-residency": "displaced",
                "members-0-displaced_from": "Покровська громада",
                "members-0-displaced_on": "14.08.2024",
                "members-0-vulnerabilities": ["older_person", "disability"],
                "members-0-disability_group": "2",
                "members-0-document_0_kind": "foreign_passport",
                "members-0-document_0_number": "fa 123456",
                "members-0-legal_basis": "vital_interests",
            }
        )
        person = Person.objects.get(given_name="Людмила")
        self.assertRedirects(response, reverse("people:household", args=[person.household_id]))
        self.assertEqual(person.birth_precision, BirthPrecision.MONTH)
        self.assertEqual(person.birth_date, date(1957, 3, 1))
        self.assertEqual(person.phone, "+380671234567")
        self.assertEqual(person.residency, Residency.DISPLACED)
        self.assertEqual(person.displaced_on, date(2024, 8, 14))
        self.assertEqual(person.legal_basis, "vital_interests")
        self.assertTrue(person.is_head)
        self.assertEqual(
            sorted(person.vulnerabilities.values_list("kind", "disability_group")),
            [("disability", 2), ("older_person", None)],
        )
        self.assertEqual(
            list(person.documents.values_list("kind", "number")),
            [("foreign_passport", "FA123456")],
        )
        page = self.client.get(reverse("people:person", args=[person.pk])).content.decode()
        self.assertIn("Znamianska Liudmyla Ivanivna", page)  # KMU-55, derived and shown
        self.assertIn("FA123456", page)
        self.assertIn("03.1957", page)
        # the audit names the fields, never what they held
        audit = AuditEvent.objects.get(action="people.create_person", object_id=str(person.pk))
        self.assertIn("documents", audit.fields)
        self.assertNotIn("FA123456", str(audit.fields))

    def test_it_names_what_is_wrong_with_a_document(self) -> None:
        response = self.post(
            **{
                "members-0-document_0_kind": "rnokpp",
                "members-0-document_0_number": "2089204569",
            }
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["members"].forms[0].errors
        self.assertIn("document_0_number", errors)
        self.assertFalse(Person.objects.filter(given_name="Людмила").exists())

    def test_it_says_in_ukrainian_which_phone_is_wrong(self) -> None:
        self.client.cookies["django_language"] = "uk"
        response = self.post(**{"members-0-phone": "12"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("phone", response.context["members"].forms[0].errors)
        self.assertFalse(Person.objects.filter(given_name="Людмила").exists())

    def test_it_asks_for_the_group_of_a_disability(self) -> None:
        response = self.post(**{"members-0-vulnerabilities": ["disability"]})
        self.assertIn("disability_group", response.context["members"].forms[0].errors)

    def test_it_refuses_a_document_already_registered_and_saves_nothing(self) -> None:
        do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Бондар", "Ганна", documents=(("foreign_passport", "FA123456"),))],
        )  # fmt: skip
        households = Household.objects.count()
        response = self.post(
            **{
                "members-0-document_0_kind": "foreign_passport",
                "members-0-document_0_number": "FA123456",
                "different": [],
            }
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Household.objects.count(), households)

    def test_it_edits_a_person_and_audits_the_fields_that_changed(self) -> None:
        person_a = self.household_a.members.get(given_name="Оксана")
        data = {
            "family_name": "Коваль", "given_name": "Оксана", "patronymic": "Петрівна",
            "sex": "female", "birth": "17.05.1960", "status": "evacuated",
            "residency": "resident", "legal_basis": "consent", "is_head": "on",
        }  # fmt: skip
        response = self.client.post(reverse("people:person_edit", args=[person_a.pk]), data)
        self.assertRedirects(response, reverse("people:person", args=[person_a.pk]))
        person_a.refresh_from_db()
        self.assertEqual(person_a.status, PersonStatus.EVACUATED)
        audit = AuditEvent.objects.filter(action="people.update_person").latest("at")
        self.assertEqual(audit.fields, ["status"])
        # an evacuated member no longer counts for bread
        self.assertEqual(self.household_a.members_count(), 2)


class DuplicateCheckTestCase(BaseTestCase):
    """Before saving, the registrar sees who may already be registered."""

    def setUp(self) -> None:
        self.existing = do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Петренко", "Людмила", "Іванівна")],
        ).members.get()  # fmt: skip
        self.login(self.rita)

    def register(self, **overrides: str | list[str]) -> Any:
        data = one_member(
            site=str(self.site_a.pk),
            **{
                "members-0-family_name": "Petrenko",
                "members-0-given_name": "Lyudmila",
                "members-0-patronymic": "",
                **overrides,
            },
        )
        return self.client.post(reverse("people:household_create"), data)

    def test_it_shows_the_person_who_may_be_registered_already(self) -> None:
        before = Person.objects.count()
        response = self.register()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("people:person", args=[self.existing.pk]))
        self.assertEqual(Person.objects.count(), before)

    def test_it_remembers_that_they_are_different_people(self) -> None:
        first = self.register()
        value = f"0:{self.existing.pk}"
        self.assertContains(first, value)
        response = self.register(different=[value])
        new = Person.objects.get(given_name="Lyudmila")
        self.assertRedirects(response, reverse("people:household", args=[new.household_id]))
        pair = DuplicatePair.objects.get()
        self.assertEqual(pair.status, DuplicatePair.Status.DIFFERENT)
        self.assertEqual({pair.person_a_id, pair.person_b_id}, {new.pk, self.existing.pk})
        self.assertEqual(pair.decided_by, self.rita)
        # the batch check does not raise the decided pair again
        self.assertEqual(do_find_duplicates(actor=self.alice), 0)

    def test_it_does_not_show_another_sites_people_to_a_registrar(self) -> None:
        do_create_household(
            actor=self.alice, site=self.site_b, address="",
            members=[person("Петренко", "Людмила", "Іванівна")],
        )  # fmt: skip
        response = self.register()
        for hit in [h for _n, _r, hits in response.context["duplicates"] for h in hits]:
            self.assertEqual(hit.person.household.site, self.site_a)

    def test_it_does_not_warn_about_a_different_person(self) -> None:
        response = self.register(
            **{"members-0-given_name": "Oleh", "members-0-sex": "male", "members-0-birth": "1990"}
        )
        self.assertEqual(response.status_code, 302)


class SearchTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.target = do_create_household(
            actor=self.rita, site=self.site_a, address="вул. Миру, 3",
            members=[person(
                "Петренко", "Людмила", "Іванівна", phone="+380671234567",
                documents=(("id_card", "123456789"),),
            )],
        ).members.get()  # fmt: skip
        do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Петренко", "Оксана", "Іванівна", born=date(1980, 1, 2)),
                     person("Коваленко", "Тетяна", "Сергіївна", born=date(1971, 6, 9))],
        )  # fmt: skip
        self.login(self.rita)

    def first_hit(self, query: str) -> Any:
        response = self.client.post(reverse("people:households"), {"q": query})
        self.assertEqual(response.status_code, 200)
        hits = response.context["hits"]
        self.assertTrue(hits, f"nothing found for {query!r}")
        return hits[0]

    def test_it_finds_a_person_in_any_spelling(self) -> None:
        for query in (
            "Петренко Людмила",
            "Liudmyla Petrenko",
            "Lyudmila Petrenko 1957",
            "Людмила Петренко",  # Russian form
            "Petrenko Ludmila Ivanovna",
            "Петрнко Людмила",  # a typo
        ):
            with self.subTest(query=query):
                self.assertEqual(self.first_hit(query).person, self.target)

    def test_it_finds_a_name_typed_with_a_slip_or_two_that_no_key_shares(self) -> None:
        for query in (
            "Птеренко Людмила",  # two letters swapped in the first three
            "Птренко Людмила",  # one left out
            "Бетренко Людмила",  # the first one wrong
            "Петренко Лдюмила",  # the given name's letters swapped
            "Ptrenko Liudmyla",  # a slip in the Latin
            "Петрнко Людмла",  # one slip in each
        ):
            with self.subTest(query=query):
                hit = self.first_hit(query)
                self.assertEqual(hit.person, self.target)
                self.assertTrue(
                    {"family_name_typo", "given_name_typo"} & set(hit.match.reasons), hit
                )

    def test_the_upgrade_gives_the_people_registered_before_their_name_variants(self) -> None:
        NameVariant.objects.all().delete()
        self.assertEqual(
            self.client.post(reverse("people:households"), {"q": "Птренко Людмила"}).context[
                "hits"
            ],
            [],
        )
        migration = importlib.import_module("hromada.people.migrations.0005_name_variants")
        migration.backfill(apps, None)
        self.assertEqual(self.first_hit("Птренко Людмила").person, self.target)

    def test_it_corrects_a_slip_only_to_names_someone_bears(self) -> None:
        # Nobody near "Зюзюка" is registered: nothing is found, and nothing else is shown.
        response = self.client.post(reverse("people:households"), {"q": "Зюзюка Людмила"})
        self.assertEqual(response.context["hits"], [])

    def test_it_finds_by_document_phone_card_and_birth_date(self) -> None:
        card = do_issue_card(actor=self.rita, household=self.target.household)
        for query in ("123456789", "067 123 45 67", card.display_code(), "Петренко 14.03.1957"):
            with self.subTest(query=query):
                self.assertEqual(self.first_hit(query).person, self.target)

    def test_it_says_why_each_result_matched(self) -> None:
        hit = self.first_hit("Liudmyla Petrenko")
        self.assertTrue(hit.reasons)
        page = self.client.post(reverse("people:households"), {"q": "Liudmyla Petrenko"})
        self.assertContains(page, hit.reasons[0].label)

    def test_it_answers_htmx_with_the_results_alone(self) -> None:
        response = self.client.post(
            reverse("people:households"), {"q": "Petrenko"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, 'id="results"')
        self.assertNotContains(response, "<html")

    def test_it_shows_a_registrar_nothing_of_another_site(self) -> None:
        do_create_household(
            actor=self.alice, site=self.site_b, address="",
            members=[person("Шевчук", "Марта")],
        )  # fmt: skip
        response = self.client.post(reverse("people:households"), {"q": "Шевчук Марта"})
        self.assertEqual(response.context["hits"], [])


class AddressTestCase(BaseTestCase):
    """The batch check reads each household's address: Людмила registered again, her given
    name misspelt and only her birth year known, found by the house she lives in."""

    def register(self, given: str, address: str) -> Household:
        return do_create_household(
            actor=self.rita, site=self.site_a, address=address,
            members=[person("Петренко", given, born=date(1957, 1, 1),
                            birth_precision=BirthPrecision.YEAR)],
        )  # fmt: skip

    def test_it_raises_a_pair_at_one_address(self) -> None:
        self.register("Людмила", "вул. Шевченка, 12, кв. 5, Ірпінь")
        self.register("Людмлиа", "Ірпінь, Шевченка 12/5")
        do_find_duplicates(actor=self.alice)
        pair = DuplicatePair.objects.get()
        self.assertIn("address", pair.reasons)

    def test_it_raises_no_pair_at_two_addresses(self) -> None:
        self.register("Людмила", "вул. Шевченка, 12, кв. 5, Ірпінь")
        self.register("Людмлиа", "вул. Франка, 3, Ірпінь")
        do_find_duplicates(actor=self.alice)
        self.assertFalse(DuplicatePair.objects.exists())


class MergeTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.first = do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Петренко", "Людмила", "Іванівна")],
        )  # fmt: skip
        self.second = do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Petrenko", "Liudmyla", born=date(1957, 3, 14),
                            documents=(("rnokpp", RNOKPP_1957_03_14),),
                            vulnerabilities=(("older_person", None),))],
        )  # fmt: skip
        self.card_first = do_issue_card(actor=self.rita, household=self.first)
        self.card_second = do_issue_card(actor=self.rita, household=self.second)
        self.login(self.alice)

    def scan(self) -> DuplicatePair:
        self.client.post(reverse("people:duplicate_scan"))
        return DuplicatePair.objects.get(status=DuplicatePair.Status.OPEN)

    def test_it_queues_the_likely_duplicate_with_both_records_side_by_side(self) -> None:
        pair = self.scan()
        queue = self.client.get(reverse("people:duplicates"))
        self.assertContains(queue, reverse("people:duplicate", args=[pair.pk]))
        page = self.client.get(reverse("people:duplicate", args=[pair.pk]))
        self.assertContains(page, "Liudmyla")
        self.assertContains(page, 'class="differs"')

    def test_it_merges_and_moves_everything_to_the_record_that_remains(self) -> None:
        self.client.post(
            reverse("distribution:checkin", args=[self.session_a.pk]),
            {"card": self.card_second.code},
        )
        self.assertEqual(Collection.objects.filter(household=self.second).count(), 1)
        pair = self.scan()
        survivor = self.first.members.get()
        keep = "keep_a" if pair.person_a_id == survivor.pk else "keep_b"
        response = self.client.post(
            reverse("people:duplicate_decide", args=[pair.pk]), {"decision": keep}
        )
        self.assertRedirects(response, reverse("people:person", args=[survivor.pk]))
        merged = self.second.members.get()
        self.assertEqual(merged.status, PersonStatus.MERGED)
        self.assertEqual(merged.merged_into, survivor)
        self.assertEqual(Document.objects.get().person, survivor)
        self.assertEqual(Vulnerability.objects.get().person, survivor)
        # the emptied household follows: its collection and cards move, its card is revoked
        self.assertEqual(Collection.objects.filter(household=self.first).count(), 1)
        self.card_second.refresh_from_db()
        self.assertEqual(self.card_second.status, Card.Status.REVOKED)
        self.assertEqual(self.card_second.household_id, self.first.pk)
        self.second.refresh_from_db()
        self.assertEqual(self.second.merged_into_id, self.first.pk)
        # the merge can be explained later
        merge = PersonMerge.objects.get()
        self.assertEqual(
            (merge.survivor, merge.merged, merge.actor), (survivor, merged, self.alice)
        )
        self.assertEqual(merge.moved["documents"], 1)
        self.assertTrue(merge.reasons)
        page = self.client.get(reverse("people:person", args=[survivor.pk]))
        self.assertContains(page, reverse("people:person", args=[merged.pk]))
        self.assertTrue(AuditEvent.objects.filter(action="people.merge_person").exists())
        pair.refresh_from_db()
        self.assertEqual(pair.status, DuplicatePair.Status.MERGED)
        # the household's members count for bread once, not twice
        self.assertEqual(self.first.members_count(), 1)

    def test_it_keeps_a_collection_that_would_be_a_second_one_in_the_same_day(self) -> None:
        for card in (self.card_first, self.card_second):
            self.client.post(
                reverse("distribution:checkin", args=[self.session_a.pk]), {"card": card.code}
            )
        pair = self.scan()
        keep = "keep_a" if pair.person_a_id == self.first.members.get().pk else "keep_b"
        self.client.post(reverse("people:duplicate_decide", args=[pair.pk]), {"decision": keep})
        merge = PersonMerge.objects.get()
        self.assertEqual(merge.moved.get("collection_kept"), 1)
        self.assertEqual(Collection.objects.filter(household=self.second).count(), 1)

    def test_it_dismisses_a_pair_for_good(self) -> None:
        pair = self.scan()
        self.client.post(
            reverse("people:duplicate_decide", args=[pair.pk]), {"decision": "different"}
        )
        pair.refresh_from_db()
        self.assertEqual(pair.status, DuplicatePair.Status.DIFFERENT)
        self.assertEqual(do_find_duplicates(actor=self.alice), 0)
        self.assertEqual(Person.objects.filter(status=PersonStatus.MERGED).count(), 0)

    def test_it_does_not_merge_twice(self) -> None:
        pair = self.scan()
        for _ in range(2):
            self.client.post(
                reverse("people:duplicate_decide", args=[pair.pk]), {"decision": "keep_a"}
            )
        self.assertEqual(PersonMerge.objects.count(), 1)

    def test_it_does_not_raise_two_members_of_one_household(self) -> None:
        do_create_household(
            actor=self.rita, site=self.site_a, address="",
            members=[person("Бондаренко", "Ольга", born=date(1950, 1, 1)),
                     person("Бондаренко", "Олена", born=date(1975, 1, 1))],
        )  # fmt: skip
        do_mark_different(
            actor=self.alice, person=self.first.members.get(), other=self.second.members.get()
        )
        self.assertEqual(do_find_duplicates(actor=self.alice), 0)


class WhoSeesWhatTestCase(BaseTestCase):
    def test_it_keeps_the_registry_from_the_desk_and_the_auditor(self) -> None:
        person_a = self.household_a.members.first()
        assert person_a is not None
        for user in (self.dan, self.otto):
            self.login(user)
            for url in (
                reverse("people:households"),
                reverse("people:person", args=[person_a.pk]),
                reverse("people:duplicates"),
            ):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_gives_the_auditor_counts_not_people(self) -> None:
        self.login(self.otto)
        page = self.client.get(reverse("people:counts"))
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["counts"].persons, 3)
        self.assertNotContains(page, "Оксана")

    def test_it_keeps_duplicates_queue_for_coordinators(self) -> None:
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("people:duplicates")).status_code, 403)

    def test_it_hides_another_sites_person(self) -> None:
        other = do_create_household(
            actor=self.alice, site=self.site_b, address="", members=[person("Шевчук", "Марта")]
        ).members.get()
        self.login(self.rita)
        self.assertEqual(
            self.client.get(reverse("people:person", args=[other.pk])).status_code, 404
        )
