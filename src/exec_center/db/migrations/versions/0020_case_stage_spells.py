"""Stage spells and the days a case was transferred, converted and archived (issue 15)

The indicators read the time in each stage (STAGE_DAYS) from `case_stage_spells`, and the
transfers, conversions and archivings from date columns on `cases`, each from an index range:
`services.cases.advance` writes them from now on. Until now they were read from the history,
parsing the stage change in each entry's summary ("<number>：<from> → <to>"); this migration
parses the existing history once, the same way, to fill them. The (action, at) index on the
history, which only those indicators read, is dropped: every history entry paid for it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STAGE = sa.Enum('RECEIVED', 'QUERYING', 'ANALYSING', 'TRANSFERRED', 'MEDIATING', 'CONVERTED', 'FAST_CLOSING',
                'ENFORCING', 'CLOSED', 'ARCHIVED', name='casestage', native_enum=False, length=40)
# The stages' labels as the history wrote them (domain/lifecycle.py CaseStage, as of this revision).
LABELS = {
    'RECEIVED': '已收案', 'QUERYING': '查控中', 'ANALYSING': '分析查控结果', 'TRANSFERRED': '已移交实施团队',
    'MEDIATING': '执行调解中', 'CONVERTED': '已转执行立案', 'FAST_CLOSING': '快立快结', 'ENFORCING': '强制执行中',
    'CLOSED': '已结案', 'ARCHIVED': '已归档',
}
# The history entries that change a case's stage: the steps' names and the services' (cases.advance).
STAGE_ACTIONS = ('DISPATCH_QUERY', 'RECORD_FINDINGS', 'TRANSFER_CASE', 'TRANSFER', 'START_MEDIATION',
                 'CONVERT_CASE', 'CONVERT', 'START_ENFORCEMENT', 'CLOSE_CASE', 'CLOSE', 'ARCHIVE_CASE', 'ARCHIVE')
CASE_KEYS = ['team_id', 'handler_id', 'case_type', 'township']
DATES = {'transferred_on': 'TRANSFERRED', 'converted_on': 'CONVERTED', 'archived_on': 'ARCHIVED'}


def _stage_named(position: str) -> str:
    """SQL naming the stage before (`from`) or after (`to`) the arrow of an entry's summary."""
    # No stage's label ends or starts another's, so "<label> → " and " → <label>" name one stage.
    arms = ' '.join(
        f"WHEN e.summary LIKE '%{label} → %' THEN '{stage}'" if position == 'from'
        else f"WHEN e.summary LIKE '% → {label}%' THEN '{stage}'"
        for stage, label in LABELS.items()
    )
    return f'CASE {arms} END'


def _court_date(dialect: str) -> str:
    """SQL for the court's date of an entry's instant (stored in UTC)."""
    name = (os.environ.get('EXEC_CENTER_TIMEZONE') or '').strip() or 'Asia/Shanghai'
    ZoneInfo(name)  # as config.py checks it: an unknown zone stops here, not in the SQL
    if not re.fullmatch(r'[A-Za-z0-9_+\-/]+', name):
        raise ValueError(f'unexpected time zone name {name!r}')
    if dialect == 'postgresql':
        return f"CAST(timezone('{name}', e.at) AS DATE)"
    offset = datetime.combine(date.today(), time(12), ZoneInfo(name)).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    return f"date(e.at, '{seconds:+d} seconds')"


def upgrade() -> None:
    op.create_table(
        'case_stage_spells',
        sa.Column('id', ID, nullable=False),
        sa.Column('case_id', ID, nullable=False),
        sa.Column('stage', STAGE, nullable=False),
        sa.Column('entered_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=False),
        sa.Column('next_stage', STAGE, nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_stage_spells_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_stage_spells')),
    )
    op.create_index(op.f('ix_case_stage_spells_case_id'), 'case_stage_spells', ['case_id'], unique=False)
    for column in ('stage_entered_on', *DATES):
        op.add_column('cases', sa.Column(column, sa.Date(), nullable=True))

    dialect = op.get_bind().dialect.name
    actions = ', '.join(f"'{a}'" for a in STAGE_ACTIONS)
    # Each stage change of the history in time order; a change leaves the stage the previous one
    # entered, the first leaves the stage the case was received in.
    op.execute(f"""
        INSERT INTO case_stage_spells (case_id, stage, next_stage, entered_on, left_on)
        SELECT case_id, stage, next_stage, COALESCE(entered_on, received_on), left_on
        FROM (
            SELECT e.object_id AS case_id, {_stage_named('from')} AS stage, {_stage_named('to')} AS next_stage,
                   {_court_date(dialect)} AS left_on,
                   LAG({_court_date(dialect)}) OVER (PARTITION BY e.object_id ORDER BY e.at, e.id) AS entered_on,
                   c.received_on AS received_on
            FROM audit_events e JOIN cases c ON c.id = e.object_id
            WHERE e.object_type = 'Case' AND e.action IN ({actions}) AND e.summary LIKE '% → %'
        ) AS changes
        WHERE stage IS NOT NULL AND next_stage IS NOT NULL
    """)
    dated = ', '.join(f"MAX(CASE WHEN next_stage = '{stage}' THEN left_on END) AS {column}"
                      for column, stage in DATES.items())
    op.execute(f"""
        UPDATE cases SET stage_entered_on = s.last_left, {', '.join(f'{c} = s.{c}' for c in DATES)}
        FROM (SELECT case_id, MAX(left_on) AS last_left, {dated}
              FROM case_stage_spells GROUP BY case_id) AS s
        WHERE cases.id = s.case_id
    """)
    op.execute("UPDATE cases SET stage_entered_on = received_on WHERE stage_entered_on IS NULL")

    op.create_index('ix_case_stage_spells_left_on', 'case_stage_spells', ['left_on'],
                    postgresql_include=['stage', 'entered_on', 'case_id'])
    for column in DATES:
        op.create_index(f'ix_cases_{column}', 'cases', [column], postgresql_include=CASE_KEYS)
    op.drop_index('ix_audit_events_action_at', table_name='audit_events')


def downgrade() -> None:
    op.create_index('ix_audit_events_action_at', 'audit_events', ['action', 'at'],
                    postgresql_include=['object_type', 'object_id'])
    for column in reversed(DATES):
        op.drop_index(f'ix_cases_{column}', table_name='cases')
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch copy of `cases` would drop the
    # table its parties and spells point at.
    for column in reversed(('stage_entered_on', *DATES)):
        op.drop_column('cases', column)
    op.drop_index('ix_case_stage_spells_left_on', table_name='case_stage_spells')
    op.drop_index(op.f('ix_case_stage_spells_case_id'), table_name='case_stage_spells')
    op.drop_table('case_stage_spells')
