"""The figures of the dashboard, its exports and its API, read from the day tallies.

Served figures come from `DayTally` (one row per site, programme and Kyiv day, kept by the same
transaction as every collection and reversal), never from the collections themselves: a town
with a million collections has a few thousand tallies, and the dashboard must answer at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, QuerySet, Sum

from hromada.core.models import Site, User
from hromada.distribution.models import DayTally, Refusal, RefusalReason
from hromada.lib.periods import day_bounds
from hromada.stock.models import Commodity, StockBalance, Transfer

# a rate "at today's pace" with nothing given today: the mean of this many last days served
RATE_DAYS = 3
# how far back those days are looked for: a programme stopped for a season has no pace
RATE_LOOKBACK = timedelta(days=60)
DEFAULT_DAYS = 14
MAX_DAYS = 366


@dataclass(frozen=True)
class Scope:
    """The sites a figure covers: one site, or every site the user may see (`site_ids` None:
    every site of the town, with no filter at all)."""

    site_ids: tuple[uuid.UUID, ...] | None
    site: Site | None = None

    def tallies(self) -> QuerySet[DayTally]:
        found = DayTally.objects.all()
        if self.site_ids is not None:
            found = found.filter(site_id__in=self.site_ids)
        return found


def scope_for(user: User, site: Site | None) -> Scope:
    """One site the user may see (the caller checked), or all of theirs."""
    if site is not None:
        return Scope(site_ids=(site.pk,), site=site)
    if user.sees_all_sites():
        return Scope(site_ids=None)
    return Scope(site_ids=tuple(user.visible_sites().values_list("pk", flat=True)))


def default_range(today: date) -> tuple[date, date]:
    """The last fourteen Kyiv days, today included."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


@dataclass(frozen=True)
class DailyRow:
    """One programme at one site on one day: the row of the exports and the API."""

    day: date
    site_id: uuid.UUID
    site: str
    site_code: str
    programme_id: uuid.UUID
    programme: str
    commodity: str
    unit: str
    households: int
    people: int
    units: int


def daily_rows(scope: Scope, start: date, end: date) -> list[DailyRow]:
    """Tallies from `start` to `end` (both included), by day, site and programme. A day whose
    collections were all reversed has a tally of zeros: it is left out."""
    found = (
        scope.tallies()
        .filter(day__gte=start, day__lte=end)
        .exclude(households=0, units=0)
        .select_related("site", "programme__commodity")
        .order_by("day", "site__name", "programme__name")
    )
    return [
        DailyRow(
            day=t.day,
            site_id=t.site_id,
            site=t.site.name,
            site_code=t.site.code,
            programme_id=t.programme_id,
            programme=t.programme.name,
            commodity=t.programme.commodity.name,
            unit=t.programme.commodity.unit,
            households=t.households,
            people=t.people,
            units=t.units,
        )  # fmt: skip
        for t in found
    ]


@dataclass(frozen=True)
class DayServed:
    day: date
    households: int
    people: int
    units: int


def served_per_day(rows: list[DailyRow], start: date, end: date) -> list[DayServed]:
    """Every day of the range, those with nobody served too (a gap is news: a pause, a
    shelling, no truck)."""
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        total = totals[row.day]
        total[0] += row.households
        total[1] += row.people
        total[2] += row.units
    days = []
    day = start
    while day <= end:
        households, people, units = totals.get(day, [0, 0, 0])
        days.append(DayServed(day=day, households=households, people=people, units=units))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class ProgrammeGiven:
    programme: str
    commodity: str
    unit: str
    households: int
    people: int
    units: int


def given_per_programme(rows: list[DailyRow]) -> list[ProgrammeGiven]:
    """Units given per programme over the range, most first."""
    totals: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[uuid.UUID, DailyRow] = {}
    for row in rows:
        total = totals[row.programme_id]
        total[0] += row.households
        total[1] += row.people
        total[2] += row.units
        names[row.programme_id] = row
    found = [
        ProgrammeGiven(
            programme=names[pk].programme,
            commodity=names[pk].commodity,
            unit=names[pk].unit,
            households=households,
            people=people,
            units=units,
        )  # fmt: skip
        for pk, (households, people, units) in totals.items()
    ]
    return sorted(found, key=lambda p: (-p.units, p.programme))


@dataclass(frozen=True)
class StockDays:
    """A commodity's stock at the site(s) against the days it lasts at today's pace."""

    commodity_id: uuid.UUID
    commodity: str
    unit: str
    on_hand: int
    in_transit: int
    given_today: int
    # units a day: today's, or the mean of the last days anything was given (rounded)
    rate: int | None
    rate_is_today: bool
    days_left: int | None


def stock_days(scope: Scope, today: date) -> list[StockDays]:
    """On hand (and on its way here) per commodity, and how many whole days it lasts: at the
    units given today, or with nothing given yet today at the mean of the last three days
    that had collections. No pace, no figure."""
    balances = StockBalance.objects.all()
    transfers = Transfer.objects.in_transit()
    if scope.site_ids is not None:
        balances = balances.filter(site_id__in=scope.site_ids)
        transfers = transfers.filter(to_site_id__in=scope.site_ids)
    on_hand = {
        row["commodity"]: int(row["n"] or 0)
        for row in balances.values("commodity").annotate(n=Sum("quantity"))
    }
    in_transit = {
        row["commodity"]: int(row["n"] or 0)
        for row in transfers.values("commodity").annotate(n=Sum("quantity"))
    }
    given = (
        scope.tallies()
        .filter(day__gte=today - RATE_LOOKBACK, day__lte=today)
        .values("programme__commodity", "day")
        .annotate(units=Sum("units"))
        .order_by("-day")
    )
    today_units: dict[uuid.UUID, int] = {}
    past_days: dict[uuid.UUID, list[int]] = defaultdict(list)
    for row in given:
        commodity_id, units = row["programme__commodity"], int(row["units"] or 0)
        if row["day"] == today:
            today_units[commodity_id] = units
        elif units > 0 and len(past_days[commodity_id]) < RATE_DAYS:
            past_days[commodity_id].append(units)
    ids = set(on_hand) | set(in_transit) | set(today_units)
    lines = []
    for commodity in Commodity.objects.filter(pk__in=ids).order_by("name"):
        pk = commodity.pk
        stock = on_hand.get(pk, 0)
        today_given = today_units.get(pk, 0)
        rate: int | None = None
        days_left: int | None = None
        if today_given > 0:
            rate, days_left = today_given, stock // today_given
        elif past_days[pk]:
            total, count = sum(past_days[pk]), len(past_days[pk])
            # whole days, from the exact mean (total / count), not from a rounded one
            rate, days_left = max(1, round(total / count)), stock * count // total
        lines.append(
            StockDays(
                commodity_id=pk,
                commodity=commodity.name,
                unit=commodity.unit,
                on_hand=stock,
                in_transit=in_transit.get(pk, 0),
                given_today=today_given,
                rate=rate,
                rate_is_today=today_given > 0,
                days_left=days_left,
            )  # fmt: skip
        )
    return lines


@dataclass(frozen=True)
class SiteStock:
    site: str
    site_code: str
    commodity: str
    unit: str
    on_hand: int
    in_transit: int


def stock_by_site(scope: Scope) -> list[SiteStock]:
    """What each site holds and what is on its way to it, per commodity (the stock export)."""
    balances = StockBalance.objects.select_related("site", "commodity")
    transfers = Transfer.objects.in_transit()
    if scope.site_ids is not None:
        balances = balances.filter(site_id__in=scope.site_ids)
        transfers = transfers.filter(to_site_id__in=scope.site_ids)
    moving = {
        (row["to_site"], row["commodity"]): int(row["n"] or 0)
        for row in transfers.values("to_site", "commodity").annotate(n=Sum("quantity"))
    }
    found = {(b.site_id, b.commodity_id): b for b in balances}
    keys = set(found) | set(moving)
    sites = {s.pk: s for s in Site.objects.filter(pk__in={k[0] for k in keys})}
    commodities = {c.pk: c for c in Commodity.objects.filter(pk__in={k[1] for k in keys})}
    lines = [
        SiteStock(
            site=sites[site_id].name,
            site_code=sites[site_id].code,
            commodity=commodities[commodity_id].name,
            unit=commodities[commodity_id].unit,
            on_hand=found[(site_id, commodity_id)].quantity
            if (site_id, commodity_id) in found
            else 0,
            in_transit=moving.get((site_id, commodity_id), 0),
        )  # fmt: skip
        for site_id, commodity_id in keys
    ]
    return sorted(lines, key=lambda line: (line.site, line.commodity))


@dataclass(frozen=True)
class RefusalCount:
    reason: str
    label: str
    count: int


def refusals_by_reason(scope: Scope, start: date, end: date) -> list[RefusalCount]:
    """Scans the desks turned away in the range, by reason, most first."""
    found = Refusal.objects.filter(at__gte=day_bounds(start)[0], at__lt=day_bounds(end)[1])
    if scope.site_ids is not None:
        # through the sessions, so that the (session, at) index serves it
        found = found.filter(session__site_id__in=scope.site_ids)
    labels = dict(RefusalReason.choices)
    rows = found.values("reason").annotate(n=Count("id")).order_by("-n", "reason")
    return [
        RefusalCount(
            reason=row["reason"],
            label=str(labels.get(row["reason"], row["reason"])),
            count=row["n"],
        )  # fmt: skip
        for row in rows
    ]
