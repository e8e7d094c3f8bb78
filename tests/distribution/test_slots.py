"""Time slots: the coordinator spreads households over the day, priority hours first; the
tickets say when to come; the desk sees who is due now and serves early or late households
anyway, unless the coordinator chose otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from hromada.core.models import AuditEvent
from hromada.distribution.actions import Rule, do_create_programme, do_open_session
from hromada.distribution.models import Collection, Eligibility, Slot
from hromada.people.actions import MemberData, do_create_household, do_issue_card
from hromada.people.models import Card, Household, PersonStatus, Sex, VulnerabilityKind
from tests.base import BaseTestCase, member

# Monday 10 March 2031, 09:00 in Kyiv (winter time, UTC+2)
NOW = datetime(2031, 3, 10, 7, 0, tzinfo=UTC)


def kyiv(hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 3, 10, hour - 2, minute, tzinfo=UTC)


def young(family: str, **extra: Any) -> MemberData:
    return MemberData(
        family_name=family, given_name="Олена", patronymic="", sex=Sex.FEMALE,
        birth_date=date(1990, 4, 1), **extra,
    )  # fmt: skip


class SlotsFixture(BaseTestCase):
    disabled: Household
    older: Household
    young: list[Household]
    elsewhere: Household
    gone: Household
    merged: Household

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()

        def household(*members: MemberData, site: Any = None) -> Household:
            found = do_create_household(
                actor=cls.rita, site=site or cls.site_a, address="", members=list(members)
            )
            do_issue_card(actor=cls.rita, household=found)
            return found

        # priority: household_a (born 1960), a disability, an older person born 1950
        cls.disabled = household(
            young("Андрієнко", vulnerabilities=((VulnerabilityKind.DISABILITY, 2),))
        )
        cls.older = household(member(family="Бойко", born=date(1950, 2, 2)))
        # no priority
        cls.young = [household(young(name)) for name in ("Гнатюк", "Дорош", "Єрмак")]
        # not planned: another site, nobody present, merged into another household
        cls.elsewhere = household(young("Бондар"), site=cls.site_b)
        cls.gone = household(young("Яковенко", status=PersonStatus.EVACUATED))
        cls.merged = household(young("Жук"))
        Household.objects.filter(pk=cls.merged.pk).update(merged_into=cls.young[0])

    def setUp(self) -> None:
        clock = mock.patch("django.utils.timezone.now", return_value=NOW)
        clock.start()
        self.addCleanup(clock.stop)
        self.client.post(reverse("set_language"), {"language": "en"})
        self.login(self.alice)

    def plan(self, start: str = "2031-03-10T10:00", minutes: int = 30, size: int = 2) -> Any:
        return self.client.post(
            reverse("distribution:slots", args=[self.session_a.pk]),
            {"first_start": start, "slot_minutes": minutes, "households_per_slot": size},
        )

    def card(self, household: Household) -> str:
        return Card.objects.get(household=household, status=Card.Status.ACTIVE).code

    def scan(self, household: Household, at: datetime) -> str:
        self.login(self.dan)
        with mock.patch("django.utils.timezone.now", return_value=at):
            response = self.client.post(
                reverse("distribution:checkin", args=[self.session_a.pk]),
                {"card": self.card(household)},
                headers={"HX-Request": "true"},
            )
        self.assertEqual(response.status_code, 200)
        return str(response.content.decode())


class SlotsTestCase(SlotsFixture):
    def test_it_gives_priority_households_the_first_slots_each_household_once(self) -> None:
        response = self.plan()
        self.assertRedirects(response, reverse("distribution:slots", args=[self.session_a.pk]))
        slots = {s.household_id: s for s in Slot.objects.filter(session=self.session_a)}
        priority = {self.household_a.pk, self.disabled.pk, self.older.pk}
        everyone = priority | {h.pk for h in self.young}
        self.assertEqual(set(slots), everyone)  # each eligible household, exactly once
        self.assertEqual(Slot.objects.count(), len(everyone))
        for pk in priority:
            self.assertTrue(slots[pk].priority)
            self.assertLess(slots[pk].starts_at, kyiv(11))
        for household in self.young:
            self.assertFalse(slots[household.pk].priority)
            # the others start after the priority hours, in a slot of their own
            self.assertGreaterEqual(slots[household.pk].starts_at, kyiv(11))
        starts = sorted(s.starts_at for s in slots.values())
        self.assertEqual(starts, [kyiv(10), kyiv(10), kyiv(10, 30), kyiv(11), kyiv(11),
                                  kyiv(11, 30)])  # fmt: skip
        for slot in slots.values():
            self.assertEqual((slot.ends_at - slot.starts_at).total_seconds(), 30 * 60)
        page = self.client.get(reverse("distribution:slots", args=[self.session_a.pk]))
        self.assertContains(page, "10:00–10:30")
        self.assertContains(page, "priority hours")
        self.assertContains(page, "The plan: 6 households")
        self.assertTrue(AuditEvent.objects.filter(action="distribution.plan_slots").exists())

    def test_it_respects_the_size_of_a_slot(self) -> None:
        self.plan(size=4)
        counts: dict[datetime, int] = {}
        for slot in Slot.objects.all():
            counts[slot.starts_at] = counts.get(slot.starts_at, 0) + 1
        self.assertEqual(counts, {kyiv(10): 3, kyiv(10, 30): 3})

    def test_it_plans_only_households_eligible_under_the_programme(self) -> None:
        baby_food = do_create_programme(
            actor=self.alice, name="Дитяче харчування", commodity=self.bread,
            rule=Rule(quantity=1, eligibility=Eligibility.CHILDREN, age=18),
        )  # fmt: skip
        session = do_open_session(actor=self.alice, programme=baby_food, site=self.site_a)
        self.client.post(
            reverse("distribution:slots", args=[session.pk]),
            {"first_start": "2031-03-10T10:00", "slot_minutes": 30, "households_per_slot": 5},
        )
        # household_a has Тарас, born 2015 (16 in 2031); nobody else has a child under 18
        planned = list(Slot.objects.filter(session=session).values_list("household", flat=True))
        self.assertEqual(planned, [self.household_a.pk])

    def test_it_refuses_a_bad_plan_saying_why_and_keeps_the_old_one(self) -> None:
        self.plan()
        before = set(Slot.objects.values_list("pk", "starts_at"))
        too_short = self.plan(minutes=3)
        self.assertContains(too_short, "Ensure this value is greater than or equal to 5")
        empty = self.plan(size=0)
        self.assertContains(empty, "Ensure this value is greater than or equal to 1")
        yesterday = self.plan(start="2031-03-09T10:00")
        self.assertContains(yesterday, "The first slot cannot start before today.")
        too_late = self.plan(start="2031-03-10T23:00", minutes=60, size=1)
        self.assertContains(too_late, "does not fit in the day")
        self.assertEqual(set(Slot.objects.values_list("pk", "starts_at")), before)

    def test_it_keeps_the_slot_of_a_household_that_collected_when_planning_again(self) -> None:
        self.plan()
        served = Slot.objects.get(household=self.household_a)
        self.assertIn('data-answer="ok"', self.scan(self.household_a, kyiv(10, 5)))
        self.login(self.alice)
        self.plan(start="2031-03-10T14:00", minutes=60, size=10)
        self.assertEqual(Slot.objects.get(household=self.household_a), served)
        self.assertEqual(Slot.objects.get(household=self.household_a).starts_at, kyiv(10, 30))
        moved = Slot.objects.exclude(household=self.household_a)
        self.assertEqual(moved.count(), 5)
        self.assertEqual({s.starts_at for s in moved}, {kyiv(14), kyiv(15)})

    def test_the_tickets_show_each_households_slot(self) -> None:
        self.plan()
        response = self.client.get(reverse("distribution:tickets", args=[self.session_a.pk]))
        body = response.content.decode()
        self.assertEqual(body.count("data-ticket"), 6)
        slot = Slot.objects.get(household=self.young[2])
        self.assertEqual(slot.starts_at, kyiv(11, 30))
        ticket = body.split("Єрмак")[0].rsplit("data-ticket", 1)[1]
        self.assertIn("11:30–12:00", ticket)
        self.assertIn(f"card …{self.card(self.young[2])[-4:]}", body)
        self.assertContains(response, "Міська рада")
        self.assertContains(response, "3 people")  # household_a

    def test_the_desk_sees_who_is_due_now_and_who_came_early_or_late(self) -> None:
        self.plan()
        # at 10:10, a priority household (10:00) comes on time, a young household (11:00) early
        self.assertIn("On time (10:00–10:30)", self.scan(self.disabled, kyiv(10, 10)))
        self.assertIn("Came early", self.scan(self.young[0], kyiv(10, 12)))
        url = reverse("distribution:due_now", args=[self.session_a.pk])
        with mock.patch("django.utils.timezone.now", return_value=kyiv(10, 15)):
            fragment = self.client.get(url).content.decode()
        self.assertIn("Due now 10:00–10:30: 2 households", fragment)
        self.assertIn("1 served", fragment)
        self.assertIn("Came early: 1 · late: 0", fragment)
        # at 12:45 the priority household due at 10:30 comes late
        self.assertEqual(Slot.objects.get(starts_at=kyiv(10, 30)).household, self.household_a)
        self.assertIn("Came late", self.scan(self.household_a, kyiv(12, 45)))
        with mock.patch("django.utils.timezone.now", return_value=kyiv(11, 40)):
            fragment = self.client.get(url).content.decode()
        self.assertIn("Due now 11:30–12:00: 1 household", fragment)
        self.assertIn("0 served", fragment)
        self.assertIn("Came early: 1 · late: 1", fragment)
        with mock.patch("django.utils.timezone.now", return_value=kyiv(9, 0)):
            fragment = self.client.get(url).content.decode()
        self.assertIn("Next 10:00–10:30: 2 households", fragment)

    def test_due_now_is_for_the_desks_of_the_site(self) -> None:
        self.plan()
        url = reverse("distribution:due_now", args=[self.session_a.pk])
        self.login(self.bea)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.rita)
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_strict_slots_refuse_early_arrivals_at_the_desk(self) -> None:
        self.plan()
        self.client.post(
            reverse("distribution:session_settings", args=[self.session_a.pk]),
            {"shortage": "refuse", "slots_strict": "on"},
        )
        self.session_a.refresh_from_db()
        self.assertTrue(self.session_a.slots_strict)
        answer = self.scan(self.young[0], kyiv(9, 30))
        self.assertIn('data-answer="outside_slot"', answer)
        self.assertIn("11:00–11:30", answer)
        self.assertFalse(Collection.objects.exists())
        self.assertIn('data-answer="ok"', self.scan(self.young[0], kyiv(11, 5)))

    def test_without_strict_slots_the_desk_serves_early_households_saying_so(self) -> None:
        self.plan()
        answer = self.scan(self.young[0], kyiv(9, 30))
        self.assertIn('data-answer="ok"', answer)
        self.assertIn("Came early: its time is 11:00–11:30.", answer)
        self.assertEqual(Collection.objects.get().household, self.young[0])

    def test_only_the_coordinator_plans(self) -> None:
        self.login(self.dan)
        self.assertEqual(self.plan().status_code, 403)
        self.assertFalse(Slot.objects.exists())


class SlotPlanPropertyTestCase(SlotsFixture, HypothesisTestCase):
    def setUp(self) -> None:
        """Nothing: hypothesis runs every example inside one test, each with its own clock."""

    # at most six slots from noon fit in the day when each lasts up to two hours
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(minutes=st.integers(5, 120), size=st.integers(1, 8), hour=st.integers(6, 12))
    def test_any_plan_gives_each_household_one_slot_priority_first_within_size(
        self, minutes: int, size: int, hour: int
    ) -> None:
        client = Client()
        with mock.patch("django.utils.timezone.now", return_value=NOW):
            client.force_login(self.alice)
            response = client.post(
                reverse("distribution:slots", args=[self.session_a.pk]),
                {
                    "first_start": f"2031-03-10T{hour:02d}:00",
                    "slot_minutes": minutes,
                    "households_per_slot": size,
                },
            )
        self.assertRedirects(
            response,
            reverse("distribution:slots", args=[self.session_a.pk]),
            fetch_redirect_response=False,
        )
        slots = list(Slot.objects.filter(session=self.session_a).order_by("starts_at"))
        households = [s.household_id for s in slots]
        self.assertEqual(len(households), 6)
        self.assertEqual(len(set(households)), 6)
        counts: dict[datetime, int] = {}
        for slot in slots:
            counts[slot.starts_at] = counts.get(slot.starts_at, 0) + 1
            self.assertEqual((slot.ends_at - slot.starts_at).total_seconds(), minutes * 60)
        self.assertLessEqual(max(counts.values()), size)
        # priority slots come first, and no slot mixes the two
        flags = [s.priority for s in slots]
        self.assertEqual(flags, sorted(flags, reverse=True))
        self.assertEqual(sum(flags), 3)
        for start in counts:
            self.assertEqual(len({s.priority for s in slots if s.starts_at == start}), 1)
        self.assertEqual(slots[0].starts_at, kyiv(hour))
