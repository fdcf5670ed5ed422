"""Live updates: `worklistChanged` over graphql-transport-ws, with a real WebSocket client
against the app served by uvicorn, fanned out in-process and through Redis pub/sub.

Nothing here sleeps: a client waits on its socket with a timeout, and a test that a screen heard
nothing makes a later change it may see and checks that this is the next thing it hears (each
subscription hears changes in the order they were committed)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
import websockets
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import ClientConnection, connect

from exec_center.api.ids import to_global_id
from exec_center.api.live import LiveGraphQLView
from exec_center.api.schema import build_schema
from exec_center.app import create_app
from exec_center.db.models import Staff, Team, WorkItem
from exec_center.domain.organisation import Role
from exec_center.domain.work import WorkItemKind, WorkItemStatus
from exec_center.services import live, work
from exec_center.services.unit_of_work import CHANGED_WORK_ITEMS, UnitOfWork

REDIS_URL = os.environ.get("EXEC_CENTER_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
TIMEOUT = 10.0
PROTOCOL = "graphql-transport-ws"

WORKLIST_CHANGED = """subscription { worklistChanged {
  kind kindLabel workItemId workItem { id status assignee { username } } } }"""
CLAIM = """mutation($id: ID!) { claimWorkItem(input: {id: $id}) { userErrors { code message: messageEn } } }"""
UNCLAIM = """mutation($id: ID!) { unclaimWorkItem(input: {id: $id}) { userErrors { code message: messageEn } } }"""
COMPLETE = """mutation($id: ID!) { completeWorkItem(input: {id: $id, outcome: DONE}) {
  userErrors { code message: messageEn } } }"""


# --- the server: the app with the WebSocket route, as app.py wires it ----------------------------


def _redis_reachable() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@dataclass
class Server:
    url: str
    hub: live.Hub

    async def wait_for_listeners(self, count: int) -> None:
        """Until `count` subscriptions listen and have read their worklists: what changes after
        is news to them."""
        assert await asyncio.to_thread(self.hub.wait_for_listeners, count, TIMEOUT)


def _serve(settings: Any, clock: Any, hub: live.Hub) -> Iterator[Server]:
    app = create_app(settings, clock=clock, run_workers=False)
    view = LiveGraphQLView(build_schema(debug=settings.debug), app.state.context, debug=settings.debug)
    app.router.routes.append(WebSocketRoute("/graphql", view))
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[None]:
        async with inner(a):
            await live.start(hub)
            try:
                yield
            finally:
                await live.stop()

    app.router.lifespan_context = lifespan
    # Bound and listening before the server runs: a client's connect waits in the backlog.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Server(f"ws://127.0.0.1:{sock.getsockname()[1]}/graphql", hub)
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        sock.close()
        assert not thread.is_alive()


@pytest.fixture(params=["in-process", "redis"])
def server(request: pytest.FixtureRequest, settings: Any, clock: Any, broker: Any) -> Iterator[Server]:
    if request.param == "redis":
        if not _redis_reachable():
            pytest.skip("Redis is not reachable")
        hub: live.Hub = live.RedisHub(REDIS_URL)
    else:
        hub = live.Hub()
    yield from _serve(settings, clock, hub)


# --- the client ------------------------------------------------------------------------------------


class Screen:
    """One WebSocket of a signed-in screen."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))

    async def change(self) -> dict[str, Any]:
        message = await self.receive()
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["worklistChanged"]

    async def closed_with(self) -> int:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await self.receive()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


@contextlib.asynccontextmanager
async def screen(server: Server, *, init: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> AsyncIterator[Screen]:
    async with connect(server.url, subprotocols=[PROTOCOL], additional_headers=headers,
                       open_timeout=TIMEOUT) as ws:
        yield Screen(ws)


@contextlib.asynccontextmanager
async def subscribed(server: Server, token: str, *, in_header: bool = False) -> AsyncIterator[Screen]:
    """A screen signed in (token in connection_init, or in the upgrade's header) and subscribed."""
    headers = {"Authorization": f"Bearer {token}"} if in_header else None
    async with screen(server, headers=headers) as s:
        await s.send({"type": "connection_init", "payload": {} if in_header else {"authorization": f"Bearer {token}"}})
        assert (await s.receive())["type"] == "connection_ack"
        await s.send({"id": "1", "type": "subscribe", "payload": {"query": WORKLIST_CHANGED}})
        yield s


# --- changes made as the services make them ------------------------------------------------------


async def team_id(ctx: Any, code: str) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(Team.id).where(Team.code == code))


async def staff_id(ctx: Any, username: str) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(Staff.id).where(Staff.username == username))


async def new_item(ctx: Any, team: str, **kw: Any) -> int:
    """An officers' item of `team` (of a kind whose completion moves nothing else on)."""
    async with UnitOfWork(ctx) as uow:
        item = await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="超期督办", owner_type="Test",
                                 owner_id=1, team_id=await team_id(ctx, team),
                                 candidate_role=Role.IMPLEMENTATION_OFFICER, **kw)
        await uow.commit()
        return item.id


def gid(pk: int) -> str:
    return to_global_id("WorkItem", pk)


async def ok(api: Any, query: str, pk: int, as_: str) -> None:
    data = await api.gql(query, {"id": gid(pk)}, as_=as_)
    assert next(iter(data.values()))["userErrors"] == []


# --- tests ---------------------------------------------------------------------------------------


async def test_a_change_reaches_who_may_see_it_and_no_one_else(server, api, ctx) -> None:
    async with subscribed(server, await api.token("impl1")) as impl1, \
            subscribed(server, await api.token("impl2"), in_header=True) as impl2:
        await server.wait_for_listeners(2)

        team1 = await new_item(ctx, "impl-1")
        added = await impl1.change()
        assert added == {"kind": "ADDED", "kindLabel": "新增", "workItemId": gid(team1),
                         "workItem": {"id": gid(team1), "status": "OPEN", "assignee": None}}

        team2 = await new_item(ctx, "impl-2")  # impl2 hears this first: nothing of team 1 came before
        assert (await impl2.change())["workItemId"] == gid(team2)

        await ok(api, CLAIM, team1, "impl1")
        claimed = await impl1.change()  # the first thing impl1 hears after: nothing of team 2 came
        assert (claimed["kind"], claimed["workItem"]) == (
            "CHANGED", {"id": gid(team1), "status": "CLAIMED", "assignee": {"username": "impl1"}})

        await ok(api, UNCLAIM, team1, "impl1")
        assert (await impl1.change())["workItem"]["status"] == "OPEN"

        # Claimed by someone else: off impl1's worklist, and no longer theirs to see.
        await ok(api, CLAIM, team1, "impl1-lead")
        assert await impl1.change() == {"kind": "REMOVED", "kindLabel": "移除", "workItemId": gid(team1),
                                        "workItem": None}

        await ok(api, CLAIM, team2, "impl2")
        assert (await impl2.change())["kind"] == "CHANGED"  # the next after the first: team 1 never came


async def test_finished_items_leave_the_worklist_and_show_to_their_holder(server, api, ctx) -> None:
    impl1_id = await staff_id(ctx, "impl1")
    async with subscribed(server, await api.token("impl1")) as impl1:
        await server.wait_for_listeners(1)
        held = await new_item(ctx, "impl-1", assignee_id=impl1_id)
        added = await impl1.change()
        assert (added["kind"], added["workItem"]["status"]) == ("ADDED", "CLAIMED")

        await ok(api, COMPLETE, held, "impl1")
        removed = await impl1.change()
        assert (removed["kind"], removed["workItem"]) == (
            "REMOVED", {"id": gid(held), "status": "DONE", "assignee": {"username": "impl1"}})

        # Cancelled in bulk, as a case moving on cancels its items.
        other = await new_item(ctx, "impl-1", assignee_id=impl1_id)
        assert (await impl1.change())["workItemId"] == gid(other)
        async with UnitOfWork(ctx) as uow:
            await work.finish_active(uow, WorkItem.id == other, status=WorkItemStatus.CANCELLED,
                                     summary=lambda kind: "cancelled")
            await uow.commit()
        cancelled = await impl1.change()
        assert (cancelled["kind"], cancelled["workItem"]["status"]) == ("REMOVED", "CANCELLED")


async def test_a_screen_that_subscribes_hears_only_what_changes_after(server, api, ctx) -> None:
    """Items already on the worklist are not announced; their changes are."""
    before = await new_item(ctx, "impl-1")
    async with subscribed(server, await api.token("impl1")) as impl1:
        await server.wait_for_listeners(1)
        await ok(api, CLAIM, before, "impl1-lead")
        assert await impl1.change() == {"kind": "REMOVED", "kindLabel": "移除", "workItemId": gid(before),
                                        "workItem": None}


async def test_a_revoked_account_hears_no_more(server, api, ctx) -> None:
    token = await api.token("impl1")
    async with subscribed(server, token) as impl1:
        await server.wait_for_listeners(1)
        data = await api.gql("mutation { signOut { signedOut } }", token=token)
        assert data["signOut"]["signedOut"] is True
        await new_item(ctx, "impl-1")
        ended = await impl1.receive()
        assert ended["type"] == "next"
        assert ended["payload"]["data"] is None
        assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await impl1.receive() == {"id": "1", "type": "complete"}
    async with screen(server) as again:  # and the old token opens no socket
        await again.send({"type": "connection_init", "payload": {"token": token}})
        assert await again.closed_with() == 4403


async def test_sockets_without_a_valid_token_are_closed(server, api) -> None:
    async with screen(server) as anonymous:
        await anonymous.send({"type": "connection_init"})
        assert await anonymous.closed_with() == 4403
    async with screen(server) as forged:
        await forged.send({"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}})
        assert await forged.closed_with() == 4403
    async with screen(server, headers={"Authorization": "Basic aW1wbDE6ZGVtbw=="}) as basic:
        await basic.send({"type": "connection_init", "payload": {}})
        assert await basic.closed_with() == 4403
    async with screen(server) as hasty:  # subscribing before connection_ack
        await hasty.send({"id": "1", "type": "subscribe", "payload": {"query": WORKLIST_CHANGED}})
        assert await hasty.closed_with() == 4401


async def test_only_subscriptions_run_over_the_socket(server, api) -> None:
    async with screen(server) as s:
        await s.send({"type": "connection_init", "payload": {"token": await api.token("impl1")}})
        assert (await s.receive())["type"] == "connection_ack"
        await s.send({"id": "q", "type": "subscribe", "payload": {"query": "mutation { signOut { signedOut } }"}})
        refused = await s.receive()
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "BAD_REQUEST", refused
        assert await s.receive() == {"id": "q", "type": "complete"}
    data = await api.gql("{ me { username } }", as_="impl1")  # still signed in: nothing ran
    assert data["me"]["username"] == "impl1"


# --- the unit of work: told after commit, never for a rollback, nothing noted unheard -----------


@pytest.fixture
async def hub() -> AsyncIterator[live.Hub]:
    started = await live.start(live.Hub())
    try:
        yield started
    finally:
        await live.stop()


async def test_changes_are_told_after_commit_and_never_for_a_rollback(ctx, hub) -> None:
    with hub.listen() as listener:
        with pytest.raises(RuntimeError):
            async with UnitOfWork(ctx) as uow:
                await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test",
                                  owner_id=1, candidate_role=Role.CENTER_OFFICER)
                raise RuntimeError("refused")
        assert len(listener) == 0

        async with UnitOfWork(ctx) as uow:
            item = await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test",
                                     owner_id=1, candidate_role=Role.CENTER_OFFICER)
            assert len(listener) == 0  # flushed, not committed: nothing yet
            await uow.commit()
        assert (await asyncio.wait_for(listener.get(), TIMEOUT)).ids == {item.id}

        # A conditional bulk UPDATE (a claim) is noted too.
        async with ctx.sessionmaker() as session:
            from exec_center.services.auth import load_viewer

            center = await load_viewer(session, await staff_id(ctx, "center"))
        await work.claim(ctx, center, item.id)
        assert (await asyncio.wait_for(listener.get(), TIMEOUT)).ids == {item.id}


async def test_nothing_is_noted_while_nobody_listens(ctx, hub) -> None:
    async with UnitOfWork(ctx) as uow:
        await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test",
                          owner_id=1, candidate_role=Role.CENTER_OFFICER)
        assert CHANGED_WORK_ITEMS not in uow.session.info
        await uow.commit()
    with hub.listen():
        async with UnitOfWork(ctx) as uow:
            assert uow.session.info[CHANGED_WORK_ITEMS] == set()


async def test_a_subscription_that_cannot_start_says_why_with_a_code(server, api) -> None:
    async with screen(server) as s:
        await s.send({"type": "connection_init", "payload": {"token": await api.token("impl1")}})
        assert (await s.receive())["type"] == "connection_ack"
        await s.send({"id": "v", "type": "subscribe", "payload": {"query": "subscription { worklistChange { kind } }"}})
        refused = await s.receive()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_screen_that_missed_news_catches_up_when_told_to_look_again(server, api, ctx) -> None:
    """What a lost Redis connection would lose: the hub tells every listener to look again."""
    item = await new_item(ctx, "impl-1")
    lead = await staff_id(ctx, "impl1-lead")
    async with subscribed(server, await api.token("impl1")) as impl1:
        await server.wait_for_listeners(1)
        async with ctx.sessionmaker() as session:  # a change no unit of work told of
            await session.execute(sa.update(WorkItem).where(WorkItem.id == item).values(
                status=WorkItemStatus.CLAIMED, assignee_id=lead, version=WorkItem.version + 1))
            await session.commit()
        fresh = await new_item(ctx, "impl-1")
        assert (await impl1.change())["workItemId"] == gid(fresh)
        server.hub.resync()
        assert await impl1.change() == {"kind": "REMOVED", "kindLabel": "移除", "workItemId": gid(item),
                                        "workItem": None}


async def test_a_transaction_begun_before_anyone_listened_makes_listeners_look_again(ctx, hub) -> None:
    async with UnitOfWork(ctx) as uow:  # nobody listens: nothing noted
        await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test",
                          owner_id=1, candidate_role=Role.CENTER_OFFICER)
        with hub.listen() as listener:
            await uow.commit()
            assert (await asyncio.wait_for(listener.get(), TIMEOUT)).resync


async def test_a_process_without_a_hub_publishes_through_redis(ctx, settings) -> None:
    """A worker process: its commits reach the API replicas' hubs through Redis."""
    if not _redis_reachable():
        pytest.skip("Redis is not reachable")
    replica = live.RedisHub(REDIS_URL)  # another process's hub, as far as this one knows
    await replica.start()
    try:
        assert live.current() is None
        worker = settings.with_(broker_url=REDIS_URL)
        with replica.listen() as listener:
            live.publish(worker, [7, 3])
            assert (await asyncio.wait_for(listener.get(), TIMEOUT)).ids == {3, 7}
    finally:
        await replica.stop()


async def test_a_subscription_sent_by_http_is_refused(api) -> None:
    body = await api.gql("subscription { worklistChanged { kind } }", as_="impl1", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
    assert "WebSocket" in body["errors"][0]["message"]


async def test_a_hub_that_loses_redis_subscribes_again_and_has_its_listeners_look_again(monkeypatch) -> None:
    if not _redis_reachable():
        pytest.skip("Redis is not reachable")
    import uuid

    import redis

    monkeypatch.setattr(live, "RECONNECT_SECONDS", 0.01)
    name = f"exec-center-live-test-{uuid.uuid4().hex[:8]}"
    hub = live.RedisHub(REDIS_URL, name=name)
    await hub.start()
    try:
        with hub.listen() as listener:
            admin = redis.Redis.from_url(REDIS_URL)
            killed = [c["id"] for c in admin.client_list() if c.get("name") == name]
            assert killed
            for client_id in killed:  # only this hub's connections
                admin.client_kill_filter(_id=client_id)
            assert (await asyncio.wait_for(listener.get(), TIMEOUT)).resync
            hub.publish([11])
            assert (await asyncio.wait_for(listener.get(), TIMEOUT)).ids == {11}
    finally:
        await hub.stop()
