"""The stock over JSON: balances, the ledger, and the writes a coordinator makes from a device.

Who may do what (stock.access): a coordinator reads and writes everywhere; an auditor reads
everywhere; a distributor reads the stock of their sites and confirms transfers arriving at
them. Input is checked by the same forms as the pages (stock.forms), so that what a page
refuses is refused here too, naming the field as the API calls it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast, get_type_hints

from django import forms
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from hromada.core.api import NO_NUL, Error, Invalid, Refusal, answer_once, idempotency_key
from hromada.core.idempotency import replay
from hromada.core.models import Site, User
from hromada.lib.periods import KYIV
from hromada.stock.access import (
    READERS,
    balances_visible_to,
    movements_visible_to,
    transfers_receivable_by,
    transfers_visible_to,
)
from hromada.stock.actions import (
    AlreadyReceived,
    OutOfStock,
    StockError,
    do_receive_transfer,
    do_record_count,
    do_record_delivery,
    do_record_loss,
    do_send_transfer,
)
from hromada.stock.forms import (
    MAX_LINES,
    CountForm,
    DeliveryForm,
    LossForm,
    ReceiveForm,
    TransferForm,
    line_formset,
)
from hromada.stock.models import (
    Delivery,
    LossCause,
    StockCount,
    StockMovement,
    Transfer,
)

router = Router(tags=["stock"])

MAX_UNITS = 10_000_000


class Short(Error):
    """409 `out_of_stock`: `left` is what the site has."""

    left: int | None = None


def _user(request: HttpRequest, *roles: str) -> User:
    user = cast(User, request.user)
    if not user.has_role(*roles):
        raise Refusal(403, "forbidden", _("Your role may not do this with the stock."))
    return user


def _invalid(errors: dict[str, list[str]]) -> Refusal:
    fields = sorted(errors)
    message = "; ".join(f"{field}: {' '.join(errors[field])}" for field in fields)
    return Refusal(
        422, "invalid", _("Check these fields: %(errors)s") % {"errors": message},
        fields=fields, errors=errors,
    )  # fmt: skip


def _checked(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or a 422 naming the fields (the form's names are the API's)."""
    if form.is_valid():
        return form.cleaned_data
    raise _invalid(_form_errors(form))


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("body" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


def _refused(error: StockError) -> Refusal:
    """A refusal of the stock's rules: out of stock and already received are conflicts with
    the state (409); the rest name the field to correct (422)."""
    if isinstance(error, OutOfStock):
        return Refusal(409, error.code, error.message, left=error.left)
    if isinstance(error, AlreadyReceived):
        return Refusal(409, error.code, error.message)
    field = error.field or "body"
    return Refusal(422, "invalid", error.message, fields=[field], errors={field: [error.message]})


def _once(user: User, key: str, status: int, write: Callable[[], dict[str, Any]]) -> Status[Any]:
    """Run `write` and answer `status` with what it returns, once per key
    (core.api.answer_once); a refusal of the stock's rules wrote nothing and is not
    remembered: the same key may be sent again once the stock is there."""

    def written() -> tuple[int, dict[str, Any]]:
        try:
            return status, write()
        except StockError as error:
            raise _refused(error) from None

    return answer_once(user=user, key=key, write=written)


def _data(**values: Any) -> dict[str, str]:
    """A form's input from the API's values: ids and numbers as text, nothing as ""."""
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


# An instant outside these years is a typo, and one near the ends of the calendar cannot even
# be moved to UTC: refused, naming the field, before anything reads it.
YEARS = range(2000, 2101)


def _sane(**moments: datetime | None) -> None:
    wrong = sorted(name for name, moment in moments.items() if moment and moment.year not in YEARS)
    if wrong:
        message = _("A date between the years 2000 and 2100, please.")
        raise _invalid(dict.fromkeys(wrong, [message]))


# ---------------------------------------------------------------------------------------------
# Reading


class BalanceOut(Schema):
    site: uuid.UUID
    site_name: str
    commodity: uuid.UUID
    commodity_name: str
    unit: str
    on_hand: int


class InTransitOut(Schema):
    commodity: uuid.UUID
    commodity_name: str
    unit: str
    quantity: int
    transfers: int


class BalancesOut(Schema):
    balances: list[BalanceOut]
    in_transit: list[InTransitOut]


@router.get("/balances", response={200: BalancesOut, 401: Error, 403: Error})
def balances(request: HttpRequest) -> Any:
    """What is on hand at each site the user covers, and what is on the road between sites
    (per commodity; counted once, on neither site's balance)."""
    user = _user(request, *READERS)
    rows = (
        balances_visible_to(user)
        .select_related("site", "commodity")
        .order_by("site__name", "commodity__name")
    )
    transit = (
        transfers_visible_to(user)
        .in_transit()
        .values("commodity", "commodity__name", "commodity__unit")
        .annotate(quantity=Sum("quantity"), transfers=Count("pk"))
        .order_by("commodity__name")
    )
    return {
        "balances": [
            {
                "site": b.site_id,
                "site_name": b.site.name,
                "commodity": b.commodity_id,
                "commodity_name": b.commodity.name,
                "unit": b.commodity.unit,
                "on_hand": b.quantity,
            }  # fmt: skip
            for b in rows
        ],
        "in_transit": [
            {
                "commodity": t["commodity"],
                "commodity_name": t["commodity__name"],
                "unit": t["commodity__unit"],
                "quantity": t["quantity"],
                "transfers": t["transfers"],
            }  # fmt: skip
            for t in transit
        ],
    }


def _resolved(view: Callable[..., Any]) -> Callable[..., Any]:
    """Resolve the view's annotations where it is written: the pagination's wrapper is read
    by django-ninja in the namespace of ninja.pagination, where `uuid` means nothing."""
    view.__annotations__ = get_type_hints(view)
    return view


class Pages(LimitOffsetPagination):
    class Input(Schema):
        # bounded, so that no number a client sends overflows the database's integers (a 500)
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**31 - 1)


class MovementOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    commodity: uuid.UUID
    kind: str
    quantity: int  # signed: what came in is positive, what left negative
    at: datetime
    delivery: uuid.UUID | None

    @staticmethod
    def resolve_site(obj: StockMovement) -> uuid.UUID:
        return obj.site_id

    @staticmethod
    def resolve_commodity(obj: StockMovement) -> uuid.UUID:
        return obj.commodity_id

    @staticmethod
    def resolve_delivery(obj: StockMovement) -> uuid.UUID | None:
        return obj.delivery_id


@router.get("/movements", response={200: list[MovementOut], 401: Error, 403: Error, 422: Error})
@paginate(Pages)
@_resolved
def movements(
    request: HttpRequest,
    site: uuid.UUID | None = None,
    commodity: uuid.UUID | None = None,
    since: datetime | None = None,
) -> QuerySet[StockMovement]:
    """The ledger of the sites the user covers, newest first, a page at a time; `since`
    (ISO 8601 with its zone) keeps the movements from that instant on."""
    user = cast(User, request.user)
    if not user.has_role(*READERS):
        raise HttpError(403, _("Your role may not do this with the stock."))
    if since is not None and since.year not in YEARS:
        raise ValidationError([{"loc": ("query", "since"), "msg": "out of range"}])
    found = movements_visible_to(user).order_by("-at", "-pk")
    if site is not None:
        found = found.filter(site_id=site)
    if commodity is not None:
        found = found.filter(commodity_id=commodity)
    if since is not None:
        # a time without its zone is Kyiv's, as the pages read it
        aware = since if since.tzinfo else timezone.make_aware(since, KYIV)
        found = found.filter(at__gte=aware)
    return found


class TransferOut(Schema):
    id: uuid.UUID
    from_site: uuid.UUID
    to_site: uuid.UUID
    commodity: uuid.UUID
    quantity: int
    note: str
    status: str
    sent_at: datetime
    received_at: datetime | None
    received_quantity: int | None
    lost_in_transit: int


def _transfer(transfer: Transfer) -> dict[str, Any]:
    """A transfer as JSON text (an idempotent answer is stored as it was sent)."""
    received = transfer.received_quantity
    return {
        "id": str(transfer.pk),
        "from_site": str(transfer.from_site_id),
        "to_site": str(transfer.to_site_id),
        "commodity": str(transfer.commodity_id),
        "quantity": transfer.quantity,
        "note": transfer.note,
        "status": transfer.status,
        "sent_at": transfer.sent_at.isoformat(),
        "received_at": transfer.received_at.isoformat() if transfer.received_at else None,
        "received_quantity": received,
        "lost_in_transit": transfer.quantity - received if received is not None else 0,
    }


class TransferRowOut(TransferOut):
    """A transfer of the list, read from its row."""

    @staticmethod
    def resolve_from_site(obj: Transfer) -> uuid.UUID:
        return obj.from_site_id

    @staticmethod
    def resolve_to_site(obj: Transfer) -> uuid.UUID:
        return obj.to_site_id

    @staticmethod
    def resolve_commodity(obj: Transfer) -> uuid.UUID:
        return obj.commodity_id

    @staticmethod
    def resolve_lost_in_transit(obj: Transfer) -> int:
        received = obj.received_quantity
        return obj.quantity - received if received is not None else 0


@router.get("/transfers", response={200: list[TransferRowOut], 401: Error, 403: Error, 422: Error})
@paginate(Pages)
@_resolved
def transfers(request: HttpRequest, status: Transfer.Status | None = None) -> QuerySet[Transfer]:
    """Transfers to or from the sites the user covers, newest first (`status=in_transit`:
    those on the road)."""
    user = cast(User, request.user)
    if not user.has_role(*READERS):
        raise HttpError(403, _("Your role may not do this with the stock."))
    found = transfers_visible_to(user).order_by("-sent_at", "-pk")
    if status is not None:
        found = found.filter(status=status)
    return found


# ---------------------------------------------------------------------------------------------
# Writing


class LineIn(Schema):
    commodity: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_UNITS)


class DeliveryIn(Schema):
    site: uuid.UUID
    source: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    donor: str = Field("", max_length=200, pattern=NO_NUL)
    vehicle: str = Field("", max_length=100, pattern=NO_NUL)
    departed_at: datetime | None = None
    arrived_at: datetime
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class LineOut(Schema):
    id: uuid.UUID
    commodity: uuid.UUID
    quantity: int


class DeliveryOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    source: str
    donor: str
    vehicle: str
    departed_at: datetime | None
    arrived_at: datetime
    lines: list[LineOut]


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": str(delivery.pk),
        "site": str(delivery.site_id),
        "source": delivery.source,
        "donor": delivery.donor,
        "vehicle": delivery.vehicle,
        "departed_at": delivery.departed_at.isoformat() if delivery.departed_at else None,
        "arrived_at": delivery.arrived_at.isoformat(),
        "lines": [
            {"id": str(line.pk), "commodity": str(line.commodity_id), "quantity": line.quantity}
            for line in delivery.lines.order_by("created_at", "pk")
        ],
    }


def _sites(user: User) -> QuerySet[Site]:
    return user.visible_sites()


@router.post(
    "/deliveries",
    response={201: DeliveryOut, 401: Error, 403: Error, 422: Invalid},
)
def delivery_create(request: HttpRequest, payload: DeliveryIn) -> Any:
    """Record a truck's arrival with its lines; the stock of the site rises by each line."""
    user = _user(request, "coordinator")
    key = idempotency_key(request)
    _sane(departed_at=payload.departed_at, arrived_at=payload.arrived_at)
    form = DeliveryForm(
        _data(
            site=payload.site, source=payload.source, donor=payload.donor,
            vehicle=payload.vehicle, departed_at=_when(payload.departed_at),
            arrived_at=_when(payload.arrived_at),
        ),
        sites=_sites(user),
    )  # fmt: skip
    line_data = {"lines-TOTAL_FORMS": str(len(payload.lines)), "lines-INITIAL_FORMS": "0"}
    for i, line in enumerate(payload.lines):
        line_data[f"lines-{i}-commodity"] = str(line.commodity)
        line_data[f"lines-{i}-quantity"] = str(line.quantity)
    lines = line_formset(line_data)
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        errors.update(_form_errors(form))
    if not lines.is_valid():
        for i, line_form in enumerate(lines.forms):
            for name, messages in line_form.errors.items():
                errors[f"lines.{i}.{name}"] = [str(m) for m in messages]
        if lines.non_form_errors():
            errors["lines"] = [str(m) for m in lines.non_form_errors()]
    if errors:
        raise _invalid(errors)
    data = form.cleaned_data

    def write() -> dict[str, Any]:
        delivery = do_record_delivery(
            actor=user, site=data["site"], lines=lines.lines(), source=data["source"],
            donor=data["donor"], vehicle=data["vehicle"], departed_at=data["departed_at"],
            arrived_at=data["arrived_at"],
        )  # fmt: skip
        return _delivery(delivery)

    return _once(user, key, 201, write)


class TransferIn(Schema):
    from_site: uuid.UUID
    to_site: uuid.UUID
    commodity: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_UNITS)
    note: str = Field("", max_length=300, pattern=NO_NUL)


@router.post(
    "/transfers",
    response={201: TransferOut, 401: Error, 403: Error, 409: Short, 422: Invalid},
)
def transfer_create(request: HttpRequest, payload: TransferIn) -> Any:
    """Send units from one site to another: they leave the first site's balance now and are in
    transit until the other confirms them. 409 `out_of_stock` when the site has fewer."""
    user = _user(request, "coordinator")
    key = idempotency_key(request)
    form = TransferForm(
        _data(from_site=payload.from_site, to_site=payload.to_site, commodity=payload.commodity,
              quantity=payload.quantity, note=payload.note),
        sites=_sites(user),
    )  # fmt: skip
    data = _checked(form)

    def write() -> dict[str, Any]:
        return _transfer(
            do_send_transfer(
                actor=user, from_site=data["from_site"], to_site=data["to_site"],
                commodity=data["commodity"], quantity=data["quantity"], note=data["note"],
            )
        )  # fmt: skip

    return _once(user, key, 201, write)


class ReceiveIn(Schema):
    received: int = Field(ge=0, le=MAX_UNITS, description="units that arrived")
    note: str = Field("", max_length=300, pattern=NO_NUL, description="required when fewer")


@router.post(
    "/transfers/{id}/receive",
    response={200: TransferOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Invalid},
)
def transfer_receive(request: HttpRequest, id: uuid.UUID, payload: ReceiveIn) -> Any:
    """The units arrived: `received` of them (fewer than were sent: the rest is a loss in
    transit, and `note` says what happened). For a coordinator, or a distributor of the site
    they arrive at. 409 `already_received` the second time."""
    user = _user(request, "coordinator", "distributor")
    key = idempotency_key(request)
    # a retry of a receipt finds it received: the first answer comes before that refusal
    earlier = replay(user=user, key=key) if key else None
    if earlier is not None:
        return Status(*earlier)
    transfer = transfers_receivable_by(user).filter(pk=id).first()
    if transfer is None:
        raise Refusal(404, "not_found", _("No such transfer."))
    if transfer.status != Transfer.Status.IN_TRANSIT:
        raise _refused(AlreadyReceived())
    form = ReceiveForm(_data(received=payload.received, note=payload.note), transfer=transfer)
    data = _checked(form)

    def write() -> dict[str, Any]:
        return _transfer(
            do_receive_transfer(
                actor=user, transfer=transfer, received=data["received"], note=data["note"]
            )
        )

    return _once(user, key, 200, write)


class LossIn(Schema):
    site: uuid.UUID
    commodity: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_UNITS)
    cause: LossCause
    note: str = Field("", max_length=300, pattern=NO_NUL, description="required for `other`")


class LossOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    commodity: uuid.UUID
    quantity: int
    cause: str
    note: str
    at: datetime


@router.post("/losses", response={201: LossOut, 401: Error, 403: Error, 409: Short, 422: Invalid})
def loss_create(request: HttpRequest, payload: LossIn) -> Any:
    """Units spoiled, damaged, destroyed in a strike or stolen leave the site's stock."""
    user = _user(request, "coordinator")
    key = idempotency_key(request)
    form = LossForm(
        _data(site=payload.site, commodity=payload.commodity, quantity=payload.quantity,
              cause=payload.cause.value, note=payload.note),
        sites=_sites(user),
    )  # fmt: skip
    data = _checked(form)

    def write() -> dict[str, Any]:
        loss = do_record_loss(
            actor=user, site=data["site"], commodity=data["commodity"],
            quantity=data["quantity"], cause=data["cause"], note=data["note"],
        )  # fmt: skip
        return {
            "id": str(loss.pk), "site": str(loss.site_id), "commodity": str(loss.commodity_id),
            "quantity": loss.quantity, "cause": loss.cause, "note": loss.note,
            "at": loss.at.isoformat(),
        }  # fmt: skip

    return _once(user, key, 201, write)


class CountIn(Schema):
    site: uuid.UUID
    commodity: uuid.UUID
    counted: int = Field(ge=0, le=MAX_UNITS)
    reason: str = Field("", max_length=300, pattern=NO_NUL, description="required on a difference")


class StockCountOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    commodity: uuid.UUID
    counted: int
    expected: int
    difference: int
    reason: str
    at: datetime


def _count(count: StockCount) -> dict[str, Any]:
    return {
        "id": str(count.pk), "site": str(count.site_id), "commodity": str(count.commodity_id),
        "counted": count.counted, "expected": count.expected, "difference": count.difference,
        "reason": count.reason, "at": count.at.isoformat(),
    }  # fmt: skip


@router.post("/counts", response={201: StockCountOut, 401: Error, 403: Error, 422: Invalid})
def count_create(request: HttpRequest, payload: CountIn) -> Any:
    """A physical count: the difference from the ledger is booked as an adjustment, with its
    reason (required when there is a difference)."""
    user = _user(request, "coordinator")
    key = idempotency_key(request)
    form = CountForm(
        _data(site=payload.site, commodity=payload.commodity, counted=payload.counted,
              reason=payload.reason),
        sites=_sites(user),
    )  # fmt: skip
    data = _checked(form)

    def write() -> dict[str, Any]:
        return _count(
            do_record_count(
                actor=user, site=data["site"], commodity=data["commodity"],
                counted=data["counted"], reason=data["reason"],
            )
        )  # fmt: skip

    return _once(user, key, 201, write)
