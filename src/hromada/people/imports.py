"""Importing a list of people from a spreadsheet: a CSV or XLSX file (an export of a
KoboToolbox form, a list a village council kept in Excel) read into rows, its columns mapped
onto the registry's fields, every row checked as the registration form checks it, and the
rows grouped into households.

Nothing here writes: `plan` says what an import would do, with every row's problems and the
possible duplicates; `actions.do_import_rows` writes what it is given, all or nothing.
Problems name a row and a column and say what is wrong, never what the cell held: they are
shown again after the import, when the file itself is gone.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.core.models import User
from hromada.lib import matching
from hromada.people.actions import ImportDuplicate, ImportedHousehold, MemberData
from hromada.people.forms import MemberForm
from hromada.people.matching import CANDIDATES, member_record, record_of
from hromada.people.models import (
    Document,
    DocumentKind,
    Person,
    PersonKey,
    Residency,
    Sex,
    VulnerabilityKind,
)
from hromada.people.presenting import Reason, reason_labels

# A town's list is a few thousand rows; a file far larger is a mistake (a whole region's
# export, a sheet of formulas dragged down a million rows) and would hold the laptop for
# minutes at every step. The import is one transaction (all or nothing), and on SQLite that
# holds the write lock the desks need: at about 5 s per 1,000 rows, 5,000 rows keep the
# desks waiting under half a minute. A longer list is split, or imported after the desks close.
MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
# An XLSX is a zip: what it unpacks to is bounded too, so that a small file cannot fill the
# memory of the laptop.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Excel sheets often carry formatting far below the data: stop after this many empty rows.
MAX_EMPTY_RUN = 1000
# Rows of the file shown on the mapping page.
SAMPLE_ROWS = 5
# SQLite allows a limited number of parameters in one query.
CHUNK = 500

Cell = str | date


class UnreadableFile(Exception):
    """The file cannot be read as a list; the message says why, for the registrar."""


@dataclass(frozen=True)
class Sheet:
    """A file's header and its rows; each row with its number as a spreadsheet shows it
    (the header is row 1). Empty rows are left out, their numbers skipped."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


# --- reading ------------------------------------------------------------------------------


def read_sheet(filename: str, content: bytes) -> Sheet:
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(mb)s MB. Split the list into several files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if content[:4] == b"PK\x03\x04":
        table = _read_xlsx(content)
    elif filename.lower().endswith((".xlsx", ".xls", ".xlsm", ".ods")) or b"\x00" in content:
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX file."))
    else:
        table = _read_csv(content)
    return _sheet(table)


def _read_csv(content: bytes) -> Iterator[list[Cell]]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        for record in reader:
            yield list(record)
    except csv.Error:
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX file.")) from None


def _delimiter(text: str) -> str:
    """The delimiter: "," or ";" (a Ukrainian Excel writes ";", its decimal point being ",")
    or a tab, whichever splits the first lines into the same number of columns, the most of
    them. csv.Sniffer is not used: it guesses quote and escape characters too, and a column of
    addresses full of commas misleads it."""
    head = text[:50_000].splitlines()[:20]
    if len(text) > 50_000 and len(head) > 1:
        head = head[:-1]  # the last may be cut short
    best, best_score = ",", (False, 0)
    for delimiter in (",", ";", "\t"):
        try:
            widths = [len(r) for r in csv.reader(head, delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if not widths:
            continue
        score = (len(set(widths)) == 1 and widths[0] > 1, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decode(content: bytes) -> str:
    """UTF-8 with or without the byte order mark Excel writes, or the Windows Cyrillic code
    page a Ukrainian Excel saves "CSV" in."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1251")
        except UnicodeDecodeError:
            raise UnreadableFile(_("This file is neither a CSV nor an XLSX file.")) from None
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text[:20_000]):
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX file."))
    return text


def _read_xlsx(content: bytes) -> Iterator[list[Cell]]:
    import openpyxl  # imported here: only an import needs it, and it is slow to load

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX file.")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(mb)s MB. Split the list into several files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or foreign zip
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX file.")) from None
    try:
        # the first sheet: a KoboToolbox export puts the main form there, repeat groups after
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(value) for value in values]
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        # a phone or a year typed into a number cell comes back as 380671234567.0
        return str(int(value))
    return str(value)


def _sheet(table: Iterable[list[Cell]]) -> Sheet:
    headers: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    empty_run = 0
    for number, cells in enumerate(table, start=1):
        if headers is None:
            headers = _unique_headers(cells)
            continue
        if not any(_text(cell) for cell in cells):
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:
                break
            continue
        empty_run = 0
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile(
                _("The file has more than %(max)s rows. Split the list into several files.")
                % {"max": MAX_ROWS}
            )
    if headers is None or not rows:
        raise UnreadableFile(
            _("The file has no rows to import: the first row names the columns, the people follow.")
        )
    return Sheet(headers=headers, rows=rows)


def _unique_headers(cells: list[Cell]) -> list[str]:
    """The first row's names, each unique, so that a mapping can name a column; a column
    without a name is called by its number."""
    headers: list[str] = []
    while cells and not _text(cells[-1]):
        cells = cells[:-1]
    for index, cell in enumerate(cells, start=1):
        name = _text(cell) or _("column %(n)s") % {"n": index}
        candidate, n = name, 2
        while candidate in headers:
            candidate, n = f"{name} ({n})", n + 1
        headers.append(candidate)
    return headers


def _text(cell: Cell) -> str:
    if isinstance(cell, date):
        return cell.strftime("%d.%m.%Y")
    return cell.strip()


def sample(sheet: Sheet) -> list[tuple[int, list[str]]]:
    """The first rows, as text, for the mapping page."""
    width = len(sheet.headers)
    return [
        (number, [_text(cell) for cell in (cells + [""] * width)[:width]])
        for number, cells in sheet.rows[:SAMPLE_ROWS]
    ]


# --- the columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    label: Promise
    # header names that mean this field, as `_header_key` writes them
    synonyms: tuple[str, ...]


# fmt: off
FIELDS = (
    Field("household", gettext_lazy("household (rows with the same value live together)"), (
        "household", "household id", "hh id", "hhid", "household number", "family id",
        "номер домогосподарства", "домогосподарство", "id домогосподарства", "№ домогосподарства",
        "номер сім'ї", "сім'я", "родина",
    )),
    Field("head", gettext_lazy("head of household (yes / no)"), (
        "head", "is head", "head of household", "hoh", "голова", "голова домогосподарства",
        "голова сім'ї", "голова родини",
    )),
    Field("full_name", gettext_lazy("full name in one column (family, given, patronymic)"), (
        "full name", "name", "fio", "піб", "п і б", "прізвище ім'я по батькові",
        "прізвище, ім'я, по батькові",
    )),
    Field("family_name", gettext_lazy("family name"), (
        "family name", "surname", "last name", "lastname", "familyname", "family", "прізвище",
    )),
    Field("given_name", gettext_lazy("given name"), (
        "given name", "first name", "firstname", "givenname", "given", "ім'я", "імя",
    )),
    Field("patronymic", gettext_lazy("patronymic"), (
        "patronymic", "middle name", "father name", "по батькові", "побатькові",
    )),
    Field("sex", gettext_lazy("sex"), (
        "sex", "gender", "стать",
    )),
    Field("birth", gettext_lazy("birth date or year"), (
        "birth date", "date of birth", "dob", "birthdate", "birth", "born", "year of birth",
        "birth year", "дата народження", "рік народження", "народження", "д н",
    )),
    Field("phone", gettext_lazy("phone"), (
        "phone", "phone number", "telephone", "mobile", "tel", "телефон", "номер телефону",
        "моб телефон", "мобільний телефон", "мобільний", "тел",
    )),
    Field("document_kind", gettext_lazy("document type"), (
        "document type", "document kind", "doc type", "id type", "тип документа", "вид документа",
        "тип документу", "документ",
    )),
    Field("document_number", gettext_lazy("document number"), (
        "document number", "doc number", "document no", "id number", "номер документа",
        "номер документу", "серія та номер документа", "серія і номер документа",
        "серія та номер",
    )),
    Field("rnokpp", gettext_lazy("tax number (RNOKPP)"), (
        "rnokpp", "tax number", "tax id", "itn", "ipn", "inn", "рнокпп", "іпн",
        "ідентифікаційний код", "ідентифікаційний номер", "податковий номер",
    )),
    Field("address", gettext_lazy("address or location"), (
        "address", "location", "адреса", "адреса проживання", "місце проживання",
        "фактична адреса",
    )),
    Field("displaced", gettext_lazy("displaced (yes / no)"), (
        "displaced", "idp", "is idp", "idp status", "впо", "статус впо", "переміщена особа",
    )),
    Field("displaced_from", gettext_lazy("displaced from (hromada)"), (
        "displaced from", "origin", "place of origin", "hromada of origin", "звідки",
        "звідки переміщені", "переміщений з", "переміщена з", "громада походження",
        "місце попереднього проживання",
    )),
    Field("displaced_on", gettext_lazy("displaced on"), (
        "displaced on", "displacement date", "date of displacement", "дата переміщення",
        "дата прибуття",
    )),
    Field("vulnerabilities", gettext_lazy("vulnerabilities"), (
        "vulnerabilities", "vulnerability", "вразливість", "вразливості", "категорії вразливості",
        "категорія вразливості",
    )),
    Field("disability_group", gettext_lazy("disability group"), (
        "disability group", "група інвалідності", "група",
    )),
)
# fmt: on
FIELD_NAMES = tuple(f.name for f in FIELDS)

_SEPARATORS = re.compile(r"[\s_\-.]+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "´": "'"})


def _header_key(header: str) -> str:
    """A header as the synonyms are written: "group_person/Family_Name" (KoboToolbox's path
    of groups) and "Прізвище:" by their last part, lower case, with single spaces."""
    last = header.rsplit("/", 1)[-1].translate(_APOSTROPHES).lower()
    return _SEPARATORS.sub(" ", last).strip(" :*")


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Our field -> the file's column, from the columns' names; a field no column names is
    left out, and a column is used once."""
    keys = {header: _header_key(header) for header in headers}
    mapping: dict[str, str] = {}
    for fld in FIELDS:
        for header, key in keys.items():
            if key in fld.synonyms and header not in mapping.values():
                mapping[fld.name] = header
                break
    if "family_name" in mapping and "given_name" in mapping:
        mapping.pop("full_name", None)
    return mapping


def mapping_problems(mapping: dict[str, str]) -> list[str]:
    """What keeps a mapping from giving a person: the fields without which no row is valid."""
    missing = []
    has_names = "full_name" in mapping or ("family_name" in mapping and "given_name" in mapping)
    if not has_names:
        missing.append(_("Choose the columns of the family and given names, or of the full name."))
    for name in ("sex", "birth"):
        if name not in mapping:
            label = next(f.label for f in FIELDS if f.name == name)
            missing.append(_("Choose the column of the %(field)s.") % {"field": label})
    return missing


# --- values -------------------------------------------------------------------------------


def _lookup(choices: Iterable[tuple[str, Any]], extra: Mapping[str, str]) -> dict[str, str]:
    """Value as written -> our code: the code itself, its label in both languages, and the
    other ways lists write it."""
    table = {_value_key(key): code for key, code in extra.items()}
    for code, label in choices:
        table[_value_key(code)] = code
        for language in ("uk", "en"):
            with translation.override(language):
                table[_value_key(str(label))] = code
    return table


def _value_key(value: str) -> str:
    return _SEPARATORS.sub(" ", value.translate(_APOSTROPHES).lower()).strip(" .")


_SEX_WORDS = {
    "ж": Sex.FEMALE, "жін": Sex.FEMALE, "жіноча": Sex.FEMALE, "жінка": Sex.FEMALE,
    "f": Sex.FEMALE, "w": Sex.FEMALE, "woman": Sex.FEMALE, "жен": Sex.FEMALE,
    "ч": Sex.MALE, "чол": Sex.MALE, "чоловіча": Sex.MALE, "чоловік": Sex.MALE,
    "m": Sex.MALE, "м": Sex.MALE, "man": Sex.MALE, "муж": Sex.MALE,
}  # fmt: skip
_DOCUMENT_WORDS = {
    "паспорт": DocumentKind.PASSPORT_BOOKLET, "passport": DocumentKind.PASSPORT_BOOKLET,
    "паспорт книжечка": DocumentKind.PASSPORT_BOOKLET,
    "id картка": DocumentKind.ID_CARD, "id": DocumentKind.ID_CARD,
    "id card": DocumentKind.ID_CARD, "паспорт id картка": DocumentKind.ID_CARD,
    "ід картка": DocumentKind.ID_CARD, "ідентифікаційна картка": DocumentKind.ID_CARD,
    "рнокпп": DocumentKind.RNOKPP, "іпн": DocumentKind.RNOKPP, "ipn": DocumentKind.RNOKPP,
    "tax number": DocumentKind.RNOKPP, "ідентифікаційний код": DocumentKind.RNOKPP,
    "довідка впо": DocumentKind.IDP_CERTIFICATE, "впо": DocumentKind.IDP_CERTIFICATE,
    "idp": DocumentKind.IDP_CERTIFICATE,
    "свідоцтво про народження": DocumentKind.BIRTH_CERTIFICATE,
    "пенсійне посвідчення": DocumentKind.PENSION_CERTIFICATE,
    "пенсійне": DocumentKind.PENSION_CERTIFICATE,
    "закордонний паспорт": DocumentKind.FOREIGN_PASSPORT,
    "закордонний": DocumentKind.FOREIGN_PASSPORT,
}  # fmt: skip
_VULNERABILITY_WORDS = {
    "older": VulnerabilityKind.OLDER_PERSON, "elderly": VulnerabilityKind.OLDER_PERSON,
    "літня особа": VulnerabilityKind.OLDER_PERSON, "пенсіонер": VulnerabilityKind.OLDER_PERSON,
    "інвалідність": VulnerabilityKind.DISABILITY, "особа з інвалідністю":
    VulnerabilityKind.DISABILITY, "хронічна хвороба": VulnerabilityKind.CHRONIC_ILLNESS,
    "вагітність": VulnerabilityKind.PREGNANCY, "вагітна": VulnerabilityKind.PREGNANCY,
}  # fmt: skip
_YES = frozenset(
    {"так", "yes", "y", "1", "true", "+", "x", "х", "так, голова", "голова", "head", "впо",
     "idp", "displaced", "істина"}
)  # fmt: skip
_DISABILITY_GROUPS = {"1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3, "і": 1, "іі": 2, "ііі": 3}

# Five digits: 10000 is 18 May 1927. Fewer digits in a birth column are not a date, and
# must not become one in 1900.
_SERIAL = re.compile(r"^\d{5}$")
_ISO_WITH_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]0{1,2}:00(?::00)?$")
# Day 0 of Excel's serial dates (its 1900 leap-year bug makes it 30 December, not 31).
_EXCEL_EPOCH = date(1899, 12, 30)


def _date_text(cell: Cell) -> str:
    """A date cell, an Excel serial number or a date with a midnight time, as the form reads
    dates; anything else as it is."""
    if isinstance(cell, date):
        return cell.strftime("%d.%m.%Y")
    raw = cell.strip()
    with_time = _ISO_WITH_TIME.match(raw)
    if with_time:
        return with_time.group(1)
    if _SERIAL.match(raw):
        # a date column formatted as a number: days since Excel's epoch
        return (_EXCEL_EPOCH + timedelta(days=int(raw))).strftime("%d.%m.%Y")
    return raw


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a row is not imported: its number as the spreadsheet shows it, the column."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class DuplicateWarning:
    """A row that may be someone already registered or another row of the file: flagged,
    never merged."""

    row: int
    name: str
    score: float
    reasons: tuple[str, ...]
    other_row: int | None = None
    person: Person | None = None

    @property
    def reason_labels(self) -> list[Reason]:
        return reason_labels(self.reasons)


@dataclass
class Plan:
    rows: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[DuplicateWarning] = field(default_factory=list)
    households: list[ImportedHousehold] = field(default_factory=list)

    @property
    def valid_rows(self) -> int:
        return sum(len(h.members) for h in self.households)

    @property
    def skipped_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    def duplicates(self) -> list[ImportDuplicate]:
        """The warnings between rows that are imported, for the review queue."""
        imported = {row for h in self.households for row, _member in h.members}
        out = []
        for warning in self.warnings:
            if warning.row not in imported:
                continue
            if warning.person is not None:
                out.append(ImportDuplicate(
                    row=warning.row, score=warning.score, reasons=warning.reasons,
                    person=warning.person,
                ))  # fmt: skip
            elif (
                warning.other_row is not None
                and warning.other_row in imported
                and warning.row < warning.other_row
            ):
                out.append(ImportDuplicate(
                        row=warning.row, score=warning.score, reasons=warning.reasons,
                        other_row=warning.other_row,
                    ))  # fmt: skip
        return out


@dataclass
class _Row:
    number: int
    group: str
    head: bool
    address: str
    member: MemberData | None


# MemberForm's fields -> ours: a form error is reported in the column the value came from
_FORM_FIELDS = {
    "family_name": ("family_name", "full_name"),
    "given_name": ("given_name", "full_name"),
    "patronymic": ("patronymic", "full_name"),
    "sex": ("sex",),
    "birth": ("birth",),
    "phone": ("phone",),
    "residency": ("displaced", "displaced_from", "displaced_on"),
    "displaced_from": ("displaced_from",),
    "displaced_on": ("displaced_on",),
    "vulnerabilities": ("vulnerabilities",),
    "disability_group": ("disability_group", "vulnerabilities"),
    "document_0_kind": ("document_kind", "document_number"),
    "document_0_number": ("document_number",),
    "document_1_kind": ("rnokpp",),
    "document_1_number": ("rnokpp",),
}


class _Reader:
    """One row's cells by our field names, through the mapping."""

    def __init__(self, headers: list[str], mapping: dict[str, str]) -> None:
        self.index = {
            name: headers.index(column)
            for name, column in mapping.items()
            if name in FIELD_NAMES and column in headers
        }
        self.mapping = {name: mapping[name] for name in self.index}

    def cell(self, cells: list[Cell], name: str) -> Cell:
        index = self.index.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def text(self, cells: list[Cell], name: str) -> str:
        return _text(self.cell(cells, name))

    def column(self, *names: str) -> str:
        for name in names:
            if name in self.mapping:
                return self.mapping[name]
        return ""


def plan(sheet: Sheet, mapping: dict[str, str], *, user: User) -> Plan:
    """What importing the sheet through the mapping would do: every row checked, the rows
    grouped into households, the possible duplicates found. Rows are numbered as the
    spreadsheet numbers them."""
    reader = _Reader(sheet.headers, mapping)
    result = Plan(rows=len(sheet.rows))
    form = _RowForm()
    rows = [
        _check_row(reader, form, number, cells, result.problems) for number, cells in sheet.rows
    ]
    _check_documents(reader, rows, result.problems)
    result.warnings = _within_file(rows) + _in_registry(rows, user)
    result.households = _households(rows, result.problems)
    result.problems.sort(key=lambda p: (p.row, p.column))
    result.warnings.sort(key=lambda w: (w.row, -w.score))
    return result


class _RowForm(MemberForm):
    """The registration form's checks, one row after another. Building a form copies all
    its fields, which costs more than checking a row: 20,000 rows took a minute. So one form
    is bound to each row's data in turn; `full_clean` starts again from nothing each time."""

    def __init__(self) -> None:
        super().__init__(document_slots=2)

    def check(self, data: dict[str, Any]) -> bool:
        self.data = data
        self.is_bound = True
        self._errors = None  # `errors` cleans again when it is None
        return self.is_valid()


def _check_row(
    reader: _Reader, form: _RowForm, number: int, cells: list[Cell], problems: list[Problem]
) -> _Row:
    own: list[Problem] = []

    def problem(name: str, reason: str) -> None:
        own.append(Problem(number, reader.column(name), reason))

    data: dict[str, Any] = {
        "status": "present",
        "legal_basis": "consent",
        "residency": Residency.RESIDENT,
    }
    if "full_name" in reader.index and "family_name" not in reader.index:
        parts = reader.text(cells, "full_name").split()
        data["family_name"] = parts[0] if parts else ""
        data["given_name"] = parts[1] if len(parts) > 1 else ""
        data["patronymic"] = " ".join(parts[2:])
    else:
        for name in ("family_name", "given_name", "patronymic"):
            data[name] = reader.text(cells, name)
    raw_sex = reader.text(cells, "sex")
    data["sex"] = _sexes().get(_value_key(raw_sex), "")
    if raw_sex and not data["sex"]:
        problem("sex", _("Write the sex as ж or ч (female or male)."))
    data["birth"] = _date_text(reader.cell(cells, "birth"))
    data["phone"] = reader.text(cells, "phone")
    displaced_from = reader.text(cells, "displaced_from")
    displaced_on = _date_text(reader.cell(cells, "displaced_on"))
    displaced = _value_key(reader.text(cells, "displaced")) in _YES
    if displaced or displaced_from or displaced_on:
        data["residency"] = Residency.DISPLACED
    data["displaced_from"] = displaced_from
    data["displaced_on"] = displaced_on
    data["vulnerabilities"] = _vulnerabilities(reader.text(cells, "vulnerabilities"), problem)
    raw_group = _value_key(reader.text(cells, "disability_group"))
    if raw_group:
        group = _DISABILITY_GROUPS.get(raw_group.replace("група", "").strip())
        if group is None:
            problem("disability_group", _("Write the disability group as 1, 2 or 3."))
        data["disability_group"] = str(group or "")
    raw_kind = reader.text(cells, "document_kind")
    data["document_0_number"] = reader.text(cells, "document_number")
    data["document_0_kind"] = _documents().get(_value_key(raw_kind), "")
    if raw_kind and not data["document_0_kind"]:
        problem("document_kind", _("This is not a document type the registry knows."))
    rnokpp = reader.text(cells, "rnokpp")
    if rnokpp:
        data["document_1_kind"] = DocumentKind.RNOKPP
        data["document_1_number"] = rnokpp
    valid = form.check(data)
    reported = {p.column for p in own}
    for name, errors in form.errors.items():
        column = reader.column(*_FORM_FIELDS.get(name, ()))
        if column in reported and column:
            continue  # said already, in our words
        for error in errors:
            own.append(Problem(number, column, str(error)))
    problems.extend(own)
    return _Row(
        number=number,
        group=reader.text(cells, "household"),
        head=_value_key(reader.text(cells, "head")) in _YES,
        address=reader.text(cells, "address"),
        member=form.member() if valid and not own else None,
    )


@cache
def _sexes() -> dict[str, str]:
    return _lookup(Sex.choices, _SEX_WORDS)


@cache
def _documents() -> dict[str, str]:
    return _lookup(DocumentKind.choices, _DOCUMENT_WORDS)


@cache
def _vulnerability_kinds() -> dict[str, str]:
    return _lookup(VulnerabilityKind.choices, _VULNERABILITY_WORDS)


def _vulnerabilities(raw: str, problem: Callable[[str, str], None]) -> list[str]:
    """The vulnerabilities of a cell: "disability chronic_illness" (a KoboToolbox multiple
    choice) or "інвалідність, вагітність" (a list typed by hand)."""
    kinds: list[str] = []
    for part in re.split(r"[,;\n]+", raw):
        key = _value_key(part)
        if not key:
            continue
        known = _vulnerability_kinds()
        if key in known:
            kinds.append(known[key])
            continue
        words = [known.get(word) for word in key.split()]
        if all(words):
            kinds.extend(word for word in words if word)
            continue
        problem("vulnerabilities", _("This is not a vulnerability the registry knows."))
        return []
    return list(dict.fromkeys(kinds))


def _check_documents(reader: _Reader, rows: list[_Row], problems: list[Problem]) -> None:
    """A document already in the registry, or twice in the file, makes its row a problem:
    one number belongs to one person."""
    seen: dict[tuple[str, str], int] = {}
    wanted = {doc for row in rows if row.member for doc in row.member.documents}
    taken: set[tuple[str, str]] = set()
    numbers = sorted({number for _kind, number in wanted})
    for start in range(0, len(numbers), CHUNK):
        found = Document.objects.filter(number__in=numbers[start : start + CHUNK])
        taken.update(found.values_list("kind", "number"))
    for row in rows:
        if row.member is None:
            continue
        for kind, number in row.member.documents:
            column = reader.column("rnokpp" if kind == DocumentKind.RNOKPP else "document_number")
            if kind == DocumentKind.RNOKPP and "rnokpp" not in reader.mapping:
                column = reader.column("document_number")
            label = DocumentKind(kind).label
            if (kind, number) in taken:
                problems.append(Problem(row.number, column, _(
                    "This %(document)s is already registered to another person."
                ) % {"document": label}))  # fmt: skip
                row.member = None
                break
            if (kind, number) in seen:
                problems.append(Problem(row.number, column, _(
                    "The same document is in row %(row)s."
                ) % {"row": seen[(kind, number)]}))  # fmt: skip
                row.member = None
                break
            seen[(kind, number)] = row.number


def _record(row: _Row) -> matching.Record:
    assert row.member is not None  # noqa: S101 (only valid rows are compared)
    household = f"g:{row.group}" if row.group else f"r:{row.number}"
    return replace(member_record(row.member), id=str(row.number), household=household)


def _names(rows: list[_Row]) -> dict[int, str]:
    return {
        row.number: f"{row.member.family_name} {row.member.given_name}"
        for row in rows
        if row.member is not None
    }


def _within_file(rows: list[_Row]) -> list[DuplicateWarning]:
    """Rows of the file that may be one person, compared only within their blocking keys."""
    records = {row.number: _record(row) for row in rows if row.member is not None}
    names = _names(rows)
    blocks: dict[str, list[int]] = defaultdict(list)
    for number, record in records.items():
        for key in matching.index_keys(record):
            blocks[key].append(number)
    pairs: set[tuple[int, int]] = set()
    for numbers in blocks.values():
        if len(numbers) > matching.MAX_BLOCK:
            continue  # a key shared by that many says little; the finer keys cover them
        for i, a in enumerate(numbers):
            for b in numbers[i + 1 :]:
                pairs.add((a, b))
    warnings = []
    for a, b in sorted(pairs):
        match = matching.compare(records[a], records[b])
        if match.score >= matching.DEFAULT_THRESHOLD:
            warnings.append(DuplicateWarning(a, names[a], match.score, match.reasons, other_row=b))
            warnings.append(DuplicateWarning(b, names[b], match.score, match.reasons, other_row=a))
    return warnings


def _in_registry(rows: list[_Row], user: User) -> list[DuplicateWarning]:
    """Rows that may be someone registered, as `people.matching.possible_duplicates` finds
    them, but with the keys of the whole file looked up at once rather than row by row. A
    registrar is told only of the people they may see, as when registering by hand."""
    records = {row.number: _record(row) for row in rows if row.member is not None}
    names = _names(rows)
    keys_of = {number: matching.index_keys(record) for number, record in records.items()}
    all_keys = sorted({key for keys in keys_of.values() for key in keys})
    holders: dict[str, list[Any]] = defaultdict(list)
    for start in range(0, len(all_keys), CHUNK):
        found = PersonKey.objects.filter(key__in=all_keys[start : start + CHUNK])
        for key, person_id in found.values_list("key", "person_id"):
            holders[key].append(person_id)
    candidates = {
        number: {pid for key in keys if len(holders[key]) <= CANDIDATES for pid in holders[key]}
        for number, keys in keys_of.items()
    }
    ids = sorted({pid for pids in candidates.values() for pid in pids})
    persons: dict[Any, tuple[Person, matching.Record]] = {}
    visible: QuerySet[Person] = Person.objects.visible_to(user).current()
    for start in range(0, len(ids), CHUNK):
        chunk = visible.filter(pk__in=ids[start : start + CHUNK])
        for person in chunk.select_related("household__site").prefetch_related("documents"):
            persons[person.pk] = (person, record_of(person))
    warnings = []
    for number, pids in candidates.items():
        for pid in pids:
            if pid not in persons:
                continue
            person, other = persons[pid]
            match = matching.compare(records[number], other)
            if match.score >= matching.DEFAULT_THRESHOLD:
                warnings.append(DuplicateWarning(
                    number, names[number], match.score, match.reasons, person=person
                ))  # fmt: skip
    return warnings


def _households(rows: list[_Row], problems: list[Problem]) -> list[ImportedHousehold]:
    """Rows with the same household value are one household, in the order of the file; a
    row without one is a household of its own. A household is imported whole or not at all:
    one bad row keeps its whole household back, so that no family is registered without a
    member who would then go without their share."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(f"g:{row.group}" if row.group else f"r:{row.number}", []).append(row)
    households = []
    for members in groups.values():
        bad = [row.number for row in members if row.member is None]
        if bad:
            for row in members:
                if row.member is not None:
                    problems.append(Problem(row.number, "", _(
                        "Not imported with its household: row %(row)s has a problem."
                    ) % {"row": bad[0]}))  # fmt: skip
            continue
        heads = [row for row in members if row.head]
        households.append(ImportedHousehold(
            address=next((row.address for row in members if row.address), ""),
            members=[
                (row.number, replace(row.member, is_head=heads[0] is row if heads else False))
                for row in members if row.member is not None
            ],
        ))  # fmt: skip
    return households
