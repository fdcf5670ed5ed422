"""Work items: create, claim, unclaim, complete, reassign.

Every change is a conditional UPDATE on the version the caller read (and, for a claim, on the
item still being OPEN), so of two concurrent claims exactly one wins on either backend. What
completing means depends on the kind: services register a handler per kind (`completes`), which
moves the owner on inside the same transaction.

Lock order on PostgreSQL (SQLite runs one unit of work at a time): the owner (a case, a visit, a
message…), then its deadline, then its items. Completing an item locks its owner and deadline
first, as the owner's own mutations do before they finish its items, so the two never wait for
each other in a circle and the second sees what the first decided; the deadline sweep, which
takes deadlines first, never waits for an item (it tries again on its next run). Items are
finished in bulk by a conditional UPDATE (`finish_active`), never by writing back a status and
version read earlier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import Case, Deadline, Staff, StaffRole, TeamMember, WorkItem
from ..domain import work as rules
from ..domain.access import Viewer
from ..domain.actions import WorkOutcome
from ..domain.errors import DomainError, ErrorCode, NotFound
from ..domain.organisation import Role
from ..domain.work import WorkItemKind, WorkItemStatus
from . import deadlines as deadline_service
from . import notifications
from .unit_of_work import UnitOfWork


def outcome_label(outcome: str) -> str:
    """A work item's outcome as history entries write it (its zh-CN label)."""
    try:
        return WorkOutcome(outcome).label
    except ValueError:
        return outcome


@dataclass(frozen=True)
class Completion:
    outcome: str
    note: str | None
    params: dict


Handler = Callable[[UnitOfWork, WorkItem, Completion], Awaitable[None]]
HANDLERS: dict[WorkItemKind, Handler] = {}
# The row an item's owner_type names, locked before the item is completed (areas register theirs).
OWNERS: dict[str, Any] = {"Case": Case}


# --- serialising check-then-act -----------------------------------------------------------


def is_postgresql(uow: UnitOfWork) -> bool:
    return uow.session.bind.dialect.name == "postgresql"


async def serialise(uow: UnitOfWork, *key: object) -> None:
    """Hold `key` until the unit of work ends: for a rule no single row carries ("at most one
    request per deadline", "at most so many attempts per window"). PostgreSQL: a transaction
    advisory lock; SQLite: nothing to do, the writer gate runs one unit of work at a time."""
    if not is_postgresql(uow):
        return
    digest = hashlib.blake2b("\x1f".join(str(k) for k in key).encode(), digest_size=8).digest()
    lock_id = int.from_bytes(digest, "big", signed=True)
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))


async def locked(uow: UnitOfWork, model: Any, pk: Any) -> Any:
    """The row as it is now, locked until the unit of work ends (FOR UPDATE on PostgreSQL; on
    SQLite the unit of work already holds the database). Reloads a row the session had read."""
    return await uow.session.get(model, pk, with_for_update=is_postgresql(uow), populate_existing=True)


async def finish_active(
    uow: UnitOfWork,
    *where: Any,
    status: WorkItemStatus = WorkItemStatus.DONE,
    outcome: str | None = None,
    summary: Callable[[WorkItemKind], str],
) -> int:
    """Finish (DONE) or cancel the open and claimed items matching `where` in one conditional
    UPDATE: an item finished meanwhile is left alone, the version moves on from the database's
    value, and each item changed gets its audit event. Returns how many changed."""
    values: dict[str, Any] = {"status": status, "version": WorkItem.version + 1}
    if status is WorkItemStatus.DONE:
        actor = uow.actor.staff_id if uow.actor else None
        values |= {"completed_at": uow.now, "completed_by": actor}
        if actor is not None:  # done by the person who took the step, if nobody held it
            values["assignee_id"] = sa.func.coalesce(WorkItem.assignee_id, actor)
    if outcome is not None:
        values["outcome"] = outcome
    rows = (
        await uow.session.execute(
            sa.update(WorkItem)
            .where(WorkItem.status.in_(rules.ACTIVE), *where)
            .values(**values)
            .returning(WorkItem.id, WorkItem.kind)
            .execution_options(synchronize_session="fetch")
        )
    ).all()
    action = "COMPLETE_WORK_ITEM" if status is WorkItemStatus.DONE else "CANCEL_WORK_ITEM"
    for item_id, kind in sorted(rows):
        uow.audit(action, "WorkItem", item_id, summary(kind))
    return len(rows)


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
    uow.audit("CREATE_WORK_ITEM", "WorkItem", item.id, f"{kind.label}：{title[:200]}")
    return item


async def complete_for_case(uow: UnitOfWork, case_id: int, kind: WorkItemKind, outcome: str) -> int:
    """A step taken by its own mutation (closeCase, archiveCase, ...): the case's matching item is
    DONE by the person who took it, with the step's outcome - one trace, as if they completed it."""
    rules.check_outcome(kind, outcome)
    return await finish_active(
        uow,
        WorkItem.case_id == case_id,
        WorkItem.kind == kind,
        outcome=outcome,
        summary=lambda k: f"{k.label}：{outcome_label(outcome)}",
    )


async def cancel_for_case(
    uow: UnitOfWork, case_id: int, kinds: set[WorkItemKind] | None = None, reason: str = ""
) -> int:
    """Cancel a case's open or claimed items (of `kinds`), e.g. when the case moves on."""
    where = [WorkItem.case_id == case_id] + ([WorkItem.kind.in_(kinds)] if kinds else [])
    return await finish_active(
        uow,
        *where,
        status=WorkItemStatus.CANCELLED,
        summary=lambda kind: f"{kind.label}已取消" + (f"（{reason}）" if reason else ""),
    )


async def _load(uow: UnitOfWork, item_id: int) -> WorkItem:
    item = await uow.session.get(WorkItem, item_id)
    if item is None:
        raise NotFound("work item", "工作事项")
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
        raise NotFound("work item", "工作事项")  # no side door: an item one may not see does not exist
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
    uow: UnitOfWork, viewer: Viewer, item: WorkItem, expected: int | None, *, claiming: bool = False
) -> DomainError:
    """Why a conditional update matched no row: someone claimed first (or, for a claim sent twice,
    the viewer's own first claim), someone finished the item, or the version moved on."""
    await uow.session.refresh(item)
    if item.status is WorkItemStatus.CLAIMED and item.assignee_id != viewer.staff_id:
        return DomainError(
            "someone else claimed this work item first",
            zh="该工作事项已被他人先行领取",
            field="id",
            code=ErrorCode.ALREADY_CLAIMED,
        )
    if claiming and item.status is WorkItemStatus.CLAIMED:
        return DomainError("you already hold this work item", zh="您已领取该工作事项", field="id",
                           code=ErrorCode.ALREADY_CLAIMED)
    if item.status not in rules.ACTIVE:
        return DomainError(
            f"the work item was {item.status.value} ({item.status.label}) meanwhile; nothing is left to do",
            zh=f"该工作事项在此期间已变为“{item.status.label}”，无需再办理",
            field="id",
            # As the rules say it when the status was read before: a completion met a completion.
            code=ErrorCode.ALREADY_DONE
            if item.status is WorkItemStatus.DONE and not claiming
            else ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    return DomainError(
        f"the work item changed since you read it (now version {item.version}); reload and try again",
        zh=f"该工作事项在您读取后已被修改（现为版本 {item.version}）；请刷新后重试",
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
            raise await _refused_change(uow, viewer, item, version, claiming=True)
        uow.audit("CLAIM_WORK_ITEM", "WorkItem", item.id, f"{viewer.username}认领{item.kind.label}")
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
        uow.audit("UNCLAIM_WORK_ITEM", "WorkItem", item.id, f"{viewer.username}退回{item.kind.label}")
        await uow.commit()
    return item


async def _lock_owner_and_deadline(uow: UnitOfWork, item_id: int) -> None:
    """Before a completion reads the item: its owner, then its deadline (see the module's note on
    lock order). Of two completions of an owner's items, or a completion and the owner's own
    mutation, the second waits and then reads what the first decided; the sweep cannot move the
    item's version between the read and the update."""
    if not is_postgresql(uow):
        return
    columns = (WorkItem.owner_type, WorkItem.owner_id, WorkItem.deadline_id)
    keys = (await uow.session.execute(sa.select(*columns).where(WorkItem.id == item_id))).first()
    if keys is None:
        return
    owner = OWNERS.get(keys.owner_type)
    if owner is not None:
        await uow.session.execute(sa.select(owner.id).where(owner.id == keys.owner_id).with_for_update())
    if keys.deadline_id is not None:  # which the completion may close
        deadline = sa.select(Deadline.id).where(Deadline.id == keys.deadline_id)
        await uow.session.execute(deadline.with_for_update())


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
        raise DomainError("the note may be at most 2000 characters", zh="办理说明不得超过 2000 个字符",
                          field="note", code=ErrorCode.OUT_OF_RANGE)
    async with UnitOfWork(ctx, viewer) as uow:
        await _lock_owner_and_deadline(uow, item_id)
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
        uow.audit("COMPLETE_WORK_ITEM", "WorkItem", item.id, f"{item.kind.label}：{outcome_label(outcome)}")
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
            raise NotFound("staff member", "工作人员", field="assigneeId")
        memberships = (
            await uow.session.execute(
                sa.select(TeamMember.team_id, TeamMember.is_lead).where(TeamMember.staff_id == assignee_id)
            )
        ).all()
        teams = frozenset(team for team, _ in memberships)
        leads = frozenset(team for team, lead in memberships if lead)
        roles = frozenset(
            (
                await uow.session.scalars(sa.select(StaffRole.role).where(StaffRole.staff_id == assignee_id))
            ).all()
        )
        rules.check_reassign(viewer, facts, to_team_ids=teams, to_roles=roles, to_lead_team_ids=leads)
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
            "REASSIGN_WORK_ITEM", "WorkItem", item.id, f"{item.kind.label}改派{target.username}"
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
    active = [WorkItem.deadline_id.in_(deadline_ids), WorkItem.status.in_(rules.ACTIVE)]
    to_raise = sa.select(WorkItem.id).where(*active, WorkItem.priority < priority)
    if session.bind.dialect.name == "postgresql":
        # The sweep holds its deadlines, so it never waits for an item (whoever holds the item may
        # be waiting to close the deadline): an item being changed right now makes it try later.
        wanted = set((await session.scalars(to_raise)).all())
        free = set((await session.scalars(to_raise.with_for_update(skip_locked=True))).all())
        if wanted - free:
            raise deadline_service.EscalationBusy(f"work items {sorted(wanted - free)} are being changed")
        to_raise = sa.select(WorkItem.id).where(WorkItem.id.in_(free))
    # A conditional UPDATE: a claim or a completion at the same moment keeps its own change, and
    # the version moves on from the database's value.
    await session.execute(
        sa.update(WorkItem)
        .where(WorkItem.id.in_(to_raise.scalar_subquery()), WorkItem.priority < priority)
        .values(priority=priority, version=WorkItem.version + 1)
        .execution_options(synchronize_session=False)
    )
    items = (await session.scalars(sa.select(WorkItem).where(*active))).all()
    messages = []
    for item in items:
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
    from .deadlines import register_completion as _register_extension_decisions
    from .supervision import register_completion as _register_supervision_replies

    _register_completion()
    _register_extension_decisions()
    _register_supervision_replies()


_register_area_handlers()
