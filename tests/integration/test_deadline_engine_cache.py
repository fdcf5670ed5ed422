"""The deadline engine is cached per process (issue 14, item 3): a warm intake reads neither the
calendar nor the rules, and a change to either, by an admin or by SQL, in this process or another,
is used by the very next intake; rules keep their effective dates."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from exec_center.calendar import CourtCalendar
from exec_center.context import AppContext
from exec_center.db.models import Deadline, DeadlineRuleRow
from exec_center.domain.deadlines import DayCount, DeadlineKind
from exec_center.services import calendar as calendar_service

from ..conftest import DEFAULT_NOW
from .test_deadlines import at
from .test_dispatch import receive, viewer

ENGINE_TABLES = ("CALENDAR_ENTRIES", "CALENDAR_YEARS", "DEADLINE_RULES", "ESCALATION_STEPS")


class Statements:
    """The statements an engine runs, upper-cased, while in the `with` block."""

    def __init__(self, ctx: AppContext) -> None:
        self.engine = ctx.engine.sync_engine
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(" ".join(statement.split()).upper())

    def reading_the_engine(self) -> list[str]:
        return [s for s in self.seen if s.startswith("SELECT") and any(t in s for t in ENGINE_TABLES)]


async def due_on(ctx: AppContext, case_id: int) -> date:
    async with ctx.sessionmaker() as session:
        return await session.scalar(
            sa.select(Deadline.due_on).where(
                Deadline.owner_type == "Case",
                Deadline.owner_id == case_id,
                Deadline.kind == DeadlineKind.QUERY_CONTROL,
            )
        )


async def test_a_warm_intake_reads_neither_the_calendar_nor_the_rules(ctx) -> None:
    with Statements(ctx) as cold:
        await receive(ctx)
    with Statements(ctx) as warm:
        await receive(ctx)
    assert len(cold.reading_the_engine()) == 4, cold.reading_the_engine()
    assert warm.reading_the_engine() == []
    assert len(warm.seen) == len(cold.seen) - 4


async def test_an_admin_calendar_change_is_used_by_the_next_intake(ctx) -> None:
    before = await receive(ctx)  # warms the cache
    due = await due_on(ctx, before.id)
    entry = await calendar_service.add_entry(ctx, await viewer(ctx, "admin"), due, False, "本院通知")
    rest_day = await receive(ctx)
    assert await due_on(ctx, rest_day.id) == CourtCalendar({due: False}).add_working_days(
        before.numbered_on, 5
    )
    assert await due_on(ctx, rest_day.id) > due
    await calendar_service.remove_entry(ctx, await viewer(ctx, "admin"), entry.id)
    assert await due_on(ctx, (await receive(ctx)).id) == due


async def test_a_change_made_by_another_process_is_used_by_the_next_intake(ctx, settings) -> None:
    before = await receive(ctx)  # this process has the engine cached
    due = await due_on(ctx, before.id)
    other = AppContext.create(settings, clock=ctx.clock, pool_size=1)  # another API or worker process
    try:
        await calendar_service.add_entry(other, await viewer(other, "admin"), due, False, "本院通知")
    finally:
        await other.close()
    assert await due_on(ctx, (await receive(ctx)).id) > due


async def test_a_rule_changed_in_the_database_is_used_from_its_effective_date(ctx, clock) -> None:
    today = DEFAULT_NOW.date()
    first = await receive(ctx)
    five = await due_on(ctx, first.id)
    async with ctx.sessionmaker() as session:  # as a migration or a DBA would: no service involved
        session.add(
            DeadlineRuleRow(
                kind=DeadlineKind.QUERY_CONTROL,
                variant="",
                day_count=DayCount.WORKING_DAYS,
                count=7,
                extendable_to=None,
                effective_from=today + timedelta(days=1),
                source="本院规定（测试）",
            )
        )
        await session.commit()
    assert await due_on(ctx, (await receive(ctx)).id) == five  # not yet in force today
    clock.set(at(today + timedelta(days=1)))
    tomorrow = await receive(ctx, received_on=today + timedelta(days=1))
    assert await due_on(ctx, tomorrow.id) == CourtCalendar().add_working_days(tomorrow.numbered_on, 7)


async def test_a_change_rolled_back_is_not_used_after_it(ctx) -> None:
    from exec_center.db.models import CalendarEntry
    from exec_center.services import deadlines
    from exec_center.services.unit_of_work import UnitOfWork

    before = await receive(ctx)
    due = await due_on(ctx, before.id)
    async with UnitOfWork(ctx) as uow:  # changes the calendar, reads the engine, then fails
        deadlines.engine_changed(uow.session)
        uow.session.add(CalendarEntry(day=due, working=False, note="撤回", created_at=DEFAULT_NOW))
        await uow.session.flush()
        assert not (await deadlines.Engine.load(uow)).calendar.is_working_day(due)
        await uow.session.rollback()
    # The next committed change takes the number the rolled-back one had.
    await calendar_service.add_entry(ctx, await viewer(ctx, "admin"), date(2024, 12, 2), False, "本院通知")
    assert await due_on(ctx, (await receive(ctx)).id) == due
