"""The command centre's indicators as SQL (issue 15); definitions in domain/indicators.py.

Computed on demand, not kept up to date. Every indicator is one GROUP BY statement over columns
that indexes cover (db/models_indicators.py): the rows of a year are counted inside the database,
from an index range on the date that counts, never loaded into Python. Kept-up-to-date aggregates
would have to be maintained by every service that changes a case, a deadline or a work item (and
by the bulk generator and any repair), and recomputed whenever a definition changes or a case
changes team; at a county court's volume (and at 1,000,000 cases, bench/indicators.py) the index
ranges answer a year well under a second, so the figures are always exactly the rows, and the
drill-down (`cases_behind`) selects the same rows with the same conditions.

A table costs a fixed number of statements whatever the data: one aggregate, plus one to name
the teams, officers or windows of a breakdown by them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import court_today
from ..context import AppContext
from ..db.models import (
    Case,
    CaseStageSpell,
    Deadline,
    DeadlineExtension,
    DisclosureAttempt,
    OnlineMessage,
    Petition,
    Staff,
    Team,
    Visit,
    Window,
    WorkItem,
    due_key,
)
from ..db.models_supervision import SupervisionOrder
from ..domain.access import CASE_READERS, Viewer, require_role
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus, ExtensionStatus
from ..domain.errors import DomainError, ErrorCode
from ..domain.indicators import (
    DEFINITIONS,
    HEADER_AGE_AVG,
    HEADER_AGE_MAX,
    HEADER_BUCKET,
    HEADER_DENOMINATOR,
    HEADER_KEY,
    HEADER_MEDIAN,
    HEADER_NUMERATOR,
    HEADER_P90,
    HEADER_VALUE,
    Breakdown,
    CasesPart,
    Granularity,
    Indicator,
    Measure,
    Period,
    Scope,
    check_breakdown,
    check_scope,
    rate,
)
from ..domain.lifecycle import CaseStage, ClosingMethod
from ..domain.organisation import Role
from ..domain.supervision import SupervisionStatus
from ..domain.windows import VisitPurpose
from ..domain.work import ACTIVE, WorkItemKind

READERS = (Role.COMMAND_CENTER, Role.BUREAU_CHIEF, Role.CENTER_HEAD)
# Stages where a case is no longer worked on: its file is closed, archived, or goes on in the 执
# case it was converted into.
DONE_STAGES = (CaseStage.CLOSED, CaseStage.ARCHIVED, CaseStage.CONVERTED)
# The others, listed: IN reads their ranges of the (stage, received_on) index; NOT IN reads it all.
OPEN_STAGES = tuple(s for s in CaseStage if s not in DONE_STAGES)
# The day a case last took the step (set by services/cases.py `advance`).
TRANSITIONS: dict[Indicator, Any] = {
    Indicator.CASES_CONVERTED: Case.converted_on,
    Indicator.CASES_TRANSFERRED: Case.transferred_on,
    Indicator.CASES_ARCHIVED: Case.archived_on,
}
DEADLINE_KINDS: dict[Indicator, tuple[DeadlineKind, ...]] = {
    Indicator.QUERY_CONTROL_ON_TIME: (DeadlineKind.QUERY_CONTROL,),
    Indicator.QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION: (DeadlineKind.QUERY_CONTROL,),
    Indicator.TRANSFER_FOR_FILING_ON_TIME: (DeadlineKind.TRANSFER_FOR_FILING,),
    Indicator.FAST_CLOSE_ON_TIME: (DeadlineKind.FAST_CLOSE_SETTLED, DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED),
    Indicator.ONLINE_REPLY_ON_TIME: (DeadlineKind.ONLINE_REPLY,),
}
_TZ_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")


def require_reader(viewer: Viewer) -> None:
    require_role(viewer, *READERS, action="reading the indicators", action_zh="查看执行指标")


# --- SQL pieces that differ between PostgreSQL and SQLite ------------------------------------
# Constants are written into the statement (never bound): a GROUP BY expression must be the
# select list's expression, and PostgreSQL tells two bound parameters apart.


def _lit(text: str) -> sa.ColumnElement[Any]:
    return sa.literal_column("'" + text.replace("'", "''") + "'")


def _court_date(column: Any, dialect: str, tz: ZoneInfo, on: date) -> sa.ColumnElement[date]:
    """The court's date of a UTC instant."""
    if dialect == "postgresql":
        if not _TZ_NAME.fullmatch(tz.key):
            raise ValueError(f"unexpected time zone name {tz.key!r}")
        return sa.cast(sa.func.timezone(_lit(tz.key), column), sa.Date)
    # SQLite: the zone's offset on the period's first day (fixed for Asia/Shanghai).
    offset = datetime.combine(on, time(12), tz).utcoffset() or timedelta(0)
    return sa.func.date(column, _lit(f"{int(offset.total_seconds()):+d} seconds"), type_=sa.Date)


def _bucket(day: Any, granularity: Granularity, dialect: str) -> sa.ColumnElement[date]:
    if granularity is Granularity.DAY:
        return day if dialect == "postgresql" else sa.func.date(day, type_=sa.Date)
    if dialect == "postgresql":
        unit = "week" if granularity is Granularity.WEEK else "month"
        return sa.cast(sa.func.date_trunc(_lit(unit), sa.cast(day, sa.DateTime())), sa.Date)
    if granularity is Granularity.WEEK:  # the Monday on or before
        return sa.func.date(day, _lit("weekday 0"), _lit("-6 days"), type_=sa.Date)
    return sa.func.date(day, _lit("start of month"), type_=sa.Date)


def _age_days(received_on: Any, today: date, dialect: str) -> sa.ColumnElement[Any]:
    if dialect == "postgresql":
        return sa.literal_column(f"DATE '{today.isoformat()}'") - received_on
    return sa.func.julianday(_lit(today.isoformat())) - sa.func.julianday(received_on)


def _days_between(start: Any, end: Any, dialect: str) -> sa.ColumnElement[Any]:
    if dialect == "postgresql":
        return end - start
    return sa.cast(sa.func.julianday(end) - sa.func.julianday(start), sa.Integer)


def _percentile(rows: Any, tenths: int) -> Any:
    """The smallest duration whose running count reaches `tenths`/10 of its cell's: the value of
    the row at that share of the ordered cell (percentile_disc, on both databases), in whole
    numbers (no rounding)."""
    return sa.func.min(sa.case((rows.c.upto * 10 >= rows.c.n * tenths, rows.c.d), else_=None))


def _utc_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


# --- an indicator's source -----------------------------------------------------------------


@dataclass
class Source:
    """The rows an indicator counts: FROM, WHERE, the date that puts a row in a bucket (None for
    a snapshot), the figures, the case each row is about, and its breakdown keys."""

    from_: Any
    where: list[Any]
    numerator: Any
    denominator: Any | None
    case_id: Any
    keys: dict[Breakdown, Any]
    day: Any | None = None
    # The condition a range of days puts on the rows (index-friendly), from its first and last day.
    in_days: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    # ON clause joining the case, taken only when the breakdown reads a column of it.
    case_join: Any = None
    # A duration indicator: the days each row took (median and 90th percentile per cell).
    duration: Any = None
    # A rate: the condition that puts a row in its numerator (a drill-down may list either side).
    counted: Any = None
    # Columns the WHERE reads besides the source's own (a scope's keys).
    reads: tuple[Any, ...] = ()

    def from_for(self, key: Any) -> Any:
        """FROM, with the case joined when the key or the WHERE reads a column of it."""
        for column in (key, *self.reads):
            column = getattr(column, "expression", column)
            if self.case_join is not None and getattr(column, "table", None) is Case.__table__:
                return sa.join(self.from_, Case, self.case_join)
        return self.from_

    def within(self, scope: Scope) -> Source:
        """The rows narrowed to the scope's keys (a key of None: the rows the key is empty for)."""
        if not scope.keys:
            return self
        columns = [self.keys[b] for b, _ in scope.keys]
        conditions = [column.is_(None) if value is None else column == value
                      for column, (_, value) in zip(columns, scope.keys, strict=True)]
        return replace(self, where=[*self.where, *conditions], reads=(*self.reads, *columns))


def _case_keys(case: Any = Case) -> dict[Breakdown, Any]:
    return {
        Breakdown.TEAM: case.team_id,
        Breakdown.OFFICER: case.handler_id,
        Breakdown.CASE_TYPE: case.case_type,
        Breakdown.TOWNSHIP: case.township,
    }


def _count() -> Any:
    return sa.func.count()


def _count_if(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _stage_days(dialect: str) -> Source:
    """Each stage a case left: its spells (written by services/cases.py `advance` as the case
    moves on), counted by the day they ended."""
    spell = CaseStageSpell
    return Source(spell.__table__, [], _count(), None, spell.case_id, {Breakdown.STAGE: spell.stage},
                  day=spell.left_on, in_days=lambda lo, hi: spell.left_on.between(lo, hi),
                  duration=_days_between(spell.entered_on, spell.left_on, dialect))


def _source(indicator: Indicator, dialect: str, tz: ZoneInfo, today: date) -> Source:
    date_range = lambda column: lambda lo, hi: column.between(lo, hi)  # noqa: E731
    if indicator is Indicator.STAGE_DAYS:
        return _stage_days(dialect)
    if indicator is Indicator.SUPERVISION_ORDERS_ISSUED:
        # A few hundred orders a year: the table is read by its date.
        return Source(SupervisionOrder.__table__, [], _count(), None, SupervisionOrder.case_id,
                      {Breakdown.TEAM: SupervisionOrder.team_id}, day=SupervisionOrder.issued_on,
                      in_days=date_range(SupervisionOrder.issued_on))
    if indicator is Indicator.SUPERVISION_REPLY_ON_TIME:
        answered = SupervisionOrder.status == SupervisionStatus.ANSWERED.value
        return Source(
            sa.join(SupervisionOrder, Deadline, Deadline.id == SupervisionOrder.reply_deadline_id),
            # The kind, though the join implies it: the index on the replies' due days is theirs only.
            [Deadline.kind == DeadlineKind.SUPERVISION_REPLY, sa.or_(answered, Deadline.due_on < today)],
            _count_if(on_time := sa.and_(answered, SupervisionOrder.on_time.is_(True))), _count(),
            SupervisionOrder.case_id, {Breakdown.TEAM: SupervisionOrder.team_id},
            day=Deadline.due_on, in_days=date_range(Deadline.due_on), counted=on_time,
        )
    if indicator in (Indicator.QUERY_CONTROL_DAYS, Indicator.CASE_DAYS):
        column = (Case.query_control_completed_on if indicator is Indicator.QUERY_CONTROL_DAYS
                  else Case.closed_on)
        return Source(Case.__table__, [], _count(), None, Case.id,
                      {**_case_keys(), Breakdown.CLOSING_METHOD: Case.closing_method}, day=column,
                      in_days=date_range(column), duration=_days_between(Case.received_on, column, dialect))
    if indicator in (Indicator.CASES_RECEIVED, Indicator.CASES_CLOSED, Indicator.CLOSING_METHOD_SHARE,
                     Indicator.CONTROLLED_RATIO):
        column = {
            Indicator.CASES_RECEIVED: Case.received_on,
            Indicator.CASES_CLOSED: Case.closed_on,
            Indicator.CLOSING_METHOD_SHARE: Case.closed_on,
            Indicator.CONTROLLED_RATIO: Case.query_control_completed_on,
        }[indicator]
        keys = {**_case_keys(), Breakdown.CLOSING_METHOD: Case.closing_method}
        numerator, denominator = _count(), None
        if indicator is Indicator.CONTROLLED_RATIO:
            numerator, denominator = sa.func.sum(Case.controlled_total), sa.func.sum(Case.claim_amount)
        return Source(Case.__table__, [], numerator, denominator, Case.id, keys, day=column,
                      in_days=date_range(column))
    if indicator in TRANSITIONS:
        column = TRANSITIONS[indicator]
        return Source(Case.__table__, [], _count(), None, Case.id, _case_keys(), day=column,
                      in_days=date_range(column))
    if indicator in DEADLINE_KINDS:
        closed = Deadline.status.in_((DeadlineStatus.MET, DeadlineStatus.MISSED))
        met = Deadline.status == DeadlineStatus.MET
        if indicator is Indicator.QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION:
            met = sa.and_(met, Deadline.extended.is_(False))
        if indicator is Indicator.ONLINE_REPLY_ON_TIME:
            from_ = sa.join(Deadline, OnlineMessage, OnlineMessage.id == Deadline.owner_id)
            where = [Deadline.owner_type == "OnlineMessage"]
            keys = {Breakdown.WINDOW: OnlineMessage.window_id}
            case_id = OnlineMessage.case_id
        else:
            from_ = Deadline.__table__
            where = [Deadline.owner_type == "Case"]
            keys = {**_case_keys(), Breakdown.OFFICER: Deadline.holder_id}
            case_id = Deadline.owner_id
        return Source(
            from_, [*where, Deadline.kind.in_(DEADLINE_KINDS[indicator]), closed],
            _count_if(met), _count(), case_id, keys, day=Deadline.closed_on,
            in_days=date_range(Deadline.closed_on),
            case_join=None if indicator is Indicator.ONLINE_REPLY_ON_TIME else Case.id == Deadline.owner_id,
            counted=met,
        )
    if indicator is Indicator.QUERY_CONTROL_EXTENSIONS:
        def in_days(lo: date, hi: date) -> Any:
            return sa.and_(DeadlineExtension.requested_at >= _utc_start(lo, tz),
                           DeadlineExtension.requested_at < _utc_start(hi + timedelta(days=1), tz))
        return Source(
            sa.join(DeadlineExtension, Deadline, Deadline.id == DeadlineExtension.deadline_id).join(
                Case, Case.id == Deadline.owner_id),
            [Deadline.owner_type == "Case", Deadline.kind == DeadlineKind.QUERY_CONTROL],
            _count_if(approved := DeadlineExtension.status == ExtensionStatus.APPROVED.value), _count(),
            Case.id,
            {**_case_keys(), Breakdown.OFFICER: DeadlineExtension.requested_by},
            day=lambda on: _court_date(DeadlineExtension.requested_at, dialect, tz, on), in_days=in_days,
            counted=approved,
        )
    if indicator is Indicator.OPEN_CASES:
        age = _age_days(Case.received_on, today, dialect)
        return Source(
            Case.__table__, [Case.stage.in_(OPEN_STAGES)], _count(), None, Case.id,
            {**_case_keys(), Breakdown.STAGE: Case.stage},
            extra={"age_avg": sa.func.avg(age), "age_max": sa.func.max(age)},
        )
    if indicator is Indicator.OVERDUE_DEADLINES:
        return Source(
            Deadline.__table__, [Deadline.status == DeadlineStatus.OPEN, Deadline.due_on < today],
            _count(), None, sa.case((Deadline.owner_type == "Case", Deadline.owner_id), else_=None),
            {Breakdown.ESCALATION_LEVEL: Deadline.escalation_level, Breakdown.TEAM: Deadline.team_id,
             Breakdown.OFFICER: Deadline.holder_id, Breakdown.DEADLINE_KIND: Deadline.kind},
        )
    if indicator is Indicator.OVERDUE_WORK_ITEMS:
        # The rung of the deadline an item serves, looked up per overdue item (hundreds): joined
        # instead, the planner may hash every deadline of the court (0.25 s at 1,000,000 cases).
        rung = (sa.select(Deadline.escalation_level).where(Deadline.id == WorkItem.deadline_id)
                .scalar_subquery())
        return Source(
            WorkItem.__table__,
            # The worklist's key (undated items sort last): its indexes serve the range.
            [WorkItem.status.in_(tuple(ACTIVE)), due_key(WorkItem.due_on) < today],
            _count(), None, WorkItem.case_id,
            {Breakdown.ESCALATION_LEVEL: sa.func.coalesce(rung, 0),
             Breakdown.TEAM: WorkItem.team_id, Breakdown.OFFICER: WorkItem.assignee_id,
             Breakdown.WINDOW: WorkItem.window_id, Breakdown.WORK_ITEM_KIND: WorkItem.kind},
        )
    # The windows: small tables (a county court's visits are thousands a year), read by range.
    if indicator is Indicator.VISITS:
        return Source(Visit.__table__, [], _count(), None, Visit.case_id,
                      {Breakdown.WINDOW: Visit.window_id, Breakdown.VISIT_PURPOSE: Visit.purpose},
                      day=Visit.visited_on, in_days=date_range(Visit.visited_on))
    if indicator in (Indicator.DISCLOSURES, Indicator.PETITIONS):
        if indicator is Indicator.DISCLOSURES:
            at, window_id = DisclosureAttempt.at, DisclosureAttempt.window_id
            from_, where = DisclosureAttempt.__table__, [DisclosureAttempt.verified.is_(True)]
            # An attempt names the case by its number.
            case_id = sa.select(Case.id).where(Case.number == DisclosureAttempt.case_number).scalar_subquery()
        else:
            at, window_id, from_, where, case_id = (Petition.created_at, Petition.window_id,
                                                    Petition.__table__, [], Petition.case_id)

        def in_days(lo: date, hi: date) -> Any:
            return sa.and_(at >= _utc_start(lo, tz), at < _utc_start(hi + timedelta(days=1), tz))
        return Source(from_, where, _count(), None, case_id, {Breakdown.WINDOW: window_id},
                      day=lambda on: _court_date(at, dialect, tz, on), in_days=in_days)
    raise AssertionError(indicator)


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    bucket: date | None
    key: Any  # the breakdown's raw value (an id, an enum identifier, a township, a level); None for NONE
    key_label: str | None
    value: float | None
    numerator: Any
    denominator: Any
    age_days_average: float | None = None
    age_days_max: int | None = None
    median_days: int | None = None
    p90_days: int | None = None


@dataclass(frozen=True)
class Result:
    indicator: Indicator
    period: Period
    by: Breakdown
    as_of: date
    cells: list[Cell]
    scope: Scope = field(default_factory=Scope)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]
    # The indicator's name, and what it was narrowed to: 超期未完成期限数（当前）（执行实施一团队）.
    title: str = ""


def _day_of(source: Source, on: date) -> Any:
    return source.day(on) if callable(source.day) else source.day


async def compute(
    session: AsyncSession, indicator: Indicator, period: Period, by: Breakdown, *, today: date, tz: ZoneInfo,
    dialect: str, scope: Scope = Scope(),
) -> Result:
    """One indicator's cells, in bucket then key order (the statement groups and sorts), of the
    rows within `scope`."""
    by = check_breakdown(indicator, by)
    scope = check_scope(indicator, scope)
    definition = DEFINITIONS[indicator]
    source = _source(indicator, dialect, tz, today).within(scope)
    columns: list[Any] = []
    group: list[Any] = []
    if not definition.snapshot:
        bucket = _bucket(_day_of(source, period.start), period.granularity, dialect)
        columns.append(bucket.label("bucket"))
        group.append(bucket)
    key = source.keys[by] if by is not Breakdown.NONE else None
    if key is not None:
        columns.append(key.label("key"))
        group.append(key)
    if source.duration is not None:
        return await _durations(session, indicator, period, by, today, source, columns, group, key, scope)
    denominator = source.denominator
    if indicator is Indicator.CLOSING_METHOD_SHARE:  # of every case closed in the bucket
        denominator = sa.func.sum(sa.func.count()).over(partition_by=group[0])
    columns += [source.numerator.label("numerator"),
                (denominator if denominator is not None else sa.null()).label("denominator")]
    columns += [value.label(name) for name, value in source.extra.items()]
    statement = sa.select(*columns).select_from(source.from_for(key)).where(*source.where)
    if source.in_days is not None:
        statement = statement.where(source.in_days(period.start, period.end))
    if group:
        statement = statement.group_by(*group).order_by(*group)
    rows = (await session.execute(statement)).all()
    labels = await _labels(session, by, [r.key for r in rows] if key is not None else [])
    cells = []
    for r in rows:
        raw = r.key if key is not None else None
        raw = raw.value if hasattr(raw, "value") else raw
        cells.append(Cell(
            bucket=_as_date(r.bucket) if not definition.snapshot else None,
            key=raw,
            key_label=labels.get(raw) if key is not None else None,
            value=rate(r.numerator, r.denominator if definition.denominator else None),
            numerator=_number(r.numerator),
            denominator=_number(r.denominator),
            age_days_average=round(float(r.age_avg), 1) if "age_avg" in source.extra and r.age_avg is not None
            else None,
            age_days_max=int(r.age_max) if "age_max" in source.extra and r.age_max is not None else None,
        ))
    return Result(indicator, period, by, today, cells, scope)


async def _durations(
    session: AsyncSession, indicator: Indicator, period: Period, by: Breakdown, today: date, source: Source,
    columns: list[Any], group: list[Any], key: Any, scope: Scope,
) -> Result:
    """Median and 90th percentile per cell, one statement: the rows are counted per cell and
    duration (the durations are whole days, so a cell has a few hundred at most), then each
    duration's running count within its cell picks the percentiles out. Ranking every row
    instead (window functions over the rows) sorted a year's rows: 0.7 s at 1,000,000 cases."""
    d = source.duration.label("d")
    histogram = sa.select(*columns, d, sa.func.count().label("c")).select_from(source.from_for(key)).where(
        *source.where, source.in_days(period.start, period.end)).group_by(*group, source.duration).subquery()
    cell = [histogram.c.bucket, *([histogram.c.key] if key is not None else [])]
    rows = sa.select(
        *cell, histogram.c.d, histogram.c.c,
        sa.func.sum(histogram.c.c).over(partition_by=cell, order_by=histogram.c.d).label("upto"),
        sa.func.sum(histogram.c.c).over(partition_by=cell).label("n"),
    ).subquery()
    cell = [rows.c.bucket, *([rows.c.key] if key is not None else [])]
    statement = sa.select(
        *cell, sa.func.sum(rows.c.c).label("numerator"), _percentile(rows, 5).label("median"),
        _percentile(rows, 9).label("p90"),
    ).group_by(*cell).order_by(*cell)
    if session.bind.dialect.name == "postgresql":
        # The planner guesses hundreds of thousands of (cell, duration) groups where there are a
        # few thousand, and with the default 4 MB sorts a year's rows on disk to group them (0.44 s
        # at 1,000,000 cases) instead of hashing them (0.2 s). For this statement only: the
        # request's other statements run with the server's setting again.
        await session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
        try:
            found = (await session.execute(statement)).all()
        finally:
            await session.execute(sa.text("RESET work_mem"))
    else:
        found = (await session.execute(statement)).all()
    labels = await _labels(session, by, [r.key for r in found] if key is not None else [])
    cells = []
    for r in found:
        raw = r.key if key is not None else None
        raw = raw.value if hasattr(raw, "value") else raw
        cells.append(Cell(
            bucket=_as_date(r.bucket), key=raw, key_label=labels.get(raw) if key is not None else None,
            value=float(r.median) if r.median is not None else None, numerator=_number(r.numerator),
            denominator=None, median_days=_int(r.median), p90_days=_int(r.p90),
        ))
    return Result(indicator, period, by, today, cells, scope)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _number(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


async def _labels(session: AsyncSession, by: Breakdown, keys: Sequence[Any]) -> dict[Any, str]:
    """The zh-CN name of each key: one statement for teams, officers or windows, none otherwise."""
    keys = [k.value if hasattr(k, "value") else k for k in keys]
    if by in (Breakdown.TEAM, Breakdown.OFFICER, Breakdown.WINDOW):
        model = {Breakdown.TEAM: Team, Breakdown.OFFICER: Staff, Breakdown.WINDOW: Window}[by]
        ids = sorted({k for k in keys if k is not None})
        # Run even when no key is set, so that a table costs the same statements whatever the data.
        names = sa.select(model.id, model.name).where(model.id.in_(ids) if ids else sa.false())
        found: dict[Any, str] = dict((await session.execute(names)).all())
        return {**found, None: "（未确定）"}
    if by is Breakdown.CASE_TYPE:
        return {t.value: t.label for t in CaseType}
    if by is Breakdown.STAGE:
        return {s.value: s.label for s in CaseStage}
    if by is Breakdown.VISIT_PURPOSE:
        return {p.value: p.label for p in VisitPurpose}
    if by is Breakdown.CLOSING_METHOD:
        return {m.value: m.label for m in ClosingMethod} | {None: "（未登记）"}
    if by is Breakdown.ESCALATION_LEVEL:
        return {k: ("未催办" if k == 0 else f"第{k}级") for k in keys if k is not None}
    if by is Breakdown.TOWNSHIP:
        return {k: k for k in keys if k is not None} | {None: "（未登记）"}
    if by is Breakdown.DEADLINE_KIND:
        return {k.value: k.label for k in DeadlineKind}
    if by is Breakdown.WORK_ITEM_KIND:
        return {k.value: k.label for k in WorkItemKind}
    return {}


async def indicator(
    ctx: AppContext, session: AsyncSession, viewer: Viewer, indicator: Indicator, period: Period,
    by: Breakdown = Breakdown.NONE, scope: Scope = Scope(),
) -> Result:
    """An indicator for a reader (the command centre, the bureau chief, the centre head)."""
    require_reader(viewer)
    return await compute(session, indicator, period, by, today=court_today(ctx.clock, ctx.settings.tz),
                         tz=ctx.settings.tz, dialect=ctx.engine.dialect.name, scope=scope)


async def table(
    ctx: AppContext, viewer: Viewer, name: Indicator | str, period: Period,
    by: Breakdown | str = Breakdown.NONE, scope: Scope = Scope(),
) -> Table:
    """Any indicator as a table with zh-CN headers (exports): one row per cell."""
    name, by = Indicator(name), Breakdown(by)
    async with ctx.sessionmaker() as session:
        result = await indicator(ctx, session, viewer, name, period, by, scope)
        narrowed = [(await _labels(session, b, [value])).get(value, str(value)) for b, value in scope.keys]
    definition = DEFINITIONS[name]
    headers = [] if definition.snapshot else [HEADER_BUCKET]
    if result.by is not Breakdown.NONE:
        headers.append(f"{HEADER_KEY}（{result.by.label}）")
    headers += [HEADER_VALUE, HEADER_NUMERATOR]
    if definition.denominator:
        headers.append(HEADER_DENOMINATOR)
    if name is Indicator.OPEN_CASES:
        headers += [HEADER_AGE_AVG, HEADER_AGE_MAX]
    duration = definition.measure is Measure.DURATION
    if duration:
        headers += [HEADER_MEDIAN, HEADER_P90]
    rows = []
    for c in result.cells:
        row: list[Any] = [] if definition.snapshot else [c.bucket]
        if result.by is not Breakdown.NONE:
            row.append(c.key_label if c.key_label is not None else c.key)
        row += [c.value, c.numerator]
        if definition.denominator:
            row.append(c.denominator)
        if name is Indicator.OPEN_CASES:
            row += [c.age_days_average, c.age_days_max]
        if duration:
            row += [c.median_days, c.p90_days]
        rows.append(row)
    return Table(headers, rows, name.label + (f"（{'，'.join(narrowed)}）" if narrowed else ""))


# --- the cases behind a figure ------------------------------------------------------------------


def cases_behind_query(
    indicator: Indicator, period: Period, by: Breakdown, *, bucket: date | None, key: Any,
    today: date, tz: ZoneInfo, dialect: str, viewer: Viewer, part: CasesPart = CasesPart.ALL,
    scope: Scope = Scope(),
) -> sa.Select[Any]:
    """`SELECT cases` behind one cell (bucket None: the whole period; key None with a breakdown:
    the cell whose key is empty) of the rows within `scope`, restricted to the cases the viewer
    may read. For a rate, `part` lists those counted in its numerator or those not (e.g. the
    cases that missed the limit)."""
    by = check_breakdown(indicator, by)
    scope = check_scope(indicator, scope)
    lo, hi = period.start, period.end
    if bucket is not None and not DEFINITIONS[indicator].snapshot:  # a snapshot has no buckets
        lo, hi = period.bucket_range(bucket)
    source = _source(indicator, dialect, tz, today).within(scope)
    column = source.keys[by] if by is not Breakdown.NONE else None
    behind = sa.select(source.case_id).select_from(source.from_for(column)).where(
        *source.where, source.case_id.is_not(None))
    if source.in_days is not None:
        behind = behind.where(source.in_days(lo, hi))
    if column is not None:
        behind = behind.where(column.is_(None) if key is None else column == key)
    if part is not CasesPart.ALL:
        if source.counted is None:
            raise DomainError(
                f"part {part.value} is for rates; {indicator.value} counts every case behind it, use ALL",
                zh=f"“{indicator.label}”不是比率，只能列出全部案件（part 应为 ALL）",
                field="part", code=ErrorCode.NOT_ALLOWED,
            )
        behind = behind.where(source.counted if part is CasesPart.COUNTED else sa.not_(source.counted))
    query = sa.select(Case).where(Case.id.in_(behind))
    if not viewer.roles & CASE_READERS:  # as domain.access.case_visible
        query = query.where(sa.or_(Case.team_id.in_(list(viewer.team_ids) or [-1]),
                                   Case.handler_id == viewer.staff_id))
    return query

