from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hromada.core.models import ApiToken, AuditEvent, IdempotencyRecord, User
from hromada.distribution.models import Collection
from hromada.lib import cardcode
from hromada.people.actions import do_revoke_card
from hromada.stock.actions import balance_of, do_record_count
from tests.base import PASSWORD, ApiClient, BaseTestCase

CHECKINS = "/api/v1/distribution/checkins"


class TokenTestCase(BaseTestCase):
    def test_it_exchanges_a_password_for_a_token_that_works(self) -> None:
        anonymous = self.api(None)
        response = anonymous.post("/api/v1/auth/token", {"username": "dan", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        token = response.json()["token"]
        self.assertGreater(len(token), 30)
        anonymous.headers["Authorization"] = f"Bearer {token}"
        self.assertEqual(anonymous.get("/api/v1/distribution/sessions").status_code, 200)

    def test_it_answers_401_to_wrong_credentials_and_bad_tokens(self) -> None:
        anonymous = self.api(None)
        response = anonymous.post("/api/v1/auth/token", {"username": "dan", "password": "no"})
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "wrong_credentials")
        anonymous.headers["Authorization"] = "Bearer not-a-token"
        response = anonymous.get("/api/v1/distribution/sessions")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "unauthorized")

    def test_it_answers_401_to_the_token_of_a_deactivated_user(self) -> None:
        dan = self.api(self.dan)
        self.dan.is_active = False
        self.dan.save()
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 401)

    def test_it_ends_a_token_unused_for_a_day_or_issued_a_month_ago(self) -> None:
        dan = self.api(self.dan)
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 200)
        ApiToken.objects.update(last_used_at=timezone.now() - timedelta(hours=25))
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 401)
        self.assertFalse(ApiToken.objects.exists())
        dan = self.api(self.dan)
        ApiToken.objects.update(created_at=timezone.now() - timedelta(days=31))
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 401)

    def test_it_keeps_a_token_in_use_alive(self) -> None:
        dan = self.api(self.dan)
        ApiToken.objects.update(last_used_at=timezone.now() - timedelta(hours=23))
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 200)
        token = ApiToken.objects.get()
        self.assertLess(timezone.now() - token.last_used_at, timedelta(minutes=1))

    def test_it_ends_the_tokens_of_a_user_whose_password_changed(self) -> None:
        dan = self.api(self.dan)
        self.dan.set_password("a new password after a phone was lost")
        self.dan.save()
        self.assertEqual(dan.get("/api/v1/distribution/sessions").status_code, 401)

    def test_it_serves_the_schema_and_loads_nothing_from_the_internet(self) -> None:
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        for path in ("/api/v1/auth/token", "/api/v1/people/households",
                     "/api/v1/distribution/sessions", "/api/v1/distribution/checkins"):  # fmt: skip
            self.assertIn(path, schema["paths"])
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 404)


class HouseholdsApiTestCase(BaseTestCase):
    def test_it_finds_a_household_by_card_code_with_its_size_and_card(self) -> None:
        response = self.api(self.rita).get(
            "/api/v1/people/households", q=self.card_a.display_code()
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 1)
        item = body["items"][0]
        self.assertEqual(item["id"], str(self.household_a.pk))
        self.assertEqual(item["members"], 3)
        self.assertEqual(item["card"], self.card_a.code)

    def test_it_counts_every_member_when_a_name_matches_one(self) -> None:
        for query in ("Ігор", "Коваль Тарас", "Коваль"):
            body = self.api(self.rita).get("/api/v1/people/households", q=query).json()
            self.assertEqual(body["count"], 1, query)
            self.assertEqual(body["items"][0]["members"], 3, query)

    def test_it_lists_all_a_page_at_a_time(self) -> None:
        response = self.api(self.alice).get("/api/v1/people/households", limit=1, offset=0)
        self.assertEqual(response.json()["count"], 1)
        self.assertEqual(len(response.json()["items"]), 1)

    def test_it_forbids_the_desk_and_the_auditor_the_registry(self) -> None:
        for user in (self.dan, self.otto):
            response = self.api(user).get("/api/v1/people/households")
            self.assertEqual(response.status_code, 403, user)
            self.assertIn("message", response.json())


class SessionsApiTestCase(BaseTestCase):
    def test_it_lists_the_open_sessions_a_distributor_may_serve(self) -> None:
        response = self.api(self.dan).get("/api/v1/distribution/sessions", status="open")
        sessions = response.json()
        self.assertEqual([s["id"] for s in sessions], [str(self.session_a.pk)])
        self.assertEqual(sessions[0]["left"], 100)
        self.assertEqual(sessions[0]["site"], str(self.site_a.pk))
        self.assertEqual(sessions[0]["programme"], str(self.programme.pk))
        self.assertEqual(sessions[0]["commodity"], "Хліб")

    def test_it_refuses_a_status_that_does_not_exist(self) -> None:
        response = self.api(self.dan).get("/api/v1/distribution/sessions", status="maybe")
        self.assertEqual(response.status_code, 422)
        self.assertIn("status", response.json()["message"])


class CheckinApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.clients: dict[tuple[str, str], ApiClient] = {}

    def checkin(
        self, card: str, *, user: User | None = None, language: str = "en", key: str = ""
    ) -> Any:
        user = user or self.dan
        if (user.username, language) not in self.clients:
            self.clients[user.username, language] = self.api(user, language=language)
        client = self.clients[user.username, language]
        headers = {"Idempotency-Key": key} if key else {}
        return client.post(CHECKINS, {"session": str(self.session_a.pk), "card": card}, **headers)

    def test_it_serves_a_card_and_says_how_much_and_what_is_left(self) -> None:
        response = self.checkin(self.card_a.code)
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual((body["quantity"], body["members"], body["left"]), (6, 3, 94))

    def test_it_answers_409_already_collected_in_the_language_asked(self) -> None:
        self.checkin(self.card_a.code)
        response = self.checkin(self.card_a.code, language="uk")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "already_collected")
        self.assertIn("Вже отримано сьогодні", response.json()["message"])

    def test_it_answers_404_unknown_card(self) -> None:
        response = self.checkin(cardcode.generate())
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "unknown_card")

    def test_it_answers_409_for_a_revoked_card(self) -> None:
        do_revoke_card(actor=self.rita, card=self.card_a)
        response = self.checkin(self.card_a.code)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "card_revoked")

    def test_it_answers_422_for_a_malformed_card_code(self) -> None:
        response = self.checkin("not a card")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "malformed_card")

    def test_it_answers_409_out_of_stock_with_what_is_left(self) -> None:
        do_record_count(actor=self.alice, site=self.site_a, commodity=self.bread, counted=4,
                        reason="counted short")  # fmt: skip
        response = self.checkin(self.card_a.code)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "out_of_stock")
        self.assertEqual(response.json()["left"], 4)

    def test_it_answers_409_session_closed(self) -> None:
        from hromada.distribution.actions import do_close_session

        do_close_session(actor=self.alice, session=self.session_a)
        response = self.checkin(self.card_a.code)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "session_closed")

    def test_it_answers_422_naming_the_missing_field(self) -> None:
        client = self.api(self.dan)
        response = client.post(CHECKINS, {"session": str(self.session_a.pk)})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertIn("card", response.json()["message"])
        self.assertEqual(client.post(CHECKINS, "{not json").status_code, 422)
        response = client.post(CHECKINS, {"session": "nonsense", "card": "x"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("session", response.json()["message"])

    def test_it_answers_403_to_a_distributor_of_another_site(self) -> None:
        response = self.checkin(self.card_a.code, user=self.bea)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "forbidden")
        self.assertEqual(Collection.objects.count(), 0)

    def test_it_answers_403_to_the_auditor_and_the_registrar(self) -> None:
        for user in (self.otto, self.rita):
            self.assertEqual(self.checkin(self.card_a.code, user=user).status_code, 403)

    def test_it_returns_the_first_answer_to_a_retry_with_the_same_key(self) -> None:
        first = self.checkin(self.card_a.code, key="scan-1")
        audits = AuditEvent.objects.count()
        again = self.checkin(self.card_a.code, key="scan-1")
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(Collection.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.count(), audits)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 94)
        other_key = self.checkin(self.card_a.code, key="scan-2")
        self.assertEqual(other_key.status_code, 409)

    def test_it_keeps_a_key_to_the_operation_it_was_sent_to(self) -> None:
        first = self.checkin(self.card_a.code, key="k")
        self.assertEqual(first.status_code, 201)
        record = IdempotencyRecord.objects.get()
        self.assertEqual(record.key, "POST /api/v1/distribution/checkins k")

    def test_it_replays_a_refusal_too(self) -> None:
        unknown = cardcode.generate()
        first = self.checkin(unknown, key="k")
        again = self.checkin(unknown, key="k")
        self.assertEqual((again.status_code, again.json()), (first.status_code, first.json()))
