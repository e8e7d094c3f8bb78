"""The pages of evacuation requests, the waitlist, vehicles and reception centres, through
HTTP as the registrar, the evacuation officer and the coordinator use them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hromada.core.models import AuditEvent, Role
from hromada.evacuation.actions import MemberNeeds, RequestData, do_create_request
from hromada.evacuation.models import (
    EvacuationRequest,
    ReceptionCentre,
    RequestStatus,
    Vehicle,
)
from hromada.people.models import Household, Person
from tests.base import make_user
from tests.evacuation.base import EvacuationTestCase


def people(household: Household) -> list[Person]:
    return list(household.members.order_by("-is_head", "created_at"))


def form_for(household: Household, **changes: Any) -> dict[str, Any]:
    """What the request form posts for all of a household with nothing ticked."""
    data: dict[str, Any] = {
        "members": [str(p.pk) for p in people(household)],
        "luggage": "1",
        "phone": "067 123 45 67",
        "destination": "Дніпро",
        "together": "on",
        "civilian_declared": "on",
        "notes": "",
    }
    data.update(changes)
    return data


class RequestPagesTestCase(EvacuationTestCase):
    def english(self) -> None:
        self.client.post(reverse("set_language"), {"language": "en"})

    def create(self, household: Household, **changes: Any) -> Any:
        return self.client.post(
            reverse("evacuation:request_create", args=[household.pk]),
            form_for(household, **changes),
        )

    def test_it_makes_a_request_with_needs_and_pets_and_ranks_it_with_reasons(self) -> None:
        household, _card = self.household("Старенькі", date(1940, 1, 1), date(1944, 2, 2))
        older, other = people(household)
        self.login(self.eva)
        response = self.create(
            household,
            **{
                f"needs_{older.pk}": ["wheelchair", "medicines"],
                "pet_species_0": "cat", "pet_count_0": "2", "pet_carrier_0": "on",
                "pet_species_1": "dog", "pet_count_1": "1", "pet_large_1": "on",
                "pet_species_2": "", "pet_count_2": "",
            },
        )  # fmt: skip
        made = EvacuationRequest.objects.get(household=household)
        self.assertRedirects(response, reverse("evacuation:request", args=[made.pk]))
        self.assertEqual(made.phone, "+380671234567")
        self.assertTrue(made.civilian_declared)
        needs = {m.person_id: m.needs for m in made.members.all()}
        self.assertEqual(needs, {older.pk: ["medicines", "wheelchair"], other.pk: []})
        pets = [(p.species, p.count, p.in_carrier, p.large) for p in made.pets.all()]
        self.assertEqual(sorted(pets), [("cat", 2, True, False), ("dog", 1, False, True)])
        self.english()
        waitlist = self.client.get(reverse("evacuation:waitlist"))
        self.assertContains(waitlist, str(older))
        self.assertContains(waitlist, "aged 75 or more ×2: +")
        self.assertContains(waitlist, "wheelchair user: +")
        self.assertContains(waitlist, "medicines to carry, wheelchair")  # the needs column
        self.assertContains(waitlist, "1 request waiting")
        page = self.client.get(reverse("evacuation:request", args=[made.pk]))
        self.assertContains(page, "aged 75 or more ×2: +")
        self.assertContains(page, "+380 67 123 4567")  # the officer sees the phone

    def test_it_shows_a_malformed_phone_on_its_field_in_ukrainian_and_writes_nothing(self) -> None:
        household, _card = self.household("Телефон", date(1980, 1, 1))
        self.login(self.rita)
        audits = AuditEvent.objects.count()
        response = self.create(household, phone="12ab")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Це не схоже на номер телефону")
        self.assertContains(response, 'class="field invalid"')
        self.assertFalse(EvacuationRequest.objects.filter(household=household).exists())
        self.assertEqual(AuditEvent.objects.count(), audits)

    def test_it_refuses_a_person_of_another_household(self) -> None:
        household, _card = self.household("Своя", date(1980, 1, 1))
        stranger = self.household_a.members.first()
        assert stranger is not None
        self.login(self.rita)
        response = self.create(household, members=[str(stranger.pk)])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        self.assertNotContains(response, str(stranger))
        self.assertEqual(EvacuationRequest.objects.count(), 0)

    def test_it_refuses_a_person_already_on_another_waiting_request(self) -> None:
        household, _card = self.household("Дві", date(1980, 1, 1), date(1982, 1, 1))
        first, _second = people(household)
        do_create_request(
            actor=self.rita, household=household,
            data=RequestData(members=[MemberNeeds(first)], together=False),
        )  # fmt: skip
        self.login(self.rita)
        self.english()
        response = self.create(household)
        self.assertContains(response, "is already on another waiting request")
        self.assertContains(response, "This household already has a waiting request.")
        self.assertEqual(EvacuationRequest.objects.filter(household=household).count(), 1)

    def test_it_changes_a_request_and_its_history_names_the_fields_never_the_values(self) -> None:
        household, _card = self.household("Зміна", date(1970, 1, 1), date(1972, 1, 1))
        self.login(self.rita)
        self.create(household)
        made = EvacuationRequest.objects.get(household=household)
        edit = reverse("evacuation:request_edit", args=[made.pk])
        self.assertContains(self.client.get(edit), 'value="+380671234567"')
        response = self.client.post(
            edit, form_for(household, luggage="3", phone="050 987 65 43", pet_species_0="cat")
        )
        self.assertRedirects(response, reverse("evacuation:request", args=[made.pk]))
        made.refresh_from_db()
        self.assertEqual((made.luggage, made.phone), (3, "+380509876543"))
        self.assertEqual(made.pets.get().species, "cat")
        self.english()
        page = self.client.get(reverse("evacuation:request", args=[made.pk])).content.decode()
        history = page[page.index("<h2>History</h2>") :]
        self.assertIn("request made", history)
        self.assertIn("request changed", history)
        changed = next(row for row in history.split("<tr>") if "request changed" in row)
        self.assertIn("luggage (pieces)", changed)
        self.assertIn("contact phone", changed)
        self.assertIn("animals", changed)
        self.assertNotIn("destination", changed)
        self.assertIn("rita", changed)
        for digits in ("987", "9876543", "1234567", "+380"):
            self.assertNotIn(digits, history)

    def test_it_withdraws_a_request_after_confirmation(self) -> None:
        household, _card = self.household("Відмова", date(1980, 1, 1))
        made = self.request_for(household)
        self.login(self.rita)
        url = reverse("evacuation:request_withdraw", args=[made.pk])
        self.assertContains(self.client.get(url), 'method="post"')
        made.refresh_from_db()
        self.assertEqual(made.status, RequestStatus.WAITING)  # a GET only asks
        response = self.client.post(url)
        self.assertRedirects(response, reverse("evacuation:request", args=[made.pk]))
        made.refresh_from_db()
        self.assertEqual(made.status, RequestStatus.WITHDRAWN)
        self.assertNotContains(self.client.get(reverse("evacuation:waitlist")), "Відмова")
        edit = self.client.get(reverse("evacuation:request_edit", args=[made.pk]))
        self.assertRedirects(edit, reverse("evacuation:request", args=[made.pk]))

    def test_a_coordinators_adjustment_moves_a_request_up_and_needs_a_reason(self) -> None:
        young, _c1 = self.household("Молоді", date(1990, 1, 1))
        old, _c2 = self.household("Старі", date(1940, 1, 1))
        young_request = self.request_for(young)
        self.request_for(old)
        waitlist = reverse("evacuation:waitlist")
        self.login(self.alice)
        body = self.client.get(waitlist).content.decode()
        self.assertLess(body.index("Старі"), body.index("Молоді"))
        url = reverse("evacuation:request_adjust", args=[young_request.pk])
        self.english()
        refused = self.client.post(url, {"adjustment": "100", "reason": " "})
        self.assertContains(refused, "Say why the priority is adjusted.")
        young_request.refresh_from_db()
        self.assertEqual(young_request.priority_adjustment, 0)
        done = self.client.post(url, {"adjustment": "100", "reason": "лікар", "next": waitlist})
        self.assertRedirects(done, waitlist)
        body = self.client.get(waitlist).content.decode()
        self.assertLess(body.index("Молоді"), body.index("Старі"))
        self.assertIn("coordinator&#x27;s adjustment: +100", body)
        self.assertIn("лікар", body)

    def test_a_coordinator_filters_the_waitlist_by_site(self) -> None:
        here, _c1 = self.household("Тутешні", date(1980, 1, 1))
        there, _c2 = self.household("Шкільні", date(1980, 1, 1), site=self.site_b)
        self.request_for(here)
        self.request_for(there)
        self.login(self.alice)
        url = reverse("evacuation:waitlist")
        everything = self.client.get(url)
        self.assertContains(everything, "Тутешні")
        self.assertContains(everything, "Шкільні")
        school = self.client.get(url, {"site": str(self.site_b.pk)})
        self.assertNotContains(school, "Тутешні")
        self.assertContains(school, "Шкільні")

    def test_a_registrar_cannot_adjust_the_priority(self) -> None:
        household, _card = self.household("Черга", date(1980, 1, 1))
        made = self.request_for(household)
        self.login(self.rita)
        url = reverse("evacuation:request_adjust", args=[made.pk])
        response = self.client.post(url, {"adjustment": "50", "reason": "знайомі"})
        self.assertEqual(response.status_code, 403)
        made.refresh_from_db()
        self.assertEqual(made.priority_adjustment, 0)
        self.assertNotContains(self.client.get(reverse("evacuation:waitlist")), url)

    def test_site_b_sees_nothing_of_site_a(self) -> None:
        household, _card = self.household("Сусіди", date(1980, 1, 1))
        made = self.request_for(household)
        rob = make_user("rob", Role.REGISTRAR, self.site_b)
        self.login(rob)
        for name in ("request", "request_edit", "request_withdraw"):
            url = reverse(f"evacuation:{name}", args=[made.pk])
            self.assertEqual(self.client.get(url).status_code, 404, name)
        withdraw = reverse("evacuation:request_withdraw", args=[made.pk])
        self.assertEqual(self.client.post(withdraw).status_code, 404)
        create = reverse("evacuation:request_create", args=[household.pk])
        self.assertEqual(self.client.get(create).status_code, 404)
        self.assertNotContains(self.client.get(reverse("evacuation:waitlist")), "Сусіди")
        made.refresh_from_db()
        self.assertEqual(made.status, RequestStatus.WAITING)

    def test_an_officer_starts_a_request_from_the_card(self) -> None:
        household, card = self.household("Картка", date(1980, 1, 1))
        self.login(self.eva)
        response = self.client.get(reverse("evacuation:request_find"), {"card": card.code})
        self.assertRedirects(response, reverse("evacuation:request_create", args=[household.pk]))
        other, other_card = self.household("Інша", date(1980, 1, 1), site=self.site_b)
        response = self.client.get(reverse("evacuation:request_find"), {"card": other_card.code})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")

    def test_the_household_page_offers_a_request(self) -> None:
        self.login(self.rita)
        page = self.client.get(reverse("people:household", args=[self.household_a.pk]))
        self.assertContains(page, reverse("evacuation:request_create", args=[self.household_a.pk]))

    def test_the_waitlist_asks_the_same_number_of_queries_for_more_rows(self) -> None:
        self.login(self.eva)
        url = reverse("evacuation:waitlist")

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(captured)

        self.request_for(self.household("Перша", date(1950, 1, 1), date(1955, 1, 1))[0])
        queries()  # the first page of a login saves its session
        few = queries()
        for i in range(4):
            self.request_for(self.household(f"Ще{i}", date(1960, 1, 1), date(2010, 1, 1))[0])
        self.assertEqual(queries(), few)

    def test_the_pages_speak_english_too(self) -> None:
        household, _card = self.household("Мова", date(1980, 1, 1))
        made = self.request_for(household)
        self.login(self.alice)
        self.english()
        self.assertContains(self.client.get(reverse("evacuation:waitlist")), "Waitlist")
        page = self.client.get(reverse("evacuation:request", args=[made.pk]))
        self.assertContains(page, "History")
        self.assertContains(page, "Who travels")
        form = self.client.get(reverse("evacuation:request_create", args=[household.pk]))
        self.assertContains(form, "Everyone travelling declares they are civilians")
        self.assertContains(self.client.get(reverse("evacuation:vehicles")), "Vehicles")
        self.assertContains(self.client.get(reverse("evacuation:centres")), "Reception centres")


class VehicleAndCentrePagesTestCase(EvacuationTestCase):
    def vehicle_form(self, **changes: str) -> dict[str, str]:
        data = {
            "kind": "minibus", "name": "AE 5555 KC", "seats": "16", "wheelchair_spaces": "0",
            "stretcher_places": "0", "pet_places": "2", "luggage": "10", "active": "on",
        }  # fmt: skip
        data.update(changes)
        return data

    def test_an_officer_adds_and_changes_a_vehicle(self) -> None:
        self.login(self.eva)
        response = self.client.post(reverse("evacuation:vehicle_create"), self.vehicle_form())
        self.assertRedirects(response, reverse("evacuation:vehicles"))
        minibus = Vehicle.objects.get(name="AE 5555 KC")
        self.assertEqual((minibus.kind, minibus.seats, minibus.pet_places), ("minibus", 16, 2))
        url = reverse("evacuation:vehicle_edit", args=[minibus.pk])
        response = self.client.post(url, self.vehicle_form(seats="18", active=""))
        self.assertRedirects(response, reverse("evacuation:vehicles"))
        minibus.refresh_from_db()
        self.assertEqual((minibus.seats, minibus.active), (18, False))
        self.assertContains(self.client.get(reverse("evacuation:vehicles")), "AE 5555 KC")

    def test_a_bad_number_of_places_is_refused_and_changes_nothing(self) -> None:
        self.login(self.eva)
        url = reverse("evacuation:vehicle_edit", args=[self.bus.pk])
        for bad in ({"seats": "-1"}, {"seats": "many"}, {"luggage": "500"}):
            response = self.client.post(url, self.vehicle_form(**bad))
            self.assertEqual(response.status_code, 200, bad)
            self.assertContains(response, 'class="field invalid"')
        self.english()
        nobody = self.vehicle_form(seats="0", wheelchair_spaces="0", stretcher_places="0")
        response = self.client.post(url, nobody)
        self.assertContains(response, "A vehicle carries at least one person.")
        self.bus.refresh_from_db()
        self.assertEqual((self.bus.seats, self.bus.name), (4, "AA 1234 BB"))

    def test_a_registrar_keeps_no_vehicles(self) -> None:
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("evacuation:vehicles")).status_code, 403)
        response = self.client.post(reverse("evacuation:vehicle_create"), self.vehicle_form())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Vehicle.objects.filter(name="AE 5555 KC").exists())

    def test_only_a_coordinator_adds_a_reception_centre(self) -> None:
        form = {"code": "lviv", "name": "Пункт у Львові", "city": "Львів", "address": ""}
        self.login(self.eva)
        self.assertEqual(
            self.client.post(reverse("evacuation:centre_create"), form).status_code, 403
        )
        self.assertContains(self.client.get(reverse("evacuation:centres")), "Дніпро")
        self.login(self.alice)
        response = self.client.post(reverse("evacuation:centre_create"), form)
        self.assertRedirects(response, reverse("evacuation:centres"))
        centre = ReceptionCentre.objects.get(site__code="lviv")
        self.assertEqual((centre.city, centre.site.name), ("Львів", "Пункт у Львові"))
        again = self.client.post(reverse("evacuation:centre_create"), {**form, "code": "dnipro"})
        self.assertEqual(again.status_code, 200)
        self.assertContains(again, "errorlist")
        self.assertEqual(ReceptionCentre.objects.count(), 2)

    def english(self) -> None:
        self.client.post(reverse("set_language"), {"language": "en"})
