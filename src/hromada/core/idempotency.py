"""Write requests from devices carry an Idempotency-Key: a retry gets the first answer back."""

from __future__ import annotations

from typing import Any

from hromada.core.models import IdempotencyRecord, User

MAX_KEY_LENGTH = 200


def scoped(*, method: str, path: str, key: str) -> str:
    """A key belongs to the operation it was sent to: the same key sent to another endpoint
    is another request, not a retry of this one."""
    return f"{method} {path} {key}"


def replay(*, user: User, key: str) -> tuple[int, Any] | None:
    found = IdempotencyRecord.objects.filter(user=user, key=key).first()
    return found.answer() if found else None


def remember(*, user: User, key: str, status: int, body: Any) -> None:
    """Keep the answer, in the same transaction as the write it answers: the record exists
    exactly when the write does."""
    IdempotencyRecord.objects.create(user=user, key=key, status=status, body=body)
