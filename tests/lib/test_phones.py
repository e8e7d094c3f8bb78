from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.phones import ERROR_CODES, InvalidPhone, display_phone, normalise_phone

# Synthetic numbers only: the brief's "067 123 45 67" and the example numbers that
# libphonenumber's metadata gives for each country.


def code_of(raw: str, region: str = "UA") -> str:
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(raw, region=region)
    assert caught.value.code in ERROR_CODES
    assert str(caught.value) == caught.value.code
    return caught.value.code


@pytest.mark.parametrize(
    "raw",
    [
        "067 123 45 67",
        "0671234567",
        "067-123-45-67",
        "(067) 123 45 67",
        "+38 (067) 123-45-67",
        "+38 067 1234567",
        "+380671234567",
        "380671234567",
        "38 067 123 45 67",
        "00380671234567",  # dialled from Ukraine through the international prefix
        "8 067 123 45 67",  # the trunk prefix of before 2010
        "80671234567",
        "  067 123 45 67\n",
        "067 123 45 6７",  # a full-width digit from a phone keyboard
    ],
)
def test_it_reads_ukrainian_national_forms(raw: str) -> None:
    assert normalise_phone(raw) == "+380671234567"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("044 123 45 67", "+380441234567"),  # a Kyiv landline
        ("03112 34567", "+380311234567"),
        ("+48 512 345 678", "+48512345678"),  # Polish mobile
        ("0048 512 345 678", "+48512345678"),
        ("+48 12 345 67 89", "+48123456789"),
        ("+49 1512 3456789", "+4915123456789"),  # German mobile
        ("+49 30 123456", "+4930123456"),
        ("+373 621 12 345", "+37362112345"),  # Moldovan mobile
        ("+373 22 212 345", "+37322212345"),
        ("+44 7400 123456", "+447400123456"),
    ],
)
def test_it_reads_landlines_and_foreign_numbers(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


def test_it_reads_a_number_without_plus_in_the_region_given() -> None:
    assert normalise_phone("512 345 678", region="PL") == "+48512345678"
    # In Poland "8 0..." is no Ukrainian trunk prefix.
    code_of("80671234567", region="PL")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("phone", "not_a_number"),
        ("+38 O67 123 45 67", "not_a_number"),  # letter O for zero
        ("+999 123 456", "invalid_country"),
        ("+80671234567", "invalid_country"),  # "+8..." is read as a country code
        ("12", "too_short"),
        ("+380", "too_short"),
        ("+7 999", "too_short"),
        ("067 123", "too_short"),
        ("+380 67123 45", "too_short"),  # dialable only locally: digits missing
        ("067 1234 5678 901", "too_long"),
        ("+38067123456789", "too_long"),
        ("+380 11 123 4567", "invalid"),  # no such operator code
        ("+380 67 123 4567 5", "invalid"),
        ("067 123 45 67 ext. 5", "extension"),
    ],
)
def test_it_names_what_is_wrong(raw: str, code: str) -> None:
    assert code_of(raw) == code


def test_every_error_code_can_be_raised() -> None:
    raised = {
        code_of(raw)
        for raw in ["", "phone", "+999 123 456", "12", "+38067123456789", "+380 11 123 4567"]
    }
    raised.add(code_of("067 123 45 67 ext. 5"))
    assert raised == ERROR_CODES


def test_it_keeps_the_number_typed_out_of_the_exception_text() -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone("+380 11 123 4567")
    assert "123" not in str(caught.value)
    assert "123" not in repr(caught.value)


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+380671234567", "+380 67 123 4567"),
        ("+48512345678", "+48 512 345 678"),
        ("+37322212345", "+373 22 212 345"),
        ("not a number", "not a number"),  # an old hand-typed value is shown as it is
    ],
)
def test_it_displays_in_international_format(e164: str, shown: str) -> None:
    assert display_phone(e164) == shown


valid_numbers = st.sampled_from(
    [
        phonenumbers.example_number_for_type(region, kind)
        for region in ["UA", "PL", "DE", "MD", "RO", "SK", "HU", "GB", "US"]
        for kind in [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
    ]
)


FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]


@given(valid_numbers, st.sampled_from(FORMATS))
def test_it_gives_the_same_e164_for_every_written_form(
    number: phonenumbers.PhoneNumber, written_as: int
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number)
    assert region is not None
    written = phonenumbers.format_number(number, written_as)
    assert normalise_phone(written, region=region) == e164
    assert normalise_phone(e164) == e164
    assert normalise_phone(display_phone(e164)) == e164


@given(st.text(max_size=30))
def test_it_never_crashes_and_is_idempotent_on_any_input(raw: str) -> None:
    try:
        e164 = normalise_phone(raw)
    except InvalidPhone as invalid:
        assert invalid.code in ERROR_CODES
    else:
        assert normalise_phone(e164) == e164
