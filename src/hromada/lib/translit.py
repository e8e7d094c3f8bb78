"""Romanisation of Ukrainian (and Russian) names.

`romanise` is the official Ukrainian system, Cabinet of Ministers resolution No. 55 of
27.01.2010 ("KMU-55"): what a Ukrainian foreign passport prints since 2010, and the Latin form
hromada derives for display and exports.

`romanise_as` renders the same text in the other systems that people's papers and hurried lists
actually carry: older passports, BGN/PCGN, ISO 9, German, and Russian-written names. The matcher
never relies on one of them being used; they exist so tests and the benchmark's generator can
produce the spellings a registrar meets.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

# A value is either one Latin string, or (at the start of a word, elsewhere) for the letters
# whose rendering depends on position.
_Rendering = str | tuple[str, str]

_APOSTROPHES: Final = frozenset("'’ʼ`‘´′")


@dataclass(frozen=True, slots=True)
class _System:
    letters: dict[str, _Rendering]
    # Letters after which a positional letter counts as "at the start" (besides a word start):
    # Russian BGN/PCGN writes Сергеевна as Sergeyevna, the e after a vowel as ye.
    initial_after: frozenset[str] = frozenset()
    # Sequences rendered as a unit, checked before single letters (KMU-55: зг -> zgh).
    pairs: tuple[tuple[str, str], ...] = ()


_UK_COMMON: Final[dict[str, _Rendering]] = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "",
}  # fmt: skip

_KMU55 = _System(
    letters={
        **_UK_COMMON,
        "є": ("ye", "ie"),
        "ї": ("yi", "i"),
        "й": ("y", "i"),
        "ю": ("yu", "iu"),
        "я": ("ya", "ia"),
        "'": "",
    },
    pairs=(("зг", "zgh"),),
)

_BGN_PCGN = _System(
    letters={
        **_UK_COMMON,
        "є": "ye",
        "ї": "yi",
        "й": "y",
        "ю": "yu",
        "я": "ya",
        "ь": "'",
        "'": '"',
    },
    # BGN/PCGN marks зг with a middle dot so that it is not read as ж.
    pairs=(("зг", "z·h"),),
)

# fmt: off
_ISO9 = _System(letters={
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g̀", "д": "d", "е": "e", "є": "ê",
    "ж": "ž", "з": "z", "и": "i", "і": "ì", "ї": "ï", "й": "j", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ", "ь": "ʹ", "ю": "û",
    "я": "â", "'": "ʼ",
})
# fmt: on

# What Ukrainian passports printed before 2010: y-glides everywhere, Oleksiy, Tetyana. Their
# practice for зг varied; zgh (as in the 1996 national system) is what the registry meets most.
_PASSPORT_2007 = _System(
    letters={
        **_UK_COMMON,
        "є": "ye",
        "ї": "yi",
        "й": "y",
        "ю": "yu",
        "я": "ya",
        "'": "",
    },
    pairs=(("зг", "zgh"),),
)

# fmt: off
_GERMAN = _System(letters={
    "а": "a", "б": "b", "в": "w", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "je",
    "ж": "sh", "з": "s", "и": "y", "і": "i", "ї": "ji", "й": "j", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ь": "",
    "ю": "ju", "я": "ja", "'": "",
})
# fmt: on

_RU_COMMON: Final[dict[str, _Rendering]] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ы": "y", "э": "e",
}  # fmt: skip

# BGN/PCGN 1947 for Russian, as English-language lists write it (the soft sign left out):
# Татьяна -> Tatyana, Игорь -> Igor, Алексеевна -> Alekseyevna.
_RU_BGN = _System(
    letters={
        **_RU_COMMON,
        "е": ("ye", "e"),
        "ё": ("yë", "ë"),
        "й": "y",
        "ъ": "",
        "ю": "yu",
        "я": "ya",
    },
    initial_after=frozenset("аеёиоуыэюяйъьaeiouy"),
)

# Russian passports since 2013 (ICAO Doc 9303): Tatiana, Liudmila, Aleksei.
_RU_PASSPORT = _System(
    letters={
        **_RU_COMMON,
        "е": "e",
        "ё": "e",
        "й": "i",
        "ъ": "ie",
        "ю": "iu",
        "я": "ia",
    }
)

SYSTEMS: Final[dict[str, _System]] = {
    "kmu55": _KMU55,
    "bgn_pcgn": _BGN_PCGN,
    "iso9": _ISO9,
    "passport_2007": _PASSPORT_2007,
    "german": _GERMAN,
    "ru_bgn": _RU_BGN,
    "ru_passport": _RU_PASSPORT,
}
UKRAINIAN_SYSTEMS: Final = ("kmu55", "bgn_pcgn", "iso9", "passport_2007", "german")
RUSSIAN_SYSTEMS: Final = ("ru_bgn", "ru_passport")


def romanise(text: str) -> str:
    """Ukrainian text in the official Latin form (KMU-55); other characters pass through."""
    return romanise_as(text, "kmu55")


def romanise_as(text: str, system: str) -> str:
    """`text` in the named system (a key of `SYSTEMS`); unknown letters pass through."""
    try:
        spec = SYSTEMS[system]
    except KeyError:
        raise ValueError(f"unknown romanisation system: {system!r}") from None
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        low = ch.lower()
        if low in _APOSTROPHES:
            low = "'"
        rendered: str | None = None
        width = 1
        for cyr, lat in spec.pairs:
            if text[i : i + len(cyr)].lower() == cyr:
                rendered, width = lat, len(cyr)
                break
        if rendered is None:
            value = spec.letters.get(low)
            if value is None:
                out.append(ch)
                i += 1
                continue
            if isinstance(value, tuple):
                rendered = value[0] if _is_initial(text, i, spec) else value[1]
            else:
                rendered = value
        out.append(_with_case(rendered, text, i, width))
        i += width
    return "".join(out)


def _is_initial(text: str, i: int, spec: _System) -> bool:
    if i == 0:
        return True
    prev = text[i - 1].lower()
    if prev in _APOSTROPHES:
        # Знам'янка: an apostrophe is inside the word (KMU-55 gives Znamianka, not Znamyanka).
        return False
    if not prev.isalpha():
        return True
    return prev in spec.initial_after


def _with_case(rendered: str, text: str, i: int, width: int) -> str:
    """Copy the case of the source letters: Щербина -> Shcherbyna, ЩЕРБИНА -> SHCHERBYNA."""
    source = text[i : i + width]
    if not rendered or not source[0].isupper():
        return rendered
    if len(source) > 1 and source[1].isupper():
        return rendered.upper()
    if len(source) == 1 and _word_is_upper(text, i):
        return rendered.upper()
    return rendered[0].upper() + rendered[1:]


def _word_is_upper(text: str, i: int) -> bool:
    # A capital inside an all-capital word (a surname in a printed list) stays all capitals; a
    # lone capital (Юрій, or the Я in a one-letter initial) only has its first letter raised.
    neighbours = [c for c in (text[i - 1 : i] + text[i + 1 : i + 2]) if c.isalpha()]
    return bool(neighbours) and all(c.isupper() for c in neighbours)
