from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.names import (
    GIVEN_NAMES,
    fold,
    name_key,
    name_keys,
    ru_patronymics,
    uk_patronymics,
)
from hromada.lib.translit import RUSSIAN_SYSTEMS, UKRAINIAN_SYSTEMS, romanise_as


def test_it_folds_cyrillic_case() -> None:
    assert fold("КОВАЛЬ Оксана") == "коваль оксана"


def test_it_makes_every_apostrophe_one() -> None:
    assert fold("Знам’янська") == fold("Знамʼянська") == fold("Знам'янська")


def test_it_composes_combining_marks() -> None:
    assert fold("Ї") == fold("Ї")  # І + combining diaeresis, and the composed letter


@given(st.text())
def test_it_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# --- name keys ----------------------------------------------------------------------------

# Common Ukrainian surnames (surnames alone describe nobody), for the properties below.
SURNAMES = (
    "Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
    "Поліщук", "Мельник", "Лисенко", "Мороз", "Савченко", "Руденко", "Марченко", "Петренко",
    "Клименко", "Гнатюк", "Кузьменко", "Ковальчук", "Ярошенко", "Зінченко", "Щербина",
    "Юрченко", "Єременко", "Їжакевич", "П'ятак", "Дяченко", "Ковальов", "Ковальська",
    "Приходько", "Гончаренко", "Білоус", "Ющенко", "Ємець", "Зозуля", "Чорновол", "Жук",
    "Захарченко", "Цибуля", "Соловйова", "Задорожний",
)  # fmt: skip


@pytest.mark.parametrize(
    "spellings",
    [
        ["Людмила", "Liudmyla", "Lyudmila", "Ludmila", "Lyudmyla", "Ljudmyla", "Lûdmila"],
        ["Ігор", "Ihor", "Igor", "Игорь"],
        ["Тетяна", "Tetiana", "Tetyana", "Татьяна", "Tatiana", "Tatjana", "Tatyana"],
        ["Олександр", "Александр", "Oleksandr", "Aleksandr", "Alexander", "Olexandr"],
        ["Петренко", "Petrenko", "ПЕТРЕНКО"],
        ["Ковальов", "Ковалёв", "Ковалев", "Kovalov", "Kovalev", "Kovalyov", "Kowaljow"],
        ["Олена", "Елена", "Olena", "Elena", "Yelena"],
        ["Юрій", "Юрий", "Yurii", "Yuriy", "Jurij", "Yury"],
        ["Євген", "Евгений", "Yevhen", "Yevgeniy", "Evgeny", "Jewhen"],
        ["Наталія", "Наталья", "Natalia", "Nataliya", "Natalya"],
        ["Ганна", "Анна", "Hanna", "Anna"],
        ["Сергіївна", "Сергеевна", "Serhiivna", "Sergeevna", "Sergeyevna"],
        ["Миколайович", "Николаевич", "Mykolaiovych", "Nikolaevich"],
        ["Іванович", "Иванович", "Ivanovych", "Ivanovich"],
        ["Олексіївна", "Алексеевна", "Oleksiivna", "Alekseyevna"],
        ["Знам'янська", "Знам’янська", "Znamianska", "Znamyanska"],
    ],
)
def test_it_gives_every_spelling_of_a_name_one_key(spellings: list[str]) -> None:
    assert {name_key(spelling) for spelling in spellings} == {name_key(spellings[0])}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Іван", "Іванна"),
        ("Олександр", "Олександра"),
        ("Євген", "Євгенія"),
        ("Ярослав", "Ярослава"),
        ("Ковальов", "Ковальова"),
        ("Ковальський", "Ковальська"),
        ("Олена", "Ольга"),
        ("Альона", "Ольга"),
        ("Олена", "Альона"),
        ("Іванович", "Іванівна"),
        ("Марія", "Марина"),
    ],
)
def test_it_keeps_different_names_apart(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_it_gives_every_ukrainian_name_of_the_table_its_own_key() -> None:
    ukrainian = {uk for uk, _ru, _sex in GIVEN_NAMES}
    assert len({name_key(uk) for uk in ukrainian}) == len(ukrainian)


def test_it_keys_each_word_of_a_double_surname() -> None:
    assert name_keys("Петренко-Коваль") == {name_key("Петренко"), name_key("Коваль")}
    assert name_keys("Petrenko Koval") == name_keys("Петренко-Коваль")
    assert name_key("Петренко-Коваль") == name_key("Petrenko-Koval")
    assert name_keys("  ") == set()
    assert name_key("1957") == ""


@given(st.sampled_from(GIVEN_NAMES), st.data())
def test_it_keys_a_given_name_alike_in_every_script_and_system(
    entry: tuple[str, str, str], data: st.DataObject
) -> None:
    uk, ru, _sex = entry
    uk_system = data.draw(st.sampled_from(UKRAINIAN_SYSTEMS))
    ru_system = data.draw(st.sampled_from(RUSSIAN_SYSTEMS))
    key = name_key(uk)
    assert name_key(romanise_as(uk, uk_system)) == key
    assert name_key(ru) == key
    assert name_key(romanise_as(ru, ru_system)) == key


@given(st.sampled_from([e for e in GIVEN_NAMES if e[2] == "m"]), st.data())
def test_it_keys_a_patronymic_alike_in_every_script_and_system(
    entry: tuple[str, str, str], data: st.DataObject
) -> None:
    uk, ru, _sex = entry
    female = data.draw(st.booleans())
    uk_patronymic = uk_patronymics(uk)[female]
    ru_patronymic = data.draw(st.sampled_from(ru_patronymics(ru)))[female]
    key = name_key(uk_patronymic)
    assert (
        name_key(romanise_as(uk_patronymic, data.draw(st.sampled_from(UKRAINIAN_SYSTEMS)))) == key
    )
    assert name_key(ru_patronymic) == key
    assert name_key(romanise_as(ru_patronymic, data.draw(st.sampled_from(RUSSIAN_SYSTEMS)))) == key


@given(st.sampled_from(SURNAMES), st.sampled_from(UKRAINIAN_SYSTEMS))
def test_it_keys_a_surname_alike_in_every_ukrainian_system(surname: str, system: str) -> None:
    assert name_key(romanise_as(surname, system)) == name_key(surname)


@given(st.text())
def test_it_makes_keys_of_lower_case_ascii_letters_and_hyphens(text: str) -> None:
    key = name_key(text)
    assert key == "" or all(c.isascii() and (c.islower() or c == "-") for c in key)
