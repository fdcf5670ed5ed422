"""The deadline engine against the database: start, extend, recompute, and the sweep with a
frozen clock (warning, due-day alert, miss, idempotent re-run, concurrent sweeps)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exec_center.db.models import AuditEvent, Deadline, Notification, Staff, Team
from exec_center.domain.access import Viewer
from exec_center.domain.deadlines import DeadlineKind, DeadlineStatus
from exec_center.domain.errors import DomainError
from exec_center.domain.organisation import Role
from exec_center.services import calendar as calendar_service
from exec_center.services import deadlines
from exec_center.services.auth import load_viewer
from exec_center.services.unit_of_work import UnitOfWork

from ..conftest import TEST_DATABASE_URL

TZ = ZoneInfo("Asia/Shanghai")


def at(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


async def viewer(ctx, username: str) -> Viewer:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


async def team_id(ctx, code: str) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(Team.id).where(Team.code == code))


async def start(ctx, kind=DeadlineKind.QUERY_CONTROL, starts_on=date(2024, 2, 8), **kw) -> Deadline:
    async with UnitOfWork(ctx) as uow:
        kw.setdefault("responsible_role", Role.CENTER_OFFICER)
        deadline = await deadlines.start_deadline(uow, owner_type="Case", owner_id=kw.pop("owner_id", 1),
                                                  kind=kind, starts_on=starts_on, **kw)
        await uow.commit()
    return deadline


async def get(ctx, deadline_id: int) -> Deadline:
    async with ctx.sessionmaker() as session:
        return await session.get(Deadline, deadline_id)


async def notified(ctx) -> list[tuple[str, str]]:
    async with ctx.sessionmaker() as session:
        rows = (await session.execute(
            sa.select(Staff.username, Notification.kind).join(Staff, Staff.id == Notification.recipient_id)
            .order_by(Notification.id))).all()
    return [(r[0], r[1]) for r in rows]


async def test_query_control_deadline_across_spring_festival(ctx) -> None:
    deadline = await start(ctx)
    assert (deadline.starts_on, deadline.due_on) == (date(2024, 2, 8), date(2024, 2, 21))
    assert deadline.status is DeadlineStatus.OPEN and not deadline.provisional
    assert deadline.count == 5 and deadline.extendable_to == 7
    # The sweep first looks on the working day before the due date.
    assert deadline.next_check_at == at(date(2024, 2, 20), 0)


async def test_a_deadline_due_in_an_unconfirmed_year_is_provisional(ctx) -> None:
    deadline = await start(ctx, starts_on=date(2035, 12, 20))
    assert deadline.provisional
    await calendar_service.confirm_year(ctx, await viewer(ctx, "admin"), 2035, "国务院办公厅通知")
    assert await deadlines.recompute(ctx, date(2035, 1, 1), date(2035, 12, 31)) == 1
    assert not (await get(ctx, deadline.id)).provisional


async def test_the_sweep_warns_alerts_and_escalates_once_each(ctx, clock) -> None:
    impl1 = await team_id(ctx, "impl-1")
    deadline = await start(ctx, team_id=impl1, responsible_role=Role.IMPLEMENTATION_OFFICER)

    clock.set(at(date(2024, 2, 19)))  # two working days before: nothing yet
    assert (await deadlines.sweep(ctx)).escalated == 0
    assert await notified(ctx) == []

    clock.set(at(date(2024, 2, 20)))  # the working day before: warn the holder
    assert (await deadlines.sweep(ctx)).escalated == 1
    assert await notified(ctx) == [("impl1", "DEADLINE_WARNING")]
    assert (await deadlines.sweep(ctx)).examined == 0  # nothing due again until the due day

    clock.set(at(date(2024, 2, 21)))  # the due day: alert the team lead
    await deadlines.sweep(ctx)
    assert (await notified(ctx))[1:] == [("impl1-lead", "DEADLINE_DUE_TODAY")]

    clock.set(at(date(2024, 2, 22), 0))  # missed: the bureau chief and the command centre
    result = await deadlines.sweep(ctx)
    assert result.escalated == 1 and result.notified == 2
    assert sorted((await notified(ctx))[2:]) == [("chief", "DEADLINE_MISSED"), ("command", "DEADLINE_MISSED")]
    after = await get(ctx, deadline.id)
    assert after.flagged and after.escalation_level == 3 and after.next_check_at is None
    assert after.status is DeadlineStatus.OPEN  # still open: closing decides met or missed

    clock.set(at(date(2024, 3, 1)))
    assert (await deadlines.sweep(ctx)).examined == 0
    assert len(await notified(ctx)) == 4


async def test_a_sweep_after_downtime_sends_only_the_step_reached(ctx, clock) -> None:
    await start(ctx)
    clock.set(at(date(2024, 2, 26)))
    await deadlines.sweep(ctx)
    kinds = {kind for _, kind in await notified(ctx)}
    assert kinds == {"DEADLINE_MISSED"}


async def test_a_second_run_over_the_same_rows_sends_nothing_twice(ctx, clock) -> None:
    deadline = await start(ctx)
    clock.set(at(date(2024, 2, 20)))
    await deadlines.sweep(ctx)
    first = await notified(ctx)
    # Simulate a redelivered sweep that still sees the row as due (e.g. a crash after sending).
    async with ctx.sessionmaker() as session, session.begin():
        row = await session.get(Deadline, deadline.id)
        row.escalation_level, row.next_check_at = 0, at(date(2024, 2, 20), 0)
    await deadlines.sweep(ctx)
    assert await notified(ctx) == first


async def test_holders_and_closing(ctx, clock) -> None:
    deadline = await start(ctx)
    async with UnitOfWork(ctx) as uow:
        row = await uow.session.get(Deadline, deadline.id)
        assert deadlines.close_deadline(uow, row, date(2024, 2, 21)) is DeadlineStatus.MET
        await uow.commit()
    closed = await get(ctx, deadline.id)
    assert closed.status is DeadlineStatus.MET and closed.next_check_at is None
    clock.set(at(date(2024, 3, 1)))
    assert (await deadlines.sweep(ctx)).examined == 0


async def test_extension_approved_moves_the_due_date_to_seven_working_days(ctx) -> None:
    deadline = await start(ctx)
    center, chief = await viewer(ctx, "center"), await viewer(ctx, "chief")
    request = await deadlines.request_extension(ctx, center, deadline.id, "不动产登记系统升级，反馈延迟")
    assert ("chief", "EXTENSION_REQUESTED") in await notified(ctx)
    with pytest.raises(DomainError, match="already waiting"):
        await deadlines.request_extension(ctx, center, deadline.id, "again")
    with pytest.raises(DomainError, match="BUREAU_CHIEF"):
        await deadlines.decide_extension(ctx, center, request.id, True, None)
    decided = await deadlines.decide_extension(ctx, chief, request.id, True, "同意")
    assert (decided.status, decided.from_due_on, decided.to_due_on) == (
        "APPROVED", date(2024, 2, 21), date(2024, 2, 23))
    extended = await get(ctx, deadline.id)
    assert extended.extended and extended.due_on == date(2024, 2, 23)
    with pytest.raises(DomainError, match="already decided"):
        await deadlines.decide_extension(ctx, chief, request.id, False, "no")
    with pytest.raises(DomainError, match="already extended"):
        await deadlines.request_extension(ctx, center, deadline.id, "once more")
    assert ("center", "EXTENSION_DECIDED") in await notified(ctx)


async def test_a_refusal_needs_a_note_and_leaves_the_due_date(ctx) -> None:
    deadline = await start(ctx)
    center, chief = await viewer(ctx, "center"), await viewer(ctx, "chief")
    request = await deadlines.request_extension(ctx, center, deadline.id, "理由")
    with pytest.raises(DomainError, match="say why"):
        await deadlines.decide_extension(ctx, chief, request.id, False, "  ")
    await deadlines.decide_extension(ctx, chief, request.id, False, "期限内可完成")
    assert (await get(ctx, deadline.id)).due_on == date(2024, 2, 21)


async def test_rules_without_extension_refuse_a_request(ctx) -> None:
    deadline = await start(ctx, kind=DeadlineKind.TRANSFER_FOR_FILING)
    with pytest.raises(DomainError, match="allows no extension"):
        await deadlines.request_extension(ctx, await viewer(ctx, "center"), deadline.id, "x")


async def test_a_deadline_the_viewer_cannot_see_is_not_found(ctx) -> None:
    deadline = await start(ctx)  # the centre officers' deadline
    with pytest.raises(DomainError, match="deadline not found"):
        await deadlines.request_extension(ctx, await viewer(ctx, "impl2"), deadline.id, "x")


async def test_a_calendar_entry_recomputes_the_deadlines_it_moves(ctx, workers) -> None:
    deadline = await start(ctx)  # due 2024-02-21
    untouched = await start(ctx, starts_on=date(2024, 3, 4), owner_id=2)
    admin = await viewer(ctx, "admin")
    # The court declares Tuesday 2024-02-20 a rest day (say, a typhoon notice).
    await calendar_service.add_entry(ctx, admin, date(2024, 2, 20), False, "郁南县防汛防风停工通知")
    await workers.drain()
    moved = await get(ctx, deadline.id)
    assert moved.due_on == date(2024, 2, 22)
    assert (await get(ctx, untouched.id)).due_on == untouched.due_on
    async with ctx.sessionmaker() as session:
        summaries = (await session.scalars(sa.select(AuditEvent.summary).where(
            AuditEvent.object_type == "Deadline", AuditEvent.object_id == deadline.id,
            AuditEvent.action == "RECOMPUTE_DEADLINE"))).all()
    assert summaries == ["工作日历调整：届满日2024-02-21 → 2024-02-22"]


async def test_calendar_entries_are_checked(ctx) -> None:
    admin = await viewer(ctx, "admin")
    with pytest.raises(DomainError, match="already a working day"):
        await calendar_service.add_entry(ctx, admin, date(2024, 3, 5), True, "x")
    with pytest.raises(DomainError, match="name the notice"):
        await calendar_service.add_entry(ctx, admin, date(2024, 3, 5), False, " ")
    with pytest.raises(DomainError, match="2001 to 2100"):
        await calendar_service.add_entry(ctx, admin, date(2101, 3, 5), False, "x")
    await calendar_service.add_entry(ctx, admin, date(2024, 3, 5), False, "通知")
    with pytest.raises(DomainError, match="already has a calendar entry"):
        await calendar_service.add_entry(ctx, admin, date(2024, 3, 5), False, "通知")
    with pytest.raises(DomainError, match="already confirmed"):
        await calendar_service.confirm_year(ctx, admin, 2024, "通知")
    with pytest.raises(DomainError, match="ADMIN"):
        await calendar_service.confirm_year(ctx, await viewer(ctx, "chief"), 2035, "通知")


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="SKIP LOCKED needs PostgreSQL")
async def test_two_concurrent_sweeps_process_each_deadline_once(ctx, clock) -> None:
    for owner in range(60):
        await start(ctx, owner_id=owner)
    clock.set(at(date(2024, 2, 20)))
    first, second = await asyncio.gather(deadlines.sweep(ctx, batch=10), deadlines.sweep(ctx, batch=10))
    assert first.escalated + second.escalated == 60
    assert first.escalated > 0 and second.escalated > 0
    async with ctx.sessionmaker() as session:
        count = await session.scalar(sa.select(sa.func.count()).select_from(Notification))
        escalations = await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "ESCALATE_DEADLINE"))
    holders = 1  # the centre's one officer
    assert count == 60 * holders and escalations == 60


async def test_a_deadline_in_an_unconfirmed_year_asks_the_admins_to_confirm_it(ctx) -> None:
    from exec_center.db.models import WorkItem
    from exec_center.domain.work import WorkItemKind

    await start(ctx, starts_on=date(2035, 12, 20))
    await start(ctx, starts_on=date(2035, 12, 21), owner_id=2)
    async with ctx.sessionmaker() as session:
        items = (await session.scalars(sa.select(WorkItem).where(
            WorkItem.kind == WorkItemKind.CONFIRM_CALENDAR_YEAR))).all()
    assert [(i.owner_id, i.candidate_role.value, i.status.value) for i in items] == [(2035, "ADMIN", "OPEN")]
    await calendar_service.confirm_year(ctx, await viewer(ctx, "admin"), 2035, "国务院办公厅通知")
    async with ctx.sessionmaker() as session:
        assert (await session.get(WorkItem, items[0].id)).status.value == "DONE"
