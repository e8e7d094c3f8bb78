"""Which truck's units went where: first in, first out, across sites and transfers.

A donor asks where the 10,000 loaves of the truck of 28 November went. The ledger knows
quantities, not loaves: a site holds 300 loaves from two trucks, and a household is handed
two. This allocator gives every unit an origin (a "lot": a delivery line, units found on a
count, units returned without a known origin) and follows the ledger's movements in order:

- lots come in at a place (a delivery; a transfer arriving with the lots it carried);
- units going out (to a household, a loss, a count that found fewer) take the oldest lots of
  the place first, and the outcome remembers which lots it took;
- a transfer takes units from its first place into transit, keeping their lots, and puts them
  at the other place when it arrives (what did not arrive goes to a loss outcome);
- a count that finds more makes a new lot;
- a reversal puts the units an outcome took back at the place as the lots they came from.

Units are conserved: every unit that came in is, at every moment, in exactly one outcome, on
hand at exactly one place, or in exactly one transit. Places, lots, outcomes and transits are
any hashable keys the caller chooses. No Django here: it runs on plain tuples read from the
ledger, and its tests run in milliseconds.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

Key = Hashable

# Units a movement took that the ledger, read in order, did not have at that place. A ledger
# kept by the same transactions as its balances never gives one; a reading of it out of order
# (two movements in the same microsecond) might, and the units must still be counted somewhere.
UNTRACED = ("untraced",)


@dataclass
class _Place:
    """The lots on hand at one place, oldest first: a heap of (age, serial, lot) over the
    lots whose quantity may be positive; a lot is in the heap at most once."""

    heap: list[tuple[int, int, Key]] = field(default_factory=list)
    quantity: Counter[Key] = field(default_factory=Counter)
    queued: set[Key] = field(default_factory=set)


class Allocator:
    """The state of one commodity's units: what each place holds, what each transit carries,
    what each outcome took, each as a count of units per lot."""

    def __init__(self) -> None:
        self._places: dict[Key, _Place] = {}
        self._ages: dict[Key, int] = {}
        self._serials: dict[Key, int] = {}
        self.came_in: Counter[Key] = Counter()  # units per lot that entered (lots made)
        self.outcomes: dict[Key, Counter[Key]] = {}
        self.transits: dict[Key, Counter[Key]] = {}
        # what each transit carried when it left, kept after it arrived: "sent to the school"
        self.sent: dict[Key, Counter[Key]] = {}
        self.transit_from: dict[Key, Key] = {}
        self.transit_to: dict[Key, Key] = {}

    # -- lots ---------------------------------------------------------------------------------

    def _age(self, lot: Key) -> int:
        """A lot's age is fixed when it first comes in: the order in which lots were made."""
        if lot not in self._ages:
            self._ages[lot] = len(self._ages)
            self._serials[lot] = len(self._serials)
        return self._ages[lot]

    def _place(self, place: Key) -> _Place:
        found = self._places.get(place)
        if found is None:
            found = self._places[place] = _Place()
        return found

    def _put(self, place: Key, lot: Key, quantity: int) -> None:
        if quantity <= 0:
            return
        held = self._place(place)
        held.quantity[lot] += quantity
        if lot not in held.queued:
            heapq.heappush(held.heap, (self._age(lot), self._serials[lot], lot))
            held.queued.add(lot)

    def _take(self, place: Key, quantity: int) -> Counter[Key]:
        """Remove `quantity` units from `place`, oldest lots first."""
        held = self._place(place)
        taken: Counter[Key] = Counter()
        need = quantity
        while need > 0 and held.heap:
            _age, _serial, lot = held.heap[0]
            have = held.quantity[lot]
            used = min(have, need)
            if used:
                taken[lot] += used
                held.quantity[lot] -= used
                need -= used
            if held.quantity[lot] == 0:
                heapq.heappop(held.heap)
                held.queued.discard(lot)
                del held.quantity[lot]
        if need > 0:
            self.came_in[UNTRACED] += need
            self._age(UNTRACED)
            taken[UNTRACED] += need
        return taken

    # -- what the ledger says happened ----------------------------------------------------------

    def receive(self, *, place: Key, lot: Key, quantity: int) -> None:
        """A new lot (a delivery line) came in at `place`."""
        _check(quantity)
        self.came_in[lot] += quantity
        self._age(lot)
        self._put(place, lot, quantity)

    def found(self, *, place: Key, lot: Key, quantity: int) -> None:
        """A count found more than the ledger said: a new lot of its own."""
        self.receive(place=place, lot=lot, quantity=quantity)

    def take(self, *, place: Key, quantity: int, outcome: Key) -> Counter[Key]:
        """Units left `place` for `outcome` (a household, a loss, a count that found fewer);
        returns the units per lot it took."""
        _check(quantity)
        taken = self._take(place, quantity)
        self.outcomes.setdefault(outcome, Counter()).update(taken)
        return taken

    def give_back(self, *, place: Key, quantity: int, outcome: Key, otherwise: Key) -> Counter[Key]:
        """A reversal: `quantity` units of `outcome` come back to `place` as the lots they were
        taken from (the newest lots first, the last taken). Units the outcome did not hold come
        back as a new lot `otherwise` ("returned")."""
        _check(quantity)
        held = self.outcomes.get(outcome, Counter())
        back: Counter[Key] = Counter()
        need = quantity
        for lot in sorted(held, key=lambda lot: self._ages[lot], reverse=True):
            used = min(held[lot], need)
            if used:
                back[lot] += used
                need -= used
            if need == 0:
                break
        for lot, used in back.items():
            held[lot] -= used
            if held[lot] == 0:
                del held[lot]
            self._put(place, lot, used)
        if need:
            self.receive(place=place, lot=otherwise, quantity=need)
            back[otherwise] += need
        return back

    def send(self, *, place: Key, quantity: int, transit: Key, to: Key | None = None) -> None:
        """Units leave `place` for another, oldest lots first; they are in `transit` until
        they arrive."""
        _check(quantity)
        taken = self._take(place, quantity)
        self.transits.setdefault(transit, Counter()).update(taken)
        self.sent.setdefault(transit, Counter()).update(taken)
        self.transit_from[transit] = place
        if to is not None:
            self.transit_to[transit] = to

    def arrive(
        self, *, transit: Key, place: Key, missing: int = 0, loss: Key | None = None
    ) -> Counter[Key]:
        """A transit arrives at `place`, its units keeping their lots. `missing` of them did not
        arrive: the oldest go to the outcome `loss`. Returns the units per lot that arrived."""
        carried = self.transits.pop(transit, Counter())
        self.transit_to[transit] = place
        if missing < 0 or missing > sum(carried.values()):
            raise ValueError("more units missing than the transit carried")
        if missing:
            if loss is None:
                raise ValueError("missing units need a loss outcome")
            lost: Counter[Key] = Counter()
            need = missing
            for lot in sorted(carried, key=lambda lot: self._ages[lot]):
                used = min(carried[lot], need)
                lost[lot] += used
                need -= used
                if need == 0:
                    break
            carried.subtract(lost)
            self.outcomes.setdefault(loss, Counter()).update(lost)
        for lot in sorted(carried, key=lambda lot: self._ages[lot]):
            self._put(place, lot, carried[lot])
        return +carried

    # -- reading --------------------------------------------------------------------------------

    def on_hand(self, place: Key) -> Counter[Key]:
        found = self._places.get(place)
        return +found.quantity if found else Counter()

    def places(self) -> list[Key]:
        return list(self._places)

    def where(self, lot: Key) -> Trace:
        """Every unit of `lot`: which outcome, which place, which transit holds it now."""
        return Trace(
            lot=lot,
            came_in=self.came_in[lot],
            outcomes={o: held[lot] for o, held in self.outcomes.items() if held[lot]},
            on_hand={p: self._places[p].quantity[lot] for p in self._places
                     if self._places[p].quantity[lot]},
            in_transit={t: held[lot] for t, held in self.transits.items() if held[lot]},
            sent={t: held[lot] for t, held in self.sent.items() if held[lot]},
        )  # fmt: skip

    def total_in(self) -> int:
        return sum(self.came_in.values())

    def total_accounted(self) -> int:
        """Units in an outcome, on hand or in transit: equal to `total_in()`, always."""
        return (
            sum(sum(c.values()) for c in self.outcomes.values())
            + sum(sum(p.quantity.values()) for p in self._places.values())
            + sum(sum(c.values()) for c in self.transits.values())
        )


@dataclass(frozen=True)
class Trace:
    """Where the units of one lot are. `sent` is the history of transits that carried some of
    them (the units are now elsewhere: counted once, in the other three)."""

    lot: Key
    came_in: int
    outcomes: dict[Key, int]
    on_hand: dict[Key, int]
    in_transit: dict[Key, int]
    sent: dict[Key, int]

    def accounted(self) -> int:
        return (
            sum(self.outcomes.values()) + sum(self.on_hand.values()) + sum(self.in_transit.values())
        )


def _check(quantity: int) -> None:
    if quantity <= 0:
        raise ValueError("a movement moves at least one unit")


# -- the same, as a list of events (what trace.py reads from the ledger, what tests generate) --


@dataclass(frozen=True)
class Receive:
    place: Key
    lot: Key
    quantity: int


@dataclass(frozen=True)
class Take:
    place: Key
    quantity: int
    outcome: Key


@dataclass(frozen=True)
class GiveBack:
    place: Key
    quantity: int
    outcome: Key
    otherwise: Key


@dataclass(frozen=True)
class Send:
    place: Key
    quantity: int
    transit: Key
    to: Key | None = None


@dataclass(frozen=True)
class Arrive:
    transit: Key
    place: Key
    missing: int = 0
    loss: Key | None = None


Event = Receive | Take | GiveBack | Send | Arrive


def run(events: Iterable[Event], allocator: Allocator | None = None) -> Allocator:
    """Apply `events` in order."""
    state = allocator or Allocator()
    for event in events:
        if isinstance(event, Receive):
            state.receive(place=event.place, lot=event.lot, quantity=event.quantity)
        elif isinstance(event, Take):
            state.take(place=event.place, quantity=event.quantity, outcome=event.outcome)
        elif isinstance(event, GiveBack):
            state.give_back(
                place=event.place, quantity=event.quantity, outcome=event.outcome,
                otherwise=event.otherwise,
            )  # fmt: skip
        elif isinstance(event, Send):
            state.send(place=event.place, quantity=event.quantity, transit=event.transit,
                       to=event.to)  # fmt: skip
        else:
            state.arrive(
                transit=event.transit, place=event.place, missing=event.missing, loss=event.loss
            )
    return state
