"""The matching engine: is this the same person, and who answers this search?

One scoring model serves the web search, the check shown while registering, the coordinator's
duplicate queue and the batch benchmark. It adds evidence for and against, field by field, in
the manner of Fellegi and Sunter (agreement earns points, disagreement costs points, a missing
value is neutral), and turns the sum into a score between 0 and 1. Every piece of evidence
carries a reason code, so the UI can say what matched and what differs, and a coordinator
decides: the engine never merges anyone by itself.

Names are compared on their keys (`names.name_key`), so Людмила and Lyudmila agree as
"given_name_spelling"; a typo is a small edit distance between keys.

Candidates come from blocking keys (`index_keys`): a record is stored under a handful of short
keys, and only records sharing a key are compared. Keys combine a family-name key, a given-name
key and a birth year so that one typo in one name, names swapped between fields, and a missing
birth date each leave at least one key intact (see `index_keys`).
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
import math
import multiprocessing
import os
import random
import re
import tempfile
import threading
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations
from typing import Any, Final

from rapidfuzz.distance import OSA, JaroWinkler

from hromada.lib.names import (
    fold,
    is_cyrillic,
    is_known_name,
    is_known_spelling,
    key_forms,
    name_key,
)
from hromada.lib.translit import RUSSIAN_SYSTEMS, UKRAINIAN_SYSTEMS, romanise_as

# What matched.
FAMILY_NAME: Final = "family_name"
FAMILY_NAME_SPELLING: Final = "family_name_spelling"
FAMILY_NAME_TYPO: Final = "family_name_typo"
GIVEN_NAME: Final = "given_name"
GIVEN_NAME_SPELLING: Final = "given_name_spelling"
GIVEN_NAME_TYPO: Final = "given_name_typo"
PATRONYMIC: Final = "patronymic"
PATRONYMIC_SPELLING: Final = "patronymic_spelling"
PATRONYMIC_TYPO: Final = "patronymic_typo"
NAMES_SWAPPED: Final = "names_swapped"
BIRTH_DATE: Final = "birth_date"
BIRTH_YEAR: Final = "birth_year"
PHONE: Final = "phone"
DOCUMENT: Final = "document"
# A document number one keystroke from the other's: a digit typed wrong, two swapped, one
# left out or doubled.
DOCUMENT_TYPO: Final = "document_typo"
# The same house number (and flat) on the same street: one household's address.
ADDRESS: Final = "address"
# What differs.
FAMILY_NAME_DIFFERS: Final = "family_name_differs"
GIVEN_NAME_DIFFERS: Final = "given_name_differs"
PATRONYMIC_DIFFERS: Final = "patronymic_differs"
BIRTH_DATE_DIFFERS: Final = "birth_date_differs"
BIRTH_YEAR_DIFFERS: Final = "birth_year_differs"
SEX_DIFFERS: Final = "sex_differs"
PHONE_DIFFERS: Final = "phone_differs"
DOCUMENT_DIFFERS: Final = "document_differs"
# Two members of one household: a shared surname is expected, not evidence.
SAME_HOUSEHOLD: Final = "same_household"
# Alike, and in one household: registered twice in it.
HOUSEHOLD: Final = "household"
# Found by the batch through other records: a-b and b-c, so a-c (see `_link`).
LINKED: Final = "linked"

MATCH_REASONS: Final = frozenset(
    {
        FAMILY_NAME, FAMILY_NAME_SPELLING, FAMILY_NAME_TYPO, GIVEN_NAME, GIVEN_NAME_SPELLING,
        GIVEN_NAME_TYPO, PATRONYMIC, PATRONYMIC_SPELLING, PATRONYMIC_TYPO, NAMES_SWAPPED,
        BIRTH_DATE, BIRTH_YEAR, PHONE, DOCUMENT, DOCUMENT_TYPO, ADDRESS, HOUSEHOLD, LINKED,
    }
)  # fmt: skip
DIFFER_REASONS: Final = frozenset(
    {
        FAMILY_NAME_DIFFERS, GIVEN_NAME_DIFFERS, PATRONYMIC_DIFFERS, BIRTH_DATE_DIFFERS,
        BIRTH_YEAR_DIFFERS, SEX_DIFFERS, PHONE_DIFFERS, DOCUMENT_DIFFERS, SAME_HOUSEHOLD,
    }
)  # fmt: skip
REASONS: Final = MATCH_REASONS | DIFFER_REASONS

# The score at which `find_duplicates` reports a pair by default: tuned on the synthetic
# registry of bench/registry_data.py at 10,000 to 1,000,000 records, for the best pair F1
# once pairs are linked through others (0.6 to 0.7 are within 0.002 of it).
DEFAULT_THRESHOLD: Final = 0.65
# Blocks larger than this are not compared pair by pair in batch: a block that large comes
# from a common name, and the finer keys (with the birth year) cover it.
MAX_BLOCK: Final = 60
# The typo keys (a name whole, two letters of the other, the year) pair records in blocks
# up to this size only. Their larger blocks are those of a common given name and a common
# surname ending (Олена, -ко, 1950): a third of all candidate pairs at a million records,
# and no pair of one person that the bench's F1 misses without them.
MAX_TYPO_BLOCK: Final = 20
# A search reads at most this many records from one key.
MAX_POSTING: Final = 400


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    family: str  # names as written, any script
    given: str
    patronymic: str = ""
    sex: str = ""  # "female" | "male" | ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    phone: str = ""  # E.164 ("+380671234567") or ""
    documents: tuple[str, ...] = ()  # normalised numbers, e.g. "АА123456", "1234567890"
    # Members of one household share surnames and are NOT duplicates of each other for that.
    household: str = ""
    # Where the household lives, as written ("вул. Шевченка 12, кв. 5, Ірпінь").
    address: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    score: float  # 0..1, higher = more likely the same person
    reasons: tuple[str, ...]  # codes from REASONS: what matched, then what differs


@dataclass(frozen=True, slots=True)
class Query:
    """What one line typed into the search box means."""

    names: tuple[str, ...]
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    phone: str = ""
    document: str = ""


# --- names --------------------------------------------------------------------------------

_SAME, _SPELLING, _TYPO, _NEAR, _FAR, _DIFFERS = 5, 4, 3, 2, 1, 0

# Points per field and level: (same or spelling, typo, near, far, differs). A given name is
# rarer than a surname inside one town (households share surnames), so it weighs more; a
# patronymic is often left out, and then counts nothing. "Near" is two slips apart
# (Анасатсія), which alone proves nothing but must not count against a record that agrees
# otherwise; "far" is a name that shares much with the other (Остап, Осжґп) but not enough to
# call it a typo.
_FAMILY_POINTS: Final = (3.0, 1.5, 0.0, -2.0, -3.5)
_GIVEN_POINTS: Final = (3.5, 1.5, -0.5, -2.0, -4.5)
_PATRONYMIC_POINTS: Final = (2.0, 1.0, -3.0, -3.0, -3.0)
_UNPLACED_NAME: Final = -2.0
# The sum of points at which the score is one half.
_BIAS: Final = 7.0

_PATRONYMIC_ENDINGS: Final = ("ovih", "evih", "ivna", "ovna", "evna", "ih", "inihna")


@lru_cache(maxsize=200_000)
def _words(text: str) -> str:
    # Cached: names repeat, and the batch then holds one string for all who bear a name.
    return " ".join(text.split()).casefold()


# Cached: the records of one block share names, so a batch asks about the same two names
# again and again (two in three calls at 100,000 records).
@lru_cache(maxsize=1 << 19)
def _name_level(a_word: str, a_key: str, b_word: str, b_key: str) -> int:
    """How one written name agrees with another: the same, the same key, a typo apart, two
    slips apart, far apart, or different. The names come as `_words` made them: the batch
    compares each name many times, and makes its words once."""
    if a_key == b_key:
        if not a_key:
            return _DIFFERS
        return _SAME if a_word == b_word else _SPELLING
    level = _key_level(a_key, b_key) if a_key < b_key else _key_level(b_key, a_key)
    # Folding can widen a slip (Лілія, Ллія: lila, la), or land it on another name's key
    # (Іанна for Іванна folds like Яна): as written, it is one letter. Unless both are
    # names as written (Лідія, Лілія), or the female and male forms of one.
    if (
        level < _TYPO
        and OSA.distance(a_word, b_word, score_cutoff=1) <= 1
        and not _sex_forms(a_key, b_key)
        and not (is_known_spelling(a_word) and is_known_spelling(b_word))
    ):
        return _TYPO
    return level


@lru_cache(maxsize=1_000_000)
def _key_level(a_key: str, b_key: str) -> int:
    # Called with the two keys in sorted order, so one cache entry serves both directions.
    if not a_key or not b_key or _sex_forms(a_key, b_key):
        return _DIFFERS
    if is_known_name(a_key) and is_known_name(b_key):
        # Ніна and Інна are one letter apart, and two names: not a slip.
        return _DIFFERS
    if ("-" in a_key or "-" in b_key) and set(a_key.split("-")) & set(b_key.split("-")):
        return _TYPO  # a double surname and one of its halves (Петренко-Коваль, Петренко)
    level = _slip_level(a_key, b_key)
    if level < _TYPO:
        # A slip in a Russian form (Влаимир) misses the table of forms; it is still one
        # letter from a Russian form of the other name (Владимир, of Володимир).
        for a_form in key_forms(a_key):
            for b_form in key_forms(b_key):
                if (a_form != a_key or b_form != b_key) and _slip_level(a_form, b_form) == _TYPO:
                    return _TYPO
    return level


def _slip_level(a: str, b: str) -> int:
    # Optimal string alignment: two letters swapped (Теятна) are one slip, not two.
    distance = OSA.distance(a, b, score_cutoff=3)
    if distance <= 1 and min(len(a), len(b)) >= 3:
        return _DIFFERS if _sex_forms(a, b) else _TYPO
    similarity = JaroWinkler.similarity(a, b)
    # Two edits are "near", not a typo: surnames share their endings (-енко, -чук), and
    # Гордієнко is two letters from Горденко, and from Харченко after folding.
    if distance <= 3 and min(len(a), len(b)) >= 4 and similarity >= 0.84:
        return _NEAR
    if similarity >= 0.7:
        return _FAR
    return _DIFFERS


def _sex_forms(a: str, b: str) -> bool:
    """Female and male forms of one name (Іван/Іванна, Ковальов/Ковальова, -ський/-ська).

    They are one letter apart, which would pass for a typo; they are different people."""
    if a + "a" == b or b + "a" == a:
        return True
    return len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "i"}


@dataclass(frozen=True, slots=True)
class _Names:
    family: str
    given: str
    patronymic: str
    family_key: str
    given_key: str
    patronymic_key: str
    # The names as `_words` writes them, for `_name_level`.
    family_words: str
    given_words: str
    patronymic_words: str


@lru_cache(maxsize=200_000)
def _names(family: str, given: str, patronymic: str) -> _Names:
    family, given, patronymic = family.strip(), given.strip(), patronymic.strip()
    if not patronymic:
        # "Людмила Іванівна" written in the given-name field: the patronymic is the last word.
        words = given.split()
        if len(words) >= 2 and name_key(words[-1]).endswith(_PATRONYMIC_ENDINGS):
            given, patronymic = " ".join(words[:-1]), words[-1]
    return _Names(
        family,
        given,
        patronymic,
        name_key(family),
        name_key(given),
        name_key(patronymic),
        _words(family),
        _words(given),
        _words(patronymic),
    )


def _record_names(record: Record) -> _Names:
    return _names(record.family, record.given, record.patronymic)


_FIELD_REASONS: Final = {
    "family": (FAMILY_NAME, FAMILY_NAME_SPELLING, FAMILY_NAME_TYPO, FAMILY_NAME_DIFFERS),
    "given": (GIVEN_NAME, GIVEN_NAME_SPELLING, GIVEN_NAME_TYPO, GIVEN_NAME_DIFFERS),
    "patronymic": (PATRONYMIC, PATRONYMIC_SPELLING, PATRONYMIC_TYPO, PATRONYMIC_DIFFERS),
}
# A name two slips apart is reported as a typo, with the typo's doubt left in the score.
_LEVEL_REASON: Final = {_SAME: 0, _SPELLING: 1, _TYPO: 2, _NEAR: 2, _FAR: 3, _DIFFERS: 3}
_LEVEL_POINTS: Final = {_SAME: 0, _SPELLING: 0, _TYPO: 1, _NEAR: 2, _FAR: 3, _DIFFERS: 4}
_FIELD_POINTS: Final = {
    "family": _FAMILY_POINTS,
    "given": _GIVEN_POINTS,
    "patronymic": _PATRONYMIC_POINTS,
}


def _field(field: str, level: int, reasons: list[str]) -> float:
    if field == "patronymic" and level == _NEAR:
        # Patronymics share their endings (-івна, -ович): two letters apart is another father.
        level = _DIFFERS
    reasons.append(_FIELD_REASONS[field][_LEVEL_REASON[level]])
    # A name written the same way is a little more than one that only folds the same
    # (Стахюк, and Стахчук which folds like it): enough to rank it first.
    exact = _EXACT_SPELLING if level == _SAME else 0.0
    return _FIELD_POINTS[field][_LEVEL_POINTS[level]] + exact


_EXACT_SPELLING: Final = 0.2
_NEARER_AS_WRITTEN: Final = 0.5


# --- the other fields ---------------------------------------------------------------------


def _birth(
    a: tuple[int | None, int | None, int | None],
    b: tuple[int | None, int | None, int | None],
    reasons: list[str],
) -> float:
    (ay, am, ad), (by, bm, bd) = a, b
    if ay is None or by is None:
        return 0.0
    month_day_known = None not in (am, ad, bm, bd)
    if ay != by:
        if month_day_known and (am, ad) == (bm, bd) and _one_digit_apart(ay, by):
            # 1957 typed as 1958 or 1967 with the day and month right: a typo, most likely.
            reasons.append(BIRTH_YEAR_DIFFERS)
            return -1.0
        reasons.append(BIRTH_DATE_DIFFERS)
        return -6.0
    if month_day_known:
        if (am, ad) == (bm, bd):
            reasons.append(BIRTH_DATE)
            return 5.0
        if am == bd and ad == bm:  # day and month swapped on one form
            reasons.append(BIRTH_YEAR)
            reasons.append(BIRTH_DATE_DIFFERS)
            return 0.5
        reasons.append(BIRTH_YEAR)
        reasons.append(BIRTH_DATE_DIFFERS)
        return -3.0
    if am is not None and bm is not None and am != bm:
        reasons.append(BIRTH_YEAR)
        reasons.append(BIRTH_DATE_DIFFERS)
        return -3.0
    reasons.append(BIRTH_YEAR)
    return 1.5


def _one_digit_apart(a: int, b: int) -> bool:
    sa, sb = str(a), str(b)
    return len(sa) == len(sb) and sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


def _document_kind(number: str) -> tuple[int, int]:
    # "АА123456" (old passport), "123456789" (ID card), "1234567890" (tax number): the kind is
    # told by how many letters lead and how long the number is.
    letters = len(number) - len(number.lstrip("".join(c for c in number if not c.isdigit())))
    return letters, len(number)


def _documents(a: tuple[str, ...], b: tuple[str, ...], reasons: list[str]) -> float:
    if not a or not b:
        return 0.0
    if set(a) & set(b):
        reasons.append(DOCUMENT)
        return 8.0
    if any(_document_slip(x, y) for x in a for y in b):
        # A number one keystroke from the other's is far likelier a slip of the pen than
        # another person's: of the numbers of its length only a few dozen are that near.
        reasons.append(DOCUMENT_TYPO)
        return _DOCUMENT_TYPO_POINTS
    if {_document_kind(d) for d in a} & {_document_kind(d) for d in b}:
        reasons.append(DOCUMENT_DIFFERS)
        return -3.0
    return 0.0


_DOCUMENT_TYPO_POINTS: Final = 4.0
# Shorter numbers (a bank card's last digits, a flat number typed in by mistake) are too
# easily one keystroke from another person's.
_DOCUMENT_SLIP_LENGTH: Final = 6


def _document_slip(a: str, b: str) -> bool:
    """Whether two numbers are one keystroke apart: one character typed wrong, two swapped
    (optimal string alignment), one left out or doubled."""
    if min(len(a), len(b)) < _DOCUMENT_SLIP_LENGTH or abs(len(a) - len(b)) > 1:
        return False
    return OSA.distance(a, b, score_cutoff=1) <= 1


def _phone(a: str, b: str, reasons: list[str]) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        # Households share one phone, so a shared number is weaker than a document.
        reasons.append(PHONE)
        return 2.0
    reasons.append(PHONE_DIFFERS)
    return -0.5


@dataclass(frozen=True, slots=True)
class _Address:
    numbers: frozenset[str]  # house, flat, postcode
    words: tuple[str, ...]  # street, district, locality: the words that tell places apart
    letters: str  # every letter, without spaces: "lubum a place" holds "lubumaplace"


# Words every address has, which tell no two places apart (types of street and settlement,
# in Ukrainian, Russian and English, with their abbreviations).
_ADDRESS_WORDS: Final = frozenset(
    {
        "вул", "вулиця", "улица", "просп", "проспект", "пров", "провулок", "пер", "переулок",
        "бул", "бульвар", "площа", "площадь", "шосе", "шоссе", "наб", "набережна",
        "набережная", "буд", "будинок", "дом", "квартира", "корп", "корпус", "під", "їзд",
        "подъезд", "місто", "город", "смт", "село", "селище", "поселок", "пос", "обл",
        "область", "район", "str", "street", "road", "avenue", "ave", "lane", "place",
        "crescent", "cres", "close", "circuit", "drive", "court", "parade", "terrace", "way",
        "the",
    }
)  # fmt: skip
_ADDRESS_TOKEN: Final = re.compile(r"[^\W_]+")


@lru_cache(maxsize=100_000)
def _address(text: str) -> _Address:
    numbers: set[str] = set()
    words: list[str] = []
    tokens = _ADDRESS_TOKEN.findall(text.casefold())
    for token in tokens:
        if any(c.isdigit() for c in token):
            numbers.add(token.lstrip("0") or "0")
        elif len(token) >= 3 and token not in _ADDRESS_WORDS:
            words.append(token)
    letters = "".join(t for t in tokens if t.isalpha())
    return _Address(frozenset(numbers), tuple(dict.fromkeys(words)), letters)


def _same_address(a_text: str, b_text: str) -> bool:
    """Whether two addresses as written are one: every house and flat number of the one
    written with fewer agrees (a postcode may be a keystroke off), and most of its street and
    place words are found in the other (a word may be a keystroke off, or split or run
    together with the next). A street alone is not an address: neighbours share it."""
    a, b = _address(a_text), _address(b_text)
    if not a.numbers or not b.numbers or not a.words or not b.words:
        return False
    return _fewer_first(_numbers_within, a, b, len(a.numbers), len(b.numbers)) and _fewer_first(
        _words_within, a, b, len(a.words), len(b.words)
    )


def _fewer_first(
    within: Callable[[_Address, _Address], bool], a: _Address, b: _Address, a_has: int, b_has: int
) -> bool:
    # The address written with fewer parts must be found in the other; either way round when
    # both have as many (so that comparing stays symmetric).
    if a_has != b_has:
        return within(a, b) if a_has < b_has else within(b, a)
    return within(a, b) or within(b, a)


def _numbers_within(few: _Address, many: _Address) -> bool:
    return all(
        len(number) >= 4
        and any(
            len(number) == len(other) and OSA.distance(number, other, score_cutoff=1) <= 1
            for other in many.numbers
        )
        for number in few.numbers - many.numbers
    )


def _words_within(few: _Address, many: _Address) -> bool:
    found = sum(
        word in many.letters
        or any(
            len(word) >= 4 and OSA.distance(word, other, score_cutoff=1) <= 1
            for other in many.words
        )
        for word in few.words
    )
    return 2 * found > len(few.words)


def _address_points(a: Record, b: Record, reasons: list[str]) -> float:
    if a.household and a.household == b.household:
        return 0.0  # the household's address, which its members share
    if not _same_address(a.address, b.address):
        # People move, the displaced most of all: another address says nothing.
        return 0.0
    reasons.append(ADDRESS)
    return _ADDRESS_POINTS


# One household's address: as a shared phone, a little more since a phone may be a relative's
# abroad, but shared by everyone of the household.
_ADDRESS_POINTS: Final = 2.5


def _sigmoid(points: float) -> float:
    return 1.0 / (1.0 + math.exp(-(points - _BIAS)))


# --- compare ------------------------------------------------------------------------------


def compare(a: Record, b: Record) -> Match:
    """How likely `a` and `b` are the same person; symmetric in `a` and `b`."""
    return _compare(a, _record_names(a), b, _record_names(b))


def _compare(a: Record, an: _Names, b: Record, bn: _Names) -> Match:
    return _compare_levels(a, an, b, bn, *_name_levels(an, bn))


def _name_levels(an: _Names, bn: _Names) -> tuple[int, int, bool]:
    """The levels of the family and the given name, and whether they agree better swapped."""
    family_level = _name_level(an.family_words, an.family_key, bn.family_words, bn.family_key)
    given_level = _name_level(an.given_words, an.given_key, bn.given_words, bn.given_key)
    if family_level + given_level < 2 * _TYPO:
        swapped_family = _name_level(an.family_words, an.family_key, bn.given_words, bn.given_key)
        swapped_given = _name_level(an.given_words, an.given_key, bn.family_words, bn.family_key)
        if swapped_family + swapped_given > family_level + given_level + 2:
            return swapped_family, swapped_given, True
    return family_level, given_level, False


def _compare_levels(
    a: Record, an: _Names, b: Record, bn: _Names, family_level: int, given_level: int, swapped: bool
) -> Match:
    reasons: list[str] = [NAMES_SWAPPED] if swapped else []
    family_known, given_known = _names_known(an, bn, swapped)
    # Each field's points, for and against.
    parts: list[float] = []
    # A name one record leaves out is neither for nor against, as a patronymic left out.
    if family_known:
        parts.append(_field("family", family_level, reasons))
    if given_known:
        parts.append(_field("given", given_level, reasons))
    if an.patronymic_key and bn.patronymic_key:
        level = _name_level(
            an.patronymic_words, an.patronymic_key, bn.patronymic_words, bn.patronymic_key
        )
        parts.append(_field("patronymic", level, reasons))
    birth_a = (a.birth_year, a.birth_month, a.birth_day)
    birth_b = (b.birth_year, b.birth_month, b.birth_day)
    parts.append(_birth(birth_a, birth_b, reasons))
    if a.documents and b.documents:
        parts.append(_documents(a.documents, b.documents, reasons))
    if a.phone and b.phone:
        parts.append(_phone(a.phone, b.phone, reasons))
    if a.address and b.address:
        parts.append(_address_points(a, b, reasons))
    if a.sex and b.sex and a.sex != b.sex:
        reasons.append(SEX_DIFFERS)
        parts.append(-4.0)
    points = _total(parts, reasons)
    if not a.household or a.household != b.household:
        return Match(round(_sigmoid(points), 4), _ordered(reasons))
    if DOCUMENT not in reasons and (
        given_level == _DIFFERS
        or (given_level < _TYPO and BIRTH_DATE not in reasons and BIRTH_YEAR not in reasons)
    ):
        # Two members of one household share a surname, an address and often a phone, twins
        # a birth date too: unless the given names are alike (one a slip of the other) and
        # the birth year agrees or is missing from one, they are two people. Two different
        # names of the table are never alike (twins Марія and Марина, two letters apart, see
        # _key_level).
        reasons.append(SAME_HOUSEHOLD)
        return Match(round(min(_sigmoid(points), 0.05), 4), _ordered(reasons))
    # Alike in one household: registered twice in it. Namesakes elsewhere are many in a
    # region, in one household they are the same person.
    reasons.append(HOUSEHOLD)
    return Match(round(_sigmoid(points + _HOUSEHOLD_POINTS), 4), _ordered(reasons))


_HOUSEHOLD_POINTS: Final = 2.5


def _total(parts: list[float], reasons: list[str]) -> float:
    """The points of all fields. A passport or tax number is one person's: when both records
    carry the same, a field that differs is likelier a slip at one desk than another person,
    and counts half against."""
    if DOCUMENT not in reasons:
        return sum(parts)
    return sum(part if part > 0 else part * _AGAINST_ONE_DOCUMENT for part in parts)


_AGAINST_ONE_DOCUMENT: Final = 0.5


def _names_known(an: _Names, bn: _Names, swapped: bool) -> tuple[bool, bool]:
    """Whether both records give the family name, and the given name (read crosswise when
    the names are swapped)."""
    if swapped:
        return bool(an.family_key and bn.given_key), bool(an.given_key and bn.family_key)
    return bool(an.family_key and bn.family_key), bool(an.given_key and bn.given_key)


def _ordered(reasons: list[str]) -> tuple[str, ...]:
    agree = [r for r in reasons if r in MATCH_REASONS]
    differ = [r for r in reasons if r not in MATCH_REASONS]
    return tuple(dict.fromkeys(agree + differ)) if differ else tuple(dict.fromkeys(agree))


# --- blocking keys ------------------------------------------------------------------------


def _name_block_keys(
    family_key: str, given_key: str, patronymic_key: str, year: int | None
) -> Iterator[str]:
    """The name keys of one (family, given, patronymic) reading of a record or a query.

    n: both name keys in sorted order: spelling variants, and names swapped between fields.
    y: the same with the birth year: splits the blocks of common names in batch.
    t: one name key whole, with the first or the last two letters of the other, and the year:
       one typo in one name leaves one end of it intact. Made for both names either way round,
       so that a typo and a swap together still share a key.
    e:, g: the patronymic key with the family key, or with the given key and the first letter
       of the family key: a typo in one name when no birth year is known."""
    y = "" if year is None else str(year)
    if family_key and given_key:
        low, high = sorted((family_key, given_key))
        yield f"n:{low}|{high}"
        if y:
            yield f"y:{low}|{high}|{y}"
        for whole, other in ((family_key, given_key), (given_key, family_key)):
            yield f"t:{whole}|{other[:2]}|{y}"
            yield f"t:{whole}|{other[-2:]}|{y}"
    if patronymic_key and family_key:
        yield f"e:{family_key}|{patronymic_key}"
        if given_key:
            yield f"g:{given_key}|{patronymic_key}|{family_key[:1]}"


def index_keys(record: Record) -> set[str]:
    """The blocking keys a record is stored under (about ten, each a short string)."""
    return _index_keys(record, _record_names(record))


def _index_keys(record: Record, names: _Names) -> set[str]:
    keys = set(
        _name_block_keys(names.family_key, names.given_key, names.patronymic_key, record.birth_year)
    )
    keys.update(f"d:{number}" for number in record.documents if number)
    if record.phone:
        keys.add(f"p:{record.phone}")
    return keys


# --- queries ------------------------------------------------------------------------------

_DATE_DMY: Final = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_DATE_YMD: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YEAR: Final = re.compile(r"^(19|20)\d\d$")
_PHONE: Final = re.compile(r"(?<![\w])(\+?\d[\d \-()]{7,}\d)(?![\w])")
_DOC_SERIES: Final = re.compile(r"(?<!\w)([A-Za-zА-ЯҐЄІЇа-яґєії]{2})\s?(\d{6})(?!\w)")
# Passport series are Cyrillic; a Latin keyboard types the look-alikes.
_LATIN_LOOKALIKES: Final = str.maketrans("ABCEHIKMOPTX", "АВСЕНІКМОРТХ")
# A name may hold an apostrophe in any of its typed forms, BGN/PCGN's " and ʹ among them.
_NAME_TOKEN: Final = re.compile(r"[^\W\d_]+(?:['’ʼ`‘´′ʹ\"”·\-][^\W\d_]+)*")


def _normalise_document(series: str, number: str) -> str:
    return series.upper().translate(_LATIN_LOOKALIKES) + number


def _normalise_phone(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    if text.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("380") and len(digits) == 12:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10:
        return "+38" + digits
    return ""


def parse_query(text: str) -> Query:
    """Read a search line: names in any order and script, a birth date or year, a phone
    number, a document number ("Петренко Людмила 1957", "+380 67 123 45 67", "АА 123456")."""
    text = " ".join(text.split())
    phone = ""
    document = ""
    series = _DOC_SERIES.search(text)
    if series:
        document = _normalise_document(series.group(1), series.group(2))
        text = text[: series.start()] + " " + text[series.end() :]
    for match in _PHONE.finditer(text):
        candidate = match.group(1)
        if _DATE_YMD.match(candidate.strip()):
            continue
        number = _normalise_phone(candidate)
        if number:
            phone = number
            text = text.replace(candidate, " ")
            break
    year: int | None = None
    month: int | None = None
    day: int | None = None
    names: list[str] = []
    for token in text.split():
        token = token.strip(",;")
        if dmy := _DATE_DMY.match(token):
            day, month, year = int(dmy.group(1)), int(dmy.group(2)), int(dmy.group(3))
        elif ymd := _DATE_YMD.match(token):
            year, month, day = int(ymd.group(1)), int(ymd.group(2)), int(ymd.group(3))
        elif _YEAR.match(token):
            year = int(token)
        elif token.isdigit() and len(token) in (9, 10) and not document:
            document = token  # ID card (9 digits) or tax number (10)
        else:
            names.extend(_NAME_TOKEN.findall(token))
    if month is not None and not 1 <= month <= 12:
        month = day = None
    return Query(tuple(names), year, month, day, phone, document)


def query_keys(query: Query) -> set[str]:
    """The index keys to look up for a query: every name read as the family name with every
    other as the given name (names come in any order), with and without the year."""
    keys: set[str] = set()
    name_keys = list(dict.fromkeys(k for k in (name_key(n) for n in query.names) if k))
    for family_key, given_key in permutations(name_keys, 2):
        keys.update(_name_block_keys(family_key, given_key, "", query.birth_year))
    for family_key, given_key, patronymic_key in permutations(name_keys, 3):
        keys.update(_name_block_keys(family_key, given_key, patronymic_key, query.birth_year))
    if query.document:
        keys.add(f"d:{query.document}")
    if query.phone:
        keys.add(f"p:{query.phone}")
    return keys


def score_query(query: Query, record: Record) -> Match:
    """How well one record answers a search. The query's names may stand in any order."""
    names = _record_names(record)
    fields = [
        (field, words, key)
        for field, words, key in (
            ("family", names.family_words, names.family_key),
            ("given", names.given_words, names.given_key),
            ("patronymic", names.patronymic_words, names.patronymic_key),
        )
        if key
    ]
    typed = [(_words(n), k) for n, k in ((n, name_key(n)) for n in query.names) if k][:4]
    # Place each typed name on a field or on none, keep the placement with the most points.
    levels = [[_name_level(words, key, f[1], f[2]) for f in fields] for words, key in typed]
    for t, (words, _key) in enumerate(typed):
        cyrillic = _is_cyrillic(words)
        for slot, field in enumerate(fields):
            if (
                levels[t][slot] in (_TYPO, _NEAR)
                and _is_cyrillic(field[1]) != cyrillic
                and _spelt_as(words, field[1])
            ):
                # Typed exactly as a romanisation writes the record's name, it is a spelling
                # whatever the keys say (Vlaschuk is Власчук in the passport's system; the key
                # reads "sch" as щ, the German way).
                levels[t][slot] = _SPELLING
    points_of = [
        [_placed_points(f[0], level) for f, level in zip(fields, row, strict=True)]
        for row in levels
    ]
    best_points = 0.0
    best: tuple[int, ...] = ()
    if typed:
        best_points = -math.inf
        for placement in _placements(len(typed), len(fields)):
            total = 0.0
            for t, slot in enumerate(placement):
                total += _UNPLACED_NAME if slot < 0 else points_of[t][slot]
            if total > best_points:
                best_points, best = total, placement
    reasons: list[str] = []
    points = best_points
    for t, slot in enumerate(best):
        level = levels[t][slot] if slot >= 0 else _DIFFERS
        if level == _DIFFERS:
            continue
        _field(fields[slot][0], level, reasons)
        if level in (_TYPO, _NEAR):
            # Of two names a slip from what was typed, the one nearer as written first
            # (Цпчук: Цапчук before Захук, which folds as near; miornchuk: Мирончук, whose
            # Latin is Mironchuk, before Гончюк).
            points += _NEARER_AS_WRITTEN * _written_similarity(typed[t][0], fields[slot][1])
        elif (
            level == _SPELLING
            and _is_cyrillic(typed[t][0]) != _is_cyrillic(fields[slot][1])
            and _spelt_as(typed[t][0], fields[slot][1])
        ):
            # Typed exactly as a romanisation writes the name (Vakuliuk: Вакулюк), which is
            # more than a name that only folds like it (Вакулук): as for a name written the
            # same way in one script.
            points += _EXACT_SPELLING
    birth_q = (query.birth_year, query.birth_month, query.birth_day)
    points += _birth(birth_q, (record.birth_year, record.birth_month, record.birth_day), reasons)
    if query.document:
        points += _documents((query.document,), record.documents, reasons)
    if query.phone:
        points += _phone(query.phone, record.phone, reasons)
    return Match(round(_sigmoid(points), 4), _ordered(reasons))


_WRITTEN_SYSTEMS: Final = UKRAINIAN_SYSTEMS + RUSSIAN_SYSTEMS
_is_cyrillic: Final = lru_cache(maxsize=1 << 16)(is_cyrillic)


@lru_cache(maxsize=1 << 18)
def _spelt_as(typed: str, written: str) -> bool:
    """Whether a name in Latin is exactly how a romanisation writes one in Cyrillic."""
    one, forms = _in_one_script(typed, written)
    return one in forms


@lru_cache(maxsize=1 << 18)
def _written_similarity(typed: str, written: str) -> float:
    """How alike two names look as written (Jaro-Winkler, 1.0: the same), a name in Cyrillic
    and one in Latin compared through the Cyrillic one's romanisations, the nearest of them:
    "vakuliuk" is exactly Вакулюк (KMU-55), "dzyubuk" exactly Дзюбук (BGN/PCGN)."""
    one, forms = _in_one_script(typed, written)
    return max(JaroWinkler.similarity(one, form) for form in forms)


def _in_one_script(a: str, b: str) -> tuple[str, tuple[str, ...]]:
    """Two names folded, to compare in one script: one of them, and the ways the other is
    written in its script (the other itself, or the Cyrillic one's romanisations)."""
    a, b = fold(a), fold(b)
    a_cyrillic = _is_cyrillic(a)
    if a_cyrillic == _is_cyrillic(b):
        return a, (b,)
    latin, cyrillic = (b, a) if a_cyrillic else (a, b)
    return latin, _romanisations(cyrillic)


@lru_cache(maxsize=1 << 16)
def _romanisations(name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fold(romanise_as(name, system)) for system in _WRITTEN_SYSTEMS))


def _placed_points(field: str, level: int) -> float:
    # A typed name that matches nothing on its field counts as one placed nowhere.
    if level == _DIFFERS:
        return _UNPLACED_NAME
    return _field(field, level, [])


@lru_cache(maxsize=64)
def _placements(names: int, fields: int) -> tuple[tuple[int, ...], ...]:
    """Every way to put `names` typed names on distinct fields (-1: on none)."""
    slots = list(range(fields)) + [-1] * names
    return tuple(sorted(set(permutations(slots, names))))


# --- in memory ----------------------------------------------------------------------------


class SearchIndex:
    """Records held in memory under their index keys: for the benchmark and the tests. The web
    app keeps the same keys in a database table instead.

    A search first looks up the query's keys. When that finds nobody who answers well, it
    corrects each typed name to the names the registry holds within two edits (through a
    table of every name key with one letter deleted, as SymSpell does) and looks again: this
    finds "Ввасук Наталія" without a birth year, which no key of the query shares."""

    def __init__(self, records: Iterable[Record]) -> None:
        self._records: list[Record] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._deletions: dict[str, list[str]] = defaultdict(list)
        # name key -> how many records bear it, as a family or a given name
        self._bearers: dict[str, int] = defaultdict(int)
        for record in records:
            position = len(self._records)
            self._records.append(record)
            for key in index_keys(record):
                self._postings[key].append(position)
            names = _record_names(record)
            self._bearers[names.family_key] += 1
            self._bearers[names.given_key] += 1
        self._bearers.pop("", None)
        for word in self._bearers:
            for variant in deletions(word):
                self._deletions[variant].append(word)

    def __len__(self) -> int:
        return len(self._records)

    def search(self, text: str, limit: int = 10) -> list[tuple[Record, Match]]:
        """The records that best answer `text`, best first."""
        query = parse_query(text)
        keys = query_keys(query)
        # The names with the year (or without, when none was typed), a document, a phone: the
        # small blocks first, and the typo keys only when they find nobody who answers well.
        exact = "y:" if query.birth_year is not None else "n:"
        first = {key for key in keys if key.startswith((exact, "d:", "p:"))}
        found = self._answer(query, first, limit)
        if not found or found[0][1].score < CONFIDENT:
            found = self._answer(query, keys, limit, max_posting=MAX_POSTING // 3)
        if (not found or found[0][1].score < CONFIDENT) and len(query.names) >= 2:
            corrected = self._answer(
                query,
                corrected_keys(query, self._corrections),
                limit,
                max_posting=MAX_POSTING // 3,
            )
            seen = {id(record) for record, _match in found}
            found.extend(pair for pair in corrected if id(pair[0]) not in seen)
            found.sort(key=lambda pair: -pair[1].score)
            del found[limit:]
        return found

    def _answer(
        self, query: Query, keys: Iterable[str], limit: int, max_posting: int = MAX_POSTING
    ) -> list[tuple[Record, Match]]:
        candidates: set[int] = set()
        for key in keys:
            posting = self._postings.get(key)
            # A typo key shared by many (a common given name with -ko and a year) is left
            # out: its records would cost more time than they are likely to be the answer.
            if posting is not None and len(posting) <= max_posting:
                candidates.update(posting)
        # The records of one key are mostly namesakes: those alike in all that the query asks
        # about (no birth date asked: only the names) are scored once.
        dated, documented, phoned = (
            query.birth_year is not None,
            bool(query.document),
            bool(query.phone),
        )
        scores: dict[tuple[object, ...], Match] = {}
        scored: list[tuple[Match, int]] = []
        for i in candidates:
            record = self._records[i]
            alike = (
                record.family,
                record.given,
                record.patronymic,
                (record.birth_year, record.birth_month, record.birth_day) if dated else None,
                record.documents if documented else None,
                record.phone if phoned else None,
            )
            match = scores.get(alike)
            if match is None:
                match = scores[alike] = score_query(query, record)
            scored.append((match, i))
        best = heapq.nlargest(limit, scored, key=lambda pair: (pair[0].score, -pair[1]))
        return [(self._records[i], match) for match, i in best]

    def _corrections(self, keys: list[str]) -> list[list[str]]:
        return [
            nearest_names(
                key,
                (word for variant in deletions(key) for word in self._deletions.get(variant, ())),
                self._bearers.get,
            )
            for key in keys
        ]


def corrected_keys(query: Query, corrections: Callable[[list[str]], list[list[str]]]) -> set[str]:
    """The keys of the query's names, each typed name replaced by each of its corrections
    (`corrections` of the typed name keys: for each, the names a registry holds near it,
    `nearest_names`), with the typed year if any: what a search looks up when the typed names'
    own keys find nobody who answers well."""
    typed = list(dict.fromkeys(k for k in (name_key(n) for n in query.names) if k))[:3]
    spellings = corrections(typed)
    year = "" if query.birth_year is None else f"|{query.birth_year}"
    keys: set[str] = set()
    for x, y in permutations(range(len(typed)), 2):
        for family_key in spellings[x]:
            for given_key in spellings[y]:
                low, high = sorted((family_key, given_key))
                keys.add(f"n:{low}|{high}")
                if year:
                    # The names with the year typed: Павленко Олександр alone is too
                    # common a block to read, Павленко Олександр 1944 is a few people.
                    keys.add(f"y:{low}|{high}{year}")
    return keys


def nearest_names(key: str, near: Iterable[str], bearers: Callable[[str], int | None]) -> list[str]:
    """`key`, then the names of `near` (those sharing a `deletions` variant with it) within
    two edits of it (two letters swapped are one): the nearest first and, as near, the names
    more records bear (a slip in Павленко is likelier than a name borne once, itself a slip
    of another); at most `_CORRECTIONS` of them."""
    others = set(near)
    others.discard(key)
    ranked = sorted(
        (OSA.distance(key, word, score_cutoff=2), -(bearers(word) or 0), word) for word in others
    )
    return [key] + [word for distance, _, word in ranked if distance <= 2][:_CORRECTIONS]


def name_variants(record: Record) -> set[tuple[str, str]]:
    """(variant, key) for the record's family and given name keys and each of their
    `deletions`: the table a search looks a typed name's variants up in."""
    names = _record_names(record)
    return {
        (variant, key)
        for key in (names.family_key, names.given_key)
        if key
        for variant in deletions(key)
    }


# A search that finds someone scoring this well does not look for misspellings: both names
# agreeing, with nothing else known, score about 0.38.
CONFIDENT: Final = 0.35
# How many corrections of one typed name a search tries.
_CORRECTIONS: Final = 6


def deletions(word: str) -> set[str]:
    """`word` and every string made by deleting one of its letters."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


# Keys that pair only records of which at least one has no birth year: for the others the
# keys with the year (y:, t:) already pair them, in far smaller blocks.
_UNDATED_ONLY: Final = ("n:", "e:", "g:")


def find_duplicates(
    records: Iterable[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    processes: int = 1,
    apart: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str, Match]]:
    """Pairs of records that are likely one person, (id_a, id_b, match) with id_a < id_b,
    best first.

    Unlike `compare`, the batch knows how common a name is: two records that agree on a name
    borne by many in the batch say less than two that agree on a rare one, so the score is
    moved by the log of how many records share the name (`_name_frequency_points`). And a
    large batch learns from its own pairs how much its documents and addresses say and how
    often a field of a record they vouch for is retyped wrong (`_learned_points`).

    Given `processes` > 1 on a machine with several cores (and `fork`), and a large batch,
    the work is shared out among up to that many processes, which hand each other what
    they made (`_Exchange`): each makes the keys of its part of the records and hands each
    key to the process its hash falls to; each pairs the records of its keys and hands each
    candidate pair to the one process that compares it; all learn from the counts of every
    process's pairs, so several processes give what one gives. Blocks are held by the hash of
    their key, and a block of one record by the bare record number, so a million records fit
    in about three gigabytes."""
    # The batch makes millions of small objects and no reference cycles: without the cyclic
    # collector walking them all again and again (and, in a forked worker, copying every page
    # it walks), a million records take two thirds of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _find_duplicates(list(records), threshold, processes, set(apart))
    finally:
        if collecting:
            gc.enable()


def _find_duplicates(
    items: list[Record], threshold: float, processes: int, apart: set[tuple[str, str]]
) -> list[tuple[str, str, Match]]:
    # The names of each record, made once (past the cache, which a batch of mostly different
    # names would only churn).
    made = _names.__wrapped__
    prepared = [made(record.family, record.given, record.patronymic) for record in items]
    work = _Batch(items, prepared, threshold)
    if len(items) >= _LEAST_LEARNED_PAIRS:
        work.unlike()  # before any fork: each process reads the same
    unique = {(a, b): match for a, b, match in _find_in_parallel(work, processes)}
    for pair in apart:
        unique.pop(pair, None)
    found = [(a, b, match) for (a, b), match in unique.items()]
    found.sort(key=lambda row: (-row[2].score, row[0], row[1]))
    found += _link(found, items, apart)
    found.sort(key=lambda row: (-row[2].score, row[0], row[1]))
    return found


# Records of one person the batch links through others: at most this many (a person
# registered ten times over is a case for a coordinator, not for a chain of likenesses).
MAX_LINKED: Final = 8
# Two records are not linked through others when on their own they score below this, or
# are told apart as two members of one household: they are different people.
_LINK_FLOOR: Final = 0.02


def _link(
    found: list[tuple[str, str, Match]], items: list[Record], apart: set[tuple[str, str]]
) -> list[tuple[str, str, Match]]:
    """The pairs that `found` implies and does not hold: a-c, when a-b and b-c were found.

    Pairs are taken best first, each joining the groups of its two records, unless some
    record of one group and some record of the other are, compared on their own, plainly two
    people (`_LINK_FLOOR`), were decided to be (`apart`), or the group would grow past
    `MAX_LINKED`: a chain of namesakes, each like the next, is not one person. A pair linked
    so has the score of the pair that joined the groups, its own reasons and `LINKED`."""
    if not found:
        return []
    named = {id_ for a, b, _match in found for id_ in (a, b)}
    by_id = {record.id: record for record in items if record.id in named}
    known = {(a, b) for a, b, _match in found}
    group: dict[str, list[str]] = {}  # record id -> the (shared) list of its group
    linked: list[tuple[str, str, Match]] = []
    for a, b, match in found:
        ours, theirs = group.get(a, [a]), group.get(b, [b])
        if ours is theirs or len(ours) + len(theirs) > MAX_LINKED:
            continue
        implied = _implied(ours, theirs, match.score, by_id, known, apart)
        if implied is None:
            continue
        ours.extend(theirs)
        for record_id in ours:
            group[record_id] = ours
        linked += implied
    return linked


def _implied(
    ours: list[str],
    theirs: list[str],
    score: float,
    by_id: dict[str, Record],
    known: set[tuple[str, str]],
    apart: set[tuple[str, str]],
) -> list[tuple[str, str, Match]] | None:
    """The pairs joining two groups would imply, or None if two of their records are two
    people."""
    implied: list[tuple[str, str, Match]] = []
    for x in ours:
        for y in theirs:
            pair = (x, y) if x < y else (y, x)
            if pair in known:
                continue
            if pair in apart:
                return None
            alone = compare(by_id[pair[0]], by_id[pair[1]])
            if alone.score < _LINK_FLOOR or SAME_HOUSEHOLD in alone.reasons:
                return None
            implied.append((*pair, Match(score, (LINKED, *alone.reasons))))
    return implied


@dataclass(slots=True)
class _Batch:
    items: list[Record]
    prepared: list[_Names]
    threshold: float
    # hash(names, year) -> how many records bear those names: counted by each process once it
    # has paired its records (so that processes count at the same time, not one before all).
    counted: Counter[int] | None = None
    # u of each level for the weights learned (`_unlike`), made once for all processes.
    unlike_made: _Unlike | None = None

    def unlike(self) -> _Unlike:
        if self.unlike_made is None:
            self.unlike_made = _unlike(self.items, self.prepared)
        return self.unlike_made

    def name_counts(self) -> Counter[int]:
        if self.counted is None:
            self.counted = Counter()
            for record, names in zip(self.items, self.prepared, strict=True):
                self.counted.update(_name_count_keys(names, record.birth_year))
        return self.counted


@dataclass(slots=True)
class _Exchange:
    """How the processes of one batch hand each other what one found and another needs: a
    folder of files, and a barrier at which each waits for the others' files."""

    folder: str
    barrier: Any  # multiprocessing's Barrier, of the fork context
    shares: int
    # How many times this process has swapped (each process counts its own, in step).
    rounds: int = 0

    def swap(self, share: int, outgoing: list[bytes]) -> list[bytes]:
        """Hands `outgoing[other]` to each other process, waits until every process has
        handed its own, and returns what each other process handed this one."""
        self.rounds += 1
        for receiver in range(self.shares):
            if receiver != share:
                with open(self._path(share, receiver), "wb") as out:
                    out.write(outgoing[receiver])
        self.barrier.wait(_EXCHANGE_TIMEOUT)
        incoming: list[bytes] = []
        for sender in range(self.shares):
            if sender != share:
                path = self._path(sender, share)
                with open(path, "rb") as given:
                    incoming.append(given.read())
                os.remove(path)
        return incoming

    def _path(self, sender: int, receiver: int) -> str:
        return os.path.join(self.folder, f"{self.rounds}-{sender}-{receiver}")


# The batch being compared, for worker processes forked from this one to read (a fork shares
# the parent's memory; pickling a million records to each worker would not fit in 4 GB).
_FORKED_BATCH: _Batch | None = None
_FORKED_EXCHANGE: _Exchange | None = None
# Below this many records, starting another process costs more than it saves.
_PARALLEL_RECORDS: Final = 100_000
# A process waits this long at most for the others at each swap (one killed for lack of
# memory would otherwise leave the rest waiting for ever), and then this long for a failed
# worker's own error.
_EXCHANGE_TIMEOUT: Final = 3600.0
_WORKER_ERROR_WAIT: Final = 60.0


def _find_in_parallel(work: _Batch, processes: int) -> list[tuple[str, str, Match]]:
    """One process unless asked for more: forking a threaded process (a web server serving
    the "check now" button) can copy a lock another thread held and hang the child, so only
    a command run on its own asks for processes."""
    global _FORKED_BATCH, _FORKED_EXCHANGE
    shares = min(processes, os.cpu_count() or 1, 4)
    if (
        shares < 2
        or len(work.items) < _PARALLEL_RECORDS
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _find_share(work, 0, 1)
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="hromada-batch-") as folder:
        _FORKED_BATCH = work
        _FORKED_EXCHANGE = exchange = _Exchange(folder, context.Barrier(shares), shares)
        try:
            # As many workers as tasks: each takes one, and waits at the barrier for the rest.
            with context.Pool(shares - 1) as pool:
                others = [
                    pool.apply_async(_find_forked_share, (share, shares))
                    for share in range(1, shares)
                ]
                try:
                    found = _find_share(work, 0, shares, exchange)
                except threading.BrokenBarrierError:
                    # A worker failed and broke the barrier: its own error says why. One
                    # killed outright says nothing, and the broken barrier is the error.
                    for other in others:
                        with contextlib.suppress(multiprocessing.TimeoutError):
                            other.get(_WORKER_ERROR_WAIT)
                    raise
                except BaseException:
                    exchange.barrier.abort()  # the workers stop waiting for this process
                    raise
                for other in others:
                    found.extend(other.get())
        finally:
            _FORKED_BATCH = _FORKED_EXCHANGE = None
    return found


def _find_forked_share(share: int, shares: int) -> list[tuple[str, str, Match]]:
    # Both set by the parent before the fork.
    assert _FORKED_BATCH is not None and _FORKED_EXCHANGE is not None  # noqa: S101
    try:
        return _find_share(_FORKED_BATCH, share, shares, _FORKED_EXCHANGE)
    except BaseException:
        _FORKED_EXCHANGE.barrier.abort()  # the others stop waiting for this one
        raise


def _exchange_pairs(pairs: set[int], share: int, exchange: _Exchange) -> set[int]:
    """The candidate pairs this process compares: of those found by any process, each pair
    falls to one process by its number. Two records sharing keys in two shares would
    otherwise be compared in both (a third of the pairs at a million records)."""
    shares = exchange.shares
    fallen: list[array[int]] = [array("q") for _ in range(shares)]
    for pair in pairs:
        # Mixed (Knuth's multiplicative hash): a pair's number alone would send every pair of
        # neighbouring records, as a list registered twice in turn holds, to one process.
        fallen[((pair * 2654435761) >> 20) % shares].append(pair)
    mine = set(fallen[share])
    for given in exchange.swap(share, [numbers.tobytes() for numbers in fallen]):
        mine.update(array("q", given))
    return mine


def _exchange_counts(
    counts: dict[Pattern, int], share: int, exchange: _Exchange
) -> dict[Pattern, int]:
    """The counts of each pattern over the candidate pairs of every process, so that each
    learns the same weights from the same pairs as one process alone would."""
    ours = json.dumps([[list(pattern), n] for pattern, n in counts.items()]).encode()
    total = Counter(counts)
    for given in exchange.swap(share, [ours] * exchange.shares):
        for pattern, n in json.loads(given):
            total[tuple(pattern)] += n
    return dict(total)


# The tables of blocks of the batch, by how they pair their members (see `_find_share`), and
# the kinds of undated-only keys in the order of their tables (last).
_DATED_TABLE, _TYPO_TABLE, _GIVEN_DATED_TABLE, _PHONE_TABLE, _HOUSEHOLD_TABLE = range(5)
_UNDATED_KINDS: Final = ("n", "e", "g")
_UNDATED_TABLE: Final = {kind: 5 + n for n, kind in enumerate(_UNDATED_KINDS)}
_TABLES: Final = 5 + len(_UNDATED_KINDS)


def _share_entries(
    work: _Batch, share: int, shares: int, exchange: _Exchange | None
) -> list[list[array[int]]]:
    """This process's entries of each table (`_block_entries`): each process makes the keys
    of its part of the records, and hands each other process the keys whose hash falls to it,
    so that no key is made twice."""
    count = len(work.items)
    first, last = share * count // shares, (share + 1) * count // shares
    entries = _block_entries(work, first, last, shares)
    ours = [[table] for table in entries[share]]
    if exchange is None:
        return ours
    given = exchange.swap(share, [_packed(tables) for tables in entries])
    del entries
    for data in given:
        for table, theirs in zip(ours, _unpacked(data), strict=True):
            table.append(theirs)
    return ours


def _block_entries(work: _Batch, first: int, last: int, shares: int) -> list[list[array[int]]]:
    """The blocking keys of the records numbered `first` to `last`, for each process (by the
    key's hash) and each table: the hash of each key and the record's number, in turn."""
    items, prepared = work.items, work.prepared
    entries = [[array("q") for _table in range(_TABLES)] for _share in range(shares)]
    for position in range(first, last):
        record, names = items[position], prepared[position]
        dated, typo, undated = _batch_keys(
            names.family_key, names.given_key, names.patronymic_key, record.birth_year
        )
        for table, keys in (
            (_DATED_TABLE, dated + _date_keys(record, names.family_key)),
            (_TYPO_TABLE, typo),
            (_GIVEN_DATED_TABLE, _date_keys(record, names.given_key)),
            (_DATED_TABLE, _document_block_keys(record.documents)),
            (_DATED_TABLE, _address_block_keys(record, names)),
            (_PHONE_TABLE, (f"p:{record.phone}",) if record.phone else ()),
            (_HOUSEHOLD_TABLE, (f"h:{record.household}",) if record.household else ()),
        ):
            for key in keys:
                hashed = hash(key)
                entries[hashed % shares][table].extend((hashed, position))
        for key in undated:
            hashed = hash(key)
            entries[hashed % shares][_UNDATED_TABLE[key[0]]].extend((hashed, position))
    return entries


def _packed(tables: list[array[int]]) -> bytes:
    return array("q", [len(table) for table in tables]).tobytes() + b"".join(
        table.tobytes() for table in tables
    )


def _unpacked(data: bytes) -> list[array[int]]:
    sizes = array("q", data[: 8 * _TABLES])
    tables: list[array[int]] = []
    start = 8 * _TABLES
    for size in sizes:
        tables.append(array("q", data[start : start + 8 * size]))
        start += 8 * size
    return tables


def _blocks(parts: list[array[int]]) -> dict[int, int | list[int]]:
    """The blocks of one table: hash of the key -> the record's number, or the list of them
    once a second record shares the key."""
    blocks: dict[int, int | list[int]] = {}
    for part in parts:
        for hashed, position in zip(part[::2], part[1::2], strict=True):
            held = blocks.setdefault(hashed, position)
            if held is position:
                continue
            if isinstance(held, int):
                blocks[hashed] = [held, position]
            else:
                held.append(position)
    return blocks


def _find_share(
    work: _Batch, share: int, shares: int, exchange: _Exchange | None = None
) -> list[tuple[str, str, Match]]:
    """The duplicates among the records that share a key whose hash falls to `share`, and
    that fall to this process to compare (`_exchange_pairs`)."""
    items, prepared = work.items, work.prepared
    (
        dated_blocks,
        typo_blocks,
        # The given name with the full birth date: pairs only records whose family names are
        # at least far alike (Вишан, Внашн), since a given name and a day are shared by chance.
        given_dated_blocks,
        phone_blocks,
        household_blocks,
        *undated_tables,
    ) = [_blocks(parts) for parts in _share_entries(work, share, shares, exchange)]
    # One table per kind of undated-only key (n:, e:, g:), for _free_level.
    undated_blocks = dict(zip(_UNDATED_KINDS, undated_tables, strict=True))
    count = len(items)
    pairs: set[int] = set()
    for members in dated_blocks.values():
        if isinstance(members, list) and len(members) <= MAX_BLOCK:
            _add_pairs(pairs, members, count, items, dates_must_fit=True)
    del dated_blocks
    for members in typo_blocks.values():
        if isinstance(members, list) and len(members) <= MAX_TYPO_BLOCK:
            _add_pairs(pairs, members, count, items, dates_must_fit=True)
    del typo_blocks
    for members in phone_blocks.values():
        if isinstance(members, list) and len(members) <= MAX_BLOCK:
            _add_pairs(pairs, members, count, items, across_households=True)
    del phone_blocks
    for members in household_blocks.values():
        if isinstance(members, list) and len(members) <= MAX_BLOCK:
            _add_pairs(pairs, members, count, items)
    del household_blocks
    for members in given_dated_blocks.values():
        if isinstance(members, list) and len(members) <= MAX_BLOCK:
            for x, i in enumerate(members):
                a, an = items[i], prepared[i]
                for j in members[x + 1 :]:
                    b, bn = items[j], prepared[j]
                    if (a.sex and b.sex and a.sex != b.sex) or _name_level(
                        an.family_words, an.family_key, bn.family_words, bn.family_key
                    ) < _FAR:
                        continue
                    pairs.add(i * count + j if i < j else j * count + i)
    del given_dated_blocks
    least_points = _least_points(work.threshold)
    for kind, kind_blocks in undated_blocks.items():
        least_level = _least_free_level(kind, least_points)
        # Two addresses may agree, and bring their points.
        least_level_addressed = _least_free_level(kind, least_points - _ADDRESS_POINTS)
        for members in kind_blocks.values():
            if not isinstance(members, list):
                continue
            dateless = [m for m in members if items[m].birth_year is None]
            if not dateless or len(dateless) * len(members) > MAX_BLOCK * MAX_BLOCK:
                continue
            for i in dateless:
                a, an = items[i], prepared[i]
                for j in members:
                    if not (i < j or (j < i and items[j].birth_year is not None)):
                        continue
                    b = items[j]
                    if a.sex and b.sex and a.sex != b.sex:
                        continue  # a brother and a sister (e:), as in _add_pairs
                    least = least_level_addressed if a.address and b.address else least_level
                    if _free_level(kind, an, prepared[j]) < least and not (
                        a.documents and b.documents
                    ):
                        continue
                    pairs.add(i * count + j if i < j else j * count + i)
    del undated_blocks
    if exchange is not None:
        pairs = _exchange_pairs(pairs, share, exchange)
    return _compare_pairs(work, pairs, share, exchange)


def _document_block_keys(documents: tuple[str, ...]) -> set[str]:
    """A document's number, and the number with each one of its characters left out: two
    numbers a keystroke apart (`_document_slip`) share one of these."""
    keys: set[str] = set()
    for number in documents:
        if len(number) >= _DOCUMENT_SLIP_LENGTH:
            keys.update(f"d:{variant}" for variant in deletions(number))
        elif number:
            keys.add(f"d:{number}")
    return keys


def _address_block_keys(record: Record, names: _Names) -> tuple[str, ...]:
    """The full birth date with each house, flat or postcode number of the address: one
    person registered twice at one address, whose names were written too differently for any
    name key to pair them. And each number with the family name's key and with the given
    name's: one person at one address whose birth date was written wrong (which the fixed
    points never forgive, but a batch may learn to, see `_learned_points`)."""
    if not record.address:
        return ()
    numbers = _address(record.address).numbers
    keys = [
        f"s:{key}|{number}"
        for key in (names.family_key, names.given_key)
        if key
        for number in numbers
    ]
    if record.birth_month is not None and record.birth_day is not None:
        born = f"{record.birth_year}-{record.birth_month}-{record.birth_day}"
        keys += [f"a:{born}|{number}" for number in numbers]
    return tuple(keys)


def _compare_pairs(
    work: _Batch, pairs: Iterable[int], share: int = 0, exchange: _Exchange | None = None
) -> list[tuple[str, str, Match]]:
    items, prepared, name_counts = work.items, work.prepared, work.name_counts()
    count = len(items)
    found: list[tuple[str, str, Match]] = []
    # Below these points `compare` scores a pair under the threshold, even with the largest
    # name-frequency bonus: most candidates of a block are neighbours.
    least_points = _least_points(work.threshold)
    # The pairs by their pattern of levels: the batch learns from the patterns' counts, and
    # a pattern's points, once learned, tell which of its pairs can reach the threshold.
    by_pattern: dict[Pattern, list[int]] = defaultdict(list)
    learning = len(items) >= _LEAST_LEARNED_PAIRS
    crowded = work.unlike().crowded if learning else frozenset()
    for pair in pairs:
        i, j = divmod(pair, count)
        an, bn = prepared[i], prepared[j]
        pattern = _pattern(items[i], an, items[j], bn, *_name_levels(an, bn), crowded)
        by_pattern[pattern].append(pair)
    learned: dict[Pattern, float] = {}
    if learning:
        counts = {pattern: len(members) for pattern, members in by_pattern.items()}
        if exchange is not None:
            counts = _exchange_counts(counts, share, exchange)
        learned = _learned_points(counts, work.unlike())
    for pattern, members in by_pattern.items():
        fields = pattern[:_PATTERN_FIELDS]
        added = learned.get(fields, 0.0)
        fixed = _pattern_points(fields)
        # One household's pairs may earn its points (and be capped, see `_compare_levels`).
        household = pattern[_PATTERN_FIELDS]
        if fixed + added + (_HOUSEHOLD_POINTS if household else 0.0) < least_points:
            continue
        family_level, given_level, swapped = pattern[-3], pattern[-2], bool(pattern[-1])
        for pair in members:
            i, j = divmod(pair, count)
            a, b = items[i], items[j]
            an, bn = prepared[i], prepared[j]
            match = _compare_levels(a, an, b, bn, family_level, given_level, swapped)
            if added:
                match = Match(round(_sigmoid(fixed + added), 4), match.reasons)
            if match.score < 0.02 or SAME_HOUSEHOLD in match.reasons:
                continue
            reasons = match.reasons
            if (
                FAMILY_NAME_DIFFERS not in reasons
                and GIVEN_NAME_DIFFERS not in reasons
                and all(_names_known(an, bn, swapped))
            ):
                # How many bear the names both records agree on, born in the same year if both
                # years are known.
                year = a.birth_year if a.birth_year == b.birth_year else None
                patronymic = PATRONYMIC in reasons or PATRONYMIC_SPELLING in reasons
                shared = max(
                    name_counts.get(_name_count_key(an, year, patronymic=patronymic), 1),
                    name_counts.get(_name_count_key(bn, year, patronymic=patronymic), 1),
                )
                points = _name_frequency_points(shared)
                if a.household and a.household == b.household:
                    # Namesakes in other households are no candidates for a record of this one,
                    # whose members compare() has already told apart: a common name costs nothing.
                    points = max(points, 0.0)
                match = _with_points(match, points)
            if match.score >= work.threshold:
                if a.id > b.id:
                    a, b = b, a
                found.append((a.id, b.id, match))
    return found


def _least_points(threshold: float) -> float:
    """Below these points `compare` scores a pair under `threshold`, even with the largest
    name-frequency bonus."""
    threshold = min(max(threshold, 1e-6), 1 - 1e-6)
    return _BIAS + math.log(threshold / (1 - threshold)) - _name_frequency_points(1) - 0.01


# The name an undated-only key leaves free: n: pairs on both names (the patronymic is free),
# e: on the family name and the patronymic, g: on the given name and the patronymic.
_FREE_FIELD: Final = {"n": "patronymic", "e": "given", "g": "family"}


def _free_level(kind: str, an: _Names, bn: _Names) -> int:
    if kind == "n":
        if not an.patronymic_key or not bn.patronymic_key:
            return _SAME
        return _name_level(
            an.patronymic_words, an.patronymic_key, bn.patronymic_words, bn.patronymic_key
        )
    if kind == "e":
        return _name_level(an.given_words, an.given_key, bn.given_words, bn.given_key)
    return _name_level(an.family_words, an.family_key, bn.family_words, bn.family_key)


@lru_cache(maxsize=16)
def _least_free_level(kind: str, least_points: float) -> int:
    """The lowest level of the free name at which a pair with one record undated can reach
    `least_points`: with no birth date, only the names and a phone count (documents aside)."""
    best = _FAMILY_POINTS[0] + _GIVEN_POINTS[0] + _PATRONYMIC_POINTS[0] + 3 * _EXACT_SPELLING
    best += 2.0 + _HOUSEHOLD_POINTS  # a shared phone, one household
    free = _FREE_FIELD[kind]
    for level in (_DIFFERS, _FAR, _NEAR, _TYPO, _SPELLING, _SAME):
        points = best - _FIELD_POINTS[free][0] - _EXACT_SPELLING + _field(free, level, [])
        if points >= least_points:
            return level
    return _SAME


@lru_cache(maxsize=100_000)
def _batch_keys(
    family_key: str, given_key: str, patronymic_key: str, year: int | None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The name keys of `_name_block_keys`, split into those that pair every two records of a
    block, the typo keys (t:, which pair them only in blocks up to `MAX_TYPO_BLOCK`), and
    those (n:, e:, g:) that pair only records without a birth year."""
    dated: dict[str, None] = {}
    typo: dict[str, None] = {}
    undated: dict[str, None] = {}
    for key in _name_block_keys(family_key, given_key, patronymic_key, year):
        if key.startswith(_UNDATED_ONLY):
            undated[key] = None
        else:
            (typo if key.startswith("t:") else dated)[key] = None
    return tuple(dated), tuple(typo), tuple(undated)


def _date_keys(record: Record, name_key: str) -> tuple[str, ...]:
    """The key of one name with the full birth date, for the batch: two records born on one
    day whose given name (Олена, Елнеа) or family name (Вишан, Внашн) is mistyped beyond the
    reach of the name keys still share the other name and the date."""
    if record.birth_month is None or record.birth_day is None or not name_key:
        return ()
    return (f"b:{name_key}|{record.birth_year}-{record.birth_month}-{record.birth_day}",)


def _add_pairs(
    pairs: set[int],
    members: list[int],
    count: int,
    items: list[Record],
    *,
    across_households: bool = False,
    dates_must_fit: bool = False,
) -> None:
    # Day and month of each member, made once per block rather than once per pair.
    days = [_day_of_year(items[i]) if dates_must_fit else None for i in members]
    for x, i in enumerate(members):
        a = items[i]
        a_day = days[x]
        for y in range(x + 1, len(members)):
            j = members[y]
            b = items[j]
            if a.sex and b.sex and a.sex != b.sex:
                continue  # compare() would score them far below any threshold
            b_day = days[y]
            if (
                a_day is not None
                and b_day is not None
                and a_day != b_day
                and a_day != (b_day[1], b_day[0])
                and not _documents_near(a.documents, b.documents)
                and not (a.address and b.address and _same_address(a.address, b.address))
            ):
                # Names a typo apart and the birth dates different: compare() would score
                # them below any threshold, and in a town most such pairs are neighbours.
                # Unless they share an address, which a registry that retypes dates wrong
                # may teach the batch to weigh more than a date (`_learned_points`).
                continue
            if (
                a.household
                and a.household == b.household
                and (
                    across_households
                    or (None not in (a.birth_year, b.birth_year) and a.birth_year != b.birth_year)
                )
            ):
                # A household's shared phone says nothing about its members; two of its
                # members born in different years are two people (see compare()).
                continue
            pairs.add(i * count + j if i < j else j * count + i)


def _documents_near(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two records share a document number, or hold two a keystroke apart."""
    if not a or not b:
        return False
    return bool(set(a) & set(b)) or any(_document_slip(x, y) for x in a for y in b)


def _day_of_year(record: Record) -> tuple[int, int] | None:
    if record.birth_month is None or record.birth_day is None:
        return None
    return record.birth_month, record.birth_day


def _name_count_key(names: _Names, year: int | None, *, patronymic: bool) -> int:
    low, high = sorted((names.family_key, names.given_key))
    return hash((low, high, names.patronymic_key if patronymic else "", year))


def _name_count_keys(names: _Names, year: int | None) -> list[int]:
    """The `_name_count_key`s of one record: with and without its year and patronymic."""
    family, given, patronymic = names.family_key, names.given_key, names.patronymic_key
    low, high = (family, given) if family < given else (given, family)
    keys = [hash((low, high, "", None))]
    if patronymic:
        keys.append(hash((low, high, patronymic, None)))
    if year is not None:
        keys.append(hash((low, high, "", year)))
        if patronymic:
            keys.append(hash((low, high, patronymic, year)))
    return keys


# A name borne by this many records of the batch moves the score neither way.
_NAME_FREQUENCY_PIVOT = 2.0


def _name_frequency_points(shared: int) -> float:
    """Points for a name that `shared` records of the batch bear (family and given together,
    and the birth year when both records know it).

    `compare` weighs an agreeing name as if two records bore it; a rarer name counts more, a
    commoner one less, as in Fellegi-Sunter's frequency-based weights."""
    return max(-5.0, min(2.0, math.log(_NAME_FREQUENCY_PIVOT / max(shared, 1))))


def _with_points(match: Match, points: float) -> Match:
    score = min(max(match.score, 1e-9), 1 - 1e-9)
    logit = math.log(score / (1 - score)) + points
    return Match(round(1.0 / (1.0 + math.exp(-logit)), 4), match.reasons)


# --- weights learned from the batch -------------------------------------------------------
#
# The points above are fixed, tuned on a Ukrainian registry. Another registry corrupts its
# records otherwise: in one, a passport number that differs is another person; in another, a
# whole field is often retyped wrong, and a differing field says little. As Fellegi and Sunter
# (and Splink) do, the batch learns from its own candidate pairs how often each level of each
# field occurs among records of one person (m, by expectation-maximisation over the counts of
# identical comparison patterns) and among any two records (u, from the batch's frequencies and
# from pairs drawn at random), and moves each pattern's points towards what it learned, the
# more the more pairs of one person the batch holds: a small batch keeps the fixed points.

# The fields of a comparison pattern, after the family and the given name's levels.
_PATTERN_FIELDS: Final = 8  # family, given, patronymic, birth, document, phone, address, sex
_UNKNOWN: Final = -1  # one of the records leaves the field out: neither for nor against
# The points of each level of the fields after the names, as `_birth`, `_documents`,
# `_phone`, `_address_points` and `compare` give them.
_BIRTH_LEVEL_POINTS: Final = (5.0, 1.5, 0.5, -3.0, -1.0, -6.0)
_BIRTH_LEVELS: Final = {points: level for level, points in enumerate(_BIRTH_LEVEL_POINTS)}
_DOCUMENT_LEVEL_POINTS: Final = (8.0, _DOCUMENT_TYPO_POINTS, -3.0)
_DOCUMENT_LEVELS: Final = {points: level for level, points in enumerate(_DOCUMENT_LEVEL_POINTS)}
_PHONE_LEVEL_POINTS: Final = (2.0, -0.5)
# An address that is not the same may still be on the same street of the same place, with
# another house or flat number: a neighbour in a town, a slip in a registry that retypes
# numbers wrong. The fixed points give either nothing; the batch may learn otherwise. The
# last level is the same address of many households (`_CROWDED_ADDRESS`): a block of flats
# written without the flat, a dormitory for the displaced. The fixed points count it as the
# same address; the batch learns it apart, and it vouches for nothing (`_vouched`).
_ADDRESS_LEVEL_POINTS: Final = (_ADDRESS_POINTS, 0.0, 0.0, _ADDRESS_POINTS)
_CROWDED_LEVEL: Final = 3
# An address of more households than this is crowded: one person registered a few times over
# still shares an address with few.
_CROWDED_ADDRESS: Final = 5
_SEX_LEVEL_POINTS: Final = (0.0, -4.0)
_OTHER_LEVEL_POINTS: Final = (
    _BIRTH_LEVEL_POINTS,
    _DOCUMENT_LEVEL_POINTS,
    _PHONE_LEVEL_POINTS,
    _ADDRESS_LEVEL_POINTS,
    _SEX_LEVEL_POINTS,
)
# How many levels each field has in the model learned (a name's spelling is its sameness).
_MODEL_LEVELS: Final = (6, 6, 6, 6, 3, 2, 4, 2)
# Pairs drawn at random to learn how often two records that are not one person agree.
_RANDOM_PAIRS: Final = 4000
# Records whose values are counted for the chance that two share one.
_COUNTED_RECORDS: Final = 50_000
# Below this many pairs of one person among the candidates, nothing is learned: the fixed
# points stand (a desk's check, a batch of a few dozen). Above it, the learned points count
# as much as the pairs of one person weigh against `_LEARNING_PRIOR` pairs' worth of the fixed.
_LEAST_LEARNED_PAIRS: Final = 200
_LEARNING_PRIOR: Final = 1000.0
_EM_ROUNDS: Final = 30

Pattern = tuple[int, ...]


def _pattern(
    a: Record,
    an: _Names,
    b: Record,
    bn: _Names,
    family_level: int,
    given_level: int,
    swapped: bool,
    crowded: frozenset[str] = frozenset(),
) -> Pattern:
    """The level of each field for one pair, as `_compare_levels` weighs it, and whether the
    two records are of one household (the last): the points of a pair that are not its names'
    frequency follow from these alone (`_pattern_points`). `crowded`: the addresses of many
    households (`_crowded_addresses`)."""
    family_known, given_known = _names_known(an, bn, swapped)
    patronymic = _UNKNOWN
    if an.patronymic_key and bn.patronymic_key:
        patronymic = _name_level(
            an.patronymic_words, an.patronymic_key, bn.patronymic_words, bn.patronymic_key
        )
        if patronymic == _NEAR:
            patronymic = _DIFFERS  # as `_field` counts it
    scratch: list[str] = []
    birth = _birth(
        (a.birth_year, a.birth_month, a.birth_day),
        (b.birth_year, b.birth_month, b.birth_day),
        scratch,
    )
    document = (
        _DOCUMENT_LEVELS.get(_documents(a.documents, b.documents, scratch), _UNKNOWN)
        if a.documents and b.documents
        else _UNKNOWN
    )
    household = bool(a.household) and a.household == b.household
    address = _UNKNOWN
    if a.address and b.address and not household:
        if not _same_address(a.address, b.address):
            address = _street_level(a.address, b.address)
            if (
                address == 1
                and crowded
                and (_street_key(a.address) in crowded or _street_key(b.address) in crowded)
            ):
                address = 2  # a street of many households: a neighbour's
        elif crowded and (_address_key(a.address) in crowded or _address_key(b.address) in crowded):
            address = _CROWDED_LEVEL
        else:
            address = 0
    return (
        family_level if family_known else _UNKNOWN,
        given_level if given_known else _UNKNOWN,
        patronymic,
        _BIRTH_LEVELS.get(birth, _UNKNOWN),
        document,
        (0 if a.phone == b.phone else 1) if a.phone and b.phone else _UNKNOWN,
        address,
        (0 if a.sex == b.sex else 1) if a.sex and b.sex else _UNKNOWN,
        int(household),
        # The names' levels as read, for `_compare_levels`, which the batch calls once the
        # pattern has been counted.
        family_level,
        given_level,
        int(swapped),
    )


def _street_level(a_text: str, b_text: str) -> int:
    """1 when most street and place words of one address are in the other (`_words_within`),
    2 when not."""
    a, b = _address(a_text), _address(b_text)
    if a.words and b.words and _fewer_first(_words_within, a, b, len(a.words), len(b.words)):
        return 1
    return 2


@lru_cache(maxsize=1 << 14)
def _pattern_points(pattern: Pattern) -> float:
    """The fixed points of a pattern, as `_compare_levels` sums them (one household's rules
    aside)."""
    parts: list[float] = []
    for field, level in zip(("family", "given", "patronymic"), pattern[:3], strict=True):
        if level != _UNKNOWN:
            exact = _EXACT_SPELLING if level == _SAME else 0.0
            parts.append(_FIELD_POINTS[field][_LEVEL_POINTS[level]] + exact)
    for points, level in zip(_OTHER_LEVEL_POINTS, pattern[3:_PATTERN_FIELDS], strict=True):
        if level != _UNKNOWN:
            parts.append(points[level])
    if pattern[4] == 0:  # one document: what differs counts half (see `_total`)
        return sum(part if part > 0 else part * _AGAINST_ONE_DOCUMENT for part in parts)
    return sum(parts)


def _model_levels(pattern: Pattern) -> Pattern:
    # A name spelt otherwise is, to the model, the same name; a name's levels count down
    # from the same (0) to different (5), as the other fields' do.
    names = tuple(
        level if level == _UNKNOWN else _SAME - (_SAME if level == _SPELLING else level)
        for level in pattern[:3]
    )
    return names + pattern[3:_PATTERN_FIELDS]


@dataclass(frozen=True, slots=True)
class _Unlike:
    """How often each level of each field occurs between two records of the batch taken at
    random (u): nearly always two people."""

    shares: tuple[tuple[float, ...], ...]
    # How many pairs the batch holds in all.
    pairs: float
    # The addresses and streets of more than `_CROWDED_ADDRESS` households (`_crowded_addresses`).
    crowded: frozenset[str] = frozenset()


def _unlike(items: list[Record], prepared: list[_Names]) -> _Unlike:
    """u for each level: the sameness of a name, a birth date, a document, a phone and an
    address from how many records share each value (exact, and rare enough that random pairs
    would miss it), the other levels from `_RANDOM_PAIRS` pairs drawn at random (the same
    pairs for the same batch, so that a batch shared among processes learns the same in
    each)."""
    count = len(items)
    crowded = _crowded_addresses(items)
    seen = [[0.5] * levels for levels in _MODEL_LEVELS]  # half a pair of each, unseen
    if count >= 2:
        # Seeded by the batch's size: the same pairs for the same batch in every process.
        draw = random.Random(count)  # noqa: S311 - a sample, not a secret
        for _ in range(_RANDOM_PAIRS):
            i, j = draw.randrange(count), draw.randrange(count)
            if i == j:
                continue
            a, b, an, bn = items[i], items[j], prepared[i], prepared[j]
            pattern = _model_levels(_pattern(a, an, b, bn, *_name_levels(an, bn), crowded))
            for field, level in enumerate(pattern):
                if level != _UNKNOWN:
                    seen[field][level] += 1
    shares = [[n / sum(levels) for n in levels] for levels in seen]
    # The sameness of values many share, from their counts in a sample of the records
    # spread over the batch (counting a million records' values would take a second).
    every = max(1, count // _COUNTED_RECORDS)
    records, names = items[::every], prepared[::every]
    for field, values in (
        (0, [of.family_key for of in names]),
        (1, [of.given_key for of in names]),
        (2, [of.patronymic_key for of in names]),
        (3, [_day_of_birth(record) for record in records]),
        (4, [number for record in records for number in record.documents[:1]]),
        (5, [record.phone for record in records]),
        (6, _address_values(records)),
    ):
        same = _chance_of_same([value for value in values if value])
        if same is not None:
            _set_share(shares[field], same)
    return _Unlike(tuple(tuple(levels) for levels in shares), count * (count - 1) / 2, crowded)


def _address_values(records: list[Record]) -> list[str]:
    """Each address as the batch reads it (its numbers and its words, in any order), once per
    household, since two records of one household are not compared on their address. The
    pairs of one person written alike count too, as with a document: they are few among all
    pairs. Random pairs alone would put the chance that two records share an address at no
    less than one in the pairs drawn (`_RANDOM_PAIRS`); among many streets, houses and flats
    it is far lower, and an address that agrees says more."""
    values: dict[str, str] = {}
    for record in records:
        if record.address:
            key = _address_key(record.address)
            if key:
                values[record.household or f"#{record.id}"] = key
    return list(values.values())


def _address_key(text: str) -> str:
    """An address as the batch reads it (its numbers and its words, in any order), or "" when
    it has no number or no word."""
    address = _address(text)
    if not address.numbers or not address.words:
        return ""
    return " ".join(sorted(address.numbers)) + _street_key(text)


def _street_key(text: str) -> str:
    """The street and place of an address (its words, in any order) after a "|", or ""."""
    words = _address(text).words
    return "|" + " ".join(sorted(words)) if words else ""


def _crowded_addresses(items: list[Record]) -> frozenset[str]:
    """The addresses (`_address_key`) and the streets (`_street_key`) of more than
    `_CROWDED_ADDRESS` households of the batch (a record without a household counts as one).
    Two people agree on such an address by living in one building, as in a dormitory for the
    displaced, where many share a given name and a patronymic, and on such a street by living
    in one town: what the batch learns must take neither for a sign of one person. Measured on
    the demo town (~17 households to each house number, five streets): with them as signs the
    coordinators' queue grew from 459 pairs to 771, most of them namesakes of one building."""
    households: dict[str, set[str]] = defaultdict(set)
    for record in items:
        if record.address:
            household = record.household or f"#{record.id}"
            for key in (_address_key(record.address), _street_key(record.address)):
                if key:
                    households[key].add(household)
    return frozenset(key for key, held in households.items() if len(held) > _CROWDED_ADDRESS)


def _day_of_birth(record: Record) -> str:
    if record.birth_year is None or record.birth_month is None or record.birth_day is None:
        return ""
    return f"{record.birth_year}-{record.birth_month}-{record.birth_day}"


def _chance_of_same(values: list[str]) -> float | None:
    """The chance that two of `values` taken at random are equal."""
    if len(values) < 2:
        return None
    counts = Counter(values)
    same = sum(n * (n - 1) for n in counts.values())
    return max(same, 1) / (len(values) * (len(values) - 1))


def _set_share(levels: list[float], share: float) -> None:
    # The first level (the same) takes `share`; the others keep their proportions.
    # Never all or none: a batch where everybody shares one phone still has other levels.
    share = min(max(share, 1e-9), 0.99)
    rest = sum(levels[1:])
    levels[0] = share
    for level in range(1, len(levels)):
        levels[level] *= (1 - share) / rest


def _learned_points(patterns: dict[Pattern, int], unlike: _Unlike) -> dict[Pattern, float]:
    """Points to add to the fixed points of each pattern (its first `_PATTERN_FIELDS`): what
    the batch's candidate pairs say, weighed against the fixed points (see the section's
    head). Patterns of one household keep
    the fixed points: their rules (twins, a household's shared phone) are the domain's."""
    fields: Counter[Pattern] = Counter()
    for pattern, n in patterns.items():
        if not pattern[_PATTERN_FIELDS]:
            fields[pattern[:_PATTERN_FIELDS]] += n
    rows = list(fields.items())
    if not rows:
        return {}
    levels = [_model_levels(pattern) for pattern, _n in rows]
    counts = [float(n) for _pattern, n in rows]
    fixed = [_pattern_points(pattern) - _BIAS for pattern, _n in rows]
    # Start from what the fixed points say of each pattern.
    chance = [1.0 / (1.0 + math.exp(-min(max(logit, -30.0), 30.0))) for logit in fixed]
    u_logs = [[math.log(u) for u in field] for field in unlike.shares]
    learned = fixed
    matched = 0.0
    for _round in range(_EM_ROUNDS):
        # M: how often each level occurs among pairs of one person.
        seen = [[0.5] * kinds for kinds in _MODEL_LEVELS]
        for pattern, pairs, p in zip(levels, counts, chance, strict=True):
            for field, level in enumerate(pattern):
                if level != _UNKNOWN:
                    seen[field][level] += pairs * p
        m_logs = [[math.log(x / sum(field)) for x in field] for field in seen]
        matched = sum(pairs * p for pairs, p in zip(counts, chance, strict=True))
        share = min(max(matched / sum(counts), 1e-6), 1 - 1e-6)
        # E: how likely each pattern is one person's, among the candidates.
        prior = math.log(share / (1 - share))
        weights = [_weight(pattern, m_logs, u_logs) for pattern in levels]
        chance = [1.0 / (1.0 + math.exp(-min(max(prior + w, -30.0), 30.0))) for w in weights]
        # Among all pairs of the batch, as the score of `compare` is meant.
        everywhere = min(max(matched / unlike.pairs, 1e-12), 0.5)
        learned = [math.log(everywhere / (1 - everywhere)) + w for w in weights]
    if matched < _LEAST_LEARNED_PAIRS:
        return {}
    trust = matched / (matched + _LEARNING_PRIOR)
    added: dict[Pattern, float] = {}
    for (pattern, _n), ours, theirs in zip(rows, learned, fixed, strict=True):
        if _vouched(pattern):
            added[pattern] = trust * (ours - theirs)
    return added


def _vouched(pattern: Pattern) -> bool:
    """Whether what the batch learned may move a pair's score: only when a document or an
    address agrees (or is a slip, or the same street; not an address of many households,
    `_crowded_addresses`). Names, birth dates and phones alone the
    fixed points weigh better than the model learned, which takes each field as independent
    of the others: a given name and a patronymic go together, a birth year with both, and
    namesakes are many (`_name_frequency_points` counts them); on the synthetic Ukrainian
    registry the model learned finds hundreds of namesakes more at 100,000 records. What a
    registry teaches of its own is how much its documents and addresses say, and how often a
    field of a record they vouch for is retyped wrong."""
    return pattern[4] in (0, 1) or pattern[6] in (0, 1)


def _weight(pattern: Pattern, m_logs: list[list[float]], u_logs: list[list[float]]) -> float:
    return sum(
        m_logs[field][level] - u_logs[field][level]
        for field, level in enumerate(pattern)
        if level != _UNKNOWN
    )
