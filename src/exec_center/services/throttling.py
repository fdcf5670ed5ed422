"""Sign-in throttling kept in the database (rule: domain/throttling.py).

In the database, not in process memory, so that every API replica and a restart see the same
counts. Each step is one short write transaction (row-locked on PostgreSQL, serialised by the
writer gate on SQLite), so parallel guesses are counted one by one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..config import Settings
from ..context import AppContext
from ..db.models import SignInThrottle
from ..domain.errors import DomainError, ErrorCode
from ..domain.throttling import (
    AttemptRecord,
    ThrottlePolicy,
    ThrottleScope,
    admit,
    after_failure,
    after_success,
    wait_seconds,
)
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

KEY_LENGTH = 64


def policies(settings: Settings) -> dict[ThrottleScope, ThrottlePolicy]:
    lock_seconds = settings.signin_lock_minutes * 60

    def policy(free_failures: int, lock_after: int) -> ThrottlePolicy:
        return ThrottlePolicy(free_failures, lock_after, lock_seconds, window_seconds=lock_seconds,
                              max_delay=settings.signin_max_delay_seconds)

    s = settings
    return {
        ThrottleScope.ACCOUNT: policy(s.signin_free_failures, s.signin_lock_after),
        ThrottleScope.ADDRESS: policy(s.signin_address_free_failures, s.signin_address_lock_after),
    }


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the user name as typed and the client's address (if known)."""

    username: str
    address: str | None

    def keys(self) -> list[tuple[ThrottleScope, str]]:
        keys = [(ThrottleScope.ACCOUNT, self.username.strip().casefold()[:KEY_LENGTH])]
        if self.address:
            keys.append((ThrottleScope.ADDRESS, self.address[:KEY_LENGTH]))
        return keys


def _record(row: SignInThrottle) -> AttemptRecord:
    return AttemptRecord(row.failures, row.last_attempt_at, row.locked_until)  # aware (UTCDateTime)


def _store(row: SignInThrottle, record: AttemptRecord) -> None:
    row.failures = record.failures
    row.last_attempt_at = record.last_attempt_at
    row.locked_until = record.locked_until


async def _rows(uow: UnitOfWork, keys: list[tuple[ThrottleScope, str]]) -> list[SignInThrottle]:
    """The rows of `keys`, created when missing, locked for this transaction on PostgreSQL."""
    dialect = uow.session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = []
    for scope, key in keys:
        await uow.session.execute(
            insert(SignInThrottle)
            .values(scope=scope, key=key, failures=0)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
        )
        query = sa.select(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
        if dialect == "postgresql":
            query = query.with_for_update()
        rows.append(await uow.session.scalar(query.execution_options(populate_existing=True)))
    return rows


async def admit_attempt(ctx: AppContext, attempt: Attempt) -> None:
    """Let the attempt through (counted as a failure until it succeeds), or refuse it with
    TOO_MANY_ATTEMPTS and the seconds to wait. A refused attempt checks no password."""
    rules = policies(ctx.settings)
    async with UnitOfWork(ctx) as uow:
        rows = await _rows(uow, attempt.keys())
        waits = {row.scope: wait_seconds(rules[row.scope], _record(row), uow.now) for row in rows}
        wait = max(waits.values())
        if wait:
            await uow.session.rollback()
            scope = max(waits, key=lambda s: waits[s])
            log.info("sign-in refused: %s throttled for %d s", scope.value.lower(), wait)
            account = scope is ThrottleScope.ACCOUNT
            whose = "for this user name" if account else "from this address"
            zh_whose = "该用户名" if account else "本机地址"
            raise DomainError(
                f"too many failed sign-ins {whose}; try again in {wait} seconds",
                zh=f"{zh_whose}登录失败次数过多，请 {wait} 秒后再试",
                field="username" if scope is ThrottleScope.ACCOUNT else None,
                code=ErrorCode.TOO_MANY_ATTEMPTS,
                retry_after=wait,
            )
        for row in rows:
            _store(row, admit(rules[row.scope], _record(row), uow.now))
        await uow.commit()


async def record_failure(ctx: AppContext, attempt: Attempt, staff_id: int | None) -> int | None:
    """Audit the failed attempt, and lock what reached its threshold. The seconds of a lock the
    failure caused on the account, if it did."""
    rules = policies(ctx.settings)
    locked_for: int | None = None
    async with UnitOfWork(ctx) as uow:
        rows = await _rows(uow, attempt.keys())
        account = rows[0]
        subject = ("Staff", staff_id) if staff_id is not None else ("SignInThrottle", account.id)
        uow.audit(
            "SIGN_IN_FAILED",
            *subject,
            f"用户名“{account.key}”登录失败（密码错误或用户名不存在）"
            + (f"，来源地址{attempt.address}" if attempt.address else "")
            + f"，连续第{account.failures}次",
        )
        for row in rows:
            before = _record(row)
            after = after_failure(rules[row.scope], before, uow.now)
            if after == before:
                continue
            _store(row, after)
            minutes = rules[row.scope].lock_seconds // 60
            why = f"连续登录失败{row.failures}次，锁定{minutes}分钟"
            if row.scope is ThrottleScope.ACCOUNT:
                locked_for = rules[row.scope].lock_seconds
                uow.audit("SIGN_IN_LOCKED", *subject, f"用户名“{row.key}”{why}")
            else:
                uow.audit("SIGN_IN_ADDRESS_LOCKED", "SignInThrottle", row.id, f"来源地址{row.key}{why}")
        await uow.commit()
    return locked_for


async def record_success(uow: UnitOfWork, attempt: Attempt) -> None:
    """In the sign-in's own transaction: the account starts afresh; the address gets this one
    attempt back but keeps its failures (one valid account must not wipe what the same address
    tried against others)."""
    keys = attempt.keys()
    scope, key = keys[0]
    await uow.session.execute(
        sa.delete(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
    )
    for row in (await _rows(uow, keys[1:])) if len(keys) > 1 else []:
        _store(row, after_success(_record(row)))


async def clear_account(uow: UnitOfWork, username: str) -> None:
    """An administrator reset the password: the account's lock and count go."""
    await uow.session.execute(
        sa.delete(SignInThrottle).where(
            SignInThrottle.scope == ThrottleScope.ACCOUNT,
            SignInThrottle.key == username.strip().casefold()[:KEY_LENGTH],
        )
    )


async def purge(ctx: AppContext) -> int:
    """Delete rows that no longer count (past the window and not locked)."""
    now = ctx.clock.now()
    window = timedelta(minutes=ctx.settings.signin_lock_minutes)
    async with ctx.writer() as session:
        result = await session.execute(
            sa.delete(SignInThrottle).where(
                SignInThrottle.last_attempt_at <= now - window,
                sa.or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
            )
        )
        await session.commit()
    return result.rowcount or 0
