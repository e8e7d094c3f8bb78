from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import DomainModel, Site, User
from hromada.lib import cardcode
from hromada.lib.documents import DocumentType, display_document
from hromada.lib.names import fold
from hromada.lib.phones import display_phone
from hromada.lib.translit import romanise

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day` (a birth date known to the year only is 1 January)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        """The registry a user may read: a coordinator all of it, a registrar their sites'."""
        if user.has_role("coordinator"):
            return self
        if user.has_role("registrar"):
            return self.filter(site__in=user.sites.all())
        return self.none()

    def for_desk(self, user: User) -> HouseholdQuerySet:
        """Whom a distribution desk may serve without a card: the households of its own
        sites (a coordinator: all), not merged into another. The desk sees their names and
        sizes, nothing more. (A card is served at any site.)"""
        households = self.filter(merged_into=None)
        if user.has_role("coordinator"):
            return households
        if user.has_role("distributor"):
            return households.filter(site__in=user.sites.all())
        return households.none()

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
        return self.filter(pk__in=Person.objects.name_contains(query).values("household"))


class Household(DomainModel):
    """People who live and collect aid together; the card is the household's."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    address = models.CharField(_("address or location"), max_length=300, blank=True)
    # set when a merge moved this household's last member into another household
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )

    objects = HouseholdQuerySet.as_manager()

    if TYPE_CHECKING:
        members: RelatedManager[Person]
        cards: RelatedManager[Card]

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        # all(), not first(): a listing that prefetched the members asks the database nothing
        members = [m for m in self.members.all() if m.status != PersonStatus.MERGED]
        heads = [m for m in members if m.is_head]
        first = heads[0] if heads else (members[0] if members else None)
        return str(first) if first else str(_("household without members"))

    def members_count(self) -> int:
        """The members who count for aid: those present in the town (not evacuated, gone,
        deceased, missing, or a second record merged into another)."""
        return self.members.filter(status=PersonStatus.PRESENT).count()

    def active_card(self) -> Card | None:
        return self.cards.filter(status=Card.Status.ACTIVE).first()


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


class BirthPrecision(models.TextChoices):
    DAY = "day", _("full date")
    MONTH = "month", _("year and month")
    YEAR = "year", _("year only")


class PersonStatus(models.TextChoices):
    PRESENT = "present", _("present")
    EVACUATED = "evacuated", _("evacuated")
    LEFT = "left", _("left the town")
    DECEASED = "deceased", _("deceased")
    MISSING = "missing", _("missing")
    # a second record of someone registered twice; it stays, so the merge can be explained
    MERGED = "merged", _("merged into another record")


class Residency(models.TextChoices):
    RESIDENT = "resident", _("resident")
    DISPLACED = "displaced", _("displaced")


class LegalBasis(models.TextChoices):
    """Why the registry may hold this person's data (Law of Ukraine on personal data
    protection, art. 11)."""

    CONSENT = "consent", _("consent of the person")
    VITAL_INTERESTS = "vital_interests", _("protection of the person's vital interests")
    PUBLIC_TASK = "public_task", _("a task of the local authority under law")
    LEGAL_OBLIGATION = "legal_obligation", _("an obligation under law")


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: User) -> PersonQuerySet:
        return self.filter(household__in=Household.objects.visible_to(user))

    def current(self) -> PersonQuerySet:
        """Records of real people: not the second records merged into another."""
        return self.exclude(status=PersonStatus.MERGED)

    def name_contains(self, text: str) -> PersonQuerySet:
        """Persons whose folded name (see lib.names.fold) contains every word typed: a scan,
        for names no key finds."""
        matches = Q()
        for word in fold(text).split():
            matches &= Q(search_key__contains=word)
        return self.filter(matches)


class Person(DomainModel):
    """A member of a household, with the name parts as the person writes them."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    family_name = models.CharField(_("family name"), max_length=150)
    given_name = models.CharField(_("given name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    # A year only is stored as 1 January of that year, a month as its first day, with the
    # precision saying so.
    birth_date = models.DateField(_("birth date"))
    birth_precision = models.CharField(
        _("birth date precision"),
        max_length=5,
        choices=BirthPrecision.choices,
        default=BirthPrecision.DAY,
    )
    is_head = models.BooleanField(_("head of household"), default=False)
    # E.164, "+380671234567" (see lib.phones)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.PRESENT
    )
    residency = models.CharField(
        _("residency"), max_length=10, choices=Residency.choices, default=Residency.RESIDENT
    )
    displaced_from = models.CharField(_("displaced from (hromada)"), max_length=200, blank=True)
    displaced_on = models.DateField(_("displaced on"), null=True, blank=True)
    legal_basis = models.CharField(
        _("legal basis for holding the data"),
        max_length=20,
        choices=LegalBasis.choices,
        default=LegalBasis.CONSENT,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )

    # The name parts folded for search (see lib.names.fold); set by the actions that write names.
    # Text, not a bounded CharField: folding can lengthen a name ("ß" becomes "ss").
    search_key = models.TextField(blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    if TYPE_CHECKING:
        documents: RelatedManager[Document]
        vulnerabilities: RelatedManager[Vulnerability]

    class Meta:
        ordering: ClassVar = ["created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(is_head=True), name="person_one_head"
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="person_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)

    def latin_name(self) -> str:
        """The name by the official Ukrainian romanisation (KMU resolution 55 of 2010)."""
        return romanise(str(self))

    def folded_name(self) -> str:
        return fold(" ".join((self.family_name, self.given_name, self.patronymic)))

    def birth_display(self) -> str:
        if self.birth_precision == BirthPrecision.YEAR:
            return str(self.birth_date.year)
        if self.birth_precision == BirthPrecision.MONTH:
            return f"{self.birth_date.month:02d}.{self.birth_date.year}"
        return self.birth_date.strftime("%d.%m.%Y")

    def phone_display(self) -> str:
        return display_phone(self.phone) if self.phone else ""


class VulnerabilityKind(models.TextChoices):
    OLDER_PERSON = "older_person", _("older person")
    DISABILITY = "disability", _("disability")
    CHRONIC_ILLNESS = "chronic_illness", _("chronic illness")
    PREGNANCY = "pregnancy", _("pregnancy")
    CHILD_WITHOUT_PARENT = "child_without_parent", _("child without a parent present")
    SINGLE_CAREGIVER = "single_caregiver", _("single caregiver")


class Vulnerability(DomainModel):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="vulnerabilities", verbose_name=_("person")
    )
    kind = models.CharField(_("vulnerability"), max_length=30, choices=VulnerabilityKind.choices)
    # Ukrainian disability groups I, II and III; only for a disability
    disability_group = models.PositiveSmallIntegerField(
        _("disability group"), null=True, blank=True
    )

    class Meta:
        ordering: ClassVar = ["kind"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["person", "kind"], name="vulnerability_once"),
            models.CheckConstraint(
                condition=Q(disability_group__isnull=True)
                | Q(kind="disability", disability_group__gte=1, disability_group__lte=3),
                name="vulnerability_group_for_disability",
            ),
        ]

    def __str__(self) -> str:
        if self.disability_group:
            return f"{self.get_kind_display()} ({self.disability_group})"
        return self.get_kind_display()


class DocumentKind(models.TextChoices):
    PASSPORT_BOOKLET = DocumentType.PASSPORT_BOOKLET.value, _("passport (booklet)")
    ID_CARD = DocumentType.ID_CARD.value, _("ID card")
    RNOKPP = DocumentType.RNOKPP.value, _("tax number (RNOKPP)")
    IDP_CERTIFICATE = DocumentType.IDP_CERTIFICATE.value, _("IDP certificate")
    BIRTH_CERTIFICATE = DocumentType.BIRTH_CERTIFICATE.value, _("birth certificate")
    PENSION_CERTIFICATE = DocumentType.PENSION_CERTIFICATE.value, _("pension certificate")
    FOREIGN_PASSPORT = DocumentType.FOREIGN_PASSPORT.value, _("foreign passport")


class Document(DomainModel):
    """An identity document's number, as lib.documents normalises it. One number belongs to
    one person: the same passport typed in twice is the same person registered twice."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="documents", verbose_name=_("person")
    )
    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=40)

    class Meta:
        ordering: ClassVar = ["kind"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "number"], name="document_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_number()}"

    def display_number(self) -> str:
        return display_document(self.kind, self.number)


class PersonKey(models.Model):
    """The blocking keys of a person (lib.matching.index_keys), one row each: search and
    duplicate detection look up the keys of what was typed here instead of reading every
    person. Derived data, rewritten by the actions that write a person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=120)

    class Meta:
        indexes: ClassVar = [
            # search and the duplicate check: "which persons carry any of these keys"
            models.Index(fields=["key"], name="personkey_key"),
        ]

    def __str__(self) -> str:
        return self.key


class NameVariant(models.Model):
    """Every family and given name key the registry holds, under itself and each string its
    key gives with one letter left out (lib.matching.name_variants): a search for a name typed
    with a slip or two looks up the typed name's variants and so finds the names held near it
    (as SymSpell does), which no key of what was typed shares. Derived data, only added to: a
    name nobody bears any more corrects to nobody, and costs a few rows."""

    variant = models.CharField(max_length=120)
    key = models.CharField(max_length=120)

    class Meta:
        constraints: ClassVar = [
            # also the index a search reads: "which names have any of these variants"
            models.UniqueConstraint(fields=["variant", "key"], name="namevariant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.variant} -> {self.key}"


class DuplicatePair(DomainModel):
    """Two records that may be one person, found by the batch check or raised while
    registering; a decision on it is remembered so the pair is not raised again."""

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        DIFFERENT = "different", _("different people")

    # person_a's id sorts before person_b's, so a pair has one row whichever way it was found
    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"), default=0.0)
    # codes from lib.matching (which fields matched or differ), never the values
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-score", "created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicatepair_once"),
        ]
        indexes: ClassVar = [
            # the coordinator's queue: open pairs, best first
            models.Index(fields=["status", "-score"], name="duplicatepair_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id}"


class PersonMerge(DomainModel):
    """The record of one merge: which record remained, which was merged into it, who decided,
    on what evidence, and what moved. Kept so that a merge can be explained later."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    reasons = models.JSONField(default=list, blank=True)
    # counts of what moved ({"documents": 1, "cards": 2, ...}): no values
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"


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


class ProxyQuerySet(models.QuerySet["Proxy"]):
    def active(self) -> ProxyQuerySet:
        return self.filter(revoked_at__isnull=True)


class Proxy(DomainModel):
    """Someone the household authorised to collect for it: a neighbour of an older woman who
    cannot stand in the queue. The desk records which proxy collected."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="proxies", verbose_name=_("household")
    )
    name = models.CharField(_("full name"), max_length=300)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    authorised_at = models.DateTimeField(default=timezone.now)
    authorised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ProxyQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["authorised_at"]

    def __str__(self) -> str:
        return self.name


class RegistryImport(DomainModel):
    """A spreadsheet being imported: kept between the upload, the column mapping and the
    preview, then either imported whole or discarded. Its content is emptied at either end,
    so the list does not linger on the laptop."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        IMPORTED = "imported", _("imported")
        DISCARDED = "discarded", _("discarded")

    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(editable=False)
    # our field -> the column of the file it comes from
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    rows_imported = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
