"""Time slots and the paper fallback: the coordinator's plan and tickets, the desk's "due now",
the printed list for a day without the laptop, its entry afterwards and its conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import cast

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.distribution.actions import (
    RESOLUTIONS,
    ActionRefused,
    do_enter_paper_tally,
    do_plan_slots,
    do_resolve_paper_line,
    due_now,
    paper_rows,
    slot_plan,
    slot_tickets,
)
from hromada.distribution.forms import PaperEntryForm, SlotPlanForm
from hromada.distribution.models import PaperLine, PaperTally
from hromada.distribution.views import DESK, _get_session_for_user
from hromada.people.models import Household


def _next_hour() -> datetime:
    now = timezone.localtime()
    return datetime.combine(now.date(), time(now.hour), tzinfo=now.tzinfo) + timedelta(hours=1)


@role_required("coordinator")
def slots(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Plan the session's time slots, and see the plan."""
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    initial = {"first_start": _next_hour(), "slot_minutes": 30, "households_per_slot": 40}
    form = SlotPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            planned = do_plan_slots(
                actor=user,
                session=session,
                first_start=form.cleaned_data["first_start"],
                slot_minutes=form.cleaned_data["slot_minutes"],
                households_per_slot=form.cleaned_data["households_per_slot"],
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d household was given a time slot.",
                    "%(n)d households were given a time slot.",
                    planned,
                )
                % {"n": planned},
            )
            return redirect("distribution:slots", pk=session.pk)
    plan = slot_plan(session)
    context = {
        "session": session,
        "form": form,
        "plan": plan,
        "total": sum(row.households for row in plan),
    }
    return render(request, "distribution/slots.html", context)


@role_required("coordinator")
def tickets(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One small ticket per household with its slot, several to an A4 page."""
    session = _get_session_for_user(cast(User, request.user), pk)
    context = {"session": session, "tickets": slot_tickets(session)}
    return render(request, "distribution/tickets.html", context)


@role_required(*DESK)
def due_now_fragment(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The desk's "due now" line alone, polled by htmx."""
    session = _get_session_for_user(cast(User, request.user), pk)
    context = {"session": session, "due": due_now(session, timezone.now())}
    return render(request, "distribution/_due_now.html", context)


@role_required(*DESK)
def paper_list(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The list to print before the laptop goes down: a box to tick and a signature a line."""
    session = _get_session_for_user(cast(User, request.user), pk)
    now = timezone.now()
    context = {"session": session, "rows": paper_rows(session, now), "now": now}
    return render(request, "distribution/paper_list.html", context)


@role_required(*DESK)
def paper_entry(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The ticked paper list entered in one go, afterwards."""
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    form = PaperEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticked = set(form.cleaned_data["household"])
        households = list(Household.objects.filter(pk__in=ticked))
        if len(households) != len(ticked):
            form.add_error("household", _("A household ticked is not known."))
        else:
            try:
                paper = do_enter_paper_tally(
                    actor=user,
                    session=session,
                    households=households,
                    served_at=form.cleaned_data["served_at"],
                )
            except ActionRefused as refused:
                form.add_error(None, refused.message)
            else:
                counts = paper.lines.aggregate(
                    recorded=Count("pk", filter=Q(outcome=PaperLine.Outcome.RECORDED)),
                    conflicts=Count("pk", filter=Q(outcome=PaperLine.Outcome.CONFLICT)),
                )
                messages.success(
                    request,
                    _(
                        "Paper list entered: %(recorded)d recorded, %(conflicts)d held for the "
                        "coordinator as conflicts."
                    )
                    % counts,
                )
                return redirect("distribution:paper_entry", pk=session.pk)
    ticked_now = {str(v) for v in request.POST.getlist("household")}
    entered = (
        PaperTally.objects.filter(session=session)
        .select_related("entered_by")
        .annotate(
            recorded=Count("lines", filter=Q(lines__outcome=PaperLine.Outcome.RECORDED)),
            conflicts=Count("lines", filter=~Q(lines__outcome=PaperLine.Outcome.RECORDED)),
        )
    )
    context = {
        "session": session,
        "form": form,
        "rows": paper_rows(session, timezone.now()),
        "ticked": ticked_now,
        "entered": entered,
    }
    return render(request, "distribution/paper_entry.html", context)


class ResolveForm(forms.Form):
    line = forms.UUIDField()
    outcome = forms.ChoiceField(choices=[(o.value, o.label) for o in RESOLUTIONS])


@role_required("coordinator")
def paper_conflicts(request: HttpRequest) -> HttpResponse:
    """Paper lines the rules refused, newest first, for the coordinator to decide; a POST
    decides one."""
    user = cast(User, request.user)
    lines = (
        PaperLine.objects.filter(tally__session__site__in=user.visible_sites())
        .exclude(outcome=PaperLine.Outcome.RECORDED)
        .select_related(
            "tally__session__site",
            "tally__session__programme__commodity",
            "tally__entered_by",
            "household",
            "conflicts_with",
            "resolved_by",
        )
        .prefetch_related("household__members")
        .order_by("-tally__entered_at", "household__created_at")
    )
    if request.method == "POST":
        form = ResolveForm(request.POST)
        line = lines.filter(pk=form.cleaned_data["line"]).first() if form.is_valid() else None
        if line is None:
            messages.error(request, _("Choose a line of the list and a resolution."))
        else:
            try:
                do_resolve_paper_line(actor=user, line=line, outcome=form.cleaned_data["outcome"])
            except ActionRefused as refused:
                messages.error(request, refused.message)
            else:
                messages.success(request, _("The conflict is resolved."))
        return redirect("distribution:paper_conflicts")
    context = {
        "open": lines.filter(outcome=PaperLine.Outcome.CONFLICT),
        # the last decisions, for a second look; the audit log keeps all of them
        "resolved": lines.exclude(outcome=PaperLine.Outcome.CONFLICT)[:100],
        "served_twice": PaperLine.Outcome.SERVED_TWICE,
        "tick_mistaken": PaperLine.Outcome.TICK_MISTAKEN,
    }
    return render(request, "distribution/paper_conflicts.html", context)
