from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _


def current_node() -> str:
    return str(settings.HROMADA_NODE)


class DomainModel(models.Model):
    """A row made on some node: its key is a UUID so rows from different nodes never collide."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.CharField(max_length=64, default=current_node, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Site(DomainModel):
    """A place where aid is handed out or people are registered: the municipal building."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator")
    REGISTRAR = "registrar", _("registrar")
    DISTRIBUTOR = "distributor", _("distributor")
    AUDITOR = "auditor", _("auditor")
    # plans and boards the buses of their sites
    EVACUATION = "evacuation", _("evacuation officer")
    # staff of a reception centre (a site of its own) that confirms who arrived
    RECEPTION = "reception", _("reception centre")


class User(AbstractUser):
    """A volunteer or official. A coordinator sees every site; the others only their own."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="users", verbose_name=_("sites"))

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    # `hromada createsuperuser` asks for the role: a user without one could open nothing
    REQUIRED_FIELDS: ClassVar[list[str]] = ["role"]

    def __str__(self) -> str:
        return self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    def sees_all_sites(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.AUDITOR)

    def visible_sites(self) -> models.QuerySet[Site]:
        if self.sees_all_sites():
            return Site.objects.all()
        return self.sites.all()


class AuditEvent(models.Model):
    """Who did what to which object, and which fields: never the values they held."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.CharField(max_length=64, default=current_node, editable=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering: ClassVar = ["-at"]
        indexes: ClassVar = [
            # the audit page of one object: "what happened to this household"
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # the audit page, newest first
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a scanner device. Only its hash is stored: a copied database
    does not hand out working tokens."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    # The user's password hash, digested, when the token was issued (Django's session auth
    # hash): a new password ends every token issued before it, as it ends sessions.
    password_digest = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"token of {self.user}"

    def is_valid_at(self, now: datetime) -> bool:
        """Alive: its user active, their password unchanged since, used lately, not too old."""
        idle = timedelta(seconds=settings.HROMADA_TOKEN_IDLE_SECONDS)
        oldest = timedelta(seconds=settings.HROMADA_TOKEN_MAX_SECONDS)
        return (
            self.user.is_active
            and constant_time_compare(self.password_digest, self.user.get_session_auth_hash())
            and now - self.last_used_at <= idle
            and now - self.created_at <= oldest
        )


class LoginFailure(models.Model):
    """A failed login, counted to throttle guessing. The username is kept as a hash."""

    username_hash = models.CharField(max_length=64)
    address = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [
            # failures for this username within the window
            models.Index(fields=["username_hash", "at"], name="loginfail_user_idx"),
            # failures from this address within the window
            models.Index(fields=["address", "at"], name="loginfail_addr_idx"),
        ]

    def __str__(self) -> str:
        return f"failed login at {self.at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first answer to a write request that carried an Idempotency-Key; a retry gets it back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # "METHOD /path key" (core.idempotency.scoped): the client's key, at most 200 characters
    key = models.CharField(max_length=400)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self) -> str:
        return f"idempotent answer {self.status}"

    def answer(self) -> tuple[int, Any]:
        return self.status, self.body
