"""Planning a trip as the officer's page does it: from the database, not from objects in
memory (issue 5: a waitlist of 10,000 requests in under 200 ms on 2 cores).

`bench/planning.py` times the pure planner (`lib.evacuation.plan_trip`). This one times
`evacuation.actions.propose(trip, now)`, what every click on the planning page runs: read the
site's waiting requests with their people, needs, vulnerabilities and animals, turn them into
the planner's requests, and plan. Same synthetic waitlist as planning.py (same seed), written
into a real SQLite file (WAL, as the app runs it) as households, persons, vulnerabilities,
requests, members and pets.

Baseline, in the same run: `plan_trip` on the same requests already in memory, so the
database's share can be read as a ratio. Timed twice: the first look (the site's waitlist read
from the database, as after any write) and the next clicks (the officer adding or removing
requests: the waitlist kept since, checked against the newest audit row).

    nice .venv/bin/python bench/planning_app.py
    nice .venv/bin/python bench/planning_app.py --size 1000 --runs 7

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from planning import BUS, NOW, _median_ms, waitlist

BATCH = 2_000


def _setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'planning.sqlite3'}"
    os.environ["HROMADA_DATA_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hromada.settings"
    import django

    django.setup()


def build(size: int) -> Any:
    """The waitlist of `size` requests at one site, and an open trip on the volunteer bus;
    returns the trip."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from hromada.core.actions import do_create_site, do_save_user
    from hromada.core.models import Role, Site
    from hromada.evacuation.actions import (
        Places,
        do_create_reception_centre,
        do_create_trip,
        do_save_vehicle,
    )
    from hromada.evacuation.models import EvacuationRequest, RequestMember, RequestPet, Species
    from hromada.people.models import Household, Person, Residency, Sex, Vulnerability

    call_command("migrate", "--noinput", verbosity=0)
    site = do_create_site(actor=None, code="municipal", name="Міська рада")
    officer = do_save_user(
        actor=None, username="coordinator", role=Role.COORDINATOR, password="bench-only",  # noqa: S106
        sites=Site.objects.none(),
    )  # fmt: skip
    centre = do_create_reception_centre(
        actor=officer, code="dnipro", name="Пункт прийому", city="Дніпро"
    )
    bus = do_save_vehicle(
        actor=officer, kind="bus", name="bench bus",
        places=Places(seats=BUS.seats, wheelchair_spaces=BUS.wheelchair_spaces,
                      stretcher_places=BUS.stretcher_places, pet_places=BUS.pet_places,
                      luggage=BUS.luggage),
    )  # fmt: skip
    trip = do_create_trip(
        actor=officer, site=site, vehicle=bus, departure_point="Рада", departs_at=NOW,
        destination=centre, driver="Водій",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")  # only while building
    species = {"cat": Species.CAT, "small dog": Species.DOG, "dog": Species.DOG,
               "rabbit": Species.RODENT, "bird": Species.BIRD}  # fmt: skip
    with transaction.atomic():
        homes: list[Household] = []
        people: list[Person] = []
        kinds: list[Vulnerability] = []
        requests: list[EvacuationRequest] = []
        members: list[RequestMember] = []
        pets: list[RequestPet] = []
        for rule in waitlist(size):
            home = Household(site=site)
            homes.append(home)
            request = EvacuationRequest(
                site=site, household=home, luggage=rule.luggage, together=rule.together,
                without_shelter=any(p.displaced_without_shelter for p in rule.passengers),
                priority_adjustment=rule.priority_adjustment, civilian_declared=True,
                waiting_since=rule.waiting_since, created_by=officer,
            )  # fmt: skip
            requests.append(request)
            for position, passenger in enumerate(rule.passengers):
                age = 40 if passenger.age is None else passenger.age
                person = Person(
                    household=home, family_name="Бондар", given_name="Оксана",
                    sex=Sex.FEMALE, birth_date=date(NOW.year - age - 1, 12, 1),
                    residency=Residency.DISPLACED if passenger.displaced_without_shelter
                    else Residency.RESIDENT,
                )  # fmt: skip
                people.append(person)
                kinds.extend(
                    Vulnerability(person=person, kind=k) for k in passenger.vulnerabilities
                )
                members.append(
                    RequestMember(request=request, person=person, position=position,
                                  needs=sorted(passenger.needs))
                )  # fmt: skip
            pets.extend(
                RequestPet(request=request, species=species[p.species], count=p.count,
                           in_carrier=p.in_carrier, large=p.large)
                for p in rule.pets
            )  # fmt: skip
        Household.objects.bulk_create(homes, batch_size=BATCH)
        Person.objects.bulk_create(people, batch_size=BATCH)
        Vulnerability.objects.bulk_create(kinds, batch_size=BATCH)
        EvacuationRequest.objects.bulk_create(requests, batch_size=BATCH)
        RequestMember.objects.bulk_create(members, batch_size=BATCH)
        RequestPet.objects.bulk_create(pets, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=FULL")
    return trip


def measure(size: int, runs: int) -> dict[str, Any]:
    from hromada.evacuation import actions
    from hromada.evacuation.actions import propose
    from hromada.lib.evacuation import plan_trip

    trip = build(size)
    in_memory = waitlist(size)
    plan = propose(trip, NOW)

    def first_look() -> object:
        actions._WAITLISTS.clear()  # as after any write: the waitlist is read again
        return propose(trip, NOW)

    page_ms, page_runs = _median_ms(first_look, runs)
    click_ms, click_runs = _median_ms(lambda: propose(trip, NOW), runs)
    pure_ms, pure_runs = _median_ms(lambda: plan_trip(in_memory, BUS, NOW), runs)
    return {
        "requests": size,
        "propose_ms_median": round(page_ms, 1),
        "propose_ms_runs": [round(t, 1) for t in page_runs],
        "plan_trip_in_memory_ms_median": round(pure_ms, 1),
        "plan_trip_in_memory_ms_runs": [round(t, 1) for t in pure_runs],
        "propose_over_in_memory": round(page_ms / pure_ms, 1),
        "next_click_ms_median": round(click_ms, 1),
        "next_click_ms_runs": [round(t, 1) for t in click_runs],
        "next_click_over_in_memory": round(click_ms / pure_ms, 1),
        "taken_passengers": len(plan.passengers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _setup(Path(folder))
        result = measure(args.size, args.runs)
    print(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "bus": {"seats": BUS.seats, "wheelchair": BUS.wheelchair_spaces,
                "stretcher": BUS.stretcher_places, "pets": BUS.pet_places},
        "result": result,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
