"""Signing in, and who the viewer is."""

from __future__ import annotations

from datetime import datetime

import strawberry
from starlette.requests import Request

from ..services import auth
from .common import UserError, run_mutation
from .context import Info
from .organisation import StaffType


def client_address(request: Request | None) -> str | None:
    """The peer's address as the server sees it (behind a reverse proxy, run uvicorn with
    --proxy-headers and --forwarded-allow-ips so that it is the client's, not the proxy's)."""
    return request.client.host if request is not None and request.client is not None else None


@strawberry.input
class SignInInput:
    username: str
    password: str


@strawberry.type
class SignInPayload:
    token: str | None = strawberry.field(default=None, description="Send as `Authorization: Bearer <token>`.")
    expires_at: datetime | None = None
    staff: StaffType | None = None
    user_errors: list[UserError]


@strawberry.type
class SessionMutation:
    @strawberry.mutation(
        description="Sign in with user name and password; the only operation "
        "open without a token. Wrong credentials: INVALID_CREDENTIALS. Failed sign-ins are "
        "throttled per user name and per client address: past a few, each next attempt waits "
        "longer, and at a threshold the name or address is locked for a while; a refused attempt "
        "is TOO_MANY_ATTEMPTS with `retryAfterSeconds` (no password is checked then)."
    )
    async def sign_in(self, info: Info, input: SignInInput) -> SignInPayload:
        ctx = info.context
        return await run_mutation(
            SignInPayload,
            lambda: auth.sign_in(ctx.app, input.username, input.password, client_address(ctx.request)),
            lambda done: {
                "token": done.token,
                "expires_at": done.expires_at,
                "staff": StaffType(row=done.staff),
            },
        )


@strawberry.type
class SignOutPayload:
    signed_out: bool = False
    user_errors: list[UserError]


@strawberry.type
class SignOutMutation:
    @strawberry.mutation(
        description="End every token of your account at once, on every device (also ended by a "
        "password reset, disabling the account or a change of its roles). Tokens otherwise "
        "last EXEC_CENTER_TOKEN_TTL_MINUTES (600) from sign-in."
    )
    async def sign_out(self, info: Info) -> SignOutPayload:
        ctx = info.context
        return await run_mutation(
            SignOutPayload, lambda: auth.sign_out(ctx.app, ctx.viewer), lambda _: {"signed_out": True}
        )


@strawberry.type
class SessionQuery:
    @strawberry.field(description="The signed-in staff member.")
    async def me(self, info: Info) -> StaffType:
        viewer = info.context.viewer
        staff = await info.context.session.get(auth.Staff, viewer.staff_id)
        return StaffType(row=staff)
