"""The unit of work: one transaction holding the change, its audit event and its outbox rows.

Jobs are never sent inside the transaction: after commit the outbox rows it wrote are relayed
(best effort); the periodic relay sends whatever that missed.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import court_today
from ..context import AppContext
from ..db.models import AuditEvent, OutboxMessage
from ..domain.access import Viewer

log = logging.getLogger(__name__)


class UnitOfWork:
    """One write transaction (`AppContext.writer`: on SQLite queued and begun IMMEDIATE, so a
    read-decide-write inside it holds on both backends together with row locks on PostgreSQL)."""

    def __init__(self, ctx: AppContext, actor: Viewer | None = None) -> None:
        self.ctx = ctx
        self.actor = actor
        self._outbox: list[OutboxMessage] = []
        self.now: datetime = ctx.clock.now()
        self._writer: contextlib.AbstractAsyncContextManager[AsyncSession] | None = None

    @property
    def today(self) -> date:
        return court_today(self.ctx.clock, self.ctx.settings.tz)

    async def __aenter__(self) -> UnitOfWork:
        self._writer = self.ctx.writer()
        self.session: AsyncSession = await self._writer.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._writer is not None:  # not yet released by commit()
            writer, self._writer = self._writer, None
            await writer.__aexit__(exc_type, exc, tb)

    def enqueue(self, actor_name: str, *args: Any) -> OutboxMessage:
        """Ask for a job after commit. Arguments are ids, never personal data."""
        message = OutboxMessage(actor_name=actor_name, args=list(args), created_at=self.now, attempts=0)
        self.session.add(message)
        self._outbox.append(message)
        return message

    def audit(self, action: str, object_type: str, object_id: int, summary: str) -> None:
        self.session.add(
            AuditEvent(
                at=self.now,
                actor_id=self.actor.staff_id if self.actor else None,
                action=action,
                object_type=object_type,
                object_id=object_id,
                summary=summary[:500],
            )
        )

    async def commit(self) -> None:
        await self.session.commit()
        if self._writer is not None:  # the next writer may go while the outbox is relayed
            writer, self._writer = self._writer, None
            await writer.__aexit__(None, None, None)
        ids = [m.id for m in self._outbox]
        self._outbox.clear()
        if ids and self.ctx.publish_after_commit:
            from .outbox import relay  # local import: outbox uses this module's types

            try:
                await relay(self.ctx, ids=ids)
            except Exception:  # the periodic relay will send them; the change is committed
                log.exception("post-commit relay failed for outbox ids %s", ids)
