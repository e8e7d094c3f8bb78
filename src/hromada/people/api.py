from __future__ import annotations

import uuid
from typing import cast

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params import functions as param_functions

from hromada.core.api import Error
from hromada.core.models import User
from hromada.people.models import Card, Household

router = Router(tags=["people"])


class HouseholdOut(Schema):
    id: uuid.UUID
    site: uuid.UUID
    members: int
    card: str | None

    @staticmethod
    def resolve_site(obj: Household) -> uuid.UUID:
        return obj.site_id

    @staticmethod
    def resolve_members(obj: Household) -> int:
        return int(obj.n_members)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_card(obj: Household) -> str | None:
        return obj.active_code  # type: ignore[attr-defined, no-any-return]


class Pages(LimitOffsetPagination):
    class Input(Schema):
        # bounded, so that no number a client sends overflows the database's integers (a 500)
        limit: int = Field(100, ge=1, le=2**31 - 1)
        offset: int = Field(0, ge=0, le=2**31 - 1)


@router.get("/households", response={200: list[HouseholdOut], 401: Error, 403: Error, 422: Error})
@paginate(Pages)
def households(
    request: HttpRequest,
    q: str = param_functions.Query("", pattern=r"^[^\x00]*$"),  # PostgreSQL refuses NUL
) -> QuerySet[Household]:
    """Households matching a name or card code (without `q`: all), a page at a time."""
    user = cast(User, request.user)
    if not user.has_role("coordinator", "registrar"):
        raise HttpError(403, _("Only registrars and coordinators may search the registry."))
    active = Card.objects.filter(household=OuterRef("pk"), status=Card.Status.ACTIVE)
    return (
        Household.objects.visible_to(user)
        .search(q)
        .annotate(
            n_members=Count("members", distinct=True),
            active_code=Subquery(active.values("code")[:1]),
        )
        .order_by("-created_at", "pk")
    )
