from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from hromada.core.models import LoginFailure
from tests.base import PASSWORD, BaseTestCase


class LoginTestCase(BaseTestCase):
    def post_login(self, username: str, password: str) -> Any:
        return self.client.post(reverse("core:login"), {"username": username, "password": password})

    def test_it_stores_passwords_with_argon2(self) -> None:
        self.assertEqual(identify_hasher(self.dan.password).algorithm, "argon2")

    def test_it_logs_in_and_changes_the_session_identifier(self) -> None:
        self.client.get(reverse("core:login"))
        self.client.session.save()
        before = self.client.session.session_key
        response = self.post_login("dan", PASSWORD)
        self.assertRedirects(response, reverse("core:home"))
        self.assertNotEqual(self.client.session.session_key, before)

    def test_it_refuses_a_wrong_password_in_ukrainian_by_default(self) -> None:
        response = self.post_login("dan", "wrong")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Неправильне ім’я користувача або пароль")

    def test_it_speaks_ukrainian_whatever_the_browser_prefers(self) -> None:
        response = self.client.post(
            reverse("core:login"),
            {"username": "dan", "password": "wrong"},
            headers={"Accept-Language": "en-US,en;q=0.9"},
        )
        self.assertContains(response, "Неправильне ім’я користувача або пароль")

    def test_it_speaks_english_when_asked(self) -> None:
        self.client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
        response = self.post_login("dan", "wrong")
        self.assertContains(response, "Wrong username or password.")

    @override_settings(HROMADA_LOGIN_MAX_FAILURES=3)
    def test_it_throttles_repeated_failures_even_with_the_right_password(self) -> None:
        for _ in range(3):
            self.post_login("dan", "wrong")
        response = self.post_login("dan", PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(LoginFailure.objects.count(), 3)

    @override_settings(HROMADA_LOGIN_MAX_FAILURES=3)
    def test_it_does_not_let_failures_from_one_address_lock_the_user_out_elsewhere(self) -> None:
        for _ in range(5):
            self.client.post(
                reverse("core:login"), {"username": "dan", "password": "x"}, REMOTE_ADDR="10.9.9.9"
            )
        self.assertEqual(self.post_login("dan", PASSWORD).status_code, 302)

    @override_settings(HROMADA_LOGIN_MAX_FAILURES=2)
    def test_it_stops_a_username_guessed_from_many_addresses(self) -> None:
        for n in range(20):
            self.client.post(
                reverse("core:login"),
                {"username": "dan", "password": "x"},
                REMOTE_ADDR=f"10.0.0.{n}",
            )
        self.assertEqual(self.post_login("dan", PASSWORD).status_code, 200)

    def test_it_does_not_keep_the_username_of_a_failed_login(self) -> None:
        self.post_login("dan", "wrong")
        failure = LoginFailure.objects.get()
        self.assertNotIn("dan", failure.username_hash)
        self.assertEqual(len(failure.username_hash), 64)

    def test_it_refuses_an_inactive_user(self) -> None:
        self.dan.is_active = False
        self.dan.save()
        self.post_login("dan", PASSWORD)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_ends_the_session_on_logout(self) -> None:
        self.post_login("dan", PASSWORD)
        self.client.post(reverse("core:logout"))
        response = self.client.get(reverse("core:home"))
        self.assertRedirects(response, reverse("core:login") + "?next=/")


class RolesTestCase(BaseTestCase):
    def test_it_sends_anonymous_visitors_to_the_login_page(self) -> None:
        for name in ("people:households", "distribution:sessions", "stock:overview"):
            response = self.client.get(reverse(name))
            self.assertEqual(response.status_code, 302, name)
            self.assertTrue(response["Location"].startswith(reverse("core:login")))

    def test_it_keeps_the_distributor_out_of_the_registry_and_the_stock(self) -> None:
        self.login(self.dan)
        for name in ("people:households", "people:household_create", "stock:overview",
                     "stock:delivery_create", "distribution:report", "core:audit"):  # fmt: skip
            self.assertEqual(self.client.get(reverse(name)).status_code, 403, name)

    def test_it_keeps_the_registrar_away_from_the_desk_and_the_stock(self) -> None:
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("distribution:sessions")).status_code, 403)
        self.assertEqual(self.client.get(reverse("stock:overview")).status_code, 403)
        desk = reverse("distribution:desk", args=[self.session_a.pk])
        self.assertEqual(self.client.get(desk).status_code, 403)

    def test_it_lets_the_auditor_read_reports_but_write_nothing(self) -> None:
        self.login(self.otto)
        self.assertEqual(self.client.get(reverse("distribution:report")).status_code, 200)
        self.assertEqual(self.client.get(reverse("stock:overview")).status_code, 200)
        self.assertEqual(self.client.get(reverse("people:households")).status_code, 403)
        self.assertEqual(self.client.get(reverse("stock:delivery_create")).status_code, 403)
        checkin = reverse("distribution:checkin", args=[self.session_a.pk])
        response = self.client.post(checkin, {"card": self.card_a.code})
        self.assertEqual(response.status_code, 403)

    def test_it_shows_the_coordinator_everything(self) -> None:
        self.login(self.alice)
        for name in ("people:households", "stock:overview", "distribution:report",
                     "distribution:programmes", "core:audit"):  # fmt: skip
            self.assertEqual(self.client.get(reverse(name)).status_code, 200, name)


class HeadersTestCase(BaseTestCase):
    def test_it_sends_a_strict_content_security_policy_and_no_store(self) -> None:
        self.login(self.dan)
        response = self.client.get(reverse("core:home"))
        csp = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["Referrer-Policy"], "same-origin")

    def test_it_loads_nothing_from_another_host(self) -> None:
        self.login(self.alice)
        for name in ("core:home", "people:households", "distribution:report"):
            body = self.client.get(reverse(name)).content.decode()
            self.assertNotIn("http://", body.replace("http://testserver", ""), name)
            self.assertNotIn("https://", body, name)
            self.assertNotIn("//cdn", body, name)
