from __future__ import annotations

from typing import cast

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hromada.core.forms import ThrottledLoginForm
from hromada.core.models import AuditEvent, User
from hromada.core.permissions import ALL_ROLES, public, role_required

login = public(
    auth_views.LoginView.as_view(
        template_name="core/login.html",
        authentication_form=ThrottledLoginForm,
        redirect_authenticated_user=True,
    )
)
logout = public(auth_views.LogoutView.as_view())


@role_required(*ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(request, "core/home.html", {"sites": user.visible_sites()})


@role_required("coordinator", "auditor")
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.select_related("actor", "site")[:200]
    return render(request, "core/audit.html", {"events": events})
