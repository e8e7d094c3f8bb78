"""Personal data stays where it belongs.

Canary names are registered and then used everywhere a volunteer would use them, including
the paths that fail: a mistyped date, a wrong password typed into the username field, a search,
a 404. Every log record written meanwhile, every audit row, and every page of the roles that
must not see people are then searched for the canaries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.distribution.actions import do_check_in
from hromada.people.models import Household
from tests.base import BaseTestCase

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
