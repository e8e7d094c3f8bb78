from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.periods import day_bounds, kyiv_day, longer, period_bounds, period_start


def test_it_counts_half_past_midnight_in_kyiv_as_the_new_day() -> None:
    # 22:30 UTC on 27 November is 00:30 on 28 November in Kyiv (UTC+2 in winter)
    assert kyiv_day(datetime(2026, 11, 27, 22, 30, tzinfo=UTC)) == date(2026, 11, 28)
    assert kyiv_day(datetime(2026, 11, 27, 21, 59, tzinfo=UTC)) == date(2026, 11, 27)


def test_it_counts_summer_time_days_from_21_utc() -> None:
    # UTC+3 in summer
    assert kyiv_day(datetime(2026, 7, 1, 21, 0, tzinfo=UTC)) == date(2026, 7, 2)
    assert kyiv_day(datetime(2026, 7, 1, 20, 59, tzinfo=UTC)) == date(2026, 7, 1)


def test_it_makes_the_days_the_clocks_change_23_and_25_hours_long() -> None:
    spring_start, spring_end = day_bounds(date(2026, 3, 29))
    autumn_start, autumn_end = day_bounds(date(2026, 10, 25))
    assert spring_end - spring_start == timedelta(hours=23)
    assert autumn_end - autumn_start == timedelta(hours=25)


def test_it_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        kyiv_day(datetime(2026, 1, 1))  # noqa: DTZ001 (the point of the test)


# hypothesis wants naive bounds and adds the zone itself
EARLIEST = datetime(2000, 1, 1)  # noqa: DTZ001
LATEST = datetime(2100, 1, 1)  # noqa: DTZ001


@given(st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)))
def test_it_puts_every_instant_inside_the_bounds_of_its_day(moment: datetime) -> None:
    start, end = day_bounds(kyiv_day(moment))
    assert start <= moment < end


PERIOD_KINDS = st.sampled_from(["day", "week", "month", "once"])


@given(st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)), PERIOD_KINDS)
def test_it_puts_every_instant_inside_the_bounds_of_its_period(moment: datetime, kind: str) -> None:
    start, end = period_bounds(kind, moment)
    assert start <= moment
    assert end is None or moment < end
    # the period starts on the day period_start names, at Kyiv midnight
    first = period_start(kind, moment)
    if kind != "once":
        assert day_bounds(first)[0] == start
    assert first.weekday() == 0 if kind == "week" else True
    assert first.day == 1 if kind == "month" else True


@given(
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    PERIOD_KINDS,
)
def test_two_instants_share_a_period_exactly_when_they_share_its_bounds(
    a: datetime, b: datetime, kind: str
) -> None:
    start, end = period_bounds(kind, a)
    inside = start <= b and (end is None or b < end)
    assert inside == (period_start(kind, a) == period_start(kind, b))


def test_a_week_holds_the_spring_and_autumn_changes() -> None:
    # the week of 23-29 March 2026 loses an hour, the week of 19-25 October gains one
    spring_start, spring_end = period_bounds("week", datetime(2026, 3, 25, tzinfo=UTC))
    autumn_start, autumn_end = period_bounds("week", datetime(2026, 10, 21, tzinfo=UTC))
    assert spring_end is not None and autumn_end is not None
    assert spring_end - spring_start == timedelta(days=7, hours=-1)
    assert autumn_end - autumn_start == timedelta(days=7, hours=1)


def test_the_longer_of_two_periods() -> None:
    assert longer("day", "week") == "week"
    assert longer("once", "month") == "once"
    assert longer("day", "day") == "day"
