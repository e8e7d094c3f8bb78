"""The registry's side of matching: persons as lib.matching records, their keys in the
database, and the searches built on them. The rules of matching live in lib.matching."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from hromada.lib import cardcode, matching
from hromada.lib.names import name_keys
from hromada.people.models import (
    BirthPrecision,
    Card,
    Household,
    NameVariant,
    Person,
    PersonKey,
)
from hromada.people.presenting import CARD, CONTAINS, Reason, reason_labels

if TYPE_CHECKING:
    from hromada.core.models import User
    from hromada.people.actions import MemberData

# How many persons sharing a key are read back to be scored: a key shared by more (a
# common surname alone) says little, and the other keys of the query narrow it down.
CANDIDATES = 400


class _Birth(TypedDict):
    birth_year: int
    birth_month: int | None
    birth_day: int | None


def _birth(born: date, precision: str) -> _Birth:
    """A birth date as the parts its precision says are known."""
    return {
        "birth_year": born.year,
        "birth_month": born.month if precision != BirthPrecision.YEAR else None,
        "birth_day": born.day if precision == BirthPrecision.DAY else None,
    }


def record_of(person: Person, documents: Iterable[str] | None = None) -> matching.Record:
    if documents is None:
        documents = [d.number for d in person.documents.all()]
    return matching.Record(
        id=str(person.pk),
        family=person.family_name,
        given=person.given_name,
        patronymic=person.patronymic,
        sex=person.sex,
        **_birth(person.birth_date, person.birth_precision),
        phone=person.phone,
        documents=tuple(documents),
        household=str(person.household_id),
    )


def member_record(member: MemberData) -> matching.Record:
    """A person not yet saved, as a record, to look for them before registering."""
    return matching.Record(
        id="",
        family=member.family_name,
        given=member.given_name,
        patronymic=member.patronymic,
        sex=member.sex,
        **_birth(member.birth_date, member.birth_precision),
        phone=member.phone,
        documents=tuple(number for _kind, number in member.documents),
    )


def stored_keys(record: matching.Record) -> set[str]:
    """lib.matching's keys, and one of the registry's own: the family name alone, so that a
    volunteer typing only "Коваль" sees every Коваль (the batch check has no use for it; a
    common surname's block is too large to compare pair by pair)."""
    keys = matching.index_keys(record)
    keys.update(f"s:{key}" for key in name_keys(record.family))
    return keys


def _query_keys(query: matching.Query) -> set[str]:
    keys = matching.query_keys(query)
    if len(query.names) == 1:
        keys.update(f"s:{key}" for key in name_keys(query.names[0]))
    return keys


def refresh_keys(person: Person, documents: Iterable[str] | None = None) -> None:
    """Rewrite a person's keys after their names, birth date, phone or documents changed."""
    PersonKey.objects.filter(person=person).delete()
    if person.status == "merged":
        return  # a merged record is found through the record it was merged into
    record = record_of(person, documents)
    keys = stored_keys(record)
    PersonKey.objects.bulk_create(PersonKey(person=person, key=key) for key in sorted(keys))
    NameVariant.objects.bulk_create(
        (NameVariant(variant=v, key=k) for v, k in sorted(matching.name_variants(record))),
        ignore_conflicts=True,
    )


def _persons_with_keys(
    keys: Iterable[str], persons: QuerySet[Person] | None = None
) -> list[Person]:
    wanted = sorted(set(keys))
    if not wanted:
        return []
    return _persons_holding(Q(key__in=wanted), persons)


def _persons_holding(keys: Q, persons: QuerySet[Person] | None) -> list[Person]:
    """The current persons (at most CANDIDATES) holding keys that match `keys`, among
    `persons` if given, with what scoring them reads."""
    ids = PersonKey.objects.filter(keys).values_list("person_id", flat=True).distinct()
    found = Person.objects.current().filter(pk__in=list(ids[:CANDIDATES]))
    if persons is not None:
        found = found.filter(pk__in=persons.values("pk"))
    return list(found.select_related("household__site").prefetch_related("documents"))


@dataclass(frozen=True)
class Hit:
    person: Person
    match: matching.Match

    @property
    def reasons(self) -> list[Reason]:
        return reason_labels(self.match.reasons)


def search_for(user: User, text: str, *, limit: int = 20) -> list[Hit]:
    """`search` among the persons the user may see."""
    # a coordinator may see everyone: no list of who to leave out, so no subquery
    persons = None if user.has_role("coordinator") else Person.objects.visible_to(user)
    return search(persons, text, limit=limit)


def search(persons: QuerySet[Person] | None, text: str, *, limit: int = 20) -> list[Hit]:
    """Persons answering one search box line (a name in any spelling, a document number,
    a phone, a birth date, a card code), best match first, each with why it matched.

    `persons` restricts the answer to what the user may see (None: the whole registry)."""
    text = text.replace("\x00", " ").strip()
    if not text:
        return []
    card_hits = _card_search(persons, text)
    if card_hits is not None:
        return card_hits
    query = matching.parse_query(text)
    found = _persons_with_keys(_query_keys(query), persons)
    hits = [h for h in _scored(query, found) if h.match.score > 0]
    if len(query.names) >= 2 and max((h.match.score for h in hits), default=0) < matching.CONFIDENT:
        # Nobody answers well: a slip or two in a name, which no key of the query shares
        # ("Птеренко Людмила"). Each typed name is corrected to the names held near it.
        seen = {h.person.pk for h in hits}
        corrected = _persons_with_keys(matching.corrected_keys(query, _corrections), persons)
        fresh = [p for p in corrected if p.pk not in seen]
        hits += [h for h in _scored(query, fresh) if h.match.score > 0]
    if not hits and query.names:
        # no key matched: a typo in a name. The family names beginning like each word typed
        # are read (an index range, not a scan) and scored, which forgives a slip later on.
        found = _persons_with_family_prefix(query.names, persons)
        hits = [h for h in _scored(query, found) if h.match.score >= TYPO_SCORE]
    if not hits:
        hits = _contains_search(persons, text, limit)
    hits.sort(key=lambda h: (-h.match.score, str(h.person)))
    return hits[:limit]


# how well a person found by a family name's first letters must answer to be shown
TYPO_SCORE = 0.2
# how many first letters of a family name's key must be right to find it despite a typo
TYPO_PREFIX = 3


def _scored(query: matching.Query, found: Iterable[Person]) -> list[Hit]:
    return [Hit(p, matching.score_query(query, record_of(p))) for p in found]


def _corrections(keys: list[str]) -> list[list[str]]:
    """For each typed name key, the name keys the registry holds within two edits of it
    (`NameVariant`), read in one query for all of them."""
    variants = {key: matching.deletions(key) for key in keys}
    wanted = sorted(set().union(*variants.values()))
    held: dict[str, list[str]] = defaultdict(list)
    rows = NameVariant.objects.filter(variant__in=wanted).values_list("variant", "key")
    for variant, key in rows:
        held[variant].append(key)
    return [
        matching.nearest_names(key, (w for v in variants[key] for w in held[v]), lambda _key: 0)
        for key in keys
    ]


def _persons_with_family_prefix(
    names: Iterable[str], persons: QuerySet[Person] | None
) -> list[Person]:
    ranges = Q()
    for name in names:
        for key in name_keys(name):
            if len(key) > TYPO_PREFIX:
                start = f"s:{key[:TYPO_PREFIX]}"
                # the keys from "s:pet" up to, not including, "s:peu": an index range
                ranges |= Q(key__gte=start, key__lt=start[:-1] + chr(ord(start[-1]) + 1))
    if not ranges:
        return []
    return _persons_holding(ranges, persons)


def _contains_search(persons: QuerySet[Person] | None, text: str, limit: int) -> list[Hit]:
    """When no key matches (a name in a script lib.matching does not transliterate: Arabic,
    Hebrew, Georgian...), the persons whose folded name contains every word typed. A scan of
    the registry, so only a fallback."""
    found = Person.objects.current().name_contains(text)
    if persons is not None:
        found = found.filter(pk__in=persons.values("pk"))
    match = matching.Match(score=0.5, reasons=(CONTAINS,))
    return [Hit(p, match) for p in found.select_related("household__site")[:limit]]


def _card_search(persons: QuerySet[Person] | None, text: str) -> list[Hit] | None:
    """A card code finds its household's members; None when the text is not a card code."""
    try:
        code = cardcode.normalise(text)
    except cardcode.MalformedCode:
        return None
    if not code:
        return None
    members = Person.objects.current().filter(
        household__in=Card.objects.filter(code=code).values("household")
    )
    if persons is not None:
        members = members.filter(pk__in=persons.values("pk"))
    match = matching.Match(score=1.0, reasons=(CARD,))
    return [Hit(p, match) for p in members.select_related("household__site")]


def possible_duplicates(
    record: matching.Record, *, exclude_household: Household | None = None
) -> list[Hit]:
    """Registered persons who may be the person described, before they are saved."""
    found = _persons_with_keys(matching.index_keys(record))
    hits = []
    for person in found:
        if exclude_household is not None and person.household_id == exclude_household.pk:
            continue
        match = matching.compare(record, record_of(person))
        if match.score >= matching.DEFAULT_THRESHOLD:
            hits.append(Hit(person, match))
    hits.sort(key=lambda h: -h.match.score)
    return hits


def visible_duplicates(
    user: User, members: list[MemberData], household: Household | None = None
) -> dict[int, list[Hit]]:
    """Registered persons who may be one of `members` (by their index), among those the user
    may see; `household`'s own members are not raised (adding a member to it)."""
    found = {
        row: possible_duplicates(member_record(member), exclude_household=household)
        for row, member in enumerate(members)
    }
    # another site's people are not shown to a registrar; a coordinator sees them all
    everyone = [h.person.pk for hits in found.values() for h in hits]
    visible = set(
        Person.objects.visible_to(user).filter(pk__in=everyone).values_list("pk", flat=True)
    )
    found = {row: [h for h in hits if h.person.pk in visible] for row, hits in found.items()}
    return {row: hits for row, hits in found.items() if hits}


def remember_different(user: User, people: list[Person], duplicates: dict[int, list[Hit]]) -> None:
    """The registrar saved `people` although warned of `duplicates` (by index into `people`):
    each pair is remembered as different people, so it is not raised again."""
    # imported here: actions imports this module for the keys it writes
    from hromada.people.actions import do_mark_different

    for row, hits in duplicates.items():
        for hit in hits:
            do_mark_different(
                actor=user, person=people[row], other=hit.person,
                score=hit.match.score, reasons=hit.match.reasons,
            )  # fmt: skip


def all_records() -> Iterable[matching.Record]:
    """Every current person as a record, for the batch check; read in chunks. The batch
    compares their households' addresses too: one person registered in two households at
    one address."""
    documents = Prefetch("documents")
    people = (
        Person.objects.current()
        .select_related("household")
        .prefetch_related(documents)
        .order_by("pk")
    )
    for person in people.iterator(chunk_size=2000):
        yield replace(record_of(person), address=person.household.address)


@transaction.atomic
def reindex_all() -> int:
    """Rewrite every person's keys: after an upgrade that changed lib.matching's keys."""
    count = 0
    people = Person.objects.prefetch_related("documents").order_by("pk")
    for person in people.iterator(chunk_size=2000):
        refresh_keys(person)
        count += 1
    return count
