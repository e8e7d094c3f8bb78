from __future__ import annotations

import os
import subprocess
import sys
import time
from unittest import mock

from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from hromada.core.actions import do_deactivate_user
from hromada.core.models import ApiToken
from tests.base import PASSWORD, BaseTestCase


class SessionLimitsTestCase(BaseTestCase):
    def log_in(self) -> None:
        response = self.client.post(
            reverse("core:login"), {"username": "dan", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)

    def home_after(self, seconds: float) -> int:
        with mock.patch("time.time", return_value=time.time() + seconds):
            return int(self.client.get(reverse("core:home")).status_code)

    @override_settings(HROMADA_SESSION_IDLE_SECONDS=600, HROMADA_SESSION_MAX_SECONDS=3600)
    def test_it_ends_a_session_left_idle(self) -> None:
        self.log_in()
        self.assertEqual(self.home_after(0), 200)
        self.assertEqual(self.home_after(590), 200)
        self.assertEqual(self.home_after(590 + 599), 200)  # each request restarts the idle clock
        self.assertEqual(self.home_after(590 + 599 + 700), 302)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)

    @override_settings(HROMADA_SESSION_IDLE_SECONDS=600, HROMADA_SESSION_MAX_SECONDS=1500)
    def test_it_ends_a_busy_session_at_the_absolute_limit(self) -> None:
        self.log_in()
        for minutes in range(0, 25, 5):
            self.assertEqual(self.home_after(minutes * 60), 200, minutes)
        self.assertEqual(self.home_after(26 * 60), 302)

    @override_settings(HROMADA_SESSION_IDLE_SECONDS=600, HROMADA_SESSION_MAX_SECONDS=3600)
    def test_it_sends_an_idle_desk_to_log_in_and_back_to_the_desk(self) -> None:
        self.log_in()
        desk = reverse("distribution:desk", args=[self.session_a.pk])
        checkin = reverse("distribution:checkin", args=[self.session_a.pk])
        self.client.get(desk)
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{desk}"}
        with mock.patch("time.time", return_value=time.time() + 700):
            response = self.client.post(checkin, {"card": self.card_a.code}, headers=headers)
        # htmx goes to the login page, which comes back to the desk, not to the POST's URL
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Redirect"], f"{reverse('core:login')}?next={desk}")
        self.assertEqual(response.content, b"")

    @override_settings(HROMADA_SESSION_IDLE_SECONDS=600, HROMADA_SESSION_MAX_SECONDS=3600)
    def test_it_does_not_count_the_desks_own_polling_as_a_volunteer_at_it(self) -> None:
        self.log_in()
        poll = reverse("distribution:stock_left", args=[self.session_a.pk])
        self.assertEqual(self.home_after(0), 200)
        for minutes in (3, 6, 9):
            with mock.patch("time.time", return_value=time.time() + minutes * 60):
                response = self.client.get(poll, headers={"X-Hromada-Poll": "1"})
            self.assertEqual(response.status_code, 200)
        self.assertEqual(self.home_after(11 * 60), 302)

    def test_it_deletes_the_session_on_the_server_at_logout(self) -> None:
        self.log_in()
        self.client.get(reverse("core:home"))
        key = self.client.session.session_key
        self.assertTrue(Session.objects.filter(session_key=key).exists())
        self.client.post(reverse("core:logout"))
        self.assertFalse(Session.objects.filter(session_key=key).exists())
        # the old cookie, replayed, opens nothing
        self.client.cookies["sessionid"] = key or ""
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)

    def test_it_ends_sessions_and_tokens_when_a_user_is_deactivated(self) -> None:
        self.log_in()
        api = self.api(self.dan)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)
        do_deactivate_user(actor=self.alice, user=self.dan)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)
        self.assertEqual(api.get("/api/v1/distribution/sessions").status_code, 401)
        self.assertFalse(ApiToken.objects.filter(user=self.dan).exists())

    def test_it_does_not_let_the_session_cookie_be_read_by_scripts(self) -> None:
        self.log_in()
        cookie = self.client.cookies["sessionid"]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")


class DeployCheckTestCase(BaseTestCase):
    def test_it_passes_django_deploy_checks_with_production_settings(self) -> None:
        env = {
            **os.environ,
            "DEBUG": "0",
            "HROMADA_HTTPS": "1",
            "SECRET_KEY": "a-production-key-" + "x" * 50,
            "ALLOWED_HOSTS": "hq.example.org",
        }
        done = subprocess.run(
            [sys.executable, "-m", "hromada", "check", "--deploy", "--fail-level", "WARNING"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("no issues", done.stdout)
