"""The trip's pages through HTTP: planning from the waitlist, the printed manifest, boarding at
the door, the departure, the arrival at the reception centre, and the unaccounted for."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from hromada.core.models import Role, User
from hromada.evacuation.actions import (
    do_board,
    do_create_reception_centre,
    do_depart,
    do_save_plan,
    propose,
    summary,
)
from hromada.evacuation.models import (
    EvacuationRequest,
    Passenger,
    PassengerStatus,
    Trip,
    TripStatus,
)
from hromada.evacuation.texts import left_out_text
from hromada.lib import evacuation as rules
from hromada.people.models import Card, Household
from tests.base import make_user
from tests.evacuation.base import EvacuationTestCase


class TripPagesTestCase(EvacuationTestCase):
    """On the 4-seat bus: an old pair ranks first, a family of three does not fit after it
    (two seats left), a young single takes the last seat."""

    pair: Household
    trio: Household
    single: Household
    pair_card: Card
    trio_card: Card
    single_card: Card
    pair_request: EvacuationRequest
    trio_request: EvacuationRequest
    single_request: EvacuationRequest

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.pair, cls.pair_card = cls.household("Старенькі", date(1940, 2, 1), date(1942, 3, 1))
        cls.trio, cls.trio_card = cls.household(
            "Трійця", date(1990, 1, 1), date(1991, 1, 1), date(2016, 6, 1)
        )
        cls.single, cls.single_card = cls.household("Самотній", date(1995, 1, 1))
        cls.pair_request = cls.request_for(cls.pair)
        cls.trio_request = cls.request_for(cls.trio)
        cls.single_request = cls.request_for(cls.single)

    def plan_url(self, **query: list[str]) -> str:
        url = reverse("evacuation:trip_plan", args=[self.trip.pk])
        parts = [f"{key}={value}" for key, values in query.items() for value in values]
        return f"{url}?{'&'.join(parts)}" if parts else url

    def planned_households(self, trip: Trip | None = None) -> set[object]:
        return set(
            Passenger.objects.filter(
                trip=trip or self.trip,
                status__in=[PassengerStatus.PLANNED, PassengerStatus.BOARDED],
            ).values_list("person__household", flat=True)
        )

    def boarding_page(self) -> str:
        return reverse("evacuation:trip_boarding", args=[self.trip.pk])

    # -- trips and planning ------------------------------------------------------------------

    def test_it_creates_a_trip_with_the_departure_in_kyiv_time(self) -> None:
        self.login(self.eva)
        response = self.client.post(
            reverse("evacuation:trip_create"),
            {
                "site": self.site_a.pk,
                "vehicle": self.bus.pk,
                "departure_point": "Парковка ради",
                "departs_at": "2030-05-01T08:30",
                "destination": self.centre.pk,
                "driver": "Водій Іван",
                "escort": "",
            },
        )
        trip = Trip.objects.exclude(pk=self.trip.pk).get()
        self.assertRedirects(response, reverse("evacuation:trip_plan", args=[trip.pk]))
        self.assertEqual(trip.departs_at, datetime(2030, 5, 1, 5, 30, tzinfo=UTC))  # UTC+3
        self.assertEqual((trip.seats, trip.driver, trip.created_by), (4, "Водій Іван", self.eva))
        listing = self.client.get(reverse("evacuation:trips"))
        self.assertContains(listing, "01.05.2030 08:30")

    def test_it_refuses_a_trip_without_a_driver_naming_the_field(self) -> None:
        self.login(self.eva)
        response = self.client.post(
            reverse("evacuation:trip_create"),
            {"site": self.site_a.pk, "vehicle": self.bus.pk, "departure_point": "Парковка",
             "departs_at": "2030-05-01T08:30", "destination": self.centre.pk, "driver": " "},
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["driver"])
        self.assertEqual(Trip.objects.count(), 1)

    def test_the_plan_shows_reasons_and_a_left_out_household_with_its_shortage(self) -> None:
        self.login(self.eva)
        response = self.client.get(self.plan_url())
        self.assertEqual(response.status_code, 200)
        taken = [row.request for row in response.context["taken"]]
        self.assertEqual(taken, [self.pair_request, self.single_request])
        left = response.context["left_out"]
        self.assertEqual([row.request for row in left], [self.trio_request])
        plan = propose(self.trip, timezone.now())
        shortage = plan.left_out[0].shortages[0]
        self.assertEqual((shortage.kind, shortage.needed, shortage.left), (rules.Kind.SEATS, 3, 2))
        self.assertContains(response, escape(left_out_text(plan.left_out[0])))
        pair_row = response.context["taken"][0]
        self.assertIn("+", pair_row.reasons[0])  # "aged 75 or more ×2: +…"
        self.assertContains(response, escape(pair_row.reasons[0]))
        self.assertContains(response, escape(str(self.trio)))

    def test_the_officer_adds_and_removes_requests_through_the_query(self) -> None:
        self.login(self.eva)
        trio = str(self.trio_request.pk)
        response = self.client.get(self.plan_url(add=[trio]))
        taken = response.context["taken"]
        self.assertEqual(taken[0].request, self.trio_request)
        self.assertTrue(taken[0].by_hand)
        self.assertEqual([r.request for r in response.context["left_out"]], [self.pair_request])
        # each link carries the earlier changes: removing the single keeps the trio added
        single_row = next(r for r in taken if r.request == self.single_request)
        self.assertIn(f"add={trio}", single_row.remove_url)
        self.assertIn(f"remove={self.single_request.pk}", single_row.remove_url)
        response = self.client.get(single_row.remove_url)
        self.assertEqual([r.request for r in response.context["taken"]], [self.trio_request])
        removed = next(r for r in response.context["left_out"] if r.request == self.single_request)
        self.assertTrue(removed.undo_url)

    def test_an_addition_that_no_longer_fits_is_said_at_once(self) -> None:
        big, _ = self.household("Велика", *[date(1980 + i, 1, 1) for i in range(5)])
        big_request = self.request_for(big)
        self.login(self.eva)
        response = self.client.get(self.plan_url(add=[str(big_request.pk)]))
        self.assertEqual([r.request for r in response.context["not_fitting"]], [big_request])
        self.assertContains(response, 'role="alert"')
        self.assertContains(response, escape(str(big)))

    def test_it_saves_the_plan_with_the_officers_changes_as_the_manifest(self) -> None:
        self.login(self.eva)
        response = self.client.post(
            reverse("evacuation:trip_plan_save", args=[self.trip.pk]),
            {"add": [str(self.trio_request.pk)], "remove": [str(self.single_request.pk)]},
        )
        self.assertRedirects(response, reverse("evacuation:trip", args=[self.trip.pk]))
        self.assertEqual(self.planned_households(), {self.trio.pk})
        # the plan page now shows the trio as on the manifest, not as added by hand
        row = self.client.get(self.plan_url()).context["taken"][0]
        self.assertEqual(
            (row.request, row.on_manifest, row.by_hand), (self.trio_request, True, False)
        )

    def test_the_manifest_lists_every_passenger_with_seat_and_birth_year(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)
        self.login(self.eva)
        response = self.client.get(reverse("evacuation:trip_manifest", args=[self.trip.pk]))
        passengers = list(self.trip.passengers.select_related("person"))
        self.assertEqual(len(passengers), 3)
        for passenger in passengers:
            self.assertContains(response, f'<td class="name">{escape(str(passenger.person))}</td>')
            self.assertContains(response, f'<td class="seat">{passenger.seat}</td>')
            self.assertContains(response, f"<td>{passenger.person.birth_date.year}</td>")
        self.assertContains(response, "Водій Петро")
        self.assertContains(response, "Дніпро")
        self.assertNotContains(response, "<nav>")  # a sheet of paper: no navigation

    # -- boarding ----------------------------------------------------------------------------

    def test_boarding_by_card_asks_each_adult_for_the_declaration(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip, add=[str(self.trio_request.pk)])
        self.login(self.eva)
        response = self.client.post(
            reverse("evacuation:trip_boarding_scan", args=[self.trip.pk]),
            {"card": self.trio_card.code},
        )
        scanned = response.context["scanned"]
        self.assertEqual(len(scanned), 3)
        self.assertEqual(sorted(row.adult for row in scanned), [False, True, True])
        adult = next(row.passenger for row in scanned if row.adult)
        child = next(row.passenger for row in scanned if not row.adult)
        refused = self.client.post(
            reverse("evacuation:passenger_board", args=[adult.pk]), follow=True
        )
        self.assertEqual(Passenger.objects.get(pk=adult.pk).status, PassengerStatus.PLANNED)
        self.assertContains(refused, "flash error")
        # the scanned household stays on screen while its people board one by one
        self.assertEqual(len(refused.context["scanned"]), 3)
        self.client.post(
            reverse("evacuation:passenger_board", args=[adult.pk]), {"civilian_confirmed": "on"}
        )
        self.client.post(reverse("evacuation:passenger_board", args=[child.pk]))
        self.assertEqual(Passenger.objects.get(pk=adult.pk).status, PassengerStatus.BOARDED)
        self.assertTrue(Passenger.objects.get(pk=adult.pk).civilian_confirmed)
        self.assertEqual(Passenger.objects.get(pk=child.pk).status, PassengerStatus.BOARDED)

    def test_a_card_of_nobody_on_the_manifest_is_refused_by_name(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)
        self.login(self.eva)
        scan = reverse("evacuation:trip_boarding_scan", args=[self.trip.pk])
        response = self.client.post(scan, {"card": self.trio_card.code})
        self.assertTrue(response.context["scan_error"])
        self.assertIsNone(response.context["scanned"])
        response = self.client.post(scan, {"card": "1234"})
        self.assertContains(response, 'data-scan="refused"')

    def test_a_no_show_frees_the_place_and_the_next_is_called_and_added(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)  # pair + single: one seat left
        self.login(self.eva)
        page = self.client.get(self.boarding_page())
        self.assertEqual(page.context["next_up"], [])  # the trio needs three seats
        gone = Passenger.objects.get(trip=self.trip, person__household=self.single)
        self.client.post(reverse("evacuation:passenger_no_show", args=[gone.pk]))
        self.assertEqual(Passenger.objects.get(pk=gone.pk).status, PassengerStatus.NO_SHOW)
        gone_pair = Passenger.objects.filter(trip=self.trip, person__household=self.pair).first()
        assert gone_pair is not None
        self.client.post(reverse("evacuation:passenger_remove", args=[gone_pair.pk]))
        # the pair travels together: taking one off makes room, and the plan offers the trio
        page = self.client.get(self.boarding_page())
        called = [row.request for row in page.context["next_up"]]
        self.assertIn(self.trio_request, called)
        self.client.post(
            reverse("evacuation:trip_add", args=[self.trip.pk]), {"request": self.trio_request.pk}
        )
        self.assertIn(self.trio.pk, self.planned_households())
        # the late no-show finds no place left now, and is told so
        answer = self.client.post(
            reverse("evacuation:passenger_board", args=[gone.pk]),
            {"civilian_confirmed": "on"},
            follow=True,
        )
        self.assertContains(answer, "flash error")
        self.assertEqual(Passenger.objects.get(pk=gone.pk).status, PassengerStatus.NO_SHOW)

    def test_a_late_no_show_boards_when_a_place_is_free(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)
        self.login(self.eva)
        late = Passenger.objects.get(trip=self.trip, person__household=self.single)
        self.client.post(reverse("evacuation:passenger_no_show", args=[late.pk]))
        self.client.post(
            reverse("evacuation:passenger_board", args=[late.pk]), {"civilian_confirmed": "on"}
        )
        late.refresh_from_db()
        self.assertEqual(late.status, PassengerStatus.BOARDED)
        self.assertTrue(late.seat)

    def test_departure_needs_the_confirmation_and_closes_the_manifest(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)
        first = Passenger.objects.get(trip=self.trip, person__household=self.single)
        do_board(actor=self.eva, passenger=first, civilian_confirmed=True)
        self.login(self.eva)
        depart = reverse("evacuation:trip_depart", args=[self.trip.pk])
        self.client.post(depart)
        self.trip.refresh_from_db()
        self.assertEqual(self.trip.status, TripStatus.OPEN)
        self.client.post(depart, {"confirm": "on"})
        self.trip.refresh_from_db()
        self.assertEqual(self.trip.status, TripStatus.DEPARTED)
        left_behind = Passenger.objects.filter(trip=self.trip, person__household=self.pair).first()
        assert left_behind is not None
        self.assertEqual(left_behind.status, PassengerStatus.NO_SHOW)
        answer = self.client.post(
            reverse("evacuation:passenger_board", args=[left_behind.pk]),
            {"civilian_confirmed": "on"},
            follow=True,
        )
        self.assertContains(answer, "flash error")
        self.assertEqual(Passenger.objects.get(pk=left_behind.pk).status, PassengerStatus.NO_SHOW)
        page = self.client.get(self.boarding_page())
        self.assertNotContains(page, reverse("evacuation:passenger_board", args=[first.pk]))
        self.assertNotContains(page, 'id="board-scan"')
        self.assertEqual(
            self.client.get(self.plan_url()).status_code, 302
        )  # no planning once the bus has left

    # -- arrival and the unaccounted for -----------------------------------------------------

    def departed(self) -> list[Passenger]:
        """The pair and the single boarded, and the bus on the road."""
        do_save_plan(actor=self.eva, trip=self.trip)
        passengers = list(self.trip.passengers.select_related("person").order_by("seat"))
        for passenger in passengers:
            do_board(actor=self.eva, passenger=passenger, civilian_confirmed=True)
        do_depart(actor=self.eva, trip=self.trip)
        return passengers

    def test_reception_of_another_centre_gets_404_and_its_own_confirms(self) -> None:
        other = do_create_reception_centre(
            actor=self.alice, code="lviv", name="Пункт прийому", city="Львів"
        )
        lena = make_user("lena", Role.RECEPTION, other.site)
        self.login(self.remy)
        arrival = reverse("evacuation:trip_arrival", args=[self.trip.pk])
        self.assertEqual(self.client.get(arrival).status_code, 404)  # not left yet
        passengers = self.departed()
        self.assertEqual(self.client.get(arrival).status_code, 200)
        self.login(lena)
        self.assertEqual(self.client.get(arrival).status_code, 404)
        confirm = reverse("evacuation:passenger_arrived", args=[passengers[0].pk])
        self.assertEqual(self.client.post(confirm).status_code, 404)
        self.login(self.remy)
        scanned = self.client.post(
            reverse("evacuation:trip_arrival_scan", args=[self.trip.pk]),
            {"card": self.pair_card.code},
        )
        self.assertEqual(len(scanned.context["scanned"]), 2)
        self.client.post(confirm)
        self.assertEqual(Passenger.objects.get(pk=passengers[0].pk).status, PassengerStatus.ARRIVED)

    def test_closing_the_arrival_leaves_the_missing_one_to_resolve(self) -> None:
        passengers = self.departed()
        missing = passengers[-1]
        self.login(self.remy)
        for passenger in passengers[:-1]:
            self.client.post(reverse("evacuation:passenger_arrived", args=[passenger.pk]))
        close = reverse("evacuation:trip_arrival_close", args=[self.trip.pk])
        self.client.post(close)
        self.assertEqual(Trip.objects.get(pk=self.trip.pk).status, TripStatus.DEPARTED)
        self.client.post(close, {"confirm": "on"})
        self.assertEqual(Trip.objects.get(pk=self.trip.pk).status, TripStatus.ARRIVED)
        self.assertEqual(Passenger.objects.get(pk=missing.pk).status, PassengerStatus.UNACCOUNTED)

        self.login(self.eva)  # the officer reads the list, without the forms
        listing = self.client.get(reverse("evacuation:unaccounted"))
        self.assertContains(listing, escape(str(missing.person)))
        self.assertNotContains(listing, reverse("evacuation:passenger_resolve", args=[missing.pk]))
        resolve = reverse("evacuation:passenger_resolve", args=[missing.pk])
        self.assertEqual(self.client.post(resolve).status_code, 403)

        self.login(self.alice)
        listing = self.client.get(reverse("evacuation:unaccounted"))
        self.assertContains(listing, escape(str(missing.person)))
        prefix = f"p{missing.pk.hex}"
        refused = self.client.post(resolve, {f"{prefix}-resolution": "hospital"})
        self.assertEqual(refused.status_code, 200)
        form = next(form for passenger, form in refused.context["rows"] if passenger == missing)
        self.assertTrue(form.errors["place"])
        self.assertEqual(Passenger.objects.get(pk=missing.pk).status, PassengerStatus.UNACCOUNTED)
        self.client.post(
            resolve, {f"{prefix}-resolution": "hospital", f"{prefix}-place": "Павлоград"}
        )
        resolved = Passenger.objects.get(pk=missing.pk)
        self.assertEqual(
            (resolved.status, resolved.resolution_place), (PassengerStatus.RESOLVED, "Павлоград")
        )
        self.assertNotContains(self.client.get(reverse("evacuation:unaccounted")), resolve)
        counts = summary(self.trip)
        self.assertEqual(counts.boarded, 3)
        self.assertEqual(counts.boarded, counts.arrived + counts.unaccounted + counts.resolved)
        page = self.client.get(reverse("evacuation:trip_arrival", args=[self.trip.pk]))
        self.assertEqual(page.context["summary"], counts)

    def test_the_coordinator_confirms_a_late_arrival_from_the_unaccounted_page(self) -> None:
        passengers = self.departed()
        self.login(self.remy)
        self.client.post(
            reverse("evacuation:trip_arrival_close", args=[self.trip.pk]), {"confirm": "on"}
        )
        self.login(self.alice)
        response = self.client.post(
            reverse("evacuation:passenger_arrived", args=[passengers[0].pk]),
            {"back": "unaccounted"},
        )
        self.assertRedirects(response, reverse("evacuation:unaccounted"))
        self.assertEqual(Passenger.objects.get(pk=passengers[0].pk).status, PassengerStatus.ARRIVED)
        self.assertEqual(summary(self.trip).unaccounted, len(passengers) - 1)

    # -- who may ----------------------------------------------------------------------------

    def test_reception_sees_departed_trips_to_its_centre_only(self) -> None:
        open_trip = self.new_trip(hours=5)
        self.departed()
        self.login(self.remy)
        trips = [trip for trip, _ in self.client.get(reverse("evacuation:trips")).context["rows"]]
        self.assertEqual(trips, [self.trip])
        self.assertNotEqual(trips, [open_trip])
        self.assertEqual(self.client.get(self.plan_url()).status_code, 403)

    def test_a_distributor_may_use_none_of_it(self) -> None:
        do_save_plan(actor=self.eva, trip=self.trip)
        passenger = self.trip.passengers.first()
        assert passenger is not None
        self.login(self.dan)
        for url in (
            reverse("evacuation:trips"),
            reverse("evacuation:trip_create"),
            reverse("evacuation:trip", args=[self.trip.pk]),
            self.plan_url(),
            reverse("evacuation:trip_manifest", args=[self.trip.pk]),
            self.boarding_page(),
            reverse("evacuation:trip_arrival", args=[self.trip.pk]),
            reverse("evacuation:unaccounted"),
        ):
            self.assertEqual(self.client.get(url).status_code, 403, url)
        for url in (
            reverse("evacuation:passenger_board", args=[passenger.pk]),
            reverse("evacuation:trip_depart", args=[self.trip.pk]),
            reverse("evacuation:trip_plan_save", args=[self.trip.pk]),
        ):
            self.assertEqual(self.client.post(url, {"confirm": "on"}).status_code, 403, url)
        self.assertEqual(Passenger.objects.get(pk=passenger.pk).status, PassengerStatus.PLANNED)

    def test_an_officer_of_another_site_gets_404(self) -> None:
        otto_b: User = make_user("olga", Role.EVACUATION, self.site_b)
        do_save_plan(actor=self.eva, trip=self.trip)
        passenger = self.trip.passengers.first()
        assert passenger is not None
        self.login(otto_b)
        self.assertEqual(self.client.get(self.plan_url()).status_code, 404)
        self.assertEqual(self.client.get(self.boarding_page()).status_code, 404)
        board = reverse("evacuation:passenger_board", args=[passenger.pk])
        self.assertEqual(self.client.post(board, {"civilian_confirmed": "on"}).status_code, 404)
        self.assertEqual(self.client.get(reverse("evacuation:trips")).context["rows"], [])
