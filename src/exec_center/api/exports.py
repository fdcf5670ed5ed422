"""Exports (.xlsx and CSV) of indicator tables and case lists at /exports/... (issue 15).

- `GET /exports/cases.xlsx` / `GET /exports/cases.csv` with the `cases` query's filter as query
  parameters (`stage` and `type` repeated or comma-separated, `teamId`, `receivedFrom`,
  `receivedTo`, `overdue`, `mine`, `search`): up to DIRECT_LIMIT rows at once; more is refused
  (422, TOO_MANY_ROWS) with the advice to use `requestExport`.
- `GET /exports/indicators/{name}.xlsx` (or `.csv`) with `from`, `to`, `granularity`, `by` and
  optionally `team`, `officer`, `window` (ids), `caseType`, `township` (the `indicator` query's
  `within`): an indicator table (services.indicators.table), for the indicators' readers;
  `GET /exports/indicators/{name}/cases.xlsx` (or `.csv`) with the same and `bucket`, `key`,
  `part` (as `indicatorCases`): the cases behind one figure, up to DIRECT_LIMIT rows at once.
- `GET /exports/supervision-orders.xlsx` (or `.csv`) with the `supervisionOrders` filter (`status`,
  `target` repeated or comma-separated, `caseId`, `teamId`): the orders the viewer sees.
- `requestExport` → an `ExportJob` a worker makes, with its progress; `GET /exports/{id}` (its
  `downloadUrl`) for its requester only (404 for anyone else).

Every route takes the bearer token of /graphql.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..context import AppContext
from ..db.models_exports import ExportJob
from ..documents.tables import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Table, csv_chunks, xlsx_bytes
from ..domain import exports as rules
from ..domain import indicators as indicator_rules
from ..domain.access import Viewer
from ..domain.case_numbers import CaseType as CaseTypeEnum
from ..domain.errors import DomainError, ErrorCode, Forbidden
from ..domain.lifecycle import CaseStage as CaseStageEnum
from ..domain.supervision import SupervisionStatus as SupervisionStatusEnum
from ..domain.supervision import SupervisionTarget as SupervisionTargetEnum
from ..services import exports as service
from ..services.auth import AuthenticationError, authenticate
from ..services.supervision_list import OrderListFilter
from .cases import CaseFilter, case_list_filter
from .common import Connection, UserError, check_first, connection, decode_id_cursor, run_mutation
from .context import Info
from .ids import from_global_id, pk_of, to_global_id
from .indicators import (
    Breakdown,
    CasesPart,
    Granularity,
    IndicatorName,
    IndicatorScope,
    breakdown_key,
    scope_of,
)
from .organisation import Node
from .supervision import SupervisionOrderFilter, order_list_filter

ExportKind = strawberry.enum(rules.ExportKind, description="What an export holds.")
ExportFormat = strawberry.enum(
    rules.ExportFormat,
    description="XLSX: an Excel workbook; CSV: UTF-8 with a byte-order mark (so that Excel and WPS "
    "read the zh-CN headers), comma-separated, CRLF line ends.",
)
ExportStatus = strawberry.enum(rules.ExportStatus, description="Where an export stands.")


@strawberry.type(
    name="ExportJob",
    description="A spreadsheet asked for with requestExport, made by a worker; downloadable by the "
    f"one who asked, for {rules.KEPT_FOR.days} days after it is finished.",
)
class ExportJobType(Node):
    row: strawberry.Private[ExportJob]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("ExportJob", self.row.id)

    @strawberry.field
    def kind(self) -> ExportKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def kind_label(self) -> str:
        return self.row.kind.label

    @strawberry.field
    def format(self) -> ExportFormat:  # type: ignore[valid-type]
        return self.row.format

    @strawberry.field
    def format_label(self) -> str:
        return self.row.format.label

    @strawberry.field
    def status(self) -> ExportStatus:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field
    def status_label(self) -> str:
        return self.row.status.label

    @strawberry.field(description="Rows written so far.")
    def progress(self) -> int:
        return self.row.progress

    @strawberry.field(description="Rows the export will hold; null until the worker has counted them.")
    def total(self) -> int | None:
        return self.row.total

    @strawberry.field(description="The file's name, e.g. 案件列表-20240208-0900.xlsx.")
    def filename(self) -> str:
        return self.row.filename

    @strawberry.field(
        description="GET it with the same bearer token once status is DONE; null before (and for "
        "an export that failed)."
    )
    def download_url(self) -> str | None:
        if self.row.status is not rules.ExportStatus.DONE:
            return None
        return f"/exports/{to_global_id('ExportJob', self.row.id)}"

    @strawberry.field(description="Why it failed (zh-CN), with status FAILED; null otherwise.")
    def failure(self) -> str | None:
        return self.row.failure

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When it was finished (or failed); null until then.")
    def finished_at(self) -> datetime | None:
        return self.row.finished_at

    @strawberry.field(description="When the file is deleted.")
    def expires_at(self) -> datetime:
        return self.row.expires_at


async def visible_export_job(info: Info, pk: int) -> ExportJobType | None:
    """node(id:) for an ExportJob: its requester's only, while it is kept."""
    ctx = info.context
    row = await service.fetch_for_viewer(ctx.session, ctx.viewer, pk, ctx.app.clock.now())
    return ExportJobType(row=row) if row is not None else None


@strawberry.input(description="An indicator table: as the `indicator` query takes it.")
class IndicatorExportInput:
    name: IndicatorName  # type: ignore[valid-type]
    from_: date = strawberry.field(name="from", description="First day of the period (court date).")
    to: date = strawberry.field(description="Last day of the period, included.")
    granularity: Granularity = indicator_rules.Granularity.MONTH  # type: ignore[valid-type,assignment]
    by: Breakdown = indicator_rules.Breakdown.NONE  # type: ignore[valid-type,assignment]
    within: IndicatorScope | None = strawberry.field(
        default=None, description="Only the rows of this team, officer, window, case type or township."
    )
    bucket: date | None = strawberry.field(
        default=None,
        description="With kind INDICATOR_CASES: the figure's bucket (omitted: the whole period).",
    )
    key: str | None = strawberry.field(
        default=None,
        description="With kind INDICATOR_CASES: the figure's key (omitted with a breakdown: the cell whose "
        "key is empty).",
    )
    part: CasesPart = strawberry.field(  # type: ignore[valid-type]
        default=indicator_rules.CasesPart.ALL,
        description="With kind INDICATOR_CASES and a rate: ALL, COUNTED or NOT_COUNTED (e.g. the cases that "
        "missed the limit).",
    )

    def request(self) -> service.IndicatorRequest:
        by = indicator_rules.Breakdown(self.by)
        try:
            within = scope_of(self.within).to_params()
            key = breakdown_key(by, self.key)
        except DomainError as error:
            raise error.at(f"indicator.{error.field}") from None
        return service.IndicatorRequest(
            name=indicator_rules.Indicator(self.name).value, start=self.from_, end=self.to,
            granularity=indicator_rules.Granularity(self.granularity).value,
            by=by.value, within=within, bucket=self.bucket, key=key,
            part=indicator_rules.CasesPart(self.part).value,
        )


@strawberry.input
class RequestExportInput:
    kind: ExportKind  # type: ignore[valid-type]
    format: ExportFormat  # type: ignore[valid-type]
    filter: CaseFilter | None = strawberry.field(
        default=None, description="With kind CASES: the `cases` query's filter (none: every case listed)."
    )
    indicator: IndicatorExportInput | None = strawberry.field(
        default=None, description="With kind INDICATOR: which indicator table; with INDICATOR_CASES: which "
        "figure's cases (for the indicators' readers: the command centre, the bureau chief, the centre head)."
    )
    supervision_orders: SupervisionOrderFilter | None = strawberry.field(
        default=None, description="With kind SUPERVISION_ORDERS: the `supervisionOrders` query's filter "
        "(none: every order the viewer sees)."
    )


@strawberry.type
class RequestExportPayload:
    export_job: ExportJobType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportQuery:
    @strawberry.field(description="One of the viewer's exports (null for anyone else's, or once deleted).")
    async def export_job(self, info: Info, id: strawberry.ID) -> ExportJobType | None:
        type_name, pk = from_global_id(id)
        if type_name != "ExportJob":
            return None
        return await visible_export_job(info, pk)

    @strawberry.field(description="The viewer's exports still kept, newest first.")
    async def export_jobs(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[ExportJobType]:
        ctx = info.context
        size = check_first(first, default=20)
        query = sa.select(ExportJob).where(
            ExportJob.requested_by == ctx.viewer.staff_id, ExportJob.expires_at > ctx.app.clock.now()
        )
        total = await ctx.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            query = query.where(ExportJob.id < decode_id_cursor(after))
        rows = (await ctx.session.scalars(query.order_by(ExportJob.id.desc()).limit(size + 1))).all()
        return connection(
            [ExportJobType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda j: [j.row.id],
            has_previous=after is not None,
        )


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        description="Ask for a case list (or an indicator table) as .xlsx or CSV, of any size: a "
        "worker makes it (see the ExportJob's status and progress) and the one who asked downloads "
        f"it from its downloadUrl. A list of up to {rules.DIRECT_LIMIT} rows also downloads at once "
        "from GET /exports/cases.xlsx (or .csv) with the filter as query parameters, and an indicator "
        "table from GET /exports/indicators/{name}.xlsx?from=&to=&granularity=&by=. Who may: a case "
        "list as the `cases` query; an indicator table as the `indicator` query."
    )
    async def request_export(self, info: Info, input: RequestExportInput) -> RequestExportPayload:
        ctx = info.context

        async def act() -> ExportJob:
            kind = rules.ExportKind(input.kind)
            try:
                orders = order_list_filter(
                    input.supervision_orders if kind is rules.ExportKind.SUPERVISION_ORDERS else None)
            except DomainError as error:  # named as the query names it: filter.caseId
                raise error.at(error.field.replace("filter.", "supervisionOrders.", 1) if error.field
                               else "supervisionOrders") from None
            request = service.ExportRequest(
                kind=kind,
                format=rules.ExportFormat(input.format),
                cases=case_list_filter(input.filter if kind is rules.ExportKind.CASES else None),
                indicator=input.indicator.request() if input.indicator is not None else None,
                orders=orders,
            )
            return await service.request_export(ctx.app, ctx.viewer, request)

        return await run_mutation(
            RequestExportPayload, act, lambda job: {"export_job": ExportJobType(row=job)}
        )


# --- HTTP -------------------------------------------------------------------------------


def _refused(status: int, error: DomainError) -> JSONResponse:
    return JSONResponse(
        {"error": error.message, "message": error.zh, "field": error.field, "code": error.code.value},
        status_code=status,
    )


def _attachment(filename: str) -> str:
    """Content-Disposition with the zh-CN name (RFC 6266 filename*) and an ASCII fallback."""
    # Printable ASCII only: a name holds what the request sent (a township), control characters too.
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


_TRUE = {"true": True, "1": True, "false": False, "0": False}


def _enums(params: Any, name: str, enum: Any) -> tuple[Any, ...]:
    """A filter's list of enum values: the parameter repeated or comma-separated."""
    values = [v.strip() for value in params.getlist(name) for v in value.split(",") if v.strip()]
    try:
        return tuple(enum(v) for v in values)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise DomainError(
            f"filter.{name} must be among {allowed}",
            zh=f"{name} 的取值应为 {allowed} 之一",
            field=f"filter.{name}",
            code=ErrorCode.BAD_FORMAT,
        ) from None


def order_filter_from_query(params: Any) -> OrderListFilter:
    """The `supervisionOrders` filter from query parameters (status and target repeated or
    comma-separated, caseId, teamId); a DomainError naming the parameter otherwise."""
    case, team = params.get("caseId"), params.get("teamId")
    return OrderListFilter(
        status=_enums(params, "status", SupervisionStatusEnum),
        case_id=pk_of(case, "Case", "filter.caseId") if case else None,
        team_id=pk_of(team, "Team", "filter.teamId") if team else None,
        target=_enums(params, "target", SupervisionTargetEnum),
    )


def filter_from_query(params: Any) -> service.CaseListFilter:
    """The `cases` filter from query parameters; a DomainError naming the parameter otherwise."""

    def enums(name: str, enum: Any) -> tuple[Any, ...]:
        return _enums(params, name, enum)

    def day(name: str) -> date | None:
        value = params.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise DomainError(
                f"filter.{name} must be a date like 2024-02-08", zh=f"{name} 应为日期，如 2024-02-08",
                field=f"filter.{name}", code=ErrorCode.BAD_FORMAT,
            ) from None

    def flag(name: str) -> bool | None:
        value = params.get(name)
        if value is None:
            return None
        if value.lower() not in _TRUE:
            raise DomainError(
                f"filter.{name} must be true or false", zh=f"{name} 应为 true 或 false",
                field=f"filter.{name}", code=ErrorCode.BAD_FORMAT,
            )
        return _TRUE[value.lower()]

    team = params.get("teamId")
    return service.CaseListFilter(
        stage=enums("stage", CaseStageEnum),
        type=enums("type", CaseTypeEnum),
        team_id=pk_of(team, "Team", "filter.teamId") if team else None,
        received_from=day("receivedFrom"),
        received_to=day("receivedTo"),
        overdue=flag("overdue"),
        mine=flag("mine"),
        search=params.get("search"),
    )


def _date_param(params: Any, name: str, field: str) -> date:
    value = params.get(name)
    if not value:
        raise DomainError(f"{name} is required (a date like 2024-02-08)",
                          zh=f"请填写 {name}（日期，如 2024-02-08）", field=field, code=ErrorCode.REQUIRED)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} must be a date like 2024-02-08", zh=f"{name} 应为日期，如 2024-02-08",
                          field=field, code=ErrorCode.BAD_FORMAT) from None


def _scope_params(params: Any) -> dict[str, Any]:
    """The `indicator` query's `within` from query parameters (ids as in the API)."""
    case_type = params.get("caseType") or None
    if case_type is not None and case_type not in CaseTypeEnum.__members__:
        raise DomainError(
            f"caseType must be one of {', '.join(CaseTypeEnum.__members__)}",
            zh=f"caseType 应为 {'、'.join(CaseTypeEnum.__members__)} 之一",
            field="indicator.within.caseType", code=ErrorCode.INVALID,
        )
    within = IndicatorScope(
        team=params.get("team") or None, officer=params.get("officer") or None,
        window=params.get("window") or None,
        case_type=CaseTypeEnum(case_type) if case_type else None, township=params.get("township") or None,
    )
    try:
        return scope_of(within).to_params()
    except DomainError as error:
        raise error.at(f"indicator.{error.field}") from None


# A direct download's table from the session, the signed-in viewer and the query parameters.
MakeTable = Callable[[AsyncSession, Viewer, Any], Awaitable[Table]]


def export_routes(ctx: AppContext) -> list[BaseRoute]:
    """The HTTP routes under /exports (same bearer token as /graphql)."""

    async def signed_in(request: Request, session: Any) -> Viewer | JSONResponse:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse({"error": "send Authorization: Bearer <token>"}, status_code=401)
        try:
            return await authenticate(ctx, session, token.strip())
        except AuthenticationError as error:
            return JSONResponse({"error": str(error), "message": error.zh}, status_code=401)

    def _spreadsheet(table: Table, fmt: rules.ExportFormat, name: str) -> Response:
        local = ctx.clock.now().astimezone(ctx.settings.tz)
        headers = {
            "Content-Disposition": _attachment(f"{name}-{local:%Y%m%d-%H%M}.{fmt.extension}"),
            "Cache-Control": "private, no-store",
        }
        if fmt is rules.ExportFormat.CSV:
            return StreamingResponse(csv_chunks(table), media_type=CSV_MEDIA_TYPE, headers=headers)
        return Response(xlsx_bytes(table), media_type=XLSX_MEDIA_TYPE, headers=headers)

    async def direct(request: Request, make: MakeTable) -> Response:
        """A table made at once for the signed-in viewer, as .xlsx or .csv (the path's `format`):
        403 for a role without it, 422 beyond DIRECT_LIMIT rows, 400 naming a bad parameter."""
        extension = request.path_params["format"].lower()
        if extension not in ("xlsx", "csv"):
            return JSONResponse({"error": "not found"}, status_code=404)
        async with ctx.sessionmaker() as session:
            viewer = await signed_in(request, session)
            if isinstance(viewer, JSONResponse):
                return viewer
            try:
                table = await make(session, viewer, request.query_params)
            except Forbidden as error:
                return _refused(403, error)
            except service.TooManyRows as error:
                body = {"error": error.message, "message": error.zh, "code": "TOO_MANY_ROWS",
                        "rows": error.rows, "limit": service.DIRECT_LIMIT}
                return JSONResponse(body, status_code=422)
            except ValueError:  # an indicator, granularity or breakdown this API does not have
                return JSONResponse({"error": "no such indicator, granularity or breakdown",
                                     "message": "指标名称、统计粒度或分组方式不存在"}, status_code=404)
            except DomainError as error:
                return _refused(400, error)
        return _spreadsheet(table, rules.ExportFormat(extension.upper()), table.title)

    def indicator_request(request: Request, params: Any) -> service.IndicatorRequest:
        """An indicator (the path's name) with its period, breakdown and scope from the query;
        with `bucket`, `key` and `part` for the cases behind a figure."""
        by = indicator_rules.Breakdown(params.get("by", "NONE"))
        try:
            key = breakdown_key(by, params.get("key") or None)
        except DomainError as error:
            raise error.at("indicator.key") from None
        return service.IndicatorRequest(
            name=request.path_params["name"],
            start=_date_param(params, "from", "indicator.from"),
            end=_date_param(params, "to", "indicator.to"),
            granularity=params.get("granularity", "MONTH"), by=by.value, within=_scope_params(params),
            bucket=_date_param(params, "bucket", "indicator.bucket") if params.get("bucket") else None,
            key=key, part=params.get("part", "ALL"),
        )

    async def cases(request: Request) -> Response:
        """The case list the viewer may see (up to DIRECT_LIMIT rows)."""
        return await direct(request, lambda session, viewer, params: service.case_table(
            ctx, session, viewer, filter_from_query(params)))

    async def indicator(request: Request) -> Response:
        """An indicator table (a few hundred rows at most)."""
        return await direct(request, lambda _session, viewer, params: service.indicator_table(
            ctx, viewer, indicator_request(request, params)))

    async def indicator_cases(request: Request) -> Response:
        """The cases behind one figure (up to DIRECT_LIMIT rows)."""
        return await direct(request, lambda session, viewer, params: service.indicator_case_table(
            ctx, session, viewer, indicator_request(request, params)))

    async def supervision_orders(request: Request) -> Response:
        """The supervision orders the viewer sees (up to DIRECT_LIMIT rows)."""
        return await direct(request, lambda _session, viewer, params: service.order_table_at_once(
            ctx, viewer, order_filter_from_query(params)))

    async def download(request: Request) -> Response:
        """A finished export, for the one who asked for it; 404 for anyone else."""
        not_found = JSONResponse({"error": "not found"}, status_code=404)
        async with ctx.sessionmaker() as session:
            viewer = await signed_in(request, session)
            if isinstance(viewer, JSONResponse):
                return viewer
            try:
                type_name, pk = from_global_id(request.path_params["export_id"])
            except DomainError:
                return not_found
            if type_name != "ExportJob":
                return not_found
            job = await service.fetch_for_viewer(session, viewer, pk, ctx.clock.now())
            if job is None:
                return not_found
            if job.status is not rules.ExportStatus.DONE:
                return JSONResponse(
                    {"error": "the export is not ready", "message": "导出文件尚未生成完毕",
                     "status": job.status.value, "progress": job.progress, "total": job.total},
                    status_code=409,
                )
            content = await service.content_of(session, pk)
        return Response(
            content or b"",
            media_type=job.media_type,
            headers={"Content-Disposition": _attachment(job.filename), "Cache-Control": "private, no-store"},
        )

    return [
        Route("/exports/cases.{format}", cases, methods=["GET"]),
        Route("/exports/indicators/{name}.{format}", indicator, methods=["GET"]),
        Route("/exports/indicators/{name}/cases.{format}", indicator_cases, methods=["GET"]),
        Route("/exports/supervision-orders.{format}", supervision_orders, methods=["GET"]),
        Route("/exports/{export_id}", download, methods=["GET"]),
    ]
