"""Throttle of failed logins, by username and by address, kept in the database so that it
holds across server threads and restarts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from hromada.core.models import LoginFailure, User, hash_token


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def is_throttled(username: str, address: str) -> bool:
    """Guessing is slowed where it happens: a username from one address is stopped after a few
    failures; the same username from everywhere only after ten times as many, so that somebody
    on the Wi-Fi cannot lock a volunteer out with five bad passwords; an address trying many
    usernames after four times as many."""
    since = timezone.now() - timedelta(seconds=settings.HROMADA_LOGIN_WINDOW_SECONDS)
    limit = settings.HROMADA_LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(at__gte=since)
    mine = recent.filter(username_hash=hash_token(username.lower()))
    if mine.filter(address=address).count() >= limit:
        return True
    if mine.count() >= limit * 10:
        return True
    return bool(address) and recent.filter(address=address).count() >= limit * 4


def record_failure(username: str, address: str) -> None:
    LoginFailure.objects.create(username_hash=hash_token(username.lower()), address=address)


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username_hash=hash_token(username.lower())).delete()


class Throttled(Exception):
    pass


def authenticate_throttled(request: HttpRequest, username: str, password: str) -> User | None:
    """Check a password unless this username or address has failed too often lately."""
    address = client_address(request)
    if is_throttled(username, address):
        raise Throttled
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_failure(username, address)
        return None
    clear_failures(username)
    assert isinstance(user, User)  # noqa: S101 (AUTH_USER_MODEL is core.User)
    return user
