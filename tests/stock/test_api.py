"""The stock over JSON: balances, the ledger, deliveries, transfers, losses and counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hromada.core.models import IdempotencyRecord
from hromada.stock.actions import balance_of, do_send_transfer
from hromada.stock.models import Commodity, Delivery, Loss, StockCount, Transfer
from tests.base import BaseTestCase

BASE = "/api/v1/stock"


class StockApiTestCase(BaseTestCase):
    water: Commodity

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.water = Commodity.objects.create(code="water", name="Вода", unit="пляш.")

    def delivery(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "site": str(self.site_a.pk), "source": "ООН ВПП (test)", "donor": "ЄС (test)",
            "arrived_at": timezone.now().isoformat(),
            "lines": [{"commodity": str(self.bread.pk), "quantity": 500},
                      {"commodity": str(self.water.pk), "quantity": 200}],
        }  # fmt: skip
        body.update(overrides)
        return body

    def transfer(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"from_site": str(self.site_a.pk), "to_site": str(self.site_b.pk),
                                "commodity": str(self.bread.pk), "quantity": 30}  # fmt: skip
        body.update(overrides)
        return body

    # -- reading ------------------------------------------------------------------------------

    def test_it_gives_balances_and_what_is_in_transit_once(self) -> None:
        do_send_transfer(actor=self.alice, from_site=self.site_a, to_site=self.site_b,
                         commodity=self.bread, quantity=30)  # fmt: skip
        body = self.api(self.otto).get(f"{BASE}/balances").json()
        on_hand = {(b["site"], b["commodity"]): b["on_hand"] for b in body["balances"]}
        self.assertEqual(on_hand[(str(self.site_a.pk), str(self.bread.pk))], 70)
        self.assertEqual(on_hand[(str(self.site_b.pk), str(self.bread.pk))], 100)
        self.assertEqual(
            [(t["commodity"], t["quantity"], t["transfers"]) for t in body["in_transit"]],
            [(str(self.bread.pk), 30, 1)],
        )

    def test_it_shows_a_distributor_only_their_sites(self) -> None:
        body = self.api(self.bea).get(f"{BASE}/balances").json()
        self.assertEqual({b["site"] for b in body["balances"]}, {str(self.site_b.pk)})
        movements = self.api(self.bea).get(f"{BASE}/movements").json()
        self.assertEqual({m["site"] for m in movements["items"]}, {str(self.site_b.pk)})

    def test_it_refuses_the_registrar(self) -> None:
        self.assertEqual(self.api(self.rita).get(f"{BASE}/balances").status_code, 403)
        self.assertEqual(self.api(self.rita).get(f"{BASE}/movements").status_code, 403)

    def test_it_pages_the_ledger_newest_first_with_filters(self) -> None:
        api = self.api(self.alice)
        api.post(f"{BASE}/deliveries", self.delivery())
        body = api.get(f"{BASE}/movements", site=str(self.site_a.pk), limit=2).json()
        self.assertEqual(body["count"], 3)  # the first truck, and the two lines of this one
        self.assertEqual(len(body["items"]), 2)
        newest = body["items"][0]["at"]
        self.assertGreaterEqual(newest, body["items"][1]["at"])
        water = api.get(f"{BASE}/movements", commodity=str(self.water.pk)).json()
        self.assertEqual([(m["kind"], m["quantity"]) for m in water["items"]],
                         [("received", 200)])  # fmt: skip
        later = api.get(f"{BASE}/movements", since=timezone.now().isoformat()).json()
        self.assertEqual(later["count"], 0)

    # -- deliveries ---------------------------------------------------------------------------

    def test_it_records_a_delivery_with_its_lines(self) -> None:
        response = self.api(self.alice).post(f"{BASE}/deliveries", self.delivery())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["donor"], "ЄС (test)")
        self.assertEqual(sorted(line["quantity"] for line in body["lines"]), [200, 500])
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 600)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.water), 200)

    def test_it_names_the_line_and_field_in_the_requests_language(self) -> None:
        lines = [{"commodity": str(self.bread.pk), "quantity": 5},
                 {"commodity": "00000000-0000-0000-0000-000000000000", "quantity": 5}]  # fmt: skip
        response = self.api(self.alice, language="uk").post(
            f"{BASE}/deliveries", self.delivery(lines=lines)
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["fields"], ["lines.1.commodity"])
        self.assertIn("Зробить коректний вибір", response.json()["message"])
        self.assertEqual(Delivery.objects.count(), 2)

    def test_it_refuses_the_same_commodity_twice_and_a_broken_quantity(self) -> None:
        api = self.api(self.alice)
        twice = [{"commodity": str(self.bread.pk), "quantity": 5}] * 2
        response = api.post(f"{BASE}/deliveries", self.delivery(lines=twice))
        self.assertEqual(response.json()["fields"], ["lines.1.commodity"])
        broken = [{"commodity": str(self.bread.pk), "quantity": 0}]
        response = api.post(f"{BASE}/deliveries", self.delivery(lines=broken))
        self.assertEqual(response.status_code, 422)
        self.assertIn("lines.0.quantity", response.json()["fields"])
        response = api.post(f"{BASE}/deliveries", self.delivery(lines=[]))
        self.assertEqual(response.json()["fields"], ["lines"])
        self.assertEqual(Delivery.objects.count(), 2)

    def test_it_refuses_an_arrival_in_the_future(self) -> None:
        future = (timezone.now() + timedelta(days=1)).isoformat()
        response = self.api(self.alice).post(f"{BASE}/deliveries",
                                             self.delivery(arrived_at=future))  # fmt: skip
        self.assertEqual((response.status_code, response.json()["fields"]), (422, ["arrived_at"]))

    def test_it_lets_only_the_coordinator_write(self) -> None:
        for user in (self.dan, self.otto, self.rita):
            api = self.api(user)
            self.assertEqual(api.post(f"{BASE}/deliveries", self.delivery()).status_code, 403)
            self.assertEqual(api.post(f"{BASE}/transfers", self.transfer()).status_code, 403)
        self.assertEqual(Delivery.objects.count(), 2)

    def test_it_answers_a_retried_delivery_with_the_first_answer(self) -> None:
        api = self.api(self.alice)
        first = api.post(f"{BASE}/deliveries", self.delivery(), **{"Idempotency-Key": "truck-7"})
        again = api.post(f"{BASE}/deliveries", self.delivery(), **{"Idempotency-Key": "truck-7"})
        self.assertEqual(first.status_code, 201)
        self.assertEqual((again.status_code, again.json()), (201, first.json()))
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 600)
        long_key = api.post(f"{BASE}/deliveries", self.delivery(), **{"Idempotency-Key": "k" * 201})
        self.assertEqual(long_key.status_code, 422)

    # -- transfers ----------------------------------------------------------------------------

    def test_it_sends_and_receives_a_transfer_short(self) -> None:
        sent = self.api(self.alice).post(f"{BASE}/transfers", self.transfer(note="van 2"))
        self.assertEqual(sent.status_code, 201, sent.content)
        transfer_id = sent.json()["id"]
        self.assertEqual(sent.json()["status"], "in_transit")
        url = f"{BASE}/transfers/{transfer_id}/receive"
        bea = self.api(self.bea)
        no_note = bea.post(url, {"received": 25})
        self.assertEqual((no_note.status_code, no_note.json()["fields"]), (422, ["note"]))
        received = bea.post(url, {"received": 25, "note": "5 crushed"}, **{"Idempotency-Key": "r"})
        self.assertEqual(received.status_code, 200, received.content)
        self.assertEqual(received.json()["lost_in_transit"], 5)
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 125)
        retried = bea.post(url, {"received": 25, "note": "5 crushed"}, **{"Idempotency-Key": "r"})
        self.assertEqual((retried.status_code, retried.json()), (200, received.json()))
        twice = bea.post(url, {"received": 25, "note": "5 crushed"})
        self.assertEqual((twice.status_code, twice.json()["code"]), (409, "already_received"))
        self.assertEqual(Loss.objects.get().quantity, 5)

    def test_it_refuses_to_send_more_than_there_is(self) -> None:
        response = self.api(self.alice).post(f"{BASE}/transfers", self.transfer(quantity=101))
        self.assertEqual(response.status_code, 409)
        self.assertEqual((response.json()["code"], response.json()["left"]), ("out_of_stock", 100))
        self.assertEqual(Transfer.objects.count(), 0)
        same = self.api(self.alice).post(f"{BASE}/transfers",
                                         self.transfer(to_site=str(self.site_a.pk)))  # fmt: skip
        self.assertEqual((same.status_code, same.json()["fields"]), (422, ["to_site"]))

    def test_it_lets_only_the_receiving_site_confirm(self) -> None:
        transfer = do_send_transfer(actor=self.alice, from_site=self.site_a, to_site=self.site_b,
                                    commodity=self.bread, quantity=30)  # fmt: skip
        url = f"{BASE}/transfers/{transfer.pk}/receive"
        self.assertEqual(self.api(self.dan).post(url, {"received": 30}).status_code, 404)
        self.assertEqual(self.api(self.otto).post(url, {"received": 30}).status_code, 403)
        listed = self.api(self.dan).get(f"{BASE}/transfers", status="in_transit").json()
        self.assertEqual([t["id"] for t in listed["items"]], [str(transfer.pk)])
        self.assertEqual(self.api(self.alice).post(url, {"received": 30}).status_code, 200)

    # -- losses and counts --------------------------------------------------------------------

    def test_it_records_a_loss(self) -> None:
        api = self.api(self.alice)
        body = {"site": str(self.site_a.pk), "commodity": str(self.bread.pk), "quantity": 12,
                "cause": "strike", "note": "warehouse"}  # fmt: skip
        response = api.post(f"{BASE}/losses", body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(balance_of(site=self.site_a, commodity=self.bread), 88)
        too_many = api.post(f"{BASE}/losses", {**body, "quantity": 89})
        self.assertEqual((too_many.status_code, too_many.json()["code"]), (409, "out_of_stock"))
        unexplained = api.post(f"{BASE}/losses", {**body, "cause": "other", "note": ""})
        self.assertEqual((unexplained.status_code, unexplained.json()["fields"]), (422, ["note"]))
        bad_cause = api.post(f"{BASE}/losses", {**body, "cause": "eaten"})
        self.assertEqual((bad_cause.status_code, bad_cause.json()["fields"]), (422, ["cause"]))
        self.assertEqual(Loss.objects.count(), 1)

    def test_it_records_a_count_and_its_difference(self) -> None:
        api = self.api(self.alice)
        body = {"site": str(self.site_b.pk), "commodity": str(self.bread.pk), "counted": 96}
        no_reason = api.post(f"{BASE}/counts", body)
        self.assertEqual((no_reason.status_code, no_reason.json()["fields"]), (422, ["reason"]))
        response = api.post(f"{BASE}/counts", {**body, "reason": "4 mouldy"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["expected"], response.json()["difference"]), (100, -4))
        self.assertEqual(balance_of(site=self.site_b, commodity=self.bread), 96)
        self.assertEqual(StockCount.objects.count(), 1)

    def test_it_remembers_only_writes_under_a_key(self) -> None:
        api = self.api(self.alice)
        body = {"site": str(self.site_b.pk), "commodity": str(self.bread.pk), "counted": 90}
        api.post(f"{BASE}/counts", body, **{"Idempotency-Key": "count-1"})
        self.assertEqual(IdempotencyRecord.objects.count(), 0)
        api.post(f"{BASE}/counts", {**body, "reason": "x"}, **{"Idempotency-Key": "count-1"})
        self.assertEqual(IdempotencyRecord.objects.count(), 1)
