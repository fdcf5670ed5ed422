"""Security headers on every response (issue 12): the API's answers carry parties' personal
data, so nothing is cached or sniffed, and no page of ours may be framed. And CORS (issue 13):
which other origins' pages may call the API."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .view import error_response

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# JSON and documents: nothing to run, nothing to embed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# GraphiQL (DEBUG only): its scripts and styles are files of ours (api/static/graphiql/), so the
# page runs nothing inline and loads nothing from elsewhere; only data: images and fonts.
GRAPHIQL_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", GRAPHIQL_POLICY if html else API_POLICY)
                # Answers may carry ID numbers and phones: never stored by a browser or a proxy.
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossOrigin(CORSMiddleware):
    """Starlette's CORS for the listed origins. An origin not listed learns nothing from us: its
    preflight is refused without any `Access-Control-*` header (Starlette's would still list the
    methods and headers allowed), and its other requests are answered without them."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or self.is_allowed_origin(origin):
            return await super().__call__(scope, receive, send)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            refusal = error_response(403, "this origin may not call the API", "ORIGIN_NOT_ALLOWED")
            refusal.headers["Vary"] = "Origin"
            return await refusal(scope, receive, send)

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).add_vary_header("Origin")  # the answer differs by origin
            await send(message)

        await self.app(scope, receive, send_varying)
