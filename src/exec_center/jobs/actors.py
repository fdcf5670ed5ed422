"""Dramatiq actors. Thin: they take ids, open the workers' context and call a service.
Every actor is idempotent; a redelivered message changes nothing the second time."""

from __future__ import annotations

import dramatiq

from ..services import outbox
from .broker import setup_broker
from .runtime import worker_context

setup_broker()


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60_000)
async def relay_outbox() -> None:
    """Periodic: send outbox rows that the post-commit relay missed (a crash, a lost broker)."""
    ctx = await worker_context()
    await outbox.relay_missed(ctx)
