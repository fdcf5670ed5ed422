"""Periodic actors and how often the scheduler fires them (APScheduler, not a hand loop)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

# actor name -> seconds between firings
PERIODIC: dict[str, int] = {
    "relay_outbox": 10,
    "escalate_deadlines": 60,
    "poll_asset_queries": 5,
    "reconcile_cases": 60,
    "reconcile_replies": 60,
}


def add_periodic_jobs(scheduler: BaseScheduler) -> None:
    from . import actors  # noqa: F401
    from .broker import current_broker

    broker = current_broker()
    for name, seconds in PERIODIC.items():
        actor = broker.get_actor(name)
        scheduler.add_job(
            actor.send,
            IntervalTrigger(seconds=seconds),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        log.info("scheduler: %s every %ss", name, seconds)
