"""Embedded mode: worker threads on the StubBroker and the scheduler inside the API process."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from dramatiq import Worker

from ..clock import Clock
from ..config import Settings
from . import runtime
from .broker import setup_broker
from .schedule import add_periodic_jobs

log = logging.getLogger(__name__)


class EmbeddedWorkers:
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        *,
        worker_threads: int = 2,
        scheduler: bool = True,
    ) -> None:
        runtime.configure(settings, clock)
        self.broker = setup_broker(settings)
        from . import actors  # noqa: F401  (declare the actors before the worker starts)

        self.worker = Worker(self.broker, worker_threads=worker_threads, worker_timeout=100)
        self.scheduler = BackgroundScheduler(timezone=settings.timezone) if scheduler else None

    def start(self) -> None:
        self.worker.start()
        if self.scheduler is not None:
            add_periodic_jobs(self.scheduler)
            self.scheduler.start()
        log.info("embedded workers started (StubBroker, %s threads)", self.worker.worker_threads)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.worker.stop()
