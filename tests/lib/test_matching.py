from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hromada.lib import matching as m
from hromada.lib.matching import (
    DEFAULT_THRESHOLD,
    Query,
    Record,
    SearchIndex,
    compare,
    find_duplicates,
    index_keys,
    parse_query,
    query_keys,
    score_query,
)
from hromada.lib.names import GIVEN_NAMES, fold, is_known_spelling, name_key, uk_patronymics
from hromada.lib.translit import UKRAINIAN_SYSTEMS, romanise_as

from .test_names import SURNAMES

# Synthetic persons: a name drawn from tables, nobody real.
LIUDMYLA = Record(
    id="p1",
    family="Петренко",
    given="Людмила",
    patronymic="Іванівна",
    sex="female",
    birth_year=1957,
    birth_month=3,
    birth_day=14,
    phone="+380671234567",
    documents=("АА123456",),
    household="h1",
)
# Her husband and her daughter, in her household.
IVAN = Record("p2", "Петренко", "Іван", "Петрович", "male", 1955, 7, 2, household="h1")
OKSANA = Record("p3", "Петренко", "Оксана", "Іванівна", "female", 1983, 11, 5, household="h1")
NEIGHBOUR = Record("p4", "Коваль", "Тетяна", "Сергіївна", "female", 1961, 1, 20, household="h2")


def other_record(**changes: object) -> Record:
    """Liudmyla registered again at another desk: no phone, no document, no household."""
    base = replace(LIUDMYLA, id="p9", phone="", documents=(), household="")
    return replace(base, **changes)  # type: ignore[arg-type]


# --- compare ------------------------------------------------------------------------------


def test_it_matches_a_romanised_record_and_says_why() -> None:
    match = compare(LIUDMYLA, other_record(family="Petrenko", given="Liudmyla", patronymic=""))
    assert match.score >= 0.9
    assert m.FAMILY_NAME_SPELLING in match.reasons
    assert m.GIVEN_NAME_SPELLING in match.reasons
    assert m.BIRTH_DATE in match.reasons
    assert m.PATRONYMIC not in match.reasons  # left out: neither for nor against


def test_it_matches_the_russian_form_of_the_names() -> None:
    match = compare(LIUDMYLA, other_record(given="Людмила", patronymic="Ивановна"))
    assert match.score >= 0.9
    assert m.PATRONYMIC_SPELLING in match.reasons


def test_it_matches_names_swapped_between_fields() -> None:
    match = compare(LIUDMYLA, other_record(family="Lyudmila", given="Petrenko"))
    assert match.score >= DEFAULT_THRESHOLD
    assert m.NAMES_SWAPPED in match.reasons


def test_it_matches_a_year_only_birth_date() -> None:
    match = compare(LIUDMYLA, other_record(birth_month=None, birth_day=None))
    assert match.score >= DEFAULT_THRESHOLD
    assert m.BIRTH_YEAR in match.reasons


def test_it_says_what_differs() -> None:
    match = compare(LIUDMYLA, other_record(birth_year=1975, sex="male"))
    assert match.score < DEFAULT_THRESHOLD
    assert m.BIRTH_DATE_DIFFERS in match.reasons
    assert m.SEX_DIFFERS in match.reasons
    assert m.GIVEN_NAME_SPELLING not in match.reasons


def test_it_trusts_a_shared_document_over_a_misspelt_name() -> None:
    match = compare(LIUDMYLA, other_record(given="Люда", documents=("АА123456",)))
    assert match.score >= DEFAULT_THRESHOLD
    assert m.DOCUMENT in match.reasons


def test_it_counts_a_document_number_one_keystroke_off() -> None:
    # Both names misspelt: only the document, two digits swapped, and the date say it is her.
    again = other_record(family="Петернко", given="Людмлиа", patronymic="")
    assert compare(LIUDMYLA, replace(again, documents=("АА654321",))).score < DEFAULT_THRESHOLD
    for number in ("АА124356", "АА123457", "АА12345", "АА1234566"):
        match = compare(LIUDMYLA, replace(again, documents=(number,)))
        assert m.DOCUMENT_TYPO in match.reasons, number
        assert match.score >= DEFAULT_THRESHOLD, number


def test_it_does_not_count_a_number_two_keystrokes_off() -> None:
    match = compare(LIUDMYLA, other_record(documents=("АА123478",)))
    assert m.DOCUMENT_TYPO not in match.reasons
    assert m.DOCUMENT_DIFFERS in match.reasons
    # Short numbers are too easily one keystroke from another person's.
    assert not m._document_slip("12345", "12354")


def test_it_counts_a_name_left_out_neither_for_nor_against() -> None:
    match = compare(LIUDMYLA, other_record(given=""))
    assert m.GIVEN_NAME_DIFFERS not in match.reasons
    assert match.score >= DEFAULT_THRESHOLD
    crosswise = compare(
        replace(LIUDMYLA, family="", given="Людмила"), other_record(family="Людмила", given="")
    )
    assert m.FAMILY_NAME_DIFFERS not in crosswise.reasons
    assert m.GIVEN_NAME_DIFFERS not in crosswise.reasons


ADDRESS = "вул. Шевченка, 12, кв. 5, м. Ірпінь"


@pytest.mark.parametrize(
    "written",
    [
        ADDRESS,
        "Ірпінь, вулиця Шевченка 12 кв 5",
        "Шевченка 12/5",  # the town left out, the flat after a slash
        "вул Шевчнека, 12, кв. 5, Ірпінь",  # a slip in the street
        "вул. Шев ченка, 12, кв. 5, Ірпінь",  # a space in the street's name
    ],
)
def test_it_reads_one_address_written_in_several_ways(written: str) -> None:
    assert m._same_address(ADDRESS, written)


@pytest.mark.parametrize(
    "other",
    [
        "вул. Шевченка, 14, кв. 5, м. Ірпінь",  # a neighbour's house
        "вул. Шевченка, 12, кв. 7, м. Ірпінь",  # a neighbour's flat
        "вул. Франка, 12, кв. 5, м. Ірпінь",  # another street
        "м. Ірпінь",  # the town alone
        "вул. Шевченка, Ірпінь",  # a street without a house
    ],
)
def test_it_tells_a_neighbours_address_from_hers(other: str) -> None:
    assert not m._same_address(ADDRESS, other)


def test_it_reads_a_postcode_a_keystroke_off_as_the_same() -> None:
    assert m._same_address(f"{ADDRESS}, 08200", f"{ADDRESS}, 08290")
    assert m._same_address(f"{ADDRESS}, 08290", f"{ADDRESS}, 08200")
    assert not m._same_address(f"{ADDRESS}, 08200", f"{ADDRESS}, 08355")


def test_it_counts_a_shared_address_for_records_of_two_households() -> None:
    # Misspelt names, no date: the names alone fall short; her address makes it worth a look.
    one = replace(LIUDMYLA, birth_month=None, birth_day=None, documents=(), phone="")
    again = other_record(
        given="Людмлиа", patronymic="", birth_month=None, birth_day=None, household="h8"
    )
    assert compare(one, again).score < DEFAULT_THRESHOLD
    match = compare(replace(one, address=ADDRESS), replace(again, address="Шевченка 12/5"))
    assert m.ADDRESS in match.reasons
    assert match.score >= DEFAULT_THRESHOLD
    moved = compare(replace(one, address=ADDRESS), replace(again, address="Київ, Січова 3"))
    assert moved.score == compare(one, again).score  # another address says nothing


def test_it_does_not_count_the_address_a_household_shares() -> None:
    match = compare(replace(LIUDMYLA, address=ADDRESS), replace(IVAN, address=ADDRESS))
    assert m.ADDRESS not in match.reasons
    assert match.score < DEFAULT_THRESHOLD


def test_it_does_not_match_members_of_one_household() -> None:
    for relative in (IVAN, OKSANA):
        match = compare(LIUDMYLA, relative)
        assert match.score < DEFAULT_THRESHOLD
        assert m.SAME_HOUSEHOLD in match.reasons


def test_it_does_not_match_twins_of_one_household() -> None:
    twin = replace(OKSANA, id="p5", given="Ольга")
    match = compare(OKSANA, twin)
    assert m.BIRTH_DATE in match.reasons
    assert match.score < DEFAULT_THRESHOLD


def test_it_matches_a_person_registered_twice_in_her_household() -> None:
    assert compare(OKSANA, replace(OKSANA, id="p6", given="Oksana")).score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("one", "other"),
    [("Іван", "Іванна"), ("Олександр", "Олександра"), ("Ярослав", "Ярослава")],
)
def test_it_tells_the_male_form_of_a_name_from_the_female(one: str, other: str) -> None:
    a = Record("a", "Мельник", one, birth_year=1990, birth_month=5, birth_day=5)
    b = Record("b", "Мельник", other, birth_year=1990, birth_month=5, birth_day=5)
    match = compare(a, b)
    assert m.GIVEN_NAME_DIFFERS in match.reasons
    assert match.score < DEFAULT_THRESHOLD


# --- properties ---------------------------------------------------------------------------

_LETTERS = "абвгдеєжзиіїйклмнопрстуфхцчшщьюя"


@st.composite
def persons(draw: st.DrawFn) -> Record:
    uk, _ru, sex = draw(st.sampled_from(GIVEN_NAMES))
    father = draw(st.sampled_from([e[0] for e in GIVEN_NAMES if e[2] == "m"]))
    patronymic = uk_patronymics(father)[sex == "f"]
    return Record(
        id=draw(st.sampled_from(["a", "b"])),
        family=draw(st.sampled_from(SURNAMES)),
        given=uk,
        patronymic=patronymic,
        sex={"f": "female", "m": "male"}[sex],
        birth_year=draw(st.integers(1930, 2020)),
        birth_month=draw(st.integers(1, 12)),
        birth_day=draw(st.integers(1, 28)),
    )


@st.composite
def typos(draw: st.DrawFn, name: str) -> str:
    """`name` with one letter inserted, deleted, replaced, or two swapped."""
    i = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from(_LETTERS))
    edit = draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
    if edit == "insert":
        return name[:i] + letter + name[i:]
    if edit == "delete":
        return name[:i] + name[i + 1 :]
    if edit == "replace":
        return name[:i] + letter + name[i + 1 :]
    j = min(i + 1, len(name) - 1)
    return name[:i] + name[j] + name[i] + name[j + 1 :]


def _sex_form(a: str, b: str) -> bool:
    # A typo that turns Іван into Івана makes the female form's key: no matcher can tell.
    ka, kb = name_key(a), name_key(b)
    return ka + "a" == kb or kb + "a" == ka or (ka[:-1] == kb[:-1] and ka[-1:] != kb[-1:])


@given(persons(), st.data())
def test_it_finds_a_record_with_one_typo_in_one_name(person: Record, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(["family", "given"]))
    original = getattr(person, field)
    assume(len(name_key(original)) >= 4)
    misspelt = data.draw(typos(original))
    assume(name_key(misspelt) and not _sex_form(original, misspelt))
    # A slip that writes another name (Жанна for Ганна, Інна for Ніна) is read as that name.
    assume(not is_known_spelling(fold(misspelt)))
    if field == "family":
        again = replace(person, id="again", family=misspelt)
    else:
        again = replace(person, id="again", given=misspelt)
    assert index_keys(person) & index_keys(again)
    assert compare(person, again).score >= DEFAULT_THRESHOLD


@given(persons(), st.sampled_from(UKRAINIAN_SYSTEMS))
def test_it_matches_a_romanised_record_in_any_system(person: Record, system: str) -> None:
    latin = replace(
        person,
        id="latin",
        family=romanise_as(person.family, system),
        given=romanise_as(person.given, system),
        patronymic=romanise_as(person.patronymic, system),
    )
    assert index_keys(person) & index_keys(latin)
    assert compare(person, latin).score >= 0.9


@given(persons())
def test_it_matches_names_swapped_between_fields_for_anyone(person: Record) -> None:
    swapped = replace(person, id="swapped", family=person.given, given=person.family)
    assert index_keys(person) & index_keys(swapped)
    match = compare(person, swapped)
    assert match.score >= DEFAULT_THRESHOLD
    assert m.NAMES_SWAPPED in match.reasons


@given(persons(), persons())
def test_it_compares_symmetrically(a: Record, b: Record) -> None:
    assert compare(a, b) == compare(b, a)


@given(persons(), st.sampled_from(GIVEN_NAMES))
def test_it_does_not_match_relatives_sharing_a_household(
    person: Record, other: tuple[str, str, str]
) -> None:
    assume(name_key(other[0]) != name_key(person.given))
    relative = replace(person, id="relative", given=other[0], household="h")
    match = compare(replace(person, household="h"), relative)
    assert match.score < DEFAULT_THRESHOLD


# --- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Петренко Людмила 1957", Query(("Петренко", "Людмила"), 1957)),
        ("Liudmyla Petrenko 14.03.1957", Query(("Liudmyla", "Petrenko"), 1957, 3, 14)),
        ("петренко 1957-03-14", Query(("петренко",), 1957, 3, 14)),
        ("+380 67 123 45 67", Query((), phone="+380671234567")),
        ("067 123-45-67 Петренко", Query(("Петренко",), phone="+380671234567")),
        ("АА 123456", Query((), document="АА123456")),
        ("aa123456", Query((), document="АА123456")),
        ("Знам'янська Ольга 1234567890", Query(("Знам'янська", "Ольга"), document="1234567890")),
    ],
)
def test_it_parses_a_search_line(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


def test_it_looks_up_the_keys_a_record_is_stored_under() -> None:
    keys = query_keys(parse_query("Lyudmila Petrenko 1957"))
    assert keys & index_keys(LIUDMYLA)
    assert query_keys(parse_query("АА 123456")) <= index_keys(LIUDMYLA)
    assert query_keys(parse_query("+380 67 123 45 67")) <= index_keys(LIUDMYLA)


def test_it_scores_the_right_record_above_her_relatives() -> None:
    query = parse_query("Petrenko Liudmyla 1957")
    best = score_query(query, LIUDMYLA)
    assert best.score > score_query(query, OKSANA).score
    assert best.score > score_query(query, IVAN).score
    assert m.GIVEN_NAME_SPELLING in best.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Петренко Людмила",
        "Liudmyla Petrenko 1957",
        "Lyudmila Petrenko 14.03.1957",
        "людмила іванівна петренко",
        "Petrenko Ludmila Ivanovna",
        "Петренко Людмилв 1957",  # a typo
        "Птеренко Людмила",  # a typo, no year
        "+380 67 123 45 67",
        "AA 123456",
    ],
)
def test_it_finds_her_first_however_she_is_searched(text: str) -> None:
    index = SearchIndex([IVAN, OKSANA, NEIGHBOUR, LIUDMYLA])
    results = index.search(text)
    assert results
    assert results[0][0] == LIUDMYLA


def test_it_finds_nobody_for_a_stranger() -> None:
    index = SearchIndex([IVAN, OKSANA, NEIGHBOUR, LIUDMYLA])
    results = index.search("Захарченко Богдан 2001")
    assert all(match.score < DEFAULT_THRESHOLD for _record, match in results)


def _person(number: int, family: str, given: str, year: int, day: int = 1) -> Record:
    return Record(f"s{number}", family, given, "", "", year, 1 + number % 12, day)


def test_it_corrects_a_typo_in_a_common_name_with_the_year_typed() -> None:
    # Павленко Олександр and Олександр with a surname ending in -ко born in 1944 are each too
    # many to read whole; Павленко Олександр 1944 is one.
    namesakes = [_person(i, "Павленко", "Олександр", 1950 + i % 40) for i in range(140)]
    others = [_person(200 + i, "Коваленко", "Олександр", 1944) for i in range(140)]
    wanted = _person(999, "Павленко", "Олександр", 1944, day=26)
    index = SearchIndex([*namesakes, *others, wanted])
    results = index.search("Пвленко Олександр 1944")
    assert results[0][0] == wanted


def test_it_corrects_a_typo_to_the_name_more_people_bear() -> None:
    # Names one letter from the typed one, borne once each and before Павленко in the
    # alphabet, must not crowd it out of the corrections tried.
    rare = [_person(i, f"{letter}вленко", "Петро", 1970) for i, letter in enumerate("АБДЕКЛМН")]
    wanted = [_person(100 + i, "Павленко", "Олександр", 1944 + i) for i in range(3)]
    index = SearchIndex([*rare, *wanted])
    results = index.search("Пвленко Олександр")
    assert results[0][0] in wanted


def test_it_corrects_two_letters_swapped_as_one_slip() -> None:
    # Коваелнко is one slip from Коваленко, as near as these names borne once each.
    rare = [
        _person(i, family, "Петро", 1970)
        for i, family in enumerate(
            ("Коваелнка", "Коваелнку", "Коваелнк", "Коваелно", "Коваелко", "Коваелнкі", "Ковелнко")
        )
    ]
    wanted = [_person(100 + i, "Коваленко", "Олена", 1954 + i) for i in range(3)]
    index = SearchIndex([*rare, *wanted])
    results = index.search("Коваелнко Олена")
    assert results[0][0] in wanted


@pytest.mark.parametrize(
    ("text", "wanted", "other"),
    [
        # The key reads "sch" as щ (the German way); the passport's system wrote с+ч.
        ("Vlaschuk Nataliia 2019", ("Власчук", "Наталія"), ("Власук", "Наталія")),
        # Both fold to one key; the typed Latin is exactly KMU-55's Вакулюк, Ганна.
        ("vakuliuk liudmyla 1954", ("Вакулюк", "Людмила"), ("Вакулук", "Людмила")),
        ("Dyachan Hanna 1981", ("Дячан", "Ганна"), ("Дячан", "Анна")),
        ("dzyubuk tat'yana 1973", ("Дзюбук", "Тетяна"), ("Дзюбюк", "Тетяна")),
        # ISO 9: Verbuk is Вербук; Verbûk, written so in the registry, is Вербюк.
        ("Ìvan Verbuk 1989", ("Вербук", "Іван"), ("Verbûk", "Ìvan")),
        # A slip: nearer, as written, to Мирончук's Latin than to Gonchyuk.
        ("miornchuk irina 1984", ("Мирончук", "Ірина"), ("Gonchyuk", "Iryna")),
        # Two surnames a slip from the typed one: the nearer as written first.
        ("Хісунн Олена 1989", ("Хіснун", "Олена"), ("Дисун", "Олена")),
    ],
)
def test_it_puts_the_name_typed_exactly_as_a_romanisation_writes_it_first(
    text: str, wanted: tuple[str, str], other: tuple[str, str]
) -> None:
    year = int(text.split()[-1])
    # The other one first in the index, so that only the scores can put the wanted one first.
    first = _person(1, *other, year)
    second = _person(2, *wanted, year)
    results = SearchIndex([first, second]).search(text)
    assert [record for record, _match in results][:1] == [second]
    assert results[0][1].score > results[1][1].score


# --- batch --------------------------------------------------------------------------------


def test_it_finds_the_duplicates_and_only_them() -> None:
    records = [
        LIUDMYLA,
        IVAN,
        OKSANA,
        NEIGHBOUR,
        other_record(id="p7", family="Petrenko", given="Lyudmila", patronymic="Ivanovna"),
        other_record(id="p0", family="Людмила", given="Петренко", birth_month=None),
        replace(NEIGHBOUR, id="p8", given="Татьяна", patronymic="", household=""),
    ]
    found = find_duplicates(records)
    pairs = {(a, b) for a, b, _match in found}
    assert pairs == {("p1", "p7"), ("p0", "p1"), ("p0", "p7"), ("p4", "p8")}
    assert all(a < b for a, b, _match in found)
    scores = [match.score for _a, _b, match in found]
    assert scores == sorted(scores, reverse=True)


def test_it_compares_records_in_blocks_too_big_for_pairs_by_their_finer_keys() -> None:
    # Sixty-odd namesakes born in different years; one of them registered twice.
    namesakes = [
        Record(f"n{year}", "Коваленко", "Олександр", sex="male", birth_year=year)
        for year in range(1930, 1930 + m.MAX_BLOCK + 5)
    ]
    again = Record("again", "Kovalenko", "Oleksandr", sex="male", birth_year=1950)
    found = find_duplicates([*namesakes, again])
    assert {(a, b) for a, b, _match in found} == {("again", "n1950")}


@given(st.lists(persons(), min_size=2, max_size=30))
def test_it_finds_the_same_pairs_in_one_process_as_in_several(people: list[Record]) -> None:
    records = [replace(p, id=f"r{i}") for i, p in enumerate(people)]
    records += [
        replace(p, id=f"s{i}", given=romanise_as(p.given, "kmu55")) for i, p in enumerate(people)
    ]
    alone = find_duplicates(records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(m, "_PARALLEL_RECORDS", 0)
        shared = find_duplicates(records, processes=2)
    assert shared == alone
    assert {(f"r{i}", f"s{i}") for i in range(len(people))} <= {(a, b) for a, b, _m in alone}


def _namesakes(family: str, given: str, patronymic: str, sex: str) -> list[Record]:
    """More bearers of one name than a block holds, each born in another year."""
    return [
        Record(f"n{year}", family, given, patronymic, sex, year, 1 + year % 12, 1 + year % 28)
        for year in range(1930, 1930 + m.MAX_BLOCK + 10)
        if year != 1939 and year != 1989
    ]


@pytest.mark.parametrize(
    ("dated", "other"),
    [
        # A year-only record of a common name: the year agrees, and few bear name and year.
        ((1939, 2, 28), (1939, None, None)),
        # Day and month swapped on one form.
        ((1989, 12, 9), (1989, 9, 12)),
    ],
)
def test_it_counts_namesakes_born_in_the_same_year_only(
    dated: tuple[int, int, int], other: tuple[int, int | None, int | None]
) -> None:
    namesakes = _namesakes("Шевченко", "Андрій", "Іванович", "male")
    year, month, day = dated
    one = Record("a", "Шевченко", "Андрій", "Іванович", "male", year, month, day)
    year, month_or_none, day_or_none = other
    again = replace(one, id="b", birth_month=month_or_none, birth_day=day_or_none)
    found = find_duplicates([*namesakes, one, again])
    assert ("a", "b") in {(a, b) for a, b, _match in found}


def test_it_compares_a_dated_and_an_undated_record_of_a_common_name() -> None:
    # Бойко Ірина is borne by more than a block holds; the undated record shares no key with
    # a year, and its name key (n:) alone is too common to pair.
    namesakes = [
        replace(r, patronymic=p)
        for r, p in zip(
            _namesakes("Бойко", "Ірина", "", "female"),
            ("Петрівна", "Іванівна", "Олегівна", "Андріївна") * 30,
            strict=False,
        )
    ]
    dated = Record("a", "Бойко", "Ірина", "Сергіївна", "female", 1999, 9, 17, household="h")
    undated = Record("b", "Бойко", "Ірина", "Сергіївна", "female", household="h")
    assert len([r for r in namesakes if name_key(r.family) == "boiko"]) > m.MAX_BLOCK
    found = find_duplicates([*namesakes, dated, undated])
    assert ("a", "b") in {(a, b) for a, b, _match in found}


@pytest.mark.parametrize(("given", "typed"), [("Ніна", "Нна"), ("Олег", "Олге")])
def test_it_matches_a_typo_in_the_given_name_within_one_household(given: str, typed: str) -> None:
    # A slip that is no name at all (Нна), or two letters swapped (Олге): not a relative.
    one = Record("a", "Дзюбишин", given, "Петрівна", "", 1970, 3, 4, household="h")
    again = replace(one, id="b", given=typed)
    match = compare(one, again)
    assert m.GIVEN_NAME_TYPO in match.reasons
    assert m.SAME_HOUSEHOLD not in match.reasons
    assert {(a, b) for a, b, _match in find_duplicates([one, again])} == {("a", "b")}


def test_it_pairs_records_whose_document_numbers_are_a_keystroke_apart() -> None:
    # One record leaves out the given name, the other the family name: no name key is shared.
    one = Record("a", "Петренко", "", birth_year=1957, birth_month=3, birth_day=14,
                 documents=("123456789",))  # fmt: skip
    again = Record("b", "", "Людмила", birth_year=1957, birth_month=3, birth_day=14,
                   documents=("123465789",))  # fmt: skip
    assert not index_keys(one) & index_keys(again)
    assert {(a, b) for a, b, _match in find_duplicates([one, again])} == {("a", "b")}


def test_it_pairs_records_born_the_same_day_at_one_address() -> None:
    # The given name misspelt so that it folds far from hers, the family name left out: no
    # name key is shared; the birth date and the house are.
    one = replace(LIUDMYLA, household="", documents=("АА123456",), address=ADDRESS)
    again = other_record(family="", given="Лдюмила", documents=("АА654321",), address=ADDRESS)
    assert not index_keys(one) & index_keys(again)
    assert compare(one, again).score >= DEFAULT_THRESHOLD
    assert {(a, b) for a, b, _match in find_duplicates([one, again])} == {("p1", "p9")}


def test_it_pairs_different_birth_dates_when_the_document_numbers_are_a_slip_apart() -> None:
    one = replace(LIUDMYLA, household="", documents=("123456789",))
    again = other_record(birth_month=4, documents=("123456798",))
    assert compare(one, again).score >= DEFAULT_THRESHOLD
    assert {(a, b) for a, b, _match in find_duplicates([one, again])} == {("p1", "p9")}


def test_it_counts_against_a_shared_document_only_half() -> None:
    # Her tax number on a record with her married name and a birth date mistyped.
    one = replace(LIUDMYLA, household="", documents=("1234567890",))
    again = other_record(family="Коваль", birth_year=1975, documents=("1234567890",))
    match = compare(one, again)
    assert m.FAMILY_NAME_DIFFERS in match.reasons
    assert m.BIRTH_DATE_DIFFERS in match.reasons
    assert match.score >= DEFAULT_THRESHOLD
    assert compare(one, replace(again, documents=())).score < 0.05


def test_it_counts_two_letters_swapped_as_one_slip() -> None:
    assert m._slip_level("oleh", "olhe") == m._TYPO
    assert m._name_level("олег", "oleh", "олге", "olhe") == m._TYPO


def test_it_does_not_count_namesakes_of_other_households_against_a_household_record() -> None:
    # Twenty women of one full name live elsewhere; in her own household, an undated record of
    # her name is her, not any of them.
    namesakes = [
        Record(f"n{i}", "Бойко", "Ірина", "Сергіївна", "female", 1950 + i, 5, 5, household=f"h{i}")
        for i in range(20)
    ]
    dated = Record("a", "Бойко", "Ірина", "Сергіївна", "female", 1999, 9, 17, household="h")
    undated = Record("b", "Бойко", "Ірина", "Сергіївна", "female", household="h")
    found = {(a, b) for a, b, _match in find_duplicates([*namesakes, dated, undated])}
    assert ("a", "b") in found
    assert not any("b" in pair and "a" not in pair for pair in found)
