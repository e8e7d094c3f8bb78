from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User
from hromada.lib import periods
from hromada.people.models import (
    Card,
    Household,
    Person,
    PersonStatus,
    Proxy,
    Residency,
    VulnerabilityKind,
    age_on,
)
from hromada.stock.models import Commodity, StockMovement

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class Period(models.TextChoices):
    DAY = periods.DAY, _("a calendar day (Kyiv time)")
    WEEK = periods.WEEK, _("a week, Monday to Sunday")
    MONTH = periods.MONTH, _("a calendar month")
    ONCE = periods.ONCE, _("once only")


class Basis(models.TextChoices):
    PERSON = "person", _("per person")
    HOUSEHOLD = "household", _("per household")


class Eligibility(models.TextChoices):
    EVERYONE = "everyone", _("everyone")
    DISPLACED = "displaced", _("displaced people only")
    VULNERABILITY = "vulnerability", _("people with a vulnerability")
    CHILDREN = "children", _("children under an age")
    OLDER = "older", _("older people from an age")


class Programme(DomainModel):
    """What a household is entitled to, by rule: "bread, 2 loaves per person per day", "baby
    food, 4 jars per child under 3 per week", "hygiene kit, 1 per household per month"."""

    name = models.CharField(_("name"), max_length=200)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    basis = models.CharField(
        _("counted"), max_length=10, choices=Basis.choices, default=Basis.PERSON
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    # per-person programmes only: a family of nine does not take nine hygiene kits
    max_per_household = models.PositiveIntegerField(
        _("at most per household"), null=True, blank=True
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default="day")
    eligibility = models.CharField(
        _("who is eligible"), max_length=20, choices=Eligibility.choices, default="everyone"
    )
    vulnerability = models.CharField(
        _("vulnerability"), max_length=30, choices=VulnerabilityKind.choices, blank=True
    )
    # children: under this age; older people: this age and over
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    # Receiving one of these in the same period (the longer of the two) refuses this one, and
    # the other way round: "a food parcel this week excludes hot meals that week".
    excludes = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("cannot be combined with")
    )

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="programme_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(max_per_household__isnull=True)
                | models.Q(max_per_household__gt=0),
                name="programme_max_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(eligibility__in=["children", "older"])
                | models.Q(age__isnull=False),
                name="programme_age_for_age_rules",
            ),
            models.CheckConstraint(
                condition=~models.Q(eligibility="vulnerability") | ~models.Q(vulnerability=""),
                name="programme_vulnerability_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def period_start(self, moment: datetime) -> date:
        """The first day of the period that `moment` falls in."""
        return periods.period_start(self.period, moment)

    def is_eligible(self, person: Person, day: date, kinds: Iterable[str]) -> bool:
        """Whether one member counts under this programme; `kinds` are their vulnerabilities."""
        if self.eligibility == Eligibility.DISPLACED:
            return person.residency == Residency.DISPLACED
        if self.eligibility == Eligibility.VULNERABILITY:
            return self.vulnerability in kinds
        if self.eligibility == Eligibility.CHILDREN:
            return self.age is not None and age_on(person.birth_date, day) < self.age
        if self.eligibility == Eligibility.OLDER:
            return self.age is not None and age_on(person.birth_date, day) >= self.age
        return True

    def eligible_members(self, household: Household, day: date) -> tuple[int, int]:
        """(members present, of whom eligible) on `day`: one query, whatever the rule (this
        runs at every scan)."""
        present = household.members.filter(status=PersonStatus.PRESENT)
        if self.eligibility == Eligibility.EVERYONE:
            n = present.count()
            return n, n
        if self.eligibility == Eligibility.VULNERABILITY:
            row = present.aggregate(
                present=Count("pk", distinct=True),
                eligible=Count(
                    "pk", filter=Q(vulnerabilities__kind=self.vulnerability), distinct=True
                ),
            )
            return int(row["present"]), int(row["eligible"])
        # displaced, children, older people: read off the members' own columns
        members = [
            Person(birth_date=born, residency=residency)
            for born, residency in present.values_list("birth_date", "residency")
        ]
        eligible = sum(1 for m in members if self.is_eligible(m, day, ()))
        return len(members), eligible

    def entitlement(self, eligible: int) -> int:
        """Units for a household with `eligible` members counted under this programme."""
        if eligible <= 0:
            return 0
        if self.basis == Basis.HOUSEHOLD:
            return self.quantity
        units = eligible * self.quantity
        if self.max_per_household is not None:
            units = min(units, self.max_per_household)
        return units

    def rule_text(self) -> str:
        """The rule in one line, as the desk and the programme list say it."""
        who = {
            Eligibility.EVERYONE: "",
            Eligibility.DISPLACED: gettext("displaced people only"),
            Eligibility.VULNERABILITY: gettext("only: %(kind)s")
            % {"kind": VulnerabilityKind(self.vulnerability).label if self.vulnerability else ""},
            Eligibility.CHILDREN: gettext("children under %(age)s") % {"age": self.age},
            Eligibility.OLDER: gettext("people aged %(age)s and over") % {"age": self.age},
        }[Eligibility(self.eligibility)]
        per = {
            Period.DAY: gettext("per day"),
            Period.WEEK: gettext("per week"),
            Period.MONTH: gettext("per month"),
            Period.ONCE: gettext("once only"),
        }[Period(self.period)]
        parts = [f"{self.quantity} {self.commodity.unit} {Basis(self.basis).label} {per}"]
        if self.max_per_household is not None:
            parts.append(gettext("at most %(n)s per household") % {"n": self.max_per_household})
        if who:
            parts.append(who)
        return ", ".join(parts)


class SitePauseQuerySet(models.QuerySet["SitePause"]):
    def active(self) -> SitePauseQuerySet:
        return self.filter(ended_at__isnull=True)


class PauseReason(models.TextChoices):
    AIR_RAID = "air_raid", _("air-raid alert")
    SHELLING = "shelling", _("shelling nearby")
    CROWD = "crowd", _("crowd too large")
    STOCK = "stock", _("waiting for stock")
    OTHER = "other", _("other")


class SitePause(DomainModel):
    """Every desk at a site stops: an air-raid alert, shelling nearby. One action starts it and
    one ends it; while it lasts every scan is refused with its reason."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    reason = models.CharField(_("reason"), max_length=20, choices=PauseReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SitePauseQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-started_at"]
        constraints: ClassVar = [
            # two coordinators pausing at once make one pause, not two to resume
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(ended_at__isnull=True), name="pause_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"pause {self.reason} @ {self.site}"

    def reason_text(self) -> str:
        label = str(PauseReason(self.reason).label)
        return f"{label}: {self.note}" if self.note else label


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


class Shortage(models.TextChoices):
    REFUSE = "refuse", _("refuse: give nothing unless the whole entitlement is there")
    PARTIAL = "partial", _("serve fewer units: give what is left")


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
    # What the desk does when the stock left is less than a household's entitlement: give what
    # is left, or refuse. The coordinator chooses, and may change it during the day.
    shortage = models.CharField(
        _("when stock runs short"),
        max_length=10,
        choices=Shortage.choices,
        default=Shortage.REFUSE,
    )
    # Time slots (see Slot). Early or late households are served anyway unless this is set.
    slots_strict = models.BooleanField(_("serve only in their time slot"), default=False)

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


class Slot(DomainModel):
    """The time a household is asked to come, printed on its ticket: a short queue is a smaller
    target than a long one."""

    session = models.ForeignKey(DistributionSession, on_delete=models.PROTECT, related_name="slots")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # priority hours: a member is an older person or has a disability
    priority = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["starts_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "household"], name="slot_once_per_session"),
        ]
        indexes: ClassVar = [
            # the desk's "due now": slots of a session around an instant
            models.Index(fields=["session", "starts_at"], name="slot_session_start_idx"),
        ]

    def __str__(self) -> str:
        return f"slot {self.starts_at:%H:%M}"

    def timing(self, moment: datetime) -> str:
        if moment < self.starts_at:
            return "early"
        if moment >= self.ends_at:
            return "late"
        return "due"


class Channel(models.TextChoices):
    CARD = "card", _("card scanned")
    SEARCH = "search", _("found without a card")
    PAPER = "paper", _("paper list")


class CollectionQuerySet(models.QuerySet["Collection"]):
    def standing(self) -> CollectionQuerySet:
        """Collections not reversed: the ones that count."""
        return self.filter(reversed_at__isnull=True)


class Collection(DomainModel):
    """A household collected its entitlement. The database allows one per programme and period:
    two desks scanning the same card at the same instant get one success between them."""

    session = models.ForeignKey(DistributionSession, on_delete=models.PROTECT)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT)
    household = models.ForeignKey(Household, on_delete=models.PROTECT)
    # no card: found through the registry search, or ticked on the paper list
    card = models.ForeignKey(Card, null=True, blank=True, on_delete=models.PROTECT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.CARD)
    without_card_reason = models.CharField(max_length=200, blank=True)
    # a neighbour authorised on the household record collected
    proxy = models.ForeignKey(Proxy, null=True, blank=True, on_delete=models.PROTECT)
    period_start = models.DateField()
    # present members, and the units the rule gave; `quantity` is less when stock ran short
    members = models.PositiveSmallIntegerField()
    entitled = models.PositiveIntegerField(default=0)
    quantity = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    desk = models.CharField(max_length=100, blank=True)
    movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT)
    # A mistake is reversed, never deleted: the units go back on the ledger by a movement of
    # their own, and the household may collect again in the period.
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_reason = models.CharField(max_length=200, blank=True)
    reversal_movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household", "programme", "period_start"],
                condition=models.Q(reversed_at__isnull=True),
                name="collection_once_per_period",
            ),
        ]
        indexes: ClassVar = [
            # the day report: collections of one session's site between two instants
            models.Index(fields=["session", "at"], name="collection_session_at_idx"),
            # exclusions: a household's collections of other programmes in a period
            models.Index(fields=["household", "at"], name="collection_household_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.programme} on {self.period_start}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class RefusalReason(models.TextChoices):
    ALREADY_COLLECTED = "already_collected", _("already collected")
    UNKNOWN_CARD = "unknown_card", _("card unknown")
    MALFORMED_CARD = "malformed_card", _("card code malformed")
    CARD_REVOKED = "card_revoked", _("card revoked")
    OUT_OF_STOCK = "out_of_stock", _("out of stock")
    SESSION_CLOSED = "session_closed", _("session not open")
    NO_MEMBERS = "no_members", _("no members on record")
    PAUSED = "paused", _("distribution paused")
    NOT_ELIGIBLE = "not_eligible", _("not eligible")
    EXCLUDED = "excluded", _("excluded by another programme")
    OUTSIDE_SLOT = "outside_slot", _("outside its time slot")
    PROXY_NOT_AUTHORISED = "proxy_not_authorised", _("proxy not authorised")


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


class DayTally(models.Model):
    """Collections of one programme at one site on one Kyiv day, kept by the same transaction as
    every collection and reversal: the dashboard reads these few rows, not a million
    collections."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT)
    day = models.DateField()
    households = models.IntegerField(default=0)
    people = models.IntegerField(default=0)
    units = models.IntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["day"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["site", "programme", "day"], name="tally_once"),
        ]
        indexes: ClassVar = [
            # the town's dashboard: every site's days in a range
            models.Index(fields=["day"], name="tally_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.programme} @ {self.site}: {self.units}"


class PaperTally(DomainModel):
    """A paper list ticked while the laptop was down, entered afterwards in one go."""

    session = models.ForeignKey(DistributionSession, on_delete=models.PROTECT)
    served_at = models.DateTimeField()
    entered_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    if TYPE_CHECKING:
        lines: RelatedManager[PaperLine]

    class Meta:
        ordering: ClassVar = ["-entered_at"]

    def __str__(self) -> str:
        return f"paper list {self.served_at:%Y-%m-%d %H:%M}"


class PaperLine(DomainModel):
    """One ticked household: recorded as a collection, or held for the coordinator because it
    conflicts with one already recorded (never dropped, never doubled)."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        CONFLICT = "conflict", _("conflict: waiting for the coordinator")
        SERVED_TWICE = "served_twice", _("served twice: the units are booked out")
        TICK_MISTAKEN = "tick_mistaken", _("ticked by mistake: nothing booked")

    tally = models.ForeignKey(PaperTally, on_delete=models.PROTECT, related_name="lines")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # why it conflicts, in the words the desk would have said
    conflict = models.CharField(max_length=300, blank=True)
    collection = models.OneToOneField(
        Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conflicts_with = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["tally", "outcome"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tally", "household"], name="paper_line_once"),
        ]

    def __str__(self) -> str:
        return f"paper line {self.outcome}"
