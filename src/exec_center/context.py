"""What a process needs to do work: settings, one engine for its event loop, a clock, and a
way to publish jobs. The API's loop and the workers' loop each build their own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .clock import Clock, SystemClock
from .config import Settings
from .db.engine import make_engine, make_sessionmaker, writer_engine
from .db.writer import GATE


class Publisher(Protocol):
    def publish(self, actor_name: str, args: Sequence[Any]) -> None:
        """Hand one message to the broker (a wake-up call; the database holds the truth)."""


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=SystemClock)
    publisher: Publisher | None = None
    # Tests switch this off to simulate a crash between commit and publish.
    publish_after_commit: bool = True
    on_close: list[Callable[[], Any]] = field(default_factory=list)
    # Sessions for write transactions (on SQLite they begin IMMEDIATE); made from `engine`.
    writer_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    def __post_init__(self) -> None:
        if self.writer_sessionmaker is None:
            self.writer_sessionmaker = make_sessionmaker(writer_engine(self.engine))

    @property
    def serialises_writers(self) -> bool:
        """SQLite: one write transaction at a time, queued by the process's writer gate."""
        return self.engine.dialect.name == "sqlite"

    @contextlib.asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A session for one write transaction, begun; the caller commits.

        On SQLite it waits its turn at the writer gate (bounded by the pool timeout, then
        `DatabaseBusy`) and holds the write lock from its first statement, so what it reads is
        what it decides on. Never open one inside another: that would wait for itself.
        """
        assert self.writer_sessionmaker is not None
        await release_request_reads()  # before waiting for anything
        gated = self.serialises_writers
        if gated:
            await GATE.acquire(self.settings.db_pool_timeout_seconds)
        try:
            async with self.writer_sessionmaker() as session:
                await session.begin()
                yield session
                if session.in_transaction():
                    await session.rollback()
        finally:
            if gated:
                GATE.release()

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        publisher: Publisher | None = None,
        pool_size: int | None = None,
    ) -> AppContext:
        engine = make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size if pool_size is None else pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            clock=clock or SystemClock(),
            publisher=publisher,
        )

    async def close(self) -> None:
        await self.engine.dispose()


# A request holds at most one connection: its read session is closed before a write
# transaction takes a connection of its own (the API sets the hook for each request).
_request_reads: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("request_reads", default=None)


def on_write_release_reads(release: Callable[[], Awaitable[None]] | None) -> Token[Any]:
    return _request_reads.set(release)


async def release_request_reads() -> None:
    release = _request_reads.get()
    if release is not None:
        await release()
