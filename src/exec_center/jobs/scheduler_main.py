"""The scheduler process: fires the periodic actors. Run exactly one replica.

SIGTERM or Ctrl-C stops it at once: no more firings; a send in progress finishes (it only
enqueues a message, and a firing missed is made up by the next one). Quiet at INFO: one line
when it starts and one when it stops."""

from __future__ import annotations

import logging
import os
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from ..config import Settings, load_settings
from .broker import setup_broker
from .runtime import quiet_job_logs
from .schedule import PERIODIC, add_periodic_jobs

log = logging.getLogger(__name__)


def run(
    settings: Settings | None = None, stop: threading.Event | None = None, *, process: bool = True
) -> None:
    """Fire the periodic actors until SIGTERM/SIGINT (or until `stop` is set). `process`: this is
    the process's main job; it exits within the shutdown time once stopped."""
    settings = settings or load_settings()
    quiet_job_logs()
    setup_broker(settings)
    stop = stop or threading.Event()
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    add_periodic_jobs(scheduler, settings)

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {}
    if process and threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler.start()
    log.info("scheduler started: %s periodic jobs", len(PERIODIC))
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process:
            _exit_within(settings.worker_shutdown_seconds)
    log.info("scheduler stopped")


def _exit_within(seconds: float) -> None:
    """A send stuck on an unreachable broker must not keep the process: the executor's threads
    are joined at exit, so leave hard if that takes longer than `seconds`."""

    def _leave() -> None:
        os.write(2, f"exec-center scheduler: a send did not finish within {seconds:.0f}s; exiting\n".encode())
        os._exit(1)

    timer = threading.Timer(seconds, _leave)
    timer.daemon = True
    timer.start()
