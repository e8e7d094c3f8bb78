"""The batch's weights learned from its own records: a registry whose desks often retype a
whole field wrong teaches the batch to forgive it, where a document or an address vouches for
the pair; a small batch, and one household's members, keep the fixed points."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib import matching as m
from hromada.lib.matching import DEFAULT_THRESHOLD, Record, compare, find_duplicates
from hromada.lib.names import GIVEN_NAMES

from .test_matching import persons
from .test_names import SURNAMES

STREETS = ("Шевченка", "Січова", "Лесі Українки", "Гагаріна", "Соборна", "Миру", "Садова")


def registry(people: int, seed: int) -> tuple[list[Record], set[tuple[str, str]]]:
    """Synthetic persons (names drawn from the tables, nobody real), each with a document and
    an address, each registered twice. The second record keeps the family name, the birth date
    and the address, but one in two has another given name and one in two another document
    number: the desk retyped a whole field wrong. Returns the records and the pairs of the
    second records whose given name and document both differ."""
    draw = random.Random(seed)
    given_names = [uk for uk, _ru, _sex in GIVEN_NAMES]
    records: list[Record] = []
    retyped: set[tuple[str, str]] = set()
    for person in range(people):
        address = f"вул. {draw.choice(STREETS)} {draw.randint(1, 200)}, кв. {draw.randint(1, 90)}"
        first = _first_record(draw, person, address)
        given, documents = first.given, first.documents
        if draw.random() < 0.5:
            given = draw.choice([name for name in given_names if name != first.given])
        if draw.random() < 0.5:
            documents = (f"{draw.randrange(10**9):09d}",)
        again = Record(
            f"p{person:04d}b",
            first.family,
            given,
            birth_year=first.birth_year,
            birth_month=first.birth_month,
            birth_day=first.birth_day,
            documents=documents,
            address=first.address,
        )
        records += [first, again]
        if given != first.given and documents != first.documents:
            retyped.add((first.id, again.id))
    return records, retyped


def _first_record(draw: random.Random, person: int, address: str) -> Record:
    """A person's first registration: names from the tables, a birth date, a document."""
    return Record(
        f"p{person:04d}a",
        draw.choice(SURNAMES),
        draw.choice([uk for uk, _ru, _sex in GIVEN_NAMES]),
        birth_year=draw.randint(1930, 2005),
        birth_month=draw.randint(1, 12),
        birth_day=draw.randint(1, 28),
        documents=(f"{draw.randrange(10**9):09d}",),
        address=address,
    )


def same_person(a: str, b: str) -> bool:
    return a[:-1] == b[:-1]


def assert_found_only_once_learned(records: list[Record], retyped: set[tuple[str, str]]) -> None:
    """The `retyped` pairs score under the threshold on their own, the batch finds them all,
    and it finds no pair of two people."""
    by_id = {record.id: record for record in records}
    assert all(compare(by_id[a], by_id[b]).score < DEFAULT_THRESHOLD for a, b in retyped)
    found = {(a, b) for a, b, _match in find_duplicates(records)}
    assert retyped <= found
    assert all(same_person(a, b) for a, b in found)


def test_it_learns_from_a_batch_that_a_retyped_field_is_a_slip() -> None:
    records, retyped = registry(800, seed=1)
    assert len(retyped) > 100
    # On their own, another given name and another document are two people; the batch holds
    # hundreds of such pairs, and learns that here they are one person.
    assert_found_only_once_learned(records, retyped)


def test_it_keeps_the_fixed_points_in_a_small_batch() -> None:
    records, retyped = registry(60, seed=2)
    assert retyped
    found = find_duplicates(records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m, "_learned_points", lambda *_args: {})
        fixed = find_duplicates(records)
    assert found == fixed
    assert not retyped & {(a, b) for a, b, _match in found}


def test_it_learns_nothing_about_pairs_without_a_document_or_an_address() -> None:
    # The same registry without documents and addresses: names and dates alone are weighed as
    # the fixed points weigh them, however many pairs the batch holds.
    records, _retyped = registry(800, seed=3)
    bare = [replace(record, documents=(), address="") for record in records]
    found = find_duplicates(bare)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m, "_learned_points", lambda *_args: {})
        fixed = find_duplicates(bare)
    assert found == fixed


def test_it_still_tells_twins_of_one_household_apart() -> None:
    records, _retyped = registry(800, seed=4)
    # Two sisters born on one day, at one address, in one household: the batch has learned
    # that a given name is often retyped, but one household's members keep its rules.
    twins = [
        Record(
            f"t{n}",
            records[0].family,
            given,
            sex="female",
            birth_year=1990,
            birth_month=4,
            birth_day=9,
            address="вул. Садова 7, кв. 3",
            household="h1",
        )
        for n, given in enumerate(("Марія", "Ольга"))
    ]
    found = {(a, b) for a, b, _match in find_duplicates([*records, *twins])}
    assert ("t0", "t1") not in found


def test_several_processes_learn_what_one_learns() -> None:
    # Each process compares its own share of the candidate pairs; they learn from the counts
    # of all of them, so the weights, and the pairs, are those of one process alone.
    records, retyped = registry(800, seed=5)
    alone = find_duplicates(records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m, "_PARALLEL_RECORDS", 0)
        shared = find_duplicates(records, processes=2)
    assert shared == alone
    assert retyped <= {(a, b) for a, b, _match in shared}


def test_a_process_that_fails_stops_the_batch_with_its_own_error() -> None:
    # The worker fails making its keys; the parent, waiting for the worker's candidate pairs,
    # must not wait out the timeout but raise the worker's error.
    records, _retyped = registry(100, seed=6)
    made = m._block_entries

    def failing(work: m._Batch, first: int, last: int, shares: int) -> object:
        if first > 0:
            raise RuntimeError("the worker's part failed")
        return made(work, first, last, shares)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m, "_PARALLEL_RECORDS", 0)
        patch.setattr(m, "_EXCHANGE_TIMEOUT", 20.0)
        patch.setattr(m, "_block_entries", failing)
        with pytest.raises(RuntimeError, match="the worker's part failed"):
            find_duplicates(records, processes=2)


def test_it_counts_how_rarely_two_records_share_an_address() -> None:
    # Each person registered twice, the street typed with two letters swapped the second time
    # (Шевченка, Шевчекна), and in one in two the birth date and the document retyped: only
    # the names and the address say these are one person. Random pairs alone would put the
    # chance that two records share an address at no less than one in the pairs drawn; the
    # batch counts its addresses, and finds it far lower among streets, houses and flats.
    draw = random.Random(6)
    towns = ("Ірпінь", "Буча", "Бровари", "Вишгород", "Обухів", "Фастів", "Біла Церква")
    records: list[Record] = []
    retyped: set[tuple[str, str]] = set()
    for person in range(800):
        street, town = draw.choice(STREETS), draw.choice(towns)
        house, flat = draw.randint(1, 200), draw.randint(1, 90)
        first = _first_record(draw, person, f"вул. {street} {house}, кв. {flat}, {town}")
        at = draw.randrange(len(street) - 1)
        slipped = street[:at] + street[at + 1] + street[at] + street[at + 2 :]
        again = replace(
            first, id=f"p{person:04d}b", address=f"вул. {slipped} {house}, кв. {flat}, {town}"
        )
        if draw.random() < 0.5:
            again = replace(
                again,
                birth_year=draw.randint(1930, 2005),
                birth_month=draw.randint(1, 12),
                birth_day=draw.randint(1, 28),
                documents=(f"{draw.randrange(10**9):09d}",),
            )
            retyped.add((first.id, again.id))
        records += [first, again]
    assert len(retyped) > 300
    assert_found_only_once_learned(records, retyped)


@given(persons(), persons(), st.data())
def test_a_pairs_pattern_gives_the_points_compare_gives(a: Record, b: Record, data: Any) -> None:
    # The batch learns and prunes on each pair's pattern of levels (`_pattern`), and scores
    # it by `_pattern_points`: they must say what `compare` says, field by field.
    def fields(record: Record) -> Record:
        return replace(
            record,
            documents=data.draw(st.sampled_from([(), ("123456789",), ("123456788",), ("555",)])),
            phone=data.draw(st.sampled_from(["", "+380671234567", "+380501112233"])),
            address=data.draw(
                st.sampled_from(["", "вул. Садова 7, кв. 3", "вул. Садова 9", "вул. Миру 7"])
            ),
            birth_month=data.draw(st.sampled_from([record.birth_month, None])),
            patronymic=data.draw(st.sampled_from([record.patronymic, ""])),
        )

    a, b = fields(a), fields(b)
    if data.draw(st.booleans()):
        b = replace(b, family=a.family, given=a.given, birth_year=a.birth_year)
    if b.birth_month is None:
        b = replace(b, birth_day=None)
    an, bn = m._record_names(a), m._record_names(b)
    pattern = m._pattern(a, an, b, bn, *m._name_levels(an, bn))
    assert round(m._sigmoid(m._pattern_points(pattern[: m._PATTERN_FIELDS])), 4) == (
        compare(a, b).score
    )


def test_an_address_of_many_households_vouches_for_nobody() -> None:
    # The batch has learned that here a given name and a document are often retyped, where an
    # address vouches. In a dormitory for the displaced, twins registered as two households
    # share a family name, a birth date and the address: the address is many households', so
    # it says nothing of one person, and the twins stay two people.
    records, retyped = registry(800, seed=7)
    dormitory = "вул. Соборна 5, гуртожиток"
    residents = [
        replace(_first_record(random.Random(n), 9000 + n, dormitory), household=f"d{n}")
        for n in range(m._CROWDED_ADDRESS + 3)
    ]
    twin = replace(
        residents[0], id="twin", given="Ольга", documents=("987654321",), household="d-twin"
    )
    assert twin.given != residents[0].given
    found = {(a, b) for a, b, _match in find_duplicates([*records, *residents, twin])}
    assert tuple(sorted((residents[0].id, twin.id))) not in found
    # The same twins in a house of their own are what the batch learned to call one person.
    house = [replace(r, address="вул. Соборна 7") for r in (residents[0], twin)]
    found = {(a, b) for a, b, _match in find_duplicates([*records, *house])}
    assert tuple(sorted((residents[0].id, twin.id))) in found
    assert retyped <= found
