from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User


class Commodity(DomainModel):
    """What is handed out, counted in whole units of its own (loaves, bottles, kits)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=40)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name_plural = "commodities"

    def __str__(self) -> str:
        return self.name


class Delivery(DomainModel):
    """A truck that arrived at a site."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    quantity = models.PositiveIntegerField(_("quantity"))
    source = models.CharField(_("source"), max_length=200)
    vehicle = models.CharField(_("vehicle"), max_length=100, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering: ClassVar = ["-arrived_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.commodity.unit} → {self.site}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("received")
    ISSUED = "issued", _("given out")
    COUNT_ADJUSTMENT = "count_adjustment", _("count adjustment")


class StockMovementQuerySet(models.QuerySet["StockMovement"]):
    def total(self) -> int:
        return int(self.aggregate(total=Sum("quantity"))["total"] or 0)


class StockMovement(DomainModel):
    """One line of the append-only stock ledger: a signed quantity at a site.

    Rows are never changed or deleted; a mistake is corrected by another movement."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField()
    at = models.DateTimeField(default=timezone.now)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at"]
        indexes: ClassVar = [
            # the day report: movements of one site and commodity between two instants
            models.Index(fields=["site", "commodity", "at"], name="movement_site_day_idx"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.commodity} @ {self.site}"


class StockBalance(models.Model):
    """What is on hand at a site, kept in the same transaction as every movement.

    The database refuses a balance below zero, whatever the code above it does."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT)
    quantity = models.IntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["site", "commodity"], name="balance_site_commodity"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.commodity.unit} {self.commodity} @ {self.site}"


class StockCount(DomainModel):
    """A physical count at a site; the difference against the ledger is posted as a movement."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT)
    counted = models.PositiveIntegerField()
    expected = models.IntegerField()
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    movement = models.OneToOneField(StockMovement, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering: ClassVar = ["-at"]

    def __str__(self) -> str:
        return f"count {self.counted} {self.commodity} @ {self.site}"

    @property
    def difference(self) -> int:
        return self.counted - self.expected
