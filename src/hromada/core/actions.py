from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet

from hromada.core.audit import record_audit
from hromada.core.models import ApiToken, Site, User, hash_token


@transaction.atomic
def do_issue_token(*, actor: User) -> str:
    """A new bearer token for the actor's device; the raw token is returned once, never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, key_hash=hash_token(raw), password_digest=actor.get_session_auth_hash()
    )
    record_audit(actor=actor, action="core.issue_token", obj=token, fields=["user"])
    return raw


@transaction.atomic
def do_save_user(
    *, actor: User | None, username: str, role: str, sites: QuerySet[Site], password: str
) -> User:
    """Create a user, or bring an existing one to this role, these sites and this password."""
    user, created = User.objects.get_or_create(username=username, defaults={"role": role})
    user.role = role
    user.is_active = True
    user.set_password(password)
    user.save()
    user.sites.set(sites)
    record_audit(
        actor=actor, action="core.create_user" if created else "core.update_user", obj=user,
        fields=["username", "role", "sites", "password", "is_active"],
    )  # fmt: skip
    return user


@transaction.atomic
def do_create_site(*, actor: User | None, code: str, name: str) -> Site:
    site = Site.objects.create(code=code, name=name)
    record_audit(actor=actor, action="core.create_site", obj=site, fields=["code", "name"])
    return site


@transaction.atomic
def do_deactivate_user(*, actor: User | None, user: User) -> User:
    """A volunteer leaves, or a phone is lost: their sessions end at their next request
    (Django refuses inactive users) and their device tokens stop working now."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user).delete()
    record_audit(actor=actor, action="core.deactivate_user", obj=user, fields=["is_active"])
    return user
