"""Supervision orders (督办, Art. 4): issue an order, record its reply.

An order is addressed to whoever answers for its object: a case's implementation team (a case
still at the centre: the centre's officers, whom the centre head answers for), the team named,
or an overdue deadline's team and role (its holder, if it has neither). Issuing writes, in one
transaction, the order, its reply deadline (SUPERVISION_REPLY, started through the deadline
engine so the court calendar counts the working days and the sweep escalates it like any other
deadline) and a REPLY_TO_SUPERVISION work item at the top of the responsible worklist. The reply
(`replyToSupervisionOrder`, or completing the item with the reply as its note) closes the
deadline as met or missed, finishes the item and records whether it came on time.

Lock order, as for work items: the order (the items' owner), then its deadline, then its item.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import AdjudicationApplication, Case, Deadline, OnlineMessage, Team, WorkItem
from ..db.models_supervision import SupervisionOrder
from ..domain import supervision as rules
from ..domain.access import Viewer
from ..domain.deadlines import DeadlineKind, DeadlineStatus, Recipient
from ..domain.errors import DomainError, ErrorCode, NotFound
from ..domain.organisation import Role
from ..domain.supervision import SupervisionStatus, SupervisionTarget
from ..domain.work import SUPERVISION_PRIORITY, WorkItemKind, WorkItemStatus
from . import deadlines as deadline_service
from . import notifications
from .unit_of_work import UnitOfWork

OWNER = "SupervisionOrder"  # the GraphQL type's name: items' and notifications' subjectId resolve
# Deadlines that run for something of a case's: the model whose case_id names the case.
_CASE_OWNERS = {"AdjudicationApplication": AdjudicationApplication, "OnlineMessage": OnlineMessage}


def audience(order: SupervisionOrder, case: Case | None = None) -> rules.OrderAudience:
    return rules.OrderAudience(
        team_id=order.team_id,
        responsible_role=order.responsible_role,
        assignee_id=order.assignee_id,
        case_team_id=case.team_id if case is not None else None,
        case_handler_id=case.handler_id if case is not None else None,
        has_case=case is not None,
    )


async def _case_of_deadline(session: AsyncSession, deadline: Deadline) -> Case | None:
    if deadline.owner_type == "Case":
        return await session.get(Case, deadline.owner_id)
    model = {**_CASE_OWNERS, OWNER: SupervisionOrder}.get(deadline.owner_type)
    owner = await session.get(model, deadline.owner_id) if model is not None else None
    case_id = getattr(owner, "case_id", None)
    return await session.get(Case, case_id) if case_id is not None else None


async def issue(
    ctx: AppContext,
    viewer: Viewer,
    *,
    case_id: int | None = None,
    team_id: int | None = None,
    deadline_id: int | None = None,
    instructions: str | None,
    reply_within_working_days: int | None = None,
) -> SupervisionOrder:
    rules.check_issuer(viewer)
    target = rules.check_one_target(case_id, team_id, deadline_id)
    text = rules.check_instructions(instructions)
    days = rules.check_reply_days(reply_within_working_days)
    async with UnitOfWork(ctx, viewer) as uow:
        s = uow.session
        case: Case | None = None
        team: Team | None = None
        overdue: Deadline | None = None
        role: Role | None = None
        assignee: int | None = None
        if target is SupervisionTarget.CASE:
            case = await s.get(Case, case_id)
            if case is None:
                raise NotFound("case", "案件", field="caseId")
            if case.team_id is not None:
                team = await s.get(Team, case.team_id)
            else:  # still at the centre: its officers, answered for by the centre head
                role = Role.CENTER_OFFICER
            what = f"案件{case.number}"
        elif target is SupervisionTarget.TEAM:
            team = await s.get(Team, team_id)
            if team is None:
                raise NotFound("team", "团队", field="teamId")
            what = team.name
        else:
            overdue = await s.get(Deadline, deadline_id)
            if overdue is None:
                raise NotFound("deadline", "期限", field="deadlineId")
            rules.check_deadline_overdue(
                open_=overdue.status is DeadlineStatus.OPEN, due_on=overdue.due_on, today=uow.today
            )
            case = await _case_of_deadline(s, overdue)
            team = await s.get(Team, overdue.team_id) if overdue.team_id is not None else None
            role = overdue.responsible_role
            if team is None and role is None:
                assignee = overdue.holder_id
            label = await deadline_service.owner_label(s, overdue)
            what = f"{label}的{overdue.kind.label}（{overdue.due_on}届满，已超期）"
        issuer_role = Role.COMMAND_CENTER if Role.COMMAND_CENTER in viewer.roles else Role.BUREAU_CHIEF
        order = SupervisionOrder(
            target=target,
            case_id=case.id if case is not None else None,
            team_id=team.id if team is not None else None,
            responsible_role=role,
            assignee_id=assignee,
            deadline_id=overdue.id if overdue is not None else None,
            instructions=text,
            issued_by=viewer.staff_id,
            issuer_role=issuer_role,
            issued_at=uow.now,
            issued_on=uow.today,
            reply_working_days=0,
            status=SupervisionStatus.OPEN.value,
        )
        s.add(order)
        await s.flush()
        engine = await deadline_service.Engine.load(uow)
        reply = await deadline_service.start_deadline(
            uow,
            owner_type=OWNER,
            owner_id=order.id,
            kind=DeadlineKind.SUPERVISION_REPLY,
            starts_on=uow.today,
            responsible_role=role,
            team_id=order.team_id,
            holder_id=assignee,
            engine=engine,
            count=days,  # the issuer's period, else the rule's
        )
        order.reply_working_days = reply.count
        order.reply_deadline_id = reply.id
        from . import work

        item = await work.create(
            uow,
            kind=WorkItemKind.REPLY_TO_SUPERVISION,
            title=f"督办：{what}（{reply.due_on}前答复）",
            case=case,
            owner_type=OWNER,
            owner_id=order.id,
            candidate_role=role,
            team_id=order.team_id,
            assignee_id=assignee,
            deadline=reply,
            priority=SUPERVISION_PRIORITY,
        )
        order.work_item_id = item.id
        summary = (
            f"{viewer.name}（{issuer_role.label}）督办{what}，{reply.count}个工作日内即{reply.due_on}前答复："
            f"{text[:200]}"
        )
        uow.audit("ISSUE_SUPERVISION_ORDER", OWNER, order.id, summary)
        if case is not None:  # on the case's file too
            uow.audit("ISSUE_SUPERVISION_ORDER", "Case", case.id, summary)
        recipients = deadline_service.Recipients(s)
        staff = await recipients.resolve(Recipient.HOLDER, reply) | await recipients.resolve(
            Recipient.SUPERVISOR, reply
        )
        await notifications.send(
            s,
            [
                notifications.Message(
                    staff_id,
                    "SUPERVISION_ORDER_ISSUED",
                    f"督办：{what}"[:200],
                    f"{viewer.name}（{issuer_role.label}）督办：{text[:300]}。请于{reply.due_on}前答复。",
                    OWNER,
                    order.id,
                    f"supervision:{order.id}:issued:{staff_id}",
                )
                for staff_id in sorted(staff)
            ],
            uow.now,
        )
        await uow.commit()
    return order


async def _visible_order(uow: UnitOfWork, viewer: Viewer, order_id: int, *, lock: bool) -> SupervisionOrder:
    from .work import locked

    if lock:
        order = await locked(uow, SupervisionOrder, order_id)
    else:
        order = await uow.session.get(SupervisionOrder, order_id)
    case = await uow.session.get(Case, order.case_id) if order is not None and order.case_id else None
    if order is None or not rules.order_visible(viewer, audience(order, case)):
        raise NotFound("supervision order", "督办", field="orderId")
    return order


async def reply(ctx: AppContext, viewer: Viewer, order_id: int, text: str | None) -> SupervisionOrder:
    answer = rules.check_reply_text(text)
    async with UnitOfWork(ctx, viewer) as uow:
        order = await _visible_order(uow, viewer, order_id, lock=True)
        rules.check_not_answered(order.status)
        rules.check_replier(viewer, audience(order))
        item = await uow.session.get(WorkItem, order.work_item_id) if order.work_item_id else None
        if item is not None and item.status is WorkItemStatus.CLAIMED and item.assignee_id != viewer.staff_id:
            raise DomainError(
                "another staff member holds this order's work item; its holder replies",
                zh="该督办事项已由其他工作人员领取，由领取人答复",
                field="orderId",
                code=ErrorCode.ALREADY_CLAIMED,
            )
        await _record_reply(uow, viewer, order, answer)
        await uow.commit()
    return order


async def _record_reply(uow: UnitOfWork, viewer: Viewer, order: SupervisionOrder, answer: str) -> None:
    """Answer the order: its deadline closes as met or missed, its item is done by the replier."""
    from .work import finish_active, locked

    order.status = SupervisionStatus.ANSWERED.value
    order.reply = answer
    order.replied_by, order.replied_at, order.replied_on = viewer.staff_id, uow.now, uow.today
    due_on = None
    if order.reply_deadline_id is not None:
        deadline = await locked(uow, Deadline, order.reply_deadline_id)
        due_on = deadline.due_on
        deadline_service.close_deadline(uow, deadline, uow.today)
    order.on_time = due_on is None or uow.today <= due_on
    await finish_active(
        uow,
        WorkItem.owner_type == OWNER,
        WorkItem.owner_id == order.id,
        outcome="ANSWERED",
        summary=lambda kind: f"{kind.label}：已答复",
    )
    timing = "按期" if order.on_time else "逾期"
    summary = f"{viewer.name}{timing}答复督办（{due_on}届满）：{answer[:200]}"
    uow.audit("REPLY_TO_SUPERVISION_ORDER", OWNER, order.id, summary)
    if order.case_id is not None:
        uow.audit("REPLY_TO_SUPERVISION_ORDER", "Case", order.case_id, summary)
    await notifications.send(
        uow.session,
        [
            notifications.Message(
                order.issued_by,
                "SUPERVISION_ORDER_ANSWERED",
                f"督办已{timing}答复",
                f"{viewer.name}：{answer[:300]}",
                OWNER,
                order.id,
                f"supervision:{order.id}:answered",
            )
        ],
        uow.now,
    )


async def order_labels(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """How an order is named in deadline notifications: 督办第N号 and what it is about."""
    rows = (
        await session.execute(
            sa.select(SupervisionOrder.id, Case.number, Team.name)
            .outerjoin(Case, Case.id == SupervisionOrder.case_id)
            .outerjoin(Team, Team.id == SupervisionOrder.team_id)
            .where(SupervisionOrder.id.in_(ids))
        )
    ).all()
    return {r[0]: f"督办第{r[0]}号（{r[1] or r[2] or '指定岗位'}）" for r in rows}


deadline_service.OWNER_LABELS[OWNER] = order_labels


def register_completion() -> None:
    """Completing the REPLY_TO_SUPERVISION item with its reply as the note answers the order, as
    replyToSupervisionOrder does (one step, one trace). Called once the work module is loaded."""
    from . import work

    work.OWNERS[OWNER] = SupervisionOrder

    @work.completes(WorkItemKind.REPLY_TO_SUPERVISION)
    async def _answered(uow: UnitOfWork, item, done) -> None:  # type: ignore[no-untyped-def]
        assert uow.actor is not None
        try:
            answer = rules.check_reply_text(done.note)
        except DomainError as error:
            raise error.at("note") from None
        order = await work.locked(uow, SupervisionOrder, item.owner_id)
        if order is None or order.status == SupervisionStatus.ANSWERED.value:
            return  # answered meanwhile by the mutation: nothing more to record
        await _record_reply(uow, uow.actor, order, answer)
