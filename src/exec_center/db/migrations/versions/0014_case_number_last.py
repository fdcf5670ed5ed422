"""cases.number and cases.sequence nullable: a received case is numbered by the last statement of
its transaction (issue 14), so the counter row is held for microseconds, not the whole intake

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=40), nullable=True)
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('number', existing_type=sa.String(length=40), nullable=False)
