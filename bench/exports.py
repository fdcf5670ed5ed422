"""Large case-list exports at scale (issue 15): the worker's export (`services.exports.produce`,
what the `produce_export` actor runs) of every case received in a period, as the command centre
asks for it, timed, with its rows per second, file size and the process's peak memory.

    python bench/exports.py --database NAME [--admin-url URL] [--from 2025-01-01] [--to 2025-12-31]
                            [--format XLSX --format CSV] [--no-migrate]

NAME is a database made by bench/generate.py. It is upgraded to this checkout's migrations first
unless --no-migrate. Each export is requested through the service (an ExportJob row, its history
entry and its outbox message, as `requestExport` writes them) and produced in this process; the
job row is deleted afterwards (the history entry stays: the history is append-only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
import sqlalchemy as sa
from common import log

from exec_center.context import AppContext
from exec_center.db.models import Staff
from exec_center.db.models_exports import ExportJob
from exec_center.domain.exports import ExportFormat, ExportKind, ExportStatus
from exec_center.services import exports
from exec_center.services.auth import load_viewer
from exec_center.services.case_list import CaseListFilter


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


async def run(args: argparse.Namespace) -> None:
    url = common.db_url(args.admin_url, args.database)
    if not args.no_migrate:
        log(f"migrating {args.database} to head...")
        await common.migrate(url)
    ctx = AppContext.create(common.settings_for(url))
    try:
        async with ctx.sessionmaker() as session:
            staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == args.account))
            viewer = await load_viewer(session, staff_id)
        assert viewer is not None, f"no account {args.account!r}"
        flt = CaseListFilter(received_from=date.fromisoformat(args.from_), received_to=date.fromisoformat(args.to))
        log(f"exports of the cases received {args.from_}..{args.to}, as {args.account}; "
            f"peak RSS before: {_peak_rss_mb():.0f} MB")
        for name in args.format or ["CSV", "XLSX"]:
            fmt = ExportFormat(name)
            job = await exports.request_export(ctx, viewer, exports.ExportRequest(ExportKind.CASES, fmt, flt))
            started = time.perf_counter()
            await exports.produce(ctx, job.id)
            elapsed = time.perf_counter() - started
            async with ctx.sessionmaker() as session:
                status, rows, size, failure = (await session.execute(
                    sa.select(ExportJob.status, ExportJob.progress, sa.func.length(ExportJob.content),
                              ExportJob.failure).where(ExportJob.id == job.id))).one()
                await session.execute(sa.delete(ExportJob).where(ExportJob.id == job.id))
                await session.commit()
            if status is not ExportStatus.DONE:
                log(f"  {name}: {status.value} ({failure})")
                continue
            log(f"  {name:<4} {rows:>9,} rows in {elapsed:6.1f} s = {rows / elapsed:8,.0f} rows/s, "
                f"{(size or 0) / 1e6:6.1f} MB, peak RSS so far {_peak_rss_mb():.0f} MB")
    finally:
        await ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--admin-url", default=common.DEFAULT_ADMIN_URL)
    parser.add_argument("--from", dest="from_", default="2025-01-01")
    parser.add_argument("--to", default="2025-12-31")
    parser.add_argument("--format", action="append", choices=[f.value for f in ExportFormat])
    parser.add_argument("--account", default="command")
    parser.add_argument("--no-migrate", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
