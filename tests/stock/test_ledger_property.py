"""For any sequence of deliveries, transfers sent and received (some short), collections at the
desk, reversals, losses and counts across three sites:

- every site's balance equals the sum of its ledger, and is never below zero;
- the town's units are what came in less what went out, those in transit counted once:
  on hand + in transit = delivered − given + reversed − lost + count adjustments;
- no household takes more than its entitlement in any period of any programme;
- every unit of every delivery line is traced to exactly one place (stock.trace).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from hromada.core.models import Site
from hromada.distribution.actions import (
    Rule,
    do_check_in,
    do_create_programme,
    do_open_session,
    do_reverse_collection,
    do_update_session,
)
from hromada.distribution.models import (
    Basis,
    Collection,
    DistributionSession,
    Period,
    Shortage,
)
from hromada.lib.periods import kyiv_day
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import (
    Line,
    OutOfStock,
    do_receive_transfer,
    do_record_count,
    do_record_delivery,
    do_record_loss,
    do_send_transfer,
)
from hromada.stock.models import (
    Commodity,
    DeliveryLine,
    Loss,
    LossCause,
    StockBalance,
    StockCount,
    StockMovement,
    Transfer,
)
from hromada.stock.trace import trace_lines
from tests.base import BaseTestCase, member

SITES, COMMODITIES, SESSIONS, CARDS = 3, 2, 5, 5
CAUSES = [LossCause.SPOILED, LossCause.STRIKE, LossCause.THEFT]

step = st.one_of(
    st.tuples(st.just("deliver"), st.integers(0, SITES - 1), st.integers(0, 1),
              st.integers(1, 40)),
    st.tuples(st.just("send"), st.integers(0, SITES - 1), st.integers(1, SITES - 1),
              st.integers(0, 1), st.integers(1, 40)),
    st.tuples(st.just("receive"), st.integers(0, 9), st.integers(0, 5)),
    st.tuples(st.just("check_in"), st.integers(0, SESSIONS - 1), st.integers(0, CARDS - 1)),
    st.tuples(st.just("reverse"), st.integers(0, 9)),
    st.tuples(st.just("loss"), st.integers(0, SITES - 1), st.integers(0, 1), st.integers(1, 20),
              st.integers(0, len(CAUSES) - 1)),
    st.tuples(st.just("count"), st.integers(0, SITES - 1), st.integers(0, 1),
              st.integers(0, 60)),
)  # fmt: skip


class LedgerPropertyTestCase(BaseTestCase, HypothesisTestCase):
    site_c: Site
    water: Commodity
    sites: list[Site]
    commodities: list[Commodity]
    sessions: list[DistributionSession]
    cards: list[str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.site_c = Site.objects.create(code="dorm", name="Гуртожиток")
        cls.water = Commodity.objects.create(code="water", name="Вода", unit="пляш.")
        cls.sites = [cls.site_a, cls.site_b, cls.site_c]
        cls.commodities = [cls.bread, cls.water]
        # three rules, three periods: bread 2 per person a day (tests.base); water 6 per
        # household a week; a starter loaf 1 per person once only, at most 2 per household
        water_weekly = do_create_programme(
            actor=cls.alice, name="Вода", commodity=cls.water,
            rule=Rule(quantity=6, basis=Basis.HOUSEHOLD, period=Period.WEEK),
        )  # fmt: skip
        starter = do_create_programme(
            actor=cls.alice, name="Стартовий хліб", commodity=cls.bread,
            rule=Rule(quantity=1, period=Period.ONCE, max_per_household=2),
        )  # fmt: skip
        # the school serves what is left when stock runs short; the others refuse
        do_update_session(
            actor=cls.alice, session=cls.session_b, shortage=Shortage.PARTIAL, slots_strict=False
        )
        cls.sessions = [
            cls.session_a,
            cls.session_b,
            do_open_session(actor=cls.alice, programme=water_weekly, site=cls.site_a),
            do_open_session(actor=cls.alice, programme=water_weekly, site=cls.site_c),
            do_open_session(actor=cls.alice, programme=starter, site=cls.site_b),
        ]
        cls.cards = [cls.card_a.code]
        for size in (1, 2, 4, 5):
            household = do_create_household(
                actor=cls.rita, site=cls.site_a, address="", members=[member()] * size
            )
            cls.cards.append(do_issue_card(actor=cls.rita, household=household).code)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(step, max_size=25))
    def test_the_ledger_balances_and_nobody_exceeds_their_entitlement(
        self, steps: list[tuple[Any, ...]]
    ) -> None:
        # the model: what each site should hold, from the steps alone
        held: dict[tuple[int, int], int] = defaultdict(int)
        for s in range(SITES):
            for c in range(COMMODITIES):
                held[(s, c)] = (
                    StockBalance.objects.filter(
                        site=self.sites[s], commodity=self.commodities[c]
                    ).aggregate(q=Sum("quantity"))["q"]
                    or 0
                )
        transfers: list[Transfer] = []
        collections: list[Collection] = []
        for action, *args in steps:
            self.apply(action, args, held, transfers, collections)
            self.assert_balances(held)
            self.assert_units_conserved()
            self.assert_entitlements()
        self.assert_every_unit_traced()

    def apply(
        self,
        action: str,
        args: list[int],
        held: dict[tuple[int, int], int],
        transfers: list[Transfer],
        collections: list[Collection],
    ) -> None:
        if action == "deliver":
            s, c, quantity = args
            do_record_delivery(
                actor=self.alice, site=self.sites[s], lines=[Line(self.commodities[c], quantity)],
                source="x", arrived_at=self.session_a.opened_at,
            )  # fmt: skip
            held[(s, c)] += quantity
        elif action == "send":
            s, shift, c, quantity = args
            to = (s + shift) % SITES
            try:
                transfers.append(do_send_transfer(
                    actor=self.alice, from_site=self.sites[s], to_site=self.sites[to],
                    commodity=self.commodities[c], quantity=quantity,
                ))  # fmt: skip
            except OutOfStock:
                self.assertLess(held[(s, c)], quantity)
            else:
                held[(s, c)] -= quantity
        elif action == "receive":
            index, short = args
            waiting = [t for t in transfers if t.status == Transfer.Status.IN_TRANSIT]
            if waiting:
                transfer = waiting[index % len(waiting)]
                received = max(0, transfer.quantity - short)
                transfer = do_receive_transfer(
                    actor=self.bea, transfer=transfer, received=received,
                    note="short" if received < transfer.quantity else "",
                )  # fmt: skip
                transfers[transfers.index(transfer)] = transfer
                to = self.sites.index(transfer.to_site)
                held[(to, self.commodities.index(transfer.commodity))] += received
        elif action == "check_in":
            session, card = args
            outcome = do_check_in(
                actor=self.alice, session=self.sessions[session], card_code=self.cards[card]
            )
            if outcome.collection is not None:
                collections.append(outcome.collection)
                where = self.sites.index(self.sessions[session].site)
                c = self.commodities.index(self.sessions[session].programme.commodity)
                held[(where, c)] -= outcome.collection.quantity
        elif action == "reverse":
            (index,) = args
            standing = [c for c in collections if not c.is_reversed]
            if standing:
                collection = standing[index % len(standing)]
                reversed_ = do_reverse_collection(
                    actor=self.alice, collection=collection, reason="mistake"
                )
                collections[collections.index(collection)] = reversed_
                where = self.sites.index(reversed_.session.site)
                c = self.commodities.index(reversed_.programme.commodity)
                held[(where, c)] += reversed_.quantity
        elif action == "loss":
            s, c, quantity, cause = args
            try:
                do_record_loss(
                    actor=self.alice, site=self.sites[s], commodity=self.commodities[c],
                    quantity=quantity, cause=CAUSES[cause], note="",
                )  # fmt: skip
            except OutOfStock:
                self.assertLess(held[(s, c)], quantity)
            else:
                held[(s, c)] -= quantity
        else:
            s, c, counted = args
            do_record_count(
                actor=self.alice, site=self.sites[s], commodity=self.commodities[c],
                counted=counted, reason="recount",
            )  # fmt: skip
            held[(s, c)] = counted

    def assert_balances(self, held: dict[tuple[int, int], int]) -> None:
        for s, site in enumerate(self.sites):
            for c, commodity in enumerate(self.commodities):
                ledger = StockMovement.objects.filter(site=site, commodity=commodity).total()
                found = StockBalance.objects.filter(site=site, commodity=commodity).first()
                balance = found.quantity if found else 0
                self.assertEqual(balance, ledger, (site.code, commodity.code))
                self.assertEqual(balance, held[(s, c)], (site.code, commodity.code))
                self.assertGreaterEqual(balance, 0)

    def assert_units_conserved(self) -> None:
        for commodity in self.commodities:
            on_hand = (
                StockBalance.objects.filter(commodity=commodity).aggregate(q=Sum("quantity"))["q"]
                or 0
            )
            in_transit = (
                Transfer.objects.in_transit()
                .filter(commodity=commodity)
                .aggregate(q=Sum("quantity"))["q"]
                or 0
            )
            delivered = _sum(DeliveryLine.objects.filter(commodity=commodity), "quantity")
            handed = Collection.objects.filter(programme__commodity=commodity)
            given = _sum(handed, "quantity")
            reversed_ = _sum(handed.filter(reversed_at__isnull=False), "quantity")
            lost = _sum(Loss.objects.filter(commodity=commodity), "quantity")
            adjusted = (
                StockCount.objects.filter(commodity=commodity).aggregate(
                    q=Sum(F("counted") - F("expected"))
                )["q"]
                or 0
            )
            self.assertEqual(
                on_hand + in_transit, delivered - given + reversed_ - lost + adjusted,
                commodity.code,
            )  # fmt: skip

    def assert_entitlements(self) -> None:
        taken: dict[tuple[Any, ...], list[Collection]] = defaultdict(list)
        standing = Collection.objects.standing().select_related("programme", "household")
        for collection in standing:
            key = (collection.household_id, collection.programme_id, collection.period_start)
            taken[key].append(collection)
        for found in taken.values():
            first = found[0]
            programme, household = first.programme, first.household
            # the members (all "present", all eligible) do not change during the test
            _present, eligible = programme.eligible_members(household, kyiv_day(first.at))
            units = sum(c.quantity for c in found)
            self.assertLessEqual(units, programme.entitlement(eligible), programme.name)

    def assert_every_unit_traced(self) -> None:
        for trace in trace_lines(DeliveryLine.objects.select_related("commodity")):
            self.assertEqual(trace.accounted, trace.line.quantity)


def _sum(queryset: Any, field: str) -> int:
    return int(queryset.aggregate(q=Sum(field))["q"] or 0)
