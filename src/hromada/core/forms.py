from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Role, Site, User
from hromada.core.throttle import Throttled, authenticate_throttled

USERNAME = re.compile(r"[A-Za-z0-9._-]{2,150}")


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password."),
        "throttled": _("Too many failed attempts. Wait a quarter of an hour and try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            assert self.request is not None  # noqa: S101 (the login view always passes it)
            try:
                self.user_cache = authenticate_throttled(self.request, username, password)
            except Throttled:
                raise forms.ValidationError(
                    self.error_messages["throttled"], code="throttled"
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SiteChoiceForm(forms.Form):
    """A form whose first field is a site, chosen among the sites its user may act on."""

    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none())

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)  # noqa: S101
        site_field.queryset = sites
        if len(sites) == 1:
            self.initial.setdefault("site", sites[0])


class FormRenderer(TemplatesSetting):
    """Forms render their fields through core/field.html: label capitalised, help and errors
    beside the field they are about."""

    field_template_name = "core/field.html"


class NewUserForm(forms.Form):
    """A volunteer or official given a login by a coordinator."""

    username = forms.CharField(label=_("username"), max_length=150)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    sites = forms.ModelMultipleChoiceField(
        label=_("sites"),
        queryset=Site.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("a coordinator and an auditor see every site"),
    )
    password = forms.CharField(
        label=_("password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("tell it to the person, not in writing; at least 8 characters"),
    )

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"]).strip()
        if not USERNAME.fullmatch(username):
            raise forms.ValidationError(_("Use letters, digits and . _ - only."))
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        password_validation.validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role, sites = cleaned.get("role"), cleaned.get("sites")
        if role in (Role.REGISTRAR, Role.DISTRIBUTOR) and not sites:
            self.add_error("sites", _("A registrar or a distributor works at one site at least."))
        return cleaned
