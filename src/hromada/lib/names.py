"""Name normalisation for search: what a volunteer types should find what a registrar wrote.

`name_key` turns one name, written in any script and any romanisation, into a short key that is
the same for Людмила, Liudmyla, Lyudmila, Ludmila, Ljudmyla and Lûdmila. It works in three
steps:

1. Cyrillic (Ukrainian or Russian letters) is spelled into a coarse Latin alphabet; Latin input
   has its digraphs (kh, zh, shch, sch, tsch, ts, x, w, ISO 9 diacritics) reduced to the same
   alphabet.
2. The spelling is folded phonetically: the consonants that systems disagree on share a class
   (г/ґ/х/ч, because h, g, kh and ch each stand for more than one of them across systems;
   з/с/ц, because German writes з as s and ц as z; ж/ш/щ, because German writes ж as sh), every
   y/j/i is one i, a glide i is dropped between vowels and after a consonant (Liudmyla, Lyudmila
   and Ludmila all become ludmila), є = е, a final -ev becomes -ov (Kovalev = Kovalov), and
   double letters are single.
3. Russian forms are replaced by the Ukrainian one through a table of given names and the
   patronymics made from them (Елена -> Олена, Игорь -> Ігор, Сергеевна -> Сергіївна), in
   Cyrillic and in their usual Latin spellings.

The trade-off: the key is coarse on purpose, and so merges a few names that are different
(Чорна and Горна, Зоя and Соя, Діана and Дана). The matcher never decides on a key alone: it
also compares the spelling, the other names, the birth date and the documents. What the key must
not merge are female and male forms (Іван/Іванна, Олександр/Олександра, Євген/Євгенія), and
Ольга/Олена/Альона; the tests hold it to that. Ганна and Анна share a key: registrars write
either for the same woman.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from hromada.lib.translit import RUSSIAN_SYSTEMS, romanise_as

# Ukrainian names carry an apostrophe (Знам'янка, В'ячеслав) typed in many ways.
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "´": "'", "′": "'"})


def fold(text: str) -> str:
    """Case-folded, composed, one kind of apostrophe, single spaces.

    SQLite's LIKE folds case only for ASCII, so the registry searches a folded copy of each
    name rather than asking the database to fold Cyrillic."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


# Ukrainian given names with their Russian forms, (Ukrainian, Russian, sex). A Ukrainian name
# that has a second Ukrainian form lists it as another row (Анна -> Ганна).
GIVEN_NAMES: Final[tuple[tuple[str, str, str], ...]] = (
    # women
    ("Олена", "Елена", "f"), ("Наталія", "Наталья", "f"), ("Наталія", "Наталия", "f"),
    ("Ольга", "Ольга", "f"), ("Тетяна", "Татьяна", "f"), ("Людмила", "Людмила", "f"),
    ("Світлана", "Светлана", "f"), ("Ірина", "Ирина", "f"), ("Галина", "Галина", "f"),
    ("Ганна", "Анна", "f"), ("Ганна", "Ганна", "f"), ("Марія", "Мария", "f"),
    ("Катерина", "Екатерина", "f"), ("Валентина", "Валентина", "f"), ("Надія", "Надежда", "f"),
    ("Любов", "Любовь", "f"), ("Віра", "Вера", "f"), ("Лідія", "Лидия", "f"),
    ("Ніна", "Нина", "f"), ("Тамара", "Тамара", "f"), ("Оксана", "Оксана", "f"),
    ("Юлія", "Юлия", "f"), ("Вікторія", "Виктория", "f"), ("Олександра", "Александра", "f"),
    ("Антоніна", "Антонина", "f"), ("Раїса", "Раиса", "f"), ("Зінаїда", "Зинаида", "f"),
    ("Лариса", "Лариса", "f"), ("Євгенія", "Евгения", "f"), ("Алла", "Алла", "f"),
    ("Інна", "Инна", "f"), ("Яна", "Яна", "f"), ("Дарина", "Дарья", "f"),
    ("Анастасія", "Анастасия", "f"), ("Софія", "София", "f"), ("Софія", "Софья", "f"),
    ("Ксенія", "Ксения", "f"), ("Поліна", "Полина", "f"), ("Аліна", "Алина", "f"),
    ("Христина", "Кристина", "f"), ("Вероніка", "Вероника", "f"), ("Діана", "Диана", "f"),
    ("Маргарита", "Маргарита", "f"), ("Єлизавета", "Елизавета", "f"), ("Зоя", "Зоя", "f"),
    ("Клавдія", "Клавдия", "f"), ("Валерія", "Валерия", "f"), ("Лілія", "Лилия", "f"),
    ("Альона", "Алёна", "f"), ("Марина", "Марина", "f"), ("Уляна", "Ульяна", "f"),
    ("Ярослава", "Ярослава", "f"), ("Мирослава", "Мирослава", "f"), ("Богдана", "Богдана", "f"),
    ("Жанна", "Жанна", "f"), ("Євдокія", "Евдокия", "f"), ("Олеся", "Олеся", "f"),
    ("Сніжана", "Снежана", "f"), ("Таїсія", "Таисия", "f"), ("Станіслава", "Станислава", "f"),
    ("Руслана", "Руслана", "f"), ("Іванна", "Иванна", "f"), ("Василина", "Василина", "f"),
    ("Соломія", "Соломия", "f"), ("Зоряна", "Зоряна", "f"),
    # men
    ("Олександр", "Александр", "m"), ("Сергій", "Сергей", "m"), ("Олексій", "Алексей", "m"),
    ("Микола", "Николай", "m"), ("Дмитро", "Дмитрий", "m"), ("Володимир", "Владимир", "m"),
    ("Михайло", "Михаил", "m"), ("Євген", "Евгений", "m"), ("Юрій", "Юрий", "m"),
    ("Василь", "Василий", "m"), ("Петро", "Пётр", "m"), ("Іван", "Иван", "m"),
    ("Григорій", "Григорий", "m"), ("Віктор", "Виктор", "m"), ("Андрій", "Андрей", "m"),
    ("Анатолій", "Анатолий", "m"), ("Ігор", "Игорь", "m"), ("Віталій", "Виталий", "m"),
    ("Валерій", "Валерий", "m"), ("Валентин", "Валентин", "m"), ("Олег", "Олег", "m"),
    ("Павло", "Павел", "m"), ("Богдан", "Богдан", "m"), ("Ярослав", "Ярослав", "m"),
    ("Роман", "Роман", "m"), ("Тарас", "Тарас", "m"), ("Степан", "Степан", "m"),
    ("Максим", "Максим", "m"), ("Денис", "Денис", "m"), ("Артем", "Артём", "m"),
    ("Антон", "Антон", "m"), ("Костянтин", "Константин", "m"), ("Леонід", "Леонид", "m"),
    ("Борис", "Борис", "m"), ("Вадим", "Вадим", "m"), ("Геннадій", "Геннадий", "m"),
    ("Георгій", "Георгий", "m"), ("Федір", "Фёдор", "m"), ("Семен", "Семён", "m"),
    ("Яків", "Яков", "m"), ("Ілля", "Илья", "m"), ("Кирило", "Кирилл", "m"),
    ("Данило", "Даниил", "m"), ("Матвій", "Матвей", "m"), ("Тимофій", "Тимофей", "m"),
    ("Арсеній", "Арсений", "m"), ("Владислав", "Владислав", "m"),
    ("Станіслав", "Станислав", "m"), ("Руслан", "Руслан", "m"), ("Едуард", "Эдуард", "m"),
    ("Аркадій", "Аркадий", "m"), ("Захар", "Захар", "m"), ("Назар", "Назар", "m"),
    ("Остап", "Остап", "m"), ("Святослав", "Святослав", "m"), ("В'ячеслав", "Вячеслав", "m"),
    ("Ростислав", "Ростислав", "m"), ("Лев", "Лев", "m"), ("Йосип", "Иосиф", "m"),
    ("Яким", "Аким", "m"), ("Панас", "Афанасий", "m"), ("Микита", "Никита", "m"),
    ("Гліб", "Глеб", "m"), ("Пилип", "Филипп", "m"), ("Марко", "Марк", "m"),
    ("Тимур", "Тимур", "m"), ("Мирослав", "Мирослав", "m"), ("Олесь", "Олесь", "m"),
)  # fmt: skip

# Latin spellings of a name that no romanisation of its Cyrillic forms produces.
_LATIN_EXTRA: Final[dict[str, tuple[str, ...]]] = {
    "Олександр": ("Alexander", "Aleksander", "Alexandr"),
    "Олександра": ("Alexandra", "Aleksandra"),
    "Ганна": ("Anna", "Ana", "Hanna", "Ganna"),
    "Наталія": ("Natalie",),
    "Катерина": ("Katherine", "Catherine", "Kateryna"),
    "Марія": ("Maria", "Mariya"),
    "Юлія": ("Julia", "Yulia"),
    "Євген": ("Eugene",),
    "Євгенія": ("Eugenia",),
    "Георгій": ("George",),
}

# Ukrainian patronymics that do not follow the rule below (Григорій -> Григорович).
_UK_PATRONYMIC_EXCEPTIONS: Final[dict[str, tuple[str, str]]] = {
    "Микола": ("Миколайович", "Миколаївна"),
    "Григорій": ("Григорович", "Григорівна"),
    "Ілля": ("Ілліч", "Іллівна"),
    "Микита": ("Микитович", "Микитівна"),
    "Яків": ("Якович", "Яківна"),
    "Лев": ("Львович", "Львівна"),
}
_RU_PATRONYMIC_EXCEPTIONS: Final[dict[str, tuple[str, str]]] = {
    "Михаил": ("Михайлович", "Михайловна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Лев": ("Львович", "Львовна"),
    "Яков": ("Яковлевич", "Яковлевна"),
    "Аким": ("Акимович", "Акимовна"),
}


def uk_patronymics(given: str) -> tuple[str, str]:
    """(male, female) Ukrainian patronymic from a Ukrainian male given name."""
    if given in _UK_PATRONYMIC_EXCEPTIONS:
        return _UK_PATRONYMIC_EXCEPTIONS[given]
    if given.endswith("й"):  # Сергій -> Сергійович, Сергіївна
        return given + "ович", given[:-1] + "ївна"
    if given.endswith(("о", "а")):  # Петро -> Петрович, Петрівна
        return given[:-1] + "ович", given[:-1] + "івна"
    if given.endswith("ь"):  # Василь -> Васильович, Василівна
        return given + "ович", given[:-1] + "івна"
    return given + "ович", given + "івна"  # Іван -> Іванович, Іванівна


def ru_patronymics(given: str) -> tuple[tuple[str, str], ...]:
    """(male, female) Russian patronymics from a Russian male given name; some have two forms."""
    if given in _RU_PATRONYMIC_EXCEPTIONS:
        return (_RU_PATRONYMIC_EXCEPTIONS[given],)
    if given.endswith("ий"):  # Юрий -> Юрьевич; Дмитрий -> Дмитриевич: both are written
        stem = given[:-2]
        return ((stem + "ьевич", stem + "ьевна"), (stem + "иевич", stem + "иевна"))
    if given.endswith(("ей", "ай")):  # Сергей -> Сергеевич, Николай -> Николаевич
        return ((given[:-1] + "евич", given[:-1] + "евна"),)
    if given.endswith("ь"):  # Игорь -> Игоревич
        return ((given[:-1] + "евич", given[:-1] + "евна"),)
    return ((given + "ович", given + "овна"),)


# Cyrillic letters straight into the key alphabet: h = г ґ х ч, s = з с ц, x = ж ш щ. Written
# in capitals so that the Latin digraph pass below leaves them alone (з+г must not become zh).
# fmt: off
_CYRILLIC_KEY: Final = str.maketrans({
    "а": "A", "б": "B", "в": "V", "г": "H", "ґ": "H", "д": "D", "е": "E", "є": "IE",
    "ё": "IO", "ж": "X", "з": "S", "и": "I", "і": "I", "ї": "II", "й": "I", "к": "K",
    "л": "L", "м": "M", "н": "N", "о": "O", "п": "P", "р": "R", "с": "S", "т": "T",
    "у": "U", "ф": "F", "х": "H", "ц": "S", "ч": "H", "ш": "X", "щ": "X", "ь": "",
    "ъ": "", "ы": "I", "э": "E", "ю": "IU", "я": "IA", "'": "",
})
# Latin letters with diacritics (ISO 9, scholarly, Polish, Czech) spelled out before folding.
_LATIN_DIACRITICS: Final = str.maketrans({
    "ž": "zh", "č": "ch", "š": "sh", "ŝ": "shch", "ê": "ie", "û": "iu", "â": "ia",
    "ï": "ii", "ì": "i", "ë": "io", "ł": "l", "ß": "ss", "ś": "s", "ź": "z", "ż": "zh",
    "ć": "ts", "ń": "n", "ě": "ie", "ů": "u", "ř": "r",
})
# fmt: on
# Latin digraphs, longest first, into the key alphabet (capitals: already folded). German tsch
# is ч like English ch, and German ch is х like English kh: both land in h, so the systems
# agree. BGN/PCGN writes зг as z·h to keep it apart from zh.
_LATIN_DIGRAPHS: Final = (
    ("schtsch", "X"),
    ("shch", "X"),
    ("tsch", "H"),
    ("sch", "X"),
    ("z·h", "SH"),
    ("zh", "X"),
    ("sh", "X"),
    ("ch", "H"),
    ("kh", "H"),
    ("gh", "H"),
    ("x", "KS"),
    ("tz", "S"),
    ("ts", "S"),
    ("ck", "K"),
    ("ph", "F"),
    ("qu", "KV"),
    ("th", "T"),
)  # fmt: skip
_LATIN_LETTERS: Final = str.maketrans(
    {"c": "s", "z": "s", "g": "h", "w": "v", "q": "k", "y": "i", "j": "i"}
)
_NOT_KEY: Final = re.compile(r"[^a-z]+")
# What NFKD leaves of a letter that is no ASCII (its accents), but the middle dot of ISO 9.
_NOT_ASCII: Final = re.compile(r"[^\x00-\x7f·]+")
_DOUBLE: Final = re.compile(r"(.)\1+")
# A glide: i between two vowels, or between a consonant and a vowel.
_GLIDE_BETWEEN_VOWELS: Final = re.compile(r"(?<=[aeiou])i(?=[aeou])")
_GLIDE_AFTER_CONSONANT: Final = re.compile(r"(?<=[b-df-hj-np-tv-z])i(?=[aeou])")
_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
_WORDS: Final = re.compile(r"[^\W\d_]+(?:['’ʼ`‘´′ʹ\"”·][^\W\d_]+)*")


def is_cyrillic(text: str) -> bool:
    """Whether `text` holds a Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def phonetic(text: str) -> str:
    """The script-independent spelling of one word, before the Russian-form table."""
    text = fold(text).replace("'", "")
    if is_cyrillic(text):
        text = text.translate(_CYRILLIC_KEY)
    text = text.translate(_LATIN_DIACRITICS)
    text = _NOT_ASCII.sub("", unicodedata.normalize("NFKD", text))
    for digraph, key in _LATIN_DIGRAPHS:
        text = text.replace(digraph, key)
    text = _NOT_KEY.sub("", text.translate(_LATIN_LETTERS).lower())
    text = _DOUBLE.sub(r"\1", text)
    text = _GLIDE_BETWEEN_VOWELS.sub("", text)
    text = _GLIDE_AFTER_CONSONANT.sub("", text)
    if text.startswith("ie"):  # Євген = Yevhen = Evgen: the y of a word-initial є is a glide
        text = text[1:]
    if len(text) > 4:  # Ковалев = Ковальов = Kovalyov: -ев/-ьов are one ending
        if text.endswith("ev"):
            text = text[:-2] + "ov"
        elif text.endswith("eva"):
            text = text[:-3] + "ova"
    return _DOUBLE.sub(r"\1", text)


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}

    def add(spelling: str, ukrainian: str) -> None:
        source, target = phonetic(spelling), phonetic(ukrainian)
        if source != target:
            aliases.setdefault(source, target)

    for uk, ru, sex in GIVEN_NAMES:
        forms = [(ru, uk)]
        if sex == "m":
            uk_m, uk_f = uk_patronymics(uk)
            forms += [(uk_m, uk_m), (uk_f, uk_f)]
            for ru_m, ru_f in ru_patronymics(ru):
                forms += [(ru_m, uk_m), (ru_f, uk_f)]
        for spelling, ukrainian in forms:
            add(spelling, ukrainian)
            for system in RUSSIAN_SYSTEMS:
                add(romanise_as(spelling, system), ukrainian)
        for latin in _LATIN_EXTRA.get(uk, ()):
            add(latin, uk)
    # A Ukrainian form is never redirected, even if a Russian spelling of another name folds to
    # it: Ukrainian is what the registry writes.
    for uk, _ru, _sex in GIVEN_NAMES:
        aliases.pop(phonetic(uk), None)
    return aliases


_ALIASES: Final = _build_aliases()
# The keys of the given names and patronymics of the table: two different ones are two
# names, however close (Ніна, Інна), never one name misspelt.
_KNOWN: Final = frozenset(
    phonetic(form)
    for uk, _ru, sex in GIVEN_NAMES
    for form in ((uk, *uk_patronymics(uk)) if sex == "m" else (uk,))
)
_FORMS: Final[dict[str, frozenset[str]]] = {}
for _source, _target in _ALIASES.items():
    _FORMS[_target] = _FORMS.get(_target, frozenset({_target})) | {_source}


_KNOWN_SPELLINGS: Final = frozenset(
    fold(form)
    for uk, ru, sex in GIVEN_NAMES
    for form in (
        (uk, ru, *uk_patronymics(uk), *(p for pair in ru_patronymics(ru) for p in pair))
        if sex == "m"
        else (uk, ru)
    )
)


def is_known_spelling(word: str) -> bool:
    """Whether `word` (folded) is a given name or patronymic of the table, as written in
    Cyrillic."""
    return word in _KNOWN_SPELLINGS


def is_known_name(key: str) -> bool:
    """Whether `key` is the key of a given name or patronymic of the table."""
    return key in _KNOWN


def key_forms(key: str) -> frozenset[str]:
    """A key with the spellings that the table folded into it (olena: olena, elena).

    A typo in a Russian form (Влаимир) misses the table; comparing it with the Russian forms of
    the other name (Vladimir) still finds it one letter away."""
    return _FORMS.get(key, frozenset({key}))


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """One key for one name in any script or romanisation; words of a double name joined by -.

    "" for text without letters."""
    return "-".join(_word_key(word) for word in _WORDS.findall(text) if _word_key(word))


def name_keys(text: str) -> set[str]:
    """The key of each word of a name (Петренко-Коваль -> {petrenko, koval})."""
    return {key for key in (_word_key(word) for word in _WORDS.findall(text)) if key}


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    key = phonetic(word)
    return _ALIASES.get(key, key)
