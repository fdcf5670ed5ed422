"""Intake takes its 执保 number last (issue 14): the counter row, locked from the moment it is
incremented until COMMIT so that numbers are gap-free, is held only for the case's UPDATE and its
audit entry, not for the parties, the deadline and the outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from exec_center.db.models import Case, CaseCounter
from exec_center.domain.errors import DomainError

from .test_dispatch import receive


class Statements:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        sa.event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
        sa.event.remove(self.engine, "commit", self._commit)

    def _commit(self, _conn) -> None:
        self.seen.append("COMMIT")

    def _record(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(" ".join(statement.split()[:3]).upper())


async def test_the_number_is_the_last_thing_an_intake_writes(ctx) -> None:
    await receive(ctx)  # warm: the viewer, the rules and the calendar are read once
    with Statements(ctx.engine) as statements:
        case = await receive(ctx)
    counter = next(i for i, s in enumerate(statements.seen) if "CASE_COUNTERS" in s)
    end = statements.seen.index("COMMIT", counter)
    assert statements.seen[counter + 1:end] == ["UPDATE CASES SET", "INSERT INTO AUDIT_EVENTS"], statements.seen
    assert case.number == "（2024）粤5322执保2号"
    async with ctx.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).where(Case.number.is_(None))) == 0
        assert await session.scalar(sa.select(CaseCounter.last_sequence)) == 2


async def test_a_refused_intake_takes_no_number(ctx) -> None:
    first = await receive(ctx)
    with pytest.raises(DomainError):
        await receive(ctx, claim_amount=Decimal(0))
    second = await receive(ctx)
    assert (first.sequence, second.sequence) == (1, 2)
