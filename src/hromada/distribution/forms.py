from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.core.models import Site
from hromada.distribution.actions import SLOT_MINUTES, Rule
from hromada.distribution.models import (
    Basis,
    Eligibility,
    PauseReason,
    Period,
    Programme,
    Shortage,
)
from hromada.people.models import VulnerabilityKind
from hromada.stock.forms import DATETIME
from hromada.stock.models import Commodity


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=1000)
    basis = forms.ChoiceField(label=_("counted"), choices=Basis.choices, initial=Basis.PERSON)
    max_per_household = forms.IntegerField(
        label=_("at most per household"),
        min_value=1,
        max_value=10_000,
        required=False,
        help_text=_("for a quantity per person; empty: no maximum"),
    )
    period = forms.ChoiceField(label=_("period"), choices=Period.choices)
    eligibility = forms.ChoiceField(
        label=_("who is eligible"), choices=Eligibility.choices, initial=Eligibility.EVERYONE
    )
    vulnerability = forms.ChoiceField(
        label=_("vulnerability"),
        choices=[("", "—"), *VulnerabilityKind.choices],
        required=False,
        help_text=_("for “people with a vulnerability”"),
    )
    age = forms.IntegerField(
        label=_("age"),
        min_value=0,
        max_value=120,
        required=False,
        help_text=_("children: under this age; older people: this age and over"),
    )
    excludes = forms.ModelMultipleChoiceField(
        label=_("cannot be combined with"),
        queryset=Programme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("a household that received one of these in the same period is refused"),
    )

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        if programme is not None:
            field = self.fields["excludes"]
            assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101
            field.queryset = Programme.objects.exclude(pk=programme.pk)
            self.fields["commodity"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        eligibility = cleaned.get("eligibility")
        if eligibility in (Eligibility.CHILDREN, Eligibility.OLDER) and cleaned.get("age") is None:
            self.add_error("age", _("Give the age for a rule on children or older people."))
        if eligibility == Eligibility.VULNERABILITY and not cleaned.get("vulnerability"):
            self.add_error(
                "vulnerability", _("Choose the vulnerability that makes a person eligible.")
            )
        return cleaned

    def rule(self) -> Rule:
        data = self.cleaned_data
        return Rule(
            quantity=data["quantity"],
            basis=data["basis"],
            period=data["period"],
            max_per_household=data["max_per_household"],
            eligibility=data["eligibility"],
            vulnerability=data["vulnerability"] or "",
            age=data["age"],
        )

    @classmethod
    def initial_of(cls, programme: Programme) -> dict[str, Any]:
        return {
            "name": programme.name,
            "commodity": programme.commodity_id,
            "quantity": programme.quantity,
            "basis": programme.basis,
            "max_per_household": programme.max_per_household,
            "period": programme.period,
            "eligibility": programme.eligibility,
            "vulnerability": programme.vulnerability,
            "age": programme.age,
            "excludes": list(programme.excludes.all()),
        }


class SessionSettingsForm(forms.Form):
    shortage = forms.ChoiceField(
        label=_("when stock runs short"), choices=Shortage.choices, widget=forms.RadioSelect
    )
    slots_strict = forms.BooleanField(label=_("serve only in their time slot"), required=False)


class PauseForm(SiteChoiceForm):
    reason = forms.ChoiceField(label=_("reason"), choices=PauseReason.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class WithoutCardForm(forms.Form):
    household = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("why without the card"),
        max_length=200,
        help_text=_("for example: card lost, left at home, burnt"),
    )


class ReversalForm(forms.Form):
    reason = forms.CharField(label=_("reason for the reversal"), max_length=200)


class OpenSessionForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("programme"), queryset=Programme.objects.all())
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.all())


class DeskNameForm(forms.Form):
    desk = forms.CharField(
        label=_("name of this desk"),
        max_length=40,
        help_text=_("as the queue sees it, e.g. “Desk 2”; the desk's answers name it"),
    )


class CheckinForm(forms.Form):
    card = forms.CharField(label=_("card code"), max_length=64)


class DayReportForm(SiteChoiceForm):
    # a browser's date input reads and writes ISO dates, whatever the page's language
    day = forms.DateField(
        label=_("day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class SlotPlanForm(forms.Form):
    first_start = forms.DateTimeField(label=_("first slot starts"), widget=DATETIME)
    slot_minutes = forms.IntegerField(
        label=_("minutes per slot"), min_value=SLOT_MINUTES[0], max_value=SLOT_MINUTES[1]
    )
    households_per_slot = forms.IntegerField(
        label=_("households per slot"), min_value=1, max_value=10_000
    )


class HouseholdsField(forms.Field):
    """The households ticked: a list of record keys, from the checkboxes of the list."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("A household ticked is not known.")}

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return [uuid.UUID(str(v)) for v in value]
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class PaperEntryForm(forms.Form):
    served_at = forms.DateTimeField(
        label=_("served at (Kyiv time)"),
        widget=DATETIME,
        help_text=_("when the ticked households were served"),
    )
    household = HouseholdsField(label=_("households ticked"), required=False)
