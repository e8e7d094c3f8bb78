"""The batch's second look: records of one person linked through each other, the full birth
date as a key, and one household as evidence."""

from __future__ import annotations

from hromada.lib import matching as m
from hromada.lib.matching import Record, compare, find_duplicates

# Synthetic persons: names drawn from tables, nobody real.
# Registered at the desk, in her household.
FIRST = Record("o", "Петренко", "Людмила", "Іванівна", "female", 1957, 3, 14, household="h1")
# Again from her foreign passport, at another site: no patronymic, another household.
PASSPORT = Record("a", "Petrenko", "Lyudmila", "", "female", 1957, 3, 14, household="h9")
# Again in her household, in a hurry: a letter left out, no birth date.
HURRIED = Record("b", "Петренко", "Людмла", "Іванівна", "female", household="h1")


def pairs(found: list[tuple[str, str, m.Match]]) -> set[tuple[str, str]]:
    return {(a, b) for a, b, _match in found}


def test_it_links_two_records_of_one_person_through_a_third() -> None:
    # On their own the passport and the hurried record say too little: no date, no
    # patronymic on one of them, a typo.
    assert compare(PASSPORT, HURRIED).score < m.DEFAULT_THRESHOLD
    found = {(a, b): match for a, b, match in find_duplicates([FIRST, PASSPORT, HURRIED])}
    assert set(found) == {("a", "o"), ("b", "o"), ("a", "b")}
    linked = found[("a", "b")]
    assert linked.reasons[0] == m.LINKED
    assert m.GIVEN_NAME_TYPO in linked.reasons
    # ranked as the weaker of the two pairs that joined them
    assert linked.score == min(found[("a", "o")].score, found[("b", "o")].score)


def test_it_does_not_link_namesakes_through_an_undated_record() -> None:
    older = Record("x1", "Шевченко", "Андрій", "Іванович", "male", 1950, 1, 2, household="h2")
    undated = Record("u", "Шевченко", "Андрій", "Іванович", "male", household="h3")
    younger = Record("x2", "Шевченко", "Андрій", "Іванович", "male", 1980, 5, 6, household="h4")
    found = pairs(find_duplicates([older, undated, younger]))
    # The undated record may be either of them, and the coordinator is shown both; the two
    # born thirty years apart are never one person.
    assert found == {("u", "x1"), ("u", "x2")}


def test_it_does_not_link_two_people_a_coordinator_told_apart() -> None:
    found = pairs(find_duplicates([FIRST, PASSPORT, HURRIED], apart={("a", "b")}))
    assert found == {("a", "o"), ("b", "o")}


def test_it_does_not_report_a_pair_a_coordinator_told_apart() -> None:
    found = pairs(find_duplicates([FIRST, PASSPORT, HURRIED], apart={("a", "o")}))
    # b-o is found on its own; a-o was decided, and linking a to b would pair a with o again.
    assert found == {("b", "o")}


def test_it_finds_a_given_name_mistyped_past_its_keys_by_the_birth_date() -> None:
    # Олена written the Russian way and mistyped (Елнеа): no name key of the two records
    # agrees on the given name, the family name and the full birth date do.
    first = Record("p1", "Проленко", "Олена", "Василівна", "female", 1950, 5, 3, household="h5")
    again = Record("p2", "Проленко", "Елнеа", "Васильевна", "female", 1950, 5, 3, household="h6")
    assert pairs(find_duplicates([first, again])) == {("p1", "p2")}


def test_it_does_not_pair_strangers_sharing_a_given_name_and_a_birthday() -> None:
    # The given name with the full date pairs records whose family names are at least alike.
    one = Record("s1", "Карпенко", "Петро", "Іванович", "male", 1997, 12, 11, household="h7")
    other = Record("s2", "Трищський", "Петро", "Іванович", "male", 1997, 12, 11, household="h8")
    assert compare(one, other).score > 0.5
    assert find_duplicates([one, other], threshold=0.5) == []


def test_it_takes_one_household_as_evidence_for_records_alike() -> None:
    dated = Record("h1", "Бабич", "Олексій", "Миколайович", "male", 1962, 7, 30, household="h10")
    undated = Record("h2", "Бабич", "Оелксій", "Миколайович", "male", household="h10")
    elsewhere = Record("h3", "Бабич", "Оелксій", "Миколайович", "male", household="h11")
    in_household = compare(dated, undated)
    assert m.HOUSEHOLD in in_household.reasons
    assert in_household.score > compare(dated, elsewhere).score
    assert pairs(find_duplicates([dated, undated])) == {("h1", "h2")}


def test_it_still_tells_members_of_one_household_apart() -> None:
    # A father and his son of one name, the son's birth date missing: the patronymics differ.
    father = Record("f", "Бабич", "Олексій", "Миколайович", "male", 1962, 7, 30, household="h12")
    son = Record("s", "Бабич", "Олексій", "Олексійович", "male", household="h12")
    match = compare(father, son)
    assert match.score < m.DEFAULT_THRESHOLD
    assert find_duplicates([father, son]) == []
