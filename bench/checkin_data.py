"""Build the check-in benchmark's database: the demo town's frame (sites, users, the bread
programme, open sessions) and N households of 1-5 members, each with an active card.

Run by bench/checkin.py in a process of its own, with HROMADA_DATA_DIR and DATABASE_URL
pointing at the file to build:

    .venv/bin/python bench/checkin_data.py --households 100000 --meta OUT.json --cards OUT.cards
    .venv/bin/python bench/checkin_data.py ... --programmes 10 --spread OUT.spread

With `--programmes 10` the same town (the same households, members and cards, drawn from the
same seed) runs ten programmes with varied rules, each with an open session at the municipal
building and stock enough for any run: the demo's own programmes where it has them, and
the rest from PROGRAMMES below. Some people are then displaced, chronically ill or disabled
(drawn from a second seed, so the town's first draw is unchanged), so that every eligibility
rule has people it counts and people it refuses. `--spread` writes "CODE SESSION" lines: each
card with the session of one programme its household is eligible for, in turn.

The bulk rows go in through bulk_create on the migrated schema, not through the actions: a
registry of 100,000 households takes seconds this way and an hour the other way. Each
household gets the audit rows the actions would have written (one per household, member and
card), so the audit table and its indexes have the size they would have in the field. The
stock (10 million loaves, enough that no run runs out) goes through do_record_delivery.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from hromada.core.models import AuditEvent, Site, User
    from hromada.people.models import Household, Person, Vulnerability

# The version of what this file builds: bump it when the rows change, so cached files go.
GENERATOR_VERSION = 2
STOCK = 10_000_000
BATCH = 5_000
SEED = 20261128


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    import django

    django.setup()


def build(
    *, households: int, meta_path: Path, cards_path: Path, programmes: int = 1,
    spread_path: Path | None = None,
) -> None:  # fmt: skip
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hromada.core.models import AuditEvent, Site, User
    from hromada.demo import load_demo
    from hromada.distribution.models import DistributionSession
    from hromada.lib import cardcode
    from hromada.people.models import Card, Household, Person, Residency, Sex, Vulnerability
    from hromada.stock.actions import Line, do_record_delivery
    from hromada.stock.models import Commodity

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    password = secrets.token_urlsafe(12)
    os.environ["HROMADA_DEMO_PASSWORD"] = password
    load_demo(households=0, out=StringIO())
    municipal = Site.objects.get(code="municipal")
    coordinator = User.objects.get(username="coordinator")
    rng = random.Random(SEED)  # noqa: S311 (synthetic data, not secrets)
    # the rules' people, drawn apart so that the households of the first draw stay the same
    traits = random.Random(SEED + 1)  # noqa: S311
    vulnerable: list[Vulnerability] = []
    household_of_card: list[tuple[Household, list[Person]]] = []
    now = timezone.now()
    today = timezone.localdate()
    codes: list[str] = []
    seen: set[str] = set()
    with connection.cursor() as cursor:
        # Only while building: a crash here costs a rebuild, not a desk's record.
        cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        for first in range(0, households, BATCH):
            homes: list[Household] = []
            people: list[Person] = []
            cards: list[Card] = []
            audits: list[AuditEvent] = []
            for index in range(first, min(first + BATCH, households)):
                home = Household(site=municipal, address=f"вул. Садова, {index % 120 + 1}")
                homes.append(home)
                audits.append(_audit(home.pk, "people.create_household", "people.household"))
                members: list[Person] = []
                displaced = programmes > 1 and traits.random() < 0.15
                for _member in range(rng.randint(1, 5)):
                    person = Person(
                        household=home,
                        family_name="Бондар",
                        given_name=rng.choice(["Людмила", "Ігор", "Оксана", "Петро"]),
                        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                        birth_date=today - timedelta(days=rng.randint(365, 90 * 365)),
                    )
                    if displaced:
                        person.residency = Residency.DISPLACED
                    if programmes > 1:
                        vulnerable.extend(_vulnerabilities(person, traits))
                    members.append(person)
                    people.append(person)
                    audits.append(_audit(person.pk, "people.create_person", "people.person"))
                code = cardcode.generate()
                while code in seen:
                    code = cardcode.generate()
                seen.add(code)
                codes.append(code)
                if spread_path is not None:
                    household_of_card.append((home, members))
                card = Card(household=home, code=code)
                cards.append(card)
                audits.append(_audit(card.pk, "people.issue_card", "people.card"))
            for audit in audits:
                audit.actor = coordinator
                audit.site = municipal
                audit.at = now
            Household.objects.bulk_create(homes)
            Person.objects.bulk_create(people)
            Card.objects.bulk_create(cards)
            AuditEvent.objects.bulk_create(audits)
        Vulnerability.objects.bulk_create(vulnerable, batch_size=BATCH)
    bread = Commodity.objects.get(code="bread")
    if programmes > 1:
        _programmes(coordinator=coordinator, site=municipal, count=programmes)
    commodities = Commodity.objects.filter(programme__isnull=False).distinct().order_by("code")
    do_record_delivery(
        actor=coordinator, site=municipal, lines=[Line(c, STOCK) for c in commodities],
        source="bench", arrived_at=now,
    )  # fmt: skip
    session = DistributionSession.objects.get(
        site=municipal, status="open", programme__commodity=bread
    )
    sessions = {
        s.programme.name: str(s.pk)
        for s in DistributionSession.objects.filter(site=municipal, status="open")
        .select_related("programme")
    }  # fmt: skip
    with connection.cursor() as cursor:
        # fold the WAL into the main file, so that one file is the whole database
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # shuffled, so that the desk scans cards in no particular order, as a queue does
    order = list(range(len(codes)))
    rng.shuffle(order)
    cards_path.write_text("".join(f"{codes[i]}\n" for i in order))
    if spread_path is not None:
        chosen = _spread(household_of_card, today)
        spread_path.write_text("".join(f"{codes[i]} {chosen[i]}\n" for i in order))
    meta = {
        "generator_version": GENERATOR_VERSION,
        "households": households,
        "persons": Person.objects.count(),
        "password": password,
        "session": str(session.pk),
        "programmes": len(sessions),
        "sessions": sessions,
        "displaced": Person.objects.filter(residency=Residency.DISPLACED).count(),
        "vulnerabilities": len(vulnerable),
        "built_at": now.isoformat(timespec="seconds"),
        "build_seconds": round(time.monotonic() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))


# The bench's ten programmes, by commodity code: the demo's own rules are kept for the codes it
# already has (bread, water, hygiene kits, baby food, food parcels, hot meals, medicine).
PROGRAMMES: list[tuple[str, str, str, dict[str, object]]] = [
    # (commodity code, name, unit, the rule's fields)
    ("bread", "Хліб", "бух.", {"quantity": 2}),
    ("water", "Питна вода, 1,5 л", "пляш.", {"quantity": 2, "max_per_household": 8}),
    ("hygiene-kit", "Гігієнічний набір", "наб.",
     {"quantity": 1, "basis": "household", "period": "month"}),
    ("baby-food", "Дитяче харчування", "банок",
     {"quantity": 4, "period": "week", "eligibility": "children", "age": 3}),
    ("food-parcel", "Продуктовий набір", "наб.",
     {"quantity": 1, "basis": "household", "period": "week"}),
    ("hot-meal", "Гаряче харчування", "порц.", {"quantity": 1}),
    ("medicine", "Ліки від хронічних хвороб", "уп.",
     {"quantity": 1, "period": "month", "eligibility": "vulnerability",
      "vulnerability": "chronic_illness"}),
    ("blanket", "Ковдра", "шт.",
     {"quantity": 1, "period": "once", "eligibility": "older", "age": 60}),
    ("idp-kit", "Набір для переселенців", "наб.",
     {"quantity": 1, "basis": "household", "period": "once", "eligibility": "displaced"}),
    ("care-kit", "Набір догляду", "наб.",
     {"quantity": 1, "period": "month", "eligibility": "vulnerability",
      "vulnerability": "disability", "max_per_household": 2}),
]  # fmt: skip


def _vulnerabilities(person: Person, traits: random.Random) -> list[Vulnerability]:
    from hromada.people.models import Vulnerability, VulnerabilityKind

    found = []
    if traits.random() < 0.08:
        found.append(Vulnerability(person=person, kind=VulnerabilityKind.CHRONIC_ILLNESS))
    if traits.random() < 0.04:
        found.append(
            Vulnerability(person=person, kind=VulnerabilityKind.DISABILITY, disability_group=2)
        )
    return found


def _programmes(*, coordinator: User, site: Site, count: int) -> None:
    """Ten programmes at the site, each with an open session; a food parcel and hot meals
    exclude each other in the same week."""
    from hromada.distribution.actions import Rule, do_create_programme, do_open_session
    from hromada.distribution.models import DistributionSession, Programme
    from hromada.stock.actions import do_create_commodity
    from hromada.stock.models import Commodity

    made: dict[str, Programme] = {}
    for code, name, unit, rule in PROGRAMMES[:count]:
        commodity = Commodity.objects.filter(code=code).first() or do_create_commodity(
            actor=coordinator, code=code, name=name, unit=unit
        )
        programme = Programme.objects.filter(commodity=commodity).first()
        if programme is None:
            excludes = [made["food-parcel"]] if code == "hot-meal" else []
            programme = do_create_programme(
                actor=coordinator, name=name, commodity=commodity,
                rule=Rule(**rule),  # type: ignore[arg-type]
                excludes=excludes,
            )  # fmt: skip
        made[code] = programme
        if not DistributionSession.objects.filter(
            programme=programme, site=site, status="open"
        ).exists():
            do_open_session(actor=coordinator, programme=programme, site=site)


def _spread(households: list[tuple[Household, list[Person]]], today: date) -> list[str]:
    """For each card, the open session of a programme its household is eligible for: the
    eligible ones in turn, card after card, so every programme gets its share."""
    from hromada.distribution.models import DistributionSession
    from hromada.people.models import Vulnerability

    sessions = list(
        DistributionSession.objects.filter(site__code="municipal", status="open")
        .select_related("programme")
        .order_by("programme__name")
    )
    kinds: dict[object, set[str]] = {}
    for vulnerability in Vulnerability.objects.all():
        kinds.setdefault(vulnerability.person_id, set()).add(vulnerability.kind)
    chosen = []
    for index, (_home, members) in enumerate(households):
        eligible = [
            s for s in sessions
            if any(s.programme.is_eligible(m, today, kinds.get(m.pk, set())) for m in members)
        ]  # fmt: skip
        chosen.append(str(eligible[index % len(eligible)].pk))
    return chosen


def _audit(pk: object, action: str, object_type: str) -> AuditEvent:
    from hromada.core.models import AuditEvent

    return AuditEvent(action=action, object_type=object_type, object_id=str(pk), fields=[])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--meta", type=Path, required=True)
    parser.add_argument("--cards", type=Path, required=True)
    parser.add_argument("--programmes", type=int, default=1, choices=[1, 10])
    parser.add_argument("--spread", type=Path, help="write CODE SESSION lines here")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("set DATABASE_URL to the file to build")
    _setup()
    build(
        households=args.households, meta_path=args.meta, cards_path=args.cards,
        programmes=args.programmes, spread_path=args.spread,
    )  # fmt: skip


if __name__ == "__main__":
    main()
