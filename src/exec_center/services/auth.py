"""Sign-in (argon2 password hashes) and signed, expiring bearer tokens (JWT, HS256)."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import Settings
from ..context import AppContext
from ..db.models import Staff, StaffRole, TeamMember, WindowStaff
from ..domain.access import Viewer
from ..domain.errors import DomainError, ErrorCode
from . import throttling
from .unit_of_work import UnitOfWork

hasher = PasswordHasher()
# Verified when the user name is unknown, so both failures cost the same time.
_DUMMY_HASH = hasher.hash("exec-center: no such user")
ALGORITHM = "HS256"
AUDIENCE = "exec-center"


class AuthenticationError(Exception):
    """The bearer token is missing, forged, expired or names a disabled account.

    `message` is the English text (logs, developers, `str(error)`); `zh` the clerk's text (by
    default the general one: the sign-in is not valid, sign in again)."""

    def __init__(self, message: str, *, zh: str = "登录凭证无效，请重新登录") -> None:
        super().__init__(message)
        self.message = message
        self.zh = zh


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: datetime
    staff: Staff


def hash_password(password: str) -> str:
    return hasher.hash(password)


def issue_token(settings: Settings, staff_id: int, now: datetime, version: int = 0) -> tuple[str, datetime]:
    expires_at = now + timedelta(minutes=settings.token_ttl_minutes)
    claims = {
        "sub": str(staff_id),
        "ver": version,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "aud": AUDIENCE,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires_at


def read_token(settings: Settings, token: str, now: datetime) -> tuple[int, int]:
    """The staff id a valid token names and the credential version it was issued under;
    `AuthenticationError` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "iat"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        raise _invalid_token() from None
    # A correctly signed token is still checked for the shape of its claims (a leaked key or a
    # token of another system must not turn into a server error): numeric times, and a subject
    # that is a staff id the database can hold.
    exp, iat, sub, version = claims["exp"], claims["iat"], claims["sub"], claims.get("ver", 0)
    if (
        not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (exp, iat))
        or not (isinstance(sub, str) and _STAFF_ID.fullmatch(sub) and int(sub) <= MAX_STAFF_ID)
        or not (isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 2**31)
    ):
        raise _invalid_token()
    # Times are checked against the injected clock, not the machine's, so tests can freeze it.
    if exp <= now.timestamp():
        raise AuthenticationError("the bearer token has expired; sign in again", zh="登录已过期，请重新登录")
    if iat > now.timestamp() + 60:
        raise AuthenticationError(
            "the bearer token was issued in the future; sign in again",
            zh="登录凭证的签发时间有误，请重新登录",
        )
    return int(sub), version


def _invalid_token() -> AuthenticationError:
    return AuthenticationError("the bearer token is not valid; sign in again")


_STAFF_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_STAFF_ID = 2**63 - 1  # BIGINT


def _verify(stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def sign_in(ctx: AppContext, username: str, password: str, address: str | None = None) -> SignedIn:
    """Check the password, throttled per user name and per client address (services/throttling)."""
    invalid = DomainError(
        "user name or password is wrong", zh="用户名或密码错误", code=ErrorCode.INVALID_CREDENTIALS
    )
    attempt = throttling.Attempt(username, address)
    await throttling.admit_attempt(ctx, attempt)
    async with ctx.sessionmaker() as session:
        found = await session.scalar(sa.select(Staff).where(Staff.username == username.strip()))
        stored = found.password_hash if found else _DUMMY_HASH
    # argon2 takes tens of milliseconds of CPU by design: in a thread, so that the event loop
    # (every other request) goes on, and outside any write transaction (the writer gate).
    if await asyncio.to_thread(_verify, stored, password):
        async with UnitOfWork(ctx) as uow:
            staff = await uow.session.get(Staff, found.id) if found else None
            # Unknown, disabled, or its password changed meanwhile: a failure like a wrong password.
            if staff is not None and staff.active and staff.password_hash == stored:
                if hasher.check_needs_rehash(staff.password_hash):
                    staff.password_hash = await asyncio.to_thread(hasher.hash, password)
                token, expires_at = issue_token(ctx.settings, staff.id, uow.now, staff.token_version)
                uow.actor = Viewer(staff.id, staff.username, staff.name, frozenset())
                uow.audit("SIGN_IN", "Staff", staff.id, f"{staff.username}登录")
                await throttling.record_success(uow, attempt)
                await uow.commit()
                return SignedIn(token=token, expires_at=expires_at, staff=staff)
    locked_for = await throttling.record_failure(ctx, attempt, found.id if found else None)
    if locked_for:
        raise DomainError(
            f"user name or password is wrong; after too many failed sign-ins this user name is "
            f"locked for {locked_for // 60} minutes",
            zh=f"用户名或密码错误；登录失败次数过多，该用户名已被锁定 {locked_for // 60} 分钟",
            field="username",
            code=ErrorCode.TOO_MANY_ATTEMPTS,
            retry_after=locked_for,
        )
    raise invalid


async def load_viewer(
    session: AsyncSession, staff_id: int, token_version: int | None = None
) -> Viewer | None:
    """Roles, teams and windows straight from the database: revocations take effect at once.
    With `token_version`, None also when the account's tokens were revoked since."""
    # One statement on every request: the staff row with its roles, teams and windows joined
    # (a handful each, so their product stays small).
    rows = (
        await session.execute(
            sa.select(
                Staff.id, Staff.username, Staff.name, Staff.active, Staff.token_version,
                StaffRole.role, TeamMember.team_id, TeamMember.is_lead, WindowStaff.window_id,
            )
            .outerjoin(StaffRole, StaffRole.staff_id == Staff.id)
            .outerjoin(TeamMember, TeamMember.staff_id == Staff.id)
            .outerjoin(WindowStaff, WindowStaff.staff_id == Staff.id)
            .where(Staff.id == staff_id)
        )
    ).all()
    if not rows or not rows[0].active:
        return None
    staff = rows[0]
    if token_version is not None and staff.token_version != token_version:
        return None
    return Viewer(
        staff_id=staff.id,
        username=staff.username,
        name=staff.name,
        roles=frozenset(r.role for r in rows if r.role is not None),
        team_ids=frozenset(r.team_id for r in rows if r.team_id is not None),
        lead_team_ids=frozenset(r.team_id for r in rows if r.team_id is not None and r.is_lead),
        window_ids=frozenset(r.window_id for r in rows if r.window_id is not None),
    )


async def authenticate(ctx: AppContext, session: AsyncSession, token: str) -> Viewer:
    staff_id, version = read_token(ctx.settings, token, ctx.clock.now())
    viewer = await load_viewer(session, staff_id, version)
    if viewer is None:
        raise AuthenticationError(
            "this token was revoked (signed out, password reset, account disabled or roles changed), "
            "or the account no longer exists; sign in again",
            zh="登录凭证已失效（已退出登录、密码已重置、账户已停用或角色已变更），或账户已不存在，请重新登录",
        )
    return viewer


def revoke_tokens(staff: Staff) -> None:
    """End every token issued to `staff` so far (the next sign-in gets a new one)."""
    staff.token_version = (staff.token_version or 0) + 1


async def sign_out(ctx: AppContext, viewer: Viewer) -> None:
    """End every token of the viewer's account (on every device)."""
    async with UnitOfWork(ctx, viewer) as uow:
        staff = await uow.session.get(Staff, viewer.staff_id)
        if staff is not None:
            revoke_tokens(staff)
            uow.audit("SIGN_OUT", "Staff", staff.id, f"{staff.username}退出登录")
        await uow.commit()
