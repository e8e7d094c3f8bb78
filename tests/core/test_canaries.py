"""Personal data stays where it belongs.

Canary names are registered and then used everywhere a volunteer would use them, including
the paths that fail: a mistyped date, a wrong password typed into the username field, a search,
a 404. Every log record written meanwhile, every audit row, and every page of the roles that
must not see people are then searched for the canaries.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.distribution.actions import do_check_in
from hromada.people.models import Household
from tests.base import BaseTestCase
from tests.serving import DEMO_PASSWORD, ServedApp, serve

CANARIES = ("Канарейко", "Зорянослава", "Kanareiko", "Canary-7731")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@contextmanager
def every_log_record() -> Iterator[Capture]:
    capture = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("django", "django.request", "django.db")]
    old = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        for lg, level in old:
            lg.setLevel(level)


def registration(family: str, given: str, birth: str, site: str) -> dict[str, str]:
    return {
        "site": site,
        "address": "вул. Канарейкова, 3",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30",
        "members-0-family_name": family,
        "members-0-given_name": given,
        "members-0-patronymic": "Canary-7731",
        "members-0-sex": "female",
        "members-0-birth": birth,
    }


class CanaryTestCase(BaseTestCase):
    def assert_no_canary(self, text: str, where: str) -> None:
        for canary in CANARIES:
            self.assertNotIn(canary, text, f"{canary} found in {where}")

    def test_no_canary_reaches_logs_audit_or_pages_of_roles_that_must_not_see_people(
        self,
    ) -> None:
        site = str(self.site_a.pk)
        with every_log_record() as logs:
            self.login(self.rita)
            # a failed attempt first: the names travel with a broken date
            self.client.post(
                reverse("people:household_create"),
                registration("Канарейко", "Зорянослава", "31.02.1961", site),
            )
            self.client.post(
                reverse("people:household_create"),
                registration("Канарейко", "Зорянослава", "1961", site),
            )
            self.client.get(reverse("people:households"), {"q": "Канарейко"})
            self.client.get("/people/nowhere/", {"q": "Kanareiko"})
            self.api(self.rita).get("/api/v1/people/households", q="Канарейко")
            household = Household.objects.get(members__family_name="Канарейко")
            card = household.active_card()
            assert card is not None
            do_check_in(actor=self.dan, session=self.session_a, card_code=card.code)
            self.api(self.dan).post(
                "/api/v1/distribution/checkins",
                {"session": str(self.session_a.pk), "card": "Kanareiko"},
            )
            self.api(self.dan).post("/api/v1/distribution/checkins", {"card": "Канарейко"})
            self.client.logout()
            self.client.post(
                reverse("core:login"), {"username": "Канарейко", "password": "Зорянослава"}
            )
            self.api(None).post(
                "/api/v1/auth/token", {"username": "Kanareiko", "password": "Canary-7731"}
            )
            # what the desk, the auditor and the other site see
            self.login(self.dan)
            desk = self.client.post(
                reverse("distribution:checkin", args=[self.session_a.pk]),
                {"card": card.code},
                headers={"HX-Request": "1"},
            )
            self.assertContains(desk, "already_collected")  # the desk did find the household
            self.assert_no_canary(desk.content.decode(), "the desk's answer")
            self.login(self.otto)
            for name in ("distribution:report", "stock:overview", "core:audit", "core:home"):
                page = self.client.get(reverse(name)).content.decode()
                self.assert_no_canary(page, f"the auditor's {name}")
            self.login(self.bea)
            page = self.client.get(reverse("distribution:sessions")).content.decode()
            self.assert_no_canary(page, "site B's sessions")

        self.assertTrue(logs.lines, "nothing was logged: the capture is broken")
        self.assert_no_canary("\n".join(logs.lines), "the logs")
        for event in AuditEvent.objects.all():
            self.assert_no_canary(
                f"{event.action} {event.object_type} {event.object_id} {event.fields}", "audit"
            )
        # and the registrar does see her: the canary is real
        self.login(self.rita)
        found = self.client.get(reverse("people:households"), {"q": "Канарейко"})
        self.assertContains(found, "Канарейко")


ADD_CANARY = """
from hromada.core.models import Site, User
from hromada.people.actions import MemberData, do_create_household, do_issue_card
import datetime
household = do_create_household(
    actor=User.objects.get(username='registrar'), site=Site.objects.get(code='municipal'),
    address='Canary-7731 street',
    members=[MemberData('Канарейко', 'Зорянослава', 'Kanareiko', 'female',
                        datetime.date(1950, 1, 1))],
)
print(do_issue_card(actor=None, household=household).code)
"""


class Browserless:
    """A volunteer's browser without the browser: cookies, CSRF, forms."""

    def __init__(self, base: str) -> None:
        jar = http.cookiejar.CookieJar()
        self.base = base
        self.jar = jar
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken") or ""

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, username: str, password: str) -> int:
        self.get("/login/")
        return self.post("/login/", {"username": username, "password": password})[0]


def api(app: ServedApp, method: str, path: str, body: Any = None, token: str = "") -> int:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        app.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def token(app: ServedApp, username: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        app.url + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return str(json.loads(response.read())["token"])


@pytest.mark.server
def test_no_canary_reaches_the_log_of_a_real_server_at_debug_level(tmp_path: Path) -> None:
    with serve(tmp_path, households=10, extra_env={"LOG_LEVEL": "DEBUG"}) as app:
        card = app.python(ADD_CANARY).strip().splitlines()[-1]
        registrar = Browserless(app.url)
        assert registrar.log_in("registrar", DEMO_PASSWORD) == 200
        status, page = registrar.get(
            "/people/?q=%D0%9A%D0%B0%D0%BD%D0%B0%D1%80%D0%B5%D0%B9%D0%BA%D0%BE"
        )
        assert status == 200 and "Канарейко" in page  # the canary is real and found
        status, page = registrar.post("/people/new/", registration(
            "Канарейко", "Зорянослава", "31.02.1950", app.python(
                "from hromada.core.models import Site; print(Site.objects.get(code='municipal').pk)"
            ).strip(),
        ))  # fmt: skip
        assert status == 200 and "errorlist" in page
        assert registrar.get("/nowhere/?q=Kanareiko")[0] == 404
        stranger = Browserless(app.url)
        stranger.log_in("Канарейко", "Canary-7731")
        desk = token(app, "distributor")
        sessions = json.loads(
            app.python(
                "import json; from hromada.distribution.models import DistributionSession as S;"
                "print(json.dumps([str(s.pk) for s in S.objects.filter(site__code='municipal')]))"
            )
        )
        bodies = [
            {"session": sessions[0], "card": card},
            {"session": sessions[0], "card": card},
            {"session": sessions[0], "card": "Kanareiko"},
            {"card": "Канарейко"},
        ]
        for body in bodies:
            assert api(app, "POST", "/api/v1/distribution/checkins", body, desk) < 500
        registry = token(app, "registrar")
        assert api(app, "GET", "/api/v1/people/households?q=Kanareiko", token=registry) == 200
        assert api(app, "POST", "/api/v1/auth/token", {"username": "Зорянослава"}) == 422

    log = app.log.read_text(errors="replace")
    assert "Not Found: /nowhere/" in log, "the server logged nothing: the check is blind"
    for canary in CANARIES:
        assert canary not in log, f"{canary} is in the server's log"
