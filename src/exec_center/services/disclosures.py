"""Personal data shown in full is audited - once per viewer, object and court day.

A screen that polls a list shows the same phones again and again; an event per row and read
flooded the audit trail and told an auditor nothing new. Each object keeps its own event (not one
per list) so that "who saw this party's data" is answered from that object's history.
"""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import AuditEvent
from ..domain.access import Viewer
from .unit_of_work import UnitOfWork

ACTION = "DISCLOSE_PERSONAL_DATA"


async def audit_disclosures(
    ctx: AppContext, viewer: Viewer, object_type: str, ids: list[int] | set[int], summary: str
) -> int:
    """Write the events not yet written today for this viewer; how many were written."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    async with UnitOfWork(ctx, viewer) as uow:
        day_start = datetime.combine(uow.today, time.min, tzinfo=ctx.settings.tz)
        seen = set(
            (
                await uow.session.scalars(
                    sa.select(AuditEvent.object_id).where(
                        AuditEvent.object_type == object_type,
                        AuditEvent.object_id.in_(wanted),
                        AuditEvent.action == ACTION,
                        AuditEvent.actor_id == viewer.staff_id,
                        AuditEvent.at >= day_start,
                    )
                )
            ).all()
        )
        fresh = [i for i in wanted if i not in seen]
        for object_id in fresh:
            uow.audit(ACTION, object_type, object_id, summary)
        await uow.commit()
    return len(fresh)
