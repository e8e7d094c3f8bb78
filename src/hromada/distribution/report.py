"""The day's accounts of a site: what came in, what went out, to how many, what is left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q, Sum

from hromada.core.models import Site
from hromada.distribution.models import (
    Collection,
    PaperLine,
    Refusal,
    RefusalReason,
    SitePause,
)
from hromada.lib.periods import day_bounds
from hromada.stock.models import (
    Commodity,
    Loss,
    MovementKind,
    StockCount,
    StockMovement,
    Transfer,
)


@dataclass
class CommodityLine:
    commodity: Commodity
    received: int = 0
    given: int = 0
    # units back on the shelf from collections reversed that day
    returned: int = 0
    lost: int = 0
    sent: int = 0
    arrived: int = 0
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
    pauses: list[SitePause] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    transfers_out: list[Transfer] = field(default_factory=list)
    transfers_in: list[Transfer] = field(default_factory=list)
    reversed: list[Collection] = field(default_factory=list)
    # paper-list lines of this site, ticked on this day or before, still waiting for the
    # coordinator
    conflicts: list[PaperLine] = field(default_factory=list)

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
        line.returned = today.filter(kind=MovementKind.REVERSAL).total()
        line.lost = -today.filter(kind=MovementKind.LOST).total()
        line.sent = -today.filter(kind=MovementKind.TRANSFER_OUT).total()
        line.arrived = today.filter(kind=MovementKind.TRANSFER_IN).total()
        line.adjusted = today.filter(kind=MovementKind.COUNT_ADJUSTMENT).total()
        # left at the end of the day (or now, for today): the ledger summed, not a cached figure
        line.left = mine.filter(at__lt=end).total()
        # served: the collections that stand (one reversed by mistake served nobody)
        served = (
            Collection.objects.standing()
            .filter(session__site=site, programme__commodity=commodity, at__gte=start, at__lt=end)
            .aggregate(households=Count("household", distinct=True), people=Sum("members"))
        )
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
    _add_events(report, start=start, end=end)
    return report


def _add_events(report: DayReport, *, start: datetime, end: datetime) -> None:
    """What else happened at the site that day: pauses, losses, transfers, reversals, and the
    paper-list conflicts still waiting for the coordinator."""
    site = report.site
    report.pauses = list(
        SitePause.objects.filter(site=site, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .select_related("started_by", "ended_by")
        .order_by("started_at")
    )
    report.losses = list(
        Loss.objects.filter(site=site, at__gte=start, at__lt=end)
        .select_related("commodity", "actor")
        .order_by("at")
    )
    transfers = Transfer.objects.select_related("from_site", "to_site", "commodity")
    report.transfers_out = list(
        transfers.filter(from_site=site, sent_at__gte=start, sent_at__lt=end).order_by("sent_at")
    )
    report.transfers_in = list(
        transfers.filter(to_site=site, received_at__gte=start, received_at__lt=end).order_by(
            "received_at"
        )
    )
    report.reversed = list(
        Collection.objects.filter(session__site=site, reversed_at__gte=start, reversed_at__lt=end)
        .select_related("programme__commodity", "reversed_by")
        .order_by("reversed_at")
    )
    report.conflicts = list(
        PaperLine.objects.filter(
            tally__session__site=site,
            outcome=PaperLine.Outcome.CONFLICT,
            tally__served_at__lt=end,
        )
        .select_related("tally__session__programme")
        .order_by("tally__served_at")
    )
