"""Asset-query dispatch (Art. 14): one query per category through the provider port, polling
for the answers, findings entered by hand, and reconciliation of cases whose dispatch was lost.

Idempotent throughout: one row per (case, category) records whether its query went out, so a
redelivered message sends no second query; the provider's submit is idempotent too.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import AssetFinding, AssetQuery, Case, CaseParty, Deadline
from ..domain.access import Viewer, require_role
from ..domain.assets import QUERIED_CATEGORIES, AssetCategory
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError
from ..domain.lifecycle import CaseStage, CaseStep
from ..domain.organisation import Role
from ..domain.work import WorkItemKind
from ..integrations.asset_query import (
    AssetFindingData,
    AssetQueryError,
    AssetQueryProvider,
    AssetQueryRequest,
    make_provider,
)
from . import work
from .cases import advance, load_case
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

_provider: AssetQueryProvider | None = None
_provider_lock = threading.Lock()
POLL_INTERVAL = timedelta(seconds=1)
RECONCILE_AFTER = timedelta(minutes=2)
MAX_FINDINGS = 200


def provider_for(ctx: AppContext) -> AssetQueryProvider:
    """The process's provider (the simulator by default); one instance for every event loop."""
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = make_provider("simulator", ctx.clock, ctx.settings.asset_query_delay_seconds)
        return _provider


def set_provider(provider: AssetQueryProvider | None) -> None:
    global _provider
    with _provider_lock:
        _provider = provider


class RetryLater(Exception):
    """Some queries could not be sent yet; the actor is retried with backoff."""


@dataclass
class DispatchResult:
    submitted: int = 0
    failed: int = 0


async def dispatch(ctx: AppContext, case_id: int) -> DispatchResult:
    """Send the case's outstanding queries. Safe to run any number of times."""
    async with UnitOfWork(ctx) as uow:
        case = await load_case(uow, case_id, lock=True)
        if case.case_type is not CaseType.ZHI_BAO:
            return DispatchResult()  # only preservation cases are queried (执异/执复 wait in RECEIVED)
        if case.stage is CaseStage.RECEIVED:
            advance(uow, case, CaseStep.DISPATCH_QUERY)
        elif case.stage is not CaseStage.QUERYING:
            return DispatchResult()  # answered already, or moved on: nothing to send
        existing = set(
            (
                await uow.session.scalars(sa.select(AssetQuery.category).where(AssetQuery.case_id == case.id))
            ).all()
        )
        for category in QUERIED_CATEGORIES:
            if category not in existing:
                uow.session.add(
                    AssetQuery(
                        case_id=case.id, category=category, status="PENDING", attempts=0, created_at=uow.now
                    )
                )
        respondent = await uow.session.scalar(
            sa.select(CaseParty)
            .where(CaseParty.case_id == case.id, CaseParty.side == "RESPONDENT")
            .order_by(CaseParty.position)
        )
        await uow.session.flush()
        pending = [
            (q.id, q.category, q.attempts)
            for q in (
                await uow.session.scalars(
                    sa.select(AssetQuery)
                    .where(AssetQuery.case_id == case.id, AssetQuery.status == "PENDING")
                    .order_by(AssetQuery.id)
                )
            ).all()
        ]
        number = case.number
        name, id_number = (respondent.name, respondent.id_number) if respondent else ("", "")
        await uow.commit()

    provider, result, retry = provider_for(ctx), DispatchResult(), False
    for query_id, category, attempts in pending:
        request = AssetQueryRequest(
            case_number=number,
            category=category.value,
            respondent_name=name,
            respondent_id_number=id_number,
            attempt=attempts + 1,
        )
        try:
            request_id = await provider.submit(request)
        except AssetQueryError as error:
            retry = retry or error.retryable
            result.failed += 1
            await _record_failure(ctx, query_id, error)
            continue
        async with UnitOfWork(ctx) as uow:
            now = uow.now
            await uow.session.execute(
                sa.update(AssetQuery)
                .where(AssetQuery.id == query_id, AssetQuery.status == "PENDING")
                .values(
                    status="SUBMITTED",
                    provider_request_id=request_id,
                    attempts=attempts + 1,
                    submitted_at=now,
                    next_poll_at=now + timedelta(seconds=ctx.settings.asset_query_delay_seconds),
                    last_error=None,
                )
            )
            await uow.commit()
        result.submitted += 1
    if retry:
        raise RetryLater(f"case {case_id}: {result.failed} asset queries to retry")
    return result


async def _record_failure(ctx: AppContext, query_id: int, error: AssetQueryError) -> None:
    async with UnitOfWork(ctx) as uow:
        query = await uow.session.get(AssetQuery, query_id)
        assert query is not None
        query.attempts += 1
        query.last_error = f"{type(error).__name__}: {error}"[:300]
        if not error.retryable:
            query.status = "FAILED"
        await uow.commit()


@dataclass
class PollResult:
    answered: int = 0
    pending: int = 0
    cases_ready: int = 0
    # With case_id: when that case's next outstanding query is due for a look (None: nothing left).
    next_poll_at: datetime | None = None


async def poll(ctx: AppContext, *, case_id: int | None = None, batch: int = 200) -> PollResult:
    """Fetch the answers that are due; when a case's queries are all answered, the findings move
    it to ANALYSING with a work item for the centre officers."""
    result = PollResult()
    provider = provider_for(ctx)
    async with UnitOfWork(ctx) as uow:
        query = (
            sa.select(AssetQuery.id, AssetQuery.provider_request_id, AssetQuery.case_id)
            .where(AssetQuery.status == "SUBMITTED", AssetQuery.next_poll_at <= uow.now)
            .order_by(AssetQuery.next_poll_at)
            .limit(batch)
        )
        if case_id is not None:
            query = query.where(AssetQuery.case_id == case_id)
        due = (await uow.session.execute(query)).all()
    touched: set[int] = set()
    for query_id, request_id, owner in due:
        try:
            answer = await provider.fetch(request_id)
        except AssetQueryError as error:
            await _after_fetch_error(ctx, query_id, error)
            result.pending += 1
            continue
        async with UnitOfWork(ctx) as uow:
            # A conditional update claims the answer: of two pollers fetching the same query
            # (a redelivered message, the periodic poll), only one stores its findings.
            values = (
                {"next_poll_at": uow.now + POLL_INTERVAL}
                if answer is None
                else {"status": "ANSWERED", "answered_at": uow.now, "next_poll_at": None}
            )
            claimed = await uow.session.execute(
                sa.update(AssetQuery)
                .where(AssetQuery.id == query_id, AssetQuery.status == "SUBMITTED")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                continue  # answered meanwhile by another poller
            if answer is None:
                result.pending += 1
            else:
                _store_findings(uow, owner, query_id, answer[:MAX_FINDINGS], "QUERY")
                result.answered += 1
                touched.add(owner)
            await uow.commit()
    for owner in touched:
        if await _analyse_when_answered(ctx, owner):
            result.cases_ready += 1
    if case_id is not None:  # so the per-case poll keeps following it, also after a back-off
        async with ctx.sessionmaker() as session:
            result.next_poll_at = await session.scalar(sa.select(sa.func.min(AssetQuery.next_poll_at)).where(
                AssetQuery.case_id == case_id, AssetQuery.status == "SUBMITTED"))
    return result


async def _after_fetch_error(ctx: AppContext, query_id: int, error: AssetQueryError) -> None:
    async with UnitOfWork(ctx) as uow:
        row = await uow.session.get(AssetQuery, query_id)
        assert row is not None
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        if error.retryable:
            row.next_poll_at = uow.now + POLL_INTERVAL * min(2**row.attempts, 60)
        else:  # the provider no longer knows the query (restarted): send it again
            row.status, row.provider_request_id = "PENDING", None
            uow.enqueue("dispatch_asset_queries", row.case_id)
        await uow.commit()


def _store_findings(
    uow: UnitOfWork, case_id: int, query_id: int | None, findings: list[AssetFindingData], source: str
) -> None:
    for f in findings:
        uow.session.add(
            AssetFinding(
                case_id=case_id,
                query_id=query_id,
                category=AssetCategory(f.category),
                institution=f.institution,
                description=f.description,
                value=f.value,
                encumbrances=f.encumbrances,
                first_seal=f.first_seal,
                disposable=f.disposable,
                respondent_holds_mortgage=f.respondent_holds_mortgage,
                source=source,
                created_by=uow.actor.staff_id if uow.actor else None,
                created_at=uow.now,
            )
        )


async def _query_control_deadline(uow: UnitOfWork, case_id: int) -> Deadline | None:
    return await uow.session.scalar(
        sa.select(Deadline).where(
            Deadline.owner_type == "Case",
            Deadline.owner_id == case_id,
            Deadline.kind == DeadlineKind.QUERY_CONTROL,
            Deadline.status == DeadlineStatus.OPEN,
        )
    )


async def _to_analysis(uow: UnitOfWork, case: Case) -> None:
    advance(uow, case, CaseStep.RECORD_FINDINGS)
    deadline = await _query_control_deadline(uow, case.id)
    await work.create(
        uow,
        kind=WorkItemKind.ANALYSE_FINDINGS,
        case=case,
        candidate_role=Role.CENTER_OFFICER,
        deadline=deadline,
        title=f"{case.number} 分析查控结果并采取控制措施",
    )


async def _analyse_when_answered(ctx: AppContext, case_id: int) -> bool:
    async with UnitOfWork(ctx) as uow:
        case = await load_case(uow, case_id, lock=True)
        if case.stage is not CaseStage.QUERYING:
            return False
        open_queries = await uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(AssetQuery)
            .where(AssetQuery.case_id == case_id, AssetQuery.status.in_(("PENDING", "SUBMITTED")))
        )
        if open_queries:
            return False
        await _to_analysis(uow, case)
        await uow.commit()
    return True


@dataclass(frozen=True)
class ManualFinding:
    category: AssetCategory
    institution: str
    description: str
    value: Decimal | None
    encumbrances: str | None = None
    first_seal: bool = False
    disposable: bool = False
    respondent_holds_mortgage: bool = False


def _check_manual(findings: list[ManualFinding]) -> list[AssetFindingData]:
    if not findings:
        raise DomainError("give at least one finding", field="findings")
    if len(findings) > MAX_FINDINGS:
        raise DomainError(f"at most {MAX_FINDINGS} findings at once", field="findings")
    out = []
    for i, f in enumerate(findings):
        for name, value, limit in (("institution", f.institution, 200), ("description", f.description, 500)):
            if not value or not value.strip() or len(value) > limit:
                raise DomainError(
                    f"{name} is required, at most {limit} characters", field=f"findings.{i}.{name}"
                )
        if f.value is not None and (
            f.value < 0 or f.value >= Decimal(10) ** 15 or f.value.as_tuple().exponent < -2
        ):
            raise DomainError(
                "value must be 0 or more, with at most 2 decimal places and 15 digits",
                field=f"findings.{i}.value",
            )
        out.append(
            AssetFindingData(
                category=AssetCategory(f.category).value,
                institution=f.institution.strip(),
                description=f.description.strip(),
                value=f.value,
                encumbrances=(f.encumbrances or "").strip() or None,
                first_seal=f.first_seal,
                disposable=f.disposable,
                respondent_holds_mortgage=f.respondent_holds_mortgage,
            )
        )
    return out


async def record_findings(
    ctx: AppContext, viewer: Viewer, case_id: int, findings: list[ManualFinding], source: str = "MANUAL"
) -> Case:
    """Findings entered by hand or imported from the real query-control system."""
    require_role(viewer, Role.CENTER_OFFICER, Role.CENTER_HEAD, action="recording asset findings")
    data = _check_manual(findings)
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        if case.stage is CaseStage.QUERYING:
            await _to_analysis(uow, case)
        else:
            advance(uow, case, CaseStep.RECORD_FINDINGS)  # refused outside QUERYING / ANALYSING
        _store_findings(uow, case.id, None, data, source)
        uow.audit("RECORD_FINDINGS", "Case", case.id, f"{len(data)} finding(s) recorded ({source.lower()})")
        await uow.commit()
    return case


async def reconcile(ctx: AppContext) -> list[int]:
    """Preservation cases whose dispatch never happened (a lost message): received long enough
    ago and still without sent queries. Returns their ids; the actor wakes the dispatch (and the
    ruling, lost with it) for each."""
    async with UnitOfWork(ctx) as uow:
        cutoff = uow.now - RECONCILE_AFTER
        stuck = (
            await uow.session.scalars(
                sa.select(Case.id)
                .where(
                    Case.case_type == CaseType.ZHI_BAO,
                    Case.stage.in_((CaseStage.RECEIVED, CaseStage.QUERYING)),
                    Case.created_at <= cutoff,
                    ~sa.exists().where(AssetQuery.case_id == Case.id, AssetQuery.status != "PENDING"),
                )
                .limit(500)
            )
        ).all()
        return list(stuck)


async def finish_stalled(ctx: AppContext) -> int:
    """Cases still QUERYING although none of their queries is outstanding (every one answered or
    failed for good, or a crash came between the last answer and the analysis): move them on to
    the centre officers' analysis. Returns how many moved."""
    async with UnitOfWork(ctx) as uow:
        cutoff = uow.now - RECONCILE_AFTER
        stalled = (
            await uow.session.scalars(
                sa.select(Case.id)
                .where(
                    Case.case_type == CaseType.ZHI_BAO,
                    Case.stage == CaseStage.QUERYING,
                    Case.created_at <= cutoff,
                    sa.exists().where(AssetQuery.case_id == Case.id),
                    ~sa.exists().where(
                        AssetQuery.case_id == Case.id, AssetQuery.status.in_(("PENDING", "SUBMITTED"))
                    ),
                )
                .limit(500)
            )
        ).all()
    moved = 0
    for case_id in stalled:
        moved += await _analyse_when_answered(ctx, case_id)
    return moved
