from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from hromada.distribution.actions import (
    do_check_in,
    do_pause_site,
    do_resume_site,
    do_reverse_collection,
)
from hromada.distribution.models import PaperLine, PaperTally, PauseReason
from hromada.lib import cardcode
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import (
    do_receive_transfer,
    do_record_count,
    do_record_loss,
    do_send_transfer,
)
from hromada.stock.models import LossCause
from tests.base import BaseTestCase, member


class DayReportTestCase(BaseTestCase):
    def test_it_accounts_for_the_day(self) -> None:
        other = do_create_household(
            actor=self.rita, site=self.site_a, address="", members=[member(family="Бондар")]
        )
        other_card = do_issue_card(actor=self.rita, household=other)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=other_card.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=cardcode.generate())
        do_record_count(actor=self.alice, site=self.site_a, commodity=self.bread, counted=91,
                        reason="one loaf dropped")  # fmt: skip
        self.login(self.otto)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(
            reverse("distribution:report"),
            {"site": str(self.site_a.pk), "day": timezone.localdate().isoformat()},
        )
        line = response.context["report"].lines[0]
        self.assertEqual(
            (line.received, line.given, line.households, line.people, line.left, line.counted,
             line.difference),
            (100, 8, 2, 4, 91, 91, -1),
        )  # fmt: skip
        self.assertEqual(
            dict(response.context["report"].refusals), {"already collected": 1, "card unknown": 1}
        )
        self.assertContains(response, '<td class="num">91</td>')

    def test_it_shows_today_at_the_first_site_without_being_asked(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        self.login(self.alice)
        response = self.client.get(reverse("distribution:report"))
        report = response.context["report"]
        self.assertEqual(report.day, timezone.localdate())
        self.assertEqual(report.site, self.site_a)  # sites are ordered by name: Міська < Школа
        self.assertEqual(report.lines[0].given, 6)
        self.assertContains(response, f'value="{timezone.localdate().isoformat()}"')

    def test_it_names_a_broken_day(self) -> None:
        self.login(self.alice)
        response = self.client.get(
            reverse("distribution:report"), {"site": str(self.site_a.pk), "day": "2026-02-30"}
        )
        self.assertIsNone(response.context["report"])
        self.assertContains(response, "errorlist")

    def test_it_shows_a_site_of_nothing_to_a_distributor(self) -> None:
        self.login(self.dan)
        self.assertEqual(self.client.get(reverse("distribution:report")).status_code, 403)


class DayReportEventsTestCase(BaseTestCase):
    def test_it_lists_pauses_losses_transfers_reversals_and_conflicts(self) -> None:
        outcome = do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        assert outcome.collection is not None
        do_reverse_collection(actor=self.alice, collection=outcome.collection, reason="wrong card")
        do_pause_site(actor=self.alice, site=self.site_a, reason=PauseReason.AIR_RAID,
                      note="sirens")  # fmt: skip
        do_resume_site(actor=self.dan, site=self.site_a)
        do_record_loss(actor=self.alice, site=self.site_a, commodity=self.bread, quantity=5,
                       cause=LossCause.STRIKE, note="")  # fmt: skip
        do_send_transfer(actor=self.alice, from_site=self.site_a, to_site=self.site_b,
                         commodity=self.bread, quantity=20)  # fmt: skip
        arriving = do_send_transfer(
            actor=self.alice, from_site=self.site_b, to_site=self.site_a, commodity=self.bread,
            quantity=7,
        )  # fmt: skip
        do_receive_transfer(actor=self.dan, transfer=arriving, received=7)
        # the paper list's action belongs to the paper-fallback work; the rows it leaves
        tally = PaperTally.objects.create(
            session=self.session_a, served_at=timezone.now(), entered_by=self.alice
        )
        PaperLine.objects.create(
            tally=tally, household=self.household_a, outcome=PaperLine.Outcome.CONFLICT,
            conflict="Already collected today at 09:12, desk 2.",
        )  # fmt: skip
        self.login(self.otto)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(
            reverse("distribution:report"),
            {"site": str(self.site_a.pk), "day": timezone.localdate().isoformat()},
        )
        report = response.context["report"]
        [line] = report.lines
        self.assertEqual(
            (line.received, line.given, line.returned, line.lost, line.sent, line.arrived,
             line.households, line.people, line.left),
            (100, 6, 6, 5, 20, 7, 0, 0, 82),
        )  # fmt: skip
        self.assertEqual([p.reason_text() for p in report.pauses], ["air-raid alert: sirens"])
        self.assertContains(response, "air-raid alert: sirens")
        self.assertContains(response, "<td>alice</td><td>dan</td>", html=False)
        self.assertEqual([loss.quantity for loss in report.losses], [5])
        self.assertContains(response, "destroyed in a strike")
        self.assertEqual([t.quantity for t in report.transfers_out], [20])
        self.assertEqual([t.quantity for t in report.transfers_in], [7])
        self.assertContains(response, "sent to Школа")
        self.assertEqual([c.pk for c in report.reversed], [outcome.collection.pk])
        self.assertContains(response, "wrong card")
        self.assertEqual(len(report.conflicts), 1)
        self.assertContains(response, "Already collected today at 09:12, desk 2.")
        # the report prints: the page hides its form and button when printed
        self.assertContains(response, 'class="search no-print"')
        for personal in ("Коваль", "Оксана", self.card_a.code):
            self.assertNotContains(response, personal)

    def test_it_shows_nothing_of_another_day(self) -> None:
        do_pause_site(actor=self.alice, site=self.site_a, reason=PauseReason.SHELLING)
        do_resume_site(actor=self.alice, site=self.site_a)
        self.login(self.alice)
        yesterday = timezone.localdate() - timedelta(days=1)
        response = self.client.get(
            reverse("distribution:report"),
            {"site": str(self.site_a.pk), "day": yesterday.isoformat()},
        )
        self.assertEqual(response.context["report"].pauses, [])
        self.assertEqual(response.context["report"].reversed, [])
