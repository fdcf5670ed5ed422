"""Periodic actors and how often the scheduler fires them (APScheduler, not a hand loop)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ..config import Settings

log = logging.getLogger(__name__)

# actor name -> seconds between firings (reconcile_cases: the reconcile setting, see `periodic`)
PERIODIC: dict[str, float] = {
    "relay_outbox": 10,
    "escalate_deadlines": 60,
    "poll_asset_queries": 5,
    "reconcile_cases": 15,
    "reconcile_replies": 60,
    "purge_sign_in_throttles": 900,
    "purge_exports": 3600,
}


def periodic(settings: Settings | None = None) -> dict[str, float]:
    """The firing periods. Reconciliation runs every `reconcile_seconds` (15 s by default): with
    work counted as stuck after twice that, a worker killed mid-job delays a case by at most
    about 45 s plus the provider's answer time."""
    from ..services.asset_queries import reconcile_seconds

    return PERIODIC | {"reconcile_cases": reconcile_seconds(settings)}


def add_periodic_jobs(scheduler: BaseScheduler, settings: Settings | None = None) -> None:
    from . import actors  # noqa: F401
    from .broker import current_broker

    broker = current_broker()
    periods = periodic(settings)
    for name, seconds in periods.items():
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
    log.info("scheduler: %s", ", ".join(f"{name} every {seconds:g}s" for name, seconds in periods.items()))
