"""Pipeline at scale: cases per second through dispatch → findings (a case's asset queries sent
through the simulator in one call with no delay, answers fetched in batches across cases, findings
stored, the case moved to ANALYSING with its work item), in one Dramatiq worker process on Redis,
against the drain rate of a no-op actor measured in the same run, by the same worker process; and
how soon that worker, idle, runs a message sent to it (median and worst of `--latency-samples`
single no-op messages, each after 2.5 s of idleness, from enqueue to acknowledged).

    python bench/pipeline.py [--cases 1000000] [--database NAME] [--admin-url URL] [--keep]
                             [--pipeline-cases 2000] [--noop 10000] [--threads 4] [--timeout 420]
                             [--redis-url URL] [--profile /tmp/worker.txt --py-spy /path/to/py-spy]

The generated database gets `--pipeline-cases` new 执保 cases as the centre receives them (stage
RECEIVED, numbered on from the counters, one applicant and one respondent, the open 5-working-day
query-and-control deadline). The worker runs `dramatiq pipeline_worker` (= the product's
`exec_center.jobs.worker_main` plus a no-op actor) with `--processes 1 --threads N` and
EXEC_CENTER_ASSET_QUERY_DELAY_SECONDS=0; the simulator keeps its failure and timeout rates, so a few
queries are retried. Phases: no-op drain, idle-to-busy latency, pipeline, no-op drain again; a
drain starts when its messages start to be sent and ends when the last is done (queue and delay
queue empty / every case in ANALYSING).

Target at 1,000,000 cases (issue: benchmarks at province scale): the pipeline keeps at least 25 %
of the no-op drain rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import log

NAMESPACE = "dramatiq"
QUEUE = "default"


async def add_cases(dsn: str, count: int) -> list[int]:
    """`count` fresh 执保 cases in RECEIVED, numbered on from the counters, with their parties
    and open query-and-control deadline, as receiveCase leaves them."""
    import random

    from generate import add_working_days
    from intake import credit_code, resident_id

    rng = random.Random(11)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    now = datetime.now(UTC)
    c = await asyncpg.connect(dsn)
    try:
        async with c.transaction():
            last = await c.fetchval(
                "INSERT INTO case_counters (court_code, case_type, year, last_sequence) VALUES ('粤5322', 'ZHI_BAO', $1, $2) "
                "ON CONFLICT (court_code, case_type, year) DO UPDATE SET last_sequence = case_counters.last_sequence + $2 "
                "RETURNING last_sequence",
                today.year,
                count,
            )
            first_sequence = last - count + 1
            clerk = await c.fetchval("SELECT id FROM staff WHERE username = 'affairs'")
            rule = await c.fetchrow(
                "SELECT id, day_count, count, extendable_to FROM deadline_rules "
                "WHERE kind = 'QUERY_CONTROL' ORDER BY effective_from DESC LIMIT 1"
            )
            due = datetime.fromordinal(add_working_days(today.toordinal(), rule["count"])).date()
            ids = [
                r[0]
                for r in await c.fetch(
                    "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1)", count
                )
            ]
            cases, parties, deadlines = [], [], []
            for i, case_id in enumerate(ids):
                seq = first_sequence + i
                number = f"（{today.year}）粤5322执保{seq}号"
                cases.append(
                    (
                        case_id,
                        number,
                        "粤5322",
                        "ZHI_BAO",
                        today.year,
                        seq,
                        "RECEIVED",
                        today,
                        Decimal(rng.randrange(5_000, 900_000)),
                        f"（2026）粤5322民初{i + 1}号",
                        "JUDGMENT",
                        rng.choice(("都城镇", "连滩镇", "建城镇")),
                        0,
                        False,
                        clerk,
                        now,
                        1,
                    )
                )
                parties.append(
                    (case_id, "APPLICANT", "PERSON", "陈某", "RESIDENT_ID", resident_id(rng), "13800138000", None, 0)
                )
                if rng.random() < 0.45:
                    parties.append(
                        (
                            case_id,
                            "RESPONDENT",
                            "ORGANISATION",
                            "郁南县某建材有限公司",
                            "USCC",
                            credit_code(rng),
                            None,
                            None,
                            1,
                        )
                    )
                else:
                    parties.append((case_id, "RESPONDENT", "PERSON", "李某", "RESIDENT_ID", resident_id(rng), None, None, 1))
                deadlines.append(
                    (
                        "Case",
                        case_id,
                        "QUERY_CONTROL",
                        "",
                        rule["id"],
                        rule["day_count"],
                        rule["count"],
                        rule["extendable_to"],
                        today,
                        due,
                        "OPEN",
                        False,
                        False,
                        "CENTER_OFFICER",
                        0,
                        False,
                        datetime(due.year, due.month, due.day, tzinfo=UTC),
                        now,
                    )
                )
            await c.copy_records_to_table(
                "cases",
                records=cases,
                columns=(
                    "id",
                    "number",
                    "court_code",
                    "case_type",
                    "year",
                    "sequence",
                    "stage",
                    "received_on",
                    "claim_amount",
                    "title_document_number",
                    "title_kind",
                    "township",
                    "controlled_total",
                    "fully_controlled",
                    "received_by",
                    "created_at",
                    "version",
                ),
            )
            await c.copy_records_to_table(
                "case_parties",
                records=parties,
                columns=("case_id", "side", "kind", "name", "id_type", "id_number", "phone", "address", "position"),
            )
            await c.copy_records_to_table(
                "deadlines",
                records=deadlines,
                columns=(
                    "owner_type",
                    "owner_id",
                    "kind",
                    "variant",
                    "rule_id",
                    "day_count",
                    "count",
                    "extendable_to",
                    "starts_on",
                    "due_on",
                    "status",
                    "extended",
                    "provisional",
                    "responsible_role",
                    "escalation_level",
                    "flagged",
                    "next_check_at",
                    "created_at",
                ),
            )
        await c.execute("ANALYZE cases")
        return ids
    finally:
        await c.close()


def make_broker(redis_url: str):  # type: ignore[no-untyped-def]
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=redis_url, namespace=NAMESPACE)


def send_all(broker, actor_name: str, args_list: list[tuple]) -> float:  # type: ignore[no-untyped-def]
    """Enqueue one message per args on the default queue; returns how long sending took."""
    from dramatiq import Message

    started = time.perf_counter()
    for args in args_list:
        broker.enqueue(Message(queue_name=QUEUE, actor_name=actor_name, args=args, kwargs={}, options={}))
    return time.perf_counter() - started


async def queue_empty(redis) -> bool:  # type: ignore[no-untyped-def]
    """Nothing ready or in flight on the queue (messages are acked out of `.msgs`). Delayed
    messages (retries with backoff, e.g. of a failing periodic job) are not waited for."""
    return await redis.hlen(f"{NAMESPACE}:{QUEUE}.msgs") == 0


async def noop_phase(
    broker, redis, worker: subprocess.Popen, count: int, timeout: float
) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(messages per second, seconds sending took) for `count` no-op messages."""
    started = time.perf_counter()
    cpu_before, pg_before, busy_before = (
        common.cpu_tree(worker.pid),
        common.postgres_cpu(),
        common.machine_busy(),
    )
    holder: list[float] = []
    sender = threading.Thread(
        target=lambda: holder.append(send_all(broker, "bench_noop", [(i,) for i in range(count)]))
    )
    sender.start()
    while sender.is_alive() or not await queue_empty(redis):
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"no-op drain did not finish in {timeout:.0f} s")
        if worker.poll() is not None:
            raise RuntimeError("the worker exited")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    sender.join()
    cpu, pg = common.cpu_tree(worker.pid) - cpu_before, common.postgres_cpu() - pg_before
    other = common.machine_busy() - busy_before - cpu - pg
    log(
        f"  no-op actor: {count:,} messages drained in {elapsed:5.1f} s = {count / elapsed:7,.0f} messages/s "
        f"(sending took {holder[0]:.1f} s); cores: worker {cpu / elapsed:.2f}, other {max(0.0, other) / elapsed:.2f} "
        f"(the sender and Redis among them)"
    )
    return count / elapsed, holder[0]


async def latency_phase(broker, redis, worker: subprocess.Popen, samples: int) -> None:  # type: ignore[no-untyped-def]
    """Idle-to-busy latency: one no-op message after 2.5 s without any (Dramatiq's Redis consumer
    sleeps longer and longer on an empty queue, up to the worker's `worker_timeout`), timed from
    enqueue until it is acknowledged."""
    import statistics

    if samples <= 0:
        return
    from dramatiq import Message

    waits = []
    for i in range(samples):
        await asyncio.sleep(2.5)
        message = Message(queue_name=QUEUE, actor_name="bench_noop", args=(i,), kwargs={}, options={})
        started = time.perf_counter()
        broker.enqueue(message)
        # This message only (a periodic job of the scheduler may be running meanwhile).
        while await redis.hexists(f"{NAMESPACE}:{QUEUE}.msgs", message.message_id):
            if time.perf_counter() - started > 10:
                raise RuntimeError("an idle worker did not run a message in 10 s")
            await asyncio.sleep(0.0005)
        waits.append((time.perf_counter() - started) * 1000)
        if worker.poll() is not None:
            raise RuntimeError("the worker exited")
    log(
        f"  idle worker: a message sent after 2.5 s idle is done in {statistics.median(waits):.1f} ms "
        f"(median of {samples}; worst {max(waits):.1f} ms; target <= 20 ms)"
    )


async def pipeline_phase(
    dsn: str, broker, worker: subprocess.Popen, ids: list[int], timeout: float
) -> tuple[float, int, dict]:  # type: ignore[no-untyped-def]
    c = await asyncpg.connect(dsn)
    marks: dict[str, float] = {}
    try:
        xact = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        xact_before = await c.fetchval(xact)
        started = time.perf_counter()
        cpu_before, pg_before, busy_before = (
            common.cpu_tree(worker.pid),
            common.postgres_cpu(),
            common.machine_busy(),
        )
        sender = threading.Thread(
            target=send_all, args=(broker, "dispatch_asset_queries", [(i,) for i in ids])
        )
        sender.start()
        done = polls = 0
        while True:
            polls += 1
            done = await c.fetchval(
                "SELECT count(*) FROM cases WHERE id = ANY($1::bigint[]) AND stage = 'ANALYSING'", ids
            )
            elapsed = time.perf_counter() - started
            for share in (0.1, 0.5, 0.9):
                if done >= share * len(ids) and share not in marks:
                    marks[share] = elapsed
            if done >= len(ids) or elapsed > timeout or worker.poll() is not None:
                break
            await asyncio.sleep(0.1)
        sender.join()
        cpu, pg = common.cpu_tree(worker.pid) - cpu_before, common.postgres_cpu() - pg_before
        await asyncio.sleep(0.6)  # the statistics collector reports every 500 ms
        # Less this poller's own statements (the scheduler's periodic jobs stay in: a handful).
        transactions = await c.fetchval(xact) - xact_before - polls - 1
        other = common.machine_busy() - busy_before - cpu - pg
        stats = dict(
            await c.fetchrow(
                """SELECT (SELECT count(*) FROM asset_queries WHERE case_id = ANY($1::bigint[])) AS queries,
                      (SELECT count(*) FROM asset_queries WHERE case_id = ANY($1::bigint[]) AND attempts > 1) AS retried,
                      (SELECT count(*) FROM asset_findings WHERE case_id = ANY($1::bigint[])) AS findings,
                      (SELECT count(*) FROM work_items WHERE case_id = ANY($1::bigint[])) AS items""",
                ids,
            )
        )
    finally:
        await c.close()
    rate = done / elapsed if elapsed else 0.0
    nan = float("nan")
    steady = (
        0.8 * len(ids) / (marks[0.9] - marks[0.1])
        if 0.1 in marks and 0.9 in marks and marks[0.9] > marks[0.1]
        else nan
    )
    log(
        f"  pipeline:    {done:,} of {len(ids):,} cases to ANALYSING in {elapsed:5.1f} s = {rate:7,.1f} cases/s "
        f"(10 % by {marks.get(0.1, nan):.1f} s, half by {marks.get(0.5, nan):.1f} s, 90 % by {marks.get(0.9, nan):.1f} s: "
        f"{steady:,.1f} cases/s from 10 to 90 %); "
        f"{stats['queries']:,} queries ({stats['retried']:,} retried), {stats['findings']:,} findings, "
        f"{stats['items']:,} work items; {transactions / max(done, 1):.0f} transactions per case; cores: worker {cpu / elapsed:.2f}, postgres {pg / elapsed:.2f}, "
        f"other {max(0.0, other) / elapsed:.2f}"
    )
    return rate, done, stats


async def run(args) -> None:  # type: ignore[no-untyped-def]
    import redis.asyncio as aioredis

    log(
        f"pipeline benchmark on PostgreSQL + Redis ({common.machine()}; {args.cases:,} cases unless --database; "
        f"{args.pipeline_cases:,} cases through, 1 worker process x {args.threads} threads)"
    )
    async with common.database_for(args) as (_name, url):
        dsn = common.plain(url)
        ids = await add_cases(dsn, args.pipeline_cases)
        await common.redis_clear(args.redis_url, NAMESPACE)
        broker = make_broker(args.redis_url)
        redis = aioredis.from_url(args.redis_url)
        with common.logs_dir(args.keep) as logs:
            env = common.base_env(url, args.redis_url, EXEC_CENTER_ASSET_QUERY_DELAY_SECONDS="0")
            log_path = logs / "worker.log"
            worker = subprocess.Popen(
                [
                    common.python(),
                    "-m",
                    "dramatiq",
                    "pipeline_worker",
                    "--processes",
                    "1",
                    "--threads",
                    str(args.threads),
                ],
                env=env,
                cwd=common.ROOT,
                stdout=log_path.open("w"),
                stderr=subprocess.STDOUT,
            )
            # Production's one scheduler replica: its periodic poll is the safety net that picks up
            # answers the per-case poll chain leaves behind (relay, sweep, reconciliation too).
            scheduler = subprocess.Popen(
                [common.python(), "-c", "from exec_center.jobs.scheduler_main import run; run()"],
                env=env,
                cwd=common.ROOT,
                stdout=(logs / "scheduler.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            try:
                # Started and consuming: a few no-ops go through.
                await noop_warmup(broker, redis, worker)
                noop_before, _ = await noop_phase(broker, redis, worker, args.noop, args.timeout)
                await latency_phase(broker, redis, worker, args.latency_samples)
                spy = None
                if args.profile:  # the worker process itself, not dramatiq's parent
                    children = [
                        int(p)
                        for p in subprocess.run(
                            ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True
                        ).stdout.split()
                    ]
                    spy = common.start_py_spy(args.py_spy, children[0], args.profile_seconds, args.profile)
                    log(
                        f"  (py-spy attached to the worker for {args.profile_seconds:.0f} s: figures below include it)"
                    )
                rate, done, _ = await pipeline_phase(dsn, broker, worker, ids, args.timeout)
                if spy is not None:
                    common.finish_py_spy(spy, args.profile)
                await wait_idle(redis, worker, 60)
                noop_after, _ = await noop_phase(broker, redis, worker, args.noop, args.timeout)
            finally:
                common.stop_process(scheduler)
                common.stop_process(worker, timeout=30)
                await redis.aclose()
                broker.close()
                await common.redis_clear(args.redis_url, NAMESPACE)
            lines = log_path.read_text(errors="replace").splitlines()
            failures = [line for line in lines if "[ERROR]" in line]
            retry_later = sum(1 for line in lines if "RetryLater" in line and not line.startswith(" "))
            other = [
                line
                for line in lines
                if line.startswith("exec_center") is False
                and "Error" in line
                and "RetryLater" not in line
                and not line.startswith(" ")
            ]
            log(
                f"  worker log: {len(failures)} failed attempts ({retry_later} of them RetryLater: the simulator "
                f"refused a submit){'; other: ' + other[0][:200] if other else ''}"
            )

    noop = (noop_before + noop_after) / 2
    ratio = rate / noop if noop else 0.0
    complete = done == len(ids)
    log(
        f"  ratio: {rate:,.1f} cases/s / {noop:,.0f} no-op messages/s (mean of before and after) = {ratio:.1%} "
        f"(target >= 25 %)"
    )
    meets = ratio >= 0.25 and complete
    log(
        f"summary: pipeline {rate:,.1f} cases/s through dispatch → findings vs no-op drain {noop:,.0f} messages/s: "
        f"{ratio:.1%} ({'meets' if meets else 'MISSES'} >= 25 %{'' if complete else '; INCOMPLETE: ' + str(done) + ' of ' + str(len(ids))})"
    )


async def noop_warmup(broker, redis, worker: subprocess.Popen) -> None:  # type: ignore[no-untyped-def]
    send_all(broker, "bench_noop", [(i,) for i in range(20)])
    await wait_idle(redis, worker, 60)


async def wait_idle(redis, worker: subprocess.Popen, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not await queue_empty(redis):
        if worker.poll() is not None:
            raise RuntimeError("the worker exited")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the worker did not drain its queue in {timeout:.0f} s")
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common.add_common_arguments(parser)
    parser.add_argument("--redis-url", default=common.DEFAULT_REDIS_URL)
    parser.add_argument("--pipeline-cases", type=int, default=2000)
    parser.add_argument("--noop", type=int, default=10_000, help="no-op messages per drain phase")
    parser.add_argument(
        "--latency-samples", type=int, default=8, help="single messages sent to the idle worker (0: none)"
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="worker threads (exec-center worker's default: 4)"
    )
    parser.add_argument("--timeout", type=float, default=420, help="bound on each phase, seconds")
    common.add_profile_arguments(parser)
    parser.add_argument(
        "--profile-seconds", type=float, default=30, help="how long py-spy records the pipeline phase"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
