from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from hromada.core.models import AuditEvent
from hromada.stock.actions import balance_of
from hromada.stock.models import Delivery, MovementKind, StockCount, StockMovement
from tests.base import BaseTestCase


class DeliveryTestCase(BaseTestCase):
    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "site": str(self.site_a.pk),
            "commodity": str(self.bread.pk),
            "quantity": "10000",
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
        self.assertRedirects(response, reverse("stock:overview"))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 10_100)
        delivery = Delivery.objects.get(lines__quantity=10_000)
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
        for bad in ({"arrived_at": "28.13.2026"}, {"quantity": "-5"}, {"quantity": ""}):
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
