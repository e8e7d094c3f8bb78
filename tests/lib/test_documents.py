from __future__ import annotations

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hromada.lib.documents import (
    ERROR_CODES,
    LATIN_LETTERS,
    RNOKPP_EPOCH,
    UKRAINIAN_LETTERS,
    DocumentType,
    InvalidDocument,
    display_document,
    normalise_document,
    rnokpp_birth_date,
    rnokpp_check_digit,
)

# Capital letters that look alike in the two scripts, as (Latin, Cyrillic).
LOOKALIKES = [
    ("A", "А"), ("B", "В"), ("C", "С"), ("E", "Е"), ("H", "Н"), ("I", "І"), ("K", "К"),
    ("M", "М"), ("O", "О"), ("P", "Р"), ("T", "Т"), ("X", "Х"),
]  # fmt: skip

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def code_of(kind: str, raw: str, birth_date: datetime.date | None = None) -> str:
    with pytest.raises(InvalidDocument) as caught:
        normalise_document(kind, raw, birth_date=birth_date)
    assert caught.value.code in ERROR_CODES
    assert str(caught.value) == caught.value.code
    return caught.value.code


def with_check_digit(first_nine: str) -> str:
    return first_nine + str(rnokpp_check_digit(first_nine))


# --- examples of every type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "canonical"),
    [
        ("passport_booklet", "АА 123456", "АА123456"),
        ("passport_booklet", "аа123456", "АА123456"),
        ("passport_booklet", "AA-123-456", "АА123456"),  # Latin look-alikes
        ("passport_booklet", "КМ № 000123", "КМ000123"),
        ("passport_booklet", "ЖЯ 654321", "ЖЯ654321"),
        ("id_card", "000123456", "000123456"),
        ("id_card", " 001 234 567 ", "001234567"),
        ("rnokpp", "1759013776", "1759013776"),
        ("rnokpp", "36525 04575", "3652504575"),
        ("idp_certificate", "0000-0000000000", "0000-0000000000"),
        ("idp_certificate", "1234 5678901234", "1234-5678901234"),
        ("idp_certificate", "12345678901234", "1234-5678901234"),
        ("birth_certificate", "І-КИ 123456", "I-КИ123456"),  # Cyrillic І in the numeral
        ("birth_certificate", "I-КИ 123456", "I-КИ123456"),
        ("birth_certificate", "ii-ки123456", "II-КИ123456"),
        ("birth_certificate", "IV КИ 123456", "IV-КИ123456"),
        ("birth_certificate", "IXHA000001", "IX-НА000001"),  # no dash; Latin look-alikes
        ("birth_certificate", "ІХ—ХА 000001", "IX-ХА000001"),  # Cyrillic Х in both parts
        ("birth_certificate", "XXXIX-ЯЮ 999999", "XXXIX-ЯЮ999999"),
        ("pension_certificate", "12345678", "12345678"),
        ("pension_certificate", "ab 123-456", "АВ123456"),
        ("pension_certificate", "ЖФ 0012 3456", "ЖФ00123456"),
        ("foreign_passport", "FA123456", "FA123456"),
        ("foreign_passport", "fa 123456", "FA123456"),
        ("foreign_passport", "ЕК 123456", "EK123456"),  # Cyrillic look-alikes
        ("foreign_passport", "GZ-000001", "GZ000001"),
    ],
)
def test_it_normalises_valid_numbers(kind: str, raw: str, canonical: str) -> None:
    assert normalise_document(kind, raw) == canonical
    assert normalise_document(kind, canonical) == canonical


def test_it_accepts_the_document_type_enum_as_kind() -> None:
    assert normalise_document(DocumentType.ID_CARD, "123456789") == "123456789"


@pytest.mark.parametrize(
    ("kind", "canonical", "shown"),
    [
        ("passport_booklet", "АА123456", "АА 123456"),
        ("birth_certificate", "I-КИ123456", "I-КИ 123456"),
        ("birth_certificate", "XXXIX-ЯЮ999999", "XXXIX-ЯЮ 999999"),
        ("id_card", "000123456", "000123456"),
        ("rnokpp", "1759013776", "1759013776"),
        ("idp_certificate", "1234-5678901234", "1234-5678901234"),
        ("foreign_passport", "FA123456", "FA123456"),
        ("pension_certificate", "АВ123456", "АВ123456"),
        ("passport_booklet", "123", "123"),  # not canonical: shown as it is
        ("no_such_type", "АА123456", "АА123456"),
    ],
)
def test_it_displays_numbers_as_printed(kind: str, canonical: str, shown: str) -> None:
    assert display_document(kind, canonical) == shown


# --- every error code ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        ("driving_licence", "АА123456", "unknown_type"),
        ("", "АА123456", "unknown_type"),
        ("passport_booklet", "", "empty"),
        ("id_card", "  - ", "empty"),
        ("passport_booklet", "АА 12345", "wrong_length"),
        ("passport_booklet", "АА 1234567", "wrong_length"),
        ("passport_booklet", "АА 12З456", "not_digits"),  # Cyrillic З for 3
        ("passport_booklet", "123456", "series_letters"),
        ("passport_booklet", "А 123456", "series_letters"),
        ("passport_booklet", "ААА 123456", "series_letters"),
        ("passport_booklet", "ЫЭ 123456", "series_letters"),  # Russian-only letters
        ("passport_booklet", "DF 123456", "series_letters"),  # Latin, no Cyrillic twin
        ("id_card", "12345678", "wrong_length"),
        ("id_card", "1234567890", "wrong_length"),
        ("id_card", "12345678О", "not_digits"),  # letter O for zero
        ("id_card", "١٢٣٤٥٦٧٨٩", "not_digits"),  # Arabic-Indic digits are not ours
        ("id_card", "19800131-01234", "unzr_not_number"),
        ("id_card", "1980013101234", "unzr_not_number"),
        ("id_card", "1980133101234", "wrong_length"),  # 13 digits, but no date: not a UNZR
        ("rnokpp", "175901377", "wrong_length"),
        ("rnokpp", "17590137766", "wrong_length"),
        ("rnokpp", "175901377X", "not_digits"),
        ("rnokpp", "1759013770", "check_digit"),
        ("idp_certificate", "0000-000000000", "wrong_length"),
        ("idp_certificate", "ВПО-0000000000", "not_digits"),
        ("birth_certificate", "КИ 123456", "series_roman"),
        ("birth_certificate", "IIII-КИ 123456", "series_roman"),
        ("birth_certificate", "VX-КИ 123456", "series_roman"),
        ("birth_certificate", "1-КИ 123456", "series_roman"),  # digit one for I
        ("birth_certificate", "I-QZ 123456", "series_letters"),
        ("birth_certificate", "I-КИ 12345", "wrong_length"),
        ("birth_certificate", "I-КИ 12345б", "not_digits"),
        ("pension_certificate", "123", "length_range"),
        ("pension_certificate", "1" * 21, "length_range"),
        ("pension_certificate", "1234/5678", "bad_characters"),
        ("pension_certificate", "1234ЫЫ", "bad_characters"),
        ("foreign_passport", "F123456", "series_letters"),
        ("foreign_passport", "ФА123456", "series_letters"),  # Ф has no Latin twin
        ("foreign_passport", "FA12345", "wrong_length"),
        ("foreign_passport", "FA12345O", "not_digits"),
    ],
)
def test_it_names_what_is_wrong(kind: str, raw: str, code: str) -> None:
    assert code_of(kind, raw) == code


def test_it_gives_the_params_for_the_message() -> None:
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("id_card", "1234567")
    assert caught.value.params == {"expected": 9, "got": 7}
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("pension_certificate", "12")
    assert caught.value.params == {"minimum": 4, "maximum": 20, "got": 2}
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("driving_licence", "1")
    assert caught.value.params == {"kind": "driving_licence"}
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("foreign_passport", "ФА 123456")
    assert caught.value.params == {"example": "FA123456"}
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("birth_certificate", "КИ 123456")
    assert caught.value.params == {"example": "I-КИ 123456"}


def test_it_keeps_the_number_typed_out_of_the_exception_text() -> None:
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("rnokpp", "1759013770")
    assert "1759013770" not in str(caught.value)
    assert "1759013770" not in repr(caught.value)


def test_every_error_code_can_be_raised() -> None:
    raised = {
        code_of(kind, raw)
        for kind, raw in [
            ("x", "1"), ("id_card", ""), ("id_card", "1"), ("pension_certificate", "1"),
            ("id_card", "1a"), ("pension_certificate", "12/34"), ("passport_booklet", "1"),
            ("birth_certificate", "1"), ("rnokpp", "1759013770"),
            ("id_card", "1980013101234"),
        ]
    }  # fmt: skip
    raised.add(code_of("rnokpp", "1759013776", datetime.date(1948, 2, 29)))
    assert raised == ERROR_CODES


# --- RNOKPP ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "born"),
    [
        # Published examples: python-stdnum's doctest (stdnum/ua/rntrc.py), the README of
        # rnokpp-py (a port of fre5h/rnokpp), and DevelopingW/gov-validation-ua's README.
        ("1759013776", datetime.date(1948, 2, 28)),
        ("3652504575", datetime.date(2000, 1, 1)),
        ("3068208400", datetime.date(1984, 1, 2)),
        ("3184710691", datetime.date(1987, 3, 12)),
    ],
)
def test_it_accepts_published_tax_numbers_and_their_birth_dates(
    number: str, born: datetime.date
) -> None:
    assert normalise_document("rnokpp", number, birth_date=born) == number


def test_it_counts_days_from_the_last_day_of_1899() -> None:
    assert rnokpp_birth_date("0000100000") == datetime.date(1900, 1, 1)
    assert rnokpp_birth_date("3652400000") == datetime.date(1999, 12, 31)


def test_it_refuses_a_tax_number_of_another_birth_date() -> None:
    with pytest.raises(InvalidDocument) as caught:
        normalise_document("rnokpp", "1759013776", birth_date=datetime.date(1948, 2, 29))
    assert caught.value.code == "birth_date_mismatch"
    assert caught.value.params == {"number_date": "28.02.1948", "birth_date": "29.02.1948"}


def test_it_checks_the_birth_date_only_when_given() -> None:
    assert normalise_document("rnokpp", "1759013776") == "1759013776"


def test_it_makes_a_check_remainder_of_ten_a_zero() -> None:
    # -1*0 + 5*0 + 7*0 + 9*0 + 4*0 + 6*0 + 10*1 + 5*0 + 7*0 = 10: mod 11 is 10, mod 10 is 0.
    assert rnokpp_check_digit("000000100") == 0
    assert normalise_document("rnokpp", "0000001000") == "0000001000"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_it_accepts_any_nine_digits_with_their_check_digit(first_nine: str) -> None:
    number = with_check_digit(first_nine)
    assert normalise_document("rnokpp", number) == number


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(min_value=0, max_value=9),
    digits,
)
def test_it_catches_a_changed_digit_unless_the_sum_moves_between_0_and_10_mod_11(
    first_nine: str, position: int, digit: str
) -> None:
    """One changed digit changes the weighted sum by weight * difference, never a multiple of
    11 (no weight is, and a difference is below 11), so the sum mod 11 always changes. The
    final "mod 10" folds 10 onto 0, so a change that moves the sum between 0 and 10 mod 11
    keeps the check digit 0 and is NOT caught. A changed check digit is always caught."""
    number = with_check_digit(first_nine)
    typo = number[:position] + digit + number[position + 1 :]
    assume(typo != number)
    weights = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
    residues = {
        sum(w * int(d) for w, d in zip(weights, candidate[:9], strict=True)) % 11
        for candidate in (number, typo)
    }
    if residues == {0, 10}:
        assert normalise_document("rnokpp", typo) == typo
    else:
        assert code_of("rnokpp", typo) == "check_digit"


def test_some_changed_digits_are_not_caught() -> None:
    # The honest limit of the published algorithm, shown once: 0000000000 (sum 0) and
    # 0000001000 (sum 10) both end in 0; they differ in one digit.
    assert normalise_document("rnokpp", "0000000000") == "0000000000"
    assert normalise_document("rnokpp", "0000001000") == "0000001000"


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2173, 10, 13)))
def test_it_reads_the_birth_date_back_from_a_number_made_for_it(born: datetime.date) -> None:
    number = with_check_digit(f"{(born - RNOKPP_EPOCH).days:05d}1234")
    assert rnokpp_birth_date(number) == born
    assert normalise_document("rnokpp", number, birth_date=born) == number
    other_day = born + datetime.timedelta(days=1)
    assert code_of("rnokpp", number, other_day) == "birth_date_mismatch"


# --- look-alike letters ----------------------------------------------------------------


@pytest.mark.parametrize(("latin", "cyrillic"), LOOKALIKES)
def test_it_maps_latin_look_alikes_into_cyrillic_series(latin: str, cyrillic: str) -> None:
    assert normalise_document("passport_booklet", f"{latin}{latin.lower()}123456") == (
        f"{cyrillic}{cyrillic}123456"
    )
    assert normalise_document("birth_certificate", f"V-{latin}{cyrillic}123456") == (
        f"V-{cyrillic}{cyrillic}123456"
    )


@pytest.mark.parametrize(("latin", "cyrillic"), LOOKALIKES)
def test_it_maps_cyrillic_look_alikes_into_latin_series(latin: str, cyrillic: str) -> None:
    assert normalise_document("foreign_passport", f"{cyrillic}{cyrillic.lower()}123456") == (
        f"{latin}{latin}123456"
    )


# --- idempotence -----------------------------------------------------------------------

six_digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
ukrainian_pair = st.text(alphabet=sorted(UKRAINIAN_LETTERS), min_size=2, max_size=2)
latin_pair = st.text(alphabet=sorted(LATIN_LETTERS), min_size=2, max_size=2)
roman = st.integers(min_value=1, max_value=39).map(
    lambda n: "X" * (n // 10) + ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][n % 10]
)

canonical_numbers = st.one_of(
    st.tuples(st.just("passport_booklet"), st.builds(str.__add__, ukrainian_pair, six_digits)),
    st.tuples(st.just("id_card"), st.text(alphabet="0123456789", min_size=9, max_size=9)),
    st.tuples(
        st.just("rnokpp"),
        st.text(alphabet="0123456789", min_size=9, max_size=9).map(with_check_digit),
    ),
    st.tuples(
        st.just("idp_certificate"),
        st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: f"{d[:4]}-{d[4:]}"),
    ),
    st.tuples(
        st.just("birth_certificate"),
        st.builds(lambda r, s, d: f"{r}-{s}{d}", roman, ukrainian_pair, six_digits),
    ),
    st.tuples(
        st.just("pension_certificate"),
        st.text(
            alphabet=sorted(UKRAINIAN_LETTERS | LATIN_LETTERS) + list("0123456789"),
            min_size=4,
            max_size=20,
        ).map(lambda text: normalise_document("pension_certificate", text)),
    ),
    st.tuples(st.just("foreign_passport"), st.builds(str.__add__, latin_pair, six_digits)),
)


@given(canonical_numbers)
def test_it_gives_a_canonical_number_back_unchanged(kind_and_number: tuple[str, str]) -> None:
    kind, number = kind_and_number
    assert normalise_document(kind, number) == number
    assert normalise_document(kind, display_document(kind, number)) == number
    assert normalise_document(kind, f"  {number.lower()}  ") == number


@given(st.sampled_from(list(DocumentType)), st.text(max_size=30))
def test_it_never_crashes_and_is_idempotent_on_any_input(kind: DocumentType, raw: str) -> None:
    try:
        number = normalise_document(kind, raw)
    except InvalidDocument as invalid:
        assert invalid.code in ERROR_CODES
    else:
        assert normalise_document(kind, number) == number
