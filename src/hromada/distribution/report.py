"""The day's accounts of a site: what came in, what went out, to how many, what is left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Sum

from hromada.core.models import Site
from hromada.distribution.models import Collection, Refusal, RefusalReason
from hromada.lib.periods import day_bounds
from hromada.stock.models import Commodity, MovementKind, StockCount, StockMovement


@dataclass
class CommodityLine:
    commodity: Commodity
    received: int = 0
    given: int = 0
    households: int = 0
    people: int = 0
    adjusted: int = 0
    left: int = 0
    counted: int | None = None
    difference: int | None = None
    count: StockCount | None = None


@dataclass
class DayReport:
    site: Site
    day: date
    lines: list[CommodityLine] = field(default_factory=list)
    refusals: list[tuple[str, int]] = field(default_factory=list)

    @property
    def refusals_total(self) -> int:
        return sum(count for _reason, count in self.refusals)


def day_report(*, site: Site, day: date) -> DayReport:
    start, end = day_bounds(day)
    report = DayReport(site=site, day=day)
    movements = StockMovement.objects.filter(site=site)
    commodity_ids = movements.filter(at__lt=end).values_list("commodity", flat=True).distinct()
    for commodity in Commodity.objects.filter(pk__in=commodity_ids):
        mine = movements.filter(commodity=commodity)
        today = mine.filter(at__gte=start, at__lt=end)
        line = CommodityLine(commodity=commodity)
        line.received = today.filter(kind=MovementKind.RECEIVED).total()
        line.given = -today.filter(kind=MovementKind.ISSUED).total()
        line.adjusted = today.filter(kind=MovementKind.COUNT_ADJUSTMENT).total()
        # left at the end of the day (or now, for today): the ledger summed, not a cached figure
        line.left = mine.filter(at__lt=end).total()
        served = Collection.objects.filter(
            session__site=site, programme__commodity=commodity, at__gte=start, at__lt=end
        ).aggregate(households=Count("household", distinct=True), people=Sum("members"))
        line.households = int(served["households"] or 0)
        line.people = int(served["people"] or 0)
        count = (
            StockCount.objects.filter(site=site, commodity=commodity, at__gte=start, at__lt=end)
            .select_related("actor")
            .order_by("-at")
            .first()
        )
        if count is not None:
            line.counted = count.counted
            line.difference = count.difference
            line.count = count
        report.lines.append(line)
    by_reason = (
        Refusal.objects.filter(session__site=site, at__gte=start, at__lt=end)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    labels = dict(RefusalReason.choices)
    report.refusals = [
        (str(labels.get(row["reason"], row["reason"])), row["n"]) for row in by_reason
    ]
    return report
