"""Every unit of a delivery, traced from the truck to a household, a loss, a count, a shelf or
the road, through the pages a coordinator or auditor reads."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from hromada.distribution.actions import do_check_in, do_reverse_collection
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import (
    Line,
    do_receive_transfer,
    do_record_count,
    do_record_delivery,
    do_record_loss,
    do_send_transfer,
)
from hromada.stock.models import Delivery, DeliveryLine, LossCause
from tests.base import BaseTestCase, member


class TraceTestCase(BaseTestCase):
    delivery: Delivery
    line: DeliveryLine

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Site A holds 100 loaves of the first truck; the second truck brings 50 more.
        cls.delivery = do_record_delivery(
            actor=cls.alice, site=cls.site_a, lines=[Line(cls.bread, 50)],
            source="Фонд «Хліб» (test)", donor="Donor X (test)", arrived_at=timezone.now(),
        )  # fmt: skip
        cls.line = cls.delivery.lines.get()
        # 98 of the first truck's spoil: 2 of them are left, older than the second truck's
        do_record_loss(actor=cls.alice, site=cls.site_a, commodity=cls.bread, quantity=98,
                       cause=LossCause.SPOILED, note="")  # fmt: skip
        # a household of 3 takes 6: the 2 older loaves first, then 4 of the second truck
        do_check_in(actor=cls.dan, session=cls.session_a, card_code=cls.card_a.code)
        # another takes 4, and that collection is reversed: the units are back on the shelf
        other = do_create_household(actor=cls.rita, site=cls.site_a, address="",
                                    members=[member(), member(given="Ігор")])  # fmt: skip
        card = do_issue_card(actor=cls.rita, household=other)
        outcome = do_check_in(actor=cls.dan, session=cls.session_a, card_code=card.code)
        assert outcome.collection is not None
        do_reverse_collection(actor=cls.alice, collection=outcome.collection, reason="mistake")
        # 20 on the road to the school; 10 more sent, of which 8 arrive
        do_send_transfer(actor=cls.alice, from_site=cls.site_a, to_site=cls.site_b,
                         commodity=cls.bread, quantity=20)  # fmt: skip
        short = do_send_transfer(actor=cls.alice, from_site=cls.site_a, to_site=cls.site_b,
                                 commodity=cls.bread, quantity=10)  # fmt: skip
        do_receive_transfer(actor=cls.bea, transfer=short, received=8, note="2 crushed")
        # site A should hold 16 of the second truck; the count finds 13
        do_record_count(actor=cls.alice, site=cls.site_a, commodity=cls.bread, counted=13,
                        reason="3 missing")  # fmt: skip

    def trace(self, user: Any = None) -> Any:
        self.login(user or self.alice)
        response = self.client.get(reverse("stock:line", args=[self.line.pk]))
        self.assertEqual(response.status_code, 200)
        return response

    def test_it_accounts_for_every_unit_of_the_line(self) -> None:
        trace = self.trace().context["trace"]
        self.assertEqual(trace.delivered, 50)
        self.assertEqual(trace.given_units, 4)
        self.assertEqual((trace.given_collections, trace.given_households), (1, 1))
        self.assertEqual([(g.site, g.programme, g.units) for g in trace.given],
                         [(self.site_a, "Хліб", 4)])  # fmt: skip
        self.assertEqual([(lost.cause, lost.units) for lost in trace.lost], [("in_transit", 2)])
        self.assertEqual([(c.site, c.units) for c in trace.counted_away], [(self.site_a, 3)])
        self.assertEqual(
            sorted((h.site.code, h.units) for h in trace.on_hand),
            [("municipal", 13), ("school", 8)],
        )
        self.assertEqual([t.units for t in trace.in_transit], [20])
        self.assertEqual(sorted(s.units for s in trace.sent), [10, 20])
        self.assertEqual(trace.other, 0)
        self.assertEqual(trace.accounted, 50)

    def test_it_shows_the_total_on_the_page(self) -> None:
        page = self.trace(self.otto)
        self.assertContains(page, '<td class="num stock-total">50</td>', html=False)
        self.assertContains(page, "Donor X (test)")

    def test_it_traces_the_older_truck_to_its_loss_and_the_household(self) -> None:
        first = Delivery.objects.filter(site=self.site_a).exclude(pk=self.delivery.pk).get()
        self.login(self.alice)
        page = self.client.get(reverse("stock:delivery", args=[first.pk]))
        (trace,) = page.context["traces"]
        self.assertEqual(trace.lost_units, 98)
        self.assertEqual(trace.given_units, 2)
        self.assertEqual(trace.on_hand_units + trace.in_transit_units, 0)
        self.assertEqual(trace.accounted, 100)

    def test_it_follows_the_units_to_the_other_site_and_its_households(self) -> None:
        # the school gives out its own older truck first, then the loaves that came from A
        household = do_create_household(
            actor=self.rita, site=self.site_b, address="", members=[member()] * 50
        )
        card = do_issue_card(actor=self.rita, household=household)
        outcome = do_check_in(actor=self.bea, session=self.session_b, card_code=card.code)
        assert outcome.collection is not None
        self.assertEqual(outcome.collection.quantity, 100)  # 2 per person, 50 people
        trace = self.trace().context["trace"]
        self.assertEqual(sorted((g.site.code, g.units) for g in trace.given), [("municipal", 4)])
        three = do_create_household(
            actor=self.rita, site=self.site_b, address="", members=[member()] * 3
        )
        code = do_issue_card(actor=self.rita, household=three).code
        do_check_in(actor=self.bea, session=self.session_b, card_code=code)
        trace = self.trace().context["trace"]
        self.assertEqual(
            sorted((g.site.code, g.units) for g in trace.given), [("municipal", 4), ("school", 6)]
        )
        on_hand = [(h.site.code, h.units) for h in trace.on_hand]
        self.assertEqual(on_hand, [("municipal", 13), ("school", 2)])
        self.assertEqual(trace.accounted, 50)

    def test_it_shows_the_trace_to_coordinators_and_auditors_only(self) -> None:
        for user in (self.dan, self.bea, self.rita):
            self.login(user)
            for url in (reverse("stock:line", args=[self.line.pk]),
                        reverse("stock:delivery", args=[self.delivery.pk])):  # fmt: skip
                self.assertEqual(self.client.get(url).status_code, 403, user.username)
