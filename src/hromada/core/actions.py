from __future__ import annotations

import secrets

from django.db import transaction

from hromada.core.audit import record_audit
from hromada.core.models import ApiToken, User, hash_token


@transaction.atomic
def do_issue_token(*, actor: User) -> str:
    """A new bearer token for the actor's device; the raw token is returned once, never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, key_hash=hash_token(raw))
    record_audit(actor=actor, action="core.issue_token", obj=token, fields=["user"])
    return raw
