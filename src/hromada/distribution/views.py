from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.distribution.actions import (
    SessionAlreadyOpen,
    do_check_in,
    do_close_session,
    do_create_programme,
    do_open_session,
)
from hromada.distribution.forms import (
    CheckinForm,
    DayReportForm,
    DeskNameForm,
    OpenSessionForm,
    ProgrammeForm,
)
from hromada.distribution.models import DistributionSession, Programme
from hromada.distribution.report import day_report
from hromada.stock.actions import balance_of

DESK = ("coordinator", "distributor")
# The name a volunteer gave their desk, kept in their session: "already collected at desk 2"
DESK_NAME = "hromada_desk"


def _get_session_for_user(user: User, pk: uuid.UUID) -> DistributionSession:
    session = (
        DistributionSession.objects.servable_by(user)
        .select_related("site", "programme__commodity")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


@role_required("coordinator", "distributor", "auditor")
def session_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sessions = DistributionSession.objects.visible_to(user).select_related(
        "site", "programme__commodity"
    )[:100]
    return render(request, "distribution/session_list.html", {"sessions": sessions})


@role_required("coordinator")
def programme_list(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_create_programme(actor=cast(User, request.user), **form.cleaned_data)
        messages.success(request, _("Programme created."))
        return redirect("distribution:programmes")
    programmes = Programme.objects.select_related("commodity")
    return render(
        request, "distribution/programme_list.html", {"programmes": programmes, "form": form}
    )


@role_required("coordinator")
def session_open(request: HttpRequest) -> HttpResponse:
    form = OpenSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = do_open_session(
                actor=cast(User, request.user),
                programme=form.cleaned_data["programme"],
                site=form.cleaned_data["site"],
            )
        except SessionAlreadyOpen as already:
            form.add_error(None, already.message)
        else:
            messages.success(request, _("Session opened."))
            return redirect("distribution:desk", pk=session.pk)
    return render(request, "distribution/session_open.html", {"form": form})


@require_POST
@role_required("coordinator")
def session_close(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    do_close_session(actor=user, session=session)
    messages.success(request, _("Session closed."))
    return redirect("distribution:sessions")


def _desk_name(request: HttpRequest) -> str:
    return str(request.session.get(DESK_NAME) or cast(User, request.user).username)


def _desk_context(request: HttpRequest, session: DistributionSession) -> dict[str, object]:
    return {
        "session": session,
        "left": balance_of(site=session.site, commodity=session.programme.commodity),
        "form": CheckinForm(),
        "desk_name": _desk_name(request),
        "desk_form": DeskNameForm(initial={"desk": request.session.get(DESK_NAME, "")}),
    }


@role_required(*DESK)
def desk(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The desk: one input a USB scanner types into, the answer filling the screen."""
    session = _get_session_for_user(cast(User, request.user), pk)
    return render(request, "distribution/desk.html", _desk_context(request, session))


@require_POST
@role_required(*DESK)
def desk_name(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    session = _get_session_for_user(cast(User, request.user), pk)
    form = DeskNameForm(request.POST)
    if not form.is_valid():
        context = _desk_context(request, session)
        context["desk_form"] = form
        return render(request, "distribution/desk.html", context)
    request.session[DESK_NAME] = form.cleaned_data["desk"].strip()
    return redirect("distribution:desk", pk=session.pk)


@require_POST
@role_required(*DESK)
def checkin(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    form = CheckinForm(request.POST)
    context = _desk_context(request, session)
    if not form.is_valid():
        empty = not request.POST.get("card", "").strip()
        context["error"] = _("Scan a card or type its code.") if empty else form.errors["card"][0]
    else:
        outcome = do_check_in(
            actor=user,
            session=session,
            card_code=form.cleaned_data["card"],
            desk=_desk_name(request),
        )
        context["outcome"] = outcome
        context["left"] = outcome.left
        # the end of the code scanned, so that an answer is never taken for the previous card's
        context["card_tail"] = form.cleaned_data["card"].strip()[-4:].upper()
    # htmx swaps in the answer alone; without JavaScript the whole desk comes back.
    template = (
        "distribution/_answer.html"
        if request.headers.get("HX-Request")
        else "distribution/desk.html"
    )
    return render(request, template, context)


@role_required(*DESK)
def stock_left(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The stock figure alone, polled by every desk so that all see what the others gave."""
    session = _get_session_for_user(cast(User, request.user), pk)
    return render(request, "distribution/_left.html", _desk_context(request, session))


@role_required("coordinator", "auditor")
def report(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sites = user.visible_sites()
    data = request.GET.copy()
    first = sites.first()
    if first is not None:
        # today at the first site, until the user asks for another
        data.setdefault("site", str(first.pk))
    data.setdefault("day", timezone.localdate().isoformat())
    form = DayReportForm(data, sites=sites)
    result = None
    if form.is_valid():
        result = day_report(site=form.cleaned_data["site"], day=form.cleaned_data["day"])
    return render(request, "distribution/report.html", {"form": form, "report": result})
