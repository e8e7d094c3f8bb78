"""Numbers of personal documents: what a registrar types becomes one canonical stored form.

Each document type has its own shape (see `DocumentType`). `normalise_document` reads what was
typed — lower case, spaces, dashes, Latin letters that look like Cyrillic ones and the other way
round — and returns the canonical form, or raises `InvalidDocument` whose `code` says what is
wrong; the Django layer turns the code and `params` into a translated message. A canonical form
is stable (normalising it gives it back), so two registrars who type the same document the two
ways a desk allows get the same stored value, and duplicate detection can compare them.

The exception's text is its code only: the number typed never goes into it, so a logged
exception carries no personal data.
"""

from __future__ import annotations

import datetime
import re
from enum import StrEnum


class DocumentType(StrEnum):
    # Old internal passport (a booklet): series of 2 Cyrillic letters, 6 digits: "АА 123456".
    PASSPORT_BOOKLET = "passport_booklet"
    # Internal passport as an ID card: a 9-digit document number. The card also carries the
    # UNZR "YYYYMMDD-NNNNN" (a record number in the demographic register), which is not it.
    ID_CARD = "id_card"
    # Individual tax number (РНОКПП): 10 digits, the first five the birth date, the last a check.
    RNOKPP = "rnokpp"
    # Certificate of registration as an internally displaced person (довідка ВПО):
    # "NNNN-NNNNNNNNNN", 4 digits, dash, 10 digits.
    IDP_CERTIFICATE = "idp_certificate"
    # Birth certificate: series of a Roman numeral and 2 Cyrillic letters, 6 digits:
    # "I-КИ 123456". The numeral is stored in Latin I, V, X, whichever script it was typed in
    # (Ukrainian keyboards have a Cyrillic І and Х but no V), so one series has one form.
    BIRTH_CERTIFICATE = "birth_certificate"
    # Pension certificate: no single published format (paper ones since 2004, plastic and
    # electronic ones since 2017), so letters and digits of a bounded length.
    PENSION_CERTIFICATE = "pension_certificate"
    # Passport for travel abroad (biometric or older): 2 Latin letters, 6 digits: "FA123456".
    FOREIGN_PASSPORT = "foreign_passport"


ERROR_CODES = frozenset(
    {
        "unknown_type",
        "empty",
        "wrong_length",
        "length_range",
        "not_digits",
        "bad_characters",
        "series_letters",
        "series_roman",
        "check_digit",
        "birth_date_mismatch",
        "unzr_not_number",
    }
)


class InvalidDocument(ValueError):
    """The input cannot be a number of that document; `code` says why, `params` fill the
    message (see ERROR_CODES)."""

    def __init__(self, code: str, **params: str | int) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, str | int] = params


# Letters whose capitals look the same in both scripts. A registrar on the wrong keyboard
# layout types the Latin ones into a Cyrillic series and the other way round; the eye cannot
# tell, so the software must.
_LATIN_TO_CYRILLIC = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М",
    "O": "О", "P": "Р", "T": "Т", "X": "Х",
}  # fmt: skip
_CYRILLIC_TO_LATIN = {cyrillic: latin for latin, cyrillic in _LATIN_TO_CYRILLIC.items()}

# The Ukrainian alphabet's capitals. Russian-only letters (Ё, Ы, Э, Ъ) are not in any
# Ukrainian series, so they are refused rather than stored.
UKRAINIAN_LETTERS = frozenset("АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ")
LATIN_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Spaces, dashes of every width, and the number sign people copy from the document
# ("серія АА № 123456").
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212№]+")

_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
# The Roman numeral of a birth certificate's series typed with Cyrillic І and Х.
_ROMAN_LOOKALIKES = {"І": "I", "Х": "X"}

RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
# The first five digits of an RNOKPP count days from this date: 00001 is 1 January 1900.
RNOKPP_EPOCH = datetime.date(1899, 12, 31)

PENSION_MIN_LENGTH = 4
PENSION_MAX_LENGTH = 20


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw).upper()


def _split_series(compact: str) -> tuple[str, str]:
    """The letters before the first digit, and the rest."""
    letters = compact
    for index, char in enumerate(compact):
        if char.isdecimal():
            letters = compact[:index]
            break
    return letters, compact[len(letters) :]


def _digits(number: str, expected: int) -> str:
    if not number.isdecimal() or not number.isascii():
        raise InvalidDocument("not_digits")
    if len(number) != expected:
        raise InvalidDocument("wrong_length", expected=expected, got=len(number))
    return number


def _series(
    letters: str, mapping: dict[str, str], alphabet: frozenset[str], *, example: str
) -> str:
    series = "".join(mapping.get(char, char) for char in letters)
    if len(series) != 2 or any(char not in alphabet for char in series):
        # The example tells the registrar which alphabet without a word to translate.
        raise InvalidDocument("series_letters", example=example)
    return series


def rnokpp_check_digit(first_nine: str) -> int:
    """The State Tax Service's check: weights -1, 5, 7, 9, 4, 6, 10, 5, 7, the sum mod 11,
    then mod 10 (a remainder of 10 becomes 0)."""
    total = sum(
        weight * int(digit) for weight, digit in zip(RNOKPP_WEIGHTS, first_nine, strict=True)
    )
    return total % 11 % 10


def rnokpp_birth_date(number: str) -> datetime.date:
    return RNOKPP_EPOCH + datetime.timedelta(days=int(number[:5]))


def _passport_booklet(compact: str) -> str:
    letters, number = _split_series(compact)
    series = _series(letters, _LATIN_TO_CYRILLIC, UKRAINIAN_LETTERS, example="АА 123456")
    return series + _digits(number, 6)


def _looks_like_unzr(digits: str) -> bool:
    if len(digits) != 13 or not digits.isdecimal():
        return False
    try:
        datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def _id_card(compact: str) -> str:
    # The UNZR is printed just above the document number on the card, and it is the longer,
    # more prominent one: a registrar copying "the number" often takes it.
    if _looks_like_unzr(compact):
        raise InvalidDocument("unzr_not_number")
    return _digits(compact, 9)


def _rnokpp(compact: str, birth_date: datetime.date | None) -> str:
    number = _digits(compact, 10)
    if rnokpp_check_digit(number[:9]) != int(number[9]):
        raise InvalidDocument("check_digit")
    if birth_date is not None and rnokpp_birth_date(number) != birth_date:
        raise InvalidDocument(
            "birth_date_mismatch",
            number_date=_date_text(rnokpp_birth_date(number)),
            birth_date=_date_text(birth_date),
        )
    return number


def _date_text(date: datetime.date) -> str:
    # DD.MM.YYYY as dates are written on Ukrainian documents, not date.strftime (its %Y
    # does not pad years below 1000 on every platform).
    return f"{date.day:02d}.{date.month:02d}.{date.year:04d}"


def _idp_certificate(compact: str) -> str:
    number = _digits(compact, 14)
    return f"{number[:4]}-{number[4:]}"


_BIRTH_EXAMPLE = "I-КИ 123456"


def _birth_certificate(compact: str) -> str:
    prefix, number = _split_series(compact)
    # The series is the numeral then exactly two letters, so without a dash the numeral is
    # whatever comes before the last two letters.
    roman = "".join(_ROMAN_LOOKALIKES.get(char, char) for char in prefix[:-2])
    if len(prefix) < 3 or not _ROMAN.fullmatch(roman):
        raise InvalidDocument("series_roman", example=_BIRTH_EXAMPLE)
    letters = _series(prefix[-2:], _LATIN_TO_CYRILLIC, UKRAINIAN_LETTERS, example=_BIRTH_EXAMPLE)
    return f"{roman}-{letters}{_digits(number, 6)}"


def _pension_certificate(compact: str) -> str:
    number = "".join(_LATIN_TO_CYRILLIC.get(char, char) for char in compact)
    allowed = UKRAINIAN_LETTERS | LATIN_LETTERS
    if any(not (char in allowed or (char.isdecimal() and char.isascii())) for char in number):
        raise InvalidDocument("bad_characters")
    if not PENSION_MIN_LENGTH <= len(number) <= PENSION_MAX_LENGTH:
        raise InvalidDocument(
            "length_range", minimum=PENSION_MIN_LENGTH, maximum=PENSION_MAX_LENGTH, got=len(number)
        )
    return number


def _foreign_passport(compact: str) -> str:
    letters, number = _split_series(compact)
    series = _series(letters, _CYRILLIC_TO_LATIN, LATIN_LETTERS, example="FA123456")
    return series + _digits(number, 6)


def normalise_document(kind: str, raw: str, *, birth_date: datetime.date | None = None) -> str:
    """The canonical stored form of a document number, or InvalidDocument.

    `birth_date` is used for the RNOKPP only, whose first five digits encode it."""
    try:
        document_type = DocumentType(kind)
    except ValueError:
        raise InvalidDocument("unknown_type", kind=kind) from None
    compact = _compact(raw)
    if not compact:
        raise InvalidDocument("empty")
    match document_type:
        case DocumentType.PASSPORT_BOOKLET:
            return _passport_booklet(compact)
        case DocumentType.ID_CARD:
            return _id_card(compact)
        case DocumentType.RNOKPP:
            return _rnokpp(compact, birth_date)
        case DocumentType.IDP_CERTIFICATE:
            return _idp_certificate(compact)
        case DocumentType.BIRTH_CERTIFICATE:
            return _birth_certificate(compact)
        case DocumentType.PENSION_CERTIFICATE:
            return _pension_certificate(compact)
        case DocumentType.FOREIGN_PASSPORT:
            return _foreign_passport(compact)


def display_document(kind: str, number: str) -> str:
    """A stored number as people read it on the document: "АА 123456", "I-КИ 123456".

    Anything that is not a canonical form is shown unchanged: a page must not fail on an old
    or hand-edited value."""
    series_types = (DocumentType.PASSPORT_BOOKLET, DocumentType.BIRTH_CERTIFICATE)
    series, digits = number[:-6], number[-6:]
    if kind in series_types and series and not series[-1].isdecimal() and digits.isdecimal():
        return f"{series} {digits}"
    return number
