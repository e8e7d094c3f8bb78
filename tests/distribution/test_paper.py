"""The paper fallback: the list printed while the laptop works, ticked while it is down, entered
in one go afterwards; what conflicts with collections already recorded is held for the
coordinator, never dropped and never doubled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.distribution.models import (
    Channel,
    Collection,
    DayTally,
    DistributionSession,
    PaperLine,
    PaperTally,
)
from hromada.people.actions import MemberData, do_create_household, do_issue_card
from hromada.people.models import Card, Household, Sex
from hromada.stock.actions import balance_of, do_record_loss
from hromada.stock.models import LossCause, MovementKind, StockMovement
from tests.base import BaseTestCase

# Monday 10 March 2031, 09:00 in Kyiv (winter time, UTC+2)
NOW = datetime(2031, 3, 10, 7, 0, tzinfo=UTC)


def kyiv(hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 3, 10, hour - 2, minute, tzinfo=UTC)


def person(family: str) -> MemberData:
    return MemberData(
        family_name=family, given_name="Олена", patronymic="", sex=Sex.FEMALE,
        birth_date=date(1990, 4, 1),
    )  # fmt: skip


class PaperTestCase(BaseTestCase):
    single: Household
    elsewhere: Household

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.single = do_create_household(
            actor=cls.rita, site=cls.site_a, address="", members=[person("Гнатюк")]
        )
        do_issue_card(actor=cls.rita, household=cls.single)
        cls.elsewhere = do_create_household(
            actor=cls.alice, site=cls.site_b, address="", members=[person("Бондар")]
        )
        # the session opened at 07:00 this morning
        DistributionSession.objects.filter(pk=cls.session_a.pk).update(opened_at=kyiv(7))
        cls.session_a.refresh_from_db()

    def setUp(self) -> None:
        clock = mock.patch("django.utils.timezone.now", return_value=NOW)
        clock.start()
        self.addCleanup(clock.stop)
        self.client.post(reverse("set_language"), {"language": "en"})
        self.login(self.dan)

    def enter(self, *households: Household, served_at: str = "2031-03-10T08:30") -> Any:
        return self.client.post(
            reverse("distribution:paper_entry", args=[self.session_a.pk]),
            {"served_at": served_at, "household": [str(h.pk) for h in households]},
        )

    def scan_at_the_desk(self, household: Household, at: datetime) -> None:
        code = Card.objects.get(household=household, status=Card.Status.ACTIVE).code
        with mock.patch("django.utils.timezone.now", return_value=at):
            response = self.client.post(
                reverse("distribution:checkin", args=[self.session_a.pk]), {"card": code}
            )
        self.assertContains(response, 'data-answer="ok"')

    def left(self) -> int:
        return balance_of(site=self.site_a, commodity=self.bread)

    def test_it_prints_the_list_of_households_due_with_a_box_to_tick(self) -> None:
        response = self.client.get(reverse("distribution:paper_list", args=[self.session_a.pk]))
        self.assertContains(response, "Date: 10.03.2031")
        self.assertContains(response, "Хліб · Міська рада")
        body = response.content.decode()
        # by the head's name when there are no slots: Гнатюк before Коваль
        self.assertLess(body.index("Гнатюк"), body.index("Коваль"))
        row = body.split("Коваль")[1].split("</tr>")[0]
        self.assertIn('<td class="num">3</td>', row)
        self.assertIn('<td class="num">6</td>', row)  # 2 loaves × 3 people
        self.assertIn(f"…{self.card_a.code[-4:]}", row)
        self.assertIn("tick-box", row)
        self.assertNotIn("Бондар", body)  # site B's household

    def test_the_list_follows_the_slots_and_says_who_collected_already(self) -> None:
        self.login(self.alice)
        self.client.post(
            reverse("distribution:slots", args=[self.session_a.pk]),
            {"first_start": "2031-03-10T10:00", "slot_minutes": 30, "households_per_slot": 1},
        )
        self.scan_at_the_desk(self.household_a, kyiv(8, 50))
        body = self.client.get(
            reverse("distribution:paper_list", args=[self.session_a.pk])
        ).content.decode()
        # household_a (born 1960) has priority hours: first, though Гнатюк comes first by name
        self.assertLess(body.index("Коваль"), body.index("Гнатюк"))
        self.assertIn("10:00–10:30", body.split("Коваль")[0].rsplit("<tr>", 1)[1])
        self.assertIn("10:30–11:00", body.split("Гнатюк")[0].rsplit("<tr>", 1)[1])
        self.assertIn("collected at 08:50", body.split("Коваль")[1].split("</tr>")[0])

    def test_it_records_the_ticked_households_as_paper_collections_at_the_time_served(
        self,
    ) -> None:
        response = self.enter(self.household_a, self.single)
        self.assertRedirects(
            response,
            reverse("distribution:paper_entry", args=[self.session_a.pk]),
            fetch_redirect_response=False,
        )
        collections = Collection.objects.order_by("quantity")
        self.assertEqual([c.household for c in collections], [self.single, self.household_a])
        for collection in collections:
            self.assertEqual(collection.channel, Channel.PAPER)
            self.assertEqual(collection.at, kyiv(8, 30))
            self.assertIsNone(collection.card)
            self.assertEqual(collection.served_by, self.dan)
        self.assertEqual(self.left(), 100 - 6 - 2)
        paper = PaperTally.objects.get()
        self.assertEqual(paper.served_at, kyiv(8, 30))
        self.assertEqual(
            sorted(paper.lines.values_list("outcome", flat=True)), ["recorded", "recorded"]
        )
        page = self.client.get(response["Location"])
        self.assertContains(page, "Paper list entered: 2 recorded, 0 held")
        self.assertTrue(AuditEvent.objects.filter(action="distribution.enter_paper_tally"))

    def test_a_conflict_with_a_desk_collection_is_held_not_dropped_nor_doubled(self) -> None:
        self.scan_at_the_desk(self.household_a, kyiv(8, 0))
        desk = Collection.objects.get()
        self.enter(self.household_a, self.single)
        self.assertEqual(Collection.objects.filter(household=self.household_a).count(), 1)
        self.assertEqual(Collection.objects.filter(household=self.single).count(), 1)
        self.assertEqual(self.left(), 100 - 6 - 2)  # household_a's units left once
        line = PaperLine.objects.get(household=self.household_a)
        self.assertEqual(line.outcome, PaperLine.Outcome.CONFLICT)
        self.assertEqual(line.conflicts_with, desk)
        self.assertIn("Already collected today at 08:00", line.conflict)
        self.assertEqual(PaperLine.objects.count(), 2)
        self.login(self.alice)
        listed = self.client.get(reverse("distribution:paper_conflicts"))
        self.assertContains(listed, "Already collected today at 08:00")
        self.assertContains(listed, "Коваль Оксана")
        self.assertNotContains(listed, "Гнатюк")  # recorded, nothing to decide

    def test_entering_the_same_list_twice_doubles_nothing(self) -> None:
        self.enter(self.household_a, self.single)
        second = self.enter(self.household_a, self.single)
        self.assertEqual(Collection.objects.count(), 2)
        self.assertEqual(self.left(), 92)
        self.assertEqual(PaperTally.objects.count(), 2)
        later = PaperTally.objects.get(
            lines__outcome=PaperLine.Outcome.CONFLICT, lines__household=self.single
        )
        self.assertEqual(later.lines.filter(outcome=PaperLine.Outcome.CONFLICT).count(), 2)
        self.assertContains(self.client.get(second["Location"]), "0 recorded, 2 held")

    def resolve(self, line: PaperLine, outcome: str) -> Any:
        self.login(self.alice)
        return self.client.post(
            reverse("distribution:paper_conflicts"), {"line": str(line.pk), "outcome": outcome},
            follow=True,
        )  # fmt: skip

    def conflict(self) -> PaperLine:
        self.scan_at_the_desk(self.household_a, kyiv(8, 0))
        self.enter(self.household_a)
        return PaperLine.objects.get(outcome=PaperLine.Outcome.CONFLICT)

    def test_served_twice_books_the_units_out_once(self) -> None:
        line = self.conflict()
        self.assertEqual(self.left(), 94)
        answer = self.resolve(line, "served_twice")
        self.assertContains(answer, "The conflict is resolved.")
        line.refresh_from_db()
        self.assertEqual(line.outcome, PaperLine.Outcome.SERVED_TWICE)
        self.assertEqual((line.resolved_by, line.resolved_at), (self.alice, NOW))
        movement = line.resolution_movement
        assert movement is not None
        self.assertEqual((movement.kind, movement.quantity), (MovementKind.ISSUED, -6))
        self.assertIn(str(line.pk), movement.reason)
        self.assertEqual(self.left(), 88)
        # the dashboard's units agree with the ledger: 12 given, to one household
        tallied = DayTally.objects.get(programme=self.programme)
        self.assertEqual((tallied.households, tallied.people, tallied.units), (1, 3, 12))
        again = self.resolve(line, "tick_mistaken")
        self.assertContains(again, "resolved already")
        line.refresh_from_db()
        self.assertEqual(line.outcome, PaperLine.Outcome.SERVED_TWICE)
        self.assertEqual(self.left(), 88)
        self.assertEqual(
            AuditEvent.objects.filter(action="distribution.resolve_paper_line").count(), 1
        )

    def test_a_mistaken_tick_books_nothing(self) -> None:
        line = self.conflict()
        movements = StockMovement.objects.count()
        self.resolve(line, "tick_mistaken")
        line.refresh_from_db()
        self.assertEqual(line.outcome, PaperLine.Outcome.TICK_MISTAKEN)
        self.assertIsNotNone(line.resolved_at)
        self.assertIsNone(line.resolution_movement)
        self.assertEqual(StockMovement.objects.count(), movements)
        self.assertEqual(self.left(), 94)
        listed = self.client.get(reverse("distribution:paper_conflicts"))
        self.assertContains(listed, "No conflicts to decide.")
        self.assertContains(listed, "ticked by mistake")

    def test_served_twice_without_stock_on_the_ledger_is_refused_saying_why(self) -> None:
        line = self.conflict()
        do_record_loss(
            actor=self.alice, site=self.site_a, commodity=self.bread, quantity=92,
            cause=LossCause.SPOILED, note="",
        )  # fmt: skip
        answer = self.resolve(line, "served_twice")
        self.assertContains(answer, "Out of stock on the ledger: 6 needed, 2 left.")
        line.refresh_from_db()
        self.assertEqual((line.outcome, line.resolved_at), (PaperLine.Outcome.CONFLICT, None))
        self.assertEqual(self.left(), 2)

    def test_a_bad_time_is_refused_saying_why_and_nothing_is_stored(self) -> None:
        future = self.enter(self.household_a, served_at="2031-03-10T09:30")
        self.assertContains(future, "The time served cannot be in the future.")
        early = self.enter(self.household_a, served_at="2031-03-10T06:30")
        self.assertContains(early, "The time served cannot be before the session opened.")
        garbage = self.enter(self.household_a, served_at="yesterday")
        self.assertContains(garbage, "Enter a valid date/time.")
        self.assertFalse(PaperTally.objects.exists())
        self.assertFalse(Collection.objects.exists())
        self.assertEqual(self.left(), 100)

    def test_a_household_of_another_site_is_refused_and_nothing_is_stored(self) -> None:
        answer = self.enter(self.household_a, self.elsewhere)
        self.assertContains(answer, "A household ticked is not registered at Міська рада.")
        unknown = self.client.post(
            reverse("distribution:paper_entry", args=[self.session_a.pk]),
            {"served_at": "2031-03-10T08:30", "household": ["not-a-key"]},
        )
        self.assertContains(unknown, "A household ticked is not known.")
        nothing = self.enter()
        self.assertContains(nothing, "Tick at least one household.")
        self.assertFalse(PaperTally.objects.exists())
        self.assertFalse(Collection.objects.exists())
        self.assertEqual(self.left(), 100)

    def test_the_paper_pages_are_scoped_to_the_site_and_role(self) -> None:
        self.login(self.bea)
        self.assertEqual(self.enter(self.household_a).status_code, 404)
        url = reverse("distribution:paper_list", args=[self.session_a.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.dan)
        self.assertEqual(self.client.get(reverse("distribution:paper_conflicts")).status_code, 403)
        self.assertFalse(Collection.objects.exists())
