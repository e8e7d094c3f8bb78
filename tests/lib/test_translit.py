from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.translit import SYSTEMS, romanise, romanise_as

# The examples printed in the table of resolution No. 55 of the Cabinet of Ministers,
# 27.01.2010, one or more for each letter and rule.
OFFICIAL_EXAMPLES = [
    ("Алушта", "Alushta"),
    ("Борщагівка", "Borshchahivka"),
    ("Вишгород", "Vyshhorod"),
    ("Гадяч", "Hadiach"),
    ("Згорани", "Zghorany"),
    ("Ґалаґан", "Galagan"),
    ("Дон", "Don"),
    ("Рівне", "Rivne"),
    ("Єнакієве", "Yenakiieve"),
    ("Наєнко", "Naienko"),
    ("Житомир", "Zhytomyr"),
    ("Закарпаття", "Zakarpattia"),
    ("Медвин", "Medvyn"),
    ("Іршава", "Irshava"),
    ("Їжакевич", "Yizhakevych"),
    ("Кадиївка", "Kadyivka"),
    ("Йосипівка", "Yosypivka"),
    ("Стрий", "Stryi"),
    ("Київ", "Kyiv"),
    ("Лебедин", "Lebedyn"),
    ("Миколаїв", "Mykolaiv"),
    ("Ніжин", "Nizhyn"),
    ("Одеса", "Odesa"),
    ("Полтава", "Poltava"),
    ("Ромни", "Romny"),
    ("Суми", "Sumy"),
    ("Тетерів", "Teteriv"),
    ("Ужгород", "Uzhhorod"),
    ("Фастів", "Fastiv"),
    ("Харків", "Kharkiv"),
    ("Біла Церква", "Bila Tserkva"),
    ("Чернівці", "Chernivtsi"),
    ("Шостка", "Shostka"),
    ("Гоща", "Hoshcha"),
    ("Юрій", "Yurii"),
    ("Крюківка", "Kriukivka"),
    ("Яготин", "Yahotyn"),
    ("Ічня", "Ichnia"),
    ("Розгон", "Rozghon"),
    ("Знам'янка", "Znamianka"),
    ("Згурський", "Zghurskyi"),
    ("Олексій", "Oleksii"),
    ("Щербина", "Shcherbyna"),
    ("Короп'є", "Koropie"),
    ("Гаєвич", "Haievych"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), OFFICIAL_EXAMPLES)
def test_it_romanises_the_official_examples(cyrillic: str, latin: str) -> None:
    assert romanise(cyrillic) == latin


def test_it_renders_the_positional_letters_by_position() -> None:
    # Є, Ї, Й, Ю, Я at the start of a word, and after a space or a hyphen, take a y.
    assert romanise("Юлія Яременко-Їжак") == "Yuliia Yaremenko-Yizhak"
    assert romanise("Майя") == "Maiia"


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "`"])
def test_it_drops_every_kind_of_apostrophe_inside_a_word(apostrophe: str) -> None:
    assert romanise(f"В{apostrophe}ячеслав") == "Viacheslav"


def test_it_keeps_the_case_of_a_name_in_capitals() -> None:
    assert romanise("ЩЕРБИНА Юрій") == "SHCHERBYNA Yurii"
    assert romanise("ЗГУРСЬКИЙ") == "ZGHURSKYI"
    assert romanise("Я. Ю. Жук") == "Ya. Yu. Zhuk"


@pytest.mark.parametrize(
    ("system", "text", "expected"),
    [
        ("passport_2007", "Тетяна Людмила Олексій", "Tetyana Lyudmyla Oleksiy"),
        ("german", "Тетяна Людмила Шевченко", "Tetjana Ljudmyla Schewtschenko"),
        ("bgn_pcgn", "Ковальська", "Koval's'ka"),
        ("iso9", "Щербина Юлія", "Ŝerbina Ûlìâ"),
        ("ru_bgn", "Татьяна Игорь Людмила Сергеевна", "Tatyana Igor Lyudmila Sergeyevna"),
        ("ru_passport", "Татьяна Людмила Алексей", "Tatiana Liudmila Aleksei"),
    ],
)
def test_it_romanises_in_the_other_systems(system: str, text: str, expected: str) -> None:
    assert romanise_as(text, system) == expected


def test_it_refuses_an_unknown_system() -> None:
    with pytest.raises(ValueError, match="klingon"):
        romanise_as("Петро", "klingon")


@given(st.text(alphabet=st.characters(codec="ascii")), st.sampled_from(sorted(SYSTEMS)))
def test_it_leaves_latin_text_alone(text: str, system: str) -> None:
    # The apostrophe is the one ASCII character the systems render (or drop).
    text = text.replace("'", "").replace("`", "")
    assert romanise_as(text, system) == text


@given(st.text(alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ "))
def test_it_leaves_no_cyrillic_behind(text: str) -> None:
    assert romanise(text).isascii()
