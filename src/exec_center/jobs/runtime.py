"""The workers' side of the process: one AppContext on Dramatiq's event-loop thread.

An engine belongs to the loop that made it, so the workers never share the API's engine."""

from __future__ import annotations

import asyncio
import logging
import threading

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from ..clock import Clock
from ..config import Settings, load_settings
from ..context import AppContext

log = logging.getLogger(__name__)

_lock = threading.Lock()
_settings: Settings | None = None
_clock: Clock | None = None
_context: AppContext | None = None
_context_loop: asyncio.AbstractEventLoop | None = None


def configure(settings: Settings | None = None, clock: Clock | None = None) -> None:
    """Set what the workers' context is built from (the API process and tests call this)."""
    global _settings, _clock
    with _lock:
        _settings, _clock = settings, clock


async def worker_context() -> AppContext:
    """The context for the running loop, built on first use."""
    global _context, _context_loop
    loop = asyncio.get_running_loop()
    if _context is None or _context_loop is not loop:
        from .broker import BrokerPublisher, current_broker

        settings = _settings or load_settings()
        _context = AppContext.create(
            settings, clock=_clock, publisher=BrokerPublisher(current_broker()), pool_size=5
        )
        _context_loop = loop
    return _context


async def close_worker_context() -> None:
    global _context, _context_loop
    if _context is not None:
        ctx, _context, _context_loop = _context, None, None
        await ctx.close()


class WorkerContextMiddleware(Middleware):
    """Disposes the workers' engine on their loop before the loop stops."""

    def before_worker_shutdown(self, broker, worker) -> None:  # type: ignore[no-untyped-def]
        thread = get_event_loop_thread()
        if thread is not None and _context is not None:
            try:
                thread.run_coroutine(close_worker_context())
            except Exception:
                log.exception("could not close the workers' database engine")
