"""Every write of the evacuation goes through these functions; the reads that feed the
planner (the waitlist as `lib.evacuation` requests) are here too, next to the writes that
check against them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.audit import record_audit
from hromada.core.models import AuditEvent, Site, User
from hromada.evacuation.models import (
    BOARDED,
    ON_TRIP,
    EvacuationRequest,
    Need,
    Passenger,
    PassengerStatus,
    ReceptionCentre,
    RequestMember,
    RequestPet,
    RequestQuerySet,
    RequestStatus,
    Resolution,
    Species,
    Trip,
    TripStatus,
    Vehicle,
    VehicleKind,
)
from hromada.evacuation.texts import problem_text
from hromada.lib import cardcode
from hromada.lib import evacuation as rules
from hromada.lib.periods import kyiv_day
from hromada.lib.phones import InvalidPhone, normalise_phone
from hromada.people.errors import phone_error
from hromada.people.models import (
    Card,
    Household,
    Person,
    PersonStatus,
    Residency,
    Vulnerability,
    age_on,
)


class EvacuationError(Exception):
    """A write the evacuation refuses, with a message for the officer in their language;
    `field` names the input to correct, when there is one."""

    def __init__(self, message: str, *, field: str = "", code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberNeeds:
    person: Person
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PetData:
    species: str
    count: int = 1
    in_carrier: bool = True
    large: bool = False


@dataclass(frozen=True)
class RequestData:
    """What a registrar or an officer fills in; `members` in the order the household gives."""

    members: Sequence[MemberNeeds]
    pets: Sequence[PetData] = ()
    luggage: int = 0
    phone: str = ""
    destination: str = ""
    together: bool = True
    without_shelter: bool = False
    civilian_declared: bool = False
    notes: str = ""

    # the request's own fields, written as they are
    FIELDS = ("luggage", "phone", "destination", "together", "without_shelter",
              "civilian_declared", "notes")  # fmt: skip


def _check_request(
    household: Household, data: RequestData, request_id: uuid.UUID | None = None
) -> str:
    """The phone as stored (E.164), or EvacuationError naming what is wrong."""
    if not data.members:
        raise EvacuationError(_("Choose at least one person who travels."), field="members")
    seen: set[object] = set()
    for item in data.members:
        person = item.person
        if person.household_id != household.pk:
            raise EvacuationError(
                _("%(person)s is not a member of this household.") % {"person": person},
                field="members",
            )
        if person.pk in seen:
            raise EvacuationError(_("A person is listed twice."), field="members")
        seen.add(person.pk)
        if person.status != PersonStatus.PRESENT:
            raise EvacuationError(
                _("%(person)s is not in the town (%(status)s).")
                % {"person": person, "status": person.get_status_display()},
                field="members",
            )
        unknown = set(item.needs) - set(Need.values)
        if unknown:
            raise EvacuationError(
                _("Unknown need: %(need)s.") % {"need": ", ".join(sorted(unknown))},
                field="needs",
            )
    on_other = (
        RequestMember.objects.filter(person__in=seen, request__status=RequestStatus.WAITING)
        .exclude(request_id=request_id)
        .select_related("person")
        .first()
    )
    if on_other is not None:
        raise EvacuationError(
            _("%(person)s is already on another waiting request.") % {"person": on_other.person},
            field="members",
        )
    for pet in data.pets:
        if pet.species not in Species.values:
            raise EvacuationError(
                _("Unknown species: %(species)s.") % {"species": pet.species}, field="pets"
            )
        if not 1 <= pet.count <= 20:
            raise EvacuationError(_("Say how many animals, from 1 to 20."), field="pets")
    if not 0 <= data.luggage <= 20:
        raise EvacuationError(_("Luggage: from 0 to 20 pieces."), field="luggage")
    if not data.phone.strip():
        return ""
    try:
        return normalise_phone(data.phone)
    except InvalidPhone as error:
        raise EvacuationError(phone_error(error), field="phone") from None


def _write_people(request: EvacuationRequest, data: RequestData) -> None:
    request.members.all().delete()
    request.pets.all().delete()
    RequestMember.objects.bulk_create(
        RequestMember(request=request, person=item.person, position=i, needs=sorted(item.needs))
        for i, item in enumerate(data.members)
    )
    RequestPet.objects.bulk_create(
        RequestPet(
            request=request, species=p.species, count=p.count, in_carrier=p.in_carrier,
            large=p.large,
        )
        for p in data.pets
    )  # fmt: skip


@transaction.atomic
def do_create_request(
    *, actor: User, household: Household, data: RequestData, made_at: datetime | None = None
) -> EvacuationRequest:
    """`made_at`: when the household first asked, for a request typed in from an earlier
    paper or chat list (its waiting time counts from then); never in the future."""
    phone = _check_request(household, data)
    now = min(made_at, timezone.now()) if made_at else timezone.now()
    request = EvacuationRequest.objects.create(
        site=household.site, household=household, luggage=data.luggage, phone=phone,
        destination=data.destination.strip(), together=data.together,
        without_shelter=data.without_shelter, civilian_declared=data.civilian_declared,
        notes=data.notes.strip(), waiting_since=now, created_by=actor,
    )  # fmt: skip
    _write_people(request, data)
    record_audit(
        actor=actor, action="evacuation.create_request", obj=request, site=request.site,
        fields=[*RequestData.FIELDS, "members", "needs", "pets"],
    )  # fmt: skip
    return request


def _snapshot(request: EvacuationRequest) -> dict[str, object]:
    members = [(m.person_id, tuple(m.needs)) for m in request.members.all()]
    pets = [(p.species, p.count, p.in_carrier, p.large) for p in request.pets.all()]
    own = {name: getattr(request, name) for name in RequestData.FIELDS}
    return {
        **own,
        "members": [m[0] for m in members],
        "needs": [m[1] for m in members],
        "pets": pets,
    }


def _lock_request(request: EvacuationRequest) -> EvacuationRequest:
    locked = EvacuationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RequestStatus.WAITING:
        raise EvacuationError(
            _("This request is closed (%(status)s).") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def do_update_request(
    *, actor: User, request: EvacuationRequest, data: RequestData
) -> EvacuationRequest:
    """Change a waiting request; the audit log keeps which fields changed, so the request's
    history can be read back. A person taken off the request is taken off a trip still being
    planned too."""
    request = _lock_request(request)
    if Passenger.objects.filter(request=request, status__in=BOARDED).exists():
        raise EvacuationError(_("Someone of this request has boarded a bus; it cannot change."))
    phone = _check_request(request.household, data, request_id=request.pk)
    before = _snapshot(request)
    for name in RequestData.FIELDS:
        setattr(request, name, getattr(data, name))
    request.phone = phone
    request.destination = data.destination.strip()
    request.notes = data.notes.strip()
    request.save()
    _write_people(request, data)
    after = _snapshot(request)
    changed = [name for name in after if after[name] != before[name]]
    kept = {item.person.pk for item in data.members}
    for passenger in _planned(request).exclude(person__in=kept):
        _take_off(passenger, PassengerStatus.REMOVED)
    record_audit(
        actor=actor, action="evacuation.update_request", obj=request, site=request.site,
        fields=changed,
    )  # fmt: skip
    return request


def _planned(request: EvacuationRequest) -> QuerySet[Passenger]:
    return Passenger.objects.filter(
        request=request, status=PassengerStatus.PLANNED, trip__status=TripStatus.OPEN
    )


@transaction.atomic
def do_withdraw_request(*, actor: User, request: EvacuationRequest) -> EvacuationRequest:
    """The household no longer wants to leave (or left by other means). Its people still on
    a manifest being planned are taken off it; anyone already boarded stays on the bus."""
    request = _lock_request(request)
    if Passenger.objects.filter(request=request, status=PassengerStatus.BOARDED).exists():
        raise EvacuationError(
            _("Someone of this request is already on the bus; it cannot be withdrawn.")
        )
    for passenger in _planned(request):
        _take_off(passenger, PassengerStatus.REMOVED)
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    record_audit(
        actor=actor, action="evacuation.withdraw_request", obj=request, site=request.site,
        fields=["status", "closed_at"],
    )  # fmt: skip
    return request


@transaction.atomic
def do_adjust_priority(
    *, actor: User, request: EvacuationRequest, adjustment: int, reason: str
) -> EvacuationRequest:
    """The coordinator's + or − on a request's priority, with the reason, shown on the
    waitlist next to the rules' own points."""
    request = _lock_request(request)
    if not -100 <= adjustment <= 100:
        raise EvacuationError(_("An adjustment is from −100 to +100."), field="adjustment")
    if adjustment and not reason.strip():
        raise EvacuationError(_("Say why the priority is adjusted."), field="reason")
    request.priority_adjustment = adjustment
    request.adjustment_reason = reason.strip() if adjustment else ""
    request.save(update_fields=["priority_adjustment", "adjustment_reason"])
    record_audit(
        actor=actor, action="evacuation.adjust_priority", obj=request, site=request.site,
        fields=["priority_adjustment", "adjustment_reason"],
    )  # fmt: skip
    return request


# -- the waitlist as the planner sees it ----------------------------------------------------


def with_people(requests: QuerySet[EvacuationRequest]) -> QuerySet[EvacuationRequest]:
    """Members (with their persons and vulnerabilities) and pets in three more queries for
    any number of requests."""
    members = RequestMember.objects.select_related("person").prefetch_related(
        Prefetch("person__vulnerabilities", queryset=Vulnerability.objects.only("person", "kind"))
    )
    return requests.prefetch_related(Prefetch("members", queryset=members), "pets")


def _raw(query: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` query as the database driver gives them, without Django's
    converters: making a UUID object and printing it again for each of 76,000 ids was most of
    the planning page's time. `_id`, `_moment`, `_day` and `_list` read the driver's values."""
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # `pk__in=[]`: Django knows there is nothing without asking
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _id(value: object) -> str:
    """A UUID as `str(pk)` writes it, from SQLite's 32 hex digits or PostgreSQL's UUID."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def _moment(value: datetime | str) -> datetime:
    """An aware datetime from the driver's value: SQLite's is in UTC without its zone."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _list(value: list[str] | str | None) -> list[str]:
    return json.loads(value) if isinstance(value, str) else (value or [])


def load_rules(
    requests: QuerySet[EvacuationRequest], now: datetime, *, present_only: bool = False
) -> dict[str, rules.Request]:
    """The planner's view of `requests` (by id): four flat queries, no model instances, so
    that the planning page reads a waitlist of 10,000 in a fraction of a second
    (bench/planning_app.py); the same for one request. `present_only`: without the people
    no longer in the town (evacuated already while the rest of their household waits, left,
    deceased), and without the requests left with nobody."""
    today = kyiv_day(now)
    chosen = requests.values("pk")
    members = RequestMember.objects.filter(request__in=chosen)
    # the same few birth dates and sets of needs come back thousands of times: each is read once
    ages: dict[object, int] = {}
    needs_of: dict[object, frozenset[str]] = {}
    people: dict[object, list[tuple[int, str, frozenset[str], int, bool]]] = {}
    for request_id, position, person_id, needs, born, residency, status in _raw(
        members.values_list(
            "request", "position", "person", "needs", "person__birth_date", "person__residency",
            "person__status",
        )
    ):  # fmt: skip
        if present_only and status != PersonStatus.PRESENT:
            continue
        age = ages.get(born)
        if age is None:
            age = ages[born] = max(0, min(130, age_on(_day(born), today)))
        key = needs if isinstance(needs, str) else tuple(needs or ())
        wanted = needs_of.get(key)
        if wanted is None:
            wanted = needs_of[key] = frozenset(_list(needs))
        displaced = residency == Residency.DISPLACED
        people.setdefault(request_id, []).append((position, _id(person_id), wanted, age, displaced))
    kinds: dict[str, set[str]] = {}
    for person_id, kind in _raw(
        Vulnerability.objects.filter(person__in=members.values("person")).values_list(
            "person", "kind"
        )
    ):
        kinds.setdefault(_id(person_id), set()).add(kind)
    frozen = {person_id: frozenset(found) for person_id, found in kinds.items()}
    pets: dict[object, list[rules.Pet]] = {}
    for request_id, species, count, in_carrier, large in _raw(
        RequestPet.objects.filter(request__in=chosen).values_list(
            "request", "species", "count", "in_carrier", "large"
        )
    ):
        pets.setdefault(request_id, []).append(
            rules.Pet(species, count, bool(in_carrier), bool(large))
        )
    nothing: frozenset[str] = frozenset()
    found = {}
    for pk, household, since, luggage, together, adjustment, without_shelter in _raw(
        requests.values_list(
            "pk", "household", "waiting_since", "luggage", "together", "priority_adjustment",
            "without_shelter",
        )
    ):  # fmt: skip
        passengers = tuple(
            rules.Passenger(
                id=person_id,
                age=age,
                needs=needs,
                vulnerabilities=frozen.get(person_id, nothing),
                displaced_without_shelter=bool(without_shelter) and displaced,
            )
            for _position, person_id, needs, age, displaced in sorted(people.get(pk, ()))
        )
        if not passengers:
            continue  # a request without people (never written by the actions)
        request_id = _id(pk)
        found[request_id] = rules.Request(
            id=request_id,
            household_id=_id(household),
            passengers=passengers,
            waiting_since=_moment(since),
            pets=tuple(pets.get(pk, ())),
            luggage=luggage,
            together=bool(together),
            priority_adjustment=adjustment,
        )
    return found


def to_rule(request: EvacuationRequest, now: datetime) -> rules.Request:
    """The planner's view of one request (for `rules.priority`, the reasons of its place)."""
    return load_rules(EvacuationRequest.objects.filter(pk=request.pk), now)[str(request.pk)]


Ranked = tuple[EvacuationRequest, rules.Priority]


class Waitlist(Sequence[Ranked]):
    """Waiting requests in priority order, each with the reasons of its place: ranked from
    flat rows, and the request rows (with their people) read only for the slice shown."""

    def __init__(self, requests: QuerySet[EvacuationRequest], now: datetime) -> None:
        self.requests = requests
        found = load_rules(requests, now).values()
        self.ranked = [(rule.id, priority) for rule, priority in rules.rank(found, now)]

    def __len__(self) -> int:
        return len(self.ranked)

    @overload
    def __getitem__(self, index: int) -> Ranked: ...

    @overload
    def __getitem__(self, index: slice) -> list[Ranked]: ...

    def __getitem__(self, index: int | slice) -> Ranked | list[Ranked]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        chosen = self.ranked[index]
        wanted = [pk for pk, _priority in chosen]
        rows = {str(r.pk): r for r in with_people(self.requests.filter(pk__in=wanted))}
        return [(rows[pk], priority) for pk, priority in chosen]


def waitlist(requests: RequestQuerySet, now: datetime) -> Waitlist:
    """The waiting requests among `requests` in priority order (see Waitlist)."""
    return Waitlist(requests.waiting(), now)


# -- vehicles, reception centres, trips -----------------------------------------------------


@dataclass(frozen=True)
class Places:
    seats: int
    wheelchair_spaces: int = 0
    stretcher_places: int = 0
    pet_places: int = 0
    luggage: int = 0

    NAMES = ("seats", "wheelchair_spaces", "stretcher_places", "pet_places", "luggage")


def _check_places(places: Places) -> None:
    if not 0 <= places.seats <= 120:
        raise EvacuationError(_("Seats: from 0 to 120."), field="seats")
    for name in Places.NAMES[1:]:
        if not 0 <= getattr(places, name) <= 120:
            raise EvacuationError(_("A number of places is from 0 to 120."), field=name)
    if places.seats + places.wheelchair_spaces + places.stretcher_places == 0:
        raise EvacuationError(_("A vehicle carries at least one person."), field="seats")


@transaction.atomic
def do_save_vehicle(
    *, actor: User, vehicle: Vehicle | None = None, kind: str, name: str, places: Places,
    active: bool = True,
) -> Vehicle:  # fmt: skip
    if kind not in VehicleKind.values:
        raise EvacuationError(_("Unknown kind of vehicle."), field="kind")
    if not name.strip():
        raise EvacuationError(_("Give the vehicle a name or its plate."), field="name")
    _check_places(places)
    created = vehicle is None
    vehicle = vehicle or Vehicle()
    vehicle.kind, vehicle.name, vehicle.active = kind, name.strip(), active
    for attr in Places.NAMES:
        setattr(vehicle, attr, getattr(places, attr))
    vehicle.save()
    record_audit(
        actor=actor, action="evacuation.create_vehicle" if created else "evacuation.update_vehicle",
        obj=vehicle, fields=["kind", "name", "active", *Places.NAMES],
    )  # fmt: skip
    return vehicle


@transaction.atomic
def do_create_reception_centre(
    *, actor: User, code: str, name: str, city: str, address: str = ""
) -> ReceptionCentre:
    """A reception centre is a site of its own: its staff are users of that site."""
    if not name.strip() or not city.strip():
        raise EvacuationError(_("Give the centre's name and city."), field="name")
    if Site.objects.filter(code=code).exists():
        raise EvacuationError(_("This code is taken by another site."), field="code")
    site = Site.objects.create(code=code, name=name.strip())
    centre = ReceptionCentre.objects.create(site=site, city=city.strip(), address=address.strip())
    record_audit(actor=actor, action="core.create_site", obj=site, fields=["code", "name"])
    record_audit(
        actor=actor, action="evacuation.create_reception_centre", obj=centre, site=site,
        fields=["site", "city", "address"],
    )  # fmt: skip
    return centre


@transaction.atomic
def do_create_trip(
    *, actor: User, site: Site, vehicle: Vehicle, departure_point: str, departs_at: datetime,
    destination: ReceptionCentre, driver: str, escort: str = "",
) -> Trip:  # fmt: skip
    if not vehicle.active:
        raise EvacuationError(_("This vehicle is out of service."), field="vehicle")
    if not departure_point.strip():
        raise EvacuationError(_("Say where the trip leaves from."), field="departure_point")
    if not driver.strip():
        raise EvacuationError(_("Name the driver."), field="driver")
    trip = Trip.objects.create(
        site=site, vehicle=vehicle, departure_point=departure_point.strip(),
        departs_at=departs_at, destination=destination, driver=driver.strip(),
        escort=escort.strip(), created_by=actor,
        **{name: getattr(vehicle, name) for name in Places.NAMES},
    )  # fmt: skip
    record_audit(
        actor=actor, action="evacuation.create_trip", obj=trip, site=site,
        fields=["vehicle", "departure_point", "departs_at", "destination", "driver", "escort",
                *Places.NAMES],
    )  # fmt: skip
    return trip


@transaction.atomic
def do_cancel_trip(*, actor: User, trip: Trip) -> Trip:
    """Nobody has boarded yet: everyone planned goes back to the waitlist."""
    trip = _lock_trip(trip)
    if trip.passengers.filter(status=PassengerStatus.BOARDED).exists():
        raise EvacuationError(_("People have boarded; take them off the bus first."))
    for passenger in trip.passengers.filter(status=PassengerStatus.PLANNED):
        _take_off(passenger, PassengerStatus.REMOVED)
    trip.status = TripStatus.CANCELLED
    trip.save(update_fields=["status"])
    record_audit(
        actor=actor, action="evacuation.cancel_trip", obj=trip, site=trip.site, fields=["status"]
    )
    return trip


# -- planning --------------------------------------------------------------------------------


def _lock_trip(trip: Trip, *, status: str = TripStatus.OPEN) -> Trip:
    """The trip, locked for this transaction: one officer at a time changes who is on it."""
    locked = Trip.objects.select_for_update().select_related("destination__site").get(pk=trip.pk)
    if locked.status != status:
        messages: dict[str, str] = {
            TripStatus.OPEN: _("The bus has left: its manifest is closed."),
            TripStatus.DEPARTED: _("This trip is not on the road."),
        }
        raise EvacuationError(messages.get(status, _("This trip is closed.")), code="closed")
    return locked


def on_board(trip: Trip) -> QuerySet[Passenger]:
    """Passengers who hold a place on the trip: planned or boarded."""
    return trip.passengers.filter(status__in=[PassengerStatus.PLANNED, PassengerStatus.BOARDED])


def current_parts(trip: Trip, now: datetime) -> list[rules.Part]:
    """The manifest as the planner's parts, in the order the requests were put on it."""
    order = _manifest(trip)
    requests = load_rules(EvacuationRequest.objects.filter(pk__in=list(order)), now)
    return [rules.Part.of(requests[rid], people) for rid, people in order.items()]


def _manifest(trip: Trip) -> dict[str, set[str]]:
    """Request id -> the ids of its people holding a place on the trip, in the order the
    requests were put on it."""
    found: dict[str, set[str]] = {}
    for request_id, person_id in (
        on_board(trip).order_by("created_at").values_list("request", "person")
    ):
        found.setdefault(str(request_id), set()).add(str(person_id))
    return found


# The planner's view of each site's waitlist, kept between the officer's clicks on the planning
# page: reading 10,000 requests takes most of a second, planning them a few hundredths. Keyed
# on the newest audit row: every write to the data goes through an action that writes one
# (DESIGN.md, "One path for every write"), so a request made, changed or withdrawn, a person's
# vulnerability or status changed, a passenger boarded or arrived, all move it. Ages are
# counted on the day, so the day is in the key too.
_WAITLISTS: dict[tuple[object, ...], tuple[object, dict[str, rules.Request]]] = {}
_WAITLISTS_KEPT = 8


def _site_waitlist(site_id: uuid.UUID, now: datetime) -> dict[str, rules.Request]:
    """The waiting requests of a site, without the people no longer in the town."""
    marker = AuditEvent.objects.order_by("-at", "-id").values_list("at", "id").first()
    key = (connection.settings_dict["NAME"], site_id, kyiv_day(now))
    kept = _WAITLISTS.get(key)
    if kept is not None and kept[0] == marker:
        return kept[1]
    waiting = EvacuationRequest.objects.waiting().filter(site=site_id)
    found = load_rules(waiting, now, present_only=True)
    if len(_WAITLISTS) >= _WAITLISTS_KEPT:
        _WAITLISTS.clear()
    _WAITLISTS[key] = (marker, found)
    return found


def _candidates(trip: Trip, now: datetime, manifest: dict[str, set[str]]) -> list[rules.Request]:
    """The waitlist of the trip's site as the planner sees it: a request on the manifest with
    exactly its people there; the others without anyone already on some trip or who did not
    come to this one (they board late by the manifest, not through the plan)."""
    busy = {
        str(p)
        for p in Passenger.objects.filter(
            Q(status__in=ON_TRIP) | Q(trip=trip, status=PassengerStatus.NO_SHOW)
        ).values_list("person", flat=True)
    }
    found = []
    for rule in _site_waitlist(trip.site_id, now).values():
        on = manifest.get(rule.id)
        if on is not None:
            people = tuple(p for p in rule.passengers if p.id in on)
        else:
            people = tuple(p for p in rule.passengers if p.id not in busy)
        if not people:
            continue
        if len(people) != len(rule.passengers):
            rule = rules.Request(
                rule.id, rule.household_id, people, rule.waiting_since, rule.pets, rule.luggage,
                rule.together, rule.priority_adjustment,
            )  # fmt: skip
        found.append(rule)
    return found


def propose(
    trip: Trip, now: datetime, *, add: Sequence[str] = (), remove: Iterable[str] = ()
) -> rules.Plan:
    """The trip's plan: what is on its manifest now (in its order), the officer's additions,
    then the waitlist by priority; the officer's removals left out. Requests no longer
    waiting are ignored, so a stale form cannot put them back."""
    manifest = _manifest(trip)
    candidates = _candidates(trip, now, manifest)
    known = {r.id for r in candidates}
    removed = [rid for rid in dict.fromkeys(remove) if rid in known]
    fixed = [rid for rid in dict.fromkeys([*manifest, *add]) if rid in known and rid not in removed]
    return rules.plan_trip(candidates, trip.capacity(), now, fixed_in=fixed, fixed_out=removed)


def _place_labels(trip: Trip) -> dict[str, list[str]]:
    return {
        "seat": [str(n) for n in range(1, trip.seats + 1)],
        "wheelchair": [f"W{n}" for n in range(1, trip.wheelchair_spaces + 1)],
        "stretcher": [f"S{n}" for n in range(1, trip.stretcher_places + 1)],
    }


def _kind_of(needs: Iterable[str]) -> str:
    needs = set(needs)
    if rules.STRETCHER in needs:
        return "stretcher"
    if rules.WHEELCHAIR in needs:
        return "wheelchair"
    return "seat"


def _free_place(trip: Trip, kind: str) -> str:
    taken = set(trip.passengers.filter(seat__isnull=False).values_list("seat", flat=True))
    for label in _place_labels(trip)[kind]:
        if label not in taken:
            return label
    raise EvacuationError(_("No place of this kind is left on the bus."), code="full")


def _check_fits(trip: Trip, parts: Sequence[rules.Part]) -> None:
    problems = rules.check_plan(parts, trip.capacity())
    over = [p for p in problems if p.code == rules.ProblemCode.OVER_CAPACITY]
    if over:
        raise EvacuationError("; ".join(problem_text(p) for p in over), code="full")


def _put_on(trip: Trip, request: EvacuationRequest, person_ids: Iterable[str], actor: User) -> int:
    """Passenger rows with a free place each; the request's animals and luggage go with the
    first of its people put on any trip."""
    members = {str(m.person_id): m for m in request.members.all()}
    pets_placed = (
        Passenger.objects.filter(request=request, carries_pets=True)
        .exclude(status__in=[PassengerStatus.REMOVED, PassengerStatus.NO_SHOW])
        .exists()
    )
    count = 0
    for person_id in person_ids:
        member = members[person_id]
        seat = _free_place(trip, _kind_of(member.needs))
        try:
            with transaction.atomic():
                Passenger.objects.create(
                    trip=trip, request=request, person_id=member.person_id, seat=seat,
                    carries_pets=not pets_placed,
                )  # fmt: skip
        except IntegrityError:
            # the place or the person was taken by another officer in this instant
            raise EvacuationError(
                _("Someone else was just put on this place or trip; look again."), code="taken"
            ) from None
        pets_placed = True
        count += 1
    return count


def _take_off(passenger: Passenger, status: str) -> None:
    passenger.status = status
    passenger.seat = None
    passenger.carries_pets = False
    passenger.save(update_fields=["status", "seat", "carries_pets"])


@transaction.atomic
def do_save_plan(
    *, actor: User, trip: Trip, add: Sequence[str] = (), remove: Iterable[str] = (),
    now: datetime | None = None,
) -> rules.Plan:  # fmt: skip
    """Write the proposal (with the officer's changes) as the trip's manifest: the planned
    people no longer taken come off it, the new ones get a place. Boarded people stay."""
    trip = _lock_trip(trip)
    now = now or timezone.now()
    plan = propose(trip, now, add=add, remove=remove)
    wanted = {(t.request_id, p.id) for t in plan.taken for p in t.part.passengers}
    existing = {(str(p.request_id), str(p.person_id)): p for p in on_board(trip)}
    for key, passenger in existing.items():
        if key not in wanted and passenger.status == PassengerStatus.PLANNED:
            _take_off(passenger, PassengerStatus.REMOVED)
    requests = {
        str(r.pk): r for r in EvacuationRequest.objects.filter(
            pk__in=[t.request_id for t in plan.taken]
        ).prefetch_related("members")
    }  # fmt: skip
    added = 0
    for taken in plan.taken:
        new = [p.id for p in taken.part.passengers if (taken.request_id, p.id) not in existing]
        added += _put_on(trip, requests[taken.request_id], new, actor)
    _check_fits(trip, current_parts(trip, now))
    record_audit(
        actor=actor, action="evacuation.save_plan", obj=trip, site=trip.site, fields=["passengers"]
    )
    return plan


@transaction.atomic
def do_add_to_trip(
    *, actor: User, trip: Trip, request: EvacuationRequest,
    person_ids: Sequence[str] | None = None, now: datetime | None = None,
) -> list[Passenger]:  # fmt: skip
    """Put a waiting request (or some of its people, when it may split) on an open trip, at
    boarding as well ("call the next"): only if it fits. Two officers doing this for the last
    place at once: the trip's lock makes one wait, and it is then refused."""
    trip = _lock_trip(trip)
    now = now or timezone.now()
    request = _lock_request(request)
    if request.site_id != trip.site_id:
        raise EvacuationError(_("This request is for another site."), field="request")
    rule = to_rule(request, now)
    wanted = [p.id for p in rule.passengers] if person_ids is None else list(person_ids)
    if not wanted or not set(wanted) <= {p.id for p in rule.passengers}:
        raise EvacuationError(_("Choose people of this request."), field="people")
    if rule.together and person_ids is not None and len(set(wanted)) != len(rule.passengers):
        raise EvacuationError(
            _("This household travels together: put all of them on, or none."), field="people"
        )
    gone = Person.objects.filter(pk__in=wanted).exclude(status=PersonStatus.PRESENT).first()
    if gone is not None:
        raise EvacuationError(
            _("%(person)s is not in the town (%(status)s).")
            % {"person": gone, "status": gone.get_status_display()},
            field="people", code="not_present",
        )  # fmt: skip
    busy = Passenger.objects.filter(status__in=ON_TRIP, person__in=wanted).select_related("trip")
    for passenger in busy:
        raise EvacuationError(
            _("%(person)s is already on the trip of %(trip)s.")
            % {"person": passenger.person, "trip": passenger.trip},
            code="on_trip",
        )
    parts = [*current_parts(trip, now), rules.Part.of(rule, wanted)]
    _check_fits(trip, parts)
    _put_on(trip, request, [p for p in (x.id for x in rule.passengers) if p in wanted], actor)
    record_audit(
        actor=actor, action="evacuation.add_to_trip", obj=trip, site=trip.site,
        fields=["passengers"],
    )  # fmt: skip
    return list(trip.passengers.filter(request=request, person__in=wanted, status__in=ON_TRIP))


@transaction.atomic
def do_remove_from_trip(*, actor: User, passenger: Passenger) -> Passenger:
    """Taken off the manifest before boarding: the place is free, the person waits again."""
    return _leave_off(
        actor, passenger, PassengerStatus.REMOVED, "evacuation.remove_passenger",
        _("Only someone not yet boarded can be taken off the manifest."),
    )  # fmt: skip


def _leave_off(
    actor: User, passenger: Passenger, status: str, action: str, refusal: str
) -> Passenger:
    trip = _lock_trip(passenger.trip)
    passenger = trip.passengers.select_for_update().get(pk=passenger.pk)
    if passenger.status != PassengerStatus.PLANNED:
        raise EvacuationError(refusal)
    _take_off(passenger, status)
    record_audit(
        actor=actor, action=action, obj=passenger, site=trip.site, fields=["status", "seat"]
    )
    return passenger


# -- boarding --------------------------------------------------------------------------------


def passengers_of_card(trip: Trip, raw: str) -> list[Passenger]:
    """The people of a card's household on this trip (planned, boarded, or no-show), or
    EvacuationError saying what is wrong with the card."""
    try:
        code = cardcode.normalise(raw)
    except cardcode.MalformedCode:
        raise EvacuationError(
            _("This is not a card code. Scan the card again or type its 12 characters."),
            field="card", code="malformed_card",
        ) from None  # fmt: skip
    card = Card.objects.filter(code=code).first()
    if card is None:
        raise EvacuationError(_("Unknown card."), field="card", code="unknown_card")
    if card.status != Card.Status.ACTIVE:
        raise EvacuationError(
            _("This card was revoked; the household has a newer one."), field="card",
            code="card_revoked",
        )  # fmt: skip
    found = list(
        trip.passengers.filter(person__household=card.household_id)
        .exclude(status=PassengerStatus.REMOVED)
        .select_related("person")
    )
    if not found:
        raise EvacuationError(
            _("Nobody of this household is on this trip's manifest."), field="card",
            code="not_on_manifest",
        )  # fmt: skip
    return found


def needs_declaration(person: Person, day: date) -> bool:
    """An adult confirms the civilian declaration at the door; a child does not."""
    return age_on(person.birth_date, day) >= 18


@transaction.atomic
def do_board(
    *, actor: User, passenger: Passenger, civilian_confirmed: bool, now: datetime | None = None
) -> Passenger:
    """The passenger gets on. An adult only with the civilian declaration confirmed. A
    no-show who comes after all gets a free place, if one is left: two officers boarding two
    late-comers onto the last seat at once give it to one of them."""
    trip = _lock_trip(passenger.trip)
    passenger = trip.passengers.select_for_update().select_related("person").get(pk=passenger.pk)
    now = now or timezone.now()
    if passenger.status == PassengerStatus.BOARDED:
        return passenger  # scanned twice: already on
    if passenger.status not in (PassengerStatus.PLANNED, PassengerStatus.NO_SHOW):
        raise EvacuationError(_("This person is no longer on the manifest."), code="not_planned")
    if needs_declaration(passenger.person, kyiv_day(now)) and not civilian_confirmed:
        raise EvacuationError(
            _("Confirm %(person)s's civilian declaration before boarding.")
            % {"person": passenger.person},
            field="civilian_confirmed", code="declaration_missing",
        )  # fmt: skip
    if passenger.status == PassengerStatus.NO_SHOW:
        others = Passenger.objects.filter(status__in=ON_TRIP, person=passenger.person_id)
        if others.exists():
            raise EvacuationError(_("This person is on another trip now."), code="on_trip")
        if passenger.person.status != PersonStatus.PRESENT:
            raise EvacuationError(
                _("%(person)s is not in the town (%(status)s).")
                % {"person": passenger.person, "status": passenger.person.get_status_display()},
                code="not_present",
            )  # fmt: skip
        request = EvacuationRequest.objects.prefetch_related("members").get(pk=passenger.request_id)
        parts = current_parts(trip, now)
        rule = to_rule(request, now)
        _check_fits(trip, [*parts, rules.Part.of(rule, [str(passenger.person_id)])])
        member = request.members.get(person=passenger.person_id)
        passenger.seat = _free_place(trip, _kind_of(member.needs))
    passenger.status = PassengerStatus.BOARDED
    passenger.civilian_confirmed = civilian_confirmed
    passenger.boarded_at = now
    passenger.boarded_by = actor
    try:
        with transaction.atomic():
            passenger.save(
                update_fields=["status", "seat", "civilian_confirmed", "boarded_at", "boarded_by"]
            )
    except IntegrityError:
        raise EvacuationError(
            _("Someone else was just put on this place or trip; look again."), code="taken"
        ) from None
    record_audit(
        actor=actor, action="evacuation.board", obj=passenger, site=trip.site,
        fields=["status", "seat", "civilian_confirmed", "boarded_at"],
    )  # fmt: skip
    return passenger


@transaction.atomic
def do_mark_no_show(*, actor: User, passenger: Passenger) -> Passenger:
    """Did not come: the place goes back for the next on the waitlist."""
    return _leave_off(
        actor, passenger, PassengerStatus.NO_SHOW, "evacuation.no_show",
        _("Only someone not yet boarded can be marked as not come."),
    )  # fmt: skip


def call_next(trip: Trip, now: datetime, limit: int = 10) -> list[rules.Taken]:
    """Who is next on the waitlist for the places left: the plan's proposals beyond those on
    the manifest now."""
    plan = propose(trip, now)
    return [t for t in plan.taken if not t.fixed][:limit]


@transaction.atomic
def do_depart(*, actor: User, trip: Trip, now: datetime | None = None) -> Trip:
    """The bus leaves: the manifest closes, whoever did not board is a no-show."""
    trip = _lock_trip(trip)
    if not trip.passengers.filter(status=PassengerStatus.BOARDED).exists():
        raise EvacuationError(_("Nobody has boarded: the bus cannot leave empty."), code="empty")
    for passenger in trip.passengers.filter(status=PassengerStatus.PLANNED):
        _take_off(passenger, PassengerStatus.NO_SHOW)
    trip.status = TripStatus.DEPARTED
    trip.departed_at = now or timezone.now()
    trip.save(update_fields=["status", "departed_at"])
    record_audit(
        actor=actor, action="evacuation.depart", obj=trip, site=trip.site,
        fields=["status", "departed_at"],
    )  # fmt: skip
    return trip


# -- arrival ---------------------------------------------------------------------------------


def _settle_request(request_id: uuid.UUID, now: datetime) -> None:
    """A request closes when each of its people has arrived or been accounted for."""
    request = EvacuationRequest.objects.select_for_update().get(pk=request_id)
    if request.status != RequestStatus.WAITING:
        return
    done = set(
        Passenger.objects.filter(
            request=request, status__in=[PassengerStatus.ARRIVED, PassengerStatus.RESOLVED]
        ).values_list("person", flat=True)
    )
    if set(request.members.values_list("person", flat=True)) <= done:
        request.status = RequestStatus.EVACUATED
        request.closed_at = now
        request.save(update_fields=["status", "closed_at"])


def _set_person_status(actor: User, person_id: uuid.UUID, status: str) -> None:
    person = Person.objects.get(pk=person_id)
    if person.status != status and person.status != PersonStatus.MERGED:
        person.status = status
        person.save(update_fields=["status"])
        record_audit(
            actor=actor, action="people.update_status", obj=person,
            site=person.household.site, fields=["status"],
        )  # fmt: skip


@transaction.atomic
def do_confirm_arrival(
    *, actor: User, passenger: Passenger, now: datetime | None = None
) -> Passenger:
    """The reception centre sees the passenger: arrived, evacuated in the registry, and the
    request closes once all its people are in. Also for someone unaccounted for who turns
    up later."""
    trip = Trip.objects.select_for_update().get(pk=passenger.trip_id)
    if trip.status not in (TripStatus.DEPARTED, TripStatus.ARRIVED):
        raise EvacuationError(_("This trip has not left yet."), code="not_departed")
    passenger = trip.passengers.select_for_update().get(pk=passenger.pk)
    now = now or timezone.now()
    if passenger.status == PassengerStatus.ARRIVED:
        return passenger
    if passenger.status not in (PassengerStatus.BOARDED, PassengerStatus.UNACCOUNTED):
        raise EvacuationError(_("This person did not travel on this bus."), code="not_boarded")
    passenger.status = PassengerStatus.ARRIVED
    passenger.arrived_at = now
    passenger.arrived_by = actor
    passenger.save(update_fields=["status", "arrived_at", "arrived_by"])
    _set_person_status(actor, passenger.person_id, PersonStatus.EVACUATED)
    _settle_request(passenger.request_id, now)
    record_audit(
        actor=actor, action="evacuation.confirm_arrival", obj=passenger, site=trip.site,
        fields=["status", "arrived_at"],
    )  # fmt: skip
    return passenger


@transaction.atomic
def do_close_arrival(*, actor: User, trip: Trip, now: datetime | None = None) -> Trip:
    """The reception centre has checked everyone it saw: whoever boarded and was not
    confirmed is unaccounted for, on the coordinator's dashboard until resolved."""
    trip = _lock_trip(trip, status=TripStatus.DEPARTED)
    now = now or timezone.now()
    trip.passengers.filter(status=PassengerStatus.BOARDED).update(
        status=PassengerStatus.UNACCOUNTED
    )
    trip.status = TripStatus.ARRIVED
    trip.arrived_at = now
    trip.save(update_fields=["status", "arrived_at"])
    record_audit(
        actor=actor, action="evacuation.close_arrival", obj=trip, site=trip.site,
        fields=["status", "arrived_at"],
    )  # fmt: skip
    return trip


# where the registry records a person accounted for otherwise
RESOLUTION_STATUS = {
    Resolution.LEFT_EN_ROUTE: PersonStatus.LEFT,
    Resolution.HOSPITAL: PersonStatus.LEFT,
    Resolution.OTHER_TRANSPORT: PersonStatus.LEFT,
    Resolution.RETURNED: PersonStatus.PRESENT,
    Resolution.DECEASED: PersonStatus.DECEASED,
    Resolution.OTHER: PersonStatus.MISSING,
}


@transaction.atomic
def do_resolve_passenger(
    *, actor: User, passenger: Passenger, resolution: str, place: str = "", note: str = "",
    now: datetime | None = None,
) -> Passenger:  # fmt: skip
    """A coordinator accounts for someone who did not arrive: where they are and why."""
    passenger = Passenger.objects.select_for_update().get(pk=passenger.pk)
    if passenger.status != PassengerStatus.UNACCOUNTED:
        raise EvacuationError(_("This passenger is not unaccounted for."), code="not_unaccounted")
    if resolution not in Resolution.values:
        raise EvacuationError(_("Choose what happened."), field="resolution")
    if resolution in (Resolution.LEFT_EN_ROUTE, Resolution.HOSPITAL) and not place.strip():
        raise EvacuationError(_("Name the place."), field="place")
    if resolution == Resolution.OTHER and not note.strip():
        raise EvacuationError(_("Say what happened in the note."), field="note")
    now = now or timezone.now()
    passenger.status = PassengerStatus.RESOLVED
    passenger.resolution = resolution
    passenger.resolution_place = place.strip()
    passenger.resolution_note = note.strip()
    passenger.resolved_at = now
    passenger.resolved_by = actor
    passenger.save()
    _set_person_status(actor, passenger.person_id, RESOLUTION_STATUS[Resolution(resolution)])
    _settle_request(passenger.request_id, now)
    record_audit(
        actor=actor, action="evacuation.resolve_passenger", obj=passenger,
        site=passenger.trip.site,
        fields=["status", "resolution", "resolution_place", "resolution_note"],
    )  # fmt: skip
    return passenger


# -- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    planned: int
    boarded: int
    arrived: int
    unaccounted: int
    resolved: int
    on_the_road: int
    no_show: int


def summary(trip: Trip) -> Summary:
    counts: dict[str, int] = {}
    for status in trip.passengers.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return Summary(
        planned=counts.get(PassengerStatus.PLANNED, 0),
        boarded=sum(counts.get(s, 0) for s in BOARDED),
        arrived=counts.get(PassengerStatus.ARRIVED, 0),
        unaccounted=counts.get(PassengerStatus.UNACCOUNTED, 0),
        resolved=counts.get(PassengerStatus.RESOLVED, 0),
        on_the_road=counts.get(PassengerStatus.BOARDED, 0),
        no_show=counts.get(PassengerStatus.NO_SHOW, 0),
    )
