"""Every URL is guarded.

The walk goes through the whole URL configuration: every view must declare the roles that may
use it (`core.permissions.role_required` or `public`); a view without a declaration fails the
test. Then each persona asks for each view, with objects of site A, and gets what its role and
sites allow: the page, 403 for a role that may not, 404 for an object of another site. A page a
persona may open never shows site A's records to somebody of site B.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from hromada.core.models import Role, User
from hromada.distribution.actions import do_check_in
from hromada.distribution.models import Collection
from hromada.evacuation.actions import (
    MemberNeeds,
    Places,
    RequestData,
    do_create_reception_centre,
    do_create_request,
    do_create_trip,
    do_save_plan,
    do_save_vehicle,
)
from hromada.evacuation.models import EvacuationRequest, Passenger, Trip, Vehicle
from hromada.people.actions import (
    do_authorise_proxy,
    do_create_household,
    do_issue_card,
    do_mark_different,
    do_upload_import,
)
from hromada.people.models import DuplicatePair, Proxy, RegistryImport
from hromada.stock.actions import do_send_transfer
from hromada.stock.models import Delivery, Transfer
from tests.base import BaseTestCase, make_user, member

PUBLIC = {"core:login", "core:logout", "set_language"}
# URL name -> which object of site A fills its `pk`
OBJECT_OF = {
    "people:household": "household",
    "people:proxy_add": "household",
    "people:proxy_revoke": "proxy",
    "distribution:programme_edit": "programme",
    "distribution:resume": "site",
    "distribution:session_settings": "session",
    "distribution:collections": "session",
    "distribution:collection_reverse": "collection",
    "distribution:record_proxy": "collection",
    "distribution:find": "session",
    "distribution:serve_without_card": "session",
    "people:card_issue": "household",
    "people:card_revoke": "card",
    "distribution:session_close": "session",
    "distribution:desk": "session",
    "distribution:checkin": "session",
    "distribution:desk_name": "session",
    "core:user_deactivate": "user",
    "distribution:stock_left": "session",
    "stock:delivery": "delivery",
    "stock:line": "delivery_line",
    "stock:transfer_receive": "transfer",
    "distribution:slots": "session",
    "distribution:tickets": "session",
    "distribution:due_now": "session",
    "distribution:paper_list": "session",
    "distribution:paper_entry": "session",
    "people:household_address": "household",
    "people:member_add": "household",
    "people:person": "person",
    "people:person_edit": "person",
    "people:duplicate": "pair",
    "people:duplicate_decide": "pair",
    "people:import_map": "import",
    "people:import_preview": "import",
    "people:import_run": "import",
    "people:import_discard": "import",
    "evacuation:request_create": "household",
    "evacuation:request": "evacuation_request",
    "evacuation:request_edit": "evacuation_request",
    "evacuation:request_withdraw": "evacuation_request",
    "evacuation:request_adjust": "evacuation_request",
    "evacuation:vehicle_edit": "vehicle",
    "evacuation:trip_cancel": "spare_trip",  # the walk cancels it; the others use an open trip
    **{f"evacuation:{name}": "trip" for name in (
        "trip", "trip_plan", "trip_plan_save", "trip_manifest", "trip_boarding",
        "trip_boarding_scan", "trip_add", "trip_depart", "trip_arrival", "trip_arrival_scan",
        "trip_arrival_close")},
    **{f"evacuation:{name}": "passenger" for name in (
        "passenger_board", "passenger_no_show", "passenger_remove", "passenger_arrived",
        "passenger_resolve")},
}  # fmt: skip
# Views that change data answer POST only; everything else is read with GET.
POST_ONLY = {
    "people:card_issue", "people:card_revoke", "distribution:session_close",
    "distribution:checkin", "distribution:desk_name", "core:user_deactivate",
    "people:household_address", "people:duplicate_scan", "people:duplicate_decide",
    "people:import_run", "people:import_discard", "people:proxy_add", "people:proxy_revoke",
    "distribution:resume", "distribution:collection_reverse", "distribution:record_proxy",
    "distribution:serve_without_card", "evacuation:trip_cancel", "evacuation:trip_plan_save",
    "evacuation:trip_boarding_scan", "evacuation:trip_add", "evacuation:trip_depart",
    "evacuation:trip_arrival_scan", "evacuation:trip_arrival_close",
    "evacuation:passenger_board", "evacuation:passenger_no_show", "evacuation:passenger_remove",
    "evacuation:passenger_arrived", "evacuation:passenger_resolve",
}  # fmt: skip


def walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("api/"):
                continue  # the JSON API is walked through its own schema, below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"every URL has a name: {entry.pattern}"
            yield f"{namespace}{entry.name}", entry


def page_views() -> dict[str, Any]:
    return {name: pattern.callback for name, pattern in walk(get_resolver().url_patterns)}


class GuardTestCase(BaseTestCase):
    rob: User
    pair: DuplicatePair
    registry_import: RegistryImport
    delivery_a: Delivery
    transfer_to_a: Transfer
    victor: User  # a login the walk may deactivate without locking out a persona
    collection_a: Collection
    proxy_a: Proxy
    eva: User  # the evacuation officer of site A
    remy: User  # the reception centre's: sees site A's trips only once they have left
    evacuation_request: EvacuationRequest
    vehicle: Vehicle
    trip: Trip
    spare_trip: Trip
    passenger: Passenger

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.rob = make_user("rob", Role.REGISTRAR, cls.site_b)
        cls.victor = make_user("victor", Role.DISTRIBUTOR, cls.site_a)
        other = do_create_household(
            actor=cls.rob, site=cls.site_b, address="", members=[member(family="Бондар")]
        )
        do_issue_card(actor=cls.rob, household=other)
        first, second = cls.household_a.members.all()[:2]
        cls.pair = do_mark_different(actor=cls.alice, person=first, other=second)
        cls.delivery_a = Delivery.objects.get(site=cls.site_a)
        # from site B to site A: the desk of site A may receive it, that of site B may not
        cls.transfer_to_a = do_send_transfer(
            actor=cls.alice,
            from_site=cls.site_b,
            to_site=cls.site_a,
            commodity=cls.bread,
            quantity=5,
        )
        outcome = do_check_in(actor=cls.dan, session=cls.session_a, card_code=cls.card_a.code)
        assert outcome.collection is not None
        cls.collection_a = outcome.collection
        cls.proxy_a = do_authorise_proxy(actor=cls.rita, household=cls.household_a, name="Сусідка")
        cls.eva = make_user("eva", Role.EVACUATION, cls.site_a)
        centre = do_create_reception_centre(
            actor=cls.alice, code="dnipro", name="Пункт прийому", city="Дніпро"
        )
        cls.remy = make_user("remy", Role.RECEPTION, centre.site)
        cls.vehicle = do_save_vehicle(
            actor=cls.alice, kind="bus", name="AX 1", places=Places(seats=3, luggage=2)
        )
        cls.trip, cls.spare_trip = (
            do_create_trip(
                actor=cls.alice,
                site=cls.site_a,
                vehicle=cls.vehicle,
                departure_point="Рада",
                departs_at=timezone.now(),
                destination=centre,
                driver="Водій",
            )  # fmt: skip
            for _ in range(2)
        )
        cls.evacuation_request = do_create_request(
            actor=cls.rita, household=cls.household_a,
            data=RequestData(members=[MemberNeeds(p) for p in cls.household_a.members.all()]),
        )  # fmt: skip
        do_save_plan(actor=cls.alice, trip=cls.trip)
        cls.passenger = cls.trip.passengers.first()  # type: ignore[assignment]
        cls.registry_import = do_upload_import(
            actor=cls.rita, site=cls.site_a, filename="list.csv",
            content="прізвище,ім'я,стать,рік народження\nБойко,Ганна,ж,1970\n".encode(),
        )  # fmt: skip

    def test_every_view_declares_who_may_use_it(self) -> None:
        undeclared = [
            name for name, view in page_views().items() if not getattr(view, "hromada_roles", None)
        ]
        self.assertEqual(undeclared, [])
        self.assertGreater(len(page_views()), 15)  # the walk found the views

    def test_every_view_with_an_object_is_in_the_table(self) -> None:
        with_objects = {
            name for name, pattern in walk(get_resolver().url_patterns)
            if pattern.pattern.converters
        }  # fmt: skip
        self.assertEqual(with_objects, set(OBJECT_OF))

    def url(self, name: str) -> str:
        kind = OBJECT_OF.get(name)
        if kind is None:
            return reverse(name)
        target = {"household": self.household_a, "card": self.card_a, "session": self.session_a,
                  "user": self.victor, "person": self.household_a.members.get(given_name="Оксана"),
                  "pair": self.pair, "import": self.registry_import,
                  "delivery": self.delivery_a, "delivery_line": self.delivery_a.lines.get(),
                  "transfer": self.transfer_to_a, "programme": self.programme,
                  "site": self.site_a, "collection": self.collection_a,
                  "proxy": self.proxy_a, "evacuation_request": self.evacuation_request,
                  "vehicle": self.vehicle, "trip": self.trip, "spare_trip": self.spare_trip,
                  "passenger": self.passenger}  # fmt: skip
        return reverse(name, kwargs={"pk": target[kind].pk})

    def expected(self, user: User, name: str, roles: tuple[str, ...]) -> set[int]:
        if "public" in roles:
            return {200, 302, 405}
        if user.role not in roles:
            return {403}
        sees_site_a = user.sees_all_sites() or self.site_a in user.sites.all()
        if name in OBJECT_OF and not sees_site_a and not user.has_role("coordinator"):
            return {404}
        return {200, 302}

    def test_each_persona_gets_what_its_role_and_sites_allow(self) -> None:
        personas = [
            self.alice, self.rita, self.rob, self.dan, self.bea, self.otto, self.eva, self.remy
        ]  # fmt: skip
        secrets_of_site_a = [str(self.household_a.pk), self.card_a.code, self.card_a.display_code()]
        for name, view in sorted(page_views().items()):
            if name in PUBLIC:
                continue
            roles = view.hromada_roles
            for user in personas:
                self.client.force_login(user)
                url = self.url(name)
                if name in POST_ONLY:
                    response = self.client.post(url, {"card": self.card_a.code})
                else:
                    response = self.client.get(url)
                wanted = self.expected(user, name, roles)
                self.assertIn(response.status_code, wanted, f"{user.username} {user.role} {name}")
                self.assert_locked_down(response, name)
                seen_by_site_b = not (user.sees_all_sites() or self.site_a in user.sites.all())
                if response.status_code == 200 and seen_by_site_b:
                    body = response.content.decode(errors="replace")  # XLSX exports are zip files
                    for secret in secrets_of_site_a:
                        self.assertNotIn(secret, body, f"{name} shows site A to {user.username}")
                self.client.logout()

    def assert_locked_down(self, response: Any, name: str) -> None:
        """Every answer, allowed or refused, carries the headers of docs/security.md."""
        self.assertIn("default-src 'self'", response["Content-Security-Policy"], name)
        self.assertIn("frame-ancestors 'none'", response["Content-Security-Policy"], name)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff", name)
        self.assertEqual(response["Referrer-Policy"], "same-origin", name)
        self.assertEqual(response["Cache-Control"], "no-store", name)

    def test_anonymous_visitors_are_sent_to_log_in_everywhere(self) -> None:
        for name, view in page_views().items():
            if "public" in view.hromada_roles:
                continue
            url = self.url(name)
            response = self.client.post(url) if name in POST_ONLY else self.client.get(url)
            self.assertEqual(response.status_code, 302, name)
            self.assert_locked_down(response, name)
            self.assertIn(reverse("core:login"), response["Location"], name)

    def test_refusals_are_pages_of_the_app_in_the_users_language(self) -> None:
        self.client.force_login(self.bea)
        refused = self.client.get(reverse("people:households"))
        self.assertContains(refused, "Недостатньо прав", status_code=403)
        missing = self.client.get(reverse("distribution:desk", args=[self.session_a.pk]))
        self.assertContains(missing, "Не знайдено", status_code=404)
        self.assertNotContains(missing, "Міська рада", status_code=404)

    def test_site_b_lists_and_searches_show_nothing_of_site_a(self) -> None:
        self.client.force_login(self.rob)
        for query in ("", "Коваль", self.card_a.code):
            body = self.client.get(reverse("people:households"), {"q": query}).content.decode()
            self.assertNotIn(str(self.household_a.pk), body, query)
        sheet = self.client.get(reverse("people:card_sheet")).content.decode()
        self.assertNotIn(self.card_a.display_code(), sheet)
        self.assertIn("Бондар", self.client.get(reverse("people:households")).content.decode())


class ApiGuardTestCase(BaseTestCase):
    """The API's operations, from its own schema: each one needs a token but the token
    endpoint, and each answers each persona as its role and sites allow."""

    def test_every_operation_but_the_token_needs_a_token(self) -> None:
        schema = self.client.get("/api/v1/openapi.json").json()
        operations = [(path, method) for path, item in schema["paths"].items() for method in item]
        self.assertGreaterEqual(len(operations), 4)
        for path, method in operations:
            if path == "/api/v1/auth/token":
                continue
            response = getattr(self.client, method)(path.replace("{", "").replace("}", ""))
            self.assertEqual(response.status_code, 401, f"{method} {path}")

    def test_site_b_sees_nothing_of_site_a_through_the_api(self) -> None:
        rob = make_user("rob", Role.REGISTRAR, self.site_b)
        found = self.api(rob).get("/api/v1/people/households", q=self.card_a.code).json()
        self.assertEqual(found["count"], 0)
        everything = self.api(rob).get("/api/v1/people/households").json()
        self.assertNotIn(str(self.household_a.pk), str(everything))
        sessions = self.api(self.bea).get("/api/v1/distribution/sessions").json()
        self.assertEqual([s["id"] for s in sessions], [str(self.session_b.pk)])
        response = self.api(self.bea).post(
            "/api/v1/distribution/checkins",
            {"session": str(self.session_a.pk), "card": self.card_a.code},
        )
        self.assertEqual(response.status_code, 403)
