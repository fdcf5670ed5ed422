"""The supervision orders' list: who sees which order, and the orders a viewer lists with a filter.
One query for the `supervisionOrders` list (api/supervision.py) and its export (`order_table`).

Everyone lists the orders they may see (`domain.supervision.order_visible`): the issuers' roles
every order, others those addressed to their teams, roles or themselves and those of the cases
they read. There is no role check beyond that: a viewer who sees none lists none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..clock import court_today
from ..context import AppContext
from ..db.models import Case, Deadline, Staff, Team
from ..db.models_supervision import SupervisionOrder
from ..documents.tables import Table
from ..domain import supervision as rules
from ..domain.access import CASE_READERS, Viewer, case_visible
from ..domain.organisation import Role
from ..domain.supervision import SupervisionStatus, SupervisionTarget
from ..domain.work import CENTER_ROLES

# An order and its reply deadline's due day (OVERDUE is read from it).
ORDER_SELECT = sa.select(SupervisionOrder, Deadline.due_on).outerjoin(
    Deadline, Deadline.id == SupervisionOrder.reply_deadline_id
)

ORDER_TABLE_TITLE = "督办令"
ORDER_HEADERS = [
    "督办编号",
    "督办对象",
    "案号",
    "受督办团队（岗位）",
    "督办事项",
    "下达人",
    "下达人身份",
    "下达日期",
    "答复期限",
    "状态",
    "答复内容",
    "答复人",
    "答复日期",
    "是否按时答复",
]


@dataclass(frozen=True)
class OrderListFilter:
    """The `supervisionOrders` query's filter (SupervisionOrderFilter) in plain values, as a job
    keeps it: any of `status` (OVERDUE: open past the reply day; OPEN: not yet past it), the case
    and the team (primary keys), any of `target`. Empty: no condition."""

    status: tuple[SupervisionStatus, ...] = ()
    case_id: int | None = None
    team_id: int | None = None
    target: tuple[SupervisionTarget, ...] = ()

    def to_params(self) -> dict[str, Any]:
        return {
            "status": [s.value for s in self.status],
            "caseId": self.case_id,
            "teamId": self.team_id,
            "target": [t.value for t in self.target],
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> OrderListFilter:
        return cls(
            status=tuple(SupervisionStatus(s) for s in params.get("status") or ()),
            case_id=params.get("caseId"),
            team_id=params.get("teamId"),
            target=tuple(SupervisionTarget(t) for t in params.get("target") or ()),
        )


def order_visibility(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    """The SQL form of `domain.supervision.order_visible` (None: every order)."""
    if viewer.sees_everything or viewer.roles & rules.ISSUER_ROLES:
        return None
    o = SupervisionOrder
    roles = {r.value for r in viewer.roles}
    if Role.CENTER_HEAD in viewer.roles:
        roles |= {r.value for r in CENTER_ROLES}
    teams = sorted(viewer.team_ids | viewer.lead_team_ids)
    clauses: list[sa.ColumnElement[bool]] = [o.assignee_id == viewer.staff_id]
    if teams:
        clauses.append(o.team_id.in_(teams))
    if roles:
        clauses.append(sa.and_(o.team_id.is_(None), o.responsible_role.in_(sorted(roles))))
    if viewer.roles & CASE_READERS:
        clauses.append(o.case_id.is_not(None))
    else:
        readable = sa.select(Case.id).where(
            sa.or_(Case.handler_id == viewer.staff_id, *([Case.team_id.in_(sorted(viewer.team_ids))]
                                                        if viewer.team_ids else []))
        )
        clauses.append(o.case_id.in_(readable.scalar_subquery()))
    return sa.or_(*clauses)


def _status_condition(wanted: tuple[SupervisionStatus, ...], today: date) -> sa.ColumnElement[bool]:
    o = SupervisionOrder
    answered = o.status == SupervisionStatus.ANSWERED.value
    still_open = o.status == SupervisionStatus.OPEN.value
    late = sa.and_(still_open, Deadline.due_on < today)
    conditions = {
        SupervisionStatus.ANSWERED: answered,
        SupervisionStatus.OVERDUE: late,
        SupervisionStatus.OPEN: sa.and_(still_open, sa.not_(late)),
    }
    return sa.or_(*(conditions[s] for s in sorted(set(wanted))))


def order_list_query(viewer: Viewer, flt: OrderListFilter, today: date) -> sa.Select[Any]:
    """The orders the viewer lists with this filter, as (SupervisionOrder, reply due day) rows
    (newest first is the caller's: order by SupervisionOrder.id descending)."""
    o = SupervisionOrder
    conditions: list[sa.ColumnElement[bool]] = []
    seen = order_visibility(viewer)
    if seen is not None:
        conditions.append(seen)
    if flt.case_id is not None:
        conditions.append(o.case_id == flt.case_id)
    if flt.team_id is not None:
        conditions.append(o.team_id == flt.team_id)
    if flt.target:
        conditions.append(o.target.in_(list(flt.target)))
    if flt.status:
        conditions.append(_status_condition(flt.status, today))
    return ORDER_SELECT.where(*conditions)


async def order_table(ctx: AppContext, viewer: Viewer, flt: OrderListFilter) -> Table:
    """The orders the viewer lists with this filter (as `supervisionOrders`, newest first), one
    row each with zh-CN headers: one statement, whatever their number. The case number only for
    a viewer who may read the case (as the list's `case`); no personal data."""
    today = court_today(ctx.clock, ctx.settings.tz)
    # Aliases: the visibility rule's subquery on cases must not correlate with these joins.
    case, archived = aliased(Case), aliased(Case)
    team, issuer, replier = aliased(Team), aliased(Staff), aliased(Staff)
    o = SupervisionOrder
    query = (
        order_list_query(viewer, flt, today)
        .add_columns(
            case.number, case.team_id, case.handler_id, archived.id, archived.team_id, archived.handler_id,
            team.name, issuer.name, replier.name,
        )
        .outerjoin(case, case.id == o.case_id)
        .outerjoin(archived, archived.id == case.archived_into_id)
        .outerjoin(team, team.id == o.team_id)
        .outerjoin(issuer, issuer.id == o.issued_by)
        .outerjoin(replier, replier.id == o.replied_by)
        .order_by(o.id.desc())
    )
    async with ctx.sessionmaker() as session:
        rows = (await session.execute(query)).all()
    table_rows: list[list[Any]] = []
    for (order, due, number, c_team, c_handler, a_id, a_team, a_handler,
         team_name, issuer_name, replier_name) in rows:
        # As `linked_case`: the case, or the one it was archived into, is the viewer's to read.
        readable = number is not None and (
            case_visible(viewer, team_id=c_team, handler_id=c_handler)
            or (a_id is not None and case_visible(viewer, team_id=a_team, handler_id=a_handler))
        )
        addressed = team_name or (Role(order.responsible_role).label if order.responsible_role else None)
        table_rows.append([
            order.id,
            SupervisionTarget(order.target).label,
            number if readable else None,
            addressed,
            order.instructions,
            issuer_name,
            Role(order.issuer_role).label,
            order.issued_on,
            due,
            SupervisionStatus.of(order.status, due, today).label,
            order.reply,
            replier_name,
            order.replied_on,
            order.on_time,
        ])
    return Table(list(ORDER_HEADERS), table_rows, title=ORDER_TABLE_TITLE)
