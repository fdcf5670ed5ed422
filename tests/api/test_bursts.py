"""Bursts: many requests at once complete; past the pool's bound they get 503, never a hang."""

from __future__ import annotations

import asyncio
import copy
import re

import httpx
import pytest
import sqlalchemy as sa

from exec_center.app import create_app
from exec_center.context import AppContext
from exec_center.db.models import Case
from exec_center.db.writer import GATE
from exec_center.domain.identifiers import _uscc_check_char

from .conftest import OPERATIONS, Api
from .test_case_lifecycle import RECEIVE_VARIABLES

RECEIVE = """mutation ($input: ReceiveCaseInput!) {
  receiveCase(input: $input) { case { number } userErrors { field code } } }"""


def intake(n: int, *, valid: bool) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"]["title"]["documentNumber"] = f"（2023）粤5322民初{2000 + n}号"
    first17 = f"91445322MA{n:07d}"
    variables["input"]["respondents"] = [{"kind": "ORGANISATION", "name": f"郁南县某{n}号建材有限公司",
                                          "idNumber": first17 + _uscc_check_char(first17)}]
    if not valid:
        variables["input"]["claimAmount"] = "-1.00"
    return variables


async def test_a_burst_of_intakes_is_served_in_full_with_consecutive_numbers(api, settings, clock) -> None:
    """200 at once, one in ten invalid: every valid one filed with consecutive numbers, every
    invalid one a userError, no 5xx (the embedded default queues writers; PostgreSQL locks).
    The bound is raised so that a slow CI machine shows correctness, not its speed
    (bench/burst.py gives the figures)."""
    token = await api.token("affairs")
    total = 200
    ctx, client = await _app_with(settings, clock, db_pool_timeout_seconds=120)
    try:
        responses = await asyncio.gather(*(
            client.post("/graphql", json={"query": RECEIVE, "variables": intake(n, valid=n % 10 != 9)},
                        headers={"Authorization": f"Bearer {token}"})
            for n in range(total)
        ))
    finally:
        await client.aclose()
        await ctx.close()
    assert {r.status_code for r in responses} == {200}
    payloads = [r.json()["data"]["receiveCase"] for r in responses]
    refused = [p for n, p in enumerate(payloads) if n % 10 == 9]
    filed = [p for n, p in enumerate(payloads) if n % 10 != 9]
    assert all(p["case"] is None and p["userErrors"][0]["field"] == ["input", "claimAmount"] for p in refused)
    assert all(p["userErrors"] == [] for p in filed)
    numbers = sorted(int(re.search(r"执保(\d+)号", p["case"]["number"]).group(1)) for p in filed)
    assert numbers == list(range(1, len(filed) + 1))
    async with api.ctx.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Case)) >= len(filed)


async def _app_with(settings, clock, **changes) -> tuple[AppContext, httpx.AsyncClient]:
    ctx = AppContext.create(settings.with_(**changes), clock=clock)
    app = create_app(ctx.settings, context=ctx, run_workers=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    return ctx, client


async def test_past_the_pool_bound_a_request_gets_503_with_retry_after(settings, clock, api) -> None:
    token = await api.token("affairs")
    ctx, client = await _app_with(settings, clock, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.2)
    try:
        async with ctx.engine.connect() as held:  # the only connection, busy elsewhere
            await held.execute(sa.text("SELECT 1"))
            response = await client.post(
                "/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/json")
        assert int(response.headers["retry-after"]) > 0
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        # Once the connection is free again the same request is served.
        again = await client.post(
            "/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 200 and again.json()["data"]["me"]["name"]
    finally:
        await client.aclose()
        await ctx.close()


async def test_a_write_that_waits_too_long_for_its_turn_gets_503_and_changes_nothing(
    settings, clock, api
) -> None:
    token = await api.token("affairs")
    ctx, client = await _app_with(settings, clock, db_pool_timeout_seconds=0.2)
    try:
        if ctx.serialises_writers:
            # Another writer holds the database (in a task of its own: the gate is per task).
            holding, done = asyncio.Event(), asyncio.Event()

            async def writer_elsewhere() -> None:
                await GATE.acquire(1)
                holding.set()
                await done.wait()
                GATE.release()

            holder = asyncio.create_task(writer_elsewhere())
            await holding.wait()

            async def release() -> None:
                done.set()
                await holder
        else:
            # PostgreSQL: every connection of a pool of one is busy.
            await ctx.close()
            ctx, client = await _app_with(settings, clock, db_pool_size=1, db_max_overflow=0,
                                          db_pool_timeout_seconds=0.2)
            held = await ctx.engine.connect()
            await held.execute(sa.text("SELECT 1"))

            async def release() -> None:
                await held.close()

        try:
            response = await client.post("/graphql", json={"query": RECEIVE, "variables": intake(1, valid=True)},
                                         headers={"Authorization": f"Bearer {token}"})
        finally:
            await release()
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        async with ctx.sessionmaker() as session:
            assert await session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    finally:
        await client.aclose()
        await ctx.close()


async def test_an_unreachable_database_is_a_json_503_not_a_bare_500(settings, clock, api) -> None:
    token = await api.token("affairs")
    ctx, client = await _app_with(
        settings, clock, database_url="postgresql+asyncpg://postgres@127.0.0.1:9/nothing",
        db_pool_timeout_seconds=0.5,
    )
    try:
        response = await client.post(
            "/graphql", json={"query": "{ me { name } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert "retry-after" in response.headers
    finally:
        await client.aclose()
        await ctx.close()


@pytest.mark.parametrize("body,content_type", [
    (b"{not json", "application/json"),
    (b"query=1", "text/plain"),
])
async def test_a_malformed_request_is_answered_in_json_with_a_code(api: Api, body, content_type) -> None:
    response = await api.client.post("/graphql", content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_every_graphql_error_carries_a_code(api: Api) -> None:
    for query, code, user in [
        ("{ me { name ", "GRAPHQL_PARSE_FAILED", "affairs"),
        ("{ me { nosuchfield } }", "GRAPHQL_VALIDATION_FAILED", "affairs"),
        ("{ cases(first: 500) { totalCount } }", "BAD_USER_INPUT", "center"),
        ("{ cases(first: 5) { totalCount } }", "FORBIDDEN", "affairs"),  # a list for the centre
        ('{ node(id: "bm90LWFuLWlk") { id } }', "NOT_FOUND", "affairs"),
    ]:
        token = await api.token(user)
        response = await api.client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
        errors = response.json()["errors"]
        assert errors and errors[0]["extensions"]["code"] == code, (query, errors)


async def test_a_request_needs_one_connection_only(settings, clock, api) -> None:
    """With a pool of exactly one connection every kind of request still completes: a request
    gives its read connection back before its write takes one, and never holds two."""
    token = await api.token("affairs")
    ctx, client = await _app_with(settings, clock, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=5)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        received = await client.post("/graphql", json={
            "query": (OPERATIONS / "ReceiveCase.graphql").read_text(), "variables": intake(7, valid=True)},
            headers=headers)
        assert received.status_code == 200, received.text
        number = received.json()["data"]["receiveCase"]["case"]["number"]
        shown = await client.post("/graphql", json={
            "query": (OPERATIONS / "CaseByNumber.graphql").read_text(), "variables": {"number": number}},
            headers=headers)
        assert shown.status_code == 200 and shown.json()["data"]["case"]["number"] == number, shown.text
        listed = await client.post("/graphql", json={
            "query": (OPERATIONS / "Worklist.graphql").read_text(), "variables": {}}, headers=headers)
        assert listed.status_code == 200 and "errors" not in listed.json(), listed.text
    finally:
        await client.aclose()
        await ctx.close()
