"""The distribution rules through the JSON API: programmes and their rules, periods in Kyiv
time across midnight and the changes of the clocks, eligibility, caps, exclusions, pauses,
shortages, reversals, proxies and check-ins without a card.

The clock: the actions read `django.utils.timezone.now()`, which these tests set to the
instant they need (the stored times are UTC; a period is a Kyiv calendar day or week).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from django.utils import timezone

from hromada.core.models import IdempotencyRecord, User
from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import (
    Collection,
    DistributionSession,
    Programme,
    Refusal,
    SitePause,
)
from hromada.people.actions import (
    do_authorise_proxy,
    do_create_household,
    do_issue_card,
    do_revoke_proxy,
)
from hromada.people.models import Card, Household, Proxy, Residency, VulnerabilityKind
from hromada.stock.actions import Line, balance_of, do_record_count, do_record_delivery
from hromada.stock.models import Commodity
from tests.base import ApiClient, BaseTestCase, member

API = "/api/v1/distribution"


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Every `timezone.now()` of the code under test says `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class RulesApiCase(BaseTestCase):
    """Personas of tests/base.py, API clients for them, and more commodities in stock."""

    water: Commodity
    parcel: Commodity
    meal: Commodity

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.water = Commodity.objects.create(code="water", name="Вода", unit="пляш.")
        cls.parcel = Commodity.objects.create(code="parcel", name="Продуктовий набір", unit="наб.")
        cls.meal = Commodity.objects.create(code="meal", name="Гаряче харчування", unit="порц.")
        do_record_delivery(
            actor=cls.alice, site=cls.site_a, source="test donor", arrived_at=timezone.now(),
            lines=[Line(cls.water, 100), Line(cls.parcel, 100), Line(cls.meal, 100)],
        )  # fmt: skip

    def setUp(self) -> None:
        self.clients: dict[tuple[str, str], ApiClient] = {}

    def client_of(self, user: User, language: str = "en") -> ApiClient:
        if (user.username, language) not in self.clients:
            self.clients[user.username, language] = self.api(user, language=language)
        return self.clients[user.username, language]

    def post(self, user: User, path: str, body: Any = None, language: str = "en",
             **headers: str) -> Any:  # fmt: skip
        return self.client_of(user, language).post(API + path, body or {}, **headers)

    def patch(self, user: User, path: str, body: Any, **headers: str) -> Any:
        client = self.client_of(user)
        return client.client.patch(
            API + path, body, content_type="application/json",
            headers={**client.headers, **headers},
        )  # fmt: skip

    def get(self, user: User, path: str, **params: Any) -> Any:
        return self.client_of(user).get(API + path, **params)

    def checkin(self, session: DistributionSession, card: Card | None = None, *,
                user: User | None = None, language: str = "en", **more: Any) -> Any:  # fmt: skip
        body = {"session": str(session.pk), **more}
        if card is not None:
            body["card"] = card.code
        return self.post(user or self.dan, "/checkins", body, language=language)

    def make_programme(self, name: str, commodity: Commodity, **rule: Any) -> Programme:
        return do_create_programme(actor=self.alice, name=name, commodity=commodity,
                                   rule=Rule(**rule))  # fmt: skip

    def open(self, programme: Programme) -> DistributionSession:
        return do_open_session(actor=self.alice, programme=programme, site=self.site_a)

    def household(self, *members: Any) -> tuple[Household, Card]:
        home = do_create_household(
            actor=self.rita, site=self.site_a, address="вул. Польова, 3", members=list(members)
        )
        return home, do_issue_card(actor=self.rita, household=home)


def born_years_ago(years: float) -> date:
    return timezone.localdate() - timedelta(days=round(365.25 * years))


def displaced(given: str = "Марія", years: float = 40) -> Any:
    return replace(member(given=given, born=born_years_ago(years)), residency=Residency.DISPLACED)


def resident(given: str = "Іван", years: float = 40) -> Any:
    return member(given=given, born=born_years_ago(years))


def with_vulnerability(kind: str, given: str = "Ганна", years: float = 50) -> Any:
    return replace(resident(given, years), vulnerabilities=((kind, None),))


class ProgrammesApiTestCase(RulesApiCase):
    def test_it_creates_programmes_with_every_rule_kind(self) -> None:
        rules: list[dict[str, Any]] = [
            {"quantity": 2, "max_per_household": 8},
            {"quantity": 1, "basis": "household", "period": "week"},
            {"quantity": 1, "basis": "household", "period": "month", "eligibility": "displaced"},
            {"quantity": 1, "period": "once", "eligibility": "vulnerability",
             "vulnerability": "chronic_illness"},
            {"quantity": 4, "period": "week", "eligibility": "children", "age": 3},
            {"quantity": 1, "period": "month", "eligibility": "older", "age": 60},
        ]  # fmt: skip
        for n, rule in enumerate(rules):
            body = {"name": f"Програма {n}", "commodity": str(self.water.pk), **rule}
            response = self.post(self.alice, "/programmes", body)
            self.assertEqual(response.status_code, 201, response.content)
            made = response.json()
            for field, value in rule.items():
                self.assertEqual(made[field], value, field)
            stored = Programme.objects.get(pk=made["id"])
            self.assertEqual(made["rule_text"], stored.rule_text())
            self.assertEqual(stored.quantity, rule["quantity"])
        listed = self.get(self.dan, "/programmes").json()
        self.assertEqual(len(listed), len(rules) + 1)
        by_name = {p["name"]: p for p in listed}
        self.assertIn("children under 3", by_name["Програма 4"]["rule_text"])
        self.assertIn("people aged 60 and over", by_name["Програма 5"]["rule_text"])
        self.assertIn("at most 8 per household", by_name["Програма 0"]["rule_text"])
        self.assertEqual(by_name["Програма 2"]["max_per_household"], None)
        self.assertEqual(self.get(self.otto, "/programmes").status_code, 200)
        self.assertEqual(self.get(self.rita, "/programmes").status_code, 403)

    def test_it_refuses_a_rule_that_does_not_hold_together(self) -> None:
        for rule, words in [
            ({"eligibility": "children"}, "Give the age"),
            ({"eligibility": "older"}, "Give the age"),
            ({"eligibility": "vulnerability"}, "Choose the vulnerability"),
        ]:
            body = {"name": "Дитяче", "commodity": str(self.water.pk), "quantity": 1, **rule}
            response = self.post(self.alice, "/programmes", body)
            self.assertEqual(response.status_code, 422, rule)
            self.assertIn(words, response.json()["message"])
        self.assertEqual(Programme.objects.count(), 1)

    def test_it_names_the_field_it_cannot_use_in_the_language_asked(self) -> None:
        body = {"name": "Вода", "commodity": str(self.site_a.pk), "quantity": 1}
        response = self.post(self.alice, "/programmes", body, language="uk")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["commodity"])
        self.assertIn("перевірте поля: commodity", response.json()["message"])
        body = {"name": "Вода", "commodity": str(self.water.pk), "quantity": 0}
        response = self.post(self.alice, "/programmes", body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("quantity", response.json()["message"])
        body = {"name": "Вода", "commodity": str(self.water.pk), "quantity": 1,
                "excludes": [str(self.site_a.pk)]}  # fmt: skip
        self.assertEqual(self.post(self.alice, "/programmes", body).json()["fields"], ["excludes"])

    def test_it_changes_only_what_a_patch_sends(self) -> None:
        parcel = self.make_programme(
            "Набір", self.parcel, quantity=1, basis="household", period="week"
        )
        path = f"/programmes/{self.programme.pk}"
        response = self.patch(
            self.alice, path, {"max_per_household": 5, "excludes": [str(parcel.pk)]}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["quantity"], 2)
        self.assertEqual(response.json()["max_per_household"], 5)
        self.assertEqual(response.json()["excludes"], [str(parcel.pk)])
        # symmetrical: the parcel now excludes bread too
        self.assertEqual(list(parcel.excludes.all()), [self.programme])
        response = self.patch(self.alice, path, {"max_per_household": None, "name": "Хліб!"})
        self.assertEqual(response.json()["max_per_household"], None)
        self.assertEqual(response.json()["name"], "Хліб!")
        self.assertEqual(response.json()["excludes"], [str(parcel.pk)])
        response = self.patch(self.alice, path, {"eligibility": "older"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Give the age", response.json()["message"])
        self.programme.refresh_from_db()
        self.assertEqual(self.programme.eligibility, "everyone")

    def test_it_lets_only_a_coordinator_write_programmes(self) -> None:
        body = {"name": "Вода", "commodity": str(self.water.pk), "quantity": 1}
        for user in (self.dan, self.otto, self.rita):
            self.assertEqual(self.post(user, "/programmes", body).status_code, 403)
            path = f"/programmes/{self.programme.pk}"
            self.assertEqual(self.patch(user, path, {"quantity": 9}).status_code, 403)
        self.assertEqual(
            self.patch(self.alice, f"/programmes/{self.site_a.pk}", {}).status_code, 404
        )
        self.assertEqual(Programme.objects.count(), 1)

    def test_it_creates_one_programme_for_a_retried_request(self) -> None:
        body = {"name": "Вода", "commodity": str(self.water.pk), "quantity": 1}
        first = self.post(self.alice, "/programmes", body, **{"Idempotency-Key": "p-1"})
        again = self.post(self.alice, "/programmes", body, **{"Idempotency-Key": "p-1"})
        self.assertEqual((again.status_code, again.json()), (201, first.json()))
        self.assertEqual(Programme.objects.filter(name="Вода").count(), 1)


class SessionsApiTestCase(RulesApiCase):
    def test_it_opens_sets_and_closes_a_session(self) -> None:
        water = self.make_programme("Вода", self.water, quantity=2)
        body = {"programme": str(water.pk), "site": str(self.site_a.pk)}
        response = self.post(self.alice, "/sessions", body)
        self.assertEqual(response.status_code, 201, response.content)
        opened = response.json()
        self.assertEqual((opened["status"], opened["left"], opened["shortage"]),
                         ("open", 100, "refuse"))  # fmt: skip
        again = self.post(self.alice, "/sessions", body)
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json()["code"], "already_open")
        path = f"/sessions/{opened['id']}"
        response = self.patch(self.alice, path, {"shortage": "partial"})
        self.assertEqual(response.json()["shortage"], "partial")
        self.assertFalse(response.json()["slots_strict"])
        response = self.patch(self.alice, path, {"slots_strict": True})
        self.assertEqual((response.json()["shortage"], response.json()["slots_strict"]),
                         ("partial", True))  # fmt: skip
        closed = self.post(self.alice, f"{path}/close")
        self.assertEqual(closed.status_code, 200)
        self.assertEqual(closed.json()["status"], "closed")
        self.assertIsNotNone(closed.json()["closed_at"])
        self.assertEqual(self.post(self.alice, "/sessions", body).status_code, 201)

    def test_it_names_what_it_cannot_open(self) -> None:
        body = {"programme": str(self.site_a.pk), "site": str(self.programme.pk)}
        response = self.post(self.alice, "/sessions", body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["programme", "site"])

    def test_it_lets_only_a_coordinator_open_set_and_close(self) -> None:
        body = {"programme": str(self.programme.pk), "site": str(self.site_a.pk)}
        path = f"/sessions/{self.session_a.pk}"
        for user in (self.dan, self.otto, self.rita):
            self.assertEqual(self.post(user, "/sessions", body).status_code, 403)
            self.assertEqual(self.post(user, f"{path}/close").status_code, 403)
            self.assertEqual(self.patch(user, path, {"shortage": "partial"}).status_code, 403)
        self.session_a.refresh_from_db()
        self.assertTrue(self.session_a.is_open)
        self.assertEqual(self.session_a.shortage, "refuse")


class PeriodsApiTestCase(RulesApiCase):
    """A day is a Kyiv calendar day, 23 hours long on 29 March 2026 and 25 on 25 October;
    a week runs Monday to Sunday in Kyiv. Both changes of the clocks fall on a Sunday night."""

    def at(self, moment: datetime, session: DistributionSession | None = None) -> int:
        with clock(moment):
            return int(self.checkin(session or self.session_a, self.card_a).status_code)

    def test_it_starts_a_new_day_at_kyiv_midnight_not_at_utc_midnight(self) -> None:
        self.assertEqual(self.at(utc(2026, 3, 10, 21, 30)), 201)  # 23:30 Kyiv (UTC+2)
        self.assertEqual(self.at(utc(2026, 3, 10, 21, 59)), 409)  # 23:59, the same day
        self.assertEqual(self.at(utc(2026, 3, 10, 22, 10)), 201)  # 00:10 of the 11th in Kyiv
        self.assertEqual(self.at(utc(2026, 3, 11, 1, 0)), 409)  # 03:00, still the 11th
        period = Collection.objects.order_by("at").values_list("period_start", flat=True)
        self.assertEqual(list(period), [date(2026, 3, 10), date(2026, 3, 11)])

    def test_it_counts_the_short_day_of_the_spring_change(self) -> None:
        # 29 March 2026 in Kyiv: 22:00 UTC on the 28th to 21:00 UTC on the 29th (23 hours)
        self.assertEqual(self.at(utc(2026, 3, 28, 21, 59)), 201)  # 23:59 on the 28th
        self.assertEqual(self.at(utc(2026, 3, 28, 22, 0)), 201)  # 00:00 on the 29th
        self.assertEqual(self.at(utc(2026, 3, 29, 20, 59)), 409)  # 23:59 (UTC+3 now)
        # 00:30 on the 30th; at the winter offset it would still have been the 29th
        self.assertEqual(self.at(utc(2026, 3, 29, 21, 30)), 201)

    def test_it_counts_the_long_day_of_the_autumn_change(self) -> None:
        # 25 October 2026 in Kyiv: 21:00 UTC on the 24th to 22:00 UTC on the 25th (25 hours)
        self.assertEqual(self.at(utc(2026, 10, 24, 21, 0)), 201)  # 00:00 on the 25th (UTC+3)
        self.assertEqual(self.at(utc(2026, 10, 25, 0, 30)), 409)  # 03:30, before the change
        self.assertEqual(self.at(utc(2026, 10, 25, 1, 30)), 409)  # 03:30 again, after it
        # 23:30 on the 25th (UTC+2); at the summer offset it would be the 26th already
        self.assertEqual(self.at(utc(2026, 10, 25, 21, 30)), 409)
        self.assertEqual(self.at(utc(2026, 10, 25, 22, 0)), 201)  # 00:00 on the 26th

    def test_it_keeps_a_week_from_monday_to_sunday_across_both_changes(self) -> None:
        parcel = self.make_programme("Набір", self.parcel, quantity=1, basis="household",
                                period="week")  # fmt: skip
        session = self.open(parcel)
        # spring: Monday 23 March 00:10 Kyiv is still Sunday 22nd in UTC
        self.assertEqual(self.at(utc(2026, 3, 22, 21, 59), session), 201)  # Sunday 23:59
        self.assertEqual(self.at(utc(2026, 3, 22, 22, 10), session), 201)  # Monday 00:10
        self.assertEqual(self.at(utc(2026, 3, 29, 20, 30), session), 409)  # Sunday 23:30, UTC+3
        self.assertEqual(self.at(utc(2026, 3, 29, 21, 10), session), 201)  # Monday 30th 00:10
        # autumn: the week of 19-25 October ends at 22:00 UTC on the 25th, not 21:00
        self.assertEqual(self.at(utc(2026, 10, 19, 6, 0), session), 201)  # Monday
        self.assertEqual(self.at(utc(2026, 10, 25, 21, 30), session), 409)  # Sunday 23:30, UTC+2
        self.assertEqual(self.at(utc(2026, 10, 25, 22, 10), session), 201)  # Monday 00:10
        weeks = Collection.objects.filter(programme=parcel).values_list("period_start", flat=True)
        self.assertEqual(
            sorted(weeks),
            [date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30), date(2026, 10, 19),
             date(2026, 10, 26)],
        )  # fmt: skip


class EligibilityApiTestCase(RulesApiCase):
    def test_it_counts_only_the_displaced_members(self) -> None:
        session = self.open(self.make_programme("ВПО", self.water, quantity=3,
                                           eligibility="displaced"))  # fmt: skip
        _home, card = self.household(displaced(), resident(), resident("Олег"))
        response = self.checkin(session, card)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["members"], response.json()["quantity"]), (1, 3))
        refused = self.checkin(session, self.card_a)
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "not_eligible")
        self.assertIn("displaced people only", refused.json()["message"])
        self.assertEqual(Refusal.objects.get().reason, "not_eligible")

    def test_it_counts_only_the_members_with_the_vulnerability(self) -> None:
        session = self.open(self.make_programme(
            "Ліки", self.water, quantity=1, period="month", eligibility="vulnerability",
            vulnerability=VulnerabilityKind.CHRONIC_ILLNESS,
        ))  # fmt: skip
        _home, card = self.household(
            with_vulnerability("chronic_illness"), with_vulnerability("chronic_illness", "Петро"),
            with_vulnerability("disability", "Олена"), resident(),
        )  # fmt: skip
        response = self.checkin(session, card)
        self.assertEqual((response.json()["members"], response.json()["quantity"]), (2, 2))
        refused = self.checkin(session, self.card_a)
        self.assertEqual(refused.json()["code"], "not_eligible")
        self.assertIn("chronic illness", refused.json()["message"])

    def test_it_counts_only_the_children_under_the_age(self) -> None:
        session = self.open(self.make_programme("Дитяче", self.water, quantity=4, period="week",
                                           eligibility="children", age=3))  # fmt: skip
        _home, card = self.household(resident(), resident("Ольга", 30), resident("Даня", 1),
                                     resident("Софія", 5))  # fmt: skip
        response = self.checkin(session, card)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["members"], response.json()["quantity"]), (1, 4))
        refused = self.checkin(session, self.card_a)  # the youngest is eleven
        self.assertEqual(refused.status_code, 409)
        self.assertIn("children under 3", refused.json()["message"])

    def test_it_counts_the_older_people(self) -> None:
        session = self.open(self.make_programme("Ковдри", self.water, quantity=1, period="once",
                                           eligibility="older", age=60))  # fmt: skip
        response = self.checkin(session, self.card_a)  # two born in 1960, one in 2015
        self.assertEqual((response.json()["members"], response.json()["quantity"]), (2, 2))
        _home, card = self.household(resident(years=59.5), resident("Олег", 20))
        refused = self.checkin(session, card)
        self.assertEqual(refused.json()["code"], "not_eligible")
        self.assertIn("people aged 60 and over", refused.json()["message"])

    def test_it_caps_a_household_at_the_maximum(self) -> None:
        session = self.open(
            self.make_programme("Вода", self.water, quantity=3, max_per_household=5)
        )
        response = self.checkin(session, self.card_a)
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual((body["members"], body["entitled"], body["quantity"]), (3, 5, 5))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.water), 95)

    def test_it_gives_a_household_programme_once_whatever_its_size(self) -> None:
        session = self.open(self.make_programme("Набір", self.parcel, quantity=1, basis="household",
                                           period="week"))  # fmt: skip
        body = self.checkin(session, self.card_a).json()
        self.assertEqual((body["members"], body["quantity"]), (3, 1))


class ExclusionsApiTestCase(RulesApiCase):
    parcel_session: DistributionSession
    meal_session: DistributionSession

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        parcel = do_create_programme(
            actor=cls.alice, name="Продуктовий набір", commodity=cls.parcel,
            rule=Rule(quantity=1, basis="household", period="week"),
        )  # fmt: skip
        meal = do_create_programme(
            actor=cls.alice, name="Гаряче харчування", commodity=cls.meal,
            rule=Rule(quantity=1), excludes=[parcel],
        )  # fmt: skip
        cls.parcel_session = do_open_session(actor=cls.alice, programme=parcel, site=cls.site_a)
        cls.meal_session = do_open_session(actor=cls.alice, programme=meal, site=cls.site_a)

    def at(self, moment: datetime, session: DistributionSession) -> Any:
        with clock(moment):
            return self.checkin(session, self.card_a)

    def test_it_refuses_hot_meals_in_the_week_of_a_food_parcel(self) -> None:
        self.assertEqual(self.at(utc(2026, 11, 4, 8), self.parcel_session).status_code, 201)
        refused = self.at(utc(2026, 11, 8, 8), self.meal_session)  # Sunday of the same week
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "excluded")
        self.assertIn("Продуктовий набір", refused.json()["message"])
        self.assertIn("week", refused.json()["message"])
        # Monday: another week
        self.assertEqual(self.at(utc(2026, 11, 9, 8), self.meal_session).status_code, 201)

    def test_it_refuses_a_food_parcel_in_the_week_of_hot_meals(self) -> None:
        self.assertEqual(self.at(utc(2026, 11, 3, 8), self.meal_session).status_code, 201)
        refused = self.at(utc(2026, 11, 6, 8), self.parcel_session)
        self.assertEqual(refused.json()["code"], "excluded")
        self.assertIn("Гаряче харчування", refused.json()["message"])
        self.assertEqual(self.at(utc(2026, 11, 10, 8), self.parcel_session).status_code, 201)


class PauseApiTestCase(RulesApiCase):
    def test_it_refuses_with_the_reason_while_paused_and_serves_after_resuming(self) -> None:
        path = f"/sites/{self.site_a.pk}"
        paused = self.post(self.dan, f"{path}/pause", {"reason": "air_raid", "note": "сирена"})
        self.assertEqual(paused.status_code, 200, paused.content)
        self.assertTrue(paused.json()["paused"])
        self.assertEqual(paused.json()["reason"], "air_raid")
        refused = self.checkin(self.session_a, self.card_a)
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "paused")
        self.assertIn("air-raid alert: сирена", refused.json()["message"])
        status = self.get(self.otto, f"{path}/status").json()
        self.assertEqual((status["paused"], status["reason_text"]),
                         (True, "air-raid alert: сирена"))  # fmt: skip
        session = self.get(self.dan, "/sessions", status="open").json()[0]
        self.assertEqual((session["paused"], session["pause_reason"]), (True, "air_raid"))
        # a second pause keeps the first
        self.post(self.alice, f"{path}/pause", {"reason": "shelling"})
        self.assertEqual(SitePause.objects.get().reason, "air_raid")
        self.assertEqual(self.post(self.dan, f"{path}/resume").status_code, 403)
        resumed = self.post(self.alice, f"{path}/resume")
        self.assertEqual(resumed.json(), {**resumed.json(), "paused": False, "reason": None})
        self.assertEqual(self.checkin(self.session_a, self.card_a).status_code, 201)
        self.assertFalse(self.get(self.dan, f"{path}/status").json()["paused"])

    def test_it_keeps_other_sites_out_of_a_site_pause(self) -> None:
        path = f"/sites/{self.site_a.pk}"
        self.assertEqual(self.post(self.bea, f"{path}/pause", {"reason": "crowd"}).status_code,
                         404)  # fmt: skip
        self.assertEqual(self.get(self.bea, f"{path}/status").status_code, 404)
        self.assertEqual(self.post(self.otto, f"{path}/pause", {"reason": "crowd"}).status_code,
                         403)  # fmt: skip
        self.assertFalse(SitePause.objects.exists())
        response = self.post(self.alice, f"{path}/pause", {"reason": "thunder"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("reason", response.json()["message"])


class ShortageApiTestCase(RulesApiCase):
    def test_it_refuses_or_gives_what_is_left_as_the_coordinator_chose(self) -> None:
        do_record_count(actor=self.alice, site=self.site_a, commodity=self.bread, counted=4,
                        reason="counted short")  # fmt: skip
        refused = self.checkin(self.session_a, self.card_a)
        self.assertEqual(refused.status_code, 409)
        self.assertEqual((refused.json()["code"], refused.json()["left"]), ("out_of_stock", 4))
        self.patch(self.alice, f"/sessions/{self.session_a.pk}", {"shortage": "partial"})
        served = self.checkin(self.session_a, self.card_a)
        self.assertEqual(served.status_code, 201)
        body = served.json()
        self.assertEqual((body["entitled"], body["quantity"], body["left"]), (6, 4, 0))
        _home, card = self.household(resident())
        empty = self.checkin(self.session_a, card)
        self.assertEqual(empty.json()["code"], "out_of_stock")


class ReversalApiTestCase(RulesApiCase):
    def test_it_reverses_a_collection_and_the_household_may_collect_again(self) -> None:
        first = self.checkin(self.session_a, self.card_a).json()
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 94)
        path = f"/collections/{first['id']}/reverse"
        self.assertEqual(self.post(self.dan, path, {"reason": "помилка"}).status_code, 403)
        response = self.post(self.alice, path, {"reason": "сканували не ту картку"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["reversed_at"])
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)
        again = self.post(self.alice, path, {"reason": "ще раз"})
        self.assertEqual(again.status_code, 409)
        self.assertIn("reversed already", again.json()["message"])
        self.assertEqual(self.checkin(self.session_a, self.card_a).status_code, 201)
        self.assertEqual(Collection.objects.count(), 2)
        self.assertEqual(Collection.objects.standing().count(), 1)

    def test_it_refuses_a_reversal_on_another_day_or_without_a_reason(self) -> None:
        with clock(timezone.now() - timedelta(days=1)):
            made = self.checkin(self.session_a, self.card_a).json()
        path = f"/collections/{made['id']}/reverse"
        self.assertEqual(self.post(self.alice, path, {"reason": "  "}).status_code, 422)
        refused = self.post(self.alice, path, {"reason": "помилка"})
        self.assertEqual(refused.status_code, 409)
        self.assertIn("only on the day it was made", refused.json()["message"])
        self.assertIsNone(Collection.objects.get().reversed_at)
        self.assertEqual(self.post(self.alice, f"/collections/{self.site_a.pk}/reverse",
                                   {"reason": "x"}).status_code, 404)  # fmt: skip

    def test_it_answers_a_retried_reversal_with_the_first_answer(self) -> None:
        made = self.checkin(self.session_a, self.card_a).json()
        path = f"/collections/{made['id']}/reverse"
        key = {"Idempotency-Key": "undo-1"}
        first = self.post(self.alice, path, {"reason": "помилка"}, **key)
        again = self.post(self.alice, path, {"reason": "помилка"}, **key)
        self.assertEqual((again.status_code, again.json()), (200, first.json()))
        self.assertEqual(IdempotencyRecord.objects.filter(user=self.alice).count(), 1)


class ProxyApiTestCase(RulesApiCase):
    proxy: Proxy

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.proxy = do_authorise_proxy(actor=cls.rita, household=cls.household_a,
                                       name="Сусідка Галина")  # fmt: skip

    def test_it_records_the_authorised_proxy_who_collected(self) -> None:
        response = self.checkin(self.session_a, self.card_a, proxy=str(self.proxy.pk))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["proxy"], str(self.proxy.pk))
        self.assertEqual(Collection.objects.get().proxy, self.proxy)

    def test_it_refuses_a_revoked_proxy_or_another_households(self) -> None:
        do_revoke_proxy(actor=self.rita, proxy=self.proxy)
        refused = self.checkin(self.session_a, self.card_a, proxy=str(self.proxy.pk))
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "proxy_not_authorised")
        other, card = self.household(resident())
        theirs = do_authorise_proxy(actor=self.rita, household=other, name="Сусід Петро")
        refused = self.checkin(self.session_a, self.card_a, proxy=str(theirs.pk))
        self.assertEqual(refused.json()["code"], "proxy_not_authorised")
        unknown = self.checkin(self.session_a, self.card_a, proxy=str(self.site_a.pk))
        self.assertEqual(unknown.status_code, 422)
        self.assertIn("proxy", unknown.json()["message"])
        self.assertFalse(Collection.objects.exists())
        self.assertEqual(self.checkin(self.session_a, card, proxy=str(theirs.pk)).status_code,
                         201)  # fmt: skip


class WithoutCardApiTestCase(RulesApiCase):
    def test_it_serves_a_household_found_without_its_card_with_the_reason(self) -> None:
        reason = "картку загублено під час обстрілу"
        response = self.checkin(self.session_a, household=str(self.household_a.pk),
                                without_card_reason=reason)  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["channel"], body["quantity"], body["timing"], body["slot"]),
                         ("search", 6, "", None))  # fmt: skip
        collection = Collection.objects.get()
        self.assertIsNone(collection.card)
        self.assertEqual(collection.without_card_reason, reason)
        again = self.checkin(self.session_a, self.card_a)
        self.assertEqual(again.json()["code"], "already_collected")

    def test_it_names_the_field_when_the_card_or_the_reason_is_missing(self) -> None:
        household = str(self.household_a.pk)
        cases = [
            ({}, ["card"]),
            ({"household": household}, ["without_card_reason"]),
            ({"household": household, "without_card_reason": "  "}, ["without_card_reason"]),
            ({"household": household, "without_card_reason": "x", "card": self.card_a.code},
             ["card", "household"]),
            ({"card": self.card_a.code, "without_card_reason": "x"}, ["household"]),
        ]  # fmt: skip
        for body, fields in cases:
            response = self.post(self.dan, "/checkins", {"session": str(self.session_a.pk), **body})
            self.assertEqual(response.status_code, 422, body)
            self.assertEqual(response.json()["code"], "invalid")
            for field in fields:
                self.assertIn(field, response.json()["message"], body)
        self.assertFalse(Collection.objects.exists())

    def test_it_finds_without_a_card_only_the_households_the_desk_may_see(self) -> None:
        body = {"household": str(self.household_a.pk), "without_card_reason": "вдома забули"}
        refused = self.checkin(self.session_b, None, user=self.bea, **body)
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(refused.json()["code"], "unknown_household")
        # a coordinator finds anyone; the card itself is served at any site
        served = self.checkin(self.session_b, None, user=self.alice, **body)
        self.assertEqual(served.status_code, 201)
        home, card = self.household(resident())
        self.assertEqual(self.checkin(self.session_b, card, user=self.bea).status_code, 201)


class CollectionsApiTestCase(RulesApiCase):
    def test_it_lists_collections_without_personal_data_to_those_who_may_see_them(self) -> None:
        with clock(timezone.now() - timedelta(hours=2)):
            early = self.checkin(self.session_a, self.card_a).json()
        _home, card = self.household(resident())
        late = self.checkin(self.session_a, card).json()
        for user in (self.alice, self.otto, self.dan):
            response = self.get(user, "/collections", session=str(self.session_a.pk))
            self.assertEqual(response.status_code, 200, user)
            self.assertEqual([c["id"] for c in response.json()], [early["id"], late["id"]])
            self.assertNotIn("Коваль", response.content.decode())
            self.assertNotIn(self.card_a.code, response.content.decode())
        row = self.get(self.alice, "/collections").json()[0]
        self.assertEqual((row["household"], row["members"], row["quantity"], row["by_proxy"]),
                         (str(self.household_a.pk), 3, 6, False))  # fmt: skip
        # times are given to the millisecond: a poll from the last one's `at` may see it again
        after_early = datetime.fromisoformat(early["at"]) + timedelta(minutes=1)
        since = self.get(self.alice, "/collections", since=after_early.isoformat()).json()
        self.assertEqual([c["id"] for c in since], [late["id"]])
        since = self.get(self.alice, "/collections", since=late["at"]).json()
        self.assertIn([c["id"] for c in since], ([], [late["id"]]))
        self.assertEqual(self.get(self.bea, "/collections").json(), [])
        refused = self.get(self.bea, "/collections", session=str(self.session_a.pk))
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(self.get(self.rita, "/collections").status_code, 403)
