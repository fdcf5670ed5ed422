"""How soon an idle worker sees a new message on Redis.

Dramatiq's Redis consumer polls: when the queue is empty it sleeps, doubling each time (5 ms,
10 ms, ...) up to the worker's `worker_timeout` (1,000 ms by default, with jitter down to half
of it), so a message sent to an idle worker waited a quarter to a full second before anyone
looked. The same bound holds while the worker is busy with as many messages as it prefetches.
RabbitMQ pushes messages to its consumers and the StubBroker's queue wakes its getter, so this
applies to Redis only (`broker.build_broker` adds it there).

With `IDLE_POLL_MS` = 20 an idle worker picks a message up within 20 ms; the price is one fetch
(a Lua script) every 10-20 ms per queue and worker process while idle - the default queue and
its delay queue, so about 100 small Redis calls a second per idle process.
"""

from __future__ import annotations

from typing import Any

from dramatiq.middleware import Middleware

IDLE_POLL_MS = 20


class IdlePoll(Middleware):
    """Caps the worker's `worker_timeout` (how long its consumers sleep on an empty queue, and
    how often they look at delayed messages) before its threads start."""

    def __init__(self, milliseconds: int = IDLE_POLL_MS) -> None:
        self.milliseconds = milliseconds

    def before_worker_boot(self, broker: Any, worker: Any) -> None:
        worker.worker_timeout = min(worker.worker_timeout, self.milliseconds)
