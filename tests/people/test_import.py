from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from unittest import mock

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from hromada.core.models import AuditEvent, Role
from hromada.lib.documents import RNOKPP_EPOCH, InvalidDocument, rnokpp_check_digit
from hromada.lib.phones import InvalidPhone, normalise_phone
from hromada.people import imports
from hromada.people.actions import MemberData, do_create_household
from hromada.people.errors import document_error, phone_error
from hromada.people.models import (
    Card,
    DocumentKind,
    DuplicatePair,
    Household,
    Person,
    PersonStatus,
    RegistryImport,
    Residency,
    Sex,
)
from tests.base import BaseTestCase, make_user

HEADERS = ["household", "family name", "given name", "patronymic", "sex", "birth date", "phone",
           "RNOKPP", "address", "head"]  # fmt: skip


def rnokpp(born: date, serial: str = "0015") -> str:
    """A tax number with a correct check digit, for someone born on `born`."""
    first_nine = f"{(born - RNOKPP_EPOCH).days:05d}{serial}"
    return first_nine + str(rnokpp_check_digit(first_nine))


def broken_rnokpp(born: date) -> str:
    good = rnokpp(born)
    return good[:9] + str((int(good[9]) + 1) % 10)


def csv_file(
    rows: list[list[str]], *, headers: list[str] = HEADERS, delimiter: str = ",",
    encoding: str = "utf-8", name: str = "list.csv",
) -> SimpleUploadedFile:  # fmt: skip
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows([headers, *rows])
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


class ImportTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # pages in English, so that the messages asserted on are the msgids
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def upload(self, upload: SimpleUploadedFile, site: Any = None) -> Any:
        return self.client.post(
            reverse("people:import"), {"site": str((site or self.site_a).pk), "file": upload}
        )

    def uploaded(self, upload: SimpleUploadedFile) -> RegistryImport:
        response = self.upload(upload)
        registry_import = RegistryImport.objects.get()
        self.assertRedirects(response, reverse("people:import_map", args=[registry_import.pk]))
        return registry_import

    def guessed(self, registry_import: RegistryImport) -> dict[str, str]:
        page = self.client.get(reverse("people:import_map", args=[registry_import.pk]))
        self.assertEqual(page.status_code, 200)
        form = page.context["form"]
        return {name: form[name].value() for name in form.fields if form[name].value()}

    def map(self, registry_import: RegistryImport, mapping: dict[str, str] | None = None) -> Any:
        """Confirm the guessed mapping (or the one given); returns the preview's plan."""
        mapping = mapping if mapping is not None else self.guessed(registry_import)
        response = self.client.post(
            reverse("people:import_map", args=[registry_import.pk]), mapping
        )
        preview = reverse("people:import_preview", args=[registry_import.pk])
        self.assertRedirects(response, preview)
        page = self.client.get(preview)
        self.assertEqual(page.status_code, 200)
        self.page = page
        return page.context["plan"]

    def run_import(self, registry_import: RegistryImport, rows: int) -> Any:
        return self.client.post(
            reverse("people:import_run", args=[registry_import.pk]), {"rows": str(rows)}
        )

    def new_persons(self) -> list[Person]:
        return list(
            Person.objects.exclude(household=self.household_a).order_by("household", "created_at")
        )


class ReadTestCase(ImportTestCase):
    def test_it_imports_a_utf8_csv_in_households_with_their_heads_and_cards(self) -> None:
        self.login(self.rita)
        born = date(1957, 3, 14)
        registry_import = self.uploaded(csv_file([
            ["7", "Знам'янська", "Людмила", "Іванівна", "ж", "14.03.1957", "067 123 45 67",
             rnokpp(born), "вул. Садова, 5", ""],
            ["7", "Знам'янський", "Петро", "Олегович", "ч", "1950", "", "", "", "так"],
            ["", "Petrenko", "Ihor", "", "male", "1949-02-03", "", "", "", ""],
        ]))  # fmt: skip
        plan = self.map(registry_import)
        self.assertEqual(plan.problems, [])
        self.assertEqual(plan.valid_rows, 3)
        response = self.run_import(registry_import, 3)
        self.assertRedirects(response, reverse("people:import_preview", args=[registry_import.pk]))
        households = Household.objects.exclude(pk=self.household_a.pk)
        self.assertEqual(households.count(), 2)
        family = households.get(address="вул. Садова, 5")
        members = {p.given_name: p for p in family.members.all()}
        self.assertEqual(set(members), {"Людмила", "Петро"})
        self.assertTrue(members["Петро"].is_head)  # the head column, not the first row
        self.assertFalse(members["Людмила"].is_head)
        self.assertEqual(members["Людмила"].phone, "+380671234567")
        self.assertEqual(members["Людмила"].birth_date, born)
        self.assertEqual(members["Людмила"].documents.get().kind, DocumentKind.RNOKPP)
        self.assertEqual(members["Петро"].birth_date, date(1950, 1, 1))
        alone = households.exclude(pk=family.pk).get()
        petrenko = alone.members.get()
        self.assertTrue(petrenko.is_head)
        self.assertEqual(petrenko.birth_date, date(1949, 2, 3))
        self.assertEqual(petrenko.sex, Sex.MALE)
        for household in households:
            self.assertEqual(household.site, self.site_a)
            self.assertIsNotNone(household.active_card())
        registry_import.refresh_from_db()
        self.assertEqual(registry_import.status, RegistryImport.Status.IMPORTED)
        self.assertEqual(bytes(registry_import.content), b"")
        self.assertEqual(registry_import.rows_imported, 3)
        result = self.client.get(reverse("people:import_preview", args=[registry_import.pk]))
        self.assertContains(result, "3 people from list.csv registered")

    def test_it_reads_a_cp1251_csv_separated_by_semicolons_with_ukrainian_headers(self) -> None:
        self.login(self.rita)
        headers = ["Номер домогосподарства", "Прізвище", "Ім'я", "По батькові", "Стать",
                   "Дата народження", "Телефон", "Адреса", "Звідки"]  # fmt: skip
        registry_import = self.uploaded(csv_file([
            ["1", "Ткаченко", "Ганна", "Миколаївна", "жін.", "14.03.1957", "", "вул. Миру, 3",
             "Бахмутська"],
            ["1", "Ткаченко", "Юрій", "Іванович", "чол.", "1955", "", "", "Бахмутська"],
        ], headers=headers, delimiter=";", encoding="cp1251"))  # fmt: skip
        self.assertEqual(
            self.guessed(registry_import),
            {"household": "Номер домогосподарства", "family_name": "Прізвище",
             "given_name": "Ім'я", "patronymic": "По батькові", "sex": "Стать",
             "birth": "Дата народження", "phone": "Телефон", "address": "Адреса",
             "displaced_from": "Звідки"},
        )  # fmt: skip
        plan = self.map(registry_import)
        self.assertEqual(plan.problems, [])
        self.run_import(registry_import, 2)
        household = Household.objects.exclude(pk=self.household_a.pk).get()
        self.assertEqual(household.address, "вул. Миру, 3")
        hanna = household.members.get(given_name="Ганна")
        self.assertEqual(hanna.family_name, "Ткаченко")
        self.assertEqual(hanna.sex, Sex.FEMALE)
        self.assertTrue(hanna.is_head)  # no head column: the first row of the household
        self.assertEqual(hanna.residency, Residency.DISPLACED)
        self.assertEqual(hanna.displaced_from, "Бахмутська")

    def test_it_reads_a_kobotoolbox_xlsx_with_dates_in_cells(self) -> None:
        self.login(self.rita)
        # Excel's cells know no time zone: openpyxl refuses an aware datetime
        submitted = datetime(2026, 11, 1, 9, 30)  # noqa: DTZ001
        dob = datetime(1944, 12, 1)  # noqa: DTZ001
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["start", "group_hh/household_id", "group_person/family_name",
                      "group_person/given_name", "group_person/patronymic", "group_person/sex",
                      "group_person/dob", "group_person/phone", "group_person/doc_type",
                      "group_person/doc_number", "group_person/vulnerabilities",
                      "_uuid"])  # fmt: skip
        sheet.append([submitted, "h-1", "Мельник", "Марія", "Іванівна",
                      "female", dob, 380501234567, "passport_booklet",
                      "ab 123456", "older_person disability", "u1"])  # fmt: skip
        sheet.append([None, "h-1", "Мельник", "Іван", "", "male", date(1941, 6, 22), None,
                      None, None, None, "u2"])  # fmt: skip
        sheet.append([None] * 12)
        sheet.append([None, "h-2", "Шевчук", "Олена", "", "f", 21_000, None, "id_card",
                      "123456789", "", "u3"])  # fmt: skip
        buffer = io.BytesIO()
        workbook.save(buffer)
        registry_import = self.uploaded(SimpleUploadedFile("kobo.xlsx", buffer.getvalue()))
        mapping = self.guessed(registry_import)
        self.assertEqual(mapping["family_name"], "group_person/family_name")
        self.assertEqual(mapping["birth"], "group_person/dob")
        self.assertEqual(mapping["household"], "group_hh/household_id")
        self.assertEqual(mapping["vulnerabilities"], "group_person/vulnerabilities")
        self.assertNotIn("start", mapping.values())
        # a disability needs its group, which this form did not ask: the row says so
        plan = self.map(registry_import)
        self.assertEqual(
            [(p.row, p.column) for p in plan.problems],
            [(2, "group_person/vulnerabilities"), (3, "")],
        )
        # the form is corrected: the mapping is changed to leave out the vulnerabilities
        del mapping["vulnerabilities"]
        plan = self.map(registry_import, mapping)
        self.assertEqual(plan.problems, [])
        # the empty row 4 is skipped, its number kept: Шевчук is row 5
        self.assertEqual([row for h in plan.households for row, _m in h.members], [2, 3, 5])
        self.run_import(registry_import, 3)
        maria = Person.objects.get(given_name="Марія")
        self.assertEqual(maria.birth_date, date(1944, 12, 1))
        self.assertEqual(maria.phone, "+380501234567")
        self.assertEqual(maria.documents.get().number, "АВ123456")
        ivan = Person.objects.get(given_name="Іван")
        self.assertEqual(ivan.household_id, maria.household_id)
        self.assertEqual(ivan.birth_date, date(1941, 6, 22))
        # an Excel serial number in a date column: day 21000 is 29 June 1957
        self.assertEqual(Person.objects.get(given_name="Олена").birth_date, date(1957, 6, 29))

    def test_it_refuses_files_it_cannot_read_and_stores_nothing(self) -> None:
        self.login(self.rita)
        cases = [
            (SimpleUploadedFile("empty.csv", b""), "file is empty"),
            (SimpleUploadedFile("blank.csv", b"\r\n\r\n"), "The file is empty"),
            (SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
             "neither a CSV nor an XLSX"),
            (SimpleUploadedFile("broken.xlsx", b"PK\x03\x04 not really a zip"),
             "neither a CSV nor an XLSX"),
            (csv_file([], headers=HEADERS), "no rows to import"),
        ]  # fmt: skip
        for upload, message in cases:
            with self.subTest(file=upload.name):
                response = self.upload(upload)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        with mock.patch.object(imports, "MAX_ROWS", 2):
            rows = [["", "Бойко", f"Ім{i}", "", "ж", "1970", "", "", "", ""] for i in range(3)]
            response = self.upload(csv_file(rows))
            self.assertContains(response, "more than 2 rows")
        with mock.patch.object(imports, "MAX_BYTES", 10):
            response = self.upload(csv_file([["", "Бойко", "Ім", "", "ж", "1970"] + [""] * 4]))
            self.assertContains(response, "larger than")
        self.assertFalse(RegistryImport.objects.exists())

    def test_it_asks_for_the_columns_without_which_no_row_is_valid(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
        )
        url = reverse("people:import_map", args=[registry_import.pk])
        response = self.client.post(url, {"family_name": "family name", "sex": "family name"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose the columns of the family and given names")
        self.assertContains(response, "Choose the column of the birth date or year")
        self.assertContains(response, "is already chosen for another field")
        registry_import.refresh_from_db()
        self.assertEqual(registry_import.mapping, {})


class ProblemTestCase(ImportTestCase):
    def test_it_lists_every_problem_by_row_and_column_and_imports_only_the_valid_rows(
        self,
    ) -> None:
        self.login(self.rita)
        born = date(1980, 1, 2)
        registry_import = self.uploaded(csv_file([
            ["", "Бойко", "Ганна", "", "ж", "02.01.1980", "", rnokpp(born), "", ""],  # 2 valid
            ["", "Гнатюк", "Ірина", "", "ж", "31.02.1990", "", "", "", ""],  # 3 no such day
            ["", "", "Олег", "", "ч", "1975", "", "", "", ""],  # 4 no family name
            ["", "Кравець", "Ольга", "", "x", "1975", "", "", "", ""],  # 5 unknown sex
            ["", "Лисенко", "Павло", "", "ч", "02.01.1980", "", broken_rnokpp(born), "", ""],
            ["", "Мороз", "Зоя", "", "ж", "1966", "12", "", "", ""],  # 7 not a phone
            ["9", "Сидоренко", "Віра", "", "ж", "1960", "", "", "", ""],  # 8 valid, but ...
            ["9", "Сидоренко", "Ян", "", "ч", "1961/2", "", "", "", ""],  # 9 broken date
            ["", "Романенко", "Софія", "", "F", "1999", "+380 50 765 43 21", "", "", ""],  # 10
        ]))  # fmt: skip
        plan = self.map(registry_import)
        self.assertEqual(
            [(p.row, p.column) for p in plan.problems],
            [(3, "birth date"), (4, "family name"), (5, "sex"), (6, "RNOKPP"), (7, "phone"),
             (8, ""), (9, "birth date")],
        )  # fmt: skip
        reasons = {p.row: p.reason for p in plan.problems}
        self.assertEqual(reasons[3], "There is no such day in the calendar.")
        self.assertEqual(reasons[4], "This field is required.")
        self.assertIn("ж or ч", reasons[5])
        self.assertEqual(reasons[6], document_error(InvalidDocument("check_digit")))
        self.assertIn("check digit", reasons[6])
        with self.assertRaises(InvalidPhone) as bad_phone:
            normalise_phone("12")
        self.assertEqual(reasons[7], phone_error(bad_phone.exception))
        self.assertIn("row 9", reasons[8])  # the household stays back whole
        for reason in reasons.values():
            self.assertContains(self.page, escape(reason))
        self.assertEqual(plan.valid_rows, 2)
        self.assertContains(self.page, "Import the 2 valid rows")

        self.run_import(registry_import, 2)
        self.assertEqual(sorted(p.family_name for p in self.new_persons()), ["Бойко", "Романенко"])
        result = self.client.get(reverse("people:import_preview", args=[registry_import.pk]))
        self.assertContains(result, "There is no such day in the calendar.")
        self.assertEqual(len(result.context["problems"]), 7)
        # no name of the list in the audit log, only which fields
        for event in AuditEvent.objects.filter(action__startswith="people."):
            self.assertNotIn("Бойко", repr(event.__dict__))
            self.assertNotIn("list.csv", repr(event.__dict__))

    def test_it_shows_the_problems_in_ukrainian_by_default(self) -> None:
        self.client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Гнатюк", "Ірина", "", "ж", "31.02.1990", "", "", "", ""]])
        )
        self.map(registry_import)
        self.assertContains(self.page, "Такого дня немає в календарі")

    def test_it_imports_nothing_when_the_registrar_says_so_and_forgets_the_file(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
        )
        self.map(registry_import)
        response = self.client.post(reverse("people:import_discard", args=[registry_import.pk]))
        self.assertRedirects(response, reverse("people:import_preview", args=[registry_import.pk]))
        self.assertEqual(self.new_persons(), [])
        registry_import.refresh_from_db()
        self.assertEqual(registry_import.status, RegistryImport.Status.DISCARDED)
        self.assertEqual(bytes(registry_import.content), b"")
        # a late click on "import" changes nothing
        self.run_import(registry_import, 1)
        self.assertEqual(self.new_persons(), [])
        self.assertEqual(
            AuditEvent.objects.filter(action="people.discard_import", actor=self.rita).count(), 1
        )


class AllOrNothingTestCase(ImportTestCase):
    ROWS = [
        ["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""],
        ["", "Гнатюк", "Ірина", "", "ж", "02.01.1980", "", rnokpp(date(1980, 1, 2)), "", ""],
        ["", "Кравець", "Ольга", "", "ж", "1975", "", "", "", ""],
    ]

    def register_elsewhere(self) -> None:
        """Another desk registers the person with Ірина's tax number."""
        other = MemberData(
            family_name="Гнатюк", given_name="Ірина", patronymic="", sex=Sex.FEMALE,
            birth_date=date(1980, 1, 2),
            documents=((DocumentKind.RNOKPP, rnokpp(date(1980, 1, 2))),),
        )  # fmt: skip
        do_create_household(actor=self.alice, site=self.site_a, address="", members=[other])

    def test_it_saves_no_row_when_a_document_is_taken_during_the_import(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(csv_file(self.ROWS))
        self.assertEqual(self.map(registry_import).valid_rows, 3)
        real_plan = imports.plan

        def plan_then_another_desk(*args: Any, **kwargs: Any) -> imports.Plan:
            checked = real_plan(*args, **kwargs)
            self.register_elsewhere()  # between the check and the write
            return checked

        households = Household.objects.count()
        with mock.patch("hromada.people.views_import.plan", plan_then_another_desk):
            response = self.run_import(registry_import, 3)
        preview = reverse("people:import_preview", args=[registry_import.pk])
        self.assertRedirects(response, preview, fetch_redirect_response=False)
        # only the other desk's household: not Бойко of row 2, saved before row 3 failed
        self.assertEqual(Household.objects.count(), households + 1)
        self.assertFalse(Person.objects.filter(family_name__in=["Бойко", "Кравець"]).exists())
        self.assertEqual(Card.objects.count(), 1)
        registry_import.refresh_from_db()
        self.assertEqual(registry_import.status, RegistryImport.Status.UPLOADED)
        self.assertNotEqual(bytes(registry_import.content), b"")
        page = self.client.get(preview)
        self.assertContains(page, "Row 3: This tax number (RNOKPP) is already registered")
        self.assertContains(page, "Nothing from the list was imported")
        # the preview now shows row 3 as a problem: the rest can be imported
        self.assertEqual(
            [(p.row, p.column) for p in page.context["plan"].problems], [(3, "RNOKPP")]
        )

    def test_it_imports_nothing_when_the_registry_changed_since_the_preview(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(csv_file(self.ROWS))
        self.assertEqual(self.map(registry_import).valid_rows, 3)
        self.register_elsewhere()
        response = self.run_import(registry_import, 3)
        self.assertRedirects(
            response, reverse("people:import_preview", args=[registry_import.pk]),
            fetch_redirect_response=False,
        )  # fmt: skip
        self.assertFalse(Person.objects.filter(family_name__in=["Бойко", "Кравець"]).exists())
        page = self.client.get(reverse("people:import_preview", args=[registry_import.pk]))
        self.assertContains(page, "The registry changed since the preview")
        self.assertContains(page, "already registered to another person")

    def test_it_refuses_a_document_twice_in_the_file(self) -> None:
        self.login(self.rita)
        twice = [*self.ROWS, ["", "Гнатюк", "Ірина", "", "ж", "02.01.1980", "",
                              rnokpp(date(1980, 1, 2)), "", ""]]  # fmt: skip
        plan = self.map(self.uploaded(csv_file(twice)))
        self.assertEqual([(p.row, p.column) for p in plan.problems], [(5, "RNOKPP")])
        self.assertIn("row 3", plan.problems[0].reason)


class DuplicateTestCase(ImportTestCase):
    def test_it_flags_duplicates_in_the_registry_and_in_the_file_and_merges_nobody(
        self,
    ) -> None:
        self.login(self.rita)
        existing = self.household_a.members.get(given_name="Оксана")
        registry_import = self.uploaded(csv_file([
            # the registered Коваль Оксана Петрівна (tests.base), written in Latin letters
            ["", "Koval", "Oksana", "Petrivna", "f", "17.05.1960", "", "", "", ""],
            ["", "Знам'янська", "Людмила", "Іванівна", "ж", "14.03.1957", "", "", "", ""],
            ["", "Znamianska", "Liudmyla", "Ivanivna", "ж", "14.03.1957", "", "", "", ""],
            ["", "Бондар", "Семен", "", "ч", "1990", "", "", "", ""],
        ]))  # fmt: skip
        plan = self.map(registry_import)
        self.assertEqual(plan.problems, [])
        flagged = {(w.row, w.other_row, w.person) for w in plan.warnings}
        self.assertEqual(flagged, {(2, None, existing), (3, 4, None), (4, 3, None)})
        self.assertContains(self.page, reverse("people:person", args=[existing.pk]))
        self.assertContains(self.page, "row 4 of this file")

        self.run_import(registry_import, 4)
        new = {p.given_name: p for p in self.new_persons()}
        self.assertEqual(set(new), {"Oksana", "Людмила", "Liudmyla", "Семен"})
        self.assertTrue(all(p.status == PersonStatus.PRESENT for p in new.values()))
        self.assertEqual(self.household_a.members.count(), 3)
        pairs = {
            frozenset((pair.person_a_id, pair.person_b_id))
            for pair in DuplicatePair.objects.filter(status=DuplicatePair.Status.OPEN)
        }
        self.assertEqual(
            pairs,
            {frozenset((existing.pk, new["Oksana"].pk)),
             frozenset((new["Людмила"].pk, new["Liudmyla"].pk))},
        )  # fmt: skip

    def test_it_does_not_show_a_registrar_the_people_of_another_site(self) -> None:
        rob = make_user("rob", Role.REGISTRAR, self.site_b)
        self.login(rob)
        response = self.upload(
            csv_file([["", "Коваль", "Оксана", "Петрівна", "ж", "17.05.1960", "", "", "", ""]]),
            site=self.site_b,
        )
        registry_import = RegistryImport.objects.get()
        self.assertEqual(response.status_code, 302)
        plan = self.map(registry_import)
        self.assertEqual(plan.warnings, [])


class AccessTestCase(ImportTestCase):
    def urls(self, registry_import: RegistryImport) -> list[tuple[str, str]]:
        return [
            ("get", reverse("people:import_map", args=[registry_import.pk])),
            ("get", reverse("people:import_preview", args=[registry_import.pk])),
            ("post", reverse("people:import_run", args=[registry_import.pk])),
            ("post", reverse("people:import_discard", args=[registry_import.pk])),
        ]

    def test_it_gives_404_to_the_registrar_of_another_site(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
        )
        self.map(registry_import)
        self.login(make_user("rob", Role.REGISTRAR, self.site_b))
        for method, url in self.urls(registry_import):
            with self.subTest(url=url):
                response = getattr(self.client, method)(url, {"rows": "1"})
                self.assertEqual(response.status_code, 404)
        registry_import.refresh_from_db()
        self.assertEqual(registry_import.status, RegistryImport.Status.UPLOADED)
        self.assertEqual(self.new_persons(), [])
        # nor is the list offered to continue
        page = self.client.get(reverse("people:import"))
        self.assertNotContains(page, "list.csv")

    def test_it_lets_the_coordinator_continue_any_sites_import(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
        )
        self.login(self.alice)
        self.map(registry_import)
        self.run_import(registry_import, 1)
        self.assertEqual([p.family_name for p in self.new_persons()], ["Бойко"])

    def test_it_forbids_the_auditor_and_the_desk(self) -> None:
        self.login(self.rita)
        registry_import = self.uploaded(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
        )
        for user in (self.otto, self.dan):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(reverse("people:import")).status_code, 403)
                upload = csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]])
                response = self.client.post(
                    reverse("people:import"), {"site": str(self.site_a.pk), "file": upload}
                )
                self.assertEqual(response.status_code, 403)
                for method, url in self.urls(registry_import):
                    self.assertEqual(getattr(self.client, method)(url).status_code, 403)
        self.assertEqual(RegistryImport.objects.count(), 1)

    def test_it_does_not_let_a_registrar_import_for_another_site(self) -> None:
        self.login(self.rita)
        response = self.upload(
            csv_file([["", "Бойко", "Ганна", "", "ж", "1970", "", "", "", ""]]), site=self.site_b
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(RegistryImport.objects.exists())

    def test_it_is_linked_from_the_registry(self) -> None:
        self.login(self.rita)
        page = self.client.get(reverse("people:households"))
        self.assertContains(page, reverse("people:import"))
