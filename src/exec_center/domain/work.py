"""Work items: what waits for someone, in the court's terms."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .access import Viewer
from .errors import DomainError, ErrorCode, Forbidden
from .labels import LabelledEnum
from .organisation import Role


class WorkItemKind(LabelledEnum):
    QUERY_CONTROL = "QUERY_CONTROL", "集约查控"
    ANALYSE_FINDINGS = "ANALYSE_FINDINGS", "分析查控结果"
    INVESTIGATE = "INVESTIGATE", "线下调查"
    INVESTIGATE_DISPOSABLE = "INVESTIGATE_DISPOSABLE", "预处置财产调查"
    MEDIATE = "MEDIATE", "执行调解"
    TAX_LETTER = "TAX_LETTER", "函询基准价"
    CONVERT = "CONVERT", "转执行立案"
    FAST_CLOSE = "FAST_CLOSE", "快立快结"
    ENFORCE = "ENFORCE", "强制执行"
    ARCHIVE = "ARCHIVE", "归档"
    DECIDE_EXTENSION = "DECIDE_EXTENSION", "审批延期申请"
    ADJUDICATION_APPLICATION = "ADJUDICATION_APPLICATION", "执行裁决申请"
    FIRST_CONTACT = "FIRST_CONTACT", "首接办理"
    VISIT = "VISIT", "来访接待"
    CLASSIFY_MESSAGE = "CLASSIFY_MESSAGE", "网上留言分类"
    DRAFT_REPLY = "DRAFT_REPLY", "确定答复内容"
    SEND_REPLY = "SEND_REPLY", "答复网上留言"
    PETITION = "PETITION", "执行信访"
    DEADLINE_OVERDUE = "DEADLINE_OVERDUE", "超期督办"
    CONFIRM_CALENDAR_YEAR = "CONFIRM_CALENDAR_YEAR", "确认年度节假日安排"
    REPLY_TO_SUPERVISION = "REPLY_TO_SUPERVISION", "答复督办"


class WorkItemStatus(LabelledEnum):
    OPEN = "OPEN", "待领取"
    CLAIMED = "CLAIMED", "办理中"
    DONE = "DONE", "已完成"
    CANCELLED = "CANCELLED", "已取消"


# --- who sees and acts on what ------------------------------------------------------------

# The centre's own roles: the centre head sees every item meant for them (Art. 4, 5).
CENTER_ROLES = frozenset({Role.AFFAIRS_CLERK, Role.CONSULTATION_CLERK, Role.CENTER_OFFICER, Role.CENTER_HEAD})
ACTIVE = frozenset({WorkItemStatus.OPEN, WorkItemStatus.CLAIMED})
# A supervision order's item (督办, Art. 4) outranks every rung of the escalation ladder (1 normal
# .. 4 missed), so it heads a worklist ordered by priority and no escalation lowers it.
SUPERVISION_PRIORITY = 5


@dataclass(frozen=True)
class ItemAudience:
    """The facts about a work item that decide who may see and act on it."""

    status: WorkItemStatus
    candidate_role: Role | None
    team_id: int | None
    window_id: int | None
    assignee_id: int | None
    center_window: bool = False  # the window belongs to the Affairs Center


def is_candidate(viewer: Viewer, item: ItemAudience) -> bool:
    """Open for a role the viewer holds (within a team they belong to, at a window they staff)."""
    if item.status is not WorkItemStatus.OPEN:
        return False
    if item.candidate_role is not None:
        return (
            item.candidate_role in viewer.roles
            and (item.team_id is None or item.team_id in viewer.team_ids)
            and (item.window_id is None or item.window_id in viewer.window_ids)
        )
    if item.team_id is not None:
        return item.team_id in viewer.team_ids
    return item.window_id is not None and item.window_id in viewer.window_ids


def supervises(viewer: Viewer, item: ItemAudience) -> bool:
    """Team leads supervise their team's items; the centre head the centre's."""
    if item.team_id is not None and item.team_id in viewer.lead_team_ids:
        return True
    return Role.CENTER_HEAD in viewer.roles and (
        item.candidate_role in CENTER_ROLES or (item.candidate_role is None and item.center_window)
    )


def can_see(viewer: Viewer, item: ItemAudience) -> bool:
    return (
        viewer.sees_everything
        or item.assignee_id == viewer.staff_id
        or is_candidate(viewer, item)
        or supervises(viewer, item)
    )


def may_act_on(viewer: Viewer, item: ItemAudience) -> bool:
    """Who is told why an action on the item is refused: those who see it, and its candidates
    as if it were still open, so the second of two claims hears ALREADY_CLAIMED (and a claim on
    an item someone finished hears that it is DONE) rather than "not found". Anyone else learns
    nothing, not even that the item exists."""
    return can_see(viewer, item) or is_candidate(
        viewer, replace(item, status=WorkItemStatus.OPEN, assignee_id=None)
    )


def check_claim(viewer: Viewer, item: ItemAudience) -> None:
    if viewer.read_only:
        raise Forbidden(
            "the command centre supervises work items; it does not take them",
            zh="指挥中心负责督办工作事项，不能领取办理",
        )
    if item.status is WorkItemStatus.CLAIMED:
        mine = item.assignee_id == viewer.staff_id
        raise DomainError(
            "you already hold this work item" if mine else "someone else holds this work item",
            zh="您已领取该工作事项" if mine else "该工作事项已被他人领取",
            field="id",
            code=ErrorCode.ALREADY_CLAIMED,
        )
    if item.status is not WorkItemStatus.OPEN:
        raise DomainError(
            f"the work item is {item.status.value} ({item.status.label}); only OPEN items can be claimed",
            zh=f"该工作事项当前状态为“{item.status.label}”；只有“{WorkItemStatus.OPEN.label}”的事项才能领取",
            field="id",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if not (is_candidate(viewer, item) or supervises(viewer, item)):
        raise Forbidden(
            "this work item is not for your roles, teams or windows",
            zh="该工作事项不属于您的角色、团队或窗口",
            field="id",
        )


# The actions check_holder is asked about, in zh-CN.
_ACTIONS_ZH = {"complete": "办结", "release": "退回", "extend": "申请延期"}


def check_holder(viewer: Viewer, item: ItemAudience, action: str) -> None:
    action_zh = _ACTIONS_ZH.get(action, "办理")
    if item.status not in ACTIVE:  # a second press of "complete", or someone else finished it
        done = item.status is WorkItemStatus.DONE
        raise DomainError(
            f"the work item is already {item.status.value} ({item.status.label}); "
            f"nothing is left to {action}",
            zh=f"该工作事项当前状态为“{item.status.label}”，无需再{action_zh}",
            field="id",
            code=ErrorCode.ALREADY_DONE if done else ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if item.status is not WorkItemStatus.CLAIMED:
        raise DomainError(
            f"the work item is {item.status.value} ({item.status.label}); claim it before you {action} it",
            zh=f"该工作事项当前状态为“{item.status.label}”；请先领取再{action_zh}",
            field="id",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if item.assignee_id != viewer.staff_id:
        raise DomainError(
            f"another staff member holds this work item; only its holder can {action} it",
            zh=f"该工作事项已由其他工作人员领取；只有领取人才能{action_zh}",
            field="id",
            code=ErrorCode.NOT_ALLOWED,
        )


def can_do(item: ItemAudience, *, roles: frozenset[Role], team_ids: frozenset[int],
           lead_team_ids: frozenset[int]) -> bool:
    """Whether a person with these roles and teams could take the item: they hold its role (in
    its team), or they supervise it (its team's lead; the centre head for the centre's items)."""
    if item.team_id is not None and item.team_id in lead_team_ids:
        return True
    if Role.CENTER_HEAD in roles and item.candidate_role in CENTER_ROLES:
        return True
    in_team = item.team_id is None or item.team_id in team_ids
    return in_team and (item.candidate_role is None or item.candidate_role in roles)


def check_reassign(
    viewer: Viewer,
    item: ItemAudience,
    *,
    to_team_ids: frozenset[int],
    to_roles: frozenset[Role],
    to_lead_team_ids: frozenset[int] = frozenset(),
) -> None:
    """A lead reassigns within the team, the centre head within the centre; always to someone
    whose roles can do the item."""
    if item.status not in ACTIVE:
        raise DomainError(
            f"the work item is {item.status.value} ({item.status.label}); only open or claimed items"
            " can be reassigned",
            zh=f"该工作事项当前状态为“{item.status.label}”；只有待领取或办理中的事项才能改派",
            field="id",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    leads_it = item.team_id is not None and item.team_id in viewer.lead_team_ids
    heads_it = Role.CENTER_HEAD in viewer.roles and supervises(viewer, item)
    if not (leads_it or heads_it):
        raise Forbidden(
            "only the team's lead or the centre head can reassign this work item",
            zh="只有团队负责人或中心负责人才能改派该工作事项",
        )
    if leads_it and item.team_id not in to_team_ids:
        raise DomainError(
            "reassign within the team: the new holder must be a member of it",
            zh="只能在本团队内改派：新的办理人须为本团队成员",
            field="assigneeId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if not leads_it and not to_roles & CENTER_ROLES:
        raise DomainError(
            "reassign within the centre: the new holder must hold a centre role",
            zh="只能在中心内改派：新的办理人须具有中心的角色",
            field="assigneeId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if not can_do(item, roles=to_roles, team_ids=to_team_ids, lead_team_ids=to_lead_team_ids):
        role = item.candidate_role
        raise DomainError(
            f"the new holder cannot do this item: it needs the role {role.value} ({role.label})"
            if role is not None
            else "the new holder cannot do this item",
            zh=f"新的办理人不能办理该事项：须具有“{role.label}”角色"
            if role is not None
            else "新的办理人不能办理该事项",
            field="assigneeId",
            code=ErrorCode.NOT_ALLOWED,
        )


def check_version(expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise DomainError(
            f"the work item changed since you read it (version {expected}, now {actual}); "
            "reload and try again",
            zh=f"该工作事项在您读取后已被修改（版本 {expected}，现为 {actual}）；请刷新后重试",
            field="version",
            code=ErrorCode.STALE,
        )


# What completing each kind means is registered by the services; the outcomes are data here.
OUTCOMES: dict[WorkItemKind, tuple[str, ...]] = {
    WorkItemKind.ANALYSE_FINDINGS: ("QUERY_CONTROL_COMPLETED",),
    WorkItemKind.INVESTIGATE: ("INVESTIGATED",),
    WorkItemKind.INVESTIGATE_DISPOSABLE: ("INVESTIGATED",),
    WorkItemKind.MEDIATE: ("SETTLED", "PERFORMED", "FAILED"),
    WorkItemKind.TAX_LETTER: ("LETTER_SERVED",),
    WorkItemKind.CONVERT: ("CONVERTED",),
    # Not 终本: it needs three months since filing and the property investigation
    # (法〔2016〕373号 art. 1), which a fast closing (Art. 20) does not have.
    WorkItemKind.FAST_CLOSE: (
        "FULLY_EXECUTED",
        "TERMINATED",
        "CANCELLED",
        "NOT_ENFORCED",
        "REJECTED",
        "START_ENFORCEMENT",
    ),
    WorkItemKind.ENFORCE: (
        "FULLY_EXECUTED",
        "TERMINATED_CURRENT_PROCEDURE",
        "TERMINATED",
        "CANCELLED",
        "NOT_ENFORCED",
        "REJECTED",
    ),
    WorkItemKind.ARCHIVE: ("ARCHIVED",),
    WorkItemKind.DECIDE_EXTENSION: ("APPROVED", "REFUSED"),
    WorkItemKind.ADJUDICATION_APPLICATION: ("GRANTED", "PARTLY_GRANTED", "REJECTED", "WITHDRAWN"),
    # The reply is the completion's note (services/supervision.py).
    WorkItemKind.REPLY_TO_SUPERVISION: ("ANSWERED",),
}


def check_outcome(kind: WorkItemKind, outcome: str) -> None:
    allowed = OUTCOMES.get(kind, ("DONE",))
    if outcome not in allowed:
        raise DomainError(
            f"{outcome!r} is not an outcome of a {kind.value} ({kind.label}) item; allowed: "
            + ", ".join(allowed),
            zh=f"{outcome!r} 不是“{kind.label}”事项的办理结果；可选：" + "、".join(allowed),
            field="outcome",
            code=ErrorCode.INVALID,
        )
