"""Distribution over JSON: programmes and their rules, sessions, site pauses, check-ins at the
desk and the collections they made.

Who may do what, as on the pages: a coordinator everything; a distributor serves at the sites
it works at, reads their sessions, collections and pause status, and may pause them (the
volunteer who hears the siren should not have to phone first); an auditor reads programmes,
collections and pause status. Only a coordinator writes programmes, opens, closes and sets
sessions, resumes a site and reverses a collection. Every write takes an `Idempotency-Key`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal, cast

from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
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
from hromada.core.models import Site, User
from hromada.distribution.actions import (
    ActionRefused,
    CheckinOutcome,
    Rule,
    SessionAlreadyOpen,
    Who,
    do_check_in,
    do_close_session,
    do_create_programme,
    do_open_session,
    do_pause_site,
    do_resume_site,
    do_reverse_collection,
    do_update_programme,
    do_update_session,
)
from hromada.distribution.models import (
    Basis,
    Channel,
    Collection,
    DistributionSession,
    Eligibility,
    PauseReason,
    Period,
    Programme,
    RefusalReason,
    Shortage,
    SitePause,
)
from hromada.lib.periods import KYIV
from hromada.people.models import Household, Proxy, VulnerabilityKind
from hromada.stock.models import Commodity, StockBalance

router = Router(tags=["distribution"])

READERS = ("coordinator", "distributor", "auditor")


def _user(request: HttpRequest, *roles: str) -> User:
    user = cast(User, request.user)
    if not user.has_role(*roles):
        raise Refusal(403, "forbidden", _("Your role may not do this."))
    return user


# ---------------------------------------------------------------------------------------------
# Programmes


class ProgrammeOut(Schema):
    id: uuid.UUID
    name: str
    commodity: uuid.UUID
    commodity_name: str
    unit: str
    basis: Basis
    quantity: int
    max_per_household: int | None
    period: Period
    eligibility: Eligibility
    vulnerability: VulnerabilityKind | Literal[""]
    age: int | None
    excludes: list[uuid.UUID]
    rule_text: str  # the rule in one line, in the language asked for


def _programme(programme: Programme) -> dict[str, Any]:
    """A programme as JSON (text, not objects: an idempotent answer is stored as sent)."""
    return {
        "id": str(programme.pk),
        "name": programme.name,
        "commodity": str(programme.commodity_id),
        "commodity_name": programme.commodity.name,
        "unit": programme.commodity.unit,
        "basis": programme.basis,
        "quantity": programme.quantity,
        "max_per_household": programme.max_per_household,
        "period": programme.period,
        "eligibility": programme.eligibility,
        "vulnerability": programme.vulnerability,
        "age": programme.age,
        "excludes": sorted(str(p.pk) for p in programme.excludes.all()),
        "rule_text": programme.rule_text(),
    }


def _programmes() -> QuerySet[Programme]:
    return Programme.objects.select_related("commodity").prefetch_related("excludes")


@router.get("/programmes", response={200: list[ProgrammeOut], 401: Error, 403: Error})
def programmes(request: HttpRequest) -> Any:
    """Every programme with its rule: what a household is entitled to, and who is eligible."""
    _user(request, *READERS)
    return [_programme(p) for p in _programmes()]


QUANTITY_HELP = "units per person (or per household, with basis=household) per period"
AGE_HELP = "children: under this age; older people: this age and over"


class ProgrammeIn(Schema):
    name: str = Field(min_length=1, max_length=200, pattern=SOME_TEXT)
    commodity: uuid.UUID
    quantity: int = Field(ge=1, le=100_000, description=QUANTITY_HELP)
    basis: Basis = Basis.PERSON
    max_per_household: int | None = Field(None, ge=1, le=1_000_000)
    period: Period = Period.DAY
    eligibility: Eligibility = Eligibility.EVERYONE
    vulnerability: VulnerabilityKind | Literal[""] = ""
    age: int | None = Field(None, ge=0, le=120, description=AGE_HELP)
    excludes: list[uuid.UUID] = Field([], max_length=50)


class ProgrammePatch(Schema):
    """Only what is sent changes. `max_per_household`, `vulnerability` and `age` sent as null
    are cleared; `excludes`, when sent, is the whole new list."""

    name: str | None = Field(None, min_length=1, max_length=200, pattern=SOME_TEXT)
    quantity: int | None = Field(None, ge=1, le=100_000, description=QUANTITY_HELP)
    basis: Basis | None = None
    max_per_household: int | None = Field(None, ge=1, le=1_000_000)
    period: Period | None = None
    eligibility: Eligibility | None = None
    vulnerability: VulnerabilityKind | Literal[""] | None = None
    age: int | None = Field(None, ge=0, le=120, description=AGE_HELP)
    excludes: list[uuid.UUID] | None = Field(None, max_length=50)


PROGRAMME_WRITTEN = {
    200: ProgrammeOut, 201: ProgrammeOut, 401: Error, 403: Error, 404: Error, 422: Invalid,
}  # fmt: skip


def _excluded(ids: Iterable[uuid.UUID]) -> list[Programme]:
    wanted = set(ids)
    found = list(Programme.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise invalid_fields("excludes")
    return found


def _rule_refused(refused: ActionRefused) -> Refusal:
    return Refusal(422, "invalid", refused.message)


@router.post("/programmes", response=PROGRAMME_WRITTEN)
def programme_create(request: HttpRequest, payload: ProgrammeIn) -> Any:
    """Create a programme with its rule. A rule that does not hold together (children without
    an age, a vulnerability rule without the vulnerability) is refused with 422 saying why."""
    user = _user(request, "coordinator")
    commodity = Commodity.objects.filter(pk=payload.commodity).first()
    if commodity is None:
        raise invalid_fields("commodity")
    excludes = _excluded(payload.excludes)
    rule = Rule(
        quantity=payload.quantity,
        basis=str(payload.basis),
        period=str(payload.period),
        max_per_household=payload.max_per_household,
        eligibility=str(payload.eligibility),
        vulnerability=str(payload.vulnerability),
        age=payload.age,
    )

    def write() -> tuple[int, dict[str, Any]]:
        try:
            programme = do_create_programme(
                actor=user, name=payload.name.strip(), commodity=commodity, rule=rule,
                excludes=excludes,
            )  # fmt: skip
        except ActionRefused as refused:
            raise _rule_refused(refused) from None
        return 201, _programme(_programmes().get(pk=programme.pk))

    return answer_once(user=user, key=idempotency_key(request), write=write)


@router.patch("/programmes/{id}", response=PROGRAMME_WRITTEN)
def programme_update(request: HttpRequest, id: uuid.UUID, payload: ProgrammePatch) -> Any:
    """Change a programme's name, rule or exclusions (what is left out stays as it is).
    Collections already made keep what they gave; the new rule holds from the next scan."""
    user = _user(request, "coordinator")
    programme = _programmes().filter(pk=id).first()
    if programme is None:
        raise Refusal(404, "not_found", _("No such programme."))
    sent = payload.model_dump(exclude_unset=True)

    def given(name: str) -> Any:
        """What was sent, or what is there; null clears only the fields that may be empty."""
        current = getattr(programme, name)
        if name not in sent:
            return current
        if sent[name] is None:
            return {"max_per_household": None, "age": None, "vulnerability": ""}.get(name, current)
        return sent[name]

    rule = Rule(
        quantity=given("quantity"),
        basis=str(given("basis")),
        period=str(given("period")),
        max_per_household=given("max_per_household"),
        eligibility=str(given("eligibility")),
        vulnerability=str(given("vulnerability")),
        age=given("age"),
    )
    excludes = (
        _excluded(payload.excludes) if payload.excludes is not None else programme.excludes.all()
    )

    def write() -> tuple[int, dict[str, Any]]:
        try:
            do_update_programme(
                actor=user, programme=programme, name=str(given("name")).strip(), rule=rule,
                excludes=list(excludes),
            )  # fmt: skip
        except ActionRefused as refused:
            raise _rule_refused(refused) from None
        return 200, _programme(_programmes().get(pk=programme.pk))

    return answer_once(user=user, key=idempotency_key(request), write=write)


# ---------------------------------------------------------------------------------------------
# Sessions


class SessionOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    site_name: str
    programme: uuid.UUID
    programme_name: str
    commodity: str
    unit: str
    quantity_per_person: int
    status: str
    opened_at: datetime
    left: int
    # added with the rules (issue 4); the fields above are the skeleton's contract
    rule_text: str
    shortage: Shortage
    slots_strict: bool
    closed_at: datetime | None
    paused: bool  # the site is paused: every scan is refused until it resumes
    pause_reason: PauseReason | Literal[""]


def _active_pauses(site_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SitePause]:
    return {p.site_id: p for p in SitePause.objects.active().filter(site_id__in=set(site_ids))}


def _session_rows(found: list[DistributionSession]) -> list[dict[str, Any]]:
    sites = {s.site_id for s in found}
    balances = {
        (b.site_id, b.commodity_id): b.quantity for b in StockBalance.objects.filter(site__in=sites)
    }
    pauses = _active_pauses(sites)
    rows = []
    for s in found:
        pause = pauses.get(s.site_id)
        rows.append(
            {
                "id": str(s.pk),
                "site": str(s.site_id),
                "site_name": s.site.name,
                "programme": str(s.programme_id),
                "programme_name": s.programme.name,
                "commodity": s.programme.commodity.name,
                "unit": s.programme.commodity.unit,
                # the skeleton's contract: a per-household programme has no per-person figure
                "quantity_per_person": (
                    s.programme.quantity if s.programme.basis == Basis.PERSON else 0
                ),
                "status": s.status,
                "opened_at": s.opened_at.isoformat(),
                "left": balances.get((s.site_id, s.programme.commodity_id), 0),
                "rule_text": s.programme.rule_text(),
                "shortage": s.shortage,
                "slots_strict": s.slots_strict,
                "closed_at": s.closed_at.isoformat() if s.closed_at else None,
                "paused": pause is not None,
                "pause_reason": pause.reason if pause is not None else "",
            }
        )
    return rows


def _session(session: DistributionSession) -> dict[str, Any]:
    fresh = DistributionSession.objects.select_related("site", "programme__commodity").get(
        pk=session.pk
    )
    return _session_rows([fresh])[0]


@router.get("/sessions", response={200: list[SessionOut], 401: Error, 422: Error})
def sessions(
    request: HttpRequest, status: Literal["open", "closed"] | None = None
) -> list[dict[str, Any]]:
    """Distribution sessions the user may serve at (with `status=open`, those open now)."""
    user = cast(User, request.user)
    found = DistributionSession.objects.servable_by(user).select_related(
        "site", "programme__commodity"
    )
    if status:
        found = found.filter(status=status)
    return _session_rows(list(found[:500]))  # newest first; a site opens one a day


class SessionIn(Schema):
    programme: uuid.UUID
    site: uuid.UUID


SESSION_WRITTEN = {
    200: SessionOut, 201: SessionOut, 401: Error, 403: Error, 404: Error, 409: Error,
    422: Invalid,
}  # fmt: skip


def _get_session_for_coordinator(pk: uuid.UUID) -> DistributionSession:
    session = DistributionSession.objects.filter(pk=pk).first()
    if session is None:
        raise Refusal(404, "not_found", _("No such distribution session."))
    return session


@router.post("/sessions", response=SESSION_WRITTEN)
def session_open(request: HttpRequest, payload: SessionIn) -> Any:
    """Open a programme at a site. While it is open there already: 409 `already_open`."""
    user = _user(request, "coordinator")
    programme = Programme.objects.filter(pk=payload.programme).first()
    site = Site.objects.filter(pk=payload.site).first()
    if programme is None or site is None:
        raise invalid_fields(*[name for name, found in (("programme", programme), ("site", site))
                         if found is None])  # fmt: skip

    def write() -> tuple[int, dict[str, Any]]:
        try:
            session = do_open_session(actor=user, programme=programme, site=site)
        except SessionAlreadyOpen as already:
            raise Refusal(409, "already_open", already.message) from None
        except IntegrityError:
            # another coordinator opened it at the same instant (PostgreSQL)
            message = _("%(programme)s is already open at %(site)s.") % {
                "programme": programme.name,
                "site": site.name,
            }
            raise Refusal(409, "already_open", message) from None
        return 201, _session(session)

    return answer_once(user=user, key=idempotency_key(request), write=write)


@router.post("/sessions/{id}/close", response=SESSION_WRITTEN)
def session_close(request: HttpRequest, id: uuid.UUID) -> Any:
    """Close a session at day's end; closing a closed session changes nothing."""
    user = _user(request, "coordinator")
    session = _get_session_for_coordinator(id)

    def write() -> tuple[int, dict[str, Any]]:
        return 200, _session(do_close_session(actor=user, session=session))

    return answer_once(user=user, key=idempotency_key(request), write=write)


class SessionPatch(Schema):
    """Only what is sent changes."""

    shortage: Shortage | None = Field(
        None, description="refuse: give nothing unless the whole entitlement is there; "
        "partial: give what is left",
    )  # fmt: skip
    slots_strict: bool | None = Field(None, description="serve households only in their slot")


@router.patch("/sessions/{id}", response=SESSION_WRITTEN)
def session_update(request: HttpRequest, id: uuid.UUID, payload: SessionPatch) -> Any:
    """The coordinator's choices for a session: what the desk does when stock runs short, and
    whether households are served only in their time slot. Every desk follows at once."""
    user = _user(request, "coordinator")
    session = _get_session_for_coordinator(id)

    def write() -> tuple[int, dict[str, Any]]:
        updated = do_update_session(
            actor=user,
            session=session,
            shortage=str(payload.shortage if payload.shortage is not None else session.shortage),
            slots_strict=(
                payload.slots_strict if payload.slots_strict is not None else session.slots_strict
            ),
        )
        return 200, _session(updated)

    return answer_once(user=user, key=idempotency_key(request), write=write)


# ---------------------------------------------------------------------------------------------
# Site pauses


class SiteStatusOut(Schema):
    site: uuid.UUID
    site_name: str
    paused: bool
    reason: PauseReason | None
    reason_text: str  # what the desk shows, in the language asked for
    since: datetime | None


class PauseIn(Schema):
    reason: PauseReason
    note: str = Field("", max_length=200, pattern=NO_NUL)


SITE_ANSWERS = {200: SiteStatusOut, 401: Error, 403: Error, 404: Error, 422: Invalid}


def _site_status(site: Site) -> dict[str, Any]:
    pause = SitePause.objects.active().filter(site=site).first()
    return {
        "site": str(site.pk),
        "site_name": site.name,
        "paused": pause is not None,
        "reason": pause.reason if pause is not None else None,
        "reason_text": pause.reason_text() if pause is not None else "",
        "since": pause.started_at.isoformat() if pause is not None else None,
    }


def _get_site_for_user(sites: QuerySet[Site], pk: uuid.UUID) -> Site:
    site = sites.filter(pk=pk).first()
    if site is None:
        raise Refusal(404, "not_found", _("No such site."))
    return site


def _pause_sites(user: User) -> QuerySet[Site]:
    """Where a user may stop the desks: a coordinator anywhere, a distributor its own sites."""
    if user.has_role("coordinator"):
        return Site.objects.all()
    return user.sites.all()


@router.get("/sites/{site_id}/status", response=SITE_ANSWERS)
def site_status(request: HttpRequest, site_id: uuid.UUID) -> Any:
    """Whether the site is paused, why and since when: for desks and phones to poll."""
    user = _user(request, "coordinator", "distributor", "auditor", "registrar")
    return _site_status(_get_site_for_user(user.visible_sites(), site_id))


@router.post("/sites/{site_id}/pause", response=SITE_ANSWERS)
def site_pause(request: HttpRequest, site_id: uuid.UUID, payload: PauseIn) -> Any:
    """Stop every desk at the site at once, with the reason they show. Pausing a site already
    paused keeps the first pause."""
    user = _user(request, "coordinator", "distributor")
    site = _get_site_for_user(_pause_sites(user), site_id)

    def write() -> tuple[int, dict[str, Any]]:
        do_pause_site(actor=user, site=site, reason=str(payload.reason), note=payload.note)
        return 200, _site_status(site)

    return answer_once(user=user, key=idempotency_key(request), write=write)


@router.post("/sites/{site_id}/resume", response=SITE_ANSWERS)
def site_resume(request: HttpRequest, site_id: uuid.UUID) -> Any:
    """End the site's pause: every desk serves again."""
    user = _user(request, "coordinator")
    site = _get_site_for_user(Site.objects.all(), site_id)

    def write() -> tuple[int, dict[str, Any]]:
        do_resume_site(actor=user, site=site)
        return 200, _site_status(site)

    return answer_once(user=user, key=idempotency_key(request), write=write)


# ---------------------------------------------------------------------------------------------
# Check-ins


class CheckinIn(Schema):
    session: uuid.UUID
    card: str | None = Field(None, max_length=64, description="the code scanned")
    desk: str = Field("", max_length=100, pattern=NO_NUL)
    household: uuid.UUID | None = Field(
        None, description="instead of `card`: a household found without its card"
    )
    without_card_reason: str = Field(
        "", max_length=200, pattern=NO_NUL, description="required with `household`"
    )
    proxy: uuid.UUID | None = Field(
        None, description="an authorised proxy of the household collected for it"
    )


class SlotOut(Schema):
    start: datetime
    end: datetime


class CheckinOut(Schema):
    id: uuid.UUID
    household: uuid.UUID
    quantity: int
    members: int
    unit: str
    left: int
    at: datetime
    # added with the rules (issue 4); the fields above are the skeleton's contract
    entitled: int  # what the rule gives; `quantity` is less when stock ran short
    channel: Channel
    proxy: uuid.UUID | None
    timing: Literal["early", "due", "late", ""]  # against the household's slot, if it has one
    slot: SlotOut | None


class Refused(Error):
    left: int | None = None


# How each refusal answers over HTTP; the rest are 409 (the request conflicts with the state).
REFUSAL_STATUS: dict[str, int] = {
    RefusalReason.UNKNOWN_CARD: 404,
    RefusalReason.MALFORMED_CARD: 422,
}


def _answer(outcome: CheckinOutcome) -> tuple[int, dict[str, Any]]:
    if outcome.refusal is not None:
        refusal = outcome.refusal
        return REFUSAL_STATUS.get(refusal.reason, 409), {
            "code": refusal.reason,
            "message": refusal.message,
            "left": outcome.left,
        }
    collection = outcome.collection
    assert collection is not None  # noqa: S101 (an outcome is one or the other)
    slot = outcome.slot
    return 201, {
        "id": str(collection.pk),
        "household": str(collection.household_id),
        "quantity": collection.quantity,
        "members": collection.members,
        "unit": collection.programme.commodity.unit,
        "left": outcome.left,
        "at": collection.at.isoformat(),
        "entitled": collection.entitled,
        "channel": collection.channel,
        "proxy": str(collection.proxy_id) if collection.proxy_id else None,
        "timing": outcome.timing,
        "slot": (
            {"start": slot.starts_at.isoformat(), "end": slot.ends_at.isoformat()}
            if slot is not None
            else None
        ),
    }


def _who(user: User, payload: CheckinIn) -> Who:
    """Whom the desk serves, from what was sent: a card, or a household found without it."""
    if payload.household is None:
        if payload.card is None:
            raise invalid_fields("card")
        if payload.without_card_reason:
            raise invalid_fields("household")
        who = Who(card_code=payload.card)
    else:
        if payload.card is not None:
            raise Refusal(
                422, "invalid",
                _("Send either the card scanned or the household found without it, not both."),
                fields=["card", "household"],
            )  # fmt: skip
        reason = payload.without_card_reason.strip()
        if not reason:
            raise invalid_fields("without_card_reason")
        household = Household.objects.for_desk(user).filter(pk=payload.household).first()
        if household is None:
            raise Refusal(404, "unknown_household", _("No such household here."))
        who = Who(household=household, without_card_reason=reason, channel=Channel.SEARCH)
    if payload.proxy is not None:
        proxy = Proxy.objects.filter(pk=payload.proxy).first()
        if proxy is None:
            raise invalid_fields("proxy")
        who = replace(who, proxy=proxy)
    return who


@router.post(
    "/checkins",
    response={201: CheckinOut, 401: Error, 403: Error, 404: Refused, 409: Refused, 422: Refused},
)
def checkin(request: HttpRequest, payload: CheckinIn) -> Any:
    """Serve the household whose card was scanned (`card`), or one found without its card
    (`household` with `without_card_reason`); `proxy` when an authorised proxy collects. A
    request repeated with the same `Idempotency-Key` header gets the first answer back and
    changes nothing."""
    user = cast(User, request.user)
    idempotency_key(request)  # a key too long is refused before anything is looked up
    session = (
        DistributionSession.objects.servable_by(user)
        .select_related("site", "programme__commodity")
        .filter(pk=payload.session)
        .first()
    )
    if session is None:
        # the second look happens only on this rare path: one query for the common one
        if DistributionSession.objects.filter(pk=payload.session).exists():
            raise Refusal(403, "forbidden", _("You may not serve at this session."))
        raise Refusal(404, "unknown_session", _("No such distribution session."))
    who = _who(user, payload)

    def write() -> tuple[int, dict[str, Any]]:
        outcome = do_check_in(
            actor=user, session=session, who=who, desk=payload.desk or user.username
        )
        return _answer(outcome)

    return answer_once(user=user, key=idempotency_key(request), write=write, keep_refusals=True)


# ---------------------------------------------------------------------------------------------
# Collections


class CollectionOut(Schema):
    """A collection as the day's accounts need it: no name, no card code, no proxy's name."""

    id: uuid.UUID
    session: uuid.UUID
    site: uuid.UUID
    programme: uuid.UUID
    household: uuid.UUID
    members: int  # members counted under the rule
    entitled: int
    quantity: int
    unit: str
    channel: Channel
    by_proxy: bool
    period_start: str  # the first day (Kyiv) of the period it counts for
    at: datetime
    desk: str
    reversed_at: datetime | None


def _collection(collection: Collection) -> dict[str, Any]:
    return {
        "id": str(collection.pk),
        "session": str(collection.session_id),
        "site": str(collection.session.site_id),
        "programme": str(collection.programme_id),
        "household": str(collection.household_id),
        "members": collection.members,
        "entitled": collection.entitled,
        "quantity": collection.quantity,
        "unit": collection.programme.commodity.unit,
        "channel": collection.channel,
        "by_proxy": collection.proxy_id is not None,
        "period_start": collection.period_start.isoformat(),
        "at": collection.at.isoformat(),
        "desk": collection.desk,
        "reversed_at": collection.reversed_at.isoformat() if collection.reversed_at else None,
    }


# Query parameters with a description or bounds, made once. `since` is text of ISO 8601's
# shape, read here: a datetime parameter would take a bare number as a Unix time.
ISO_INSTANT = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:?\d\d)?$"
SINCE = param_functions.Query(
    None,
    pattern=ISO_INSTANT,
    description="only collections made after this instant (ISO 8601; without an offset: Kyiv)",
)
LIMIT = param_functions.Query(500, ge=1, le=5000)


def _instant(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_fields(field) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, KYIV)


@router.get(
    "/collections",
    response={200: list[CollectionOut], 401: Error, 403: Error, 404: Error, 422: Invalid},
)
def collections(
    request: HttpRequest,
    session: uuid.UUID | None = None,
    since: str | None = SINCE,
    limit: int = LIMIT,
) -> Any:
    """Collections of the sessions the user may see, oldest first: poll with `since` set to
    the `at` of the last one received. Reversed ones are included, with `reversed_at`."""
    user = _user(request, *READERS)
    visible = DistributionSession.objects.visible_to(user)
    found = Collection.objects.filter(session__in=visible)
    if session is not None:
        if not visible.filter(pk=session).exists():
            raise Refusal(404, "not_found", _("No such distribution session."))
        found = Collection.objects.filter(session_id=session)
    if since is not None:
        found = found.filter(at__gt=_instant(since, "since"))
    found = found.select_related("session", "programme__commodity").order_by("at", "pk")
    return [_collection(c) for c in found[:limit]]


class ReversalIn(Schema):
    reason: str = Field(min_length=1, max_length=200, pattern=SOME_TEXT)


@router.post(
    "/collections/{id}/reverse",
    response={200: CollectionOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Invalid},
)
def collection_reverse(request: HttpRequest, id: uuid.UUID, payload: ReversalIn) -> Any:
    """Reverse a collection made by mistake, on the day it was made: the units go back in
    stock and the household may collect again. Reversed already, or made on another day:
    409 `refused`, saying why."""
    user = _user(request, "coordinator")
    collection = Collection.objects.filter(pk=id).first()
    if collection is None:
        raise Refusal(404, "not_found", _("No such collection."))

    def write() -> tuple[int, dict[str, Any]]:
        try:
            reversed_ = do_reverse_collection(
                actor=user, collection=collection, reason=payload.reason
            )
        except ActionRefused as refused:
            raise Refusal(409, "refused", refused.message) from None
        return 200, _collection(reversed_)

    return answer_once(user=user, key=idempotency_key(request), write=write)
