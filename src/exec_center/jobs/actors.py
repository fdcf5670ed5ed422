"""Dramatiq actors. Thin: they take ids, open the workers' context and call a service.
Every actor is idempotent; a redelivered message changes nothing the second time."""

from __future__ import annotations

import logging

import dramatiq

from ..services import lifecycle, outbox
from .broker import setup_broker
from .runtime import worker_context

setup_broker()
log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60_000)
async def relay_outbox() -> None:
    """Periodic: send outbox rows that the post-commit relay missed (a crash, a lost broker)."""
    ctx = await worker_context()
    await outbox.relay_missed(ctx)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=60_000)
async def purge_sign_in_throttles() -> None:
    """Periodic: forget failed sign-ins that no longer count (past the lock time, not locked)."""
    from ..services import throttling

    ctx = await worker_context()
    await throttling.purge(ctx)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=300_000)
async def escalate_deadlines() -> None:
    """Periodic (every minute): escalate deadlines whose next check has come."""
    from ..services import deadlines

    ctx = await worker_context()
    result = await deadlines.sweep(ctx)
    if result.escalated:
        log.info(
            "deadline sweep: %s examined, %s escalated, %s notified",
            result.examined,
            result.escalated,
            result.notified,
        )


# max_backoff: a retry held longer than RabbitMQ's consumer timeout (30 min) would close the consumer.
@dramatiq.actor(queue_name="default", max_retries=10, time_limit=600_000, max_backoff=600_000)
async def recompute_deadlines(start: str, end: str) -> None:
    """After a calendar change: move the open deadlines whose period overlaps [start, end]."""
    from datetime import date

    from ..services import deadlines

    ctx = await worker_context()
    moved = await deadlines.recompute(ctx, date.fromisoformat(start), date.fromisoformat(end))
    log.info("calendar change %s..%s: %s open deadlines moved", start, end, moved)


# --- the preservation-case pipeline (Arts. 14, 17) ----------------------------------------


@dramatiq.actor(
    queue_name="default", max_retries=20, min_backoff=1_000, max_backoff=300_000, time_limit=120_000
)
async def dispatch_asset_queries(case_id: int) -> None:
    """Send a case's asset queries (one per respondent and category, in one call to the provider);
    retried with Dramatiq's backoff while the provider refuses some (the submits' back-off); a
    redelivered message sends nothing twice. Wakes the batch poll for the answers."""
    from ..services import asset_queries

    ctx = await worker_context()
    try:
        result = await asset_queries.dispatch(ctx, case_id)
    except asset_queries.RetryLater as refused:
        # The provider said "later": expected, so no traceback. Dramatiq retries with back-off
        # (and logs the retry at INFO); past its retries, reconciliation wakes the dispatch.
        # (The case moves on once all its queries are answered: the retry that sends the last
        # ones wakes the poll.)
        log.info("%s; trying again later", refused)
        raise dramatiq.Retry(str(refused)) from None
    if result.submitted:
        _wake_poll(ctx.settings.asset_query_delay_seconds)


def _wake_poll(delay_seconds: float) -> None:
    """The batch poll, when the answers just sent are due (the periodic poll is the safety net).
    A wake-up that finds them taken by another poller costs one short transaction."""
    delay_ms = int(delay_seconds * 1000)
    poll_asset_queries.send_with_options(delay=delay_ms or None)


@dramatiq.actor(queue_name="default", max_retries=5, time_limit=120_000)
async def poll_case_queries(case_id: int, round_: int = 1) -> None:
    """Fetch one case's due answers (reconciliation's wake-up for answers nobody looked at); looks
    again while some are pending (the batch poll is the safety net)."""
    from ..services import asset_queries

    ctx = await worker_context()
    result = await asset_queries.poll(ctx, case_id=case_id)
    if result.next_poll_at is not None and round_ < 60:
        # Follow the case until every query is answered: look again when the next one is due
        # (at least 1 s, at most a minute; the periodic poll is the safety net beyond that).
        wait = (result.next_poll_at - ctx.clock.now()).total_seconds()
        delay_ms = int(min(max(wait, 1.0), 60.0) * 1000)
        poll_case_queries.send_with_options(args=(case_id, round_ + 1), delay=delay_ms)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=300_000)
async def poll_asset_queries() -> None:
    """Fetch a batch of due answers across cases (periodic, and woken by each dispatch); while
    batches come back full, more are due: the next batch is sent at once."""
    from ..services import asset_queries

    ctx = await worker_context()
    result = await asset_queries.poll(ctx, batch=POLL_BATCH)
    if result.fetched >= POLL_BATCH:
        poll_asset_queries.send()


# Queries per batch poll: one provider call, one transaction for their answers and findings.
POLL_BATCH = 200


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=300_000)
async def reconcile_cases() -> None:
    """Periodic: wake whatever a lost message (or a worker killed mid-job) left undone - a dispatch
    never run or stopped half-way, a ruling never rendered, answers nobody looked at - and move on
    cases whose answers are all in. Each wake-up is idempotent, so waking too much costs nothing
    but the work of finding nothing to do."""
    from ..services import asset_queries

    ctx = await worker_context()
    found = await asset_queries.reconcile(ctx)
    for case_id in found.rulings:
        render_case_document.send(case_id, asset_queries.RULING)
    for case_id in found.dispatch:
        dispatch_asset_queries.send(case_id)
    for case_id in found.polls:
        poll_case_queries.send(case_id)
    moved = await asset_queries.finish_stalled(ctx)
    if found or moved:
        log.warning(
            "reconciliation: woke the dispatch of %s case(s) %s, the ruling of %s %s, the poll of %s %s; "
            "%s case(s) had all their answers and moved to analysis",
            len(found.dispatch),
            _some(found.dispatch),
            len(found.rulings),
            _some(found.rulings),
            len(found.polls),
            _some(found.polls),
            moved,
        )


def _some(ids: list[int], shown: int = 10) -> str:
    return "[" + ", ".join(map(str, ids[:shown])) + (", ...]" if len(ids) > shown else "]")


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=1_000, time_limit=120_000)
async def transfer_case(case_id: int) -> None:
    """Art. 17: move a case whose query-and-control is complete to an implementation team."""

    ctx = await worker_context()
    await lifecycle.transfer(ctx, case_id)


@dramatiq.actor(queue_name="default", max_retries=10, min_backoff=1_000, time_limit=120_000)
async def render_case_document(case_id: int, kind: str) -> None:
    """Render a case's document (the asset query-and-control ruling) once."""
    from ..services import documents

    ctx = await worker_context()
    await documents.render_case_document(ctx, case_id, kind)


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=5_000, time_limit=900_000)
async def produce_export(export_id: int) -> None:
    """Make a requested export (issue 15): the rows a batch at a time, progress recorded, the file
    stored with the request. A finished export is left alone; one cut off half-way starts again."""
    from ..services import exports

    ctx = await worker_context()
    await exports.produce(ctx, export_id)


@dramatiq.actor(queue_name="default", max_retries=3, time_limit=300_000)
async def purge_exports() -> None:
    """Periodic: delete exports kept past their time (7 days after they were finished), and wake
    those a lost message or a killed worker left unfinished."""
    from ..services import exports

    ctx = await worker_context()
    _deleted, stalled = await exports.purge(ctx)
    for export_id in stalled:
        produce_export.send(export_id)
    if stalled:
        log.warning("exports: woke %s unfinished export(s) %s", len(stalled), _some(stalled))


from . import channel_actors  # noqa: E402,F401  (reply delivery)
