"""One writer at a time on SQLite, first come first served, across threads and event loops.

SQLite allows one write transaction per database file. Left to itself, a second writer spins in
SQLite's busy handler and a writer that read before it wrote can fail at once ("database is
locked"), so bursts turn into timeouts. In the embedded install the API's event loop and the
worker threads' loops share one process: this gate queues their write transactions, and each
starts with BEGIN IMMEDIATE so that what it reads is what it decides on. Other processes (the
CLI beside a running server) still meet SQLite's own lock and its busy timeout.

PostgreSQL needs none of this: its write transactions run concurrently and lock rows.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque


class DatabaseBusy(Exception):
    """A writer waited longer than the pool timeout for its turn: answered as UNAVAILABLE."""


class NestedWriter(RuntimeError):
    """A unit of work opened inside another on SQLite would wait for itself forever."""


class WriterGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._held = False
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def acquire(self, wait_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        with self._lock:
            if self._held and task is not None and self._owner is task:
                raise NestedWriter("a unit of work was opened inside another one on SQLite")
            if not self._held:
                self._held = True
                self._owner = task
                return
            waiter: asyncio.Future[None] = loop.create_future()
            entry = (loop, waiter)
            self._waiters.append(entry)
        try:
            async with asyncio.timeout(wait_seconds):
                await waiter
        except (asyncio.CancelledError, TimeoutError) as error:
            with self._lock:
                handed_over = entry not in self._waiters
                if not handed_over:
                    self._waiters.remove(entry)
            if handed_over:  # the turn came as we gave up: pass it on
                self.release()
            if isinstance(error, TimeoutError):
                raise DatabaseBusy(f"waited {wait_seconds:g} s for the database") from None
            raise
        self._owner = task

    def release(self) -> None:
        with self._lock:
            self._owner = None
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                try:
                    loop.call_soon_threadsafe(_hand_over, waiter)
                    return  # the gate stays held: it now belongs to that waiter
                except RuntimeError:  # its loop is closed; nobody is waiting there any more
                    continue
            self._held = False


def _hand_over(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
    # A waiter cancelled after it was handed the turn releases it itself (see acquire).


#: The process's gate. One per process is right: SQLite's lock is per file, and a process
#: serves one database.
GATE = WriterGate()
