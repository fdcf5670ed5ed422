"""Exports of indicator tables and case lists produced by a worker (issue 15).

The file is kept in the row (LargeBinary) rather than under the var directory: the API may run as
several processes on several machines, and whichever one a download reaches must find the file
that a worker on yet another made; the database is the one store they all share (and it goes
with the backups). Files are kept for `domain.exports.KEPT_FOR` and then deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.exports import ExportFormat, ExportKind, ExportStatus
from .models import Base
from .types import BigIntFK, BigIntPK, UTCDateTime, enum_column


class ExportJob(Base):
    """A spreadsheet asked for by `requested_by`, made by the `produce_export` actor."""

    __tablename__ = "export_jobs"
    __table_args__ = (sa.Index("ix_export_jobs_requested_by_id", "requested_by", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    requested_by: Mapped[int] = mapped_column(BigIntFK, sa.ForeignKey("staff.id"))
    kind: Mapped[ExportKind] = mapped_column(enum_column(ExportKind, 20))
    format: Mapped[ExportFormat] = mapped_column(enum_column(ExportFormat, 8))
    # What to export: the case list's filter (or the indicator's name, period and breakdown), as
    # the request gave it; read again by the worker.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[ExportStatus] = mapped_column(enum_column(ExportStatus, 12))
    # Rows written so far out of `total` (null until the worker has counted them).
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str | None] = mapped_column(sa.String(100))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # Why it failed, in zh-CN for the person who asked (never personal data).
    failure: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deleted after this (set when asked: KEPT_FOR after the request, moved on when finished).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
