"""The outbox relay: publishes committed outbox rows and marks them sent.

At-least-once: a message may go out twice (a crash after publish, before marking, or a commit
that fails after the broker took it), so every actor is idempotent. Two relays at once do not
send a row twice: on PostgreSQL `SKIP LOCKED` keeps them apart, on SQLite the relay is a write
transaction like any other and waits its turn at the writer gate (it then finds the row sent).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

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
    """Publish unsent outbox rows (the given ones, or all older than `older_than`)."""
    if ctx.publisher is None:
        return 0
    sent = 0
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
            sent += 1
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
