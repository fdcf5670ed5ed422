"""Supervision orders (督办) issued by the command centre or the bureau chief (issue 15)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.organisation import Role
from ..domain.supervision import SupervisionTarget
from .models import Base
from .types import BigIntFK, BigIntPK, UTCDateTime, enum_column


class SupervisionOrder(Base):
    """An order on a case, a team or an overdue deadline, and its reply. `status` is OPEN or
    ANSWERED (OVERDUE is read from the reply deadline); `reply_deadline_id` is the
    SUPERVISION_REPLY deadline the sweep escalates; `work_item_id` the responsible worklist's item."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        sa.Index("ix_supervision_orders_status_id", "status", "id"),
        sa.Index("ix_supervision_orders_team_id", "team_id", "id"),
        sa.Index("ix_supervision_orders_case_id", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    target: Mapped[SupervisionTarget] = mapped_column(enum_column(SupervisionTarget))
    case_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("cases.id"))
    # The team addressed (the case's, the one named, the deadline's), else the role.
    team_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("teams.id"))
    responsible_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    # Addressed to one staff member: a deadline held by someone with neither team nor role.
    assignee_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    # The overdue deadline the order is about (target DEADLINE).
    deadline_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"))
    instructions: Mapped[str] = mapped_column(sa.String(2000))
    issued_by: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    issuer_role: Mapped[Role] = mapped_column(enum_column(Role))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    reply_working_days: Mapped[int] = mapped_column(sa.Integer)
    reply_deadline_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("deadlines.id"))
    work_item_id: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("work_items.id"))
    status: Mapped[str] = mapped_column(sa.String(20))  # OPEN, ANSWERED
    reply: Mapped[str | None] = mapped_column(sa.String(2000))
    replied_by: Mapped[int | None] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_on: Mapped[date | None] = mapped_column(sa.Date)
    # On or before the reply deadline's due day (null until answered).
    on_time: Mapped[bool | None] = mapped_column(sa.Boolean)
