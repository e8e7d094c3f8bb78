"""The evacuation's figures, page, exports and API, and the unaccounted panel on the
dashboard; the trips are made with the evacuation's actions, as the officers make them.

The town of these tests, with T today (Kyiv):

- Котенко (2 people, 2 cats in carriers) waits from T-10 noon; both arrive at Dnipro with the
  bus that left on T-3 at 08:00, one at 13:00, one at 19:00.
- Собачук (1 person in a wheelchair, a large dog) waits from T-8 noon; on the same bus, not
  confirmed at the other end: unaccounted for.
- Третяк (1 person) waits from T-2 noon; on a bus to Lviv that left on T-1: on the road.
- Чекаленко (1 person) waits from T-5 noon and is still waiting.
- Відкличенко (1 person) waited from T-6 noon and withdrew on T-3 at noon.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

import hxl
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hromada.core.models import Role, User
from hromada.evacuation.actions import (
    PetData,
    do_add_to_trip,
    do_board,
    do_close_arrival,
    do_confirm_arrival,
    do_create_reception_centre,
    do_create_trip,
    do_depart,
    do_resolve_passenger,
    do_withdraw_request,
)
from hromada.evacuation.models import (
    EvacuationRequest,
    Passenger,
    ReceptionCentre,
    Trip,
)
from hromada.lib.periods import KYIV
from hromada.reports.evacuation import waiting_times
from tests.base import make_user
from tests.evacuation.base import EvacuationTestCase

TOWN = "Тестова громада"
FAMILIES = ("Котенко", "Собачук", "Третяк", "Чекаленко", "Відкличенко")
PERSONAL = (*FAMILIES, "Особа0", "Петрівна", "067 123 45 67")


def kyiv(days_ago: int, hour: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=KYIV)


@contextmanager
def clock(days_ago: int, hour: int = 12) -> Iterator[None]:
    """Pretend the clock shows `hour` o'clock, `days_ago` Kyiv days back."""
    with mock.patch("django.utils.timezone.now", return_value=kyiv(days_ago, hour)):
        yield


def day(days_ago: int) -> date:
    return timezone.localdate() - timedelta(days=days_ago)


class EvacuationTown(EvacuationTestCase):
    """The town of this file's docstring; no tests of its own."""

    lviv: ReceptionCentre
    to_dnipro: Trip
    to_lviv: Trip
    kotenko: EvacuationRequest
    sobachuk: EvacuationRequest
    lost: Passenger

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lviv = do_create_reception_centre(
            actor=cls.alice, code="lviv", name="Центр у Львові", city="Львів"
        )
        requests = {}
        for family, born, days_ago, extra in (
            ("Котенко", (date(1950, 1, 1), date(1952, 2, 2)), 10,
             {"pets": (PetData("cat", count=2),)}),
            ("Собачук", (date(1948, 3, 3),), 8,
             {"pets": (PetData("dog", in_carrier=False, large=True),),
              "needs": {0: {"wheelchair"}}}),
            ("Третяк", (date(1980, 4, 4),), 2, {}),
            ("Чекаленко", (date(1970, 5, 5),), 5, {}),
            ("Відкличенко", (date(1975, 6, 6),), 6, {}),
        ):  # fmt: skip
            household, _card = cls.household(family, *born)
            with clock(days_ago):
                requests[family] = cls.request_for(household, **extra)
        with clock(3):
            do_withdraw_request(actor=cls.rita, request=requests["Відкличенко"])
        cls.kotenko, cls.sobachuk = requests["Котенко"], requests["Собачук"]

        cls.to_dnipro = cls.trip
        for family in ("Котенко", "Собачук"):
            do_add_to_trip(
                actor=cls.eva, trip=cls.to_dnipro, request=requests[family], now=kyiv(3, 7)
            )
        for passenger in cls.to_dnipro.passengers.all():
            do_board(actor=cls.eva, passenger=passenger, civilian_confirmed=True, now=kyiv(3, 7))
        do_depart(actor=cls.eva, trip=cls.to_dnipro, now=kyiv(3, 8))
        first, second = cls.to_dnipro.passengers.filter(request=cls.kotenko).order_by("seat")
        do_confirm_arrival(actor=cls.remy, passenger=first, now=kyiv(3, 13))
        do_confirm_arrival(actor=cls.remy, passenger=second, now=kyiv(3, 19))
        do_close_arrival(actor=cls.remy, trip=cls.to_dnipro, now=kyiv(3, 20))
        cls.lost = cls.to_dnipro.passengers.get(request=cls.sobachuk)

        cls.to_lviv = do_create_trip(
            actor=cls.eva, site=cls.site_a, vehicle=cls.bus, departure_point="Парковка ради",
            departs_at=kyiv(1, 9), destination=cls.lviv, driver="Водій Іван",
        )  # fmt: skip
        do_add_to_trip(actor=cls.eva, trip=cls.to_lviv, request=requests["Третяк"], now=kyiv(1, 9))
        for passenger in cls.to_lviv.passengers.all():
            do_board(actor=cls.eva, passenger=passenger, civilian_confirmed=True, now=kyiv(1, 9))
        do_depart(actor=cls.eva, trip=cls.to_lviv, now=kyiv(1, 10))

    # -- helpers ---------------------------------------------------------------------------

    def week(self) -> dict[str, str]:
        return {"start": day(6).isoformat(), "end": day(0).isoformat()}

    def page(self, user: User, **params: str) -> Any:
        self.login(user)
        self.client.post(reverse("set_language"), {"language": "en"})
        with clock(0):
            return self.client.get(reverse("reports:evacuation"), {**self.week(), **params})

    def rows(self, response: HttpResponseBase) -> list[list[str]]:
        assert isinstance(response, HttpResponse)
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def dashboard(self, user: User) -> Any:
        self.login(user)
        self.client.post(reverse("set_language"), {"language": "en"})
        return self.client.get(reverse("reports:dashboard"))


@override_settings(HROMADA_TOWN_NAME=TOWN)
class EvacuationReportTestCase(EvacuationTown):
    # -- figures ---------------------------------------------------------------------------

    def test_it_counts_people_per_day_and_destination(self) -> None:
        response = self.page(self.alice)
        self.assertEqual(response.status_code, 200)
        rows = [
            (r.day, r.city, r.trips, r.boarded, r.arrived, r.unaccounted, r.resolved,
             r.on_the_road, r.animals)
            for r in response.context["rows"]
        ]  # fmt: skip
        self.assertEqual(
            rows,
            [
                (day(3), "Дніпро", 1, 3, 2, 1, 0, 0, 2),
                (day(1), "Львів", 1, 1, 0, 0, 0, 1, 0),
            ],
        )
        days = response.context["days"]
        self.assertEqual([d.day for d in days], [day(n) for n in range(6, -1, -1)])
        self.assertEqual([d.arrived for d in days], [0, 0, 0, 2, 0, 0, 0])
        for d in days:
            self.assertEqual(d.boarded, d.arrived + d.unaccounted + d.resolved + d.on_the_road)
        totals = response.context["totals"]
        self.assertEqual((totals.boarded, totals.arrived, totals.unaccounted), (4, 2, 1))
        self.assertContains(response, 'id="chart-evacuated"')
        self.assertContains(response, 'data-value="2"')

    def test_it_counts_the_kyiv_day_the_bus_left(self) -> None:
        # 00:30 Kyiv is still the day before in UTC: the trip counts on the Kyiv day
        trip = self.new_trip()
        household, _card = self.household("Нічний", date(1960, 1, 1))
        do_add_to_trip(actor=self.eva, trip=trip, request=self.request_for(household))
        do_board(actor=self.eva, passenger=trip.passengers.get(), civilian_confirmed=True)
        departed = datetime.combine(day(2), datetime.min.time(), tzinfo=KYIV) + timedelta(
            minutes=30
        )
        do_depart(actor=self.eva, trip=trip, now=departed)
        response = self.page(self.otto)
        self.assertEqual([d.on_the_road for d in response.context["days"]][4], 1)

    def test_it_counts_the_animals_that_arrived_by_species(self) -> None:
        response = self.page(self.alice)
        self.assertEqual([(p.species, p.animals) for p in response.context["pets"]], [("cat", 2)])
        # the dog's person turns up late at the centre: the dog has arrived too
        do_confirm_arrival(actor=self.remy, passenger=self.lost, now=kyiv(2, 9))
        response = self.page(self.alice)
        pets = [(p.species, p.label, p.animals) for p in response.context["pets"]]
        self.assertEqual(pets, [("cat", "cat", 2), ("dog", "dog", 1)])
        self.assertEqual(response.context["animals"], 3)
        needs = [(n.need, n.people) for n in response.context["needs"]]
        self.assertEqual(needs, [("wheelchair", 1)])

    def test_it_counts_no_animal_of_a_passenger_not_arrived(self) -> None:
        self.assertTrue(self.lost.carries_pets)
        response = self.page(self.alice)
        self.assertNotIn("dog", [p.species for p in response.context["pets"]])
        self.assertEqual(response.context["needs"], [])

    def test_it_counts_the_waitlist_as_each_day_ended(self) -> None:
        response = self.page(self.alice)
        found = [(d.day, d.requests, d.people) for d in response.context["waiting_days"]]
        # T-6: Відкличенко, Котенко (2), Собачук; T-5 and T-4: and Чекаленко; T-3: Котенко
        # arrived and Відкличенко withdrew; T-2 on: and Третяк (on the road, not arrived)
        self.assertEqual(
            found,
            [
                (day(6), 3, 4), (day(5), 4, 5), (day(4), 4, 5), (day(3), 2, 2),
                (day(2), 3, 3), (day(1), 3, 3), (day(0), 3, 3),
            ],
        )  # fmt: skip
        self.assertContains(response, 'id="chart-waitlist"')

    def test_it_says_how_long_people_wait(self) -> None:
        response = self.page(self.alice)
        waitlist = response.context["waitlist"]
        # Собачук (8 days), Чекаленко (5), Третяк (2) are waiting at noon today
        self.assertEqual((waitlist.requests, waitlist.people), (3, 3))
        self.assertEqual((waitlist.waiting.median, waitlist.waiting.longest), (5.0, 8.0))
        # Котенко waited 7 days 1 hour and 7 days 7 hours: median 7 days 4 hours
        waited = response.context["waited"]
        self.assertEqual((waited.count, waited.median, waited.longest), (2, 7.2, 7.3))

    def test_it_writes_the_days_waited_the_ukrainian_way(self) -> None:
        self.login(self.alice)
        with clock(0):
            response = self.client.get(reverse("reports:evacuation"), self.week())
        self.assertContains(response, "7,2")
        self.assertContains(response, "7,3")

    def test_it_measures_nothing_when_nobody_waited(self) -> None:
        times = waiting_times([])
        self.assertEqual((times.count, times.median, times.longest), (0, None, None))

    def test_it_shows_an_evacuation_officer_their_own_sites(self) -> None:
        response = self.page(self.eva)
        self.assertEqual(len(response.context["rows"]), 2)
        other = make_user("olga", Role.EVACUATION, self.site_b)
        response = self.page(other)
        self.assertEqual(response.context["rows"], [])
        self.assertEqual(response.context["waitlist"].requests, 0)
        asked = self.page(other, site=str(self.site_a.pk))
        self.assertFalse(asked.context["figures"])
        self.assertContains(asked, "errorlist")
        export = self.client.get(
            reverse("reports:evacuation_csv"), {**self.week(), "site": str(self.site_a.pk)}
        )
        self.assertEqual(export.status_code, 400)

    def test_it_offers_no_reception_centre_as_a_departure_site(self) -> None:
        response = self.page(self.alice)
        sites = list(response.context["form"].fields["site"].queryset)
        self.assertIn(self.site_a, sites)
        self.assertNotIn(self.centre.site, sites)

    def test_it_lets_no_distributor_or_registrar_in(self) -> None:
        for user in (self.dan, self.rita, self.remy):
            self.login(user)
            for name in ("reports:evacuation", "reports:evacuation_csv", "reports:evacuation_hxl"):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403, name)

    def test_it_shows_the_auditor_counts_and_nobody(self) -> None:
        response = self.page(self.otto)
        self.assertEqual(response.status_code, 200)
        for personal in PERSONAL:
            self.assertNotContains(response, personal)

    # -- exports ---------------------------------------------------------------------------

    def test_it_exports_one_row_per_day_site_and_destination_as_csv(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(reverse("reports:evacuation_csv"), self.week())
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="hromada-evacuation-{day(6)}-{day(0)}.csv"',
        )
        header, *rows = self.rows(response)
        self.assertEqual(
            header,
            ["date", "hromada", "leaves from site", "reception centre", "city", "trips",
             "boarded", "arrived", "unaccounted for", "accounted for otherwise", "on the road",
             "animals arrived"],
        )  # fmt: skip
        self.assertEqual(
            rows,
            [
                [day(3).isoformat(), TOWN, "Міська рада", "Пункт прийому", "Дніпро", "1", "3",
                 "2", "1", "0", "0", "2"],
                [day(1).isoformat(), TOWN, "Міська рада", "Центр у Львові", "Львів", "1", "1",
                 "0", "0", "0", "1", "0"],
            ],
        )  # fmt: skip

    def test_it_exports_xlsx_with_dates_and_numbers(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("reports:evacuation_xlsx"), self.week())
        self.assertIn('.xlsx"', response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(len(values), 3)
        self.assertEqual(values[1][0].date(), day(3))
        self.assertEqual(values[1][2:], ["Міська рада", "Пункт прийому", "Дніпро", 1, 3, 2, 1,
                                         0, 0, 2])  # fmt: skip

    def test_it_exports_hxl_that_the_hxl_library_reads(self) -> None:
        self.login(self.otto)
        response = self.client.get(
            reverse("reports:evacuation_hxl"), {**self.week(), "site": str(self.site_a.pk)}
        )
        self.assertIn("-municipal-", response["Content-Disposition"])
        self.assertIn('.hxl.csv"', response["Content-Disposition"])
        dataset = hxl.data(io.BytesIO(response.content), hxl.InputOptions(allow_local=True))
        self.assertEqual(
            [column.display_tag for column in dataset.columns],
            ["#date", "#adm3+name+origin", "#loc+name+origin", "#loc+name+dest",
             "#adm3+name+dest", "#indicator+trips+num", "#affected+boarded",
             "#affected+evacuated", "#affected+unaccounted", "#affected+resolved",
             "#affected+onroad", "#indicator+animals+num"],
        )  # fmt: skip
        rows = list(dataset)
        self.assertEqual(len(rows), 2)
        dnipro = rows[0]
        self.assertEqual(dnipro.get("#date"), day(3).isoformat())
        self.assertEqual(dnipro.get("#loc+dest"), "Пункт прийому")
        self.assertEqual(dnipro.get("#adm3+dest"), "Дніпро")
        self.assertEqual(dnipro.get("#adm3+origin"), TOWN)
        self.assertEqual(int(dnipro.get("#affected+evacuated")), 2)
        self.assertEqual(int(dnipro.get("#affected+boarded")), 3)
        self.assertEqual(int(dnipro.get("#affected+unaccounted")), 1)
        self.assertEqual(int(dnipro.get("#indicator+animals")), 2)
        self.assertEqual(int(rows[1].get("#affected+onroad")), 1)

    def test_it_exports_no_name(self) -> None:
        for user in (self.alice, self.otto):
            self.login(user)
            for name in ("reports:evacuation_csv", "reports:evacuation_hxl"):
                body = self.client.get(reverse(name), self.week()).content.decode("utf-8-sig")
                self.assertIn("Дніпро", body)
                for personal in PERSONAL:
                    self.assertNotIn(personal, body, name)
            sheet = load_workbook(
                io.BytesIO(self.client.get(reverse("reports:evacuation_xlsx"), self.week()).content)
            ).active
            assert sheet is not None
            cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
            for personal in PERSONAL:
                self.assertNotIn(personal, cells)

    # -- the dashboard's unaccounted panel -------------------------------------------------

    def test_the_dashboard_shows_the_unaccounted_until_resolved(self) -> None:
        response = self.dashboard(self.alice)
        self.assertContains(response, "Unaccounted for: 1 passenger<")
        self.assertContains(response, 'class="unaccounted-panel alert"')
        self.assertContains(response, "Собачук Особа0")
        self.assertContains(response, "<td>W1</td>", html=False)
        self.assertContains(response, kyiv(3, 8).strftime("%d.%m.%Y"))
        [(row, _url)] = response.context["unaccounted"]
        self.assertEqual((row.trip_id, row.city), (self.to_dnipro.pk, "Дніпро"))
        do_resolve_passenger(
            actor=self.alice, passenger=self.lost, resolution="hospital", place="Павлоград"
        )
        response = self.dashboard(self.alice)
        self.assertContains(response, "Unaccounted for: 0 passengers")
        self.assertContains(response, 'class="unaccounted-panel ok"')
        self.assertNotContains(response, "Собачук")
        # the evacuation page counts them as accounted for otherwise now
        row = self.page(self.alice).context["rows"][0]
        self.assertEqual((row.unaccounted, row.resolved, row.boarded), (0, 1, 3))

    def test_the_dashboard_shows_the_auditor_the_count_and_no_names(self) -> None:
        response = self.dashboard(self.otto)
        self.assertContains(response, "Unaccounted for: 1 passenger<")
        self.assertContains(response, "<td>W1</td>", html=False)
        self.assertFalse(response.context["unaccounted_names"])
        self.assertIsNone(response.context["unaccounted_url"])  # resolving is not theirs
        for personal in PERSONAL:
            self.assertNotContains(response, personal)

    def test_the_dashboard_shows_a_distributor_no_panel(self) -> None:
        response = self.dashboard(self.dan)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Unaccounted for")

    def test_the_dashboard_links_the_trip_and_the_unaccounted_page(self) -> None:
        response = self.dashboard(self.alice)
        [(_row, url)] = response.context["unaccounted"]
        self.assertEqual(url, reverse("evacuation:trip", args=[self.to_dnipro.pk]))
        self.assertContains(response, f'href="{url}"')
        self.assertContains(response, f'href="{reverse("evacuation:unaccounted")}"')


class EvacuationApiTestCase(EvacuationTown):
    def get(self, user: User, **params: str) -> Any:
        with clock(0):
            return self.api(user).get("/api/v1/reports/evacuation", **params)

    def test_it_gives_the_figures_as_json(self) -> None:
        found = self.get(self.otto, **self.week()).json()
        self.assertEqual((found["start"], found["end"]), (day(6).isoformat(), day(0).isoformat()))
        dnipro, lviv = found["rows"]
        self.assertEqual(
            (dnipro["date"], dnipro["site"], dnipro["destination"], dnipro["boarded"],
             dnipro["arrived"], dnipro["unaccounted"], dnipro["animals"]),
            (day(3).isoformat(), str(self.site_a.pk), str(self.centre.pk), 3, 2, 1, 2),
        )  # fmt: skip
        self.assertEqual(lviv["on_the_road"], 1)
        self.assertEqual(
            found["waitlist"],
            {"requests": 3, "people": 3,
             "waiting": {"count": 3, "median_days": 5.0, "longest_days": 8.0}},
        )  # fmt: skip
        self.assertEqual(found["waited"]["median_days"], 7.2)
        self.assertEqual([d["requests"] for d in found["waitlist_per_day"]], [3, 4, 4, 2, 3, 3, 3])
        self.assertEqual(found["pets"], [{"species": "cat", "animals": 2}])
        self.assertNotIn("Котенко", str(found))

    def test_it_refuses_roles_and_sites_it_must(self) -> None:
        for user in (self.dan, self.rita, self.remy):
            self.assertEqual(self.get(user).status_code, 403, user.username)
        other = make_user("olga", Role.EVACUATION, self.site_b)
        self.assertEqual(self.get(other, site=str(self.site_a.pk)).status_code, 404)
        self.assertEqual(self.get(other).json()["rows"], [])
        self.assertEqual(self.get(self.eva).status_code, 200)
        bad = self.get(self.alice, start="2026-03-10", end="2026-03-01")
        self.assertEqual((bad.status_code, bad.json()["code"]), (422, "invalid"))
