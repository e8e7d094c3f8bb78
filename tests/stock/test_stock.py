from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from hromada.core.models import AuditEvent
from hromada.stock.actions import balance_of
from hromada.stock.models import (
    Commodity,
    Delivery,
    Loss,
    LossCause,
    MovementKind,
    StockCount,
    StockMovement,
)
from tests.base import BaseTestCase


class DeliveryTestCase(BaseTestCase):
    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "site": str(self.site_a.pk),
            "lines-TOTAL_FORMS": "5",
            "lines-INITIAL_FORMS": "0",
            "lines-0-commodity": str(self.bread.pk),
            "lines-0-quantity": "10000",
            "source": "Фонд «Хліб» (test)",
            "vehicle": "MAN, AX 0000 XX",
            "departed_at": "2026-11-27T20:30",
            "arrived_at": "2026-11-28T06:30",
        }
        data.update(overrides)
        return data

    def test_it_records_a_delivery_and_the_stock_rises_through_the_ledger(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse("stock:delivery_create"), self.form())
        delivery = Delivery.objects.get(lines__quantity=10_000)
        self.assertRedirects(response, reverse("stock:overview"))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 10_100)
        movement = StockMovement.objects.get(delivery=delivery)
        self.assertEqual((movement.kind, movement.quantity), (MovementKind.RECEIVED, 10_000))
        # 06:30 in Kyiv is 04:30 UTC in winter
        self.assertEqual(delivery.arrived_at.isoformat(), "2026-11-28T04:30:00+00:00")
        event = AuditEvent.objects.get(action="stock.record_delivery", object_id=str(delivery.pk))
        self.assertEqual(event.actor, self.alice)
        self.assertIn("lines", event.fields)

    def test_it_refuses_a_delivery_that_left_after_it_arrived(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("stock:delivery_create"), self.form(departed_at="2026-11-28T08:00")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)

    def test_it_refuses_a_broken_date_and_a_negative_quantity(self) -> None:
        self.login(self.alice)
        for bad in (
            {"arrived_at": "28.13.2026"},
            {"lines-0-quantity": "-5"},
            {"lines-0-quantity": ""},
        ):
            response = self.client.post(reverse("stock:delivery_create"), self.form(**bad))
            self.assertEqual(response.status_code, 200, bad)
            self.assertContains(response, "errorlist")
        self.assertEqual(Delivery.objects.count(), 2)

    def test_it_refuses_an_arrival_in_the_future(self) -> None:
        self.login(self.alice)
        tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(
            reverse("stock:delivery_create"), self.form(arrived_at=tomorrow, departed_at="")
        )
        self.assertContains(response, "errorlist")
        self.assertEqual(Delivery.objects.count(), 2)

    def test_it_books_a_late_entry_today_not_on_a_day_already_reported(self) -> None:
        self.login(self.alice)
        last_week = (timezone.localtime() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
        self.client.post(
            reverse("stock:delivery_create"), self.form(arrived_at=last_week, departed_at="")
        )
        delivery = Delivery.objects.get(lines__quantity=10_000)
        self.assertEqual(timezone.localtime(delivery.arrived_at).strftime("%Y-%m-%dT%H:%M"),
                         last_week)  # fmt: skip
        movement = StockMovement.objects.get(delivery=delivery)
        self.assertEqual(timezone.localdate(movement.at), timezone.localdate())

    def test_it_lets_only_the_coordinator_record_deliveries(self) -> None:
        for user in (self.dan, self.rita, self.otto):
            self.login(user)
            response = self.client.post(reverse("stock:delivery_create"), self.form())
            self.assertEqual(response.status_code, 403)
        self.assertEqual(Delivery.objects.count(), 2)


class CountTestCase(BaseTestCase):
    def count(self, counted: str, reason: str = "") -> Any:
        self.login(self.alice)
        data = {"site": str(self.site_a.pk), "commodity": str(self.bread.pk),
                "counted": counted, "reason": reason}  # fmt: skip
        return self.client.post(reverse("stock:count_create"), data)

    def test_it_records_the_difference_as_an_adjustment_with_its_reason(self) -> None:
        self.count("97", "three loaves crushed")
        count = StockCount.objects.get()
        self.assertEqual((count.expected, count.counted, count.difference), (100, 97, -3))
        assert count.movement is not None
        self.assertEqual(count.movement.kind, MovementKind.COUNT_ADJUSTMENT)
        self.assertEqual(count.movement.quantity, -3)
        self.assertEqual(count.movement.reason, "three loaves crushed")
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 97)

    def test_it_shows_what_the_ledger_says_beside_the_form(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("stock:count_create"))
        self.assertContains(page, '<td class="num">100 бух.</td>', count=2)

    def test_it_asks_for_a_reason_when_the_count_differs(self) -> None:
        response = self.count("90")
        self.assertContains(response, "errorlist")
        self.assertEqual(StockCount.objects.count(), 0)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)

    def test_it_records_a_matching_count_without_a_movement(self) -> None:
        self.count("100")
        self.assertIsNone(StockCount.objects.get().movement)


class EnglishTestCase(BaseTestCase):
    """Pages read in English: the messages asserted on are the source strings, whatever the
    state of the Ukrainian catalogue."""

    def setUp(self) -> None:
        super().setUp()
        self.client.post(reverse("set_language"), {"language": "en"})


class DeliveryLinesTestCase(EnglishTestCase):
    water: Commodity

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.water = Commodity.objects.create(code="water", name="Вода", unit="пляш.")

    def post(self, **rows: str) -> Any:
        self.login(self.alice)
        data = {
            "site": str(self.site_b.pk), "source": "ООН ВПП (test)", "donor": "ЄС (test)",
            "arrived_at": "2026-11-28T06:30", "lines-TOTAL_FORMS": "5", "lines-INITIAL_FORMS": "0",
            **rows,
        }  # fmt: skip
        return self.client.post(reverse("stock:delivery_create"), data)

    def test_it_shows_several_empty_rows(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("stock:delivery_create"))
        self.assertContains(page, 'name="lines-4-quantity"')
        self.assertNotContains(page, 'name="lines-5-quantity"')
        more = self.client.get(reverse("stock:delivery_create"), {"rows": "8"})
        self.assertContains(more, 'name="lines-7-quantity"')

    def test_it_records_several_lines_with_the_donor(self) -> None:
        response = self.post(**{
            "lines-0-commodity": str(self.bread.pk), "lines-0-quantity": "5000",
            "lines-2-commodity": str(self.water.pk), "lines-2-quantity": "2000",
        })  # fmt: skip
        delivery = Delivery.objects.get(source="ООН ВПП (test)")
        self.assertRedirects(response, reverse("stock:overview"))
        self.assertEqual(delivery.donor, "ЄС (test)")
        self.assertEqual(
            sorted((line.commodity.code, line.quantity) for line in delivery.lines.all()),
            [("bread", 5000), ("water", 2000)],
        )
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 5100)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.water), 2000)
        self.assertEqual(StockMovement.objects.filter(delivery=delivery).count(), 2)

    def test_it_names_the_row_and_the_field_of_a_broken_line_and_writes_nothing(self) -> None:
        response = self.post(**{
            "lines-0-commodity": str(self.bread.pk), "lines-0-quantity": "5000",
            "lines-2-commodity": str(self.water.pk), "lines-2-quantity": "-3",
        })  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Line 3, quantity:")
        self.assertEqual(Delivery.objects.filter(source="ООН ВПП (test)").count(), 0)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 100)

    def test_it_asks_for_the_commodity_of_a_row_with_only_a_quantity(self) -> None:
        response = self.post(**{"lines-1-quantity": "40"})
        self.assertContains(response, "Line 2, commodity:")
        self.assertEqual(Delivery.objects.filter(source="ООН ВПП (test)").count(), 0)

    def test_it_refuses_a_delivery_without_lines(self) -> None:
        response = self.post()
        self.assertContains(response, "Add at least one line")
        self.assertEqual(Delivery.objects.filter(source="ООН ВПП (test)").count(), 0)

    def test_it_refuses_the_same_commodity_on_two_lines(self) -> None:
        response = self.post(**{
            "lines-0-commodity": str(self.bread.pk), "lines-0-quantity": "5",
            "lines-3-commodity": str(self.bread.pk), "lines-3-quantity": "6",
        })  # fmt: skip
        self.assertContains(response, "Line 4, commodity:")
        self.assertEqual(Delivery.objects.filter(source="ООН ВПП (test)").count(), 0)


class LossTestCase(EnglishTestCase):
    def post(self, **overrides: str) -> Any:
        self.login(self.alice)
        data = {"site": str(self.site_a.pk), "commodity": str(self.bread.pk), "quantity": "30",
                "cause": LossCause.STRIKE, "note": "склад, 27.11"}  # fmt: skip
        data.update(overrides)
        return self.client.post(reverse("stock:loss_create"), data)

    def test_it_records_a_loss_with_its_cause_and_the_stock_falls(self) -> None:
        response = self.post()
        self.assertRedirects(response, reverse("stock:overview"))
        loss = Loss.objects.get()
        self.assertEqual((loss.quantity, loss.cause, loss.note), (30, "strike", "склад, 27.11"))
        self.assertEqual((loss.movement.kind, loss.movement.quantity), (MovementKind.LOST, -30))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 70)
        self.assertTrue(AuditEvent.objects.filter(action="stock.record_loss").exists())
        overview = self.client.get(reverse("stock:overview"))
        self.assertContains(overview, "destroyed in a strike")

    def test_it_refuses_to_lose_more_than_is_on_hand(self) -> None:
        response = self.post(quantity="101")
        self.assertContains(response, "Out of stock: 101 needed, 100 left.")
        self.assertEqual(Loss.objects.count(), 0)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)

    def test_it_asks_what_happened_for_another_cause(self) -> None:
        response = self.post(cause=LossCause.OTHER, note="")
        self.assertContains(response, "errorlist")
        self.assertEqual(Loss.objects.count(), 0)

    def test_it_lets_only_the_coordinator_record_losses(self) -> None:
        for user in (self.dan, self.otto):
            self.login(user)
            data = {"site": str(self.site_a.pk), "commodity": str(self.bread.pk),
                    "quantity": "3", "cause": LossCause.SPOILED}  # fmt: skip
            self.assertEqual(self.client.post(reverse("stock:loss_create"), data).status_code, 403)
        self.assertEqual(Loss.objects.count(), 0)


class OverviewTestCase(EnglishTestCase):
    def test_it_shows_deliveries_with_their_lines_and_a_trace_link(self) -> None:
        self.login(self.otto)
        page = self.client.get(reverse("stock:overview"))
        delivery = Delivery.objects.filter(site=self.site_a).get()
        self.assertContains(page, "100 бух. Хліб")
        self.assertContains(page, reverse("stock:delivery", args=[delivery.pk]))
        # the auditor reads, and is offered nothing to write
        self.assertNotContains(page, reverse("stock:delivery_create"))

    def test_it_is_closed_to_the_desk_and_the_registrar(self) -> None:
        for user in (self.dan, self.rita):
            self.login(user)
            self.assertEqual(self.client.get(reverse("stock:overview")).status_code, 403)
