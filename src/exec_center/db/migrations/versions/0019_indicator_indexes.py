"""Indexes the command centre's indicators read (issue 15): each indicator counts a range of one
date column; its index starts with that date and, on PostgreSQL, includes what the figures and
breakdowns read (db/models_indicators.py).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

CASE_KEYS = ['team_id', 'handler_id', 'case_type', 'township']
INDEXES = (
    ('ix_cases_received_on', 'cases', ['received_on'], CASE_KEYS),
    ('ix_cases_closed_on', 'cases', ['closed_on'], [*CASE_KEYS, 'closing_method', 'received_on']),
    ('ix_cases_query_control_completed_on', 'cases', ['query_control_completed_on'],
     [*CASE_KEYS, 'controlled_total', 'claim_amount', 'received_on']),
    ('ix_audit_events_action_at', 'audit_events', ['action', 'at'], ['object_type', 'object_id']),
    ('ix_deadlines_kind_closed_on', 'deadlines', ['kind', 'closed_on'],
     ['owner_type', 'owner_id', 'status', 'extended', 'holder_id']),
)


def upgrade() -> None:
    for name, table, columns, included in INDEXES:
        op.create_index(name, table, columns, postgresql_include=included)


def downgrade() -> None:
    for name, table, _columns, _included in reversed(INDEXES):
        op.drop_index(name, table_name=table)
