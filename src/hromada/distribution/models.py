from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User
from hromada.lib.periods import kyiv_day
from hromada.people.models import Card, Household
from hromada.stock.models import Commodity, StockMovement


class Period(models.TextChoices):
    DAY = "day", _("a calendar day (Kyiv time)")


class Programme(DomainModel):
    """What a household is entitled to: "bread, 2 loaves per person per day"."""

    name = models.CharField(_("name"), max_length=200)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    quantity_per_person = models.PositiveIntegerField(_("quantity per person"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default="day")

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(quantity_per_person__gt=0), name="programme_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def period_start(self, moment: datetime) -> date:
        """The first day of the period that `moment` falls in."""
        return kyiv_day(moment)

    def entitlement(self, members: int) -> int:
        return members * self.quantity_per_person


class SessionQuerySet(models.QuerySet["DistributionSession"]):
    def open(self) -> SessionQuerySet:
        return self.filter(status=DistributionSession.Status.OPEN)

    def visible_to(self, user: User) -> SessionQuerySet:
        """Sessions a user may see: a coordinator or auditor all, a distributor their sites'."""
        if user.sees_all_sites():
            return self
        if user.has_role("distributor"):
            return self.filter(site__in=user.sites.all())
        return self.none()

    def servable_by(self, user: User) -> SessionQuerySet:
        if user.has_role("coordinator"):
            return self
        if user.has_role("distributor"):
            return self.filter(site__in=user.sites.all())
        return self.none()


class DistributionSession(DomainModel):
    """A programme handed out at a site: opened in the morning, closed at day's end."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, verbose_name=_("programme"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-opened_at"]
        constraints: ClassVar = [
            # a second "open" of the same programme at the same site would split its desks
            models.UniqueConstraint(
                fields=["programme", "site"],
                condition=models.Q(status="open"),
                name="session_one_open_per_programme_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} @ {self.site}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Collection(DomainModel):
    """A household collected its entitlement. The database allows one per programme and period:
    two desks scanning the same card at the same instant get one success between them."""

    session = models.ForeignKey(DistributionSession, on_delete=models.PROTECT)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT)
    household = models.ForeignKey(Household, on_delete=models.PROTECT)
    card = models.ForeignKey(Card, on_delete=models.PROTECT)
    period_start = models.DateField()
    members = models.PositiveSmallIntegerField()
    quantity = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    desk = models.CharField(max_length=100, blank=True)
    movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT)

    class Meta:
        ordering: ClassVar = ["-at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household", "programme", "period_start"],
                name="collection_once_per_period",
            ),
        ]
        indexes: ClassVar = [
            # the day report: collections of one session's site between two instants
            models.Index(fields=["session", "at"], name="collection_session_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.programme} on {self.period_start}"


class RefusalReason(models.TextChoices):
    ALREADY_COLLECTED = "already_collected", _("already collected")
    UNKNOWN_CARD = "unknown_card", _("card unknown")
    MALFORMED_CARD = "malformed_card", _("card code malformed")
    CARD_REVOKED = "card_revoked", _("card revoked")
    OUT_OF_STOCK = "out_of_stock", _("out of stock")
    SESSION_CLOSED = "session_closed", _("session not open")
    NO_MEMBERS = "no_members", _("no members on record")


class Refusal(DomainModel):
    """A scan the desk turned away, kept for the day report (no card code: it may be a typo
    of somebody else's)."""

    session = models.ForeignKey(DistributionSession, on_delete=models.PROTECT)
    reason = models.CharField(max_length=20, choices=RefusalReason.choices)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now)
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        ordering: ClassVar = ["-at"]
        indexes: ClassVar = [
            # the day report: refusals of one session between two instants
            models.Index(fields=["session", "at"], name="refusal_session_at_idx"),
        ]

    def __str__(self) -> str:
        return f"refusal {self.reason} at {self.at:%Y-%m-%d %H:%M}"
