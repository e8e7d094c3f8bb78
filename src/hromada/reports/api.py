"""The dashboard's figures for integrations: the daily rows of the exports and the stock's
days left. Counts only; the same role and site rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.params import functions as param_functions

from hromada.core.api import Error
from hromada.core.models import Site, User
from hromada.reports import evacuation as evac
from hromada.reports.exports import town_name
from hromada.reports.figures import (
    MAX_DAYS,
    Scope,
    daily_rows,
    default_range,
    scope_for,
    stock_days,
)
from hromada.reports.views import EVACUATION_READERS, READERS

router = Router(tags=["reports"])


class DailyRowOut(Schema):
    date: dt.date
    site: UUID
    site_name: str
    programme: UUID
    programme_name: str
    commodity: str
    unit: str
    households: int
    people: int
    units: int


class DailyOut(Schema):
    hromada: str
    site: UUID | None
    start: dt.date
    end: dt.date
    rows: list[DailyRowOut]


class StockDaysOut(Schema):
    commodity: UUID
    commodity_name: str
    unit: str
    on_hand: int
    in_transit: int
    given_today: int
    rate: int | None
    rate_is_today: bool
    days_left: int | None


class StockOut(Schema):
    hromada: str
    site: UUID | None
    day: dt.date
    commodities: list[StockDaysOut]


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.body = {"code": code, "message": message}


def _scope_for_request(
    request: HttpRequest, site: UUID | None, roles: tuple[str, ...] = READERS
) -> Scope:
    """The user's scope, or a refusal: 403 for a role that reads no figures, 404 for a site
    they may not see (as for a site that does not exist)."""
    user = cast(User, request.user)
    if not user.has_role(*roles):
        raise Refused(403, "forbidden", _("Your role may not read the reports."))
    chosen: Site | None = None
    if site is not None:
        chosen = user.visible_sites().filter(pk=site).first()
        if chosen is None:
            raise Refused(404, "not_found", _("No such site."))
    return scope_for(user, chosen)


# An ISO date and nothing else: pydantic would read "0" as 1 January 1970 (a Unix time).
ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
START = param_functions.Query(None, pattern=ISO_DAY, description="first Kyiv day, YYYY-MM-DD")
END = param_functions.Query(None, pattern=ISO_DAY, description="last Kyiv day, YYYY-MM-DD")


def _day(text: str | None) -> dt.date | None:
    """The day, or None when absent; ValueError for a day not in the calendar."""
    return dt.date.fromisoformat(text) if text else None


READ = {200: DailyOut, 401: Error, 403: Error, 404: Error, 422: Error}


def _range(start: str | None, end: str | None) -> tuple[dt.date, dt.date] | Status[dict[str, Any]]:
    """The days asked for (by default the last fourteen Kyiv days), or the 422 refusing them."""
    try:
        first, last = _day(start), _day(end)
    except ValueError:
        message = _("The request is malformed; check these fields: %(fields)s.")
        return Status(422, {"code": "invalid", "message": message % {"fields": "start, end"}})
    default_start, default_end = default_range(timezone.localdate())
    last = last or default_end
    first = first or min(default_start, last)
    if first > last:
        return Status(
            422, {"code": "invalid", "message": _("The last day comes before the first.")}
        )
    if (last - first).days >= MAX_DAYS:
        message = _("Choose at most %(days)d days.") % {"days": MAX_DAYS}
        return Status(422, {"code": "invalid", "message": message})
    return first, last


@router.get("/daily", response=READ)
def daily(
    request: HttpRequest,
    site: UUID | None = None,
    start: str | None = START,
    end: str | None = END,
) -> Status[dict[str, Any]]:
    """People, households and units served per day, site and programme, both days included
    (by default the last fourteen Kyiv days); `site` narrows it to one site."""
    try:
        scope = _scope_for_request(request, site)
    except Refused as refused:
        return Status(refused.status, refused.body)
    chosen = _range(start, end)
    if isinstance(chosen, Status):
        return chosen
    first, last = chosen
    rows = [
        {
            "date": row.day,
            "site": row.site_id,
            "site_name": row.site,
            "programme": row.programme_id,
            "programme_name": row.programme,
            "commodity": row.commodity,
            "unit": row.unit,
            "households": row.households,
            "people": row.people,
            "units": row.units,
        }  # fmt: skip
        for row in daily_rows(scope, first, last)
    ]
    return Status(
        200, {"hromada": town_name(), "site": site, "start": first, "end": last, "rows": rows}
    )


@router.get("/stock-days", response={200: StockOut, 401: Error, 403: Error, 404: Error, 422: Error})
def stock(request: HttpRequest, site: UUID | None = None) -> Status[dict[str, Any]]:
    """Stock on hand and in transit per commodity, and the whole days it lasts at today's
    pace (units given today, or the mean of the last three days with collections); `null`
    when there is no pace."""
    try:
        scope = _scope_for_request(request, site)
    except Refused as refused:
        return Status(refused.status, refused.body)
    today = timezone.localdate()
    lines = [
        {
            "commodity": line.commodity_id,
            "commodity_name": line.commodity,
            "unit": line.unit,
            "on_hand": line.on_hand,
            "in_transit": line.in_transit,
            "given_today": line.given_today,
            "rate": line.rate,
            "rate_is_today": line.rate_is_today,
            "days_left": line.days_left,
        }  # fmt: skip
        for line in stock_days(scope, today)
    ]
    return Status(200, {"hromada": town_name(), "site": site, "day": today, "commodities": lines})


# -- evacuation -------------------------------------------------------------------------------


class EvacuatedRowOut(Schema):
    date: dt.date
    site: UUID
    site_name: str
    destination: UUID
    destination_name: str
    city: str
    trips: int
    boarded: int
    arrived: int
    unaccounted: int
    resolved: int
    on_the_road: int
    animals: int


class WaitingTimesOut(Schema):
    count: int
    median_days: float | None
    longest_days: float | None


class WaitlistOut(Schema):
    requests: int
    people: int
    waiting: WaitingTimesOut


class DayWaitingOut(Schema):
    date: dt.date
    requests: int
    people: int


class SpeciesOut(Schema):
    species: str
    animals: int


class NeedOut(Schema):
    need: str
    people: int


class EvacuationOut(Schema):
    hromada: str
    site: UUID | None
    start: dt.date
    end: dt.date
    rows: list[EvacuatedRowOut]
    waitlist: WaitlistOut
    waited: WaitingTimesOut
    waitlist_per_day: list[DayWaitingOut]
    pets: list[SpeciesOut]
    needs: list[NeedOut]


def _times(times: evac.WaitingTimes) -> dict[str, Any]:
    return {"count": times.count, "median_days": times.median, "longest_days": times.longest}


@router.get(
    "/evacuation", response={200: EvacuationOut, 401: Error, 403: Error, 404: Error, 422: Error}
)
def evacuation(
    request: HttpRequest,
    site: UUID | None = None,
    start: str | None = START,
    end: str | None = END,
) -> Status[dict[str, Any]]:
    """People evacuated per day, departure site and reception centre (a trip counts on the
    Kyiv day it left; boarded = arrived + unaccounted + resolved + on_the_road), the waitlist
    now and per day, the waiting times in days (`waited`: from the request to the arrival, of
    those evacuated in the range), the animals and the needs of the people evacuated. Counts
    only; `site` is the departure site."""
    try:
        scope = _scope_for_request(request, site, EVACUATION_READERS)
    except Refused as refused:
        return Status(refused.status, refused.body)
    chosen = _range(start, end)
    if isinstance(chosen, Status):
        return chosen
    first, last = chosen
    found = evac.evacuation(scope, first, last)
    waitlist = evac.waitlist_now(scope, timezone.now())
    rows = [
        {
            "date": row.day,
            "site": row.site_id,
            "site_name": row.site,
            "destination": row.destination_id,
            "destination_name": row.destination,
            "city": row.city,
            "trips": row.trips,
            "boarded": row.boarded,
            "arrived": row.arrived,
            "unaccounted": row.unaccounted,
            "resolved": row.resolved,
            "on_the_road": row.on_the_road,
            "animals": row.animals,
        }  # fmt: skip
        for row in found.rows
    ]
    return Status(
        200,
        {
            "hromada": town_name(),
            "site": site,
            "start": first,
            "end": last,
            "rows": rows,
            "waitlist": {
                "requests": waitlist.requests,
                "people": waitlist.people,
                "waiting": _times(waitlist.waiting),
            },
            "waited": _times(evac.waiting_times([a.waited for a in found.arrivals])),
            "waitlist_per_day": [
                {"date": d.day, "requests": d.requests, "people": d.people}
                for d in evac.waitlist_per_day(scope, first, last)
            ],
            "pets": [
                {"species": p.species, "animals": p.animals}
                for p in evac.pets_evacuated(found.arrivals)
            ],
            "needs": [
                {"need": n.need, "people": n.people} for n in evac.needs_evacuated(found.arrivals)
            ],
        },  # fmt: skip
    )
