"""The evacuation's JSON API: requests, the waitlist, trips, boarding and arrival, as each
role that uses it, from the request to every passenger accounted for."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from hromada.core.models import AuditEvent, IdempotencyRecord, Role, User
from hromada.evacuation.actions import (
    PetData,
    do_board,
    do_create_reception_centre,
    do_depart,
    do_save_plan,
)
from hromada.evacuation.models import (
    EvacuationRequest,
    Passenger,
    PassengerStatus,
    RequestStatus,
    Trip,
    TripStatus,
)
from hromada.people.models import Household, PersonStatus
from tests.base import ApiClient, make_user
from tests.evacuation.base import EvacuationTestCase

API = "/api/v1/evacuation"
CYRILLIC = re.compile("[а-яіїєґ]", re.IGNORECASE)


class EvacuationApiTestCase(EvacuationTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.clients: dict[tuple[str, str], ApiClient] = {}

    def client_of(self, user: User, language: str = "en") -> ApiClient:
        if (user.username, language) not in self.clients:
            self.clients[user.username, language] = self.api(user, language=language)
        return self.clients[user.username, language]

    def get(self, user: User, path: str, **params: Any) -> Any:
        return self.client_of(user).get(API + path, **params)

    def post(
        self, user: User, path: str, body: Any = None, language: str = "en", **headers: str
    ) -> Any:
        return self.client_of(user, language).post(API + path, body or {}, **headers)

    def patch(self, user: User, path: str, body: Any) -> Any:
        client = self.client_of(user)
        return client.client.patch(
            API + path, body, content_type="application/json", headers=client.headers
        )

    def members_of(self, household: Household, *needs: list[str]) -> list[dict[str, Any]]:
        people = list(household.members.order_by("created_at"))
        return [
            {"person": str(p.pk), "needs": needs[i] if i < len(needs) else []}
            for i, p in enumerate(people)
        ]

    def request_body(self, household: Household, **more: Any) -> dict[str, Any]:
        return {
            "household": str(household.pk),
            "members": self.members_of(household),
            "phone": "067 123 45 67",
            "civilian_declared": True,
            **more,
        }

    def planned(self, household: Household) -> list[Passenger]:
        return list(
            Passenger.objects.filter(trip=self.trip, person__household=household)
            .select_related("person")
            .order_by("person__birth_date")
        )


class RequestApiTestCase(EvacuationApiTestCase):
    def test_it_creates_a_request_and_reads_it_with_priority_and_history(self) -> None:
        household, _ = self.household("Стара", date(1940, 1, 1), date(1980, 1, 1))
        body = self.request_body(
            household,
            members=self.members_of(household, ["wheelchair", "medicines"]),
            pets=[{"species": "cat", "count": 2}],
            luggage=3,
            destination="Дніпро",
        )
        response = self.post(self.rita, "/requests", body)
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual(created["phone"], "+380671234567")
        self.assertEqual(created["members"][0]["needs"], ["medicines", "wheelchair"])
        self.assertEqual(created["members"][0]["birth_year"], 1940)
        self.assertEqual(
            created["pets"][0], {"species": "cat", "count": 2, "in_carrier": True, "large": False}
        )
        codes = [r["code"] for r in created["reasons"]]
        self.assertIn("age_75", codes)
        self.assertIn("wheelchair", codes)
        self.assertEqual(created["score"], sum(r["points"] for r in created["reasons"]))
        self.assertIn("aged 75 or more: +20", [r["text"] for r in created["reasons"]])
        read = self.get(self.eva, f"/requests/{created['id']}").json()
        self.assertEqual(read["history"][0]["actor"], "rita")
        self.assertEqual(read["history"][0]["action"], "evacuation.create_request")
        self.assertNotIn("380", str(read["history"]))
        request = EvacuationRequest.objects.get(pk=created["id"])
        self.assertEqual(request.members.count(), 2)
        self.assertEqual(request.luggage, 3)

    def test_it_names_a_bad_phone_in_the_users_language(self) -> None:
        household, _ = self.household("Телефон", date(1960, 1, 1))
        body = self.request_body(household, phone="067 12")
        response = self.post(self.rita, "/requests", body, language="uk")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["phone"])
        self.assertRegex(response.json()["message"], CYRILLIC)
        self.assertIn("phone", response.json()["errors"])
        english = self.post(self.rita, "/requests", body).json()
        self.assertIn("phone number is too short", english["message"])
        self.assertFalse(EvacuationRequest.objects.exists())

    def test_it_refuses_a_person_of_another_household_and_a_person_twice(self) -> None:
        household, _ = self.household("Своя", date(1960, 1, 1))
        stranger = self.household_a.members.first()
        assert stranger is not None
        body = self.request_body(household)
        body["members"].append({"person": str(stranger.pk)})
        response = self.post(self.rita, "/requests", body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["members.1.person"])
        self.assertEqual(
            self.post(self.rita, "/requests", self.request_body(household)).status_code, 201
        )
        again = self.post(self.rita, "/requests", self.request_body(household))
        self.assertEqual(again.status_code, 422)
        self.assertEqual(again.json()["fields"], ["members"])

    def test_it_creates_one_request_for_one_idempotency_key(self) -> None:
        household, _ = self.household("Двічі", date(1960, 1, 1))
        body = self.request_body(household)
        first = self.post(self.rita, "/requests", body, **{"Idempotency-Key": "req-1"})
        again = self.post(self.rita, "/requests", body, **{"Idempotency-Key": "req-1"})
        self.assertEqual((first.status_code, again.status_code), (201, 201))
        self.assertEqual(first.json()["id"], again.json()["id"])
        self.assertEqual(EvacuationRequest.objects.count(), 1)
        self.assertEqual(IdempotencyRecord.objects.count(), 1)

    def test_it_changes_only_what_is_sent_and_keeps_the_history(self) -> None:
        household, _ = self.household("Зміна", date(1960, 1, 1), date(1990, 1, 1))
        request = self.request_for(household, pets=(PetData("dog", large=True),))
        response = self.patch(self.eva, f"/requests/{request.pk}", {"luggage": 2})
        self.assertEqual(response.status_code, 200, response.content)
        changed = response.json()
        self.assertEqual(changed["luggage"], 2)
        self.assertEqual(len(changed["members"]), 2)
        self.assertEqual(changed["pets"][0]["species"], "dog")
        self.assertEqual(changed["history"][-1]["fields"], ["luggage"])
        self.assertEqual(changed["history"][-1]["actor"], "eva")
        one = self.members_of(household, ["oxygen"])[:1]
        response = self.patch(self.eva, f"/requests/{request.pk}", {"members": one})
        self.assertEqual([m["needs"] for m in response.json()["members"]], [["oxygen"]])
        self.assertEqual(response.json()["history"][-1]["fields"], ["members", "needs"])

    def test_it_withdraws_a_request_and_refuses_a_change_after(self) -> None:
        household, _ = self.household("Відмова", date(1960, 1, 1))
        request = self.request_for(household)
        response = self.post(self.rita, f"/requests/{request.pk}/withdraw")
        self.assertEqual(response.json()["status"], "withdrawn")
        again = self.patch(self.rita, f"/requests/{request.pk}", {"luggage": 1})
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json()["code"], "refused")

    def test_only_a_coordinator_adjusts_a_priority_and_says_why(self) -> None:
        household, _ = self.household("Пріоритет", date(1990, 1, 1))
        request = self.request_for(household)
        path = f"/requests/{request.pk}/priority"
        self.assertEqual(self.post(self.eva, path, {"adjustment": 10}).status_code, 403)
        no_reason = self.post(self.alice, path, {"adjustment": 10})
        self.assertEqual(no_reason.status_code, 422)
        self.assertEqual(no_reason.json()["fields"], ["reason"])
        response = self.post(self.alice, path, {"adjustment": 10, "reason": "лікар"})
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            {
                "code": "adjustment",
                "points": 10,
                "people": 0,
                "text": "coordinator's adjustment: +10",
            },
            response.json()["reasons"],
        )
        self.assertEqual(self.post(self.alice, path, {"adjustment": 101}).status_code, 422)

    def test_the_waitlist_ranks_by_priority_and_says_why(self) -> None:
        young, _ = self.household("Молоді", date(1990, 1, 1))
        old, _ = self.household("Старі", date(1940, 1, 1), date(1942, 1, 1))
        self.request_for(young)
        old_request = self.request_for(old)
        entries = self.get(self.eva, "/waitlist").json()
        self.assertEqual(entries[0]["request"], str(old_request.pk))
        self.assertEqual(entries[0]["rank"], 1)
        self.assertEqual(entries[0]["reasons"][0]["code"], "age_75")
        self.assertEqual(entries[0]["reasons"][0]["people"], 2)
        self.assertEqual(len(self.get(self.eva, "/waitlist", limit=1).json()), 1)
        self.assertEqual(self.get(self.eva, "/waitlist", site=str(self.site_b.pk)).json(), [])

    def test_site_b_and_other_roles_see_no_request_of_site_a(self) -> None:
        household, _ = self.household("Чужа", date(1960, 1, 1))
        request = self.request_for(household)
        rob = make_user("rob", Role.REGISTRAR, self.site_b)
        self.assertEqual(self.get(rob, "/requests").json(), [])
        self.assertEqual(self.get(rob, f"/requests/{request.pk}").status_code, 404)
        self.assertEqual(
            self.patch(rob, f"/requests/{request.pk}", {"luggage": 1}).status_code, 404
        )
        body = self.request_body(household)
        self.assertEqual(self.post(rob, "/requests", body).status_code, 404)
        for user in (self.dan, self.remy, self.otto):
            self.assertEqual(self.get(user, "/requests").status_code, 403, user)
            self.assertEqual(self.get(user, "/waitlist").status_code, 403, user)
        self.assertEqual(
            [r["id"] for r in self.get(self.rita, "/requests", status="waiting").json()],
            [str(request.pk)],
        )
        self.assertEqual(self.get(self.rita, "/requests", status="withdrawn").json(), [])


class TripApiTestCase(EvacuationApiTestCase):
    def test_it_creates_a_vehicle_and_a_trip_and_lists_them(self) -> None:
        vehicle = self.post(
            self.eva,
            "/vehicles",
            {"kind": "minibus", "name": "AI 0001 KA", "seats": 12, "pet_places": 2},
        )
        self.assertEqual(vehicle.status_code, 201, vehicle.content)
        self.assertEqual(self.post(self.rita, "/vehicles", vehicle.json()).status_code, 403)
        empty = self.post(self.eva, "/vehicles", {"kind": "bus", "name": "x", "seats": 0})
        self.assertEqual((empty.status_code, empty.json()["fields"]), (422, ["seats"]))
        self.assertIn("AI 0001 KA", [v["name"] for v in self.get(self.eva, "/vehicles").json()])
        centres = self.get(self.eva, "/centres").json()
        self.assertEqual([c["city"] for c in centres], ["Дніпро"])
        body = {
            "vehicle": vehicle.json()["id"],
            "departure_point": "Парковка ради",
            "departs_at": (timezone.now() + timedelta(hours=5)).isoformat(),
            "destination": centres[0]["id"],
            "driver": "Водій Іван",
        }
        response = self.post(self.eva, "/trips", body)  # eva has one site: it is the trip's
        self.assertEqual(response.status_code, 201, response.content)
        trip = response.json()
        self.assertEqual(trip["site"], str(self.site_a.pk))
        self.assertEqual(trip["capacity"]["seats"], 12)
        self.assertEqual(trip["passengers"], [])
        listed = self.get(self.eva, "/trips").json()
        self.assertEqual({t["id"] for t in listed}, {trip["id"], str(self.trip.pk)})
        self.assertEqual(self.get(self.otto, "/trips").status_code, 200)  # counts, no names
        self.assertEqual(self.get(self.otto, f"/trips/{trip['id']}").status_code, 403)
        wrong = self.post(self.eva, "/trips", {**body, "vehicle": centres[0]["id"]})
        self.assertEqual((wrong.status_code, wrong.json()["fields"]), (422, ["vehicle"]))
        far = self.post(self.eva, "/trips", {**body, "departs_at": "2301-01-01T10:00:00Z"})
        self.assertEqual((far.status_code, far.json()["fields"]), (422, ["departs_at"]))
        elsewhere = self.post(self.eva, "/trips", {**body, "site": str(self.site_b.pk)})
        self.assertEqual((elsewhere.status_code, elsewhere.json()["fields"]), (422, ["site"]))

    def test_it_proposes_and_saves_a_plan_that_respects_the_places(self) -> None:
        family, _ = self.household("Сім'я", date(1950, 1, 1), date(1980, 1, 1), date(2010, 1, 1))
        single, _ = self.household("Одна", date(1945, 1, 1))
        pair, _ = self.household("Пара", date(1985, 1, 1), date(1986, 1, 1))
        family_request = self.request_for(family)
        self.request_for(single)
        pair_request = self.request_for(pair)
        path = f"/trips/{self.trip.pk}"
        proposal = self.get(self.eva, path + "/proposal").json()
        self.assertEqual(proposal["passengers"], 4)
        self.assertEqual(proposal["left"]["seats"], 0)
        left = {entry["request"]: entry for entry in proposal["left_out"]}
        self.assertEqual(left[str(pair_request.pk)]["code"], "household_does_not_fit")
        self.assertEqual(left[str(pair_request.pk)]["shortages"][0]["kind"], "seats")
        self.assertIn("does not fit", left[str(pair_request.pk)]["text"])
        without = self.get(self.eva, path + "/proposal", remove=str(family_request.pk)).json()
        self.assertIn(str(pair_request.pk), [t["request"] for t in without["taken"]])
        self.assertFalse(Passenger.objects.exists())  # a proposal writes nothing
        saved = self.post(self.eva, path + "/plan", {"remove": [str(family_request.pk)]})
        self.assertEqual(saved.status_code, 200, saved.content)
        trip = self.get(self.eva, path).json()
        self.assertEqual(trip["summary"]["planned"], 3)
        self.assertEqual(sorted(p["seat"] for p in trip["passengers"]), ["1", "2", "3"])
        self.assertEqual(trip["passengers"][0]["status"], "planned")

    def test_it_refuses_to_add_a_household_that_does_not_fit(self) -> None:
        big, _ = self.household("Велика", *[date(1960 + i, 1, 1) for i in range(5)])
        request = self.request_for(big)
        response = self.post(
            self.eva, f"/trips/{self.trip.pk}/passengers", {"request": str(request.pk)}
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "full")
        self.assertFalse(Passenger.objects.exists())

    def test_a_no_show_frees_the_place_for_the_next_on_the_waitlist(self) -> None:
        first, _ = self.household("Перша", *[date(1940, 1, 1)] * 4)
        later, _ = self.household("Наступна", date(1990, 1, 1))
        self.request_for(first)
        next_request = self.request_for(later)
        path = f"/trips/{self.trip.pk}"
        self.post(self.eva, path + "/plan")
        self.assertEqual(self.get(self.eva, path + "/next").json(), [])
        gone = self.planned(first)[0]
        response = self.post(self.eva, f"/passengers/{gone.pk}/no-show")
        self.assertEqual(response.json()["status"], "no_show")
        self.assertIsNone(response.json()["seat"])
        proposed = self.get(self.eva, path + "/next").json()
        self.assertEqual([t["request"] for t in proposed], [str(next_request.pk)])
        added = self.post(self.eva, path + "/passengers", {"request": str(next_request.pk)})
        self.assertEqual(added.status_code, 201, added.content)
        self.assertEqual(len(added.json()["added"]), 1)
        self.assertEqual(Passenger.objects.get(pk=added.json()["added"][0]).seat, gone.seat)
        again = self.post(self.eva, f"/passengers/{gone.pk}/no-show")
        self.assertEqual(again.status_code, 409)

    def test_it_boards_by_card_asking_each_adult_for_the_declaration(self) -> None:
        household, card = self.household("Борд", date(1970, 1, 1), date(2015, 1, 1))
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        adult, child = sorted(self.planned(household), key=lambda p: p.person.birth_date)
        path = f"/trips/{self.trip.pk}/boardings"
        response = self.post(self.eva, path, {"card": card.code})
        self.assertEqual(response.status_code, 200, response.content)
        results = {r["passenger"]: r for r in response.json()["results"]}
        self.assertTrue(results[str(child.pk)]["done"])
        self.assertEqual(results[str(adult.pk)]["code"], "declaration_missing")
        self.assertEqual((response.json()["done"], response.json()["refused"]), (1, 1))
        alone = self.post(self.eva, path, {"passenger": str(adult.pk)})
        self.assertEqual(alone.status_code, 422)
        self.assertEqual(alone.json()["code"], "declaration_missing")
        self.assertEqual(alone.json()["fields"], ["civilian_confirmed"])
        confirmed = self.post(
            self.eva, path, {"card": card.code, "civilian_confirmed": [str(adult.person_id)]}
        )
        self.assertEqual(confirmed.json()["done"], 2)
        adult.refresh_from_db()
        self.assertEqual(adult.status, PassengerStatus.BOARDED)
        self.assertTrue(adult.civilian_confirmed)

    def test_it_refuses_a_scan_that_is_no_card_or_names_two_things(self) -> None:
        household, card = self.household("Скан", date(1970, 1, 1))
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        path = f"/trips/{self.trip.pk}/boardings"
        malformed = self.post(self.eva, path, {"card": "abc"})
        self.assertEqual((malformed.status_code, malformed.json()["code"]), (422, "malformed_card"))
        both = self.post(
            self.eva, path, {"card": card.code, "passenger": str(self.planned(household)[0].pk)}
        )
        self.assertEqual((both.status_code, both.json()["fields"]), (422, ["card", "passenger"]))
        stranger = self.post(self.eva, path, {"card": self.card_a.code})
        self.assertEqual((stranger.status_code, stranger.json()["code"]), (409, "not_on_manifest"))

    def test_a_boarding_sent_twice_with_one_key_boards_once(self) -> None:
        household, card = self.household("Ключ", date(1970, 1, 1))
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        path = f"/trips/{self.trip.pk}/boardings"
        body = {"card": card.code, "civilian_confirmed": True}
        first = self.post(self.eva, path, body, **{"Idempotency-Key": "board-1"})
        again = self.post(self.eva, path, body, **{"Idempotency-Key": "board-1"})
        self.assertEqual(first.json(), again.json())
        self.assertEqual(first.json()["done"], 1)
        self.assertEqual(AuditEvent.objects.filter(action="evacuation.board").count(), 1)
        self.assertEqual(IdempotencyRecord.objects.count(), 1)

    def test_nobody_boards_after_departure(self) -> None:
        household, card = self.household("Пізно", date(1970, 1, 1), date(1972, 1, 1))
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        first, second = self.planned(household)
        do_board(actor=self.eva, passenger=first, civilian_confirmed=True)
        departed = self.post(self.eva, f"/trips/{self.trip.pk}/depart")
        self.assertEqual(departed.status_code, 200, departed.content)
        self.assertEqual(departed.json()["status"], "departed")
        self.assertEqual(departed.json()["summary"]["no_show"], 1)
        response = self.post(
            self.eva,
            f"/trips/{self.trip.pk}/boardings",
            {"passenger": str(second.pk), "civilian_confirmed": True},
        )
        self.assertEqual((response.status_code, response.json()["code"]), (409, "closed"))
        self.assertEqual(response.json()["results"][0]["status"], "no_show")
        again = self.post(self.eva, f"/trips/{self.trip.pk}/plan")
        self.assertEqual((again.status_code, again.json()["code"]), (409, "closed"))

    def test_an_empty_bus_does_not_leave(self) -> None:
        response = self.post(self.eva, f"/trips/{self.trip.pk}/depart")
        self.assertEqual((response.status_code, response.json()["code"]), (409, "empty"))

    def test_roles_and_sites_that_may_not_see_a_trip(self) -> None:
        path = f"/trips/{self.trip.pk}"
        for user in (self.dan, self.rita):
            self.assertEqual(self.get(user, "/trips").status_code, 403, user)
            self.assertEqual(self.post(user, path + "/plan").status_code, 403, user)
            self.assertEqual(
                self.post(user, path + "/boardings", {"card": "x"}).status_code, 403, user
            )
        self.assertEqual(self.get(self.dan, "/unaccounted").status_code, 403)
        # an officer of site B does not see site A's trip
        bob = make_user("bob", Role.EVACUATION, self.site_b)
        self.assertEqual(self.get(bob, path).status_code, 404)
        self.assertEqual(self.post(bob, path + "/plan").status_code, 404)
        self.assertEqual(self.get(bob, "/trips").json(), [])
        # the reception centre sees the trip once it has left, and does not board
        self.assertEqual(self.get(self.remy, path).status_code, 404)
        self.assertEqual(self.post(self.remy, path + "/boardings", {"card": "x"}).status_code, 403)
        self.assertEqual(self.post(self.eva, path + "/arrivals", {"card": "x"}).status_code, 403)


class ArrivalApiTestCase(EvacuationApiTestCase):
    def departed(self, *born: date) -> tuple[Household, str, list[Passenger]]:
        household, card = self.household("Приїзд", *born)
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        passengers = self.planned(household)
        for passenger in passengers:
            do_board(actor=self.eva, passenger=passenger, civilian_confirmed=True)
        do_depart(actor=self.eva, trip=self.trip)
        return household, card.code, passengers

    def test_a_reception_centre_confirms_arrivals_of_its_trips_only(self) -> None:
        _, card, passengers = self.departed(date(1960, 1, 1), date(1962, 1, 1))
        other = do_create_reception_centre(
            actor=self.alice, code="lviv", name="Пункт у Львові", city="Львів"
        )
        rolf = make_user("rolf", Role.RECEPTION, other.site)
        path = f"/trips/{self.trip.pk}/arrivals"
        self.assertEqual(self.post(rolf, path, {"card": card}).status_code, 404)
        self.assertEqual(self.get(rolf, "/trips").json(), [])
        self.assertEqual(
            [t["id"] for t in self.get(self.remy, "/trips").json()], [str(self.trip.pk)]
        )
        response = self.post(self.remy, path, {"passenger": str(passengers[0].pk)})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["results"][0]["status"], "arrived")
        passengers[0].person.refresh_from_db()
        self.assertEqual(passengers[0].person.status, PersonStatus.EVACUATED)
        by_card = self.post(self.remy, path, {"card": card}).json()
        self.assertEqual(by_card["done"], 2)  # the first again: already in
        trip = self.get(self.remy, f"/trips/{self.trip.pk}").json()
        self.assertEqual(trip["summary"]["arrived"], 2)
        self.assertEqual(EvacuationRequest.objects.get().status, RequestStatus.EVACUATED)

    def test_closing_the_arrival_leaves_the_unseen_unaccounted_until_resolved(self) -> None:
        _, _, (first, second) = self.departed(date(1960, 1, 1), date(1962, 1, 1))
        self.post(self.remy, f"/trips/{self.trip.pk}/arrivals", {"passenger": str(first.pk)})
        closed = self.post(self.remy, f"/trips/{self.trip.pk}/close-arrival")
        self.assertEqual(closed.status_code, 200, closed.content)
        self.assertEqual(closed.json()["status"], "arrived")
        self.assertEqual(closed.json()["summary"]["unaccounted"], 1)
        again = self.post(self.remy, f"/trips/{self.trip.pk}/close-arrival")
        self.assertEqual((again.status_code, again.json()["code"]), (409, "closed"))
        missing = self.get(self.alice, "/unaccounted").json()
        self.assertEqual([p["id"] for p in missing], [str(second.pk)])
        self.assertEqual(missing[0]["destination_city"], "Дніпро")
        path = f"/passengers/{second.pk}/resolve"
        self.assertEqual(self.post(self.remy, path, {"resolution": "hospital"}).status_code, 403)
        no_place = self.post(self.alice, path, {"resolution": "hospital"})
        self.assertEqual((no_place.status_code, no_place.json()["fields"]), (422, ["place"]))
        bad = self.post(self.alice, path, {"resolution": "abducted by aliens"})
        self.assertEqual((bad.status_code, bad.json()["fields"]), (422, ["resolution"]))
        done = self.post(self.alice, path, {"resolution": "hospital", "place": "Павлоград"})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual(done.json()["status"], "resolved")
        self.assertEqual(self.get(self.alice, "/unaccounted").json(), [])

    def test_an_arrival_of_someone_who_did_not_travel_is_refused(self) -> None:
        household, card = self.household("Вдома", date(1960, 1, 1), date(1962, 1, 1))
        self.request_for(household)
        do_save_plan(actor=self.eva, trip=self.trip)
        first, second = self.planned(household)
        do_board(actor=self.eva, passenger=first, civilian_confirmed=True)
        do_depart(actor=self.eva, trip=self.trip)
        response = self.post(
            self.remy, f"/trips/{self.trip.pk}/arrivals", {"passenger": str(second.pk)}
        )
        self.assertEqual((response.status_code, response.json()["code"]), (409, "not_boarded"))


class FlowApiTestCase(EvacuationApiTestCase):
    def test_from_request_to_everyone_accounted_for_through_the_api_alone(self) -> None:
        household, card = self.household(
            "Шлях", date(1950, 1, 1), date(1978, 1, 1), date(2016, 1, 1)
        )
        vehicle = self.post(
            self.alice,
            "/vehicles",
            {"kind": "bus", "name": "AA 7777 AA", "seats": 10, "luggage": 5},
        )
        centre = self.get(self.alice, "/centres").json()[0]
        trip = self.post(
            self.eva,
            "/trips",
            {
                "vehicle": vehicle.json()["id"],
                "departure_point": "Парковка",
                "departs_at": (timezone.now() + timedelta(hours=2)).isoformat(),
                "destination": centre["id"],
                "driver": "Водій",
                "escort": "Супровід",
            },
        ).json()
        path = f"/trips/{trip['id']}"
        request = self.post(
            self.rita,
            "/requests",
            self.request_body(
                household,
                members=self.members_of(household, [], ["cannot_sit_long"]),
                pets=[{"species": "dog", "large": True}],
                luggage=2,
            ),
        )
        self.assertEqual(request.status_code, 201, request.content)
        waitlist = self.get(self.eva, "/waitlist").json()
        self.assertEqual(waitlist[0]["request"], request.json()["id"])
        plan = self.post(self.eva, path + "/plan").json()
        self.assertIn(request.json()["id"], [t["request"] for t in plan["taken"]])
        self.assertEqual(plan["used"]["seats"], 4)  # three people and the dog (no pet place)
        manifest = self.get(self.eva, path).json()["passengers"]
        adults = [p["person"] for p in manifest if p["needs_declaration"]]
        self.assertEqual(len(adults), 2)
        boarded = self.post(
            self.eva, path + "/boardings", {"card": card.code, "civilian_confirmed": adults}
        )
        self.assertEqual(boarded.json()["done"], 3, boarded.content)
        self.assertEqual(self.get(self.remy, path).status_code, 404)  # not on the road yet
        self.assertEqual(self.post(self.eva, path + "/depart").json()["status"], "departed")
        child = next(p for p in manifest if not p["needs_declaration"])
        grandmother = next(p for p in manifest if p["birth_year"] == 1950)
        for passenger in manifest:
            if passenger is not grandmother:
                arrived = self.post(self.remy, path + "/arrivals", {"passenger": passenger["id"]})
                self.assertEqual(arrived.json()["done"], 1, arrived.content)
        closed = self.post(self.remy, path + "/close-arrival").json()
        self.assertEqual(closed["summary"]["unaccounted"], 1)
        missing = self.get(self.alice, "/unaccounted").json()
        self.assertEqual([p["id"] for p in missing], [grandmother["id"]])
        resolved = self.post(
            self.alice,
            f"/passengers/{grandmother['id']}/resolve",
            {"resolution": "left_en_route", "place": "Новомосковськ"},
        )
        self.assertEqual(resolved.status_code, 200, resolved.content)
        summary = self.get(self.alice, path).json()["summary"]
        self.assertEqual(summary["boarded"], 3)
        self.assertEqual(
            summary["boarded"], summary["arrived"] + summary["unaccounted"] + summary["resolved"]
        )
        self.assertEqual((summary["arrived"], summary["resolved"]), (2, 1))
        closed_request = self.get(self.rita, f"/requests/{request.json()['id']}").json()
        self.assertEqual(closed_request["status"], "evacuated")
        self.assertEqual(
            self.get(self.alice, "/trips", status="arrived").json()[0]["id"], trip["id"]
        )
        self.assertEqual(Trip.objects.get(pk=trip["id"]).status, TripStatus.ARRIVED)
        self.assertNotEqual(child["id"], grandmother["id"])

    def test_the_schema_has_the_evacuation(self) -> None:
        schema = self.client.get("/api/v1/openapi.json").json()
        paths = schema["paths"]
        for path, method in (
            ("/requests", "post"),
            ("/requests/{id}", "patch"),
            ("/waitlist", "get"),
            ("/trips/{id}/plan", "post"),
            ("/trips/{id}/boardings", "post"),
            ("/trips/{id}/arrivals", "post"),
            ("/unaccounted", "get"),
            ("/passengers/{id}/resolve", "post"),
        ):
            self.assertIn(method, paths[f"{API}{path}"], path)
            self.assertEqual(paths[f"{API}{path}"][method]["tags"], ["evacuation"])
        boarding = schema["components"]["schemas"]["EvacuationBoardingIn"]
        self.assertIn("civilian_confirmed", boarding["properties"])
