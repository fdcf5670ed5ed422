"""Engines and sessions. One engine per event loop: an asyncpg connection belongs to its loop."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

#: Execution option of the engine that units of work use on SQLite: their transactions start
#: with BEGIN IMMEDIATE (the write lock first, then the reads they decide on).
IMMEDIATE = "exec_center_begin_immediate"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers go on while one writer writes; the busy timeout covers other processes
    # (the CLI beside a server) - inside a process the writer gate queues writers; SQLite needs
    # FKs switched on. The driver's own transaction handling is off: `_sqlite_begin` says BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL's recommended setting: durable at checkpoints
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # pysqlite would begin only before the first write, after the reads a decision rests on.
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(
    database_url: str, *, pool_size: int = 10, max_overflow: int | None = None, pool_timeout: float = 10.0
) -> AsyncEngine:
    """The process's engine. A request waits at most `pool_timeout` seconds for a connection."""
    max_overflow = pool_size if max_overflow is None else max_overflow
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            database_url,
            # A failing statement's message must not carry its parameters: parties' names, ID
            # numbers and phones would reach the log (issue 12, item 5).
            hide_parameters=True,
            connect_args={"timeout": 30},
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
        )
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        database_url,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        # Server-side statement cache per connection; no JIT for short OLTP queries.
        connect_args={"server_settings": {"jit": "off", "application_name": "exec-center"}},
    )


def writer_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, for units of work: on SQLite their transactions begin IMMEDIATE."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{IMMEDIATE: True})
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
