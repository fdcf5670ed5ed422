"""The `/graphql` endpoint: Strawberry's ASGI view with our context, auth and orjson."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from ..context import AppContext, on_write_release_reads
from ..db.availability import is_unavailable
from ..services.auth import AuthenticationError, authenticate
from .context import RequestContext
from .errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, with_client_code, without_suggestions

log = logging.getLogger(__name__)


def error_response(
    status_code: int, message: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A GraphQL-shaped error body: clients read `errors[].extensions.code` whatever the status."""
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status_code,
        headers=headers,
    )


def unavailable_response() -> JSONResponse:
    return error_response(
        503, UNAVAILABLE_MESSAGE, "UNAVAILABLE", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


class GraphQLView(GraphQL):
    def __init__(self, schema: Any, app_context: AppContext, *, debug: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=False,
        )
        self.app_context = app_context
        # With introspection off (production), errors do not suggest the schema's names either.
        self.hide_schema = not debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope=scope, receive=receive)
        response: Response
        try:
            response = await self.run(request)
        except HTTPException as error:  # a malformed request: JSON like every other answer
            response = error_response(error.status_code, error.reason, "BAD_REQUEST")
        except AuthenticationError as error:
            # A forged, expired or revoked token: an authentication error and no data.
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            response = error_response(401, str(error), "UNAUTHENTICATED", headers=challenge)
        except Exception as error:
            if is_unavailable(error):
                log.warning("database unavailable: %s: %s", type(error).__name__, str(error)[:200])
                response = unavailable_response()
            else:
                log.exception("unexpected error answering /graphql")
                response = error_response(500, "Unexpected error.", "INTERNAL_SERVER_ERROR")
        finally:
            ctx = scope.get("state", {}).get("request_context")
            if ctx is not None:
                await ctx.close()
        await response(scope, receive, send)

    async def get_context(self, request: Request, response: Response) -> RequestContext:  # type: ignore[override]
        ctx = RequestContext(app=self.app_context, request=request, response=response)
        request.state.request_context = ctx
        on_write_release_reads(ctx.close)  # a write gives the read connection back first
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("use `Authorization: Bearer <token>`")
            ctx.viewer_or_none = await authenticate(self.app_context, ctx.session, token.strip())
        return ctx

    async def process_result(self, request: Request, result: Any) -> Any:  # type: ignore[override]
        ctx = getattr(request.state, "request_context", None)
        if ctx is not None:
            await ctx.record_disclosures()  # before the response leaves
            if ctx.unavailable and ctx.response is not None:
                ctx.response.status_code = 503
                ctx.response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if result.errors:  # errors of parsing and validation never reach the schema's extensions
            result.errors = [with_client_code(error) for error in result.errors]
            if self.hide_schema:
                result.errors = [without_suggestions(error) for error in result.errors]
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)
