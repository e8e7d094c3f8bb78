from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.reports import exports
from hromada.reports.charts import Chart, bar_chart, column_chart
from hromada.reports.figures import (
    DayServed,
    ProgrammeGiven,
    RefusalCount,
    Scope,
    StockDays,
    daily_rows,
    default_range,
    given_per_programme,
    refusals_by_reason,
    scope_for,
    served_per_day,
    stock_by_site,
    stock_days,
)
from hromada.reports.forms import DashboardForm

# The figures are counts, never people: a distributor sees their own sites' too.
READERS = ("coordinator", "auditor", "distributor")


def _form_for(request: HttpRequest) -> DashboardForm:
    """The dashboard's choice, from the query string; the last fourteen days of the whole
    town (or of all the user's sites) until the user asks for another."""
    user = cast(User, request.user)
    data = request.GET.copy()
    start, end = default_range(timezone.localdate())
    data.setdefault("start", start.isoformat())
    data.setdefault("end", end.isoformat())
    return DashboardForm(data, sites=user.visible_sites(), all_sites=user.sees_all_sites())


def _chosen(request: HttpRequest, form: DashboardForm) -> tuple[Scope, date, date]:
    cleaned = form.cleaned_data
    return scope_for(cast(User, request.user), cleaned["site"]), cleaned["start"], cleaned["end"]


def _served_chart(days: list[DayServed]) -> Chart:
    return column_chart(
        id="chart-served",
        title=_("People served per day"),
        description=_("One column per day: the people in the households served that day."),
        points=[
            (date_format(d.day, "l, j E Y"), date_format(d.day, "d.m"), d.people) for d in days
        ],
    )


def _programmes_chart(programmes: list[ProgrammeGiven]) -> Chart:
    return bar_chart(
        id="chart-programmes",
        title=_("Units given per programme"),
        description=_("One bar per programme: the units given in the chosen days."),
        rows=[(p.programme, p.units, f"{p.units} {p.unit}") for p in programmes],
    )


def _days_text(line: StockDays) -> str:
    if line.days_left is None:
        return "—"
    return ngettext("%(n)d day", "%(n)d days", line.days_left) % {"n": line.days_left}


def _stock_chart(lines: list[StockDays]) -> Chart:
    return bar_chart(
        id="chart-stock",
        title=_("Days the stock lasts at today's pace"),
        description=_(
            "One bar per commodity: the stock on hand divided by the units given today, or by "
            "the mean of the last three days with collections when nothing was given today."
        ),
        rows=[(line.commodity, line.days_left or 0, _days_text(line)) for line in lines],
    )


def _refusals_chart(refusals: list[RefusalCount]) -> Chart:
    return bar_chart(
        id="chart-refusals",
        title=_("Refusals by reason"),
        description=_("One bar per reason the desks gave for turning a scan away."),
        rows=[(r.label, r.count, str(r.count)) for r in refusals],
    )


@role_required(*READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _form_for(request)
    context: dict[str, Any] = {"form": form, "figures": False}
    if form.is_valid():
        scope, start, end = _chosen(request, form)
        rows = daily_rows(scope, start, end)
        days = served_per_day(rows, start, end)
        programmes = given_per_programme(rows)
        stock = stock_days(scope, timezone.localdate())
        refusals = refusals_by_reason(scope, start, end)
        context.update(
            figures=True, scope=scope, start=start, end=end, days=days, programmes=programmes,
            stock=[(line, _days_text(line)) for line in stock], refusals=refusals,
            served_chart=_served_chart(days), programmes_chart=_programmes_chart(programmes),
            stock_chart=_stock_chart(stock), refusals_chart=_refusals_chart(refusals),
            totals=DayServed(
                day=end, households=sum(d.households for d in days),
                people=sum(d.people for d in days), units=sum(d.units for d in days),
            ),
            refusals_total=sum(r.count for r in refusals),
            query=request.GET.urlencode(),
        )  # fmt: skip
    return render(request, "reports/dashboard.html", context)


def _file_name(stem: str, scope: Scope, start: date | None, end: date | None) -> str:
    parts = ["hromada", stem]
    if scope.site is not None:
        parts.append(scope.site.code)
    if start is not None and end is not None:
        parts += [start.isoformat(), end.isoformat()]
    return "-".join(parts)


def _attachment(table: exports.Table, fmt: str, name: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(exports.to_xlsx(table), content_type=exports.XLSX_TYPE)
        extension = "xlsx"
    else:
        response = HttpResponse(
            exports.to_csv(table, hxl=fmt == "hxl"), content_type=exports.CSV_TYPE
        )
        extension = "hxl.csv" if fmt == "hxl" else "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@role_required(*READERS)
def export_daily(request: HttpRequest, fmt: str) -> HttpResponse:
    """The served figures, one row per day, site and programme (the dashboard's choice)."""
    form = _form_for(request)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    scope, start, end = _chosen(request, form)
    table = exports.daily_table(daily_rows(scope, start, end))
    return _attachment(table, fmt, _file_name("daily", scope, start, end))


@role_required(*READERS)
def export_stock(request: HttpRequest, fmt: str) -> HttpResponse:
    """Each site's stock now, and what is on its way to it."""
    form = _form_for(request)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    scope, _start, _end = _chosen(request, form)
    table = exports.stock_table(stock_by_site(scope))
    today = timezone.localdate()
    return _attachment(table, fmt, _file_name("stock", scope, today, today))
