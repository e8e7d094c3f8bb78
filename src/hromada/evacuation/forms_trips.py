"""Forms of the trip pages: a new trip, a card scanned at the door or at the reception centre,
boarding with the civilian declaration, the departure and the arrival list's closing, and what
happened to someone unaccounted for."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.core.models import Site
from hromada.evacuation.models import ReceptionCentre, Resolution, Vehicle
from hromada.stock.forms import DATETIME


class TripForm(SiteChoiceForm):
    """A trip: the departure time is typed in Kyiv time (the server's time zone)."""

    vehicle = forms.ModelChoiceField(label=_("vehicle"), queryset=Vehicle.objects.none())
    departure_point = forms.CharField(label=_("departure point"), max_length=200)
    departs_at = forms.DateTimeField(label=_("departure time"), widget=DATETIME)
    destination = forms.ModelChoiceField(
        label=_("destination"), queryset=ReceptionCentre.objects.none()
    )
    driver = forms.CharField(label=_("driver"), max_length=150)
    escort = forms.CharField(label=_("escort"), max_length=150, required=False)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, sites=sites, **kwargs)
        vehicle = self.fields["vehicle"]
        assert isinstance(vehicle, forms.ModelChoiceField)  # noqa: S101
        vehicle.queryset = Vehicle.objects.filter(active=True)
        destination = self.fields["destination"]
        assert isinstance(destination, forms.ModelChoiceField)  # noqa: S101
        destination.queryset = ReceptionCentre.objects.select_related("site")


class ScanForm(forms.Form):
    card = forms.CharField(label=_("card code"), max_length=40)


class BoardForm(forms.Form):
    civilian_confirmed = forms.BooleanField(
        label=_("civilian declaration confirmed"), required=False
    )


class AddRequestForm(forms.Form):
    request = forms.UUIDField()


class ConfirmForm(forms.Form):
    """A step that cannot be undone (the departure, closing the arrival list): ticked first."""

    confirm = forms.BooleanField(label=_("I confirm"))


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("what happened"), choices=Resolution.choices)
    place = forms.CharField(
        label=_("where"),
        max_length=200,
        required=False,
        help_text=_("needed when the passenger left the bus en route or went to hospital"),
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)
