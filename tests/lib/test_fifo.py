from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hromada.lib.fifo import (
    UNTRACED,
    Allocator,
    Arrive,
    Event,
    GiveBack,
    Receive,
    Send,
    Take,
    run,
)


def test_it_gives_out_the_oldest_lot_first() -> None:
    state = run([
        Receive("A", "truck 1", 10),
        Receive("A", "truck 2", 10),
        Take("A", 12, "household 1"),
    ])  # fmt: skip
    assert state.outcomes["household 1"] == Counter({"truck 1": 10, "truck 2": 2})
    assert state.on_hand("A") == Counter({"truck 2": 8})


def test_it_keeps_the_lots_a_transfer_carried_and_their_age() -> None:
    state = run([
        Receive("A", "truck 1", 10),
        Receive("B", "truck 2", 10),
        Send("A", 4, "transfer 1"),
        Arrive("transfer 1", "B"),
        Take("B", 5, "household 1"),
    ])  # fmt: skip
    # truck 1 arrived at A before truck 2 arrived at B: its loaves are the older ones
    assert state.outcomes["household 1"] == Counter({"truck 1": 4, "truck 2": 1})
    assert state.sent["transfer 1"] == Counter({"truck 1": 4})
    assert state.transit_from["transfer 1"] == "A"
    assert state.transit_to["transfer 1"] == "B"


def test_it_counts_units_in_transit_once() -> None:
    state = run([Receive("A", "truck 1", 10), Send("A", 4, "transfer 1")])
    trace = state.where("truck 1")
    assert trace.on_hand == {"A": 6}
    assert trace.in_transit == {"transfer 1": 4}
    assert trace.accounted() == 10


def test_it_books_what_did_not_arrive_to_the_loss() -> None:
    state = run([
        Receive("A", "truck 1", 10),
        Send("A", 6, "transfer 1"),
        Arrive("transfer 1", "B", missing=2, loss="lost on the road"),
    ])  # fmt: skip
    assert state.outcomes["lost on the road"] == Counter({"truck 1": 2})
    assert state.on_hand("B") == Counter({"truck 1": 4})


def test_it_refuses_more_missing_than_was_carried() -> None:
    state = run([Receive("A", "truck 1", 10), Send("A", 3, "transfer 1")])
    with pytest.raises(ValueError):
        state.arrive(transit="transfer 1", place="B", missing=4, loss="lost")


def test_it_puts_reversed_units_back_as_their_own_lot() -> None:
    state = run([
        Receive("A", "truck 1", 2),
        Receive("A", "truck 2", 10),
        Take("A", 4, "household 1"),
        GiveBack("A", 4, "household 1", otherwise="returned"),
    ])  # fmt: skip
    assert state.outcomes["household 1"] == Counter()
    assert state.on_hand("A") == Counter({"truck 1": 2, "truck 2": 10})
    # back as the oldest again: the next household gets truck 1's loaves first
    assert state.take(place="A", quantity=1, outcome="household 2") == Counter({"truck 1": 1})


def test_it_returns_units_of_no_known_outcome_as_a_returned_lot() -> None:
    state = run([Receive("A", "truck 1", 2), GiveBack("A", 3, "nobody", otherwise="returned")])
    assert state.on_hand("A") == Counter({"truck 1": 2, "returned": 3})
    assert state.total_in() == state.total_accounted() == 5


def test_it_makes_a_lot_of_what_a_count_found() -> None:
    state = Allocator()
    state.receive(place="A", lot="truck 1", quantity=5)
    state.found(place="A", lot="found on count", quantity=2)
    state.take(place="A", quantity=6, outcome="count down")
    assert state.outcomes["count down"] == Counter({"truck 1": 5, "found on count": 1})


def test_it_counts_units_the_ledger_did_not_have_as_untraced() -> None:
    state = run([Receive("A", "truck 1", 2), Take("A", 5, "household 1")])
    assert state.outcomes["household 1"] == Counter({"truck 1": 2, UNTRACED: 3})
    assert state.total_in() == state.total_accounted() == 5


def test_it_refuses_an_empty_movement() -> None:
    with pytest.raises(ValueError):
        run([Receive("A", "truck 1", 0)])


# -- properties ---------------------------------------------------------------------------------

PLACES = ["A", "B", "C"]


@st.composite
def ledgers(draw: st.DrawFn) -> list[Event]:
    """A consistent ledger: nothing leaves a place that is not there (as the balances'
    constraint guarantees), transfers arrive at most once, reversals name real outcomes."""
    balance = dict.fromkeys(PLACES, 0)
    open_transits: dict[str, int] = {}
    taken: dict[str, tuple[str, int]] = {}
    events: list[Event] = []
    for n in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["receive", "take", "send", "arrive", "back", "found"]))
        place = draw(st.sampled_from(PLACES))
        if kind == "receive":
            quantity = draw(st.integers(1, 20))
            events.append(Receive(place, f"truck {n}", quantity))
            balance[place] += quantity
        elif kind == "found":
            quantity = draw(st.integers(1, 5))
            events.append(Receive(place, f"found {n}", quantity))
            balance[place] += quantity
        elif kind == "take" and balance[place]:
            quantity = draw(st.integers(1, balance[place]))
            events.append(Take(place, quantity, f"outcome {n}"))
            taken[f"outcome {n}"] = (place, quantity)
            balance[place] -= quantity
        elif kind == "send" and balance[place]:
            quantity = draw(st.integers(1, balance[place]))
            events.append(Send(place, quantity, f"transit {n}"))
            open_transits[f"transit {n}"] = quantity
            balance[place] -= quantity
        elif kind == "arrive" and open_transits:
            transit = draw(st.sampled_from(sorted(open_transits)))
            carried = open_transits.pop(transit)
            missing = draw(st.integers(0, carried))
            events.append(Arrive(transit, place, missing, f"loss {n}" if missing else None))
            balance[place] += carried - missing
        elif kind == "back" and taken:
            outcome = draw(st.sampled_from(sorted(taken)))
            where, held = taken.pop(outcome)
            quantity = draw(st.integers(1, held))
            events.append(GiveBack(where, quantity, outcome, otherwise=f"returned {n}"))
            balance[where] += quantity
    return events


@settings(max_examples=300)
@given(ledgers())
def test_every_unit_in_is_exactly_once_in_an_outcome_on_hand_or_in_transit(
    events: list[Event],
) -> None:
    state = run(events)
    assert state.total_accounted() == state.total_in()
    for lot in state.came_in:
        assert state.where(lot).accounted() == state.came_in[lot], lot
    # a consistent ledger never runs out of traced units
    assert UNTRACED not in state.came_in


@settings(max_examples=300)
@given(ledgers())
def test_each_place_holds_what_its_ledger_says(events: list[Event]) -> None:
    state = run(events)
    expected: Counter[Hashable] = Counter()
    carried: dict[Hashable, int] = {}
    for event in events:
        if isinstance(event, Receive):
            expected[event.place] += event.quantity
        elif isinstance(event, Take):
            expected[event.place] -= event.quantity
        elif isinstance(event, Send):
            expected[event.place] -= event.quantity
            carried[event.transit] = event.quantity
        elif isinstance(event, Arrive):
            expected[event.place] += carried.pop(event.transit) - event.missing
        else:
            expected[event.place] += event.quantity
    for place in PLACES:
        assert sum(state.on_hand(place).values()) == expected[place]
    assert sum(sum(t.values()) for t in state.transits.values()) == sum(carried.values())


@settings(max_examples=200)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=8), st.integers(1, 200))
def test_a_household_never_gets_a_newer_lot_while_an_older_one_is_on_hand(
    trucks: list[int], wanted: int
) -> None:
    state = run([Receive("A", f"truck {i}", q) for i, q in enumerate(trucks)])
    wanted = min(wanted, sum(trucks))
    taken = state.take(place="A", quantity=wanted, outcome="household")
    left = state.on_hand("A")
    newest_taken = max(int(str(lot).split()[1]) for lot in taken)
    oldest_left = min((int(str(lot).split()[1]) for lot in left), default=len(trucks))
    assert newest_taken <= oldest_left
