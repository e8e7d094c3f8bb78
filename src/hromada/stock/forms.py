from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.core.models import Site
from hromada.stock.actions import ARRIVAL_SLACK, Line
from hromada.stock.models import Commodity, LossCause, Transfer

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_UNITS = 10_000_000
# rows of a delivery form: a truck rarely brings more kinds than this, and a formset sent with
# more is refused rather than read
MAX_LINES = 30
EMPTY_LINES = 5


class SiteCommodityForm(SiteChoiceForm):
    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())


class DeliveryForm(SiteChoiceForm):
    """The truck: where it came to, from whom, when. Its lines are a formset (LineFormSet)."""

    source = forms.CharField(label=_("source (organisation)"), max_length=200)
    donor = forms.CharField(
        label=_("donor"),
        max_length=200,
        required=False,
        help_text=_("who paid for it, if not the organisation that sent it"),
    )
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


class LineForm(forms.Form):
    """One commodity on the truck. An empty row is skipped."""

    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=MAX_UNITS)


class BaseLineFormSet(forms.BaseFormSet[LineForm]):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        filled = 0
        for number, form in enumerate(self.forms, start=1):
            commodity = form.cleaned_data.get("commodity")
            if commodity is None:
                continue
            filled += 1
            first = seen.setdefault(str(commodity.pk), number)
            if first != number:
                form.add_error(
                    "commodity",
                    gettext("%(commodity)s is already on line %(first)d: add the quantities up.")
                    % {"commodity": commodity.name, "first": first},
                )
        if not filled:
            raise forms.ValidationError(
                gettext("Add at least one line: a commodity and its quantity.")
            )

    def lines(self) -> list[Line]:
        return [
            Line(form.cleaned_data["commodity"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("commodity") is not None
        ]

    def problems(self) -> list[str]:
        """Every error of every row, naming the row and the field: "Line 3, quantity: ..."."""
        found = []
        for number, form in enumerate(self.forms, start=1):
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    found.append(
                        gettext("Line %(number)d, %(field)s: %(error)s")
                        % {"number": number, "field": label, "error": error}
                    )
        return found


def line_formset(data: Any = None, *, rows: int = EMPTY_LINES) -> BaseLineFormSet:
    """The delivery's rows; `rows` empty ones on a new form (a POST says how many it has)."""
    formset_class = forms.formset_factory(
        LineForm,
        formset=BaseLineFormSet,
        extra=max(1, min(rows, MAX_LINES)),
        max_num=MAX_LINES,
        absolute_max=MAX_LINES,
        validate_max=True,
    )
    formset = cast(BaseLineFormSet, formset_class(data, prefix="lines"))
    # every row may be left empty; the formset's clean asks for one line at least
    for form in formset.forms:
        form.empty_permitted = True
        form.use_required_attribute = False
    return formset


class TransferForm(forms.Form):
    from_site = forms.ModelChoiceField(label=_("from site"), queryset=Site.objects.none())
    to_site = forms.ModelChoiceField(label=_("to site"), queryset=Site.objects.none())
    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=MAX_UNITS)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("from_site", "to_site"):
            site_field = self.fields[name]
            assert isinstance(site_field, forms.ModelChoiceField)  # noqa: S101
            site_field.queryset = sites

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        origin, destination = cleaned.get("from_site"), cleaned.get("to_site")
        if origin and destination and origin == destination:
            self.add_error("to_site", _("A transfer goes to another site."))
        return cleaned


class ReceiveForm(forms.Form):
    received = forms.IntegerField(label=_("quantity arrived"), min_value=0, max_value=MAX_UNITS)
    note = forms.CharField(
        label=_("note"),
        max_length=300,
        required=False,
        help_text=_("required when fewer arrived than were sent: say what happened"),
    )

    def __init__(self, *args: Any, transfer: Transfer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transfer = transfer
        self.initial.setdefault("received", transfer.quantity)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        received = cleaned.get("received")
        if received is None:
            return cleaned
        if received > self.transfer.quantity:
            self.add_error(
                "received",
                gettext("At most %(sent)d can arrive: that many were sent.")
                % {"sent": self.transfer.quantity},
            )
        elif received < self.transfer.quantity and not str(cleaned.get("note", "")).strip():
            self.add_error("note", _("Fewer units arrived than were sent: say what happened."))
        return cleaned


class LossForm(SiteCommodityForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=MAX_UNITS)
    cause = forms.ChoiceField(label=_("cause"), choices=LossCause.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("cause") == LossCause.OTHER and not str(cleaned.get("note", "")).strip():
            self.add_error("note", _("Say what happened to the units."))
        return cleaned


class CountForm(SiteCommodityForm):
    counted = forms.IntegerField(label=_("counted on hand"), min_value=0, max_value=MAX_UNITS)
    reason = forms.CharField(label=_("reason for any difference"), max_length=300, required=False)
