"""Hostile input gets a clear error, never a crash.

Every form field and API field that takes text is sent names with apostrophes, combining
marks, right-to-left text, emoji, SQL and HTML fragments, 10,000 characters and NUL bytes.
Each is either stored exactly and shown back escaped, or refused with a message beside the
field it is about, storing nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from hromada.distribution.models import Collection, Programme, Refusal
from hromada.people.actions import do_create_household, do_issue_card
from hromada.people.models import Household, Person
from hromada.stock.models import Delivery, StockCount
from tests.base import PASSWORD, BaseTestCase, member
from tests.people.test_households import household_form

# Values a person may really be called or an address may really hold: stored exactly.
HOSTILE = {
    "apostrophe": "Знам'янка",
    "typographic apostrophe": "Знам’янка",
    "Irish apostrophe": "O'Neil",
    "combining mark": "И\u0306ванна",  # Й written as И + COMBINING BREVE
    "Arabic": "مريم الحسن",
    "Hebrew": "שרה כהן",
    "right-to-left override": "Олена \u202eокненещ",
    "emoji and ZWJ sequences": "Оля 👩\u200d👩\u200d👧\u200d👦 🇺🇦",
    "SQL DROP": "'; DROP TABLE people_person; --",
    "SQL OR": "%' OR '1'='1",
    "script": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
}
TOO_LONG = "Я" * 10_000
NUL = "Іван\x00Петро"
EVERYTHING = {**HOSTILE, "10,000 characters": TOO_LONG, "NUL byte": NUL}


def too_long_message(limit: int, length: int) -> str:
    with translation.override("uk"):
        validator = MaxLengthValidator(limit)
        return str(validator.message % {"limit_value": limit, "show_value": length})


def nul_message() -> str:
    with translation.override("uk"):
        return str(ProhibitNullCharactersValidator.message)


def page_text(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse), response
    return response.content.decode()


def field_block(response: HttpResponseBase, field_id: str) -> str:
    """The <p class="field ..."> of the page that holds the input with this id."""
    html = page_text(response)
    for block in re.findall(r'<p class="field[^"]*">.*?</p>', html, flags=re.DOTALL):
        if f'id="{field_id}"' in block:
            return str(block)
    raise AssertionError(f"no field {field_id} on the page")


class HostileTestCase(BaseTestCase):
    def assert_shown_escaped(self, response: HttpResponseBase, value: str) -> None:
        self.assertEqual(response.status_code, 200)
        content = page_text(response)
        self.assertIn(escape(value), content)
        if any(char in value for char in '<>"'):
            self.assertNotIn(value, content)
        self.assertNotIn("<script>alert(1)", content)
        self.assertNotIn("<img src=x", content)

    def assert_refused_at(self, response: HttpResponseBase, field_id: str, message: str) -> None:
        """Refused with the page shown again (not a 5xx, not a redirect), the message in the
        error list beside the field it is about."""
        self.assertEqual(response.status_code, 200)
        block = field_block(response, field_id)
        self.assertIn('class="field invalid"', block)
        self.assertRegex(block, r'<ul class="errorlist"[^>]*><li>' + re.escape(escape(message)))
        self.assertIn('aria-invalid="true"', block)

    def assert_refused_for_length_or_nul(
        self, response: HttpResponseBase, field_id: str, value: str, limit: int
    ) -> None:
        if value == NUL:
            self.assert_refused_at(response, field_id, nul_message())
        else:
            self.assert_refused_at(response, field_id, too_long_message(limit, len(value)))


class HouseholdFormTestCase(HostileTestCase):
    MEMBER_FIELDS = ("family_name", "given_name", "patronymic")

    def register(self, **overrides: str) -> HttpResponseBase:
        """Register, saying "different people" to the registry's question if it asks: the test
        registers the same household over and over with one field changed."""
        data: dict[str, Any] = household_form(site=str(self.site_a.pk), **overrides)
        url = reverse("people:household_create")
        response: HttpResponseBase = self.client.post(url, data)
        context = getattr(response, "context", None)
        asked = context.get("duplicates") if context and response.status_code == 200 else None
        if asked:
            data["different"] = [
                f"{row}:{hit.person.pk}" for _n, row, hits in asked for hit in hits
            ]
            response = self.client.post(url, data)
        return response

    def test_it_stores_hostile_names_exactly_and_shows_them_escaped(self) -> None:
        self.login(self.rita)
        for label, value in HOSTILE.items():
            for field in self.MEMBER_FIELDS:
                with self.subTest(label, field=field):
                    response = self.register(**{f"members-0-{field}": value})
                    self.assertEqual(response.status_code, 302)
                    person = Person.objects.get(**{field: value})
                    self.assertEqual(getattr(person, field), value)
                    detail = self.client.get(response["Location"])
                    self.assert_shown_escaped(detail, value)
            with self.subTest(label, field="address"):
                response = self.register(address=value)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(Household.objects.get(address=value).address, value)
                self.assert_shown_escaped(self.client.get(response["Location"]), value)

    def test_it_refuses_too_long_names_and_nul_bytes_naming_the_field(self) -> None:
        self.login(self.rita)
        for label, value in {"10,000 characters": TOO_LONG, "NUL byte": NUL}.items():
            for field in self.MEMBER_FIELDS:
                with self.subTest(label, field=field):
                    response = self.register(**{f"members-0-{field}": value})
                    self.assert_refused_for_length_or_nul(
                        response, f"id_members-0-{field}", value, 150
                    )
                    self.assertEqual(Household.objects.count(), 1)
                    self.assertEqual(Person.objects.count(), 3)
            with self.subTest(label, field="address"):
                response = self.register(address=value)
                self.assert_refused_for_length_or_nul(response, "id_address", value, 300)
                self.assertEqual(Household.objects.count(), 1)

    def test_it_refuses_any_hostile_birth_date_naming_the_field(self) -> None:
        self.login(self.rita)
        for label, value in EVERYTHING.items():
            with self.subTest(label):
                response = self.register(**{"members-1-birth": value})
                self.assertEqual(response.status_code, 200)
                block = field_block(response, "id_members-1-birth")
                self.assertIn('class="field invalid"', block)
                self.assertIn('class="errorlist"', block)
                self.assertEqual(Household.objects.count(), 1)
                self.assertEqual(Person.objects.count(), 3)

    def test_it_registers_names_that_grow_when_folded_for_search(self) -> None:
        # Within max_length, but NFKC and case folding make them longer: "ß" folds to "ss",
        # the ligature "ﷺ" to 18 letters. A bounded search key overflowed on PostgreSQL (a
        # 500 instead of the household); it is a text field now.
        self.login(self.rita)
        for label, value in {"sharp s": "ß" * 150, "ligature": "\ufdfa" * 30}.items():
            with self.subTest(label):
                response = self.register(
                    **{"members-0-family_name": value, "members-0-given_name": value}
                )
                self.assertEqual(response.status_code, 302)
                self.assertEqual(Person.objects.get(family_name=value).given_name, value)


class SearchTestCase(HostileTestCase):
    def test_it_finds_households_by_hostile_names_on_the_page_and_in_the_api(self) -> None:
        found: dict[str, Household] = {}
        for value in HOSTILE.values():
            found[value] = do_create_household(
                actor=self.rita, site=self.site_a, address="", members=[member(family=value)]
            )
        self.login(self.rita)
        api = self.api(self.rita)
        for label, value in HOSTILE.items():
            with self.subTest(label):
                wanted = found[value]
                page = self.client.get(reverse("people:households"), {"q": value})
                self.assert_shown_escaped(page, value)
                self.assertContains(page, reverse("people:household", args=[wanted.pk]))
                self.assertNotContains(
                    page, reverse("people:household", args=[self.household_a.pk])
                )
                answer = api.get("/api/v1/people/households", q=value)
                self.assertEqual(answer.status_code, 200)
                ids = [item["id"] for item in answer.json()["items"]]
                self.assertIn(str(wanted.pk), ids)
                self.assertNotIn(str(self.household_a.pk), ids)

    def test_it_answers_a_hostile_query_with_nothing_found_not_everything(self) -> None:
        self.login(self.rita)
        api = self.api(self.rita)
        for label, value in {**HOSTILE, "10,000 characters": TOO_LONG}.items():
            with self.subTest(label):
                page = self.client.get(reverse("people:households"), {"q": value})
                self.assert_shown_escaped(page, value)
                self.assertNotContains(
                    page, reverse("people:household", args=[self.household_a.pk])
                )
                answer = api.get("/api/v1/people/households", q=value)
                self.assertEqual(answer.status_code, 200)
                self.assertEqual(answer.json(), {"items": [], "count": 0})

    def test_it_answers_a_query_with_a_nul_byte_on_the_page(self) -> None:
        # PostgreSQL refuses NUL in a query parameter: the search drops it (it was a 500).
        self.login(self.rita)
        page = self.client.get(reverse("people:households"), {"q": NUL})
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, reverse("people:household", args=[self.household_a.pk]))

    def test_it_refuses_a_query_with_a_nul_byte_in_the_api_naming_it(self) -> None:
        answer = self.api(self.rita).get("/api/v1/people/households", q=NUL)
        self.assertEqual(answer.status_code, 422)
        self.assertEqual(answer.json()["code"], "invalid")
        self.assertEqual(answer.json()["fields"], ["q"])


class StockFormsTestCase(HostileTestCase):
    arrivals = 0

    def post_delivery(self, **overrides: str) -> HttpResponseBase:
        # each one a minute later, so that the newest is first on the overview page
        self.arrivals += 1
        arrived = timezone.localtime() - timedelta(days=1) + timedelta(minutes=self.arrivals)
        data = {
            "site": str(self.site_a.pk),
            "lines-TOTAL_FORMS": "5",
            "lines-INITIAL_FORMS": "0",
            "lines-0-commodity": str(self.bread.pk),
            "lines-0-quantity": "5",
            "source": "Хлібозавод №1",
            "vehicle": "",
            "arrived_at": arrived.strftime("%Y-%m-%dT%H:%M"),
            **overrides,
        }
        response: HttpResponseBase = self.client.post(reverse("stock:delivery_create"), data)
        return response

    def post_count(self, counted: int, reason: str) -> HttpResponseBase:
        data = {
            "site": str(self.site_a.pk),
            "commodity": str(self.bread.pk),
            "counted": str(counted),
            "reason": reason,
        }
        response: HttpResponseBase = self.client.post(reverse("stock:count_create"), data)
        return response

    def test_it_stores_a_hostile_source_and_vehicle_exactly_and_shows_them_escaped(self) -> None:
        self.login(self.alice)
        for label, value in HOSTILE.items():
            for field in ("source", "vehicle"):
                with self.subTest(label, field=field):
                    response = self.post_delivery(**{field: value})
                    self.assertRedirects(response, reverse("stock:overview"))
                    delivery = Delivery.objects.filter(**{field: value}).get()
                    self.assertEqual(getattr(delivery, field), value)
                    self.assert_shown_escaped(self.client.get(reverse("stock:overview")), value)

    def test_it_refuses_a_too_long_source_or_vehicle_and_a_nul_byte_naming_the_field(
        self,
    ) -> None:
        self.login(self.alice)
        before = Delivery.objects.count()
        for label, value in {"10,000 characters": TOO_LONG, "NUL byte": NUL}.items():
            for field, limit in (("source", 200), ("vehicle", 100)):
                with self.subTest(label, field=field):
                    response = self.post_delivery(**{field: value})
                    self.assert_refused_for_length_or_nul(response, f"id_{field}", value, limit)
                    self.assertEqual(Delivery.objects.count(), before)

    def test_it_stores_a_hostile_count_reason_exactly(self) -> None:
        self.login(self.alice)
        for n, (label, value) in enumerate(HOSTILE.items()):
            with self.subTest(label):
                response = self.post_count(99 - n, value)  # a difference each time: a reason is due
                self.assertRedirects(response, reverse("stock:overview"))
                count = StockCount.objects.get(reason=value)
                self.assertEqual(count.reason, value)
                assert count.movement is not None
                self.assertEqual(count.movement.reason, value)

    def test_it_refuses_a_too_long_count_reason_and_a_nul_byte_naming_the_field(self) -> None:
        self.login(self.alice)
        for label, value in {"10,000 characters": TOO_LONG, "NUL byte": NUL}.items():
            with self.subTest(label):
                response = self.post_count(90, value)
                self.assert_refused_for_length_or_nul(response, "id_reason", value, 300)
                self.assertFalse(StockCount.objects.exists())


class ProgrammeFormTestCase(HostileTestCase):
    def create(self, name: str) -> HttpResponseBase:
        data = {
            "name": name,
            "commodity": str(self.bread.pk),
            "quantity": "2",
            "basis": "person",
            "period": "day",
            "eligibility": "everyone",
        }
        response: HttpResponseBase = self.client.post(reverse("distribution:programmes"), data)
        return response

    def test_it_stores_a_hostile_programme_name_exactly_and_shows_it_escaped(self) -> None:
        self.login(self.alice)
        for label, value in HOSTILE.items():
            with self.subTest(label):
                response = self.create(value)
                self.assertRedirects(response, reverse("distribution:programmes"))
                self.assertEqual(Programme.objects.get(name=value).name, value)
                page = self.client.get(reverse("distribution:programmes"))
                self.assert_shown_escaped(page, value)

    def test_it_refuses_a_too_long_name_and_a_nul_byte_naming_the_field(self) -> None:
        self.login(self.alice)
        for label, value in {"10,000 characters": TOO_LONG, "NUL byte": NUL}.items():
            with self.subTest(label):
                response = self.create(value)
                self.assert_refused_for_length_or_nul(response, "id_name", value, 200)
                self.assertEqual(Programme.objects.count(), 1)


class DeskTestCase(HostileTestCase):
    def test_it_refuses_a_hostile_card_code_as_malformed_and_records_why(self) -> None:
        self.login(self.dan)
        url = reverse("distribution:checkin", args=[self.session_a.pk])
        for label, value in HOSTILE.items():
            with self.subTest(label):
                refusals = Refusal.objects.filter(reason="malformed_card").count()
                response = self.client.post(url, {"card": value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'data-answer="malformed_card"')
                self.assertNotContains(response, "<script>alert(1)")
                self.assertNotContains(response, "<img src=x")
                self.assertEqual(
                    Refusal.objects.filter(reason="malformed_card").count(), refusals + 1
                )
                self.assertFalse(Collection.objects.exists())

    def test_it_says_what_is_wrong_with_a_too_long_card_code_or_a_nul_byte(self) -> None:
        self.login(self.dan)
        url = reverse("distribution:checkin", args=[self.session_a.pk])
        with translation.override("uk"):
            messages = {
                "10,000 characters": too_long_message(64, len(TOO_LONG)),
                "NUL byte": str(ProhibitNullCharactersValidator.message),
                "nothing": translation.gettext("Scan a card or type its code."),
            }
        for label, value in {
            "10,000 characters": TOO_LONG,
            "NUL byte": NUL,
            "nothing": " ",
        }.items():
            with self.subTest(label):
                response = self.client.post(url, {"card": value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'data-answer="invalid"')
                self.assertContains(response, escape(messages[label]))
                self.assertFalse(Collection.objects.exists())


class CheckinApiTestCase(HostileTestCase):
    URL = "/api/v1/distribution/checkins"

    def fresh_card(self) -> str:
        household = do_create_household(
            actor=self.rita,
            site=self.site_a,
            address="",
            members=[member(family="Мельник", given="Ганна")],
        )
        return do_issue_card(actor=self.rita, household=household).code

    def test_it_refuses_a_hostile_card_code_as_malformed(self) -> None:
        dan = self.api(self.dan)
        for label, value in {**HOSTILE, "NUL byte": NUL}.items():
            with self.subTest(label):
                answer = dan.post(self.URL, {"session": str(self.session_a.pk), "card": value})
                self.assertEqual(answer.status_code, 422)
                self.assertEqual(answer.json()["code"], "malformed_card")
                self.assertTrue(answer.json()["message"])
        self.assertFalse(Collection.objects.exists())

    def test_it_refuses_a_too_long_card_code_naming_the_field(self) -> None:
        answer = self.api(self.dan).post(
            self.URL, {"session": str(self.session_a.pk), "card": TOO_LONG}
        )
        self.assertEqual(answer.status_code, 422)
        self.assertEqual(answer.json()["code"], "invalid")
        self.assertEqual(answer.json()["fields"], ["card"])
        self.assertIn("card", answer.json()["message"])
        self.assertFalse(Collection.objects.exists())

    def test_it_stores_a_hostile_desk_name_exactly(self) -> None:
        dan = self.api(self.dan)
        for label, value in HOSTILE.items():
            with self.subTest(label):
                body = {"session": str(self.session_a.pk), "card": self.fresh_card(), "desk": value}
                answer = dan.post(self.URL, body)
                self.assertEqual(answer.status_code, 201, answer.content)
                self.assertEqual(Collection.objects.get(pk=answer.json()["id"]).desk, value)

    def test_it_refuses_a_too_long_desk_name_and_a_nul_byte_naming_the_field(self) -> None:
        dan = self.api(self.dan)
        for label, value in {"10,000 characters": TOO_LONG, "NUL byte": NUL}.items():
            with self.subTest(label):
                body = {"session": str(self.session_a.pk), "card": self.card_a.code, "desk": value}
                answer = dan.post(self.URL, body)
                self.assertEqual(answer.status_code, 422)
                self.assertEqual(answer.json()["code"], "invalid")
                self.assertEqual(answer.json()["fields"], ["desk"])
                self.assertIn("desk", answer.json()["message"])
        self.assertFalse(Collection.objects.exists())


class TokenApiTestCase(HostileTestCase):
    URL = "/api/v1/auth/token"

    def test_it_answers_a_hostile_username_with_wrong_credentials(self) -> None:
        anonymous = self.api(None)
        for label, value in {**HOSTILE, "10,000 characters": TOO_LONG}.items():
            with self.subTest(label):
                answer = anonymous.post(self.URL, {"username": value, "password": PASSWORD})
                self.assertEqual(answer.status_code, 401)
                self.assertEqual(answer.json()["code"], "wrong_credentials")

    def test_it_refuses_a_nul_byte_in_the_username_naming_the_field(self) -> None:
        answer = self.api(None).post(self.URL, {"username": "dan\x00", "password": PASSWORD})
        self.assertEqual(answer.status_code, 422)
        self.assertEqual(answer.json()["fields"], ["username"])
