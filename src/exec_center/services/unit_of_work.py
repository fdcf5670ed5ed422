"""The unit of work: one transaction holding the change, its audit event and its outbox rows.

Jobs are never sent inside the transaction: after commit the outbox rows it wrote are relayed
(best effort); the periodic relay sends whatever that missed.

Live updates: while someone may listen (services/live), the session notes the ids of the work
items the transaction inserts, updates or deletes - by the ORM or by a bulk UPDATE/DELETE - and
commit() publishes them once the transaction has committed. A rollback publishes nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from datetime import date, datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from ..clock import court_today
from ..context import AppContext
from ..db.models import AuditEvent, OutboxMessage, WorkItem
from ..documents.formatting import amount_in_figures
from ..domain.access import Viewer
from . import live

log = logging.getLogger(__name__)


def yuan(amount: Any) -> str:
    """An amount as history entries write it: ``125,000.00元``."""
    return f"{amount_in_figures(amount)}元"

# session.info key: the ids of the work items this transaction changed (absent: not noted).
CHANGED_WORK_ITEMS = "exec_center.live.work_items"


@event.listens_for(Session, "after_flush")
def _note_flushed_work_items(session: Session, _flush: UOWTransaction) -> None:
    noted = session.info.get(CHANGED_WORK_ITEMS)
    if noted is None:
        return
    # After the flush the lists still hold what it wrote, and new rows have their ids.
    for obj in itertools.chain(session.new, session.deleted):
        if isinstance(obj, WorkItem) and obj.id is not None:
            noted.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, WorkItem) and obj.id is not None and session.is_modified(obj):
            noted.add(obj.id)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_work_items(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of work items (the services' conditional updates): the ids it
    may touch, read with its own WHERE just before it runs. One more indexed read, only while
    someone listens; an id noted that the statement then leaves alone costs a listener a look."""
    noted = state.session.info.get(CHANGED_WORK_ITEMS)
    if noted is None or not (state.is_update or state.is_delete):
        return
    if not any(mapper.class_ is WorkItem for mapper in state.all_mappers):
        return
    query = sa.select(WorkItem.id)
    where = state.statement.whereclause  # type: ignore[attr-defined]
    if where is not None:
        query = query.where(where)
    noted.update(state.session.execute(query).scalars())


class UnitOfWork:
    """One write transaction (`AppContext.writer`: on SQLite queued and begun IMMEDIATE, so a
    read-decide-write inside it holds on both backends together with row locks on PostgreSQL)."""

    def __init__(self, ctx: AppContext, actor: Viewer | None = None) -> None:
        self.ctx = ctx
        self.actor = actor
        self._outbox: list[OutboxMessage] = []
        self.now: datetime = ctx.clock.now()
        self._writer: contextlib.AbstractAsyncContextManager[AsyncSession] | None = None
        self._noting = False

    @property
    def today(self) -> date:
        return court_today(self.ctx.clock, self.ctx.settings.tz)

    async def __aenter__(self) -> UnitOfWork:
        self._writer = self.ctx.writer()
        self.session: AsyncSession = await self._writer.__aenter__()
        self._noting = live.wanted(self.ctx.settings)
        if self._noting:
            self.session.info[CHANGED_WORK_ITEMS] = set()
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
        changed: set[int] = self.session.info.pop(CHANGED_WORK_ITEMS, None) or set()
        if self._writer is not None:  # the next writer may go while the outbox is relayed
            writer, self._writer = self._writer, None
            await writer.__aexit__(None, None, None)
        if self.ctx.publish_after_commit:  # after commit only: a rollback never gets here
            if changed:
                live.publish(self.ctx.settings, changed)
            elif not self._noting and live.wanted(self.ctx.settings):
                live.resync()  # someone began to listen while this ran unnoted
        ids = [m.id for m in self._outbox]
        self._outbox.clear()
        if ids and self.ctx.publish_after_commit:
            from .outbox import relay  # local import: outbox uses this module's types

            try:
                await relay(self.ctx, ids=ids)
            except Exception:  # the periodic relay will send them; the change is committed
                log.exception("post-commit relay failed for outbox ids %s", ids)
