"""Broker set-up and the publisher the outbox relay uses.

`EXEC_CENTER_BROKER_URL` picks the broker: `redis://` (Redis), `amqp://` (RabbitMQ), or unset
(embedded: Dramatiq's in-memory StubBroker inside the API process).

RabbitMQ is the durable choice: Dramatiq declares its queues (and their delay and dead-letter
queues) `durable` and publishes every message persistent (`delivery_mode=2`), so a message
survives a restart of RabbitMQ; publisher confirms are on, so a publish returns only once
RabbitMQ has taken the message (and an outbox row is marked sent only then); a message a worker
has not acknowledged goes back to its queue as soon as that worker's connection closes (a
SIGTERM, a crash). Publishing from several threads is safe: Dramatiq's RabbitmqBroker keeps one
pika `BlockingConnection` and channel per thread (`threading.local`), so the API's event loop,
the workers' event loop and every worker thread publish on connections of their own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.asyncio import AsyncIO

from ..config import Settings, load_settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_broker: dramatiq.Broker | None = None


def build_broker(settings: Settings) -> dramatiq.Broker:
    from .runtime import WorkerContextMiddleware, WorkerShutdown

    broker: dramatiq.Broker
    kind = settings.broker_kind
    if kind == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        assert settings.broker_url is not None
        broker = RabbitmqBroker(url=settings.broker_url, confirm_delivery=True)
    elif kind == "redis":
        from .polling import IdlePoll

        broker = RedisBroker(url=settings.broker_url)
        broker.add_middleware(IdlePoll())  # an idle worker looks every 20 ms, not every second
    else:
        broker = StubBroker()
    broker.add_middleware(AsyncIO())
    # After AsyncIO: its after-hooks run first, so the engine is disposed and what is still in
    # flight handed back before the event loop stops.
    broker.add_middleware(WorkerContextMiddleware())
    broker.add_middleware(WorkerShutdown(settings.worker_shutdown_seconds))
    return broker


def setup_broker(settings: Settings | None = None) -> dramatiq.Broker:
    """The process's broker, built on first use from the settings (environment by default)."""
    global _broker
    with _lock:
        if _broker is None:
            _broker = build_broker(settings or load_settings())
            dramatiq.set_broker(_broker)
        return _broker


def current_broker() -> dramatiq.Broker:
    return setup_broker()


def check_broker(broker: dramatiq.Broker) -> None:
    """Raise when the broker cannot be reached (readiness checks, health checks)."""
    if isinstance(broker, RedisBroker):
        broker.client.ping()
    elif type(broker).__name__ == "RabbitmqBroker":
        import pika

        # A connection of its own, closed at once: the caller's thread keeps nothing open.
        parameters = broker.parameters  # type: ignore[attr-defined]
        pika.BlockingConnection(parameters).close()


def ping() -> None:
    """Raise unless the configured broker answers: the containers' health check,
    `python -c 'from exec_center.jobs.broker import ping; ping()'`."""
    settings = load_settings()
    if settings.broker_kind == "rabbitmq":
        import pika

        pika.BlockingConnection(pika.URLParameters(settings.broker_url)).close()
    elif settings.broker_kind == "redis":
        import redis

        redis.Redis.from_url(settings.broker_url, socket_timeout=5).ping()


class BrokerPublisher:
    """Publishes outbox rows as Dramatiq messages. Messages carry ids only."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def publish(self, actor_name: str, args: Sequence[Any]) -> None:
        from . import actors  # noqa: F401  (declares the actors on this broker)

        self.broker.get_actor(actor_name).send(*args)
