"""The court calendar as the database has it: the official schedule plus the court's entries,
and the admin operations that change it. Each change recomputes, in the background, the open
deadlines it moves.

Two admins at once: a day's entry and a year's confirmation are decided under a lock on that day
or year (`work.serialise`; SQLite runs one unit of work at a time), so the second is told what
the first did instead of failing on a unique key.

Every process caches the calendar it read (`deadlines.Engine.load`); a change here bumps the
deadline engine's version in the same transaction (database triggers, migration 0016), so the
next unit of work of any process reads it afresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import FIRST_YEAR, LAST_YEAR, CourtCalendar
from ..context import AppContext
from ..db.models import CalendarEntry, CalendarYear
from ..domain.access import Viewer, require_admin
from ..domain.errors import DomainError, ErrorCode, NotFound
from .unit_of_work import UnitOfWork

OFFICIAL = CourtCalendar()


async def load_calendar(session: AsyncSession) -> CourtCalendar:
    entries = (await session.execute(sa.select(CalendarEntry.day, CalendarEntry.working))).all()
    years = (await session.scalars(sa.select(CalendarYear.year))).all()
    return OFFICIAL.with_overrides({day: working for day, working in entries}, confirmed_years=years)


def _changes_engine(uow: UnitOfWork) -> None:
    """This transaction changes the calendar: the database's triggers bump the deadline engine's
    version with it (every process reloads its cached calendar once it commits), and a deadline
    engine loaded in it sees its uncommitted entries, so it is not cached."""
    from .deadlines import engine_changed

    engine_changed(uow.session)


def check_year(year: int, field: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            f"the calendar covers {FIRST_YEAR} to {LAST_YEAR}; {year} is outside it",
            zh=f"法院日历涵盖 {FIRST_YEAR} 年至 {LAST_YEAR} 年；{year} 年不在此范围内",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )


def _check_note(note: str) -> str:
    note = note.strip()
    if not note or len(note) > 300:
        raise DomainError(
            "name the notice the entry comes from (1–300 characters), e.g. the State Council General "
            "Office's notice on the 2027 holidays",
            zh="请填写该条目所依据的通知名称（1–300 个字符），如“国务院办公厅关于2027年部分节假日安排的通知”",
            field="note",
            code=ErrorCode.REQUIRED if not note else ErrorCode.OUT_OF_RANGE,
        )
    return note


@dataclass(frozen=True)
class CalendarChange:
    start: date
    end: date


async def add_entry(ctx: AppContext, viewer: Viewer, day: date, working: bool, note: str) -> CalendarEntry:
    require_admin(viewer, "changing the court calendar", "调整法院工作日历")
    check_year(day.year, "date")
    note = _check_note(note)
    from . import work

    async with UnitOfWork(ctx, viewer) as uow:
        await work.serialise(uow, "calendar-day", day.isoformat())
        if await uow.session.scalar(sa.select(CalendarEntry.id).where(CalendarEntry.day == day)):
            raise DomainError(
                f"{day} already has a calendar entry; remove it first to change it",
                zh=f"{day} 已有日历条目；如需变更，请先删除原条目",
                field="date",
                code=ErrorCode.ALREADY_EXISTS,
            )
        official = OFFICIAL.is_working_day(day)
        if official == working:
            what, zh_what = ("a working day", "工作日") if working else ("a rest day", "休息日")
            raise DomainError(
                f"{day} is already {what} in the official schedule; an entry must change it",
                zh=f"{day} 在国家规定的安排中已是{zh_what}；日历条目须改变该日的安排",
                field="working",
                code=ErrorCode.INVALID,
            )
        entry = CalendarEntry(
            day=day, working=working, note=note, created_by=viewer.staff_id, created_at=uow.now
        )
        _changes_engine(uow)
        uow.session.add(entry)
        await uow.session.flush()
        what = "工作日" if working else "休息日"
        uow.audit("ADD_CALENDAR_ENTRY", "CalendarEntry", entry.id, f"{day}定为{what}：{note}")
        uow.enqueue("recompute_deadlines", day.isoformat(), day.isoformat())
        await uow.commit()
    return entry


async def remove_entry(ctx: AppContext, viewer: Viewer, entry_id: int) -> CalendarEntry:
    require_admin(viewer, "changing the court calendar", "调整法院工作日历")
    from . import work

    async with UnitOfWork(ctx, viewer) as uow:
        entry = await work.locked(uow, CalendarEntry, entry_id)  # a second removal finds nothing
        if entry is None:
            raise NotFound("calendar entry", "日历条目")
        _changes_engine(uow)
        await uow.session.delete(entry)
        uow.audit(
            "REMOVE_CALENDAR_ENTRY",
            "CalendarEntry",
            entry.id,
            f"删除{entry.day}的日历条目（{entry.note}）",
        )
        uow.enqueue("recompute_deadlines", entry.day.isoformat(), entry.day.isoformat())
        await uow.commit()
    return entry


async def confirm_year(ctx: AppContext, viewer: Viewer, year: int, note: str) -> int:
    require_admin(viewer, "confirming a calendar year", "确认年度工作日历")
    check_year(year)
    note = _check_note(note)
    from . import work

    async with UnitOfWork(ctx, viewer) as uow:
        await work.serialise(uow, "calendar-year", year)
        calendar = await load_calendar(uow.session)
        if calendar.is_confirmed(year):
            raise DomainError(f"{year} is already confirmed", zh=f"{year} 年的节假日安排已确认，无需重复确认",
                              field="year", code=ErrorCode.ALREADY_DONE)
        _changes_engine(uow)
        uow.session.add(
            CalendarYear(year=year, note=note, confirmed_by=viewer.staff_id, confirmed_at=uow.now)
        )
        uow.audit("CONFIRM_CALENDAR_YEAR", "CalendarYear", year, f"{year}年工作日历已确认：{note}")
        await _finish_confirmation_items(uow, year)
        uow.enqueue("recompute_deadlines", date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat())
        await uow.commit()
    return year


async def ask_to_confirm(uow: UnitOfWork, year: int) -> bool:
    """A deadline falls in an unconfirmed year: put confirming it on the admins' worklist (once).
    Returns whether the year is still unconfirmed (an admin may have confirmed it meanwhile)."""
    from ..db.models import WorkItem
    from ..domain.organisation import Role
    from ..domain.work import WorkItemKind
    from . import work

    await work.serialise(uow, "calendar-year", year)  # one item, and none once it is confirmed
    if await uow.session.get(CalendarYear, year, populate_existing=True) is not None:
        return False
    waiting = await uow.session.scalar(
        sa.select(WorkItem.id).where(
            WorkItem.kind == WorkItemKind.CONFIRM_CALENDAR_YEAR,
            WorkItem.owner_type == "CalendarYear",
            WorkItem.owner_id == year,
            WorkItem.status.in_(("OPEN", "CLAIMED")),
        )
    )
    if waiting is None:
        await work.create(
            uow,
            kind=WorkItemKind.CONFIRM_CALENDAR_YEAR,
            owner_type="CalendarYear",
            owner_id=year,
            candidate_role=Role.ADMIN,
            due_on=date(year - 1, 12, 31),
            title=f"确认{year}年节假日安排（国务院办公厅通知发布后录入调休并确认）",
        )
    return True


async def _finish_confirmation_items(uow: UnitOfWork, year: int) -> None:
    from ..db.models import WorkItem
    from ..domain.work import WorkItemKind
    from . import work

    await work.finish_active(
        uow,
        WorkItem.kind == WorkItemKind.CONFIRM_CALENDAR_YEAR,
        WorkItem.owner_id == year,
        outcome="DONE",
        summary=lambda _kind: f"{year}年工作日历已确认",
    )


def _register_completion() -> None:
    from ..domain.work import WorkItemKind
    from . import work

    @work.completes(WorkItemKind.CONFIRM_CALENDAR_YEAR)
    async def _confirmed(uow: UnitOfWork, item, done) -> None:  # type: ignore[no-untyped-def]
        calendar = await load_calendar(uow.session)
        if not calendar.is_confirmed(item.owner_id):
            raise DomainError(
                f"confirm {item.owner_id} with confirmCalendarYear (after entering its make-up "
                "working days); that completes this item",
                zh=f"请先录入 {item.owner_id} 年的调休工作日，再通过“确认日历年度”"
                "（confirmCalendarYear）确认该年度；确认后本事项即完成",
                field="id",
                code=ErrorCode.NOT_ALLOWED,
            )
