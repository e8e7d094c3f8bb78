"""How long proposing a bus trip from the evacuation waitlist takes (issue 5: 10,000 requests
in under 200 ms on 2 cores).

Generates a synthetic waitlist (seeded): households of 1-6, about 30 % of people over 60, 8 %
of requests with a wheelchair user, 2 % with a stretcher case, 25 % with pets (5 % with a
large dog), children, pregnancies, people displaced without shelter, waiting 0-30 days, a few
manual adjustments and a few households that chose to split. The vehicle is the volunteer
bus: 50 seats, 2 wheelchair spaces, 1 stretcher place, 4 pet places, 60 pieces of luggage.

Times `plan_trip` (median of --runs runs after one warm-up) at 1,000, 10,000 and 100,000
requests. Baseline, in the same run and on the same requests: sorting them by a precomputed
key (score, waiting since, id), the one sort planning cannot do without, so planning can be
read as a multiple of a plain sort.

    nice .venv/bin/python bench/planning.py
    nice .venv/bin/python bench/planning.py --sizes 10000 --runs 5

Prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from hromada.lib.evacuation import (
    CANNOT_SIT_LONG,
    CHILD_WITHOUT_PARENT,
    DISABILITY,
    MEDICINES,
    OLDER_PERSON,
    OXYGEN,
    PREGNANCY,
    STRETCHER,
    WHEELCHAIR,
    Capacity,
    Passenger,
    Pet,
    Request,
    order_key,
    plan_trip,
    priority,
)

SEED = 20261128
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
BUS = Capacity(seats=50, wheelchair_spaces=2, stretcher_places=1, pet_places=4, luggage=60)
# The upper bound of the greedy pass: room for everybody, so every request is considered,
# taken and explained (a bus fills after a few dozen and the rest are not looked at).
EVERYONE = Capacity(10**7, 10**7, 10**7, 10**7, 10**7)
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (30, 28, 20, 12, 6, 4)


def _person(rng: random.Random, pid: str, adult: bool) -> Passenger:
    if adult:
        # half the adults, about 30 % of all people, are over 60: the young left first
        age = rng.randint(60, 95) if rng.random() < 0.50 else rng.randint(18, 59)
    else:
        age = rng.randint(0, 17)
    vulnerabilities = set()
    if age >= 60 and rng.random() < 0.3:
        vulnerabilities.add(OLDER_PERSON)
    if rng.random() < 0.07:
        vulnerabilities.add(DISABILITY)
    if 18 <= age <= 45 and rng.random() < 0.04:
        vulnerabilities.add(PREGNANCY)
    if age < 18 and rng.random() < 0.03:
        vulnerabilities.add(CHILD_WITHOUT_PARENT)
    needs = set()
    if rng.random() < 0.04:
        needs.add(CANNOT_SIT_LONG)
    if rng.random() < 0.01:
        needs.add(OXYGEN)
    if rng.random() < 0.15:
        needs.add(MEDICINES)
    return Passenger(
        id=pid,
        age=None if rng.random() < 0.03 else age,
        needs=frozenset(needs),
        vulnerabilities=frozenset(vulnerabilities),
    )


def waitlist(size: int, seed: int = SEED) -> list[Request]:
    rng = random.Random(seed)
    requests = []
    for n in range(size):
        members = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
        adults = rng.randint(1, min(members, 3))  # the rest are children
        people = [_person(rng, f"p{n}-{i}", adult=i < adults) for i in range(members)]
        # one person with a wheelchair in 8 % of requests, a stretcher case in 2 %
        draw = rng.random()
        if draw < 0.10:
            who = rng.randrange(members)
            need = WHEELCHAIR if draw < 0.08 else STRETCHER
            p = people[who]
            people[who] = Passenger(p.id, p.age, p.needs | {need}, p.vulnerabilities)
        if rng.random() < 0.12:
            people = [
                Passenger(p.id, p.age, p.needs, p.vulnerabilities, displaced_without_shelter=True)
                for p in people
            ]
        pets: list[Pet] = []
        if rng.random() < 0.25:
            if rng.random() < 0.20:  # 5 % of all requests: a large dog
                pets.append(Pet("dog", 1, in_carrier=False, large=True))
            else:
                species = rng.choice(("cat", "cat", "cat", "small dog", "rabbit", "bird"))
                pets.append(Pet(species, rng.choice((1, 1, 1, 2, 3)), in_carrier=True))
        requests.append(
            Request(
                id=f"r{n:06d}",
                household_id=f"h{n:06d}",
                passengers=tuple(people),
                waiting_since=NOW - timedelta(minutes=rng.randint(0, 30 * 24 * 60)),
                pets=tuple(pets),
                luggage=rng.randint(0, members * 2),
                together=rng.random() > 0.05,
                priority_adjustment=rng.choice((-10, 10, 20)) if rng.random() < 0.02 else 0,
            )
        )
    rng.shuffle(requests)
    return requests


def _median_ms(run: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    run()  # warm-up
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def measure(size: int, runs: int) -> dict[str, Any]:
    requests = waitlist(size)
    plan = plan_trip(requests, BUS, NOW)
    # the baseline's key is the one planning sorts by, computed here outside the timing
    keyed = [(order_key(r, priority(r, NOW).score), r) for r in requests]
    plan_ms, plan_runs = _median_ms(lambda: plan_trip(requests, BUS, NOW), runs)
    everyone_ms, everyone_runs = _median_ms(lambda: plan_trip(requests, EVERYONE, NOW), runs)
    sort_ms, sort_runs = _median_ms(lambda: sorted(keyed, key=itemgetter(0)), runs)
    return {
        "requests": size,
        "passengers_on_waitlist": sum(len(r.passengers) for r in requests),
        "shares": shares(requests),
        "plan_ms_median": round(plan_ms, 2),
        "plan_ms_runs": [round(t, 2) for t in plan_runs],
        "sort_ms_median": round(sort_ms, 3),
        "sort_ms_runs": [round(t, 3) for t in sort_runs],
        "plan_over_sort": round(plan_ms / sort_ms, 1),
        "room_for_everyone_ms_median": round(everyone_ms, 2),
        "room_for_everyone_ms_runs": [round(t, 2) for t in everyone_runs],
        "room_for_everyone_over_sort": round(everyone_ms / sort_ms, 1),
        "taken_requests": len(plan.taken),
        "taken_passengers": len(plan.passengers),
        "left_out": len(plan.left_out),
        "waiting": len(plan.waiting),
        "used": vars_of(plan.used),
    }


def shares(requests: list[Request]) -> dict[str, float]:
    people = [p for r in requests for p in r.passengers]

    def of_requests(test: Callable[[Request], bool]) -> float:
        return round(sum(1 for r in requests if test(r)) / len(requests), 3)

    return {
        "people_over_60": round(sum(1 for p in people if (p.age or 0) >= 60) / len(people), 3),
        "people_under_18": round(sum(1 for p in people if (p.age or 99) < 18) / len(people), 3),
        "requests_wheelchair": of_requests(
            lambda r: any(WHEELCHAIR in p.needs for p in r.passengers)
        ),
        "requests_stretcher": of_requests(
            lambda r: any(STRETCHER in p.needs for p in r.passengers)
        ),
        "requests_pets": of_requests(lambda r: bool(r.pets)),
        "requests_large_dog": of_requests(lambda r: any(pet.large for pet in r.pets)),
        "requests_split": of_requests(lambda r: not r.together),
    }


def vars_of(capacity: Capacity) -> dict[str, int]:
    return {
        "seats": capacity.seats,
        "wheelchair_spaces": capacity.wheelchair_spaces,
        "stretcher_places": capacity.stretcher_places,
        "pet_places": capacity.pet_places,
        "luggage": capacity.luggage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, action="append", help="waitlist sizes")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per size (median)")
    args = parser.parse_args()
    sizes = args.sizes or [1_000, 10_000, 100_000]
    results = [measure(size, args.runs) for size in sizes]
    print(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(sys.argv),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "bus": vars_of(BUS),
                "runs": args.runs,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
