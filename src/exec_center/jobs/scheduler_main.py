"""The scheduler process: fires the periodic actors. Run exactly one replica."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from ..config import load_settings
from .broker import setup_broker
from .schedule import add_periodic_jobs

log = logging.getLogger(__name__)


def run() -> None:
    settings = load_settings()
    setup_broker(settings)
    scheduler = BlockingScheduler(timezone=settings.timezone)
    add_periodic_jobs(scheduler)
    log.info("scheduler started")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
