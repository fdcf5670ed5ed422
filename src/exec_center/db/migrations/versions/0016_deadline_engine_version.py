"""The deadline engine's version (issue 14, item 3): a row of `counters` that triggers on the
calendar entries, confirmed years, deadline rules and escalation steps bump in the transaction that
changes them, whoever changes them (an admin mutation, a migration, SQL by hand). Every process
caches the calendar, rules and ladders it read and reloads them when one indexed read of this row
shows another number, so intake no longer reads four tables per request.

On SQLite a later `batch_alter_table` of one of these tables recreates it without its triggers:
such a migration must create them again (`create_triggers` below).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# services/deadlines.ENGINE_VERSION_KEY; spelled out here, as a migration must not change with it.
KEY = 'deadline-engine'
TABLES = ('calendar_entries', 'calendar_years', 'deadline_rules', 'escalation_steps')
BUMP = f"UPDATE counters SET last_value = last_value + 1 WHERE key = '{KEY}'"


def upgrade() -> None:
    counters = sa.table('counters', sa.column('key', sa.String), sa.column('last_value', sa.Integer))
    op.execute(counters.insert().values(key=KEY, last_value=0))
    create_triggers(TABLES)


def create_triggers(tables: tuple[str, ...]) -> None:
    """The triggers that bump the version on any change of `tables` (SQLite: per verb)."""
    if op.get_bind().dialect.name == 'sqlite':
        for table in tables:
            for verb in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_{verb.lower()}_engine_version AFTER {verb} ON {table} '
                    f'BEGIN {BUMP}; END'
                )
    else:
        op.execute(
            'CREATE OR REPLACE FUNCTION bump_deadline_engine_version() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN {BUMP}; RETURN NULL; END $$'
        )
        for table in tables:
            op.execute(
                f'CREATE TRIGGER {table}_engine_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_deadline_engine_version()'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            for verb in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS {table}_{verb}_engine_version')
    else:
        for table in TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_engine_version ON {table}')
        op.execute('DROP FUNCTION IF EXISTS bump_deadline_engine_version()')
    op.execute(f"DELETE FROM counters WHERE key = '{KEY}'")
