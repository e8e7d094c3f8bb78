"""Transfers between sites: they leave one site, are in transit on neither, and arrive at the
other, perhaps fewer than left."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from hromada.core.models import AuditEvent
from hromada.stock.actions import balance_of, do_send_transfer
from hromada.stock.models import Loss, LossCause, MovementKind, StockMovement, Transfer
from tests.base import BaseTestCase


class TransferTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.post(reverse("set_language"), {"language": "en"})

    def send(self, quantity: int = 40) -> Transfer:
        return do_send_transfer(
            actor=self.alice, from_site=self.site_a, to_site=self.site_b, commodity=self.bread,
            quantity=quantity, note="van 2",
        )  # fmt: skip

    def post_send(self, **overrides: str) -> Any:
        self.login(self.alice)
        data = {"from_site": str(self.site_a.pk), "to_site": str(self.site_b.pk),
                "commodity": str(self.bread.pk), "quantity": "40", "note": "van 2"}  # fmt: skip
        data.update(overrides)
        return self.client.post(reverse("stock:transfer_create"), data)

    def receive(self, transfer: Transfer, received: str, note: str = "") -> Any:
        url = reverse("stock:transfer_receive", args=[transfer.pk])
        return self.client.post(url, {"received": received, "note": note})

    def test_it_sends_units_that_leave_one_site_and_are_on_neither(self) -> None:
        response = self.post_send()
        self.assertRedirects(response, reverse("stock:transfers"))
        transfer = Transfer.objects.get()
        self.assertEqual(transfer.status, Transfer.Status.IN_TRANSIT)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 60)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 100)
        self.assertEqual(transfer.sent_movement.kind, MovementKind.TRANSFER_OUT)
        self.assertTrue(AuditEvent.objects.filter(action="stock.send_transfer").exists())

    def test_it_counts_units_in_transit_once_on_the_overview(self) -> None:
        self.send(40)
        self.login(self.otto)
        page = self.client.get(reverse("stock:overview"))
        self.assertContains(page, '<td class="num">160 бух.</td>')  # on hand at the two sites
        self.assertContains(page, '<td class="num">40 бух.</td><td class="num">1</td>')

    def test_it_refuses_to_send_more_than_the_site_has(self) -> None:
        response = self.post_send(quantity="101")
        self.assertContains(response, "Out of stock: 101 needed, 100 left.")
        self.assertEqual(Transfer.objects.count(), 0)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 100)

    def test_it_refuses_a_transfer_to_the_same_site(self) -> None:
        response = self.post_send(to_site=str(self.site_a.pk))
        self.assertContains(response, "A transfer goes to another site.")
        self.assertEqual(Transfer.objects.count(), 0)

    def test_it_lets_only_the_coordinator_send(self) -> None:
        for user in (self.dan, self.otto, self.rita):
            self.login(user)
            response = self.client.post(reverse("stock:transfer_create"), {})
            self.assertEqual(response.status_code, 403)

    def test_it_receives_the_whole_transfer(self) -> None:
        transfer = self.send(40)
        self.login(self.alice)
        response = self.receive(transfer, "40")
        self.assertRedirects(response, reverse("stock:transfers"))
        transfer.refresh_from_db()
        self.assertEqual((transfer.status, transfer.received_quantity), ("received", 40))
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 140)
        self.assertIsNone(transfer.loss)

    def test_it_books_what_did_not_arrive_as_lost_in_transit(self) -> None:
        transfer = self.send(40)
        self.login(self.bea)  # the distributor at the receiving site counts the van
        response = self.receive(transfer, "35", "5 crushed on the road")
        self.assertRedirects(response, reverse("stock:transfers"))
        transfer.refresh_from_db()
        self.assertEqual(transfer.received_quantity, 35)
        self.assertEqual(transfer.received_by, self.bea)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 135)
        loss = Loss.objects.get()
        self.assertEqual((loss.quantity, loss.cause, loss.site), (5, LossCause.IN_TRANSIT,
                                                                  self.site_b))  # fmt: skip
        self.assertEqual(transfer.loss, loss)
        # the ledger of site B adds up: 100 + 40 in - 5 lost
        self.assertEqual(StockMovement.objects.filter(site=self.site_b).total(), 135)

    def test_it_asks_what_happened_when_fewer_arrive(self) -> None:
        transfer = self.send(40)
        self.login(self.alice)
        response = self.receive(transfer, "30")
        self.assertContains(response, "Fewer units arrived than were sent: say what happened.")
        transfer.refresh_from_db()
        self.assertEqual(transfer.status, Transfer.Status.IN_TRANSIT)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 100)

    def test_it_refuses_more_than_were_sent(self) -> None:
        transfer = self.send(40)
        self.login(self.alice)
        response = self.receive(transfer, "41")
        self.assertContains(response, "At most 40 can arrive")
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 100)

    def test_it_receives_a_transfer_once(self) -> None:
        transfer = self.send(40)
        self.login(self.alice)
        self.receive(transfer, "40")
        again = self.receive(transfer, "40")
        self.assertRedirects(again, reverse("stock:transfers"))
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 140)
        self.assertEqual(StockMovement.objects.filter(kind=MovementKind.TRANSFER_IN).count(), 1)

    def test_it_lets_no_desk_of_the_sending_site_confirm_receipt(self) -> None:
        transfer = self.send(40)
        self.login(self.dan)  # site A sent it: the receipt is signed where it arrives
        self.assertEqual(self.receive(transfer, "40").status_code, 404)
        self.login(self.otto)
        self.assertEqual(self.receive(transfer, "40").status_code, 403)
        transfer.refresh_from_db()
        self.assertEqual(transfer.status, Transfer.Status.IN_TRANSIT)

    def test_it_lists_transfers_to_the_desks_at_either_end_and_offers_receipt_at_one(
        self,
    ) -> None:
        transfer = self.send(40)
        receive_url = reverse("stock:transfer_receive", args=[transfer.pk])
        self.login(self.bea)
        page = self.client.get(reverse("stock:transfers"))
        self.assertContains(page, "van 2")
        self.assertContains(page, receive_url)
        self.login(self.dan)
        page = self.client.get(reverse("stock:transfers"))
        self.assertContains(page, "van 2")
        self.assertNotContains(page, receive_url)
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("stock:transfers")).status_code, 403)

    def test_it_shows_a_distributor_only_the_transfers_of_their_sites(self) -> None:
        site_c = type(self.site_a).objects.create(code="dorm", name="Гуртожиток")
        do_send_transfer(
            actor=self.alice, from_site=self.site_b, to_site=site_c, commodity=self.bread,
            quantity=5, note="to the dormitory",
        )  # fmt: skip
        self.login(self.dan)
        self.assertNotContains(self.client.get(reverse("stock:transfers")), "to the dormitory")
