from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.people.actions import MemberData
from hromada.people.models import BirthPrecision, Sex

_YEAR = re.compile(r"^\d{4}$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def parse_birth(raw: str) -> tuple[date, str]:
    """A full birth date (1957-03-14 or 14.03.1957) or a year alone (1957)."""
    raw = raw.strip()
    today = timezone.localdate()
    if _YEAR.match(raw):
        year = int(raw)
        if not 1900 <= year <= today.year:
            raise forms.ValidationError(
                _("Birth year %(year)s is not between 1900 and this year."), params={"year": raw}
            )
        return date(year, 1, 1), BirthPrecision.YEAR
    match = _ISO.match(raw)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DOTTED.match(raw)
        if not match:
            raise forms.ValidationError(
                _("Write the birth date as 14.03.1957, or the year alone as 1957.")
            )
        day, month, year = (int(part) for part in match.groups())
    try:
        born = date(year, month, day)
    except ValueError:
        raise forms.ValidationError(_("There is no such day in the calendar.")) from None
    if born > today or born.year < 1900:
        raise forms.ValidationError(_("The birth date is in the future or before 1900."))
    return born, BirthPrecision.DAY


class MemberForm(forms.Form):
    family_name = forms.CharField(label=_("family name"), max_length=150)
    given_name = forms.CharField(label=_("given name"), max_length=150)
    patronymic = forms.CharField(label=_("patronymic"), max_length=150, required=False)
    # an empty first choice, so that a row left blank in the browser is still blank
    sex = forms.ChoiceField(label=_("sex"), choices=[("", "—"), *Sex.choices])
    birth = forms.CharField(
        label=_("birth date or year"),
        max_length=10,
        help_text=_("14.03.1957, or 1957 when only the year is known"),
    )

    def clean_birth(self) -> tuple[date, str]:
        return parse_birth(self.cleaned_data["birth"])

    def member(self) -> MemberData:
        born, precision = self.cleaned_data["birth"]
        return MemberData(
            family_name=self.cleaned_data["family_name"].strip(),
            given_name=self.cleaned_data["given_name"].strip(),
            patronymic=self.cleaned_data["patronymic"].strip(),
            sex=self.cleaned_data["sex"],
            birth_date=born,
            birth_precision=precision,
        )


class BaseMemberFormSet(forms.BaseFormSet[MemberForm]):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(_("A household has at least one member."))


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=4, max_num=30, validate_max=True
)


class HouseholdForm(SiteChoiceForm):
    address = forms.CharField(label=_("address or location"), max_length=300, required=False)
