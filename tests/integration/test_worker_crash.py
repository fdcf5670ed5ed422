"""A worker process killed with SIGKILL in the middle of the dispatch (issue 10): every case still
reaches ANALYSING with exactly one query per respondent and category, its findings once and its
ruling present - brought there by the periodic reconciliation, not by the broker handing the dead
worker's messages back (on Redis they are deleted here, as a broker that loses data would).

Real processes: `exec-center worker` and `exec-center scheduler` against the test's PostgreSQL
database and broker, with the simulator's 2 s answer delay and its default refusal and timeout
rates. The test polls the database (with a bound) because there is no in-process broker to drain.
Prints the longest delay of a case.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from exec_center.clock import SystemClock
from exec_center.config import Settings
from exec_center.context import AppContext
from exec_center.db.models import AssetFinding, AssetQuery, Case, CaseParty, Document, Staff
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.lifecycle import CaseStage
from exec_center.integrations.asset_query import QUERIED_CATEGORIES, simulate_findings
from exec_center.jobs.broker import BrokerPublisher
from exec_center.services import cases as case_service
from exec_center.services.auth import load_viewer

from ..conftest import TEST_BROKER_URL, TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_BROKER_URL),
    reason="needs real worker processes: set EXEC_CENTER_TEST_DATABASE_URL and "
    "EXEC_CENTER_TEST_BROKER_URL (or EXEC_CENTER_TEST_REDIS_URL)",
)

CASES = 15  # every third with two respondents
RECONCILE_SECONDS = 2  # the workers' reconciliation period for this test (stuck after 4 s)
DELAY_SECONDS = 2  # the simulator's answer time
BOUND_SECONDS = 45  # how long after the kill every case must be complete
EXEC_CENTER = str(Path(sys.executable).with_name("exec-center"))
RESPONDENTS = (
    PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", "91445322MA4ABCDE15"),
    PartyData(PartyKind.PERSON, "李四", "445322198001011236"),
)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        # A session of its own, so that the kill reaches the dramatiq parent and its children.
        return subprocess.Popen([EXEC_CENTER, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def lose_in_flight_messages() -> int:
    """Redis: the dead worker's unacknowledged messages are deleted instead of being handed back
    after its heartbeat times out (60 s), as a broker that loses data would lose them."""
    if not TEST_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
        return 0  # RabbitMQ hands them back at once when the connection drops; that is allowed
    import redis

    client = redis.Redis.from_url(TEST_BROKER_URL)
    try:
        keys = list(client.scan_iter(match="dramatiq:__acks__.*"))
        lost = sum(client.scard(k) for k in keys)
        if keys:
            client.delete(*keys)
        return lost
    finally:
        client.close()


async def snapshot(ctx: AppContext, ids: list[int]) -> dict[int, bool]:
    """For each case: complete (ANALYSING, one answered query per respondent and category, its
    findings once, its ruling)?"""
    async with ctx.sessionmaker() as session:
        cases = {c.id: c for c in (await session.scalars(sa.select(Case).where(Case.id.in_(ids)))).all()}
        parties = (await session.execute(sa.select(CaseParty.case_id, CaseParty.id).where(
            CaseParty.case_id.in_(ids), CaseParty.side == "RESPONDENT").order_by(CaseParty.position))).all()
        queries = (await session.execute(sa.select(AssetQuery.case_id, AssetQuery.party_id, AssetQuery.category,
                                                    AssetQuery.status).where(AssetQuery.case_id.in_(ids)))).all()
        findings = (await session.execute(sa.select(AssetFinding.case_id, AssetFinding.query_id,
                                                     AssetFinding.provider_ref).where(
            AssetFinding.case_id.in_(ids)))).all()
        rulings = (await session.execute(sa.select(Document.case_id).where(
            Document.case_id.in_(ids), Document.kind == "QUERY_CONTROL_RULING"))).all()
    done = {}
    for case_id, case in cases.items():
        respondents = [p for c, p in parties if c == case_id]
        mine = [(p, cat.value, status) for c, p, cat, status in queries if c == case_id]
        found = [(q, ref) for c, q, ref in findings if c == case_id]
        expected = sum(len(simulate_findings(case.number, cat, respondent=n))
                       for cat in QUERIED_CATEGORIES for n in range(1, len(respondents) + 1))
        one_query_each = sorted((p, cat) for p, cat, _ in mine) == sorted(
            (p, cat) for p in respondents for cat in QUERIED_CATEGORIES)
        # Never more than one query, one finding per reference, one ruling, at any moment.
        assert len(mine) <= len(respondents) * len(QUERIED_CATEGORIES), case.number
        assert len(found) == len(set(found)) <= expected, case.number
        assert sum(1 for (c,) in rulings if c == case_id) <= 1, case.number
        done[case_id] = (
            case.stage is CaseStage.ANALYSING
            and one_query_each
            and all(status == "ANSWERED" for _, _, status in mine)
            and len(found) == expected
            and any(c == case_id for (c,) in rulings)
        )
    return done


async def test_a_worker_killed_mid_dispatch_delays_cases_but_loses_nothing(database_url, broker, tmp_path) -> None:
    env = {
        **os.environ,
        "EXEC_CENTER_DATABASE_URL": database_url,
        "EXEC_CENTER_BROKER_URL": TEST_BROKER_URL,
        "EXEC_CENTER_ASSET_QUERY_DELAY_SECONDS": str(DELAY_SECONDS),
        "EXEC_CENTER_RECONCILE_SECONDS": str(RECONCILE_SECONDS),
        "EXEC_CENTER_WORKER_SHUTDOWN_SECONDS": "2",
    }
    env.pop("EXEC_CENTER_REDIS_URL", None)
    log = tmp_path / "processes.log"
    settings = Settings(database_url=database_url, broker_url=TEST_BROKER_URL, secret_key=env["EXEC_CENTER_SECRET_KEY"])
    ctx = AppContext.create(settings, clock=SystemClock(), publisher=BrokerPublisher(broker), pool_size=2)
    processes: list[subprocess.Popen] = []
    try:
        async with ctx.sessionmaker() as session:
            staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "affairs"))
            affairs = await load_viewer(session, staff_id)
        received: dict[int, float] = {}
        titles = itertools.count(3001)
        for n in range(CASES):
            case = await case_service.receive_case(ctx, affairs, IntakeData(
                received_on=date.today(),
                claim_amount=Decimal("80000.00"),
                title_document_number=f"（2023）粤5322民初{next(titles)}号",
                title_kind=TitleKind.JUDGMENT,
                applicants=(PartyData(PartyKind.PERSON, "陈某", "445322197001011231"),),
                respondents=RESPONDENTS if n % 3 == 0 else RESPONDENTS[:1],
            ))
            received[case.id] = time.monotonic()
        ids = list(received)

        processes.append(start(["scheduler"], env, log))
        worker = start(["worker", "--processes", "1", "--threads", "2"], env, log)
        processes.append(worker)
        # Kill the worker as soon as it has sent some queries, with cases still waiting.
        deadline = time.monotonic() + 30
        while True:
            async with ctx.sessionmaker() as session:
                sent = await session.scalar(sa.select(sa.func.count()).select_from(AssetQuery).where(
                    AssetQuery.status != "PENDING"))
            if sent:
                break
            assert time.monotonic() < deadline, "the worker sent nothing in 30 s:\n" + log.read_text()[-3000:]
            await asyncio.sleep(0.02)
        kill(worker)
        killed_at = time.monotonic()
        lost = lose_in_flight_messages()
        state = await snapshot(ctx, ids)
        waiting = sum(not d for d in state.values())
        async with ctx.sessionmaker() as session:
            received_only = await session.scalar(sa.select(sa.func.count()).select_from(Case).where(
                Case.id.in_(ids), Case.stage == CaseStage.RECEIVED))
        assert waiting, "every case was complete before the kill: nothing was tested"

        processes.append(start(["worker", "--processes", "1", "--threads", "2"], env, log))
        completed: dict[int, float] = {i: killed_at for i, d in state.items() if d}
        while len(completed) < len(ids):
            assert time.monotonic() - killed_at < BOUND_SECONDS, (
                f"{len(ids) - len(completed)} case(s) not complete {BOUND_SECONDS} s after the kill:\n"
                + log.read_text()[-4000:])
            await asyncio.sleep(0.25)
            for case_id, done in (await snapshot(ctx, ids)).items():
                if done and case_id not in completed:
                    completed[case_id] = time.monotonic()
        longest = max(completed[i] - received[i] for i in ids)
        after_kill = max(completed.values()) - killed_at
        print(
            f"\nworker killed mid-dispatch: {waiting} of {len(ids)} cases unfinished ({received_only} still "
            f"RECEIVED), {lost} in-flight message(s) deleted; all complete {after_kill:.1f} s after the kill; "
            f"longest delay of a case from receipt: {longest:.1f} s "
            f"(reconcile every {RECONCILE_SECONDS} s, stuck after {2 * RECONCILE_SECONDS} s, "
            f"answers after {DELAY_SECONDS} s)"
        )
    finally:
        for process in processes:  # the test is done: no need for a graceful stop
            kill(process)
        await ctx.close()
