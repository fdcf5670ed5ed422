"""Live updates over graphql-transport-ws: `worklistChanged`, and the WebSocket view serving it.

A screen opens a WebSocket on /graphql (subprotocol `graphql-transport-ws`), sends its token in
`connection_init` (`{"authorization": "Bearer <token>"}` or `{"token": "<token>"}`) or in the
upgrade request's Authorization header, and subscribes. A missing, forged, expired or revoked
token closes the socket with 4403; subscribing before `connection_ack` closes it with 4401 (the
protocol's codes). Only subscriptions run over the socket; queries and mutations go by HTTP.

What a viewer hears is their worklist as the `worklist` query shows it by default (open and
claimed items they may see): ADDED when an item comes onto it, CHANGED when one on it changes,
REMOVED when one leaves it (done, cancelled, claimed by someone else, moved away). The item
comes with the change while the viewer may still see it (`node(id:)`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import strawberry
from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from ..context import AppContext
from ..db.models import Staff, Window, WorkItem
from ..domain import work as rules
from ..domain.access import Viewer
from ..domain.labels import LabelledEnum
from ..domain.organisation import Unit
from ..services import live, work
from ..services.auth import AuthenticationError, authenticate, read_token
from .context import Info, RequestContext
from .errors import ClientError, Unauthenticated, with_client_code, without_suggestions
from .ids import to_global_id
from .view import GraphQLView
from .worklist import COLUMNS, WorkItemType, visibility

# How long a socket may stay open without `connection_init`.
CONNECTION_INIT_SECONDS = 15
# Subscriptions one socket may hold (each holds a listener and a worklist's ids).
MAX_SUBSCRIPTIONS = 8


class WorklistChangeKindEnum(LabelledEnum):
    ADDED = "ADDED", "新增"
    CHANGED = "CHANGED", "变更"
    REMOVED = "REMOVED", "移除"


WorklistChangeKind = strawberry.enum(
    WorklistChangeKindEnum,
    name="WorklistChangeKind",
    description="How the viewer's worklist changed (zh-CN label: kindLabel).",
)


@strawberry.type(description="One change of the viewer's worklist (open and claimed items they may see).")
class WorklistChange:
    kind: WorklistChangeKind  # type: ignore[valid-type]
    work_item_id: strawberry.ID = strawberry.field(description="The global id of the work item.")
    work_item: WorkItemType | None = strawberry.field(
        description="The item as it is now, while the viewer may see it (a REMOVED item they held "
        "and finished still shows; one claimed by someone else does not)."
    )

    @strawberry.field
    def kind_label(self) -> str:
        return WorklistChangeKindEnum(self.kind).label


# --- what one viewer's worklist holds -----------------------------------------------------------


def _rows_query() -> sa.Select[Any]:
    """Work items with the one fact of their window that visibility needs."""
    centre = sa.case((Window.unit == Unit.AFFAIRS_CENTER, sa.true()), else_=sa.false()).label("center_window")
    items = sa.select(*COLUMNS, centre).select_from(WorkItem)
    return items.outerjoin(Window, Window.id == WorkItem.window_id)


async def _rows_by_id(app: AppContext, ids: frozenset[int]) -> dict[int, Any]:
    async with app.sessionmaker() as session:
        rows = (await session.execute(_rows_query().where(WorkItem.id.in_(sorted(ids))))).all()
    return {row.id: row for row in rows}


async def _shared_rows(app: AppContext, event: live.Changed) -> dict[int, Any]:
    """The event's rows, read once for every listener of this process."""
    task = event.shared.get("rows")
    if task is None:
        task = event.shared["rows"] = asyncio.ensure_future(_rows_by_id(app, event.ids))
    return await asyncio.shield(task)


def _audience(row: Any) -> rules.ItemAudience:
    return work.audience(row, bool(row.center_window))  # a row with the item's columns


@dataclass
class Change:
    kind: WorklistChangeKindEnum
    item_id: int
    row: Any | None  # the item to show, or None


class Worklist:
    """The items on one viewer's worklist as last told, to say what an event changed for them."""

    def __init__(self, app: AppContext, viewer: Viewer) -> None:
        self.app = app
        self.viewer = viewer
        self.known: dict[int, Any] = {}

    async def _on_list_now(self) -> dict[int, Any]:
        query = _rows_query().where(WorkItem.status.in_(list(rules.ACTIVE)))
        seen = visibility(self.viewer)
        if seen is not None:
            query = query.where(seen)
        async with self.app.sessionmaker() as session:
            return {row.id: row for row in (await session.execute(query)).all()}

    async def load(self) -> None:
        self.known = await self._on_list_now()

    async def apply(self, event: live.Changed) -> list[Change]:
        if event.resync:  # anything may have changed: what was and what is on the list
            now = await self._on_list_now()
            ids = frozenset(self.known) | frozenset(now)
            rows = {**await _rows_by_id(self.app, frozenset(self.known) - frozenset(now)), **now}
        else:
            ids = event.ids
            rows = await _shared_rows(self.app, event)
        changes: list[Change] = []
        for item_id in sorted(ids):
            row = rows.get(item_id)
            visible = row is not None and rules.can_see(self.viewer, _audience(row))
            on_list = visible and row.status in rules.ACTIVE
            before = self.known.get(item_id)
            if on_list:
                self.known[item_id] = row
                if before is None:
                    changes.append(Change(WorklistChangeKindEnum.ADDED, item_id, row))
                elif tuple(before) != tuple(row):
                    changes.append(Change(WorklistChangeKindEnum.CHANGED, item_id, row))
            elif before is not None:
                del self.known[item_id]
                changes.append(Change(WorklistChangeKindEnum.REMOVED, item_id, row if visible else None))
        return changes


# --- the subscription ---------------------------------------------------------------------------


@dataclass
class LiveContext(RequestContext):
    """One WebSocket's context: the viewer signed in at `connection_init`, for all its
    subscriptions."""

    websocket: WebSocket | None = None
    connection_params: dict[str, Any] | None = None
    token: str | None = None
    token_version: int = 0


async def _check_still_signed_in(ctx: LiveContext) -> None:
    """The token still holds: not expired (no database), and its account neither disabled nor
    signed out nor changed since (one read of the account's row)."""
    viewer = ctx.viewer
    if ctx.token is None:
        raise Unauthenticated()
    try:
        read_token(ctx.app.settings, ctx.token, ctx.app.clock.now())
    except AuthenticationError as error:
        ctx.viewer_or_none = None
        raise Unauthenticated(str(error)) from None
    async with ctx.app.sessionmaker() as session:
        found = (
            await session.execute(
                sa.select(Staff.active, Staff.token_version).where(Staff.id == viewer.staff_id)
            )
        ).first()
    if found is None or not found.active or found.token_version != ctx.token_version:
        ctx.viewer_or_none = None
        raise Unauthenticated("this token was revoked; sign in again and subscribe anew")


async def _after_event(ctx: RequestContext) -> None:
    """Between two events nothing is held: the read connection goes back, loaders forget."""
    await ctx.record_disclosures()
    await ctx.close()
    ctx.loaders.clear()


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Changes of the viewer's worklist as they are committed: ADDED, CHANGED or "
        "REMOVED, with the item while the viewer may see it. Over graphql-transport-ws only; "
        "ends with UNAUTHENTICATED when the token is revoked or expires."
    )
    async def worklist_changed(self, info: Info) -> AsyncGenerator[WorklistChange, None]:
        ctx = info.context
        if not isinstance(ctx, LiveContext):
            raise ClientError(
                "subscribe over a WebSocket (graphql-transport-ws) on /graphql", code="BAD_REQUEST"
            )
        await _check_still_signed_in(ctx)
        hub = live.current()
        if hub is None:
            raise ClientError("live updates are not running in this process", code="UNAVAILABLE")
        worklist = Worklist(ctx.app, ctx.viewer)
        with hub.listen() as listener:  # before the first read: nothing committed after it is missed
            await worklist.load()
            hub.ready(listener)
            while True:
                changes = await worklist.apply(await listener.get())
                if not changes:
                    continue
                await _check_still_signed_in(ctx)
                for change in changes:
                    yield WorklistChange(
                        kind=change.kind,  # type: ignore[arg-type]
                        work_item_id=strawberry.ID(to_global_id("WorkItem", change.item_id)),
                        work_item=WorkItemType(row=change.row) if change.row is not None else None,
                    )
                    await _after_event(ctx)


class OnlySubscriptionsOverWebSocket(SchemaExtension):
    """Subscriptions over the WebSocket; queries and mutations by HTTP, where idempotency keys,
    limits and status codes apply."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        over_socket = isinstance(execution.context, LiveContext)
        subscribing = execution.operation_type is OperationType.SUBSCRIPTION
        if over_socket != subscribing:
            error = ClientError(
                "only subscriptions run over the WebSocket; send queries and mutations to /graphql by HTTP"
                if over_socket
                else "subscribe over a WebSocket on /graphql (subprotocol graphql-transport-ws)",
                code="BAD_REQUEST",
            )
            refusal = GraphQLError(str(error), extensions=error.extensions, original_error=error)
            execution.result = ExecutionResult(data=None, errors=[refusal])
        yield


# --- the WebSocket view -------------------------------------------------------------------------


def _bearer(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class _TransportWSHandler(BaseGraphQLTransportWSHandler):
    """Errors of a subscription that never started (parsing, validation) as over HTTP: with
    their `extensions.code`, and without "Did you mean" naming the schema when it is hidden."""

    async def _handle_pre_execution_error(self, operation: Any, result: Any) -> None:
        result.errors = [with_client_code(error) for error in result.errors or []]
        if getattr(self.view, "hide_schema", True):
            result.errors = [without_suggestions(error) for error in result.errors]
        await super()._handle_pre_execution_error(operation, result)


class LiveGraphQLView(GraphQLView):
    """/graphql as a WebSocket: graphql-transport-ws, signed in at `connection_init`."""

    graphql_transport_ws_handler_class = _TransportWSHandler

    def __init__(self, schema: Any, app_context: AppContext, *, debug: bool) -> None:
        super().__init__(schema, app_context, debug=debug)
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        self.connection_init_wait_timeout = timedelta(seconds=CONNECTION_INIT_SECONDS)
        self.max_subscriptions_per_connection = MAX_SUBSCRIPTIONS
        # A page of another origin may open the socket only if it may call the API (CORS).
        self.allowed_origins = normalize_allowed_origins(list(app_context.settings.cors_origins))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return await super().__call__(scope, receive, send)
        try:
            await self.run(WebSocket(scope, receive=receive, send=send))
        finally:
            ctx = scope.get("state", {}).get("live_context")
            if ctx is not None:
                await ctx.close()

    async def get_context(self, request: Any, response: Any) -> LiveContext:  # type: ignore[override]
        ctx = LiveContext(app=self.app_context, websocket=request)
        request.state.live_context = ctx
        return ctx

    async def on_ws_connect(self, context: LiveContext) -> UnsetType:  # type: ignore[override]
        params = context.connection_params or {}
        token = _bearer(params.get("authorization") or params.get("Authorization"))
        if token is None and isinstance(params.get("token"), str):
            token = params["token"].strip() or None
        if token is None and context.websocket is not None:
            token = _bearer(context.websocket.headers.get("authorization"))
        if token is None:
            raise ConnectionRejectionError()
        try:
            _staff_id, version = read_token(self.app_context.settings, token, self.app_context.clock.now())
            async with self.app_context.sessionmaker() as session:
                context.viewer_or_none = await authenticate(self.app_context, session, token)
        except AuthenticationError:
            raise ConnectionRejectionError() from None
        context.token, context.token_version = token, version
        return UNSET
