from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.core.models import Site
from hromada.distribution.models import Period, Programme
from hromada.stock.models import Commodity


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    commodity = forms.ModelChoiceField(label=_("commodity"), queryset=Commodity.objects.all())
    quantity_per_person = forms.IntegerField(
        label=_("quantity per person"), min_value=1, max_value=1000
    )
    period = forms.ChoiceField(label=_("period"), choices=Period.choices)


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
