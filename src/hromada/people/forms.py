from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.forms import SiteChoiceForm
from hromada.lib.documents import InvalidDocument, normalise_document
from hromada.lib.phones import InvalidPhone, normalise_phone
from hromada.people.actions import MemberData
from hromada.people.errors import document_error, phone_error
from hromada.people.models import (
    BirthPrecision,
    DocumentKind,
    LegalBasis,
    Person,
    PersonStatus,
    Residency,
    Sex,
    VulnerabilityKind,
)

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(?:(\d{1,2})[./](\d{4})|(\d{4})-(\d{1,2}))$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def parse_birth(raw: str) -> tuple[date, str]:
    """A full birth date (1957-03-14 or 14.03.1957), a month (03.1957 or 1957-03) or a year
    alone (1957)."""
    raw = raw.strip()
    today = timezone.localdate()
    if _YEAR.match(raw):
        year = int(raw)
        if not 1900 <= year <= today.year:
            raise forms.ValidationError(
                _("Birth year %(year)s is not between 1900 and this year."), params={"year": raw}
            )
        return date(year, 1, 1), BirthPrecision.YEAR
    month_match = _MONTH.match(raw)
    if month_match:
        m1, y1, y2, m2 = month_match.groups()
        year, month = int(y1 or y2), int(m1 or m2)
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("There is no such month in the calendar."))
        born = date(year, month, 1)
        if born > today or year < 1900:
            raise forms.ValidationError(_("The birth date is in the future or before 1900."))
        return born, BirthPrecision.MONTH
    match = _ISO.match(raw)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DOTTED.match(raw)
        if not match:
            raise forms.ValidationError(
                _("Write the birth date as 14.03.1957, the month as 03.1957, or the year as 1957.")
            )
        day, month, year = (int(part) for part in match.groups())
    try:
        born = date(year, month, day)
    except ValueError:
        raise forms.ValidationError(_("There is no such day in the calendar.")) from None
    if born > today or born.year < 1900:
        raise forms.ValidationError(_("The birth date is in the future or before 1900."))
    return born, BirthPrecision.DAY


def cleaned_phone(raw: str) -> str:
    """A phone typed in a form, normalised to E.164 ("" when left empty), or the reason it is
    not one."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return normalise_phone(raw)
    except InvalidPhone as error:
        raise forms.ValidationError(phone_error(error)) from None


class MemberForm(forms.Form):
    """One person. Used for each row of the registration form and for the person's own page;
    `document_slots` says how many documents the form offers."""

    family_name = forms.CharField(label=_("family name"), max_length=150)
    given_name = forms.CharField(label=_("given name"), max_length=150)
    patronymic = forms.CharField(label=_("patronymic"), max_length=150, required=False)
    # an empty first choice, so that a row left blank in the browser is still blank
    sex = forms.ChoiceField(label=_("sex"), choices=[("", "—"), *Sex.choices])
    birth = forms.CharField(
        label=_("birth date or year"),
        max_length=10,
        help_text=_("14.03.1957; 03.1957 or 1957 when only that is known"),
    )
    is_head = forms.BooleanField(label=_("head of household"), required=False)
    phone = forms.CharField(
        label=_("phone"), max_length=30, required=False, help_text=_("067 123 45 67 or +48 …")
    )
    # not required: a client that leaves them out means the usual (resident, present, consent)
    residency = forms.ChoiceField(
        label=_("residency"),
        choices=Residency.choices,
        initial=Residency.RESIDENT,
        required=False,
    )
    displaced_from = forms.CharField(
        label=_("displaced from (hromada)"), max_length=200, required=False
    )
    displaced_on = forms.CharField(
        label=_("displaced on"), max_length=10, required=False, help_text=_("14.03.2022")
    )
    status = forms.ChoiceField(
        label=_("status"),
        choices=[c for c in PersonStatus.choices if c[0] != PersonStatus.MERGED],
        initial=PersonStatus.PRESENT,
        required=False,
    )
    legal_basis = forms.ChoiceField(
        label=_("legal basis for holding the data"),
        choices=LegalBasis.choices,
        initial=LegalBasis.CONSENT,
        required=False,
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("vulnerabilities"),
        choices=VulnerabilityKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disability_group = forms.TypedChoiceField(
        label=_("disability group"),
        choices=[("", "—"), ("1", "I"), ("2", "II"), ("3", "III")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    # fields whose initial value alone does not make a blank registration row "changed"
    _DEFAULTS = ("residency", "status", "legal_basis")

    def __init__(self, *args: Any, document_slots: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_slots = document_slots
        for i in range(document_slots):
            self.fields[f"document_{i}_kind"] = forms.ChoiceField(
                label=_("document"), choices=[("", "—"), *DocumentKind.choices], required=False
            )
            self.fields[f"document_{i}_number"] = forms.CharField(
                label=_("document number"), max_length=40, required=False
            )

    def has_changed(self) -> bool:
        return any(name not in self._DEFAULTS for name in self.changed_data)

    def clean_birth(self) -> tuple[date, str]:
        return parse_birth(self.cleaned_data["birth"])

    def clean_phone(self) -> str:
        return cleaned_phone(self.cleaned_data["phone"])

    def clean_displaced_on(self) -> date | None:
        raw = self.cleaned_data["displaced_on"].strip()
        if not raw:
            return None
        try:
            # a month or a year alone is kept as its first day: enough to order arrivals
            return parse_birth(raw)[0]
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Write the date as 14.03.2022, 03.2022 or 2022, not in the future.")
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        vulns = data.get("vulnerabilities") or []
        group = data.get("disability_group")
        if group and VulnerabilityKind.DISABILITY not in vulns:
            self.add_error("disability_group", _("A disability group is only for a disability."))
        if VulnerabilityKind.DISABILITY in vulns and not group:
            self.add_error("disability_group", _("Choose the disability group."))
        if data.get("residency") != Residency.DISPLACED and (
            data.get("displaced_from") or data.get("displaced_on")
        ):
            self.add_error("residency", _("Choose “displaced” to record where from and when."))
        documents = []
        born = data.get("birth")
        for i in range(self.document_slots):
            kind = data.get(f"document_{i}_kind") or ""
            number = (data.get(f"document_{i}_number") or "").strip()
            if not kind and not number:
                continue
            if not kind:
                self.add_error(f"document_{i}_kind", _("Choose which document this number is."))
                continue
            if not number:
                self.add_error(f"document_{i}_number", _("Write the document's number."))
                continue
            try:
                normalised = normalise_document(
                    kind, number, birth_date=born[0] if born and born[1] == "day" else None
                )
            except InvalidDocument as error:
                self.add_error(f"document_{i}_number", document_error(error))
                continue
            documents.append((kind, normalised))
        if len(set(documents)) != len(documents):
            self.add_error(None, _("The same document is written twice."))
        data["documents"] = tuple(documents)
        return data

    def member(self) -> MemberData:
        born, precision = self.cleaned_data["birth"]
        vulns = self.cleaned_data["vulnerabilities"]
        group = self.cleaned_data["disability_group"]
        return MemberData(
            family_name=self.cleaned_data["family_name"].strip(),
            given_name=self.cleaned_data["given_name"].strip(),
            patronymic=self.cleaned_data["patronymic"].strip(),
            sex=self.cleaned_data["sex"],
            birth_date=born,
            birth_precision=precision,
            is_head=self.cleaned_data["is_head"],
            phone=self.cleaned_data["phone"],
            status=self.cleaned_data["status"] or PersonStatus.PRESENT,
            residency=self.cleaned_data["residency"] or Residency.RESIDENT,
            displaced_from=self.cleaned_data["displaced_from"].strip(),
            displaced_on=self.cleaned_data["displaced_on"],
            legal_basis=self.cleaned_data["legal_basis"] or LegalBasis.CONSENT,
            documents=self.cleaned_data["documents"],
            vulnerabilities=tuple(
                (kind, group if kind == VulnerabilityKind.DISABILITY else None) for kind in vulns
            ),
        )

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(person, name)
            for name in ("family_name", "given_name", "patronymic", "sex", "is_head",
                         "residency", "displaced_from", "status", "legal_basis")
        }  # fmt: skip
        initial["birth"] = person.birth_display()
        initial["phone"] = person.phone_display()
        initial["displaced_on"] = (
            person.displaced_on.strftime("%d.%m.%Y") if person.displaced_on else ""
        )
        vulns = list(person.vulnerabilities.all())
        initial["vulnerabilities"] = [v.kind for v in vulns]
        initial["disability_group"] = next(
            (v.disability_group for v in vulns if v.disability_group), None
        )
        for i, doc in enumerate(person.documents.all()):
            initial[f"document_{i}_kind"] = doc.kind
            initial[f"document_{i}_number"] = doc.display_number()
        return initial


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


class AddressForm(forms.Form):
    address = forms.CharField(label=_("address or location"), max_length=300, required=False)


class ProxyForm(forms.Form):
    name = forms.CharField(label=_("full name"), max_length=300)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    note = forms.CharField(
        label=_("note"),
        max_length=200,
        required=False,
        help_text=_("for example: neighbour, flat 12"),
    )

    def clean_phone(self) -> str:
        return cleaned_phone(self.cleaned_data["phone"])
