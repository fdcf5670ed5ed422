"""asset queries per respondent, findings unique per provider reference, the simulator's records

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

import exec_center.db.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _rebuild_asset_queries(alter: Callable[[], None]) -> None:
    """Run `alter` on asset_queries. SQLite changes a table constraint by copying the table and
    dropping the old one, which its foreign keys refuse while findings point at it (and cannot be
    switched off inside the migration's transaction): the links are set aside meanwhile."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('CREATE TEMPORARY TABLE finding_queries AS '
                   'SELECT id, query_id FROM asset_findings WHERE query_id IS NOT NULL')
        op.execute('UPDATE asset_findings SET query_id = NULL WHERE query_id IS NOT NULL')
    alter()
    if sqlite:
        op.execute('UPDATE asset_findings SET query_id = '
                   '(SELECT f.query_id FROM finding_queries f WHERE f.id = asset_findings.id) '
                   'WHERE id IN (SELECT id FROM finding_queries)')
        op.execute('DROP TABLE finding_queries')


def upgrade() -> None:
    op.create_table('simulated_asset_requests',
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('case_number', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('respondent_ordinal', sa.Integer(), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ready_at', exec_center.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fetches', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('reference', name=op.f('pk_simulated_asset_requests')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_simulated_asset_requests_idempotency_key'))
    )

    # One query per (respondent, category). The queries made so far were all for the case's
    # first respondent (the only one queried), so they are that respondent's.
    with op.batch_alter_table('asset_queries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_id', BIGINT, nullable=True))
        batch_op.add_column(sa.Column('fetch_failures', sa.Integer(), nullable=False, server_default='0'))
    op.execute(
        "UPDATE asset_queries SET party_id = ("
        " SELECT p.id FROM case_parties p"
        " WHERE p.case_id = asset_queries.case_id AND p.side = 'RESPONDENT'"
        " ORDER BY p.position, p.id LIMIT 1)"
    )

    def per_respondent() -> None:
        with op.batch_alter_table('asset_queries', schema=None) as batch_op:
            batch_op.alter_column('party_id', existing_type=BIGINT, nullable=False)
            batch_op.drop_constraint('uq_asset_queries_case_category', type_='unique')
            batch_op.create_unique_constraint(
                'uq_asset_queries_case_party_category', ['case_id', 'party_id', 'category'])
            batch_op.create_foreign_key(
                op.f('fk_asset_queries_party_id_case_parties'), 'case_parties', ['party_id'], ['id'])

    _rebuild_asset_queries(per_respondent)

    # A provider's item is stored once per query. Findings stored before have no reference (a
    # unique index, not a table constraint: SQLite adds it without copying the table).
    with op.batch_alter_table('asset_findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_ref', sa.String(length=100), nullable=True))
        batch_op.create_index('uq_asset_findings_query_ref', ['query_id', 'provider_ref'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('asset_findings', schema=None) as batch_op:
        batch_op.drop_index('uq_asset_findings_query_ref')
    # Plain ALTER TABLE on both (SQLite 3.35+): a copy of the table would trip the foreign keys
    # of the control measures that point at findings.
    op.execute('ALTER TABLE asset_findings DROP COLUMN provider_ref')

    # Back to one query per (case, category): the first respondent's queries stay; the others'
    # findings stay with their case, unlinked from the queries that are removed.
    others = (
        "SELECT q.id FROM asset_queries q WHERE q.party_id <> ("
        " SELECT p.id FROM case_parties p"
        " WHERE p.case_id = q.case_id AND p.side = 'RESPONDENT'"
        " ORDER BY p.position, p.id LIMIT 1)"
    )
    op.execute(f"UPDATE asset_findings SET query_id = NULL WHERE query_id IN ({others})")
    op.execute(f"DELETE FROM asset_queries WHERE id IN ({others})")

    def per_case() -> None:
        with op.batch_alter_table('asset_queries', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('fk_asset_queries_party_id_case_parties'), type_='foreignkey')
            batch_op.drop_constraint('uq_asset_queries_case_party_category', type_='unique')
            batch_op.create_unique_constraint('uq_asset_queries_case_category', ['case_id', 'category'])
            batch_op.drop_column('party_id')
            batch_op.drop_column('fetch_failures')

    _rebuild_asset_queries(per_case)
    op.drop_table('simulated_asset_requests')
