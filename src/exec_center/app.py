"""The ASGI application: `/graphql`, `/healthz`, `/readyz`, `/documents/{id}` (and GraphiQL's
files at `/graphiql-static/` with DEBUG)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from .api.exports import export_routes
from .api.headers import CrossOrigin, SecurityHeaders
from .api.idempotency import IdempotencyMiddleware
from .api.limits import BodyLimit
from .api.live import LiveGraphQLView
from .api.schema import build_schema
from .api.view import (
    GRAPHIQL_ASSETS_PATH,
    GraphQLMediaType,
    GraphQLView,
    error_response,
    graphiql_assets,
    unavailable_response,
)
from .clock import Clock
from .config import Settings
from .context import AppContext
from .db.availability import is_unavailable
from .services import live
from .services.auth import AuthenticationError, authenticate

log = logging.getLogger(__name__)


def create_from_environment() -> Starlette:
    """The app from the EXEC_CENTER_* environment: what each `exec-center serve --workers N`
    process builds (uvicorn's factory)."""
    from .config import load_settings

    return create_app(load_settings())


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    context: AppContext | None = None,
    run_workers: bool | None = None,
) -> Starlette:
    """Build the app. With `context` given (tests), the caller owns it and its lifecycle.

    `run_workers` (default: when embedded) starts Dramatiq worker threads and the scheduler
    in this process; in production they run as their own processes.
    """
    from .jobs.broker import BrokerPublisher, check_broker, setup_broker

    broker = setup_broker(settings)
    ctx = context or AppContext.create(settings, clock=clock, publisher=BrokerPublisher(broker))
    run_workers = settings.embedded if run_workers is None else run_workers

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The live-updates hub first (the embedded workers publish into it), stopped last.
        await live.start(settings)
        workers = None
        if run_workers:
            from .jobs.embedded import EmbeddedWorkers

            workers = EmbeddedWorkers(settings, ctx.clock)
            workers.start()
        try:
            yield
        finally:
            if workers is not None:
                workers.stop()
            await live.stop()
            if context is None:
                await ctx.close()

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        problems: dict[str, str] = {}
        try:
            async with ctx.engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
        except Exception as error:  # the reason goes to the caller; details to the log
            log.warning("readiness: database unreachable: %s", error)
            problems["database"] = f"unreachable ({type(error).__name__})"
        if not settings.embedded:
            try:
                await asyncio.to_thread(check_broker, broker)
            except Exception as error:
                log.warning("readiness: broker unreachable: %s", error)
                problems["broker"] = f"unreachable ({type(error).__name__})"
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def document(request: Request) -> Response:
        """A case document, for a viewer who may see its case (bearer token as for /graphql)."""
        from .services.documents import fetch_for_viewer

        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse({"error": "send Authorization: Bearer <token>"}, status_code=401)
        try:
            document_id = int(request.path_params["document_id"])
        except ValueError:
            return JSONResponse({"error": "not found"}, status_code=404)
        async with ctx.sessionmaker() as session:
            try:
                viewer = await authenticate(ctx, session, token.strip())
            except AuthenticationError as error:
                return JSONResponse({"error": str(error)}, status_code=401)
            found = await fetch_for_viewer(session, viewer, document_id)
        if found is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return Response(
            found.content,
            media_type=found.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{found.filename}"',
                "Cache-Control": "private, no-store",
            },
        )

    async def fault(request: Request, error: Exception) -> Response:
        """Whatever escaped a route: JSON with a code, never Starlette's plain-text 500."""
        if is_unavailable(error):
            log.warning("database unavailable at %s: %s", request.url.path, type(error).__name__)
            return unavailable_response()
        log.error("unexpected error at %s", request.url.path, exc_info=error)
        return error_response(500, "Unexpected error.", "INTERNAL_SERVER_ERROR")

    schema = build_schema(debug=settings.debug)
    view = GraphQLView(schema, ctx, debug=settings.debug)
    app = Starlette(
        debug=False,
        exception_handlers={Exception: fault},
        routes=[
            # Idempotency-Key: a repeated mutation returns the first answer and changes nothing.
            Route("/graphql", IdempotencyMiddleware(view, ctx), methods=["GET", "POST"]),
            # Subscriptions (worklistChanged) over graphql-transport-ws.
            WebSocketRoute("/graphql", LiveGraphQLView(schema, ctx, debug=settings.debug)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/documents/{document_id}", document),
            *export_routes(ctx),  # /exports/... (api/exports.py)
            *([Mount(GRAPHIQL_ASSETS_PATH, graphiql_assets())] if settings.debug else []),
        ],
        lifespan=lifespan,
    )
    app.state.context = ctx
    # Middlewares, innermost first (each added one wraps the ones before it):
    app.add_middleware(GraphQLMediaType)  # Accept: application/graphql-response+json on /graphql
    # A body over the limit is refused before any route reads it.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Pages of the listed origins may call the API (bearer tokens, no cookies). Outside BodyLimit,
    # so that a browser can read a 413 as it can a 401 or a 503; a preflight reaches no route.
    app.add_middleware(
        CrossOrigin,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        expose_headers=["Retry-After", "WWW-Authenticate", "Idempotent-Replayed"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders)  # added last: outermost, on every answer (413 too)
    return app
