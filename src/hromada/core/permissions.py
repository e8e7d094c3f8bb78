"""Who may use which view. Every view declares its roles; a test walks the URLs to check it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from hromada.core.models import Role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

ALL_ROLES = tuple(Role.values)


def role_required(*roles: str) -> Callable[[View], View]:
    """Let in a logged-in, active user whose role is one of `roles`; others get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user = request.user
            if not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.hromada_roles = roles  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorator


def public(view: View) -> View:
    """Mark a view that anyone may open (the login page)."""
    view.hromada_roles = ("public",)  # type: ignore[attr-defined]
    return view
