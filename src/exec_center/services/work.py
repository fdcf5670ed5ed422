"""Work items: create, claim, unclaim, complete, reassign.

Every change is a conditional UPDATE on the version the caller read (and, for a claim, on the
item still being OPEN), so of two concurrent claims exactly one wins on either backend. What
completing means depends on the kind: services register a handler per kind (`completes`), which
moves the owner on inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import Case, Deadline, Staff, StaffRole, TeamMember, WorkItem
from ..domain import work as rules
from ..domain.access import Viewer
from ..domain.errors import DomainError, ErrorCode, NotFound
from ..domain.organisation import Role
from ..domain.work import WorkItemKind, WorkItemStatus
from . import deadlines as deadline_service
from . import notifications
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Completion:
    outcome: str
    note: str | None
    params: dict


Handler = Callable[[UnitOfWork, WorkItem, Completion], Awaitable[None]]
HANDLERS: dict[WorkItemKind, Handler] = {}


def completes(kind: WorkItemKind) -> Callable[[Handler], Handler]:
    """Register what completing a `kind` item does to its owner (one entry per later step)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def audience(item: WorkItem, center_window: bool = False) -> rules.ItemAudience:
    return rules.ItemAudience(
        status=item.status,
        candidate_role=item.candidate_role,
        team_id=item.team_id,
        window_id=item.window_id,
        assignee_id=item.assignee_id,
        center_window=center_window,
    )


async def create(
    uow: UnitOfWork,
    *,
    kind: WorkItemKind,
    title: str,
    case: Case | None = None,
    owner_type: str = "Case",
    owner_id: int | None = None,
    candidate_role: Role | None = None,
    team_id: int | None = None,
    window_id: int | None = None,
    assignee_id: int | None = None,
    deadline: Deadline | None = None,
    priority: int = 1,
    due_on: date | None = None,
) -> WorkItem:
    if owner_id is None:
        assert case is not None
        owner_id = case.id
    item = WorkItem(
        kind=kind,
        owner_type=owner_type,
        owner_id=owner_id,
        case_id=case.id if case else None,
        candidate_role=candidate_role,
        team_id=team_id,
        window_id=window_id,
        assignee_id=assignee_id,
        priority=priority,
        title=title[:300],
        status=WorkItemStatus.CLAIMED if assignee_id else WorkItemStatus.OPEN,
        due_on=deadline.due_on if deadline is not None else due_on,
        deadline_id=deadline.id if deadline is not None else None,
        created_at=uow.now,
        claimed_at=uow.now if assignee_id else None,
        version=1,
    )
    uow.session.add(item)
    await uow.session.flush()
    uow.audit("CREATE_WORK_ITEM", "WorkItem", item.id, f"{kind.label}: {title[:200]}")
    return item


async def cancel_for_case(
    uow: UnitOfWork, case_id: int, kinds: set[WorkItemKind] | None = None, reason: str = ""
) -> int:
    """Cancel a case's open or claimed items (of `kinds`), e.g. when the case moves on."""
    query = sa.select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.status.in_(rules.ACTIVE))
    if kinds:
        query = query.where(WorkItem.kind.in_(kinds))
    items = (await uow.session.scalars(query)).all()
    for item in items:
        item.status, item.version = WorkItemStatus.CANCELLED, item.version + 1
        uow.audit("CANCEL_WORK_ITEM", "WorkItem", item.id, f"{item.kind.label} cancelled {reason}".strip())
    return len(items)


async def _load(uow: UnitOfWork, item_id: int) -> WorkItem:
    item = await uow.session.get(WorkItem, item_id)
    if item is None:
        raise NotFound("work item")
    return item


async def _center_window(session: AsyncSession, item: WorkItem) -> bool:
    if item.window_id is None:
        return False
    from ..db.models import Window
    from ..domain.organisation import Unit

    window = await session.get(Window, item.window_id)
    return window is not None and window.unit is Unit.AFFAIRS_CENTER


async def _visible_item(
    uow: UnitOfWork, viewer: Viewer, item_id: int, *, as_candidate: bool = False
) -> tuple[WorkItem, rules.ItemAudience]:
    """The item if the viewer may see it (or, `as_candidate`, could claim it were it open)."""
    item = await _load(uow, item_id)
    facts = audience(item, await _center_window(uow.session, item))
    allowed = rules.may_act_on if as_candidate else rules.can_see
    if not allowed(viewer, facts):
        raise NotFound("work item")  # no side door: an item one may not see does not exist
    return item, facts


async def _conditional_update(
    uow: UnitOfWork, item: WorkItem, expected_version: int, extra_where: list, values: dict
) -> bool:
    result = await uow.session.execute(
        sa.update(WorkItem)
        .where(WorkItem.id == item.id, WorkItem.version == expected_version, *extra_where)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    await uow.session.refresh(item)
    return True


async def _refused_change(
    uow: UnitOfWork, viewer: Viewer, item: WorkItem, expected: int | None
) -> DomainError:
    """Why a conditional update matched no row: someone claimed first, or the version moved on."""
    await uow.session.refresh(item)
    if item.status is WorkItemStatus.CLAIMED and item.assignee_id != viewer.staff_id:
        return DomainError(
            "someone else claimed this work item first", field="id", code=ErrorCode.ALREADY_CLAIMED
        )
    return DomainError(
        f"the work item changed since you read it (now version {item.version}); reload and try again",
        field="version",
        code=ErrorCode.STALE,
    )


async def claim(ctx: AppContext, viewer: Viewer, item_id: int, version: int | None = None) -> WorkItem:
    async with UnitOfWork(ctx, viewer) as uow:
        item, facts = await _visible_item(uow, viewer, item_id, as_candidate=True)
        # Taken is taken, whatever version the caller read: the second claim hears ALREADY_CLAIMED.
        rules.check_claim(viewer, facts)
        rules.check_version(version, item.version)
        expected = item.version
        won = await _conditional_update(
            uow,
            item,
            expected,
            [WorkItem.status == WorkItemStatus.OPEN],
            {"status": WorkItemStatus.CLAIMED, "assignee_id": viewer.staff_id, "claimed_at": uow.now},
        )
        if not won:
            raise await _refused_change(uow, viewer, item, version)
        uow.audit("CLAIM_WORK_ITEM", "WorkItem", item.id, f"{viewer.username} claimed {item.kind.label}")
        await uow.commit()
    return item


async def unclaim(ctx: AppContext, viewer: Viewer, item_id: int, version: int | None = None) -> WorkItem:
    async with UnitOfWork(ctx, viewer) as uow:
        item, facts = await _visible_item(uow, viewer, item_id, as_candidate=True)
        rules.check_version(version, item.version)
        rules.check_holder(viewer, facts, "release")
        won = await _conditional_update(
            uow,
            item,
            item.version,
            [WorkItem.assignee_id == viewer.staff_id],
            {"status": WorkItemStatus.OPEN, "assignee_id": None, "claimed_at": None},
        )
        if not won:
            raise await _refused_change(uow, viewer, item, version)
        uow.audit("UNCLAIM_WORK_ITEM", "WorkItem", item.id, f"{viewer.username} released {item.kind.label}")
        await uow.commit()
    return item


async def complete(
    ctx: AppContext,
    viewer: Viewer,
    item_id: int,
    outcome: str,
    *,
    note: str | None = None,
    version: int | None = None,
    params: dict | None = None,
) -> WorkItem:
    if note is not None and len(note) > 2000:
        raise DomainError("the note may be at most 2000 characters", field="note")
    async with UnitOfWork(ctx, viewer) as uow:
        item, facts = await _visible_item(uow, viewer, item_id, as_candidate=True)
        rules.check_version(version, item.version)
        rules.check_holder(viewer, facts, "complete")
        rules.check_outcome(item.kind, outcome)
        expected = item.version
        # Done first, so what the handler cancels of the case's other work leaves this item alone;
        # a refusal by the handler rolls the whole transaction back.
        won = await _conditional_update(
            uow,
            item,
            expected,
            [WorkItem.status == WorkItemStatus.CLAIMED],
            {
                "status": WorkItemStatus.DONE,
                "completed_at": uow.now,
                "completed_by": viewer.staff_id,
                "outcome": outcome,
                "note": note,
            },
        )
        if not won:
            raise await _refused_change(uow, viewer, item, version)
        handler = HANDLERS.get(item.kind)
        if handler is not None:
            await handler(uow, item, Completion(outcome=outcome, note=note, params=params or {}))
        uow.audit("COMPLETE_WORK_ITEM", "WorkItem", item.id, f"{item.kind.label}: {outcome}")
        await uow.commit()
    return item


async def reassign(
    ctx: AppContext, viewer: Viewer, item_id: int, assignee_id: int, version: int | None = None
) -> WorkItem:
    async with UnitOfWork(ctx, viewer) as uow:
        item, facts = await _visible_item(uow, viewer, item_id)
        rules.check_version(version, item.version)
        target = await uow.session.get(Staff, assignee_id)
        if target is None or not target.active:
            raise NotFound("staff member", field="assigneeId")
        teams = frozenset(
            (
                await uow.session.scalars(
                    sa.select(TeamMember.team_id).where(TeamMember.staff_id == assignee_id)
                )
            ).all()
        )
        roles = frozenset(
            (
                await uow.session.scalars(sa.select(StaffRole.role).where(StaffRole.staff_id == assignee_id))
            ).all()
        )
        rules.check_reassign(viewer, facts, to_team_ids=teams, to_roles=roles)
        won = await _conditional_update(
            uow,
            item,
            item.version,
            [WorkItem.status.in_(rules.ACTIVE)],
            {"status": WorkItemStatus.CLAIMED, "assignee_id": assignee_id, "claimed_at": uow.now},
        )
        if not won:
            raise await _refused_change(uow, viewer, item, version)
        uow.audit(
            "REASSIGN_WORK_ITEM", "WorkItem", item.id, f"{item.kind.label} reassigned to {target.username}"
        )
        await notifications.send(
            uow.session,
            [
                notifications.Message(
                    assignee_id,
                    "WORK_ITEM_ASSIGNED",
                    f"新分派：{item.title}",
                    f"{viewer.name}将“{item.title}”分派给您。",
                    "WorkItem",
                    item.id,
                    f"workitem:{item.id}:assigned:{item.version}",
                )
            ],
            uow.now,
        )
        await uow.commit()
    return item


# --- deadlines meet worklists -----------------------------------------------------------


async def raise_priority_on_escalation(
    session: AsyncSession, deadline_ids: list[int], priority: int, now: datetime
) -> set[int]:
    """Escalation raises the priority of the deadline's work items and tells their holders."""
    items = (
        await session.scalars(
            sa.select(WorkItem).where(
                WorkItem.deadline_id.in_(deadline_ids), WorkItem.status.in_(rules.ACTIVE)
            )
        )
    ).all()
    messages = []
    for item in items:
        if item.priority < priority:
            item.priority, item.version = priority, item.version + 1
        if item.assignee_id is not None:
            messages.append(
                notifications.Message(
                    item.assignee_id,
                    "WORK_ITEM_ESCALATED",
                    f"督办：{item.title}",
                    f"您办理的“{item.title}”期限临近或已超期（{item.due_on}），优先级已提升。",
                    "WorkItem",
                    item.id,
                    f"workitem:{item.id}:escalated:{priority}",
                )
            )
    await notifications.send(session, messages, now)
    return {m.recipient_id for m in messages}


async def follow_deadline(session: AsyncSession, deadline: Deadline) -> None:
    """Keep the due dates of a deadline's work items in step after it moved."""
    await session.execute(
        sa.update(WorkItem)
        .where(WorkItem.deadline_id == deadline.id, WorkItem.status.in_(rules.ACTIVE))
        .values(due_on=deadline.due_on)
    )


deadline_service.ESCALATION_HOOKS.append(raise_priority_on_escalation)
deadline_service.DUE_DATE_HOOKS.append(follow_deadline)


def _register_area_handlers() -> None:
    from .calendar import _register_completion

    _register_completion()


_register_area_handlers()
