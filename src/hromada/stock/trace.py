"""Where the units of a delivery went: "every unit can be traced from the truck to a household
or a loss".

The ledger of one commodity, across all sites, is read in order and fed to the FIFO allocator
(hromada.lib.fifo): each delivery line is a lot; a collection takes the oldest lots of its
site; a transfer carries its lots to the other site; a reversal puts back the lots the
collection took; a count that found more makes a lot of its own, one that found fewer takes
the oldest. What a line's units became is then read off the allocator.

Collections belong to the distribution app, which sits above stock: they are read here through
the ledger's reverse relation (`StockMovement.collection`), by name, without importing them.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hromada.core.models import Site
from hromada.lib.fifo import Allocator
from hromada.stock.models import (
    DeliveryLine,
    Loss,
    LossCause,
    MovementKind,
    StockMovement,
    Transfer,
)


def line_lot(line_id: uuid.UUID) -> tuple[str, uuid.UUID]:
    return ("line", line_id)


@dataclass(frozen=True)
class _Issue:
    site_id: uuid.UUID
    collection_id: uuid.UUID | None
    household_id: uuid.UUID | None
    programme: str


@dataclass
class Ledger:
    """One commodity's allocator, and what its outcome keys stand for."""

    allocator: Allocator
    issues: dict[uuid.UUID, _Issue] = field(default_factory=dict)  # issue movement -> collection
    losses: dict[uuid.UUID, str] = field(default_factory=dict)  # loss movement -> cause
    movement_sites: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # counts, others
    transfers: dict[uuid.UUID, Transfer] = field(default_factory=dict)


def _ordered(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The ledger in the order things happened: by time, and at the same instant what comes in
    before what goes out (a balance never went below zero, so that order is always possible;
    the key's tie-break, a random UUID, says nothing about it)."""
    return sorted(rows, key=lambda row: (row[6], row[3] < 0))


def build(commodity_id: uuid.UUID) -> Ledger:
    """Read the whole ledger of one commodity into the allocator."""
    state = Allocator()
    ledger = Ledger(allocator=state)
    lines = dict(
        DeliveryLine.objects.filter(commodity_id=commodity_id).values_list("delivery_id", "pk")
    )
    transfers = {
        t.pk: t
        for t in Transfer.objects.filter(commodity_id=commodity_id).select_related(
            "from_site", "to_site", "loss"
        )
    }
    ledger.transfers = transfers
    sent = {t.sent_movement_id: t for t in transfers.values()}
    received = {t.received_movement_id: t for t in transfers.values() if t.received_movement_id}
    # the loss booked when a transfer arrived short belongs to the arrival: skip its movement
    booked: set[uuid.UUID] = set()
    ledger.losses = dict(
        Loss.objects.filter(commodity_id=commodity_id).values_list("movement_id", "cause")
    )
    rows = (
        StockMovement.objects.filter(commodity_id=commodity_id)
        .order_by("at", "pk")
        .values_list(
            "pk",
            "site_id",
            "kind",
            "quantity",
            "delivery_id",
            "reason",
            "at",
            "collection__pk",
            "collection__household_id",
            "collection__programme__name",
        )  # fmt: skip
    )
    issue_of_collection: dict[str, uuid.UUID] = {}
    for (
        pk,
        site_id,
        kind,
        quantity,
        delivery_id,
        reason,
        _at,
        coll,
        household,
        programme,
    ) in _ordered(rows):
        ledger.movement_sites[pk] = site_id
        if kind == MovementKind.RECEIVED and quantity > 0:
            lot = line_lot(lines[delivery_id]) if delivery_id in lines else ("received", pk)
            state.receive(place=site_id, lot=lot, quantity=quantity)
        elif kind == MovementKind.ISSUED and quantity < 0:
            ledger.issues[pk] = _Issue(site_id, coll, household, programme or "")
            if coll is not None:
                issue_of_collection[str(coll)] = pk
            state.take(place=site_id, quantity=-quantity, outcome=("issued", pk))
        elif kind == MovementKind.REVERSAL and quantity > 0:
            issue = issue_of_collection.get(reason)
            state.give_back(
                place=site_id, quantity=quantity, outcome=("issued", issue),
                otherwise=("returned", pk),
            )  # fmt: skip
        elif kind == MovementKind.TRANSFER_OUT and pk in sent:
            transfer = sent[pk]
            state.send(place=site_id, quantity=-quantity, transit=transfer.pk,
                       to=transfer.to_site_id)  # fmt: skip
        elif kind == MovementKind.TRANSFER_IN and pk in received:
            transfer = received[pk]
            if transfer.pk in state.transits:
                missing = transfer.quantity - (transfer.received_quantity or 0)
                loss = None
                if transfer.loss is not None:
                    loss = ("lost", transfer.loss.movement_id)
                    booked.add(transfer.loss.movement_id)
                state.arrive(transit=transfer.pk, place=site_id, missing=missing, loss=loss)
            else:
                # sent from a node whose ledger is not here (yet): a lot of its own
                state.receive(place=site_id, lot=("arrived", pk), quantity=quantity)
        elif pk in booked:
            continue
        elif kind == MovementKind.LOST and quantity < 0:
            state.take(place=site_id, quantity=-quantity, outcome=("lost", pk))
        elif kind == MovementKind.COUNT_ADJUSTMENT and quantity > 0:
            state.found(place=site_id, lot=("found", pk), quantity=quantity)
        elif kind == MovementKind.COUNT_ADJUSTMENT:
            state.take(place=site_id, quantity=-quantity, outcome=("count", pk))
        elif quantity > 0:
            state.receive(place=site_id, lot=("other", pk), quantity=quantity)
        else:
            state.take(place=site_id, quantity=-quantity, outcome=("other", pk))
    return ledger


# -- what a line's units became ---------------------------------------------------------------


@dataclass
class Given:
    site: Site
    programme: str
    collections: int
    households: int
    units: int


@dataclass
class Sent:
    transfer: Transfer
    units: int


@dataclass
class Lost:
    cause: str
    label: str
    units: int


@dataclass
class AtSite:
    site: Site
    units: int


@dataclass
class LineTrace:
    line: DeliveryLine
    given: list[Given]
    sent: list[Sent]
    lost: list[Lost]
    counted_away: list[AtSite]
    on_hand: list[AtSite]
    in_transit: list[Sent]
    other: int  # taken by movements of no known kind

    @property
    def delivered(self) -> int:
        return self.line.quantity

    @property
    def given_units(self) -> int:
        return sum(g.units for g in self.given)

    @property
    def given_collections(self) -> int:
        return sum(g.collections for g in self.given)

    @property
    def given_households(self) -> int:
        return sum(g.households for g in self.given)

    @property
    def lost_units(self) -> int:
        return sum(lost.units for lost in self.lost)

    @property
    def counted_away_units(self) -> int:
        return sum(c.units for c in self.counted_away)

    @property
    def on_hand_units(self) -> int:
        return sum(h.units for h in self.on_hand)

    @property
    def in_transit_units(self) -> int:
        return sum(t.units for t in self.in_transit)

    @property
    def accounted(self) -> int:
        """Every unit once: given, lost, counted away, on hand, in transit, or other."""
        return (
            self.given_units + self.lost_units + self.counted_away_units + self.on_hand_units
            + self.in_transit_units + self.other
        )  # fmt: skip


def trace_line(ledger: Ledger, line: DeliveryLine, sites: dict[uuid.UUID, Site]) -> LineTrace:
    where = ledger.allocator.where(line_lot(line.pk))
    given: dict[tuple[uuid.UUID, str], list[Any]] = defaultdict(lambda: [set(), set(), 0])
    lost: Counter[str] = Counter()
    counted: Counter[uuid.UUID] = Counter()
    other = 0
    for outcome, units in where.outcomes.items():
        kind, pk = _outcome(outcome)
        if kind == "issued" and pk in ledger.issues:
            issue = ledger.issues[pk]
            row = given[(issue.site_id, issue.programme)]
            row[0].add(issue.collection_id or pk)
            if issue.household_id is not None:
                row[1].add(issue.household_id)
            row[2] += units
        elif kind == "lost":
            lost[ledger.losses.get(pk, LossCause.OTHER)] += units
        elif kind == "count":
            counted[ledger.movement_sites[pk]] += units
        else:
            other += units
    labels = dict(LossCause.choices)
    return LineTrace(
        line=line,
        given=sorted(
            (
                Given(sites[site_id], programme, len(row[0]), len(row[1]), row[2])
                for (site_id, programme), row in given.items()
            ),
            key=lambda g: (g.site.name, g.programme),
        ),
        sent=[Sent(ledger.transfers[t], units) for t, units in _by_time(where.sent, ledger)],
        lost=[Lost(cause, str(labels.get(cause, cause)), units) for cause, units in lost.items()],
        counted_away=_at_sites(counted, sites),
        on_hand=_at_sites(Counter(where.on_hand), sites),
        in_transit=[Sent(ledger.transfers[t], u) for t, u in _by_time(where.in_transit, ledger)],
        other=other,
    )


def _outcome(outcome: Hashable) -> tuple[str, uuid.UUID]:
    assert isinstance(outcome, tuple)  # noqa: S101 (build() makes every outcome a pair)
    return str(outcome[0]), outcome[1]


def _by_time(held: dict[Hashable, int], ledger: Ledger) -> list[tuple[uuid.UUID, int]]:
    found = [(t, units) for t, units in held.items() if isinstance(t, uuid.UUID)]
    return sorted(found, key=lambda pair: _sent_at(ledger.transfers[pair[0]]))


def _sent_at(transfer: Transfer) -> datetime:
    return transfer.sent_at


def _at_sites(units: Counter[Any], sites: dict[uuid.UUID, Site]) -> list[AtSite]:
    return sorted(
        (AtSite(sites[site_id], n) for site_id, n in units.items() if n),
        key=lambda row: row.site.name,
    )


def trace_lines(lines: Iterable[DeliveryLine]) -> list[LineTrace]:
    """The trace of each line (one reading of the ledger per commodity)."""
    lines = list(lines)
    sites = Site.objects.in_bulk()
    ledgers: dict[uuid.UUID, Ledger] = {}
    traces = []
    for line in lines:
        if line.commodity_id not in ledgers:
            ledgers[line.commodity_id] = build(line.commodity_id)
        traces.append(trace_line(ledgers[line.commodity_id], line, sites))
    return traces
