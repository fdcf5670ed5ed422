"""Persisted operations: the contract's Worklist sent as its text, by APQ hash and by documentId.

    python bench/persisted.py [--cases 30] [--requests 1500] [--user center]

In process and on SQLite (no PostgreSQL needed): a demo court in a temporary SQLite file with
`--cases` cases received through ReceiveCase (bench/intake.py's inputs) and their jobs run, the
real app (`create_app`, DEBUG off as in production) on httpx's ASGI transport, one client. It sends
`--requests` requests of each kind, the kinds interleaved request by request (so the
machine's other load falls on each alike), and prints the median and mean wall time and this
process's CPU time per request. Then, outside HTTP, what each kind costs for parsing and
validating the document:

- cold: graphql-core's parse and Strawberry's validation of the text (a document the process has
  not seen, or one pushed out of the 256-entry LRU caches): what a persisted operation never pays;
- warm text: the ParserCache and ValidationCache look-ups a repeated text pays (hashing the text,
  then hashing the whole DocumentNode for the validation LRU's key);
- persisted: the catalogue's look-up by text and the kept validation result.

Timings vary from run to run and machine to machine; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from exec_center.api.schema import PARSER_CACHE_SIZE, VALIDATION_CACHE_SIZE, build_schema, validation_rules
from exec_center.app import create_app
from exec_center.config import Settings
from exec_center.context import AppContext
from exec_center.db.migrate import upgrade
from exec_center.db.models import Staff
from exec_center.jobs.broker import BrokerPublisher, setup_broker
from exec_center.services.auth import issue_token
from exec_center.services.demo import seed_demo_court

ROOT = Path(__file__).resolve().parents[1]

WORKLIST = (ROOT / "schema" / "operations" / "Worklist.graphql").read_text(encoding="utf-8")
RECEIVE_CASE = (ROOT / "schema" / "operations" / "ReceiveCase.graphql").read_text(encoding="utf-8")
SHA256 = hashlib.sha256(WORKLIST.encode("utf-8")).hexdigest()


def per_call_us(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat * 1e6


def parse_validate_costs(schema) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from graphql import parse
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache
    from strawberry.schema.schema import validate_document

    rules = validation_rules(debug=False)
    graphql_schema = schema._schema

    def cold() -> None:
        validate_document(graphql_schema, parse(WORKLIST), rules)

    cached_parse = _get_parse_cache(PARSER_CACHE_SIZE)
    cached_validate = _get_validate_cache(VALIDATION_CACHE_SIZE)
    text = "".join(WORKLIST)  # a new string each request, as the JSON decoder gives
    cached_validate(graphql_schema, cached_parse(text), rules)

    def warm_text() -> None:
        request_text = str(text.encode("utf-8"), "utf-8")
        cached_validate(graphql_schema, cached_parse(request_text), rules)

    operation = schema.catalogue.get(SHA256)
    fingerprint = schema.catalogue_fingerprint

    def persisted() -> None:
        found = schema.catalogue.for_text(operation.text)
        found.validation_errors(fingerprint, graphql_schema, tuple(rules))

    return {
        "cold parse + validate": per_call_us(cold, 30),
        "warm text (LRU look-ups)": per_call_us(warm_text, 2000),
        "persisted (catalogue look-up)": per_call_us(persisted, 20000),
    }


async def token_of(ctx: AppContext, username: str) -> str:
    async with ctx.sessionmaker() as session:
        staff = (await session.execute(
            sa.select(Staff.id, Staff.token_version).where(Staff.username == username))).one()
    return issue_token(ctx.settings, staff.id, ctx.clock.now(), staff.token_version)[0]


async def receive_cases(app, token: str, count: int) -> None:  # type: ignore[no-untyped-def]
    from intake import variables  # bench/intake.py: valid, varied intake inputs

    rng = random.Random(14)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n in range(count):
            response = await client.post("/graphql", json={"query": RECEIVE_CASE, "variables": variables(n, rng)},
                                         headers={"authorization": f"Bearer {token}"})
            payload = response.json()["data"]["receiveCase"]
            assert payload["userErrors"] == [], payload


def run_jobs(broker, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Run every queued job (and what they enqueue) to completion, as the tests' drain does."""
    from dramatiq import Worker

    from exec_center.jobs import runtime

    runtime.configure(ctx.settings, ctx.clock)
    worker = Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        for _ in range(20):
            for queue in list(broker.get_declared_queues()):
                broker.join(queue, timeout=60_000)
            worker.join()
            if not any(broker.queues[queue].qsize() for queue in broker.get_declared_queues()):
                return
    finally:
        worker.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests of each kind")
    parser.add_argument("--cases", type=int, default=30, help="cases received before the run")
    parser.add_argument("--user", default="center", help="whose worklist (the centre's holds new cases)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-persisted-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/demo.db"
        settings = Settings(database_url=url, broker_url=None, secret_key="b" * 48, debug=False,
                            var_dir=Path(tmp), asset_query_delay_seconds=0.0)
        await upgrade(url)
        broker = setup_broker(settings)  # Dramatiq's StubBroker: the jobs run in this process
        ctx = AppContext.create(settings, publisher=BrokerPublisher(broker))
        try:
            await seed_demo_court(ctx)
            app = create_app(settings, context=ctx, run_workers=False)
            token = await token_of(ctx, args.user)
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            await receive_cases(app, await token_of(ctx, "affairs"), args.cases)
            await asyncio.to_thread(run_jobs, broker, ctx)  # the received cases' work items
            kinds = {
                "text": {"query": WORKLIST, "operationName": "Worklist", "variables": {}},
                "APQ hash": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": SHA256}},
                             "operationName": "Worklist", "variables": {}},
                "documentId": {"documentId": f"sha256:{SHA256}", "operationName": "Worklist", "variables": {}},
            }
            bodies = {kind: json.dumps(body).encode() for kind, body in kinds.items()}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                answers = {}
                for kind, body in bodies.items():  # warm-up, and the same answer every way
                    for _ in range(20):
                        response = await client.post("/graphql", content=body, headers=headers)
                    assert response.status_code == 200 and b'"errors"' not in response.content, response.text
                    answers[kind] = response.json()
                assert len({json.dumps(answer, sort_keys=True) for answer in answers.values()}) == 1
                items = answers["text"]["data"]["worklist"]["totalCount"]
                print(f"Worklist as {args.user}: {items} items, first page; request body "
                      + ", ".join(f"{kind} {len(body)} B" for kind, body in bodies.items()))

                # Kinds interleaved request by request, so that the machine's other load falls on
                # each alike; wall time and this process's CPU time per request.
                wall: dict[str, list[float]] = {kind: [] for kind in bodies}
                cpu: dict[str, list[float]] = {kind: [] for kind in bodies}
                for _ in range(args.requests):
                    for kind, body in bodies.items():
                        start, start_cpu = time.perf_counter(), time.process_time()
                        await client.post("/graphql", content=body, headers=headers)
                        wall[kind].append((time.perf_counter() - start) * 1000)
                        cpu[kind].append((time.process_time() - start_cpu) * 1000)
            count = args.requests
            print(f"\nper request over HTTP (in process, {count} of each kind, interleaved):")
            print(f"  {'kind':<12} {'wall median':>12} {'wall mean':>10} {'CPU median':>11} {'CPU mean':>9}")
            for kind in bodies:
                print(f"  {kind:<12} {statistics.median(wall[kind]):9.3f} ms {statistics.fmean(wall[kind]):7.3f} ms"
                      f" {statistics.median(cpu[kind]):8.3f} ms {statistics.fmean(cpu[kind]):6.3f} ms")
            for label, values in (("wall", wall), ("CPU", cpu)):
                text_ms = statistics.median(values["text"])
                hash_ms = statistics.median(values["APQ hash"])
                print(f"  by APQ hash vs text, {label} median: {text_ms - hash_ms:+.3f} ms per request "
                      f"({(text_ms - hash_ms) / text_ms:+.1%})")

            costs = parse_validate_costs(build_schema(debug=False))  # as the app's, same catalogue
            print("\nparse + validate of Worklist, outside HTTP (per call):")
            for label, us in costs.items():
                print(f"  {label:<30} {us:9.1f} µs")
            print(f"  saved by a persisted operation: {costs['cold parse + validate'] - costs['persisted (catalogue look-up)']:.1f} µs "
                  f"on a cache miss, {costs['warm text (LRU look-ups)'] - costs['persisted (catalogue look-up)']:.1f} µs "
                  "on an LRU hit")
        finally:
            await ctx.close()


if __name__ == "__main__":
    asyncio.run(main())
