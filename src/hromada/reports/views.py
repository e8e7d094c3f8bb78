from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hromada.core.models import User
from hromada.core.permissions import role_required
from hromada.reports import evacuation as evac
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
# The evacuation's figures: the town's, or an evacuation officer's own sites'.
EVACUATION_READERS = ("coordinator", "auditor", "evacuation")
# Who sees the unaccounted passengers on the dashboard; only the coordinator sees their names
# (and resolves them).
UNACCOUNTED_READERS = ("coordinator", "auditor")


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
    context.update(_unaccounted_panel(cast(User, request.user)))
    return render(request, "reports/dashboard.html", context)


def _unaccounted_panel(user: User) -> dict[str, Any]:
    """Everyone who boarded a bus and was not confirmed at the other end, until resolved:
    the whole town's, whatever site the dashboard shows. Names for the coordinator only."""
    if not user.has_role(*UNACCOUNTED_READERS):
        return {"unaccounted_shown": False}
    with_names = user.has_role("coordinator")
    found = evac.unaccounted_passengers(scope_for(user, None), with_names=with_names)
    return {
        "unaccounted_shown": True,
        "unaccounted_names": with_names,
        # the trip and the unaccounted pages are the coordinator's (an auditor reads counts)
        "unaccounted": [
            (p, reverse("evacuation:trip", args=[p.trip_id]) if with_names else None) for p in found
        ],
        "unaccounted_url": reverse("evacuation:unaccounted") if with_names else None,
    }


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


# -- evacuation -------------------------------------------------------------------------------


def _evacuation_form(request: HttpRequest) -> DashboardForm:
    """As the dashboard's, with the sites buses leave from: a reception centre is a site of
    its own, and no bus of ours leaves from it."""
    user = cast(User, request.user)
    data = request.GET.copy()
    start, end = default_range(timezone.localdate())
    data.setdefault("start", start.isoformat())
    data.setdefault("end", end.isoformat())
    sites = user.visible_sites().filter(reception_centre__isnull=True)
    return DashboardForm(data, sites=sites, all_sites=user.sees_all_sites())


def _evacuated_chart(days: list[evac.DayEvacuated]) -> Chart:
    return column_chart(
        id="chart-evacuated",
        title=_("People evacuated per day"),
        description=_(
            "One column per day: the people confirmed at a reception centre, counted on the "
            "day their bus left."
        ),
        points=[
            (date_format(d.day, "l, j E Y"), date_format(d.day, "d.m"), d.arrived) for d in days
        ],
    )


def _destinations_chart(destinations: list[evac.DestinationEvacuated]) -> Chart:
    return bar_chart(
        id="chart-destinations",
        title=_("People evacuated per destination"),
        description=_("One bar per reception centre: the people confirmed there."),
        rows=[(f"{d.city}: {d.destination}", d.arrived, str(d.arrived)) for d in destinations],
    )


def _waitlist_chart(days: list[evac.DayWaiting]) -> Chart:
    return column_chart(
        id="chart-waitlist",
        title=_("People on the waitlist per day"),
        description=_(
            "One column per day: the people on requests still waiting when the day ended."
        ),
        points=[
            (date_format(d.day, "l, j E Y"), date_format(d.day, "d.m"), d.people) for d in days
        ],
    )


def _pets_chart(pets: list[evac.SpeciesCount]) -> Chart:
    return bar_chart(
        id="chart-pets",
        title=_("Animals evacuated"),
        description=_(
            "One bar per species: the animals that arrived with their people at a reception centre."
        ),
        rows=[(p.label, p.animals, str(p.animals)) for p in pets],
    )


@role_required(*EVACUATION_READERS)
def evacuation(request: HttpRequest) -> HttpResponse:
    """People evacuated per day and destination, the waitlist and its waiting times, the
    animals evacuated: counts only, for the town or the officer's own sites."""
    form = _evacuation_form(request)
    context: dict[str, Any] = {"form": form, "figures": False}
    if form.is_valid():
        scope, start, end = _chosen(request, form)
        found = evac.evacuation(scope, start, end)
        days = evac.evacuated_per_day(found.rows, start, end)
        destinations = evac.evacuated_per_destination(found.rows)
        waiting_days = evac.waitlist_per_day(scope, start, end)
        pets = evac.pets_evacuated(found.arrivals)
        context.update(
            figures=True, scope=scope, start=start, end=end, rows=found.rows, days=days,
            destinations=destinations, waiting_days=waiting_days, pets=pets,
            needs=evac.needs_evacuated(found.arrivals),
            waitlist=evac.waitlist_now(scope, timezone.now()),
            waited=evac.waiting_times([a.waited for a in found.arrivals]),
            totals=evac.DayEvacuated(
                day=end, boarded=sum(d.boarded for d in days),
                arrived=sum(d.arrived for d in days),
                unaccounted=sum(d.unaccounted for d in days),
                resolved=sum(d.resolved for d in days),
                on_the_road=sum(d.on_the_road for d in days),
            ),
            trips=sum(r.trips for r in found.rows),
            animals=sum(p.animals for p in pets),
            evacuated_chart=_evacuated_chart(days),
            destinations_chart=_destinations_chart(destinations),
            waitlist_chart=_waitlist_chart(waiting_days), pets_chart=_pets_chart(pets),
            query=request.GET.urlencode(),
        )  # fmt: skip
    return render(request, "reports/evacuation.html", context)


@role_required(*EVACUATION_READERS)
def export_evacuation(request: HttpRequest, fmt: str) -> HttpResponse:
    """People evacuated, one row per day, departure site and reception centre."""
    form = _evacuation_form(request)
    if not form.is_valid():
        return render(request, "reports/evacuation.html", {"form": form}, status=400)
    scope, start, end = _chosen(request, form)
    table = evac.evacuated_table(evac.evacuation(scope, start, end).rows)
    return _attachment(table, fmt, _file_name("evacuation", scope, start, end))
