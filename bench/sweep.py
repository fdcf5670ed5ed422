"""Deadline sweep at scale: one sweep with 1,000 deadlines due among 10,000 open, then among
1,000,000 open, on PostgreSQL. Prints the figures and a one-line summary.

    python bench/sweep.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                          [--due 1000] [--sizes 10000,1000000] [--keep]

Each size runs in a fresh database (created and dropped here), filled with COPY. The due
deadlines belong to the centre officers, so each escalation resolves real recipients and writes
a real notification and audit event. Targets (issue 3): the large sweep under 1.5x the small
one, and 1,000 escalations in under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from exec_center.clock import FrozenClock
from exec_center.config import Settings, normalise_database_url
from exec_center.context import AppContext
from exec_center.db.migrate import upgrade
from exec_center.services import deadlines
from exec_center.services.demo import seed_demo_court

NOW = datetime(2024, 2, 20, 1, 0, tzinfo=UTC)  # 09:00 in Yunan, the working day before 2024-02-21


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fill(dsn: str, total: int, due: int) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        rule_id = await connection.fetchval("SELECT id FROM deadline_rules WHERE kind = 'QUERY_CONTROL'")
        created = NOW - timedelta(days=10)
        late = datetime(2030, 1, 1, tzinfo=UTC)

        def rows():
            for i in range(total):
                is_due = i % (total // due) == 0 if due else False
                due_on = date(2024, 2, 21) if is_due else date(2024, 3, 1) + timedelta(days=i % 300)
                next_check = NOW - timedelta(minutes=1) if is_due else late + timedelta(seconds=i)
                yield (
                    "Case",
                    i + 1,
                    "QUERY_CONTROL",
                    "",
                    rule_id,
                    "WORKING_DAYS",
                    5,
                    7,
                    date(2024, 2, 8),
                    due_on,
                    "OPEN",
                    False,
                    False,
                    "CENTER_OFFICER",
                    None,
                    None,
                    0,
                    False,
                    next_check,
                    None,
                    created,
                )

        await connection.copy_records_to_table(
            "deadlines",
            records=rows(),
            columns=[
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
                "team_id",
                "holder_id",
                "escalation_level",
                "flagged",
                "next_check_at",
                "closed_on",
                "created_at",
            ],
        )
        await connection.execute("ANALYZE deadlines")
    finally:
        await connection.close()


async def run_size(admin_url: str, total: int, due: int, keep: bool) -> tuple[float, int]:
    name = f"exec_center_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(plain(admin_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        await upgrade(url)
        settings = Settings(database_url=url, broker_url=None, secret_key="b" * 40)
        ctx = AppContext.create(settings, clock=FrozenClock(NOW))
        await seed_demo_court(ctx)
        started = time.perf_counter()
        await fill(plain(url), total, due)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        result = await deadlines.sweep(ctx)
        elapsed = time.perf_counter() - started
        await ctx.close()
        print(
            f"  {total:>9,} open, {due:,} due: filled in {filled:6.1f} s; sweep {elapsed * 1000:7.0f} ms, "
            f"{result.escalated:,} escalated, {result.notified:,} notifications, "
            f"{result.escalated / elapsed:,.0f} escalations/s",
            flush=True,
        )
        return elapsed, result.escalated
    finally:
        if not keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "EXEC_CENTER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--keep", action="store_true", help="keep the databases for inspection")
    args = parser.parse_args()
    admin_url = normalise_database_url(args.admin_url, name="--admin-url")
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"deadline sweep benchmark on PostgreSQL ({len(sizes)} sizes, {args.due:,} due each)")
    timings = [await run_size(admin_url, size, args.due, args.keep) for size in sizes]
    small, large = timings[0][0], timings[-1][0]
    ratio = large / small if small else float("inf")
    verdict = "meets" if ratio < 1.5 and large < 2.0 else "MISSES"
    print(
        f"summary: {args.due:,} escalations in {small:.2f} s at {sizes[0]:,} open and {large:.2f} s at "
        f"{sizes[-1]:,} open (ratio {ratio:.2f}; target < 1.5 and < 2 s: {verdict})"
    )


if __name__ == "__main__":
    asyncio.run(main())
