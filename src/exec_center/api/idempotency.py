"""The `Idempotency-Key` request header on `POST /graphql` (IETF httpapi draft "The
Idempotency-Key HTTP Header Field").

A client that may send a mutation twice (a clerk pressing "submit" again, a retry after a
timeout) sends a key it made up (a UUID), the same for every attempt:

    Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324

The same key from the same account within 24 hours:
- with the same body, after the first request finished: the first response again (status and
  body byte for byte, with `Idempotent-Replayed: true`); nothing is run or changed;
- with a different body: HTTP 422, `extensions.code` IDEMPOTENCY_KEY_REUSED;
- while the first request still runs: HTTP 409, IDEMPOTENCY_KEY_IN_FLIGHT, `Retry-After: 1`.

Only complete answers are kept: HTTP 200 without a fault (`INTERNAL_SERVER_ERROR`,
`UNAVAILABLE`). A request that faulted, found the database unavailable or was refused (401, 400)
gives its key back, so that a retry runs. A key is 1 to 255 characters (a Structured Fields
string in quotes, as the draft writes it, or bare); anything else is HTTP 400. The header is
ignored on requests without a valid bearer token: keys are kept per account and an anonymous
request has none (signIn changes nothing a retry could double).

Claiming the key and storing the answer are two short transactions of their own; no database
connection is held while the request runs. Records older than 24 hours are replaced when their
key comes again and purged about once an hour.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import OperationDefinitionNode, OperationType, parse
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..context import AppContext
from ..db.availability import is_unavailable
from ..services import idempotency
from ..services.auth import AuthenticationError, load_viewer, read_token
from .view import error_response, unavailable_response

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
PURGE_EVERY = timedelta(hours=1)
# A 200 answer carrying one of these errors is a fault, not an answer worth keeping.
_FAULT_CODES = frozenset({"INTERNAL_SERVER_ERROR", "UNAVAILABLE"})


def parse_key(values: list[str]) -> str | None:
    """The key, or None when the header is not one key of 1..255 characters."""
    if len(values) != 1:
        return None
    key = values[0].strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # sf-string
        key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not key or len(key) > idempotency.MAX_KEY_LENGTH:
        return None
    return key


def _is_kept(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    if status != 200:
        return False
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if not content_type.startswith(b"application/json"):
        return False
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    errors = document.get("errors") if isinstance(document, dict) else None
    return not any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") in _FAULT_CODES for e in errors or []
    )


class IdempotencyMiddleware:
    """Pure ASGI middleware around the `/graphql` endpoint."""

    def __init__(self, app: ASGIApp, app_context: AppContext) -> None:
        self.app = app
        self.app_context = app_context
        self._last_purge: datetime | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        values = headers.getlist(HEADER)
        signed = self._token_of(headers) if values else None
        staff_id, token_version = signed if signed is not None else (None, None)
        if staff_id is None:  # no key, or nobody to keep it for: an ordinary request
            return await self.app(scope, receive, send)
        key = parse_key(values)
        if key is None:
            response = error_response(
                400,
                f"the {HEADER} header must be one key of 1 to {idempotency.MAX_KEY_LENGTH} characters "
                "(e.g. a UUID), the same for every attempt of one request",
                "BAD_REQUEST",
            )
            return await response(scope, receive, send)

        body = await _read_body(receive)
        if body is None:
            return  # the client went away before sending its request
        if not _is_mutation(body):
            # Queries change nothing a retry could double, and their answers (parties' data shown
            # in full, audited per request) must not be copied into a second table.
            return await self.app(scope, _replaying(body, receive), send)
        ctx = self.app_context
        try:
            claim = await idempotency.claim(ctx, staff_id, key, hashlib.sha256(body).hexdigest())
        except sa.exc.IntegrityError:  # the token names no account: the endpoint says so
            return await self.app(scope, _replaying(body, receive), send)
        except Exception as error:  # answered as JSON like every other error
            if is_unavailable(error):
                log.warning("idempotency claim: database unavailable: %s", type(error).__name__)
                return await unavailable_response()(scope, receive, send)
            log.exception("unexpected error claiming an idempotency key")
            failed = error_response(500, "Unexpected error.", "INTERNAL_SERVER_ERROR")
            return await failed(scope, receive, send)

        if claim.verdict is idempotency.Verdict.REPLAY:
            if not await self._still_active(staff_id, token_version):  # the endpoint answers 401
                return await self.app(scope, _replaying(body, receive), send)
            log.info("idempotent replay for staff %s", staff_id)
            return await _send_stored(send, claim.status_code or 200, claim.body or b"")
        if claim.verdict is idempotency.Verdict.REUSED:
            log.info("idempotency key reused with another body by staff %s", staff_id)
            response: JSONResponse = error_response(
                422,
                f"this {HEADER} was used for a different request in the last 24 hours; "
                "use a new key for a new request",
                "IDEMPOTENCY_KEY_REUSED",
            )
            return await response(scope, receive, send)
        if claim.verdict is idempotency.Verdict.IN_FLIGHT:
            response = error_response(
                409,
                f"the first request with this {HEADER} is still being processed; retry shortly",
                "IDEMPOTENCY_KEY_IN_FLIGHT",
                headers={"Retry-After": "1"},
            )
            return await response(scope, receive, send)
        assert claim.claimed_at is not None
        await self._run(scope, receive, send, body, staff_id, key, claim.claimed_at)
        await self._purge_now_and_then()

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes,
        staff_id: int,
        key: str,
        claimed_at: datetime,
    ) -> None:
        """Run the request with its key claimed; keep its answer or give the key back."""
        ctx = self.app_context
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:  # the answer is sent once it is kept
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, _replaying(body, receive), hold)
        except BaseException:
            await self._give_back(staff_id, key, claimed_at)
            raise
        if start is None:  # nothing was answered
            await self._give_back(staff_id, key, claimed_at)
            return
        answer = b"".join(chunks)
        status = int(start["status"])
        if _is_kept(status, list(start.get("headers", [])), answer):
            try:
                kept = await idempotency.complete(ctx, staff_id, key, claimed_at, status, answer)
                if not kept:
                    log.warning("idempotency record of staff %s was replaced while its request ran", staff_id)
            except Exception as error:
                # The mutation has committed: giving the key back would let a retry run it again.
                # The claim stays until it counts as abandoned (idempotency.ABANDONED_AFTER).
                log.warning("idempotency: answer not kept (%s); key stays claimed", type(error).__name__)
        else:
            await self._give_back(staff_id, key, claimed_at)
        await send(start)
        await send({"type": "http.response.body", "body": answer, "more_body": False})

    async def _give_back(self, staff_id: int, key: str, claimed_at: datetime) -> None:
        try:
            await idempotency.release(self.app_context, staff_id, key, claimed_at)
        except Exception as error:  # it expires as abandoned after idempotency.ABANDONED_AFTER
            log.warning("idempotency: key of staff %s not released (%s)", staff_id, type(error).__name__)

    async def _purge_now_and_then(self) -> None:
        now = self.app_context.clock.now()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        try:
            purged = await idempotency.purge(self.app_context)
        except Exception as error:  # next time
            log.warning("idempotency: purge failed (%s)", type(error).__name__)
            return
        if purged:
            log.info("idempotency: purged %d records older than 24 hours", purged)

    async def _still_active(self, staff_id: int, token_version: int | None) -> bool:
        """A replay answers only a token still valid for an account that may still sign in
        (disabled or revoked: 401 as usual)."""
        async with self.app_context.sessionmaker() as session:
            return await load_viewer(session, staff_id, token_version) is not None

    def _token_of(self, headers: Headers) -> tuple[int, int] | None:
        """The account a valid bearer token names and its credential version, else None (the
        endpoint answers the token)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return read_token(self.app_context.settings, token.strip(), self.app_context.clock.now())
        except AuthenticationError:
            return None


def _is_mutation(body: bytes) -> bool:
    """Whether the request's operation is a mutation; anything unreadable is left to the endpoint."""
    try:
        request = orjson.loads(body)
        document = parse(request["query"], no_location=True)
    except Exception:  # not a GraphQL request: the endpoint says what is wrong
        return False
    name = request.get("operationName")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name is not None and o.name.value == name)]
    return len(chosen) == 1 and chosen[0].operation is OperationType.MUTATION


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the endpoint the body already read, then the client's messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_stored(send: Send, status: int, body: bytes) -> None:
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
