"""The dashboard's figures as files: CSV, XLSX and HXL-tagged CSV. Figures only: no name,
no card, no household leaves through these.

HXL (the Humanitarian Exchange Language, hxlstandard.org) is a CSV with a second row of
hashtags saying what each column holds, so that the cluster's tools merge our figures with
other organisations' without a mapping by hand.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from hromada.reports.figures import DailyRow, SiteStock

Cell = str | int | date

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet: a site named "=HYPERLINK(…)"
# must stay text (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    tags: list[str]
    rows: list[list[Cell]]


def town_name() -> str:
    return str(settings.HROMADA_TOWN_NAME)


def daily_table(rows: list[DailyRow]) -> Table:
    """One row per day, site and programme: the figures of the dashboard's charts."""
    town = town_name()
    return Table(
        name=_("Served per day"),
        headers=[
            _("date"),
            _("hromada"),
            _("site"),
            _("programme"),
            _("commodity"),
            _("unit"),
            _("households served"),
            _("people served"),
            _("units given"),
        ],  # fmt: skip
        tags=[
            "#date",
            "#adm3+name",
            "#loc+name",
            "#activity+name",
            "#item+name",
            "#item+unit",
            "#affected+households",
            "#affected+served",
            "#value",
        ],  # fmt: skip
        rows=[
            [
                row.day,
                town,
                row.site,
                row.programme,
                row.commodity,
                row.unit,
                row.households,
                row.people,
                row.units,
            ]  # fmt: skip
            for row in rows
        ],
    )


def stock_table(lines: list[SiteStock]) -> Table:
    """What each site holds now and what is on its way to it."""
    town = town_name()
    return Table(
        name=_("Stock"),
        headers=[
            _("hromada"),
            _("site"),
            _("commodity"),
            _("unit"),
            _("on hand"),
            _("in transit"),
        ],  # fmt: skip
        tags=[
            "#adm3+name",
            "#loc+name",
            "#item+name",
            "#item+unit",
            "#value+onhand",
            "#value+transit",
        ],  # fmt: skip
        rows=[
            [town, line.site, line.commodity, line.unit, line.on_hand, line.in_transit]
            for line in lines
        ],
    )


def _text(cell: Cell) -> str | int:
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def to_csv(table: Table, *, hxl: bool = False) -> bytes:
    """CSV in UTF-8. The plain one starts with a byte-order mark, without which Excel shows
    Cyrillic as mojibake; the HXL one has the hashtag row under the headers and no mark."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    if hxl:
        writer.writerow(table.tags)
    for row in table.rows:
        writer.writerow([_text(cell) for cell in row])
    return out.getvalue().encode("utf-8" if hxl else "utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])  # Excel's limit on a sheet's name
    sheet.append(table.headers)
    for row in table.rows:
        # dates stay dates (Excel sorts and filters them), text never becomes a formula
        sheet.append([cell if isinstance(cell, date) else _text(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
