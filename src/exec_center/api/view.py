"""The `/graphql` endpoint: Strawberry's ASGI view with our context, auth and orjson.

HTTP as the GraphQL-over-HTTP spec has it: queries by GET or POST, mutations by POST only (a
mutation by GET is 405); `Accept: application/graphql-response+json` gets that media type and
its status codes (400 for a document that cannot be parsed or validated, or variables that
cannot be coerced), `application/json` (or no Accept) gets 200 with the errors as before.

A catalogue operation (schema/operations) may be named by its hash instead of its text - Apollo's
`extensions.persistedQuery.sha256Hash` or the draft's `documentId: "sha256:<hex>"`, by GET or POST -
and runs without being parsed or validated again (api/persisted.py); with
`EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY` nothing else runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError

from ..config import PREFIX, ConfigError
from ..context import AppContext, on_write_release_reads
from ..db.availability import is_unavailable
from ..services.auth import AuthenticationError, authenticate
from .context import RequestContext
from .errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, with_client_code, without_suggestions
from .persisted import CATALOGUE_DIRS, Catalogue, PersistedOperationRefused, resolve_query

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
STATIC = Path(__file__).resolve().parent / "static"
# GraphiQL's scripts and styles (DEBUG only): shipped in the package, never from a CDN.
GRAPHIQL_ASSETS_PATH = "/graphiql-static"
# The page names each asset with a hash of its content, so an asset may be kept for a year.
_ASSET_CACHE = "public, max-age=31536000, immutable"


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


@dataclasses.dataclass
class _RequestData(GraphQLRequestData):
    """A request as Strawberry reads it, plus the draft's `documentId` (which it does not read)."""

    document_id: object = None


class GraphQLView(GraphQL):
    def __init__(self, schema: Any, app_context: AppContext, *, debug: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=True,  # queries only: a mutation by GET is refused 405
            multipart_uploads_enabled=False,
        )
        self.app_context = app_context
        # With introspection off (production), errors do not suggest the schema's names either.
        self.hide_schema = not debug
        self.debug = debug
        # The trusted operations, parsed and validated when the schema was built.
        self.catalogue: Catalogue = schema.catalogue
        self.trusted_only = app_context.settings.trusted_documents_only
        if self.trusted_only and not len(self.catalogue):
            raise ConfigError(
                f"{PREFIX}TRUSTED_DOCUMENTS_ONLY is set but no operations catalogue was found "
                f"(looked in {', '.join(str(path) for path in CATALOGUE_DIRS)}): nothing could run"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope=scope, receive=receive)
        response: Response
        try:
            response = await self.run(request)
        except PersistedOperationRefused as error:  # an unknown hash, or not trusted
            response = error_response(error.status_code, error.message, error.code, headers=error.headers)
        except HTTPException as error:  # a malformed request: JSON like every other answer
            if error.status_code == 405:
                response = error_response(405, error.reason, "METHOD_NOT_ALLOWED", headers={"Allow": "POST"})
            else:
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

    async def render_graphql_ide(self, request: Request) -> Response:  # type: ignore[override]
        return HTMLResponse(graphiql_page())

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming an operation by hash has no `query` either, and is no page request.
        by_hash = "documentId" in request.query_params or "extensions" in request.query_params
        return not by_hash and super().should_render_graphql_ide(request)

    async def parse_http_body(  # type: ignore[override]
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and data.query is None:
            # Strawberry reads no `documentId`: read it here (a small body, having no document).
            if request.method == "GET":
                raw: object = request.query_params
            else:
                raw = self.parse_json(await request.get_body())
            document_id = raw.get("documentId") if isinstance(raw, Mapping) else None
            if document_id is not None:
                fields = {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}
                return _RequestData(**fields, document_id=document_id)
        return data

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> Any:
        # A hash becomes the catalogue's text (the very string, whose document is parsed and
        # validated already); an unknown hash or an untrusted document is refused here.
        query = resolve_query(
            self.catalogue,
            query=request_data.query,
            document_id=getattr(request_data, "document_id", None),
            extensions=request_data.extensions,
            trusted_only=self.trusted_only,
            allow_introspection=self.debug,
        )
        if query is not request_data.query:
            request_data = dataclasses.replace(request_data, query=query)
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            # Only a query may come by GET (a GET must change nothing): the rest is 405 with Allow.
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "only queries may be sent by GET; send mutations by POST") from error
            raise

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
        processed = await super().process_result(request, result)
        if is_request_error(result) and wanted_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE:
            # The request never ran (a document that does not parse or validate, variables that
            # do not coerce): no `data` entry and 400, as the spec asks of this media type.
            processed.pop("data", None)
            if ctx is not None and ctx.response is not None and ctx.response.status_code is None:
                ctx.response.status_code = 400  # unless refused already (401 by the guard, 503)
        return processed

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)


def is_request_error(result: Any) -> bool:
    """Did the operation never start? Errors of parsing, validation and variable coercion
    carry no path; a field's error during execution always does."""
    return result.data is None and bool(result.errors) and all(not error.path for error in result.errors)


_MEDIA_RANGE = re.compile(r"^\s*([^;\s]+)\s*(.*)$")


def wanted_media_type(accept: str | None) -> str:
    """The media type of the answer: `application/graphql-response+json` when the client
    prefers it, else `application/json` (also with no Accept or only `*/*`: legacy clients)."""
    if not accept:
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        match = _MEDIA_RANGE.match(part)
        if match is None:
            continue
        quality = 1.0
        for parameter in match.group(2).split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, match.group(1).lower()))
    for _quality, _index, media_type in sorted(ranked):
        if media_type == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media_type in (JSON, "application/*", "*/*"):
            return JSON
    return JSON


@cache
def graphiql_page() -> str:
    """The GraphiQL page: each `{{file}}` becomes that asset's address with its content hash."""

    def address(match: re.Match[str]) -> str:
        name = match.group(1)
        digest = hashlib.sha256((STATIC / "graphiql" / name).read_bytes()).hexdigest()[:16]
        return f"{GRAPHIQL_ASSETS_PATH.lstrip('/')}/{name}?v={digest}"  # relative: works under a prefix

    return re.sub(r"\{\{([\w.-]+)\}\}", address, (STATIC / "graphiql.html").read_text(encoding="utf-8"))


class GraphQLMediaType:
    """Labels `/graphql`'s JSON answers `application/graphql-response+json` for a client that
    asked for it. A middleware outside the routes, so that the answer the Idempotency-Key
    middleware keeps is plain JSON and a replay is labelled for the request that asks again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].rstrip("/").endswith("/graphql"):
            return await self.app(scope, receive, send)
        accept = b", ".join(value for name, value in scope["headers"] if name == b"accept")
        if wanted_media_type(accept.decode("latin-1")) != GRAPHQL_RESPONSE:
            return await self.app(scope, receive, send)

        async def labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith(JSON):
                    headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            await send(message)

        await self.app(scope, receive, labelled)


class _Assets(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = _ASSET_CACHE
        return response


def graphiql_assets() -> ASGIApp:
    """The GraphiQL page's scripts and styles, to mount at `GRAPHIQL_ASSETS_PATH`."""
    return _Assets(directory=STATIC / "graphiql")
