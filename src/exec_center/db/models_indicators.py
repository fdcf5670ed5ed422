"""Indexes the command centre's indicators read (issue 15), on the tables of models.py.

Each indicator counts a range of one date column (services/indicators.py); its index starts with
that date (after the constant its WHERE fixes) and, on PostgreSQL, carries the columns the
figures and breakdowns read (INCLUDE), so a year is counted from the index alone."""

from __future__ import annotations

import sqlalchemy as sa

from .models import Case, CaseStageSpell, Deadline

_c = Case.__table__.c
CASE_KEYS = ("team_id", "handler_id", "case_type", "township")

INDEXES = (
    sa.Index("ix_cases_received_on", _c.received_on, postgresql_include=list(CASE_KEYS)),
    # received_on: the durations (CASE_DAYS, QUERY_CONTROL_DAYS) count from it.
    sa.Index("ix_cases_closed_on", _c.closed_on,
             postgresql_include=[*CASE_KEYS, "closing_method", "received_on"]),
    sa.Index(
        "ix_cases_query_control_completed_on", _c.query_control_completed_on,
        postgresql_include=[*CASE_KEYS, "controlled_total", "claim_amount", "received_on"],
    ),
    # Transfers, conversions and archivings: the day the case last took the step.
    *(sa.Index(f"ix_cases_{column}", _c[column], postgresql_include=list(CASE_KEYS))
      for column in ("transferred_on", "converted_on", "archived_on")),
    # Time in each stage: the spells that ended in the period.
    sa.Index("ix_case_stage_spells_left_on", CaseStageSpell.__table__.c.left_on,
             postgresql_include=["stage", "entered_on", "case_id"]),
    # Supervision orders' replies by their due day (SUPERVISION_REPLY_ON_TIME): a few thousand a
    # year among millions of deadlines, so only theirs are indexed.
    sa.Index("ix_deadlines_supervision_reply_due_on", Deadline.__table__.c.due_on,
             postgresql_where=sa.text("kind = 'SUPERVISION_REPLY'"),
             sqlite_where=sa.text("kind = 'SUPERVISION_REPLY'")),
    # Deadlines met or missed, by kind and the day they closed.
    sa.Index(
        "ix_deadlines_kind_closed_on", Deadline.__table__.c.kind, Deadline.__table__.c.closed_on,
        postgresql_include=["owner_type", "owner_id", "status", "extended", "holder_id"],
    ),
)
