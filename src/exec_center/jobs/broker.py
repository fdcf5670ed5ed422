"""Broker set-up and the publisher the outbox relay uses."""

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

# The Redis consumer's poll timeout: how long an idle worker waits before it looks again.
# Low, so that a message sent to an idle worker starts at once.
REDIS_POLL_MS = 100


def build_broker(settings: Settings) -> dramatiq.Broker:
    from .runtime import WorkerContextMiddleware

    broker: dramatiq.Broker
    if settings.broker_url:
        broker = RedisBroker(url=settings.broker_url)
    else:
        broker = StubBroker()
    broker.add_middleware(AsyncIO())
    broker.add_middleware(WorkerContextMiddleware())
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


class BrokerPublisher:
    """Publishes outbox rows as Dramatiq messages. Messages carry ids only."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def publish(self, actor_name: str, args: Sequence[Any]) -> None:
        from . import actors  # noqa: F401  (declares the actors on this broker)

        self.broker.get_actor(actor_name).send(*args)
