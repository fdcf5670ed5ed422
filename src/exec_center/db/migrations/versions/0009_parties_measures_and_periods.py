"""identity document types and agents of parties; renewal and release of control measures;
the numbering day, the resumption ground, the benchmark price, the reviewing court's number

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa

import exec_center.db.types
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MONEY = sa.Numeric(precision=17, scale=2)


def upgrade() -> None:
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sa.String(length=30), nullable=True))
        batch_op.alter_column('id_number', existing_type=sa.String(length=18), type_=sa.String(length=40),
                              nullable=True)
    op.execute("UPDATE case_parties SET id_type = CASE WHEN kind = 'PERSON' THEN 'RESIDENT_ID' ELSE 'USCC' END")
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.alter_column('id_type', existing_type=sa.String(length=30), nullable=False)

    op.create_table(
        'case_agents',
        sa.Column('id', BIGINT, primary_key=True, autoincrement=True),
        sa.Column('case_id', BIGINT, sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('party_id', BIGINT, sa.ForeignKey('case_parties.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('id_type', sa.String(length=30), nullable=False),
        sa.Column('id_number', sa.String(length=40), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('law_firm', sa.String(length=200), nullable=True),
        sa.Column('licence_number', sa.String(length=40), nullable=True),
        sa.Column('special_authority', sa.Boolean(), nullable=False),
        sa.Column('created_by', BIGINT, sa.ForeignKey('staff.id'), nullable=True),
        sa.Column('created_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_case_agents_case_id', 'case_agents', ['case_id'])

    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='IN_FORCE'))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('renewed_from_id', BIGINT, nullable=True))
        batch_op.add_column(sa.Column('document_id', BIGINT, nullable=True))
        batch_op.create_foreign_key('fk_control_measures_renewed_from', 'control_measures', ['renewed_from_id'], ['id'])
        batch_op.create_foreign_key('fk_control_measures_document', 'documents', ['document_id'], ['id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('numbered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('resumption_ground', sa.String(length=40), nullable=True))
    op.execute("UPDATE cases SET numbered_on = received_on")

    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', MONEY, nullable=True))
    with op.batch_alter_table('adjudication_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_case_number', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('adjudication_applications', schema=None) as batch_op:
        batch_op.drop_column('review_case_number')
    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.drop_column('amount')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('resumption_ground')
        batch_op.drop_column('numbered_on')
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.drop_constraint('fk_control_measures_document', type_='foreignkey')
        batch_op.drop_constraint('fk_control_measures_renewed_from', type_='foreignkey')
        for column in ('document_id', 'renewed_from_id', 'end_reason', 'ended_on', 'status'):
            batch_op.drop_column(column)
    op.drop_index('ix_case_agents_case_id', table_name='case_agents')
    op.drop_table('case_agents')
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_column('id_type')
