"""The audit trail as `history` connections on any audited object (newest first)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import strawberry

from ..db.models import AuditEvent
from ..domain.audit import AuditAction as AuditActionEnum
from . import loaders
from .common import Connection, check_first, connection, decode_id_cursor
from .context import Info
from .organisation import StaffType

AuditAction = strawberry.enum(AuditActionEnum, description="What a history entry records.")


@strawberry.type(description="One recorded change: who did what, when, to which object.")
class HistoryEntry:
    row: strawberry.Private[AuditEvent]

    @strawberry.field
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field
    def action(self) -> AuditAction:  # type: ignore[valid-type]
        return AuditActionEnum.read(self.row.action)

    @strawberry.field(description="The action in zh-CN.")
    def action_label(self) -> str:
        return AuditActionEnum.read(self.row.action).label

    @strawberry.field(description="What changed, in zh-CN (entries from before the court's language was "
                      "used throughout may be in English).")
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field(description="Null for changes made by the system (workers, the scheduler).")
    async def actor(self, info: Info) -> StaffType | None:
        if self.row.actor_id is None:
            return None
        staff = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(self.row.actor_id)
        return StaffType(row=staff) if staff else None


async def history_connection(
    info: Info,
    object_types: list[str],
    object_id: int,
    first: int | None,
    after: str | None,
    also_ids: list[int] | None = None,
) -> Connection[HistoryEntry]:
    size = check_first(first, default=20)
    ids = [object_id, *(also_ids or [])]
    where = [AuditEvent.object_type.in_(object_types), AuditEvent.object_id.in_(ids)]
    session = info.context.session
    total = await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*where))
    query = sa.select(AuditEvent).where(*where)
    if after:
        query = query.where(AuditEvent.id < decode_id_cursor(after))
    rows = (await session.scalars(query.order_by(AuditEvent.id.desc()).limit(size + 1))).all()
    return connection(
        [HistoryEntry(row=r) for r in rows],
        first=size,
        total=total or 0,
        key=lambda e: [e.row.id],
        has_previous=after is not None,
    )
