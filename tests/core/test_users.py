from __future__ import annotations

from typing import Any

from django.urls import reverse

from hromada.core.models import AuditEvent, Role, User
from tests.base import PASSWORD, BaseTestCase


class LoginsTestCase(BaseTestCase):
    def create(self, **overrides: Any) -> Any:
        data: dict[str, Any] = {
            "username": "olena.v",
            "role": Role.DISTRIBUTOR,
            "sites": [str(self.site_a.pk)],
            "password": "bread queue 2026",
        }
        data.update(overrides)
        self.login(self.alice)
        return self.client.post(reverse("core:users"), data)

    def test_it_gives_a_volunteer_a_login_at_a_site(self) -> None:
        response = self.create()
        self.assertRedirects(response, reverse("core:users"))
        olena = User.objects.get(username="olena.v")
        self.assertEqual(olena.role, Role.DISTRIBUTOR)
        self.assertEqual(list(olena.sites.all()), [self.site_a])
        self.assertTrue(olena.check_password("bread queue 2026"))
        event = AuditEvent.objects.get(action="core.create_user", object_id=str(olena.pk))
        self.assertEqual(event.actor, self.alice)
        self.assertNotIn("bread queue", str(event.fields))
        self.client.logout()
        response = self.client.post(
            reverse("core:login"), {"username": "olena.v", "password": "bread queue 2026"}
        )
        self.assertEqual(response.status_code, 302)
        desk = self.client.get(reverse("distribution:desk", args=[self.session_a.pk]))
        self.assertEqual(desk.status_code, 200)

    def test_it_names_what_is_wrong(self) -> None:
        for overrides, field in (
            ({"sites": []}, "sites"),
            ({"username": "dan"}, "username"),
            ({"username": "Дан Ковальчук"}, "username"),
            ({"password": "short"}, "password"),
            ({"role": "admin"}, "role"),
        ):
            response = self.create(**overrides)
            self.assertEqual(response.status_code, 200, overrides)
            self.assertIn(field, response.context["form"].errors, overrides)
        self.assertFalse(User.objects.filter(username="olena.v").exists())

    def test_it_deactivates_a_login_which_then_opens_nothing(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("core:user_deactivate", args=[self.dan.pk]))
        self.dan.refresh_from_db()
        self.assertFalse(self.dan.is_active)
        self.client.logout()
        response = self.client.post(
            reverse("core:login"), {"username": "dan", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 200)

    def test_it_does_not_let_a_coordinator_lock_themselves_out(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("core:user_deactivate", args=[self.alice.pk]))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_it_lists_logins_without_their_passwords(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("core:users"))
        self.assertContains(page, "bea")
        self.assertNotContains(page, "argon2")
