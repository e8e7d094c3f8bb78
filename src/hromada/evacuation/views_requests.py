"""Pages for evacuation requests, the waitlist, vehicles and reception centres.

Every write goes through `evacuation.actions`; its refusals are shown on the field they name.
A request is read through `_get_request_for_user` (a registrar or an officer: the requests of
their sites; a coordinator: all), anything else is a 404.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.core.models import AuditEvent, User
from hromada.core.permissions import role_required
from hromada.evacuation.actions import (
    EvacuationError,
    do_adjust_priority,
    do_create_reception_centre,
    do_create_request,
    do_save_vehicle,
    do_update_request,
    do_withdraw_request,
    to_rule,
    waitlist,
)
from hromada.evacuation.forms import (
    PET_ROWS,
    AdjustForm,
    CardForm,
    CentreForm,
    RequestForm,
    VehicleForm,
    WaitlistFilterForm,
)
from hromada.evacuation.models import (
    EvacuationRequest,
    Need,
    Passenger,
    ReceptionCentre,
    RequestStatus,
    Vehicle,
    households_for_requests,
)
from hromada.evacuation.texts import reason_text
from hromada.lib import cardcode
from hromada.lib import evacuation as rules
from hromada.lib.phones import display_phone
from hromada.people.models import Card, Household, Person, PersonStatus

# who makes, changes and withdraws requests, and reads the waitlist
REQUESTS = ("coordinator", "registrar", "evacuation")
# who keeps the list of vehicles
FLEET = ("coordinator", "evacuation")
# the waitlist shows this many at once; the rest on further pages
WAITLIST_PAGE = 200

ACTIONS = {
    "evacuation.create_request": gettext_lazy("request made"),
    "evacuation.update_request": gettext_lazy("request changed"),
    "evacuation.withdraw_request": gettext_lazy("request withdrawn"),
    "evacuation.adjust_priority": gettext_lazy("priority adjusted"),
}
# fields of the history that are not columns of the request
OTHER_FIELDS = {
    "members": gettext_lazy("who travels"),
    "needs": gettext_lazy("needs"),
    "pets": gettext_lazy("animals"),
}


def _get_household_for_user(user: User, pk: uuid.UUID) -> Household:
    household = households_for_requests(user).select_related("site").filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


def _get_request_for_user(user: User, pk: uuid.UUID) -> EvacuationRequest:
    found = (
        EvacuationRequest.objects.visible_to(user)
        .select_related("site", "household")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _people_of(household: Household, request: EvacuationRequest | None = None) -> list[Person]:
    """The members a request may choose from, head first; on an edit, also a person of the
    request no longer in the household (the action then says why they cannot stay)."""
    people = list(
        household.members.exclude(status=PersonStatus.MERGED).order_by("-is_head", "created_at")
    )
    if request is not None:
        known = {p.pk for p in people}
        people += [
            m.person for m in request.members.select_related("person") if m.person_id not in known
        ]
    return people


@role_required(*REQUESTS)
def request_find(request: HttpRequest) -> HttpResponse:
    """Start a request from the household's card: scan or type its code."""
    user = cast(User, request.user)
    form = CardForm(request.GET or None)
    if form.is_valid():
        try:
            code = cardcode.normalise(form.cleaned_data["card"])
        except cardcode.MalformedCode:
            form.add_error(
                "card", _("This is not a card code. Scan the card again or type its 12 characters.")
            )
        else:
            card = (
                Card.objects.filter(code=code, status=Card.Status.ACTIVE)
                .filter(household__in=households_for_requests(user))
                .first()
            )
            if card is None:
                form.add_error("card", _("Unknown card."))
            else:
                return redirect("evacuation:request_create", pk=card.household_id)
    return render(request, "evacuation/request_find.html", {"form": form})


@role_required(*REQUESTS)
def request_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    household = _get_household_for_user(user, pk)
    form = RequestForm(request.POST or None, people=_people_of(household))
    if request.method == "POST" and form.is_valid():
        try:
            made = do_create_request(actor=user, household=household, data=form.data_for_action())
        except EvacuationError as refused:
            form.refuse(refused)
        else:
            messages.success(request, _("The request is on the waitlist."))
            return redirect("evacuation:request", pk=made.pk)
    waiting = EvacuationRequest.objects.waiting().filter(household=household).first()
    return render(
        request,
        "evacuation/request_form.html",
        {"household": household, "form": form, "waiting": waiting, "evacuation_request": None},
    )


@role_required(*REQUESTS)
def request_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    evacuation_request = _get_request_for_user(user, pk)
    if evacuation_request.status != RequestStatus.WAITING:
        messages.error(request, _("Only a waiting request can be changed."))
        return redirect("evacuation:request", pk=evacuation_request.pk)
    household = evacuation_request.household
    form = RequestForm(
        request.POST or None,
        people=_people_of(household, evacuation_request),
        pet_rows=max(PET_ROWS, evacuation_request.pets.count() + 1),
        initial=RequestForm.initial_of(evacuation_request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_update_request(actor=user, request=evacuation_request, data=form.data_for_action())
        except EvacuationError as refused:
            form.refuse(refused)
        else:
            messages.success(request, _("The request is changed."))
            return redirect("evacuation:request", pk=evacuation_request.pk)
    return render(
        request,
        "evacuation/request_form.html",
        {"household": household, "form": form, "evacuation_request": evacuation_request},
    )


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    action: str
    fields: list[str]


def _field_label(name: str) -> str:
    if name in OTHER_FIELDS:
        return str(OTHER_FIELDS[name])
    try:
        return str(EvacuationRequest._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:  # a name no longer a column: shown as it is
        return name


def _history(evacuation_request: EvacuationRequest) -> list[HistoryLine]:
    """What was done to the request, by whom and to which fields: never the values."""
    events = AuditEvent.objects.filter(
        object_type=EvacuationRequest._meta.label_lower, object_id=str(evacuation_request.pk)
    ).select_related("actor")
    return [
        HistoryLine(
            at=event.at,
            who=event.actor.get_username() if event.actor else "—",
            action=str(ACTIONS.get(event.action, event.action)),
            fields=[_field_label(name) for name in event.fields],
        )
        for event in events.order_by("at")
    ]


def _priority(evacuation_request: EvacuationRequest, now: datetime) -> rules.Priority:
    return rules.priority(to_rule(evacuation_request, now), now)


@role_required(*REQUESTS)
def request_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    evacuation_request = _get_request_for_user(user, pk)
    now = timezone.now()
    waiting = evacuation_request.status == RequestStatus.WAITING
    priority = _priority(evacuation_request, now) if waiting else None
    members = evacuation_request.members.select_related("person")
    needs = dict(Need.choices)
    passengers = Passenger.objects.filter(request=evacuation_request).select_related(
        "trip__destination__site", "person"
    )
    return render(
        request,
        "evacuation/request_detail.html",
        {
            "evacuation_request": evacuation_request,
            "household": evacuation_request.household,
            "members": [(m.person, [needs.get(n, n) for n in m.needs]) for m in members],
            "pets": evacuation_request.pets.all(),
            "priority": priority,
            "reasons": [reason_text(r) for r in priority.reasons] if priority else [],
            "passengers": passengers,
            "history": _history(evacuation_request),
            "phone": display_phone(evacuation_request.phone) if evacuation_request.phone else "",
            "show_phone": user.has_role(*REQUESTS),
            "can_change": waiting and user.has_role(*REQUESTS),
            "can_adjust": waiting and user.has_role("coordinator"),
        },
    )


@role_required(*REQUESTS)
def request_withdraw(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """GET asks to confirm; POST withdraws."""
    user = cast(User, request.user)
    evacuation_request = _get_request_for_user(user, pk)
    if evacuation_request.status != RequestStatus.WAITING:
        messages.error(request, _("Only a waiting request can be withdrawn."))
        return redirect("evacuation:request", pk=evacuation_request.pk)
    if request.method == "POST":
        try:
            do_withdraw_request(actor=user, request=evacuation_request)
        except EvacuationError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The request is withdrawn."))
        return redirect("evacuation:request", pk=evacuation_request.pk)
    return render(
        request, "evacuation/request_withdraw.html", {"evacuation_request": evacuation_request}
    )


def _next_or_waitlist(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("evacuation:waitlist")


@role_required("coordinator")
def request_adjust(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The coordinator's + or − on a request's priority, with the reason."""
    user = cast(User, request.user)
    evacuation_request = _get_request_for_user(user, pk)
    if evacuation_request.status != RequestStatus.WAITING:
        messages.error(request, _("Only a waiting request can be changed."))
        return redirect("evacuation:request", pk=evacuation_request.pk)
    initial = {
        "adjustment": evacuation_request.priority_adjustment,
        "reason": evacuation_request.adjustment_reason,
    }
    form = AdjustForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_adjust_priority(
                actor=user,
                request=evacuation_request,
                adjustment=form.cleaned_data["adjustment"],
                reason=form.cleaned_data["reason"],
            )
        except EvacuationError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Priority adjusted."))
            return redirect(_next_or_waitlist(request))
    return render(
        request,
        "evacuation/request_adjust.html",
        {
            "evacuation_request": evacuation_request,
            "form": form,
            "next": request.POST.get("next", ""),
        },
    )


@dataclass(frozen=True)
class WaitlistRow:
    rank: int
    request: EvacuationRequest
    people: int
    needs: list[str]
    pets: list[str]
    days: int
    score: int
    reasons: list[str]


def _row(
    rank: int, found: EvacuationRequest, priority: rules.Priority, now: datetime
) -> WaitlistRow:
    labels = dict(Need.choices)
    members = list(found.members.all())
    counted = Counter(need for m in members for need in m.needs)
    return WaitlistRow(
        rank=rank,
        request=found,
        people=len(members),
        needs=[
            f"{labels.get(need, need)} ×{n}" if n > 1 else str(labels.get(need, need))
            for need, n in sorted(counted.items())
        ],
        pets=[str(pet) for pet in found.pets.all()],
        days=(now - found.waiting_since).days,
        score=priority.score,
        reasons=[reason_text(r) for r in priority.reasons],
    )


@role_required(*REQUESTS)
def waitlist_view(request: HttpRequest) -> HttpResponse:
    """The waiting requests of the user's sites in priority order, each with why."""
    user = cast(User, request.user)
    sites = user.visible_sites()
    form = WaitlistFilterForm(request.GET or None, sites=sites)
    requests = EvacuationRequest.objects.visible_to(user).select_related("household", "site")
    site = form.cleaned_data.get("site") if form.is_valid() else None
    if site is not None:
        requests = requests.filter(site=site)
    now = timezone.now()
    ranked = waitlist(requests, now)
    page = Paginator(ranked, WAITLIST_PAGE).get_page(request.GET.get("page"))
    # the head's name of each household shown: one query for the page, not one per row
    prefetch_related_objects([found.household for found, _p in page], "members")
    start = page.start_index()
    rows = [_row(start + i, found, priority, now) for i, (found, priority) in enumerate(page)]
    query = f"site={site.pk}&" if site is not None else ""
    return render(
        request,
        "evacuation/waitlist.html",
        {
            "rows": rows,
            "page": page,
            "total": len(ranked),
            "form": form,
            "show_filter": len(sites) > 1,
            "query": query,
            "can_adjust": user.has_role("coordinator"),
            "can_request": user.has_role(*REQUESTS),
        },
    )


# -- vehicles --------------------------------------------------------------------------------


@role_required(*FLEET)
def vehicle_list(request: HttpRequest) -> HttpResponse:
    return render(request, "evacuation/vehicle_list.html", {"vehicles": Vehicle.objects.all()})


def _vehicle_form(request: HttpRequest, vehicle: Vehicle | None) -> HttpResponse:
    initial = VehicleForm.initial_of(vehicle) if vehicle is not None else None
    form = VehicleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_save_vehicle(
                actor=cast(User, request.user),
                vehicle=vehicle,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                places=form.places(),
                active=form.cleaned_data["active"],
            )
        except EvacuationError as refused:
            form.refuse(refused)
        else:
            messages.success(request, _("Vehicle saved."))
            return redirect("evacuation:vehicles")
    return render(request, "evacuation/vehicle_form.html", {"form": form, "vehicle": vehicle})


@role_required(*FLEET)
def vehicle_create(request: HttpRequest) -> HttpResponse:
    return _vehicle_form(request, None)


@role_required(*FLEET)
def vehicle_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _vehicle_form(request, get_object_or_404(Vehicle, pk=pk))


# -- reception centres ----------------------------------------------------------------------


@role_required(*FLEET)
def centre_list(request: HttpRequest) -> HttpResponse:
    """Where the buses go; an officer reads the list, a coordinator adds to it."""
    centres = ReceptionCentre.objects.select_related("site")
    return render(request, "evacuation/centre_list.html", {"centres": centres})


@role_required("coordinator")
def centre_create(request: HttpRequest) -> HttpResponse:
    form = CentreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_create_reception_centre(
                actor=cast(User, request.user),
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                city=form.cleaned_data["city"],
                address=form.cleaned_data["address"],
            )
        except EvacuationError as refused:
            form.refuse(refused)
        else:
            messages.success(request, _("Reception centre created."))
            return redirect("evacuation:centres")
    return render(request, "evacuation/centre_form.html", {"form": form})
