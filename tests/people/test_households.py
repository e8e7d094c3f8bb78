from __future__ import annotations

from typing import Any
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.lib import cardcode
from hromada.people.actions import do_create_household, do_issue_card
from hromada.people.models import BirthPrecision, Card, Household, Person
from tests.base import BaseTestCase, audit_text, member


def household_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "address": "вул. Садова, 5",
        "members-TOTAL_FORMS": "4",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30",
        "members-0-family_name": "Знам'янська",
        "members-0-given_name": "Людмила",
        "members-0-patronymic": "Іванівна",
        "members-0-sex": "female",
        "members-0-birth": "14.03.1957",
        "members-1-family_name": "Petrenko",
        "members-1-given_name": "Ihor",
        "members-1-sex": "male",
        "members-1-birth": "1949",
    }
    data.update(overrides)
    return data


class RegisterTestCase(BaseTestCase):
    def test_it_registers_a_household_with_its_members_and_a_card(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            reverse("people:household_create"), household_form(site=str(self.site_a.pk))
        )
        household = Household.objects.exclude(pk=self.household_a.pk).get()
        self.assertRedirects(response, reverse("people:household", args=[household.pk]))
        members = list(household.members.order_by("created_at"))
        self.assertEqual([p.family_name for p in members], ["Знам'янська", "Petrenko"])
        self.assertEqual(members[0].birth_date.isoformat(), "1957-03-14")
        self.assertEqual(members[0].birth_precision, BirthPrecision.DAY)
        self.assertEqual(members[1].birth_date.isoformat(), "1949-01-01")
        self.assertEqual(members[1].birth_precision, BirthPrecision.YEAR)
        card = household.active_card()
        assert card is not None
        self.assertEqual(cardcode.normalise(card.code), card.code)
        page = self.client.get(reverse("people:household", args=[household.pk]))
        self.assertContains(page, "Знам&#x27;янська")
        self.assertContains(page, card.display_code())
        self.assertContains(page, "1949")

    def test_it_leaves_no_household_without_its_card_when_the_card_fails(self) -> None:
        self.login(self.rita)
        with (
            mock.patch("hromada.people.actions.do_issue_card", side_effect=RuntimeError),
            self.assertRaises(RuntimeError),
        ):
            self.client.post(
                reverse("people:household_create"), household_form(site=str(self.site_a.pk))
            )
        self.assertEqual(Household.objects.count(), 1)
        self.assertEqual(Person.objects.count(), 3)

    def test_it_ignores_the_rows_a_browser_sends_empty(self) -> None:
        self.login(self.rita)
        fields = ("family_name", "given_name", "patronymic", "sex", "birth")
        blank = {f"members-{row}-{name}": "" for row in (2, 3) for name in fields}
        response = self.client.post(
            reverse("people:household_create"), household_form(site=str(self.site_a.pk), **blank)
        )
        self.assertEqual(response.status_code, 302)
        household = Household.objects.exclude(pk=self.household_a.pk).get()
        self.assertEqual(household.members.count(), 2)

    def test_it_names_the_field_and_stores_nothing_when_a_birth_date_is_broken(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            reverse("people:household_create"),
            household_form(site=str(self.site_a.pk), **{"members-1-birth": "31.02.1950"}),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Такого дня немає в календарі")
        self.assertEqual(Household.objects.count(), 1)
        self.assertEqual(Person.objects.count(), 3)

    def test_it_refuses_a_household_without_members(self) -> None:
        self.login(self.rita)
        data = {k: v for k, v in household_form(site=str(self.site_a.pk)).items()
                if not k.startswith("members-0") and not k.startswith("members-1")}  # fmt: skip
        response = self.client.post(reverse("people:household_create"), data)
        self.assertContains(response, "Домогосподарство має щонайменше одного члена")
        self.assertEqual(Household.objects.count(), 1)

    def test_it_does_not_let_a_registrar_register_at_another_site(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            reverse("people:household_create"), household_form(site=str(self.site_b.pk))
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Household.objects.count(), 1)

    def test_it_audits_the_fields_and_never_the_values(self) -> None:
        self.login(self.rita)
        before = AuditEvent.objects.filter(action="people.create_person").count()
        self.client.post(
            reverse("people:household_create"), household_form(site=str(self.site_a.pk))
        )
        events = AuditEvent.objects.filter(actor=self.rita, action="people.create_person")
        self.assertEqual(events.count(), before + 2)
        self.assertIn("family_name", events[0].fields)
        for event in AuditEvent.objects.all():
            dumped = audit_text(event)
            for secret in ("Знам'янська", "Людмила", "Petrenko", "1957", "Садова"):
                self.assertNotIn(secret, dumped)


class FindTestCase(BaseTestCase):
    def test_it_finds_a_household_by_name(self) -> None:
        self.login(self.rita)
        response = self.client.get(reverse("people:households"), {"q": "коваль"})
        self.assertContains(response, reverse("people:household", args=[self.household_a.pk]))
        response = self.client.get(reverse("people:households"), {"q": "Бондар"})
        self.assertNotContains(response, reverse("people:household", args=[self.household_a.pk]))

    def test_it_lists_a_page_in_the_same_few_queries_however_many_rows(self) -> None:
        self.login(self.rita)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                page = self.client.get(reverse("people:households"))
            self.assertContains(page, self.card_a.display_code())
            return len(captured)

        queries()  # the session's first request writes its timestamps; not part of the listing
        one = queries()
        for _ in range(10):
            household = do_create_household(
                actor=self.rita, site=self.site_a, address="", members=[member(), member()]
            )
            do_issue_card(actor=self.rita, household=household)
        self.assertEqual(queries(), one)

    def test_it_finds_a_household_by_card_code_as_printed(self) -> None:
        self.login(self.rita)
        response = self.client.get(
            reverse("people:households"), {"q": self.card_a.display_code().lower()}
        )
        self.assertContains(response, reverse("people:household", args=[self.household_a.pk]))

    def test_it_hides_site_a_from_a_coordinator_of_nothing_and_from_the_desk(self) -> None:
        self.login(self.bea)
        url = reverse("people:household", args=[self.household_a.pk])
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_gives_404_for_a_household_of_another_site(self) -> None:
        other = self.make_registrar_of_site_b()
        self.login(other)
        url = reverse("people:household", args=[self.household_a.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        listing = self.client.get(reverse("people:households"), {"q": "Коваль"})
        self.assertNotContains(listing, str(self.household_a.pk))

    def make_registrar_of_site_b(self) -> Any:
        from hromada.core.models import Role
        from tests.base import make_user

        return make_user("rob", Role.REGISTRAR, self.site_b)


class CardTestCase(BaseTestCase):
    def test_it_revokes_a_lost_card_and_issues_a_new_one(self) -> None:
        self.login(self.rita)
        self.client.post(reverse("people:card_issue", args=[self.household_a.pk]))
        self.card_a.refresh_from_db()
        self.assertEqual(self.card_a.status, Card.Status.REVOKED)
        new = self.household_a.active_card()
        assert new is not None
        self.assertNotEqual(new.code, self.card_a.code)
        self.assertEqual(self.household_a.cards.count(), 2)

    def test_it_revokes_a_card(self) -> None:
        self.login(self.rita)
        self.client.post(reverse("people:card_revoke", args=[self.card_a.pk]))
        self.card_a.refresh_from_db()
        self.assertEqual(self.card_a.status, Card.Status.REVOKED)
        self.assertIsNone(self.household_a.active_card())

    def test_it_prints_the_card_sheet_with_a_qr_code_and_the_short_code(self) -> None:
        self.login(self.rita)
        response = self.client.get(
            reverse("people:card_sheet"), {"household": str(self.household_a.pk)}
        )
        self.assertContains(response, "<svg")
        self.assertContains(response, self.card_a.display_code())
        # the card carries no name: a lost card tells its finder nothing about the family
        self.assertNotContains(response, "Коваль")

    def test_it_prints_every_card_ten_to_a_page(self) -> None:
        for n in range(12):
            household = do_create_household(
                actor=self.rita, site=self.site_a, address="", members=[member()] * (n % 3 + 1)
            )
            do_issue_card(actor=self.rita, household=household)
        self.login(self.rita)
        first = self.client.get(reverse("people:card_sheet"))
        second = self.client.get(reverse("people:card_sheet"), {"page": "2"})
        self.assertEqual(len(first.context["sheet"]), 10)
        self.assertEqual(len(second.context["sheet"]), 3)
        codes = {item["card"].code for page in (first, second) for item in page.context["sheet"]}
        self.assertEqual(len(codes), 13)
        self.assertIn(self.card_a.code, codes)
        sizes = {item["card"].household_id: item["members"] for item in second.context["sheet"]}
        self.assertEqual(sizes[self.household_a.pk], 3)

    def test_it_answers_404_for_a_malformed_household_id_on_the_sheet(self) -> None:
        self.login(self.rita)
        response = self.client.get(reverse("people:card_sheet"), {"household": "nonsense"})
        self.assertEqual(response.status_code, 404)
