"""Exports produced by a worker (issue 15)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import exec_center.db.types

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('CASES', 'INDICATOR', name='exportkind', native_enum=False, length=20), nullable=False),
    sa.Column('format', sa.Enum('XLSX', 'CSV', name='exportformat', native_enum=False, length=8), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'RUNNING', 'DONE', 'FAILED', name='exportstatus', native_enum=False, length=12), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('failure', sa.String(length=500), nullable=True),
    sa.Column('created_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['requested_by'], ['staff.id'], name=op.f('fk_export_jobs_requested_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_export_jobs_requested_by_id', ['requested_by', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_jobs_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_jobs_expires_at'))
        batch_op.drop_index('ix_export_jobs_requested_by_id')
    op.drop_table('export_jobs')
