from __future__ import annotations

import io
import os
from unittest import mock

from django.test import TestCase

from hromada.core.models import AuditEvent, Role, Site, User
from hromada.demo import load_demo
from hromada.distribution.models import DistributionSession
from hromada.evacuation.models import (
    EvacuationRequest,
    Passenger,
    PassengerStatus,
    RequestPet,
    Trip,
    TripStatus,
)
from hromada.people.models import Card, Household, Person
from hromada.stock.actions import balance_of
from hromada.stock.models import Commodity


class DemoTestCase(TestCase):
    def test_it_loads_a_town_of_about_three_thousand_and_prints_the_logins(self) -> None:
        out = io.StringIO()
        load_demo(out=out)
        self.assertTrue(2500 <= Person.objects.count() <= 3500, Person.objects.count())
        self.assertEqual(Card.objects.filter(status="active").count(), Household.objects.count())
        municipal = Site.objects.get(code="municipal")
        bread = Commodity.objects.get(code="bread")
        self.assertEqual(balance_of(site=municipal, commodity=bread), 10_000)
        # bread at both sites, and six more programmes at the municipal building
        self.assertEqual(DistributionSession.objects.open().count(), 8)
        self.assertEqual(
            DistributionSession.objects.open().filter(programme__commodity=bread).count(), 2
        )
        for username in (
            "coordinator",
            "registrar",
            "distributor",
            "auditor",
            "distributor2",
            "evacuation",
            "reception",
        ):
            self.assertIn(username, out.getvalue())
        self.assertEqual(User.objects.get(username="distributor2").sites.get().code, "school-2")
        self.assertEqual(User.objects.get(username="auditor").role, Role.AUDITOR)
        # the bus to Dnipro: a waitlist with pets, tomorrow's trip to plan, yesterday's arrived
        # with one passenger unaccounted for
        self.assertGreater(EvacuationRequest.objects.waiting().count(), 40)
        self.assertTrue(RequestPet.objects.filter(species="cat").exists())
        self.assertEqual(Trip.objects.filter(status=TripStatus.OPEN).count(), 1)
        self.assertEqual(Passenger.objects.filter(status=PassengerStatus.UNACCOUNTED).count(), 1)
        reception = User.objects.get(username="reception")
        self.assertEqual(reception.sites.get().reception_centre.city, "Дніпро")
        latin = Person.objects.filter(family_name__regex=r"^[A-Za-z]").count()
        self.assertGreater(latin, 50)
        self.assertGreater(Person.objects.count() - latin, 2000)

    def test_it_duplicates_nothing_when_run_twice_and_uses_the_given_password(self) -> None:
        load_demo(households=30, out=io.StringIO())
        counts = (Household.objects.count(), Person.objects.count(), Card.objects.count())
        with mock.patch.dict(os.environ, {"HROMADA_DEMO_PASSWORD": "chosen-password"}):
            out = io.StringIO()
            load_demo(households=30, out=out)
        self.assertEqual(
            (Household.objects.count(), Person.objects.count(), Card.objects.count()), counts
        )
        bread = Commodity.objects.get(code="bread")
        municipal = Site.objects.get(code="municipal")
        self.assertEqual(balance_of(site=municipal, commodity=bread), 10_000)
        self.assertIn("chosen-password", out.getvalue())
        self.assertTrue(User.objects.get(username="distributor").check_password("chosen-password"))
        self.assertTrue(AuditEvent.objects.filter(action="core.update_user").exists())
