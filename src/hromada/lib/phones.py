"""Phone numbers: what a registrar types becomes E.164 ("+380671234567"), by `phonenumbers`.

Ukrainian numbers are read in every national form ("067 123 45 67", "+38 (067) 123-45-67",
"380671234567"); a foreign number needs its country code ("+48 ...", or "0048 ..." dialled
from Ukraine). `InvalidPhone.code` says what is wrong; the Django layer turns it into a
translated message. The exception's text is its code only, never the number.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

ERROR_CODES = frozenset(
    {"empty", "not_a_number", "invalid_country", "too_short", "too_long", "invalid", "extension"}
)


class InvalidPhone(ValueError):
    """The input cannot be a phone number; `code` says why (see ERROR_CODES)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}

_POSSIBILITY_ERRORS = {
    ValidationResult.INVALID_COUNTRY_CODE: "invalid_country",
    ValidationResult.TOO_SHORT: "too_short",
    # Possible only when dialled locally: the area or operator code is missing.
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too_short",
    ValidationResult.TOO_LONG: "too_long",
    ValidationResult.INVALID_LENGTH: "invalid",
}

# Before 2010 a Ukrainian long-distance call began with the trunk prefix 8: "8 067 123 45 67".
# Many elderly people still write numbers that way.
_OLD_TRUNK_PREFIX = re.compile(r"8(0\d{9})")


def _parse(raw: str, region: str) -> PhoneNumber:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException as error:
        raise InvalidPhone(_PARSE_ERRORS.get(error.error_type, "not_a_number")) from None


def _check(number: PhoneNumber) -> None:
    if number.extension:
        # E.164 has no place for an extension, and dropping it silently would store a number
        # that does not reach the person.
        raise InvalidPhone("extension")
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(_POSSIBILITY_ERRORS.get(reason, "invalid"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("invalid")


def normalise_phone(raw: str, *, region: str = "UA") -> str:
    """The E.164 form of a phone number, or InvalidPhone.

    `region` is the country a number without "+" is read in."""
    if not raw.strip():
        raise InvalidPhone("empty")
    number = _parse(raw, region)
    try:
        _check(number)
    except InvalidPhone:
        old_form = _OLD_TRUNK_PREFIX.fullmatch(re.sub(r"\D", "", raw))
        if region != "UA" or raw.lstrip().startswith("+") or old_form is None:
            raise
        number = _parse(old_form.group(1), region)
        _check(number)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """International format, "+380 67 123 4567"; anything unreadable is shown unchanged, so a
    page never fails on an old value."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
