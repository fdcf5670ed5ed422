"""Asset-query dispatch (Art. 14): one query per respondent and category through the provider
port, polling for the answers, findings entered by hand, and reconciliation of whatever a lost
message (or a worker killed mid-job) left undone.

Idempotent throughout: one row per (case, respondent, category) records whether its query went
out, so a redelivered message sends no second query, and the provider's submit is idempotent by
the query's key. A query's status only moves forward, each step a conditional update from the
status it expects (`_move`): of two workers handling the same query, one wins and the other
changes nothing; an answer is stored once (and its findings are unique per provider reference).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..config import Settings
from ..context import AppContext
from ..db.models import AssetFinding, AssetQuery, Case, CaseParty, Deadline, Document
from ..domain.access import Viewer, require_role
from ..domain.assets import QUERIED_CATEGORIES, AssetCategory
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError, ErrorCode
from ..domain.lifecycle import CaseStage, CaseStep
from ..domain.organisation import Role
from ..domain.work import WorkItemKind
from ..integrations.asset_query import (
    AssetFindingData,
    AssetQueryError,
    AssetQueryProvider,
    AssetQueryRequest,
    UnknownReference,
    fetch_all,
    make_provider,
    submit_all,
)
from . import work
from .cases import advance, load_case
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
_SOURCE_ZH = {"MANUAL": "人工录入", "IMPORT": "从查控系统导入"}  # how findings came, in history entries

_provider: AssetQueryProvider | None = None
_provider_lock = threading.Lock()
POLL_INTERVAL = timedelta(seconds=1)
MAX_FINDINGS = 200
RULING = "QUERY_CONTROL_RULING"

# A query's statuses. ANSWERED and FAILED are final.
PENDING, SUBMITTED, ANSWERED, FAILED = "PENDING", "SUBMITTED", "ANSWERED", "FAILED"
OPEN = (PENDING, SUBMITTED)
# The stages of query-and-control (Art. 14), in which a missing ruling is rendered by reconciliation.
QUERY_CONTROL_STAGES = (CaseStage.RECEIVED, CaseStage.QUERYING, CaseStage.ANALYSING)

# How often the periodic reconciliation runs. Work whose effect is missing for twice as long
# (a dispatch that has not sent its queries, a ruling not rendered, an answer not looked at) is
# woken again, so a worker killed mid-job delays a case by at most 3 x this - 45 s by default -
# plus the provider's answer time (see README, "Jobs and workers").
DEFAULT_RECONCILE_SECONDS = 15.0


def reconcile_seconds(settings: Settings | None = None) -> float:
    """`Settings.reconcile_seconds` (EXEC_CENTER_RECONCILE_SECONDS), 15 s by default."""
    return float(settings.reconcile_seconds) if settings is not None else DEFAULT_RECONCILE_SECONDS


def stuck_after(settings: Settings | None = None) -> timedelta:
    """How long work may go without its effect before reconciliation wakes it again."""
    return timedelta(seconds=2 * reconcile_seconds(settings))


def provider_for(ctx: AppContext) -> AssetQueryProvider:
    """The process's provider (the simulator by default), working through `ctx`'s database when
    it keeps state (the simulator does, so that every worker process sees the same queries)."""
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = make_provider("simulator", ctx.clock, ctx.settings.asset_query_delay_seconds)
        provider = _provider
    bind = getattr(provider, "bind", None)
    return bind(ctx) if callable(bind) else provider


def set_provider(provider: AssetQueryProvider | None) -> None:
    global _provider
    with _provider_lock:
        _provider = provider


class RetryLater(Exception):
    """Some queries could not be sent yet; the actor is retried with backoff."""


async def _move(
    uow: UnitOfWork, query_id: int, expected: str | Sequence[str], reference: str | None = None, **values: Any
) -> bool:
    """One step of a query: a conditional update from the status it expects (and, for a step on
    an answer, from the provider reference it was fetched by). True if this worker took it;
    False if another took it first - then nothing changed and the caller leaves it alone."""
    statement = sa.update(AssetQuery).where(
        AssetQuery.id == query_id,
        AssetQuery.status.in_((expected,) if isinstance(expected, str) else tuple(expected)),
    )
    if reference is not None:
        statement = statement.where(AssetQuery.provider_request_id == reference)
    result = await uow.session.execute(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _back_off(failures: int) -> timedelta:
    """After the `failures`-th refusal in a row: 2 s, 4 s, 8 s, ... at most a minute."""
    return POLL_INTERVAL * min(2**failures, 60)


def _error_text(error: AssetQueryError) -> str:
    return f"{type(error).__name__}: {error}"[:300]


@dataclass
class DispatchResult:
    submitted: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Outstanding:
    query_id: int
    category: AssetCategory
    attempts: int
    respondent_name: str
    respondent_id_number: str
    respondent_ordinal: int


async def dispatch(ctx: AppContext, case_id: int) -> DispatchResult:
    """Send the case's outstanding queries, one per respondent and category: taken on in one unit
    of work, sent to the provider in one call, what it said recorded in one more. Safe to run any
    number of times, also concurrently: each query goes out once."""
    async with UnitOfWork(ctx) as uow:
        case = await load_case(uow, case_id, lock=True)
        if case.case_type is not CaseType.ZHI_BAO:
            return DispatchResult()  # only preservation cases are queried (执异/执复 wait in RECEIVED)
        first = case.stage is CaseStage.RECEIVED
        if first:
            advance(uow, case, CaseStep.DISPATCH_QUERY)
        elif case.stage is not CaseStage.QUERYING:
            return DispatchResult()  # answered already, or moved on: nothing to send
        parties = (
            await uow.session.scalars(
                sa.select(CaseParty)
                .where(CaseParty.case_id == case.id, CaseParty.side == "RESPONDENT")
                .order_by(CaseParty.position, CaseParty.id)
            )
        ).all()
        # The network query-and-control system is asked by identity number: a respondent whose
        # number the applicant did not know (idType UNKNOWN) is investigated offline instead.
        respondents = [p for p in parties if p.id_number]
        if first and len(respondents) < len(parties):
            uow.audit(
                "ASSET_QUERY_SKIPPED",
                "Case",
                case.id,
                f"{len(parties) - len(respondents)}名被执行人身份证件号码不详："
                "未通过网络查控系统查询，须线下调查",
            )
        if parties and not respondents:
            await _to_analysis(uow, case)  # nothing to wait for: the centre records findings
            await uow.commit()
            return DispatchResult()
        ordinals = {p.id: n for n, p in enumerate(respondents, start=1)}
        by_id = {p.id: p for p in respondents}
        # This dispatch takes on every unsent query: if they are still unsent when the lease runs
        # out (this worker died), reconciliation wakes the dispatch again.
        lease = uow.now + stuck_after(ctx.settings)
        table = AssetQuery.__table__
        taken_on = (table.c.id, table.c.category, table.c.attempts, table.c.party_id)
        rows: Sequence[Any] = []
        wanted = [
            {
                "case_id": case.id,
                "party_id": party.id,
                "category": category,
                "status": PENDING,
                "attempts": 0,
                "next_poll_at": lease,
                "created_at": uow.now,
            }
            for party in respondents
            for category in AssetCategory
            if category in QUERIED_CATEGORIES
        ]
        if wanted and first:
            # The queries are written with the step to QUERYING, so a case QUERYING has its rows;
            # a later dispatch only takes them on (inserting again would wait on a poller's
            # update of the same rows while holding the case, which that poller waits for).
            rows = (
                await uow.session.execute(
                    _insert(uow, AssetQuery)
                    .on_conflict_do_nothing(index_elements=["case_id", "party_id", "category"])
                    .returning(*taken_on),
                    wanted,
                )
            ).all()
        elif not respondents:
            log.warning("case %s has no respondent: no asset query to send", case.id)
        if len(rows) < len(wanted):  # not the first dispatch (or rows were there already)
            rows = (
                await uow.session.execute(
                    sa.update(table)
                    .where(table.c.case_id == case.id, table.c.status == PENDING)
                    .values(next_poll_at=lease)
                    .returning(*taken_on)
                )
            ).all()
        outstanding = [
            _Outstanding(
                query_id,
                AssetCategory(category),
                attempts,
                by_id[party_id].name,
                by_id[party_id].id_number,
                ordinals[party_id],
            )
            for query_id, category, attempts, party_id in sorted(rows)
            if party_id in by_id
        ]
        number = case.number
        await uow.commit()
    if not outstanding:
        return DispatchResult()

    # The provider is called between units of work, never inside one, with every query of the
    # case in one call; what it said is recorded in one unit of work after. A worker that dies in
    # between leaves the queries PENDING: the next dispatch submits them again under the same
    # keys, and the provider starts nothing new.
    outcomes = await submit_all(
        provider_for(ctx),
        [
            AssetQueryRequest(
                case_number=number,
                category=query.category.value,
                respondent_name=query.respondent_name,
                respondent_id_number=query.respondent_id_number,
                attempt=query.attempts + 1,
                respondent_ordinal=query.respondent_ordinal,
                idempotency_key=f"exec-center/asset-query/{query.query_id}",
            )
            for query in outstanding
        ],
    )
    result, refused = DispatchResult(), []
    async with UnitOfWork(ctx) as uow:
        now = uow.now
        sent = {
            q.query_id: (q, ref) for q, ref in zip(outstanding, outcomes, strict=True) if isinstance(ref, str)
        }
        if sent:
            # One conditional update for every query sent: from PENDING only, so of two dispatches
            # recording the same query one counts it and the other changes nothing.
            table = AssetQuery.__table__
            moved = (
                await uow.session.execute(
                    sa.update(table)
                    .where(table.c.id.in_(sorted(sent)), table.c.status == PENDING)
                    .values(
                        status=SUBMITTED,
                        provider_request_id=sa.case(
                            {i: ref for i, (_, ref) in sent.items()}, value=table.c.id
                        ),
                        attempts=sa.case({i: q.attempts + 1 for i, (q, _) in sent.items()}, value=table.c.id),
                        submitted_at=now,
                        next_poll_at=now + timedelta(seconds=ctx.settings.asset_query_delay_seconds),
                        last_error=None,
                    )
                    .returning(table.c.id)
                )
            ).all()
            result.submitted = len(moved)
        for query, outcome in zip(outstanding, outcomes, strict=True):  # in id order
            if not isinstance(outcome, AssetQueryError):
                continue
            values: dict[str, Any] = {"attempts": AssetQuery.attempts + 1, "last_error": _error_text(outcome)}
            if outcome.retryable:  # its own back-off; the message is retried by Dramatiq
                values["next_poll_at"] = now + _back_off(query.attempts + 1)
            else:
                values.update(status=FAILED, next_poll_at=None)
            result.failed += 1
            if await _move(uow, query.query_id, PENDING, **values):
                refused.append((query.query_id, outcome))
            # else a concurrent dispatch sent it meanwhile
        await uow.commit()
    # The provider's refusals are expected answers: logged without a traceback.
    for query_id, error in refused:
        if error.retryable:
            log.info(
                "case %s: asset query %s refused for now (%s); sent again later", case_id, query_id, error
            )
        else:
            log.warning("case %s: asset query %s refused for good (%s)", case_id, query_id, error)
    if any(isinstance(outcome, AssetQueryError) and outcome.retryable for outcome in outcomes):
        raise RetryLater(f"case {case_id}: the provider refused {result.failed} asset queries for now")
    return result


def _insert(uow: UnitOfWork, model: Any) -> Any:
    insert = postgresql.insert if uow.session.bind.dialect.name == "postgresql" else sqlite.insert
    return insert(model.__table__)


@dataclass
class PollResult:
    answered: int = 0
    pending: int = 0
    cases_ready: int = 0
    fetched: int = 0  # how many queries were looked at (a full batch: more may be due)
    # With case_id: when that case's next outstanding query is due for a look (None: nothing left).
    next_poll_at: datetime | None = None


@dataclass(frozen=True, order=True)
class _Due:
    id: int
    provider_request_id: str
    case_id: int
    fetch_failures: int


async def _claim(ctx: AppContext, batch: int) -> list[_Due]:
    """Take up to `batch` due queries of any case for this poller, in one short unit of work:
    their next look moves a lease ahead, so concurrent pollers divide the due answers between
    them (PostgreSQL: SKIP LOCKED, they do not wait for each other). A poller that dies with its
    batch leaves the queries to be taken again when the lease runs out."""
    table = AssetQuery.__table__
    async with UnitOfWork(ctx) as uow:
        due = (
            sa.select(table.c.id)
            .where(table.c.status == SUBMITTED, table.c.next_poll_at <= uow.now)
            .order_by(table.c.next_poll_at, table.c.id)  # a case's queries, sent together, stay together
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = (
            await uow.session.execute(
                sa.update(table)
                .where(table.c.id.in_(due.scalar_subquery()))
                .values(next_poll_at=uow.now + stuck_after(ctx.settings))
                .returning(table.c.id, table.c.provider_request_id, table.c.case_id, table.c.fetch_failures)
            )
        ).all()
        await uow.commit()
    return sorted(_Due(*row) for row in rows)


async def poll(ctx: AppContext, *, case_id: int | None = None, batch: int = 200) -> PollResult:
    """Fetch the answers that are due, many queries of many cases at once: the provider asked in
    one call, the answers and findings recorded in one unit of work, in which every case whose
    queries are now all answered moves to ANALYSING with a work item for the centre officers.
    Safe to run concurrently: without `case_id` the due queries are claimed first (concurrent
    pollers take different ones); with `case_id` (a wake-up for one case) they are not, and of
    two pollers fetching the same query only one stores its answer."""
    result = PollResult()
    provider = provider_for(ctx)
    if case_id is None:
        due = await _claim(ctx, batch)
    else:
        async with ctx.sessionmaker() as session:
            table = AssetQuery.__table__
            due = [
                _Due(*row)
                for row in (
                    await session.execute(
                        sa.select(
                            table.c.id, table.c.provider_request_id, table.c.case_id, table.c.fetch_failures
                        )
                        .where(
                            table.c.case_id == case_id,
                            table.c.status == SUBMITTED,
                            table.c.next_poll_at <= ctx.clock.now(),
                        )
                        .order_by(table.c.next_poll_at)
                        .limit(batch)
                    )
                ).all()
            ]
    result.fetched = len(due)
    if due:
        # The provider is asked first, between units of work; its answers are then recorded in one.
        fetched = await fetch_all(provider, [row.provider_request_id for row in due])
        async with UnitOfWork(ctx) as uow:
            settled = await _record_answers(uow, due, fetched, result)
            await uow.commit()
        for row, error in settled:
            _log_fetch_error(row, error)
    if case_id is not None:  # so the per-case poll keeps following it, also after a back-off
        async with ctx.sessionmaker() as session:
            result.next_poll_at = await session.scalar(
                sa.select(sa.func.min(AssetQuery.next_poll_at)).where(
                    AssetQuery.case_id == case_id, AssetQuery.status == SUBMITTED
                )
            )
    return result


async def _record_answers(
    uow: UnitOfWork, due: list[_Due], fetched: dict[str, Any], result: PollResult
) -> list[tuple[_Due, AssetQueryError]]:
    """What the provider said about each query, in bulk. Each step is conditional on the query
    still being SUBMITTED under the reference fetched: of two pollers fetching the same query (a
    redelivered message, a per-case poll beside the batch poll), only one stores its answer; a
    failed fetch never undoes an answer stored. One query's failed fetch leaves the others'
    answers to be recorded. Returns the failures this poller recorded (to be logged)."""
    table = AssetQuery.__table__
    # Lock order (as everywhere: the owner, then its rows): the batch's cases, then its queries,
    # each in id order, so that concurrent pollers - and a dispatch, which holds its case while
    # it takes on the case's queries - never wait for each other in a circle. Taking the cases
    # first also keeps the findings' foreign-key checks (KEY SHARE on their case) from meeting
    # another poller's FOR UPDATE half-way.
    cases = await _lock_cases(uow, {row.case_id for row in due})
    if uow.session.bind.dialect.name == "postgresql":
        await uow.session.execute(
            sa.select(table.c.id)
            .where(table.c.id.in_([row.id for row in due]), table.c.status == SUBMITTED)
            .order_by(table.c.id)
            .with_for_update()
        )
    answered: dict[int, tuple[_Due, list[AssetFindingData]]] = {}
    waiting: list[_Due] = []
    failed: list[tuple[_Due, AssetQueryError]] = []
    for row in due:
        outcome = fetched.get(row.provider_request_id)
        if isinstance(outcome, AssetQueryError):
            failed.append((row, outcome))
        elif outcome is None:
            waiting.append(row)
        else:
            answered[row.id] = (row, outcome)

    def still(rows: list[_Due]) -> Any:
        return sa.and_(
            table.c.status == SUBMITTED,
            sa.tuple_(table.c.id, table.c.provider_request_id).in_(
                [(r.id, r.provider_request_id) for r in rows]
            ),
        )

    touched: set[int] = set()
    if answered:
        moved = (
            (
                await uow.session.execute(
                    sa.update(table)
                    .where(still([row for row, _ in answered.values()]))
                    .values(status=ANSWERED, answered_at=uow.now, next_poll_at=None, last_error=None)
                    .returning(table.c.id)
                )
            )
            .scalars()
            .all()
        )
        findings = []
        for query_id in sorted(moved):
            row, items = answered[query_id]
            findings.extend(_finding_rows(uow, row.case_id, row.id, items[:MAX_FINDINGS], "QUERY"))
            touched.add(row.case_id)
        await _insert_finding_rows(uow, findings)
        result.answered += len(moved)
    if waiting:  # not ready yet: look again shortly
        await uow.session.execute(
            sa.update(table).where(still(waiting)).values(next_poll_at=uow.now + POLL_INTERVAL)
        )
        result.pending += len(waiting)
    settled = []
    for row, error in failed:
        result.pending += 1
        if await _after_fetch_error(uow, row, error):
            settled.append((row, error))
            if not error.retryable and not isinstance(error, UnknownReference):
                touched.add(row.case_id)  # failed for good: the case may have nothing left open
    result.cases_ready += await _analyse_answered(uow, [cases[i] for i in sorted(touched) if i in cases])
    return settled


async def _lock_cases(uow: UnitOfWork, case_ids: set[int]) -> dict[int, Case]:
    """The cases, locked in id order (PostgreSQL; SQLite: the unit of work holds the database)."""
    query = sa.select(Case).where(Case.id.in_(sorted(case_ids))).order_by(Case.id)
    if uow.session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    found = await uow.session.scalars(query.execution_options(populate_existing=True))
    return {case.id: case for case in found.all()}


async def _analyse_answered(uow: UnitOfWork, cases: list[Case]) -> int:
    """Move to ANALYSING, in this unit of work, those of `cases` (locked) still QUERYING with no
    query left open. A poller recording a case's other queries at the same time waits for the
    case, and then sees these answers, so one of the two moves it."""
    querying = [case for case in cases if case.stage is CaseStage.QUERYING]
    if not querying:
        return 0
    still_open = set(
        (
            await uow.session.scalars(
                sa.select(AssetQuery.case_id)
                .where(AssetQuery.case_id.in_([c.id for c in querying]), AssetQuery.status.in_(OPEN))
                .distinct()
            )
        ).all()
    )
    ready = [case for case in querying if case.id not in still_open]
    if ready:
        deadlines = {
            d.owner_id: d
            for d in (
                await uow.session.scalars(
                    sa.select(Deadline).where(
                        Deadline.owner_type == "Case",
                        Deadline.owner_id.in_([c.id for c in ready]),
                        Deadline.kind == DeadlineKind.QUERY_CONTROL,
                        Deadline.status == DeadlineStatus.OPEN,
                    )
                )
            ).all()
        }
        for case in ready:
            await _to_analysis(uow, case, deadlines.get(case.id))
    return len(ready)


async def _after_fetch_error(uow: UnitOfWork, row: _Due, error: AssetQueryError) -> bool:
    """A fetch failed. Only a query still SUBMITTED under the reference fetched is touched: an
    answer stored meanwhile by another poller stays (ANSWERED never goes back). True if changed."""
    values: dict[str, Any] = {"last_error": _error_text(error)}
    if error.retryable:  # "later": look again after a back-off
        values.update(
            fetch_failures=AssetQuery.fetch_failures + 1, next_poll_at=uow.now + _back_off(row.fetch_failures)
        )
    elif isinstance(error, UnknownReference):  # the provider lost the query: send it again
        values.update(status=PENDING, provider_request_id=None, fetch_failures=0, next_poll_at=uow.now)
    else:  # refused for good
        values.update(status=FAILED, next_poll_at=None)
    moved = await _move(uow, row.id, SUBMITTED, row.provider_request_id, **values)
    if moved and isinstance(error, UnknownReference):
        uow.enqueue("dispatch_asset_queries", row.case_id)
    return moved


def _log_fetch_error(row: Any, error: AssetQueryError) -> None:
    """Expected answers of the provider: no traceback."""
    if error.retryable:
        log.info(
            "case %s: asset query %s not answered yet (%s); looking again later", row.case_id, row.id, error
        )
    elif isinstance(error, UnknownReference):
        log.warning(
            "case %s: the provider no longer knows asset query %s; sending it again", row.case_id, row.id
        )
    else:
        log.warning("case %s: asset query %s failed for good (%s)", row.case_id, row.id, error)


async def _insert_findings(
    uow: UnitOfWork, case_id: int, query_id: int | None, findings: list[AssetFindingData], source: str
) -> None:
    """Store findings; a provider's item already stored for the query is not stored again (its
    reference, or its place in the answer when the provider gives none, is unique per query)."""
    await _insert_finding_rows(uow, _finding_rows(uow, case_id, query_id, findings, source))


def _finding_rows(
    uow: UnitOfWork, case_id: int, query_id: int | None, findings: list[AssetFindingData], source: str
) -> list[dict[str, Any]]:
    return [
        {
            "case_id": case_id,
            "query_id": query_id,
            "provider_ref": (f.reference or f"#{position}") if query_id is not None else None,
            "category": AssetCategory(f.category),
            "institution": f.institution,
            "description": f.description,
            "value": f.value,
            "encumbrances": f.encumbrances,
            "first_seal": f.first_seal,
            "disposable": f.disposable,
            "respondent_holds_mortgage": f.respondent_holds_mortgage,
            "source": source,
            "created_by": uow.actor.staff_id if uow.actor else None,
            "created_at": uow.now,
        }
        for position, f in enumerate(findings, start=1)
    ]


async def _insert_finding_rows(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Findings of any number of queries in one statement, each stored once (see above)."""
    if rows:
        await uow.session.execute(
            _insert(uow, AssetFinding).on_conflict_do_nothing(index_elements=["query_id", "provider_ref"]),
            rows,
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


async def _to_analysis(uow: UnitOfWork, case: Case, deadline: Deadline | bool | None = True) -> None:
    """The case to ANALYSING with the officers' work item, under its open query-and-control
    deadline (`deadline`: that deadline when the caller has it, True to look it up)."""
    advance(uow, case, CaseStep.RECORD_FINDINGS)
    if deadline is True:
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
            .where(AssetQuery.case_id == case_id, AssetQuery.status.in_(OPEN))
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
        raise DomainError(
            "give at least one finding",
            zh="请至少填写一项查询反馈",
            field="findings",
            code=ErrorCode.REQUIRED,
        )
    if len(findings) > MAX_FINDINGS:
        raise DomainError(
            f"at most {MAX_FINDINGS} findings at once",
            zh=f"每次最多录入 {MAX_FINDINGS} 项查询反馈",
            field="findings",
            code=ErrorCode.OUT_OF_RANGE,
        )
    out = []
    for i, f in enumerate(findings):
        for name, zh_name, value, limit in (
            ("institution", "财产所在机构", f.institution, 200),
            ("description", "财产描述", f.description, 500),
        ):
            if not value or not value.strip() or len(value) > limit:
                raise DomainError(
                    f"{name} is required, at most {limit} characters",
                    zh=f"{zh_name}为必填项，不得超过 {limit} 个字符",
                    field=f"findings.{i}.{name}",
                    code=ErrorCode.OUT_OF_RANGE if value and value.strip() else ErrorCode.REQUIRED,
                )
        if f.value is not None and (
            f.value < 0 or f.value >= Decimal(10) ** 15 or f.value.as_tuple().exponent < -2
        ):
            raise DomainError(
                "value must be 0 or more, with at most 2 decimal places and 15 digits",
                zh="财产价值须不小于 0，最多 2 位小数、15 位整数",
                field=f"findings.{i}.value",
                code=ErrorCode.OUT_OF_RANGE,
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
    require_role(
        viewer,
        Role.CENTER_OFFICER,
        Role.CENTER_HEAD,
        action="recording asset findings",
        action_zh="登记财产查询反馈",
    )
    data = _check_manual(findings)
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        if case.stage is CaseStage.QUERYING:
            await _to_analysis(uow, case)
        else:
            advance(uow, case, CaseStep.RECORD_FINDINGS)  # refused outside QUERYING / ANALYSING
        await _insert_findings(uow, case.id, None, data, source)
        how = _SOURCE_ZH.get(source, source)
        uow.audit("RECORD_FINDINGS", "Case", case.id, f"登记查询反馈{len(data)}条（{how}）")
        await uow.commit()
    return case


@dataclass
class Reconciliation:
    """What reconciliation found undone (case ids); the actor wakes each again."""

    dispatch: list[int] = field(default_factory=list)  # received but not (all) sent
    rulings: list[int] = field(default_factory=list)  # the query-and-control ruling missing
    polls: list[int] = field(default_factory=list)  # answers long overdue for a look

    def __bool__(self) -> bool:
        return bool(self.dispatch or self.rulings or self.polls)


async def reconcile(ctx: AppContext, limit: int = 500) -> Reconciliation:
    """Preservation cases missing an effect a message should have caused (the message was lost,
    or the worker died with it), for longer than `stuck_after`:

    - received but never dispatched, or querying with queries still unsent past the lease the
      dispatch took on them (or past a refusal's back-off);
    - without their query-and-control ruling (rendered on a message sent at intake);
    - with answers due for a look longer ago than that (the per-case poll died with its worker;
      the periodic poll would get there too, one batch at a time).
    """
    now = ctx.clock.now()
    cutoff = now - stuck_after(ctx.settings)
    preservation = sa.and_(Case.case_type == CaseType.ZHI_BAO, Case.created_at <= cutoff)
    unsent = sa.exists().where(
        AssetQuery.case_id == Case.id,
        AssetQuery.status == PENDING,
        sa.or_(AssetQuery.next_poll_at <= now, AssetQuery.next_poll_at.is_(None)),
    )
    overdue = sa.exists().where(
        AssetQuery.case_id == Case.id, AssetQuery.status == SUBMITTED, AssetQuery.next_poll_at <= cutoff
    )
    ruled = sa.exists().where(Document.case_id == Case.id, Document.kind == RULING)
    async with ctx.sessionmaker() as session:

        async def ids(*where: Any) -> list[int]:
            return list(
                (await session.scalars(sa.select(Case.id).where(*where).order_by(Case.id).limit(limit))).all()
            )

        return Reconciliation(
            dispatch=await ids(
                preservation,
                sa.or_(
                    Case.stage == CaseStage.RECEIVED,
                    sa.and_(Case.stage == CaseStage.QUERYING, unsent),
                ),
            ),
            # During query-and-control only: a case long past it (or one migrated from an older
            # system) is not worth a ruling rendered now, and a court's history would otherwise
            # come back 500 rulings at a time.
            rulings=await ids(preservation, Case.stage.in_(QUERY_CONTROL_STAGES), ~ruled),
            polls=await ids(preservation, Case.stage == CaseStage.QUERYING, overdue),
        )


async def finish_stalled(ctx: AppContext, limit: int = 500) -> int:
    """Cases still QUERYING although none of their queries is outstanding (every one answered or
    failed for good, and the worker died between the last answer and the analysis): move them on
    to the centre officers' analysis. Returns how many moved."""
    async with ctx.sessionmaker() as session:
        stalled = (
            await session.scalars(
                sa.select(Case.id)
                .where(
                    Case.case_type == CaseType.ZHI_BAO,
                    Case.stage == CaseStage.QUERYING,
                    sa.exists().where(AssetQuery.case_id == Case.id),
                    ~sa.exists().where(AssetQuery.case_id == Case.id, AssetQuery.status.in_(OPEN)),
                )
                .order_by(Case.id)
                .limit(limit)
            )
        ).all()
    moved = 0
    for case_id in stalled:
        moved += await _analyse_when_answered(ctx, case_id)
    return moved
