"""Control measures (Art. 15): sealing, seizing, freezing and deducting what the queries found,
within the claim; their legal periods (民诉法解释 2022 art. 485), renewal (续行), release (解除)
and lapse (SPC provisions on seizure, sealing and freezing in civil execution (2020), arts. 27–28).

A measure's period counts from the day it took effect (the bank's or registry's date, entered by
the officer), by `domain.assets.MEASURE_PERIOD_RULE`; its MEASURE_RENEWAL deadline falls due on
its last day. Coverage (`Case.controlled_total`) counts only measures still in force."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import AssetFinding, Case, CaseParty, ControlMeasure, Deadline
from ..documents import MeasureNoticeData, render_measure_release_notice, render_measure_renewal_notice
from ..domain.access import Viewer, require_role
from ..domain.actions import require_step
from ..domain.assets import (
    MEASURE_PERIOD_RULE,
    MeasureKind,
    MeasureStatus,
    check_effective_on,
    check_measure,
    check_measure_in_preservation,
    check_release,
    check_renewal,
    check_within_claim,
    control_coverage,
    finding_holdings,
    held_besides,
    measure_expiry,
    renewal_variant,
)
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.lifecycle import CaseStep
from ..domain.organisation import Role
from . import deadlines as deadline_service
from . import documents as document_service
from .cases import CENTER, advance, load_case, require_team
from .unit_of_work import UnitOfWork, yuan


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
        raise DomainError("give at least one control measure", zh="请至少填写一项控制措施", field="measures",
                          code=ErrorCode.REQUIRED)
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        # The centre during query-and-control and in a fast-closing case (Arts. 16, 20), then the team.
        require_step(viewer, CaseStep.DECIDE_CONTROL, case.stage, case.team_id)
        effective = [
            _effective_on(request.effective_on, uow.today, case.received_on, i)
            for i, request in enumerate(measures)
        ]
        if await _taken_today(uow, case, viewer, measures, effective):
            await uow.commit()
            return case  # the same measures, by the same officer, today: a double submit
        advance(uow, case, CaseStep.DECIDE_CONTROL)
        engine = await deadline_service.Engine.load(uow)
        for i, request in enumerate(measures):
            finding = await uow.session.get(AssetFinding, request.finding_id)
            if finding is None or finding.case_id not in await file_ids(uow, case):
                raise NotFound("finding", "查询反馈", field=f"measures.{i}.findingId")
            on_finding = (await _holdings_by_finding(uow, case)).get(finding.id, [])
            held = held_besides(on_finding, request.measure, request.amount)
            try:
                if case.case_type is CaseType.ZHI_BAO:
                    check_measure_in_preservation(request.measure)
                check_measure(finding.category, request.measure, request.amount, finding.value, held)
                uncontrolled = case.claim_amount - held - await _held_elsewhere(uow, case, finding.id)
                excess_reason = check_within_claim(
                    finding.category, request.amount, uncontrolled, request.excess_reason
                )
            except DomainError as error:
                raise error.at(f"measures.{i}.{error.field}") from None
            starts_on = effective[i]
            expires_on = measure_expiry(finding.category, request.measure, starts_on, **await _period(uow))
            if expires_on is not None and expires_on < uow.today:
                raise DomainError(
                    f"a measure that took effect on {starts_on} expired on {expires_on}: it no longer"
                    " holds; enter the day the measure in force took effect",
                    zh=f"生效日期为 {starts_on} 的措施已于 {expires_on} 到期，不再有效；"
                    "请填写现行有效措施的生效日期",
                    field=f"measures.{i}.effectiveOn",
                    code=ErrorCode.OUT_OF_RANGE,
                )
            measure = ControlMeasure(
                case_id=case.id,
                finding_id=finding.id,
                measure=request.measure,
                amount=request.amount,
                starts_on=starts_on,
                expires_on=expires_on,
                status=MeasureStatus.IN_FORCE.value,
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
            await _start_renewal_deadline(uow, case, finding, measure, engine)
            uow.audit(
                "CONTROL_MEASURE",
                "Case",
                case.id,
                f"{finding.category.label}{request.measure.label}{yuan(request.amount)}"
                + (f"，期限自{starts_on}至{expires_on}" if expires_on else f"，{starts_on}实施")
                + (f"；超出申请执行金额的理由：{excess_reason}" if excess_reason else ""),
            )
        await update_coverage(uow, case)
        await uow.commit()
    return case


def _effective_on(effective_on: date | None, today: date, received_on: date, i: int) -> date:
    try:
        return check_effective_on(effective_on, today, received_on)
    except DomainError as error:
        raise error.at(f"measures.{i}.{error.field}") from None


async def _period(uow: UnitOfWork) -> dict:
    """The counting rule of measure periods and, when it needs one, the court calendar."""
    rule = MEASURE_PERIOD_RULE
    calendar = (await deadline_service.Engine.load(uow)).calendar if rule.past_holidays else None
    return {"rule": rule, "calendar": calendar}


async def _start_renewal_deadline(
    uow: UnitOfWork,
    case: Case,
    finding: AssetFinding,
    measure: ControlMeasure,
    engine: deadline_service.Engine,
) -> None:
    """The reminder to renew the measure (续行) before it lapses, due on its last day: the rule's
    arithmetic gives the full period; a shorter renewal, or the Civil Code reading, moves it."""
    variant = renewal_variant(finding.category, measure.measure)
    if variant is None or measure.expires_on is None:
        return
    deadline = await deadline_service.start_deadline(
        uow,
        owner_type="Case",
        owner_id=case.id,
        kind=DeadlineKind.MEASURE_RENEWAL,
        variant=variant,
        starts_on=measure.starts_on,
        team_id=case.team_id,
        responsible_role=None if case.team_id else Role.CENTER_OFFICER,
        engine=engine,
    )
    if deadline.due_on != measure.expires_on:
        await deadline_service.move_due(uow, deadline, measure.expires_on, engine)
    measure.deadline_id = deadline.id


async def _taken_today(
    uow: UnitOfWork, case: Case, viewer: Viewer, measures: list[MeasureRequest], effective: list[date]
) -> bool:
    """Every requested measure was already taken on this case today by this officer."""
    since = datetime.combine(uow.today, time.min, tzinfo=uow.ctx.settings.tz)
    rows = (
        await uow.session.execute(
            sa.select(
                ControlMeasure.finding_id,
                ControlMeasure.measure,
                ControlMeasure.amount,
                ControlMeasure.starts_on,
            ).where(
                ControlMeasure.case_id == case.id,
                ControlMeasure.created_by == viewer.staff_id,
                ControlMeasure.created_at >= since,
                ControlMeasure.renewed_from_id.is_(None),
            )
        )
    ).all()
    if not rows:
        return False
    taken = Counter((f, MeasureKind(m), a, d) for f, m, a, d in rows)
    asked = Counter(
        (m.finding_id, MeasureKind(m.measure), m.amount, day)
        for m, day in zip(measures, effective, strict=True)
    )
    return not asked - taken


async def _end_freeze_renewals(uow: UnitOfWork, finding_id: int) -> None:
    """All the frozen funds on the finding are deducted: their freezes end and need no renewal."""
    freezes = (
        await uow.session.scalars(
            sa.select(ControlMeasure).where(
                ControlMeasure.finding_id == finding_id,
                ControlMeasure.measure == MeasureKind.FREEZE,
                ControlMeasure.status == MeasureStatus.IN_FORCE.value,
            )
        )
    ).all()
    for freeze in freezes:
        await _end(uow, freeze, MeasureStatus.ENDED, uow.today, "the frozen funds were deducted")


async def _end(
    uow: UnitOfWork, measure: ControlMeasure, status: MeasureStatus, on: date, reason: str
) -> None:
    """The measure stops holding from `on`; its renewal deadline is cancelled."""
    measure.status, measure.ended_on, measure.end_reason = status.value, on, reason[:500]
    if measure.deadline_id is not None:
        deadline = await uow.session.get(Deadline, measure.deadline_id)
        if deadline is not None:
            deadline_service.cancel_deadline(uow, deadline, reason)
    uow.audit(
        f"{status.value}_CONTROL_MEASURE" if status is not MeasureStatus.ENDED else "END_CONTROL_MEASURE",
        "ControlMeasure",
        measure.id,
        f"{MeasureKind(measure.measure).label}{yuan(measure.amount)}自{on}起{status.label}：{reason[:200]}",
    )


def in_force(status: str, expires_on: date | None, today: date) -> bool:
    """Whether a measure still holds today: IN_FORCE and not past its last day (a lapse the
    deadline sweep has not recorded yet counts as a lapse already)."""
    return status == MeasureStatus.IN_FORCE.value and (expires_on is None or expires_on >= today)


async def _holdings_by_finding(uow: UnitOfWork, case: Case) -> dict[int, list[tuple[MeasureKind, Decimal]]]:
    """The measures in force on each finding of the case's file, in the order they were first
    taken: a renewal stands where the measure it renews stood, so a deduction taken after the
    original freeze still takes the renewed freeze's funds."""
    return await holdings(uow.session, await file_ids(uow, case), uow.today)


async def holdings(
    session: AsyncSession, case_ids: list[int], today: date
) -> dict[int, list[tuple[MeasureKind, Decimal]]]:
    rows = (
        await session.execute(
            sa.select(
                ControlMeasure.id,
                ControlMeasure.renewed_from_id,
                ControlMeasure.finding_id,
                ControlMeasure.measure,
                ControlMeasure.amount,
                ControlMeasure.status,
                ControlMeasure.expires_on,
            )
            .where(ControlMeasure.case_id.in_(case_ids))
            .order_by(ControlMeasure.id)
        )
    ).all()
    origin: dict[int, int] = {}
    for row in rows:  # ids grow: a measure's predecessor is seen first
        origin[row.id] = origin.get(row.renewed_from_id, row.id) if row.renewed_from_id else row.id
    by_finding: dict[int, list[tuple[int, MeasureKind, Decimal]]] = {}
    for row in rows:
        if in_force(row.status, row.expires_on, today):
            by_finding.setdefault(row.finding_id, []).append((origin[row.id], row.measure, row.amount))
    return {
        finding_id: [(m, a) for _, m, a in sorted(items, key=lambda item: item[0])]
        for finding_id, items in by_finding.items()
    }


async def _held_elsewhere(uow: UnitOfWork, case: Case, finding_id: int) -> Decimal:
    """What the measures of the case's file hold on its other findings."""
    by_finding = await _holdings_by_finding(uow, case)
    return sum(
        (finding_holdings(m)[0] for f, m in by_finding.items() if f != finding_id), Decimal(0)
    )


async def update_coverage(uow: UnitOfWork, case: Case) -> None:
    """Recount what the measures still in force hold against the claim (足额查控)."""
    await uow.session.flush()  # the session does not autoflush: count the measures just changed
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


# --- renewal (续行), release (解除), lapse, end with the case --------------------------------


@dataclass(frozen=True)
class RenewalRequest:
    measure_id: int
    # The day the renewal took effect (None: the day after the old expiry).
    effective_on: date | None = None
    # The renewal's last day (None: the longest the law allows).
    expires_on: date | None = None


async def _live_case(uow: UnitOfWork, measure: ControlMeasure, viewer: Viewer) -> Case:
    """The case that carries the measure now: the 执 case a 执保 case was converted into (its
    measures and renewal deadlines continue there, Art. 21), else the measure's own case."""
    converted = await uow.session.scalar(
        sa.select(Case.id).where(Case.origin_case_id == measure.case_id, Case.case_type == CaseType.ZHI)
    )
    return await load_case(uow, converted or measure.case_id, viewer=viewer, lock=True, field="measureId")


def _may_change(viewer: Viewer, case: Case, action: str, zh_action: str) -> None:
    """As `decide_control`: the centre while the case is with it, then the case's team."""
    if viewer.read_only:
        raise Forbidden(
            "the command centre supervises; it does not change control measures",
            zh="执行指挥中心负责监督，不变更控制措施",
        )
    if case.team_id is None:
        require_role(viewer, *CENTER, action=action, action_zh=zh_action)
    else:
        require_team(viewer, case, action, zh_action)


async def _measure(uow: UnitOfWork, measure_id: int) -> ControlMeasure:
    dialect = uow.session.bind.dialect.name
    measure = await uow.session.get(
        ControlMeasure, measure_id, with_for_update=dialect == "postgresql", populate_existing=True
    )
    if measure is None:
        raise NotFound("control measure", "控制措施", field="measureId")
    return measure


async def renew(ctx: AppContext, viewer: Viewer, request: RenewalRequest) -> Case:
    """Renew (续行) a measure in force, on or before its last day (民诉法解释 2022 art. 485
    para. 2): a new measure on the same finding for the same amount, from the day after the old
    expiry (or the day entered, no gap), for at most the legal period; the old one RENEWED, its
    renewal deadline met, a new one started; the 续行 notice to the bank or registry rendered."""
    async with UnitOfWork(ctx, viewer) as uow:
        measure = await _measure(uow, request.measure_id)
        case = await _live_case(uow, measure, viewer)
        measure = await _measure(uow, request.measure_id)  # afresh, now that the case is locked
        _may_change(viewer, case, "renewing a control measure", "续行控制措施")
        finding = await uow.session.get(AssetFinding, measure.finding_id)
        assert finding is not None
        starts_on, expires_on = check_renewal(
            category=finding.category,
            measure=measure.measure,
            status=MeasureStatus(measure.status),
            starts_on=measure.starts_on,
            expires_on=measure.expires_on,
            today=uow.today,
            effective_on=request.effective_on,
            asked_expiry=request.expires_on,
            **await _period(uow),
        )
        renewal = ControlMeasure(
            case_id=measure.case_id,
            finding_id=measure.finding_id,
            measure=measure.measure,
            amount=measure.amount,
            starts_on=starts_on,
            expires_on=expires_on,
            status=MeasureStatus.IN_FORCE.value,
            renewed_from_id=measure.id,
            excess_reason=measure.excess_reason,
            created_by=viewer.staff_id,
            created_at=uow.now,
        )
        uow.session.add(renewal)
        await uow.session.flush()
        measure.status, measure.ended_on = MeasureStatus.RENEWED.value, starts_on
        measure.end_reason = f"renewed (续行) from {starts_on} until {expires_on}"
        if measure.deadline_id is not None:
            old = await uow.session.get(Deadline, measure.deadline_id)
            if old is not None:
                deadline_service.close_deadline(uow, old, uow.today)
        engine = await deadline_service.Engine.load(uow)
        await _start_renewal_deadline(uow, case, finding, renewal, engine)
        rendered = render_measure_renewal_notice(
            await _notice(uow, case, finding, renewal, previous_expires_on=measure.expires_on)
        )
        document = document_service.store(uow, case, rendered)
        await uow.session.flush()
        renewal.document_id = document.id
        uow.audit(
            "RENEW_CONTROL_MEASURE",
            "Case",
            case.id,
            f"{finding.category.label}{MeasureKind(measure.measure).label}{yuan(measure.amount)}续行："
            f"原{measure.expires_on}到期，续行期限自{starts_on}至{expires_on}",
        )
        await update_coverage(uow, case)
        await uow.commit()
    return case


async def release(
    ctx: AppContext, viewer: Viewer, measure_id: int, reason: str, released_on: date | None = None
) -> Case:
    """Release (解除) a measure in force (SPC provisions on seizure, sealing and freezing in civil
    execution (2020), art. 28): RELEASED from `released_on` (today by default), its renewal
    deadline cancelled, coverage recounted, the 解除 notice to the bank or registry rendered."""
    async with UnitOfWork(ctx, viewer) as uow:
        measure = await _measure(uow, measure_id)
        case = await _live_case(uow, measure, viewer)
        measure = await _measure(uow, measure_id)
        _may_change(viewer, case, "releasing a control measure", "解除控制措施")
        day, why = check_release(
            status=MeasureStatus(measure.status),
            starts_on=measure.starts_on,
            expires_on=measure.expires_on,
            today=uow.today,
            released_on=released_on,
            reason=reason,
        )
        finding = await uow.session.get(AssetFinding, measure.finding_id)
        assert finding is not None
        await _end(uow, measure, MeasureStatus.RELEASED, day, why)
        notice = await _notice(uow, case, finding, measure, released_on=day)
        document = document_service.store(uow, case, render_measure_release_notice(notice))
        await uow.session.flush()
        measure.document_id = document.id
        await update_coverage(uow, case)
        await uow.commit()
    return case


async def end_measures_with_case(uow: UnitOfWork, case: Case, reason: str) -> int:
    """End every measure in force of the case's file (closed by a method that releases them):
    ENDED from today, their renewal deadlines cancelled. Returns how many ended."""
    measures = (
        await uow.session.scalars(
            sa.select(ControlMeasure)
            .where(
                ControlMeasure.case_id.in_(await file_ids(uow, case)),
                ControlMeasure.status == MeasureStatus.IN_FORCE.value,
            )
            .order_by(ControlMeasure.id)
        )
    ).all()
    for measure in measures:
        await _end(uow, measure, MeasureStatus.ENDED, uow.today, reason)
    if measures:
        await update_coverage(uow, case)
    return len(measures)


async def _notice(
    uow: UnitOfWork,
    case: Case,
    finding: AssetFinding,
    measure: ControlMeasure,
    *,
    previous_expires_on: date | None = None,
    released_on: date | None = None,
) -> MeasureNoticeData:
    respondents = (
        await uow.session.scalars(
            sa.select(CaseParty.name)
            .where(CaseParty.case_id == case.id, CaseParty.side == "RESPONDENT")
            .order_by(CaseParty.position)
        )
    ).all()
    return MeasureNoticeData(
        court_name=document_service.COURT_NAME,
        case_number=case.number,
        institution=finding.institution,
        respondent_names=list(respondents),
        category_label=finding.category.label,
        description=finding.description,
        measure_label=MeasureKind(measure.measure).label,
        amount=measure.amount,
        starts_on=measure.starts_on,
        expires_on=measure.expires_on,
        previous_expires_on=previous_expires_on,
        released_on=released_on,
        reason=measure.end_reason if released_on is not None else None,
        issued_on=uow.today,
    )


async def lapse_unrenewed(uow: UnitOfWork, deadlines: list[Deadline]) -> None:
    """The sweep found these deadlines past due: their measures, still IN_FORCE past their last
    day, lapsed (SPC provisions on seizure, sealing and freezing in civil execution (2020),
    art. 27: not renewed in time, the measure's effect ends); the deadline closes as missed and
    coverage is recounted. The sweep holds the deadlines and never waits for a case another
    transaction is changing: it raises EscalationBusy and lapses them on its next run."""
    by_id = {d.id: d for d in deadlines if d.kind is DeadlineKind.MEASURE_RENEWAL}
    if not by_id:
        return
    session, today = uow.session, uow.today
    measures = (
        await session.scalars(
            sa.select(ControlMeasure).where(
                ControlMeasure.deadline_id.in_(list(by_id)),
                ControlMeasure.status == MeasureStatus.IN_FORCE.value,
                ControlMeasure.expires_on < today,
            )
        )
    ).all()
    if not measures:
        return
    case_ids = {by_id[m.deadline_id].owner_id for m in measures if m.deadline_id is not None}
    query = sa.select(Case).where(Case.id.in_(case_ids))
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    cases = (await session.scalars(query)).all()
    if len(cases) < len(case_ids):
        raise deadline_service.EscalationBusy("a case whose measure lapsed is being changed")
    for measure in measures:
        assert measure.expires_on is not None and measure.deadline_id is not None
        measure.status = MeasureStatus.LAPSED.value
        measure.ended_on = measure.expires_on + timedelta(days=1)
        measure.end_reason = f"not renewed by {measure.expires_on}"
        deadline_service.close_deadline(uow, by_id[measure.deadline_id], today)
        uow.audit(
            "LAPSED_CONTROL_MEASURE",
            "ControlMeasure",
            measure.id,
            f"{MeasureKind(measure.measure).label}{yuan(measure.amount)}已失效："
            f"未在{measure.expires_on}前续行",
        )
    await session.flush()
    for case in cases:
        await update_coverage(uow, case)


deadline_service.PAST_DUE_HOOKS.append(lapse_unrenewed)
