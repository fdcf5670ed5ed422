"""The worklist's audience indexes end in its sort key, coalesce(due_on, '9999-12-31'), then id
(issue 14, item 1): the worklist reads one index-ordered branch per way an item can be visible
and merges them, which the old (…, due_on, id) indexes could not serve in that order (the query
sorts undated items last by that expression).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# lane, its columns, the columns its conditions also check (INCLUDE, PostgreSQL only: the count
# is then read from the indexes alone), the index it replaces
LANES = (
    ('role', ('candidate_role', 'status'), ('team_id', 'window_id'), 'ix_work_items_role_queue'),
    ('team', ('team_id', 'status'), ('candidate_role',), 'ix_work_items_team_queue'),
    ('window', ('window_id', 'status'), ('candidate_role', 'team_id'), 'ix_work_items_window_queue'),
    ('assignee', ('assignee_id', 'status'), (), 'ix_work_items_assignee'),
    ('status', ('status',), (), 'ix_work_items_status_due'),
)
DUE_KEY = "coalesce(due_on, '9999-12-31')"


def upgrade() -> None:
    for lane, columns, checked, old in LANES:
        op.drop_index(old, table_name='work_items')
        op.create_index(
            f'ix_work_items_{lane}_due_key', 'work_items', [*columns, sa.text(DUE_KEY), 'id'],
            postgresql_include=list(checked),
        )


def downgrade() -> None:
    for lane, columns, _checked, old in LANES:
        op.drop_index(f'ix_work_items_{lane}_due_key', table_name='work_items')
        op.create_index(old, 'work_items', [*columns, 'due_on', 'id'])
