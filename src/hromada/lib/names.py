"""Name normalisation for search: what a volunteer types should find what a registrar wrote."""

from __future__ import annotations

import unicodedata

# Ukrainian names carry an apostrophe (Знам'янка, В'ячеслав) typed in many ways.
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "´": "'", "′": "'"})


def fold(text: str) -> str:
    """Case-folded, composed, one kind of apostrophe, single spaces.

    SQLite's LIKE folds case only for ASCII, so the registry searches a folded copy of each
    name rather than asking the database to fold Cyrillic."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return " ".join(text.split())
