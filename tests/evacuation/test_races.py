"""Two officers at two doors of one bus, against a real `hromada serve` on a real database (a
SQLite file, or PostgreSQL under scripts/with-postgres): the last places go once."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.distribution.test_races import call, token
from tests.serving import ServedApp

pytestmark = pytest.mark.server

# A minibus with `seats` seats and nothing else, a trip on it from the municipal building, and
# `people` households of one adult each, each with a waiting request. Prints the ids as JSON.
SEED = """
import json
from datetime import date, timedelta
from django.utils import timezone
from hromada.core.models import Site, User
from hromada.evacuation.actions import (
    MemberNeeds, Places, RequestData, do_create_request, do_create_trip, do_save_vehicle)
from hromada.evacuation.models import ReceptionCentre
from hromada.people.actions import MemberData, do_create_household
from hromada.people.models import Sex
officer = User.objects.get(username="coordinator")
site = Site.objects.get(code="municipal")
vehicle = do_save_vehicle(actor=officer, kind="minibus", name="{name}",
                          places=Places(seats={seats}))
trip = do_create_trip(actor=officer, site=site, vehicle=vehicle, departure_point="Рада",
                      departs_at=timezone.now() + timedelta(hours=2),
                      destination=ReceptionCentre.objects.get(), driver="Водій (тест)")
requests = []
for i in range({people}):
    household = do_create_household(actor=officer, site=site, address="", members=[MemberData(
        family_name="Гонка{name}", given_name=f"Особа{{i}}", patronymic="", sex=Sex.FEMALE,
        birth_date=date(1970, 1, 1))])
    requests.append(str(do_create_request(actor=officer, household=household,
        data=RequestData(members=[MemberNeeds(household.members.get())],
                         civilian_declared=True)).pk))
print(json.dumps({{"trip": str(trip.pk), "requests": requests}}))
"""


def seed(app: ServedApp, name: str, seats: int, people: int) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        app.python(SEED.format(name=name, seats=seats, people=people))
    )
    return found


def at_once(app: ServedApp, calls: list[tuple[str, str, Any]]) -> list[tuple[int, Any]]:
    """POST every (token, path, body) at the same instant, one thread each."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, Any]] = [(0, None)] * len(calls)

    def worker(index: int, bearer: str, path: str, body: Any) -> None:
        barrier.wait()
        results[index] = call(app, "POST", path, body, token=bearer)

    threads = [threading.Thread(target=worker, args=(i, *item)) for i, item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def places_on(app: ServedApp, trip: str) -> list[tuple[str, str]]:
    out = app.python(
        "import json\n"
        "from hromada.evacuation.models import Passenger\n"
        f"rows = Passenger.objects.filter(trip='{trip}', seat__isnull=False)\n"
        "print(json.dumps([[p.seat, p.status] for p in rows]))"
    )
    return [(seat, status) for seat, status in json.loads(out)]


def test_two_officers_calling_the_next_onto_the_last_seat_put_one_person_on_it(
    served_app: ServedApp,
) -> None:
    officers = [token(served_app, "evacuation"), token(served_app, "coordinator")]
    town = seed(served_app, "A", seats=2, people=7)
    trip, (first, *rest) = town["trip"], town["requests"]
    path = f"/api/v1/evacuation/trips/{trip}/passengers"
    status, body = call(served_app, "POST", path, {"request": first}, token=officers[0])
    assert status == 201, body
    # six households for the one seat left, from both officers at once
    results = at_once(
        served_app, [(officers[i % 2], path, {"request": r}) for i, r in enumerate(rest)]
    )
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1, results
    assert statuses.count(409) == 5, results
    assert {body["code"] for status, body in results if status == 409} <= {"full", "taken"}
    assert sorted(places_on(served_app, trip)) == [("1", "planned"), ("2", "planned")]


def test_two_officers_boarding_late_comers_onto_the_last_seat_board_one(
    served_app: ServedApp,
) -> None:
    """Two people marked as not come turn up at both doors at once, with one seat left: one
    boards, the other is told the bus is full."""
    officers = [token(served_app, "evacuation"), token(served_app, "coordinator")]
    town = seed(served_app, "B", seats=2, people=3)
    trip, (late_one, late_two, filler) = town["trip"], town["requests"]
    base = f"/api/v1/evacuation/trips/{trip}"
    late = []
    for request in (late_one, late_two):
        status, body = call(served_app, "POST", f"{base}/passengers", {"request": request},
                            token=officers[0])  # fmt: skip
        assert status == 201, body
        late.append(body["added"][0])
    for passenger in late:
        status, body = call(
            served_app, "POST", f"/api/v1/evacuation/passengers/{passenger}/no-show", {},
            token=officers[0],
        )  # fmt: skip
        assert status == 200, body
    status, body = call(served_app, "POST", f"{base}/passengers", {"request": filler},
                        token=officers[0])  # fmt: skip
    assert status == 201, body
    results = at_once(
        served_app,
        [(officers[i], f"{base}/boardings", {"passenger": p, "civilian_confirmed": True})
         for i, p in enumerate(late)],
    )  # fmt: skip
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409], results
    refused = next(body for status, body in results if status == 409)
    assert refused["code"] in {"full", "taken"}, refused
    assert sorted(places_on(served_app, trip)) == [("1", "planned"), ("2", "boarded")]
