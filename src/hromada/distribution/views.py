from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.models import Site, User
from hromada.core.permissions import role_required
from hromada.distribution.actions import (
    ActionRefused,
    CheckinOutcome,
    SessionAlreadyOpen,
    SitePaused,
    Who,
    active_pause,
    do_check_in,
    do_close_session,
    do_create_programme,
    do_open_session,
    do_pause_site,
    do_record_proxy,
    do_resume_site,
    do_reverse_collection,
    do_update_programme,
    do_update_session,
    due_now,
)
from hromada.distribution.forms import (
    CheckinForm,
    DayReportForm,
    DeskNameForm,
    OpenSessionForm,
    PauseForm,
    ProgrammeForm,
    ReversalForm,
    SessionSettingsForm,
    WithoutCardForm,
)
from hromada.distribution.models import (
    Channel,
    Collection,
    DistributionSession,
    Programme,
    SitePause,
)
from hromada.distribution.report import day_report
from hromada.lib.periods import day_bounds
from hromada.people.matching import search
from hromada.people.models import Household, Person, Proxy
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
        try:
            do_create_programme(
                actor=cast(User, request.user),
                name=form.cleaned_data["name"],
                commodity=form.cleaned_data["commodity"],
                rule=form.rule(),
                excludes=form.cleaned_data["excludes"],
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Programme created."))
            return redirect("distribution:programmes")
    programmes = Programme.objects.select_related("commodity").prefetch_related("excludes")
    return render(
        request, "distribution/programme_list.html", {"programmes": programmes, "form": form}
    )


@role_required("coordinator")
def programme_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("commodity"), pk=pk)
    form = ProgrammeForm(
        request.POST or None, programme=programme, initial=ProgrammeForm.initial_of(programme)
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_update_programme(
                actor=cast(User, request.user),
                programme=programme,
                name=form.cleaned_data["name"],
                rule=form.rule(),
                excludes=form.cleaned_data["excludes"],
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request, _("Programme changed: the new rule holds from the next scan.")
            )
            return redirect("distribution:programmes")
    return render(
        request, "distribution/programme_edit.html", {"programme": programme, "form": form}
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


@role_required("coordinator")
def session_settings(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    initial = {"shortage": session.shortage, "slots_strict": session.slots_strict}
    form = SessionSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        do_update_session(
            actor=user,
            session=session,
            shortage=form.cleaned_data["shortage"],
            slots_strict=form.cleaned_data["slots_strict"],
        )
        messages.success(request, _("Saved: every desk of this session follows it from now."))
        return redirect("distribution:sessions")
    return render(request, "distribution/session_settings.html", {"session": session, "form": form})


def _pause_sites(user: User) -> QuerySet[Site]:
    """Where a user may stop the desks: a coordinator anywhere, a distributor at their own
    sites (the volunteer who hears the siren should not have to phone first)."""
    if user.has_role("coordinator"):
        return Site.objects.all()
    if user.has_role("distributor"):
        return user.sites.all()
    return Site.objects.none()


@role_required("coordinator", "distributor")
def pauses(request: HttpRequest) -> HttpResponse:
    """Pause a site in one action, with its reason; resume it in one action (a coordinator)."""
    user = cast(User, request.user)
    sites = _pause_sites(user)
    form = PauseForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        pause = do_pause_site(
            actor=user,
            site=form.cleaned_data["site"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        messages.warning(
            request,
            _("%(site)s is paused: %(reason)s. Every desk there refuses until it resumes.")
            % {"site": pause.site.name, "reason": pause.reason_text()},
        )
        return redirect(request.POST.get("next") or "distribution:pauses")
    active = SitePause.objects.active().filter(site__in=sites).select_related("site", "started_by")
    return render(request, "distribution/pauses.html", {"form": form, "active": active})


@require_POST
@role_required("coordinator")
def resume(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    site = get_object_or_404(Site, pk=pk)
    if do_resume_site(actor=user, site=site) is not None:
        messages.success(request, _("%(site)s serves again.") % {"site": site.name})
    return redirect("distribution:pauses")


@role_required("coordinator", "auditor")
def collection_list(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Today's collections of a session, newest first; a coordinator reverses a mistake here."""
    user = cast(User, request.user)
    session = get_object_or_404(DistributionSession.objects.visible_to(user), pk=pk)
    start, end = day_bounds(timezone.localdate())
    collections = (
        Collection.objects.filter(session=session, at__gte=start, at__lt=end)
        .select_related("household", "served_by", "proxy")
        .prefetch_related("household__members")
        .order_by("-at")
    )
    page = Paginator(collections, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "distribution/collection_list.html",
        {"session": session, "page": page, "form": ReversalForm()},
    )


@require_POST
@role_required("coordinator")
def collection_reverse(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    collection = get_object_or_404(Collection, pk=pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reversal."))
    else:
        try:
            do_reverse_collection(
                actor=user, collection=collection, reason=form.cleaned_data["reason"]
            )
        except ActionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("Reversed: %(n)d units are back in stock; the household may collect again.")
                % {"n": collection.quantity},
            )
    return redirect("distribution:collections", pk=collection.session_id)


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


def _desk_context(
    request: HttpRequest, session: DistributionSession, *, live: bool = True
) -> dict[str, object]:
    """What the desk shows. `live=False` for an answer: the stock left and the pause come
    from the check-in itself, which read them inside its transaction."""
    return {
        "session": session,
        "left": balance_of(site=session.site, commodity=session.programme.commodity)
        if live
        else None,
        "pause": active_pause(session.site_id) if live else None,
        "form": CheckinForm(),
        "desk_name": _desk_name(request),
        "desk_form": DeskNameForm(initial={"desk": request.session.get(DESK_NAME, "")}),
    }


def _answer(
    request: HttpRequest, session: DistributionSession, context: dict[str, object]
) -> HttpResponse:
    """htmx swaps in the answer alone; without JavaScript the whole desk comes back."""
    outcome = context.get("outcome")
    if isinstance(outcome, CheckinOutcome):
        context["left"] = outcome.left
        if isinstance(outcome.refusal, SitePaused):
            context["pause"] = outcome.refusal.pause
        if outcome.collection is not None:
            context["proxies"] = list(
                Proxy.objects.active().filter(household=outcome.collection.household_id)
            )
    template = (
        "distribution/_answer.html"
        if request.headers.get("HX-Request")
        else "distribution/desk.html"
    )
    return render(request, template, context)


@role_required(*DESK)
def desk(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The desk: one input a USB scanner types into, the answer filling the screen."""
    session = _get_session_for_user(cast(User, request.user), pk)
    context = _desk_context(request, session)
    # who is due in this time slot; the fragment asks again by itself every 30 seconds
    context["due"] = due_now(session, timezone.now())
    return render(request, "distribution/desk.html", context)


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
    if not form.is_valid():
        empty = not request.POST.get("card", "").strip()
        context = _desk_context(request, session)
        context["error"] = _("Scan a card or type its code.") if empty else form.errors["card"][0]
    else:
        context = _desk_context(request, session, live=False)
        outcome = do_check_in(
            actor=user,
            session=session,
            card_code=form.cleaned_data["card"],
            desk=_desk_name(request),
        )
        context["outcome"] = outcome
        # the end of the code scanned, so that an answer is never taken for the previous card's
        context["card_tail"] = form.cleaned_data["card"].strip()[-4:].upper()
    return _answer(request, session, context)


def _findable(user: User) -> QuerySet[Person]:
    """Whom a desk may look up without a card (see HouseholdQuerySet.for_desk)."""
    return Person.objects.current().filter(household__in=Household.objects.for_desk(user))


@role_required(*DESK)
def find(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A household without its card: found through the registry search, served with the
    reason recorded. The search posts, so that names stay out of addresses and logs."""
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    query = request.POST.get("q", "") if request.method == "POST" else ""
    hits = search(_findable(user), query, limit=15) if query.strip() else []
    households: dict[uuid.UUID, Household] = {}
    for hit in hits:
        households.setdefault(hit.person.household_id, hit.person.household)
    found = list(Household.objects.filter(pk__in=households).prefetch_related("members", "site"))
    order = list(households)
    found.sort(key=lambda h: order.index(h.pk))
    return render(
        request,
        "distribution/find.html",
        {"session": session, "q": query, "households": found, "searched": bool(query.strip()),
         "form": WithoutCardForm()},
    )  # fmt: skip


@require_POST
@role_required(*DESK)
def serve_without_card(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    session = _get_session_for_user(user, pk)
    form = WithoutCardForm(request.POST)
    context = _desk_context(request, session)
    if not form.is_valid():
        context["error"] = (
            _("Say why the household has no card.")
            if "reason" in form.errors
            else _("No such household here.")
        )
        return _answer(request, session, context)
    household = Household.objects.for_desk(user).filter(pk=form.cleaned_data["household"]).first()
    if household is None:
        context["error"] = _("No such household here.")
        return _answer(request, session, context)
    context["outcome"] = do_check_in(
        actor=user,
        session=session,
        desk=_desk_name(request),
        who=Who(
            household=household,
            without_card_reason=form.cleaned_data["reason"].strip(),
            channel=Channel.SEARCH,
        ),
    )
    return _answer(request, session, context)


@require_POST
@role_required(*DESK)
def record_proxy(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Just after a scan: an authorised neighbour collected for the household."""
    user = cast(User, request.user)
    collection = get_object_or_404(
        Collection.objects.filter(session__in=DistributionSession.objects.servable_by(user)),
        pk=pk,
    )
    try:
        proxy_pk = uuid.UUID(request.POST.get("proxy", ""))
    except ValueError:
        proxy = None  # "the household collected itself"
    else:
        proxy = get_object_or_404(Proxy, pk=proxy_pk)
    try:
        do_record_proxy(actor=user, collection=collection, proxy=proxy)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Recorded: %(name)s collected for the household.") % {"name": proxy}
            if proxy
            else _("Recorded: the household collected itself."),
        )
    return redirect("distribution:desk", pk=collection.session_id)


@role_required(*DESK)
def stock_left(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """What every desk polls: the stock left, so that all see what the others gave, and
    whether the site is paused, so that all stop at once."""
    session = _get_session_for_user(cast(User, request.user), pk)
    return render(request, "distribution/_status.html", _desk_context(request, session))


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
