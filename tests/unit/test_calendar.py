"""Behaviour of the court working-day calendar.

Expected dates are worked out by hand from the State Council holiday notices for
2024, 2025 and 2026 (国务院办公厅关于…部分节假日安排的通知), not from the code under test.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exec_center.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarRangeError,
    CourtCalendar,
    YearSchedule,
)

D = date
CAL = CourtCalendar()


def days(first: date, last: date) -> list[date]:
    """Every date from first to last, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# -- the official schedule -----------------------------------------------------------


class TestSpringFestival:
    def test_2024(self) -> None:
        # Feb 10-17 off; Sundays Feb 4 and Feb 18 worked.
        assert CAL.is_working_day(D(2024, 2, 4))
        assert CAL.is_working_day(D(2024, 2, 18))
        assert not any(CAL.is_working_day(d) for d in days(D(2024, 2, 10), D(2024, 2, 17)))
        # New Year's Eve (Feb 9) was officially a working day (leave only "encouraged").
        assert CAL.is_working_day(D(2024, 2, 9))
        assert CAL.add_working_days(D(2024, 2, 9), 1) == D(2024, 2, 18)
        assert CAL.add_working_days(D(2024, 2, 2), 1) == D(2024, 2, 4)

    def test_2025(self) -> None:
        # Jan 28 - Feb 4 off; Sunday Jan 26 and Saturday Feb 8 worked.
        assert CAL.is_working_day(D(2025, 1, 26))
        assert CAL.is_working_day(D(2025, 2, 8))
        assert not any(CAL.is_working_day(d) for d in days(D(2025, 1, 28), D(2025, 2, 4)))
        assert CAL.add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
        assert CAL.add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)
        assert CAL.add_working_days(D(2025, 2, 7), 1) == D(2025, 2, 8)

    def test_2026(self) -> None:
        # Feb 15-23 off; Saturdays Feb 14 and Feb 28 worked.
        assert CAL.is_working_day(D(2026, 2, 14))
        assert CAL.is_working_day(D(2026, 2, 28))
        assert not any(CAL.is_working_day(d) for d in days(D(2026, 2, 15), D(2026, 2, 23)))
        assert CAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert CAL.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
        # Feb 14, 24, 25, 26, 27, 28 (Sat); Mar 1 is a Sunday.
        assert CAL.working_days_between(D(2026, 2, 13), D(2026, 3, 1)) == 6


class TestNationalDay:
    def test_2024(self) -> None:
        # Oct 1-7 off; Sunday Sep 29 and Saturday Oct 12 worked.
        assert CAL.is_working_day(D(2024, 9, 29))
        assert CAL.is_working_day(D(2024, 10, 12))
        assert not any(CAL.is_working_day(d) for d in days(D(2024, 10, 1), D(2024, 10, 7)))
        assert CAL.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
        assert CAL.add_working_days(D(2024, 10, 11), 1) == D(2024, 10, 12)

    def test_2025(self) -> None:
        # Oct 1-8 off; Sunday Sep 28 and Saturday Oct 11 worked.
        assert CAL.is_working_day(D(2025, 9, 28))
        assert CAL.is_working_day(D(2025, 10, 11))
        assert not any(CAL.is_working_day(d) for d in days(D(2025, 10, 1), D(2025, 10, 8)))
        assert CAL.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
        # Oct 9, 10 and the make-up Saturday Oct 11.
        assert CAL.working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 3

    def test_2026(self) -> None:
        # Oct 1-7 off; Sunday Sep 20 and Saturday Oct 10 worked.
        assert CAL.is_working_day(D(2026, 9, 20))
        assert CAL.is_working_day(D(2026, 10, 10))
        assert not any(CAL.is_working_day(d) for d in days(D(2026, 10, 1), D(2026, 10, 7)))
        assert CAL.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
        assert CAL.add_working_days(D(2026, 10, 8), 2) == D(2026, 10, 10)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # weekdays − holidays on weekdays + make-up weekend days
        (2024, 262 - 19 + 8),
        (2025, 261 - 18 + 5),
        (2026, 261 - 19 + 6),
    ],
)
def test_working_days_in_a_whole_year(year: int, expected: int) -> None:
    assert CAL.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected


def test_agrees_with_the_library_without_overrides() -> None:
    official = holidays.China(years=range(2020, 2028))
    for d in days(D(2020, 1, 1), D(2027, 12, 31)):
        assert CAL.is_working_day(d) == official.is_working_day(d), d


def test_cross_year_makeup_days_belong_to_their_own_year() -> None:
    # The 2002 notice made Sat/Sun 2001-12-29/30 working days; the library reports such
    # cross-year days on every year, so they must show up only in 2001's schedule.
    assert CAL.is_working_day(D(2001, 12, 29))
    assert CAL.is_working_day(D(2001, 12, 30))
    assert D(2001, 12, 29) in CAL.year_schedule(2001).makeup_working_days
    assert CAL.year_schedule(2024).makeup_working_days == [
        D(2024, 2, 4),
        D(2024, 2, 18),
        D(2024, 4, 7),
        D(2024, 4, 28),
        D(2024, 5, 11),
        D(2024, 9, 14),
        D(2024, 9, 29),
        D(2024, 10, 12),
    ]


# -- deadline rules ------------------------------------------------------------------


def test_art16_five_working_days_from_assignment_before_spring_festival() -> None:
    # Number assigned Thu 2024-02-08: Fri Feb 9 (1), Feb 10-17 off, Sun Feb 18 make-up (2),
    # Mon 19 (3), Tue 20 (4), Wed 21 (5).
    assert CAL.add_working_days(D(2024, 2, 8), 5) == D(2024, 2, 21)
    assert CAL.working_days_between(D(2024, 2, 8), D(2024, 2, 21)) == 5


def test_start_on_a_holiday() -> None:
    assert CAL.add_working_days(D(2024, 10, 1), 1) == D(2024, 10, 8)
    assert CAL.add_working_days(D(2024, 10, 5), 2) == D(2024, 10, 9)


def test_zero_working_days_is_the_start_itself_even_on_a_holiday() -> None:
    assert CAL.add_working_days(D(2024, 10, 1), 0) == D(2024, 10, 1)


class TestPeriodEnd:
    def test_ending_on_a_holiday_moves_to_the_next_working_day(self) -> None:
        assert CAL.period_end(D(2024, 9, 28), 3) == D(2024, 10, 8)
        # A 15-day period from Mon 2025-09-22 ends Oct 7, inside the Oct 1-8 break.
        assert CAL.period_end(D(2025, 9, 22), 15) == D(2025, 10, 9)

    def test_ending_on_a_makeup_saturday_stays(self) -> None:
        assert CAL.period_end(D(2024, 10, 2), 10) == D(2024, 10, 12)

    def test_ending_on_a_normal_weekend_moves_to_monday(self) -> None:
        assert CAL.period_end(D(2024, 3, 1), 1) == D(2024, 3, 4)
        assert CAL.period_end(D(2024, 3, 1), 2) == D(2024, 3, 4)

    def test_ending_on_a_working_day_stays(self) -> None:
        assert CAL.period_end(D(2024, 3, 1), 3) == D(2024, 3, 4)
        assert CAL.period_end(D(2024, 3, 4), 0) == D(2024, 3, 4)


def test_working_day_on_or_after() -> None:
    assert CAL.working_day_on_or_after(D(2024, 10, 3)) == D(2024, 10, 8)
    assert CAL.working_day_on_or_after(D(2024, 10, 8)) == D(2024, 10, 8)
    assert CAL.working_day_on_or_after(D(2024, 2, 17)) == D(2024, 2, 18)


def test_previous_working_day() -> None:
    assert CAL.previous_working_day(D(2024, 10, 8)) == D(2024, 9, 30)
    assert CAL.previous_working_day(D(2024, 10, 13)) == D(2024, 10, 12)
    assert CAL.previous_working_day(D(2024, 2, 19)) == D(2024, 2, 18)
    # Crosses into the previous year: 2025-01-01 is a holiday.
    assert CAL.previous_working_day(D(2025, 1, 2)) == D(2024, 12, 31)


def test_working_days_between_is_half_open_and_antisymmetric() -> None:
    assert CAL.working_days_between(D(2024, 9, 30), D(2024, 9, 30)) == 0
    assert CAL.working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 1
    assert CAL.working_days_between(D(2024, 10, 8), D(2024, 9, 30)) == -1
    assert CAL.working_days_between(D(2024, 9, 29), D(2024, 9, 30)) == 1


# -- court overrides -----------------------------------------------------------------


class TestOverrides:
    def test_declaring_a_holiday_a_working_day(self) -> None:
        cal = CourtCalendar({D(2024, 10, 2): True})
        assert cal.is_working_day(D(2024, 10, 2))
        assert cal.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 2)
        assert cal.add_working_days(D(2024, 9, 30), 2) == D(2024, 10, 8)

    def test_declaring_a_normal_tuesday_a_rest_day(self) -> None:
        cal = CourtCalendar({D(2024, 3, 5): False})
        assert not cal.is_working_day(D(2024, 3, 5))
        assert cal.add_working_days(D(2024, 3, 4), 1) == D(2024, 3, 6)
        assert CAL.working_days_between(D(2024, 3, 1), D(2024, 3, 8)) == 5
        assert cal.working_days_between(D(2024, 3, 1), D(2024, 3, 8)) == 4

    def test_cancelling_a_makeup_saturday_and_working_a_normal_one(self) -> None:
        cal = CourtCalendar({D(2024, 10, 12): False, D(2024, 3, 9): True})
        assert cal.add_working_days(D(2024, 10, 11), 1) == D(2024, 10, 14)
        assert cal.add_working_days(D(2024, 3, 8), 1) == D(2024, 3, 9)
        assert cal.period_end(D(2024, 3, 7), 2) == D(2024, 3, 9)

    def test_override_in_the_next_year_changes_a_result_across_new_year(self) -> None:
        # Officially: Jan 1 holiday, Thu Jan 2 (1), Fri Jan 3 (2).
        assert CAL.add_working_days(D(2024, 12, 31), 2) == D(2025, 1, 3)
        cal = CourtCalendar({D(2025, 1, 2): False})
        assert cal.add_working_days(D(2024, 12, 31), 2) == D(2025, 1, 6)

    def test_year_schedule_lists_the_years_overrides_separately(self) -> None:
        cal = CourtCalendar({D(2024, 10, 2): True, D(2024, 3, 5): False, D(2025, 1, 2): False})
        schedule = cal.year_schedule(2024)
        assert isinstance(schedule, YearSchedule)
        assert schedule.year == 2024
        assert schedule.overrides == [(D(2024, 3, 5), False), (D(2024, 10, 2), True)]
        # The official lists are untouched by the court's entries.
        assert (D(2024, 10, 2), "国庆节") in schedule.holidays
        assert (D(2024, 2, 10), "春节") in schedule.holidays
        assert schedule.confirmed

    def test_with_overrides_returns_a_new_calendar_and_leaves_the_old_one(self) -> None:
        base = CourtCalendar({D(2024, 3, 5): False})
        other = base.with_overrides({D(2024, 10, 2): True}, confirmed_years=[2035])
        assert other is not base
        assert other.is_working_day(D(2024, 10, 2))
        assert other.is_working_day(D(2024, 3, 5))  # replaced, not merged
        assert other.is_confirmed(2035)
        assert not base.is_working_day(D(2024, 3, 5))
        assert not base.is_working_day(D(2024, 10, 2))
        assert not base.is_confirmed(2035)

    def test_overrides_must_be_booleans_on_dates(self) -> None:
        with pytest.raises(TypeError):
            CourtCalendar({D(2024, 3, 5): None})  # type: ignore[dict-item]
        with pytest.raises(TypeError):
            CourtCalendar({datetime(2024, 3, 5, 9): False})
        with pytest.raises(CalendarRangeError):
            CourtCalendar({D(1999, 3, 5): False})


# -- confirmed years -----------------------------------------------------------------


def test_confirmed_years_come_from_the_library() -> None:
    assert CAL.is_confirmed(2024)
    assert CAL.is_confirmed(2025)
    assert CAL.is_confirmed(2026)
    assert all(CAL.is_confirmed(y) for y in range(2001, 2027))
    # A year far ahead has no State Council notice in any release of the library.
    assert not CAL.is_confirmed(2035)
    assert not CAL.is_confirmed(2100)
    assert CAL.year_schedule(2035).makeup_working_days == []
    assert not CAL.year_schedule(2035).confirmed


def test_an_admin_can_confirm_a_year() -> None:
    cal = CourtCalendar(confirmed_years=[2035])
    assert cal.is_confirmed(2035)
    assert cal.year_schedule(2035).confirmed
    assert not cal.is_provisional(D(2035, 3, 1))
    assert not cal.is_confirmed(2028)


def test_is_provisional() -> None:
    assert not CAL.is_provisional(D(2026, 12, 31))
    assert CAL.is_provisional(D(2035, 1, 1))


# -- errors --------------------------------------------------------------------------


class TestErrors:
    @pytest.mark.parametrize("d", [D(2000, 12, 31), D(2101, 1, 1)])
    def test_dates_outside_the_range(self, d: date) -> None:
        with pytest.raises(CalendarRangeError, match=f"{FIRST_YEAR}.*{LAST_YEAR}"):
            CAL.is_working_day(d)
        with pytest.raises(ValueError):  # CalendarRangeError is a ValueError
            CAL.add_working_days(d, 1)
        with pytest.raises(CalendarRangeError):
            CAL.working_days_between(D(2024, 1, 1), d)

    def test_results_outside_the_range(self) -> None:
        with pytest.raises(CalendarRangeError):
            CAL.add_working_days(D(2100, 12, 30), 5)
        with pytest.raises(CalendarRangeError):
            CAL.add_working_days(D(2100, 1, 1), 20000)
        with pytest.raises(CalendarRangeError):
            CAL.period_end(D(2100, 12, 20), 30)
        with pytest.raises(CalendarRangeError):
            CAL.previous_working_day(D(2001, 1, 2))  # Jan 1 2001 is New Year's Day
        assert CAL.previous_working_day(D(2001, 1, 3)) == D(2001, 1, 2)

    def test_years_outside_the_range(self) -> None:
        with pytest.raises(CalendarRangeError):
            CAL.is_confirmed(2000)
        with pytest.raises(CalendarRangeError):
            CAL.year_schedule(2101)
        with pytest.raises(CalendarRangeError):
            CourtCalendar(confirmed_years=[2101])

    def test_negative_counts(self) -> None:
        with pytest.raises(ValueError, match="n must be 0 or more"):
            CAL.add_working_days(D(2024, 3, 1), -1)
        with pytest.raises(ValueError):
            CAL.period_end(D(2024, 3, 1), -1)

    def test_datetimes_are_rejected(self) -> None:
        with pytest.raises(TypeError):
            CAL.is_working_day(datetime(2024, 3, 1, 12))  # type: ignore[arg-type]


# -- large spans ---------------------------------------------------------------------


def test_large_spans_answer() -> None:
    start = D(2001, 1, 1)
    far = CAL.add_working_days(start, 20000)
    assert CAL.is_working_day(far)
    assert CAL.working_days_between(start, far) == 20000
    # 50 years: sum of the yearly counts, and between 240 and 255 working days a year.
    first, last = D(2019, 12, 31), D(2069, 12, 31)
    total = CAL.working_days_between(first, last)
    yearly = [CAL.working_days_between(D(y - 1, 12, 31), D(y, 12, 31)) for y in range(2020, 2070)]
    assert total == sum(yearly)
    assert all(240 <= count <= 255 for count in yearly)
    assert CAL.working_days_between(last, first) == -total


def test_concurrent_reads_agree_with_sequential_ones() -> None:
    starts = [D(y, 6, 1) for y in range(2030, 2090)]
    cal = CourtCalendar({D(2050, 6, 3): False})
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda d: cal.add_working_days(d, 400), starts))
    fresh = CourtCalendar({D(2050, 6, 3): False})
    assert concurrent == [fresh.add_working_days(d, 400) for d in starts]


# -- properties ----------------------------------------------------------------------

dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 12, 31))
counts = st.integers(min_value=0, max_value=600)
# Overrides kept to two years so that queries often run into them.
overrides = st.dictionaries(
    st.dates(min_value=D(2024, 1, 1), max_value=D(2025, 12, 31)), st.booleans(), max_size=40
)


@given(d=dates, n=st.integers(min_value=1, max_value=600), ov=overrides)
def test_add_working_days_lands_on_a_working_day(d: date, n: int, ov: dict[date, bool]) -> None:
    cal = CourtCalendar(ov)
    result = cal.add_working_days(d, n)
    assert result > d
    assert cal.is_working_day(result)


@given(d=dates, n=counts, ov=overrides)
def test_counting_undoes_adding(d: date, n: int, ov: dict[date, bool]) -> None:
    cal = CourtCalendar(ov)
    assert cal.working_days_between(d, cal.add_working_days(d, n)) == n


@given(ov=overrides)
def test_overrides_win_over_the_library(ov: dict[date, bool]) -> None:
    cal = CourtCalendar(ov)
    for d, working in ov.items():
        assert cal.is_working_day(d) == working


@given(d=dates, a=counts, b=counts, ov=overrides)
def test_add_working_days_is_monotonic(d: date, a: int, b: int, ov: dict[date, bool]) -> None:
    cal = CourtCalendar(ov)
    low, high = sorted((a, b))
    if low == high:
        assert cal.add_working_days(d, low) == cal.add_working_days(d, high)
    else:
        assert cal.add_working_days(d, low) < cal.add_working_days(d, high)


@given(d=dates, k=st.integers(min_value=0, max_value=400), ov=overrides)
def test_period_end_is_the_first_working_day_from_d_plus_k(
    d: date, k: int, ov: dict[date, bool]
) -> None:
    cal = CourtCalendar(ov)
    end = cal.period_end(d, k)
    assert end >= d + timedelta(days=k)
    assert cal.is_working_day(end)
    assert not any(cal.is_working_day(x) for x in days(d + timedelta(days=k), end)[:-1])


@settings(max_examples=60)
@given(a=dates, offset=st.integers(min_value=-400, max_value=400), ov=overrides)
def test_working_days_between_matches_a_day_by_day_count(
    a: date, offset: int, ov: dict[date, bool]
) -> None:
    cal = CourtCalendar(ov)
    b = a + timedelta(days=offset)
    low, high = sorted((a, b))
    brute = sum(cal.is_working_day(x) for x in days(low, high)[1:])
    assert cal.working_days_between(a, b) == (brute if b >= a else -brute)


@given(d=dates, ov=overrides)
def test_neighbouring_working_days(d: date, ov: dict[date, bool]) -> None:
    cal = CourtCalendar(ov)
    before = cal.previous_working_day(d)
    after = cal.working_day_on_or_after(d)
    assert before < d <= after
    assert cal.is_working_day(before)
    assert cal.is_working_day(after)
    assert cal.working_days_between(before, after) == 1
