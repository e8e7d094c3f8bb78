"""Build the check-in benchmark's database: the demo town's frame (sites, users, the bread
programme, open sessions) and N households of 1-5 members, each with an active card.

Run by bench/checkin.py in a process of its own, with HROMADA_DATA_DIR and DATABASE_URL
pointing at the file to build:

    .venv/bin/python bench/checkin_data.py --households 100000 --meta OUT.json --cards OUT.cards

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
    from hromada.core.models import AuditEvent

# The version of what this file builds: bump it when the rows change, so cached files go.
GENERATOR_VERSION = 1
STOCK = 10_000_000
BATCH = 5_000
SEED = 20261128


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    import django

    django.setup()


def build(*, households: int, meta_path: Path, cards_path: Path) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hromada.core.models import AuditEvent, Site, User
    from hromada.demo import load_demo
    from hromada.distribution.models import DistributionSession
    from hromada.lib import cardcode
    from hromada.people.models import Card, Household, Person, Sex
    from hromada.stock.actions import Line, do_record_delivery
    from hromada.stock.models import Commodity

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    password = secrets.token_urlsafe(12)
    os.environ["HROMADA_DEMO_PASSWORD"] = password
    load_demo(households=0, out=StringIO())
    municipal = Site.objects.get(code="municipal")
    coordinator = User.objects.get(username="coordinator")
    rng = random.Random(SEED)
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
                for _member in range(rng.randint(1, 5)):
                    person = Person(
                        household=home,
                        family_name="Бондар",
                        given_name=rng.choice(["Людмила", "Ігор", "Оксана", "Петро"]),
                        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                        birth_date=today - timedelta(days=rng.randint(365, 90 * 365)),
                    )
                    people.append(person)
                    audits.append(_audit(person.pk, "people.create_person", "people.person"))
                code = cardcode.generate()
                while code in seen:
                    code = cardcode.generate()
                seen.add(code)
                codes.append(code)
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
    do_record_delivery(
        actor=coordinator, site=municipal,
        lines=[Line(Commodity.objects.get(code="bread"), STOCK)], source="bench", arrived_at=now,
    )  # fmt: skip
    session = DistributionSession.objects.get(site=municipal, status="open")
    with connection.cursor() as cursor:
        # fold the WAL into the main file, so that one file is the whole database
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # shuffled, so that the desk scans cards in no particular order, as a queue does
    rng.shuffle(codes)
    cards_path.write_text("\n".join(codes) + "\n")
    meta = {
        "generator_version": GENERATOR_VERSION,
        "households": households,
        "persons": Person.objects.count(),
        "password": password,
        "session": str(session.pk),
        "built_at": now.isoformat(timespec="seconds"),
        "build_seconds": round(time.monotonic() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))


def _audit(pk: object, action: str, object_type: str) -> AuditEvent:
    from hromada.core.models import AuditEvent

    return AuditEvent(action=action, object_type=object_type, object_id=str(pk), fields=[])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--meta", type=Path, required=True)
    parser.add_argument("--cards", type=Path, required=True)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("set DATABASE_URL to the file to build")
    _setup()
    build(households=args.households, meta_path=args.meta, cards_path=args.cards)


if __name__ == "__main__":
    main()
