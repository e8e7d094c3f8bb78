"""Two desks scanning at the same instant, against a real `hromada serve` on a real database
(a SQLite file, or PostgreSQL under scripts/with-postgres)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.serving import DEMO_PASSWORD, ServedApp

pytestmark = pytest.mark.server


def call(
    app: ServedApp, method: str, path: str, body: Any = None, token: str = ""
) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        app.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def token(app: ServedApp, username: str) -> str:
    status, body = call(
        app, "POST", "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}
    )
    assert status == 200, body
    return str(body["token"])


def municipal_session(app: ServedApp, bearer: str) -> str:
    status, sessions = call(app, "GET", "/api/v1/distribution/sessions?status=open", token=bearer)
    assert status == 200
    bread = (s for s in sessions if s["site_name"] == "Міська рада" and s["commodity"] == "Хліб")
    return str(next(bread)["id"])


def all_at_once(bodies: list[tuple[str, Any]], app: ServedApp) -> list[tuple[int, Any]]:
    """POST every (token, body) at the same instant, one thread each."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, Any]] = [(0, None)] * len(bodies)

    def worker(index: int, bearer: str, body: Any) -> None:
        barrier.wait()
        results[index] = call(app, "POST", "/api/v1/distribution/checkins", body, token=bearer)

    threads = [threading.Thread(target=worker, args=(i, t, b)) for i, (t, b) in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


CARDS_OF_MUNICIPAL = (
    "from hromada.people.models import Card\n"
    "for c in Card.objects.filter(household__site__code='municipal', status='active',"
    " household__members__status='present').distinct().order_by('code'): print(c.code)"
)


def test_it_serves_one_card_scanned_at_many_desks_exactly_once(served_app: ServedApp) -> None:
    tokens = [token(served_app, "distributor"), token(served_app, "coordinator")]
    session = municipal_session(served_app, tokens[0])
    card = served_app.python(CARDS_OF_MUNICIPAL).split()[0]
    bodies = [(tokens[i % 2], {"session": session, "card": card}) for i in range(24)]
    results = all_at_once(bodies, served_app)
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1, results
    assert statuses.count(409) == 23, results
    assert {body["code"] for status, body in results if status == 409} == {"already_collected"}
    collections = served_app.python(
        "from hromada.distribution.models import Collection\n"
        f"print(Collection.objects.filter(card__code='{card}').count())"
    )
    assert collections.strip() == "1"


def test_it_never_takes_stock_below_zero_when_many_cards_race_for_the_last_loaves(
    served_app: ServedApp,
) -> None:
    bearer = token(served_app, "distributor")
    session = municipal_session(served_app, bearer)
    served_app.python(
        "from hromada.core.models import Site, User\n"
        "from hromada.stock.actions import do_record_count\n"
        "from hromada.stock.models import Commodity\n"
        "do_record_count(actor=User.objects.get(username='coordinator'),"
        " site=Site.objects.get(code='municipal'), commodity=Commodity.objects.get(code='bread'),"
        " counted=7, reason='test: the last loaves')"
    )
    cards = served_app.python(CARDS_OF_MUNICIPAL).split()[1:21]
    results = all_at_once([(bearer, {"session": session, "card": c}) for c in cards], served_app)
    served = [body["quantity"] for status, body in results if status == 201]
    refused = [body for status, body in results if status != 201]
    assert sum(served) <= 7
    assert served, "somebody must get the last loaves"
    assert {body["code"] for body in refused} <= {"out_of_stock"}
    facts = json.loads(
        served_app.python(
            "import json\n"
            "from hromada.stock.models import StockBalance, StockMovement\n"
            "b = StockBalance.objects.get(site__code='municipal', commodity__code='bread')\n"
            "ledger = StockMovement.objects.filter(site__code='municipal',"
            " commodity__code='bread').total()\n"
            "print(json.dumps({'balance': b.quantity, 'ledger': ledger}))"
        )
    )
    assert facts["balance"] == facts["ledger"] == 7 - sum(served)
    assert facts["balance"] >= 0


def test_two_programmes_that_exclude_each_other_serve_a_household_one_of_them(
    served_app: ServedApp,
) -> None:
    """The demo's food parcel (weekly) and hot meals (daily) exclude each other: two desks
    scanning one card for the two at the same instant serve one, and refuse the other."""
    bearer = token(served_app, "distributor")
    status, sessions = call(
        served_app, "GET", "/api/v1/distribution/sessions?status=open", token=bearer
    )
    assert status == 200
    by_commodity = {s["commodity"]: s["id"] for s in sessions if s["site_name"] == "Міська рада"}
    parcel, meals = by_commodity["Продуктовий набір"], by_commodity["Гаряче харчування"]
    # a card nobody else in this module scans
    card = served_app.python(CARDS_OF_MUNICIPAL).split()[-1]
    bodies = [(bearer, {"session": parcel if i % 2 else meals, "card": card}) for i in range(8)]
    results = all_at_once(bodies, served_app)
    assert [status for status, _body in results].count(201) == 1, results
    codes = {body["code"] for status, body in results if status == 409}
    assert codes <= {"excluded", "already_collected"}, results
    assert "excluded" in codes, results
