"""Dramatiq actors. Thin: they take ids, open the workers' context and call a service.
Every actor is idempotent; a redelivered message changes nothing the second time."""

from __future__ import annotations

import logging

import dramatiq

from ..services import outbox
from .broker import setup_broker
from .runtime import worker_context

setup_broker()
log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60_000)
async def relay_outbox() -> None:
    """Periodic: send outbox rows that the post-commit relay missed (a crash, a lost broker)."""
    ctx = await worker_context()
    await outbox.relay_missed(ctx)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=300_000)
async def escalate_deadlines() -> None:
    """Periodic (every minute): escalate deadlines whose next check has come."""
    from ..services import deadlines

    ctx = await worker_context()
    result = await deadlines.sweep(ctx)
    if result.escalated:
        log.info("deadline sweep: %s examined, %s escalated, %s notified", result.examined,
                 result.escalated, result.notified)


@dramatiq.actor(queue_name="default", max_retries=10, time_limit=600_000)
async def recompute_deadlines(start: str, end: str) -> None:
    """After a calendar change: move the open deadlines whose period overlaps [start, end]."""
    from datetime import date

    from ..services import deadlines

    ctx = await worker_context()
    moved = await deadlines.recompute(ctx, date.fromisoformat(start), date.fromisoformat(end))
    log.info("calendar change %s..%s: %s open deadlines moved", start, end, moved)
