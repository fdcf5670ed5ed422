"""Exports (issue 15, item 3): case lists (and indicator tables) as .xlsx or CSV.

Two ways to get one, both for the cases the viewer may list (as the `cases` query):

- up to `DIRECT_LIMIT` rows, at once: `GET /exports/cases.xlsx?…` (`case_table`);
- any size, by a worker: `requestExport` writes an `ExportJob` and an outbox row; the
  `produce_export` actor reads the rows a batch at a time (recording its progress), writes the
  file into the row, and the requester downloads it from `GET /exports/{id}` for `KEPT_FOR`.

What a row holds: the case's number, type, stage, dates, amounts, team, handler, township, how it
closed, and its parties' names as the case file shows them to anyone who may open the case. No ID
numbers, phones or addresses (personal data, masked for most roles and audited when shown): an
export has no column for them, so it needs no disclosure audit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import court_today
from ..context import AppContext
from ..db.models import Case, CaseParty, Staff, Team
from ..db.models_exports import ExportJob
from ..documents.tables import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    CsvWriter,
    Table,
    XlsxWriter,
)
from ..domain.access import Viewer
from ..domain.errors import DomainError, ErrorCode, Forbidden
from ..domain.exports import (
    BATCH,
    DIRECT_LIMIT,
    KEPT_FOR,
    ExportFormat,
    ExportKind,
    ExportStatus,
    too_long_for_xlsx,
)
from .auth import load_viewer
from .case_list import (  # noqa: F401  (LIST_EVERY_CASE, SEARCH_MAX: read by callers through here)
    CASE_LISTERS,
    LIST_EVERY_CASE,
    SEARCH_MAX,
    CaseListFilter,
    case_list_query,
    search_text,
)
from .supervision_list import OrderListFilter, order_table
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ACTOR = "produce_export"

CASE_HEADERS = [
    "案号",
    "案件类型",
    "案件阶段",
    "收案日期",
    "申请执行人",
    "被执行人",
    "执行依据文号",
    "申请执行标的额（元）",
    "已控制金额（元）",
    "承办团队",
    "承办人",
    "乡镇",
    "结案方式",
    "结案日期",
]


def require_case_lister(viewer: Viewer) -> None:
    if not viewer.has(*CASE_LISTERS):
        raise Forbidden(
            "exporting the case list is for supervisors, the centre and the implementation teams",
            zh="导出案件列表仅限督导人员、执行事务中心和执行实施团队",
        )


def check_filter(flt: CaseListFilter) -> None:
    """Refuse what the `cases` query refuses (before anything is written)."""
    if flt.search is not None:
        search_text(flt.search)
    if flt.received_from and flt.received_to and flt.received_from > flt.received_to:
        raise DomainError(
            "filter.receivedFrom is after filter.receivedTo",
            zh="收案日期的起始日晚于截止日",
            field="filter.receivedFrom",
            code=ErrorCode.INVALID,
        )


async def count_cases(session: AsyncSession, query: sa.Select[tuple[Case]]) -> int:
    return await session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


async def _case_rows(session: AsyncSession, cases: Sequence[Case]) -> list[list[Any]]:
    """The export's rows for `cases` (in their order): three reads, whatever their number."""
    ids = [c.id for c in cases]
    parties: dict[tuple[int, str], list[str]] = {}
    for case_id, side, name in (
        await session.execute(
            sa.select(CaseParty.case_id, CaseParty.side, CaseParty.name)
            .where(CaseParty.case_id.in_(ids), CaseParty.side.in_(("APPLICANT", "RESPONDENT")))
            .order_by(CaseParty.case_id, CaseParty.position)
        )
    ).all():
        parties.setdefault((case_id, side), []).append(name)
    team_ids = {c.team_id for c in cases if c.team_id is not None}
    teams = dict((await session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(team_ids)))).all())
    staff_ids = {c.handler_id for c in cases if c.handler_id is not None}
    staff = dict(
        (await session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))).all()
    )
    return [
        [
            c.number,
            c.case_type.label,
            c.stage.label,
            c.received_on,
            "、".join(parties.get((c.id, "APPLICANT"), [])),
            "、".join(parties.get((c.id, "RESPONDENT"), [])),
            c.title_document_number,
            c.claim_amount,
            c.controlled_total,
            teams.get(c.team_id) if c.team_id is not None else None,
            staff.get(c.handler_id) if c.handler_id is not None else None,
            c.township,
            c.closing_method.label if c.closing_method else None,
            c.closed_on,
        ]
        for c in cases
    ]


class TooManyRows(DomainError):
    def __init__(self, rows: int) -> None:
        super().__init__(
            f"{rows} rows are more than a direct download holds ({DIRECT_LIMIT}); ask for the export "
            "with requestExport and download it when it is ready",
            zh=f"共 {rows} 行，超过直接下载的上限 {DIRECT_LIMIT} 行；请通过“申请导出”（requestExport）"
            "生成文件，完成后下载",
            code=ErrorCode.OUT_OF_RANGE,
        )
        self.rows = rows


async def case_table(ctx: AppContext, session: AsyncSession, viewer: Viewer, flt: CaseListFilter) -> Table:
    """The case list for a direct download (newest first, as the `cases` query); TooManyRows
    beyond DIRECT_LIMIT."""
    require_case_lister(viewer)
    check_filter(flt)
    query = case_list_query(viewer, flt, court_today(ctx.clock, ctx.settings.tz))
    return await _direct_case_table(session, query, ExportKind.CASES.label)


async def _direct_case_table(session: AsyncSession, query: sa.Select[tuple[Case]], title: str) -> Table:
    rows = (await session.scalars(query.order_by(Case.id.desc()).limit(DIRECT_LIMIT + 1))).all()
    if len(rows) > DIRECT_LIMIT:
        raise TooManyRows(await count_cases(session, query))
    table_rows: list[list[Any]] = []
    for start in range(0, len(rows), BATCH):
        table_rows += await _case_rows(session, rows[start : start + BATCH])
    return Table(CASE_HEADERS, table_rows, title=title)


def filename(kind: ExportKind, fmt: ExportFormat, now: datetime, tz: tzinfo) -> str:
    """案件列表-20240208-0900.xlsx (the court's time)."""
    return f"{kind.label}-{now.astimezone(tz):%Y%m%d-%H%M}.{fmt.extension}"


# --- exports made by a worker ------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRequest:
    """An indicator table: as the `indicator` query takes it (services/indicators.py)."""

    name: str
    start: date
    end: date
    granularity: str = "MONTH"
    by: str = "NONE"
    # domain.indicators.Scope.to_params(): the rows of one team, officer... (empty: all).
    within: dict[str, Any] = field(default_factory=dict)
    # The cases behind one figure (kind INDICATOR_CASES), as indicatorCases takes them: a bucket
    # (None: the whole period), a cell's key (a Team/Staff/Window pk or an identifier; None with a
    # breakdown: the cell whose key is empty) and which side of a rate.
    bucket: date | None = None
    key: Any = None
    part: str = "ALL"

    def to_params(self) -> dict[str, Any]:
        return {"indicator": self.name, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "granularity": self.granularity, "by": self.by, "within": self.within,
                "bucket": self.bucket.isoformat() if self.bucket else None, "key": self.key,
                "part": self.part}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> IndicatorRequest:
        bucket = params.get("bucket")
        return cls(params["indicator"], date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
                   params["granularity"], params["by"], params.get("within") or {},
                   date.fromisoformat(bucket) if bucket else None, params.get("key"),
                   params.get("part") or "ALL")


def _indicator_period(request: IndicatorRequest) -> Any:
    """The indicator, its period and breakdown, checked as the `indicator` query checks them; a
    refusal names the field under `indicator`."""
    from ..domain import indicators as rules

    try:
        indicator = rules.Indicator(request.name)
        period = rules.Period.of(request.start, request.end, rules.Granularity(request.granularity))
        by = rules.check_breakdown(indicator, rules.Breakdown(request.by))
        scope = rules.check_scope(indicator, rules.Scope.from_params(request.within))
    except DomainError as error:
        raise error.at(f"indicator.{error.field}" if error.field else "indicator") from None
    return indicator, period, by, scope


async def indicator_table(ctx: AppContext, viewer: Viewer, request: IndicatorRequest) -> Table:
    """An indicator as a table with zh-CN headers (services.indicators.table), for its readers."""
    from . import indicators

    indicators.require_reader(viewer)
    indicator, period, by, scope = _indicator_period(request)
    table = await indicators.table(ctx, viewer, indicator, period, by, scope)
    return Table(list(table.headers), table.rows, title=table.title)


def indicator_cases_query(
    ctx: AppContext, viewer: Viewer, request: IndicatorRequest
) -> sa.Select[tuple[Case]]:
    """The cases behind one figure (services.indicators.cases_behind_query), checked as the
    `indicatorCases` query checks them; a refusal names the field under `indicator`."""
    from ..domain import indicators as rules
    from . import indicators

    indicators.require_reader(viewer)
    indicator, period, by, scope = _indicator_period(request)
    try:
        try:
            part = rules.CasesPart(request.part)
        except ValueError:
            raise DomainError(
                f"part must be one of {', '.join(p.value for p in rules.CasesPart)}",
                zh=f"part 应为 {'、'.join(p.value for p in rules.CasesPart)} 之一",
                field="part", code=ErrorCode.INVALID,
            ) from None
        return indicators.cases_behind_query(
            indicator, period, by, bucket=request.bucket, key=request.key,
            today=court_today(ctx.clock, ctx.settings.tz), tz=ctx.settings.tz,
            dialect=ctx.engine.dialect.name, viewer=viewer, part=part, scope=scope,
        )
    except DomainError as error:
        raise error.at(f"indicator.{error.field}" if error.field else "indicator") from None


async def order_table_at_once(ctx: AppContext, viewer: Viewer, flt: OrderListFilter) -> Table:
    """The supervision orders the viewer sees, for a direct download; TooManyRows beyond
    DIRECT_LIMIT (a worker makes more: requestExport)."""
    table = await order_table(ctx, viewer, flt)
    rows = list(table.rows)
    if len(rows) > DIRECT_LIMIT:
        raise TooManyRows(len(rows))
    return Table(table.headers, rows, title=ExportKind.SUPERVISION_ORDERS.label)


async def indicator_case_table(
    ctx: AppContext, session: AsyncSession, viewer: Viewer, request: IndicatorRequest
) -> Table:
    """The cases behind one figure for a direct download; TooManyRows beyond DIRECT_LIMIT."""
    query = indicator_cases_query(ctx, viewer, request)
    return await _direct_case_table(session, query, ExportKind.INDICATOR_CASES.label)


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    format: ExportFormat
    cases: CaseListFilter = field(default_factory=CaseListFilter)
    indicator: IndicatorRequest | None = None
    orders: OrderListFilter = field(default_factory=OrderListFilter)


async def request_export(ctx: AppContext, viewer: Viewer, request: ExportRequest) -> ExportJob:
    """Record the request and wake the worker (after commit, through the outbox). Refused (a
    DomainError, nothing written) when the viewer may not list cases or the filter is bad."""
    if request.kind in (ExportKind.INDICATOR, ExportKind.INDICATOR_CASES):
        from . import indicators

        if request.indicator is None:
            raise DomainError(
                f"kind {request.kind.value} needs indicator: its name and period",
                zh=f"导出{request.kind.label}须填写指标名称和统计期间", field="indicator",
                code=ErrorCode.REQUIRED,
            )
        indicators.require_reader(viewer)
        if request.kind is ExportKind.INDICATOR:
            _indicator_period(request.indicator)
        else:
            indicator_cases_query(ctx, viewer, request.indicator)  # refused now, not by the worker
        params = request.indicator.to_params()
    elif request.kind is ExportKind.SUPERVISION_ORDERS:  # everyone lists the orders they see
        params = request.orders.to_params()
    else:
        require_case_lister(viewer)
        check_filter(request.cases)
        params = request.cases.to_params()
    async with UnitOfWork(ctx, viewer) as uow:
        await purge_expired(uow.session, uow.now)
        job = ExportJob(
            requested_by=viewer.staff_id,
            kind=request.kind,
            format=request.format,
            params=params,
            status=ExportStatus.PENDING,
            progress=0,
            total=None,
            filename=filename(request.kind, request.format, uow.now, ctx.settings.tz),
            created_at=uow.now,
            expires_at=uow.now + KEPT_FOR,
        )
        uow.session.add(job)
        await uow.session.flush()
        uow.audit(
            "REQUEST_EXPORT", "ExportJob", job.id,
            f"申请导出{request.kind.label}（{request.format.label}）：{job.filename}",
        )
        uow.enqueue(ACTOR, job.id)
        await uow.commit()
    return job


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Delete the exports past their time (one indexed DELETE; run with each request and by the
    periodic `purge_exports`). Reads leave them out already, whether deleted yet or not."""
    result = await session.execute(sa.delete(ExportJob).where(ExportJob.expires_at <= now))
    return result.rowcount or 0  # type: ignore[attr-defined]


# An export still waiting this long was never picked up (a lost message); one running this long
# was cut off (a worker killed past the actor's time limit of 15 minutes).
STALLED_PENDING = timedelta(minutes=10)
STALLED_RUNNING = timedelta(minutes=20)


async def purge(ctx: AppContext) -> tuple[int, list[int]]:
    """The periodic job: delete the exports past their time; the ids of those to wake again."""
    async with UnitOfWork(ctx) as uow:
        deleted = await purge_expired(uow.session, uow.now)
        await uow.commit()
    now = ctx.clock.now()
    async with ctx.sessionmaker() as session:
        stalled = (
            await session.scalars(
                sa.select(ExportJob.id).where(
                    sa.or_(
                        sa.and_(ExportJob.status == ExportStatus.PENDING,
                                ExportJob.created_at <= now - STALLED_PENDING),
                        sa.and_(ExportJob.status == ExportStatus.RUNNING,
                                ExportJob.started_at <= now - STALLED_RUNNING),
                    )
                )
            )
        ).all()
    return deleted, list(stalled)


_UNFINISHED = (ExportStatus.PENDING, ExportStatus.RUNNING)


async def produce(ctx: AppContext, export_id: int) -> bool:
    """The actor's work. Idempotent: a finished (or failed, or expired) export is left alone; a
    redelivered message for one that was cut off half-way starts it again. False if nothing done."""
    now = ctx.clock.now()
    # Read first (counting a long list holds no write transaction, which on SQLite is the whole
    # database's), then marked RUNNING with the count.
    async with ctx.sessionmaker() as session:
        job = await session.get(ExportJob, export_id)
        if job is None or job.status in (ExportStatus.DONE, ExportStatus.FAILED) or job.expires_at <= now:
            return False
        viewer = await load_viewer(session, job.requested_by)
        kind, fmt, params = job.kind, job.format, dict(job.params)
        refusal = _refusal(viewer, kind)
        total: int | None = None
        if refusal is None and kind in (ExportKind.CASES, ExportKind.INDICATOR_CASES):
            assert viewer is not None
            if kind is ExportKind.CASES:
                today = court_today(ctx.clock, ctx.settings.tz)
                query = case_list_query(viewer, CaseListFilter.from_params(params), today)
            else:
                try:
                    query = indicator_cases_query(ctx, viewer, IndicatorRequest.from_params(params))
                except DomainError as error:  # the rules changed since it was asked for
                    refusal = error.zh
            if refusal is None:
                total = await count_cases(session, query)
                if fmt is ExportFormat.XLSX:
                    refusal = too_long_for_xlsx(total)
    if refusal is not None:
        await _fail(ctx, export_id, refusal)
        return False
    assert viewer is not None
    async with UnitOfWork(ctx) as uow:
        await uow.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == export_id, ExportJob.status.in_(_UNFINISHED))
            .values(status=ExportStatus.RUNNING, progress=0, total=total, started_at=uow.now)
        )
        await uow.commit()
    if kind is ExportKind.INDICATOR:  # a few hundred rows at most: one statement, no progress steps
        try:
            table = await indicator_table(ctx, viewer, IndicatorRequest.from_params(params))
        except DomainError as error:  # the rules changed since it was asked for
            await _fail(ctx, export_id, error.zh)
            return False
        headers, rows, title = table.headers, _counted(table.rows), table.title
    elif kind is ExportKind.SUPERVISION_ORDERS:  # thousands at most: one statement
        table = await order_table(ctx, viewer, OrderListFilter.from_params(params))
        headers, rows, title = table.headers, _counted(table.rows), table.title
    else:
        headers, rows, title = CASE_HEADERS, _produce_rows(ctx, export_id, query, total or 0), kind.label
    # Written a row at a time as the batches come (the .xlsx's rows go to a temporary file).
    writer = XlsxWriter(headers, title) if fmt is ExportFormat.XLSX else CsvWriter(headers)
    written = 0
    async for row in rows:
        writer.append(row)
        written += 1
    content = writer.finish()
    media_type = XLSX_MEDIA_TYPE if fmt is ExportFormat.XLSX else CSV_MEDIA_TYPE
    async with UnitOfWork(ctx) as uow:
        done = await uow.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == export_id, ExportJob.status == ExportStatus.RUNNING)
            .values(
                status=ExportStatus.DONE,
                progress=written,
                total=written,
                content=content,
                media_type=media_type,
                finished_at=uow.now,
                expires_at=uow.now + KEPT_FOR,
            )
        )
        await uow.commit()
    log.info("export %s: %s rows written", export_id, written)
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _refusal(viewer: Viewer | None, kind: ExportKind) -> str | None:
    """Why the export cannot be made now (zh-CN, for the requester), or None."""
    if viewer is None:
        return "申请人的账户已停用或不存在"
    try:
        if kind in (ExportKind.INDICATOR, ExportKind.INDICATOR_CASES):
            from . import indicators

            indicators.require_reader(viewer)
        elif kind is ExportKind.CASES:
            require_case_lister(viewer)
    except DomainError as error:  # roles changed since the request
        return error.zh
    return None


async def _fail(ctx: AppContext, export_id: int, reason: str) -> None:
    async with UnitOfWork(ctx) as uow:
        await uow.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == export_id, ExportJob.status.in_(_UNFINISHED))
            .values(status=ExportStatus.FAILED, failure=reason[:500], finished_at=uow.now)
        )
        await uow.commit()


async def _counted(rows: Iterable[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    for row in rows:
        yield row


async def _produce_rows(
    ctx: AppContext, export_id: int, query: sa.Select[tuple[Case]], total: int
) -> AsyncIterator[list[Any]]:
    """The rows, newest first, a batch at a time; after each batch the progress is recorded."""
    last: int | None = None
    done = 0
    while True:
        async with ctx.sessionmaker() as session:
            page = query if last is None else query.where(Case.id < last)
            cases = (await session.scalars(page.order_by(Case.id.desc()).limit(BATCH))).all()
            rows = await _case_rows(session, cases) if cases else []
        for row in rows:
            yield row
        if not cases:
            return
        done += len(cases)
        last = cases[-1].id
        async with UnitOfWork(ctx) as uow:
            await uow.session.execute(
                sa.update(ExportJob)
                .where(ExportJob.id == export_id)
                .values(progress=done, total=max(total, done))
            )
            await uow.commit()
        if len(cases) < BATCH:
            return


async def fetch_for_viewer(
    session: AsyncSession, viewer: Viewer, export_id: int, now: datetime
) -> ExportJob | None:
    """The viewer's own export, if it is still kept; None for anyone else's."""
    job = await session.get(ExportJob, export_id)
    if job is None or job.requested_by != viewer.staff_id or job.expires_at <= now:
        return None
    return job


async def content_of(session: AsyncSession, export_id: int) -> bytes | None:
    return await session.scalar(sa.select(ExportJob.content).where(ExportJob.id == export_id))
