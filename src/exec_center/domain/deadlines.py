"""Deadlines: the time limits of the work rules, as data with an effective date, and the
arithmetic that turns a rule and a start date into a due date (through the court calendar)."""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import DomainError, ErrorCode
from .labels import LabelledEnum


class DeadlineKind(LabelledEnum):
    QUERY_CONTROL = "QUERY_CONTROL", "集约查控期限"
    TRANSFER_FOR_FILING = "TRANSFER_FOR_FILING", "移交执行立案期限"
    FAST_CLOSE_SETTLED = "FAST_CLOSE_SETTLED", "和解履行快结期限"
    FAST_CLOSE_FULLY_CONTROLLED = "FAST_CLOSE_FULLY_CONTROLLED", "足额查控快结期限"
    ONLINE_REPLY = "ONLINE_REPLY", "网上留言答复期限"
    MEASURE_RENEWAL = "MEASURE_RENEWAL", "控制措施续行期限"
    # Variants: the AdjudicationKind (OBJECTION 15 days, ADD_RESPONDENT 60 days,
    # PRESERVATION_RECONSIDERATION 10 days; the rule rows carry the sources).
    ADJUDICATION_REVIEW = "ADJUDICATION_REVIEW", "执行裁决审查期限"


class DayCount(LabelledEnum):
    WORKING_DAYS = "WORKING_DAYS", "工作日"
    CALENDAR_DAYS = "CALENDAR_DAYS", "日（末日为节假日的顺延）"
    YEARS = "YEARS", "年"


class DeadlineStatus(LabelledEnum):
    OPEN = "OPEN", "进行中"
    MET = "MET", "按期完成"
    MISSED = "MISSED", "超期完成"
    CANCELLED = "CANCELLED", "已撤销"


# --- rules ------------------------------------------------------------------------------

MAX_COUNT = 3650  # no rule of the court counts further than ten years (or days)


class WorkingDayCalendar(Protocol):
    def add_working_days(self, d: date, n: int) -> date: ...
    def period_end(self, d: date, days: int) -> date: ...
    def previous_working_day(self, d: date) -> date: ...
    def is_provisional(self, d: date) -> bool: ...


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit of the work rules, in force from `effective_from`."""

    kind: DeadlineKind
    variant: str  # "" for the kind's only rule; MEASURE_RENEWAL: BANK_DEPOSIT, MOVABLES, ...
    day_count: DayCount
    count: int
    extendable_to: int | None
    effective_from: date
    source: str
    id: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.count <= MAX_COUNT:
            raise DomainError(f"a rule counts 1 to {MAX_COUNT} units; got {self.count}", field="count")
        if self.extendable_to is not None and self.extendable_to <= self.count:
            raise DomainError("an extension must allow more than the rule itself", field="extendableTo")


def add_years(d: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = d.year + years
    day = min(d.day, _gregorian.monthrange(year, d.month)[1])
    return d.replace(year=year, day=day)


def compute_due(day_count: DayCount, count: int, starts_on: date, cal: WorkingDayCalendar) -> date:
    """The due date of a period starting on `starts_on` (which never counts itself)."""
    if not 0 < count <= MAX_COUNT:
        raise DomainError(f"a period counts 1 to {MAX_COUNT} units; got {count}", field="count")
    if day_count is DayCount.WORKING_DAYS:
        return cal.add_working_days(starts_on, count)
    if day_count is DayCount.CALENDAR_DAYS:
        return cal.period_end(starts_on, count)
    # A measure of N years holds through the day before the same date N years on; it must be
    # renewed by then, so the due date is that last day (never moved to a later working day).
    return add_years(starts_on, count) - timedelta(days=1)


def pick_rule(rules: list[DeadlineRule], kind: DeadlineKind, variant: str, on: date) -> DeadlineRule:
    """The rule for `kind`/`variant` in force on `on` (the newest whose effective date has come)."""
    candidates = [r for r in rules if r.kind is kind and r.variant == variant and r.effective_from <= on]
    if not candidates:
        raise DomainError(
            f"no {kind.value} rule{f' ({variant})' if variant else ''} is in force on {on}",
            field="kind",
            code=ErrorCode.NOT_ALLOWED,
        )
    return max(candidates, key=lambda r: r.effective_from)


def closing_status(due_on: date, done_on: date) -> DeadlineStatus:
    """Met when done on or before the due date (the whole due day counts)."""
    return DeadlineStatus.MET if done_on <= due_on else DeadlineStatus.MISSED


def check_extension_request(
    *, status: DeadlineStatus, extended: bool, pending: bool, extendable_to: int | None, reason: str
) -> None:
    if status is not DeadlineStatus.OPEN:
        raise DomainError(
            f"the deadline is {status.value} ({status.label}); only an OPEN deadline can be extended",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if extendable_to is None:
        raise DomainError(
            "the rule of this deadline allows no extension", field="deadlineId", code=ErrorCode.NOT_ALLOWED
        )
    if extended:
        raise DomainError(
            "the deadline was already extended once; the rule allows one extension",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if pending:
        raise DomainError(
            "an extension request for this deadline is already waiting for a decision",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if not reason.strip():
        raise DomainError(
            "give the reason for the extension (the special circumstances, Art. 16)", field="reason"
        )
    if len(reason) > 1000:
        raise DomainError("the reason may be at most 1000 characters", field="reason")


# --- the escalation ladder --------------------------------------------------------------


class Recipient(LabelledEnum):
    HOLDER = "HOLDER", "承办人"
    SUPERVISOR = "SUPERVISOR", "团队负责人或事务中心负责人"
    BUREAU_CHIEF = "BUREAU_CHIEF", "执行局局长"
    COMMAND_CENTER = "COMMAND_CENTER", "执行指挥中心"


@dataclass(frozen=True)
class EscalationStep:
    """A rung of the ladder. `offset` is in working days relative to the due date: −1 is the
    working day before it, 0 the due day itself; 1 means "missed": the first day after it."""

    level: int
    name: str
    offset: int
    recipients: frozenset[Recipient]
    priority: int  # the priority work items of the deadline are raised to
    flag: bool = False  # flag the deadline for the command centre


DEFAULT_LADDER: tuple[EscalationStep, ...] = (
    EscalationStep(1, "WARNING", -1, frozenset({Recipient.HOLDER}), 2),
    EscalationStep(2, "DUE_TODAY", 0, frozenset({Recipient.SUPERVISOR}), 3),
    EscalationStep(
        3, "MISSED", 1, frozenset({Recipient.BUREAU_CHIEF, Recipient.COMMAND_CENTER}), 4, flag=True
    ),
)


def step_day(step: EscalationStep, due_on: date, cal: WorkingDayCalendar) -> date:
    if step.offset > 0:
        return due_on + timedelta(days=step.offset)
    day = due_on
    for _ in range(-step.offset):
        day = cal.previous_working_day(day)
    return day


def step_instant(step: EscalationStep, due_on: date, cal: WorkingDayCalendar, tz: ZoneInfo) -> datetime:
    """When the step falls due: the start of its day in the court's time zone."""
    return datetime.combine(step_day(step, due_on, cal), time.min, tzinfo=tz)


def ladder_position(
    ladder: tuple[EscalationStep, ...], due_on: date, now: datetime, cal: WorkingDayCalendar, tz: ZoneInfo
) -> tuple[EscalationStep | None, datetime | None]:
    """The highest step whose time has come (None if none yet) and when the next one comes."""
    reached: EscalationStep | None = None
    upcoming: datetime | None = None
    for step in sorted(ladder, key=lambda s: s.level):
        at = step_instant(step, due_on, cal, tz)
        if at <= now:
            reached = step
        elif upcoming is None:
            upcoming = at
    return reached, upcoming
