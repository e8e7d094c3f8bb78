"""Entitlement periods. "Per day" means a calendar day in Kyiv, whatever the clock of the
server says: a loaf collected at 00:30 Kyiv time counts for the new day, though it is still
the previous day in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in a period")
    return moment.astimezone(KYIV).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants (in UTC) at which a Kyiv calendar day starts and the next one starts;
    23 or 25 hours apart on the days the clocks change. (In UTC, because Python subtracts two
    datetimes of the same zone by their wall clocks, which would hide that hour.)"""
    start = datetime.combine(day, time.min, tzinfo=KYIV)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=KYIV)
    return start.astimezone(UTC), end.astimezone(UTC)
