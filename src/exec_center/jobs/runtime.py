"""The workers' side of the process: one AppContext on Dramatiq's event-loop thread, and a
bounded stop.

An engine belongs to the loop that made it, so the workers never share the API's engine.

Stopping (SIGTERM to `dramatiq`/`exec-center worker`, or the end of `exec-center serve`): the
worker threads take no new message; those in flight get `worker_shutdown_seconds` to finish.
What is still running then is handed back to the broker (Redis: from this worker's
acknowledgement set to the queue; RabbitMQ: rejected with requeue) and interrupted, so its
coroutine is cancelled and its transaction rolls back; another worker runs it again, and every
actor is idempotent. Then the workers' engine is disposed on its own loop (an aiosqlite
connection left open is a non-daemon thread, which would keep the process from exiting) and
the event loop stops. A worker process that is still there `HARD_EXIT_MARGIN` seconds later
(a coroutine blocking its loop) exits hard; nothing is lost, as it has handed back its work.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware, SkipMessage
from dramatiq.middleware.threading import Interrupt, raise_thread_exception

from ..clock import Clock
from ..config import Settings, load_settings
from ..context import AppContext

log = logging.getLogger(__name__)

_lock = threading.Lock()
_settings: Settings | None = None
_clock: Clock | None = None
_context: AppContext | None = None
_context_loop: asyncio.AbstractEventLoop | None = None

# How long disposing the workers' engine may take when they stop.
CLOSE_TIMEOUT_SECONDS = 5.0
# How long an interrupted message's thread gets to let go (Dramatiq waits up to 1 s for the
# cancelled coroutine).
RELEASE_TIMEOUT_SECONDS = 3.0
# A worker process still alive this long after its shutdown time exits hard.
HARD_EXIT_MARGIN = 10.0

# Loggers that speak on every firing or every message; an operator needs what is wrong only.
QUIET_LOGGERS = {
    # "Running job …" / "… executed successfully" on every firing of a periodic job.
    "apscheduler": logging.WARNING,
    # "Retrying message …" on each retry; the actor itself says why it gave up for now.
    "dramatiq.middleware.retries": logging.WARNING,
    # pika logs every connection opened and, at ERROR with tracebacks, every connection found
    # dead: RabbitMQ drops a publishing connection that was idle past its heartbeat timeout
    # (the API's, the scheduler's), and Dramatiq then publishes on a new one. What is really
    # wrong is reported by Dramatiq and by our code: a publish that fails for good raises to its
    # caller, a consumer that loses its connection logs CRITICAL.
    "pika": logging.CRITICAL,
}


def quiet_job_logs() -> None:
    """Periodic and per-message chatter is dropped; faults keep their tracebacks."""
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


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
    """Disposes the workers' engine on their loop once the worker threads have stopped (and
    before the AsyncIO middleware stops the loop: it was added before this one, and after-hooks
    run in reverse order)."""

    def after_worker_shutdown(self, broker, worker) -> None:  # type: ignore[no-untyped-def]
        thread = get_event_loop_thread()
        if thread is None or _context is None or not thread.loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(close_worker_context(), thread.loop)
        try:
            future.result(timeout=CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            log.warning("the workers' database engine did not close within %ss", CLOSE_TIMEOUT_SECONDS)
        except Exception:
            log.exception("could not close the workers' database engine")


class Abandoned(Interrupt, SkipMessage):
    """Raised in a worker thread whose message did not finish within the shutdown time. The
    message has been handed back to the broker; as a SkipMessage it is neither retried nor
    dead-lettered here."""


class WorkerShutdown(Middleware):
    """Bounds a worker's stop to `seconds`: what is still in flight then goes back to the queue."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        # Set in worker processes only (worker_main): never in the API process or in tests.
        self.hard_exit_after: float | None = None
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._in_flight: dict[int, Any] = {}  # worker thread id -> message
        self._stopped: threading.Event | None = None
        self._handed_back = False

    # --- what is in flight ------------------------------------------------------------------

    def before_process_message(self, broker, message) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._in_flight[threading.get_ident()] = message

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._in_flight.pop(threading.get_ident(), None)
            self._released.notify_all()

    after_skip_message = after_process_message

    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    # --- stopping --------------------------------------------------------------------------

    def before_worker_boot(self, broker, worker) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._in_flight.clear()
            self._handed_back = False
        self._stopped = None

    def before_worker_shutdown(self, broker, worker) -> None:  # type: ignore[no-untyped-def]
        stopped = self._stopped = threading.Event()
        running = self.in_flight()
        if running:
            log.info("worker stopping: %s messages in flight get up to %ss to finish", running, self.seconds)
        threading.Thread(
            target=self._watch, args=(broker, worker, stopped), name="worker-shutdown", daemon=True
        ).start()

    def after_worker_shutdown(self, broker, worker) -> None:  # type: ignore[no-untyped-def]
        # The worker threads were given their time (Dramatiq's own shutdown timeout may be
        # shorter than ours) and the consumers are closed: whatever still runs goes back now,
        # before the loop stops.
        self.hand_back(broker, worker)
        if self._stopped is not None:
            self._stopped.set()

    def _watch(self, broker, worker, stopped: threading.Event) -> None:  # type: ignore[no-untyped-def]
        started = time.monotonic()
        if not stopped.wait(self.seconds):
            self.hand_back(broker, worker, stop_consumers=True)
        if self.hard_exit_after is None:
            return
        time.sleep(max(0.0, started + self.seconds + self.hard_exit_after - time.monotonic()))
        _hard_exit(self.seconds + self.hard_exit_after)

    def hand_back(self, broker, worker, *, stop_consumers: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Give every message still in flight back to the broker, then interrupt its thread."""
        with self._lock:
            if self._handed_back or not self._in_flight:
                return
            self._handed_back = True
            running = list(self._in_flight.items())
        log.warning(
            "worker stopping: %s messages did not finish within %ss; handed back to the queue: %s",
            len(running),
            self.seconds,
            ", ".join(f"{m.actor_name} {m.message_id}" for _, m in running),
        )
        if stop_consumers:
            # Dramatiq stops its consumers only once the worker threads are done: stop them
            # first, or this worker would fetch again what it hands back.
            _stop_consumers(worker)
        for _, message in running:
            _requeue(worker, message)
        for thread_id, _ in running:
            raise_thread_exception(thread_id, Abandoned)
        deadline = time.monotonic() + RELEASE_TIMEOUT_SECONDS
        with self._lock:
            while any(t in self._in_flight for t, _ in running) and time.monotonic() < deadline:
                self._released.wait(timeout=max(0.0, deadline - time.monotonic()))


def _stop_consumers(worker) -> None:  # type: ignore[no-untyped-def]
    threads = list(worker.consumers.values())
    for thread in threads:
        thread.stop()
    # A consumer looks at its flag after each fetch, at the latest every worker_timeout.
    deadline = time.monotonic() + worker.worker_timeout / 1000 + RELEASE_TIMEOUT_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _requeue(worker, message) -> None:  # type: ignore[no-untyped-def]
    """Put one unacknowledged message back on its queue; the worker thread's later ack is void."""
    consumer = getattr(worker.consumers.get(message.queue_name), "consumer", None)
    if consumer is None:
        return
    try:
        known_tags = getattr(consumer, "known_tags", None)
        if known_tags is not None:
            # RabbitMQ gives back what a consumer had not acknowledged when its connection
            # closes (the worker closes it next; a process that dies drops it): forget the tag
            # so that the interrupted thread cannot acknowledge the message first.
            known_tags.discard(message._tag)
        else:
            # Redis: from this worker's acknowledgement set back to the queue at once. (The
            # StubBroker lives in this process's memory and goes with it.)
            consumer.requeue([message])
    except Exception as error:
        # Redis redelivers what a dead worker held once its heartbeat times out.
        log.warning("could not hand message %s back (%s); the broker redelivers it", message.message_id,
                    error)


def _hard_exit(after: float) -> None:
    alive = sorted(t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread())
    note = (
        f"exec-center worker: still running {after:.0f}s after it was told to stop "
        f"(non-daemon threads: {', '.join(alive) or 'none'}); exiting now\n"
    )
    try:
        os.write(2, note.encode())
    finally:
        os._exit(1)


def enable_hard_exit(broker: Any, margin: float = HARD_EXIT_MARGIN) -> None:
    """Worker processes only: exit hard `margin` seconds after the shutdown time has passed."""
    for middleware in broker.middleware:
        if isinstance(middleware, WorkerShutdown):
            middleware.hard_exit_after = margin
