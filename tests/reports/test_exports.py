from __future__ import annotations

import csv
import io
from datetime import timedelta

import hxl
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hromada.distribution.actions import do_check_in
from hromada.distribution.models import DayTally
from hromada.people.actions import do_create_household, do_issue_card
from hromada.stock.actions import do_record_loss, do_send_transfer
from tests.base import BaseTestCase, member

TOWN = "Тестова громада"


@override_settings(HROMADA_TOWN_NAME=TOWN)
class ExportTestCase(BaseTestCase):
    def serve_both_sites(self) -> None:
        household = do_create_household(
            actor=self.alice, site=self.site_b, address="", members=[member(family="Бондар")]
        )
        card = do_issue_card(actor=self.alice, household=household)
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        do_check_in(actor=self.bea, session=self.session_b, card_code=card.code)

    def rows(self, response: HttpResponseBase) -> list[list[str]]:
        assert isinstance(response, HttpResponse)
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_it_exports_one_row_per_day_site_and_programme_as_csv(self) -> None:
        self.serve_both_sites()
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en"})
        response = self.client.get(reverse("reports:daily_csv"))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        today = timezone.localdate()
        start = today - timedelta(days=13)
        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="hromada-daily-{start.isoformat()}-{today.isoformat()}.csv"',
        )
        header, *rows = self.rows(response)
        self.assertEqual(
            header,
            ["date", "hromada", "site", "programme", "commodity", "unit", "households served",
             "people served", "units given"],
        )  # fmt: skip
        self.assertEqual(
            rows,
            [
                [today.isoformat(), TOWN, "Міська рада", "Хліб", "Хліб", "бух.", "1", "3", "6"],
                [today.isoformat(), TOWN, "Школа", "Хліб", "Хліб", "бух.", "1", "1", "2"],
            ],
        )

    def test_it_exports_hxl_that_the_hxl_library_reads(self) -> None:
        self.serve_both_sites()
        self.login(self.otto)
        response = self.client.get(reverse("reports:daily_hxl"), {"site": str(self.site_a.pk)})
        self.assertIn(".hxl.csv", response["Content-Disposition"])
        self.assertIn("-municipal-", response["Content-Disposition"])
        dataset = hxl.data(io.BytesIO(response.content), hxl.InputOptions(allow_local=True))
        self.assertEqual(
            [column.display_tag for column in dataset.columns],
            ["#date", "#adm3+name", "#loc+name", "#activity+name", "#item+name", "#item+unit",
             "#affected+households", "#affected+served", "#value"],
        )  # fmt: skip
        rows = list(dataset)
        tally = DayTally.objects.get(site=self.site_a)
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row.get("#date"), tally.day.isoformat())
        self.assertEqual(row.get("#adm3+name"), TOWN)
        self.assertEqual(row.get("#loc+name"), self.site_a.name)
        self.assertEqual(row.get("#activity+name"), self.programme.name)
        self.assertEqual(row.get("#item+name"), self.bread.name)
        self.assertEqual(int(row.get("#affected+households")), tally.households)
        self.assertEqual(int(row.get("#affected+served")), tally.people)
        self.assertEqual(int(row.get("#value")), tally.units)

    def test_it_exports_xlsx_with_dates_and_numbers(self) -> None:
        self.serve_both_sites()
        self.login(self.alice)
        response = self.client.get(reverse("reports:daily_xlsx"))
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn('.xlsx"', response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(len(values), 3)
        self.assertEqual(values[1][0].date(), timezone.localdate())
        self.assertEqual(values[1][2:], ["Міська рада", "Хліб", "Хліб", "бух.", 1, 3, 6])

    def test_it_shows_bea_nothing_of_site_a(self) -> None:
        self.serve_both_sites()
        self.login(self.bea)
        for name in ("reports:daily_csv", "reports:daily_hxl", "reports:stock_csv"):
            body = self.client.get(reverse(name)).content.decode("utf-8-sig")
            self.assertNotIn("Міська рада", body, name)
            self.assertIn("Школа", body, name)
            asked = self.client.get(reverse(name), {"site": str(self.site_a.pk)})
            self.assertEqual(asked.status_code, 400, name)
            self.assertNotIn("Міська рада", asked.content.decode(), name)

    def test_it_shows_bea_nothing_of_site_a_in_a_spreadsheet(self) -> None:
        self.serve_both_sites()
        self.login(self.bea)
        for name in ("reports:daily_xlsx", "reports:stock_xlsx"):
            sheet = load_workbook(io.BytesIO(self.client.get(reverse(name)).content)).active
            assert sheet is not None
            cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row}
            self.assertNotIn("Міська рада", cells, name)
            self.assertIn("Школа", cells, name)

    def test_it_gives_the_auditor_counts_and_nobody(self) -> None:
        self.serve_both_sites()
        self.login(self.otto)
        for name in ("reports:daily_csv", "reports:daily_hxl", "reports:stock_csv"):
            body = self.client.get(reverse(name)).content.decode("utf-8-sig")
            for personal in ("Коваль", "Оксана", "Бондар", self.card_a.code,
                             str(self.household_a.pk)):  # fmt: skip
                self.assertNotIn(personal, body, name)

    def test_it_lets_no_registrar_export(self) -> None:
        self.login(self.rita)
        self.assertEqual(self.client.get(reverse("reports:daily_csv")).status_code, 403)

    def test_it_exports_the_stock_of_each_site_with_what_is_in_transit(self) -> None:
        self.serve_both_sites()
        do_record_loss(actor=self.alice, site=self.site_a, commodity=self.bread, quantity=4,
                       cause="damaged", note="")  # fmt: skip
        do_send_transfer(actor=self.alice, from_site=self.site_a, to_site=self.site_b,
                         commodity=self.bread, quantity=10)  # fmt: skip
        self.login(self.alice)
        response = self.client.get(reverse("reports:stock_hxl"))
        dataset = hxl.data(io.BytesIO(response.content), hxl.InputOptions(allow_local=True))
        found = {
            row.get("#loc+name"): (int(row.get("#value+onhand")), int(row.get("#value+transit")))
            for row in dataset
        }
        # A: 100 - 6 given - 4 lost - 10 sent; B: 100 - 2 given, 10 on their way
        self.assertEqual(found, {"Міська рада": (80, 0), "Школа": (98, 10)})

    def test_it_keeps_a_name_that_looks_like_a_formula_as_text(self) -> None:
        self.site_a.name = "=HYPERLINK(1)"
        self.site_a.save()
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        self.login(self.alice)
        [_header, row] = self.rows(self.client.get(reverse("reports:daily_csv")))
        self.assertEqual(row[2], "'=HYPERLINK(1)")
        sheet = load_workbook(
            io.BytesIO(self.client.get(reverse("reports:daily_xlsx")).content)
        ).active
        assert sheet is not None
        self.assertEqual(sheet["C2"].data_type, "s")


class ReportsApiTestCase(BaseTestCase):
    def test_it_gives_the_daily_rows_with_site_and_date_filters(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        today = timezone.localdate().isoformat()
        found = self.api(self.otto).get("/api/v1/reports/daily", start=today, end=today).json()
        self.assertEqual(found["start"], today)
        [row] = found["rows"]
        self.assertEqual(
            (row["date"], row["site"], row["households"], row["people"], row["units"]),
            (today, str(self.site_a.pk), 1, 3, 6),
        )
        site_b = self.api(self.otto).get("/api/v1/reports/daily", site=str(self.site_b.pk))
        self.assertEqual(site_b.json()["rows"], [])
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        before = self.api(self.otto).get("/api/v1/reports/daily", end=yesterday).json()
        self.assertEqual(before["rows"], [])

    def test_it_refuses_a_range_that_ends_before_it_starts(self) -> None:
        response = self.api(self.alice).get(
            "/api/v1/reports/daily", start="2026-03-10", end="2026-03-01"
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid")

    def test_it_shows_bea_nothing_of_site_a(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        everything = self.api(self.bea).get("/api/v1/reports/daily").json()
        self.assertEqual(everything["rows"], [])
        for path in ("/api/v1/reports/daily", "/api/v1/reports/stock-days"):
            response = self.api(self.bea).get(path, site=str(self.site_a.pk))
            self.assertEqual(response.status_code, 404, path)
        stock = self.api(self.bea).get("/api/v1/reports/stock-days").json()
        self.assertEqual([c["on_hand"] for c in stock["commodities"]], [100])

    def test_it_gives_the_days_the_stock_lasts(self) -> None:
        do_check_in(actor=self.dan, session=self.session_a, card_code=self.card_a.code)
        found = (
            self.api(self.alice).get("/api/v1/reports/stock-days", site=str(self.site_a.pk)).json()
        )
        [line] = found["commodities"]
        self.assertEqual(
            (line["on_hand"], line["given_today"], line["rate"], line["days_left"]), (94, 6, 6, 15)
        )
        town = self.api(self.alice).get("/api/v1/reports/stock-days").json()
        self.assertEqual(town["commodities"][0]["days_left"], (94 + 100) // 6)

    def test_it_lets_no_registrar_read_the_figures(self) -> None:
        for path in ("/api/v1/reports/daily", "/api/v1/reports/stock-days"):
            self.assertEqual(self.api(self.rita).get(path).status_code, 403, path)

    def test_it_documents_the_figures_in_the_schema(self) -> None:
        schema = self.client.get("/api/v1/openapi.json").json()
        self.assertIn("/api/v1/reports/daily", schema["paths"])
        self.assertIn("/api/v1/reports/stock-days", schema["paths"])
        self.assertIn("DailyRowOut", schema["components"]["schemas"])
        self.assertIn("StockDaysOut", schema["components"]["schemas"])

    def test_it_refuses_a_day_that_is_not_in_the_calendar(self) -> None:
        for start in ("2026-02-30", "0"):
            response = self.api(self.alice).get("/api/v1/reports/daily", start=start)
            self.assertEqual(response.status_code, 422, start)
