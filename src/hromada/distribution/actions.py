"""Every write of the distribution goes through these functions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.core.audit import record_audit
from hromada.core.models import Site, User
from hromada.distribution.models import (
    Basis,
    Channel,
    Collection,
    DayTally,
    DistributionSession,
    Eligibility,
    Period,
    Programme,
    Refusal,
    RefusalReason,
    Shortage,
    SitePause,
    Slot,
)
from hromada.lib import cardcode, periods
from hromada.lib.periods import kyiv_day
from hromada.people.models import Card, Household, Proxy
from hromada.stock.actions import OutOfStock, balance_of, post_movement
from hromada.stock.models import Commodity, MovementKind

PERIOD_NOUNS = {
    periods.DAY: gettext_lazy("day"),
    periods.WEEK: gettext_lazy("week"),
    periods.MONTH: gettext_lazy("month"),
    periods.ONCE: gettext_lazy("period"),
}


class SessionAlreadyOpen(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CheckinRefused(Exception):
    """The desk turns a card away; `message` is for the volunteer, in their language."""

    reason: ClassVar[str] = ""

    def __init__(self, message: str, *, household: Household | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.household = household


class SessionNotOpen(CheckinRefused):
    reason = RefusalReason.SESSION_CLOSED


class MalformedCard(CheckinRefused):
    reason = RefusalReason.MALFORMED_CARD


class UnknownCard(CheckinRefused):
    reason = RefusalReason.UNKNOWN_CARD


class CardRevoked(CheckinRefused):
    reason = RefusalReason.CARD_REVOKED


class EmptyHousehold(CheckinRefused):
    reason = RefusalReason.NO_MEMBERS


def _where(collection: Collection) -> dict[str, str]:
    at = timezone.localtime(collection.at)
    return {
        "date": date_format(at, "d.m.Y"),
        "time": date_format(at, "H:i"),
        "site": collection.session.site.name,
        "desk": collection.desk or collection.served_by.username,
        "programme": collection.programme.name,
    }


class AlreadyCollected(CheckinRefused):
    reason = RefusalReason.ALREADY_COLLECTED

    def __init__(self, collection: Collection) -> None:
        messages = {
            Period.DAY: _("Already collected today at %(time)s, %(site)s, desk %(desk)s."),
            Period.WEEK: _(
                "Already collected this week: %(date)s at %(time)s, %(site)s, desk %(desk)s."
            ),
            Period.MONTH: _(
                "Already collected this month: %(date)s at %(time)s, %(site)s, desk %(desk)s."
            ),
            Period.ONCE: _(
                "Already received: it is given once only. %(date)s at %(time)s, %(site)s, "
                "desk %(desk)s."
            ),
        }
        super().__init__(
            messages[Period(collection.programme.period)] % _where(collection),
            household=collection.household,
        )
        self.collection = collection


class Excluded(CheckinRefused):
    """The household received a programme that excludes this one in the same period."""

    reason = RefusalReason.EXCLUDED

    def __init__(self, *, programme: Programme, collection: Collection) -> None:
        super().__init__(
            _(
                "Not with %(programme)s: this household received %(other)s on %(date)s, "
                "%(site)s, and the two are not given in the same %(period)s."
            )
            % {
                **_where(collection),
                "programme": programme.name,
                "other": collection.programme.name,
                "period": PERIOD_NOUNS[
                    periods.longer(programme.period, collection.programme.period)
                ],
            },
            household=collection.household,
        )
        self.collection = collection


class NotEligible(CheckinRefused):
    reason = RefusalReason.NOT_ELIGIBLE


class SitePaused(CheckinRefused):
    reason = RefusalReason.PAUSED


class OutsideSlot(CheckinRefused):
    reason = RefusalReason.OUTSIDE_SLOT


class ProxyNotAuthorised(CheckinRefused):
    reason = RefusalReason.PROXY_NOT_AUTHORISED


class NoStock(CheckinRefused):
    reason = RefusalReason.OUT_OF_STOCK

    def __init__(self, *, left: int, wanted: int, household: Household) -> None:
        super().__init__(
            _(
                "Out of stock: %(wanted)d needed, %(left)d left. The coordinator's rule: "
                "refuse when the whole entitlement is not there."
            )
            % {"wanted": wanted, "left": left},
            household=household,
        )
        self.left = left


class ActionRefused(Exception):
    """A coordinator's or registrar's action that the rules refuse; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _malformed_message(reason: str) -> str:
    messages = {
        "empty": _("The card code is empty."),
        "symbol": _("The card code contains a character that is not allowed."),
        "length": _("The card code has the wrong number of characters (12 expected)."),
        "check": _("The card code is mistyped: its check characters do not match."),
    }
    return messages[reason]


@dataclass(frozen=True)
class Who:
    """Whom the desk serves: a scanned card, or a household found without one (the registry
    search, a paper list) with the reason it came without its card."""

    card_code: str = ""
    household: Household | None = None
    without_card_reason: str = ""
    proxy: Proxy | None = None
    channel: str = Channel.CARD


@dataclass(frozen=True)
class CheckinOutcome:
    """What the desk shows: a collection (green) or a refusal (red), and the stock left;
    for a household with a time slot, whether it came early, on time or late."""

    collection: Collection | None
    refusal: CheckinRefused | None
    left: int
    slot: Slot | None = None
    timing: str = ""


def active_pause(site_id: uuid.UUID) -> SitePause | None:
    return SitePause.objects.active().filter(site_id=site_id).first()


def _household_of(who: Who) -> tuple[Household, Card | None]:
    if who.household is not None:
        return who.household, None
    try:
        code = cardcode.normalise(who.card_code)
    except cardcode.MalformedCode as malformed:
        raise MalformedCard(_malformed_message(malformed.reason)) from None
    card = Card.objects.select_related("household").filter(code=code).first()
    if card is None:
        raise UnknownCard(
            _("Card %(code)s is unknown: no household has it.") % {"code": cardcode.display(code)}
        )
    if card.status != Card.Status.ACTIVE:
        raise CardRevoked(
            _("Card %(code)s was revoked. Send the household to the registrar.")
            % {"code": cardcode.display(code)},
            household=card.household,
        )
    return card.household, card


def _check_exclusions(*, programme: Programme, household: Household, now: datetime) -> None:
    for other in programme.excludes.all():
        start, end = periods.period_bounds(periods.longer(programme.period, other.period), now)
        earlier = Collection.objects.standing().filter(
            household=household, programme=other, at__gte=start
        )
        if end is not None:
            earlier = earlier.filter(at__lt=end)
        found = earlier.select_related("session__site", "programme", "served_by").first()
        if found is not None:
            raise Excluded(programme=programme, collection=found)


def _not_eligible(programme: Programme, household: Household) -> NotEligible:
    return NotEligible(
        _("Nobody in this household is eligible for %(programme)s (%(rule)s).")
        % {"programme": programme.name, "rule": programme.rule_text()},
        household=household,
    )


def tally(
    *, site_id: uuid.UUID, programme_id: uuid.UUID, day: date, sign: int, collection: Collection
) -> None:
    """Move the day's tally with a collection (sign 1) or its reversal (sign -1)."""
    change = {
        "households": F("households") + sign,
        "people": F("people") + sign * collection.members,
        "units": F("units") + sign * collection.quantity,
    }
    found = DayTally.objects.filter(site_id=site_id, programme_id=programme_id, day=day)
    if not found.update(**change):
        DayTally.objects.create(
            site_id=site_id, programme_id=programme_id, day=day, households=sign,
            people=sign * collection.members, units=sign * collection.quantity,
        )  # fmt: skip


def _check_in(
    *, actor: User, session: DistributionSession, who: Who, desk: str, at: datetime | None = None
) -> tuple[Collection, int, Slot | None, str]:
    """The collection, the stock left after it, and the household's slot and timing.

    `at` is when it happened, for a paper list entered afterwards; the desk's is now."""
    # Read the status inside the transaction: the coordinator may have closed it a moment ago.
    status = DistributionSession.objects.filter(pk=session.pk).values_list("status", flat=True)
    if status.get() != DistributionSession.Status.OPEN and who.channel != Channel.PAPER:
        raise SessionNotOpen(_("The distribution session is not open."))
    if who.channel != Channel.PAPER:
        pause = active_pause(session.site_id)
        if pause is not None:
            raise SitePaused(
                _("Distribution is paused at %(site)s: %(reason)s. Give nothing until it resumes.")
                % {"site": session.site.name, "reason": pause.reason_text()}
            )
    household, card = _household_of(who)
    if who.proxy is not None and (
        who.proxy.household_id != household.pk or who.proxy.revoked_at is not None
    ):
        raise ProxyNotAuthorised(
            _("This person is not authorised to collect for this household."),
            household=household,
        )
    programme = session.programme
    now = at or timezone.now()
    period_start = programme.period_start(now)
    # no joins here: the earlier collection is rare, and its session and desk are read only
    # to explain the refusal
    earlier = (
        Collection.objects.standing()
        .filter(household=household, programme=programme, period_start=period_start)
        .first()
    )
    if earlier is not None:
        raise AlreadyCollected(earlier)
    _check_exclusions(programme=programme, household=household, now=now)
    present, eligible = programme.eligible_members(household, kyiv_day(now))
    if present == 0:
        raise EmptyHousehold(
            _("This household has no members on record. Send it to the registrar."),
            household=household,
        )
    if eligible == 0:
        raise _not_eligible(programme, household)
    slot = Slot.objects.filter(session=session, household=household).first()
    timing = slot.timing(now) if slot is not None else ""
    if (
        slot is not None
        and session.slots_strict
        and timing != "due"
        and who.channel != Channel.PAPER
    ):
        start = timezone.localtime(slot.starts_at)
        end = timezone.localtime(slot.ends_at)
        raise OutsideSlot(
            _(
                "This household's time is %(start)s–%(end)s. The coordinator serves households "
                "only in their time slot today."
            )
            % {"start": date_format(start, "H:i"), "end": date_format(end, "H:i")},
            household=household,
        )
    entitled = programme.entitlement(eligible)
    quantity = entitled
    try:
        movement, left = post_movement(
            actor=actor, site=session.site, commodity=programme.commodity,
            kind=MovementKind.ISSUED, quantity=-quantity, at=now,
        )  # fmt: skip
    except OutOfStock as short:
        if session.shortage != Shortage.PARTIAL or short.left <= 0:
            raise NoStock(left=short.left, wanted=quantity, household=household) from None
        quantity = short.left
        movement, left = post_movement(
            actor=actor, site=session.site, commodity=programme.commodity,
            kind=MovementKind.ISSUED, quantity=-quantity, at=now,
        )  # fmt: skip
    collection = Collection.objects.create(
        session=session, programme=programme, household=household, card=card,
        channel=who.channel, without_card_reason=who.without_card_reason, proxy=who.proxy,
        period_start=period_start, members=eligible, entitled=entitled, quantity=quantity,
        at=now, served_by=actor, desk=desk, movement=movement,
    )  # fmt: skip
    tally(
        site_id=session.site_id, programme_id=programme.pk, day=kyiv_day(now), sign=1,
        collection=collection,
    )  # fmt: skip
    record_audit(
        actor=actor, action="distribution.check_in", obj=collection,
        fields=["session", "household", "card", "channel", "proxy", "period_start", "members",
                "quantity"],
        site=session.site,
    )  # fmt: skip
    return collection, left, slot, timing


def _explain_conflict(
    *, session: DistributionSession, who: Who, desk: str, actor: User, at: datetime | None
) -> CheckinRefused:
    """Another desk won a race the checks above could not see (PostgreSQL, two desks at the
    same instant): the database refused us. Say why, by looking again."""
    try:
        _check_in(actor=actor, session=session, who=who, desk=desk, at=at)
    except CheckinRefused as refused:
        return refused
    raise RuntimeError("a check-in conflicted and then succeeded")  # pragma: no cover


def try_check_in(
    *, actor: User, session: DistributionSession, who: Who, desk: str, at: datetime | None = None
) -> CheckinOutcome:
    """Serve, or say why not, without recording the refusal. Callers hold a transaction."""
    try:
        with transaction.atomic():
            collection, left, slot, timing = _check_in(
                actor=actor, session=session, who=who, desk=desk, at=at
            )
        return CheckinOutcome(
            collection=collection, refusal=None, left=left, slot=slot, timing=timing
        )
    except CheckinRefused as refused:
        refusal = refused
    except IntegrityError:
        with transaction.atomic():
            refusal = _explain_conflict(session=session, who=who, desk=desk, actor=actor, at=at)
    return CheckinOutcome(
        collection=None,
        refusal=refusal,
        left=balance_of(site=session.site, commodity=session.programme.commodity),
    )


# No savepoint of its own: a caller's transaction (the API's, with its idempotency record)
# stands or falls with it, and the savepoint inside is the one a lost race needs.
@transaction.atomic(savepoint=False)
def do_check_in(
    *,
    actor: User,
    session: DistributionSession,
    card_code: str = "",
    desk: str = "",
    who: Who | None = None,
) -> CheckinOutcome:
    """Serve one scanned card (or a household found without it), or record why not. Either
    way, one transaction."""
    outcome = try_check_in(
        actor=actor, session=session, who=who or Who(card_code=card_code), desk=desk
    )
    refusal = outcome.refusal
    if refusal is not None:
        row = Refusal.objects.create(
            session=session, reason=refusal.reason, household=refusal.household, served_by=actor
        )
        record_audit(
            actor=actor, action="distribution.refuse", obj=row,
            fields=["session", "reason", "household"], site=session.site,
        )  # fmt: skip
    return outcome


@dataclass(frozen=True)
class Rule:
    """A programme's rule as a coordinator writes it (see Programme for what each part means)."""

    quantity: int
    basis: str = Basis.PERSON
    period: str = Period.DAY
    max_per_household: int | None = None
    eligibility: str = Eligibility.EVERYONE
    vulnerability: str = ""
    age: int | None = None

    def problems(self) -> list[str]:
        found = []
        if self.quantity <= 0:
            found.append(_("The quantity must be at least 1."))
        if self.max_per_household is not None and self.max_per_household <= 0:
            found.append(_("The maximum per household must be at least 1, or left empty."))
        if self.eligibility in (Eligibility.CHILDREN, Eligibility.OLDER) and self.age is None:
            found.append(_("Give the age for a rule on children or older people."))
        if self.eligibility == Eligibility.VULNERABILITY and not self.vulnerability:
            found.append(_("Choose the vulnerability that makes a person eligible."))
        return found


PROGRAMME_FIELDS = [
    "name", "commodity", "quantity", "basis", "period", "max_per_household", "eligibility",
    "vulnerability", "age", "excludes",
]  # fmt: skip


def _apply_rule(programme: Programme, rule: Rule) -> None:
    problems = rule.problems()
    if problems:
        raise ActionRefused(" ".join(problems))
    programme.quantity = rule.quantity
    programme.basis = rule.basis
    programme.period = rule.period
    # a cap means nothing on a per-household quantity
    programme.max_per_household = rule.max_per_household if rule.basis == Basis.PERSON else None
    programme.eligibility = rule.eligibility
    programme.vulnerability = (
        rule.vulnerability if rule.eligibility == Eligibility.VULNERABILITY else ""
    )
    programme.age = (
        rule.age if rule.eligibility in (Eligibility.CHILDREN, Eligibility.OLDER) else None
    )


@transaction.atomic
def do_create_programme(
    *,
    actor: User,
    name: str,
    commodity: Commodity,
    rule: Rule,
    excludes: Iterable[Programme] = (),
) -> Programme:
    programme = Programme(name=name, commodity=commodity)
    _apply_rule(programme, rule)
    programme.save(force_insert=True)
    programme.excludes.set(list(excludes))
    record_audit(
        actor=actor, action="distribution.create_programme", obj=programme,
        fields=PROGRAMME_FIELDS,
    )  # fmt: skip
    return programme


@transaction.atomic
def do_update_programme(
    *,
    actor: User,
    programme: Programme,
    name: str,
    rule: Rule,
    excludes: Iterable[Programme],
) -> Programme:
    """Change a programme's rule. Collections already made keep what they gave; the new rule
    holds from the next scan."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    others = [p for p in excludes if p.pk != programme.pk]
    programme.name = name
    _apply_rule(programme, rule)
    programme.save()
    programme.excludes.set(others)
    record_audit(
        actor=actor, action="distribution.update_programme", obj=programme,
        fields=PROGRAMME_FIELDS,
    )  # fmt: skip
    return programme


@transaction.atomic
def do_open_session(*, actor: User, programme: Programme, site: Site) -> DistributionSession:
    """Open a programme at a site; refused while it is already open there (the database
    refuses it too, for two coordinators at once)."""
    if DistributionSession.objects.open().filter(programme=programme, site=site).exists():
        raise SessionAlreadyOpen(
            _("%(programme)s is already open at %(site)s.")
            % {"programme": programme.name, "site": site.name}
        )
    session = DistributionSession.objects.create(programme=programme, site=site, opened_by=actor)
    record_audit(
        actor=actor, action="distribution.open_session", obj=session,
        fields=["programme", "site", "status"], site=site,
    )  # fmt: skip
    return session


@transaction.atomic
def do_close_session(*, actor: User, session: DistributionSession) -> DistributionSession:
    session = DistributionSession.objects.select_for_update().get(pk=session.pk)
    if session.is_open:
        session.status = DistributionSession.Status.CLOSED
        session.closed_at = timezone.now()
        session.save(update_fields=["status", "closed_at"])
        record_audit(
            actor=actor, action="distribution.close_session", obj=session,
            fields=["status", "closed_at"], site=session.site,
        )  # fmt: skip
    return session


@transaction.atomic
def do_update_session(
    *, actor: User, session: DistributionSession, shortage: str, slots_strict: bool
) -> DistributionSession:
    """The coordinator's choices for a session: what the desk does when stock runs short, and
    whether households are served only in their time slot."""
    session = DistributionSession.objects.select_for_update().get(pk=session.pk)
    session.shortage = shortage
    session.slots_strict = slots_strict
    session.save(update_fields=["shortage", "slots_strict"])
    record_audit(
        actor=actor, action="distribution.update_session", obj=session,
        fields=["shortage", "slots_strict"], site=session.site,
    )  # fmt: skip
    return session


@transaction.atomic
def do_pause_site(*, actor: User, site: Site, reason: str, note: str = "") -> SitePause:
    """Stop every desk at a site at once. Pausing a site already paused keeps the first pause
    (two coordinators pressing at once make one pause)."""
    current = SitePause.objects.active().select_for_update().filter(site=site).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            pause = SitePause.objects.create(
                site=site, reason=reason, note=note.strip(), started_by=actor
            )
    except IntegrityError:
        # the other coordinator's pause won the race (PostgreSQL)
        return SitePause.objects.active().get(site=site)
    record_audit(
        actor=actor, action="distribution.pause_site", obj=pause, fields=["site", "reason", "note"],
        site=site,
    )  # fmt: skip
    return pause


@transaction.atomic
def do_resume_site(*, actor: User, site: Site) -> SitePause | None:
    """End the site's pause; the desks serve again. Nothing happens if it was not paused."""
    pause = SitePause.objects.active().select_for_update().filter(site=site).first()
    if pause is None:
        return None
    pause.ended_at = timezone.now()
    pause.ended_by = actor
    pause.save(update_fields=["ended_at", "ended_by"])
    record_audit(
        actor=actor, action="distribution.resume_site", obj=pause, fields=["ended_at"], site=site
    )
    return pause


@transaction.atomic
def do_reverse_collection(*, actor: User, collection: Collection, reason: str) -> Collection:
    """Undo a collection made by mistake, on the day it was made: the units go back on the
    ledger by a movement of their own and the household may collect again. Nothing is
    deleted."""
    collection = (
        Collection.objects.select_for_update()
        .select_related("session__site", "programme__commodity")
        .get(pk=collection.pk)
    )
    if collection.is_reversed:
        raise ActionRefused(_("This collection was reversed already."))
    if not reason.strip():
        raise ActionRefused(_("Give the reason for the reversal."))
    now = timezone.now()
    if kyiv_day(collection.at) != kyiv_day(now):
        raise ActionRefused(
            _(
                "A collection can be reversed only on the day it was made. Record a stock count "
                "with the reason instead."
            )
        )
    movement, _left = post_movement(
        actor=actor, site=collection.session.site, commodity=collection.programme.commodity,
        kind=MovementKind.REVERSAL, quantity=collection.quantity, at=now,
        reason=str(collection.pk),
    )  # fmt: skip
    collection.reversed_at = now
    collection.reversed_by = actor
    collection.reversal_reason = reason.strip()
    collection.reversal_movement = movement
    collection.save(
        update_fields=["reversed_at", "reversed_by", "reversal_reason", "reversal_movement"]
    )
    tally(
        site_id=collection.session.site_id, programme_id=collection.programme_id,
        day=kyiv_day(collection.at), sign=-1, collection=collection,
    )  # fmt: skip
    record_audit(
        actor=actor, action="distribution.reverse_collection", obj=collection,
        fields=["reversed_at", "reversal_reason"], site=collection.session.site,
    )  # fmt: skip
    return collection


@transaction.atomic
def do_record_proxy(*, actor: User, collection: Collection, proxy: Proxy | None) -> Collection:
    """Say, just after the scan, that an authorised proxy collected (or that nobody did)."""
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    if proxy is not None and (
        proxy.household_id != collection.household_id or proxy.revoked_at is not None
    ):
        raise ActionRefused(_("This person is not authorised to collect for this household."))
    collection.proxy = proxy
    collection.save(update_fields=["proxy"])
    record_audit(
        actor=actor, action="distribution.record_proxy", obj=collection, fields=["proxy"],
        site=None,
    )  # fmt: skip
    return collection
