"""Every write to the stock ledger goes through these functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.audit import record_audit
from hromada.core.models import Site, User
from hromada.stock.models import (
    Commodity,
    Delivery,
    DeliveryLine,
    Loss,
    LossCause,
    MovementKind,
    StockBalance,
    StockCount,
    StockMovement,
    Transfer,
)

# clocks of phones and laptops differ by a few minutes
ARRIVAL_SLACK = timedelta(minutes=10)


class StockError(Exception):
    """A write the stock rules refuse; `message` is for the user, `field` names the input it
    is about (the form's and the API's name for it), when there is one."""

    code = "stock_error"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class OutOfStock(StockError):
    code = "out_of_stock"

    def __init__(self, *, left: int, wanted: int) -> None:
        super().__init__(
            _("Out of stock: %(wanted)d needed, %(left)d left.") % {"wanted": wanted, "left": left},
            field="quantity",
        )
        self.left = left
        self.wanted = wanted


class AlreadyReceived(StockError):
    code = "already_received"

    def __init__(self) -> None:
        super().__init__(_("This transfer was received already."))


def lock_balance(*, site: Site, commodity: Commodity) -> StockBalance:
    """The balance row, locked until the end of the transaction (on PostgreSQL; SQLite's
    IMMEDIATE transactions already let one writer in at a time)."""
    balance, _created = StockBalance.objects.select_for_update().get_or_create(
        site=site, commodity=commodity
    )
    return balance


def post_movement(
    *,
    actor: User | None,
    site: Site,
    commodity: Commodity,
    kind: str,
    quantity: int,
    delivery: Delivery | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> tuple[StockMovement, int]:
    """Append a movement and move the balance with it; returns the movement and the balance
    after it. Callers hold a transaction."""
    balance = lock_balance(site=site, commodity=commodity)
    if balance.quantity + quantity < 0:
        raise OutOfStock(left=balance.quantity, wanted=-quantity)
    movement = StockMovement(
        site=site, commodity=commodity, kind=kind, quantity=quantity,
        delivery=delivery, reason=reason, actor=actor,
    )  # fmt: skip
    if at is not None:
        movement.at = at
    movement.save(force_insert=True)
    balance.quantity += quantity
    balance.save(update_fields=["quantity"])
    return movement, balance.quantity


def balance_of(*, site: Site, commodity: Commodity) -> int:
    found = StockBalance.objects.filter(site=site, commodity=commodity).first()
    return found.quantity if found else 0


@dataclass(frozen=True)
class Line:
    commodity: Commodity
    quantity: int


@transaction.atomic
def do_record_delivery(
    *,
    actor: User | None,
    site: Site,
    lines: Sequence[Line],
    source: str,
    donor: str = "",
    vehicle: str = "",
    departed_at: datetime | None = None,
    arrived_at: datetime,
) -> Delivery:
    """A truck arrived: one delivery, one ledger movement per line."""
    if not lines:
        raise StockError(_("A delivery has at least one line."), field="lines")
    if any(line.quantity <= 0 for line in lines):
        raise StockError(_("A delivery brings at least one unit."), field="lines")
    if len({line.commodity.pk for line in lines}) != len(lines):
        raise StockError(
            _("Each commodity appears once on a delivery: add the quantities up."), field="lines"
        )
    if not source.strip():
        raise StockError(_("Say where the delivery came from."), field="source")
    if arrived_at > timezone.now() + ARRIVAL_SLACK:
        raise StockError(_("The arrival time is in the future."), field="arrived_at")
    if departed_at is not None and departed_at > arrived_at:
        raise StockError(_("The departure cannot be later than the arrival."), field="departed_at")
    delivery = Delivery.objects.create(
        site=site, source=source.strip(), donor=donor.strip(), vehicle=vehicle,
        departed_at=departed_at, arrived_at=arrived_at, recorded_by=actor,
    )  # fmt: skip
    # lock the balances in primary-key order, so that two trucks cannot deadlock
    for line in sorted(lines, key=lambda line: str(line.commodity.pk)):
        DeliveryLine.objects.create(
            delivery=delivery, commodity=line.commodity, quantity=line.quantity
        )
        # The ledger counts the units from when they are recorded, not from the arrival typed
        # in: a late entry must not change a day whose report may already be printed.
        post_movement(
            actor=actor, site=site, commodity=line.commodity, kind=MovementKind.RECEIVED,
            quantity=line.quantity, delivery=delivery,
        )  # fmt: skip
    record_audit(
        actor=actor, action="stock.record_delivery", obj=delivery,
        fields=["site", "lines", "source", "donor", "vehicle", "departed_at", "arrived_at"],
        site=site,
    )  # fmt: skip
    return delivery


@transaction.atomic
def do_record_loss(
    *, actor: User | None, site: Site, commodity: Commodity, quantity: int, cause: str, note: str
) -> Loss:
    """Units destroyed, spoiled or stolen leave the ledger with their cause."""
    if quantity <= 0:
        raise StockError(_("A loss is at least one unit."), field="quantity")
    if cause not in LossCause.values:
        raise StockError(_("Choose the cause of the loss."), field="cause")
    if cause == LossCause.OTHER and not note.strip():
        raise StockError(_("Say what happened to the units."), field="note")
    movement, _left = post_movement(
        actor=actor, site=site, commodity=commodity, kind=MovementKind.LOST,
        quantity=-quantity, reason=cause,
    )  # fmt: skip
    loss = Loss.objects.create(
        site=site, commodity=commodity, quantity=quantity, cause=cause, note=note.strip(),
        at=movement.at, actor=actor, movement=movement,
    )  # fmt: skip
    record_audit(
        actor=actor, action="stock.record_loss", obj=loss,
        fields=["site", "commodity", "quantity", "cause", "note"], site=site,
    )  # fmt: skip
    return loss


@transaction.atomic
def do_send_transfer(
    *,
    actor: User,
    from_site: Site,
    to_site: Site,
    commodity: Commodity,
    quantity: int,
    note: str = "",
) -> Transfer:
    """Units leave one site for another; until received they are in transit, on neither
    site's balance."""
    if from_site.pk == to_site.pk:
        raise StockError(_("A transfer goes to another site."), field="to_site")
    if quantity <= 0:
        raise StockError(_("A transfer moves at least one unit."), field="quantity")
    movement, _left = post_movement(
        actor=actor, site=from_site, commodity=commodity, kind=MovementKind.TRANSFER_OUT,
        quantity=-quantity, reason=to_site.code,
    )  # fmt: skip
    transfer = Transfer.objects.create(
        from_site=from_site, to_site=to_site, commodity=commodity, quantity=quantity,
        note=note.strip(), sent_at=movement.at, sent_by=actor, sent_movement=movement,
    )  # fmt: skip
    record_audit(
        actor=actor, action="stock.send_transfer", obj=transfer,
        fields=["from_site", "to_site", "commodity", "quantity", "note"], site=from_site,
    )  # fmt: skip
    return transfer


@transaction.atomic
def do_receive_transfer(
    *, actor: User, transfer: Transfer, received: int, note: str = ""
) -> Transfer:
    """The units arrived. Fewer than were sent: the rest is a loss in transit at the
    destination, with the note saying what happened."""
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("to_site", "commodity")
        .get(pk=transfer.pk)
    )
    if transfer.status != Transfer.Status.IN_TRANSIT:
        raise AlreadyReceived
    if received < 0 or received > transfer.quantity:
        raise StockError(
            _("Between 0 and %(sent)d units can arrive: that many were sent.")
            % {"sent": transfer.quantity},
            field="received",
        )
    missing = transfer.quantity - received
    if missing and not note.strip():
        raise StockError(_("Fewer units arrived than were sent: say what happened."), field="note")
    site, commodity = transfer.to_site, transfer.commodity
    # The whole quantity arrives on the ledger, then what did not arrive leaves it as a loss:
    # the transfer's units are accounted for at one place, never twice or not at all.
    movement, _left = post_movement(
        actor=actor, site=site, commodity=commodity, kind=MovementKind.TRANSFER_IN,
        quantity=transfer.quantity, reason=str(transfer.pk),
    )  # fmt: skip
    if missing:
        transfer.loss = do_record_loss(
            actor=actor, site=site, commodity=commodity, quantity=missing,
            cause=LossCause.IN_TRANSIT, note=note,
        )  # fmt: skip
    transfer.status = Transfer.Status.RECEIVED
    transfer.received_at = movement.at
    transfer.received_by = actor
    transfer.received_quantity = received
    transfer.received_movement = movement
    transfer.save()
    record_audit(
        actor=actor, action="stock.receive_transfer", obj=transfer,
        fields=["status", "received_at", "received_quantity"], site=site,
    )  # fmt: skip
    return transfer


@transaction.atomic
def do_record_count(
    *, actor: User | None, site: Site, commodity: Commodity, counted: int, reason: str
) -> StockCount:
    """Record a physical count; any difference becomes a ledger adjustment with the reason."""
    if counted < 0:
        raise StockError(_("A count cannot be below zero."), field="counted")
    balance = lock_balance(site=site, commodity=commodity)
    expected = balance.quantity
    if counted != expected and not reason.strip():
        raise StockError(_("The count differs from the ledger: give a reason."), field="reason")
    movement = None
    if counted != expected:
        movement, _left = post_movement(
            actor=actor, site=site, commodity=commodity, kind=MovementKind.COUNT_ADJUSTMENT,
            quantity=counted - expected, reason=reason,
        )  # fmt: skip
    count = StockCount.objects.create(
        site=site, commodity=commodity, counted=counted, expected=expected,
        reason=reason, actor=actor, movement=movement,
    )  # fmt: skip
    record_audit(
        actor=actor, action="stock.record_count", obj=count,
        fields=["site", "commodity", "counted", "expected", "reason"], site=site,
    )  # fmt: skip
    return count


@transaction.atomic
def do_create_commodity(*, actor: User | None, code: str, name: str, unit: str) -> Commodity:
    commodity = Commodity.objects.create(code=code, name=name, unit=unit)
    record_audit(
        actor=actor, action="stock.create_commodity", obj=commodity, fields=["code", "name", "unit"]
    )
    return commodity
