"""Requests sent with an `Idempotency-Key` header: claim the key, keep the first response, replay it.

A key belongs to the account that sent it and counts for 24 hours. Each function is one short
write transaction of its own (on SQLite through the writer gate), so nothing holds a connection
while the request itself runs:

- `claim` inserts the record (the primary key (staff, key) lets exactly one of two requests sent
  together win) or reports what the earlier request with that key left;
- `complete` stores the response of the request that won; `release` deletes the claim of a
  request whose answer is not kept (a fault, an outage), so that a retry runs;
- `purge` deletes records older than 24 hours (the middleware calls it now and then).

A record still in flight after `ABANDONED_AFTER` belongs to a process that died mid-request;
the next request with its key runs again instead of being told to wait for a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..context import AppContext
from ..db.models import IdempotencyRecord

TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255

_R = IdempotencyRecord


class Verdict(Enum):
    RUN = "RUN"  # the key is ours: run the request, then `complete` or `release`
    REPLAY = "REPLAY"  # done before with the same body: answer what was answered then
    REUSED = "REUSED"  # the key was used for a different body
    IN_FLIGHT = "IN_FLIGHT"  # the first request with this key is still running


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    # RUN: when the claim was made (identifies it for `complete` and `release`).
    claimed_at: datetime | None = None
    # REPLAY: the stored response.
    status_code: int | None = None
    body: bytes | None = None


async def claim(ctx: AppContext, staff_id: int, key: str, request_hash: str) -> Claim:
    now = ctx.clock.now()
    for _ in range(3):  # a record released or replaced between our two statements: look again
        async with ctx.writer() as session:
            insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
            won = await session.scalar(
                insert(_R)
                .values(staff_id=staff_id, key=key, request_hash=request_hash, created_at=now)
                .on_conflict_do_nothing(index_elements=["staff_id", "key"])
                .returning(_R.key)
            )
            if won is not None:
                await session.commit()
                return Claim(Verdict.RUN, claimed_at=now)
            row = (
                await session.execute(
                    sa.select(
                        _R.request_hash, _R.created_at, _R.completed_at, _R.status_code, _R.response_body
                    ).where(_R.staff_id == staff_id, _R.key == key)
                )
            ).one_or_none()
            if row is None:
                continue
            expired = row.created_at <= now - TTL
            abandoned = row.completed_at is None and row.created_at <= now - ABANDONED_AFTER
            if expired or abandoned:
                # Replace it; of two requests doing so together, the one whose UPDATE still
                # finds the record as read wins.
                replaced = await session.scalar(
                    sa.update(_R)
                    .where(_R.staff_id == staff_id, _R.key == key, _R.created_at == row.created_at)
                    .values(
                        request_hash=request_hash,
                        created_at=now,
                        completed_at=None,
                        status_code=None,
                        response_body=None,
                    )
                    .returning(_R.key)
                )
                if replaced is None:
                    continue
                await session.commit()
                return Claim(Verdict.RUN, claimed_at=now)
            if row.request_hash != request_hash:
                return Claim(Verdict.REUSED)
            if row.completed_at is None:
                return Claim(Verdict.IN_FLIGHT)
            return Claim(Verdict.REPLAY, status_code=row.status_code, body=row.response_body)
    return Claim(Verdict.IN_FLIGHT)


def _ours(staff_id: int, key: str, claimed_at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _R.staff_id == staff_id, _R.key == key, _R.created_at == claimed_at, _R.completed_at.is_(None)
    )


async def complete(
    ctx: AppContext, staff_id: int, key: str, claimed_at: datetime, status_code: int, body: bytes
) -> bool:
    """Keep the response of the request that claimed the key; False if the claim was lost."""
    async with ctx.writer() as session:
        stored = await session.scalar(
            sa.update(_R)
            .where(_ours(staff_id, key, claimed_at))
            .values(completed_at=ctx.clock.now(), status_code=status_code, response_body=body)
            .returning(_R.key)
        )
        await session.commit()
    return stored is not None


async def release(ctx: AppContext, staff_id: int, key: str, claimed_at: datetime) -> None:
    """Give the key up: the request failed in a way a retry may cure."""
    async with ctx.writer() as session:
        await session.execute(sa.delete(_R).where(_ours(staff_id, key, claimed_at)))
        await session.commit()


async def purge(ctx: AppContext) -> int:
    """Delete records older than 24 hours; they no longer count."""
    async with ctx.writer() as session:
        result = await session.execute(sa.delete(_R).where(_R.created_at <= ctx.clock.now() - TTL))
        await session.commit()
    return result.rowcount or 0
