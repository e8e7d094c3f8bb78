"""What the registrar reads when lib's validators refuse a document number or a phone: lib
answers with codes (it knows no language), this turns them into sentences."""

# ruff: noqa: E501 (whole sentences on one line: easier to match with their translations)
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.lib.documents import InvalidDocument
from hromada.lib.phones import InvalidPhone

_DOCUMENT = {
    "unknown_type": gettext_lazy(
        "“%(kind)s” is not a document type the registry knows: choose the type from the list."
    ),
    "empty": gettext_lazy(
        "The document number is empty: type it as it is printed on the document."
    ),
    "wrong_length": gettext_lazy(
        "The number must have %(expected)s digits, but %(got)s were typed: look for a missing or an extra digit."
    ),
    "length_range": gettext_lazy(
        "The number must be %(minimum)s to %(maximum)s letters and digits long, but %(got)s were typed."
    ),
    "not_digits": gettext_lazy(
        "The number may contain only the digits 0–9: look for a letter typed instead of a digit (O for 0, З for 3)."
    ),
    "bad_characters": gettext_lazy(
        "The number may contain only letters and digits: remove other signs such as / or a full stop."
    ),
    "series_letters": gettext_lazy(
        "The series must be two letters before the digits, as in %(example)s."
    ),
    "series_roman": gettext_lazy(
        "The series must start with a Roman numeral (I, II, IV, V…), then a dash and two letters, as in %(example)s."
    ),
    "check_digit": gettext_lazy(
        "The tax number's check digit does not match: check the ten digits again."
    ),
    "birth_date_mismatch": gettext_lazy(
        "By its first five digits this tax number is for a person born on %(number_date)s, but the date of birth entered is %(birth_date)s: check both."
    ),
    "unzr_not_number": gettext_lazy(
        "This is the record number in the register (УНЗР, YYYYMMDD-NNNNN), not the document number: type the 9-digit document number printed on the card."
    ),
}

_PHONE = {
    "empty": gettext_lazy("The phone number is empty."),
    "not_a_number": gettext_lazy(
        "This does not look like a phone number: use digits, with + only at the start."
    ),
    "invalid_country": gettext_lazy(
        "The country code after + is unknown: check it (Ukraine is +380, Poland +48)."
    ),
    "too_short": gettext_lazy(
        "The phone number is too short: a digit or the operator code is missing (for example 067 123 45 67)."
    ),
    "too_long": gettext_lazy("The phone number is too long: look for an extra digit."),
    "invalid": gettext_lazy(
        "No such number exists in that country: check the operator code and the digits. Type a foreign number with + and its country code."
    ),
    "extension": gettext_lazy(
        "Type the phone number without the extension (ext., доб.); write the extension in a note."
    ),
}


def document_error(error: InvalidDocument) -> str:
    message = _DOCUMENT.get(error.code)
    if message is None:
        return _("This document number is not valid.")
    return str(message) % error.params


def phone_error(error: InvalidPhone) -> str:
    message = _PHONE.get(error.code)
    if message is None:
        return _("This is not a phone number that can be called.")
    return str(message)
