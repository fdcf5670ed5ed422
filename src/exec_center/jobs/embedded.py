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
        runtime.quiet_job_logs()
        self.settings = settings
        self.broker = setup_broker(settings)
        from . import actors  # noqa: F401  (declare the actors before the worker starts)

        self.worker = Worker(self.broker, worker_threads=worker_threads, worker_timeout=100)
        self.scheduler = BackgroundScheduler(timezone=settings.timezone) if scheduler else None

    def start(self) -> None:
        self.worker.start()
        if self.scheduler is not None:
            add_periodic_jobs(self.scheduler, self.settings)
            self.scheduler.start()
        log.info("embedded workers started (%s threads)", self.worker.worker_threads)

    def stop(self) -> None:
        """No more firings; messages in flight get `worker_shutdown_seconds` to finish, then
        they are interrupted (their transactions roll back; the outbox and reconciliation
        bring back what the in-memory queue loses with the process)."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # Dramatiq's own bound is a backstop: the WorkerShutdown middleware interrupts what is
        # still running after worker_shutdown_seconds, and the threads then let go at once.
        seconds = self.settings.worker_shutdown_seconds + runtime.RELEASE_TIMEOUT_SECONDS
        self.worker.stop(timeout=int(seconds * 1000))
        log.info("embedded workers stopped")
