from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib import cardcode

LATIN_TO_UKRAINIAN_KEY = {latin: cyr for cyr, latin in cardcode._LAYOUT.items() if cyr != "Ы"}


def test_it_generates_codes_that_validate() -> None:
    for _ in range(200):
        code = cardcode.generate()
        assert len(code) == cardcode.LENGTH
        assert cardcode.normalise(code) == code


def test_it_generates_different_codes() -> None:
    assert len({cardcode.generate() for _ in range(1000)}) == 1000


def test_it_reads_the_printed_form_with_dashes_and_lower_case() -> None:
    code = cardcode.generate()
    assert cardcode.normalise(cardcode.display(code).lower()) == code
    assert cardcode.normalise(f"  {cardcode.display(code)}\n") == code


def test_it_reads_a_scan_typed_in_the_ukrainian_keyboard_layout() -> None:
    code = cardcode.generate()
    typed = "".join(LATIN_TO_UKRAINIAN_KEY.get(char, char) for char in code)
    assert cardcode.normalise(typed) == code


def test_it_reads_look_alike_letters_as_digits() -> None:
    code = "0" * 10
    code += cardcode._check(code)
    assert cardcode.normalise("O" * 10 + code[10:]) == code


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), ("   ", "empty"), ("1234", "length"), ("ABCD-EFGH-!JKM", "symbol"),
     ("ABCDEFGHJKMNPQ", "length"), ("Ж" * 12, "symbol")],
)  # fmt: skip
def test_it_names_what_is_wrong_with_a_malformed_code(raw: str, reason: str) -> None:
    with pytest.raises(cardcode.MalformedCode) as caught:
        cardcode.normalise(raw)
    assert caught.value.reason == reason


@given(st.integers(min_value=0, max_value=11), st.sampled_from(cardcode.ALPHABET))
def test_it_catches_every_single_typo_by_the_check_symbols(position: int, symbol: str) -> None:
    code = cardcode.generate()
    typo = code[:position] + symbol + code[position + 1 :]
    if typo == code:
        return
    with pytest.raises(cardcode.MalformedCode):
        cardcode.normalise(typo)


@given(st.integers(min_value=0, max_value=10))
def test_it_catches_every_swap_of_neighbouring_symbols(position: int) -> None:
    code = cardcode.generate()
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped == code:
        return
    with pytest.raises(cardcode.MalformedCode):
        cardcode.normalise(swapped)


@given(st.text(max_size=40))
def test_it_never_crashes_on_any_input(raw: str) -> None:
    try:
        code = cardcode.normalise(raw)
    except cardcode.MalformedCode as malformed:
        assert malformed.reason in {"empty", "symbol", "length", "check"}
    else:
        assert len(code) == cardcode.LENGTH
