"""The demo town: synthetic people (no real person's name), this morning's bread, one user per
role. Everything goes through the same actions as the app; running it twice adds nothing."""

from __future__ import annotations

import os
import random
import secrets
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from hromada.core.actions import do_create_site, do_save_user
from hromada.core.models import Role, Site
from hromada.distribution.actions import do_create_programme, do_open_session
from hromada.distribution.models import Period
from hromada.lib.periods import KYIV
from hromada.people.actions import MemberData, do_create_household, do_issue_card
from hromada.people.models import BirthPrecision, Sex
from hromada.stock.actions import do_create_commodity, do_record_delivery

FAMILY = [
    ("Бондар", "Bondar"), ("Ткачук", "Tkachuk"), ("Мельник", "Melnyk"), ("Коваль", "Koval"),
    ("Гончар", "Honchar"), ("Кравець", "Kravets"), ("Олійник", "Oliinyk"), ("Шевчук", "Shevchuk"),
    ("Лисенко", "Lysenko"), ("Руденко", "Rudenko"), ("Савчук", "Savchuk"), ("Мороз", "Moroz"),
    ("Павленко", "Pavlenko"), ("Клименко", "Klymenko"), ("Поліщук", "Polishchuk"),
    ("Гуменюк", "Humeniuk"), ("Остапенко", "Ostapenko"), ("Литвин", "Lytvyn"),
    ("Дорошенко", "Doroshenko"), ("Яковенко", "Yakovenko"), ("Зінченко", "Zinchenko"),
    ("Марченко", "Marchenko"), ("Білоус", "Bilous"), ("Кириленко", "Kyrylenko"),
]  # fmt: skip
FEMALE = [
    ("Людмила", "Liudmyla"), ("Тетяна", "Tetiana"), ("Оксана", "Oksana"), ("Наталія", "Nataliia"),
    ("Галина", "Halyna"), ("Ірина", "Iryna"), ("Олена", "Olena"), ("Марія", "Mariia"),
    ("Валентина", "Valentyna"), ("Світлана", "Svitlana"), ("Юлія", "Yuliia"), ("Ганна", "Hanna"),
]  # fmt: skip
MALE = [
    ("Ігор", "Ihor"), ("Олександр", "Oleksandr"), ("Микола", "Mykola"), ("Василь", "Vasyl"),
    ("Петро", "Petro"), ("Андрій", "Andrii"), ("Сергій", "Serhii"), ("Юрій", "Yurii"),
    ("Володимир", "Volodymyr"), ("Григорій", "Hryhorii"), ("Степан", "Stepan"),
    ("Богдан", "Bohdan"),
]  # fmt: skip
STREETS = ["вул. Шкільна", "вул. Садова", "вул. Миру", "вул. Заводська", "пров. Тихий"]

DEMO_USERS = [
    ("coordinator", Role.COORDINATOR, []),
    ("registrar", Role.REGISTRAR, ["municipal"]),
    ("distributor", Role.DISTRIBUTOR, ["municipal"]),
    ("auditor", Role.AUDITOR, []),
    ("distributor2", Role.DISTRIBUTOR, ["school-2"]),
]


def _patronymic(father: str, sex: str) -> str:
    stems = {"Ігор": "Ігор", "Микола": "Миколай", "Григорій": "Григор", "Юрій": "Юрій",
             "Андрій": "Андрій", "Сергій": "Сергій", "Василь": "Василь"}  # fmt: skip
    stem = stems.get(father, father)
    if stem.endswith("ій"):
        stem = stem[:-2] + "і"
        return stem + ("ївна" if sex == Sex.FEMALE else "йович")
    if stem.endswith("ь"):
        stem = stem[:-1]
        return stem + ("івна" if sex == Sex.FEMALE else "ьович")
    if stem.endswith("о"):  # Петро: Петрович, Петрівна
        return stem[:-1] + ("івна" if sex == Sex.FEMALE else "ович")
    if stem.endswith("й"):
        return stem[:-1] + ("ївна" if sex == Sex.FEMALE else "йович")
    return stem + ("івна" if sex == Sex.FEMALE else "ович")


def _person(rng: random.Random, family: tuple[str, str], age: int, latin: bool) -> MemberData:
    sex = rng.choice([Sex.FEMALE, Sex.MALE])
    given = rng.choice(FEMALE if sex == Sex.FEMALE else MALE)
    father = rng.choice(MALE)[0]
    today = timezone.localdate()
    born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    precision = BirthPrecision.YEAR if rng.random() < 0.08 else BirthPrecision.DAY
    if precision == BirthPrecision.YEAR:
        born = date(born.year, 1, 1)
    if latin:
        # as written in a foreign passport: Latin, no patronymic
        return MemberData(family[1], given[1], "", sex, born, precision)
    return MemberData(family[0], given[0], _patronymic(father, sex), sex, born, precision)


def _household(rng: random.Random) -> list[MemberData]:
    family = rng.choice(FAMILY)
    latin = rng.random() < 0.1
    kind = rng.random()
    if kind < 0.3:  # an older person alone
        return [_person(rng, family, rng.randint(62, 92), latin)]
    if kind < 0.55:  # an older couple
        return [_person(rng, family, rng.randint(58, 85), latin) for _ in range(2)]
    adults = [_person(rng, family, rng.randint(25, 55), latin) for _ in range(rng.choice([1, 2]))]
    children = [_person(rng, family, rng.randint(1, 17), latin) for _ in range(rng.randint(1, 3))]
    return adults + children


def _this_morning(hour: int, minute: int = 0) -> datetime:
    """That time today in Kyiv, or now if the demo is loaded before it."""
    return min(
        datetime.combine(timezone.localdate(), time(hour, minute), tzinfo=KYIV), timezone.now()
    )


def _set_passwords(password: str) -> None:
    for username, role, site_codes in DEMO_USERS:
        do_save_user(
            actor=None, username=username, role=role, password=password,
            sites=Site.objects.filter(code__in=site_codes),
        )  # fmt: skip


@transaction.atomic
def load_demo(*, households: int = 1300, out: TextIO) -> None:
    password = os.environ.get("HROMADA_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    already = Site.objects.filter(code="municipal").exists()
    if not already:
        _load_town(households=households)
    _set_passwords(password)
    if already:
        out.write("The demo town is already loaded; nothing added. Passwords reset.\n")
    else:
        out.write(f"Demo town loaded: {households} households with their cards.\n")
    out.write("Demo logins (username / password):\n")
    for username, role, _sites in DEMO_USERS:
        out.write(f"  {username:<13} {password}   ({role.label})\n")


def _load_town(*, households: int) -> None:
    rng = random.Random(20261128)  # noqa: S311 (synthetic data, not secrets)
    municipal = do_create_site(actor=None, code="municipal", name="Міська рада")
    school = do_create_site(actor=None, code="school-2", name="Школа №2")
    coordinator = do_save_user(
        actor=None, username="coordinator", role=Role.COORDINATOR, password=secrets.token_urlsafe(),
        sites=Site.objects.none(),
    )  # fmt: skip
    bread = do_create_commodity(actor=coordinator, code="bread", name="Хліб", unit="бух.")
    for index in range(households):
        site = municipal if index % 6 else school
        street = rng.choice(STREETS)
        household = do_create_household(
            actor=coordinator,
            site=site,
            address=f"{street}, {rng.randint(1, 120)}",
            members=_household(rng),
        )
        do_issue_card(actor=coordinator, household=household)
    do_record_delivery(
        actor=coordinator, site=municipal, commodity=bread, quantity=10_000,
        source="Благодійний фонд «Хліб для громади» (демо)", vehicle="MAN TGL, AX 0000 XX",
        departed_at=_this_morning(6) - timedelta(hours=10), arrived_at=_this_morning(6, 30),
    )  # fmt: skip
    do_record_delivery(
        actor=coordinator, site=school, commodity=bread, quantity=1_500,
        source="Благодійний фонд «Хліб для громади» (демо)", vehicle="Sprinter, AX 0001 XX",
        departed_at=None, arrived_at=_this_morning(7),
    )  # fmt: skip
    programme = do_create_programme(
        actor=coordinator, name="Хліб, 2 на особу на день", commodity=bread,
        quantity_per_person=2, period=Period.DAY,
    )  # fmt: skip
    do_open_session(actor=coordinator, programme=programme, site=municipal)
    do_open_session(actor=coordinator, programme=programme, site=school)
