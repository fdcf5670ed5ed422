"""Migrations, the append-only audit trail, the demo court."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from exec_center.db.migrate import current_revision
from exec_center.db.models import AuditEvent, Base, Staff, StaffRole, Team, Window
from exec_center.services.demo import ACCOUNTS, seed_demo_court
from exec_center.services.unit_of_work import UnitOfWork


async def test_migrations_create_every_model_table(ctx) -> None:
    async with ctx.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert await current_revision(connection) is not None
    assert set(Base.metadata.tables) <= tables


async def test_audit_events_cannot_be_updated_or_deleted(ctx) -> None:
    async with UnitOfWork(ctx) as uow:
        uow.audit("TEST", "Staff", 1, "something happened")
        await uow.commit()
    for statement in (sa.update(AuditEvent).values(summary="rewritten"), sa.delete(AuditEvent)):
        async with ctx.sessionmaker() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
                await session.commit()
    async with ctx.sessionmaker() as session:
        summaries = (await session.scalars(sa.select(AuditEvent.summary))).all()
    assert "something happened" in summaries and "rewritten" not in summaries


async def _counts(ctx) -> tuple[int, ...]:
    async with ctx.sessionmaker() as session:
        return tuple([await session.scalar(sa.select(sa.func.count()).select_from(m))
                      for m in (Staff, StaffRole, Team, Window, AuditEvent)])


async def test_seeding_the_demo_court_twice_changes_nothing(ctx) -> None:
    before = await _counts(ctx)  # the test database starts from a seeded template
    assert before[0] == len(ACCOUNTS) and before[2] == 4 and before[3] == 5
    assert await seed_demo_court(ctx) is False
    assert await _counts(ctx) == before


async def test_the_migrations_build_what_the_models_declare(ctx) -> None:
    """No column, type, nullability, index or foreign key declared on a model but missing from
    (or different in) the migrated database: a model change always comes with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def differences(connection) -> list:  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with ctx.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []


async def test_a_failing_statement_does_not_put_its_parameters_in_the_error(ctx) -> None:
    """Issue 12, item 5: SQLAlchemy's error message (logged in full) listed the parameters -
    a party's name, ID number and phone."""
    from sqlalchemy.exc import IntegrityError

    from exec_center.db.models import CaseParty

    async with ctx.sessionmaker() as session:
        session.add(CaseParty(case_id=999_999, side="APPLICANT", kind="PERSON", name="陈某某",
                              id_type="RESIDENT_ID", id_number="445322198001011236",
                              phone="13800138000", position=0))
        with pytest.raises(IntegrityError) as failed:  # no such case: the foreign key refuses it
            await session.flush()
    text = str(failed.value)
    assert "445322198001011236" not in text and "13800138000" not in text and "陈某某" not in text
    assert "hidden" in text  # SQLAlchemy says the parameters were hidden
