"""The command centre's indicators (issue 15): what each one counts, over which period, broken
down by what. Plain definitions and date arithmetic; the SQL is in services/indicators.py.

An indicator is a figure per period bucket (a day, an ISO week starting Monday, a calendar month)
and per breakdown key (a team, an officer, a case type...). A rate is numerator / denominator; a
count has no denominator. "Now" indicators (open cases, overdue deadlines and work items) are a
snapshot at the court's today and have no bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from .case_numbers import CaseType
from .deadlines import DeadlineKind
from .errors import DomainError, ErrorCode
from .labels import LabelledEnum
from .lifecycle import CaseStage, ClosingMethod
from .windows import VisitPurpose
from .work import WorkItemKind

# Longest period one request may cover: a year and a little (a leap year plus its turn).
MAX_PERIOD_DAYS = 400
# Buckets one table may have (a year by day is 366).
MAX_BUCKETS = 400


class Granularity(LabelledEnum):
    DAY = "DAY", "按日"
    WEEK = "WEEK", "按周（周一起）"
    MONTH = "MONTH", "按月"


class Breakdown(LabelledEnum):
    NONE = "NONE", "合计"
    TEAM = "TEAM", "团队"
    OFFICER = "OFFICER", "承办人"
    WINDOW = "WINDOW", "窗口"
    CASE_TYPE = "CASE_TYPE", "案件类型"
    TOWNSHIP = "TOWNSHIP", "乡镇"
    STAGE = "STAGE", "案件阶段"
    ESCALATION_LEVEL = "ESCALATION_LEVEL", "催办层级"
    CLOSING_METHOD = "CLOSING_METHOD", "结案方式"
    VISIT_PURPOSE = "VISIT_PURPOSE", "来访事由"
    DEADLINE_KIND = "DEADLINE_KIND", "期限类型"
    WORK_ITEM_KIND = "WORK_ITEM_KIND", "任务类型"


class CasesPart(LabelledEnum):
    """Which of the cases behind a rate's cell a drill-down lists."""

    ALL = "ALL", "全部"
    COUNTED = "COUNTED", "计入分子的（如按期完成）"
    NOT_COUNTED = "NOT_COUNTED", "未计入分子的（如超期）"


class Indicator(LabelledEnum):
    CASES_RECEIVED = "CASES_RECEIVED", "收案数"
    CASES_CONVERTED = "CASES_CONVERTED", "转执行立案数"
    CASES_TRANSFERRED = "CASES_TRANSFERRED", "移交执行实施团队数"
    CASES_CLOSED = "CASES_CLOSED", "结案数"
    CASES_ARCHIVED = "CASES_ARCHIVED", "归档数"
    OPEN_CASES = "OPEN_CASES", "未结案件数（当前）"
    QUERY_CONTROL_ON_TIME = "QUERY_CONTROL_ON_TIME", "集约查控按期完成率（含延期）"
    QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION = (
        "QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION",
        "集约查控按期完成率（未延期）",
    )
    QUERY_CONTROL_EXTENSIONS = "QUERY_CONTROL_EXTENSIONS", "集约查控延期批准率"
    TRANSFER_FOR_FILING_ON_TIME = "TRANSFER_FOR_FILING_ON_TIME", "移交执行立案按期率（3个工作日）"
    FAST_CLOSE_ON_TIME = "FAST_CLOSE_ON_TIME", "快立快结按期率（3/15个工作日）"
    ONLINE_REPLY_ON_TIME = "ONLINE_REPLY_ON_TIME", "网上留言按期答复率"
    OVERDUE_DEADLINES = "OVERDUE_DEADLINES", "超期未完成期限数（当前）"
    OVERDUE_WORK_ITEMS = "OVERDUE_WORK_ITEMS", "超期未办工作事项数（当前）"
    CLOSING_METHOD_SHARE = "CLOSING_METHOD_SHARE", "结案方式占比"
    CONTROLLED_RATIO = "CONTROLLED_RATIO", "查控到位率（控制金额/申请执行金额）"
    VISITS = "VISITS", "窗口来访数"
    DISCLOSURES = "DISCLOSURES", "案件信息公开次数（核验通过）"
    PETITIONS = "PETITIONS", "执行信访数"
    QUERY_CONTROL_DAYS = "QUERY_CONTROL_DAYS", "集约查控用时（收案至完成查控，日）"
    CASE_DAYS = "CASE_DAYS", "结案用时（收案至结案，日）"
    STAGE_DAYS = "STAGE_DAYS", "各阶段用时（日）"
    SUPERVISION_ORDERS_ISSUED = "SUPERVISION_ORDERS_ISSUED", "下达督办数"
    SUPERVISION_REPLY_ON_TIME = "SUPERVISION_REPLY_ON_TIME", "督办按期答复率"


class Measure(LabelledEnum):
    COUNT = "COUNT", "计数"
    RATE = "RATE", "比率"
    DURATION = "DURATION", "用时（中位数、第90百分位）"


@dataclass(frozen=True)
class Definition:
    indicator: Indicator
    measure: Measure
    numerator: str
    denominator: str | None
    date_counted: str  # which date puts a row in a bucket; for a snapshot, "now"
    breakdowns: tuple[Breakdown, ...]
    snapshot: bool = False
    # The breakdown the figure always has (closing-method shares are per method).
    fixed_breakdown: Breakdown | None = None

    @property
    def description(self) -> str:
        parts = [f"{self.indicator.label}. Numerator: {self.numerator}."]
        if self.measure is Measure.DURATION:
            parts.append("Value: the median of the days (medianDays); p90Days the 90th percentile "
                         "(the smallest number of days at least that share of the cases took).")
        elif self.denominator:
            parts.append(f"Denominator: {self.denominator}. Value: numerator / denominator (0..1).")
        else:
            parts.append("Value: the numerator.")
        parts.append(f"Date that counts: {self.date_counted}.")
        parts.append("Breakdowns: " + ", ".join(b.value for b in (Breakdown.NONE, *self.breakdowns)) + ".")
        return " ".join(parts)


_B = Breakdown
_CASE_KEYS = (_B.TEAM, _B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)
# A case's team, officer (handler), type and township are those it has now.
_TRANSITION = "cases that took the step ({}) on a day of the bucket (a case takes it once)"
_QC = (
    "query-and-control deadlines (Art. 16: five working days from the day the case was numbered) "
    "closed in the bucket"
)

DEFINITIONS: dict[Indicator, Definition] = {
    d.indicator: d
    for d in (
        Definition(Indicator.CASES_RECEIVED, Measure.COUNT, "cases received", None,
                   "the case's received_on (收案日期)", _CASE_KEYS),
        Definition(Indicator.CASES_CONVERTED, Measure.COUNT,
                   _TRANSITION.format("CONVERT: a preservation case converted into a 执 case"), None,
                   "the day of the conversion", _CASE_KEYS),
        Definition(Indicator.CASES_TRANSFERRED, Measure.COUNT,
                   _TRANSITION.format("TRANSFER: handed to an implementation team"), None,
                   "the day of the transfer", _CASE_KEYS),
        Definition(Indicator.CASES_CLOSED, Measure.COUNT, "cases closed", None,
                   "the case's closed_on (结案日期)", (*_CASE_KEYS, _B.CLOSING_METHOD)),
        Definition(Indicator.CASES_ARCHIVED, Measure.COUNT,
                   _TRANSITION.format("ARCHIVE"), None, "the day of archiving", _CASE_KEYS),
        Definition(Indicator.OPEN_CASES, Measure.COUNT,
                   "cases not closed, archived or converted (still being worked on), now; each cell also "
                   "gives their age in calendar days since received_on (average and oldest)", None,
                   "now (the court's today); the period is not used", (_B.STAGE, *_CASE_KEYS),
                   snapshot=True),
        Definition(Indicator.QUERY_CONTROL_ON_TIME, Measure.RATE,
                   f"{_QC} as met: completed by their due date, an approved extension's date included",
                   f"{_QC} (met or missed; cancelled ones do not count)",
                   "the deadline's closed_on: the day query-and-control was completed",
                   (_B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)),
        Definition(Indicator.QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION, Measure.RATE,
                   f"{_QC} as met and never extended: completed within the five working days themselves",
                   f"{_QC} (met or missed)",
                   "the deadline's closed_on: the day query-and-control was completed",
                   (_B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)),
        Definition(Indicator.QUERY_CONTROL_EXTENSIONS, Measure.RATE,
                   "extension requests on query-and-control deadlines that were approved",
                   "extension requests on query-and-control deadlines (pending, approved or refused)",
                   "the day the extension was requested", (_B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)),
        Definition(Indicator.TRANSFER_FOR_FILING_ON_TIME, Measure.RATE,
                   "transfer-for-filing deadlines (Art. 19: three working days) closed as met",
                   "transfer-for-filing deadlines closed (met or missed)",
                   "the deadline's closed_on", (_B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)),
        Definition(Indicator.FAST_CLOSE_ON_TIME, Measure.RATE,
                   "fast-closing deadlines (Art. 20: 3 working days when settled, 15 when fully controlled) "
                   "closed as met",
                   "fast-closing deadlines closed (met or missed)",
                   "the deadline's closed_on", (_B.TEAM, _B.OFFICER, _B.CASE_TYPE, _B.TOWNSHIP)),
        Definition(Indicator.ONLINE_REPLY_ON_TIME, Measure.RATE,
                   "online-message reply deadlines (Art. 13) closed as met: answered within the limit",
                   "online-message reply deadlines closed (met or missed)",
                   "the deadline's closed_on: the day the reply went out", (_B.WINDOW,)),
        Definition(Indicator.OVERDUE_DEADLINES, Measure.COUNT,
                   "open deadlines whose due date has passed, now (of every kind and owner)", None,
                   "now (the court's today); the period is not used",
                   (_B.ESCALATION_LEVEL, _B.TEAM, _B.OFFICER, _B.DEADLINE_KIND), snapshot=True),
        Definition(Indicator.OVERDUE_WORK_ITEMS, Measure.COUNT,
                   "open or claimed work items whose due date has passed, now; OFFICER is the holder "
                   "(unclaimed items have none), ESCALATION_LEVEL the rung of the deadline they serve",
                   None, "now (the court's today); the period is not used",
                   (_B.ESCALATION_LEVEL, _B.TEAM, _B.OFFICER, _B.WINDOW, _B.WORK_ITEM_KIND), snapshot=True),
        Definition(Indicator.CLOSING_METHOD_SHARE, Measure.RATE,
                   "cases closed with the method (the cell's key)", "cases closed in the bucket",
                   "the case's closed_on", (_B.CLOSING_METHOD,), fixed_breakdown=_B.CLOSING_METHOD),
        Definition(Indicator.CONTROLLED_RATIO, Measure.RATE,
                   "the amount controlled (controlled_total, 查控到位金额) of cases whose query-and-control "
                   "was completed in the bucket",
                   "the amount claimed (claim_amount, 申请执行金额) of the same cases",
                   "the case's query_control_completed_on", _CASE_KEYS),
        Definition(Indicator.QUERY_CONTROL_DAYS, Measure.DURATION,
                   "cases whose query-and-control was completed in the bucket; for each, the calendar days "
                   "from received_on to query_control_completed_on (time in RECEIVED..ANALYSING)", None,
                   "the case's query_control_completed_on", _CASE_KEYS),
        Definition(Indicator.CASE_DAYS, Measure.DURATION,
                   "cases closed in the bucket; for each, the calendar days from received_on to closed_on",
                   None, "the case's closed_on", (*_CASE_KEYS, _B.CLOSING_METHOD)),
        Definition(Indicator.STAGE_DAYS, Measure.DURATION,
                   "cases that left a stage (the cell's key) in the bucket; for each time a case left it, "
                   "the calendar days from entering the stage to leaving it. A case leaves a stage for "
                   "the next by a step of its lifecycle (dispatching the query, the first findings, the "
                   "transfer, mediation, conversion, enforcement, closing, archiving); it enters its first "
                   "stage on its received_on. A case that left a stage twice counts twice; stages a case "
                   "is still in do not count (see OPEN_CASES)",
                   None, "the day the case left the stage",
                   (_B.STAGE,), fixed_breakdown=_B.STAGE),
        Definition(Indicator.SUPERVISION_ORDERS_ISSUED, Measure.COUNT,
                   "supervision orders (督办) issued, on a case, a team or an overdue deadline; TEAM is the "
                   "team the order addresses (orders addressed to a role or a person have none). Orders on "
                   "a team or on a deadline of no case have no case to drill into", None,
                   "the order's issued_on (the court's date it was issued)", (_B.TEAM,)),
        Definition(Indicator.SUPERVISION_REPLY_ON_TIME, Measure.RATE,
                   "of the orders in the denominator, those answered on or before their reply deadline's "
                   "due day (on_time)",
                   "supervision orders whose reply was due in the bucket (their SUPERVISION_REPLY "
                   "deadline's due_on, as any extension moved it), answered (on time or late) or still "
                   "unanswered after the due day; an order still open and due today or later does not count "
                   "yet. TEAM is the team the order addresses; orders on a team or on a deadline of no case "
                   "have no case to drill into",
                   "the reply deadline's due_on", (_B.TEAM,)),
        Definition(Indicator.VISITS, Measure.COUNT, "visits recorded at the offline windows (Arts. 5-11)",
                   None, "the visit's visited_on", (_B.WINDOW, _B.VISIT_PURPOSE)),
        Definition(Indicator.DISCLOSURES, Measure.COUNT,
                   "case-status disclosures made at a window after the visitor's identity matched the "
                   "case (Art. 10(2)); refused attempts do not count", None,
                   "the court's date of the attempt", (_B.WINDOW,)),
        Definition(Indicator.PETITIONS, Measure.COUNT, "execution petitions recorded (执行信访)", None,
                   "the court's date the petition was recorded", (_B.WINDOW,)),
    )
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    granularity: Granularity

    @classmethod
    def of(cls, start: date, end: date, granularity: Granularity) -> Period:
        if end < start:
            raise DomainError(
                f"to ({end}) is before from ({start})",
                zh=f"截止日期（{end}）早于起始日期（{start}）", field="to", code=ErrorCode.INVALID,
            )
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise DomainError(
                f"the period may cover at most {MAX_PERIOD_DAYS} days; got {(end - start).days + 1}",
                zh=f"统计期间最长 {MAX_PERIOD_DAYS} 天，现为 {(end - start).days + 1} 天",
                field="to", code=ErrorCode.OUT_OF_RANGE,
            )
        return cls(start, end, granularity)

    def buckets(self) -> list[date]:
        """Each bucket's first day, the first one the bucket holding `start`."""
        found, day = [], bucket_of(self.start, self.granularity)
        while day <= self.end:
            found.append(day)
            day = next_bucket(day, self.granularity)
        return found

    def bucket_range(self, bucket: date) -> tuple[date, date]:
        """The days of `bucket` inside the period (inclusive)."""
        if bucket_of(bucket, self.granularity) != bucket or not (
            bucket_of(self.start, self.granularity) <= bucket <= self.end
        ):
            raise DomainError(
                f"bucket {bucket} is not a bucket of this period",
                zh=f"{bucket} 不是本统计期间的分段起始日", field="bucket", code=ErrorCode.INVALID,
            )
        last = next_bucket(bucket, self.granularity) - timedelta(days=1)
        return max(bucket, self.start), min(last, self.end)


def bucket_of(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(bucket: date, granularity: Granularity) -> date:
    if granularity is Granularity.DAY:
        return bucket + timedelta(days=1)
    if granularity is Granularity.WEEK:
        return bucket + timedelta(days=7)
    return date(bucket.year + bucket.month // 12, bucket.month % 12 + 1, 1)


def check_breakdown(indicator: Indicator, by: Breakdown) -> Breakdown:
    """The breakdown to use; one the indicator has no meaning for is refused."""
    definition = DEFINITIONS[indicator]
    if by is Breakdown.NONE:
        return definition.fixed_breakdown or by
    if by not in definition.breakdowns:
        allowed = ", ".join(b.value for b in (Breakdown.NONE, *definition.breakdowns))
        allowed_zh = "、".join(b.label for b in (Breakdown.NONE, *definition.breakdowns))
        raise DomainError(
            f"{indicator.value} cannot be broken down by {by.value}; allowed: {allowed}",
            zh=f"{indicator.label}不能按{by.label}分组；可选：{allowed_zh}",
            field="by", code=ErrorCode.INVALID,
        )
    return by


# The identifiers a breakdown's keys are (the others: ids, rungs, township names).
_KEY_ENUMS: dict[Breakdown, type[Enum]] = {
    Breakdown.CASE_TYPE: CaseType, Breakdown.STAGE: CaseStage, Breakdown.CLOSING_METHOD: ClosingMethod,
    Breakdown.VISIT_PURPOSE: VisitPurpose, Breakdown.DEADLINE_KIND: DeadlineKind,
    Breakdown.WORK_ITEM_KIND: WorkItemKind,
}
TOWNSHIP_MAX = 40  # cases.township's length

# What a table can be narrowed to (`within`): one team, officer, window, case type or township,
# each the key of the breakdown of the same name.
SCOPES = (Breakdown.TEAM, Breakdown.OFFICER, Breakdown.WINDOW, Breakdown.CASE_TYPE, Breakdown.TOWNSHIP)


@dataclass(frozen=True)
class Scope:
    """The rows an indicator counts, narrowed to some breakdown keys: "which team is behind,
    and on what" is OVERDUE_DEADLINES by DEADLINE_KIND within that team. Empty: every row."""

    keys: tuple[tuple[Breakdown, Any], ...] = ()

    @classmethod
    def of(cls, **given: Any) -> Scope:
        """From the scope's fields by name (team, officer, window, case_type, township); None: not set."""
        by_name = {b.value.lower(): b for b in SCOPES}
        return cls(tuple((by_name[name], value) for name, value in given.items() if value is not None))

    def to_params(self) -> dict[str, Any]:
        return {b.value: value for b, value in self.keys}

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> Scope:
        return cls(tuple((Breakdown(name), value) for name, value in (params or {}).items()))


def check_key(by: Breakdown, key: Any, field: str = "key") -> Any:
    """A breakdown key as the rows hold it; one that no row can hold (an identifier that is not
    one of its enum's, a township name no form would take) is refused, naming the field."""
    enum = _KEY_ENUMS.get(by)
    if key is None or by is Breakdown.NONE:
        return key
    if enum is not None and key not in enum.__members__:
        raise DomainError(
            f"{field} must be one of {', '.join(enum.__members__)}",
            zh=f"{field} 应为 {'、'.join(enum.__members__)} 之一", field=field, code=ErrorCode.BAD_FORMAT,
        )
    if by is Breakdown.TOWNSHIP and (len(str(key)) > TOWNSHIP_MAX or not str(key).isprintable()):
        raise DomainError(
            f"{field} must be a township's name (at most {TOWNSHIP_MAX} characters)",
            zh=f"{field} 应为乡镇名称（不超过 {TOWNSHIP_MAX} 个字）", field=field, code=ErrorCode.BAD_FORMAT,
        )
    return key


def check_scope(indicator: Indicator, scope: Scope) -> Scope:
    """A scope on a breakdown the indicator does not have is refused, naming the field."""
    definition = DEFINITIONS[indicator]
    for b, value in scope.keys:
        check_key(b, value, f"within.{_camel(b.value)}")
        if b not in definition.breakdowns:
            allowed = [s for s in SCOPES if s in definition.breakdowns]
            raise DomainError(
                f"{indicator.value} cannot be narrowed to one {b.value.lower().replace('_', ' ')}; "
                f"it can be to: {', '.join(s.value.lower() for s in allowed) or 'nothing'}",
                zh=f"{indicator.label}不能限定{b.label}；可限定："
                   f"{'、'.join(s.label for s in allowed) or '无'}",
                field=f"within.{_camel(b.value)}", code=ErrorCode.NOT_ALLOWED,
            )
    return scope


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def rate(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator, None when nothing was counted."""
    if denominator is None:
        return float(numerator or 0)
    return float(numerator or 0) / float(denominator) if denominator else None


# A table's zh-CN headers (exports).
HEADER_BUCKET = "统计时段"
HEADER_KEY = "分组"
HEADER_VALUE = "指标值"
HEADER_NUMERATOR = "分子"
HEADER_DENOMINATOR = "分母"
HEADER_AGE_AVG = "平均已收案天数"
HEADER_AGE_MAX = "最长已收案天数"
HEADER_MEDIAN = "中位数（日）"
HEADER_P90 = "第90百分位（日）"
