"""For any sequence of requests, withdrawals, plans, additions, boardings, no-shows,
departures, arrivals, closed arrival lists and resolutions over two trips:

- no trip ever carries more than its places: the people holding a place (planned or boarded,
  and after departure everyone who boarded) fit its seats, wheelchair spaces, stretcher
  places and luggage, with the animals; no place label is given twice or outside the vehicle;
- nobody is on two trips at once;
- on every trip, boarded = arrived + unaccounted + resolved + still on the road; nobody is on
  the road once the arrival list is closed, and nobody has arrived before the bus left;
- the registry says evacuated exactly for the people who arrived, and a request is closed
  as evacuated only when each of its people arrived or was accounted for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hromada.evacuation.actions import (
    EvacuationError,
    MemberNeeds,
    PetData,
    Places,
    RequestData,
    current_parts,
    do_add_to_trip,
    do_board,
    do_close_arrival,
    do_confirm_arrival,
    do_create_request,
    do_depart,
    do_mark_no_show,
    do_remove_from_trip,
    do_resolve_passenger,
    do_save_plan,
    do_save_vehicle,
    do_withdraw_request,
    summary,
    to_rule,
    with_people,
)
from hromada.evacuation.models import (
    BOARDED,
    ON_TRIP,
    EvacuationRequest,
    Passenger,
    PassengerStatus,
    RequestStatus,
    Trip,
    TripStatus,
    Vehicle,
)
from hromada.lib import evacuation as rules
from hromada.people.models import Household, PersonStatus
from tests.evacuation.base import EvacuationTestCase

HOUSEHOLDS = 7
NEEDS = [set(), {"wheelchair"}, {"stretcher"}, {"oxygen"}, {"cannot_sit_long", "medicines"}]
PETS = [(), (PetData("cat"),), (PetData("dog", in_carrier=False, large=True),),
        (PetData("cat", count=2), PetData("dog", large=True))]  # fmt: skip
RESOLUTIONS = ["left_en_route", "hospital", "returned", "deceased"]
index = st.integers(0, 30)


class Evacuation(RuleBasedStateMachine):
    """Officers, a reception centre and a coordinator acting in any order. Each rule picks
    among the rows it can apply to, so that runs reach departures and arrivals; a refusal
    (EvacuationError) must change nothing, which the invariants check after every step."""

    case: EvacuationPropertyTestCase

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every run starts from the same town, and is rolled back

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def attempt(self, name: str, action: Callable[[], object]) -> None:
        try:
            action()
            event(f"{name}: done")
        except EvacuationError:
            event(f"{name}: refused")

    def trips(self, *statuses: str) -> list[Trip]:
        return list(Trip.objects.filter(status__in=statuses).order_by("created_at", "pk"))

    def passengers(self, *statuses: str, open_trip: bool | None = None) -> list[Passenger]:
        found = Passenger.objects.filter(status__in=statuses).order_by("created_at", "pk")
        if open_trip is not None:
            found = (
                found.filter(trip__status=TripStatus.OPEN)
                if open_trip
                else found.exclude(trip__status=TripStatus.OPEN)
            )
        return list(found)

    @rule(
        h=st.integers(0, HOUSEHOLDS - 1),
        needs=st.integers(0, len(NEEDS) - 1),
        pets=st.integers(0, len(PETS) - 1),
        together=st.booleans(),
        luggage=st.integers(0, 4),
    )
    def request(self, h: int, needs: int, pets: int, together: bool, luggage: int) -> None:
        household = self.case.households[h]
        people = list(household.members.order_by("created_at"))
        data = RequestData(
            members=[MemberNeeds(p, frozenset(NEEDS[needs]) if i == 0 else frozenset())
                     for i, p in enumerate(people)],
            pets=PETS[pets], luggage=luggage, together=together, civilian_declared=True,
        )  # fmt: skip
        self.attempt(
            "request",
            lambda: do_create_request(actor=self.case.rita, household=household, data=data),
        )

    @precondition(lambda self: EvacuationRequest.objects.waiting().exists())
    @rule(i=index)
    def withdraw(self, i: int) -> None:
        waiting = list(EvacuationRequest.objects.waiting().order_by("created_at", "pk"))
        request = waiting[i % len(waiting)]
        self.attempt("withdraw", lambda: do_withdraw_request(actor=self.case.eva, request=request))

    @precondition(
        lambda self: (
            Trip.objects.filter(status=TripStatus.OPEN).exists()
            and EvacuationRequest.objects.waiting().exists()
        )
    )
    @rule(t=index, add=st.none() | index, remove=st.none() | index)
    def plan(self, t: int, add: int | None, remove: int | None) -> None:
        trips = self.trips(TripStatus.OPEN)
        ids = [str(r.pk) for r in EvacuationRequest.objects.order_by("created_at", "pk")]
        added = [ids[add % len(ids)]] if add is not None and ids else []
        removed = [ids[remove % len(ids)]] if remove is not None and ids else []
        trip = trips[t % len(trips)]
        self.attempt(
            "plan", lambda: do_save_plan(actor=self.case.eva, trip=trip, add=added, remove=removed)
        )

    @precondition(lambda self: EvacuationRequest.objects.waiting().exists())
    @rule(t=index, i=index)
    def add(self, t: int, i: int) -> None:
        trips = self.trips(TripStatus.OPEN, TripStatus.DEPARTED)
        waiting = list(EvacuationRequest.objects.waiting().order_by("created_at", "pk"))
        if not trips:
            return
        trip, request = trips[t % len(trips)], waiting[i % len(waiting)]
        self.attempt("add", lambda: do_add_to_trip(actor=self.case.eva, trip=trip, request=request))

    @precondition(
        lambda self: Passenger.objects.filter(
            status__in=[PassengerStatus.PLANNED, PassengerStatus.NO_SHOW],
            trip__status=TripStatus.OPEN,
        ).exists()
    )
    @rule(i=index, declared=st.booleans())
    def board(self, i: int, declared: bool) -> None:
        found = self.passengers(PassengerStatus.PLANNED, PassengerStatus.NO_SHOW, open_trip=True)
        passenger = found[i % len(found)]
        self.attempt(
            "board",
            lambda: do_board(actor=self.case.eva, passenger=passenger, civilian_confirmed=declared),
        )

    @precondition(lambda self: Passenger.objects.filter(status=PassengerStatus.PLANNED).exists())
    @rule(i=index, no_show=st.booleans())
    def leave_out(self, i: int, no_show: bool) -> None:
        found = self.passengers(PassengerStatus.PLANNED)
        passenger = found[i % len(found)]
        act = do_mark_no_show if no_show else do_remove_from_trip
        self.attempt("no-show" if no_show else "take off",
                     lambda: act(actor=self.case.eva, passenger=passenger))  # fmt: skip

    @precondition(
        lambda self: Passenger.objects.filter(
            status=PassengerStatus.BOARDED, trip__status=TripStatus.OPEN
        ).exists()
    )
    @rule(t=index)
    def depart(self, t: int) -> None:
        trips = self.trips(TripStatus.OPEN)
        trip = trips[t % len(trips)]
        self.attempt("depart", lambda: do_depart(actor=self.case.eva, trip=trip))

    @precondition(
        lambda self: (
            Passenger.objects.filter(
                status__in=[PassengerStatus.BOARDED, PassengerStatus.UNACCOUNTED]
            )
            .exclude(trip__status=TripStatus.OPEN)
            .exists()
        )
    )
    @rule(i=index)
    def arrive(self, i: int) -> None:
        found = self.passengers(
            PassengerStatus.BOARDED, PassengerStatus.UNACCOUNTED, open_trip=False
        )
        passenger = found[i % len(found)]
        self.attempt(
            "arrive", lambda: do_confirm_arrival(actor=self.case.remy, passenger=passenger)
        )

    @precondition(lambda self: Trip.objects.filter(status=TripStatus.DEPARTED).exists())
    @rule(t=index)
    def close(self, t: int) -> None:
        trips = self.trips(TripStatus.DEPARTED)
        trip = trips[t % len(trips)]
        self.attempt("close arrival", lambda: do_close_arrival(actor=self.case.remy, trip=trip))

    @precondition(
        lambda self: Passenger.objects.filter(status=PassengerStatus.UNACCOUNTED).exists()
    )
    @rule(i=index, how=st.integers(0, len(RESOLUTIONS) - 1))
    def resolve(self, i: int, how: int) -> None:
        found = self.passengers(PassengerStatus.UNACCOUNTED)
        passenger = found[i % len(found)]
        self.attempt("resolve", lambda: do_resolve_passenger(
            actor=self.case.alice, passenger=passenger, resolution=RESOLUTIONS[how],
            place="Покровськ",
        ))  # fmt: skip

    @precondition(lambda self: Trip.objects.filter(status=TripStatus.OPEN).count() < 2)
    @rule(minibus=st.booleans())
    def new_trip(self, minibus: bool) -> None:
        trip = self.case.new_trip(hours=6)
        if minibus:
            for name in Places.NAMES:
                setattr(trip, name, getattr(self.case.minibus, name))
            trip.vehicle = self.case.minibus
            trip.save()
        event("new trip")

    @invariant()
    def nobody_on_two_trips(self) -> None:
        on_trip = Counter(
            Passenger.objects.filter(status__in=ON_TRIP).values_list("person", flat=True)
        )
        assert [p for p, n in on_trip.items() if n > 1] == []

    @invariant()
    def everyone_boarded_is_accounted_for(self) -> None:
        for trip in Trip.objects.all():
            counts = summary(trip)
            assert counts.boarded == (
                counts.arrived + counts.unaccounted + counts.resolved + counts.on_the_road
            ), counts
            if trip.status == TripStatus.ARRIVED:
                assert counts.on_the_road == 0, counts
            if trip.status == TripStatus.OPEN:
                assert counts.arrived + counts.unaccounted + counts.resolved == 0, counts

    @invariant()
    def no_trip_carries_more_than_its_places(self) -> None:
        for trip in Trip.objects.all():
            labels = [s for s in trip.passengers.values_list("seat", flat=True) if s]
            assert len(labels) == len(set(labels)), labels
            allowed = (
                {str(n) for n in range(1, trip.seats + 1)}
                | {f"W{n}" for n in range(1, trip.wheelchair_spaces + 1)}
                | {f"S{n}" for n in range(1, trip.stretcher_places + 1)}
            )
            assert set(labels) <= allowed, labels
            # who holds (or, once it left, held) a place, with the request's animals and
            # luggage, counted afresh by the planner's rules
            if trip.status == TripStatus.OPEN:
                parts = current_parts(trip, trip.departs_at)
            else:
                held: dict[str, set[str]] = {}
                for request_id, person_id in trip.passengers.filter(status__in=BOARDED).values_list(
                    "request", "person"
                ):
                    held.setdefault(str(request_id), set()).add(str(person_id))
                found = with_people(EvacuationRequest.objects.filter(pk__in=list(held)))
                parts = [rules.Part.of(to_rule(r, trip.departs_at), held[str(r.pk)]) for r in found]
            over = [
                p for p in rules.check_plan(parts, trip.capacity())
                if p.code == rules.ProblemCode.OVER_CAPACITY
            ]  # fmt: skip
            assert over == [], over

    @invariant()
    def the_registry_agrees(self) -> None:
        arrived = set(
            Passenger.objects.filter(status=PassengerStatus.ARRIVED).values_list(
                "person", flat=True
            )
        )
        for household in self.case.households:
            for person in household.members.all():
                assert (person.status == PersonStatus.EVACUATED) == (person.pk in arrived)
        for request in EvacuationRequest.objects.filter(status=RequestStatus.EVACUATED):
            done = set(
                Passenger.objects.filter(
                    request=request,
                    status__in=[PassengerStatus.ARRIVED, PassengerStatus.RESOLVED],
                ).values_list("person", flat=True)
            )
            assert set(request.members.values_list("person", flat=True)) <= done


class EvacuationPropertyTestCase(EvacuationTestCase):
    households: list[Household]
    minibus: Vehicle

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.minibus = do_save_vehicle(
            actor=cls.alice, kind="minibus", name="AX 2222",
            places=Places(seats=3, wheelchair_spaces=1, luggage=3),
        )  # fmt: skip
        births = [
            (date(1940, 3, 1),),
            (date(1950, 1, 1), date(1952, 2, 2)),
            (date(1985, 5, 5), date(2016, 6, 6), date(2020, 7, 7)),
            (date(1990, 1, 1),),
            (date(1960, 1, 1), date(1962, 1, 1), date(1999, 1, 1), date(2001, 1, 1)),
            (date(2000, 1, 1), date(2012, 1, 1)),
            (date(1935, 1, 1),),
        ]
        cls.households = [cls.household(f"Родина{i}", *b)[0] for i, b in enumerate(births)]

    def test_no_trip_overflows_nobody_is_on_two_and_everyone_is_accounted_for(self) -> None:
        Evacuation.case = self
        run_state_machine_as_test(
            Evacuation,
            settings=settings(
                max_examples=40, stateful_step_count=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )  # fmt: skip
