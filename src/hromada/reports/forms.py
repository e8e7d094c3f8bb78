from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Site
from hromada.reports.figures import MAX_DAYS

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardForm(forms.Form):
    """Which site (or all the user sees) and which Kyiv days, both ends included."""

    site = forms.ModelChoiceField(
        label=_("site"), queryset=Site.objects.none(), required=False, empty_label=_("whole town")
    )
    # a browser's date input reads and writes ISO dates, whatever the page's language
    start = forms.DateField(label=_("from"), widget=ISO_DATE)
    end = forms.DateField(label=_("to"), widget=ISO_DATE)

    def __init__(self, *args: Any, sites: QuerySet[Site], all_sites: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)  # noqa: S101
        site_field.queryset = sites
        if not all_sites:
            site_field.empty_label = _("all my sites")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None:
            if start > end:
                self.add_error("end", _("The last day comes before the first."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("start", _("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        return cleaned
