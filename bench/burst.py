"""Bursts: N simultaneous `receiveCase` (one in ten invalid) against a real server, as a court's
windows and officers would send them at once; then a burst past the pool's bound.

    python bench/burst.py [--backend sqlite|postgresql|both] [--requests 200] [--admin-url URL]

`sqlite` is the embedded default exactly as `python3 dev.py serve` runs it (SQLite file, worker
threads and the scheduler in the API process, the demo court); `postgresql` is the same server on
a fresh PostgreSQL database (embedded workers, no broker). Each backend runs two phases:

1. the burst: every valid intake must be filed with consecutive 执保 numbers, every invalid one
   answered with a userError, no 5xx; prints the wall time and the latency spread;
2. past the bound: the server restarted with a pool of 2 connections and a 1 s bound, 5 x N
   simultaneous requests: each must be answered (200, or 503 with Retry-After and the code
   UNAVAILABLE) and none may hang; prints how many of each and the slowest answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import log

from exec_center.domain.identifiers import _uscc_check_char

RECEIVE = """mutation ReceiveCase($input: ReceiveCaseInput!) {
  receiveCase(input: $input) { case { number } userErrors { field code } } }"""


def intake(n: int, *, valid: bool) -> dict:
    first17 = f"91445322MA{n:07d}"
    return {
        "input": {
            "receivedOn": time.strftime("%Y-%m-%d"),
            "claimAmount": "125000.00" if valid else "-1.00",
            "title": {"documentNumber": f"（2025）粤5322民初{10000 + n}号", "kind": "JUDGMENT"},
            "applicants": [{"kind": "PERSON", "name": "陈某", "idNumber": "445322198001011236"}],
            "respondents": [
                {"kind": "ORGANISATION", "name": f"郁南县某{n}号建材有限公司", "idNumber": first17 + _uscc_check_char(first17)}
            ],
        }
    }


async def fire(base: str, token: str, count: int, offset: int) -> tuple[list, float]:
    import httpx

    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def one(n: int) -> tuple[int, float, dict | None, dict]:
            started = time.perf_counter()
            response = await client.post(
                base + "/graphql", json={"query": RECEIVE, "variables": intake(offset + n, valid=n % 10 != 9)},
                headers=headers,
            )
            elapsed = time.perf_counter() - started
            try:
                body = response.json()
            except ValueError:
                body = None
            return response.status_code, elapsed, body, dict(response.headers)

        started = time.perf_counter()
        results = await asyncio.gather(*(one(n) for n in range(count)))
        return results, time.perf_counter() - started


def start_server(backend: str, url: str | None, var_dir: Path, logs: Path, **extra: str) -> common.Server:
    env = common.base_env(url or f"sqlite+aiosqlite:///{var_dir / 'exec-center.db'}", None, **extra)
    env["EXEC_CENTER_VAR_DIR"] = str(var_dir)
    if url is None:
        del env["EXEC_CENTER_DATABASE_URL"]  # the embedded default
        del env["EXEC_CENTER_SECRET_KEY"]
    return common.start_uvicorn(f"api-{backend}", "product_app:create", env, logs)


async def prepare_sqlite(var_dir: Path) -> None:
    """What `exec-center serve --demo` does before it serves: migrate, then the demo court."""
    from exec_center.config import load_settings
    from exec_center.context import AppContext
    from exec_center.db.migrate import upgrade
    from exec_center.services.demo import seed_demo_court

    settings = load_settings({"EXEC_CENTER_VAR_DIR": str(var_dir)})
    await upgrade(settings.database_url)
    ctx = AppContext.create(settings)
    try:
        await seed_demo_court(ctx)
    finally:
        await ctx.close()


async def run_backend(backend: str, args: argparse.Namespace, logs: Path) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix=f"burst-{backend}-"))
    name = url = None
    if backend == "postgresql":
        name, url, _ = await common.prepare_database(args.admin_url, 0, quiet=True)
    else:
        await prepare_sqlite(var_dir)
    try:
        # 1. the burst
        server = start_server(backend, url, var_dir, logs)
        try:
            await common.wait_ready(server)
            token = await common.sign_in(server.base, "affairs")
            results, wall = await fire(server.base, token, args.requests, 0)
        finally:
            server.stop()
        statuses = sorted({r[0] for r in results})
        latencies = sorted(r[1] * 1000 for r in results)
        filed, refused, other = [], 0, []
        for n, (status, _elapsed, body, _headers) in enumerate(results):
            payload = ((body or {}).get("data") or {}).get("receiveCase") or {}
            if n % 10 == 9 and payload.get("userErrors") and not payload.get("case"):
                refused += 1
            elif n % 10 != 9 and payload.get("case") and not payload.get("userErrors"):
                filed.append(int(re.search(r"执保(\d+)号", payload["case"]["number"]).group(1)))
            else:
                other.append((status, str(body)[:200]))
        filed.sort()
        consecutive = filed == list(range(filed[0], filed[0] + len(filed))) if filed else False
        log(f"[{backend}] burst of {args.requests} simultaneous receiveCase (1 in 10 invalid): all answered in "
            f"{wall:.2f} s; HTTP {statuses}; {len(filed)} filed, numbers {filed[0] if filed else '-'}..{filed[-1] if filed else '-'} "
            f"{'consecutive' if consecutive else 'NOT CONSECUTIVE'}; {refused} userErrors; {len(other)} other")
        log(f"[{backend}]   latency p50 {common.percentile(latencies, 50):.0f} ms, p99 {common.percentile(latencies, 99):.0f} ms, "
            f"max {latencies[-1]:.0f} ms")
        for status, text in other[:3]:
            log(f"[{backend}]   unexpected: HTTP {status} {text}")

        # 2. past the bound
        server = start_server(backend, url, var_dir, logs, EXEC_CENTER_DB_POOL_SIZE="2",
                              EXEC_CENTER_DB_MAX_OVERFLOW="0", EXEC_CENTER_DB_POOL_TIMEOUT_SECONDS="1")
        try:
            await common.wait_ready(server)
            token = await common.sign_in(server.base, "affairs")
            count = args.requests * 5
            results, wall = await fire(server.base, token, count, args.requests)
        finally:
            server.stop()
        ok = sum(1 for r in results if r[0] == 200)
        busy = [r for r in results if r[0] == 503]
        well_formed = all(
            r[3].get("retry-after") and (r[2] or {}).get("errors", [{}])[0].get("extensions", {}).get("code") == "UNAVAILABLE"
            for r in busy
        )
        others = sorted({r[0] for r in results} - {200, 503})
        log(f"[{backend}] past the bound (pool 2, 1 s): {count} at once answered in {wall:.2f} s: {ok} served, "
            f"{len(busy)} x 503 ({'all with Retry-After and UNAVAILABLE' if well_formed else 'MALFORMED'}), "
            f"other statuses {others or 'none'}; slowest answer {max(r[1] for r in results):.2f} s")
    finally:
        if name:
            await common.drop_database(args.admin_url, name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--admin-url", default=common.DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the server logs")
    args = parser.parse_args()
    log(f"burst benchmark ({common.machine()})")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with common.logs_dir(args.keep) as logs:
        for backend in backends:
            await run_backend(backend, args, logs)


if __name__ == "__main__":
    asyncio.run(main())
