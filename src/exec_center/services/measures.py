"""Control measures (Art. 15): sealing, seizing, freezing and deducting what the queries found,
within the claim; their legal periods and renewal deadlines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import AssetFinding, Case, ControlMeasure, Deadline
from ..domain.access import Viewer, require_role
from ..domain.assets import (
    MeasureKind,
    check_measure,
    check_measure_in_preservation,
    check_within_claim,
    control_coverage,
    finding_holdings,
    held_besides,
    measure_expiry,
    renewal_variant,
)
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError, NotFound
from ..domain.lifecycle import CaseStage, CaseStep
from ..domain.organisation import Role
from . import deadlines as deadline_service
from .cases import CENTER, advance, load_case, require_team
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class MeasureRequest:
    finding_id: int
    measure: MeasureKind
    amount: Decimal
    excess_reason: str | None = None
    # The day the measure took effect (None: today).
    effective_on: date | None = None


async def decide_control(
    ctx: AppContext, viewer: Viewer, case_id: int, measures: list[MeasureRequest]
) -> Case:
    if not measures:
        raise DomainError("give at least one control measure", field="measures")
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        if case.stage is CaseStage.ANALYSING:
            require_role(viewer, *CENTER, action="taking control measures during query-and-control")
        elif not (case.stage is CaseStage.FAST_CLOSING and viewer.has(*CENTER)):
            # Art. 20: the centre fast-closes a 执 case, deducting the frozen funds itself.
            require_team(viewer, case, "taking control measures")
        if await _taken_today(uow, case, viewer, measures):
            await uow.commit()
            return case  # the same measures, by the same officer, today: a double submit
        advance(uow, case, CaseStep.DECIDE_CONTROL)
        engine = await deadline_service.Engine.load(uow)
        for i, request in enumerate(measures):
            finding = await uow.session.get(AssetFinding, request.finding_id)
            if finding is None or finding.case_id not in await file_ids(uow, case):
                raise NotFound("finding", field=f"measures.{i}.findingId")
            on_finding = (
                await uow.session.execute(
                    sa.select(ControlMeasure.measure, ControlMeasure.amount)
                    .where(ControlMeasure.finding_id == finding.id)
                    .order_by(ControlMeasure.id)
                )
            ).all()
            held = held_besides([(m, a) for m, a in on_finding], request.measure, request.amount)
            try:
                if case.case_type is CaseType.ZHI_BAO:
                    check_measure_in_preservation(request.measure)
                check_measure(finding.category, request.measure, request.amount, finding.value, held)
                uncontrolled = case.claim_amount - held - await _held_elsewhere(uow, case, finding.id)
                excess_reason = check_within_claim(
                    finding.category, request.amount, uncontrolled, request.excess_reason
                )
            except DomainError as error:
                field = f"measures.{i}.{error.field}"
                raise DomainError(error.message, field=field, code=error.code) from None
            expires_on = measure_expiry(finding.category, request.measure, uow.today)
            measure = ControlMeasure(
                case_id=case.id,
                finding_id=finding.id,
                measure=request.measure,
                amount=request.amount,
                starts_on=uow.today,
                expires_on=expires_on,
                excess_reason=excess_reason,
                created_by=viewer.staff_id,
                created_at=uow.now,
            )
            uow.session.add(measure)
            await uow.session.flush()
            if (
                request.measure is MeasureKind.DEDUCT
                and not finding_holdings([*on_finding, (request.measure, request.amount)])[1]
            ):
                await _end_freeze_renewals(uow, finding.id)
            variant = renewal_variant(finding.category, request.measure)
            if variant is not None:
                deadline = await deadline_service.start_deadline(
                    uow,
                    owner_type="Case",
                    owner_id=case.id,
                    kind=DeadlineKind.MEASURE_RENEWAL,
                    variant=variant,
                    starts_on=uow.today,
                    team_id=case.team_id,
                    responsible_role=None if case.team_id else Role.CENTER_OFFICER,
                    engine=engine,
                )
                measure.deadline_id = deadline.id
            uow.audit(
                "CONTROL_MEASURE",
                "Case",
                case.id,
                f"{request.measure.label} {request.amount} on {finding.category.label}"
                + (f" until {expires_on}" if expires_on else "")
                + (f"; beyond the claim because: {excess_reason}" if excess_reason else ""),
            )
        await update_coverage(uow, case)
        await uow.commit()
    return case


async def _taken_today(uow: UnitOfWork, case: Case, viewer: Viewer, measures: list[MeasureRequest]) -> bool:
    """Every requested measure was already taken on this case today by this officer."""
    rows = (
        await uow.session.execute(
            sa.select(ControlMeasure.finding_id, ControlMeasure.measure, ControlMeasure.amount).where(
                ControlMeasure.case_id == case.id,
                ControlMeasure.created_by == viewer.staff_id,
                ControlMeasure.starts_on == uow.today,
            )
        )
    ).all()
    if not rows:
        return False
    taken = Counter((finding_id, MeasureKind(measure), amount) for finding_id, measure, amount in rows)
    asked = Counter((m.finding_id, MeasureKind(m.measure), m.amount) for m in measures)
    return not asked - taken


async def _end_freeze_renewals(uow: UnitOfWork, finding_id: int) -> None:
    """All the frozen funds on the finding are deducted: their freezes need no renewal."""
    deadlines = (
        await uow.session.scalars(
            sa.select(Deadline).where(
                Deadline.id.in_(
                    sa.select(ControlMeasure.deadline_id).where(
                        ControlMeasure.finding_id == finding_id,
                        ControlMeasure.measure == MeasureKind.FREEZE,
                    )
                ),
                Deadline.status == DeadlineStatus.OPEN,
            )
        )
    ).all()
    for deadline in deadlines:
        deadline_service.cancel_deadline(uow, deadline, "the frozen funds were deducted")


async def _holdings_by_finding(uow: UnitOfWork, case: Case) -> dict[int, list[tuple[MeasureKind, Decimal]]]:
    ids = await file_ids(uow, case)
    rows = (
        await uow.session.execute(
            sa.select(ControlMeasure.finding_id, ControlMeasure.measure, ControlMeasure.amount)
            .where(ControlMeasure.case_id.in_(ids))
            .order_by(ControlMeasure.id)
        )
    ).all()
    by_finding: dict[int, list[tuple[MeasureKind, Decimal]]] = {}
    for finding_id, measure, amount in rows:
        by_finding.setdefault(finding_id, []).append((measure, amount))
    return by_finding


async def _held_elsewhere(uow: UnitOfWork, case: Case, finding_id: int) -> Decimal:
    """What the measures of the case's file hold on its other findings."""
    by_finding = await _holdings_by_finding(uow, case)
    return sum(
        (finding_holdings(m)[0] for f, m in by_finding.items() if f != finding_id), Decimal(0)
    )


async def update_coverage(uow: UnitOfWork, case: Case) -> None:
    by_finding = await _holdings_by_finding(uow, case)
    coverage = control_coverage(
        case.claim_amount, [finding_holdings(measures)[0] for measures in by_finding.values()]
    )
    case.controlled_total, case.fully_controlled = coverage.controlled_total, coverage.fully_controlled


async def file_ids(uow: UnitOfWork, case: Case) -> list[int]:
    """The case and the preservation case it was converted from: one file (Art. 21)."""
    ids = [case.id]
    if case.origin_case_id is not None and case.case_type is CaseType.ZHI:
        ids.append(case.origin_case_id)
    return ids
