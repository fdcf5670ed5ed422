"""The command centre's indicators at scale (issue 15): every indicator for the year 2025 by month,
without a breakdown and by each breakdown it has, timed, with its figures printed.

    python bench/indicators.py --database NAME [--admin-url URL] [--year 2025] [--granularity MONTH]
                               [--repeat 3] [--no-migrate]

NAME is a database made by bench/generate.py (1,000,000 cases: `generate.py NAME`). It is upgraded
to this checkout's migrations first (the indicators' indexes, migration 0019) unless --no-migrate;
nothing else is written. Each indicator runs `--repeat` times on one connection, as the API runs
it (services/indicators.py: one GROUP BY statement, plus a name lookup for a breakdown by team,
officer or window); the first run and the best are printed, then the cells without a breakdown.

Target: each indicator for a year well under a second at 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
import sqlalchemy as sa
from common import log

from exec_center.clock import SystemClock, court_today
from exec_center.context import AppContext
from exec_center.db.models import Case
from exec_center.domain.indicators import DEFINITIONS, Breakdown, Granularity, Period
from exec_center.services import indicators as service


def _figure(cell: service.Cell) -> str:
    value = "-" if cell.value is None else f"{cell.value:.4f}".rstrip("0").rstrip(".")
    text = f"{value}"
    if cell.denominator is not None:
        text += f" ({cell.numerator}/{cell.denominator})"
    if cell.age_days_max is not None:
        text += f" age avg {cell.age_days_average} max {cell.age_days_max}"
    return text


async def run(args: argparse.Namespace) -> None:
    url = common.db_url(args.admin_url, args.database)
    if not args.no_migrate:
        log(f"migrating {args.database} to head (the indicators' indexes)...")
        started = time.perf_counter()
        await common.migrate(url)
        log(f"  done in {time.perf_counter() - started:.1f} s")
    ctx = AppContext.create(common.settings_for(url))
    tz = ctx.settings.tz
    today = court_today(SystemClock(), tz)
    period = Period.of(date(args.year, 1, 1), date(args.year, 12, 31), Granularity(args.granularity))
    dialect = ctx.engine.dialect.name
    worst = 0.0
    try:
        async with ctx.sessionmaker() as session:
            cases = await session.scalar(sa.select(sa.func.count()).select_from(Case))
            log(f"{cases:,} cases; period {period.start}..{period.end} by {period.granularity.value}; "
                f"today {today}")
            log(f"{'indicator':<42} {'by':<17} {'cells':>6} {'first ms':>9} {'best ms':>8}")
            for indicator, definition in DEFINITIONS.items():
                for by in (Breakdown.NONE, *definition.breakdowns):
                    times = []
                    for _ in range(args.repeat):
                        started = time.perf_counter()
                        result = await service.compute(session, indicator, period, by, today=today, tz=tz,
                                                       dialect=dialect)
                        times.append((time.perf_counter() - started) * 1000)
                    worst = max(worst, min(times))
                    log(f"{indicator.value:<42} {by.value:<17} {len(result.cells):>6} {times[0]:>9.1f} "
                        f"{min(times):>8.1f}")
                    if by is Breakdown.NONE or by is definition.fixed_breakdown:
                        for cell in result.cells:
                            where = cell.bucket.isoformat() if cell.bucket else "now"
                            key = f" {cell.key_label or cell.key}" if cell.key is not None else ""
                            log(f"    {where}{key}: {_figure(cell)}")
                await session.rollback()  # no transaction held open between indicators
    finally:
        await ctx.close()
    log(f"slowest indicator (best of {args.repeat}): {worst:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database made by bench/generate.py")
    parser.add_argument("--admin-url", default=common.DEFAULT_ADMIN_URL)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--granularity", default="MONTH", choices=[g.value for g in Granularity])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-migrate", action="store_true", help="do not upgrade the database first")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
