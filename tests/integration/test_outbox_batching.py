"""The relay after commit (issue 14, item 3): commits that ask at the same time are relayed in
one transaction, and each caller returns once its own rows are sent."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from exec_center.db.models import OutboxMessage
from exec_center.services import outbox
from exec_center.services.unit_of_work import UnitOfWork

from .test_deadline_engine_cache import Statements


async def committed_unsent(ctx, count: int) -> list[int]:
    ctx.publish_after_commit = False  # as if each commit's own relay had not run yet
    for _ in range(count):
        async with UnitOfWork(ctx) as uow:
            uow.enqueue("recompute_deadlines", "2024-02-08", "2024-02-08")
            await uow.commit()
    ctx.publish_after_commit = True
    async with ctx.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    sa.select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
                )
            ).all()
        )


async def test_commits_relayed_together_share_one_transaction(ctx) -> None:
    ids = await committed_unsent(ctx, 3)
    with Statements(ctx) as statements:
        sent = await asyncio.gather(*(outbox.relay(ctx, ids=[i]) for i in ids))
    assert sent == [1, 1, 1]
    relays = [s for s in statements.seen if s.startswith("SELECT") and "FROM OUTBOX" in s]
    assert len(relays) == 1, statements.seen
    async with ctx.sessionmaker() as session:
        unsent = await session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    assert unsent == 0


async def test_a_row_already_sent_is_not_sent_again(ctx) -> None:
    [first, second] = await committed_unsent(ctx, 2)
    assert await outbox.relay(ctx, ids=[first]) == 1
    assert await asyncio.gather(outbox.relay(ctx, ids=[first]), outbox.relay(ctx, ids=[second])) == [0, 1]
