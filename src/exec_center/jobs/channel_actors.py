"""Reply delivery to the online channels (Arts. 12–13). Thin like every actor: ids in, a service
call; the service records each attempt, so a redelivered message sends nothing twice."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from .broker import setup_broker
from .runtime import worker_context

setup_broker()
log = logging.getLogger(__name__)

# Backoff doubles from 200 ms to a ceiling of 10 minutes: 26 retries keep trying for about two hours
# (with jitter); after that the reply goes back to the window (`reply_delivery_exhausted`).
DELIVERY_RETRIES = 26


@dramatiq.actor(
    queue_name="default",
    max_retries=DELIVERY_RETRIES,
    min_backoff=200,
    max_backoff=600_000,
    time_limit=120_000,
    on_retry_exhausted="reply_delivery_exhausted",
)
async def deliver_reply(message_id: int) -> None:
    """Deliver a sent reply through its channel; retried with backoff until delivered."""
    from ..services import messages

    ctx = await worker_context()
    try:
        await messages.deliver(ctx, message_id)
    except messages.DeliveryPending as pending:
        # Expected while the channel is down: retried by the Retries middleware, logged (by the
        # service) as a warning rather than as an unhandled error.
        raise dramatiq.Retry(str(pending)) from None


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=1_000, time_limit=60_000)
async def reply_delivery_exhausted(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Dramatiq's callback when `deliver_reply` ran out of retries: the window takes the reply back."""
    from ..services import messages

    args = message_data.get("args") or []
    if not args or not isinstance(args[0], int):
        log.error("reply_delivery_exhausted without a message id; nothing to do")
        return
    ctx = await worker_context()
    await messages.give_up_delivery(ctx, args[0])


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=120_000)
async def reconcile_replies() -> None:
    """Periodic: wake the delivery of replies sent but never tried (a lost message)."""
    from ..services import messages

    ctx = await worker_context()
    for message_id in await messages.reconcile(ctx):
        log.warning("reconciliation: reply to online message %s was never tried; waking it", message_id)
        deliver_reply.send(message_id)
