from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.names import fold


def test_it_folds_cyrillic_case() -> None:
    assert fold("КОВАЛЬ Оксана") == "коваль оксана"


def test_it_makes_every_apostrophe_one() -> None:
    assert fold("Знам’янська") == fold("Знамʼянська") == fold("Знам'янська")


def test_it_composes_combining_marks() -> None:
    assert fold("Ї") == fold("Ї")  # І + combining diaeresis, and the composed letter


@given(st.text())
def test_it_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
