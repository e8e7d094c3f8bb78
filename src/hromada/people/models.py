from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User
from hromada.lib import cardcode
from hromada.lib.names import fold

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        """The registry a user may read: a coordinator all of it, a registrar their sites'."""
        if user.has_role("coordinator"):
            return self
        if user.has_role("registrar"):
            return self.filter(site__in=user.sites.all())
        return self.none()

    def for_listing(self) -> HouseholdQuerySet:
        """With the members and the active card of each household fetched in two queries for
        the whole page, not three per row."""
        active = Card.objects.filter(status=Card.Status.ACTIVE)
        return self.select_related("site").prefetch_related(
            "members", models.Prefetch("cards", queryset=active, to_attr="active_cards")
        )

    def search(self, query: str) -> HouseholdQuerySet:
        """Households whose card code or any member's name matches what was typed."""
        # a NUL byte is no part of a name, and PostgreSQL refuses it in a query
        query = query.replace("\x00", " ").strip()
        if not query:
            return self
        try:
            code = cardcode.normalise(query)
        except cardcode.MalformedCode:
            code = ""
        if code:
            return self.filter(pk__in=Card.objects.filter(code=code).values("household"))
        # every word in some member's name; filtered through a subquery, so that counts
        # annotated on the result still count all the members, not the matching ones
        matches = Q()
        for word in fold(query).split():
            matches &= Q(search_key__contains=word)
        return self.filter(pk__in=Person.objects.filter(matches).values("household"))


class Household(DomainModel):
    """People who live and collect aid together; the card is the household's."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    address = models.CharField(_("address or location"), max_length=300, blank=True)

    objects = HouseholdQuerySet.as_manager()

    if TYPE_CHECKING:
        members: RelatedManager[Person]
        cards: RelatedManager[Card]

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        # all(), not first(): a listing that prefetched the members asks the database nothing
        members = list(self.members.all())
        return str(members[0]) if members else str(_("household without members"))

    def members_count(self) -> int:
        return self.members.count()

    def active_card(self) -> Card | None:
        return self.cards.filter(status=Card.Status.ACTIVE).first()


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


class BirthPrecision(models.TextChoices):
    DAY = "day", _("full date")
    YEAR = "year", _("year only")


class Person(DomainModel):
    """A member of a household, with the name parts as the person writes them."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    family_name = models.CharField(_("family name"), max_length=150)
    given_name = models.CharField(_("given name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    # A year only is stored as 1 January of that year, with the precision saying so.
    birth_date = models.DateField(_("birth date"))
    birth_precision = models.CharField(
        _("birth date precision"),
        max_length=5,
        choices=BirthPrecision.choices,
        default=BirthPrecision.DAY,
    )

    # The name parts folded for search (see lib.names.fold); set by the actions that write names.
    # Text, not a bounded CharField: folding can lengthen a name ("ß" becomes "ss").
    search_key = models.TextField(blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["created_at"]

    def __str__(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)

    def folded_name(self) -> str:
        return fold(" ".join((self.family_name, self.given_name, self.patronymic)))

    def birth_display(self) -> str:
        if self.birth_precision == BirthPrecision.YEAR:
            return str(self.birth_date.year)
        return self.birth_date.isoformat()


class Card(DomainModel):
    """A household's beneficiary card. One active card at a time; a lost card is revoked."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REVOKED = "revoked", _("revoked")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="cards", verbose_name=_("household")
    )
    code = models.CharField(_("card code"), max_length=cardcode.LENGTH, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-issued_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="card_one_active_per_household",
            ),
        ]

    def __str__(self) -> str:
        return cardcode.display(self.code)

    def display_code(self) -> str:
        return cardcode.display(self.code)
