"""Every write of the distribution goes through these functions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
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
    PaperLine,
    PaperTally,
    Period,
    Programme,
    Refusal,
    RefusalReason,
    Shortage,
    SitePause,
    Slot,
)
from hromada.lib import cardcode, periods
from hromada.lib.periods import day_bounds, kyiv_day
from hromada.people.models import (
    Card,
    Household,
    Person,
    PersonStatus,
    Proxy,
    VulnerabilityKind,
    age_on,
)
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

    def __init__(self, pause: SitePause) -> None:
        super().__init__(
            _("Distribution is paused at %(site)s: %(reason)s. Give nothing until it resumes.")
            % {"site": pause.site.name, "reason": pause.reason_text()}
        )
        self.pause = pause


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
    return SitePause.objects.active().select_related("site").filter(site_id=site_id).first()


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
    others = list(programme.excludes.values_list("pk", "period"))
    if not others:
        return
    # Two desks handing out two programmes that exclude each other, to the same household at
    # the same instant, would each miss the other's collection (PostgreSQL): the household's
    # row is the lock they queue on. (SQLite lets one writer in at a time.)
    Household.objects.select_for_update().filter(pk=household.pk).values_list("pk").first()
    # each other programme within the longer of its period and this one's, in one query
    within = Q()
    for other, period in others:
        start, end = periods.period_bounds(periods.longer(programme.period, period), now)
        window = Q(programme_id=other, at__gte=start)
        within |= window & Q(at__lt=end) if end is not None else window
    found = Collection.objects.standing().filter(within, household=household).first()
    if found is not None:
        # read again with what the refusal names: rare, so not joined on the common path
        found = Collection.objects.select_related("session__site", "programme", "served_by").get(
            pk=found.pk
        )
        raise Excluded(programme=programme, collection=found)


def _not_eligible(programme: Programme, household: Household) -> NotEligible:
    return NotEligible(
        _("Nobody in this household is eligible for %(programme)s (%(rule)s).")
        % {"programme": programme.name, "rule": programme.rule_text()},
        household=household,
    )


def tally(
    *,
    site_id: uuid.UUID,
    programme_id: uuid.UUID,
    day: date,
    households: int,
    people: int,
    units: int,
) -> None:
    """Move the day's tally: by a collection, by its reversal (negative), or by units a paper
    list gave twice (units only: no household was served a second time)."""
    # One plain UPDATE: it runs at every scan, and the ORM's expression compiler cost more
    # than the statement (bench/README.md, issue 4).
    table = connection.ops.quote_name(DayTally._meta.db_table)
    uuid_field = DayTally._meta.get_field("site").target_field
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET households = households + %s, people = people + %s, "  # noqa: S608 (names from the model, values as parameters)
            "units = units + %s WHERE site_id = %s AND programme_id = %s AND day = %s",
            [
                households,
                people,
                units,
                uuid_field.get_db_prep_value(site_id, connection),
                uuid_field.get_db_prep_value(programme_id, connection),
                connection.ops.adapt_datefield_value(day),
            ],
        )
        updated = cursor.rowcount
    if not updated:
        DayTally.objects.create(
            site_id=site_id, programme_id=programme_id, day=day, households=households,
            people=people, units=units,
        )  # fmt: skip


@dataclass(frozen=True)
class _SessionState:
    status: str
    paused: bool
    slotted: bool
    excluding: bool


def _session_state(session: DistributionSession) -> _SessionState:
    """The session's status, and whether its site is paused, it has time slots and its
    programme has exclusions: one plain query at every scan (the ORM's compiler for three
    subqueries cost more than the query; bench/README.md, issue 4). Read inside the
    transaction: the coordinator may have closed or paused it a moment ago."""
    name = connection.ops.quote_name
    sessions = name(DistributionSession._meta.db_table)
    pauses = name(SitePause._meta.db_table)
    slots = name(Slot._meta.db_table)
    excludes = name(Programme.excludes.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.status, "  # noqa: S608 (names from the models, the value a parameter)
            f"EXISTS(SELECT 1 FROM {pauses} p WHERE p.site_id = s.site_id "
            f"AND p.ended_at IS NULL), "
            f"EXISTS(SELECT 1 FROM {slots} t WHERE t.session_id = s.id), "
            f"EXISTS(SELECT 1 FROM {excludes} x WHERE x.from_programme_id = s.programme_id) "
            f"FROM {sessions} s WHERE s.id = %s",
            [DistributionSession._meta.pk.get_db_prep_value(session.pk, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        raise DistributionSession.DoesNotExist
    status, paused, slotted, excluding = row
    return _SessionState(
        status=status, paused=bool(paused), slotted=bool(slotted), excluding=bool(excluding)
    )


def _check_in(
    *, actor: User, session: DistributionSession, who: Who, desk: str, at: datetime | None = None
) -> tuple[Collection, int, Slot | None, str]:
    """The collection, the stock left after it, and the household's slot and timing.

    `at` is when it happened, for a paper list entered afterwards; the desk's is now."""
    # Read the status inside the transaction: the coordinator may have closed it a moment ago.
    # One query says whether the site is paused, whether the session has time slots and
    # whether the programme has exclusions: the rows behind each are read only when they exist.
    state = _session_state(session)
    if state.status != DistributionSession.Status.OPEN and who.channel != Channel.PAPER:
        raise SessionNotOpen(_("The distribution session is not open."))
    if state.paused and who.channel != Channel.PAPER:
        pause = active_pause(session.site_id)
        if pause is not None:
            raise SitePaused(pause)
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
    if state.excluding:
        _check_exclusions(programme=programme, household=household, now=now)
    present, eligible = programme.eligible_members(household, kyiv_day(now))
    if present == 0:
        raise EmptyHousehold(
            _("This household has no members on record. Send it to the registrar."),
            household=household,
        )
    if eligible == 0:
        raise _not_eligible(programme, household)
    slot = (
        Slot.objects.filter(session=session, household=household).first() if state.slotted else None
    )
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
        site_id=session.site_id, programme_id=programme.pk, day=kyiv_day(now), households=1,
        people=collection.members, units=collection.quantity,
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
        day=kyiv_day(collection.at), households=-1, people=-collection.members,
        units=-collection.quantity,
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


# Time slots and paper lists

SLOT_MINUTES = (5, 240)
# priority hours: a member of this age or over, or one of these vulnerabilities
PRIORITY_AGE = 60
PRIORITY_KINDS = frozenset({VulnerabilityKind.OLDER_PERSON, VulnerabilityKind.DISABILITY})
# households read per query: the IN lists of the prefetches stay within SQLite's limits
DUE_CHUNK = 2000


# The Ukrainian alphabet's order, which code points do not keep (Є, І, Ї and Ґ sit apart from
# the rest): a volunteer looks a name up on a printed list by it.
_ABETKA = str.maketrans(
    {letter: chr(0xE000 + i) for i, letter in enumerate("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя")}
)


def name_order(name: str) -> str:
    """A sort key putting names in the order of the Ukrainian alphabet (Latin names first)."""
    return name.casefold().translate(_ABETKA)


@dataclass(frozen=True)
class DueHousehold:
    """A household the session serves: its members present and eligible on the day, whether it
    has priority hours, and the end of its card's code for the ticket and the paper list."""

    household: Household
    present: int
    eligible: int
    priority: bool
    card_tail: str


def _counted(programme: Programme, household: Household, day: date) -> DueHousehold:
    # Programme.eligible_members on members already fetched for the whole list: the same rule
    # (present members, each judged by Programme.is_eligible), without two queries a household
    present = [m for m in household.members.all() if m.status == PersonStatus.PRESENT]
    kinds = {m.pk: {v.kind for v in m.vulnerabilities.all()} for m in present}
    if programme.eligibility == Eligibility.EVERYONE:
        eligible = len(present)
    else:
        eligible = sum(1 for m in present if programme.is_eligible(m, day, kinds[m.pk]))
    priority = any(
        kinds[m.pk] & PRIORITY_KINDS or age_on(m.birth_date, day) >= PRIORITY_AGE for m in present
    )
    cards: list[Card] = getattr(household, "active_cards", [])
    return DueHousehold(
        household=household,
        present=len(present),
        eligible=eligible,
        priority=priority,
        card_tail=cards[0].code[-4:] if cards else "",
    )


def households_due(session: DistributionSession, day: date) -> list[DueHousehold]:
    """The households a session serves on `day`: registered at its site, not merged into
    another, with a member present and eligible under its programme; by the head's name."""
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    households = (
        Household.objects.filter(site_id=session.site_id, merged_into__isnull=True)
        .filter(
            Exists(Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.PRESENT))
        )
        .prefetch_related(
            "members__vulnerabilities",
            Prefetch("cards", queryset=active, to_attr="active_cards"),
        )
        .order_by("pk")
    )
    programme = session.programme
    due = [_counted(programme, h, day) for h in households.iterator(chunk_size=DUE_CHUNK)]
    due = [d for d in due if d.eligible > 0]
    due.sort(key=lambda d: (name_order(str(d.household)), str(d.household.pk)))
    return due


def _slot_problems(
    *, session: DistributionSession, first_start: datetime, slot_minutes: int, size: int
) -> list[str]:
    problems = []
    if not session.is_open:
        problems.append(_("Slots are planned for an open session only."))
    if not SLOT_MINUTES[0] <= slot_minutes <= SLOT_MINUTES[1]:
        problems.append(
            _("A slot lasts from %(min)d to %(max)d minutes.")
            % {"min": SLOT_MINUTES[0], "max": SLOT_MINUTES[1]}
        )
    if size < 1:
        problems.append(_("A slot has room for at least one household."))
    if kyiv_day(first_start) < kyiv_day(timezone.now()):
        problems.append(_("The first slot cannot start before today."))
    return problems


@transaction.atomic
def do_plan_slots(
    *,
    actor: User,
    session: DistributionSession,
    first_start: datetime,
    slot_minutes: int,
    households_per_slot: int,
) -> int:
    """Spread the session's households over consecutive slots from `first_start`, priority
    hours first (a member aged 60 or over, an older person, a disability); returns how many
    households were given a slot.

    A slot is a plan, not a ledger: planning again replaces it. Households that already
    collected in this session keep the slot they had (it says whether they came early or late;
    moving them would rewrite what happened), and households that collected in the programme's
    period get no new slot: the desk would refuse them. Priority households fill the first slots;
    the others start in the next slot, so that a priority slot is one as a whole."""
    session = (
        DistributionSession.objects.select_for_update()
        .select_related("programme", "site")
        .get(pk=session.pk)
    )
    problems = _slot_problems(
        session=session, first_start=first_start, slot_minutes=slot_minutes,
        size=households_per_slot,
    )  # fmt: skip
    if problems:
        raise ActionRefused(" ".join(problems))
    day = kyiv_day(first_start)
    programme = session.programme
    served_here = Collection.objects.standing().filter(session=session).values("household")
    Slot.objects.filter(session=session).exclude(household__in=served_here).delete()
    kept = set(Slot.objects.filter(session=session).values_list("household_id", flat=True))
    skipped = kept | set(
        Collection.objects.standing()
        .filter(programme=programme, period_start=programme.period_start(first_start))
        .filter(household__site_id=session.site_id)
        .values_list("household_id", flat=True)
    )
    due = [d for d in households_due(session, day) if d.household.pk not in skipped]
    groups = [[d for d in due if d.priority], [d for d in due if not d.priority]]
    needed = sum(-(-len(group) // households_per_slot) for group in groups)
    # in UTC: Python adds to a Kyiv time by its wall clock, which hides the hour of a change
    start = first_start.astimezone(UTC)
    length = timedelta(minutes=slot_minutes)
    if start + needed * length > day_bounds(day)[1]:
        raise ActionRefused(
            _(
                "The plan does not fit in the day from %(start)s (households: %(households)d, "
                "slots needed: %(slots)d). Make the slots longer or larger, or start earlier."
            )
            % {
                "households": len(due),
                "slots": needed,
                "start": timezone.localtime(first_start).strftime("%H:%M"),
            }
        )
    rows = []
    index = 0
    for group, priority in zip(groups, (True, False), strict=True):
        for first in range(0, len(group), households_per_slot):
            starts_at = start + index * length
            rows += [
                Slot(
                    session=session,
                    household=d.household,
                    starts_at=starts_at,
                    ends_at=starts_at + length,
                    priority=priority,
                )  # fmt: skip
                for d in group[first : first + households_per_slot]
            ]
            index += 1
    Slot.objects.bulk_create(rows, batch_size=500)
    record_audit(
        actor=actor, action="distribution.plan_slots", obj=session, fields=["slots"],
        site=session.site,
    )  # fmt: skip
    return len(rows)


@dataclass(frozen=True)
class SlotCount:
    starts_at: datetime
    ends_at: datetime
    priority: bool
    households: int


def slot_plan(session: DistributionSession) -> list[SlotCount]:
    """The session's slots with how many households each, in time order."""
    rows = (
        Slot.objects.filter(session=session)
        .values("starts_at", "ends_at", "priority")
        .annotate(households=Count("pk"))
        .order_by("starts_at", "-priority")
    )
    return [SlotCount(**row) for row in rows]


@dataclass(frozen=True)
class Ticket:
    """A household's ticket: when to come, printed and handed out before the day."""

    slot: Slot
    present: int
    card_tail: str


def slot_tickets(session: DistributionSession) -> list[Ticket]:
    """One ticket per household with a slot, in slot order and then by the head's name."""
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    slots = (
        Slot.objects.filter(session=session)
        .select_related("household")
        .prefetch_related(
            "household__members",
            Prefetch("household__cards", queryset=active, to_attr="active_cards"),
        )
    )
    tickets = []
    for slot in slots:
        members = slot.household.members.all()
        cards: list[Card] = getattr(slot.household, "active_cards", [])
        tickets.append(
            Ticket(
                slot=slot,
                present=sum(1 for m in members if m.status == PersonStatus.PRESENT),
                card_tail=cards[0].code[-4:] if cards else "",
            )
        )
    tickets.sort(key=lambda t: (t.slot.starts_at, name_order(str(t.slot.household))))
    return tickets


@dataclass(frozen=True)
class DueNow:
    """What the desk shows of the slots: the window of now (or the next one), the households
    due in it and how many of them were served, and how many came early or late so far."""

    starts_at: datetime | None
    ends_at: datetime | None
    due: int
    served: int
    early: int
    late: int
    planned: bool
    upcoming: bool = False


def due_now(session: DistributionSession, now: datetime) -> DueNow:
    slots = Slot.objects.filter(session=session)
    current = slots.filter(starts_at__lte=now, ends_at__gt=now).order_by("-starts_at").first()
    upcoming = False
    if current is None:
        current = slots.filter(starts_at__gt=now).order_by("starts_at").first()
        upcoming = current is not None
    collections = Collection.objects.standing().filter(session=session)
    slot_of = Slot.objects.filter(session=session, household=OuterRef("household"))
    arrived = collections.annotate(
        slot_start=Subquery(slot_of.values("starts_at")[:1]),
        slot_end=Subquery(slot_of.values("ends_at")[:1]),
    ).aggregate(
        early=Count("pk", filter=Q(at__lt=F("slot_start"))),
        late=Count("pk", filter=Q(at__gte=F("slot_end"))),
    )
    if current is None:
        return DueNow(
            starts_at=None, ends_at=None, due=0, served=0, early=arrived["early"],
            late=arrived["late"], planned=slots.exists(),
        )  # fmt: skip
    window = slots.filter(starts_at=current.starts_at, ends_at=current.ends_at)
    return DueNow(
        starts_at=current.starts_at,
        ends_at=current.ends_at,
        due=window.count(),
        served=collections.filter(household__in=window.values("household")).count(),
        early=arrived["early"],
        late=arrived["late"],
        planned=True,
        upcoming=upcoming,
    )


@dataclass(frozen=True)
class PaperRow:
    """A line of the paper list: a household due, its slot and units, and, when it collected
    already in the period, when (the paper desk must not give twice either)."""

    due: DueHousehold
    units: int
    slot: Slot | None
    collected_at: datetime | None


def paper_rows(session: DistributionSession, now: datetime) -> list[PaperRow]:
    """The households due in a session, by slot and then by the head's name."""
    programme = session.programme
    due = households_due(session, kyiv_day(now))
    slots = {s.household_id: s for s in Slot.objects.filter(session=session)}
    collected = dict(
        Collection.objects.standing()
        .filter(programme=programme, period_start=programme.period_start(now))
        .filter(household__site_id=session.site_id)
        .values_list("household_id", "at")
    )
    rows = [
        PaperRow(
            due=d,
            units=programme.entitlement(d.eligible),
            slot=slots.get(d.household.pk),
            collected_at=collected.get(d.household.pk),
        )
        for d in due
    ]
    # households without a slot after the planned ones; `due` is in name order already
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: r.slot.starts_at if r.slot else far)
    return rows


def _served_at_problems(session: DistributionSession, served_at: datetime) -> list[str]:
    problems = []
    if served_at > timezone.now():
        problems.append(_("The time served cannot be in the future."))
    # a datetime-local input has minutes only: the minute the session opened is allowed
    if served_at < session.opened_at.replace(second=0, microsecond=0):
        problems.append(_("The time served cannot be before the session opened."))
    if session.closed_at is not None and served_at > session.closed_at:
        problems.append(_("The time served cannot be after the session closed."))
    return problems


@transaction.atomic
def do_enter_paper_tally(
    *,
    actor: User,
    session: DistributionSession,
    households: Sequence[Household],
    served_at: datetime,
) -> PaperTally:
    """Enter a paper list ticked while the laptop was down, in one go: each household ticked
    is recorded as a collection at `served_at`, or, when the rules refuse it (it collected
    already, at a desk or on another list), held as a conflict for the coordinator. Nothing
    ticked is dropped and nothing is recorded twice."""
    session = (
        DistributionSession.objects.select_related("programme__commodity", "site")
        .select_for_update()
        .get(pk=session.pk)
    )
    unique = list({h.pk: h for h in households}.values())
    problems = _served_at_problems(session, served_at)
    if not unique:
        problems.append(_("Tick at least one household."))
    if any(h.site_id != session.site_id for h in unique):
        problems.append(_("A household ticked is not registered at %(site)s.") % {
            "site": session.site.name
        })  # fmt: skip
    if problems:
        raise ActionRefused(" ".join(problems))
    paper = PaperTally.objects.create(session=session, served_at=served_at, entered_by=actor)
    for household in sorted(unique, key=lambda h: str(h.pk)):
        outcome = try_check_in(
            actor=actor,
            session=session,
            who=Who(household=household, channel=Channel.PAPER),
            desk=_("paper list"),
            at=served_at,
        )
        if outcome.collection is not None:
            PaperLine.objects.create(
                tally=paper, household=household, outcome=PaperLine.Outcome.RECORDED,
                collection=outcome.collection,
            )  # fmt: skip
            continue
        refusal = outcome.refusal
        assert refusal is not None  # noqa: S101 (an outcome is a collection or a refusal)
        PaperLine.objects.create(
            tally=paper, household=household, outcome=PaperLine.Outcome.CONFLICT,
            conflict=refusal.message[:300], conflicts_with=getattr(refusal, "collection", None),
        )  # fmt: skip
    record_audit(
        actor=actor, action="distribution.enter_paper_tally", obj=paper,
        fields=["session", "served_at", "lines"], site=session.site,
    )  # fmt: skip
    return paper


RESOLUTIONS = (PaperLine.Outcome.SERVED_TWICE, PaperLine.Outcome.TICK_MISTAKEN)


@transaction.atomic
def do_resolve_paper_line(*, actor: User, line: PaperLine, outcome: str) -> PaperLine:
    """The coordinator decides a conflict of a paper list: the household was given its units
    though the rules said no (they left the stock: an issue is booked for them), or the tick
    was a mistake (nothing is booked)."""
    line = (
        PaperLine.objects.select_for_update()
        .select_related("tally__session__site", "tally__session__programme__commodity")
        .get(pk=line.pk)
    )
    if line.resolved_at is not None or line.outcome != PaperLine.Outcome.CONFLICT:
        raise ActionRefused(_("This line of the paper list was resolved already."))
    if outcome not in RESOLUTIONS:
        raise ActionRefused(_("Choose how the conflict is resolved."))
    session = line.tally.session
    if outcome == PaperLine.Outcome.SERVED_TWICE:
        programme = session.programme
        _present, eligible = programme.eligible_members(
            line.household, kyiv_day(line.tally.served_at)
        )
        units = programme.entitlement(eligible)
        if units <= 0:
            raise ActionRefused(
                _(
                    "Under the rule of %(programme)s this household is entitled to nothing, so "
                    "there are no units to book out. Count the stock to record what was given."
                )
                % {"programme": programme.name}
            )
        try:
            line.resolution_movement, _left = post_movement(
                actor=actor, site=session.site, commodity=programme.commodity,
                kind=MovementKind.ISSUED, quantity=-units, reason=f"paper line {line.pk}",
            )  # fmt: skip
        except OutOfStock as short:
            raise ActionRefused(
                _(
                    "Out of stock on the ledger: %(wanted)d needed, %(left)d left. Record the "
                    "delivery or count the stock first, then resolve this line."
                )
                % {"wanted": units, "left": short.left}
            ) from None
        # the units count as given on the day of the list, as the ledger says; no household
        # more was served
        tally(
            site_id=session.site_id, programme_id=programme.pk,
            day=kyiv_day(line.tally.served_at), households=0, people=0, units=units,
        )  # fmt: skip
    line.outcome = outcome
    line.resolved_at = timezone.now()
    line.resolved_by = actor
    line.save(update_fields=["outcome", "resolved_at", "resolved_by", "resolution_movement"])
    record_audit(
        actor=actor, action="distribution.resolve_paper_line", obj=line,
        fields=["outcome", "resolved_at", "resolution_movement"], site=session.site,
    )  # fmt: skip
    return line
