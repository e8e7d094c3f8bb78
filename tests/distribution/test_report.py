from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from hromada.distribution.actions import do_check_in
from hromada.lib import cardcode
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import do_record_count
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
