"""Test fixtures. SQLite + StubBroker by default; PostgreSQL and Redis when
EXEC_CENTER_TEST_DATABASE_URL / EXEC_CENTER_TEST_REDIS_URL are set (CI runs both).

Every test gets a database of its own, cloned from a template that is migrated and seeded with
the demo court once per run; nothing depends on data left by another test or another run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

TEST_DATABASE_URL = os.environ.get("EXEC_CENTER_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("EXEC_CENTER_TEST_REDIS_URL") or None
# The job broker under test: EXEC_CENTER_TEST_BROKER_URL (redis:// or amqp://), else the Redis one.
TEST_BROKER_URL = os.environ.get("EXEC_CENTER_TEST_BROKER_URL") or TEST_REDIS_URL
SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"

# The process-wide broker is chosen from the environment before any actor is declared. Nothing
# of the developer's own EXEC_CENTER_* settings leaks in, and nothing is written to ./var.
for _name in [n for n in os.environ if n.startswith("EXEC_CENTER_") and not n.startswith("EXEC_CENTER_TEST_")]:
    del os.environ[_name]
os.environ["EXEC_CENTER_VAR_DIR"] = tempfile.mkdtemp(prefix="exec-center-tests-")
os.environ["EXEC_CENTER_SECRET_KEY"] = SECRET
if TEST_BROKER_URL:
    os.environ["EXEC_CENTER_BROKER_URL"] = TEST_BROKER_URL

from exec_center.clock import FrozenClock  # noqa: E402
from exec_center.config import Settings, normalise_database_url  # noqa: E402
from exec_center.context import AppContext  # noqa: E402
from exec_center.db.engine import make_engine  # noqa: E402

# 2024-02-08 09:00 in Yunan (Thursday before Spring Festival): the contract's example date.
DEFAULT_NOW = datetime(2024, 2, 8, 1, 0, tzinfo=UTC)


def pytest_report_header() -> list[str]:
    db = "PostgreSQL" if TEST_DATABASE_URL else "SQLite"
    broker = ("RabbitMQ" if TEST_BROKER_URL.startswith("amqp") else "Redis") if TEST_BROKER_URL else "StubBroker"
    return [f"exec-center tests on {db} + {broker}"]


def _admin_url() -> str:
    assert TEST_DATABASE_URL
    return normalise_database_url(TEST_DATABASE_URL, name="EXEC_CENTER_TEST_DATABASE_URL")


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _pg_admin(statement: str) -> None:
    engine = make_engine(_admin_url(), pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _build_template(url: str) -> None:
    from exec_center.db.migrate import upgrade
    from exec_center.services.demo import seed_demo_court

    await upgrade(url)
    ctx = AppContext.create(_settings(url), clock=FrozenClock(DEFAULT_NOW), pool_size=1)
    try:
        await seed_demo_court(ctx)
    finally:
        await ctx.close()


def _settings(url: str, **extra: Any) -> Settings:
    # The asset-query simulator answers at once on the frozen clock: no real waiting in tests.
    return Settings(database_url=url, broker_url=TEST_BROKER_URL, secret_key=SECRET,
                    debug=extra.pop("debug", True), var_dir=Path("var"), asset_query_delay_seconds=0.0, **extra)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database holding the demo court; each test gets a copy."""
    if TEST_DATABASE_URL:
        name = f"exec_center_tpl_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        url = _with_database(_admin_url(), name)
        asyncio.run(_build_template(url))
        yield name
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_build_template(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    if TEST_DATABASE_URL:
        name = f"exec_center_test_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield _with_database(_admin_url(), name)
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "exec-center.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture(autouse=True)
def asset_query_provider(clock: FrozenClock) -> Iterator[Any]:
    """A reliable simulator on the test's clock; tests that need failures install their own."""
    from exec_center.integrations.asset_query import SimulatedAssetQueryProvider
    from exec_center.services import asset_queries

    provider = SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=0, timeout_rate=0)
    asset_queries.set_provider(provider)
    yield provider
    asset_queries.set_provider(None)


@pytest.fixture(autouse=True)
def forget_validated_documents() -> Iterator[None]:
    """Strawberry's ValidationCache is one module-level LRU keyed by (schema, document, rules):
    in production there is one schema per process, but here every test builds an app, and the
    cache kept up to 256 schemas alive (millions of objects, making each garbage collection
    and so the suite several times slower). Emptied after each test."""
    yield
    from strawberry.extensions.validation_cache import _get_validate_cache

    from exec_center.api.schema import VALIDATION_CACHE_SIZE

    _get_validate_cache(VALIDATION_CACHE_SIZE).cache_clear()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return _settings(database_url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that run Dramatiq workers or need a real broker `broker`: .ci/run runs them
    once more on RabbitMQ (`-m broker`). Those using the `workers` fixture are marked here, and so
    is every test in a test_worker_*.py or test_broker_*.py file."""
    for item in items:
        name = item.path.name
        if "workers" in getattr(item, "fixturenames", ()) or name.startswith(("test_worker_", "test_broker_")):
            item.add_marker(pytest.mark.broker)


class Outstanding:
    """Messages sent and not yet acknowledged in this process, counted by a middleware: how
    `Workers.drain()` knows RabbitMQ is idle (its queue counts leave out unacknowledged
    messages, and its join() is for "simple integration tests" only)."""

    def __init__(self) -> None:
        from dramatiq.middleware import Middleware

        self.count = 0
        self.changed = threading.Condition()
        counter = self

        class _Counter(Middleware):
            def after_enqueue(self, broker: Any, message: Any, delay: Any) -> None:
                counter.add(1)

            def after_ack(self, broker: Any, message: Any) -> None:
                counter.add(-1)

            def after_nack(self, broker: Any, message: Any) -> None:
                counter.add(-1)

        self.middleware = _Counter()

    def add(self, n: int) -> None:
        with self.changed:
            self.count += n
            self.changed.notify_all()

    def reset(self) -> None:
        with self.changed:
            self.count = 0

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


_outstanding: Outstanding | None = None


def _is_rabbitmq(broker: Any) -> bool:
    return type(broker).__name__ == "RabbitmqBroker"


@pytest.fixture
def broker(settings: Settings) -> Iterator[Any]:
    """The process-wide broker with its queues empty (RabbitMQ: purged, with their delay and
    dead-letter queues)."""
    global _outstanding
    from exec_center.jobs import actors  # noqa: F401  (declares the actors)
    from exec_center.jobs.broker import setup_broker

    broker = setup_broker(settings)
    if _is_rabbitmq(broker) and _outstanding is None:
        _outstanding = Outstanding()
        broker.add_middleware(_outstanding.middleware)
    broker.flush_all()
    if _outstanding is not None:
        _outstanding.reset()
    yield broker
    broker.flush_all()


@pytest.fixture
async def ctx(settings: Settings, clock: FrozenClock, broker: Any) -> AsyncIterator[AppContext]:
    from exec_center.jobs.broker import BrokerPublisher

    context = AppContext.create(settings, clock=clock, publisher=BrokerPublisher(broker),
                                pool_size=5)
    yield context
    await context.close()


class Workers:
    """Dramatiq worker threads in the test process; `drain()` waits until the queues are empty."""

    def __init__(self, broker: Any, settings: Settings, clock: FrozenClock) -> None:
        from dramatiq import Worker

        from exec_center.jobs import runtime

        runtime.configure(settings, clock)
        self.broker = broker
        self.worker = Worker(broker, worker_threads=2, worker_timeout=50)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        from dramatiq.worker import _WorkerMiddleware

        self.worker.stop()
        # A stopped worker leaves its middleware on the process-wide broker; the next test's
        # worker must not share acknowledgements with it.
        self.broker.middleware[:] = [m for m in self.broker.middleware
                                     if not (isinstance(m, _WorkerMiddleware) and m.worker is self.worker)]

    async def drain(self, rounds: int = 20) -> None:
        """Run every queued message (and what those enqueue) to completion."""

        def _join() -> None:
            for _ in range(rounds):
                for queue in list(self.broker.get_declared_queues()):
                    self.broker.join(queue, timeout=30_000)
                self.worker.join()
                if not any(self._pending(q) for q in self.broker.get_declared_queues()):
                    return

        def _join_rabbitmq() -> None:
            assert _outstanding is not None
            for _ in range(rounds):
                if not _outstanding.wait_idle(timeout=30):
                    raise AssertionError(f"drain: {_outstanding.count} messages still unacknowledged after 30 s")
                self.worker.join()
                if _outstanding.count <= 0:
                    return

        await asyncio.to_thread(_join_rabbitmq if _is_rabbitmq(self.broker) else _join)

    def _pending(self, queue: str) -> int:
        from dramatiq.brokers.stub import StubBroker

        if isinstance(self.broker, StubBroker):
            return self.broker.queues[queue].qsize()
        return self.broker.do_qsize(queue)  # RedisBroker


@pytest.fixture
async def workers(broker: Any, settings: Settings, clock: FrozenClock) -> AsyncIterator[Workers]:
    w = Workers(broker, settings, clock)
    w.start()
    yield w
    # Finish what the test left queued: a message held by a stopped worker would never be
    # acknowledged, and the next test's drain would wait for it forever.
    try:
        await w.drain()
    finally:
        w.stop()


# --- no personal data in any log line (issue 12, item 5) -----------------------------------

# A resident ID (17 digits and a check digit or X) or a mainland mobile number inside a log
# line: the suite's parties all have them, so a line that carries one leaked personal data.
_PERSONAL_DATA = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9X]|1[3-9][0-9]{9})(?![0-9A-Za-z])")


class _PersonalDataInLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not this check's business
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        if _PERSONAL_DATA.search(text):
            self.leaks.append(f"{record.name}: {text[:300]}")


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Every log line of every test (the project's loggers at DEBUG, SQLAlchemy's and the
    others at what they emit) is searched for an ID number or a phone."""
    handler = _PersonalDataInLogs()
    root, ours = logging.getLogger(), logging.getLogger("exec_center")
    previous = ours.level
    ours.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        ours.setLevel(previous)
    assert handler.leaks == [], "personal data in the log:\n" + "\n".join(handler.leaks)
