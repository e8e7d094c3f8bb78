"""Schemathesis against the JSON API, in-process through WSGI, as each role that uses it.

Every response must be documented in /api/v1/openapi.json (status code, content type, body
schema) and none may be a 5xx, whatever the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode

from hromada.core.actions import do_issue_token
from hromada.core.models import Role, Site
from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import DistributionSession
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import Line, do_record_delivery
from hromada.stock.models import Commodity
from tests.base import make_user, member


@dataclass
class Device:
    """A persona's device: its token, and the open session and cards it may scan."""

    session: DistributionSession
    cards: list[str]
    token: str
    scanned: int = 0

    def next_card(self) -> str:
        # a household collects once a day: a fresh card each time, while they last
        code = self.cards[self.scanned % len(self.cards)]
        self.scanned += 1
        return code


def build_town(role: str) -> Device:
    """The personas of tests/base.py, and twenty households with cards. They cannot come from
    a TestCase: the WSGI handler closes the database connection around each request, which a
    TestCase's transaction would not survive, so these tests use a transactional database."""
    site = Site.objects.create(code="municipal", name="Міська рада")
    users = {
        "alice": make_user("alice", Role.COORDINATOR),
        "rita": make_user("rita", Role.REGISTRAR, site),
        "dan": make_user("dan", Role.DISTRIBUTOR, site),
    }
    alice, rita = users["alice"], users["rita"]
    bread = Commodity.objects.create(code="bread", name="Хліб", unit="бух.")
    programme = do_create_programme(
        actor=alice, name="Хліб", commodity=bread, rule=Rule(quantity=2)
    )
    do_record_delivery(
        actor=alice, site=site, lines=[Line(bread, 1000)], source="test donor",
        arrived_at=timezone.now(),
    )  # fmt: skip
    session = do_open_session(actor=alice, programme=programme, site=site)
    cards = []
    for n in range(20):
        household = do_create_household(
            actor=rita, site=site, address=f"вул. Шкільна, {n}", members=[member()]
        )
        cards.append(do_issue_card(actor=rita, household=household).code)
    return Device(session=session, cards=cards, token=do_issue_token(actor=users[role]))


# The schema is read once, at collection (reading it touches no database). Every check
# schemathesis has is on. Generation is deterministic, so that a failure in CI shows up again
# on a developer's laptop. Query parameters the schema does not name are not generated: like
# most HTTP APIs, this one ignores them, and that is not a defect. A card code that fits the
# schema (a string of at most 64 characters) may still be no card code at all: the check
# symbols catch typos, and 422 `malformed_card` is the documented answer. Likewise a person
# whose fields fit the schema may still be refused by the registry's rules (a birth date not
# in the calendar, a tax number whose check digit is wrong): 422, naming the field.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"deterministic": True, "allow-extra-parameters": False},
        "operations": [
            {
                "include-path": "/api/v1/distribution/checkins",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", 401, 403, 404, 409, 422]
                    }
                },
            },
            {
                # a rule that does not hold together (children without an age), an id in the
                # body that names nothing, a session already open, a collection reversed
                # already or made on another day, an instant of ISO 8601's shape that is not
                # in the calendar: 409 or 422, saying which
                "include-operation-id": [
                    "hromada_distribution_api_collections",
                    "hromada_distribution_api_programme_create",
                    "hromada_distribution_api_programme_update",
                    "hromada_distribution_api_session_open",
                    "hromada_distribution_api_collection_reverse",
                ],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", 401, 403, 404, 409, 422]
                    }
                },
            },
            {
                "include-operation-id": [
                    "hromada_people_api_household_create",
                    "hromada_people_api_household_update",
                    "hromada_people_api_member_add",
                    "hromada_people_api_person_update",
                    # a range that ends before it starts, or longer than a year
                    "hromada_reports_api_daily",
                    "hromada_reports_api_evacuation",
                    # stock: a site or commodity id that names nothing, more than the site
                    # has (409), a note missing where fewer arrived, a date out of range
                    "hromada_stock_api_movements",
                    "hromada_stock_api_delivery_create",
                    "hromada_stock_api_transfer_create",
                    "hromada_stock_api_transfer_receive",
                    "hromada_stock_api_loss_create",
                    "hromada_stock_api_count_create",
                    # evacuation: a household, vehicle, centre or site id that names nothing
                    # here, a phone that cannot be called, a person on another waiting
                    # request, a card code that is none, an adult without the declaration, a
                    # place missing for a resolution: 422 naming the field
                    "hromada_evacuation_api_request_create",
                    "hromada_evacuation_api_request_update",
                    "hromada_evacuation_api_request_priority",
                    "hromada_evacuation_api_vehicle_create",
                    "hromada_evacuation_api_trip_create",
                    "hromada_evacuation_api_trip_add",
                    "hromada_evacuation_api_trip_board",
                    "hromada_evacuation_api_trip_arrivals",
                    "hromada_evacuation_api_passenger_resolve",
                ],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", 401, 403, 404, 409, 422]
                    }
                },
            },
        ],
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def device(transactional_db: None, role: str) -> Device:
    return build_town(role)


@pytest.mark.parametrize("role", ["alice", "rita", "dan"])
@schema.parametrize()
@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    # one town per test, shared by its examples; argon2 makes the token endpoint slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_it_answers_every_request_as_documented(case: Case[Any], device: Device) -> None:
    # In valid check-ins, the open session, and a real card whenever there is desk text to
    # record, so that they get past "no such session" to serving and storing the desk's free
    # text. A request meant to be refused stays as schemathesis made it.
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict) and "session" in case.body:
        case.body["session"] = str(device.session.pk)
        if case.body.get("desk") or len(str(case.body.get("card"))) < 3:
            case.body["card"] = device.next_card()
    # The persona's token on every request but those that leave it out or spoil it on
    # purpose, to see them refused with 401. It is set here, at call time: the coverage
    # phase builds its cases when the tests are collected, before any user exists.
    if not case.operation.schema.is_security_param_negated(case):
        case.headers["Authorization"] = f"Bearer {device.token}"
    case.call_and_validate()
