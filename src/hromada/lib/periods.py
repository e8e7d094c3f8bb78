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


# Entitlement periods, shortest first. "week" starts on Monday, as Ukrainian calendars do;
# "once" is one period for ever, starting on a fixed day.
DAY, WEEK, MONTH, ONCE = "day", "week", "month", "once"
PERIODS = (DAY, WEEK, MONTH, ONCE)
ONCE_START = date(2000, 1, 1)


def period_first_day(period: str, day: date) -> date:
    """The first Kyiv calendar day of the period of kind `period` that contains `day`."""
    if period == DAY:
        return day
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    if period == ONCE:
        return ONCE_START
    raise ValueError(f"unknown period {period!r}")


def period_end_day(period: str, first: date) -> date | None:
    """The first day after the period that starts on `first` (None: "once" never ends)."""
    if period == DAY:
        return first + timedelta(days=1)
    if period == WEEK:
        return first + timedelta(days=7)
    if period == MONTH:
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if period == ONCE:
        return None
    raise ValueError(f"unknown period {period!r}")


def period_start(period: str, moment: datetime) -> date:
    """The first day of the period that `moment` falls in, by the Kyiv calendar."""
    return period_first_day(period, kyiv_day(moment))


def period_bounds(period: str, moment: datetime) -> tuple[datetime, datetime | None]:
    """The instants (UTC) at which the period containing `moment` starts and ends."""
    first = period_start(period, moment)
    end = period_end_day(period, first)
    start_instant = day_bounds(first)[0] if period != ONCE else datetime.min.replace(tzinfo=UTC)
    return start_instant, day_bounds(end)[0] if end is not None else None


def longer(a: str, b: str) -> str:
    return a if PERIODS.index(a) >= PERIODS.index(b) else b
