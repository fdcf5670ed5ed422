"""Supervision orders (督办, issue 15)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

import exec_center.db.types

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ROLES = ('AFFAIRS_CLERK', 'CONSULTATION_CLERK', 'CENTER_OFFICER', 'CENTER_HEAD', 'FILING_CLERK',
         'IMPLEMENTATION_OFFICER', 'IMPLEMENTATION_LEAD', 'ADJUDICATION_JUDGE', 'BUREAU_CHIEF',
         'COMMAND_CENTER', 'ADMIN', 'INTEGRATION')
ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
SOURCE = ("郁法发〔2024〕1号 第四条（执行指挥中心统一管理、统一指挥、统一协调）；"
          "督办答复期限的默认值，下达督办时可另定")


def upgrade() -> None:
    op.create_table('supervision_orders',
    sa.Column('id', ID, nullable=False),
    sa.Column('target', sa.Enum('CASE', 'TEAM', 'DEADLINE', name='supervisiontarget', native_enum=False,
                                length=40), nullable=False),
    sa.Column('case_id', ID, nullable=True),
    sa.Column('team_id', ID, nullable=True),
    sa.Column('responsible_role', sa.Enum(*ROLES, name='role', native_enum=False, length=40), nullable=True),
    sa.Column('assignee_id', ID, nullable=True),
    sa.Column('deadline_id', ID, nullable=True),
    sa.Column('instructions', sa.String(length=2000), nullable=False),
    sa.Column('issued_by', ID, nullable=False),
    sa.Column('issuer_role', sa.Enum(*ROLES, name='role', native_enum=False, length=40), nullable=False),
    sa.Column('issued_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('reply_working_days', sa.Integer(), nullable=False),
    sa.Column('reply_deadline_id', ID, nullable=True),
    sa.Column('work_item_id', ID, nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reply', sa.String(length=2000), nullable=True),
    sa.Column('replied_by', ID, nullable=True),
    sa.Column('replied_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_on', sa.Date(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'],
                            name=op.f('fk_supervision_orders_assignee_id_staff')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervision_orders_case_id_cases')),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'],
                            name=op.f('fk_supervision_orders_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['issued_by'], ['staff.id'], name=op.f('fk_supervision_orders_issued_by_staff')),
    sa.ForeignKeyConstraint(['replied_by'], ['staff.id'],
                            name=op.f('fk_supervision_orders_replied_by_staff')),
    sa.ForeignKeyConstraint(['reply_deadline_id'], ['deadlines.id'],
                            name=op.f('fk_supervision_orders_reply_deadline_id_deadlines')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_supervision_orders_team_id_teams')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'],
                            name=op.f('fk_supervision_orders_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_orders'))
    )
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_orders_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_supervision_orders_team_id', ['team_id', 'id'], unique=False)
        batch_op.create_index('ix_supervision_orders_case_id', ['case_id', 'id'], unique=False)
    _seed_rule_and_ladder()


def _seed_rule_and_ladder() -> None:
    """The reply period (five working days unless the order sets another) and its ladder: the
    holder the working day before, the team lead on the day, and once missed the team lead, the
    bureau chief and the command centre, flagged. Every rung keeps the item at the top (5)."""
    start = date(2024, 1, 1)
    rules = sa.table("deadline_rules", sa.column("kind", sa.String), sa.column("variant", sa.String),
                     sa.column("day_count", sa.String), sa.column("count", sa.Integer),
                     sa.column("extendable_to", sa.Integer), sa.column("effective_from", sa.Date),
                     sa.column("source", sa.String))
    op.bulk_insert(rules, [
        {"kind": "SUPERVISION_REPLY", "variant": "", "day_count": "WORKING_DAYS", "count": 5,
         "extendable_to": None, "effective_from": start, "source": SOURCE},
    ])
    steps = sa.table("escalation_steps", sa.column("kind", sa.String), sa.column("level", sa.Integer),
                     sa.column("name", sa.String), sa.column("day_offset", sa.Integer),
                     sa.column("recipients", sa.String), sa.column("priority", sa.Integer),
                     sa.column("flag", sa.Boolean), sa.column("effective_from", sa.Date))
    op.bulk_insert(steps, [
        {"kind": "SUPERVISION_REPLY", "level": level, "name": name, "day_offset": offset,
         "recipients": recipients, "priority": 5, "flag": flag, "effective_from": start}
        for level, name, offset, recipients, flag in [
            (1, "WARNING", -1, "HOLDER", False),
            (2, "DUE_TODAY", 0, "HOLDER,SUPERVISOR", False),
            (3, "MISSED", 1, "SUPERVISOR,BUREAU_CHIEF,COMMAND_CENTER", True),
        ]
    ])


def downgrade() -> None:
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_orders_case_id')
        batch_op.drop_index('ix_supervision_orders_team_id')
        batch_op.drop_index('ix_supervision_orders_status_id')
    op.drop_table('supervision_orders')
    op.execute("DELETE FROM work_items WHERE kind = 'REPLY_TO_SUPERVISION'")
    op.execute("DELETE FROM deadlines WHERE kind = 'SUPERVISION_REPLY'")
    op.execute("DELETE FROM escalation_steps WHERE kind = 'SUPERVISION_REPLY'")
    op.execute("DELETE FROM deadline_rules WHERE kind = 'SUPERVISION_REPLY'")
