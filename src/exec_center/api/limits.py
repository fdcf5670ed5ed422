"""The request-size limit: a body larger than the setting is refused 413 before it is read whole
(issue 12: an anonymous 100 MB POST was read and parsed in full before the 401)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .view import error_response


class BodyLimit:
    """Refuse a request whose body exceeds `max_bytes`: at once when Content-Length says so, else
    as soon as the chunks read pass the limit (the body read so far is replayed to the app)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return await error_response(400, "Content-Length is not a number", "BAD_REQUEST")(
                    scope, receive, send
                )
            if int(declared) > self.max_bytes:
                return await self._too_large(scope, receive, send)
            return await self.app(scope, receive, send)
        # No length given (chunked): read up to the limit, then hand what was read to the app.
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            f"the request body is larger than {self.max_bytes} bytes",
            "PAYLOAD_TOO_LARGE",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
