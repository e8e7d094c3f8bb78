from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.stock.access import (
    balances_visible_to,
    deliveries_visible_to,
    readable_sites,
    transfers_receivable_by,
    transfers_visible_to,
)
from hromada.stock.actions import (
    AlreadyReceived,
    StockError,
    do_receive_transfer,
    do_record_count,
    do_record_delivery,
    do_record_loss,
    do_send_transfer,
)
from hromada.stock.forms import (
    EMPTY_LINES,
    MAX_LINES,
    CountForm,
    DeliveryForm,
    LossForm,
    ReceiveForm,
    TransferForm,
    line_formset,
)
from hromada.stock.models import Delivery, DeliveryLine, Loss, StockBalance, Transfer
from hromada.stock.trace import trace_lines

# who reads what the stock pages show: the whole town
AUDIT = ("coordinator", "auditor")


def _get_delivery_for_user(user: User, pk: uuid.UUID) -> Delivery:
    delivery = deliveries_visible_to(user).select_related("site", "recorded_by").filter(pk=pk)
    found = delivery.first()
    if found is None:
        raise Http404
    return found


def _get_line_for_user(user: User, pk: uuid.UUID) -> DeliveryLine:
    line = (
        DeliveryLine.objects.filter(delivery__in=deliveries_visible_to(user), pk=pk)
        .select_related("delivery__site", "commodity")
        .first()
    )
    if line is None:
        raise Http404
    return line


def _get_transfer_to_receive(user: User, pk: uuid.UUID) -> Transfer:
    transfer = (
        transfers_receivable_by(user)
        .select_related("from_site", "to_site", "commodity", "sent_by")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise Http404
    return transfer


def _in_transit(transfers: list[Transfer]) -> list[dict[str, object]]:
    """Units on the road, per commodity: on neither site's balance, counted here once."""
    totals: dict[uuid.UUID, dict[str, object]] = {}
    for transfer in transfers:
        row = totals.setdefault(
            transfer.commodity_id, {"commodity": transfer.commodity, "quantity": 0, "count": 0}
        )
        row["quantity"] = cast(int, row["quantity"]) + transfer.quantity
        row["count"] = cast(int, row["count"]) + 1
    return list(totals.values())


@role_required(*AUDIT)
def overview(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sites = readable_sites(user)
    balances = (
        balances_visible_to(user)
        .select_related("site", "commodity")
        .order_by("site__name", "commodity__name")
    )
    totals = (
        StockBalance.objects.filter(site__in=sites)
        .values("commodity__name", "commodity__unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("commodity__name")
    )
    deliveries = (
        deliveries_visible_to(user)
        .select_related("site")
        .prefetch_related("lines__commodity")
        .order_by("-arrived_at", "-created_at")[:20]
    )
    transfers = transfers_visible_to(user).select_related("from_site", "to_site", "commodity")
    in_transit = list(transfers.in_transit().order_by("sent_at"))
    losses = (
        Loss.objects.filter(site__in=sites).select_related("site", "commodity").order_by("-at")[:20]
    )
    return render(
        request,
        "stock/overview.html",
        {
            "balances": balances,
            "totals": totals,
            "deliveries": deliveries,
            "in_transit": in_transit,
            "in_transit_totals": _in_transit(in_transit),
            "transfers": transfers.order_by("-sent_at")[:20],
            "receivable": {t.pk for t in in_transit if user.has_role("coordinator")},
            "losses": losses,
        },
    )


@role_required("coordinator")
def delivery_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    initial = {"arrived_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = DeliveryForm(request.POST or None, sites=user.visible_sites(), initial=initial)
    rows = EMPTY_LINES
    if request.GET.get("rows", "").isdigit():
        rows = min(int(request.GET["rows"]), MAX_LINES)
    lines = line_formset(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            do_record_delivery(
                actor=user,
                site=data["site"],
                lines=lines.lines(),
                source=data["source"],
                donor=data["donor"],
                vehicle=data["vehicle"],
                departed_at=data["departed_at"],
                arrived_at=data["arrived_at"],
            )
        except StockError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Delivery recorded; the stock has risen."))
            return redirect("stock:overview")
    return render(
        request,
        "stock/delivery_form.html",
        {"form": form, "lines": lines, "more_rows": min(len(lines.forms) + 5, MAX_LINES)},
    )


@role_required(*AUDIT)
def delivery_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A delivery and where each of its units went."""
    delivery = _get_delivery_for_user(cast(User, request.user), pk)
    lines = delivery.lines.select_related("commodity").order_by("commodity__name")
    return render(
        request, "stock/delivery.html", {"delivery": delivery, "traces": trace_lines(lines)}
    )


@role_required(*AUDIT)
def line_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One line of a delivery, unit by unit: households, transfers, losses, counts, on hand."""
    line = _get_line_for_user(cast(User, request.user), pk)
    (trace,) = trace_lines([line])
    return render(
        request, "stock/line.html", {"delivery": line.delivery, "line": line, "trace": trace}
    )


@role_required("coordinator", "auditor", "distributor")
def transfer_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    transfers = transfers_visible_to(user).select_related(
        "from_site", "to_site", "commodity", "sent_by", "received_by"
    )
    receivable = set(transfers_receivable_by(user).in_transit().values_list("pk", flat=True))
    in_transit = list(transfers.in_transit().order_by("sent_at"))
    return render(
        request,
        "stock/transfer_list.html",
        {
            "in_transit": in_transit,
            "in_transit_totals": _in_transit(in_transit),
            "received": transfers.exclude(status=Transfer.Status.IN_TRANSIT).order_by(
                "-received_at"
            )[:50],
            "receivable": receivable,
        },
    )


@role_required("coordinator")
def transfer_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = TransferForm(request.POST or None, sites=user.visible_sites())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = do_send_transfer(
                actor=user,
                from_site=data["from_site"],
                to_site=data["to_site"],
                commodity=data["commodity"],
                quantity=data["quantity"],
                note=data["note"],
            )
        except StockError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Sent: %(quantity)d %(unit)s to %(site)s, in transit until received.")
                % {
                    "quantity": transfer.quantity,
                    "unit": transfer.commodity.unit,
                    "site": transfer.to_site.name,
                },
            )
            return redirect("stock:transfers")
    balances = (
        StockBalance.objects.filter(quantity__gt=0)
        .select_related("site", "commodity")
        .order_by("site__name", "commodity__name")
    )
    return render(request, "stock/transfer_form.html", {"form": form, "balances": balances})


@role_required("coordinator", "distributor")
def transfer_receive(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The van arrived: the receiving site says how many units came off it."""
    user = cast(User, request.user)
    transfer = _get_transfer_to_receive(user, pk)
    if transfer.status != Transfer.Status.IN_TRANSIT:
        messages.info(request, _("This transfer was received already."))
        return redirect("stock:transfers")
    form = ReceiveForm(request.POST or None, transfer=transfer)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = do_receive_transfer(
                actor=user,
                transfer=transfer,
                received=form.cleaned_data["received"],
                note=form.cleaned_data["note"],
            )
        except AlreadyReceived as error:
            messages.info(request, error.message)
            return redirect("stock:transfers")
        except StockError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Received: %(quantity)d %(unit)s at %(site)s.")
                % {
                    "quantity": transfer.received_quantity or 0,
                    "unit": transfer.commodity.unit,
                    "site": transfer.to_site.name,
                },
            )
            return redirect("stock:transfers")
    return render(request, "stock/transfer_receive.html", {"form": form, "transfer": transfer})


@role_required("coordinator")
def loss_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = LossForm(request.POST or None, sites=user.visible_sites())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loss = do_record_loss(
                actor=user,
                site=data["site"],
                commodity=data["commodity"],
                quantity=data["quantity"],
                cause=data["cause"],
                note=data["note"],
            )
        except StockError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Loss recorded: %(quantity)d %(unit)s at %(site)s.")
                % {"quantity": loss.quantity, "unit": loss.commodity.unit, "site": loss.site.name},
            )
            return redirect("stock:overview")
    balances = (
        StockBalance.objects.filter(quantity__gt=0)
        .select_related("site", "commodity")
        .order_by("site__name", "commodity__name")
    )
    return render(request, "stock/loss_form.html", {"form": form, "balances": balances})


@role_required("coordinator")
def count_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = CountForm(request.POST or None, sites=user.visible_sites())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = do_record_count(
                actor=user,
                site=data["site"],
                commodity=data["commodity"],
                counted=data["counted"],
                reason=data["reason"],
            )
        except StockError as error:
            form.add_error(error.field if error.field in form.fields else "reason", error.message)
        else:
            messages.success(
                request,
                _("Count recorded: %(counted)d on hand, difference %(difference)+d.")
                % {"counted": count.counted, "difference": count.difference},
            )
            return redirect("stock:overview")
    # what the ledger says now, beside the form: the difference the count will book
    balances = StockBalance.objects.filter(site__in=user.visible_sites()).select_related(
        "site", "commodity"
    )
    return render(request, "stock/count_form.html", {"form": form, "balances": balances})
