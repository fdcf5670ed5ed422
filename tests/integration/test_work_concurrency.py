"""Work items under concurrency, on SQLite (writes serialise) and PostgreSQL (they race): of
concurrent changes to one item exactly one applies, the others are refused with a code that
says why, and only the winner's audit event is written."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from exec_center.db.models import AuditEvent, Staff, WorkItem
from exec_center.domain.access import Viewer
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.organisation import Role, Unit
from exec_center.domain.work import WorkItemKind, WorkItemStatus
from exec_center.services import work
from exec_center.services.auth import load_viewer
from exec_center.services.organisation import NewStaff, create_staff
from exec_center.services.unit_of_work import UnitOfWork


async def viewer(ctx, username: str) -> Viewer:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


@pytest.fixture
async def officers(ctx) -> list[Viewer]:
    """Three centre officers: the demo one and two more."""
    admin = await viewer(ctx, "admin")
    for n in (2, 3):
        await create_staff(ctx, admin, NewStaff(f"center{n}", f"干警{n}", "password-123", Unit.AFFAIRS_CENTER,
                                                (Role.CENTER_OFFICER,)))
    return [await viewer(ctx, u) for u in ("center", "center2", "center3")]


async def new_item(ctx) -> int:
    async with UnitOfWork(ctx) as uow:
        item = await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="超期督办", owner_type="Test",
                                 owner_id=1, candidate_role=Role.CENTER_OFFICER)
        await uow.commit()
        return item.id


async def state(ctx, item_id: int) -> tuple[WorkItem, list[str]]:
    async with ctx.sessionmaker() as session:
        item = await session.get(WorkItem, item_id)
        actions = (await session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "WorkItem", AuditEvent.object_id == item_id).order_by(AuditEvent.id))).all()
    return item, list(actions)


def split(results: list) -> tuple[list[WorkItem], list[BaseException]]:
    won = [r for r in results if isinstance(r, WorkItem)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) + len(lost) == len(results)
    return won, lost


@pytest.mark.parametrize("round_", range(5))
async def test_of_two_concurrent_claims_exactly_one_wins(ctx, officers, round_) -> None:
    item_id = await new_item(ctx)
    first, second = officers[round_ % 2], officers[1 - round_ % 2]
    won, lost = split(await asyncio.gather(work.claim(ctx, first, item_id), work.claim(ctx, second, item_id),
                                           return_exceptions=True))
    assert len(won) == 1 and len(lost) == 1, lost
    assert isinstance(lost[0], DomainError) and lost[0].code is ErrorCode.ALREADY_CLAIMED, lost[0]
    item, actions = await state(ctx, item_id)
    assert item.status is WorkItemStatus.CLAIMED and item.version == 2
    assert item.assignee_id == won[0].assignee_id in {first.staff_id, second.staff_id}
    assert actions == ["CREATE_WORK_ITEM", "CLAIM_WORK_ITEM"]  # only the winner's


async def test_of_three_concurrent_claims_with_the_version_read_exactly_one_wins(ctx, officers) -> None:
    item_id = await new_item(ctx)
    won, lost = split(await asyncio.gather(*(work.claim(ctx, o, item_id, version=1) for o in officers),
                                           return_exceptions=True))
    assert len(won) == 1 and len(lost) == 2, lost
    assert all(isinstance(e, DomainError) and e.code is ErrorCode.ALREADY_CLAIMED for e in lost), lost
    item, actions = await state(ctx, item_id)
    assert item.assignee_id == won[0].assignee_id and actions.count("CLAIM_WORK_ITEM") == 1


async def test_complete_and_release_at_once_exactly_one_applies(ctx, officers) -> None:
    holder = officers[0]
    item_id = await new_item(ctx)
    await work.claim(ctx, holder, item_id)
    won, lost = split(await asyncio.gather(work.complete(ctx, holder, item_id, "DONE", version=2),
                                           work.unclaim(ctx, holder, item_id, version=2),
                                           return_exceptions=True))
    assert len(won) == 1 and len(lost) == 1, lost
    assert isinstance(lost[0], DomainError) and lost[0].code in {
        ErrorCode.STALE, ErrorCode.ALREADY_DONE, ErrorCode.NOT_ALLOWED_IN_STAGE}, lost[0]
    item, actions = await state(ctx, item_id)
    assert item.version == 3 and item.status in {WorkItemStatus.DONE, WorkItemStatus.OPEN}
    assert actions[-1] == ("COMPLETE_WORK_ITEM" if item.status is WorkItemStatus.DONE else "UNCLAIM_WORK_ITEM")
    assert len(actions) == 3


async def test_a_lead_reassigning_while_a_member_claims_exactly_one_applies(ctx) -> None:
    lead, member = await viewer(ctx, "impl1-lead"), await viewer(ctx, "impl1")
    async with UnitOfWork(ctx) as uow:
        team = next(iter(member.team_ids))
        item = await work.create(uow, kind=WorkItemKind.INVESTIGATE, title="线下调查", owner_type="Test",
                                 owner_id=1, team_id=team, candidate_role=Role.IMPLEMENTATION_OFFICER)
        await uow.commit()
    won, lost = split(await asyncio.gather(work.claim(ctx, member, item.id, version=1),
                                           work.reassign(ctx, lead, item.id, lead.staff_id, version=1),
                                           return_exceptions=True))
    assert len(won) == 1 and len(lost) == 1, lost
    assert isinstance(lost[0], DomainError) and lost[0].code in {ErrorCode.STALE, ErrorCode.ALREADY_CLAIMED}
    after, actions = await state(ctx, item.id)
    assert after.version == 2 and after.assignee_id == won[0].assignee_id
    assert len(actions) == 2
