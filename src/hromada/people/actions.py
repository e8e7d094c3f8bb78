"""Every write to the registry goes through these functions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.audit import record_audit
from hromada.core.models import AuditEvent, Site, User
from hromada.lib import cardcode, matching
from hromada.people.matching import all_records, refresh_keys
from hromada.people.models import (
    BirthPrecision,
    Card,
    Document,
    DuplicatePair,
    Household,
    LegalBasis,
    Person,
    PersonKey,
    PersonMerge,
    PersonStatus,
    Proxy,
    RegistryImport,
    Residency,
    Vulnerability,
)


class RegistryError(Exception):
    """A write the registry refuses, with a message a registrar can act on."""


class DocumentTaken(RegistryError):
    def __init__(self, document: Document) -> None:
        self.document = document
        super().__init__(
            _("This %(document)s is already registered to another person.")
            % {"document": document.get_kind_display()}
        )


@dataclass(frozen=True)
class MemberData:
    """One person as a form or the API gives them, validated and normalised."""

    family_name: str
    given_name: str
    patronymic: str
    sex: str
    birth_date: date
    birth_precision: str = BirthPrecision.DAY
    is_head: bool = False
    phone: str = ""
    status: str = PersonStatus.PRESENT
    residency: str = Residency.RESIDENT
    displaced_from: str = ""
    displaced_on: date | None = None
    legal_basis: str = LegalBasis.CONSENT
    # (kind, normalised number)
    documents: tuple[tuple[str, str], ...] = ()
    # (kind, disability group or None)
    vulnerabilities: tuple[tuple[str, int | None], ...] = ()


# the fields of MemberData that are columns of Person
PERSON_FIELDS = tuple(
    f.name for f in fields(MemberData) if f.name not in ("documents", "vulnerabilities")
)


def _write_details(*, actor: User | None, person: Person, member: MemberData) -> list[str]:
    """Make the person's documents and vulnerabilities those of `member`; returns the names of
    what changed, for the audit."""
    changed = []
    wanted_docs = set(member.documents)
    current_docs = {(d.kind, d.number): d for d in person.documents.all()}
    for key, doc in current_docs.items():
        if key not in wanted_docs:
            doc.delete()
            changed.append("documents")
    for kind, number in sorted(wanted_docs - set(current_docs)):
        taken = Document.objects.filter(kind=kind, number=number).exclude(person=person).first()
        if taken is not None:
            raise DocumentTaken(taken)
        try:
            with transaction.atomic():
                Document.objects.create(person=person, kind=kind, number=number)
        except IntegrityError:
            # registered by another desk a moment ago
            raise DocumentTaken(Document.objects.get(kind=kind, number=number)) from None
        changed.append("documents")
    wanted_vulns = dict(member.vulnerabilities)
    for vuln in person.vulnerabilities.all():
        if vuln.kind not in wanted_vulns:
            vuln.delete()
            changed.append("vulnerabilities")
        elif vuln.disability_group != wanted_vulns[vuln.kind]:
            vuln.disability_group = wanted_vulns[vuln.kind]
            vuln.save(update_fields=["disability_group"])
            changed.append("vulnerabilities")
        wanted_vulns.pop(vuln.kind, None)
    for kind, group in wanted_vulns.items():
        Vulnerability.objects.create(person=person, kind=kind, disability_group=group)
        changed.append("vulnerabilities")
    refresh_keys(person, [number for _kind, number in member.documents])
    return changed


def _clear_head(household: Household, keep: Person | None) -> None:
    """One head per household: naming a new head makes the old one a member."""
    heads = household.members.filter(is_head=True)
    if keep is not None:
        heads = heads.exclude(pk=keep.pk)
    heads.update(is_head=False)


@transaction.atomic
def do_create_household(
    *, actor: User | None, site: Site, address: str, members: list[MemberData]
) -> Household:
    if not members:
        raise ValueError("a household has at least one member")
    household = Household.objects.create(site=site, address=address)
    record_audit(
        actor=actor, action="people.create_household", obj=household,
        fields=["site", "address"], site=site,
    )  # fmt: skip
    # the first member is the head unless the form named another
    if not any(m.is_head for m in members):
        members = [replace(members[0], is_head=True), *members[1:]]
    seen_head = False
    for member in members:
        if member.is_head and seen_head:
            member = replace(member, is_head=False)
        seen_head = seen_head or member.is_head
        _create_person(actor=actor, household=household, member=member)
    return household


def _create_person(*, actor: User | None, household: Household, member: MemberData) -> Person:
    person = Person(household=household, **{name: getattr(member, name) for name in PERSON_FIELDS})
    person.search_key = person.folded_name()
    person.save(force_insert=True)
    extra = _write_details(actor=actor, person=person, member=member)
    record_audit(
        actor=actor, action="people.create_person", obj=person,
        fields=["household", *PERSON_FIELDS, *extra], site=household.site,
    )  # fmt: skip
    return person


@transaction.atomic
def do_add_member(*, actor: User | None, household: Household, member: MemberData) -> Person:
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if member.is_head:
        _clear_head(household, keep=None)
    return _create_person(actor=actor, household=household, member=member)


@transaction.atomic
def do_update_person(*, actor: User | None, person: Person, member: MemberData) -> Person:
    """Change what is recorded of a person; the audit names the fields that changed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = [name for name in PERSON_FIELDS if getattr(person, name) != getattr(member, name)]
    for name in changed:
        setattr(person, name, getattr(member, name))
    if member.is_head and "is_head" in changed:
        _clear_head(person.household, keep=person)
    person.search_key = person.folded_name()
    person.save()
    changed += _write_details(actor=actor, person=person, member=member)
    if changed:
        record_audit(
            actor=actor, action="people.update_person", obj=person,
            fields=changed, site=person.household.site,
        )  # fmt: skip
    return person


@transaction.atomic
def do_update_household(*, actor: User | None, household: Household, address: str) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.address != address:
        household.address = address
        household.save(update_fields=["address"])
        record_audit(
            actor=actor, action="people.update_household", obj=household,
            fields=["address"], site=household.site,
        )  # fmt: skip
    return household


@transaction.atomic
def do_register_household(
    *, actor: User | None, site: Site, address: str, members: list[MemberData]
) -> tuple[Household, Card]:
    """A household and its first card, in one transaction: never a household left without
    the card the registrar was told it has."""
    household = do_create_household(actor=actor, site=site, address=address, members=members)
    return household, do_issue_card(actor=actor, household=household)


@transaction.atomic
def do_issue_card(*, actor: User | None, household: Household) -> Card:
    """Issue a new card; the household's active card, if any, is revoked (it was lost)."""
    # The household's row is the lock: two clicks on "issue" queue here instead of both
    # finding no active card and the second failing on the one-active-card constraint.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    for old in household.cards.select_for_update().filter(status=Card.Status.ACTIVE):
        _revoke(actor=actor, card=old)
    for _attempt in range(5):
        try:
            # a savepoint, so that a collision of random codes can be retried
            with transaction.atomic():
                card = Card.objects.create(household=household, code=cardcode.generate())
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not draw a unique card code")
    record_audit(
        actor=actor, action="people.issue_card", obj=card,
        fields=["household", "code", "status"], site=household.site,
    )  # fmt: skip
    return card


def _revoke(*, actor: User | None, card: Card) -> None:
    card.status = Card.Status.REVOKED
    card.revoked_at = timezone.now()
    card.save(update_fields=["status", "revoked_at"])
    record_audit(
        actor=actor, action="people.revoke_card", obj=card,
        fields=["status", "revoked_at"], site=card.household.site,
    )  # fmt: skip


@transaction.atomic
def do_revoke_card(*, actor: User | None, card: Card) -> Card:
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status == Card.Status.ACTIVE:
        _revoke(actor=actor, card=card)
    return card


@transaction.atomic
def do_authorise_proxy(
    *, actor: User, household: Household, name: str, phone: str = "", note: str = ""
) -> Proxy:
    """Someone may collect for this household (a neighbour of an older woman); `phone` is
    normalised already (lib.phones)."""
    if not name.strip():
        raise RegistryError(_("Give the proxy's full name."))
    proxy = Proxy.objects.create(
        household=household, name=name.strip(), phone=phone, note=note.strip(),
        authorised_by=actor,
    )  # fmt: skip
    record_audit(
        actor=actor, action="people.authorise_proxy", obj=proxy,
        fields=["household", "name", "phone", "note"], site=household.site,
    )  # fmt: skip
    return proxy


@transaction.atomic
def do_revoke_proxy(*, actor: User, proxy: Proxy) -> Proxy:
    proxy = Proxy.objects.select_for_update().select_related("household__site").get(pk=proxy.pk)
    if proxy.revoked_at is None:
        proxy.revoked_at = timezone.now()
        proxy.save(update_fields=["revoked_at"])
        record_audit(
            actor=actor, action="people.revoke_proxy", obj=proxy, fields=["revoked_at"],
            site=proxy.household.site,
        )  # fmt: skip
    return proxy


def _ordered(a: Person, b: Person) -> tuple[Person, Person]:
    """A pair's persons in the order of their ids as text, as lib.matching orders them."""
    return (a, b) if str(a.pk) < str(b.pk) else (b, a)


@transaction.atomic
def do_mark_different(
    *, actor: User | None, person: Person, other: Person, score: float = 0.0,
    reasons: Sequence[str] = (),
) -> DuplicatePair:  # fmt: skip
    """The registrar or coordinator decided that these are two people: the pair is not
    raised again."""
    a, b = _ordered(person, other)
    pair = DuplicatePair.objects.select_for_update().filter(person_a=a, person_b=b).first()
    if pair is None:
        pair = DuplicatePair(person_a=a, person_b=b, score=score, reasons=list(reasons))
    pair.status = DuplicatePair.Status.DIFFERENT
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save()
    record_audit(
        actor=actor, action="people.mark_different", obj=pair,
        fields=["status", "decided_by", "decided_at"], site=a.household.site,
    )  # fmt: skip
    return pair


@transaction.atomic
def do_find_duplicates(*, actor: User | None, processes: int = 1) -> int:
    """Run the batch check over the whole registry; pairs not seen before join the review
    queue. Decided pairs stay decided, and two people decided different are not linked
    through a third record either. Returns how many pairs were added."""
    apart = DuplicatePair.objects.filter(status=DuplicatePair.Status.DIFFERENT)
    found = matching.find_duplicates(
        all_records(),
        processes=processes,
        apart={(str(a), str(b)) for a, b in apart.values_list("person_a", "person_b")},
    )
    return _queue_pairs(
        actor=actor,
        action="people.raise_duplicate",
        pairs={(a, b): (match.score, list(match.reasons)) for a, b, match in found},
    )


def _queue_pairs(
    *, actor: User | None, action: str, pairs: dict[tuple[str, str], tuple[float, list[str]]]
) -> int:
    """Add the pairs (ids as text, ordered) not yet known to the review queue, each with its
    audit row; a pair already known, in any state, stays as it is. Returns how many."""
    known = set(DuplicatePair.objects.values_list("person_a", "person_b").iterator(chunk_size=5000))
    known_text = {(str(a), str(b)) for a, b in known}
    new = [
        DuplicatePair(
            person_a_id=uuid.UUID(a), person_b_id=uuid.UUID(b), score=score, reasons=reasons
        )
        for (a, b), (score, reasons) in pairs.items()
        if (a, b) not in known_text
    ]
    DuplicatePair.objects.bulk_create(new, batch_size=1000)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                actor=actor,
                action=action,
                object_type="people.duplicatepair",
                object_id=str(pair.pk),
                fields=["person_a", "person_b", "score", "reasons"],
            )  # fmt: skip
            for pair in new
        ),
        batch_size=1000,
    )
    return len(new)


@transaction.atomic
def do_merge_persons(
    *, actor: User | None, survivor: Person, merged: Person, pair: DuplicatePair | None = None
) -> PersonMerge:
    """Merge a second record of one person into the first: the survivor gains what the other
    record knew (documents, vulnerabilities, empty fields filled), everything that pointed to
    the second record points to the survivor, and the second record stays, marked as merged
    into the survivor, so the merge can be explained and traced later.

    If the merged record was the last member of its household, the household follows it:
    its cards (revoked, since the survivor's household has its own), collections and the rest
    move to the survivor's household, except rows that would break a rule (a collection in a
    period the survivor's household also collected: served twice), which stay where they are
    and are counted in the merge's record."""
    if survivor.pk == merged.pk:
        raise RegistryError(_("A record cannot be merged into itself."))
    locked = Person.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])
    by_pk = {p.pk: p for p in locked.order_by("pk")}
    survivor, merged = by_pk[survivor.pk], by_pk[merged.pk]
    if PersonStatus.MERGED in (survivor.status, merged.status):
        raise RegistryError(_("One of these records was already merged into another."))
    moved: dict[str, int] = {}
    filled = []
    for name in ("patronymic", "phone", "displaced_from", "displaced_on"):
        if not getattr(survivor, name) and getattr(merged, name):
            setattr(survivor, name, getattr(merged, name))
            filled.append(name)
    if merged.birth_precision == BirthPrecision.DAY != survivor.birth_precision:
        survivor.birth_date, survivor.birth_precision = merged.birth_date, merged.birth_precision
        filled += ["birth_date", "birth_precision"]
    if merged.residency == Residency.DISPLACED and survivor.residency != Residency.DISPLACED:
        survivor.residency = Residency.DISPLACED
        filled.append("residency")
    survivor.search_key = survivor.folded_name()
    survivor.save()
    moved["documents"] = merged.documents.update(person=survivor)
    have = set(survivor.vulnerabilities.values_list("kind", flat=True))
    moved["vulnerabilities"] = merged.vulnerabilities.exclude(kind__in=have).update(person=survivor)
    was_head = merged.is_head
    merged.status = PersonStatus.MERGED
    merged.merged_into = survivor
    merged.is_head = False
    merged.save(update_fields=["status", "merged_into", "is_head"])
    refresh_keys(merged)
    refresh_keys(survivor)
    _move_related(Person, merged, survivor, moved, skip={"members", "documents", "vulnerabilities"})
    old = merged.household
    if old.pk != survivor.household_id:
        remaining = Person.objects.current().filter(household=old)
        if not remaining.exists():
            for card in old.cards.select_for_update().filter(status=Card.Status.ACTIVE):
                _revoke(actor=actor, card=card)
            _move_related(Household, old, survivor.household, moved, skip={"members"})
            old.merged_into = survivor.household
            old.save(update_fields=["merged_into"])
            moved["household"] = 1
            record_audit(
                actor=actor, action="people.merge_household", obj=old,
                fields=["merged_into"], site=old.site,
            )  # fmt: skip
        elif was_head:
            first = remaining.order_by("created_at").first()
            if first is not None:
                first.is_head = True
                first.save(update_fields=["is_head"])
    if pair is None:
        a, b = _ordered(survivor, merged)
        pair = DuplicatePair.objects.filter(person_a=a, person_b=b).first()
    reasons = list(pair.reasons) if pair is not None else []
    if pair is not None:
        pair.status = DuplicatePair.Status.MERGED
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at"])
    merge = PersonMerge.objects.create(
        survivor=survivor, merged=merged, actor=actor, reasons=reasons, moved=moved
    )
    site = survivor.household.site
    record_audit(
        actor=actor, action="people.merge_person", obj=merge,
        fields=["survivor", "merged", *filled], site=site,
    )  # fmt: skip
    record_audit(
        actor=actor, action="people.update_person", obj=merged,
        fields=["status", "merged_into", "is_head"], site=merged.household.site,
    )  # fmt: skip
    if filled:
        record_audit(
            actor=actor, action="people.update_person", obj=survivor, fields=filled, site=site
        )  # fmt: skip
    return merge


def _move_related(
    model: type[Person] | type[Household],
    old: Person | Household,
    new: Person | Household,
    moved: dict[str, int],
    *,
    skip: set[str],
) -> None:
    """Point every row that refers to `old` at `new`, whatever app it belongs to (the
    registry imports no app above it, so it walks the relations instead of naming them).
    A row the move would make break a constraint stays and is counted as kept."""
    for rel in model._meta.related_objects:
        if not rel.one_to_many or rel.get_accessor_name() in skip:
            continue
        related = rel.related_model
        if isinstance(related, str) or related in (
            PersonKey,
            DuplicatePair,
            PersonMerge,
            Person,
            Household,
        ):
            continue
        field = rel.field.name
        label = related._meta.model_name or related.__name__
        rows = related._default_manager.filter(**{field: old}).order_by("pk")
        for row in rows.select_for_update():
            try:
                with transaction.atomic():
                    related._default_manager.filter(pk=row.pk).update(**{field: new})
            except IntegrityError:
                moved[f"{label}_kept"] = moved.get(f"{label}_kept", 0) + 1
                continue
            moved[label] = moved.get(label, 0) + 1


# --- importing a list from a spreadsheet (people.imports reads and checks it) -------------


class ImportFailed(RegistryError):
    """An import stopped part-way and was rolled back whole; `row` is the row of the file
    that stopped it, as the spreadsheet numbers it."""

    def __init__(self, row: int, message: str) -> None:
        self.row = row
        super().__init__(message)


@dataclass(frozen=True)
class ImportedHousehold:
    """One household of an import: its address and its members, each with its row."""

    address: str
    members: list[tuple[int, MemberData]]


@dataclass(frozen=True)
class ImportDuplicate:
    """A row that may be a registered person or another row: raised for review, not merged."""

    row: int
    score: float
    reasons: tuple[str, ...]
    other_row: int | None = None
    person: Person | None = None


@transaction.atomic
def do_upload_import(*, actor: User, site: Site, filename: str, content: bytes) -> RegistryImport:
    registry_import = RegistryImport.objects.create(
        uploaded_by=actor, site=site, filename=filename[:200], content=content
    )
    record_audit(
        actor=actor, action="people.upload_import", obj=registry_import,
        fields=["site", "filename", "content"], site=site,
    )  # fmt: skip
    return registry_import


def _lock_open_import(registry_import: RegistryImport) -> RegistryImport:
    locked = RegistryImport.objects.select_for_update().get(pk=registry_import.pk)
    if locked.status != RegistryImport.Status.UPLOADED:
        raise RegistryError(_("This list was already imported or discarded."))
    return locked


@transaction.atomic
def do_map_import(
    *, actor: User, registry_import: RegistryImport, mapping: dict[str, str]
) -> RegistryImport:
    registry_import = _lock_open_import(registry_import)
    registry_import.mapping = mapping
    registry_import.save(update_fields=["mapping"])
    record_audit(
        actor=actor, action="people.map_import", obj=registry_import,
        fields=["mapping"], site=registry_import.site,
    )  # fmt: skip
    return registry_import


@transaction.atomic
def do_import_rows(
    *,
    actor: User,
    registry_import: RegistryImport,
    households: Sequence[ImportedHousehold],
    duplicates: Sequence[ImportDuplicate] = (),
) -> list[Household]:
    """Register every household given, each with its card, in one transaction: if any row
    fails (its document registered a moment ago by another desk), nothing of the list is
    saved and ImportFailed names the row. The possible duplicates join the coordinator's
    review queue; nobody is merged. The file's content is emptied."""
    registry_import = _lock_open_import(registry_import)
    created: list[Household] = []
    person_of_row: dict[int, Person] = {}
    for item in households:
        first_row = item.members[0][0]
        try:
            # a savepoint: after a failed INSERT PostgreSQL accepts no other query in the
            # transaction, and the row's document must still be looked up for the message
            with transaction.atomic():
                household, _card = do_register_household(
                    actor=actor, site=registry_import.site, address=item.address,
                    members=[member for _row, member in item.members],
                )  # fmt: skip
        except DocumentTaken as error:
            taken = (error.document.kind, error.document.number)
            row = next(
                (row for row, member in item.members if taken in member.documents), first_row
            )
            raise ImportFailed(
                row,
                _("Row %(row)s: %(error)s Nothing from the list was imported.")
                % {"row": row, "error": error},
            ) from None
        except IntegrityError:
            raise ImportFailed(
                first_row,
                _("Row %(row)s could not be saved. Nothing from the list was imported.")
                % {"row": first_row},
            ) from None
        created.append(household)
        persons = list(household.members.order_by("created_at"))
        for (row, _member), person in zip(item.members, persons, strict=True):
            person_of_row[row] = person
    for duplicate in duplicates:
        imported = person_of_row.get(duplicate.row)
        other = (
            duplicate.person
            if duplicate.person is not None
            else person_of_row.get(duplicate.other_row or 0)
        )
        if imported is None or other is None:
            continue
        a, b = _ordered(imported, other)
        pair, new = DuplicatePair.objects.get_or_create(
            person_a=a, person_b=b,
            defaults={"score": duplicate.score, "reasons": list(duplicate.reasons)},
        )  # fmt: skip
        if new:
            record_audit(
                actor=actor, action="people.raise_duplicate", obj=pair,
                fields=["person_a", "person_b", "score", "reasons"], site=registry_import.site,
            )  # fmt: skip
    registry_import.status = RegistryImport.Status.IMPORTED
    registry_import.content = b""
    registry_import.rows_imported = len(person_of_row)
    registry_import.save(update_fields=["status", "content", "rows_imported"])
    record_audit(
        actor=actor, action="people.import_rows", obj=registry_import,
        fields=["status", "content", "rows_imported"], site=registry_import.site,
    )  # fmt: skip
    return created


@transaction.atomic
def do_discard_import(*, actor: User, registry_import: RegistryImport) -> RegistryImport:
    """Import nothing: the list is forgotten (its content emptied), the record of the upload
    stays."""
    registry_import = _lock_open_import(registry_import)
    registry_import.status = RegistryImport.Status.DISCARDED
    registry_import.content = b""
    registry_import.save(update_fields=["status", "content"])
    record_audit(
        actor=actor, action="people.discard_import", obj=registry_import,
        fields=["status", "content"], site=registry_import.site,
    )  # fmt: skip
    return registry_import


# the reason code of a pair the regional linkage job found (scripts/splink_link.py): Splink
# gives a probability, not which fields agreed
LINKAGE = "linkage"


@dataclass(frozen=True)
class LinkedPair:
    """Two persons the linkage job found likely to be one, with its match probability."""

    person_a: uuid.UUID
    person_b: uuid.UUID
    probability: float


class UnknownLinkedPerson(RegistryError):
    def __init__(self) -> None:
        super().__init__(_("A pair names a person who is not in the registry."))


@transaction.atomic
def do_import_duplicate_pairs(*, actor: User | None, pairs: Sequence[LinkedPair]) -> int:
    """Add the pairs the regional linkage job found to the coordinators' review queue.

    All or nothing: a pair that names an unknown person, or one person twice, fails the whole
    import. A pair already in the queue, in any state, is left as it is (decided pairs stay
    decided); a pair with a record merged since the export is not raised. Returns how many
    pairs were added."""
    best: dict[tuple[str, str], float] = {}
    for pair in pairs:
        if pair.person_a == pair.person_b:
            raise RegistryError(_("A pair names the same person twice."))
        if not 0.0 <= pair.probability <= 1.0:
            raise RegistryError(_("A match probability must be between 0 and 1."))
        # ordered by the ids as text, as _ordered and lib.matching order them
        a, b = sorted((str(pair.person_a), str(pair.person_b)))
        best[a, b] = max(pair.probability, best.get((a, b), 0.0))
    ids = sorted({uuid.UUID(i) for key in best for i in key})
    current: set[str] = set()
    known_ids = 0
    for start in range(0, len(ids), 500):  # SQLite's limit on a query's parameters
        chunk = ids[start : start + 500]
        for pk, status in Person.objects.filter(pk__in=chunk).values_list("pk", "status"):
            known_ids += 1
            if status != PersonStatus.MERGED:
                current.add(str(pk))
    if known_ids != len(ids):
        raise UnknownLinkedPerson()
    return _queue_pairs(
        actor=actor,
        action="people.import_duplicate",
        pairs={
            (a, b): (probability, [LINKAGE])
            for (a, b), probability in best.items()
            if a in current and b in current
        },
    )


@transaction.atomic
def do_record_linkage_export(*, actor: User | None, columns: Sequence[str]) -> AuditEvent:
    """A copy of the whole registry left this machine for the linkage job: who made it, when
    and which fields it held ("*": every current person), so an auditor can ask where it went."""
    return AuditEvent.objects.create(
        actor=actor,
        action="people.export_linkage",
        object_type="people.person",
        object_id="*",
        fields=list(columns),
    )
