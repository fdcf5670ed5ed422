"""Supervision orders (督办): the command centre's and the bureau chief's orders on a case, a team
or an overdue deadline, and their replies (issue 15)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import strawberry

from ..db.models import Deadline
from ..db.models_supervision import SupervisionOrder
from ..domain import supervision as rules
from ..domain.access import deadline_visible
from ..domain.organisation import Role as RoleEnum
from ..services import supervision as service
from ..services import supervision_list as order_list
from . import loaders
from .common import Connection, UserError, check_first, connection, decode_id_cursor, run_mutation
from .context import Info, RequestContext
from .history import HistoryEntry, history_connection
from .ids import pk_of, to_global_id
from .organisation import Node, Role, StaffType, TeamType

if TYPE_CHECKING:
    from .cases import CaseType
    from .deadlines import DeadlineType
    from .worklist import WorkItemType

SupervisionStatus = strawberry.enum(
    rules.SupervisionStatus,
    description="Where a supervision order stands: OPEN (awaiting the reply), ANSWERED, OVERDUE "
    "(open past its reply day).",
)
SupervisionTarget = strawberry.enum(rules.SupervisionTarget, description="What a supervision order is about.")


@strawberry.type(
    name="SupervisionOrder",
    description="A supervision order (督办, Art. 4: the command centre's unified management, command "
    "and coordination) issued by the command centre or the bureau chief on a case, a team or an "
    "overdue deadline, with its instructions, reply deadline (SUPERVISION_REPLY, in working days of "
    "the court calendar) and reply. Visible to the issuing roles, the team (or role) it is addressed "
    "to and whoever may read its case.",
)
class SupervisionOrderType(Node):
    row: strawberry.Private[SupervisionOrder]
    reply_due: strawberry.Private[date | None]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id(service.OWNER, self.row.id)

    @strawberry.field
    def target(self) -> SupervisionTarget:  # type: ignore[valid-type]
        return self.row.target

    @strawberry.field
    def target_label(self) -> str:
        return rules.SupervisionTarget(self.row.target).label

    def _status(self, info: Info) -> rules.SupervisionStatus:
        return rules.SupervisionStatus.of(self.row.status, self.reply_due, info.context.today())

    @strawberry.field
    def status(self, info: Info) -> SupervisionStatus:  # type: ignore[valid-type]
        return self._status(info)

    @strawberry.field
    def status_label(self, info: Info) -> str:
        return self._status(info).label

    @strawberry.field(description="Open and past its reply day.")
    def overdue(self, info: Info) -> bool:
        return self._status(info) is rules.SupervisionStatus.OVERDUE

    @strawberry.field(description="What the team is to do, as the issuer wrote it.")
    def instructions(self) -> str:
        return self.row.instructions

    @strawberry.field
    def issued_at(self) -> datetime:
        return self.row.issued_at

    @strawberry.field(description="The court date it was issued: the reply period counts from the next day.")
    def issued_on(self) -> date:
        return self.row.issued_on

    @strawberry.field
    async def issued_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.issued_by)

    @strawberry.field(description="The role it was issued in (COMMAND_CENTER or BUREAU_CHIEF).")
    def issuer_role(self) -> Role:  # type: ignore[valid-type]
        return self.row.issuer_role

    @strawberry.field
    def issuer_role_label(self) -> str:
        return RoleEnum(self.row.issuer_role).label

    @strawberry.field(description="The reply period in working days of the court calendar.")
    def reply_within_working_days(self) -> int:
        return self.row.reply_working_days

    @strawberry.field(description="The last day to reply (the reply deadline's due date).")
    def reply_due_on(self) -> date | None:
        return self.reply_due

    @strawberry.field(description="The team addressed (the case's, the one named, or the deadline's).")
    def team(self, info: Info) -> TeamType | None:
        if self.row.team_id is None:
            return None
        return loaders.load_then(
            info.context, "team", loaders.team_by_id, self.row.team_id,
            lambda t: TeamType(row=t) if t else None,
        )

    @strawberry.field(
        description="Without a team: the role addressed (a case still at the centre: its officers)."
    )
    def responsible_role(self) -> Role | None:  # type: ignore[valid-type]
        return self.row.responsible_role

    @strawberry.field
    def responsible_role_label(self) -> str | None:
        role = self.row.responsible_role
        return RoleEnum(role).label if role else None

    @strawberry.field(
        name="case", description="The case it concerns; null if none or not the viewer's to read."
    )
    async def case_(self, info: Info) -> Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None:
        from .directory import linked_case

        return await linked_case(info, self.row.case_id)

    @strawberry.field(
        description="The overdue deadline it is about (target DEADLINE), if the viewer may see it."
    )
    async def deadline(
        self, info: Info
    ) -> Annotated[DeadlineType, strawberry.lazy("exec_center.api.deadlines")] | None:
        return await _deadline(info, self.row.deadline_id)

    @strawberry.field(description="The reply deadline (SUPERVISION_REPLY) the escalation ladder follows.")
    async def reply_deadline(
        self, info: Info
    ) -> Annotated[DeadlineType, strawberry.lazy("exec_center.api.deadlines")] | None:
        return await _deadline(info, self.row.reply_deadline_id)

    @strawberry.field(description="The REPLY_TO_SUPERVISION item on the responsible worklist, if visible.")
    async def work_item(
        self, info: Info
    ) -> Annotated[WorkItemType, strawberry.lazy("exec_center.api.worklist")] | None:
        from .worklist import visible_item

        return await visible_item(info, self.row.work_item_id) if self.row.work_item_id else None

    @strawberry.field(description="The reply, once answered.")
    def reply(self) -> str | None:
        return self.row.reply

    @strawberry.field
    def replied_at(self) -> datetime | None:
        return self.row.replied_at

    @strawberry.field
    def replied_on(self) -> date | None:
        return self.row.replied_on

    @strawberry.field
    async def replied_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.replied_by)

    @strawberry.field(description="Answered on or before the reply day; null while unanswered.")
    def answered_on_time(self) -> bool | None:
        return self.row.on_time

    @strawberry.field(description="What happened to this order, newest first.")
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[HistoryEntry]:
        return await history_connection(info, [service.OWNER], self.row.id, first, after)


async def _staff(info: Info, staff_id: int | None) -> StaffType | None:
    if staff_id is None:
        return None
    row = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(staff_id)
    return StaffType(row=row) if row else None


async def _deadlines_by_id(ctx: RequestContext, keys: list[int]) -> list[Deadline | None]:
    rows = (await ctx.session.scalars(sa.select(Deadline).where(Deadline.id.in_(keys)))).all()
    found = {row.id: row for row in rows}
    return [found.get(key) for key in keys]


async def _deadline(info: Info, deadline_id: int | None) -> DeadlineType | None:
    """A deadline the viewer may see (one query for a page of orders)."""
    from .deadlines import DeadlineType

    if deadline_id is None:
        return None
    row = await loaders.loader(info.context, "supervisionDeadline", _deadlines_by_id).load(deadline_id)
    shown = row is not None and deadline_visible(
        info.context.viewer, holder_id=row.holder_id, role=row.responsible_role, team_id=row.team_id
    )
    return DeadlineType(row=row) if shown else None


# --- reads ------------------------------------------------------------------------------

_SELECT = order_list.ORDER_SELECT


def _build(rows: Any) -> list[SupervisionOrderType]:
    return [SupervisionOrderType(row=order, reply_due=due) for order, due in rows]


def visibility(ctx: RequestContext) -> sa.ColumnElement[bool] | None:
    """The SQL form of `domain.supervision.order_visible` (None: every order)."""
    return order_list.order_visibility(ctx.viewer)


async def visible_order(info: Info, pk: int) -> SupervisionOrderType | None:
    """For node(id:): the order if the viewer may see it."""
    ctx = info.context
    query = _SELECT.where(SupervisionOrder.id == pk)
    seen = visibility(ctx)
    if seen is not None:
        query = query.where(seen)
    return next(iter(_build((await ctx.session.execute(query)).all())), None)


async def orders_of_case(ctx: RequestContext, keys: list[int]) -> list[list[Any]]:
    rows = (
        await ctx.session.execute(
            _SELECT.where(SupervisionOrder.case_id.in_(keys)).order_by(SupervisionOrder.id.desc())
        )
    ).all()
    return loaders._group(keys, [(order.case_id, (order, due)) for order, due in rows])


async def case_orders(info: Info, case_id: int) -> list[SupervisionOrderType]:
    """`Case.supervisionOrders`: whoever reads the case reads its orders."""
    rows = await loaders.loader(info.context, "supervisionOrdersOfCase", orders_of_case).load(case_id)
    return _build(rows)


@strawberry.input
class SupervisionOrderFilter:
    status: list[SupervisionStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Any of these (OVERDUE: open past the reply day; OPEN: not yet past it)."
    )
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders concerning this case."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders addressed to this team."
    )
    target: list[SupervisionTarget] | None = None  # type: ignore[valid-type]


def order_list_filter(flt: SupervisionOrderFilter | None) -> order_list.OrderListFilter:
    """The GraphQL filter in plain values (ids checked and named as `filter.caseId`...)."""
    if flt is None:
        return order_list.OrderListFilter()
    return order_list.OrderListFilter(
        status=tuple(rules.SupervisionStatus(s) for s in flt.status or ()),
        case_id=_pk(flt.case_id, "Case", "filter.caseId"),
        team_id=_pk(flt.team_id, "Team", "filter.teamId"),
        target=tuple(rules.SupervisionTarget(t) for t in flt.target or ()),
    )


@strawberry.type
class SupervisionQuery:
    @strawberry.field(
        description="Supervision orders, newest first: the command centre and the bureau chief see "
        "all; others those addressed to their teams or roles and those of the cases they read."
    )
    async def supervision_orders(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: SupervisionOrderFilter | None = None,
    ) -> Connection[SupervisionOrderType]:
        ctx = info.context
        size = check_first(first)
        o = SupervisionOrder
        query = order_list.order_list_query(ctx.viewer, order_list_filter(filter), ctx.today())
        session = ctx.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            query = query.where(o.id < decode_id_cursor(after))
        rows = (await session.execute(query.order_by(o.id.desc()).limit(size + 1))).all()
        return connection(
            _build(rows),
            first=size,
            total=total or 0,
            key=lambda order: [order.row.id],
            has_previous=after is not None,
        )


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class IssueSupervisionOrderInput:
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="Supervise a case (its team answers)."
    )
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Supervise a team's work.")
    deadline_id: strawberry.ID | None = strawberry.field(
        default=None, description="Supervise an overdue deadline (its team or role answers)."
    )
    instructions: str = strawberry.field(
        description="What is to be done, in zh-CN (at most 2000 characters)."
    )
    reply_within_working_days: int | None = strawberry.field(
        default=None,
        description="The reply period in working days (1-30); default the SUPERVISION_REPLY rule in force.",
    )


@strawberry.input
class ReplyToSupervisionOrderInput:
    order_id: strawberry.ID
    reply: str = strawberry.field(description="What was done, in zh-CN (at most 2000 characters).")


@strawberry.type
class SupervisionOrderPayload:
    supervision_order: SupervisionOrderType | None = None
    user_errors: list[UserError]


async def _result(ctx: RequestContext, order: SupervisionOrder) -> dict[str, Any]:
    # Read afresh in the request's own session: the payload shows the order as committed.
    row = (await ctx.session.execute(_SELECT.where(SupervisionOrder.id == order.id))).one()
    return {"supervision_order": SupervisionOrderType(row=row[0], reply_due=row[1])}


def _pk(global_id: strawberry.ID | None, expected: str, field: str) -> int | None:
    return None if global_id is None else pk_of(global_id, expected, field)


@strawberry.type
class SupervisionMutation:
    @strawberry.mutation(
        description="Issue a supervision order (COMMAND_CENTER, BUREAU_CHIEF) on exactly one of a case, "
        "a team or an overdue deadline. It lands at the top of the responsible worklist as a "
        "REPLY_TO_SUPERVISION item due on the reply day; missing it escalates like any deadline."
    )
    async def issue_supervision_order(
        self, info: Info, input: IssueSupervisionOrderInput
    ) -> SupervisionOrderPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            order = await service.issue(
                ctx.app,
                ctx.viewer,
                case_id=_pk(input.case_id, "Case", "caseId"),
                team_id=_pk(input.team_id, "Team", "teamId"),
                deadline_id=_pk(input.deadline_id, "Deadline", "deadlineId"),
                instructions=input.instructions,
                reply_within_working_days=input.reply_within_working_days,
            )
            return await _result(ctx, order)

        return await run_mutation(SupervisionOrderPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Record the reply to a supervision order (the team or role it is addressed to; "
        "once). Closes the reply deadline as met or missed and completes the work item."
    )
    async def reply_to_supervision_order(
        self, info: Info, input: ReplyToSupervisionOrderInput
    ) -> SupervisionOrderPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            order = await service.reply(
                ctx.app, ctx.viewer, pk_of(input.order_id, service.OWNER, "orderId"), input.reply
            )
            return await _result(ctx, order)

        return await run_mutation(SupervisionOrderPayload, act, lambda r: r)
