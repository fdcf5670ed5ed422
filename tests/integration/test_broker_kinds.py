"""The job broker: Redis or RabbitMQ from EXEC_CENTER_BROKER_URL (StubBroker when embedded);
RabbitMQ keeps its messages durably; several threads publish at once; the periodic jobs are
quiet when they have nothing to do."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.asyncio import AsyncIO

from exec_center.config import Settings
from exec_center.jobs.broker import BrokerPublisher, build_broker, check_broker, current_broker
from exec_center.jobs.runtime import WorkerContextMiddleware, WorkerShutdown, quiet_job_logs

received: Counter[int] = Counter()
_lock = threading.Lock()


@dramatiq.actor(queue_name="default", broker=current_broker())
def broker_probe(value: int) -> None:
    with _lock:
        received[value] += 1


def _settings(url: str | None) -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///unused.db", broker_url=url, secret_key="k" * 40,
                    worker_shutdown_seconds=4.0)


@pytest.mark.parametrize("url,kind", [
    (None, StubBroker),
    ("redis://127.0.0.1:6379/15", RedisBroker),
    ("amqp://guest:guest@127.0.0.1:5672/%2F", "RabbitmqBroker"),
])
def test_the_url_picks_the_broker(url, kind) -> None:
    broker = build_broker(_settings(url))  # nothing connects until a message is sent
    if isinstance(kind, str):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        assert isinstance(broker, RabbitmqBroker)
        assert broker.confirm_delivery  # a publish returns once RabbitMQ has the message
    else:
        assert isinstance(broker, kind)
    names = [type(m) for m in broker.middleware]
    # The engine is closed and unfinished work handed back before the event loop stops.
    assert names.index(AsyncIO) < names.index(WorkerContextMiddleware) < names.index(WorkerShutdown)
    assert next(m for m in broker.middleware if isinstance(m, WorkerShutdown)).seconds == 4.0


def test_an_unreachable_broker_fails_the_check() -> None:
    with pytest.raises(Exception):  # noqa: B017  (pika's or redis' connection error)
        check_broker(build_broker(_settings("amqp://guest:guest@127.0.0.1:1/%2F")))
    with pytest.raises(Exception):  # noqa: B017
        check_broker(build_broker(_settings("redis://127.0.0.1:1/0")))


def test_the_broker_under_test_answers(broker) -> None:
    check_broker(broker)


@pytest.fixture(autouse=True)
def _clear() -> None:
    received.clear()


async def test_several_threads_publish_at_once_and_nothing_is_lost(broker, workers) -> None:
    publisher = BrokerPublisher(broker)
    connections: set[int] = set()
    start = threading.Barrier(4)

    def publish(first: int) -> None:
        start.wait()
        for value in range(first, first + 25):
            publisher.publish("broker_probe", [value])
        if hasattr(broker, "connections"):  # RabbitMQ: pika connections are per thread
            connections.add(id(broker.connection))
            del broker.connection  # the thread ends; so does its connection

    threads = [threading.Thread(target=publish, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    await workers.drain()
    assert received == Counter({n * 100 + i: 1 for n in range(4) for i in range(25)})
    if hasattr(broker, "connections"):
        assert len(connections) == 4


def test_rabbitmq_queues_are_durable_and_messages_persistent(broker) -> None:
    if type(broker).__name__ != "RabbitmqBroker":
        pytest.skip("RabbitMQ only (EXEC_CENTER_TEST_BROKER_URL=amqp://...)")
    import pika

    broker_probe.send(7)
    connection = pika.BlockingConnection(broker.parameters)
    try:
        channel = connection.channel()
        method, properties, _body = channel.basic_get("default", auto_ack=False)
        assert method is not None
        assert properties.delivery_mode == 2  # persistent: written to disk, survives a restart
        channel.basic_nack(method.delivery_tag, requeue=True)
        # Declaring it non-durable is refused: the queue is durable.
        with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="durable"):
            channel.queue_declare("default", durable=False, arguments=broker._build_queue_arguments("default"))
    finally:
        connection.close()


async def test_a_periodic_run_with_nothing_to_do_logs_nothing(broker, workers, settings, caplog) -> None:
    """The scheduler fires every periodic job and the workers run them on a quiet court:
    nothing at INFO or above (APScheduler's "Running job" lines included)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    from exec_center.jobs.schedule import PERIODIC, add_periodic_jobs

    quiet_job_logs()
    scheduler = BackgroundScheduler(timezone=settings.timezone, executors={"default": ThreadPoolExecutor(1)})
    add_periodic_jobs(scheduler)
    fired = threading.Semaphore(0)
    scheduler.add_listener(lambda _event: fired.release(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    caplog.set_level(logging.INFO)
    scheduler.start()
    try:
        caplog.clear()
        for job in scheduler.get_jobs():
            job.modify(next_run_time=datetime.now(scheduler.timezone))
        scheduler.wakeup()
        for _ in PERIODIC:
            assert fired.acquire(timeout=30), "a periodic job did not fire"
        await workers.drain()
    finally:
        scheduler.shutdown(wait=True)
    noisy = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.INFO]
    assert noisy == []
