"""A synthetic Ukrainian registry with duplicates, for bench/registry.py.

    .venv/bin/python bench/registry_data.py --records 10000 --out /tmp/registry-10k.tsv
    .venv/bin/python bench/registry_data.py --records 10000 --sample 20   # look at some

Households of 1-6 members (a couple, their children, sometimes a grandparent or a relative
with a surname of their own), Ukrainian given names, patronymics made from the father's
given name, surnames drawn from a long-tailed distribution of common Ukrainian surnames and
of surnames composed from roots and suffixes, so that different people share a surname, a
given name and often a birth year, as they do in a real town. Every name is a combination
drawn at random: no real person is described.

Then about a quarter of the persons get one to three more records, each with one to three
kinds of variation a registry collects when people register again at another desk:

    latin:<system>   the name in a Latin romanisation: kmu55 (the official one of 2010),
                     bgn_pcgn, iso9, passport_2007 (as Ukrainian passports spelled names
                     before 2010), german (a German consulate's spelling)
    russian          the Russian form of the given name and patronymic (Людмила, Татьяна,
                     Игорь, Сергеевич), the surname spelled the Russian way (і -> и)
    russian_latin    the Russian form, romanised (ru_bgn or ru_passport): Tatyana, Igor
    typo             one or two edits (a letter dropped, doubled, swapped or mistyped)
    swap             family and given name in each other's fields
    no_patronymic    patronymic left empty
    no_date          birth date missing
    year_only        only the birth year
    day_month        day and month swapped (only where both are 12 or less)
    other_household  registered in another household (moved, or a relative's card)
    upper            the family name typed in capitals

The romanisation tables here are our own, written from the published systems, and kept apart
from hromada.lib on purpose: a benchmark that made its test data with the engine's own tables
would measure the engine against itself.

Ground truth: every record carries the id of the person it describes (`person`). The queries
for search are what a volunteer would type to find a person: a spelling of the surname and
given name (any of the variations above, sometimes with a typo), usually with the birth year.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

GENERATOR_VERSION = 3
SEED = 20261128
# "wide": surnames as spread as Ukraine's (the commonest borne by ~0.3 % of people, the ten
# commonest by ~2.7 %); "narrow": generator version 2's ~1,400 surnames (the commonest 1.8 %).
SURNAME_POOLS = ("wide", "narrow")

DUPLICATED_SHARE = 0.25  # of persons, who get 1-3 more records
EXTRA_RECORDS_WEIGHTS = (0.6, 0.3, 0.1)  # 1, 2, 3 more records

# ---------------------------------------------------------------------------------------
# Names

# Ukrainian male name, its Russian form, the Ukrainian patronymics (son, daughter) and the
# Russian ones (son, daughter).
MALE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Олександр", "Александр", "Олександрович", "Олександрівна", "Александрович", "Александровна"),
    ("Андрій", "Андрей", "Андрійович", "Андріївна", "Андреевич", "Андреевна"),
    ("Сергій", "Сергей", "Сергійович", "Сергіївна", "Сергеевич", "Сергеевна"),
    ("Володимир", "Владимир", "Володимирович", "Володимирівна", "Владимирович", "Владимировна"),
    ("Микола", "Николай", "Миколайович", "Миколаївна", "Николаевич", "Николаевна"),
    ("Іван", "Иван", "Іванович", "Іванівна", "Иванович", "Ивановна"),
    ("Василь", "Василий", "Васильович", "Василівна", "Васильевич", "Васильевна"),
    ("Петро", "Пётр", "Петрович", "Петрівна", "Петрович", "Петровна"),
    ("Юрій", "Юрий", "Юрійович", "Юріївна", "Юрьевич", "Юрьевна"),
    ("Віктор", "Виктор", "Вікторович", "Вікторівна", "Викторович", "Викторовна"),
    ("Дмитро", "Дмитрий", "Дмитрович", "Дмитрівна", "Дмитриевич", "Дмитриевна"),
    ("Михайло", "Михаил", "Михайлович", "Михайлівна", "Михайлович", "Михайловна"),
    ("Олег", "Олег", "Олегович", "Олегівна", "Олегович", "Олеговна"),
    ("Ігор", "Игорь", "Ігорович", "Ігорівна", "Игоревич", "Игоревна"),
    ("Анатолій", "Анатолий", "Анатолійович", "Анатоліївна", "Анатольевич", "Анатольевна"),
    ("Віталій", "Виталий", "Віталійович", "Віталіївна", "Витальевич", "Витальевна"),
    ("Валерій", "Валерий", "Валерійович", "Валеріївна", "Валерьевич", "Валерьевна"),
    ("Богдан", "Богдан", "Богданович", "Богданівна", "Богданович", "Богдановна"),
    ("Павло", "Павел", "Павлович", "Павлівна", "Павлович", "Павловна"),
    ("Ярослав", "Ярослав", "Ярославович", "Ярославівна", "Ярославович", "Ярославовна"),
    ("Тарас", "Тарас", "Тарасович", "Тарасівна", "Тарасович", "Тарасовна"),
    ("Максим", "Максим", "Максимович", "Максимівна", "Максимович", "Максимовна"),
    ("Євген", "Евгений", "Євгенович", "Євгенівна", "Евгеньевич", "Евгеньевна"),
    ("Григорій", "Григорий", "Григорович", "Григорівна", "Григорьевич", "Григорьевна"),
    ("Степан", "Степан", "Степанович", "Степанівна", "Степанович", "Степановна"),
    ("Федір", "Фёдор", "Федорович", "Федорівна", "Фёдорович", "Фёдоровна"),
    ("Костянтин", "Константин", "Костянтинович", "Костянтинівна", "Константинович",
     "Константиновна"),  # fmt: skip
    ("Леонід", "Леонид", "Леонідович", "Леонідівна", "Леонидович", "Леонидовна"),
    ("Роман", "Роман", "Романович", "Романівна", "Романович", "Романовна"),
    ("Вадим", "Вадим", "Вадимович", "Вадимівна", "Вадимович", "Вадимовна"),
    ("Артем", "Артём", "Артемович", "Артемівна", "Артёмович", "Артёмовна"),
    ("Денис", "Денис", "Денисович", "Денисівна", "Денисович", "Денисовна"),
    ("Антон", "Антон", "Антонович", "Антонівна", "Антонович", "Антоновна"),
    ("Руслан", "Руслан", "Русланович", "Русланівна", "Русланович", "Руслановна"),
    ("Станіслав", "Станислав", "Станіславович", "Станіславівна", "Станиславович",
     "Станиславовна"),  # fmt: skip
    ("Валентин", "Валентин", "Валентинович", "Валентинівна", "Валентинович", "Валентиновна"),
    ("Борис", "Борис", "Борисович", "Борисівна", "Борисович", "Борисовна"),
    ("Геннадій", "Геннадий", "Геннадійович", "Геннадіївна", "Геннадьевич", "Геннадьевна"),
    ("Олексій", "Алексей", "Олексійович", "Олексіївна", "Алексеевич", "Алексеевна"),
    ("Яків", "Яков", "Якович", "Яківна", "Яковлевич", "Яковлевна"),
    ("Ілля", "Илья", "Ілліч", "Іллівна", "Ильич", "Ильинична"),
    ("Назар", "Назар", "Назарович", "Назарівна", "Назарович", "Назаровна"),
    ("Кирило", "Кирилл", "Кирилович", "Кирилівна", "Кириллович", "Кирилловна"),
    ("Матвій", "Матвей", "Матвійович", "Матвіївна", "Матвеевич", "Матвеевна"),
    ("Семен", "Семён", "Семенович", "Семенівна", "Семёнович", "Семёновна"),
    ("Тимофій", "Тимофей", "Тимофійович", "Тимофіївна", "Тимофеевич", "Тимофеевна"),
    ("В'ячеслав", "Вячеслав", "В'ячеславович", "В'ячеславівна", "Вячеславович",
     "Вячеславовна"),  # fmt: skip
    ("Ростислав", "Ростислав", "Ростиславович", "Ростиславівна", "Ростиславович",
     "Ростиславовна"),  # fmt: skip
    ("Остап", "Остап", "Остапович", "Остапівна", "Остапович", "Остаповна"),
    ("Юліан", "Юлиан", "Юліанович", "Юліанівна", "Юлианович", "Юлиановна"),
)  # fmt: skip

# Ukrainian female name and its Russian form (Ганна and Анна are both Анна in Russian).
FEMALE: tuple[tuple[str, str], ...] = (
    ("Олена", "Елена"), ("Наталія", "Наталья"), ("Тетяна", "Татьяна"), ("Ірина", "Ирина"),
    ("Світлана", "Светлана"), ("Людмила", "Людмила"), ("Ольга", "Ольга"),
    ("Галина", "Галина"), ("Оксана", "Оксана"), ("Марія", "Мария"),
    ("Валентина", "Валентина"), ("Надія", "Надежда"), ("Любов", "Любовь"), ("Віра", "Вера"),
    ("Ніна", "Нина"), ("Лідія", "Лидия"), ("Анна", "Анна"), ("Ганна", "Анна"),
    ("Катерина", "Екатерина"), ("Юлія", "Юлия"), ("Олександра", "Александра"),
    ("Вікторія", "Виктория"), ("Тамара", "Тамара"), ("Раїса", "Раиса"), ("Зоя", "Зоя"),
    ("Лариса", "Лариса"), ("Алла", "Алла"), ("Інна", "Инна"), ("Яна", "Яна"),
    ("Софія", "София"), ("Дарина", "Дарья"), ("Анастасія", "Анастасия"),
    ("Валерія", "Валерия"), ("Марина", "Марина"), ("Євгенія", "Евгения"),
    ("Христина", "Кристина"), ("Зінаїда", "Зинаида"), ("Антоніна", "Антонина"),
    ("Поліна", "Полина"), ("Аліна", "Алина"), ("Діана", "Диана"), ("Вероніка", "Вероника"),
    ("Уляна", "Ульяна"), ("Мирослава", "Мирослава"), ("Людмила", "Людмила"),
    ("Єлизавета", "Елизавета"), ("Ксенія", "Ксения"), ("Соломія", "Соломия"),
)  # fmt: skip

# Common surnames first (drawn most often), then roots that take the suffixes below.
SURNAMES = (
    "Мельник", "Шевченко", "Коваленко", "Бондаренко", "Бойко", "Ткаченко", "Кравченко",
    "Ковальчук", "Коваль", "Олійник", "Шевчук", "Поліщук", "Іваненко", "Ткачук", "Савченко",
    "Бондар", "Руденко", "Марченко", "Лисенко", "Мороз", "Петренко", "Клименко", "Павленко",
    "Кравчук", "Кузьменко", "Пономаренко", "Савчук", "Василенко", "Левченко", "Харченко",
    "Карпенко", "Мартинюк", "Гончаренко", "Литвиненко", "Романенко", "Король", "Гнатюк",
    "Мазур", "Кушнір", "Кириленко", "Семенко", "Остапенко", "Сидоренко", "Приходько",
    "Гуменюк", "Юрченко", "Тимошенко", "Данилюк", "Мельничук", "Зінченко", "Голуб", "Кравець",
    "Костенко", "Пилипенко", "Гаврилюк", "Панченко", "Демченко", "Кучер", "Нестеренко",
    "Антонюк", "Білоус", "Дмитренко", "Вовк", "Яковенко", "Тарасенко", "Климчук", "Бабенко",
    "Фесенко", "Поліщук", "Лук'яненко", "Сергієнко", "Степаненко", "Швець", "Кузьмін",
    "Лозинський", "Ковальський", "Заїка", "Гриценко", "Федоренко", "Стасюк", "Чорновол",
    "Грищенко", "Лещенко", "Білик", "Гордієнко", "Захарченко",
)  # fmt: skip
ROOTS = (
    "Бабич", "Бурл", "Вакул", "Верб", "Влас", "Гайд", "Гал", "Гнат", "Гонч", "Гриц", "Дан",
    "Дзюб", "Дорош", "Дяч", "Єрм", "Жук", "Зуб", "Іванч", "Калин", "Карп", "Кирич", "Кліщ",
    "Козл", "Колесн", "Корн", "Кост", "Кот", "Кулик", "Лев", "Лис", "Литв", "Луц", "Мак",
    "Мар", "Мирон", "Мовч", "Нагірн", "Назар", "Оліфір", "Онищ", "Опан", "Остап", "Охрім",
    "Пав", "Пал", "Панас", "Петр", "Пилип", "Прок", "Рад", "Реш", "Рог", "Рудн", "Сав", "Сем",
    "Сидор", "Сокол", "Стах", "Стець", "Тимч", "Тищ", "Трох", "Усик", "Фед", "Фом", "Хом",
    "Цимбал", "Чаб", "Черн", "Шап", "Шевч", "Шинк", "Шкурат", "Юрк", "Яким", "Ярем", "Ясин",
    "Бар", "Біл", "Бур", "Вітр", "Гуц", "Дуб", "Жур", "Зай", "Кор", "Лоз", "Мих", "Ник",
    "Осип", "Прис", "Риб", "Сир", "Тер", "Хар", "Чуб", "Шум", "Щерб", "Юх", "Ящ", "Гар", "Дем",
    "Зах", "Кос", "Лук", "Мат", "Нос", "Підг", "Рим", "Сок", "Сорок", "Тур", "Філ", "Хв",
    "Цап", "Чор", "Шпак",
)  # fmt: skip
SUFFIXES = ("енко", "ук", "юк", "чук", "ович", "ак", "ан", "ишин", "ський", "ко", "ець", "ун")


# Roots made up from syllables, for the long tail of a region's surnames: most of them are no
# word, and no surname of anyone in particular.
ONSETS = (
    "Б", "В", "Г", "Д", "Ж", "З", "К", "Л", "М", "Н", "П", "Р", "С", "Т", "Ф", "Х", "Ц", "Ч",
    "Ш", "Бр", "Вр", "Гр", "Др", "Кр", "Пр", "Тр", "Хр", "Бл", "Гл", "Кл", "Пл", "Сл", "Св",
    "Ст", "Ск", "Сп", "Шв", "Шк", "Хв", "Зв", "Дз",
)  # fmt: skip
VOWELS = ("а", "о", "у", "е", "и", "і")
CODAS = (
    "б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "х", "ц", "ч", "ш",
    "рк", "лк", "рн", "ст", "сн", "вч", "рд", "нд", "щ",
)  # fmt: skip


def _surnames(pool: str = "wide") -> list[str]:
    """Surnames, commonest first."""
    names = _compose(ROOTS)
    if pool == "narrow":
        return names
    made = [o + v + c for o in ONSETS for v in VOWELS for c in CODAS]
    random.Random(SEED).shuffle(made)
    return list(dict.fromkeys(names + _compose(made)))


def _compose(roots: Sequence[str]) -> list[str]:
    names = dict.fromkeys(SURNAMES)
    for root, suffix in itertools.product(roots, SUFFIXES):
        if root.endswith(("ь", "й")) and suffix[0] in "аеєиіїоуюя":
            continue
        if root.endswith(("юк", "ук", "к")) and suffix in ("ук", "юк", "чук", "ак"):
            continue
        if root[-1] == suffix[0] or root.endswith("ч") and suffix.startswith("ч"):
            continue
        names.setdefault(root + suffix)
    return list(names)


def feminine(surname: str) -> str:
    """The form a woman of the family bears: Ковальський -> Ковальська; most do not change."""
    if surname.endswith(("ський", "цький", "зький")):
        return surname[:-2] + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "а"
    if surname.endswith(("ов", "ев", "єв", "ін", "їн")):
        return surname + "а"
    return surname


def russian_surname(surname: str) -> str:
    """A Russian spelling of a Ukrainian surname, roughly as a Soviet registrar wrote it."""
    for ua, ru in (("ський", "ский"), ("цький", "цкий"), ("ська", "ская"), ("цька", "цкая")):
        if surname.endswith(ua):
            surname = surname[: -len(ua)] + ru
    out = []
    for i, char in enumerate(surname):
        lower = char.lower()
        repl = {"і": "и", "ї": "йи", "є": "е", "ґ": "г", "'": ""}.get(lower)
        if repl is None:
            # Ukrainian и is Russian ы after some consonants; е after a consonant stays е
            repl = "ы" if lower == "и" and i > 0 and surname[i - 1].lower() in "рдтнл" else lower
        out.append(repl.capitalize() if char.isupper() else repl)
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Romanisation (our own tables; see the module docstring)

_VOWELS_UK = set("аеєиіїоуюяь'")
_KMU55 = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "",
}  # fmt: skip
_KMU55_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_BGN = _KMU55 | {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya", "ь": "'", "'": '"'}
_ISO9 = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g̀", "д": "d", "е": "e", "є": "ê", "ж": "ž",
    "з": "z", "и": "i", "і": "ì", "ї": "ï", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h",
    "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ", "ь": "ʹ", "ю": "û", "я": "â", "'": "’",
}  # fmt: skip
# passports before 2010 mostly followed the 1996 rules with г as g and no initial forms
_PASSPORT_2007 = _KMU55 | {"г": "g", "й": "y", "ї": "yi", "є": "ye", "х": "kh", "ю": "yu",
                           "я": "ya"}  # fmt: skip
_GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "je", "ж": "sch",
    "з": "s", "и": "y", "і": "i", "ї": "ji", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch",
    "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ь": "", "ю": "ju", "я": "ja", "'": "",
}  # fmt: skip
_RU_BGN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "ë", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "\"", "ы": "y", "ь": "'", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_RU_PASSPORT = _RU_BGN | {"ё": "e", "й": "i", "ъ": "ie", "ь": "", "ю": "iu", "я": "ia"}
_RU_VOWELS = set("аеёиоуыэюяъь")

LATIN_UK = ("kmu55", "bgn_pcgn", "iso9", "passport_2007", "german")
LATIN_RU = ("ru_bgn", "ru_passport")


def romanise_as(text: str, system: str) -> str:
    """`text` (Cyrillic) in the Latin spelling of `system`; other characters pass through."""
    out: list[str] = []
    prev = ""
    for char in text:
        lower = char.lower()
        initial = not prev or not prev.isalpha() and prev != "'"
        latin = _romanise_char(lower, prev.lower(), initial, system)
        if latin is None:
            latin = lower
        if char.isupper() and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        prev = char
    return "".join(out)


def _romanise_char(char: str, prev: str, initial: bool, system: str) -> str | None:
    if system == "kmu55":
        if char == "г" and prev == "з":
            return "gh"  # зг is zgh, so that it is not read as zh
        return _KMU55_INITIAL[char] if initial and char in _KMU55_INITIAL else _KMU55.get(char)
    if system == "bgn_pcgn":
        return _BGN.get(char)
    if system == "iso9":
        return _ISO9.get(char)
    if system == "passport_2007":
        return _PASSPORT_2007.get(char)
    if system == "german":
        if char == "с" and prev in _VOWELS_UK:
            return "ss"  # between vowels a single s is voiced in German
        return _GERMAN.get(char)
    if system == "ru_bgn":
        if char == "е" and (initial or prev in _RU_VOWELS):
            return "ye"
        return _RU_BGN.get(char)
    if system == "ru_passport":
        return _RU_PASSPORT.get(char)
    raise ValueError(f"unknown romanisation system {system!r}")


# ---------------------------------------------------------------------------------------
# Records

# One record, as compact as a tuple can be (a million of them are held at once):
#   id, person, family, given, patronymic, sex, year, month, day (0 = unknown),
#   household, phone, variation ("" for a person's first record; kinds joined by "+")
Row = tuple[int, int, str, str, str, str, int, int, int, int, str, str]
FIELDS = ("id", "person", "family", "given", "patronymic", "sex", "year", "month", "day",
          "household", "phone", "variation")  # fmt: skip

KINDS = (
    "latin", "russian", "russian_latin", "typo", "swap", "no_patronymic", "no_date",
    "year_only", "day_month", "other_household", "upper",
)  # fmt: skip
KIND_WEIGHTS = (22, 10, 8, 20, 6, 10, 5, 6, 3, 8, 2)


@dataclass(frozen=True)
class Person:
    id: int
    household: int
    sex: str
    family: str
    given: int  # index into MALE or FEMALE
    father: int  # index into MALE: the patronymic's source, -1 when none is recorded
    year: int
    month: int
    day: int
    phone: str

    @property
    def given_uk(self) -> str:
        return MALE[self.given][0] if self.sex == "m" else FEMALE[self.given][0]

    @property
    def given_ru(self) -> str:
        return MALE[self.given][1] if self.sex == "m" else FEMALE[self.given][1]

    @property
    def patronymic_uk(self) -> str:
        if self.father < 0:
            return ""
        return MALE[self.father][2 if self.sex == "m" else 3]

    @property
    def patronymic_ru(self) -> str:
        if self.father < 0:
            return ""
        return MALE[self.father][4 if self.sex == "m" else 5]


class _Draw:
    """Weighted draws that are cheap to repeat a million times."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> int:
        return bisect.bisect_right(self.cumulative, rng.random() * self.total)


class Generator:
    def __init__(self, seed: int = SEED, surnames: str = "wide") -> None:
        self.rng = random.Random(seed)
        self.surnames = _surnames(surnames)
        if surnames == "narrow":
            # the commonest surname is ~150 times as frequent as the rarest ones
            weights = [1 / (rank + 8) ** 0.9 for rank in range(len(self.surnames))]
        else:
            # Zipf's law over ~70,000 surnames: the commonest is borne by ~0.3 % of people and
            # the ten commonest by ~2.7 %, as Мельник (~108-174 thousand bearers of ~42
            # million, by two counts) and the ten commonest in Ukraine (~2-3 %)
            weights = [1 / (rank + 45) for rank in range(len(self.surnames))]
        self.surname_draw = _Draw(weights)
        self.male_draw = _Draw([1 / (rank + 3) for rank in range(len(MALE))])
        self.female_draw = _Draw([1 / (rank + 3) for rank in range(len(FEMALE))])
        self.kind_draw = _Draw(KIND_WEIGHTS)
        self.extra_draw = _Draw(EXTRA_RECORDS_WEIGHTS)
        self.next_person = 0
        self.next_household = 0
        self.next_record = 0

    # -- persons ------------------------------------------------------------------------

    def _person(
        self, household: int, sex: str, family: str, year: int, father: int, phone: str,
        taken: Sequence[Person] = (),
    ) -> Person:  # fmt: skip
        rng = self.rng
        draw = self.male_draw if sex == "m" else self.female_draw
        given = draw(rng)
        # siblings are not given one name (a son may bear his father's: Олександр
        # Олександрович is common, and a hard case for matching)
        siblings = {p.given for p in taken if p.sex == sex and p.father == father}
        while given in siblings:
            given = draw(rng)
        month = rng.randint(1, 12)
        day = rng.randint(1, 28 if month == 2 else 30)
        self.next_person += 1
        form = feminine(family) if sex == "f" else family
        return Person(self.next_person, household, sex, form, given, father, year, month, day,
                      phone)  # fmt: skip

    def _phone(self) -> str:
        if self.rng.random() < 0.4:
            return ""
        operator = self.rng.choice(("50", "66", "67", "68", "73", "93", "95", "96", "97", "99"))
        return f"+380{operator}{self.rng.randrange(10**7):07d}"

    def household(self) -> list[Person]:
        """One household: a couple or a single adult, children, sometimes an elder."""
        rng = self.rng
        self.next_household += 1
        hh = self.next_household
        family = self.surnames[self.surname_draw(rng)]
        phone = self._phone()
        size = rng.choices((1, 2, 3, 4, 5, 6), (22, 28, 22, 16, 8, 4))[0]
        members: list[Person] = []
        head_year = rng.randint(1935, 2004)
        grandfather = self.male_draw(rng)
        if size == 1:
            sex = rng.choice("mf")
            return [self._person(hh, sex, family, head_year, grandfather, phone)]
        father = self._person(hh, "m", family, head_year, grandfather, phone)
        # a wife keeps her own surname now and then
        wife_family = family if rng.random() < 0.85 else self.surnames[self.surname_draw(rng)]
        wife_year = max(1930, min(2006, head_year + rng.randint(-6, 4)))
        mother = self._person(hh, "f", wife_family, wife_year, self.male_draw(rng), phone)
        members += [father, mother]
        children = size - 2
        if children and rng.random() < 0.25:
            # a grandparent or a relative of another surname lives with them
            elder_family = family if rng.random() < 0.5 else self.surnames[self.surname_draw(rng)]
            sex = rng.choice("mf")
            elder_year = max(1925, head_year - rng.randint(20, 30))
            members.append(self._person(hh, sex, elder_family, elder_year, self.male_draw(rng),
                                        phone))  # fmt: skip
            children -= 1
        first_child = max(wife_year, head_year) + rng.randint(19, 32)
        year = first_child
        for _ in range(children):
            if year > 2025:
                year = 2025
            twins = rng.random() < 0.03
            members.append(self._person(hh, rng.choice("mf"), family, year, father.given, phone,
                                        members))  # fmt: skip
            if not twins:
                year += rng.randint(1, 6)
        return members

    # -- records ------------------------------------------------------------------------

    def first_row(self, person: Person) -> Row:
        self.next_record += 1
        return (self.next_record, person.id, person.family, person.given_uk,
                person.patronymic_uk, person.sex, person.year, person.month, person.day,
                person.household, person.phone, "")  # fmt: skip

    def variant_row(self, person: Person) -> Row:
        """Another record of `person`, with one to three kinds of variation."""
        rng = self.rng
        count = rng.choices((1, 2, 3), (55, 35, 10))[0]
        kinds: list[str] = []
        while len(kinds) < count:
            kind = KINDS[self.kind_draw(rng)]
            if kind in kinds or {kind, *kinds} >= {"latin", "russian"}:
                continue
            if kind == "russian_latin" and ("latin" in kinds or "russian" in kinds):
                continue
            if kind in ("latin", "russian") and "russian_latin" in kinds:
                continue
            if kind in ("no_date", "year_only", "day_month") and (
                {"no_date", "year_only", "day_month"} & set(kinds)
            ):
                continue
            if kind == "day_month" and not (person.day <= 12 and person.day != person.month):
                kind = "year_only"
                if kind in kinds:
                    continue
            kinds.append(kind)
        family, given, patronymic = person.family, person.given_uk, person.patronymic_uk
        year, month, day = person.year, person.month, person.day
        household, phone = person.household, person.phone
        labels: list[str] = []
        for kind in kinds:
            label = kind
            if kind == "russian" or kind == "russian_latin":
                given, patronymic = person.given_ru, person.patronymic_ru
                if rng.random() < 0.5:
                    family = russian_surname(family)
            elif kind == "no_patronymic":
                patronymic = ""
            elif kind == "no_date":
                year = month = day = 0
            elif kind == "year_only":
                month = day = 0
            elif kind == "day_month":
                month, day = day, month
            elif kind == "other_household":
                household = rng.randint(1, max(1, self.next_household))
                phone = self._phone()
            if kind == "russian_latin":
                system = rng.choice(LATIN_RU)
                family, given, patronymic = (romanise_as(part, system)
                                             for part in (family, given, patronymic))  # fmt: skip
                label = f"russian_latin:{system}"
            elif kind == "latin":
                system = rng.choice(LATIN_UK)
                family, given, patronymic = (romanise_as(part, system)
                                             for part in (family, given, patronymic))  # fmt: skip
                label = f"latin:{system}"
            labels.append(label)
        # edits of the spelling come after the choice of script, as they do at a desk
        if "typo" in kinds:
            if rng.random() < 0.5:
                family = typo(rng, family)
            else:
                given = typo(rng, given)
        if "upper" in kinds:
            family = family.upper()
        if "swap" in kinds:
            family, given = given, family
        if rng.random() < 0.5:
            phone = ""  # the phone is often not asked for a second time
        self.next_record += 1
        return (self.next_record, person.id, family, given, patronymic, person.sex, year,
                month, day, household, phone, "+".join(labels))  # fmt: skip

    def rows(self, records: int) -> Iterator[Row]:
        """`records` rows; a person's records are spread over the registry, not adjacent."""
        pending: list[Row] = []
        made = 0
        while made < records:
            for person in self.household():
                row = self.first_row(person)
                yield row
                made += 1
                if self.rng.random() < DUPLICATED_SHARE:
                    for _ in range(self.extra_draw(self.rng) + 1):
                        pending.append(self.variant_row(person))
                # the re-registrations come out later, mixed among others
                while pending and (self.rng.random() < 0.3 or len(pending) > 500):
                    yield pending.pop(self.rng.randrange(len(pending)))
                    made += 1
                if made >= records:
                    break
        while pending and made < records:
            yield pending.pop()
            made += 1


_UK_LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: random.Random, text: str) -> str:
    """`text` with one or two edits: a letter dropped, doubled, swapped or mistyped."""
    for _ in range(rng.choices((1, 2), (75, 25))[0]):
        if len(text) < 3:
            break
        # edits keep to the interior: the first letter is the one people get right
        i = rng.randrange(1, len(text) - 1)
        letters = _LATIN_LETTERS if text.isascii() else _UK_LETTERS
        op = rng.randrange(4)
        if op == 0:
            text = text[:i] + text[i + 1 :]
        elif op == 1:
            text = text[:i] + text[i] + text[i:]
        elif op == 2:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            text = text[:i] + rng.choice(letters) + text[i + 1 :]
    return text


def write_tsv(records: int, path: Path, seed: int = SEED, surnames: str = "wide") -> int:
    """Write `records` rows to `path` (tab-separated, a header line); return the persons."""
    gen = Generator(seed, surnames)
    with path.open("w", encoding="utf-8") as out:
        out.write("\t".join(FIELDS) + "\n")
        for row in gen.rows(records):
            out.write("\t".join(map(str, row)) + "\n")
    return gen.next_person


def read_tsv(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            f = line.rstrip("\n").split("\t")
            yield (int(f[0]), int(f[1]), f[2], f[3], f[4], f[5], int(f[6]), int(f[7]),
                   int(f[8]), int(f[9]), f[10], f[11])  # fmt: skip


# ---------------------------------------------------------------------------------------
# Queries for search


@dataclass(frozen=True)
class Query:
    text: str
    person: int  # the right answer: any record of this person
    kind: str  # how the text was written
    # another person answers what was typed as well: see _Namesakes
    ambiguous: bool
    # the same, in fields (for engines without free-text search: a perfect parse of the text)
    family: str
    given: str
    year: int  # 0 when not typed


def queries(rows: Sequence[Row], count: int, seed: int = SEED + 1) -> list[Query]:
    """`count` queries for persons drawn from `rows`, each as a volunteer would type it."""
    rng = random.Random(seed)
    firsts = [row for row in rows if not row[11]]
    namesakes = _Namesakes(firsts)
    out: list[Query] = []
    for row in rng.sample(firsts, min(count, len(firsts))):
        person, family, given = row[1], row[2], row[3]
        sex, year, month, day = row[5], row[6], row[7], row[8]
        ru_given = _russian_given(given, sex)
        style = rng.choices(("cyrillic", "latin", "russian", "russian_latin"), (40, 35, 15, 10))[0]
        kind = style
        if style == "latin":
            system = rng.choice(LATIN_UK)
            family, given = romanise_as(family, system), romanise_as(given, system)
            kind = f"latin:{system}"
        elif style == "russian":
            given = ru_given
        elif style == "russian_latin":
            system = rng.choice(LATIN_RU)
            family, given = romanise_as(family, system), romanise_as(ru_given, system)
            kind = f"russian_latin:{system}"
        intended = family
        if rng.random() < 0.15:
            family = typo(rng, family)
            kind += "+typo"
        if rng.random() < 0.5:
            family, given = family.lower(), given.lower()
        parts = [family, given] if rng.random() < 0.85 else [given, family]
        if parts[0] == given:
            kind += "+given_first"
        date_style = rng.choices(("year", "date", "none"), (75, 10, 15))[0]
        if date_style == "year":
            parts.append(str(year))
        elif date_style == "date":
            parts.append(f"{day:02d}.{month:02d}.{year}")
        else:
            kind += "+no_year"
        born = {"none": (), "year": (year,), "date": (year, month, day)}[date_style]
        ambiguous = namesakes.other_than(person, row[2], family, intended, given, born)
        typed_year = 0 if date_style == "none" else year
        out.append(Query(" ".join(parts), person, kind, ambiguous, family, given, typed_year))
    return out


class _Namesakes:
    """Who else a typed name and birth date fit as well as the person sought.

    Another person fits when each typed name is how one of the ways of writing theirs writes
    it (Cyrillic, any romanisation, the Russian form: "Hanna" is Ганна's, "Анна" is the
    Russian form of Ганна and an Анна's own name, "Kotska" is Котська's and a Котска's), and
    they were born on what was typed (the year, or the full date when it was typed). A surname
    typed with a slip fits every surname written as near to the slip as the sought one's
    (корлчук: Козлчук and Корнчук, one letter each): the search cannot know which was meant."""

    def __init__(self, firsts: Sequence[Row]) -> None:
        # (family, given) -> (person, year, month, day) of each who bears them
        self.people: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
        family_forms: dict[str, set[str]] = {}
        given_forms: dict[str, set[str]] = {}
        for row in firsts:
            family, given, sex, year, month, day = row[2], row[3], row[5], row[6], row[7], row[8]
            self.people.setdefault((family, given), []).append((row[1], year, month, day))
            if family not in family_forms:
                family_forms[family] = _forms(family, family)
            if given not in given_forms:
                given_forms[given] = set()
            given_forms[given] |= _forms(given, _russian_given(given, sex))
        self.family_forms = family_forms
        self.families = _inverse(family_forms)
        self.givens = _inverse(given_forms)
        self.family_spellings = list(self.families)

    def other_than(
        self, person: int, family: str, typed_family: str, intended_family: str,
        typed_given: str, born: tuple[int, ...],
    ) -> bool:  # fmt: skip
        typed_family = typed_family.casefold()
        if typed_family == intended_family.casefold():
            families = self.families.get(typed_family, set())
        else:
            slip = min(OSA.distance(typed_family, form) for form in self.family_forms[family])
            near = process.extract(typed_family, self.family_spellings, scorer=OSA.distance,
                                   score_cutoff=slip, limit=None)  # fmt: skip
            families = {f for spelling, _score, _i in near for f in self.families[spelling]}
        givens = self.givens.get(typed_given.casefold(), set())
        return any(
            other[0] != person and other[1 : 1 + len(born)] == born
            for f in families
            for g in givens
            for other in self.people.get((f, g), ())
        )


def _forms(name: str, russian: str) -> set[str]:
    """How a name (Cyrillic, as registered) is typed: as it is, romanised, in its Russian form
    (the same for a surname), romanised the Russian way; case aside."""
    forms = {name, russian, *(romanise_as(name, s) for s in LATIN_UK)}
    forms.update(romanise_as(russian, s) for s in LATIN_RU)
    return {form.casefold() for form in forms}


def _inverse(forms: dict[str, set[str]]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for name, spellings in forms.items():
        for spelling in spellings:
            names.setdefault(spelling, set()).add(name)
    return names


_RU_FEMALE = dict(FEMALE)
_RU_MALE = {m[0]: m[1] for m in MALE}


def _russian_given(given: str, sex: str) -> str:
    return (_RU_MALE if sex == "m" else _RU_FEMALE).get(given, given)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--surnames", choices=SURNAME_POOLS, default="wide")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sample", type=int, default=0, help="print this many variants")
    args = parser.parse_args()
    if args.out:
        persons = write_tsv(args.records, args.out, args.seed, args.surnames)
        print(f"{args.records} records of {persons} persons -> {args.out}")
    if args.sample:
        rows = list(Generator(args.seed, args.surnames).rows(args.records))
        firsts = {row[1]: row for row in rows if not row[11]}
        shown = 0
        for row in rows:
            if row[11] and shown < args.sample:
                print(f"{firsts[row[1]][2:9]}\n  {row[11]}: {row[2:9]}")
                shown += 1
        for query in queries(rows, args.sample):
            print(query)
    if not args.out and not args.sample:
        sys.exit("nothing to do: give --out or --sample")


if __name__ == "__main__":
    main()
