"""The evacuation over JSON: requests and the waitlist, vehicles and reception centres, trips
and their plans, boarding at the bus and arrival at the reception centre.

Who may do what, as on the pages: a registrar makes, changes and withdraws the requests of
their sites; an evacuation officer does that too, and plans, boards and sends off the trips
leaving from their sites; a reception centre sees the trips coming to it once they have left,
confirms who arrived and closes the arrival; a coordinator does everything everywhere, and
alone adjusts a priority and accounts for someone unaccounted for. An auditor reads the trips'
counts, the vehicles and the centres, never a person. Anything outside what a user may see is
404; a role that may not do something is 403. Every write takes an `Idempotency-Key`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal, cast

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.params import functions as param_functions

from hromada.core.api import (
    NO_NUL,
    SOME_TEXT,
    Error,
    Invalid,
    Refusal,
    answer_once,
    idempotency_key,
    invalid_fields,
)
from hromada.core.models import AuditEvent, Site, User
from hromada.evacuation.actions import (
    EvacuationError,
    MemberNeeds,
    PetData,
    Places,
    RequestData,
    call_next,
    do_add_to_trip,
    do_adjust_priority,
    do_board,
    do_cancel_trip,
    do_close_arrival,
    do_confirm_arrival,
    do_create_request,
    do_create_trip,
    do_depart,
    do_mark_no_show,
    do_remove_from_trip,
    do_resolve_passenger,
    do_save_plan,
    do_save_vehicle,
    do_update_request,
    do_withdraw_request,
    load_rules,
    needs_declaration,
    passengers_of_card,
    propose,
    summary,
    to_rule,
    waitlist,
    with_people,
)
from hromada.evacuation.models import (
    BOARDED,
    EvacuationRequest,
    Need,
    Passenger,
    PassengerStatus,
    ReceptionCentre,
    RequestMember,
    RequestStatus,
    Resolution,
    Species,
    Trip,
    TripStatus,
    Vehicle,
    VehicleKind,
    households_for_requests,
)
from hromada.evacuation.texts import left_out_text, reason_text, shortage_text
from hromada.lib import evacuation as rules
from hromada.lib.periods import KYIV, kyiv_day
from hromada.people.models import Household, Person

router = Router(tags=["evacuation"])

REQUESTERS = ("coordinator", "registrar", "evacuation")
PLANNERS = ("coordinator", "evacuation")
RECEIVERS = ("coordinator", "reception")
TRIP_READERS = ("coordinator", "evacuation", "reception")
# a trip's counts, a vehicle, a centre: no person in them
COUNT_READERS = (*TRIP_READERS, "auditor")
LIMIT = param_functions.Query(500, ge=1, le=5000)


def _user(request: HttpRequest, *roles: str) -> User:
    user = cast(User, request.user)
    if not user.has_role(*roles):
        raise Refusal(403, "forbidden", _("Your role may not do this in the evacuation."))
    return user


# How a refusal of the evacuation's rules answers when its code decides; otherwise one naming
# a field is bad input (422) and the rest conflict with the state (409): a trip closed or full,
# a place just taken, a person on another trip.
REFUSAL_STATUS: dict[str, int] = {
    "unknown_card": 404,
    "card_revoked": 409,
    "not_on_manifest": 409,
}


def _refused(error: EvacuationError, **extra: Any) -> Refusal:
    status = REFUSAL_STATUS.get(error.code, 422 if error.field else 409)
    if error.field:
        extra = {"fields": [error.field], "errors": {error.field: [error.message]}, **extra}
    code = "invalid" if error.code == "refused" and status == 422 else error.code
    return Refusal(status, code, error.message, **extra)


def _once(user: User, request: HttpRequest, status: int,
          write: Callable[[], dict[str, Any]]) -> Status[Any]:  # fmt: skip
    """Run `write` once per Idempotency-Key (core.api.answer_once) and answer `status` with
    what it returns; a refusal of the rules wrote nothing and is not remembered."""

    def written() -> tuple[int, dict[str, Any]]:
        try:
            return status, write()
        except EvacuationError as error:
            raise _refused(error) from None

    return answer_once(user=user, key=idempotency_key(request), write=written)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _aware(moment: datetime, field: str) -> datetime:
    """A time sent without its zone is Kyiv's; one outside these years is a typo (and near the
    ends of the calendar could not even be moved to UTC)."""
    if moment.year not in range(2000, 2101):
        message = _("A date between the years 2000 and 2100, please.")
        raise Refusal(422, "invalid", message, fields=[field], errors={field: [message]})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, KYIV)


# ---------------------------------------------------------------------------------------------
# What a user may see


def _get_request_for_user(user: User, pk: uuid.UUID) -> EvacuationRequest:
    found = EvacuationRequest.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Refusal(404, "not_found", _("No such evacuation request."))
    return found


def _trips_for(user: User) -> QuerySet[Trip]:
    return Trip.objects.visible_to(user).select_related("site", "vehicle", "destination__site")


def _get_trip_for_user(user: User, pk: uuid.UUID) -> Trip:
    trip = _trips_for(user).filter(pk=pk).first()
    if trip is None:
        raise Refusal(404, "not_found", _("No such trip."))
    return trip


def _get_passenger_for_user(user: User, pk: uuid.UUID) -> Passenger:
    passenger = (
        Passenger.objects.visible_to(user).select_related("trip", "person").filter(pk=pk).first()
    )
    if passenger is None:
        raise Refusal(404, "not_found", _("No such passenger."))
    return passenger


# ---------------------------------------------------------------------------------------------
# Requests


class EvacuationMemberIn(Schema):
    person: uuid.UUID
    needs: list[Need] = Field([], max_length=5)


class EvacuationPetIn(Schema):
    species: Species
    count: int = Field(1, ge=1, le=20)
    in_carrier: bool = True
    large: bool = Field(False, description="cannot ride on a lap: takes a pet place or a seat")


class EvacuationRequestIn(Schema):
    household: uuid.UUID
    members: list[EvacuationMemberIn] = Field(
        min_length=1, max_length=50, description="the people who travel, in the household's order"
    )
    pets: list[EvacuationPetIn] = Field([], max_length=20)
    luggage: int = Field(0, ge=0, le=20, description="pieces")
    phone: str = Field("", max_length=40, pattern=NO_NUL)
    destination: str = Field("", max_length=200, pattern=NO_NUL)
    together: bool = Field(True, description="the household travels together")
    without_shelter: bool = Field(False, description="displaced, without shelter here")
    civilian_declared: bool = False
    notes: str = Field("", max_length=2000, pattern=NO_NUL)


class EvacuationRequestPatch(Schema):
    """Only what is sent changes; `members` and `pets`, when sent, are the whole new list."""

    members: list[EvacuationMemberIn] | None = Field(None, min_length=1, max_length=50)
    pets: list[EvacuationPetIn] | None = Field(None, max_length=20)
    luggage: int | None = Field(None, ge=0, le=20)
    phone: str | None = Field(None, max_length=40, pattern=NO_NUL)
    destination: str | None = Field(None, max_length=200, pattern=NO_NUL)
    together: bool | None = None
    without_shelter: bool | None = None
    civilian_declared: bool | None = None
    notes: str | None = Field(None, max_length=2000, pattern=NO_NUL)


class EvacuationMemberOut(Schema):
    person: uuid.UUID
    name: str
    birth_year: int
    needs: list[str]


class EvacuationPetOut(Schema):
    species: str
    count: int
    in_carrier: bool
    large: bool


class EvacuationReasonOut(Schema):
    code: str
    points: int
    people: int  # persons of the request it counts for; 0 for the request's own reasons
    text: str  # "aged 75 or more ×2: +40", in the language asked for


class EvacuationRequestOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    household: uuid.UUID
    status: RequestStatus
    members: list[EvacuationMemberOut]
    pets: list[EvacuationPetOut]
    luggage: int
    phone: str  # E.164
    destination: str
    together: bool
    without_shelter: bool
    civilian_declared: bool
    notes: str
    priority_adjustment: int
    adjustment_reason: str
    score: int
    reasons: list[EvacuationReasonOut]
    waiting_since: datetime
    closed_at: datetime | None


class EvacuationHistoryOut(Schema):
    at: datetime
    actor: str  # username
    action: str
    fields: list[str]  # which fields changed, never what they held


class EvacuationRequestDetailOut(EvacuationRequestOut):
    history: list[EvacuationHistoryOut]


def _reasons(priority: rules.Priority) -> list[dict[str, Any]]:
    return [
        {"code": str(r.code), "points": r.points, "people": r.people, "text": reason_text(r)}
        for r in priority.reasons
    ]


def _member(person: Person, needs: Iterable[str]) -> dict[str, Any]:
    return {
        "person": str(person.pk),
        "name": str(person),
        "birth_year": person.birth_date.year,
        "needs": sorted(needs),
    }


def _request(
    found: EvacuationRequest, now: datetime, rule: rules.Request | None = None
) -> dict[str, Any]:
    """A request fetched `with_people`, as JSON text (an idempotent answer is stored as sent);
    `rule`: its planner's view, when already read with others (`load_rules`)."""
    priority = rules.priority(rule or to_rule(found, now), now)
    return {
        "id": str(found.pk),
        "site": str(found.site_id),
        "household": str(found.household_id),
        "status": found.status,
        "members": [_member(m.person, m.needs) for m in found.members.all()],
        "pets": [
            {"species": p.species, "count": p.count, "in_carrier": p.in_carrier, "large": p.large}
            for p in found.pets.all()
        ],  # fmt: skip
        "luggage": found.luggage,
        "phone": found.phone,
        "destination": found.destination,
        "together": found.together,
        "without_shelter": found.without_shelter,
        "civilian_declared": found.civilian_declared,
        "notes": found.notes,
        "priority_adjustment": found.priority_adjustment,
        "adjustment_reason": found.adjustment_reason,
        "score": priority.score,
        "reasons": _reasons(priority),
        "waiting_since": found.waiting_since.isoformat(),
        "closed_at": _iso(found.closed_at),
    }


def _history(found: EvacuationRequest) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        object_type=EvacuationRequest._meta.label_lower, object_id=str(found.pk)
    ).select_related("actor")
    return [
        {
            "at": event.at.isoformat(),
            "actor": event.actor.username if event.actor else "",
            "action": event.action,
            "fields": list(event.fields),
        }
        for event in events.order_by("at")
    ]


def _request_detail(pk: uuid.UUID) -> dict[str, Any]:
    found = with_people(EvacuationRequest.objects.filter(pk=pk)).get()
    return {**_request(found, timezone.now()), "history": _history(found)}


def _request_data(
    household: Household,
    members: Sequence[EvacuationMemberIn],
    pets: Sequence[EvacuationPetIn],
    **fields: Any,
) -> RequestData:
    """The action's input from the JSON's: a person named must be of the household."""
    people = {p.pk: p for p in household.members.all()}
    wrong = [f"members.{i}.person" for i, m in enumerate(members) if m.person not in people]
    if wrong:
        raise invalid_fields(*wrong)
    return RequestData(
        members=[
            MemberNeeds(people[m.person], frozenset(str(n) for n in m.needs)) for m in members
        ],
        pets=[PetData(str(p.species), p.count, p.in_carrier, p.large) for p in pets],
        **fields,
    )


REQUEST_READ = {
    200: EvacuationRequestDetailOut, 401: Error, 403: Error, 404: Error, 422: Invalid,
}  # fmt: skip
REQUEST_WRITTEN = {
    200: EvacuationRequestDetailOut, 201: EvacuationRequestDetailOut, 401: Error, 403: Error,
    404: Error, 409: Error, 422: Invalid,
}  # fmt: skip


@router.get(
    "/requests", response={200: list[EvacuationRequestOut], 401: Error, 403: Error, 422: Invalid}
)
def requests(
    request: HttpRequest,
    status: RequestStatus | None = None,
    site: uuid.UUID | None = None,
    limit: int = LIMIT,
) -> Any:
    """The requests of the sites the user covers, oldest first (`status=waiting`: those still
    waiting)."""
    user = _user(request, *REQUESTERS)
    found = EvacuationRequest.objects.visible_to(user)
    if status is not None:
        found = found.filter(status=status)
    if site is not None:
        found = found.filter(site=site)
    now = timezone.now()
    page = list(with_people(found.order_by("waiting_since", "pk")[:limit]))
    planned = load_rules(EvacuationRequest.objects.filter(pk__in=[r.pk for r in page]), now)
    return [_request(r, now, planned.get(str(r.pk))) for r in page]


@router.post("/requests", response=REQUEST_WRITTEN)
def request_create(request: HttpRequest, payload: EvacuationRequestIn) -> Any:
    """A household, or some of its members, asks to leave: with their needs, animals, luggage,
    a phone and the civilian declaration. A person already on another waiting request, a
    phone that cannot be called: 422 naming the field."""
    user = _user(request, *REQUESTERS)
    household = households_for_requests(user).filter(pk=payload.household).first()
    if household is None:
        raise Refusal(404, "not_found", _("No such household."))
    data = _request_data(
        household, payload.members, payload.pets, luggage=payload.luggage, phone=payload.phone,
        destination=payload.destination, together=payload.together,
        without_shelter=payload.without_shelter, civilian_declared=payload.civilian_declared,
        notes=payload.notes,
    )  # fmt: skip

    def write() -> dict[str, Any]:
        created = do_create_request(actor=user, household=household, data=data)
        return _request_detail(created.pk)

    return _once(user, request, 201, write)


@router.get("/requests/{id}", response=REQUEST_READ)
def request_detail(request: HttpRequest, id: uuid.UUID) -> Any:
    """A request with its people, needs and animals, its priority with the reasons, and its
    history: who changed which fields when (never what they held)."""
    user = _user(request, *REQUESTERS)
    return _request_detail(_get_request_for_user(user, id).pk)


@router.patch("/requests/{id}", response=REQUEST_WRITTEN)
def request_update(request: HttpRequest, id: uuid.UUID, payload: EvacuationRequestPatch) -> Any:
    """Change a waiting request. Closed, or someone of it boarded already: 409. A person taken
    off the request comes off a trip still being planned too."""
    user = _user(request, *REQUESTERS)
    found = with_people(
        EvacuationRequest.objects.filter(pk=_get_request_for_user(user, id).pk)
    ).get()
    # null is "as it is", like a field left out
    sent = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    members = payload.members
    if members is None:
        members = [
            EvacuationMemberIn(person=m.person_id, needs=m.needs) for m in found.members.all()
        ]
    pets = payload.pets
    if pets is None:
        pets = [
            EvacuationPetIn(species=Species(p.species), count=p.count, in_carrier=p.in_carrier,
                            large=p.large)
            for p in found.pets.all()
        ]  # fmt: skip
    fields = {name: sent.get(name, getattr(found, name)) for name in RequestData.FIELDS}
    data = _request_data(found.household, members, pets, **fields)

    def write() -> dict[str, Any]:
        do_update_request(actor=user, request=found, data=data)
        return _request_detail(found.pk)

    return _once(user, request, 200, write)


@router.post("/requests/{id}/withdraw", response=REQUEST_WRITTEN)
def request_withdraw(request: HttpRequest, id: uuid.UUID) -> Any:
    """The household no longer wants to leave: its people still on a manifest being planned
    come off it. Someone already on the bus: 409."""
    user = _user(request, *REQUESTERS)
    found = _get_request_for_user(user, id)

    def write() -> dict[str, Any]:
        do_withdraw_request(actor=user, request=found)
        return _request_detail(found.pk)

    return _once(user, request, 200, write)


class EvacuationPriorityIn(Schema):
    adjustment: int = Field(ge=-100, le=100, description="points added to the rules' own")
    reason: str = Field("", max_length=300, pattern=NO_NUL, description="required unless 0")


@router.post("/requests/{id}/priority", response=REQUEST_WRITTEN)
def request_priority(request: HttpRequest, id: uuid.UUID, payload: EvacuationPriorityIn) -> Any:
    """The coordinator's + or − on a request's priority, with the reason the waitlist shows."""
    user = _user(request, "coordinator")
    found = _get_request_for_user(user, id)

    def write() -> dict[str, Any]:
        do_adjust_priority(
            actor=user, request=found, adjustment=payload.adjustment, reason=payload.reason
        )
        return _request_detail(found.pk)

    return _once(user, request, 200, write)


# ---------------------------------------------------------------------------------------------
# The waitlist


class EvacuationWaitlistEntryOut(Schema):
    rank: int
    request: uuid.UUID
    household: uuid.UUID
    site: uuid.UUID
    members: list[EvacuationMemberOut]
    pets: int  # animals
    luggage: int
    together: bool
    waiting_since: datetime
    score: int
    reasons: list[EvacuationReasonOut]


@router.get(
    "/waitlist",
    response={200: list[EvacuationWaitlistEntryOut], 401: Error, 403: Error, 422: Invalid},
)
def waitlist_entries(
    request: HttpRequest, site: uuid.UUID | None = None, limit: int = LIMIT
) -> Any:
    """The waiting requests the user may see in priority order, each with the reasons of its
    place (they add up to `score`)."""
    user = _user(request, *REQUESTERS)
    found = EvacuationRequest.objects.visible_to(user)
    if site is not None:
        found = found.filter(site=site)
    ranked = waitlist(found, timezone.now())[:limit]
    return [
        {
            "rank": n,
            "request": str(r.pk),
            "household": str(r.household_id),
            "site": str(r.site_id),
            "members": [_member(m.person, m.needs) for m in r.members.all()],
            "pets": sum(p.count for p in r.pets.all()),
            "luggage": r.luggage,
            "together": r.together,
            "waiting_since": r.waiting_since.isoformat(),
            "score": priority.score,
            "reasons": _reasons(priority),
        }
        for n, (r, priority) in enumerate(ranked, start=1)
    ]


# ---------------------------------------------------------------------------------------------
# Vehicles and reception centres


class EvacuationCapacityOut(Schema):
    seats: int
    wheelchair_spaces: int
    stretcher_places: int
    pet_places: int
    luggage: int


class EvacuationVehicleIn(Schema):
    kind: VehicleKind
    name: str = Field(min_length=1, max_length=100, pattern=SOME_TEXT, description="or plate")
    seats: int = Field(ge=0, le=120)
    wheelchair_spaces: int = Field(0, ge=0, le=120)
    stretcher_places: int = Field(0, ge=0, le=120)
    pet_places: int = Field(0, ge=0, le=120, description="large animals, carriers off a lap")
    luggage: int = Field(0, ge=0, le=120, description="pieces")
    active: bool = True


class EvacuationVehicleOut(EvacuationCapacityOut):
    id: uuid.UUID
    kind: VehicleKind
    name: str
    active: bool


def _capacity(places: Vehicle | Trip | rules.Capacity) -> dict[str, int]:
    return {name: getattr(places, name) for name in Places.NAMES}


def _vehicle(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "id": str(vehicle.pk), "kind": vehicle.kind, "name": vehicle.name,
        "active": vehicle.active, **_capacity(vehicle),
    }  # fmt: skip


@router.get("/vehicles", response={200: list[EvacuationVehicleOut], 401: Error, 403: Error})
def vehicles(request: HttpRequest) -> Any:
    """Every vehicle with its places, in service or not."""
    _user(request, "coordinator", "evacuation", "auditor")
    return [_vehicle(v) for v in Vehicle.objects.all()]


@router.post(
    "/vehicles",
    response={201: EvacuationVehicleOut, 401: Error, 403: Error, 409: Error, 422: Invalid},
)
def vehicle_create(request: HttpRequest, payload: EvacuationVehicleIn) -> Any:
    """A bus, minibus or ambulance with its seats, wheelchair spaces, stretcher places, places
    for animals and luggage. A trip keeps its own copy of them."""
    user = _user(request, *PLANNERS)
    places = Places(
        seats=payload.seats, wheelchair_spaces=payload.wheelchair_spaces,
        stretcher_places=payload.stretcher_places, pet_places=payload.pet_places,
        luggage=payload.luggage,
    )  # fmt: skip

    def write() -> dict[str, Any]:
        vehicle = do_save_vehicle(
            actor=user, kind=str(payload.kind), name=payload.name, places=places,
            active=payload.active,
        )  # fmt: skip
        return _vehicle(vehicle)

    return _once(user, request, 201, write)


class EvacuationCentreOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    name: str
    city: str
    address: str


@router.get("/centres", response={200: list[EvacuationCentreOut], 401: Error, 403: Error})
def centres(request: HttpRequest) -> Any:
    """The reception centres trips go to."""
    _user(request, *COUNT_READERS, "registrar")
    return [
        {"id": str(c.pk), "site": str(c.site_id), "name": c.site.name, "city": c.city,
         "address": c.address}
        for c in ReceptionCentre.objects.select_related("site")
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Trips


class EvacuationSummaryOut(Schema):
    planned: int
    boarded: int  # got on the bus: arrived + unaccounted + resolved + on_the_road
    arrived: int
    unaccounted: int
    resolved: int
    on_the_road: int
    no_show: int


class TripOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    site_name: str
    vehicle: uuid.UUID
    vehicle_name: str
    departure_point: str
    departs_at: datetime
    destination: uuid.UUID  # the reception centre
    destination_name: str
    destination_city: str
    driver: str
    escort: str
    status: TripStatus
    departed_at: datetime | None
    arrived_at: datetime | None
    capacity: EvacuationCapacityOut
    summary: EvacuationSummaryOut


class TripPassengerOut(Schema):
    id: uuid.UUID
    trip: uuid.UUID
    request: uuid.UUID
    person: uuid.UUID
    name: str
    birth_year: int
    seat: str | None  # "12" a seat, "W1" a wheelchair space, "S1" a stretcher place
    status: PassengerStatus
    needs: list[str]
    carries_pets: bool  # the request's animals and luggage travel with this passenger
    needs_declaration: bool  # an adult: confirms the civilian declaration at boarding
    civilian_confirmed: bool
    boarded_at: datetime | None
    arrived_at: datetime | None
    resolution: Resolution | Literal[""]
    resolution_place: str
    resolution_note: str


class TripDetailOut(TripOut):
    passengers: list[TripPassengerOut]  # everyone but those taken off the manifest


def _summary(counts: dict[str, int]) -> dict[str, int]:
    """As actions.summary, from the counts per status of one trip."""
    return {
        "planned": counts.get(PassengerStatus.PLANNED, 0),
        "boarded": sum(counts.get(s, 0) for s in BOARDED),
        "arrived": counts.get(PassengerStatus.ARRIVED, 0),
        "unaccounted": counts.get(PassengerStatus.UNACCOUNTED, 0),
        "resolved": counts.get(PassengerStatus.RESOLVED, 0),
        "on_the_road": counts.get(PassengerStatus.BOARDED, 0),
        "no_show": counts.get(PassengerStatus.NO_SHOW, 0),
    }


def _trip(trip: Trip, counts: dict[str, int]) -> dict[str, Any]:
    """A trip with `counts` as its summary, as JSON text."""
    return {
        "id": str(trip.pk),
        "site": str(trip.site_id),
        "site_name": trip.site.name,
        "vehicle": str(trip.vehicle_id),
        "vehicle_name": trip.vehicle.name,
        "departure_point": trip.departure_point,
        "departs_at": trip.departs_at.isoformat(),
        "destination": str(trip.destination_id),
        "destination_name": trip.destination.site.name,
        "destination_city": trip.destination.city,
        "driver": trip.driver,
        "escort": trip.escort,
        "status": trip.status,
        "departed_at": _iso(trip.departed_at),
        "arrived_at": _iso(trip.arrived_at),
        "capacity": _capacity(trip),
        "summary": counts,
    }


def _needs_of(passengers: Sequence[Passenger]) -> dict[tuple[uuid.UUID, uuid.UUID], list[str]]:
    """(request, person) -> the needs the request gives for that person, in one query."""
    rows = RequestMember.objects.filter(request__in={p.request_id for p in passengers}).values_list(
        "request", "person", "needs"
    )
    return {(request_id, person_id): list(needs) for request_id, person_id, needs in rows}


def _passengers(passengers: Sequence[Passenger]) -> list[dict[str, Any]]:
    needs = _needs_of(passengers)
    today = kyiv_day(timezone.now())
    return [
        {
            "id": str(p.pk),
            "trip": str(p.trip_id),
            "request": str(p.request_id),
            "person": str(p.person_id),
            "name": str(p.person),
            "birth_year": p.person.birth_date.year,
            "seat": p.seat,
            "status": p.status,
            "needs": sorted(needs.get((p.request_id, p.person_id), [])),
            "carries_pets": p.carries_pets,
            "needs_declaration": needs_declaration(p.person, today),
            "civilian_confirmed": p.civilian_confirmed,
            "boarded_at": _iso(p.boarded_at),
            "arrived_at": _iso(p.arrived_at),
            "resolution": p.resolution,
            "resolution_place": p.resolution_place,
            "resolution_note": p.resolution_note,
        }
        for p in passengers
    ]


def _passenger(passenger: Passenger) -> dict[str, Any]:
    fresh = Passenger.objects.select_related("person").get(pk=passenger.pk)
    return _passengers([fresh])[0]


def _trip_detail(pk: uuid.UUID) -> dict[str, Any]:
    trip = Trip.objects.select_related("site", "vehicle", "destination__site").get(pk=pk)
    found = list(
        trip.passengers.exclude(status=PassengerStatus.REMOVED)
        .select_related("person")
        .order_by("created_at", "pk")
    )
    return {**_trip(trip, asdict(summary(trip))), "passengers": _passengers(found)}


TRIP_ANSWERS = {
    200: TripDetailOut, 201: TripDetailOut, 401: Error, 403: Error, 404: Error, 409: Error,
    422: Invalid,
}  # fmt: skip


@router.get("/trips", response={200: list[TripOut], 401: Error, 403: Error, 422: Invalid})
def trips(
    request: HttpRequest,
    status: TripStatus | None = None,
    site: uuid.UUID | None = None,
    limit: int = LIMIT,
) -> Any:
    """The trips the user may see, newest departure first, with their places and counts (no
    names): an officer's leaving from their sites, a reception centre's coming to it once they
    have left, all of them for a coordinator or an auditor."""
    user = _user(request, *COUNT_READERS)
    found = _trips_for(user)
    if status is not None:
        found = found.filter(status=status)
    if site is not None:
        found = found.filter(site=site)
    rows = list(found.order_by("-departs_at", "pk")[:limit])
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for trip_id, status_, n in (
        Passenger.objects.filter(trip__in=rows)
        .values_list("trip", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(trip_id, {})[status_] = n
    return [_trip(t, _summary(counts.get(t.pk, {}))) for t in rows]


class TripIn(Schema):
    site: uuid.UUID | None = Field(
        None, description="where it leaves from; may be left out by an officer of one site"
    )
    vehicle: uuid.UUID
    departure_point: str = Field(min_length=1, max_length=200, pattern=SOME_TEXT)
    departs_at: datetime = Field(description="ISO 8601; without an offset: Kyiv")
    destination: uuid.UUID = Field(description="the reception centre")
    driver: str = Field(min_length=1, max_length=150, pattern=SOME_TEXT)
    escort: str = Field("", max_length=150, pattern=NO_NUL)


@router.post("/trips", response=TRIP_ANSWERS)
def trip_create(request: HttpRequest, payload: TripIn) -> Any:
    """A trip of a vehicle from a site to a reception centre, with its driver and escort; it
    takes a copy of the vehicle's places."""
    user = _user(request, *PLANNERS)
    sites = Site.objects.all() if user.has_role("coordinator") else user.sites.all()
    if payload.site is None:
        site = sites.first() if sites.count() == 1 else None
    else:
        site = sites.filter(pk=payload.site).first()
    vehicle = Vehicle.objects.filter(pk=payload.vehicle).first()
    centre = ReceptionCentre.objects.filter(pk=payload.destination).first()
    wrong = [name for name, found in (("site", site), ("vehicle", vehicle),
                                      ("destination", centre)) if found is None]  # fmt: skip
    if wrong:
        raise invalid_fields(*wrong)
    assert site is not None and vehicle is not None and centre is not None  # noqa: S101 (above)
    departs_at = _aware(payload.departs_at, "departs_at")

    def write() -> dict[str, Any]:
        trip = do_create_trip(
            actor=user, site=site, vehicle=vehicle, departure_point=payload.departure_point,
            departs_at=departs_at, destination=centre, driver=payload.driver,
            escort=payload.escort,
        )  # fmt: skip
        return _trip_detail(trip.pk)

    return _once(user, request, 201, write)


@router.get(
    "/trips/{id}",
    response={200: TripDetailOut, 401: Error, 403: Error, 404: Error, 422: Invalid},
)
def trip_detail(request: HttpRequest, id: uuid.UUID) -> Any:
    """A trip with its places, its counts and its manifest: each passenger's seat, status and
    needs."""
    user = _user(request, *TRIP_READERS)
    return _trip_detail(_get_trip_for_user(user, id).pk)


@router.post("/trips/{id}/cancel", response=TRIP_ANSWERS)
def trip_cancel(request: HttpRequest, id: uuid.UUID) -> Any:
    """Nobody has boarded yet: the trip is called off and everyone planned goes back to the
    waitlist."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)

    def write() -> dict[str, Any]:
        do_cancel_trip(actor=user, trip=trip)
        return _trip_detail(trip.pk)

    return _once(user, request, 200, write)


# ---------------------------------------------------------------------------------------------
# Planning


class EvacuationPartPlacesOut(Schema):
    seats: int
    wheelchair_spaces: int
    stretcher_places: int
    animals: int  # off a lap: each takes a pet place, or a seat when none is left
    luggage: int
    on_laps: int  # animals on a lap: no place


class EvacuationPersonOut(Schema):
    person: uuid.UUID
    name: str


class EvacuationTakenOut(Schema):
    request: uuid.UUID
    household: uuid.UUID
    people: list[EvacuationPersonOut]
    places: EvacuationPartPlacesOut
    score: int
    reasons: list[EvacuationReasonOut]
    fixed: bool  # on the manifest already, or added by the officer


class EvacuationShortageOut(Schema):
    kind: str  # seats, wheelchair_spaces, stretcher_places, pet_places, luggage
    needed: int
    left: int
    text: str


class EvacuationLeftOutOut(Schema):
    request: uuid.UUID
    people: list[EvacuationPersonOut]
    code: str  # removed_by_officer, household_does_not_fit, passenger_does_not_fit, ...
    shortages: list[EvacuationShortageOut]
    fixed: bool  # an officer's addition that did not fit
    text: str


class EvacuationPlanOut(Schema):
    capacity: EvacuationCapacityOut
    used: EvacuationCapacityOut
    left: EvacuationCapacityOut
    passengers: int
    taken: list[EvacuationTakenOut]
    left_out: list[EvacuationLeftOutOut]
    waiting: int  # requests not looked at: no place was left for anyone


def _people(ids: Iterable[str]) -> Callable[[Iterable[str]], list[dict[str, str]]]:
    names = {str(p.pk): str(p) for p in Person.objects.filter(pk__in=set(ids))}
    return lambda some: [{"person": i, "name": names.get(i, "")} for i in some]


def _part_places(places: rules.Places) -> dict[str, int]:
    return {
        "seats": places.seats, "wheelchair_spaces": places.wheelchair_spaces,
        "stretcher_places": places.stretcher_places, "animals": places.animals,
        "luggage": places.luggage, "on_laps": places.on_laps,
    }  # fmt: skip


def _taken(taken: Sequence[rules.Taken], people: Callable[..., list[dict[str, str]]]
           ) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {
            "request": t.request_id,
            "household": t.part.request.household_id,
            "people": people(p.id for p in t.part.passengers),
            "places": _part_places(t.places),
            "score": t.score,
            "reasons": _reasons(t.priority),
            "fixed": t.fixed,
        }
        for t in taken
    ]


def _plan(plan: rules.Plan) -> dict[str, Any]:
    people = _people(
        [
            *(p.id for p in plan.passengers),
            *(i for left in plan.left_out for i in left.passenger_ids),
        ]
    )
    return {
        "capacity": _capacity(plan.capacity),
        "used": _capacity(plan.used),
        "left": _capacity(plan.left),
        "passengers": len(plan.passengers),
        "taken": _taken(plan.taken, people),
        "left_out": [
            {
                "request": left.request_id,
                "people": people(left.passenger_ids),
                "code": str(left.code),
                "shortages": [
                    {
                        "kind": str(s.kind),
                        "needed": s.needed,
                        "left": max(0, s.left),
                        "text": shortage_text(s),
                    }
                    for s in left.shortages
                ],  # fmt: skip
                "fixed": left.fixed,
                "text": left_out_text(left),
            }
            for left in plan.left_out
        ],
        "waiting": len(plan.waiting),
    }


REQUEST_IDS = param_functions.Query([], max_length=200, description="ids of requests")


@router.get(
    "/trips/{id}/proposal",
    response={200: EvacuationPlanOut, 401: Error, 403: Error, 404: Error, 422: Invalid},
)
def trip_proposal(
    request: HttpRequest,
    id: uuid.UUID,
    add: list[uuid.UUID] = REQUEST_IDS,
    remove: list[uuid.UUID] = REQUEST_IDS,
) -> Any:
    """The trip's plan as it would be: the manifest now, the officer's additions (`add`), then
    the waitlist by priority, the officer's removals (`remove`) left out. Each request left
    out says why and which places it lacks. Writes nothing."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)
    plan = propose(trip, timezone.now(), add=[str(a) for a in add], remove=[str(r) for r in remove])
    return _plan(plan)


class EvacuationPlanIn(Schema):
    add: list[uuid.UUID] = Field([], max_length=200, description="requests the officer adds")
    remove: list[uuid.UUID] = Field([], max_length=200, description="requests taken off")


@router.post(
    "/trips/{id}/plan",
    response={200: EvacuationPlanOut, 401: Error, 403: Error, 404: Error, 409: Error,
              422: Invalid},
)  # fmt: skip
def trip_plan(request: HttpRequest, id: uuid.UUID, payload: EvacuationPlanIn) -> Any:
    """Write the proposal (with the officer's changes) as the trip's manifest: each person
    taken gets a place; planned people no longer taken come off it; boarded people stay. A
    trip that has left: 409 `closed`."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)

    def write() -> dict[str, Any]:
        plan = do_save_plan(
            actor=user, trip=trip, add=[str(a) for a in payload.add],
            remove=[str(r) for r in payload.remove],
        )  # fmt: skip
        return _plan(plan)

    return _once(user, request, 200, write)


class EvacuationAddIn(Schema):
    request: uuid.UUID
    people: list[uuid.UUID] | None = Field(
        None, max_length=50, description="some of its people, when the household may split"
    )


class TripAddedOut(TripDetailOut):
    added: list[uuid.UUID]  # the passengers just put on


@router.post(
    "/trips/{id}/passengers",
    response={201: TripAddedOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Invalid},
)
def trip_add(request: HttpRequest, id: uuid.UUID, payload: EvacuationAddIn) -> Any:
    """Put a waiting request (or some of its people) on the trip, if it fits: also at
    boarding, to call the next on the waitlist. The trip's manifest answers, with the
    passengers `added`. Does not fit: 409 `full`, naming the places lacking."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)
    found = _get_request_for_user(user, payload.request)
    people = None if payload.people is None else [str(p) for p in payload.people]

    def write() -> dict[str, Any]:
        added = do_add_to_trip(actor=user, trip=trip, request=found, person_ids=people)
        return {**_trip_detail(trip.pk), "added": [str(p.pk) for p in added]}

    return _once(user, request, 201, write)


@router.get(
    "/trips/{id}/next",
    response={200: list[EvacuationTakenOut], 401: Error, 403: Error, 404: Error, 422: Invalid},
)
def trip_next(
    request: HttpRequest, id: uuid.UUID, limit: int = param_functions.Query(10, ge=1, le=100)
) -> Any:
    """Who is next on the waitlist for the places left (after a no-show): put them on with
    `POST /trips/{id}/passengers`."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)
    proposed = call_next(trip, timezone.now(), limit=limit)
    people = _people(p.id for t in proposed for p in t.part.passengers)
    return _taken(proposed, people)


# ---------------------------------------------------------------------------------------------
# Boarding and departure


CARD = Field(None, max_length=64, description="the card code scanned: the household's people")
PASSENGER = Field(None, description="instead of `card`: one passenger picked from the manifest")


class EvacuationBoardingIn(Schema):
    card: str | None = CARD
    passenger: uuid.UUID | None = PASSENGER
    civilian_confirmed: bool | list[uuid.UUID] = Field(
        False,
        description="the adults whose civilian declaration was confirmed at the door: their "
        "person ids, or true for everyone boarding with this scan",
    )


class EvacuationArrivalIn(Schema):
    card: str | None = CARD
    passenger: uuid.UUID | None = PASSENGER


class EvacuationScanResultOut(Schema):
    passenger: uuid.UUID
    person: uuid.UUID
    name: str
    seat: str | None
    status: PassengerStatus  # after the scan
    done: bool  # boarded (or arrived) now or before
    code: str  # why not, when not done
    message: str


class EvacuationScanOut(Schema):
    trip: uuid.UUID
    done: int
    refused: int
    results: list[EvacuationScanResultOut]


class EvacuationScanRefused(Invalid):
    """Nobody of the scan was boarded (or confirmed): the first refusal, and each one's."""

    results: list[EvacuationScanResultOut] = []


SCAN_ANSWERS = {
    200: EvacuationScanOut, 401: Error, 403: Error, 404: EvacuationScanRefused,
    409: EvacuationScanRefused, 422: EvacuationScanRefused,
}  # fmt: skip


def _scanned(trip: Trip, card: str | None, passenger: uuid.UUID | None) -> list[Passenger]:
    """The passengers a scan names: a card's household on the trip, or the one picked."""
    if (card is None) == (passenger is None):
        raise Refusal(
            422, "invalid", _("Send either the card scanned or a passenger of the manifest."),
            fields=["card", "passenger"],
        )  # fmt: skip
    if passenger is None:
        try:
            return passengers_of_card(trip, str(card))
        except EvacuationError as error:
            raise _refused(error) from None
    found = trip.passengers.select_related("person").filter(pk=passenger).first()
    if found is None:
        raise Refusal(404, "not_found", _("No such passenger."))
    return [found]


def _scan(trip: Trip, passengers: Sequence[Passenger],
          act: Callable[[Passenger], Passenger]) -> dict[str, Any]:  # fmt: skip
    """`act` on each passenger in turn, each in its own savepoint: one refused (an adult
    without the declaration) does not stop the others. Nobody done: the first refusal, with
    every passenger's."""
    results: list[dict[str, Any]] = []
    first: EvacuationError | None = None
    for passenger in passengers:
        try:
            done = act(passenger)
        except EvacuationError as error:
            first = first or error
            results.append(
                {"passenger": str(passenger.pk), "person": str(passenger.person_id),
                 "name": str(passenger.person), "seat": passenger.seat,
                 "status": passenger.status, "done": False, "code": error.code,
                 "message": error.message}
            )  # fmt: skip
            continue
        results.append(
            {"passenger": str(done.pk), "person": str(done.person_id),
             "name": str(passenger.person), "seat": done.seat, "status": done.status,
             "done": True, "code": "", "message": ""}
        )  # fmt: skip
    done_count = sum(1 for r in results if r["done"])
    if first is not None and not done_count:
        raise _refused(first, results=results)
    return {
        "trip": str(trip.pk), "done": done_count, "refused": len(results) - done_count,
        "results": results,
    }  # fmt: skip


@router.post("/trips/{id}/boardings", response=SCAN_ANSWERS)
def trip_board(request: HttpRequest, id: uuid.UUID, payload: EvacuationBoardingIn) -> Any:
    """Board by card (every person of the household on the manifest) or by a passenger picked
    from it. Each adult boards only with the civilian declaration confirmed: name them in
    `civilian_confirmed` (or send true). The answer says for each passenger whether they are
    on; when nobody could board, the first refusal answers (422 `declaration_missing`, 409
    `closed` after departure, 409 `full` for a late-comer without a place), with `results`."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)
    idempotency_key(request)  # a key too long is refused before the card is looked up
    confirmed = payload.civilian_confirmed

    def declared(passenger: Passenger) -> bool:
        if isinstance(confirmed, bool):
            return confirmed
        return passenger.person_id in confirmed

    def write() -> dict[str, Any]:
        found = _scanned(trip, payload.card, payload.passenger)
        return _scan(
            trip, found,
            lambda p: do_board(actor=user, passenger=p, civilian_confirmed=declared(p)),
        )  # fmt: skip

    return _once(user, request, 200, write)


PASSENGER_ANSWERS = {
    200: TripPassengerOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Invalid,
}  # fmt: skip


@router.post("/passengers/{id}/no-show", response=PASSENGER_ANSWERS)
def passenger_no_show(request: HttpRequest, id: uuid.UUID) -> Any:
    """Did not come: the place goes back, for the next on the waitlist (`GET /trips/{id}/next`).
    Someone boarded already, or a trip that has left: 409."""
    user = _user(request, *PLANNERS)
    passenger = _get_passenger_for_user(user, id)

    def write() -> dict[str, Any]:
        return _passenger(do_mark_no_show(actor=user, passenger=passenger))

    return _once(user, request, 200, write)


@router.post("/passengers/{id}/remove", response=PASSENGER_ANSWERS)
def passenger_remove(request: HttpRequest, id: uuid.UUID) -> Any:
    """Take someone not yet boarded off the manifest (they stay on the waitlist)."""
    user = _user(request, *PLANNERS)
    passenger = _get_passenger_for_user(user, id)

    def write() -> dict[str, Any]:
        return _passenger(do_remove_from_trip(actor=user, passenger=passenger))

    return _once(user, request, 200, write)


@router.post("/trips/{id}/depart", response=TRIP_ANSWERS)
def trip_depart(request: HttpRequest, id: uuid.UUID) -> Any:
    """The bus leaves: the manifest closes, whoever did not board is a no-show, and the
    reception centre sees the trip. Nobody boarded: 409 `empty`."""
    user = _user(request, *PLANNERS)
    trip = _get_trip_for_user(user, id)

    def write() -> dict[str, Any]:
        do_depart(actor=user, trip=trip)
        return _trip_detail(trip.pk)

    return _once(user, request, 200, write)


# ---------------------------------------------------------------------------------------------
# Arrival


@router.post("/trips/{id}/arrivals", response=SCAN_ANSWERS)
def trip_arrivals(request: HttpRequest, id: uuid.UUID, payload: EvacuationArrivalIn) -> Any:
    """The reception centre confirms who arrived, by card or picked from the list: evacuated
    in the registry, and a request closes once all its people are in. Also for someone
    unaccounted for who turns up after the arrival was closed."""
    user = _user(request, *RECEIVERS)
    trip = _get_trip_for_user(user, id)
    idempotency_key(request)

    def write() -> dict[str, Any]:
        found = _scanned(trip, payload.card, payload.passenger)
        return _scan(trip, found, lambda p: do_confirm_arrival(actor=user, passenger=p))

    return _once(user, request, 200, write)


@router.post("/trips/{id}/close-arrival", response=TRIP_ANSWERS)
def trip_close_arrival(request: HttpRequest, id: uuid.UUID) -> Any:
    """Everyone seen is confirmed: whoever boarded and was not is unaccounted for, on the
    coordinator's list until resolved. A trip not on the road: 409 `closed`."""
    user = _user(request, *RECEIVERS)
    trip = _get_trip_for_user(user, id)

    def write() -> dict[str, Any]:
        do_close_arrival(actor=user, trip=trip)
        return _trip_detail(trip.pk)

    return _once(user, request, 200, write)


class EvacuationUnaccountedOut(TripPassengerOut):
    destination_city: str
    departed_at: datetime | None
    arrival_closed_at: datetime | None


@router.get(
    "/unaccounted",
    response={200: list[EvacuationUnaccountedOut], 401: Error, 403: Error, 422: Invalid},
)
def unaccounted(request: HttpRequest, limit: int = LIMIT) -> Any:
    """Everyone who boarded and was not confirmed at the other end, on the trips the user may
    see, oldest departure first, until a coordinator accounts for them."""
    user = _user(request, *TRIP_READERS)
    found = list(
        Passenger.objects.filter(
            trip__in=Trip.objects.visible_to(user), status=PassengerStatus.UNACCOUNTED
        )
        .select_related("person", "trip__destination")
        .order_by("trip__departed_at", "created_at", "pk")[:limit]
    )
    rows = _passengers(found)
    for row, passenger in zip(rows, found, strict=True):
        trip = passenger.trip
        row["destination_city"] = trip.destination.city
        row["departed_at"] = _iso(trip.departed_at)
        row["arrival_closed_at"] = _iso(trip.arrived_at)
    return rows


class EvacuationResolveIn(Schema):
    resolution: Resolution
    place: str = Field(
        "", max_length=200, pattern=NO_NUL, description="required en route, hospital"
    )
    note: str = Field("", max_length=500, pattern=NO_NUL, description="required for `other`")


@router.post("/passengers/{id}/resolve", response=PASSENGER_ANSWERS)
def passenger_resolve(request: HttpRequest, id: uuid.UUID, payload: EvacuationResolveIn) -> Any:
    """A coordinator accounts for someone unaccounted for: what happened and where. The
    registry records it (left, in the town again, deceased, missing)."""
    user = _user(request, "coordinator")
    passenger = _get_passenger_for_user(user, id)

    def write() -> dict[str, Any]:
        resolved = do_resolve_passenger(
            actor=user, passenger=passenger, resolution=str(payload.resolution),
            place=payload.place, note=payload.note,
        )  # fmt: skip
        return _passenger(resolved)

    return _once(user, request, 200, write)
