"""Supervision orders (督办): the execution command centre manages, commands and coordinates the
centre (Art. 4, 三统一); it and the bureau chief act through orders. An order names a case, a
team or an overdue deadline, says what to do (instructions) and by when to answer (a number of
working days, counted by the deadline engine: kind SUPERVISION_REPLY). The responsible team
answers once; the reply is on time when it comes on or before the due day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .access import Viewer, case_visible
from .errors import DomainError, ErrorCode, Forbidden
from .intake import check_text
from .labels import LabelledEnum
from .organisation import Role
from .work import CENTER_ROLES

# Who issues orders (Art. 4: the command centre; the bureau chief, who heads execution).
ISSUER_ROLES = frozenset({Role.COMMAND_CENTER, Role.BUREAU_CHIEF})
INSTRUCTIONS_LIMIT = 2000
REPLY_LIMIT = 2000
# The issuer may set the reply period per order; without one the rule in force applies.
MAX_REPLY_WORKING_DAYS = 30


class SupervisionTarget(LabelledEnum):
    """What an order is about."""

    CASE = "CASE", "案件"
    TEAM = "TEAM", "执行团队"
    DEADLINE = "DEADLINE", "超期期限"


class SupervisionStatus(LabelledEnum):
    """Where an order stands. OVERDUE is an open order past its reply day (read, never stored)."""

    OPEN = "OPEN", "待答复"
    ANSWERED = "ANSWERED", "已答复"
    OVERDUE = "OVERDUE", "逾期未答复"

    @classmethod
    def of(cls, stored: str, reply_due_on: date | None, today: date) -> SupervisionStatus:
        if stored == cls.ANSWERED.value:
            return cls.ANSWERED
        if reply_due_on is not None and reply_due_on < today:
            return cls.OVERDUE
        return cls.OPEN


def check_issuer(viewer: Viewer) -> None:
    if not viewer.roles & ISSUER_ROLES:
        raise Forbidden(
            "supervision orders are issued by the command centre (COMMAND_CENTER) or the bureau chief "
            "(BUREAU_CHIEF)",
            zh=f"督办仅由{Role.COMMAND_CENTER.label}或{Role.BUREAU_CHIEF.label}下达；您不具有该角色",
        )


def check_one_target(case_id: int | None, team_id: int | None, deadline_id: int | None) -> SupervisionTarget:
    given = [t for t, v in ((SupervisionTarget.CASE, case_id), (SupervisionTarget.TEAM, team_id),
                            (SupervisionTarget.DEADLINE, deadline_id)) if v is not None]
    if not given:
        raise DomainError(
            "name what the order is about: caseId, teamId or deadlineId",
            zh="请指明督办对象：案件（caseId）、团队（teamId）或超期期限（deadlineId）",
            field="caseId",
            code=ErrorCode.REQUIRED,
        )
    if len(given) > 1:
        field = {SupervisionTarget.TEAM: "teamId", SupervisionTarget.DEADLINE: "deadlineId"}[given[1]]
        raise DomainError(
            "an order is about one thing: give only one of caseId, teamId and deadlineId",
            zh="一份督办只针对一个对象：案件（caseId）、团队（teamId）、超期期限（deadlineId）只能填写其一",
            field=field,
            code=ErrorCode.INVALID,
        )
    return given[0]


def check_instructions(text: str | None) -> str:
    value = check_text(text, "instructions", "the instructions", "督办要求", INSTRUCTIONS_LIMIT)
    assert value is not None
    return value


def check_reply_text(text: str | None) -> str:
    value = check_text(text, "reply", "the reply", "答复内容", REPLY_LIMIT)
    assert value is not None
    return value


def check_reply_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_REPLY_WORKING_DAYS:
        raise DomainError(
            f"the reply period is 1 to {MAX_REPLY_WORKING_DAYS} working days; got {days}",
            zh=f"答复期限应为 1 至 {MAX_REPLY_WORKING_DAYS} 个工作日；实际为 {days}",
            field="replyWithinWorkingDays",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return days


def check_deadline_overdue(*, open_: bool, due_on: date, today: date) -> None:
    """An order on a deadline is about one that is overdue: open and past its due day."""
    if not open_ or due_on >= today:
        raise DomainError(
            f"a supervision order names an overdue deadline (open, past its due day {due_on})",
            zh=f"督办的期限应为已超期未完成的期限（届满日{due_on}）；该期限未超期或已结束",
            field="deadlineId",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )


@dataclass(frozen=True)
class OrderAudience:
    """Who an order is addressed to, and the case it concerns (if any)."""

    team_id: int | None
    responsible_role: Role | None
    assignee_id: int | None
    case_team_id: int | None = None
    case_handler_id: int | None = None
    has_case: bool = False


def responsible(viewer: Viewer, order: OrderAudience) -> bool:
    """The members (and leads) of the order's team; without a team, the holders of its role;
    the staff member it was addressed to."""
    if order.assignee_id is not None and order.assignee_id == viewer.staff_id:
        return True
    if order.team_id is not None:
        in_team = order.team_id in viewer.team_ids or order.team_id in viewer.lead_team_ids
        return in_team and (order.responsible_role is None or order.responsible_role in viewer.roles
                            or order.team_id in viewer.lead_team_ids)
    if order.responsible_role is None:
        return False
    # The centre head answers for the centre's work (as for its work items).
    return order.responsible_role in viewer.roles or (
        Role.CENTER_HEAD in viewer.roles and order.responsible_role in CENTER_ROLES
    )


def order_visible(viewer: Viewer, order: OrderAudience) -> bool:
    """The issuers' roles, whoever answers for it, and whoever may read its case."""
    return (
        bool(viewer.roles & ISSUER_ROLES)
        or viewer.sees_everything
        or responsible(viewer, order)
        or (order.team_id is not None and order.team_id in viewer.team_ids)
        or (
            order.has_case
            and case_visible(viewer, team_id=order.case_team_id, handler_id=order.case_handler_id)
        )
    )


def check_replier(viewer: Viewer, order: OrderAudience) -> None:
    if viewer.read_only or not responsible(viewer, order):
        raise Forbidden(
            "only the team (or role) the order is addressed to replies to it",
            zh="只有被督办的团队（或岗位）才能答复该督办",
        )


def check_not_answered(status: str) -> None:
    if status == SupervisionStatus.ANSWERED.value:
        raise DomainError(
            "the order was already answered; a reply is recorded once",
            zh="该督办已答复，无需重复答复",
            field="orderId",
            code=ErrorCode.ALREADY_DONE,
        )
