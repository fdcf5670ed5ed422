"""Intake at scale: the contract's ReceiveCase mutation from 16 concurrent clients over HTTP, on
PostgreSQL with the generated cases already in it; afterwards, checks that the 执保 numbers it gave
are consecutive (no gap, no duplicate) and continue the generated ones.

    python bench/intake.py [--cases 1000000] [--database NAME] [--admin-url URL] [--keep]
                           [--concurrency 16] [--warmup 3] [--duration 15] [--redis-url URL]
                           [--profile intake.txt --py-spy /path/to/py-spy]
    python bench/intake.py --sqlite [--concurrency 16] [--warmup 3] [--duration 15]

`--sqlite`: the embedded default exactly as `exec-center serve --demo` runs it (a SQLite file in
a fresh var directory, migrated and holding the demo court, no broker: the jobs each case asks
for run on worker threads inside the API process, counted in its CPU). The generator writes with
PostgreSQL's COPY, so the SQLite file has the demo court's cases only (`--cases` is ignored).

The API runs as in production (its own uvicorn process, PostgreSQL, Redis set: the outbox relay
publishes each case's ruling and dispatch to Redis after commit; no worker consumes them, and
the benchmark's Redis namespace is cleared at the end). Clients sign in as `affairs` (the
Affairs Handling window's clerk) and file cases with one applicant and one respondent, valid ID
numbers, received today.

Target at 1,000,000 cases (issue: benchmarks at province scale): 200 cases/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import log

from exec_center.domain.identifiers import _rid_check_char, _uscc_check_char

USER = "affairs"
TOWNSHIPS = (
    "都城镇",
    "平台镇",
    "桂圩镇",
    "建城镇",
    "宝珠镇",
    "大方镇",
    "千官镇",
    "大湾镇",
    "河口镇",
    "宋桂镇",
    "东坝镇",
    "连滩镇",
    "历洞镇",
    "南江口镇",
    "通门镇",
)


def resident_id(rng: random.Random) -> str:
    born = date.fromordinal(711_000 + rng.randrange(19_000))
    body = f"445322{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + _rid_check_char(body)


def credit_code(rng: random.Random) -> str:
    body = "91445322MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + _uscc_check_char(body)


RUN = int(time.time()) % 1_000_000


def variables(n: int, rng: random.Random) -> dict:
    respondent = (
        {
            "kind": "ORGANISATION",
            "name": f"郁南县某{rng.choice('兴宏永金南富华恒')}建材有限公司",
            "idNumber": credit_code(rng),
        }
        if rng.random() < 0.45
        else {"kind": "PERSON", "name": f"{rng.choice('陈黄李梁罗邓何冯')}某", "idNumber": resident_id(rng)}
    )
    return {
        "input": {
            "claimAmount": f"{rng.randrange(5_000, 900_000)}.00",
            # A title of its own per run too: a second run on the same --database would otherwise
            # file the same title and respondent again and be refused as a duplicate.
            "title": {"documentNumber": f"（2026）粤5322民初{RUN}{n:06d}号", "kind": "JUDGMENT"},
            "applicants": [
                {
                    "kind": "PERSON",
                    "name": f"{rng.choice('周钟吴苏区张刘杨')}某",
                    "idNumber": resident_id(rng),
                    "phone": f"13{rng.randrange(10**9):09d}",
                }
            ],
            "respondents": [respondent],
            "township": rng.choice(TOWNSHIPS),
        }
    }


async def lock_waits(dsn: str, warmup: float, duration: float) -> tuple[float, float]:
    """Mean number of this database's backends waiting for a lock, and running a statement,
    sampled every 50 ms over the measured window."""
    c = await connect(dsn)
    try:
        await asyncio.sleep(warmup)
        samples = []
        end = asyncio.get_running_loop().time() + duration
        while asyncio.get_running_loop().time() < end:
            samples.append(
                await c.fetchrow(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting, "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock') - 1 AS running "
                    "FROM pg_stat_activity WHERE datname = current_database()"
                )
            )
            await asyncio.sleep(0.05)
        n = max(1, len(samples))
        return sum(r["waiting"] for r in samples) / n, sum(r["running"] for r in samples) / n
    finally:
        await c.close()


async def counters(dsn: str, year: int) -> tuple[int, int]:
    """(last sequence of the year's 执保 numbers, highest case id)."""
    c = await connect(dsn)
    try:
        last = (
            await c.fetchval(
                "SELECT last_sequence FROM case_counters WHERE court_code = '粤5322' AND case_type = 'ZHI_BAO' AND year = $1",
                year,
            )
            or 0
        )
        return last, await c.fetchval("SELECT coalesce(max(id), 0) FROM cases")
    finally:
        await c.close()


async def check_numbers(
    dsn: str, year: int, last_before: int, first_id: int, numbers: list[str]
) -> tuple[bool, str]:
    c = await connect(dsn)
    try:
        rows = await c.fetch(
            "SELECT sequence, number FROM cases WHERE id > $1 AND case_type = 'ZHI_BAO' AND year = $2 ORDER BY sequence",
            first_id,
            year,
        )
        counter = await c.fetchval(
            "SELECT last_sequence FROM case_counters WHERE court_code = '粤5322' AND case_type = 'ZHI_BAO' AND year = $1",
            year,
        )
        duplicates = await c.fetchval(
            "SELECT count(*) FROM (SELECT sequence FROM cases WHERE case_type = 'ZHI_BAO' AND year = $1 "
            "GROUP BY sequence HAVING count(*) > 1) d",
            year,
        )
    finally:
        await c.close()
    sequences = [r["sequence"] for r in rows]
    expected = list(range(last_before + 1, last_before + 1 + len(sequences)))
    problems = []
    if sequences != expected:
        missing = sorted(set(expected) - set(sequences))[:5]
        problems.append(f"not consecutive from {last_before + 1} (first missing {missing})")
    if counter != last_before + len(sequences):
        problems.append(f"case_counters says {counter}, cases end at {last_before + len(sequences)}")
    if duplicates:
        problems.append(f"{duplicates} duplicate sequences")
    if sorted(numbers) != sorted(r["number"] for r in rows):
        problems.append(f"{len(numbers)} numbers answered, {len(rows)} cases stored")
    if not rows:
        return False, "no cases stored"
    span = f"{rows[0]['number']} … {rows[-1]['number']}"
    return not problems, f"{len(rows):,} numbers {span}: " + (
        "consecutive, continuing the generated ones, no gaps, no duplicates"
        if not problems
        else "; ".join(problems)
    )


class SqliteFile:
    """--sqlite: the embedded default's database file, read with the standard library to check
    the numbers (the same queries as on PostgreSQL)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def fetch(self, query: str, *args: object) -> list[sqlite3.Row]:
        connection = sqlite3.connect(self.path)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(re.sub(r"\$\d+", "?", query), args).fetchall()
        finally:
            connection.close()

    async def fetchval(self, query: str, *args: object) -> object:
        rows = await self.fetch(query, *args)
        return rows[0][0] if rows else None

    async def close(self) -> None:
        pass


def connect(dsn: str | SqliteFile):  # type: ignore[no-untyped-def]
    async def opened():  # type: ignore[no-untyped-def]
        return dsn if isinstance(dsn, SqliteFile) else await asyncpg.connect(dsn)

    return opened()


@contextlib.asynccontextmanager
async def embedded_default(args) -> AsyncIterator[tuple[SqliteFile, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """A var directory as `exec-center serve --demo` leaves it; the server's environment."""
    from burst import prepare_sqlite  # bench/burst.py

    var_dir = Path(tempfile.mkdtemp(prefix="intake-sqlite-"))
    try:
        await prepare_sqlite(var_dir)
        env = common.base_env("unused", None, EXEC_CENTER_VAR_DIR=str(var_dir))
        del env["EXEC_CENTER_DATABASE_URL"], env["EXEC_CENTER_SECRET_KEY"]  # the embedded default
        yield SqliteFile(var_dir / "exec-center.db"), env
    finally:
        if args.keep:
            log(f"  kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def postgresql(args) -> AsyncIterator[tuple[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    async with common.database_for(args) as (_name, url):
        await common.redis_clear(args.redis_url)
        try:
            yield common.plain(url), common.base_env(url, args.redis_url)
        finally:
            await common.redis_clear(args.redis_url)


async def no_lock_waits() -> tuple[float, float]:
    return 0.0, 0.0


async def run(args) -> None:  # type: ignore[no-untyped-def]
    import httpx

    if args.sqlite:
        log(f"intake benchmark on the embedded default, SQLite and in-process workers ({common.machine()})")
    else:
        log(f"intake benchmark on PostgreSQL ({common.machine()}; {args.cases:,} cases unless --database)")
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    async with (embedded_default(args) if args.sqlite else postgresql(args)) as (dsn, env):
        last_before, max_id = await counters(dsn, year)
        with common.logs_dir(args.keep) as logs:
            api = common.start_uvicorn("api", "product_app:create", env, logs)
            numbers: list[str] = []
            try:
                await common.wait_ready(api)
                token = await common.sign_in(api.base, USER)
                mutation = common.operation("ReceiveCase")
                rng = random.Random(args.seed)
                counter = itertools.count(1)
                headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
                limits = httpx.Limits(
                    max_connections=args.concurrency, max_keepalive_connections=args.concurrency
                )
                async with httpx.AsyncClient(limits=limits, timeout=60) as client:

                    async def request() -> str | None:
                        body = json.dumps(
                            {
                                "query": mutation,
                                "operationName": "ReceiveCase",
                                "variables": variables(next(counter), rng),
                            }
                        ).encode()
                        response = await client.post(api.base + "/graphql", content=body, headers=headers)
                        if response.status_code != 200:
                            return f"HTTP {response.status_code}: {response.text[:300]}"
                        payload = (response.json().get("data") or {}).get("receiveCase") or {}
                        case = payload.get("case")
                        if case:
                            numbers.append(case["number"])  # warm-up ones too: every stored case is checked
                        if payload.get("userErrors") or not case:
                            return f"{response.text[:300]}"
                        return None

                    waits = asyncio.create_task(
                        no_lock_waits() if args.sqlite else lock_waits(dsn, args.warmup, args.duration)
                    )
                    result = await common.drive(
                        request,
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        duration=args.duration,
                        server_pid=api.pid,
                    )
                    waiting, holding = await waits
                    if args.profile:  # one more phase under py-spy, not counted
                        spy = common.start_py_spy(args.py_spy, api.pid, args.duration, args.profile)
                        await asyncio.sleep(0.5)
                        profiled = await common.drive(
                            request,
                            concurrency=args.concurrency,
                            warmup=0,
                            duration=args.duration,
                            server_pid=api.pid,
                        )
                        log(f"  under py-spy (not counted): {profiled.rate:,.1f} cases/s")
                        common.finish_py_spy(spy, args.profile)
            finally:
                api.stop()
        ok, report = await check_numbers(dsn, year, last_before, max_id, numbers)

    log(
        f"  receiveCase as {USER}: {result.rate:,.1f} cases/s  p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms  "
        f"{result.errors} errors;  {result.cpu_report()}"
    )
    if result.first_error:
        log(f"    first error: {result.first_error}")
    log(f"  numbering: {report}")
    if not args.sqlite:
        log(
            f"  lock waits (pg_stat_activity every 50 ms): on average {waiting:.1f} of the {args.concurrency} "
            f"requests' transactions were waiting for a lock, {holding:.1f} running (the 执保 counter row "
            "serialises numbering)"
        )
    meets = result.rate >= 200 and ok and not result.errors
    log(
        f"summary: intake{' (embedded default, SQLite)' if args.sqlite else ''} {result.rate:,.0f} cases/s "
        f"with {args.concurrency} clients (p99 {result.p99:.0f} ms), "
        f"numbers {'consecutive' if ok else 'BROKEN'} (target >= 200 cases/s: {'meets' if meets else 'MISSES'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common.add_common_arguments(parser)
    parser.add_argument("--redis-url", default=common.DEFAULT_REDIS_URL)
    parser.add_argument(
        "--sqlite", action="store_true", help="the embedded default (SQLite file, workers in the API process)"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=15)
    common.add_profile_arguments(parser)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
