"""Renewal (续行) and release (解除) of control measures: thin resolvers over services.measures."""

from __future__ import annotations

from datetime import date

import strawberry

from ..services import measures
from .cases import CasePayload, _case, _on_case
from .context import Info
from .ids import pk_of


@strawberry.input
class RenewControlMeasureInput:
    measure_id: strawberry.ID
    effective_on: date | None = strawberry.field(
        default=None,
        description="The day the renewal took effect (the bank's or registry's date); default the "
        "day after the measure's expiresOn, and never later (no gap without control).",
    )
    expires_on: date | None = strawberry.field(
        default=None,
        description="The renewal's last day; default and at most the legal period from effectiveOn "
        "(bank deposits 1 year, movables 2, real estate and other property rights 3; 民诉法解释 "
        "2022 art. 485).",
    )


@strawberry.input
class ReleaseControlMeasureInput:
    measure_id: strawberry.ID
    reason: str = strawberry.field(
        description="Why (SPC provisions on seizure, sealing and freezing in civil execution (2020), "
        "art. 28: the debt was paid, security was given, the property is a third party's…); at most "
        "500 characters. Printed on the release notice."
    )
    released_on: date | None = strawberry.field(
        default=None, description="The day the release takes effect; default today, not in the future."
    )


@strawberry.type
class MeasureMutation:
    @strawberry.mutation(
        description="Renew (续行) a control measure IN_FORCE, on or before its expiresOn (民诉法解释 2022 "
        "art. 485 para. 2): a new measure (renewedFromId = this one) on the same finding for the same "
        "amount, for at most the legal period; this one becomes RENEWED, its renewal deadline is met "
        "and a new one starts; the 续行协助执行通知书 is rendered. A measure past its expiresOn has "
        "lapsed (NOT_ALLOWED). For the case's team, or the centre while the case is with it."
    )
    async def renew_control_measure(self, info: Info, input: RenewControlMeasureInput) -> CasePayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            request = measures.RenewalRequest(
                measure_id=pk_of(input.measure_id, "ControlMeasure", "measureId"),
                effective_on=input.effective_on,
                expires_on=input.expires_on,
            )
            return await measures.renew(ctx.app, ctx.viewer, request)

        return await _on_case(CasePayload, act, _case)

    @strawberry.mutation(
        description="Release (解除) a control measure IN_FORCE (SPC provisions on seizure, sealing and "
        "freezing in civil execution (2020), art. 28): it becomes RELEASED from releasedOn, its renewal "
        "deadline is cancelled, it no longer counts towards controlledTotal, and the 解除协助执行通知书 "
        "is rendered. For the case's team, or the centre while the case is with it."
    )
    async def release_control_measure(self, info: Info, input: ReleaseControlMeasureInput) -> CasePayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            return await measures.release(
                ctx.app,
                ctx.viewer,
                pk_of(input.measure_id, "ControlMeasure", "measureId"),
                input.reason,
                input.released_on,
            )

        return await _on_case(CasePayload, act, _case)
