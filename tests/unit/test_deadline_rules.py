"""Deadline arithmetic, rule selection, extensions and the escalation ladder (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.calendar import CourtCalendar
from exec_center.domain.deadlines import (
    DEFAULT_LADDER,
    DayCount,
    DeadlineKind,
    DeadlineRule,
    DeadlineStatus,
    add_years,
    check_extension_request,
    closing_status,
    compute_due,
    ladder_position,
    pick_rule,
    step_day,
)
from exec_center.domain.errors import DomainError

CAL = CourtCalendar()
TZ = ZoneInfo("Asia/Shanghai")
D = date


def test_query_control_counts_five_working_days_from_the_number_being_assigned() -> None:
    # Received Thursday 2024-02-08: Feb 9 works, Spring Festival Feb 10–17, Sunday Feb 18 is a
    # make-up working day, then Feb 19, 20, 21.
    assert compute_due(DayCount.WORKING_DAYS, 5, D(2024, 2, 8), CAL) == D(2024, 2, 21)
    assert compute_due(DayCount.WORKING_DAYS, 7, D(2024, 2, 8), CAL) == D(2024, 2, 23)


def test_transfer_for_filing_is_three_calendar_days_moved_off_a_holiday() -> None:
    assert compute_due(DayCount.CALENDAR_DAYS, 3, D(2024, 9, 28), CAL) == D(2024, 10, 8)
    assert compute_due(DayCount.CALENDAR_DAYS, 3, D(2024, 3, 4), CAL) == D(2024, 3, 7)


def test_online_reply_across_national_day() -> None:
    assert compute_due(DayCount.WORKING_DAYS, 2, D(2025, 9, 30), CAL) == D(2025, 10, 10)


def test_a_measure_holds_through_the_day_before_the_anniversary() -> None:
    assert compute_due(DayCount.YEARS, 1, D(2024, 3, 1), CAL) == D(2025, 2, 28)
    assert compute_due(DayCount.YEARS, 3, D(2024, 2, 29), CAL) == D(2027, 2, 27)
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)


@pytest.mark.parametrize("count", [0, -1, 3651])
def test_absurd_counts_are_refused(count: int) -> None:
    with pytest.raises(DomainError, match="1 to 3650"):
        compute_due(DayCount.WORKING_DAYS, count, D(2024, 3, 1), CAL)


def _rule(count: int, effective: date) -> DeadlineRule:
    return DeadlineRule(DeadlineKind.QUERY_CONTROL, "", DayCount.WORKING_DAYS, count, count + 2, effective, "x")


def test_the_rule_in_force_on_the_start_date_applies() -> None:
    rules = [_rule(5, D(2024, 1, 1)), _rule(4, D(2026, 1, 1))]
    assert pick_rule(rules, DeadlineKind.QUERY_CONTROL, "", D(2025, 12, 31)).count == 5
    assert pick_rule(rules, DeadlineKind.QUERY_CONTROL, "", D(2026, 1, 1)).count == 4
    with pytest.raises(DomainError, match="no QUERY_CONTROL rule"):
        pick_rule(rules, DeadlineKind.QUERY_CONTROL, "", D(2023, 12, 31))


def test_a_deadline_is_met_through_its_whole_due_day() -> None:
    assert closing_status(D(2024, 2, 21), D(2024, 2, 21)) is DeadlineStatus.MET
    assert closing_status(D(2024, 2, 21), D(2024, 2, 22)) is DeadlineStatus.MISSED


@pytest.mark.parametrize("change,message", [
    ({"status": DeadlineStatus.MET}, "only an OPEN deadline"),
    ({"extendable_to": None}, "allows no extension"),
    ({"extended": True}, "already extended"),
    ({"pending": True}, "already waiting"),
    ({"reason": "   "}, "give the reason"),
])
def test_extension_requests_are_refused_with_the_reason(change, message) -> None:
    args = {"status": DeadlineStatus.OPEN, "extended": False, "pending": False, "extendable_to": 7,
            "reason": "查控系统故障"}
    check_extension_request(**args)  # allowed as it stands
    with pytest.raises(DomainError, match=message):
        check_extension_request(**{**args, **change})


def test_ladder_steps_fall_on_the_working_day_before_the_due_day_and_after() -> None:
    warn, due, missed = DEFAULT_LADDER
    # Due Monday 2024-02-19? No: use a due date after a weekend: due Mon 2024-03-04.
    assert step_day(warn, D(2024, 3, 4), CAL) == D(2024, 3, 1)  # the Friday before
    assert step_day(due, D(2024, 3, 4), CAL) == D(2024, 3, 4)
    assert step_day(missed, D(2024, 3, 4), CAL) == D(2024, 3, 5)
    # The working day before 2024-02-19 is the make-up Sunday 2024-02-18.
    assert step_day(warn, D(2024, 2, 19), CAL) == D(2024, 2, 18)


def _at(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ).astimezone(UTC)


def test_ladder_position_moves_with_the_clock() -> None:
    due = D(2024, 3, 4)
    reached, upcoming = ladder_position(DEFAULT_LADDER, due, _at(D(2024, 2, 29)), CAL, TZ)
    assert reached is None and upcoming == datetime(2024, 3, 1, tzinfo=TZ)
    reached, upcoming = ladder_position(DEFAULT_LADDER, due, _at(D(2024, 3, 2)), CAL, TZ)
    assert reached.name == "WARNING" and upcoming == datetime(2024, 3, 4, tzinfo=TZ)
    reached, upcoming = ladder_position(DEFAULT_LADDER, due, _at(D(2024, 3, 4)), CAL, TZ)
    assert reached.name == "DUE_TODAY"
    reached, upcoming = ladder_position(DEFAULT_LADDER, due, _at(D(2024, 3, 5), 0), CAL, TZ)
    assert reached.name == "MISSED" and upcoming is None


@given(st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 1)), st.integers(1, 30))
def test_working_day_due_dates_are_working_days_after_the_start(start: date, n: int) -> None:
    due = compute_due(DayCount.WORKING_DAYS, n, start, CAL)
    assert due > start and CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n


@given(st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 1)), st.integers(1, 30))
def test_calendar_day_due_dates_are_never_early_and_always_working(start: date, n: int) -> None:
    due = compute_due(DayCount.CALENDAR_DAYS, n, start, CAL)
    assert (due - start).days >= n and CAL.is_working_day(due)
