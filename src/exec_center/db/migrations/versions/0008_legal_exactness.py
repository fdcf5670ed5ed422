"""effective title on a preservation case; reason for control beyond the claim

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_title_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('effective_title_kind', sa.String(length=40), nullable=True))
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excess_reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.drop_column('excess_reason')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('effective_title_kind')
        batch_op.drop_column('effective_title_number')
