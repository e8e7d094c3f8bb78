"""Beneficiary card codes.

A code is 10 random symbols of Crockford's base 32 (50 bits: guessing one of a town's ten
thousand cards takes about 10^11 tries) and 2 check symbols, printed as ``XXXX-XXXX-XXXX``
under the QR code. The check symbols tell a mistyped code ("malformed") from a well-formed
code nobody was given ("unknown").

A USB scanner is a keyboard: when the laptop's layout is Ukrainian it types ``ФИ`` where the
card says ``AB``. Such input is mapped back by key position, as are Crockford's look-alikes
(O for 0, I and L for 1), spaces and dashes.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 10
CHECK_LENGTH = 2
LENGTH = RANDOM_LENGTH + CHECK_LENGTH

# Key positions of the Ukrainian and Russian ЙЦУКЕН layouts, as the Latin letter on that key.
_LAYOUT = {
    "Й": "Q", "Ц": "W", "У": "E", "К": "R", "Е": "T", "Н": "Y", "Г": "U", "Ш": "I",
    "Щ": "O", "З": "P", "Ф": "A", "І": "S", "Ы": "S", "В": "D", "А": "F", "П": "G",
    "Р": "H", "О": "J", "Л": "K", "Д": "L", "Я": "Z", "Ч": "X", "С": "C", "М": "V",
    "И": "B", "Т": "N", "Ь": "M",
}  # fmt: skip
_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
_IGNORED = {" ", "-", "\t", "\u00a0", "\u2010", "\u2011", "\u2012", "\u2013"}


class MalformedCode(ValueError):
    """The input cannot be a card code; `reason` says why, for the volunteer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_PRIME = 1021  # the largest prime below 32 * 32: the check fits in two symbols


def _check(payload: str) -> str:
    """Weighted sum of the symbols modulo a prime: any single wrong symbol, and any swap of
    two symbols, changes it (the change is a product of two numbers below the prime)."""
    total = sum((index + 1) * ALPHABET.index(char) for index, char in enumerate(payload))
    total %= _PRIME
    return ALPHABET[total // 32] + ALPHABET[total % 32]


def generate() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + _check(payload)


def normalise(raw: str) -> str:
    """The canonical 12-symbol code for what was typed or scanned, or MalformedCode.

    reasons: "empty", "length", "symbol", "check".
    """
    symbols = []
    for char in raw.strip().upper():
        if char in _IGNORED:
            continue
        char = _LAYOUT.get(char, char)
        char = _LOOKALIKES.get(char, char)
        symbols.append(char)
    code = "".join(symbols)
    if not code:
        raise MalformedCode("empty")
    if any(char not in ALPHABET for char in code):
        raise MalformedCode("symbol")
    if len(code) != LENGTH:
        raise MalformedCode("length")
    if _check(code[:RANDOM_LENGTH]) != code[RANDOM_LENGTH:]:
        raise MalformedCode("check")
    return code


def display(code: str) -> str:
    """``XXXX-XXXX-XXXX``, as printed under the QR code."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
