"""Every write of the distribution goes through these functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hromada.core.audit import record_audit
from hromada.core.models import Site, User
from hromada.distribution.models import (
    Collection,
    DistributionSession,
    Programme,
    Refusal,
    RefusalReason,
)
from hromada.lib import cardcode
from hromada.people.models import Card, Household
from hromada.stock.actions import OutOfStock, balance_of, post_movement
from hromada.stock.models import Commodity, MovementKind


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


class AlreadyCollected(CheckinRefused):
    reason = RefusalReason.ALREADY_COLLECTED

    def __init__(self, collection: Collection) -> None:
        at = timezone.localtime(collection.at)
        super().__init__(
            _("Already collected today at %(time)s, %(site)s, desk %(desk)s.")
            % {
                "time": date_format(at, "H:i"),
                "site": collection.session.site.name,
                "desk": collection.desk or collection.served_by.username,
            },
            household=collection.household,
        )
        self.collection = collection


class NoStock(CheckinRefused):
    reason = RefusalReason.OUT_OF_STOCK

    def __init__(self, *, left: int, wanted: int, household: Household) -> None:
        super().__init__(
            _("Out of stock: %(wanted)d needed, %(left)d left.") % {"wanted": wanted, "left": left},
            household=household,
        )
        self.left = left


def _malformed_message(reason: str) -> str:
    messages = {
        "empty": _("The card code is empty."),
        "symbol": _("The card code contains a character that is not allowed."),
        "length": _("The card code has the wrong number of characters (12 expected)."),
        "check": _("The card code is mistyped: its check characters do not match."),
    }
    return messages[reason]


@dataclass(frozen=True)
class CheckinOutcome:
    """What the desk shows: a collection (green) or a refusal (red), and the stock left."""

    collection: Collection | None
    refusal: CheckinRefused | None
    left: int


def _check_in(
    *, actor: User, session: DistributionSession, card_code: str, desk: str
) -> tuple[Collection, int]:
    """The collection, and the stock left after it."""
    # Read the status inside the transaction: the coordinator may have closed it a moment ago.
    status = DistributionSession.objects.filter(pk=session.pk).values_list("status", flat=True)
    if status.get() != DistributionSession.Status.OPEN:
        raise SessionNotOpen(_("The distribution session is not open."))
    try:
        code = cardcode.normalise(card_code)
    except cardcode.MalformedCode as malformed:
        raise MalformedCard(_malformed_message(malformed.reason)) from None
    card = Card.objects.select_related("household").filter(code=code).first()
    if card is None:
        raise UnknownCard(
            _("Card %(code)s is unknown: no household has it.") % {"code": cardcode.display(code)}
        )
    household = card.household
    if card.status != Card.Status.ACTIVE:
        raise CardRevoked(
            _("Card %(code)s was revoked. Send the household to the registrar.")
            % {"code": cardcode.display(code)},
            household=household,
        )
    programme = session.programme
    now = timezone.now()
    period_start = programme.period_start(now)
    # no joins here: the earlier collection is rare, and its session and desk are read only
    # to explain the refusal
    earlier = Collection.objects.filter(
        household=household, programme=programme, period_start=period_start
    ).first()
    if earlier is not None:
        raise AlreadyCollected(earlier)
    members = household.members_count()
    if members == 0:
        raise EmptyHousehold(
            _("This household has no members on record. Send it to the registrar."),
            household=household,
        )
    quantity = programme.entitlement(members)
    try:
        movement, left = post_movement(
            actor=actor, site=session.site, commodity=programme.commodity,
            kind=MovementKind.ISSUED, quantity=-quantity, at=now,
        )  # fmt: skip
    except OutOfStock as short:
        raise NoStock(left=short.left, wanted=quantity, household=household) from None
    collection = Collection.objects.create(
        session=session, programme=programme, household=household, card=card,
        period_start=period_start, members=members, quantity=quantity, at=now,
        served_by=actor, desk=desk, movement=movement,
    )  # fmt: skip
    record_audit(
        actor=actor, action="distribution.check_in", obj=collection,
        fields=["session", "household", "card", "period_start", "members", "quantity"],
        site=session.site,
    )  # fmt: skip
    return collection, left


def _explain_conflict(
    *, session: DistributionSession, card_code: str, desk: str, actor: User
) -> CheckinRefused:
    """Another desk won a race the checks above could not see (PostgreSQL, two desks at the
    same instant): the database refused us. Say why, by looking again."""
    try:
        _check_in(actor=actor, session=session, card_code=card_code, desk=desk)
    except CheckinRefused as refused:
        return refused
    raise RuntimeError("a check-in conflicted and then succeeded")  # pragma: no cover


# No savepoint of its own: a caller's transaction (the API's, with its idempotency record)
# stands or falls with it, and the savepoint inside is the one a lost race needs.
@transaction.atomic(savepoint=False)
def do_check_in(
    *, actor: User, session: DistributionSession, card_code: str, desk: str = ""
) -> CheckinOutcome:
    """Serve one scanned card, or record why not. Either way, one transaction."""
    refusal: CheckinRefused
    try:
        with transaction.atomic():
            collection, left = _check_in(
                actor=actor, session=session, card_code=card_code, desk=desk
            )
        return CheckinOutcome(collection=collection, refusal=None, left=left)
    except CheckinRefused as refused:
        refusal = refused
    except IntegrityError:
        with transaction.atomic():
            refusal = _explain_conflict(
                session=session, card_code=card_code, desk=desk, actor=actor
            )
    row = Refusal.objects.create(
        session=session, reason=refusal.reason, household=refusal.household, served_by=actor
    )
    record_audit(
        actor=actor, action="distribution.refuse", obj=row,
        fields=["session", "reason", "household"], site=session.site,
    )  # fmt: skip
    return CheckinOutcome(
        collection=None,
        refusal=refusal,
        left=balance_of(site=session.site, commodity=session.programme.commodity),
    )


@transaction.atomic
def do_create_programme(
    *, actor: User, name: str, commodity: Commodity, quantity_per_person: int, period: str
) -> Programme:
    programme = Programme.objects.create(
        name=name, commodity=commodity, quantity_per_person=quantity_per_person, period=period
    )
    record_audit(
        actor=actor, action="distribution.create_programme", obj=programme,
        fields=["name", "commodity", "quantity_per_person", "period"],
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
