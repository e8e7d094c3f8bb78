from __future__ import annotations

import re
from datetime import datetime, timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from hromada.distribution.actions import do_check_in, do_reverse_collection
from hromada.distribution.models import DayTally
from hromada.lib import cardcode
from hromada.lib.periods import KYIV
from hromada.people.actions import do_create_household, do_issue_card
from hromada.people.models import Card
from hromada.reports.charts import nice_ceiling
from hromada.stock.actions import do_send_transfer
from tests.base import BaseTestCase, member

BAR = re.compile(
    r'<rect class="bar" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" data-value="(\d+)"'
)


def bars(body: str, chart: str) -> list[tuple[int, int]]:
    """(value, height) of each bar of one chart of the page."""
    svg = body.split(f'id="{chart}"', 1)[1].split("</svg>", 1)[0]
    return [(int(m[5]), int(m[4])) for m in BAR.finditer(svg)]


class DashboardTestCase(BaseTestCase):
    def single(self, site_pk: object = None, family: str = "Бондар") -> Card:
        """A household of one at site A (or B), with its card."""
        site = self.site_a if site_pk is None else self.site_b
        household = do_create_household(
            actor=self.alice, site=site, address="", members=[member(family=family)]
        )
        return do_issue_card(actor=self.alice, household=household)

    def at(self, days_ago: int) -> mock._patch[mock.MagicMock]:
        """Pretend the clock shows noon, `days_ago` Kyiv days back."""
        day = timezone.localdate() - timedelta(days=days_ago)
        noon = datetime(day.year, day.month, day.day, 12, 0, tzinfo=KYIV)
        return mock.patch("django.utils.timezone.now", return_value=noon)

    def test_it_draws_people_served_per_day_from_the_tallies(self) -> None:
        other = self.single(site_pk=self.site_b.pk)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.bea, session=self.session_b, card_code=other.code)
        self.login(self.alice)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.status_code, 200)
        days = response.context["days"]
        self.assertEqual(len(days), 14)
        self.assertEqual(days[-1].day, timezone.localdate())
        self.assertEqual((days[-1].households, days[-1].people, days[-1].units), (2, 4, 8))
        self.assertEqual(sum(d.people for d in days[:-1]), 0)
        body = response.content.decode()
        served = bars(body, "chart-served")
        self.assertEqual(len(served), 14)
        self.assertEqual(served[-1][0], 4)
        self.assertGreater(served[-1][1], 0)
        self.assertEqual([h for _v, h in served[:-1]], [0] * 13)
        self.assertIn('<title id="chart-served-title">', body)
        # the numbers are in a table under the chart too
        self.assertIn('<td class="num">4</td>', body)
        programmes = bars(body, "chart-programmes")
        self.assertEqual(programmes, [(8, programmes[0][1])])
        self.assertGreater(programmes[0][1], 0)

    def test_it_shows_one_site_when_asked(self) -> None:
        other = self.single(site_pk=self.site_b.pk)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.bea, session=self.session_b, card_code=other.code)
        self.login(self.otto)
        response = self.client.get(reverse("reports:dashboard"), {"site": str(self.site_b.pk)})
        self.assertEqual(response.context["totals"].people, 1)
        self.assertEqual(response.context["totals"].units, 2)

    def test_it_shows_a_distributor_their_own_sites_only(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        self.login(self.bea)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.context["totals"].people, 0)
        self.assertNotContains(response, "Міська рада")
        asked = self.client.get(reverse("reports:dashboard"), {"site": str(self.site_a.pk)})
        self.assertFalse(asked.context["figures"])
        self.assertContains(asked, "errorlist")
        self.assertNotContains(asked, "Міська рада")

    def test_it_lets_no_registrar_in(self) -> None:
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("reports:dashboard")).status_code, 403)

    def test_it_says_how_long_the_stock_lasts_at_todays_pace(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_send_transfer(actor=self.alice, from_site=self.site_b, to_site=self.site_a,
                         commodity=self.bread, quantity=30)  # fmt: skip
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(reverse("reports:dashboard"), {"site": str(self.site_a.pk)})
        [(line, text)] = response.context["stock"]
        self.assertEqual(
            (line.on_hand, line.in_transit, line.rate, line.days_left), (94, 30, 6, 15)
        )
        self.assertTrue(line.rate_is_today)
        self.assertEqual(text, "15 days")
        self.assertEqual(bars(response.content.decode(), "chart-stock")[0][0], 15)

    def test_it_takes_the_mean_of_the_last_three_days_served_when_none_today(self) -> None:
        cards = [self.card_a, self.single(), self.single(family="Ткач")]
        # 6 days ago 6 loaves (too old), then 6, 6, and 8 yesterday; two days ago nothing
        for days_ago, served in ((6, cards[:1]), (4, cards[:1]), (3, cards[:1]), (1, cards[:2])):
            with self.at(days_ago):
                for card in served:
                    do_check_in(actor=self.dan, session=self.session_a, card_code=card.code)
        self.login(self.alice)
        response = self.client.get(reverse("reports:dashboard"), {"site": str(self.site_a.pk)})
        [(line, _text)] = response.context["stock"]
        # 100 - 6 - 6 - 6 - 8 = 74 left; the pace is (6 + 6 + 8) / 3 a day: 11 whole days
        self.assertEqual((line.on_hand, line.given_today, line.rate), (74, 0, 7))
        self.assertEqual(line.days_left, 11)
        self.assertFalse(line.rate_is_today)

    def test_it_says_dash_when_there_is_no_pace(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(reverse("reports:dashboard"), {"site": str(self.site_b.pk)})
        [(line, text)] = response.context["stock"]
        self.assertEqual((line.on_hand, line.rate, line.days_left, text), (100, None, None, "—"))

    def test_it_counts_refusals_by_reason(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.dan, session=self.session_a, card_code=cardcode.generate())
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(reverse("reports:dashboard"))
        found = [(r.label, r.count) for r in response.context["refusals"]]
        self.assertEqual(found, [("already collected", 2), ("card unknown", 1)])
        heights = [h for _v, h in bars(response.content.decode(), "chart-refusals")]
        self.assertGreater(heights[0], 0)

    def test_it_counts_a_reversed_collection_no_more(self) -> None:
        outcome = do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        assert outcome.collection is not None
        do_reverse_collection(actor=self.alice, collection=outcome.collection, reason="wrong card")
        self.login(self.alice)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.context["totals"].people, 0)
        self.assertEqual(response.context["programmes"], [])

    def test_it_reads_the_tallies_not_the_collections(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        # a tally the collections do not explain shows: the dashboard reads nothing else
        DayTally.objects.filter(site=self.site_a).update(people=1000)
        self.login(self.alice)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.context["totals"].people, 1000)

    def test_it_names_a_range_that_ends_before_it_starts(self) -> None:
        self.login(self.alice)
        response = self.client.get(
            reverse("reports:dashboard"), {"start": "2026-03-10", "end": "2026-03-01"}
        )
        self.assertFalse(response.context["figures"])
        self.assertIn("end", response.context["form"].errors)

    def test_it_shows_the_auditor_counts_and_nobody(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        self.login(self.otto)
        response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.context["totals"].households, 1)
        for personal in ("Коваль", "Оксана", self.card_a.code, str(self.household_a.pk)):
            self.assertNotContains(response, personal)

    def test_it_rounds_the_axis_up_to_a_readable_figure(self) -> None:
        self.assertEqual(
            [nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 180, 201, 999_999)],
            [1, 1, 5, 10, 10, 20, 200, 500, 1_000_000],
        )
