"""The trip's pages, from the plan to the reception centre: the officer plans a trip from the
waitlist, prints the manifest, boards people by card at the door and sends the bus off; the
reception centre confirms who arrived and closes its list; the coordinator accounts for anyone
who did not arrive. Every write goes through `evacuation.actions`; its refusals are shown as
they are."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hromada.core.models import Site, User
from hromada.core.permissions import role_required
from hromada.evacuation.actions import (
    EvacuationError,
    call_next,
    do_add_to_trip,
    do_board,
    do_cancel_trip,
    do_close_arrival,
    do_confirm_arrival,
    do_create_trip,
    do_depart,
    do_mark_no_show,
    do_remove_from_trip,
    do_resolve_passenger,
    do_save_plan,
    needs_declaration,
    passengers_of_card,
    propose,
    summary,
    with_people,
)
from hromada.evacuation.forms_trips import (
    AddRequestForm,
    BoardForm,
    ConfirmForm,
    ResolveForm,
    ScanForm,
    TripForm,
)
from hromada.evacuation.models import (
    BOARDED,
    EvacuationRequest,
    Need,
    Passenger,
    PassengerStatus,
    RequestMember,
    Trip,
)
from hromada.evacuation.texts import KINDS, left_out_text, reason_text
from hromada.lib import evacuation as rules
from hromada.lib.periods import kyiv_day
from hromada.people.models import Person, age_on

TRIPS = ("coordinator", "evacuation")  # plan, board, depart
ARRIVAL = ("coordinator", "reception")  # confirm who arrived
READERS = ("coordinator", "evacuation", "reception")
# the next requests on the waitlist the plan shows, beyond those it takes
WAITING_SHOWN = 10
# the household whose card was scanned last at a bus door, kept in the officer's session
SCANNED = "hromada_boarding_scanned"
PLACE_KINDS = ("seats", "wheelchair_spaces", "stretcher_places", "pet_places", "luggage")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _get_trip_for_user(user: User, pk: uuid.UUID) -> Trip:
    trip = (
        Trip.objects.visible_to(user)
        .select_related("site", "vehicle", "destination__site")
        .filter(pk=pk)
        .first()
    )
    if trip is None:
        raise Http404
    return trip


def _get_passenger_for_user(user: User, pk: uuid.UUID) -> Passenger:
    passenger = (
        Passenger.objects.visible_to(user).select_related("trip", "person").filter(pk=pk).first()
    )
    if passenger is None:
        raise Http404
    return passenger


def _trip_sites(user: User) -> QuerySet[Site]:
    """Where a user may send a bus from: a coordinator any site but a reception centre, an
    officer their own sites."""
    sites = Site.objects.filter(reception_centre__isnull=True)
    if user.has_role("coordinator"):
        return sites
    return sites.filter(pk__in=user.sites.all())


def _seat_key(passenger: Passenger) -> tuple[int, int, str]:
    """Seats by number, then the wheelchair spaces, the stretcher places, then nobody's place."""
    label = passenger.seat or ""
    kind = {"W": 1, "S": 2}.get(label[:1], 0 if label else 3)
    digits = "".join(c for c in label if c.isdigit())
    return (kind, int(digits) if digits else 0, str(passenger.person))


def _need_labels(needs: Iterable[str]) -> list[str]:
    return [str(Need(code).label) for code in needs if code in Need.values]


# -- trips -----------------------------------------------------------------------------------


@role_required(*READERS)
def trip_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    trips = list(
        Trip.objects.visible_to(user).select_related("vehicle", "destination__site", "site")[:100]
    )
    rows = [(trip, summary(trip)) for trip in trips]
    form = TripForm(sites=_trip_sites(user)) if user.has_role(*TRIPS) else None
    return render(request, "evacuation/trip_list.html", {"rows": rows, "form": form})


@role_required(*TRIPS)
def trip_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TripForm(request.POST or None, sites=_trip_sites(user))
    if request.method == "POST" and form.is_valid():
        try:
            trip = do_create_trip(
                actor=user,
                site=form.cleaned_data["site"],
                vehicle=form.cleaned_data["vehicle"],
                departure_point=form.cleaned_data["departure_point"],
                departs_at=form.cleaned_data["departs_at"],
                destination=form.cleaned_data["destination"],
                driver=form.cleaned_data["driver"],
                escort=form.cleaned_data["escort"],
            )
        except EvacuationError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Trip created. Plan it from the waitlist."))
            return redirect("evacuation:trip_plan", pk=trip.pk)
    return render(request, "evacuation/trip_form.html", {"form": form})


@role_required(*READERS)
def trip_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    trip = _get_trip_for_user(_user(request), pk)
    passengers = sorted(
        trip.passengers.exclude(status=PassengerStatus.REMOVED).select_related("person"),
        key=_seat_key,
    )
    return render(
        request,
        "evacuation/trip_detail.html",
        {"trip": trip, "summary": summary(trip), "passengers": passengers},
    )


@require_POST
@role_required(*TRIPS)
def trip_cancel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    trip = _get_trip_for_user(user, pk)
    try:
        do_cancel_trip(actor=user, trip=trip)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Trip cancelled: its people are back on the waitlist."))
    return redirect("evacuation:trip", pk=trip.pk)


# -- planning --------------------------------------------------------------------------------


def _request_ids(values: Sequence[str]) -> list[str]:
    """Request ids from a query string, in the officer's order, each once; others dropped."""
    found: list[str] = []
    for value in values:
        try:
            found.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return list(dict.fromkeys(found))


@dataclass
class PersonRow:
    person: Person
    age: int
    needs: list[str]


@dataclass
class RequestRow:
    """One request on the planning page, with the links that change the plan."""

    request: EvacuationRequest
    people: list[PersonRow]
    text: str = ""  # why it is left out
    score: int | None = None
    reasons: list[str] = field(default_factory=list)
    places: rules.Places | None = None
    by_hand: bool = False
    on_manifest: bool = False
    fixed: bool = False
    add_url: str = ""
    remove_url: str = ""
    undo_url: str = ""


class _PlanLinks:
    """The planning page is stateless: every change is one more id in its query string."""

    def __init__(self, trip: Trip, add: list[str], remove: list[str]) -> None:
        self.base = reverse("evacuation:trip_plan", args=[trip.pk])
        self.add = add
        self.remove = remove

    def url(self, add: list[str], remove: list[str]) -> str:
        query = urlencode([("add", a) for a in add] + [("remove", r) for r in remove])
        return f"{self.base}?{query}" if query else self.base

    def adding(self, request_id: str) -> str:
        return self.url(
            [*(a for a in self.add if a != request_id), request_id],
            [r for r in self.remove if r != request_id],
        )

    def removing(self, request_id: str) -> str:
        return self.url(
            [a for a in self.add if a != request_id],
            [*(r for r in self.remove if r != request_id), request_id],
        )

    def undoing(self, request_id: str) -> str:
        return self.url(
            [a for a in self.add if a != request_id], [r for r in self.remove if r != request_id]
        )


def _requests_by_id(ids: Iterable[str]) -> dict[str, EvacuationRequest]:
    """The requests the page names, with their people, pets and household, in a few queries."""
    found = with_people(EvacuationRequest.objects.filter(pk__in=list(ids))).prefetch_related(
        "household__members"
    )
    return {str(r.pk): r for r in found}


def _people(
    request: EvacuationRequest, day: date, only: Iterable[str] | None = None
) -> list[PersonRow]:
    wanted = set(only) if only is not None else None
    return [
        PersonRow(m.person, age_on(m.person.birth_date, day), _need_labels(m.needs))
        for m in request.members.all()
        if wanted is None or str(m.person_id) in wanted
    ]


@role_required(*TRIPS)
def trip_plan(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The proposal from the waitlist, with the officer's additions and removals carried in
    the query string; one proposal per view, fast enough for every click."""
    trip = _get_trip_for_user(_user(request), pk)
    if not trip.open:
        messages.error(request, _("The bus has left: its manifest is closed."))
        return redirect("evacuation:trip", pk=trip.pk)
    add = _request_ids(request.GET.getlist("add"))
    remove = [r for r in _request_ids(request.GET.getlist("remove")) if r not in add]
    now = timezone.now()
    day = kyiv_day(now)
    plan = propose(trip, now, add=add, remove=remove)
    links = _PlanLinks(trip, add, remove)
    on_manifest = {
        str(r)
        for r in trip.passengers.filter(
            status__in=[PassengerStatus.PLANNED, PassengerStatus.BOARDED]
        ).values_list("request", flat=True)
    }
    waiting = plan.waiting[:WAITING_SHOWN]
    requests = _requests_by_id(
        [*(t.request_id for t in plan.taken), *(x.request_id for x in plan.left_out), *waiting]
    )
    taken = []
    for item in plan.taken:
        found = item.priority
        taken.append(
            RequestRow(
                request=requests[item.request_id],
                people=_people(
                    requests[item.request_id], day, (p.id for p in item.part.passengers)
                ),
                score=found.score,
                reasons=[reason_text(r) for r in found.reasons],
                places=item.places,
                by_hand=item.request_id in add,
                on_manifest=item.request_id in on_manifest,
                remove_url=links.removing(item.request_id),
            )
        )
    left_out = []
    for left in plan.left_out:
        removed = left.code == rules.LeftOutCode.REMOVED_BY_OFFICER
        by_hand = left.request_id in add
        left_out.append(
            RequestRow(
                request=requests[left.request_id],
                people=_people(requests[left.request_id], day, left.passenger_ids or None),
                text=left_out_text(left),
                fixed=left.fixed,
                by_hand=by_hand,
                add_url="" if removed or by_hand else links.adding(left.request_id),
                undo_url=links.undoing(left.request_id) if removed or by_hand else "",
            )
        )
    next_up = [
        RequestRow(
            request=requests[rid], people=_people(requests[rid], day), add_url=links.adding(rid)
        )
        for rid in waiting
    ]
    places = [
        (KINDS[rules.Kind(kind)], getattr(plan.capacity, kind), getattr(plan.used, kind),
         getattr(plan.left, kind))
        for kind in PLACE_KINDS
    ]  # fmt: skip
    return render(
        request,
        "evacuation/trip_plan.html",
        {
            "trip": trip,
            "plan": plan,
            "places": places,
            "taken": taken,
            "left_out": left_out,
            "not_fitting": [row for row in left_out if row.fixed],
            "next_up": next_up,
            "more_waiting": len(plan.waiting) - len(waiting),
            "add": add,
            "remove": remove,
            "changed": bool(add or remove),
            "reset_url": links.url([], []),
        },
    )


@require_POST
@role_required(*TRIPS)
def trip_plan_save(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    trip = _get_trip_for_user(user, pk)
    add = _request_ids(request.POST.getlist("add"))
    remove = [r for r in _request_ids(request.POST.getlist("remove")) if r not in add]
    try:
        plan = do_save_plan(actor=user, trip=trip, add=add, remove=remove)
    except EvacuationError as refused:
        messages.error(request, refused.message)
        return redirect(_PlanLinks(trip, add, remove).url(add, remove))
    people = len(plan.passengers)
    messages.success(
        request,
        ngettext(
            "Saved as the manifest: %(n)d passenger.",
            "Saved as the manifest: %(n)d passengers.",
            people,
        )
        % {"n": people},
    )
    return redirect("evacuation:trip", pk=trip.pk)


# -- the manifest ----------------------------------------------------------------------------


@dataclass
class ManifestRow:
    passenger: Passenger
    needs: list[str]
    pets: list[str]
    luggage: int
    boarded: bool


@role_required(*READERS)
def trip_manifest(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The paper for the driver and the checkpoint: everyone on the bus, or planned to be,
    with seat, birth year, needs and animals, and a line to sign."""
    trip = _get_trip_for_user(_user(request), pk)
    passengers = sorted(
        trip.passengers.filter(status__in=[PassengerStatus.PLANNED, *BOARDED])
        .select_related("person", "request")
        .prefetch_related("request__pets"),
        key=_seat_key,
    )
    needs = {
        (m.request_id, m.person_id): m.needs
        for m in RequestMember.objects.filter(request__in={p.request_id for p in passengers})
    }
    rows = []
    for passenger in passengers:
        carried = passenger.carries_pets
        pets = list(passenger.request.pets.all()) if carried else []
        rows.append(
            ManifestRow(
                passenger=passenger,
                needs=_need_labels(needs.get((passenger.request_id, passenger.person_id), [])),
                pets=[
                    f"{pet}" + (f" ({_('in a carrier')})" if pet.in_carrier else "") for pet in pets
                ],
                luggage=passenger.request.luggage if carried else 0,
                boarded=passenger.status in BOARDED,
            )
        )
    return render(
        request,
        "evacuation/manifest.html",
        {
            "trip": trip,
            "rows": rows,
            "boarded": sum(1 for row in rows if row.boarded),
            "animals": sum(
                pet.count for row in rows if row.passenger.carries_pets
                for pet in row.passenger.request.pets.all()
            ),
            "luggage": sum(row.luggage for row in rows),
            "printed_at": timezone.now(),
        },
    )  # fmt: skip


# -- boarding --------------------------------------------------------------------------------


@dataclass
class BoardingRow:
    passenger: Passenger
    adult: bool


def _boarding_rows(passengers: Iterable[Passenger], day: date) -> list[BoardingRow]:
    return [
        BoardingRow(p, needs_declaration(p.person, day)) for p in sorted(passengers, key=_seat_key)
    ]


@dataclass
class NextRow:
    request: EvacuationRequest
    people: list[PersonRow]
    places: rules.Places


def _boarding_context(request: HttpRequest, trip: Trip) -> dict[str, object]:
    now = timezone.now()
    day = kyiv_day(now)
    passengers = list(
        trip.passengers.exclude(status=PassengerStatus.REMOVED).select_related("person")
    )
    # the household scanned last stays on screen while its people board one by one
    scanned = request.session.get(SCANNED) or {}
    household = scanned.get("household") if scanned.get("trip") == str(trip.pk) else None
    following: list[NextRow] = []
    if trip.open:
        proposed = call_next(trip, now)
        requests = _requests_by_id(t.request_id for t in proposed)
        following = [
            NextRow(
                requests[t.request_id],
                _people(requests[t.request_id], day, (p.id for p in t.part.passengers)),
                t.places,
            )
            for t in proposed
        ]
    return {
        "trip": trip,
        "summary": summary(trip),
        "rows": _boarding_rows(passengers, day),
        "scanned": _boarding_rows(
            [p for p in passengers if str(p.person.household_id) == household], day
        )
        if household
        else None,
        "next_up": following,
        "scan_form": ScanForm(),
        "depart_form": ConfirmForm(),
    }


@role_required(*TRIPS)
def trip_boarding(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """At the bus door: one input for the card scanner, the manifest as a pick list, who to
    call next, and the departure. After the departure the manifest is read only."""
    trip = _get_trip_for_user(_user(request), pk)
    return render(request, "evacuation/boarding.html", _boarding_context(request, trip))


@require_POST
@role_required(*TRIPS)
def trip_boarding_scan(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A card scanned at the door: that household's people on this trip, each with its
    Board button (and the declaration for an adult)."""
    trip = _get_trip_for_user(_user(request), pk)
    request.session.pop(SCANNED, None)
    form = ScanForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Scan a card or type its code.")
    else:
        try:
            found = passengers_of_card(trip, form.cleaned_data["card"])
        except EvacuationError as refused:
            error = refused.message
        else:
            request.session[SCANNED] = {
                "trip": str(trip.pk),
                "household": str(found[0].person.household_id),
            }
    context = _boarding_context(request, trip)
    context["scan_error"] = error
    return render(request, "evacuation/boarding.html", context)


@require_POST
@role_required(*TRIPS)
def trip_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Call the next: a request from the waitlist onto the places left."""
    user = _user(request)
    trip = _get_trip_for_user(user, pk)
    form = AddRequestForm(request.POST)
    found = (
        EvacuationRequest.objects.visible_to(user).filter(pk=form.cleaned_data["request"]).first()
        if form.is_valid()
        else None
    )
    if found is None:
        messages.error(request, _("No such request on the waitlist."))
        return redirect("evacuation:trip_boarding", pk=trip.pk)
    try:
        added = do_add_to_trip(actor=user, trip=trip, request=found)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Added to the manifest: %(people)s.")
            % {"people": ", ".join(f"{p.person} ({p.seat})" for p in added)},
        )
    return redirect("evacuation:trip_boarding", pk=trip.pk)


@require_POST
@role_required(*TRIPS)
def trip_depart(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    trip = _get_trip_for_user(user, pk)
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, _("Tick the confirmation: the departure closes the manifest."))
        return redirect("evacuation:trip_boarding", pk=trip.pk)
    try:
        do_depart(actor=user, trip=trip)
    except EvacuationError as refused:
        messages.error(request, refused.message)
        return redirect("evacuation:trip_boarding", pk=trip.pk)
    messages.success(request, _("The bus has left: its manifest is closed."))
    return redirect("evacuation:trip", pk=trip.pk)


@require_POST
@role_required(*TRIPS)
def passenger_board(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    passenger = _get_passenger_for_user(user, pk)
    form = BoardForm(request.POST)
    confirmed = form.is_valid() and bool(form.cleaned_data["civilian_confirmed"])
    try:
        boarded = do_board(actor=user, passenger=passenger, civilian_confirmed=confirmed)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Boarded: %(person)s, place %(seat)s.")
            % {"person": boarded.person, "seat": boarded.seat},
        )
    return redirect("evacuation:trip_boarding", pk=passenger.trip_id)


@require_POST
@role_required(*TRIPS)
def passenger_no_show(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    passenger = _get_passenger_for_user(user, pk)
    try:
        do_mark_no_show(actor=user, passenger=passenger)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(person)s did not come: the place is free for the next.")
            % {"person": passenger.person},
        )
    return redirect("evacuation:trip_boarding", pk=passenger.trip_id)


@require_POST
@role_required(*TRIPS)
def passenger_remove(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    passenger = _get_passenger_for_user(user, pk)
    try:
        do_remove_from_trip(actor=user, passenger=passenger)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(person)s is off the manifest and back on the waitlist.")
            % {"person": passenger.person},
        )
    return redirect("evacuation:trip_boarding", pk=passenger.trip_id)


# -- arrival ---------------------------------------------------------------------------------


def _arrival_context(trip: Trip) -> dict[str, object]:
    passengers = trip.passengers.filter(status__in=BOARDED).select_related("person")
    return {
        "trip": trip,
        "summary": summary(trip),
        "passengers": sorted(passengers, key=_seat_key),
        "scan_form": ScanForm(),
        "close_form": ConfirmForm(),
    }


@role_required(*ARRIVAL)
def trip_arrival(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """At the reception centre: scan a card or pick from the list; close the list when
    everyone who came is confirmed."""
    trip = _get_trip_for_user(_user(request), pk)
    return render(request, "evacuation/arrival.html", _arrival_context(trip))


@require_POST
@role_required(*ARRIVAL)
def trip_arrival_scan(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    trip = _get_trip_for_user(_user(request), pk)
    context = _arrival_context(trip)
    form = ScanForm(request.POST)
    if not form.is_valid():
        context["scan_error"] = _("Scan a card or type its code.")
    else:
        try:
            found = passengers_of_card(trip, form.cleaned_data["card"])
        except EvacuationError as refused:
            context["scan_error"] = refused.message
        else:
            travelled = [p for p in found if p.status in BOARDED]
            if not travelled:
                context["scan_error"] = _("Nobody of this household travelled on this bus.")
            context["scanned"] = sorted(travelled, key=_seat_key)
    return render(request, "evacuation/arrival.html", context)


@require_POST
@role_required(*ARRIVAL)
def passenger_arrived(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    passenger = _get_passenger_for_user(user, pk)
    try:
        do_confirm_arrival(actor=user, passenger=passenger)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Arrived: %(person)s.") % {"person": passenger.person})
    if request.POST.get("back") == "unaccounted":
        return redirect("evacuation:unaccounted")
    return redirect("evacuation:trip_arrival", pk=passenger.trip_id)


@require_POST
@role_required(*ARRIVAL)
def trip_arrival_close(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    trip = _get_trip_for_user(user, pk)
    if not ConfirmForm(request.POST).is_valid():
        messages.error(
            request, _("Tick the confirmation: whoever is not confirmed becomes unaccounted for.")
        )
        return redirect("evacuation:trip_arrival", pk=trip.pk)
    try:
        do_close_arrival(actor=user, trip=trip)
    except EvacuationError as refused:
        messages.error(request, refused.message)
    else:
        missing = summary(trip).unaccounted
        if missing:
            messages.warning(
                request,
                ngettext(
                    "Arrival closed: %(n)d passenger is unaccounted for.",
                    "Arrival closed: %(n)d passengers are unaccounted for.",
                    missing,
                )
                % {"n": missing},
            )
        else:
            messages.success(request, _("Arrival closed: everyone is accounted for."))
    return redirect("evacuation:trip_arrival", pk=trip.pk)


# -- unaccounted for -------------------------------------------------------------------------


def _resolve_prefix(passenger: Passenger) -> str:
    return f"p{passenger.pk.hex}"


def _unaccounted_page(
    request: HttpRequest, bound: Passenger | None = None, bound_form: ResolveForm | None = None
) -> HttpResponse:
    user = _user(request)
    passengers = list(
        Passenger.objects.filter(
            status=PassengerStatus.UNACCOUNTED, trip__in=Trip.objects.visible_to(user)
        )
        .select_related("person", "trip__destination__site", "trip__vehicle")
        .order_by("trip__departs_at", "seat")
    )
    resolver = user.has_role("coordinator")
    rows = []
    for passenger in passengers:
        form = None
        if resolver:
            if bound is not None and passenger.pk == bound.pk:
                form = bound_form
            else:
                form = ResolveForm(prefix=_resolve_prefix(passenger))
        rows.append((passenger, form))
    return render(request, "evacuation/unaccounted.html", {"rows": rows, "can_resolve": resolver})


@role_required("coordinator", "evacuation")
def unaccounted(request: HttpRequest) -> HttpResponse:
    """Everyone who boarded a bus and was not confirmed at the other end, until resolved."""
    return _unaccounted_page(request)


@require_POST
@role_required("coordinator")
def passenger_resolve(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _user(request)
    passenger = _get_passenger_for_user(user, pk)
    form = ResolveForm(request.POST, prefix=_resolve_prefix(passenger))
    if not form.is_valid():
        return _unaccounted_page(request, passenger, form)
    try:
        do_resolve_passenger(
            actor=user,
            passenger=passenger,
            resolution=form.cleaned_data["resolution"],
            place=form.cleaned_data["place"],
            note=form.cleaned_data["note"],
        )
    except EvacuationError as refused:
        if refused.field not in form.fields:
            messages.error(request, refused.message)  # e.g. resolved by someone else just now
            return redirect("evacuation:unaccounted")
        form.add_error(refused.field, refused.message)
        return _unaccounted_page(request, passenger, form)
    messages.success(request, _("Accounted for: %(person)s.") % {"person": passenger.person})
    return redirect("evacuation:unaccounted")
