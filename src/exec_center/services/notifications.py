"""Notifications to staff. Sent at most once per dedupe key, so a re-run job sends nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import Notification
from ..domain.access import Viewer
from ..domain.errors import DomainError, ErrorCode
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Message:
    recipient_id: int
    kind: str
    title: str
    body: str
    object_type: str | None = None
    object_id: int | None = None
    dedupe_key: str | None = None


def insert_ignoring_duplicates(session: AsyncSession, table: sa.Table):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING on either backend."""
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


async def send(session: AsyncSession, messages: Iterable[Message], now: datetime) -> int:
    rows = [
        {
            "recipient_id": m.recipient_id,
            "kind": m.kind,
            "title": m.title[:200],
            "body": m.body[:1000],
            "object_type": m.object_type,
            "object_id": m.object_id,
            "created_at": now,
            "read_at": None,
            "dedupe_key": m.dedupe_key,
        }
        for m in messages
    ]
    if not rows:
        return 0
    result = await session.execute(insert_ignoring_duplicates(session, Notification.__table__), rows)
    return result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(rows)


async def mark_read(ctx: AppContext, viewer: Viewer, ids: list[int] | None) -> int:
    """Mark the viewer's notifications read: the given ones, or all when `ids` is None."""
    if ids is not None and len(ids) > 500:
        raise DomainError(
            "mark at most 500 notifications at once, or all of them",
            zh="每次最多标记 500 条通知为已读，或全部标记为已读",
            field="ids",
            code=ErrorCode.OUT_OF_RANGE,
        )
    async with UnitOfWork(ctx, viewer) as uow:
        statement = (
            sa.update(Notification)
            .where(Notification.recipient_id == viewer.staff_id, Notification.read_at.is_(None))
            .values(read_at=uow.now)
        )
        if ids is not None:
            statement = statement.where(Notification.id.in_(ids))
        result = await uow.session.execute(statement)
        count = result.rowcount or 0
        uow.audit("MARK_NOTIFICATIONS_READ", "Staff", viewer.staff_id, f"{count}条通知标为已读")
        await uow.commit()
    return count
