"""The personas every test shares.

Alice is the town's coordinator. Rita registers people at site A (the municipal building);
Dan serves bread at site A's desk. Bea serves at site B (the school) and must see nothing of
site A. Otto the auditor reads reports.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.test import Client, TestCase
from django.utils import timezone

from hromada.core.actions import do_issue_token
from hromada.core.models import AuditEvent, Role, Site, User
from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import DistributionSession, Programme
from hromada.people.actions import MemberData, do_create_household, do_issue_card
from hromada.people.models import Card, Household, Sex
from hromada.stock.actions import Line, do_record_delivery
from hromada.stock.models import Commodity

PASSWORD = "correct horse battery staple"


def audit_text(event: AuditEvent) -> str:
    """What an audit row says, for checking it holds no personal data: its time and keys left
    out (random hex digits and microseconds spell a birth year now and then)."""
    keys = {"_state", "id", "at", "object_id", "site_id"}
    return repr({key: value for key, value in event.__dict__.items() if key not in keys})


def make_user(username: str, role: str, *sites: Site) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role)
    user.sites.set(sites)
    return user


def member(family: str = "Коваль", given: str = "Оксана", born: date | None = None) -> MemberData:
    return MemberData(
        family_name=family,
        given_name=given,
        patronymic="Петрівна",
        sex=Sex.FEMALE,
        birth_date=born or date(1960, 5, 17),
    )


class BaseTestCase(TestCase):
    alice: User
    rita: User
    dan: User
    bea: User
    otto: User
    site_a: Site
    site_b: Site
    bread: Commodity
    programme: Programme
    session_a: DistributionSession
    session_b: DistributionSession
    household_a: Household
    card_a: Card

    @classmethod
    def setUpTestData(cls) -> None:
        cls.site_a = Site.objects.create(code="municipal", name="Міська рада")
        cls.site_b = Site.objects.create(code="school", name="Школа")
        cls.alice = make_user("alice", Role.COORDINATOR)
        cls.rita = make_user("rita", Role.REGISTRAR, cls.site_a)
        cls.dan = make_user("dan", Role.DISTRIBUTOR, cls.site_a)
        cls.bea = make_user("bea", Role.DISTRIBUTOR, cls.site_b)
        cls.otto = make_user("otto", Role.AUDITOR)
        cls.bread = Commodity.objects.create(code="bread", name="Хліб", unit="бух.")
        cls.programme = do_create_programme(
            actor=cls.alice, name="Хліб", commodity=cls.bread, rule=Rule(quantity=2)
        )
        cls.deliver(cls.site_a, 100)
        cls.deliver(cls.site_b, 100)
        cls.session_a = do_open_session(actor=cls.alice, programme=cls.programme, site=cls.site_a)
        cls.session_b = do_open_session(actor=cls.alice, programme=cls.programme, site=cls.site_b)
        cls.household_a = do_create_household(
            actor=cls.rita,
            site=cls.site_a,
            address="вул. Шкільна, 1",
            members=[member(), member(given="Ігор"), member(given="Тарас", born=date(2015, 1, 2))],
        )
        cls.card_a = do_issue_card(actor=cls.rita, household=cls.household_a)

    @classmethod
    def deliver(cls, site: Site, quantity: int) -> None:
        do_record_delivery(
            actor=cls.alice, site=site, lines=[Line(cls.bread, quantity)],
            source="test donor", arrived_at=timezone.now(),
        )  # fmt: skip

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def api(self, user: User | None, language: str = "en") -> ApiClient:
        token = do_issue_token(actor=user) if user else ""
        return ApiClient(token=token, language=language)


class ApiClient:
    """A device talking JSON to the API with a bearer token."""

    def __init__(self, *, token: str, language: str = "en") -> None:
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.post(
            path,
            json.dumps(body) if not isinstance(body, str) else body,
            content_type="application/json",
            headers={**self.headers, **headers},
        )
