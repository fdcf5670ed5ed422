"""What a process needs to do work: settings, one engine for its event loop, a clock, and a
way to publish jobs. The API's loop and the workers' loop each build their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .clock import Clock, SystemClock
from .config import Settings
from .db.engine import make_engine, make_sessionmaker


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

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        publisher: Publisher | None = None,
        pool_size: int = 10,
    ) -> AppContext:
        engine = make_engine(settings.database_url, pool_size=pool_size)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            clock=clock or SystemClock(),
            publisher=publisher,
        )

    async def close(self) -> None:
        await self.engine.dispose()
