from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hromada.lib.periods import day_bounds, kyiv_day


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
