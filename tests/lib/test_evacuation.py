from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hromada.lib.evacuation import (
    CANNOT_SIT_LONG,
    CHILD_WITHOUT_PARENT,
    DISABILITY,
    MEDICINES,
    OLDER_PERSON,
    OXYGEN,
    PREGNANCY,
    STRETCHER,
    WAITING_POINTS_CAP,
    WHEELCHAIR,
    Capacity,
    Kind,
    LeftOutCode,
    Part,
    Passenger,
    Pet,
    Places,
    Plan,
    Problem,
    ProblemCode,
    Reason,
    ReasonCode,
    Request,
    Shortage,
    _score,
    check_plan,
    places,
    plan_trip,
    priority,
    rank,
)

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
BUS = Capacity(seats=50, wheelchair_spaces=2, stretcher_places=1, pet_places=4, luggage=60)


def adult(pid: str, age: int = 40) -> Passenger:
    return Passenger(pid, age)


def request(
    rid: str,
    *passengers: Passenger,
    days: float = 0,
    pets: tuple[Pet, ...] = (),
    luggage: int = 0,
    together: bool = True,
    adjustment: int = 0,
) -> Request:
    return Request(
        id=rid,
        household_id=f"h-{rid}",
        passengers=passengers or (adult(f"{rid}-1"),),
        waiting_since=NOW - timedelta(days=days),
        pets=pets,
        luggage=luggage,
        together=together,
        priority_adjustment=adjustment,
    )


def ids(plan: Plan) -> list[str]:
    return [p.id for p in plan.passengers]


# -- places ----------------------------------------------------------------------------------


def test_it_puts_a_cat_in_a_carrier_on_a_lap() -> None:
    cat = Pet("cat", 1, in_carrier=True)
    assert places(request("r", adult("a"), pets=(cat,))) == Places(seats=1, on_laps=1)


def test_it_gives_each_carrier_its_own_lap() -> None:
    cats = Pet("cat", 3, in_carrier=True)
    got = places(request("r", adult("a"), adult("b"), pets=(cats,)))
    # two laps for three carriers: the third needs a pet place (or a seat)
    assert got == Places(seats=2, animals=1, on_laps=2)


def test_it_does_not_count_a_small_child_or_a_wheelchair_user_as_a_lap() -> None:
    cat = Pet("cat", 1)
    child = Passenger("c", 5)
    wheelchair_user = Passenger("w", 70, needs=frozenset({WHEELCHAIR}))
    got = places(request("r", child, wheelchair_user, pets=(cat,)))
    assert got == Places(seats=1, wheelchair_spaces=1, animals=1)
    # twelve is old enough, and so is a person whose age is unknown
    assert places(request("r", Passenger("c", 12), pets=(cat,))).on_laps == 1
    assert places(request("r", Passenger("x", None), pets=(cat,))).on_laps == 1


def test_it_gives_a_large_dog_a_pet_place_then_a_seat() -> None:
    dog = Pet("dog", 1, in_carrier=False, large=True)
    owner = request("r", adult("a"), pets=(dog,))
    assert places(owner) == Places(seats=1, animals=1)
    # a bus with a pet place: the dog takes it
    with_place = plan_trip([owner], Capacity(seats=1, pet_places=1), NOW)
    assert ids(with_place) == ["a"]
    assert with_place.used == Capacity(seats=1, pet_places=1)
    # a minibus without: the dog takes a seat, so one seat is not enough
    without = plan_trip([owner], Capacity(seats=1), NOW)
    assert ids(without) == []
    assert without.left_out[0].shortages == (Shortage(Kind.SEATS, 2, 1),)
    assert ids(plan_trip([owner], Capacity(seats=2), NOW)) == ["a"]
    assert plan_trip([owner], Capacity(seats=2), NOW).used.seats == 2


def test_it_gives_a_wheelchair_user_a_space_and_no_seat() -> None:
    user = Passenger("w", 80, needs=frozenset({WHEELCHAIR}))
    assert places(request("r", user)) == Places(wheelchair_spaces=1)


def test_it_gives_a_stretcher_case_a_stretcher_place_only() -> None:
    lying = Passenger("s", 80, needs=frozenset({STRETCHER, WHEELCHAIR}))
    assert places(request("r", lying)) == Places(stretcher_places=1)


def test_it_counts_luggage_and_adds_places() -> None:
    one = places(request("r", adult("a"), luggage=2))
    two = places(request("q", adult("b"), Passenger("c", None), luggage=3))
    assert one + two == Places(seats=3, luggage=5)
    assert (one + two).passengers == 3


def test_it_refuses_unknown_needs_and_bad_requests() -> None:
    with pytest.raises(ValueError, match="unknown needs"):
        Passenger("a", 30, needs=frozenset({"jetpack"}))
    with pytest.raises(ValueError, match="at least one passenger"):
        Request("r", "h", (), NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        Request("r", "h", (adult("a"),), datetime(2026, 1, 1))  # noqa: DTZ001 (the point)
    with pytest.raises(ValueError, match="twice in one request"):
        Request("r", "h", (adult("a"), adult("a")), NOW)


# -- priority --------------------------------------------------------------------------------


def test_it_explains_the_score_with_reasons_that_add_up() -> None:
    household = request(
        "r",
        Passenger("a", 80, needs=frozenset({OXYGEN, MEDICINES})),
        Passenger("b", 78),
        Passenger("c", 2),
        Passenger("d", 30, vulnerabilities=frozenset({PREGNANCY}), displaced_without_shelter=True),
        days=3.5,
        adjustment=-5,
    )
    got = priority(household, NOW)
    assert got.reasons == (
        Reason(ReasonCode.AGE_75, 40, 2),
        Reason(ReasonCode.INFANT, 12, 1),
        Reason(ReasonCode.PREGNANCY, 15, 1),
        Reason(ReasonCode.OXYGEN, 30, 1),
        Reason(ReasonCode.DISPLACED_WITHOUT_SHELTER, 15),
        Reason(ReasonCode.WAITING, 6),  # three full days
        Reason(ReasonCode.ADJUSTMENT, -5),
    )
    assert got.score == 40 + 12 + 15 + 30 + 15 + 6 - 5


def test_it_caps_the_points_for_waiting() -> None:
    assert priority(request("r", days=400), NOW).score == WAITING_POINTS_CAP
    assert priority(request("r", days=0.9), NOW).score == 0


def test_it_lets_a_known_age_decide_over_the_older_person_note() -> None:
    noted = frozenset({OLDER_PERSON})
    assert priority(request("r", Passenger("a", None, vulnerabilities=noted)), NOW).reasons == (
        Reason(ReasonCode.AGE_60, 10, 1),
    )
    assert priority(request("r", Passenger("a", 58, vulnerabilities=noted)), NOW).score == 0


def test_it_ranks_need_first_then_waiting_then_id() -> None:
    frail = request("frail", Passenger("a", 90, needs=frozenset({STRETCHER})))
    older = request("older", Passenger("b", 65))
    # one full day each, so the same points: the one who came first goes first
    early = request("b-early", days=1.7)
    late_b = request("b-late", days=1.2)
    late_a = request("a-late", days=1.2)
    ranked = rank([late_b, early, older, late_a, frail], NOW)
    assert [r.id for r, _ in ranked] == ["frail", "older", "b-early", "a-late", "b-late"]
    assert [p.score for _, p in ranked] == [50, 10, 2, 2, 2]


def test_it_plans_in_the_order_of_the_ranking() -> None:
    frail = request("frail", Passenger("a", 90, needs=frozenset({CANNOT_SIT_LONG})))
    others = [request(f"r{i}", days=i % 3) for i in range(5)]
    plan = plan_trip([*others, frail], Capacity(seats=3), NOW)
    assert [t.request_id for t in plan.taken] == ["frail", "r2", "r1"]
    assert plan.taken[0].priority.reasons[0].code == ReasonCode.AGE_75
    assert plan.waiting == ("r4", "r0", "r3")


# -- planning --------------------------------------------------------------------------------


def test_it_keeps_a_household_whole_and_skips_to_the_next_that_fits() -> None:
    family = request("family", *(adult(f"f{i}", 70) for i in range(5)))
    single = request("single", adult("s"))
    plan = plan_trip([family, single], Capacity(seats=3), NOW)
    assert ids(plan) == ["s"]
    (out,) = plan.left_out
    assert out.code == LeftOutCode.HOUSEHOLD_DOES_NOT_FIT
    assert out.passenger_ids == ("f0", "f1", "f2", "f3", "f4")
    # "not enough seats for the whole household (5 needed, 3 left)"
    assert out.shortages == (Shortage(Kind.SEATS, 5, 3),)


def test_it_says_no_wheelchair_space_left() -> None:
    users = [
        request(f"w{i}", Passenger(f"w{i}", 80, needs=frozenset({WHEELCHAIR})), days=5 - i)
        for i in range(3)
    ]
    plan = plan_trip(users, BUS, NOW)
    assert ids(plan) == ["w0", "w1"]
    assert plan.left_out[0].request_id == "w2"
    assert plan.left_out[0].shortages == (Shortage(Kind.WHEELCHAIR_SPACES, 1, 0),)
    assert plan.left.wheelchair_spaces == 0
    assert plan.left.seats == 50


def test_it_splits_a_household_that_chose_to_and_sends_the_pets_with_the_first() -> None:
    cat = Pet("cat", 1)
    split = request(
        "split",
        Passenger("child", 6),
        adult("mother"),
        Passenger("grandma", 80, needs=frozenset({WHEELCHAIR})),
        pets=(cat,),
        luggage=1,
        together=False,
    )
    # two seats, a luggage place, no wheelchair space: the child and the cat would need two
    # seats alone (no lap), so they go together with the mother, who holds the cat
    plan = plan_trip([split], Capacity(seats=2, luggage=1), NOW)
    assert ids(plan) == ["child", "mother"]
    assert plan.taken[0].places == Places(seats=2, luggage=1, on_laps=1)
    (out,) = plan.left_out
    assert out.code == LeftOutCode.PASSENGER_DOES_NOT_FIT
    assert out.passenger_ids == ("grandma",)
    assert out.shortages == (Shortage(Kind.WHEELCHAIR_SPACES, 1, 0),)
    # the same household travelling together: nobody
    whole = Request("whole", "h", split.passengers, NOW, pets=split.pets, luggage=1, together=True)
    assert ids(plan_trip([whole], Capacity(seats=2, luggage=1), NOW)) == []


def test_it_takes_the_officers_additions_first_and_never_the_removals() -> None:
    first = request("first", adult("a", 90), days=10)
    second = request("second", adult("b", 80), days=10)
    added = request("added", adult("c"))
    plan = plan_trip(
        [first, second, added], Capacity(seats=1), NOW, fixed_in=["added"], fixed_out=["first"]
    )
    assert ids(plan) == ["c"]
    assert plan.taken[0].fixed
    assert [(o.request_id, o.code) for o in plan.left_out] == [
        ("first", LeftOutCode.REMOVED_BY_OFFICER)
    ]
    assert plan.waiting == ("second",)


def test_it_reports_an_addition_that_does_not_fit_at_all() -> None:
    big = request("big", adult("a"), adult("b"), adult("c"))
    plan = plan_trip([big, request("r")], Capacity(seats=2), NOW, fixed_in=["big"])
    assert ids(plan) == ["r-1"]
    assert plan.left_out[0].fixed
    assert plan.left_out[0].shortages == (Shortage(Kind.SEATS, 3, 2),)


def test_it_refuses_ids_that_are_not_on_the_waitlist() -> None:
    with pytest.raises(ValueError, match="not on the waitlist"):
        plan_trip([request("r")], BUS, NOW, fixed_in=["nobody"])
    with pytest.raises(ValueError, match="both added and removed"):
        plan_trip([request("r")], BUS, NOW, fixed_in=["r"], fixed_out=["r"])
    with pytest.raises(ValueError, match="twice on the waitlist"):
        plan_trip([request("r"), request("r")], BUS, NOW)


def test_it_takes_a_person_on_two_requests_once() -> None:
    alone = request("alone", adult("a"), days=3)
    with_family = request("family", adult("a"), adult("b"), days=1)
    plan = plan_trip([alone, with_family], BUS, NOW)
    assert ids(plan) == ["a", "b"]
    again = plan_trip([alone, request("dup", adult("a"))], BUS, NOW)
    assert [(o.request_id, o.code) for o in again.left_out] == [
        ("dup", LeftOutCode.ALREADY_ON_TRIP)
    ]
    assert check_plan(plan.taken, BUS) == []


# -- checking a plan edited by hand ----------------------------------------------------------


def test_it_finds_nothing_wrong_with_a_plan_that_fits() -> None:
    plan = plan_trip([request(f"r{i}", adult(f"p{i}")) for i in range(60)], BUS, NOW)
    assert len(plan.passengers) == 50
    assert check_plan(plan.taken, BUS) == []


def test_it_shows_what_no_longer_fits() -> None:
    dogs = Pet("dog", 5, in_carrier=False, large=True)
    family = request("family", adult("a"), adult("b"), adult("c"), pets=(dogs,), luggage=7)
    users = [request(f"w{i}", Passenger(f"w{i}", 80, needs=frozenset({WHEELCHAIR}))) for i in "12"]
    minibus = Capacity(seats=5, wheelchair_spaces=1, pet_places=1, luggage=5)
    problems = check_plan([family, *users], minibus)
    assert problems == [
        # three people and four dogs beyond the pet place: seven seats for five
        Problem(ProblemCode.OVER_CAPACITY, Kind.SEATS, 7, 5),
        Problem(ProblemCode.OVER_CAPACITY, Kind.WHEELCHAIR_SPACES, 2, 1),
        Problem(ProblemCode.OVER_CAPACITY, Kind.LUGGAGE, 7, 5),
    ]
    assert problems[0].over == 2


def test_it_shows_a_household_split_by_hand_and_a_passenger_twice() -> None:
    family = request("family", adult("a"), adult("b"), adult("c"))
    other = request("other", adult("a"))
    problems = check_plan([Part.of(family, ["a", "b"]), other], BUS)
    assert problems == [
        Problem(ProblemCode.PASSENGER_TWICE, request_id="other", passenger_id="a"),
        Problem(ProblemCode.HOUSEHOLD_SPLIT, needed=3, available=2, request_id="family"),
    ]
    # a household that chose to split may be partly on the trip
    free = request("free", adult("x"), adult("y"), together=False)
    assert check_plan([Part.of(free, ["y"])], BUS) == []


# -- for any waitlist and any vehicle --------------------------------------------------------

NEEDS_ST = st.frozensets(st.sampled_from([WHEELCHAIR, STRETCHER, CANNOT_SIT_LONG, OXYGEN]))
VULNERABILITIES_ST = st.frozensets(
    st.sampled_from([OLDER_PERSON, DISABILITY, PREGNANCY, CHILD_WITHOUT_PARENT, "other"])
)
PETS_ST = st.builds(
    Pet,
    species=st.sampled_from(["cat", "dog"]),
    count=st.integers(1, 3),
    in_carrier=st.booleans(),
    large=st.booleans(),
)


@st.composite
def waitlists(draw: st.DrawFn) -> list[Request]:
    size = draw(st.integers(0, 12))
    # passenger ids from a small pool, so a person is now and then on two requests
    pool = [f"p{i}" for i in range(draw(st.integers(1, 40)))]
    requests = []
    for n in range(size):
        pids = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))
        passengers = tuple(
            Passenger(
                pid,
                draw(st.none() | st.integers(0, 100)),
                draw(NEEDS_ST),
                draw(VULNERABILITIES_ST),
                draw(st.booleans()),
            )
            for pid in pids
        )
        requests.append(
            Request(
                f"r{n}",
                f"h{n}",
                passengers,
                NOW - timedelta(hours=draw(st.integers(-24, 24 * 40))),
                tuple(draw(st.lists(PETS_ST, max_size=2))),
                draw(st.integers(0, 6)),
                draw(st.booleans()),
                draw(st.integers(-20, 20)),
            )
        )
    return requests


CAPACITIES = st.builds(
    Capacity,
    seats=st.integers(0, 12),
    wheelchair_spaces=st.integers(0, 2),
    stretcher_places=st.integers(0, 2),
    pet_places=st.integers(0, 3),
    luggage=st.integers(0, 15),
)


def room(total: Places, capacity: Capacity) -> tuple[int, int, int, int]:
    """Seats, wheelchair spaces, stretcher places and luggage `total` needs, worked out here
    apart from the module: animals off a lap take the pet places, then seats."""
    seats = total.seats + max(0, total.animals - capacity.pet_places)
    return seats, total.wheelchair_spaces, total.stretcher_places, total.luggage


def fits(total: Places, capacity: Capacity) -> bool:
    limits = (
        capacity.seats,
        capacity.wheelchair_spaces,
        capacity.stretcher_places,
        capacity.luggage,
    )
    return all(n <= limit for n, limit in zip(room(total, capacity), limits, strict=True))


@settings(max_examples=300, deadline=None)
@given(requests=waitlists(), capacity=CAPACITIES, data=st.data())
def test_it_never_overfills_splits_a_household_or_takes_anyone_twice(
    requests: list[Request], capacity: Capacity, data: st.DataObject
) -> None:
    request_ids = [r.id for r in requests]
    fixed_out = data.draw(
        st.lists(st.sampled_from(request_ids), unique=True) if requests else st.just([])
    )
    rest = [i for i in request_ids if i not in fixed_out]
    fixed_in = data.draw(st.lists(st.sampled_from(rest), unique=True) if rest else st.just([]))
    plan = plan_trip(requests, capacity, NOW, fixed_in=fixed_in, fixed_out=fixed_out)

    # never more than any capacity, counted from the requests themselves
    total = Places()
    for taken in plan.taken:
        total = total + places(taken.part)
    assert fits(total, capacity)
    assert plan.total == total
    assert check_plan(plan.taken, capacity) == []
    assert min(vars_of(plan.left)) >= 0

    # no passenger twice; nobody removed by the officer
    passengers = [p.id for p in plan.passengers]
    assert len(passengers) == len(set(passengers))
    assert not {t.request_id for t in plan.taken} & set(fixed_out)

    # a household travelling together: whole (but for members already on the trip) or absent
    on_trip = set(passengers)
    for taken in plan.taken:
        if taken.part.request.together:
            assert {p.id for p in taken.part.request.passengers} <= on_trip

    # every request is accounted for exactly once: taken, left out, or waiting for a full bus
    seen = Counter([t.request_id for t in plan.taken] + list(plan.waiting))
    seen.update({o.request_id for o in plan.left_out} - {t.request_id for t in plan.taken})
    assert seen == Counter(request_ids)

    # a request left out did not fit when it was considered, and does not fit now either
    by_id = {r.id: r for r in requests}
    taken_parts = {t.request_id: t.part for t in plan.taken}
    for out in plan.left_out:
        if out.code == LeftOutCode.REMOVED_BY_OFFICER:
            assert out.request_id in fixed_out
            continue
        if out.code == LeftOutCode.ALREADY_ON_TRIP:
            assert {p.id for p in by_id[out.request_id].passengers} <= on_trip
            continue
        assert out.shortages
        assert all(s.needed > s.left for s in out.shortages)
        request_ = by_id[out.request_id]
        already = taken_parts.get(out.request_id)
        with_them = [
            p
            for p in request_.passengers
            if p.id in out.passenger_ids or (already and p in already.passengers)
        ]
        asked = places(Part(request_, tuple(with_them)))
        mine = places(already) if already else Places()
        assert not fits(_minus_places(total, mine) + asked, capacity)

    # nothing waits while there is room for somebody: the bus was full
    if plan.waiting:
        seats, wheelchair, stretcher, _ = room(total, capacity)
        assert seats >= capacity.seats
        assert wheelchair >= capacity.wheelchair_spaces
        assert stretcher >= capacity.stretcher_places


def _minus_places(a: Places, b: Places) -> Places:
    return Places(
        a.seats - b.seats,
        a.wheelchair_spaces - b.wheelchair_spaces,
        a.stretcher_places - b.stretcher_places,
        a.animals - b.animals,
        a.luggage - b.luggage,
        a.on_laps - b.on_laps,
    )


def vars_of(capacity: Capacity) -> list[int]:
    return [
        capacity.seats,
        capacity.wheelchair_spaces,
        capacity.stretcher_places,
        capacity.pet_places,
        capacity.luggage,
    ]


@settings(max_examples=300, deadline=None)
@given(requests=waitlists())
def test_it_scores_fast_exactly_as_it_explains(requests: list[Request]) -> None:
    for r in requests:
        explained = priority(r, NOW)
        assert _score(r, NOW) == explained.score == sum(x.points for x in explained.reasons)


@settings(max_examples=200, deadline=None)
@given(requests=waitlists(), capacity=CAPACITIES)
def test_it_plans_the_same_whatever_the_order_of_the_waitlist(
    requests: list[Request], capacity: Capacity
) -> None:
    forward = plan_trip(requests, capacity, NOW)
    backward = plan_trip(requests[::-1], capacity, NOW)
    assert [t.part for t in forward.taken] == [t.part for t in backward.taken]
