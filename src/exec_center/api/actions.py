"""Actions as data: what a viewer may do next on a case or a work item (domain/actions.py)."""

from __future__ import annotations

import strawberry

from ..domain import actions as rules

CaseStep = strawberry.enum(rules.CaseStep, description="A step of a case's lifecycle (Arts. 15-22).")
WorkOutcome = strawberry.enum(rules.WorkOutcome, description="What completing a work item records.")


@strawberry.type(description="A step the case's stage allows now: a button a screen may draw, enabled "
                 "when `allowed`, with `reason` as its hint when not.")
class CaseStepOption:
    step: CaseStep  # type: ignore[valid-type]
    label: str = strawberry.field(description="The step in zh-CN, as the button says it.")
    mutation: str | None = strawberry.field(
        description="The mutation that takes the step; null when the system takes it by itself "
        "(DISPATCH_QUERY, TRANSFER)."
    )
    allowed: bool = strawberry.field(description="Whether this viewer may take the step now.")
    reason: str | None = strawberry.field(description="Why not, in zh-CN; null when allowed.")
    reason_en: str | None = strawberry.field(description="Why not, in English.")

    @classmethod
    def of(cls, option: rules.StepOption) -> CaseStepOption:
        return cls(step=option.step, label=option.step.label, mutation=option.mutation,
                   allowed=option.allowed, reason=option.reason_zh, reason_en=option.reason_en)


@strawberry.type(description="An outcome completing the work item accepts, and whether this viewer may "
                 "record it now.")
class WorkOutcomeOption:
    outcome: WorkOutcome  # type: ignore[valid-type]
    label: str = strawberry.field(description="The outcome in zh-CN.")
    mutation: str = strawberry.field(description="The mutation that records it (completeWorkItem).")
    allowed: bool
    reason: str | None = strawberry.field(description="Why not, in zh-CN (e.g. claim the item first).")
    reason_en: str | None = None

    @classmethod
    def of(cls, option: rules.OutcomeOption) -> WorkOutcomeOption:
        return cls(outcome=option.outcome, label=option.outcome.label, mutation=option.mutation,
                   allowed=option.allowed, reason=option.reason_zh, reason_en=option.reason_en)
