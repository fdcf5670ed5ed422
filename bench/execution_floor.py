"""Where a Worklist request's time goes: the whole request, GraphQL execution, and GraphQL
execution alone over an answer already in memory (the floor Strawberry itself sets).

    .venv/bin/python bench/execution_floor.py --database bench_1m [--requests 300] [--user impl1]

In process, one client, no load: the product's app (`create_app`, DEBUG off) on httpx's ASGI
transport against a generated PostgreSQL database (bench/generate.py). For each step it prints
this process's CPU time per request (median of --rounds rounds), so the figures hold on a busy
machine better than wall times do:

1. HTTP: the contract's Worklist as --user, through every middleware, the view and the schema;
2. GraphQL: `schema.execute` of the same document with the viewer already known (no HTTP, no
   token check), the resolvers reading the database;
3. in memory: the same, with the `worklist` resolver handing back the page read once (rows and
   related objects kept in memory, fresh types built per request): Strawberry and graphql-core
   resolving the 50 items' fields, nothing else.

Timings vary from run to run and machine to machine; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

from exec_center.api import worklist as worklist_api
from exec_center.api.context import RequestContext
from exec_center.api.schema import build_schema
from exec_center.app import create_app


def cpu_ms_per_call(total_cpu: float, calls: int) -> float:
    return total_cpu / calls * 1000


async def rounds(step, requests: int, count: int) -> float:  # type: ignore[no-untyped-def]
    """Median over `count` rounds of this process's CPU ms per call of `step`."""
    figures = []
    for _ in range(count):
        start = time.process_time()
        for _ in range(requests):
            await step()
        figures.append(cpu_ms_per_call(time.process_time() - start, requests))
    return statistics.median(figures)


async def run(args: argparse.Namespace) -> None:
    url = common.db_url(args.admin_url, args.database)
    await common.migrate(url)
    settings = common.settings_for(url, args.redis_url)
    app = create_app(settings)
    document = common.operation("Worklist")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            answer = await client.post(
                "/graphql",
                json={"query": common.operation("SignIn"),
                      "variables": {"username": args.user, "password": common.DEMO_PASSWORD}},
            )
            token = answer.json()["data"]["signIn"]["token"]
            headers = {"authorization": f"Bearer {token}"}

            async def over_http() -> None:
                response = await client.post("/graphql", json={"query": document}, headers=headers)
                assert "errors" not in response.json(), response.text

            for _ in range(20):  # warm: connections, caches, compiled statements
                await over_http()
            http_ms = await rounds(over_http, args.requests, args.rounds)

            schema = build_schema(debug=False)  # as create_app builds it
            app_context = app.state.context
            viewer = await _viewer(app_context, token)

            async def execute() -> None:
                ctx = RequestContext(app=app_context, viewer_or_none=viewer)
                try:
                    result = await schema.execute(document, context_value=ctx)
                finally:
                    await ctx.close()
                assert not result.errors, result.errors

            for _ in range(20):
                await execute()
            graphql_ms = await rounds(execute, args.requests, args.rounds)

            # In memory: read the page once, then answer from it.
            kept: dict[str, object] = {}
            real_page = worklist_api.worklist_page

            async def remembered(info, **kwargs):  # type: ignore[no-untyped-def]
                if "rows" not in kept:
                    page = await real_page(info, **kwargs)
                    kept["page"] = page
                    kept["loaders"] = {
                        name: loader for name, loader in info.context.loaders.items() if name != "today"
                    }
                    return page
                for name, loader in kept["loaders"].items():  # type: ignore[union-attr]
                    info.context.loaders[name] = loader
                page = kept["page"]
                return type(page)(
                    total_count=page.total_count,
                    page_info=page.page_info,
                    edges=[type(e)(cursor=e.cursor, node=worklist_api.WorkItemType(row=e.node.row))
                           for e in page.edges],
                )

            worklist_api.worklist_page = remembered
            try:
                await execute()
                kept["rows"] = True
                for _ in range(20):
                    await execute()
                memory_ms = await rounds(execute, args.requests, args.rounds)
            finally:
                worklist_api.worklist_page = real_page

    print(f"Worklist as {args.user}, in process, CPU per request (median of {args.rounds} rounds of "
          f"{args.requests}):")
    print(f"  HTTP (middleware, view, token, GraphQL, database)  {http_ms:6.1f} ms")
    print(f"  GraphQL execute (resolvers reading the database)    {graphql_ms:6.1f} ms")
    print(f"  GraphQL execute over the page in memory (floor)     {memory_ms:6.1f} ms")
    print(f"summary: Worklist {http_ms:.1f} ms CPU per request in process, of which GraphQL execution over "
          f"data in memory {memory_ms:.1f} ms ({memory_ms / http_ms:.0%}), the database reads and their "
          f"SQLAlchemy {graphql_ms - memory_ms:.1f} ms, HTTP and the token {http_ms - graphql_ms:.1f} ms")


async def _viewer(app_context, token: str):  # type: ignore[no-untyped-def]
    from exec_center.services.auth import authenticate

    async with app_context.sessionmaker() as session:
        return await authenticate(app_context, session, token)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database made by bench/generate.py")
    parser.add_argument("--admin-url", default=common.DEFAULT_ADMIN_URL)
    parser.add_argument("--redis-url", default=common.DEFAULT_REDIS_URL)
    parser.add_argument("--user", default="impl1")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
