"""Who gets onto the bus: the places a request takes, its priority, and a trip's plan.

A volunteer bus to Dnipro has 50 seats, two wheelchair spaces, one stretcher place and a few
places for animals that cannot ride on a lap; the waitlist has thousands of requests. This
module proposes who goes, in an order the coordinator can read ("75+, oxygen, 6 days waiting")
and a plan the officer can explain ("the Bondarenkos did not fit: five seats needed, three
left"). It is the pure core of the evacuation app: no Django, plain frozen dataclasses that
the app fills from its rows, fast enough to re-plan on every click of the officer.

The rules of the domain, where the issue is silent the choice made here says why:

Places (`places`):
- every passenger takes a seat, except a wheelchair user (a wheelchair space, no seat) and a
  stretcher case (a stretcher place, no seat; a passenger with both needs lies down all the
  way, so takes the stretcher place only);
- an animal that is not large rides on a lap (in a carrier or held): it takes nothing, but a
  lap is a seated passenger of the same request aged `LAP_MIN_AGE` or more (or of unknown age:
  a registrar leaves out the age of adults more often than of children). One lap per animal:
  two cats count as two carriers, the careful reading. Animals beyond the laps of their own
  request cannot ride on a stranger's knees, so they ride like a large animal;
- a large animal, and any animal without a lap, takes a pet place while the vehicle has one,
  and a seat after that ("a large dog takes a seat");
- luggage pieces count against the vehicle's luggage capacity.

Priority (`priority`): points per person add up over the people of a request (a household
with two people over 75 ranks above one with one; a household of healthy adults gains nothing
for its size); displacement without shelter counts once per request (it is the household's
situation, and counting it per person would let a big family outrank a frail one); waiting
adds points per full day, capped; the coordinator's adjustment is added as it is. Ties go to
the request waiting longer, then to the smaller id, so the order is total and stable.

Planning (`plan_trip`): greedy in priority order, which is what a coordinator can explain: a
request that does not fit is skipped with its reason and the next is tried. A household that
travels together is taken whole or not at all; one that chose to split is taken passenger by
passenger in the order the household gave, its animals and luggage going with the first of
them taken. The officer's additions come first, in the officer's order; the officer's
removals are never proposed. A person on two requests (a registry slip) goes once, with the
first request taken; the rest of the second request then travels as its own household. Once
no seat, wheelchair space or stretcher place is left, the rest of the waitlist is not looked
at (`Plan.waiting`), which keeps planning from 10,000 requests at a few tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter

# -- data ------------------------------------------------------------------------------------

WHEELCHAIR = "wheelchair"
STRETCHER = "stretcher"
CANNOT_SIT_LONG = "cannot_sit_long"
OXYGEN = "oxygen"
MEDICINES = "medicines"  # medicines to carry: noted on the manifest, no place, no points
NEEDS = frozenset({WHEELCHAIR, STRETCHER, CANNOT_SIT_LONG, OXYGEN, MEDICINES})

# Vulnerabilities recorded in the registry that weigh in the priority. Others may be recorded
# (the registry's list grows); they are kept and ignored here.
OLDER_PERSON = "older_person"
DISABILITY = "disability"
PREGNANCY = "pregnancy"
CHILD_WITHOUT_PARENT = "child_without_parent"

# A carrier on the lap for four hours: an adult or a child old enough to hold it.
LAP_MIN_AGE = 12


@dataclass(frozen=True, slots=True)
class Passenger:
    """One person of a request. `age` in whole years, None when unknown."""

    id: str
    age: int | None = None
    needs: frozenset[str] = frozenset()
    vulnerabilities: frozenset[str] = frozenset()
    displaced_without_shelter: bool = False

    def __post_init__(self) -> None:
        unknown = self.needs - NEEDS
        if unknown:
            raise ValueError(f"unknown needs {sorted(unknown)}")
        if self.age is not None and not 0 <= self.age <= 130:
            raise ValueError(f"age {self.age} out of range")

    @property
    def has_lap(self) -> bool:
        """Can hold a carrier: seated (not in a wheelchair space or on a stretcher) and old
        enough, or of unknown age."""
        return (
            STRETCHER not in self.needs
            and WHEELCHAIR not in self.needs
            and (self.age is None or self.age >= LAP_MIN_AGE)
        )


@dataclass(frozen=True, slots=True)
class Pet:
    """Animals of one species and kind; `in_carrier` is for the manifest and the driver, the
    places depend on `large` (see the module's rules)."""

    species: str
    count: int = 1
    in_carrier: bool = True
    large: bool = False

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a pet entry counts at least one animal")


@dataclass(frozen=True, slots=True)
class Request:
    """An evacuation request: some or all of a household, with their animals and luggage."""

    id: str
    household_id: str
    passengers: tuple[Passenger, ...]
    waiting_since: datetime
    pets: tuple[Pet, ...] = ()
    luggage: int = 0  # pieces
    together: bool = True  # the household travels together unless it chose otherwise
    priority_adjustment: int = 0  # the coordinator's manual + or -

    def __post_init__(self) -> None:
        if not self.passengers:
            raise ValueError("a request carries at least one passenger")
        if len({p.id for p in self.passengers}) != len(self.passengers):
            raise ValueError("a passenger is twice in one request")
        if self.luggage < 0:
            raise ValueError("luggage cannot be negative")
        if self.waiting_since.tzinfo is None:
            raise ValueError("waiting_since must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Capacity:
    """What a vehicle carries; also the shape of a plan's places used and left."""

    seats: int = 0
    wheelchair_spaces: int = 0
    stretcher_places: int = 0
    pet_places: int = 0  # large animals, and carriers without a lap to ride on
    luggage: int = 0  # pieces

    def __post_init__(self) -> None:
        if min(self.seats, self.wheelchair_spaces, self.stretcher_places) < 0:
            raise ValueError("a capacity cannot be negative")
        if min(self.pet_places, self.luggage) < 0:
            raise ValueError("a capacity cannot be negative")


class Kind(StrEnum):
    """The kinds of place a vehicle has, as codes the app translates."""

    SEATS = "seats"
    WHEELCHAIR_SPACES = "wheelchair_spaces"
    STRETCHER_PLACES = "stretcher_places"
    PET_PLACES = "pet_places"
    LUGGAGE = "luggage"


# -- places ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Places:
    """The places a request (or part of one) takes. `animals` ride off a lap: each takes a pet
    place or, when the vehicle has none left, a seat; which one depends on the whole trip, so
    it is counted here and settled by the vehicle (`room_needed`). `on_laps` use no place and
    are counted for the manifest."""

    seats: int = 0
    wheelchair_spaces: int = 0
    stretcher_places: int = 0
    animals: int = 0
    luggage: int = 0
    on_laps: int = 0

    def __add__(self, other: Places) -> Places:
        return Places(
            self.seats + other.seats,
            self.wheelchair_spaces + other.wheelchair_spaces,
            self.stretcher_places + other.stretcher_places,
            self.animals + other.animals,
            self.luggage + other.luggage,
            self.on_laps + other.on_laps,
        )

    @property
    def passengers(self) -> int:
        return self.seats + self.wheelchair_spaces + self.stretcher_places


NOTHING = Places()


def _places_of(passengers: Iterable[Passenger], pets: Iterable[Pet], luggage: int) -> Places:
    seats = wheelchair = stretcher = laps = 0
    for passenger in passengers:
        needs = passenger.needs
        if STRETCHER in needs:
            stretcher += 1
        elif WHEELCHAIR in needs:
            wheelchair += 1
        else:
            seats += 1
            if passenger.age is None or passenger.age >= LAP_MIN_AGE:
                laps += 1
    small = large = 0
    for pet in pets:
        if pet.large:
            large += pet.count
        else:
            small += pet.count
    on_laps = min(small, laps)
    return Places(seats, wheelchair, stretcher, large + small - on_laps, luggage, on_laps)


@dataclass(frozen=True, slots=True)
class Part:
    """The part of a request on a trip: all its passengers, or some when it may split. Its
    animals and luggage go with it (they go with the first passenger of the request taken)."""

    request: Request
    passengers: tuple[Passenger, ...]

    @classmethod
    def of(cls, request: Request, passenger_ids: Collection[str] | None = None) -> Part:
        """The part of `request` with the passengers `passenger_ids` (all when None), in the
        request's order."""
        if passenger_ids is None:
            return cls(request, request.passengers)
        chosen = tuple(p for p in request.passengers if p.id in passenger_ids)
        if len(chosen) != len(set(passenger_ids)):
            raise ValueError("a passenger of the part is not on the request")
        return cls(request, chosen)

    @property
    def whole(self) -> bool:
        return len(self.passengers) == len(self.request.passengers)


def places(item: Request | Part) -> Places:
    """The places a request takes (or the part of it on a trip), by the module's rules."""
    if isinstance(item, Request):
        return _places_of(item.passengers, item.pets, item.luggage)
    if not item.passengers:
        return NOTHING
    return _places_of(item.passengers, item.request.pets, item.request.luggage)


def room_needed(total: Places, capacity: Capacity) -> Capacity:
    """The room `total` takes in a vehicle of `capacity`: animals off a lap go to pet places
    first, then to seats (so pet places never overflow; seats do)."""
    to_pet_places = min(total.animals, capacity.pet_places)
    return Capacity(
        seats=total.seats + total.animals - to_pet_places,
        wheelchair_spaces=total.wheelchair_spaces,
        stretcher_places=total.stretcher_places,
        pet_places=to_pet_places,
        luggage=total.luggage,
    )


def _seats_needed(total: Places, capacity: Capacity) -> int:
    return total.seats + max(0, total.animals - capacity.pet_places)


def _fits(total: Places, capacity: Capacity) -> bool:
    return (
        total.wheelchair_spaces <= capacity.wheelchair_spaces
        and total.stretcher_places <= capacity.stretcher_places
        and total.luggage <= capacity.luggage
        and _seats_needed(total, capacity) <= capacity.seats
    )


@dataclass(frozen=True, slots=True)
class Shortage:
    """One kind of place a candidate needs more of than is left."""

    kind: Kind
    needed: int
    left: int


def _shortages(used: Places, more: Places, capacity: Capacity) -> tuple[Shortage, ...]:
    """What `more` lacks on top of `used`. Seats needed include the animals that the pet
    places left cannot take."""
    found = []
    after = used + more
    for kind, before, now, cap in (
        (Kind.WHEELCHAIR_SPACES, used.wheelchair_spaces, after.wheelchair_spaces,
         capacity.wheelchair_spaces),
        (Kind.STRETCHER_PLACES, used.stretcher_places, after.stretcher_places,
         capacity.stretcher_places),
        (Kind.SEATS, _seats_needed(used, capacity), _seats_needed(after, capacity),
         capacity.seats),
        (Kind.LUGGAGE, used.luggage, after.luggage, capacity.luggage),
    ):  # fmt: skip
        if now > cap:
            found.append(Shortage(kind, now - before, cap - before))
    return tuple(found)


# -- priority --------------------------------------------------------------------------------


class ReasonCode(StrEnum):
    """Why a request ranks where it does, as codes the app translates."""

    AGE_60 = "age_60"  # 60 to 74, or recorded as an older person without an age
    AGE_75 = "age_75"
    DISABILITY = "disability"
    CHILD = "child"  # 3 to 17
    INFANT = "infant"  # under 3
    CHILD_WITHOUT_PARENT = "child_without_parent"
    PREGNANCY = "pregnancy"
    STRETCHER = "stretcher"
    OXYGEN = "oxygen"
    WHEELCHAIR = "wheelchair"
    CANNOT_SIT_LONG = "cannot_sit_long"
    DISPLACED_WITHOUT_SHELTER = "displaced_without_shelter"
    WAITING = "waiting"
    ADJUSTMENT = "adjustment"


# The weights: a first proposal, named so the coordinators can tune them in one place. A
# stretcher or oxygen case cannot wait for the next bus; a person over 75 or with a disability
# weighs about as much as a pregnancy or a small child; a day waited counts, but two weeks of
# waiting do not outrank an oxygen case.
AGE_60_POINTS = 10
AGE_75_POINTS = 20
DISABILITY_POINTS = 15
CHILD_POINTS = 8
INFANT_POINTS = 12
CHILD_WITHOUT_PARENT_POINTS = 15
PREGNANCY_POINTS = 15
STRETCHER_POINTS = 30
OXYGEN_POINTS = 30
WHEELCHAIR_POINTS = 15
CANNOT_SIT_LONG_POINTS = 10
DISPLACED_WITHOUT_SHELTER_POINTS = 15  # once per request
WAITING_POINTS_PER_DAY = 2
WAITING_POINTS_CAP = 30  # reached after 15 days

# Points per person, by reason. Person reasons only: displacement, waiting and the adjustment
# are the request's.
_POINTS: dict[ReasonCode, int] = {
    ReasonCode.AGE_60: AGE_60_POINTS,
    ReasonCode.AGE_75: AGE_75_POINTS,
    ReasonCode.DISABILITY: DISABILITY_POINTS,
    ReasonCode.CHILD: CHILD_POINTS,
    ReasonCode.INFANT: INFANT_POINTS,
    ReasonCode.CHILD_WITHOUT_PARENT: CHILD_WITHOUT_PARENT_POINTS,
    ReasonCode.PREGNANCY: PREGNANCY_POINTS,
    ReasonCode.STRETCHER: STRETCHER_POINTS,
    ReasonCode.OXYGEN: OXYGEN_POINTS,
    ReasonCode.WHEELCHAIR: WHEELCHAIR_POINTS,
    ReasonCode.CANNOT_SIT_LONG: CANNOT_SIT_LONG_POINTS,
}
# the needs and vulnerabilities that give points, each with its reason
_NEED_REASONS = (
    (STRETCHER, ReasonCode.STRETCHER),
    (OXYGEN, ReasonCode.OXYGEN),
    (WHEELCHAIR, ReasonCode.WHEELCHAIR),
    (CANNOT_SIT_LONG, ReasonCode.CANNOT_SIT_LONG),
)
_VULNERABILITY_REASONS = (
    (DISABILITY, ReasonCode.DISABILITY),
    (PREGNANCY, ReasonCode.PREGNANCY),
    (CHILD_WITHOUT_PARENT, ReasonCode.CHILD_WITHOUT_PARENT),
)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Reason:
    """Points for one reason, over `people` persons of the request (0 for the request's own
    reasons: displacement, waiting, the adjustment)."""

    code: ReasonCode
    points: int
    people: int = 0


@dataclass(frozen=True, slots=True)
class Priority:
    score: int
    reasons: tuple[Reason, ...] = ()  # in the order of `ReasonCode`; they add up to `score`


def _age_code(age: int | None, vulnerabilities: frozenset[str]) -> ReasonCode | None:
    """The age band that weighs in the priority. A known age decides; "older person" stands
    for 60+ only when the age is unknown (a registrar's note does not make a 58-year-old 60)."""
    if age is None:
        return ReasonCode.AGE_60 if OLDER_PERSON in vulnerabilities else None
    if age >= 75:
        return ReasonCode.AGE_75
    if age >= 60:
        return ReasonCode.AGE_60
    if age < 3:
        return ReasonCode.INFANT
    if age < 18:
        return ReasonCode.CHILD
    return None


# The rules above as tables of reason indices (into `_CODES`), looked up per person: ages and
# the sets of needs and vulnerabilities repeat across a waitlist, and enum members hash in
# Python, so the hot loops touch ints only. 10,000 requests are scored in a few milliseconds.
_CODES = tuple(ReasonCode)
_INDEX = {code: i for i, code in enumerate(_CODES)}
_WEIGHTS = tuple(_POINTS.get(code, 0) for code in _CODES)
_AGE_60_INDEX = _INDEX[ReasonCode.AGE_60]
_AGE_INDICES: tuple[tuple[int, ...], ...] = tuple(
    () if (code := _age_code(age, frozenset())) is None else (_INDEX[code],) for age in range(131)
)
_AGE_POINTS = tuple(sum(_WEIGHTS[i] for i in found) for found in _AGE_INDICES)


@lru_cache(maxsize=4096)
def _need_indices(needs: frozenset[str]) -> tuple[int, ...]:
    return tuple(_INDEX[code] for need, code in _NEED_REASONS if need in needs)


@lru_cache(maxsize=4096)
def _vulnerability_indices(vulnerabilities: frozenset[str]) -> tuple[int, ...]:
    return tuple(_INDEX[code] for v, code in _VULNERABILITY_REASONS if v in vulnerabilities)


@lru_cache(maxsize=4096)
def _need_points(needs: frozenset[str]) -> int:
    return sum(_WEIGHTS[i] for i in _need_indices(needs))


@lru_cache(maxsize=4096)
def _vulnerability_points(vulnerabilities: frozenset[str]) -> int:
    return sum(_WEIGHTS[i] for i in _vulnerability_indices(vulnerabilities))


def _waiting_points(request: Request, now: datetime) -> int:
    days = (now - request.waiting_since) // _DAY  # full days; none for a future date
    return min(days * WAITING_POINTS_PER_DAY, WAITING_POINTS_CAP) if days > 0 else 0


def priority(request: Request, now: datetime) -> Priority:
    """The request's score and the reasons it is made of, so the waitlist can say why each
    entry ranks where it does."""
    counts = [0] * len(_CODES)
    displaced = False
    for passenger in request.passengers:
        age = passenger.age
        if age is not None:
            for i in _AGE_INDICES[age]:
                counts[i] += 1
        elif OLDER_PERSON in passenger.vulnerabilities:
            counts[_AGE_60_INDEX] += 1
        if passenger.vulnerabilities:
            for i in _vulnerability_indices(passenger.vulnerabilities):
                counts[i] += 1
        if passenger.needs:
            for i in _need_indices(passenger.needs):
                counts[i] += 1
        displaced = displaced or passenger.displaced_without_shelter
    reasons = [Reason(_CODES[i], _WEIGHTS[i] * n, n) for i, n in enumerate(counts) if n]
    if displaced:
        reasons.append(
            Reason(ReasonCode.DISPLACED_WITHOUT_SHELTER, DISPLACED_WITHOUT_SHELTER_POINTS)
        )
    waited = _waiting_points(request, now)
    if waited:
        reasons.append(Reason(ReasonCode.WAITING, waited))
    if request.priority_adjustment:
        reasons.append(Reason(ReasonCode.ADJUSTMENT, request.priority_adjustment))
    return Priority(sum(r.points for r in reasons), tuple(reasons))


def _score(request: Request, now: datetime) -> int:
    """`priority(request, now).score` without the reasons: planning scores the whole waitlist
    and explains only the requests it takes."""
    points = 0
    displaced = False
    for passenger in request.passengers:
        age = passenger.age
        if age is not None:
            points += _AGE_POINTS[age]
        elif OLDER_PERSON in passenger.vulnerabilities:
            points += AGE_60_POINTS
        if passenger.vulnerabilities:
            points += _vulnerability_points(passenger.vulnerabilities)
        if passenger.needs:
            points += _need_points(passenger.needs)
        if passenger.displaced_without_shelter:
            displaced = True
    if displaced:
        points += DISPLACED_WITHOUT_SHELTER_POINTS
    return points + _waiting_points(request, now) + request.priority_adjustment


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def order_key(request: Request, score: int) -> tuple[int, int, str]:
    """Higher score first, then longer waiting, then the id: a total order, so the same
    waitlist always gives the same plan. (Waiting as integer microseconds: comparing aware
    datetimes asks each for its UTC offset, slower in a sort.)"""
    return (-score, (request.waiting_since - _EPOCH) // _MICROSECOND, request.id)


def rank(requests: Iterable[Request], now: datetime) -> list[tuple[Request, Priority]]:
    """The waitlist in priority order, each request with its priority."""
    scored = [(request, priority(request, now)) for request in requests]
    scored.sort(key=lambda item: order_key(item[0], item[1].score))
    return scored


# -- planning --------------------------------------------------------------------------------


class LeftOutCode(StrEnum):
    REMOVED_BY_OFFICER = "removed_by_officer"
    HOUSEHOLD_DOES_NOT_FIT = "household_does_not_fit"  # a request travelling together
    PASSENGER_DOES_NOT_FIT = "passenger_does_not_fit"  # one passenger of a split request
    ALREADY_ON_TRIP = "already_on_trip"  # its passengers are on the trip with another request


@dataclass(frozen=True, slots=True)
class Taken:
    """A request, or the part of it, proposed for the trip."""

    part: Part
    places: Places
    score: int
    fixed: bool  # added by the officer
    now: datetime  # of the plan, for `priority`

    @property
    def request_id(self) -> str:
        return self.part.request.id

    @property
    def priority(self) -> Priority:
        """The score with its reasons, worked out when asked: a screen shows a busload of
        them, and planning with room for thousands need not explain every one."""
        return priority(self.part.request, self.now)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """Passengers of a request that are not proposed, and why. `shortages` (empty for a
    removal) say which places were lacking when the request was considered and by how much;
    `places` are what was asked for."""

    request_id: str
    passenger_ids: tuple[str, ...]
    code: LeftOutCode
    shortages: tuple[Shortage, ...] = ()
    places: Places = NOTHING
    fixed: bool = False  # an officer's addition that did not fit


@dataclass(frozen=True, slots=True)
class Plan:
    capacity: Capacity
    taken: tuple[Taken, ...]
    left_out: tuple[LeftOut, ...]
    # requests never considered because the vehicle was full (no seat, wheelchair space or
    # stretcher place left for anyone), in priority order: they simply wait for the next trip
    waiting: tuple[str, ...]
    total: Places = NOTHING  # the places of everything taken, added up

    @property
    def used(self) -> Capacity:
        return room_needed(self.total, self.capacity)

    @property
    def left(self) -> Capacity:
        used = self.used
        cap = self.capacity
        return Capacity(
            cap.seats - used.seats,
            cap.wheelchair_spaces - used.wheelchair_spaces,
            cap.stretcher_places - used.stretcher_places,
            cap.pet_places - used.pet_places,
            cap.luggage - used.luggage,
        )

    @property
    def passengers(self) -> tuple[Passenger, ...]:
        return tuple(p for taken in self.taken for p in taken.part.passengers)


@dataclass
class _Planner:
    capacity: Capacity
    total: Places = NOTHING
    on_trip: set[str] = field(default_factory=set)
    taken: list[Taken] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def full(self) -> bool:
        """No passenger of any kind can get on any more."""
        cap, total = self.capacity, self.total
        return (
            _seats_needed(total, cap) >= cap.seats
            and total.wheelchair_spaces >= cap.wheelchair_spaces
            and total.stretcher_places >= cap.stretcher_places
        )

    def consider(self, request: Request, score: int, fixed: bool, now: datetime) -> None:
        passengers = request.passengers
        if any(p.id in self.on_trip for p in passengers):
            # a person on two requests (a registry slip): on the trip once, with the first
            passengers = tuple(p for p in passengers if p.id not in self.on_trip)
            if not passengers:
                self.left_out.append(
                    LeftOut(request.id, (), LeftOutCode.ALREADY_ON_TRIP, fixed=fixed)
                )
                return
        if request.together:
            self._consider_whole(request, passengers, score, fixed, now)
        else:
            self._consider_split(request, passengers, score, fixed, now)

    def _take(self, part: Part, more: Places, score: int, fixed: bool, now: datetime) -> None:
        self.total = self.total + more
        self.on_trip.update(p.id for p in part.passengers)
        self.taken.append(Taken(part, more, score, fixed, now))

    def _consider_whole(
        self,
        request: Request,
        passengers: tuple[Passenger, ...],
        score: int,
        fixed: bool,
        now: datetime,
    ) -> None:
        more = _places_of(passengers, request.pets, request.luggage)
        if _fits(self.total + more, self.capacity):
            self._take(Part(request, passengers), more, score, fixed, now)
            return
        self.left_out.append(
            LeftOut(
                request.id,
                tuple(p.id for p in passengers),
                LeftOutCode.HOUSEHOLD_DOES_NOT_FIT,
                _shortages(self.total, more, self.capacity),
                more,
                fixed,
            )
        )

    def _consider_split(
        self,
        request: Request,
        passengers: tuple[Passenger, ...],
        score: int,
        fixed: bool,
        now: datetime,
    ) -> None:
        before = self.total
        chosen: list[Passenger] = []
        part_places = NOTHING
        missing: list[LeftOut] = []
        for passenger in passengers:
            # counted afresh with each passenger: the animals and luggage come with the first
            # one taken, and a seated adult may give a carrier a lap
            with_one = _places_of([*chosen, passenger], request.pets, request.luggage)
            if _fits(before + with_one, self.capacity):
                chosen.append(passenger)
                part_places = with_one
                continue
            more = _minus(with_one, part_places)
            missing.append(
                LeftOut(
                    request.id,
                    (passenger.id,),
                    LeftOutCode.PASSENGER_DOES_NOT_FIT,
                    _shortages(before + part_places, more, self.capacity),
                    more,
                    fixed,
                )
            )
        if chosen:
            self._take(Part(request, tuple(chosen)), part_places, score, fixed, now)
        self.left_out.extend(missing)


def _minus(a: Places, b: Places) -> Places:
    return Places(
        a.seats - b.seats,
        a.wheelchair_spaces - b.wheelchair_spaces,
        a.stretcher_places - b.stretcher_places,
        a.animals - b.animals,
        a.luggage - b.luggage,
        a.on_laps - b.on_laps,
    )


def plan_trip(
    requests: Sequence[Request],
    capacity: Capacity,
    now: datetime,
    *,
    fixed_in: Sequence[str] = (),
    fixed_out: Collection[str] = (),
) -> Plan:
    """Propose the passengers of a trip from the waitlist `requests`.

    `fixed_in` are ids of requests the officer added by hand: considered first, in the
    officer's order, and taken if they fit at all. `fixed_out` are ids the officer removed:
    never taken, listed first in `left_out`. Then the rest in priority order, greedily: a
    request that does not fit is skipped with its shortages and the next one is tried, until
    nobody can get on. O(n log n) for n requests: priorities computed once, one sort, one pass.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    by_id = {request.id: request for request in requests}
    if len(by_id) != len(requests):
        raise ValueError("a request is twice on the waitlist")
    fixed_in_set = set(fixed_in)
    fixed_out_set = set(fixed_out)
    for request_id in (*fixed_in_set, *fixed_out_set):
        if request_id not in by_id:
            raise ValueError(f"request {request_id!r} is not on the waitlist")
    if fixed_in_set & fixed_out_set:
        raise ValueError("a request cannot be both added and removed by the officer")
    if len(fixed_in_set) != len(fixed_in):
        raise ValueError("a request is added twice")

    planner = _Planner(capacity)
    for request_id in fixed_out:
        request = by_id[request_id]
        planner.left_out.append(
            LeftOut(
                request_id, tuple(p.id for p in request.passengers), LeftOutCode.REMOVED_BY_OFFICER
            )
        )
    for request_id in fixed_in:
        request = by_id[request_id]
        planner.consider(request, _score(request, now), True, now)

    keyed = [
        (order_key(request, _score(request, now)), request)
        for request in requests
        if request.id not in fixed_in_set and request.id not in fixed_out_set
    ]
    keyed.sort(key=itemgetter(0))
    waiting: tuple[str, ...] = ()
    for i, (key, request) in enumerate(keyed):
        if planner.full():
            waiting = tuple(item[1].id for item in keyed[i:])
            break
        planner.consider(request, -key[0], False, now)  # the score, computed once
    return Plan(capacity, tuple(planner.taken), tuple(planner.left_out), waiting, planner.total)


# -- checking a plan edited by hand --------------------------------------------------------


class ProblemCode(StrEnum):
    OVER_CAPACITY = "over_capacity"  # `kind` says which, `needed` and `available` how much
    HOUSEHOLD_SPLIT = "household_split"  # a request travelling together is only partly on
    PASSENGER_TWICE = "passenger_twice"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ProblemCode
    kind: Kind | None = None
    needed: int = 0
    available: int = 0
    request_id: str | None = None
    passenger_id: str | None = None

    @property
    def over(self) -> int:
        return self.needed - self.available


def check_plan(chosen: Iterable[Request | Part | Taken], capacity: Capacity) -> list[Problem]:
    """Everything that does not fit in a plan the officer edited: each capacity exceeded and
    by how much, each household travelling together that is only partly on the trip, each
    passenger on it twice. Empty when the plan holds. Places are counted afresh from the
    requests, never taken from a `Taken`'s own figures."""
    parts = [
        item.part if isinstance(item, Taken) else item if isinstance(item, Part) else Part.of(item)
        for item in chosen
    ]
    problems: list[Problem] = []
    total = NOTHING
    seen: set[str] = set()
    for part in parts:
        total = total + places(part)
        for passenger in part.passengers:
            if passenger.id in seen:
                problems.append(
                    Problem(
                        ProblemCode.PASSENGER_TWICE,
                        request_id=part.request.id,
                        passenger_id=passenger.id,
                    )
                )
            seen.add(passenger.id)
    for part in parts:
        # a member on the trip with another request (a registry slip) still travels with them
        missing = sum(1 for p in part.request.passengers if p.id not in seen)
        if part.request.together and part.passengers and missing:
            problems.append(
                Problem(
                    ProblemCode.HOUSEHOLD_SPLIT,
                    needed=len(part.request.passengers),
                    available=len(part.request.passengers) - missing,
                    request_id=part.request.id,
                )
            )
    used = room_needed(total, capacity)
    for kind, needed, available in (
        (Kind.SEATS, used.seats, capacity.seats),
        (Kind.WHEELCHAIR_SPACES, used.wheelchair_spaces, capacity.wheelchair_spaces),
        (Kind.STRETCHER_PLACES, used.stretcher_places, capacity.stretcher_places),
        (Kind.LUGGAGE, used.luggage, capacity.luggage),
    ):
        if needed > available:
            problems.append(Problem(ProblemCode.OVER_CAPACITY, kind, needed, available))
    return problems
