"""The supervision orders' reply deadlines by due day (SUPERVISION_REPLY_ON_TIME, issue 15): a
partial index, so only those deadlines pay for it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WHERE = sa.text("kind = 'SUPERVISION_REPLY'")


def upgrade() -> None:
    op.create_index('ix_deadlines_supervision_reply_due_on', 'deadlines', ['due_on'],
                    postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index('ix_deadlines_supervision_reply_due_on', table_name='deadlines')
