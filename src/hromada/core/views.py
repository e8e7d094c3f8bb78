from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.actions import do_deactivate_user, do_save_user
from hromada.core.forms import NewUserForm, ThrottledLoginForm
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


@role_required("coordinator")
def users(request: HttpRequest) -> HttpResponse:
    """Who may log in, with which role and at which sites; a coordinator adds volunteers."""
    actor = cast(User, request.user)
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        do_save_user(
            actor=actor,
            username=data["username"],
            role=data["role"],
            sites=data["sites"],
            password=data["password"],
        )
        messages.success(request, _("%(name)s can log in now.") % {"name": data["username"]})
        return redirect("core:users")
    people = User.objects.prefetch_related("sites").order_by("-is_active", "role", "username")
    return render(request, "core/users.html", {"form": form, "people": people})


@require_POST
@role_required("coordinator")
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = cast(User, request.user)
    user = get_object_or_404(User, pk=pk)
    if user == actor:
        messages.error(request, _("You cannot deactivate yourself."))
        return redirect("core:users")
    do_deactivate_user(actor=actor, user=user)
    messages.success(request, _("%(name)s can no longer log in.") % {"name": user.username})
    return redirect("core:users")
