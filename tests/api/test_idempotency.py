"""The `Idempotency-Key` header on POST /graphql: the first answer again for the same key and
body, a refusal for the same key with another body, a wait for a request still running, one
effect when the same key arrives several times at once; keys per account, for 24 hours."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from exec_center.api.idempotency import IdempotencyMiddleware
from exec_center.app import create_app
from exec_center.db.models import Case, IdempotencyRecord, Staff
from exec_center.services import cases as case_service
from exec_center.services import idempotency
from exec_center.services.auth import issue_token

from .conftest import OPERATIONS, Api
from .test_case_lifecycle import RECEIVE_VARIABLES

RECEIVE_CASE = (OPERATIONS / "ReceiveCase.graphql").read_text()
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


@pytest.fixture
async def api(ctx) -> AsyncIterator[Api]:
    """The app with the middleware on /graphql (wrapped here if app.py does not do it yet)."""
    app = create_app(ctx.settings, context=ctx, run_workers=False)
    for route in app.routes:
        if getattr(route, "path", None) == "/graphql" and not isinstance(route.app, IdempotencyMiddleware):
            route.app = IdempotencyMiddleware(route.app, ctx)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, ctx)


def filing(number: int = 1024) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"]["title"]["documentNumber"] = f"（2023）粤5322民初{number}号"
    return variables


async def send(api: Api, variables: dict, *, as_: str | None = "affairs", key: str | None = KEY,
               query: str = RECEIVE_CASE) -> httpx.Response:
    headers = {"Authorization": f"Bearer {await api.token(as_)}"} if as_ else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
    return await api.client.post("/graphql", content=body,
                                 headers=headers | {"Content-Type": "application/json"})


async def count(ctx, model: Any) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1, body
    return body["errors"][0]["extensions"]["code"]


async def test_the_same_key_and_body_answer_the_first_response_and_change_nothing(api, ctx) -> None:
    first = await send(api, filing())
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    assert first.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保1号"
    assert "idempotent-replayed" not in first.headers

    again = await send(api, filing())
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(ctx, Case) == 1

    # Without the key the same request runs again, and the domain refuses the repeated filing.
    unkeyed = (await send(api, filing(), key=None)).json()["data"]["receiveCase"]
    assert unkeyed["userErrors"][0]["code"] == "DUPLICATE"
    assert await count(ctx, Case) == 1


async def test_the_same_key_with_another_body_is_refused(api, ctx) -> None:
    assert (await send(api, filing())).status_code == 200
    reused = await send(api, filing(1025))
    assert reused.status_code == 422
    assert error_code(reused) == "IDEMPOTENCY_KEY_REUSED"
    assert await count(ctx, Case) == 1
    # A new key is a new request.
    fresh = await send(api, filing(1025), key="another key")
    assert fresh.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保2号"


async def test_the_same_key_sent_together_has_one_effect(api, ctx) -> None:
    responses = await asyncio.gather(*(send(api, filing()) for _ in range(6)))
    assert await count(ctx, Case) == 1
    answered = [r for r in responses if r.status_code == 200]
    waiting = [r for r in responses if r.status_code == 409]
    assert len(answered) + len(waiting) == 6 and answered
    assert {r.content for r in answered} == {answered[0].content}  # the first answer, replayed
    assert answered[0].json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保1号"
    for response in waiting:
        assert error_code(response) == "IDEMPOTENCY_KEY_IN_FLIGHT"
        assert response.headers["retry-after"] == "1"
    # Retried after the wait, they get the first answer.
    assert (await send(api, filing())).content == answered[0].content


async def test_a_request_still_running_is_waited_for_then_taken_over_if_abandoned(api, ctx, clock) -> None:
    body = json.dumps({"query": RECEIVE_CASE, "variables": filing()}, ensure_ascii=False).encode()
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "affairs"))
    # Another process claimed the key for this very body and is still running it.
    claim = await idempotency.claim(ctx, staff_id, KEY, hashlib.sha256(body).hexdigest())
    assert claim.verdict is idempotency.Verdict.RUN
    waiting = await send(api, filing())
    assert waiting.status_code == 409 and waiting.headers["retry-after"] == "1"
    assert error_code(waiting) == "IDEMPOTENCY_KEY_IN_FLIGHT"
    assert await count(ctx, Case) == 0
    # That process died: after idempotency.ABANDONED_AFTER the key runs again, once.
    clock.advance(seconds=idempotency.ABANDONED_AFTER.total_seconds())
    taken = await send(api, filing())
    assert taken.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保1号"
    assert (await send(api, filing())).content == taken.content


async def test_keys_belong_to_an_account(api, ctx) -> None:
    mine = await send(api, filing(), as_="affairs")
    theirs = await send(api, filing(1025), as_="center")  # the same key, another account
    assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers
    assert theirs.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保2号"
    assert mine.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保1号"


async def test_a_key_counts_for_24_hours_and_is_purged_after(api, ctx, clock) -> None:
    assert (await send(api, filing(), key="old")).status_code == 200
    clock.advance(hours=23, minutes=59)
    assert (await send(api, filing(1025), key="old")).status_code == 422
    clock.advance(minutes=2)
    # Older than 24 hours: the key is free for a new request.
    again = await send(api, filing(1025), key="old")
    assert again.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保2号"
    clock.advance(hours=25)
    assert (await send(api, filing(1026), key="new")).status_code == 200
    async with ctx.sessionmaker() as session:
        keys = (await session.scalars(sa.select(IdempotencyRecord.key))).all()
    assert keys == ["new"]  # the expired record was purged


@pytest.mark.parametrize("key", ["", "  ", "x" * 256, '""'])
async def test_a_malformed_key_is_refused_naming_the_header(api, ctx, key) -> None:
    response = await send(api, filing(), key=key)
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"
    assert "Idempotency-Key" in response.json()["errors"][0]["message"]
    assert await count(ctx, Case) == 0


async def test_a_key_of_255_characters_and_a_quoted_key_are_accepted(api, ctx) -> None:
    assert (await send(api, filing(), key="k" * 255)).status_code == 200
    first = await send(api, filing(1025), key='"quoted"')
    assert (await send(api, filing(1025), key='"quoted"')).content == first.content
    assert await count(ctx, Case) == 2


async def test_anonymous_requests_ignore_the_header(api, ctx) -> None:
    sign_in = 'mutation { signIn(input: {username: "affairs", password: "demo"}) { token userErrors { code } } }'
    first = await send(api, {}, as_=None, query=sign_in)
    second = await send(api, {}, as_=None, query=sign_in)
    assert first.json()["data"]["signIn"]["token"] != second.json()["data"]["signIn"]["token"]
    assert await count(ctx, IdempotencyRecord) == 0


async def test_a_fault_gives_the_key_back(api, ctx, monkeypatch) -> None:
    real = case_service.receive_case
    calls = 0

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a fault")
        return await real(*args, **kwargs)

    monkeypatch.setattr(case_service, "receive_case", failing_once)
    faulted = await send(api, filing())
    assert faulted.status_code == 200
    assert faulted.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await count(ctx, IdempotencyRecord) == 0
    retried = await send(api, filing())
    assert retried.json()["data"]["receiveCase"]["case"]["number"] == "（2024）粤5322执保1号"
    assert await count(ctx, Case) == 1


async def test_an_unauthenticated_answer_is_not_kept(api, ctx) -> None:
    token = await api.token("affairs")
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(sa.update(Staff).where(Staff.username == "affairs").values(active=False))
    response = await api.client.post("/graphql", json={"query": RECEIVE_CASE, "variables": filing()},
                                     headers={"Authorization": f"Bearer {token}", "Idempotency-Key": KEY})
    assert response.status_code == 401
    assert await count(ctx, IdempotencyRecord) == 0


async def test_a_token_for_no_account_is_answered_by_the_endpoint(api, ctx) -> None:
    token, _ = issue_token(ctx.settings, 987654, ctx.clock.now())
    response = await api.client.post("/graphql", json={"query": RECEIVE_CASE, "variables": filing()},
                                     headers={"Authorization": f"Bearer {token}", "Idempotency-Key": KEY})
    assert response.status_code == 401 and error_code(response) == "UNAUTHENTICATED"
    assert await count(ctx, IdempotencyRecord) == 0


async def test_a_replay_answers_only_an_account_that_may_still_sign_in(api, ctx) -> None:
    first = await send(api, filing())
    assert first.status_code == 200 and first.json()["data"]["receiveCase"]["case"]
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(sa.update(Staff).where(Staff.username == "affairs").values(active=False))
    again = await send(api, filing())
    assert again.status_code == 401 and error_code(again) == "UNAUTHENTICATED"
    assert "idempotent-replayed" not in again.headers


async def test_queries_are_neither_kept_nor_replayed(api, ctx) -> None:
    """A query changes nothing a retry could double, and its answer (parties' data shown in
    full) must not be copied into the idempotency table."""
    number = (await send(api, filing(), key=None)).json()["data"]["receiveCase"]["case"]["number"]
    case_query = (OPERATIONS / "CaseByNumber.graphql").read_text()
    response = await send(api, {"number": number}, query=case_query)
    assert response.status_code == 200 and response.json()["data"]["case"]["number"] == number
    assert "idempotent-replayed" not in response.headers
    assert await count(ctx, IdempotencyRecord) == 0
