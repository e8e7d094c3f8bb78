"""The programmes' rules as the desk applies them, through the pages a coordinator and a
volunteer use: eligibility, caps, periods across Kyiv midnight and summer time, exclusions,
pauses, short stock, reversal, households without a card, proxies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import (
    Channel,
    Collection,
    DayTally,
    DistributionSession,
    Programme,
    Refusal,
    SitePause,
)
from hromada.people.actions import do_authorise_proxy, do_create_household, do_issue_card
from hromada.people.models import Residency
from hromada.stock.actions import Line, balance_of, do_record_count, do_record_delivery
from hromada.stock.models import Commodity, MovementKind, StockMovement
from tests.base import BaseTestCase, member


class RulesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.post(reverse("set_language"), {"language": "en"})

    def open_programme(self, name: str, rule: Rule, *, stock: int = 1000) -> DistributionSession:
        commodity = Commodity.objects.create(
            code=f"c{Programme.objects.count()}", name=name, unit="pcs"
        )
        programme = do_create_programme(actor=self.alice, name=name, commodity=commodity, rule=rule)
        do_record_delivery(
            actor=self.alice, site=self.site_a, lines=[Line(commodity, stock)], source="donor",
            arrived_at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        return do_open_session(actor=self.alice, programme=programme, site=self.site_a)

    def scan(
        self, session: DistributionSession, code: str | None = None, *, at: datetime | None = None
    ) -> str:
        url = reverse("distribution:checkin", args=[session.pk])
        data = {"card": code or self.card_a.code}
        # the volunteer logs in at the moved clock too: sessions end 12 hours after login
        with mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
            self.login(self.dan)
            response = self.client.post(url, data, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        return str(response.content.decode())

    # -- programmes ---------------------------------------------------------------------

    def test_it_creates_a_programme_with_its_rule_from_the_page(self) -> None:
        self.login(self.alice)
        water = Commodity.objects.create(code="water", name="Water", unit="bottles")
        response = self.client.post(
            reverse("distribution:programmes"),
            {"name": "Baby food", "commodity": water.pk, "quantity": "4", "basis": "person",
             "max_per_household": "8", "period": "week", "eligibility": "children", "age": "3",
             "excludes": [self.programme.pk]},
        )  # fmt: skip
        self.assertRedirects(response, reverse("distribution:programmes"))
        created = Programme.objects.get(name="Baby food")
        self.assertEqual(
            (
                created.quantity,
                created.max_per_household,
                created.period,
                created.eligibility,
                created.age,
            ),
            (4, 8, "week", "children", 3),
        )
        # exclusions hold both ways
        self.assertEqual(list(self.programme.excludes.all()), [created])
        page = self.client.get(reverse("distribution:programmes"))
        self.assertContains(page, "children under 3")

    def test_it_refuses_a_rule_on_children_without_an_age_and_stores_nothing(self) -> None:
        self.login(self.alice)
        before = Programme.objects.count()
        response = self.client.post(
            reverse("distribution:programmes"),
            {"name": "Baby food", "commodity": self.bread.pk, "quantity": "4", "basis": "person",
             "period": "week", "eligibility": "children", "age": ""},
        )  # fmt: skip
        self.assertContains(response, "Give the age for a rule on children or older people.")
        self.assertEqual(Programme.objects.count(), before)

    def test_it_changes_a_rule_from_the_next_scan(self) -> None:
        self.scan(self.session_a)
        self.login(self.alice)
        response = self.client.post(
            reverse("distribution:programme_edit", args=[self.programme.pk]),
            {"name": "Хліб", "quantity": "1", "basis": "person", "period": "day",
             "eligibility": "everyone"},
        )  # fmt: skip
        self.assertRedirects(response, reverse("distribution:programmes"))
        self.programme.refresh_from_db()
        self.assertEqual(self.programme.quantity, 1)
        self.assertEqual(Collection.objects.get().quantity, 6)  # what was given stays

    def test_a_distributor_may_not_write_programmes(self) -> None:
        self.login(self.dan)
        response = self.client.get(reverse("distribution:programmes"))
        self.assertEqual(response.status_code, 403)

    # -- eligibility and quantities ---------------------------------------------------------

    def test_it_counts_only_the_children_under_the_age(self) -> None:
        # household_a: two adults born 1960 and a boy born 2015
        session = self.open_programme("Child kit", Rule(quantity=3, eligibility="children", age=14))
        answer = self.scan(session, at=datetime(2026, 11, 28, 10, tzinfo=UTC))
        self.assertIn("Give 3 pcs", answer)
        self.assertEqual(Collection.objects.get(programme=session.programme).members, 1)

    def test_it_counts_older_people_from_the_age(self) -> None:
        session = self.open_programme("Pension kit", Rule(quantity=1, eligibility="older", age=60))
        self.assertIn("Give 2 pcs", self.scan(session, at=datetime(2026, 11, 28, 10, tzinfo=UTC)))

    def test_it_refuses_a_household_nobody_in_which_is_eligible_naming_the_rule(self) -> None:
        session = self.open_programme("IDP parcel", Rule(quantity=1, eligibility="displaced"))
        answer = self.scan(session)
        self.assertIn('data-answer="not_eligible"', answer)
        self.assertIn("Nobody in this household is eligible for IDP parcel", answer)
        self.assertIn("displaced people only", answer)
        self.assertEqual(Refusal.objects.get().reason, "not_eligible")
        # a displaced member makes the household eligible, for that member only
        displaced = replace(
            member(given="Олена"), residency=Residency.DISPLACED, displaced_from="Бахмут"
        )
        household = do_create_household(
            actor=self.rita, site=self.site_a, address="", members=[member(), displaced]
        )
        card = do_issue_card(actor=self.rita, household=household)
        self.assertIn("Give 1 pcs", self.scan(session, card.code))

    def test_it_counts_a_vulnerability(self) -> None:
        session = self.open_programme(
            "Medicine",
            Rule(quantity=1, eligibility="vulnerability", vulnerability="chronic_illness"),
        )
        ill = replace(member(given="Марія"), vulnerabilities=(("chronic_illness", None),))
        household = do_create_household(
            actor=self.rita, site=self.site_a, address="", members=[member(), ill]
        )
        card = do_issue_card(actor=self.rita, household=household)
        self.assertIn("Give 1 pcs", self.scan(session, card.code))
        self.assertIn('data-answer="not_eligible"', self.scan(session))

    def test_it_caps_a_per_person_quantity_per_household(self) -> None:
        session = self.open_programme("Water", Rule(quantity=2, max_per_household=4))
        self.assertIn("Give 4 pcs", self.scan(session))
        collection = Collection.objects.get(programme=session.programme)
        self.assertEqual((collection.entitled, collection.quantity, collection.members), (4, 4, 3))

    def test_it_gives_a_per_household_quantity_whatever_the_size(self) -> None:
        session = self.open_programme(
            "Hygiene kit", Rule(quantity=1, basis="household", period="month")
        )
        self.assertIn("Give 1 pcs", self.scan(session))

    # -- periods ----------------------------------------------------------------------------

    def test_a_week_runs_monday_to_sunday_in_kyiv_across_the_spring_change(self) -> None:
        session = self.open_programme("Parcel", Rule(quantity=1, basis="household", period="week"))
        # Monday 23 March 2026, 10:00 Kyiv (UTC+2)
        self.assertIn(
            'data-answer="ok"', self.scan(session, at=datetime(2026, 3, 23, 8, tzinfo=UTC))
        )
        # Sunday 29 March, 23:30 Kyiv: the clocks went forward that night (UTC+3): same week
        answer = self.scan(session, at=datetime(2026, 3, 29, 20, 30, tzinfo=UTC))
        self.assertIn("Already collected this week", answer)
        # Monday 30 March, 00:30 Kyiv is still Sunday in UTC: a new week
        self.assertIn(
            'data-answer="ok"', self.scan(session, at=datetime(2026, 3, 29, 21, 30, tzinfo=UTC))
        )
        self.assertEqual(
            sorted(
                Collection.objects.filter(programme=session.programme).values_list(
                    "period_start", flat=True
                )
            ),
            [date(2026, 3, 23), date(2026, 3, 30)],
        )

    def test_a_day_ends_at_kyiv_midnight_across_the_autumn_change(self) -> None:
        session = self.open_programme("Hot meal", Rule(quantity=1, basis="household"))
        # Sunday 25 October 2026 is 25 hours long in Kyiv: 00:00 is 21:00 UTC the day before
        # (summer time), the next midnight is 22:00 UTC (winter time)
        self.assertIn(
            'data-answer="ok"', self.scan(session, at=datetime(2026, 10, 24, 21, 0, tzinfo=UTC))
        )
        self.assertIn(
            "Already collected today",
            self.scan(session, at=datetime(2026, 10, 25, 21, 59, tzinfo=UTC)),
        )
        self.assertIn(
            'data-answer="ok"', self.scan(session, at=datetime(2026, 10, 25, 22, 0, tzinfo=UTC))
        )

    def test_once_means_once(self) -> None:
        session = self.open_programme(
            "Winter stove", Rule(quantity=1, basis="household", period="once")
        )
        self.assertIn(
            'data-answer="ok"', self.scan(session, at=datetime(2026, 1, 5, 10, tzinfo=UTC))
        )
        answer = self.scan(session, at=datetime(2026, 12, 5, 10, tzinfo=UTC))
        self.assertIn("it is given once only", answer)

    # -- exclusions -------------------------------------------------------------------------

    def test_a_food_parcel_this_week_excludes_hot_meals_that_week_and_back(self) -> None:
        parcel = self.open_programme(
            "Food parcel", Rule(quantity=1, basis="household", period="week")
        )
        meals = self.open_programme("Hot meals", Rule(quantity=1))
        parcel.programme.excludes.add(meals.programme)
        monday = datetime(2026, 11, 23, 8, tzinfo=UTC)
        wednesday = datetime(2026, 11, 25, 8, tzinfo=UTC)
        next_monday = datetime(2026, 11, 30, 8, tzinfo=UTC)
        self.assertIn('data-answer="ok"', self.scan(parcel, at=monday))
        answer = self.scan(meals, at=wednesday)
        self.assertIn('data-answer="excluded"', answer)
        self.assertIn("received Food parcel on 23.11.2026", answer)
        self.assertIn("same week", answer)
        self.assertIn('data-answer="ok"', self.scan(meals, at=next_monday))
        # and the other way round: a hot meal this week refuses the parcel this week
        self.assertIn('data-answer="excluded"', self.scan(parcel, at=next_monday))

    # -- pause --------------------------------------------------------------------------------

    def test_a_pause_stops_every_desk_at_the_site_with_its_reason_until_resumed(self) -> None:
        self.login(self.dan)  # the volunteer who hears the siren may pause
        response = self.client.post(
            reverse("distribution:pauses"),
            {"site": self.site_a.pk, "reason": "air_raid", "note": "sirens"},
        )
        self.assertRedirects(response, reverse("distribution:pauses"))
        # every desk polls this: the banner appears without a scan
        status = self.client.get(reverse("distribution:stock_left", args=[self.session_a.pk]))
        self.assertContains(status, "PAUSED")
        self.assertContains(status, "air-raid alert: sirens")
        answer = self.scan(self.session_a)
        self.assertIn('data-answer="paused"', answer)
        self.assertIn("Distribution is paused at Міська рада: air-raid alert: sirens", answer)
        self.assertEqual(Collection.objects.count(), 0)
        # the other site serves on
        self.login(self.bea)
        other = self.client.get(reverse("distribution:stock_left", args=[self.session_b.pk]))
        self.assertNotContains(other, "PAUSED")
        # a distributor may not resume
        self.login(self.dan)
        resume = reverse("distribution:resume", args=[self.site_a.pk])
        self.assertEqual(self.client.post(resume).status_code, 403)
        self.login(self.alice)
        self.client.post(resume)
        pause = SitePause.objects.get()
        self.assertEqual(pause.ended_by, self.alice)
        self.assertIn('data-answer="ok"', self.scan(self.session_a))

    def test_pausing_twice_makes_one_pause(self) -> None:
        self.login(self.alice)
        for _ in range(2):
            self.client.post(
                reverse("distribution:pauses"), {"site": self.site_a.pk, "reason": "shelling"}
            )
        self.assertEqual(SitePause.objects.active().count(), 1)

    # -- short stock ----------------------------------------------------------------------

    def short_stock(self) -> None:
        do_record_count(
            actor=self.alice, site=self.site_a, commodity=self.bread, counted=2, reason="mould"
        )

    def test_it_refuses_when_stock_is_short_by_default_saying_the_rule(self) -> None:
        self.short_stock()
        answer = self.scan(self.session_a)
        self.assertIn('data-answer="out_of_stock"', answer)
        self.assertIn("6 needed, 2 left", answer)
        self.assertIn("refuse when the whole entitlement is not there", answer)

    def test_it_gives_what_is_left_when_the_coordinator_chose_so(self) -> None:
        self.short_stock()
        self.login(self.alice)
        response = self.client.post(
            reverse("distribution:session_settings", args=[self.session_a.pk]),
            {"shortage": "partial"},
        )
        self.assertRedirects(response, reverse("distribution:sessions"))
        answer = self.scan(self.session_a)
        self.assertIn("Give 2", answer)
        self.assertIn("only 2 of 6", answer)
        collection = Collection.objects.get()
        self.assertEqual((collection.quantity, collection.entitled), (2, 6))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 0)

    # -- reversal ---------------------------------------------------------------------------

    def test_a_coordinator_reverses_a_mistake_the_same_day_and_the_household_may_collect_again(
        self,
    ) -> None:
        self.scan(self.session_a)
        collection = Collection.objects.get()
        url = reverse("distribution:collection_reverse", args=[collection.pk])
        self.login(self.dan)
        self.assertEqual(self.client.post(url, {"reason": "wrong card"}).status_code, 403)
        self.login(self.alice)
        page = self.client.get(reverse("distribution:collections", args=[self.session_a.pk]))
        self.assertContains(page, "Reverse")
        response = self.client.post(url, {"reason": "wrong card"})
        self.assertRedirects(
            response, reverse("distribution:collections", args=[self.session_a.pk])
        )
        collection.refresh_from_db()
        self.assertTrue(collection.is_reversed)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)
        reversal = collection.reversal_movement
        assert reversal is not None
        self.assertEqual((reversal.kind, reversal.quantity), (MovementKind.REVERSAL, 6))
        # nothing deleted: the issue and its reversal are both on the ledger
        self.assertEqual(StockMovement.objects.filter(site=self.site_a).count(), 3)
        self.assertEqual(DayTally.objects.get().units, 0)
        # reversing again is refused, and the household is served again
        self.client.post(url, {"reason": "again"})
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)
        self.assertIn('data-answer="ok"', self.scan(self.session_a))
        self.assertEqual(DayTally.objects.get().units, 6)

    def test_it_refuses_to_reverse_a_collection_of_another_day(self) -> None:
        self.scan(self.session_a, at=datetime(2026, 11, 20, 10, tzinfo=UTC))
        collection = Collection.objects.get()
        self.login(self.alice)
        response = self.client.post(
            reverse("distribution:collection_reverse", args=[collection.pk]),
            {"reason": "late"},
            follow=True,
        )
        self.assertContains(response, "only on the day it was made")
        collection.refresh_from_db()
        self.assertFalse(collection.is_reversed)

    # -- without a card, and proxies ---------------------------------------------------------

    def test_the_desk_finds_a_household_without_its_card_and_serves_it_with_the_reason(
        self,
    ) -> None:
        self.login(self.dan)
        found = self.client.post(
            reverse("distribution:find", args=[self.session_a.pk]), {"q": "Koval Oksana"}
        )
        self.assertContains(found, str(self.household_a))
        self.assertContains(found, "Household of 3 people")
        url = reverse("distribution:serve_without_card", args=[self.session_a.pk])
        missing = self.client.post(
            url, {"household": self.household_a.pk, "reason": ""}, headers={"HX-Request": "true"}
        )
        self.assertContains(missing, "Say why the household has no card.")
        self.assertEqual(Collection.objects.count(), 0)
        answer = self.client.post(
            url,
            {"household": self.household_a.pk, "reason": "card burnt"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(answer, "Give 6")
        self.assertContains(answer, "Without a card: card burnt")
        collection = Collection.objects.get()
        self.assertEqual(
            (collection.channel, collection.card, collection.without_card_reason),
            (Channel.SEARCH, None, "card burnt"),
        )
        # a second time, with the card this time, is refused
        self.assertIn("Already collected today", self.scan(self.session_a))

    def test_a_desk_cannot_serve_a_household_of_another_site_without_a_card(self) -> None:
        self.login(self.bea)
        found = self.client.post(
            reverse("distribution:find", args=[self.session_b.pk]), {"q": "Коваль"}
        )
        self.assertNotContains(found, str(self.household_a))
        answer = self.client.post(
            reverse("distribution:serve_without_card", args=[self.session_b.pk]),
            {"household": self.household_a.pk, "reason": "lost"},
        )
        self.assertContains(answer, "No such household here.")
        self.assertEqual(Collection.objects.count(), 0)

    def test_a_proxy_authorised_on_the_household_is_recorded_on_the_collection(self) -> None:
        self.login(self.rita)
        response = self.client.post(
            reverse("people:proxy_add", args=[self.household_a.pk]),
            {"name": "Сусідка Ганна Бойко", "phone": "067 123 45 67", "note": "flat 12"},
        )
        self.assertRedirects(response, reverse("people:household", args=[self.household_a.pk]))
        proxy = self.household_a.proxies.get()
        self.assertEqual(proxy.phone, "+380671234567")
        answer = self.scan(self.session_a)
        self.assertIn("Collected by an authorised proxy?", answer)
        self.assertIn("Сусідка Ганна Бойко", answer)
        collection = Collection.objects.get()
        self.client.post(
            reverse("distribution:record_proxy", args=[collection.pk]), {"proxy": proxy.pk}
        )
        collection.refresh_from_db()
        self.assertEqual(collection.proxy, proxy)
        # a withdrawn proxy, or another household's, is not accepted
        self.login(self.rita)
        self.client.post(reverse("people:proxy_revoke", args=[proxy.pk]))
        other = do_create_household(
            actor=self.rita, site=self.site_a, address="", members=[member()]
        )
        stranger = do_authorise_proxy(actor=self.rita, household=other, name="Інша Особа")
        self.login(self.dan)
        for bad in (proxy, stranger):
            response = self.client.post(
                reverse("distribution:record_proxy", args=[collection.pk]),
                {"proxy": bad.pk},
                follow=True,
            )
            self.assertContains(response, "not authorised to collect for this household")
