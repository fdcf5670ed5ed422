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
    # A supervision order's reply (督办, Art. 4): the rule's period is the default the issuer may
    # change per order (domain/supervision.py); the ladder reaches the issuers when it is missed.
    SUPERVISION_REPLY = "SUPERVISION_REPLY", "督办答复期限"


class DayCount(LabelledEnum):
    WORKING_DAYS = "WORKING_DAYS", "工作日"
    CALENDAR_DAYS = "CALENDAR_DAYS", "日（末日为节假日的顺延）"
    YEARS = "YEARS", "年"


class DeadlineStatus(LabelledEnum):
    OPEN = "OPEN", "进行中"
    MET = "MET", "按期完成"
    MISSED = "MISSED", "超期完成"
    CANCELLED = "CANCELLED", "已撤销"


class DeadlineVariant(LabelledEnum):
    """Which rule of a kind counts a deadline, where the kind has several (none: the kind's only
    rule). MEASURE_RENEWAL: the legal period of the measure by what it holds (民诉法解释 art. 485);
    ADJUDICATION_REVIEW: the AdjudicationKind of the application."""

    BANK_DEPOSIT = "BANK_DEPOSIT", "冻结银行存款、网络支付资金（一年）"
    MOVABLES = "MOVABLES", "查封、扣押动产（二年）"
    REAL_ESTATE_OR_RIGHTS = "REAL_ESTATE_OR_RIGHTS", "查封不动产、冻结其他财产权（三年）"
    OBJECTION = "OBJECTION", "执行异议申请"
    ADD_RESPONDENT = "ADD_RESPONDENT", "追加被执行人申请"
    PRESERVATION_RECONSIDERATION = "PRESERVATION_RECONSIDERATION", "执前执保复议申请"

    @classmethod
    def read(cls, stored: str | None) -> DeadlineVariant | None:
        """The stored variant; None for "" (the kind's only rule) or a name no longer used."""
        return cls.__members__.get(stored or "")


class ExtensionStatus(LabelledEnum):
    """Where a request to extend a deadline stands (Art. 16)."""

    PENDING = "PENDING", "待审批"
    APPROVED = "APPROVED", "已批准"
    REFUSED = "REFUSED", "不予批准"


class NotificationKind(LabelledEnum):
    """What a notification to staff is about. Notifications stored under a kind no longer used
    read as OTHER."""

    EXTENSION_REQUESTED = "EXTENSION_REQUESTED", "期限延期申请"
    EXTENSION_DECIDED = "EXTENSION_DECIDED", "期限延期审批结果"
    DEADLINE_WARNING = "DEADLINE_WARNING", "期限即将到期"
    DEADLINE_DUE_SOON = "DEADLINE_DUE_SOON", "期限临近到期"
    DEADLINE_DUE_TODAY = "DEADLINE_DUE_TODAY", "期限今日到期"
    DEADLINE_MISSED = "DEADLINE_MISSED", "期限已超期"
    REPLY_CONTENT_REQUESTED = "REPLY_CONTENT_REQUESTED", "网上留言待拟答复"
    MATERIALS_TRANSFERRED = "MATERIALS_TRANSFERRED", "材料流转"
    PARTY_ASKED_FOR_JUDGE = "PARTY_ASKED_FOR_JUDGE", "当事人申请联系承办人"
    WORK_ITEM_ASSIGNED = "WORK_ITEM_ASSIGNED", "事项已分派"
    WORK_ITEM_ESCALATED = "WORK_ITEM_ESCALATED", "事项已升级督办"
    CASE_TRANSFERRED = "CASE_TRANSFERRED", "案件已移交"
    SUPERVISION_ORDER_ISSUED = "SUPERVISION_ORDER_ISSUED", "收到督办"
    SUPERVISION_ORDER_ANSWERED = "SUPERVISION_ORDER_ANSWERED", "督办已答复"
    OTHER = "OTHER", "其他通知"

    @classmethod
    def read(cls, stored: str) -> NotificationKind:
        return cls.__members__.get(stored, cls.OTHER)


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
            raise DomainError(
                f"a rule counts 1 to {MAX_COUNT} units; got {self.count}",
                zh=f"期限规则的计数应为 1 至 {MAX_COUNT}；实际为 {self.count}",
                field="count",
                code=ErrorCode.OUT_OF_RANGE,
            )
        if self.extendable_to is not None and self.extendable_to <= self.count:
            raise DomainError(
                f"an extension must allow more than the rule itself ({self.count}); got {self.extendable_to}",
                zh=f"延长后的期限应长于规则本身的期限（{self.count}）；实际为 {self.extendable_to}",
                field="extendableTo",
                code=ErrorCode.OUT_OF_RANGE,
            )


def add_years(d: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = d.year + years
    day = min(d.day, _gregorian.monthrange(year, d.month)[1])
    return d.replace(year=year, day=day)


def compute_due(day_count: DayCount, count: int, starts_on: date, cal: WorkingDayCalendar) -> date:
    """The due date of a period starting on `starts_on` (which never counts itself)."""
    if not 0 < count <= MAX_COUNT:
        raise DomainError(
            f"a period counts 1 to {MAX_COUNT} units; got {count}",
            zh=f"期限的计数应为 1 至 {MAX_COUNT}；实际为 {count}",
            field="count",
            code=ErrorCode.OUT_OF_RANGE,
        )
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
            zh=f"{on} 没有有效的“{kind.label}”期限规则{f'（{variant}）' if variant else ''}",
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
            zh=f"该期限当前状态为“{status.label}”；只有“{DeadlineStatus.OPEN.label}”的期限才能申请延长",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if extendable_to is None:
        raise DomainError(
            "the rule of this deadline allows no extension",
            zh="该期限的规则不允许延长",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if extended:
        raise DomainError(
            "the deadline was already extended once; the rule allows one extension",
            zh="该期限已延长过一次；规则只允许延长一次",
            field="deadlineId",
            code=ErrorCode.ALREADY_DONE,
        )
    if pending:
        raise DomainError(
            "an extension request for this deadline is already waiting for a decision",
            zh="该期限已有延期申请等待审批",
            field="deadlineId",
            code=ErrorCode.ALREADY_DONE,
        )
    if not reason.strip():
        raise DomainError(
            "give the reason for the extension (the special circumstances, Art. 16)",
            zh="请填写延期理由（特殊情况，第十六条）",
            field="reason",
            code=ErrorCode.REQUIRED,
        )
    if len(reason) > 1000:
        raise DomainError(
            "the reason may be at most 1000 characters",
            zh="延期理由不能超过 1000 个字",
            field="reason",
            code=ErrorCode.OUT_OF_RANGE,
        )


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
