"""Worklist read at scale: the contract's Worklist operation as an implementation officer of
team 1 (`impl1`), over HTTP with 16 concurrent clients, against a floor — a bench-only Starlette
endpoint (bench/floor.py) that runs the same SQL on asyncpg and returns the same JSON. Also the
API process's peak RSS during the run.

    python bench/worklist_read.py [--cases 1000000] [--database NAME] [--admin-url URL] [--keep]
                                  [--concurrency 16] [--warmup 3] [--duration 15] [--rounds 1]
                                  [--profile /tmp/worklist.txt --py-spy /path/to/py-spy]

A fresh database is generated (bench/generate.py) and dropped at the end unless --keep; with
--database an existing generated one is used. The API runs as `exec-center serve` would in
production (PostgreSQL, Redis set so no workers run inside it), in its own uvicorn process
(uvloop, httptools, one worker, no access log); the floor in another. Both answers are compared
before the load starts. Each round loads the product, then the floor, for `--warmup` + `--duration`
seconds each; all ratios come from this one run. With --profile, one more product phase runs
under py-spy (not counted) and its collapsed stacks are written to that file.

Targets at 1,000,000 cases (issue: benchmarks at province scale): the product reaches at least
40 % of the floor's throughput with a p99 within 3x the floor's, and the API's peak RSS stays
under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import log

USER = "impl1"


def first_difference(a, b, path="$"):  # type: ignore[no-untyped-def]
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in list(dict.fromkeys([*a, *b])):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'product' if key in a else 'floor'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


async def load(client, server: common.Server, token: str, args, label: str) -> common.LoadResult:  # type: ignore[no-untyped-def]
    url = server.base + "/graphql"
    body = json.dumps(
        {"query": common.operation("Worklist"), "operationName": "Worklist", "variables": {}}
    ).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def request() -> str | None:
        response = await client.post(url, content=body, headers=headers)
        content = response.content
        if response.status_code != 200 or b'"errors"' in content or b'"worklist"' not in content:
            return f"HTTP {response.status_code}: {content[:300]!r}"
        return None

    result = await common.drive(
        request,
        concurrency=args.concurrency,
        warmup=args.warmup,
        duration=args.duration,
        server_pid=server.pid,
    )
    log(
        f"  {label:<36} {result.rate:7,.0f} req/s  p50 {result.p50:6.1f} ms  p99 {result.p99:6.1f} ms  "
        f"{result.errors} errors;  {result.cpu_report()}"
    )
    if result.first_error:
        log(f"    first error: {result.first_error}")
    return result


async def run(args) -> None:  # type: ignore[no-untyped-def]
    import httpx

    log(f"worklist read benchmark on PostgreSQL ({common.machine()}; {args.cases:,} cases unless --database)")
    async with common.database_for(args) as (_name, url):
        with common.logs_dir(args.keep) as logs:
            env = common.base_env(url, args.redis_url)
            api = common.start_uvicorn("api", "product_app:create", env, logs)
            floor = common.start_uvicorn("floor", "floor:create", env, logs)
            try:
                await asyncio.gather(common.wait_ready(api), common.wait_ready(floor))
                rss_start = common.proc_status_kb(api.pid, "VmRSS")
                sampler = common.RssSampler(api.pid)
                sampler.start()
                token = await common.sign_in(api.base, USER)
                limits = httpx.Limits(
                    max_connections=args.concurrency, max_keepalive_connections=args.concurrency
                )
                async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                    query = {
                        "query": common.operation("Worklist"),
                        "operationName": "Worklist",
                        "variables": {},
                    }
                    headers = {"authorization": f"Bearer {token}"}
                    product_body = (
                        await client.post(api.base + "/graphql", json=query, headers=headers)
                    ).json()
                    floor_body = (
                        await client.post(floor.base + "/graphql", json=query, headers=headers)
                    ).json()
                    worklist = (product_body.get("data") or {}).get("worklist")
                    if not worklist:
                        raise SystemExit(f"the product's Worklist failed: {str(product_body)[:1000]}")
                    difference = first_difference(product_body, floor_body)
                    log(
                        f"  {USER} sees {worklist['totalCount']:,} items; page of {len(worklist['edges'])}; "
                        f"floor's JSON {'identical' if difference is None else 'DIFFERS: ' + difference}"
                    )
                    rounds = []
                    for i in range(args.rounds):
                        if args.rounds > 1:
                            log(f"  round {i + 1}:")
                        product = await load(client, api, token, args, "product (Strawberry + SQLAlchemy)")
                        base = await load(client, floor, token, args, "floor (Starlette + asyncpg)")
                        rounds.append((product, base))
                    if args.profile:
                        await profile(client, api, token, args)
                await sampler.stop()
                hwm = common.proc_status_kb(api.pid, "VmHWM")
            finally:
                api.stop()
                floor.stop()

    # The best round of each (by throughput) when several ran.
    product = max((p for p, _ in rounds), key=lambda r: r.rate)
    base = max((b for _, b in rounds), key=lambda r: r.rate)
    throughput = product.rate / base.rate if base.rate else 0.0
    tail = product.p99 / base.p99 if base.p99 else float("inf")
    mb = hwm / 1024
    log(
        f"  ratios: throughput {throughput:.2f} of the floor (target >= 0.40), p99 {tail:.2f}x the floor's "
        f"(target <= 3.0)"
    )
    log(
        f"  API process RSS: {rss_start / 1024:.0f} MB after start, peak {mb:.0f} MB (VmHWM; sampled max "
        f"{sampler.samples_peak_kb / 1024:.0f} MB) (target < 300 MB)"
    )
    meets = throughput >= 0.40 and tail <= 3.0 and mb < 300 and not product.errors and not base.errors
    log(
        f"summary: worklist {product.rate:,.0f} req/s (p99 {product.p99:.0f} ms) vs floor {base.rate:,.0f} req/s "
        f"(p99 {base.p99:.0f} ms): {throughput:.0%} of the floor, p99 x{tail:.1f}; API peak RSS {mb:.0f} MB; "
        f"{args.concurrency} clients ({'meets' if meets else 'MISSES'} >= 40 %, p99 <= 3x, < 300 MB)"
    )


async def profile(client, api: common.Server, token: str, args) -> None:  # type: ignore[no-untyped-def]
    """One more product phase with py-spy attached; collapsed stacks to args.profile."""
    spy = common.start_py_spy(args.py_spy, api.pid, args.duration, args.profile)
    await asyncio.sleep(0.5)
    saved, args.warmup = args.warmup, 0
    try:
        await load(client, api, token, args, "product under py-spy (not counted)")
    finally:
        args.warmup = saved
    common.finish_py_spy(spy, args.profile)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common.add_common_arguments(parser)
    parser.add_argument("--redis-url", default=common.DEFAULT_REDIS_URL)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument(
        "--rounds", type=int, default=1, help="product/floor pairs to run (best of each counts)"
    )
    common.add_profile_arguments(parser)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
