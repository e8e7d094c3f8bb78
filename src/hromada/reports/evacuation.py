"""The evacuation's figures: people evacuated per day and destination, the waitlist and its
waiting times, the animals that travelled, and who is still unaccounted for.

Pure reads. A trip counts on the Kyiv day it left (`Trip.departed_at`): its passengers are
boarded on that day, and each of them is since then arrived, unaccounted for, accounted for
otherwise (resolved) or still on the road, so that per row

    boarded = arrived + unaccounted + resolved + on the road.

Counts only, except `unaccounted_passengers(..., with_names=True)`, the coordinator's list of
people to find.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from hromada.evacuation.models import (
    BOARDED,
    EvacuationRequest,
    Need,
    Passenger,
    PassengerStatus,
    RequestMember,
    RequestPet,
    RequestQuerySet,
    Species,
    Trip,
    TripQuerySet,
)
from hromada.lib.periods import day_bounds, kyiv_day
from hromada.reports.exports import Table, town_name
from hromada.reports.figures import Scope

DAY_SECONDS = 24 * 60 * 60


def trips_in(scope: Scope) -> TripQuerySet:
    """Trips leaving from the scope's sites (the departure site, not the destination)."""
    found: TripQuerySet = Trip.objects.all()
    if scope.site_ids is not None:
        found = found.filter(site_id__in=scope.site_ids)
    return found


def requests_in(scope: Scope) -> RequestQuerySet:
    found: RequestQuerySet = EvacuationRequest.objects.all()
    if scope.site_ids is not None:
        found = found.filter(site_id__in=scope.site_ids)
    return found


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _in_days(seconds: float) -> float:
    """A duration in days, to a tenth of a day."""
    return round(seconds / DAY_SECONDS, 1)


@dataclass(frozen=True)
class EvacuatedRow:
    """The trips that left one site for one reception centre on one Kyiv day: the row of the
    exports and the API."""

    day: date
    site_id: uuid.UUID
    site: str
    site_code: str
    destination_id: uuid.UUID
    destination: str
    city: str
    trips: int
    boarded: int
    arrived: int
    unaccounted: int
    resolved: int
    on_the_road: int
    animals: int


@dataclass
class _Counts:
    trips: set[uuid.UUID] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    animals: int = 0


@dataclass(frozen=True)
class _Arrival:
    """One arrived passenger (no name): what the waiting time, the animals and the needs are
    counted from."""

    trip_id: uuid.UUID
    request_id: uuid.UUID
    person_id: uuid.UUID
    carries_pets: bool
    waited: float  # seconds from the request's waiting_since to the arrival


@dataclass(frozen=True)
class Evacuation:
    """Everything the evacuation page shows for a range of days."""

    rows: list[EvacuatedRow]
    arrivals: list[_Arrival]


def _departed(scope: Scope, start: date, end: date) -> QuerySet[Trip]:
    return trips_in(scope).filter(
        departed_at__gte=day_bounds(start)[0], departed_at__lt=day_bounds(end)[1]
    )


def evacuation(scope: Scope, start: date, end: date) -> Evacuation:
    """The trips that left in the range (both days included) and their passengers, counted
    per day, departure site and destination."""
    trips = {
        t.pk: t for t in _departed(scope, start, end).select_related("site", "destination__site")
    }
    passengers = Passenger.objects.filter(trip_id__in=list(trips), status__in=BOARDED)
    counts: dict[tuple[date, uuid.UUID, uuid.UUID], _Counts] = defaultdict(_Counts)

    def key_of(trip: Trip) -> tuple[date, uuid.UUID, uuid.UUID]:
        assert trip.departed_at is not None  # noqa: S101 (filtered on it)
        return kyiv_day(trip.departed_at), trip.site_id, trip.destination_id

    for trip in trips.values():
        counts[key_of(trip)].trips.add(trip.pk)
    for row in passengers.values("trip_id", "status").annotate(n=Count("id")):
        counts[key_of(trips[row["trip_id"]])].statuses[row["status"]] += row["n"]
    arrived = passengers.filter(status=PassengerStatus.ARRIVED).values_list(
        "trip_id", "request_id", "person_id", "carries_pets", "arrived_at",
        "request__waiting_since",
    )  # fmt: skip
    arrivals = []
    for trip_id, request_id, person_id, carries_pets, arrived_at, waiting_since in arrived:
        # confirmed with its time; a row without one waited until the trip left, at least
        until = arrived_at or trips[trip_id].departed_at or waiting_since
        arrivals.append(
            _Arrival(
                trip_id=trip_id,
                request_id=request_id,
                person_id=person_id,
                carries_pets=carries_pets,
                waited=(until - waiting_since).total_seconds(),
            )  # fmt: skip
        )
    animals = _animals_of_requests({a.request_id for a in arrivals if a.carries_pets})
    counted: set[uuid.UUID] = set()
    for arrival in arrivals:
        # a request's animals travel with one passenger; counted once whatever happens
        if arrival.carries_pets and arrival.request_id not in counted:
            counted.add(arrival.request_id)
            counts[key_of(trips[arrival.trip_id])].animals += animals.get(arrival.request_id, 0)
    rows = []
    for (day, site_id, destination_id), found in counts.items():
        trip = trips[next(iter(found.trips))]
        statuses = found.statuses
        rows.append(
            EvacuatedRow(
                day=day,
                site_id=site_id,
                site=trip.site.name,
                site_code=trip.site.code,
                destination_id=destination_id,
                destination=trip.destination.site.name,
                city=trip.destination.city,
                trips=len(found.trips),
                boarded=sum(statuses[s] for s in BOARDED),
                arrived=statuses[PassengerStatus.ARRIVED],
                unaccounted=statuses[PassengerStatus.UNACCOUNTED],
                resolved=statuses[PassengerStatus.RESOLVED],
                on_the_road=statuses[PassengerStatus.BOARDED],
                animals=found.animals,
            )  # fmt: skip
        )
    rows.sort(key=lambda r: (r.day, r.site, r.city, r.destination))
    return Evacuation(rows=rows, arrivals=arrivals)


def _animals_of_requests(request_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    found = (
        RequestPet.objects.filter(request_id__in=request_ids)
        .values("request_id")
        .annotate(n=Sum("count"))
    )
    return {row["request_id"]: int(row["n"] or 0) for row in found}


@dataclass(frozen=True)
class DayEvacuated:
    day: date
    boarded: int
    arrived: int
    unaccounted: int
    resolved: int
    on_the_road: int


def evacuated_per_day(rows: list[EvacuatedRow], start: date, end: date) -> list[DayEvacuated]:
    """Every day of the range, the days no bus left too."""
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        total = totals[row.day]
        for index, value in enumerate(
            (row.boarded, row.arrived, row.unaccounted, row.resolved, row.on_the_road)
        ):
            total[index] += value
    return [DayEvacuated(day, *totals.get(day, [0, 0, 0, 0, 0])) for day in _days(start, end)]


@dataclass(frozen=True)
class DestinationEvacuated:
    destination: str
    city: str
    trips: int
    arrived: int
    animals: int


def evacuated_per_destination(rows: list[EvacuatedRow]) -> list[DestinationEvacuated]:
    """People arrived at each reception centre over the range, most first."""
    totals: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[uuid.UUID, EvacuatedRow] = {}
    for row in rows:
        total = totals[row.destination_id]
        total[0] += row.trips
        total[1] += row.arrived
        total[2] += row.animals
        names[row.destination_id] = row
    found = [
        DestinationEvacuated(
            destination=names[pk].destination,
            city=names[pk].city,
            trips=trips,
            arrived=arrived,
            animals=animals,
        )  # fmt: skip
        for pk, (trips, arrived, animals) in totals.items()
    ]
    return sorted(found, key=lambda d: (-d.arrived, d.city, d.destination))


@dataclass(frozen=True)
class SpeciesCount:
    species: str
    label: str
    animals: int


def pets_evacuated(arrivals: list[_Arrival]) -> list[SpeciesCount]:
    """The animals of the requests whose animals arrived with their passenger, by species,
    most first."""
    requests = {a.request_id for a in arrivals if a.carries_pets}
    labels = dict(Species.choices)
    found = (
        RequestPet.objects.filter(request_id__in=requests)
        .values("species")
        .annotate(n=Sum("count"))
        .order_by("-n", "species")
    )
    return [
        SpeciesCount(
            species=row["species"],
            label=str(labels.get(row["species"], row["species"])),
            animals=int(row["n"] or 0),
        )  # fmt: skip
        for row in found
    ]


@dataclass(frozen=True)
class NeedCount:
    need: str
    label: str
    people: int


def needs_evacuated(arrivals: list[_Arrival]) -> list[NeedCount]:
    """The people arrived who had each need (a person with two needs counts under both), in
    the order of the needs."""
    arrived = {(a.request_id, a.person_id) for a in arrivals}
    counts: dict[str, int] = defaultdict(int)
    members = RequestMember.objects.filter(
        request_id__in={request_id for request_id, _person in arrived}
    ).values_list("request_id", "person_id", "needs")
    for request_id, person_id, needs in members:
        if (request_id, person_id) in arrived:
            for need in set(needs or []):
                counts[need] += 1
    return [
        NeedCount(need=code, label=str(label), people=counts[code])
        for code, label in Need.choices
        if counts.get(code)
    ]


@dataclass(frozen=True)
class WaitingTimes:
    """In days, to a tenth; None when there is nobody to measure."""

    count: int
    median: float | None
    longest: float | None


def waiting_times(seconds: list[float]) -> WaitingTimes:
    if not seconds:
        return WaitingTimes(count=0, median=None, longest=None)
    return WaitingTimes(
        count=len(seconds),
        median=_in_days(statistics.median(seconds)),
        longest=_in_days(max(seconds)),
    )


@dataclass(frozen=True)
class Waitlist:
    requests: int
    people: int
    waiting: WaitingTimes  # of the requests waiting now, until now


def waitlist_now(scope: Scope, now: datetime) -> Waitlist:
    """The requests waiting now, the people on them, and how long they have waited."""
    found = requests_in(scope).waiting().annotate(people=Count("members"))
    requests = people = 0
    seconds = []
    for since, on_it in found.values_list("waiting_since", "people"):
        requests += 1
        people += on_it
        seconds.append(max(0.0, (now - since).total_seconds()))
    return Waitlist(requests=requests, people=people, waiting=waiting_times(seconds))


@dataclass(frozen=True)
class DayWaiting:
    day: date
    requests: int
    people: int


def waitlist_per_day(scope: Scope, start: date, end: date) -> list[DayWaiting]:
    """The waitlist as each day ended: requests made before the next day began and not
    closed (evacuated or withdrawn) before it began. A request waiting from day a to its
    closing on day b counts on days a to b - 1; summed with a difference array, so a waitlist
    of ten thousand over a year is one pass."""
    days = _days(start, end)
    first_start = day_bounds(start)[1]  # when the range's first day ends
    last_end = day_bounds(end)[1]
    found = (
        requests_in(scope)
        .filter(waiting_since__lt=last_end)
        .exclude(closed_at__lt=first_start)
        .annotate(people=Count("members"))
        .values_list("waiting_since", "closed_at", "people")
    )
    size = len(days)
    requests = [0] * (size + 1)
    people = [0] * (size + 1)
    for since, closed, on_it in found:
        first = max(0, (kyiv_day(since) - start).days)
        stop = size if closed is None else min(size, (kyiv_day(closed) - start).days)
        if first >= stop:
            continue
        requests[first] += 1
        requests[stop] -= 1
        people[first] += on_it
        people[stop] -= on_it
    out = []
    waiting = on_list = 0
    for index, day in enumerate(days):
        waiting += requests[index]
        on_list += people[index]
        out.append(DayWaiting(day=day, requests=waiting, people=on_list))
    return out


@dataclass(frozen=True)
class Unaccounted:
    """A passenger not confirmed at the reception centre and not yet accounted for. `name` is
    empty unless asked for (the coordinator's dashboard); the auditor gets the count only."""

    passenger_id: uuid.UUID
    trip_id: uuid.UUID
    departed: date | None
    destination: str
    city: str
    seat: str
    name: str


def unaccounted_passengers(scope: Scope, *, with_names: bool) -> list[Unaccounted]:
    """Everyone unaccounted for now, whatever day their trip left: they stay on the dashboard
    until resolved or confirmed. Oldest trip first."""
    found = Passenger.objects.filter(
        status=PassengerStatus.UNACCOUNTED, trip__in=trips_in(scope)
    ).select_related("trip__destination__site")
    if with_names:
        found = found.select_related("person")
    out = []
    for passenger in found.order_by("trip__departed_at", "trip_id", "seat"):
        trip = passenger.trip
        out.append(
            Unaccounted(
                passenger_id=passenger.pk,
                trip_id=trip.pk,
                departed=kyiv_day(trip.departed_at) if trip.departed_at else None,
                destination=trip.destination.site.name,
                city=trip.destination.city,
                seat=passenger.seat or "",
                name=str(passenger.person) if with_names else "",
            )  # fmt: skip
        )
    return out


def evacuated_table(rows: list[EvacuatedRow]) -> Table:
    """One row per day, departure site and reception centre, for CSV, XLSX and HXL (the
    exports' own machinery). Figures only: nobody's name.

    HXL: the hromada and the site are where people leave from (+origin), the centre and its
    city where they go (+dest); HXL has no attribute for evacuated, boarded or unaccounted
    people, so these are our own attributes on #affected, which HXL allows."""
    town = town_name()
    return Table(
        name=_("Evacuated per day"),
        headers=[
            _("date"),
            _("hromada"),
            _("leaves from site"),
            _("reception centre"),
            _("city"),
            _("trips"),
            _("boarded"),
            _("arrived"),
            _("unaccounted for"),
            _("accounted for otherwise"),
            _("on the road"),
            _("animals arrived"),
        ],  # fmt: skip
        tags=[
            "#date",
            "#adm3+name+origin",
            "#loc+name+origin",
            "#loc+name+dest",
            "#adm3+name+dest",
            "#indicator+trips+num",
            "#affected+boarded",
            "#affected+evacuated",
            "#affected+unaccounted",
            "#affected+resolved",
            "#affected+onroad",
            "#indicator+animals+num",
        ],  # fmt: skip
        rows=[
            [
                row.day,
                town,
                row.site,
                row.destination,
                row.city,
                row.trips,
                row.boarded,
                row.arrived,
                row.unaccounted,
                row.resolved,
                row.on_the_road,
                row.animals,
            ]  # fmt: skip
            for row in rows
        ],
    )
