"""The outbox relay: publishes committed outbox rows and marks them sent.

At-least-once: a message may go out twice (a crash after publish, before marking, or a commit
that fails after the broker took it), so every actor is idempotent. Two relays at once do not
send a row twice: on PostgreSQL `SKIP LOCKED` keeps them apart, on SQLite the relay is a write
transaction like any other and waits its turn at the writer gate (it then finds the row sent).

After a commit the unit of work relays its own rows and waits for them; the commits of one event
loop that ask while a relay is running share the next one (group commit), so 16 clerks receiving
at once cost a few relay transactions, not 16.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import OutboxMessage

log = logging.getLogger(__name__)

# The post-commit relay normally sends a row within milliseconds; the periodic relay leaves
# rows younger than this alone so the two do not race for fresh rows.
GRACE = timedelta(seconds=5)
BATCH = 500


async def relay(
    ctx: AppContext, *, ids: Sequence[int] | None = None, older_than: timedelta | None = None
) -> int:
    """Publish unsent outbox rows (the given ones, or all older than `older_than`).

    With `ids` (the relay after a commit), the rows of the commits that ask while a relay is
    running go together in the next one: one write transaction for many intakes instead of
    one each (on SQLite, one turn at the writer gate). Each caller still returns only once its
    rows are published (or their relay failed: the periodic relay sends them)."""
    if ctx.publisher is None:
        return 0
    if ids is not None:
        return await _Batcher.of(ctx).relay(ctx, list(ids))
    return await _relay(ctx, older_than=older_than)


class _Batcher:
    """Relays the ids of the commits of one event loop, a batch at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: list[tuple[AppContext, list[int], asyncio.Future[int]]] = []
        self.task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, ctx: AppContext) -> _Batcher:
        loop = asyncio.get_running_loop()
        batcher = _BATCHERS.get(ctx.engine.sync_engine)
        if batcher is None or batcher.loop is not loop:  # an engine serves one loop
            batcher = _BATCHERS[ctx.engine.sync_engine] = cls(loop)
        return batcher

    async def relay(self, ctx: AppContext, ids: list[int]) -> int:
        future: asyncio.Future[int] = self.loop.create_future()
        self.waiting.append((ctx, ids, future))
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, []
            contexts = {id(ctx): ctx for ctx, _, _ in batch}  # tests may share an engine
            for key, ctx in contexts.items():
                mine = [(ids, future) for c, ids, future in batch if id(c) == key]
                try:
                    sent = await _relay(ctx, ids=[i for ids, _ in mine for i in ids])
                except Exception as error:
                    for _, future in mine:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for ids, future in mine:
                    if not future.done():
                        future.set_result(len(sent.intersection(ids)))


_BATCHERS: weakref.WeakKeyDictionary[Any, _Batcher] = weakref.WeakKeyDictionary()


async def _relay(
    ctx: AppContext, *, ids: Sequence[int] | None = None, older_than: timedelta | None = None
) -> Any:
    """One relay transaction per BATCH rows; with `ids`, the set of those sent, else how many."""
    assert ctx.publisher is not None
    if ids is not None:
        sent_ids: set[int] = set()
        for start in range(0, len(ids), BATCH):
            sent_ids |= await _relay_once(ctx, ids=ids[start : start + BATCH])
        return sent_ids
    return len(await _relay_once(ctx, older_than=older_than))


async def _relay_once(
    ctx: AppContext, *, ids: Sequence[int] | None = None, older_than: timedelta | None = None
) -> set[int]:
    assert ctx.publisher is not None
    sent: set[int] = set()
    async with ctx.writer() as session:
        query = (
            sa.select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(BATCH)
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        if older_than is not None:
            query = query.where(OutboxMessage.created_at <= ctx.clock.now() - older_than)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        now = ctx.clock.now()
        for message in (await session.scalars(query)).all():
            message.attempts += 1
            try:
                ctx.publisher.publish(message.actor_name, message.args)
            except Exception:
                log.exception("could not publish outbox message %s (%s)", message.id, message.actor_name)
                continue
            message.sent_at = now
            sent.add(message.id)
        await session.commit()
    return sent


async def relay_missed(ctx: AppContext) -> int:
    """What the periodic relay runs: everything committed but not sent after the grace."""
    total = 0
    while True:
        sent = await relay(ctx, older_than=GRACE)
        total += sent
        if sent < BATCH:
            return total
