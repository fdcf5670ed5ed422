"""The `/graphql` endpoint: Strawberry's ASGI view with our context, auth and orjson."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from ..context import AppContext
from ..services.auth import AuthenticationError, authenticate
from .context import RequestContext

log = logging.getLogger(__name__)


class GraphQLView(GraphQL):
    def __init__(self, schema: Any, app_context: AppContext, *, debug: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=False,
        )
        self.app_context = app_context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            await super().__call__(scope, receive, send)
        except AuthenticationError as error:
            # A forged, expired or revoked token: an authentication error and no data.
            response = JSONResponse(
                {
                    "data": None,
                    "errors": [{"message": str(error), "extensions": {"code": "UNAUTHENTICATED"}}],
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            await response(scope, receive, send)
        finally:
            ctx = scope.get("state", {}).get("request_context")
            if ctx is not None:
                await ctx.close()

    async def get_context(self, request: Request, response: Response) -> RequestContext:  # type: ignore[override]
        ctx = RequestContext(app=self.app_context, request=request, response=response)
        request.state.request_context = ctx
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
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)
