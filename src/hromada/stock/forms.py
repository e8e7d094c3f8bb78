from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.stock.actions import ARRIVAL_SLACK
from hromada.stock.models import Commodity

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SiteCommodityForm(SiteChoiceForm):
    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())


class DeliveryForm(SiteCommodityForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=10_000_000)
    source = forms.CharField(label=_("source (donor, organisation)"), max_length=200)
    vehicle = forms.CharField(label=_("vehicle"), max_length=100, required=False)
    departed_at = forms.DateTimeField(label=_("departed at"), required=False, widget=DATETIME)
    arrived_at = forms.DateTimeField(label=_("arrived at"), widget=DATETIME)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        departed, arrived = cleaned.get("departed_at"), cleaned.get("arrived_at")
        if departed and arrived and departed > arrived:
            self.add_error("departed_at", _("The departure cannot be later than the arrival."))
        if arrived and arrived > timezone.now() + ARRIVAL_SLACK:
            self.add_error("arrived_at", _("The arrival time is in the future."))
        return cleaned


class CountForm(SiteCommodityForm):
    counted = forms.IntegerField(label=_("counted on hand"), min_value=0, max_value=10_000_000)
    reason = forms.CharField(label=_("reason for any difference"), max_length=300, required=False)
