from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


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
    """A truck that arrived at a site, with one line per commodity it brought."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    # the organisation that sent it, and who paid for it (a donor asks where their units went)
    source = models.CharField(_("source (organisation)"), max_length=200)
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=100, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    if TYPE_CHECKING:
        lines: RelatedManager[DeliveryLine]

    class Meta:
        ordering: ClassVar = ["-arrived_at"]

    def __str__(self) -> str:
        return f"delivery {self.arrived_at:%Y-%m-%d %H:%M} → {self.site}"


class DeliveryLine(DomainModel):
    """One commodity on a delivery: "10,000 loaves", "2,000 bottles of water"."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, related_name="lines", verbose_name=_("delivery")
    )
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering: ClassVar = ["created_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="delivery_line_quantity_positive"
            ),
            # the ledger's movement of a line is found by its delivery and commodity
            models.UniqueConstraint(
                fields=["delivery", "commodity"], name="delivery_line_one_per_commodity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.commodity.unit} {self.commodity}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("received")
    ISSUED = "issued", _("given out")
    COUNT_ADJUSTMENT = "count_adjustment", _("count adjustment")
    TRANSFER_OUT = "transfer_out", _("sent to another site")
    TRANSFER_IN = "transfer_in", _("arrived from another site")
    LOST = "lost", _("lost")
    REVERSAL = "reversal", _("collection reversed")


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


class LossCause(models.TextChoices):
    SPOILED = "spoiled", _("spoiled")
    DAMAGED = "damaged", _("damaged")
    STRIKE = "strike", _("destroyed in a strike")
    THEFT = "theft", _("stolen")
    IN_TRANSIT = "in_transit", _("lost in transit")
    OTHER = "other", _("other")


class Loss(DomainModel):
    """Units that left the stock without reaching a household, and why."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    quantity = models.PositiveIntegerField(_("quantity"))
    cause = models.CharField(_("cause"), max_length=20, choices=LossCause.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT)

    class Meta:
        ordering: ClassVar = ["-at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="loss_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"loss {self.quantity} {self.commodity} @ {self.site}"


class TransferQuerySet(models.QuerySet["Transfer"]):
    def in_transit(self) -> TransferQuerySet:
        return self.filter(status=Transfer.Status.IN_TRANSIT)


class Transfer(DomainModel):
    """Stock sent from one site to another. It leaves the first site's ledger when it is sent
    and joins the second's when it arrives; in between it is in transit, on neither."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("in transit")
        RECEIVED = "received", _("received")

    from_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("from site")
    )
    to_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("to site")
    )
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    quantity = models.PositiveIntegerField(_("quantity"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_TRANSIT)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # fewer may arrive than left: the rest is booked as a loss in transit at the destination
    received_quantity = models.PositiveIntegerField(null=True, blank=True)
    received_movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loss = models.OneToOneField(
        Loss, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-sent_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(from_site=models.F("to_site")), name="transfer_between_two_sites"
            ),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True)
                | Q(received_quantity__lte=models.F("quantity")),
                name="transfer_receives_at_most_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.quantity} {self.commodity}: {self.from_site} → {self.to_site}"
