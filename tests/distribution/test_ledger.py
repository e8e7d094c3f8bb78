"""For any sequence of deliveries, check-ins and counts, the balance is the sum of the ledger,
never below zero, and what was given out is what the collections say."""

from __future__ import annotations

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from hromada.distribution.actions import do_check_in
from hromada.distribution.models import Collection
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import Line, do_record_count, do_record_delivery
from hromada.stock.models import StockBalance, StockMovement
from tests.base import BaseTestCase, member

step = st.one_of(
    st.tuples(st.just("deliver"), st.integers(1, 30), st.integers(0, 1)),
    st.tuples(st.just("check_in"), st.integers(0, 4), st.integers(0, 1)),
    st.tuples(st.just("count"), st.integers(0, 60), st.integers(0, 1)),
)


class LedgerPropertyTestCase(BaseTestCase, HypothesisTestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(step, max_size=25))
    def test_the_balance_is_always_the_sum_of_the_ledger(
        self, steps: list[tuple[str, int, int]]
    ) -> None:
        sites = [self.site_a, self.site_b]
        cards = [self.card_a.code]
        for size in (1, 2, 4, 5):
            household = do_create_household(
                actor=self.rita, site=self.site_a, address="", members=[member()] * size
            )
            cards.append(do_issue_card(actor=self.rita, household=household).code)
        sessions = [self.session_a, self.session_b]
        for action, amount, where in steps:
            if action == "deliver":
                do_record_delivery(
                    actor=self.alice, site=sites[where], lines=[Line(self.bread, amount)],
                    source="x", arrived_at=self.session_a.opened_at,
                )  # fmt: skip
            elif action == "check_in":
                do_check_in(actor=self.alice, session=sessions[where], card_code=cards[amount])
            else:
                do_record_count(actor=self.alice, site=sites[where], commodity=self.bread,
                                counted=amount, reason="recount")  # fmt: skip
            for site in sites:
                ledger = StockMovement.objects.filter(site=site, commodity=self.bread).total()
                balance = StockBalance.objects.get(site=site, commodity=self.bread).quantity
                self.assertEqual(balance, ledger)
                self.assertGreaterEqual(balance, 0)
        given_out = -StockMovement.objects.filter(kind="issued").total()
        collected = Collection.objects.aggregate(total=Sum("quantity"))["total"] or 0
        self.assertEqual(given_out, collected)
        # one collection per household per day, whatever the order of the steps
        self.assertLessEqual(Collection.objects.count(), len(cards))
