"""What a viewer may do next on a case or a work item, as data a screen can draw buttons from.

One table says, for each step of a case's lifecycle, which mutation performs it and who may take
it; the services that perform the steps ask the same table (`require_step`), so a button shown
as allowed is never refused as FORBIDDEN, and one shown as refused says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .access import Viewer
from .errors import Forbidden
from .labels import LabelledEnum
from .lifecycle import CaseStage, CaseStep, ClosingMethod, MediationOutcome, allowed_steps
from .organisation import Role
from .work import ACTIVE, ItemAudience, WorkItemStatus, is_candidate, supervises

CENTER = frozenset({Role.CENTER_OFFICER, Role.CENTER_HEAD})
# Who converts a case into a 执 case and files adjudication applications (the filing window too).
CONVERTERS = frozenset({Role.AFFAIRS_CLERK, Role.CENTER_OFFICER, Role.CENTER_HEAD, Role.FILING_CLERK})
FILERS = CONVERTERS


@dataclass(frozen=True)
class StepRule:
    """`mutation` performs the step (None: the system takes it by itself); `roles` may take it
    on any case; `case_team` lets the case's implementation team (and the centre head, who
    answers for every team's work at the centre) take it."""

    mutation: str | None
    roles: frozenset[Role] = frozenset()
    case_team: bool = False
    en: str = ""
    zh: str = ""


_TEAM = {"case_team": True, "en": "the case's implementation team", "zh": "本案的执行实施团队"}
_CENTRE = {"roles": CENTER, "en": "the centre's officers (CENTER_OFFICER, CENTER_HEAD)",
           "zh": "执行事务中心干警及负责人"}
_CENTRE_OR_TEAM = {"roles": CENTER, "case_team": True,
                   "en": "the centre's officers or the case's implementation team",
                   "zh": "执行事务中心干警或本案的执行实施团队"}

STEP_RULES: Mapping[CaseStep, StepRule] = MappingProxyType({
    # Dispatched by the system when the case is received, transferred when query-and-control is
    # complete (Arts. 16-17): no person takes these steps.
    CaseStep.DISPATCH_QUERY: StepRule(None, en="the system, when the case is received",
                                      zh="系统在收案时自动发起"),
    CaseStep.TRANSFER: StepRule(None, en="the system, when query-and-control is complete",
                                zh="系统在集约查控完成后自动移交"),
    CaseStep.RECORD_FINDINGS: StepRule("recordAssetFindings", **_CENTRE),
    CaseStep.DECIDE_CONTROL: StepRule("decideControlMeasures", **_TEAM),  # by stage: control_rule
    CaseStep.COMPLETE_QUERY_CONTROL: StepRule("completeQueryControl", **_CENTRE),
    CaseStep.RECORD_INVESTIGATION: StepRule("recordTeamWork", **_TEAM),
    CaseStep.SEND_TAX_LETTER: StepRule("sendTaxLetter", **_TEAM),
    CaseStep.START_MEDIATION: StepRule("startMediation", **_TEAM),
    CaseStep.RECORD_MEDIATION_OUTCOME: StepRule("recordMediationOutcome", **_TEAM),
    CaseStep.CONVERT: StepRule("convertCase", roles=CONVERTERS,
                               en="the affairs clerks, the centre's officers and the filing window",
                               zh="事务办理岗、执行事务中心干警及执行立案窗口"),
    # Art. 20: a fast-closing case goes on to compulsory execution by completing its FAST_CLOSE
    # work item (a centre officer's) with the outcome START_ENFORCEMENT.
    CaseStep.START_ENFORCEMENT: StepRule("completeWorkItem", **_CENTRE),
    CaseStep.CLOSE: StepRule("closeCase", **_CENTRE_OR_TEAM),
    CaseStep.ARCHIVE: StepRule("archiveCase", **_CENTRE),
    CaseStep.FILE_ADJUDICATION_APPLICATION: StepRule(
        "fileAdjudicationApplication", roles=FILERS,
        en="the affairs clerks, the centre's officers and the filing window",
        zh="事务办理岗、执行事务中心干警及执行立案窗口"),
})


def rule_for(step: CaseStep, stage: CaseStage) -> StepRule:
    """The rule for `step` in `stage`: control measures during query-and-control (Art. 16) and
    in a fast-closing case (Art. 20) are the centre's, afterwards the team's."""
    rule = STEP_RULES[step]
    if step is CaseStep.DECIDE_CONTROL and stage is CaseStage.ANALYSING:
        return StepRule(rule.mutation, **_CENTRE)
    if step is CaseStep.DECIDE_CONTROL and stage is CaseStage.FAST_CLOSING:
        return StepRule(rule.mutation, **_CENTRE_OR_TEAM)
    return rule


@dataclass(frozen=True)
class StepOption:
    """A step the case's stage allows now; `allowed` whether this viewer may take it."""

    step: CaseStep
    mutation: str | None
    allowed: bool
    reason_en: str | None = None
    reason_zh: str | None = None


def _in_team(viewer: Viewer, team_id: int | None) -> bool:
    return team_id is not None and team_id in viewer.team_ids


def step_option(viewer: Viewer, step: CaseStep, stage: CaseStage, team_id: int | None) -> StepOption:
    rule = rule_for(step, stage)
    if rule.mutation is None:
        return StepOption(step, None, False, f"taken by {rule.en}", rule.zh)
    if viewer.read_only:
        return StepOption(step, rule.mutation, False, "the command centre supervises; it does not take steps",
                          "执行指挥中心负责督导，不办理案件")
    if viewer.has(*rule.roles):
        return StepOption(step, rule.mutation, True)
    if rule.case_team and (_in_team(viewer, team_id) or viewer.has(Role.CENTER_HEAD)):
        return StepOption(step, rule.mutation, True)
    if rule.case_team and team_id is None and not rule.roles:
        return StepOption(step, rule.mutation, False, "the case has no implementation team yet",
                          "本案尚未移交执行实施团队")
    return StepOption(step, rule.mutation, False, f"this step is for {rule.en}", f"此操作由{rule.zh}办理")


def step_options(viewer: Viewer, stage: CaseStage, team_id: int | None) -> list[StepOption]:
    """Every step the stage allows, in the lifecycle's order, with whether the viewer may take it."""
    return [step_option(viewer, step, stage, team_id) for step in allowed_steps(stage)]


def require_step(viewer: Viewer, step: CaseStep, stage: CaseStage, team_id: int | None) -> None:
    """Refuse (FORBIDDEN) a step this viewer may not take; the stage itself is checked by
    `lifecycle.next_stage` (NOT_ALLOWED_IN_STAGE)."""
    option = step_option(viewer, step, stage, team_id)
    if not option.allowed and option.mutation is not None:
        raise Forbidden(f"{step.value}: {option.reason_en}",
                        zh=f"不能办理“{step.label}”：{option.reason_zh}")


class WorkOutcome(LabelledEnum):
    """What completing a work item records; each kind accepts some (`work.OUTCOMES`)."""

    DONE = "DONE", "已办结"
    QUERY_CONTROL_COMPLETED = "QUERY_CONTROL_COMPLETED", "集约查控已完成"
    INVESTIGATED = "INVESTIGATED", "已完成线下调查"
    SETTLED = "SETTLED", MediationOutcome.SETTLED.label
    PERFORMED = "PERFORMED", MediationOutcome.PERFORMED.label
    FAILED = "FAILED", MediationOutcome.FAILED.label
    LETTER_SERVED = "LETTER_SERVED", "函件已送达"
    CONVERTED = "CONVERTED", "已转执行立案"
    FULLY_EXECUTED = "FULLY_EXECUTED", ClosingMethod.FULLY_EXECUTED.label
    TERMINATED_CURRENT_PROCEDURE = (
        "TERMINATED_CURRENT_PROCEDURE", ClosingMethod.TERMINATED_CURRENT_PROCEDURE.label)
    TERMINATED = "TERMINATED", ClosingMethod.TERMINATED.label
    CANCELLED = "CANCELLED", ClosingMethod.CANCELLED.label
    NOT_ENFORCED = "NOT_ENFORCED", ClosingMethod.NOT_ENFORCED.label
    REJECTED = "REJECTED", "驳回"
    START_ENFORCEMENT = "START_ENFORCEMENT", "转入强制执行"
    ARCHIVED = "ARCHIVED", "已归档"
    APPROVED = "APPROVED", "批准"
    REFUSED = "REFUSED", "不批准"
    GRANTED = "GRANTED", "申请成立"
    PARTLY_GRANTED = "PARTLY_GRANTED", "申请部分成立"
    WITHDRAWN = "WITHDRAWN", "撤回申请"
    ANSWERED = "ANSWERED", "已答复督办"


@dataclass(frozen=True)
class OutcomeOption:
    """An outcome completing the item accepts; `allowed` whether this viewer may record it now."""

    outcome: WorkOutcome
    mutation: str
    allowed: bool
    reason_en: str | None = None
    reason_zh: str | None = None


def outcome_options(outcomes: tuple[str, ...], item: ItemAudience, viewer: Viewer) -> list[OutcomeOption]:
    """The item's outcomes with whether this viewer may complete it with them now: the item must
    be active, and the viewer its holder (`work.check_holder`); otherwise why not, and what to do."""
    if viewer.read_only:
        reason = ("the command centre supervises; it does not complete work items",
                  "执行指挥中心负责督导，不办理事项")
    elif item.status not in ACTIVE:
        reason = (f"the item is {item.status.value}; nothing is left to complete",
                  f"该事项{item.status.label}，无需办理")
    elif item.assignee_id == viewer.staff_id:
        reason = None
    elif item.status is WorkItemStatus.CLAIMED:
        reason = ("someone else holds the item", "该事项已由他人领取")
    elif is_candidate(viewer, item) or supervises(viewer, item):
        reason = ("claim the item first (claimWorkItem)", "请先领取该事项")
    else:
        reason = ("the item is for another role or team", "该事项由其他岗位或团队办理")
    return [
        OutcomeOption(WorkOutcome(outcome), "completeWorkItem", reason is None,
                      None if reason is None else reason[0], None if reason is None else reason[1])
        for outcome in outcomes
    ]
