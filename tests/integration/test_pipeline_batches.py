"""The asset-query pipeline in batches (issue 14, item 4), on SQLite and PostgreSQL: a case's
queries go out in one call and one message, answers are fetched many queries (of many cases) at
a time, and a case costs at most ten transactions from dispatch to ANALYSING - with every
guarantee of the one-at-a-time pipeline kept: one query per (respondent, category), findings
stored once, a crash between submit and record sends nothing twice, one failed fetch in a
batch leaves the others' answers recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from exec_center.context import AppContext
from exec_center.db.models import AssetFinding, AssetQuery, Case, SimulatedAssetRequest, WorkItem
from exec_center.domain.intake import PartyData
from exec_center.domain.lifecycle import CaseStage
from exec_center.integrations.asset_query import (
    QUERIED_CATEGORIES,
    ProviderTimeout,
    SimulatedAssetQueryProvider,
    simulate_findings,
)
from exec_center.jobs.broker import current_broker
from exec_center.services import asset_queries

from .test_pipeline_integrity import FIRST, SECOND, rows, stage
from .test_pipeline_integrity import receive as receive_unsent


async def receive(ctx: AppContext, *respondents: PartyData) -> Case:
    """A preservation case as intake leaves it, its outbox rows unsent (the test sends the
    dispatch itself, as the relay would)."""
    return await receive_unsent(ctx, *respondents, relay=False)



async def assert_complete(ctx: AppContext, case: Case, respondents: int = 1) -> None:
    """ANALYSING; one query per (respondent, category), started once at the provider under the
    reference stored, answered; the findings stored once; one analysis work item."""
    assert await stage(ctx, case.id) is CaseStage.ANALYSING
    queries = await rows(ctx, sa.select(AssetQuery.party_id, AssetQuery.category, AssetQuery.status,
                                        AssetQuery.provider_request_id).where(AssetQuery.case_id == case.id))
    assert len(queries) == len({(q.party_id, q.category) for q in queries}) == respondents * len(QUERIED_CATEGORIES)
    assert {q.status for q in queries} == {"ANSWERED"}
    sent = await rows(ctx, sa.select(SimulatedAssetRequest.reference).where(
        SimulatedAssetRequest.case_number == case.number))
    assert sorted(r[0] for r in sent) == sorted(q.provider_request_id for q in queries)
    findings = await rows(ctx, sa.select(AssetFinding.query_id, AssetFinding.provider_ref).where(
        AssetFinding.case_id == case.id))
    expected = sum(len(simulate_findings(case.number, c, respondent=r))
                   for c in QUERIED_CATEGORIES for r in range(1, respondents + 1))
    assert len(findings) == len(set(findings)) == expected
    items = await rows(ctx, sa.select(WorkItem.id).where(WorkItem.case_id == case.id,
                                                         WorkItem.kind == "ANALYSE_FINDINGS"))
    assert len(items) == 1


@contextmanager
def transactions() -> Iterator[dict[str, int]]:
    """Every transaction begun and committed on any engine of this process (the test's and the
    workers'), read-only ones included; not while `counted["paused"]` (the test's own reads)."""
    counted = {"begin": 0, "commit": 0, "paused": 0}

    def on_begin(_connection) -> None:
        counted["begin"] += not counted["paused"]

    def on_commit(_connection) -> None:
        counted["commit"] += not counted["paused"]

    event.listen(Engine, "begin", on_begin)
    event.listen(Engine, "commit", on_commit)
    try:
        yield counted
    finally:
        event.remove(Engine, "begin", on_begin)
        event.remove(Engine, "commit", on_commit)


def actor(name: str):
    return current_broker().get_actor(name)


# --- transactions per case --------------------------------------------------------------------


@pytest.mark.parametrize("rates", [(0.0, 0.0), (0.1, 0.05)], ids=["reliable", "flaky"])
async def test_a_case_takes_at_most_ten_transactions_from_dispatch_to_analysis(ctx, clock, workers, rates) -> None:
    """Six cases (one with two respondents) through dispatch → submits → batch fetch → findings →
    ANALYSING, as the workers run them; with the simulator's refusals and timeouts too (the
    submits retried by Dramatiq, the fetches looked at again by the periodic poll)."""
    failure_rate, timeout_rate = rates
    asset_queries.set_provider(SimulatedAssetQueryProvider(
        clock, delay_seconds=0, failure_rate=failure_rate, timeout_rate=timeout_rate))
    cases = [await receive(ctx, FIRST, SECOND)] + [await receive(ctx) for _ in range(5)]
    with transactions() as counted:
        for case in cases:
            actor("dispatch_asset_queries").send_with_options(args=(case.id,), min_backoff=10, max_backoff=50)
        await workers.drain()
        for _ in range(10):  # the periodic poll, for answers whose fetch timed out
            counted["paused"] = 1
            done = all([await stage(ctx, case.id) is CaseStage.ANALYSING for case in cases])
            counted["paused"] = 0
            if done:
                break
            clock.advance(minutes=1)
            actor("poll_asset_queries").send()
            await workers.drain()
    for case in cases:
        await assert_complete(ctx, case, respondents=2 if case is cases[0] else 1)
    per_case = counted["begin"] / len(cases)
    assert per_case <= 10, f"{counted} for {len(cases)} cases: {per_case:.1f} transactions per case"
    assert counted["commit"] <= counted["begin"]


# --- a crash between submit and record ----------------------------------------------------------


class WorkerDied(BaseException):
    """The worker process killed (not an error any handler would catch)."""


class DiesAfterSubmitting:
    """The simulator, except that the worker dies right after the provider took the batch, before
    anything of what it said is recorded."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.batches: list[int] = []

    async def submit(self, request):
        return await self.inner.submit(request)

    async def submit_many(self, requests):
        self.batches.append(len(requests))
        await self.inner.submit_many(requests)
        raise WorkerDied()

    async def fetch(self, request_id):
        return await self.inner.fetch(request_id)


async def test_a_crash_between_submit_and_record_submits_nothing_twice(ctx, clock, workers,
                                                                        asset_query_provider) -> None:
    case = await receive(ctx, FIRST, SECOND)
    dying = DiesAfterSubmitting(asset_queries.provider_for(ctx))
    asset_queries.set_provider(dying)
    try:
        with pytest.raises(WorkerDied):
            await asset_queries.dispatch(ctx, case.id)
    finally:
        asset_queries.set_provider(asset_query_provider)
    # The case's queries went out in one call; the provider started all of them, none recorded.
    assert dying.batches == [2 * len(QUERIED_CATEGORIES)]
    statuses = await rows(ctx, sa.select(AssetQuery.status).where(AssetQuery.case_id == case.id))
    assert [r[0] for r in statuses] == ["PENDING"] * 2 * len(QUERIED_CATEGORIES)
    started = sa.select(SimulatedAssetRequest.reference).where(SimulatedAssetRequest.case_number == case.number)
    assert len(await rows(ctx, started)) == 2 * len(QUERIED_CATEGORIES)

    # Reconciliation wakes the dispatch once its lease is out: the same keys, nothing new started.
    clock.advance(seconds=asset_queries.stuck_after(ctx.settings).total_seconds() + 1)
    assert (await asset_queries.reconcile(ctx)).dispatch == [case.id]
    actor("reconcile_cases").send()
    await workers.drain()
    await assert_complete(ctx, case, respondents=2)
    bound = asset_queries.provider_for(ctx)
    for category in QUERIED_CATEGORIES:
        assert await bound.submitted_count(case.number, category) == 2  # one per respondent
    attempts = await rows(ctx, sa.select(AssetQuery.attempts).where(AssetQuery.case_id == case.id))
    assert {r[0] for r in attempts} == {1}


# --- one failed fetch in a batch ----------------------------------------------------------------


class OneFetchTimesOut:
    """The simulator answering a batch, except for one request id, whose fetch times out."""

    def __init__(self, inner, failing: str) -> None:
        self.inner, self.failing = inner, failing
        self.batches: list[int] = []

    async def submit(self, request):
        return await self.inner.submit(request)

    async def fetch(self, request_id):
        return await self.inner.fetch(request_id)

    async def fetch_many(self, request_ids):
        self.batches.append(len(request_ids))
        answers = await self.inner.fetch_many(request_ids)
        if self.failing in answers:
            answers[self.failing] = ProviderTimeout(f"no answer in time for {self.failing}")
        return answers


async def test_a_batch_fetch_with_one_failing_query_records_the_others(ctx, clock, asset_query_provider) -> None:
    done, late_case = await receive(ctx), await receive(ctx)  # case 2 has findings in four categories
    for case in (done, late_case):
        assert (await asset_queries.dispatch(ctx, case.id)).submitted == len(QUERIED_CATEGORIES)
    failing_id, failing = (await rows(ctx, sa.select(AssetQuery.id, AssetQuery.provider_request_id).where(
        AssetQuery.case_id == late_case.id, AssetQuery.category == "REAL_ESTATE")))[0]
    flaky = OneFetchTimesOut(asset_queries.provider_for(ctx), failing)
    asset_queries.set_provider(flaky)
    try:
        polled = await asset_queries.poll(ctx)
    finally:
        asset_queries.set_provider(asset_query_provider)
    # Both cases' answers fetched in one call and recorded together, all but the one that failed.
    assert flaky.batches == [2 * len(QUERIED_CATEGORIES)]
    assert (polled.fetched, polled.answered, polled.pending, polled.cases_ready) == (16, 15, 1, 1)
    await assert_complete(ctx, done)
    assert await stage(ctx, late_case.id) is CaseStage.QUERYING
    async with ctx.sessionmaker() as session:
        late = await session.get(AssetQuery, failing_id)
    assert (late.status, late.fetch_failures) == ("SUBMITTED", 1)
    assert late.last_error.startswith("ProviderTimeout") and late.next_poll_at > clock.now()
    others = await rows(ctx, sa.select(AssetQuery.status).where(
        AssetQuery.case_id == late_case.id, AssetQuery.id != failing_id))
    assert {r[0] for r in others} == {"ANSWERED"}
    stored = await rows(ctx, sa.select(AssetFinding.query_id).where(AssetFinding.case_id == late_case.id))
    expected = sum(len(simulate_findings(late_case.number, c)) for c in QUERIED_CATEGORIES if c != "REAL_ESTATE")
    assert len(stored) == expected > 0 and failing_id not in {r[0] for r in stored}

    # Not looked at again before its back-off; then answered, and the case moves on.
    assert (await asset_queries.poll(ctx)).fetched == 0
    clock.advance(minutes=1)
    assert (await asset_queries.poll(ctx)).cases_ready == 1
    await assert_complete(ctx, late_case)
    await assert_complete(ctx, done)


# --- concurrent batch pollers ---------------------------------------------------------------------


async def test_concurrent_batch_polls_fetch_each_answer_once(ctx) -> None:
    cases = [await receive(ctx) for _ in range(3)]
    for case in cases:
        await asset_queries.dispatch(ctx, case.id)
    polled = await asyncio.gather(*(asset_queries.poll(ctx, batch=5) for _ in range(6)))
    # The due queries were divided between the pollers: each fetched once, answered once.
    assert sum(p.fetched for p in polled) == sum(p.answered for p in polled) == 3 * len(QUERIED_CATEGORIES)
    assert sum(p.cases_ready for p in polled) == 3
    fetches = await rows(ctx, sa.select(SimulatedAssetRequest.fetches))
    assert {r[0] for r in fetches} == {1}
    for case in cases:
        await assert_complete(ctx, case)
