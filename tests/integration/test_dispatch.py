"""Asset-query dispatch against the database and the broker (Art. 14): a redelivered message
sends no second query, provider failures are retried, a lost dispatch is found by
reconciliation; and gap-free 执保 numbers under concurrent intake."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from exec_center.db.models import AssetFinding, AssetQuery, Case, Document, OutboxMessage, Staff, WorkItem
from exec_center.domain.errors import DomainError
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.lifecycle import AdjudicationKind, CaseStage
from exec_center.integrations.asset_query import (
    QUERIED_CATEGORIES,
    SimulatedAssetQueryProvider,
    simulate_findings,
)
from exec_center.jobs.broker import current_broker
from exec_center.services import asset_queries, lifecycle
from exec_center.services import cases as case_service
from exec_center.services.auth import load_viewer

from ..conftest import TEST_DATABASE_URL

TODAY = date(2024, 2, 8)
# Case 2 of the year: the simulator finds deposits, online funds, real estate and a vehicle.
SECOND = "（2024）粤5322执保2号"


_titles = itertools.count(1024)


def intake(received_on: date | None = TODAY, **changes) -> IntakeData:
    data = {
        "received_on": received_on,
        "claim_amount": Decimal("125000.00"),
        # A title of its own for each filing: the same title and respondent again is a duplicate.
        "title_document_number": f"（2023）粤5322民初{next(_titles)}号",
        "title_kind": TitleKind.JUDGMENT,
        "applicants": (PartyData(PartyKind.PERSON, "陈某", "445322198001011236", "13800138000"),),
        "respondents": (PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", "91445322MA4ABCDE15"),),
    }
    return IntakeData(**(data | changes))


async def viewer(ctx, username: str = "affairs"):
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


async def receive(ctx, **changes) -> Case:
    return await case_service.receive_case(ctx, await viewer(ctx), intake(**changes))


async def receive_undispatched(ctx) -> Case:
    """Case 1 is received with nothing relayed (the process dies right after COMMIT); case 2 is
    the one the test follows, its outbox rows left unsent."""
    ctx.publish_after_commit = False
    await receive(ctx)
    case = await receive(ctx)
    assert case.number == SECOND
    return case


async def reload(ctx, case_id: int) -> Case:
    async with ctx.sessionmaker() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def by_number(ctx, number: str) -> Case:
    async with ctx.sessionmaker() as session:
        case = await session.scalar(sa.select(Case).where(Case.number == number))
        assert case is not None
        return case


async def count(ctx, model, *where) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def expected_findings(number: str) -> int:
    return sum(len(simulate_findings(number, category)) for category in QUERIED_CATEGORIES)


async def assert_answered_once(ctx, case: Case, provider) -> None:
    """Analysing, every query sent once and answered once, the findings stored once."""
    assert (await reload(ctx, case.id)).stage is CaseStage.ANALYSING
    bound = asset_queries.provider_for(ctx)  # the simulator keeps its queries in the database
    for category in QUERIED_CATEGORIES:
        assert await bound.submitted_count(case.number, category) == 1, category
    async with ctx.sessionmaker() as session:
        statuses = (await session.scalars(sa.select(AssetQuery.status).where(AssetQuery.case_id == case.id))).all()
    assert sorted(statuses) == ["ANSWERED"] * len(QUERIED_CATEGORIES)
    assert expected_findings(case.number) == 5
    assert await count(ctx, AssetFinding, AssetFinding.case_id == case.id) == 5
    assert await count(ctx, WorkItem, WorkItem.case_id == case.id, WorkItem.kind == "ANALYSE_FINDINGS") == 1


def dispatch_actor():
    return current_broker().get_actor("dispatch_asset_queries")


# --- a redelivered message -------------------------------------------------------------------


async def test_a_dispatch_message_delivered_twice_sends_each_query_once(ctx, workers, asset_query_provider) -> None:
    case = await receive_undispatched(ctx)
    dispatch_actor().send(case.id)
    dispatch_actor().send(case.id)
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)

    # Delivered again after the answers came: nothing is sent, nothing stored twice.
    dispatch_actor().send(case.id)
    current_broker().get_actor("poll_case_queries").send(case.id)
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)


async def test_the_outbox_dispatch_and_a_redelivery_race_without_duplicates(ctx, workers, asset_query_provider) -> None:
    await receive(ctx)
    case = await receive(ctx)  # relayed after commit as usual
    for _ in range(3):
        dispatch_actor().send(case.id)
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)


async def test_concurrent_polls_store_each_answer_once(ctx, workers, asset_query_provider) -> None:
    case = await receive_undispatched(ctx)
    await asset_queries.dispatch(ctx, case.id)
    poll = current_broker().get_actor("poll_case_queries")
    for _ in range(6):
        poll.send(case.id)
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)


async def test_running_the_dispatch_again_sends_nothing(ctx, asset_query_provider) -> None:
    case = await receive_undispatched(ctx)
    first = await asset_queries.dispatch(ctx, case.id)
    assert (first.submitted, first.failed) == (len(QUERIED_CATEGORIES), 0)
    again = await asset_queries.dispatch(ctx, case.id)
    assert (again.submitted, again.failed) == (0, 0)
    polled = await asset_queries.poll(ctx, case_id=case.id)
    assert (polled.answered, polled.cases_ready) == (len(QUERIED_CATEGORIES), 1)
    assert (await asset_queries.poll(ctx, case_id=case.id)).answered == 0
    await assert_answered_once(ctx, case, asset_query_provider)


# --- provider failures ---------------------------------------------------------------------


async def test_failed_submits_are_retried_until_the_queries_go_out(ctx, clock) -> None:
    provider = SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=1.0, timeout_rate=0)
    asset_queries.set_provider(provider)
    case = await receive_undispatched(ctx)
    retries = 0
    while True:
        try:
            result = await asset_queries.dispatch(ctx, case.id)
            break
        except asset_queries.RetryLater:
            retries += 1
            assert retries < 10
            # Nothing went out while the system refused.
            bound = asset_queries.provider_for(ctx)
            assert all([await bound.submitted_count(case.number, c) == 0 for c in QUERIED_CATEGORIES])
    assert retries == 3 and result.submitted == len(QUERIED_CATEGORIES)
    assert (await reload(ctx, case.id)).stage is CaseStage.QUERYING
    await asset_queries.poll(ctx, case_id=case.id)
    await assert_answered_once(ctx, case, provider)
    async with ctx.sessionmaker() as session:
        attempts = (await session.scalars(sa.select(AssetQuery.attempts).where(AssetQuery.case_id == case.id))).all()
    assert set(attempts) == {4}


async def test_the_dispatch_actor_retries_with_backoff_until_answered(ctx, clock, workers) -> None:
    provider = SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=1.0, timeout_rate=0)
    asset_queries.set_provider(provider)
    case = await receive_undispatched(ctx)
    # The actor's own backoff starts at 1 s and doubles; these options keep the three retries
    # short in real time (the retries themselves are Dramatiq's).
    dispatch_actor().send_with_options(args=(case.id,), min_backoff=10, max_backoff=50)
    await workers.drain()
    await assert_answered_once(ctx, case, provider)


async def test_fetch_timeouts_are_polled_again_later(ctx, clock) -> None:
    provider = SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=0, timeout_rate=1.0)
    asset_queries.set_provider(provider)
    case = await receive_undispatched(ctx)
    await asset_queries.dispatch(ctx, case.id)
    for _ in range(10):
        await asset_queries.poll(ctx)
        if (await reload(ctx, case.id)).stage is CaseStage.ANALYSING:
            break
        clock.advance(minutes=1)  # the backoff after a timeout runs on the clock
    await assert_answered_once(ctx, case, provider)


# --- a lost dispatch -------------------------------------------------------------------------


async def test_a_lost_dispatch_is_found_and_woken_by_reconciliation(ctx, clock, workers, asset_query_provider) -> None:
    case = await receive_undispatched(ctx)
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(sa.delete(OutboxMessage))  # the messages are lost for good
    reconcile = current_broker().get_actor("reconcile_cases")

    # Too young: the dispatch may still be on its way.
    clock.advance(seconds=asset_queries.stuck_after(ctx.settings).total_seconds() - 1)
    reconcile.send()
    await workers.drain()
    assert (await reload(ctx, case.id)).stage is CaseStage.RECEIVED

    clock.advance(seconds=2)
    reconcile.send()
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)
    assert (await by_number(ctx, "（2024）粤5322执保1号")).stage is CaseStage.ANALYSING  # case 1 too
    # The query-and-control ruling, lost with the dispatch, is rendered as well (Art. 14).
    assert await count(ctx, Document, Document.case_id == case.id, Document.kind == "QUERY_CONTROL_RULING") == 1

    # Reconciled cases are not woken again.
    assert not await asset_queries.reconcile(ctx)


async def test_a_late_relay_after_reconciliation_duplicates_nothing(ctx, clock, workers, asset_query_provider) -> None:
    case = await receive_undispatched(ctx)  # the outbox rows stay, unsent
    clock.advance(seconds=asset_queries.stuck_after(ctx.settings).total_seconds() + 1)
    current_broker().get_actor("reconcile_cases").send()
    await workers.drain()
    await assert_answered_once(ctx, case, asset_query_provider)
    current_broker().get_actor("relay_outbox").send()  # the periodic relay sends the old messages
    await workers.drain()
    assert await count(ctx, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0
    await assert_answered_once(ctx, case, asset_query_provider)
    assert await count(ctx, Document, Document.case_id == case.id) == 1


async def test_reconciliation_leaves_cases_that_are_not_preservation_cases_alone(ctx, clock, workers) -> None:
    case = await receive(ctx)
    await workers.drain()
    # An objection is filed as a 执异 case; it waits in RECEIVED for the adjudication team.
    await lifecycle.file_application(ctx, await viewer(ctx), case.id, AdjudicationKind.OBJECTION, "某公司", "异议")
    clock.advance(minutes=10)
    assert not await asset_queries.reconcile(ctx)
    current_broker().get_actor("reconcile_cases").send()
    await workers.drain()
    review = await by_number(ctx, "（2024）粤5322执异1号")
    assert review.stage is CaseStage.RECEIVED
    assert await count(ctx, AssetQuery, AssetQuery.case_id == review.id) == 0
    # Nor does a dispatch message for it send anything.
    result = await asset_queries.dispatch(ctx, review.id)
    assert (result.submitted, result.failed) == (0, 0)
    assert (await reload(ctx, review.id)).stage is CaseStage.RECEIVED


# --- numbering -------------------------------------------------------------------------------


async def test_an_intake_rolled_back_half_way_consumes_no_number(ctx, monkeypatch) -> None:
    async def crash(*args, **kwargs):
        raise RuntimeError("the database connection dropped")

    async def refuse(*args, **kwargs):
        raise DomainError("no QUERY_CONTROL rule is in force", zh="收案日期没有有效的集约查控期限规则", field="receivedOn")

    with monkeypatch.context() as patched:
        patched.setattr(case_service.deadline_service, "start_deadline", crash)
        with pytest.raises(RuntimeError):
            await receive(ctx)
        patched.setattr(case_service.deadline_service, "start_deadline", refuse)
        with pytest.raises(DomainError) as refused:  # refused after numbering
            await receive(ctx)
    assert refused.value.field == "receivedOn"
    assert await count(ctx, Case) == 0 and await count(ctx, OutboxMessage) == 0
    assert (await receive(ctx)).number == "（2024）粤5322执保1号"


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="concurrent intake needs PostgreSQL's row locks")
async def test_concurrent_intake_gives_consecutive_numbers(ctx, monkeypatch) -> None:
    affairs, center = await viewer(ctx, "affairs"), await viewer(ctx, "center")
    received = await asyncio.gather(*(
        case_service.receive_case(ctx, affairs if i % 2 else center, intake()) for i in range(20)))
    assert sorted(c.sequence for c in received) == list(range(1, 21))
    assert {c.number for c in received} == {f"（2024）粤5322执保{n}号" for n in range(1, 21)}

    # Refusals after numbering in the middle of a concurrent burst leave no gap: every third
    # intake's deadline is refused (as a rule missing for its date would be).
    start_deadline, calls = case_service.deadline_service.start_deadline, []

    async def sometimes_refused(*args, **kwargs):
        calls.append(1)
        if len(calls) % 3 == 1:
            raise DomainError("no QUERY_CONTROL rule is in force", zh="收案日期没有有效的集约查控期限规则", field="receivedOn")
        return await start_deadline(*args, **kwargs)

    monkeypatch.setattr(case_service.deadline_service, "start_deadline", sometimes_refused)
    results = await asyncio.gather(*(
        case_service.receive_case(ctx, affairs, intake(TODAY)) for i in range(15)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, DomainError)]
    accepted = [r for r in results if isinstance(r, Case)]
    assert (len(refused), len(accepted)) == (5, 10)
    assert sorted(c.sequence for c in accepted) == list(range(21, 31))
    assert await count(ctx, Case) == 30



async def test_a_case_whose_queries_all_failed_for_good_moves_on_to_analysis(ctx, workers, clock) -> None:
    """Reconciliation finds a case QUERYING with nothing outstanding and hands it to the officers."""
    import sqlalchemy as sa

    from exec_center.db.models import AssetQuery, Case
    from exec_center.services import asset_queries as aq

    case = await receive_undispatched(ctx)
    await aq.dispatch(ctx, case.id)
    async with ctx.sessionmaker() as session, session.begin():  # the provider refused every query for good
        await session.execute(sa.update(AssetQuery).where(AssetQuery.case_id == case.id).values(status="FAILED"))
    clock.advance(minutes=5)
    assert await aq.finish_stalled(ctx) == 1
    async with ctx.sessionmaker() as session:
        assert (await session.get(Case, case.id)).stage.value == "ANALYSING"
    assert await aq.finish_stalled(ctx) == 0
