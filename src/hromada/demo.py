"""The demo town: synthetic people (no real person's name), this morning's bread, one user per
role. Everything goes through the same actions as the app; running it twice adds nothing."""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from hromada.core.actions import do_create_site, do_save_user
from hromada.core.models import Role, Site, User
from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import Basis, Eligibility, Period, Programme
from hromada.evacuation.actions import (
    MemberNeeds,
    PetData,
    Places,
    RequestData,
    do_board,
    do_close_arrival,
    do_confirm_arrival,
    do_create_reception_centre,
    do_create_request,
    do_create_trip,
    do_depart,
    do_save_plan,
    do_save_vehicle,
)
from hromada.evacuation.models import Need, Species, VehicleKind
from hromada.lib.documents import DocumentType, rnokpp_check_digit
from hromada.lib.periods import KYIV
from hromada.lib.translit import romanise_as
from hromada.people.actions import (
    MemberData,
    do_create_household,
    do_find_duplicates,
    do_issue_card,
)
from hromada.people.models import BirthPrecision, Household, Residency, Sex, VulnerabilityKind
from hromada.stock.actions import Line, do_create_commodity, do_record_delivery

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
CAR_PARK = "Парковка біля міської ради"
STREETS = ["вул. Шкільна", "вул. Садова", "вул. Миру", "вул. Заводська", "пров. Тихий"]

DEMO_USERS = [
    ("coordinator", Role.COORDINATOR, []),
    ("registrar", Role.REGISTRAR, ["municipal"]),
    ("distributor", Role.DISTRIBUTOR, ["municipal"]),
    ("auditor", Role.AUDITOR, []),
    ("distributor2", Role.DISTRIBUTOR, ["school-2"]),
    ("evacuation", Role.EVACUATION, ["municipal"]),
    ("reception", Role.RECEPTION, ["dnipro-reception"]),
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


# nearer towns people fled from (hromadas of Donetsk oblast)
FLED_FROM = ["Покровська громада", "Мирноградська громада", "Торецька громада",
             "Костянтинівська громада", "Курахівська громада"]  # fmt: skip


def _documents(rng: random.Random, born: date, precision: str, age: int) -> list[tuple[str, str]]:
    """Synthetic numbers of the right shape: a child's birth certificate, an adult's ID card
    and, for some, a tax number whose check digit and date are right."""
    if age < 14:
        letters = rng.choice(["КИ", "НО", "АМ"])
        return [(DocumentType.BIRTH_CERTIFICATE.value, f"I-{letters}{rng.randint(0, 999999):06d}")]
    documents: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        documents.append((DocumentType.ID_CARD.value, f"{rng.randint(0, 999_999_999):09d}"))
    if precision == BirthPrecision.DAY and rng.random() < 0.4:
        base = f"{(born - date(1899, 12, 31)).days:05d}{rng.randint(0, 9999):04d}"
        documents.append((DocumentType.RNOKPP.value, base + str(rnokpp_check_digit(base))))
    return documents


def _person(
    rng: random.Random,
    family: tuple[str, str],
    age: int,
    latin: bool,
    fled: tuple[str, date] | None,
) -> MemberData:
    sex = rng.choice([Sex.FEMALE, Sex.MALE])
    given = rng.choice(FEMALE if sex == Sex.FEMALE else MALE)
    father = rng.choice(MALE)[0]
    today = timezone.localdate()
    born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    precision = BirthPrecision.YEAR if rng.random() < 0.08 else BirthPrecision.DAY
    if precision == BirthPrecision.YEAR:
        born = date(born.year, 1, 1)
    vulnerabilities: list[tuple[str, int | None]] = []
    if age >= 60:
        vulnerabilities.append((VulnerabilityKind.OLDER_PERSON, None))
    if rng.random() < 0.06:
        vulnerabilities.append((VulnerabilityKind.DISABILITY, rng.choice([1, 2, 3])))
    if age >= 40 and rng.random() < 0.15:
        vulnerabilities.append((VulnerabilityKind.CHRONIC_ILLNESS, None))
    phone = f"+38067{rng.randint(0, 9_999_999):07d}" if age >= 16 and rng.random() < 0.6 else ""
    # as written in a foreign passport: Latin, no patronymic
    names = (family[1], given[1], "") if latin else (family[0], given[0], _patronymic(father, sex))
    return MemberData(
        family_name=names[0],
        given_name=names[1],
        patronymic=names[2],
        sex=sex,
        birth_date=born,
        birth_precision=precision,
        phone=phone,
        documents=tuple(_documents(rng, born, precision, age)),
        vulnerabilities=tuple(vulnerabilities),
        residency=Residency.DISPLACED if fled else Residency.RESIDENT,
        displaced_from=fled[0] if fled else "",
        displaced_on=fled[1] if fled else None,
    )


def _household(rng: random.Random) -> list[MemberData]:
    family = rng.choice(FAMILY)
    latin = rng.random() < 0.1
    fled = None
    if rng.random() < 0.15:
        fled = (rng.choice(FLED_FROM), date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)))
    kind = rng.random()
    if kind < 0.3:  # an older person alone
        return [_person(rng, family, rng.randint(62, 92), latin, fled)]
    if kind < 0.55:  # an older couple
        return [_person(rng, family, rng.randint(58, 85), latin, fled) for _ in range(2)]
    adults = [
        _person(rng, family, rng.randint(25, 55), latin, fled) for _ in range(rng.choice([1, 2]))
    ]
    children = [
        _person(rng, family, rng.randint(1, 17), latin, fled) for _ in range(rng.randint(1, 3))
    ]
    return adults + children


def _without_used(member: MemberData, used: set[tuple[str, str]]) -> MemberData:
    """The member without a random document number drawn twice (a big town draws some
    twice; a number is one person's)."""
    documents = tuple(doc for doc in member.documents if doc not in used)
    used.update(documents)
    return replace(member, documents=documents)


def _second_record(rng: random.Random, original: MemberData) -> MemberData:
    """The same person registered again elsewhere, as happens: the name in Latin as a
    volunteer's list spelled it, or in its Russian form from an old certificate, and no
    documents this time."""
    spelling = rng.choice(["passport_2007", "bgn_pcgn", "ru"])
    if spelling == "ru":
        family, given = (
            original.family_name,
            RUSSIAN_FORMS.get(original.given_name, original.given_name),
        )
        patronymic = original.patronymic
    else:
        family = romanise_as(original.family_name, spelling)
        given = romanise_as(original.given_name, spelling)
        patronymic = ""
    return MemberData(
        family, given, patronymic, original.sex, original.birth_date, original.birth_precision
    )


# the Russian forms of some of the demo's given names, as old certificates write them
RUSSIAN_FORMS = {"Людмила": "Людмила", "Тетяна": "Татьяна", "Наталія": "Наталья",
                 "Галина": "Галина", "Ірина": "Ирина", "Олена": "Елена", "Марія": "Мария",
                 "Ігор": "Игорь", "Олександр": "Александр", "Микола": "Николай",
                 "Василь": "Василий", "Петро": "Петр", "Андрій": "Андрей", "Сергій": "Сергей",
                 "Юрій": "Юрий", "Володимир": "Владимир", "Григорій": "Григорий"}  # fmt: skip


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
    used: set[tuple[str, str]] = set()
    for index in range(households):
        site = municipal if index % 6 else school
        street = rng.choice(STREETS)
        members = [_without_used(member, used) for member in _household(rng)]
        household = do_create_household(
            actor=coordinator,
            site=site,
            address=f"{street}, {rng.randint(1, 120)}",
            members=members,
        )
        do_issue_card(actor=coordinator, household=household)
        if rng.random() < 0.04:
            # registered twice: once here, once at the other site, for the duplicate queue
            again = do_create_household(
                actor=coordinator,
                site=school if site == municipal else municipal,
                address="",
                members=[_second_record(rng, members[0])],
            )
            do_issue_card(actor=coordinator, household=again)
    do_find_duplicates(actor=coordinator)
    do_record_delivery(
        actor=coordinator, site=municipal, lines=[Line(bread, 10_000)],
        source="Благодійний фонд «Хліб для громади» (демо)", vehicle="MAN TGL, AX 0000 XX",
        departed_at=_this_morning(6) - timedelta(hours=10), arrived_at=_this_morning(6, 30),
    )  # fmt: skip
    do_record_delivery(
        actor=coordinator, site=school, lines=[Line(bread, 1_500)],
        source="Благодійний фонд «Хліб для громади» (демо)", vehicle="Sprinter, AX 0001 XX",
        departed_at=None, arrived_at=_this_morning(7),
    )  # fmt: skip
    programme = do_create_programme(
        actor=coordinator, name="Хліб, 2 на особу на день", commodity=bread,
        rule=Rule(quantity=2, period=Period.DAY),
    )  # fmt: skip
    do_open_session(actor=coordinator, programme=programme, site=municipal)
    do_open_session(actor=coordinator, programme=programme, site=school)
    _load_programmes(coordinator=coordinator, municipal=municipal, school=school)
    _load_evacuation(rng, coordinator=coordinator, municipal=municipal)


def _load_programmes(*, coordinator: User, municipal: Site, school: Site) -> None:
    """The other programmes a town runs beside bread, each with its own rule, and the truck
    that brought their stock (one delivery, several lines)."""
    commodities = {
        code: do_create_commodity(actor=coordinator, code=code, name=name, unit=unit)
        for code, name, unit in [
            ("water", "Питна вода, 1,5 л", "пляш."),
            ("hygiene-kit", "Гігієнічний набір", "наб."),
            ("baby-food", "Дитяче харчування", "банок"),
            ("food-parcel", "Продуктовий набір", "наб."),
            ("hot-meal", "Гаряче харчування", "порц."),
            ("medicine", "Ліки від хронічних хвороб", "уп."),
        ]
    }
    do_record_delivery(
        actor=coordinator, site=municipal,
        lines=[Line(commodities["water"], 6_000), Line(commodities["hygiene-kit"], 800),
               Line(commodities["baby-food"], 400), Line(commodities["food-parcel"], 900),
               Line(commodities["hot-meal"], 1_200), Line(commodities["medicine"], 300)],
        source="Український Червоний Хрест (демо)", donor="Гуманітарний фонд (демо)",
        vehicle="Volvo FH, AX 0002 XX", departed_at=None, arrived_at=_this_morning(7, 15),
    )  # fmt: skip
    rules = [
        ("water", "Вода, 2 пляшки на особу на день, до 8 на родину",
         Rule(quantity=2, max_per_household=8)),
        ("hygiene-kit", "Гігієнічний набір, 1 на родину на місяць",
         Rule(quantity=1, basis=Basis.HOUSEHOLD, period=Period.MONTH)),
        ("baby-food", "Дитяче харчування, 4 банки на дитину до 3 років на тиждень",
         Rule(quantity=4, period=Period.WEEK, eligibility=Eligibility.CHILDREN, age=3)),
        ("food-parcel", "Продуктовий набір, 1 на родину на тиждень",
         Rule(quantity=1, basis=Basis.HOUSEHOLD, period=Period.WEEK)),
        ("hot-meal", "Гаряче харчування, 1 порція на особу на день",
         Rule(quantity=1)),
        ("medicine", "Ліки для хронічно хворих, 1 упаковка на місяць",
         Rule(quantity=1, period=Period.MONTH, eligibility=Eligibility.VULNERABILITY,
              vulnerability=VulnerabilityKind.CHRONIC_ILLNESS)),
    ]  # fmt: skip
    made: dict[str, Programme] = {}
    for code, name, rule in rules:
        # a food parcel this week and hot meals that week are not given together
        excludes = [made["food-parcel"]] if code == "hot-meal" else []
        made[code] = do_create_programme(
            actor=coordinator, name=name, commodity=commodities[code], rule=rule,
            excludes=excludes,
        )  # fmt: skip
        do_open_session(actor=coordinator, programme=made[code], site=municipal)


def _load_evacuation(rng: random.Random, *, coordinator: User, municipal: Site) -> None:
    """The bus to Dnipro: its vehicles, the reception centre, a waitlist of about 60 requests
    (some with wheelchairs, oxygen, cats in carriers and a large dog), tomorrow morning's trip
    still to plan, and yesterday's minibus, arrived with one passenger unaccounted for."""
    centre = do_create_reception_centre(
        actor=coordinator, code="dnipro-reception", name="Пункт прийому переселенців (демо)",
        city="Дніпро", address="вул. Вокзальна, 1",
    )  # fmt: skip
    bus = do_save_vehicle(
        actor=coordinator, kind=VehicleKind.BUS, name="Богдан А092, AX 1100 XX",
        places=Places(seats=40, wheelchair_spaces=2, pet_places=3, luggage=60),
    )  # fmt: skip
    minibus = do_save_vehicle(
        actor=coordinator, kind=VehicleKind.MINIBUS, name="Sprinter, AX 1101 XX",
        places=Places(seats=16, pet_places=1, luggage=20),
    )  # fmt: skip
    do_save_vehicle(
        actor=coordinator, kind=VehicleKind.AMBULANCE, name="Швидка, AX 1102 XX",
        places=Places(seats=2, wheelchair_spaces=1, stretcher_places=1, luggage=2),
    )  # fmt: skip
    households = list(
        Household.objects.filter(site=municipal).prefetch_related("members").order_by("pk")
    )
    now = timezone.now()
    made = []
    for household in rng.sample(households, min(62, len(households))):
        members = list(household.members.all())
        if rng.random() < 0.3 and len(members) > 1:
            members = members[: rng.randint(1, len(members) - 1)]  # the others stay
        needs = []
        for person in members:
            need: set[str] = set()
            roll = rng.random()
            if roll < 0.04:
                need.add(Need.WHEELCHAIR)
            elif roll < 0.06:
                need.add(Need.OXYGEN)
            elif roll < 0.12:
                need.add(Need.CANNOT_SIT_LONG)
            if rng.random() < 0.2:
                need.add(Need.MEDICINES)
            needs.append(MemberNeeds(person, frozenset(need)))
        pets: list[PetData] = []
        if rng.random() < 0.3:
            pets.append(PetData(Species.CAT, count=rng.choice([1, 1, 2])))
        if rng.random() < 0.05:
            pets.append(PetData(Species.DOG, in_carrier=False, large=True))
        made.append(
            do_create_request(
                actor=coordinator,
                household=household,
                data=RequestData(
                    members=needs,
                    pets=pets,
                    luggage=rng.randint(1, 2) * len(members),
                    phone=f"+38067{rng.randint(1_000_000, 9_999_999)}",
                    destination="Дніпро",
                    together=rng.random() < 0.9,
                    without_shelter=rng.random() < 0.15,
                    civilian_declared=True,
                ),
                made_at=now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23)),
            )  # fmt: skip
        )
    tomorrow = datetime.combine(timezone.localdate() + timedelta(days=1), time(8), tzinfo=KYIV)
    do_create_trip(
        actor=coordinator, site=municipal, vehicle=bus, departure_point=CAR_PARK,
        departs_at=tomorrow, destination=centre, driver="Сергій (водій, демо)",
        escort="Ірина (волонтерка, демо)",
    )  # fmt: skip
    yesterday = now - timedelta(days=1)
    earlier = do_create_trip(
        actor=coordinator, site=municipal, vehicle=minibus, departure_point=CAR_PARK,
        departs_at=yesterday, destination=centre, driver="Олег (водій, демо)",
    )  # fmt: skip
    do_save_plan(actor=coordinator, trip=earlier, now=yesterday)
    on_board = list(earlier.passengers.select_related("person").order_by("created_at"))
    for passenger in on_board:
        do_board(actor=coordinator, passenger=passenger, civilian_confirmed=True, now=yesterday)
    do_depart(actor=coordinator, trip=earlier, now=yesterday)
    for passenger in on_board[1:]:
        do_confirm_arrival(actor=coordinator, passenger=passenger, now=yesterday)
    do_close_arrival(actor=coordinator, trip=earlier, now=yesterday + timedelta(hours=5))
