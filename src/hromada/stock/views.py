from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.stock.actions import Line, StockError, do_record_count, do_record_delivery
from hromada.stock.forms import CountForm, DeliveryForm
from hromada.stock.models import Delivery, StockBalance


@role_required("coordinator", "auditor")
def overview(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sites = user.visible_sites()
    balances = StockBalance.objects.filter(site__in=sites).select_related("site", "commodity")
    deliveries = (
        Delivery.objects.filter(site__in=sites)
        .select_related("site")
        .prefetch_related("lines__commodity")
        .order_by("-arrived_at", "-created_at")[:20]
    )
    return render(request, "stock/overview.html", {"balances": balances, "deliveries": deliveries})


@role_required("coordinator")
def delivery_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    initial = {"arrived_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = DeliveryForm(request.POST or None, sites=user.visible_sites(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        do_record_delivery(
            actor=user,
            site=data["site"],
            lines=[Line(data["commodity"], data["quantity"])],
            source=data["source"],
            vehicle=data["vehicle"],
            departed_at=data["departed_at"],
            arrived_at=data["arrived_at"],
        )
        messages.success(request, _("Delivery recorded; the stock has risen."))
        return redirect("stock:overview")
    return render(request, "stock/delivery_form.html", {"form": form})


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
            form.add_error("reason", error.message)
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
