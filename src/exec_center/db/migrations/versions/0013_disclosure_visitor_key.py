"""disclosure_attempts.visitor_key: the disclosure guard counts per case and visitor

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('disclosure_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('disclosure_attempts', schema=None) as batch_op:
        batch_op.drop_column('visitor_key')
