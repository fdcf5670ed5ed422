"""The asset-query pipeline under repeats, races and lost work (issue 10, item 3), on SQLite and
PostgreSQL: one query per (respondent, category) however often and however concurrently the
dispatch runs; each answer stored once; a query's status never goes back; the simulator's
queries seen by every process; and reconciliation finishing what a lost message or a dead worker
left undone - a ruling not rendered, a dispatch stopped half-way."""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from exec_center.context import AppContext
from exec_center.db.models import (
    AssetFinding,
    AssetQuery,
    Case,
    CaseParty,
    Document,
    OutboxMessage,
    SimulatedAssetRequest,
    Staff,
    WorkItem,
)
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.lifecycle import CaseStage
from exec_center.integrations.asset_query import (
    QUERIED_CATEGORIES,
    AssetQueryError,
    SimulatedAssetQueryProvider,
    UnknownReference,
    simulate_findings,
)
from exec_center.jobs.broker import current_broker
from exec_center.services import asset_queries
from exec_center.services import cases as case_service
from exec_center.services.auth import load_viewer
from exec_center.services.unit_of_work import UnitOfWork

TODAY = date(2024, 2, 8)
_titles = itertools.count(2001)

FIRST = PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", "91445322MA4ABCDE15")
SECOND = PartyData(PartyKind.PERSON, "李四", "445322198001011236")


def intake(*respondents: PartyData) -> IntakeData:
    return IntakeData(
        received_on=TODAY,
        claim_amount=Decimal("125000.00"),
        title_document_number=f"（2023）粤5322民初{next(_titles)}号",
        title_kind=TitleKind.JUDGMENT,
        applicants=(PartyData(PartyKind.PERSON, "陈某", "445322197001011231", "13800138000"),),
        respondents=respondents or (FIRST,),
    )


async def receive(ctx: AppContext, *respondents: PartyData, relay: bool = True) -> Case:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "affairs"))
        affairs = await load_viewer(session, staff_id)
    ctx.publish_after_commit = relay
    try:
        return await case_service.receive_case(ctx, affairs, intake(*respondents))
    finally:
        ctx.publish_after_commit = True


async def rows(ctx: AppContext, statement):
    async with ctx.sessionmaker() as session:
        return (await session.execute(statement)).all()


async def stage(ctx: AppContext, case_id: int) -> CaseStage:
    async with ctx.sessionmaker() as session:
        return (await session.get(Case, case_id)).stage


async def respondent_ids(ctx: AppContext, case_id: int) -> list[int]:
    return [r[0] for r in await rows(ctx, sa.select(CaseParty.id).where(
        CaseParty.case_id == case_id, CaseParty.side == "RESPONDENT").order_by(CaseParty.position))]


def expected_findings(case: Case, respondents: int) -> int:
    return sum(len(simulate_findings(case.number, c, respondent=r))
               for c in QUERIED_CATEGORIES for r in range(1, respondents + 1))


async def assert_complete(ctx: AppContext, case: Case, respondents: int = 1, attempts: int = 1) -> None:
    """ANALYSING; exactly one query per (respondent, category), each sent once and answered;
    the findings stored once; one analysis work item."""
    assert await stage(ctx, case.id) is CaseStage.ANALYSING
    parties = await respondent_ids(ctx, case.id)
    assert len(parties) == respondents
    queries = await rows(ctx, sa.select(AssetQuery.party_id, AssetQuery.category, AssetQuery.status,
                                        AssetQuery.attempts, AssetQuery.provider_request_id)
                         .where(AssetQuery.case_id == case.id))
    assert sorted((q.party_id, q.category.value) for q in queries) == sorted(
        (p, c) for p in parties for c in QUERIED_CATEGORIES)
    assert {(q.status, q.attempts) for q in queries} == {("ANSWERED", attempts)}
    # The provider started one query per (respondent, category), under the reference stored.
    sent = await rows(ctx, sa.select(SimulatedAssetRequest.reference).where(
        SimulatedAssetRequest.case_number == case.number))
    assert sorted(r[0] for r in sent) == sorted(q.provider_request_id for q in queries)
    findings = await rows(ctx, sa.select(AssetFinding.query_id, AssetFinding.provider_ref).where(
        AssetFinding.case_id == case.id))
    assert len(findings) == len(set(findings)) == expected_findings(case, respondents)
    items = await rows(ctx, sa.select(WorkItem.id).where(WorkItem.case_id == case.id,
                                                         WorkItem.kind == "ANALYSE_FINDINGS"))
    assert len(items) == 1


def actor(name: str):
    return current_broker().get_actor(name)


# --- one query per (respondent, category) -----------------------------------------------------


async def test_every_respondent_of_a_case_is_queried(ctx, workers) -> None:
    case = await receive(ctx, FIRST, SECOND)
    await workers.drain()
    await assert_complete(ctx, case, respondents=2)
    # The second respondent's assets are their own, not a copy of the first one's.
    first, second = await respondent_ids(ctx, case.id)
    by_party = {p: sorted(r[0] for r in await rows(ctx, sa.select(AssetFinding.description)
                                                   .join(AssetQuery, AssetQuery.id == AssetFinding.query_id)
                                                   .where(AssetQuery.party_id == p)))
                for p in (first, second)}
    assert by_party[first] != by_party[second]


async def test_redelivered_and_duplicated_messages_change_nothing_twice(ctx, workers) -> None:
    case = await receive(ctx, FIRST, SECOND)  # relayed after commit, as usual
    for _ in range(3):  # a redelivery, and reconciliation's own wake-up, on top of the outbox's
        actor("dispatch_asset_queries").send(case.id)
        actor("poll_case_queries").send(case.id)
    await workers.drain()
    await assert_complete(ctx, case, respondents=2)

    # Delivered again after the answers came: nothing is sent, stored or moved again.
    for name in ("dispatch_asset_queries", "poll_case_queries", "dispatch_asset_queries"):
        actor(name).send(case.id)
    actor("poll_asset_queries").send()
    await workers.drain()
    await assert_complete(ctx, case, respondents=2)


async def test_concurrent_dispatches_and_polls_store_each_answer_once(ctx) -> None:
    case = await receive(ctx, FIRST, SECOND, relay=False)
    dispatched = await asyncio.gather(*(asset_queries.dispatch(ctx, case.id) for _ in range(3)))
    # Each query went out once, whichever dispatch sent it.
    assert sum(r.submitted for r in dispatched) == 2 * len(QUERIED_CATEGORIES)
    polled = await asyncio.gather(*(asset_queries.poll(ctx, case_id=case.id) for _ in range(3)),
                                  asset_queries.poll(ctx))
    assert sum(r.answered for r in polled) == 2 * len(QUERIED_CATEGORIES)
    assert sum(r.cases_ready for r in polled) == 1
    await assert_complete(ctx, case, respondents=2)


async def test_findings_are_stored_once_per_query_and_provider_reference(ctx) -> None:
    case = await receive(ctx, relay=False)
    await asset_queries.dispatch(ctx, case.id)
    query_id, reference = (await rows(ctx, sa.select(AssetQuery.id, AssetQuery.provider_request_id).where(
        AssetQuery.case_id == case.id, AssetQuery.category == "BANK_DEPOSIT")))[0]
    answer = await asset_queries.provider_for(ctx).fetch(reference)
    assert answer and len({f.reference for f in answer}) == len(answer)
    for _ in range(2):  # the same answer stored twice (say, by a poller that lost its claim check)
        async with UnitOfWork(ctx) as uow:
            await asset_queries._insert_findings(uow, case.id, query_id, answer, "QUERY")
            await uow.commit()
    stored = await rows(ctx, sa.select(AssetFinding.provider_ref).where(AssetFinding.query_id == query_id))
    assert sorted(r[0] for r in stored) == sorted(f.reference for f in answer)


# --- a query's status never goes back -----------------------------------------------------------


class HeldFetch:
    """The simulator, except that the first fetch waits to be released and then fails: a poller
    that fetched before another one stored the answer, and whose fetch then failed."""

    def __init__(self, inner, error: AssetQueryError) -> None:
        self.inner, self.error = inner, error
        self.fetched, self.release = asyncio.Event(), asyncio.Event()
        self.calls, self.held = 0, None

    async def submit(self, request):
        return await self.inner.submit(request)

    async def fetch(self, request_id):
        self.calls += 1
        if self.calls == 1:
            self.held = request_id
            self.fetched.set()
            await self.release.wait()
            raise self.error
        return await self.inner.fetch(request_id)


@pytest.mark.parametrize("error", [
    UnknownReference("unknown asset query request id"),  # would send the query again
    AssetQueryError("no answer in time", retryable=True),  # would look again later
    AssetQueryError("refused", retryable=False),  # would fail it for good
], ids=["unknown", "later", "refused"])
async def test_an_answered_query_is_not_reset_by_a_concurrent_fetch_error(ctx, asset_query_provider, error) -> None:
    case = await receive(ctx, relay=False)
    await asset_queries.dispatch(ctx, case.id)
    held = HeldFetch(asset_queries.provider_for(ctx), error)

    async def slow_poller():  # fetches first, fails last
        return await asset_queries.poll(ctx, case_id=case.id, batch=1)

    async def fast_poller():  # fetches after, stores every answer, then lets the slow one fail
        await held.fetched.wait()
        try:
            return await asset_queries.poll(ctx, case_id=case.id)
        finally:
            held.release.set()

    asset_queries.set_provider(held)
    try:
        await asyncio.gather(slow_poller(), fast_poller())
    finally:
        asset_queries.set_provider(asset_query_provider)
    async with ctx.sessionmaker() as session:
        after = await session.scalar(sa.select(AssetQuery).where(AssetQuery.provider_request_id == held.held))
        dispatches = await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.actor_name == "dispatch_asset_queries", OutboxMessage.created_at > case.created_at))
    assert (after.case_id, after.status, after.attempts, after.last_error) == (case.id, "ANSWERED", 1, None)
    assert dispatches == 0  # nothing sent again
    await assert_complete(ctx, case)


async def test_a_query_the_provider_lost_is_sent_again(ctx, workers) -> None:
    case = await receive(ctx, relay=False)
    await asset_queries.dispatch(ctx, case.id)
    async with ctx.sessionmaker() as session, session.begin():  # the provider forgets one query
        lost = await session.scalar(sa.select(AssetQuery).where(AssetQuery.case_id == case.id).limit(1))
        await session.execute(sa.delete(SimulatedAssetRequest).where(
            SimulatedAssetRequest.reference == lost.provider_request_id))
    await asset_queries.poll(ctx, case_id=case.id)  # answers all but the lost one, which goes back
    await workers.drain()  # to PENDING with a dispatch woken, that sends it again
    async with ctx.sessionmaker() as session:
        again = await session.get(AssetQuery, lost.id)
    # Back to PENDING and sent again under its own key: the one query, answered once.
    assert (again.status, again.provider_request_id) == ("ANSWERED", lost.provider_request_id)
    assert again.attempts > 1
    assert await stage(ctx, case.id) is CaseStage.ANALYSING
    assert len(await rows(ctx, sa.select(AssetQuery.id).where(AssetQuery.case_id == case.id))) == len(
        QUERIED_CATEGORIES)


# --- the simulator's state is seen by every process ------------------------------------------


async def test_a_query_submitted_by_one_process_is_answered_to_another(ctx, settings, clock,
                                                                      asset_query_provider) -> None:
    """Two workers processes: two engines and two simulators that share no memory."""
    case = await receive(ctx, relay=False)
    asset_queries.set_provider(SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=0, timeout_rate=0))
    await asset_queries.dispatch(ctx, case.id)
    other = AppContext.create(settings, clock=clock, pool_size=2)
    try:
        asset_queries.set_provider(SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=0,
                                                               timeout_rate=0))
        result = await asset_queries.poll(other, case_id=case.id)
    finally:
        await other.close()
        asset_queries.set_provider(asset_query_provider)
    assert (result.answered, result.pending, result.cases_ready) == (len(QUERIED_CATEGORIES), 0, 1)
    await assert_complete(ctx, case)


# --- reconciliation: every effect a message should have caused -----------------------------------


async def test_a_case_whose_ruling_was_lost_gets_it_from_reconciliation(ctx, clock, workers) -> None:
    case = await receive(ctx, relay=False)
    async with ctx.sessionmaker() as session, session.begin():  # the render message is lost for good
        await session.execute(sa.delete(OutboxMessage).where(OutboxMessage.actor_name == "render_case_document"))
    clock.advance(seconds=60)
    actor("relay_outbox").send()  # the dispatch still goes out
    await workers.drain()
    assert await stage(ctx, case.id) is CaseStage.ANALYSING
    ruling = sa.select(Document.id).where(Document.case_id == case.id, Document.kind == "QUERY_CONTROL_RULING")
    assert await rows(ctx, ruling) == []

    found = await asset_queries.reconcile(ctx)
    assert (found.rulings, found.dispatch, found.polls) == ([case.id], [], [])
    actor("reconcile_cases").send()
    actor("reconcile_cases").send()  # twice: still one ruling
    await workers.drain()
    assert len(await rows(ctx, ruling)) == 1
    assert not await asset_queries.reconcile(ctx)
    await assert_complete(ctx, case)


class WorkerDied(BaseException):
    """The worker process killed half-way (not an error any handler would catch)."""


async def test_a_dispatch_stopped_half_way_resumes(ctx, clock, workers, asset_query_provider) -> None:
    case = await receive(ctx, FIRST, SECOND, relay=False)
    simulator = asset_queries.provider_for(ctx)

    class DiesAfterThree:
        calls = 0

        async def submit(self, request):
            self.calls += 1
            if self.calls > 3:
                raise WorkerDied()
            return await simulator.submit(request)

        async def fetch(self, request_id):
            return await simulator.fetch(request_id)

    asset_queries.set_provider(DiesAfterThree())
    try:
        await asset_queries.dispatch(ctx, case.id)
    except WorkerDied:
        pass
    finally:
        asset_queries.set_provider(asset_query_provider)
    # The case is QUERYING, its queries PENDING (what the provider said was not recorded), and
    # three of them started at the provider.
    assert await stage(ctx, case.id) is CaseStage.QUERYING
    statuses = [r[0] for r in await rows(ctx, sa.select(AssetQuery.status).where(AssetQuery.case_id == case.id))]
    assert statuses == ["PENDING"] * 2 * len(QUERIED_CATEGORIES)
    started = sa.select(SimulatedAssetRequest.reference).where(SimulatedAssetRequest.case_number == case.number)
    assert len(await rows(ctx, started)) == 3

    # Not before the dispatch's lease runs out: it may still be at work.
    clock.advance(seconds=asset_queries.stuck_after(ctx.settings).total_seconds() - 1)
    assert (await asset_queries.reconcile(ctx)).dispatch == []
    clock.advance(seconds=2)
    found = await asset_queries.reconcile(ctx)
    assert (found.dispatch, found.rulings) == ([case.id], [case.id])  # the ruling was lost as well
    actor("reconcile_cases").send()
    await workers.drain()
    await assert_complete(ctx, case, respondents=2)
    assert len(await rows(ctx, sa.select(Document.id).where(Document.case_id == case.id))) == 1


async def case_service_render(ctx: AppContext, case: Case) -> None:
    from exec_center.services.documents import render_case_document

    await render_case_document(ctx, case.id, "QUERY_CONTROL_RULING")


async def test_answers_nobody_looked_at_are_polled_by_reconciliation(ctx, clock, workers) -> None:
    case = await receive(ctx, relay=False)
    await asset_queries.dispatch(ctx, case.id)  # the per-case poll died with its worker
    await case_service_render(ctx, case)
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(sa.delete(OutboxMessage))
    clock.advance(seconds=asset_queries.stuck_after(ctx.settings).total_seconds() + 1)
    assert (await asset_queries.reconcile(ctx)).polls == [case.id]
    actor("reconcile_cases").send()
    await workers.drain()
    await assert_complete(ctx, case)


# --- logs -----------------------------------------------------------------------------------------


async def test_a_provider_refusal_is_logged_without_a_traceback(ctx, clock, workers, caplog) -> None:
    caplog.set_level(logging.INFO)
    asset_queries.set_provider(SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=1.0, timeout_rate=0))
    case = await receive(ctx, relay=False)
    actor("dispatch_asset_queries").send_with_options(args=(case.id,), min_backoff=10, max_backoff=50)
    await workers.drain()
    await assert_complete(ctx, case, attempts=4)  # refused three times, then sent
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert refusals and all(r.levelno <= logging.WARNING and r.exc_info is None for r in refusals)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
