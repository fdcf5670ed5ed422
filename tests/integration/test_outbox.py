"""The transactional outbox: nothing is sent for a rolled-back transaction; a crash between
commit and send is repaired by the periodic relay."""

from __future__ import annotations

import threading

import dramatiq
import pytest
import sqlalchemy as sa

from exec_center.db.models import OutboxMessage
from exec_center.jobs.broker import current_broker
from exec_center.services import outbox
from exec_center.services.unit_of_work import UnitOfWork

received: list[int] = []
_lock = threading.Lock()


@dramatiq.actor(queue_name="default", broker=current_broker())
def outbox_probe(value: int) -> None:
    with _lock:
        received.append(value)


@pytest.fixture(autouse=True)
def _clear() -> None:
    received.clear()


async def _unsent(ctx) -> list[int]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None)))).all())


async def test_a_committed_message_is_sent_after_commit(ctx, workers) -> None:
    async with UnitOfWork(ctx) as uow:
        uow.enqueue("outbox_probe", 1)
        await uow.commit()
    await workers.drain()
    assert received == [1]
    assert await _unsent(ctx) == []


async def test_a_rolled_back_transaction_sends_nothing(ctx, workers) -> None:
    with pytest.raises(RuntimeError):
        async with UnitOfWork(ctx) as uow:
            uow.enqueue("outbox_probe", 2)
            await uow.session.flush()
            raise RuntimeError("the service refused half-way")
    ctx.clock.advance(minutes=1)
    await outbox.relay_missed(ctx)
    await workers.drain()
    assert received == []
    async with ctx.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


async def test_a_crash_between_commit_and_send_still_delivers(ctx, workers) -> None:
    ctx.publish_after_commit = False  # the process dies right after COMMIT
    async with UnitOfWork(ctx) as uow:
        uow.enqueue("outbox_probe", 3)
        await uow.commit()
    await workers.drain()
    assert received == [] and len(await _unsent(ctx)) == 1
    # Too fresh for the periodic relay: it leaves rows the post-commit relay may still send.
    assert await outbox.relay_missed(ctx) == 0
    ctx.clock.advance(seconds=outbox.GRACE.total_seconds() + 1)
    assert await outbox.relay_missed(ctx) == 1
    await workers.drain()
    assert received == [3]
    assert await _unsent(ctx) == []
    assert await outbox.relay_missed(ctx) == 0  # sent once, not again


async def test_the_periodic_relay_actor_sends_what_was_missed(ctx, workers) -> None:
    ctx.publish_after_commit = False
    async with UnitOfWork(ctx) as uow:
        uow.enqueue("outbox_probe", 4)
        await uow.commit()
    ctx.clock.advance(minutes=1)
    current_broker().get_actor("relay_outbox").send()
    await workers.drain()
    assert received == [4]
