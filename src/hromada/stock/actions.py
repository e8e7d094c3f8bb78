"""Every write to the stock ledger goes through these functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.audit import record_audit
from hromada.core.models import Site, User
from hromada.stock.models import (
    Commodity,
    Delivery,
    MovementKind,
    StockBalance,
    StockCount,
    StockMovement,
)

# clocks of phones and laptops differ by a few minutes
ARRIVAL_SLACK = timedelta(minutes=10)


class StockError(Exception):
    code = "stock_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OutOfStock(StockError):
    code = "out_of_stock"

    def __init__(self, *, left: int, wanted: int) -> None:
        super().__init__(
            _("Out of stock: %(wanted)d needed, %(left)d left.") % {"wanted": wanted, "left": left}
        )
        self.left = left
        self.wanted = wanted


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


@transaction.atomic
def do_record_delivery(
    *,
    actor: User | None,
    site: Site,
    commodity: Commodity,
    quantity: int,
    source: str,
    vehicle: str,
    departed_at: datetime | None,
    arrived_at: datetime,
) -> Delivery:
    if quantity <= 0:
        raise StockError(_("A delivery brings at least one unit."))
    if arrived_at > timezone.now() + ARRIVAL_SLACK:
        raise StockError(_("The arrival time is in the future."))
    delivery = Delivery.objects.create(
        site=site, commodity=commodity, quantity=quantity, source=source, vehicle=vehicle,
        departed_at=departed_at, arrived_at=arrived_at, recorded_by=actor,
    )  # fmt: skip
    # The ledger counts the loaves from when they are recorded, not from the arrival typed in:
    # a late entry must not change a day whose report may already be printed.
    post_movement(
        actor=actor, site=site, commodity=commodity, kind=MovementKind.RECEIVED,
        quantity=quantity, delivery=delivery,
    )  # fmt: skip
    record_audit(
        actor=actor, action="stock.record_delivery", obj=delivery,
        fields=["site", "commodity", "quantity", "source", "vehicle", "departed_at",
                "arrived_at"],
        site=site,
    )  # fmt: skip
    return delivery


@transaction.atomic
def do_record_count(
    *, actor: User | None, site: Site, commodity: Commodity, counted: int, reason: str
) -> StockCount:
    """Record a physical count; any difference becomes a ledger adjustment with the reason."""
    if counted < 0:
        raise StockError(_("A count cannot be below zero."))
    balance = lock_balance(site=site, commodity=commodity)
    expected = balance.quantity
    if counted != expected and not reason.strip():
        raise StockError(_("The count differs from the ledger: give a reason."))
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
