"""sign_in_throttles: recent failed sign-ins per user name and per client address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import exec_center.db.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_throttles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scope', sa.Enum('ACCOUNT', 'ADDRESS', name='throttlescope', native_enum=False, length=40), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', exec_center.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_throttles')),
    sa.UniqueConstraint('scope', 'key', name='uq_sign_in_throttles_scope_key')
    )
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_throttles_last_attempt_at', ['last_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_throttles_last_attempt_at')
    op.drop_table('sign_in_throttles')
