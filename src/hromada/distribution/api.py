from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from hromada.core.api import Error
from hromada.core.idempotency import MAX_KEY_LENGTH, remember, replay, scoped
from hromada.core.models import User
from hromada.distribution.actions import CheckinOutcome, do_check_in
from hromada.distribution.models import Basis, DistributionSession, RefusalReason
from hromada.stock.models import StockBalance

router = Router(tags=["distribution"])


class SessionOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    site_name: str
    programme: uuid.UUID
    programme_name: str
    commodity: str
    unit: str
    quantity_per_person: int
    status: str
    opened_at: datetime
    left: int


@router.get("/sessions", response={200: list[SessionOut], 401: Error, 422: Error})
def sessions(
    request: HttpRequest, status: Literal["open", "closed"] | None = None
) -> list[dict[str, Any]]:
    """Distribution sessions the user may serve at (with `status=open`, those open now)."""
    user = cast(User, request.user)
    found = DistributionSession.objects.servable_by(user).select_related(
        "site", "programme__commodity"
    )
    if status:
        found = found.filter(status=status)
    found = found[:500]  # newest first; a site opens one a day
    balances = {
        (b.site_id, b.commodity_id): b.quantity
        for b in StockBalance.objects.filter(site__in={s.site_id for s in found})
    }
    return [
        {
            "id": s.pk,
            "site": s.site_id,
            "site_name": s.site.name,
            "programme": s.programme_id,
            "programme_name": s.programme.name,
            "commodity": s.programme.commodity.name,
            "unit": s.programme.commodity.unit,
            # the skeleton's contract: a per-household programme has no per-person figure
            "quantity_per_person": s.programme.quantity if s.programme.basis == Basis.PERSON else 0,
            "status": s.status,
            "opened_at": s.opened_at,
            "left": balances.get((s.site_id, s.programme.commodity_id), 0),
        }
        for s in found
    ]


class CheckinIn(Schema):
    session: uuid.UUID
    card: str = Field(max_length=64)
    desk: str = Field("", max_length=100, pattern=r"^[^\x00]*$")  # no NUL: PostgreSQL refuses it


class CheckinOut(Schema):
    id: uuid.UUID
    household: uuid.UUID
    quantity: int
    members: int
    unit: str
    left: int
    at: datetime


class Refused(Error):
    left: int | None = None


# How each refusal answers over HTTP; the rest are 409 (the request conflicts with the state).
REFUSAL_STATUS: dict[str, int] = {
    RefusalReason.UNKNOWN_CARD: 404,
    RefusalReason.MALFORMED_CARD: 422,
}


def _answer(outcome: CheckinOutcome) -> tuple[int, dict[str, Any]]:
    if outcome.refusal is not None:
        refusal = outcome.refusal
        return REFUSAL_STATUS.get(refusal.reason, 409), {
            "code": refusal.reason,
            "message": refusal.message,
            "left": outcome.left,
        }
    collection = outcome.collection
    assert collection is not None  # noqa: S101 (an outcome is one or the other)
    return 201, {
        "id": str(collection.pk),
        "household": str(collection.household_id),
        "quantity": collection.quantity,
        "members": collection.members,
        "unit": collection.programme.commodity.unit,
        "left": outcome.left,
        "at": collection.at.isoformat(),
    }


@router.post(
    "/checkins",
    response={201: CheckinOut, 401: Error, 403: Error, 404: Refused, 409: Refused, 422: Refused},
)
def checkin(request: HttpRequest, payload: CheckinIn) -> Status[Any]:
    """Serve the household whose card was scanned. A request repeated with the same
    `Idempotency-Key` header gets the first answer back and changes nothing."""
    user = cast(User, request.user)
    raw_key = request.headers.get("Idempotency-Key", "")
    key = scoped(method="POST", path=request.path, key=raw_key) if raw_key else ""
    if len(raw_key) > MAX_KEY_LENGTH:
        message = _("The Idempotency-Key is too long.")
        return Status(422, {"code": "invalid", "message": message})
    session = (
        DistributionSession.objects.servable_by(user)
        .select_related("site", "programme__commodity")
        .filter(pk=payload.session)
        .first()
    )
    if session is None:
        # the second look happens only on this rare path: one query for the common one
        if DistributionSession.objects.filter(pk=payload.session).exists():
            message = _("You may not serve at this session.")
            return Status(403, {"code": "forbidden", "message": message})
        message = _("No such distribution session.")
        return Status(404, {"code": "unknown_session", "message": message})
    try:
        with transaction.atomic():
            earlier = replay(user=user, key=key) if key else None
            if earlier is not None:
                return Status(*earlier)
            status, body = _answer(
                do_check_in(
                    actor=user,
                    session=session,
                    card_code=payload.card,
                    desk=payload.desk or user.username,
                )
            )
            if key:
                remember(user=user, key=key, status=status, body=body)
    except IntegrityError:
        # the same key raced itself on PostgreSQL: the winner's answer is the answer
        earlier = replay(user=user, key=key) if key else None
        if earlier is None:
            raise
        return Status(*earlier)
    return Status(status, body)
