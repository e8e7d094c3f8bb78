"""The evacuation's personas and town, on top of the shared ones (tests/base.py).

Eva is the evacuation officer of site A (the municipal building: the bus leaves from its car
park). Remy works at the reception centre in Dnipro, a site of its own. The bus is small on
purpose, so that its last places are easy to reach: 4 seats, 1 wheelchair space, 1 stretcher
place, 1 place for an animal, 6 pieces of luggage.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from hromada.core.models import Role, User
from hromada.evacuation.actions import (
    MemberNeeds,
    PetData,
    Places,
    RequestData,
    do_create_reception_centre,
    do_create_request,
    do_create_trip,
    do_save_vehicle,
)
from hromada.evacuation.models import EvacuationRequest, ReceptionCentre, Trip, Vehicle
from hromada.people.actions import do_create_household, do_issue_card
from hromada.people.models import Card, Household
from tests.base import BaseTestCase, make_user, member


class EvacuationTestCase(BaseTestCase):
    eva: User
    remy: User
    centre: ReceptionCentre
    bus: Vehicle
    trip: Trip

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.eva = make_user("eva", Role.EVACUATION, cls.site_a)
        cls.centre = do_create_reception_centre(
            actor=cls.alice, code="dnipro", name="Пункт прийому", city="Дніпро"
        )
        cls.remy = make_user("remy", Role.RECEPTION, cls.centre.site)
        cls.bus = do_save_vehicle(
            actor=cls.alice, kind="bus", name="AA 1234 BB",
            places=Places(seats=4, wheelchair_spaces=1, stretcher_places=1, pet_places=1,
                          luggage=6),
        )  # fmt: skip
        cls.trip = cls.new_trip()

    @classmethod
    def new_trip(cls, hours: int = 3) -> Trip:
        return do_create_trip(
            actor=cls.eva, site=cls.site_a, vehicle=cls.bus, departure_point="Парковка ради",
            departs_at=timezone.now() + timedelta(hours=hours), destination=cls.centre,
            driver="Водій Петро", escort="Супровід Олена",
        )  # fmt: skip

    @classmethod
    def household(cls, family: str, *born: date, site: object = None) -> tuple[Household, Card]:
        household = do_create_household(
            actor=cls.rita,
            site=site or cls.site_a,  # type: ignore[arg-type]
            address="вул. Миру, 3",
            members=[member(family=family, given=f"Особа{i}", born=b) for i, b in enumerate(born)],
        )
        return household, do_issue_card(actor=cls.rita, household=household)

    @classmethod
    def request_for(
        cls,
        household: Household,
        *,
        needs: dict[int, set[str]] | None = None,
        pets: tuple[PetData, ...] = (),
        together: bool = True,
        luggage: int = 0,
        declared: bool = True,
    ) -> EvacuationRequest:
        members = list(household.members.order_by("created_at"))
        return do_create_request(
            actor=cls.rita,
            household=household,
            data=RequestData(
                members=[
                    MemberNeeds(person, frozenset((needs or {}).get(i, set())))
                    for i, person in enumerate(members)
                ],
                pets=pets,
                luggage=luggage,
                together=together,
                civilian_declared=declared,
                phone="067 123 45 67",
            ),
        )
