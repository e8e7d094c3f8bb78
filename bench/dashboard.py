"""How long the reports dashboard takes for a town with a million collections.

Builds, in a SQLite file under a temporary folder, two sites, five daily programmes (five
commodities), 4,000 households with cards, and 60 Kyiv days of collections: 1,000,000
`Collection` rows, each with its `StockMovement`, the `DayTally` rows they add up to, the
deliveries and balances that cover them, and a refusal for every fiftieth scan. Then it times
the dashboard view (`reports:dashboard`) through Django's test Client, logged in as the
coordinator, for the whole town and for one site: median of 10 runs after one warm-up.

Baseline, in the same run: the same view with its served figures aggregated straight from the
`Collection` table (grouped by site, programme and Kyiv day) instead of read from `DayTally`;
the rows are checked equal to the tallies' before anything is timed.

    nice .venv/bin/python bench/dashboard.py                 # ~1M collections, a few minutes
    nice .venv/bin/python bench/dashboard.py --collections 100000 --runs 5   # a quick look

Prints JSON; also writes it to bench/results/dashboard-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

SEED = 20261128
BATCH = 20_000
SITES = (("municipal", "Міська рада"), ("school-2", "Школа №2"))
PROGRAMMES = (
    ("bread", "Хліб", "бух.", 2),
    ("water", "Вода питна", "пляш.", 3),
    ("hygiene", "Гігієнічний набір", "наб.", 1),
    ("parcel", "Продуктовий набір", "наб.", 1),
    ("baby", "Дитяче харчування", "банка", 2),
)
HOUSEHOLDS_PER_SITE = 2_000
DAYS = 60
REFUSAL_EVERY = 50
RESULTS = Path(__file__).resolve().parent / "results"


def _setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'dashboard.sqlite3'}"
    os.environ["HROMADA_DATA_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hromada.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test Client
    import django

    django.setup()


def build(*, collections: int) -> dict[str, Any]:
    """The town; returns what the timing needs and how long the build took."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hromada.core.actions import do_create_site, do_save_user
    from hromada.core.models import Role, Site
    from hromada.distribution.actions import Rule, do_create_programme, do_open_session
    from hromada.distribution.models import (
        Channel,
        Collection,
        DayTally,
        Refusal,
        RefusalReason,
    )
    from hromada.lib import cardcode
    from hromada.lib.periods import KYIV
    from hromada.people.models import Card, Household, Person, Sex
    from hromada.stock.actions import do_create_commodity
    from hromada.stock.models import MovementKind, StockBalance, StockMovement

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    rng = random.Random(SEED)  # noqa: S311 (synthetic data)
    sites = [do_create_site(actor=None, code=code, name=name) for code, name in SITES]
    coordinator = do_save_user(
        actor=None, username="coordinator", role=Role.COORDINATOR, password="bench-only",  # noqa: S106
        sites=Site.objects.none(),
    )  # fmt: skip
    programmes = []
    for code, name, unit, quantity in PROGRAMMES:
        commodity = do_create_commodity(actor=coordinator, code=code, name=name, unit=unit)
        programmes.append(
            do_create_programme(
                actor=coordinator, name=name, commodity=commodity, rule=Rule(quantity=quantity)
            )
        )
    sessions = {
        (site.pk, p.pk): do_open_session(actor=coordinator, programme=p, site=site)
        for site in sites
        for p in programmes
    }
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")  # only while building
    today = timezone.localdate()
    first_day = today - timedelta(days=DAYS - 1)
    homes: dict[Any, list[tuple[Household, Card, int]]] = {}
    with transaction.atomic():
        for site in sites:
            rows, people, cards = [], [], []
            for index in range(HOUSEHOLDS_PER_SITE):
                home = Household(site=site, address=f"вул. Садова, {index % 120 + 1}")
                size = rng.randint(1, 4)
                for _member in range(size):
                    people.append(
                        Person(
                            household=home,
                            family_name="Бондар",
                            given_name="Оксана",
                            sex=Sex.FEMALE,
                            birth_date=date(1960, 5, 17),
                        )  # fmt: skip
                    )
                card = Card(household=home, code=cardcode.generate())
                cards.append(card)
                rows.append((home, card, size))
            Household.objects.bulk_create([h for h, _c, _s in rows])
            Person.objects.bulk_create(people, batch_size=BATCH)
            Card.objects.bulk_create(cards)
            homes[site.pk] = rows
    cells = [(site, p) for site in sites for p in programmes]
    per_cell_day, extra = divmod(collections, DAYS * len(cells))
    issued: dict[tuple[Any, Any], int] = {(s.pk, p.commodity_id): 0 for s, p in cells}
    made = 0
    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        opening = datetime(day.year, day.month, day.day, 8, 0, tzinfo=KYIV).astimezone(UTC)
        movements: list[StockMovement] = []
        found: list[Collection] = []
        tallies: list[DayTally] = []
        refusals: list[Refusal] = []
        for index, (site, programme) in enumerate(cells):
            count = per_cell_day + (1 if offset * len(cells) + index < extra else 0)
            session = sessions[(site.pk, programme.pk)]
            served = rng.sample(homes[site.pk], count)
            households = people_count = units = 0
            for n, (home, card, size) in enumerate(served):
                at = opening + timedelta(seconds=n * 30_000 // max(count, 1))
                quantity = size * programme.quantity
                movement = StockMovement(
                    site=site, commodity_id=programme.commodity_id, kind=MovementKind.ISSUED,
                    quantity=-quantity, at=at, actor=coordinator,
                )  # fmt: skip
                movements.append(movement)
                found.append(
                    Collection(
                        session=session,
                        programme=programme,
                        household=home,
                        card=card,
                        channel=Channel.CARD,
                        period_start=day,
                        members=size,
                        entitled=quantity,
                        quantity=quantity,
                        at=at,
                        served_by=coordinator,
                        desk="bench",
                        movement=movement,
                    )  # fmt: skip
                )
                households += 1
                people_count += size
                units += quantity
                if n % REFUSAL_EVERY == 0:
                    refusals.append(
                        Refusal(
                            session=session,
                            household=home,
                            served_by=coordinator,
                            at=at,
                            reason=rng.choice(
                                [
                                    RefusalReason.ALREADY_COLLECTED,
                                    RefusalReason.UNKNOWN_CARD,
                                    RefusalReason.NOT_ELIGIBLE,
                                    RefusalReason.PAUSED,
                                ]
                            ),
                        )  # fmt: skip
                    )
            issued[(site.pk, programme.commodity_id)] += units
            tallies.append(
                DayTally(
                    site=site,
                    programme=programme,
                    day=day,
                    households=households,
                    people=people_count,
                    units=units,
                )  # fmt: skip
            )
        with transaction.atomic():
            StockMovement.objects.bulk_create(movements, batch_size=BATCH)
            Collection.objects.bulk_create(found, batch_size=BATCH)
            DayTally.objects.bulk_create(tallies)
            Refusal.objects.bulk_create(refusals, batch_size=BATCH)
        made += len(found)
    # the trucks: all that was given, and five more days of it left on the shelf
    received_at = datetime(first_day.year, first_day.month, first_day.day, 6, tzinfo=KYIV)
    with transaction.atomic():
        for (site_id, commodity_id), units in issued.items():
            left = units * 5 // DAYS
            StockMovement.objects.create(
                site_id=site_id, commodity_id=commodity_id, kind=MovementKind.RECEIVED,
                quantity=units + left, at=received_at, actor=coordinator,
            )  # fmt: skip
            StockBalance.objects.update_or_create(
                site_id=site_id, commodity_id=commodity_id, defaults={"quantity": left}
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA synchronous=FULL")
    return {
        "collections": made,
        "stock_movements": StockMovement.objects.count(),
        "day_tallies": DayTally.objects.count(),
        "refusals": Refusal.objects.count(),
        "households": sum(len(rows) for rows in homes.values()),
        "build_seconds": round(time.monotonic() - started, 1),
        "site": str(sites[0].pk),
    }


def counted() -> dict[str, Any]:
    """What a kept database holds (--reuse)."""
    from hromada.core.models import Site
    from hromada.distribution.models import Collection, DayTally, Refusal
    from hromada.people.models import Household
    from hromada.stock.models import StockMovement

    return {
        "collections": Collection.objects.count(),
        "stock_movements": StockMovement.objects.count(),
        "day_tallies": DayTally.objects.count(),
        "refusals": Refusal.objects.count(),
        "households": Household.objects.count(),
        "build_seconds": None,
        "site": str(Site.objects.get(code=SITES[0][0]).pk),
    }


def rows_from_collections(scope: Any, start: date, end: date) -> list[Any]:
    """The baseline: the dashboard's rows aggregated from the collections themselves."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from hromada.core.models import Site
    from hromada.distribution.models import Collection, Programme
    from hromada.lib.periods import KYIV, day_bounds
    from hromada.reports.figures import DailyRow

    found = Collection.objects.standing().filter(
        at__gte=day_bounds(start)[0], at__lt=day_bounds(end)[1]
    )
    if scope.site_ids is not None:
        found = found.filter(session__site_id__in=scope.site_ids)
    grouped = (
        found.annotate(day=TruncDate("at", tzinfo=KYIV))
        .values("day", "session__site", "programme")
        .annotate(households=Count("id"), people=Sum("members"), units=Sum("quantity"))
    )
    sites = {s.pk: s for s in Site.objects.all()}
    programmes = {p.pk: p for p in Programme.objects.select_related("commodity")}
    rows = []
    for row in grouped:
        site, programme = sites[row["session__site"]], programmes[row["programme"]]
        rows.append(
            DailyRow(
                day=row["day"],
                site_id=site.pk,
                site=site.name,
                site_code=site.code,
                programme_id=programme.pk,
                programme=programme.name,
                commodity=programme.commodity.name,
                unit=programme.commodity.unit,
                households=row["households"],
                people=row["people"],
                units=row["units"],
            )  # fmt: skip
        )
    return sorted(rows, key=lambda r: (r.day, r.site, r.programme))


def timed(get: Callable[[], Any], runs: int) -> dict[str, Any]:
    get()  # warm-up: templates compiled, connection open
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code  # noqa: S101
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "runs_ms": [round(t, 1) for t in times],
    }


def measure(*, site: str, runs: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from hromada.core.models import User
    from hromada.reports import views
    from hromada.reports.figures import daily_rows, scope_for

    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    url = reverse("reports:dashboard")
    today = timezone.localdate()
    month = {"start": (today - timedelta(days=DAYS - 1)).isoformat(), "end": today.isoformat()}
    asks: dict[str, dict[str, str]] = {
        "town_14_days": {},
        "site_14_days": {"site": site},
        "town_60_days": month,
        "site_60_days": {**month, "site": site},
    }
    # the baseline must give the same figures, or its time means nothing
    user = User.objects.get(username="coordinator")
    start = today - timedelta(days=DAYS - 1)
    scope = scope_for(user, None)
    if rows_from_collections(scope, start, today) != daily_rows(scope, start, today):
        raise SystemExit("the tallies and the collections disagree: the data is inconsistent")
    results: dict[str, Any] = {}
    for name, params in asks.items():

        def get(params: dict[str, str] = params) -> Any:
            return client.get(url, params)

        tally = timed(get, runs)
        with mock.patch.object(views, "daily_rows", rows_from_collections):
            baseline = timed(get, runs)
        results[name] = {
            "tally": tally,
            "collections_baseline": baseline,
            "ratio": round(baseline["median_ms"] / tally["median_ms"], 1),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database folder")
    parser.add_argument(
        "--reuse", type=Path, help="time the database a kept run built in this folder"
    )
    args = parser.parse_args()
    folder = args.reuse or Path(tempfile.mkdtemp(prefix="hromada-dashboard-"))
    _setup(folder)
    import sqlite3

    built = counted() if args.reuse else build(collections=args.collections)
    out = {
        "bench": "dashboard",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "runs": args.runs,
        "data": {k: v for k, v in built.items() if k != "site"},
        "database_bytes": (folder / "dashboard.sqlite3").stat().st_size,
        "results": measure(site=built["site"], runs=args.runs),
    }
    text = json.dumps(out, indent=2)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"dashboard-{stamp}.json").write_text(text + "\n")
    if not args.keep and not args.reuse:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"database kept in {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
