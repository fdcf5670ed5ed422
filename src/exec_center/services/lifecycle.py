"""The preservation case after its queries (Arts. 9, 15–21): control measures, completing the
query-and-control, the automated transfer, the team's investigation and mediation, the
tax-bureau letter, conversion to a 执 case, closing and archiving, and adjudication
applications. Each step goes through the lifecycle table (`cases.advance`).

Every step decides on the case loaded with `lock=True` (PostgreSQL: FOR UPDATE; SQLite: the
unit of work holds the write lock), so two requests on one case take turns. A step repeated
(a double submit, a redelivered message) returns what the first made - the letter, the 执
case, the application, the record - instead of making a second document or work item (its
unit of work commits without a change, so that what it returns stays loaded).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..context import AppContext
from ..db.models import (
    AdjudicationApplication,
    AssetFinding,
    Case,
    CaseRecord,
    Deadline,
    Document,
    Staff,
    Team,
    TeamMember,
    TransferStrategyRow,
    WorkItem,
)
from ..documents import DocumentKind
from ..domain.access import Viewer, require_role
from ..domain.actions import CONVERTERS, FILERS, require_step
from ..domain.assets import check_claim_amount, is_real_estate_for_tax_letter
from ..domain.case_numbers import CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError, ErrorCode, NotFound
from ..domain.intake import TitleKind
from ..domain.lifecycle import (
    ADJUDICATION_CLOSING,
    RELEASES_MEASURES,
    REVIEW_PERIOD_VARIANT,
    AdjudicationKind,
    AdjudicationOutcome,
    CaseRecordKind,
    CaseStage,
    CaseStep,
    ClosingFacts,
    ClosingMethod,
    MediationOutcome,
    adjudication_case_type,
    check_closing_conditions,
    check_closing_method,
    check_executable_title,
    check_reconsiderable,
    check_review_case_number,
    conversion_path,
    next_stage,
    preservation_closing_method,
)
from ..domain.organisation import Role, TeamKind
from ..domain.transfer import TeamLoad, TransferStrategy, pick_team
from ..domain.work import ACTIVE, OUTCOMES, WorkItemKind
from . import deadlines as deadline_service
from . import documents, measures, notifications, work
from .cases import CENTER, advance, file_follow_on, load_case, new_case
from .cases import open_deadline as _open_deadline
from .measures import file_ids
from .unit_of_work import UnitOfWork, yuan

OPEN_CASE_STAGES = (CaseStage.TRANSFERRED, CaseStage.MEDIATING, CaseStage.FAST_CLOSING, CaseStage.ENFORCING)


async def complete_query_control(uow: UnitOfWork, case: Case) -> None:
    """Art. 16: query-and-control ends; the deadline closes met or missed; transfer follows.
    Once: completing it again changes nothing."""
    if case.query_control_completed_on is not None:
        return
    advance(uow, case, CaseStep.COMPLETE_QUERY_CONTROL)
    case.query_control_completed_on = uow.today
    deadline = await _open_deadline(uow, case.id, DeadlineKind.QUERY_CONTROL)
    if deadline is not None:
        deadline_service.close_deadline(uow, deadline, uow.today)
    uow.audit(
        "COMPLETE_QUERY_CONTROL",
        "Case",
        case.id,
        f"集约查控完成：已控制{yuan(case.controlled_total)}，申请执行金额{yuan(case.claim_amount)}"
        + ("（足额查控）" if case.fully_controlled else ""),
    )
    uow.enqueue("transfer_case", case.id)


@work.completes(WorkItemKind.ANALYSE_FINDINGS)
async def _analysed(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    await complete_query_control(uow, case)


async def finish_query_control(ctx: AppContext, viewer: Viewer, case_id: int) -> Case:
    """The same as completing the ANALYSE_FINDINGS work item, for a case without one held."""
    require_role(viewer, *CENTER, action="completing query-and-control", action_zh="完成集约查控")
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        await complete_query_control(uow, case)
        await work.complete_for_case(uow, case.id, WorkItemKind.ANALYSE_FINDINGS, "QUERY_CONTROL_COMPLETED")
        await uow.commit()
    return case


# --- automated transfer (Arts. 17, 19) ---------------------------------------------------


async def current_strategy(uow: UnitOfWork) -> TransferStrategy:
    row = await uow.session.scalar(
        sa.select(TransferStrategyRow)
        .where(TransferStrategyRow.effective_from <= uow.today)
        .order_by(TransferStrategyRow.effective_from.desc())
    )
    return TransferStrategy(row.strategy) if row else TransferStrategy.FEWEST_OPEN_CASES


async def transfer(ctx: AppContext, case_id: int) -> int | None:
    """Pick a team and move the case and its work there. Idempotent: a transferred case stays."""
    async with UnitOfWork(ctx) as uow:
        case = await load_case(uow, case_id, lock=True)
        if case.stage is not CaseStage.ANALYSING or case.query_control_completed_on is None:
            return case.team_id
        teams = (
            await uow.session.scalars(
                sa.select(Team).where(Team.kind == TeamKind.IMPLEMENTATION_TEAM).order_by(Team.id)
            )
        ).all()
        loads = dict(
            (
                await uow.session.execute(
                    sa.select(Case.team_id, sa.func.count())
                    .where(Case.stage.in_(OPEN_CASE_STAGES), Case.team_id.is_not(None))
                    .group_by(Case.team_id)
                )
            ).all()
        )
        last = await uow.session.scalar(
            sa.select(Case.team_id)
            .where(Case.team_id.is_not(None), Case.case_type == CaseType.ZHI_BAO)
            .order_by(Case.id.desc())
            .limit(1)
        )
        strategy = await current_strategy(uow)
        chosen = pick_team(
            strategy,
            [
                TeamLoad(t.id, loads.get(t.id, 0), frozenset(x for x in (t.townships or "").split(",") if x))
                for t in teams
            ],
            last_assigned_team_id=last,
            township=case.township,
        )
        team = next(t for t in teams if t.id == chosen)
        case.team_id = team.id
        advance(uow, case, CaseStep.TRANSFER, action="TRANSFER_CASE",
                detail=f"移交{team.name}（{strategy.label}）")
        await work.cancel_for_case(uow, case.id, None, "案件已移交")
        await work.create(
            uow,
            kind=WorkItemKind.INVESTIGATE,
            case=case,
            team_id=team.id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            title=f"{case.number} 线下调查",
            due_on=None,
        )
        rendered = await documents.render_pre_disposal(uow, case, team)
        if rendered is not None:
            documents.store(uow, case, rendered)
            await work.create(
                uow,
                kind=WorkItemKind.INVESTIGATE_DISPOSABLE,
                case=case,
                team_id=team.id,
                candidate_role=Role.IMPLEMENTATION_OFFICER,
                priority=2,
                title=f"{case.number} 预处置财产调查与信息收集",
            )
        # Renewal deadlines follow the case to its team.
        await uow.session.execute(
            sa.update(Deadline)
            .where(
                Deadline.owner_type == "Case",
                Deadline.owner_id == case.id,
                Deadline.kind == DeadlineKind.MEASURE_RENEWAL,
                Deadline.status == DeadlineStatus.OPEN,
            )
            .values(team_id=team.id, responsible_role=None)
        )
        leads = (
            await uow.session.scalars(
                sa.select(TeamMember.staff_id).where(
                    TeamMember.team_id == team.id, TeamMember.is_lead.is_(True)
                )
            )
        ).all()
        await notifications.send(
            uow.session,
            [
                notifications.Message(
                    lead,
                    "CASE_TRANSFERRED",
                    f"新移交案件：{case.number}",
                    f"{case.number}已完成集约查控，移交{team.name}开展线下调查。",
                    "Case",
                    case.id,
                    f"case:{case.id}:transferred:{lead}",
                )
                for lead in leads
            ],
            uow.now,
        )
        await uow.commit()
        return team.id


def strategy_summary(strategy: TransferStrategy, effective_from: date) -> str:
    """The history's words for a strategy decision (the transferStrategy query finds it by them)."""
    return f"自{effective_from}起{strategy.label}"


async def set_transfer_strategy(
    ctx: AppContext, viewer: Viewer, strategy: TransferStrategy, effective_from: date, note: str
) -> TransferStrategy:
    require_role(
        viewer,
        Role.ADMIN,
        Role.BUREAU_CHIEF,
        action="setting the transfer strategy",
        action_zh="设定移交策略",
    )
    if not note.strip():
        raise DomainError(
            "say which decision sets the strategy",
            zh="请在备注中写明设定移交策略所依据的决定",
            field="note",
            code=ErrorCode.REQUIRED,
        )
    async with UnitOfWork(ctx, viewer) as uow:
        if effective_from < uow.today:
            raise DomainError(
                f"a strategy takes effect today ({uow.today}) or later, not {effective_from}",
                zh=f"移交策略的生效日期不得早于今天（{uow.today}），不能为{effective_from}",
                field="effectiveFrom",
                code=ErrorCode.OUT_OF_RANGE,
            )
        # One row per date: a second decision for the same date replaces the first, also when
        # both arrive together (an upsert, not a read and then an insert).
        insert = postgresql.insert if uow.session.bind.dialect.name == "postgresql" else sqlite.insert
        values = {"strategy": strategy.value, "effective_from": effective_from, "note": note.strip()}
        await uow.session.execute(
            insert(TransferStrategyRow)
            .values(**values)
            .on_conflict_do_update(index_elements=["effective_from"], set_=values)
        )
        uow.audit("SET_TRANSFER_STRATEGY", "TransferStrategy", 0, strategy_summary(strategy, effective_from))
        await uow.commit()
    return strategy


# --- the team's work (Arts. 17–19) ---------------------------------------------------------

# What the team records (Arts. 17-19) and its zh-CN name: one list, the domain's enum.
RECORD_KINDS = {kind.value: kind.label for kind in CaseRecordKind if kind is not CaseRecordKind.OTHER}
TEAM_WORK_KINDS = (
    "INVESTIGATION",
    "SUMMONS",
    "PROPERTY_REPORT",
    "ASSET_VERIFICATION",
    "APPLICANT_INFORMED",
    "EXECUTION_PLAN",
    "BENCHMARK_PRICE",
)
# Records that carry a sum (and must).
RECORDS_WITH_AMOUNT = frozenset({"BENCHMARK_PRICE"})


async def _latest_record(uow: UnitOfWork, case: Case, kind: str) -> CaseRecord | None:
    return await uow.session.scalar(
        sa.select(CaseRecord)
        .where(CaseRecord.case_id == case.id, CaseRecord.kind == kind)
        .order_by(CaseRecord.id.desc())
        .limit(1)
    )


def _same_record(record: CaseRecord | None, note: str, occurred_on: date, outcome: str | None = None) -> bool:
    """The latest record of its kind says exactly this: a repeat, not a second event."""
    return (
        record is not None
        and (record.note, record.occurred_on, record.outcome) == (note, occurred_on, outcome)
    )


async def _record(
    uow: UnitOfWork,
    case: Case,
    kind: str,
    note: str,
    occurred_on: date,
    outcome: str | None = None,
    amount: Decimal | None = None,
) -> CaseRecord:
    record = CaseRecord(
        case_id=case.id,
        kind=kind,
        note=note,
        occurred_on=occurred_on,
        outcome=outcome,
        amount=amount,
        created_by=uow.actor.staff_id if uow.actor else None,
        created_at=uow.now,
    )
    uow.session.add(record)
    await uow.session.flush()
    uow.audit(
        f"RECORD_{kind}",
        "Case",
        case.id,
        f"{RECORD_KINDS[kind]}" + (f"（{yuan(amount)}）" if amount is not None else "") + f"：{note[:150]}",
    )
    return record


def _check_note(note: str, occurred_on: date | None, today: date) -> date:
    if not note or not note.strip():
        raise DomainError("note is required", zh="请填写备注", field="note", code=ErrorCode.REQUIRED)
    if len(note) > 2000:
        raise DomainError(
            "note may be at most 2000 characters",
            zh="备注不得超过2000个字",
            field="note",
            code=ErrorCode.OUT_OF_RANGE,
        )
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise DomainError(
            f"occurredOn {occurred_on} may not be in the future (today is {today})",
            zh=f"发生日期{occurred_on}不得晚于今天（{today}）",
            field="occurredOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return occurred_on


async def record_team_work(
    ctx: AppContext,
    viewer: Viewer,
    case_id: int,
    kind: str,
    note: str,
    occurred_on: date | None = None,
    amount: Decimal | None = None,
) -> CaseRecord:
    """Investigation results, summons, the property report, asset verification, the execution
    plan (Arts. 17–18), the tax bureau's benchmark price (Art. 19, with `amount`); in a 执 case
    under compulsory execution also that the applicant was told (终本's condition)."""
    if kind not in TEAM_WORK_KINDS:
        raise DomainError(
            f"kind must be one of {', '.join(TEAM_WORK_KINDS)}",
            zh=f"记录类型应为{'、'.join(RECORD_KINDS[k] for k in TEAM_WORK_KINDS)}之一",
            field="kind",
            code=ErrorCode.BAD_FORMAT,
        )
    if kind in RECORDS_WITH_AMOUNT:
        if amount is None:
            raise DomainError(
                f"{kind} needs its amount in yuan",
                zh=f"“{RECORD_KINDS[kind]}”记录须填写金额（元）",
                field="amount",
                code=ErrorCode.REQUIRED,
            )
        check_claim_amount(amount, field="amount")
    elif amount is not None:
        with_amount = sorted(RECORDS_WITH_AMOUNT)
        raise DomainError(
            f"only {', '.join(with_amount)} carries an amount; {kind} does not",
            zh=f"仅{'、'.join(f'“{RECORD_KINDS[k]}”' for k in with_amount)}记录填写金额，"
            f"“{RECORD_KINDS[kind]}”记录不填写金额",
            field="amount",
            code=ErrorCode.INVALID,
        )
    async with UnitOfWork(ctx, viewer) as uow:
        occurred_on = _check_note(note, occurred_on, uow.today)
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        require_step(viewer, CaseStep.RECORD_INVESTIGATION, case.stage, case.team_id)  # the team's
        latest = await _latest_record(uow, case, kind)
        if latest is not None and _same_record(latest, note.strip(), occurred_on):
            await uow.commit()
            return latest  # recorded already: a repeat
        advance(uow, case, CaseStep.RECORD_INVESTIGATION)
        if case.handler_id is None:
            case.handler_id = viewer.staff_id
        record = await _record(uow, case, kind, note.strip(), occurred_on, amount=amount)
        await uow.commit()
    return record


async def _handler_on_claim(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    if case.handler_id is None and item.assignee_id is not None:
        case.handler_id = item.assignee_id
        uow.audit("SET_HANDLER", "Case", case.id, "执行实施团队调查时确定承办人")


work.completes(WorkItemKind.INVESTIGATE)(_handler_on_claim)
work.completes(WorkItemKind.INVESTIGATE_DISPOSABLE)(_handler_on_claim)


async def start_mediation(ctx: AppContext, viewer: Viewer, case_id: int, note: str) -> Case:
    async with UnitOfWork(ctx, viewer) as uow:
        _check_note(note, None, uow.today)
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        require_step(viewer, CaseStep.START_MEDIATION, case.stage, case.team_id)
        if case.stage is CaseStage.MEDIATING and _same_record(
            await _latest_record(uow, case, "SUMMONS"), note.strip(), uow.today
        ):
            await uow.commit()
            return case  # started with this summons already: a repeat
        advance(uow, case, CaseStep.START_MEDIATION)
        await _record(uow, case, "SUMMONS", note.strip(), uow.today)
        await work.create(
            uow,
            kind=WorkItemKind.MEDIATE,
            case=case,
            team_id=case.team_id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            assignee_id=case.handler_id,
            title=f"{case.number} 执行调解",
        )
        await uow.commit()
    return case


async def _mediation_outcome(uow: UnitOfWork, case: Case, outcome: MediationOutcome, note: str) -> None:
    advance(uow, case, CaseStep.RECORD_MEDIATION_OUTCOME)
    case.mediation_outcome = outcome
    await _record(uow, case, "MEDIATION", note or outcome.label, uow.today, outcome.value)
    # Art. 9: the Affairs Handling post converts eligible preservation cases as the centre directs.
    await _ensure_convert_item(uow, case, None)


async def _ensure_convert_item(uow: UnitOfWork, case: Case, deadline: Deadline | None) -> None:
    existing = await uow.session.scalar(
        sa.select(WorkItem).where(
            WorkItem.case_id == case.id,
            WorkItem.kind == WorkItemKind.CONVERT,
            WorkItem.status.in_(("OPEN", "CLAIMED")),
        )
    )
    if existing is None:
        await work.create(
            uow,
            kind=WorkItemKind.CONVERT,
            case=case,
            candidate_role=Role.AFFAIRS_CLERK,
            deadline=deadline,
            title=f"{case.number} 转执行立案",
        )
    elif deadline is not None:
        existing.deadline_id, existing.due_on = deadline.id, deadline.due_on


@work.completes(WorkItemKind.MEDIATE)
async def _mediated(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    await _mediation_outcome(uow, case, MediationOutcome(done.outcome), done.note or "")


async def record_mediation_outcome(
    ctx: AppContext, viewer: Viewer, case_id: int, outcome: MediationOutcome, note: str
) -> Case:
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        require_step(viewer, CaseStep.RECORD_MEDIATION_OUTCOME, case.stage, case.team_id)
        latest = await _latest_record(uow, case, "MEDIATION")
        if case.stage is CaseStage.MEDIATING and _same_record(
            latest, note.strip() or outcome.label, uow.today, outcome.value
        ):
            await uow.commit()
            return case  # this outcome was just recorded: a repeat
        await _mediation_outcome(uow, case, outcome, note.strip())
        await work.complete_for_case(uow, case.id, WorkItemKind.MEDIATE, outcome.value)
        await uow.commit()
    return case


async def send_tax_letter(ctx: AppContext, viewer: Viewer, case_id: int, finding_ids: list[int]) -> Document:
    """Art. 19: ask the county tax bureau for the benchmark price of disposable real estate."""
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        require_step(viewer, CaseStep.SEND_TAX_LETTER, case.stage, case.team_id)
        if not finding_ids:
            raise DomainError(
                "name the real estate the letter asks about",
                zh="请列明基准价函询所涉的不动产",
                field="findingIds",
                code=ErrorCode.REQUIRED,
            )
        for i, finding_id in enumerate(finding_ids):
            finding = await uow.session.get(AssetFinding, finding_id)
            if finding is None or finding.case_id not in await file_ids(uow, case):
                raise NotFound("finding", "查询反馈", field=f"findingIds.{i}")
            if not is_real_estate_for_tax_letter(
                finding.category,
                disposable=finding.disposable,
                first_seal=finding.first_seal,
                respondent_holds_mortgage=finding.respondent_holds_mortgage,
            ):
                raise DomainError(
                    "the letter is for disposable real estate first sealed by this court or "
                    "mortgaged to the respondent (Art. 19)",
                    zh="基准价函询仅适用于本院首封或被执行人享有抵押权的可处置不动产（第十九条）",
                    field=f"findingIds.{i}",
                    code=ErrorCode.NOT_ALLOWED,
                )
        next_stage(case.stage, CaseStep.SEND_TAX_LETTER)
        pending = await pending_tax_letter(uow, case.id)
        if pending is not None:
            await uow.commit()
            return pending  # one letter waits to be served: sending again returns it
        advance(uow, case, CaseStep.SEND_TAX_LETTER)
        team = await uow.session.get(Team, case.team_id)
        contact = await uow.session.get(Staff, case.handler_id or viewer.staff_id)
        document = documents.store(
            uow, case, await documents.render_tax_letter(uow, case, team, finding_ids, contact)
        )
        await work.create(
            uow,
            kind=WorkItemKind.TAX_LETTER,
            case=case,
            team_id=case.team_id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            assignee_id=viewer.staff_id,
            title=f"{case.number} 基准价函送达当事人",
        )
        await uow.commit()
    return document


async def pending_tax_letter(uow: UnitOfWork, case_id: int) -> Document | None:
    """The case's latest benchmark-price letter while its service (the TAX_LETTER item) is open."""
    waiting = await uow.session.scalar(
        sa.select(WorkItem.id)
        .where(
            WorkItem.case_id == case_id,
            WorkItem.kind == WorkItemKind.TAX_LETTER,
            WorkItem.status.in_(ACTIVE),
        )
        .limit(1)
    )
    if waiting is None:
        return None
    return await uow.session.scalar(
        sa.select(Document)
        .where(Document.case_id == case_id, Document.kind == DocumentKind.BENCHMARK_PRICE_LETTER.value)
        .order_by(Document.id.desc())
        .limit(1)
    )


async def _tax_letter_served(uow: UnitOfWork, case: Case, note: str) -> None:
    """Served on the parties: the 3-day transfer for execution filing starts (Art. 19). The limit
    is the implementation team's ("the team ... within 3 days completes the transfer"): the
    deadline is held by the case's handler and escalates to the team's lead; the filing post's
    CONVERT item shows the same due date."""
    advance(uow, case, CaseStep.SEND_TAX_LETTER)
    await _record(uow, case, "TAX_LETTER_SERVICE", note or "基准价已送达双方当事人", uow.today)
    deadline = await _open_deadline(uow, case.id, DeadlineKind.TRANSFER_FOR_FILING)
    if deadline is None:
        deadline = await deadline_service.start_deadline(
            uow,
            owner_type="Case",
            owner_id=case.id,
            kind=DeadlineKind.TRANSFER_FOR_FILING,
            starts_on=uow.today,
            responsible_role=Role.IMPLEMENTATION_OFFICER,
            team_id=case.team_id,
            holder_id=case.handler_id,
        )
    await _ensure_convert_item(uow, case, deadline)


@work.completes(WorkItemKind.TAX_LETTER)
async def _served(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    await _tax_letter_served(uow, case, done.note or "")


# --- conversion, closing, archiving (Arts. 9, 20, 21) -------------------------------------


async def convert(uow: UnitOfWork, case: Case) -> Case:
    if case.case_type is not CaseType.ZHI_BAO:
        raise DomainError(
            f"only a preservation (ZHI_BAO) case converts; {case.number} is {case.case_type.value}",
            zh=f"仅执行保全案件（执保）可转执行立案；{case.number}为{case.case_type.label}",
            field="caseId",
            code=ErrorCode.NOT_ALLOWED,
        )
    existing = await uow.session.scalar(
        sa.select(Case).where(Case.origin_case_id == case.id, Case.case_type == CaseType.ZHI).limit(1)
    )
    if existing is not None:
        return existing  # converted already: the 执 case it became
    next_stage(case.stage, CaseStep.CONVERT)  # refuse before anything is numbered
    title_kind = check_executable_title(case.title_kind, case.effective_title_kind)
    stage, fast_close = conversion_path(case.mediation_outcome, case.fully_controlled)
    converted = await file_follow_on(uow, case, CaseType.ZHI, stage)
    if case.effective_title_number is not None:
        converted.title_document_number, converted.title_kind = case.effective_title_number, title_kind.value
    converted.controlled_total, converted.fully_controlled = case.controlled_total, case.fully_controlled
    converted.mediation_outcome = case.mediation_outcome
    advance(uow, case, CaseStep.CONVERT, action="CONVERT_CASE", detail=f"转为{converted.number}")
    # The 执保 case closes with the conversion (法发〔2014〕26号), by what was controlled.
    method = preservation_closing_method(case.controlled_total, case.fully_controlled)
    check_closing_method(case.case_type, method)
    case.closing_method, case.closed_on = method, uow.today
    uow.audit(
        "CLOSE_CASE",
        "Case",
        case.id,
        f"结案：{method.label}（已控制{yuan(case.controlled_total)}，申请执行金额{yuan(case.claim_amount)}）；"
        f"转执行立案为{converted.number}",
    )
    uow.audit("FILE_CONVERTED_CASE", "Case", converted.id, f"由{case.number}转执行立案：{stage.label}")
    transfer_deadline = await _open_deadline(uow, case.id, DeadlineKind.TRANSFER_FOR_FILING)
    if transfer_deadline is not None:
        deadline_service.close_deadline(uow, transfer_deadline, uow.today)
    # Measures and their renewals continue under the 执 case.
    await uow.session.execute(
        sa.update(Deadline)
        .where(
            Deadline.owner_type == "Case",
            Deadline.owner_id == case.id,
            Deadline.kind == DeadlineKind.MEASURE_RENEWAL,
            Deadline.status == DeadlineStatus.OPEN,
        )
        .values(owner_id=converted.id)
    )
    await work.cancel_for_case(uow, case.id, None, "已转执行立案")
    if fast_close is not None:
        deadline = await deadline_service.start_deadline(
            uow,
            owner_type="Case",
            owner_id=converted.id,
            kind=fast_close,
            starts_on=uow.today,
            responsible_role=Role.CENTER_OFFICER,
        )
        await work.create(
            uow,
            kind=WorkItemKind.FAST_CLOSE,
            case=converted,
            candidate_role=Role.CENTER_OFFICER,
            deadline=deadline,
            title=f"{converted.number} 快立快结",
        )
    else:
        await work.create(
            uow,
            kind=WorkItemKind.ENFORCE,
            case=converted,
            team_id=converted.team_id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            assignee_id=converted.handler_id,
            title=f"{converted.number} 强制执行",
        )
    await work.create(
        uow,
        kind=WorkItemKind.ARCHIVE,
        case=case,
        candidate_role=Role.CENTER_OFFICER,
        title=f"{case.number} 保全材料归入{converted.number}卷宗",
    )
    return converted




async def record_effective_title(
    ctx: AppContext, viewer: Viewer, case_id: int, document_number: str, kind: TitleKind
) -> Case:
    """Record on a 执保 case the effective judgment (or other title with something to be paid or
    done) that its 执 case will be filed on; needed when the case began on a preservation
    ruling. Recording the same title again changes nothing; a different one replaces it."""
    require_role(viewer, *CONVERTERS, action="recording the effective title", action_zh="登记生效法律文书")
    number = (document_number or "").strip()
    if not number:
        raise DomainError(
            "the effective title's document number is required",
            zh="请填写生效法律文书的文号",
            field="title.documentNumber",
            code=ErrorCode.REQUIRED,
        )
    if len(number) > 100:
        raise DomainError(
            "the effective title's document number may be at most 100 characters",
            zh="生效法律文书的文号不得超过100个字",
            field="title.documentNumber",
            code=ErrorCode.OUT_OF_RANGE,
        )
    kind = TitleKind(kind)
    try:
        check_executable_title(kind.value, None)
    except DomainError:
        raise DomainError(
            f"{kind.value} is not an effective title with something to be paid or done; give the "
            "judgment, mediation statement, ruling, payment order, award or notarised debt",
            zh=f"{kind.label}不是具有给付内容的生效法律文书；请选择判决书、调解书、裁定书、支付令、"
            "仲裁裁决书或公证债权文书",
            field="title.kind",
            code=ErrorCode.INVALID,
        ) from None
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        if case.case_type is not CaseType.ZHI_BAO:
            raise DomainError(
                f"the effective title is recorded on a preservation (ZHI_BAO) case; {case.number} is"
                f" {case.case_type.value}",
                zh=f"生效法律文书应登记在执行保全案件（执保）上；{case.number}为{case.case_type.label}",
                field="caseId",
                code=ErrorCode.NOT_ALLOWED,
            )
        if (case.effective_title_number, case.effective_title_kind) == (number, kind.value):
            await uow.commit()
            return case  # recorded already: a repeat
        if case.stage in (CaseStage.CONVERTED, CaseStage.CLOSED, CaseStage.ARCHIVED):
            raise DomainError(
                f"{case.number} is {case.stage.value}: the effective title is recorded before conversion",
                zh=f"{case.number}当前阶段为“{case.stage.label}”：生效法律文书应在转执行立案前登记",
                field="caseId",
                code=ErrorCode.NOT_ALLOWED_IN_STAGE,
            )
        case.effective_title_number, case.effective_title_kind = number, kind.value
        uow.audit("RECORD_EFFECTIVE_TITLE", "Case", case.id, f"生效法律文书：{kind.label}{number}")
        await uow.commit()
    return case


async def convert_case(ctx: AppContext, viewer: Viewer, case_id: int) -> Case:
    require_role(viewer, *CONVERTERS, action="converting a case to a ZHI case", action_zh="转执行立案")
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        converted = await convert(uow, case)
        await uow.commit()
    return converted


@work.completes(WorkItemKind.CONVERT)
async def _converted(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    await convert(uow, case)


async def closing_facts(uow: UnitOfWork, case: Case) -> ClosingFacts:
    """What the closing conditions look at, from the case's file (with its 执保 case)."""
    ids = await file_ids(uow, case)
    kinds = set(
        (
            await uow.session.scalars(
                sa.select(CaseRecord.kind).where(
                    CaseRecord.case_id.in_(ids), CaseRecord.kind.in_(("INVESTIGATION", "APPLICANT_INFORMED"))
                )
            )
        ).all()
    )
    completed = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(Case)
        .where(Case.id.in_(ids), Case.query_control_completed_on.is_not(None))
    )
    return ClosingFacts(
        stage=case.stage,
        filed_on=case.received_on,
        today=uow.today,
        query_completed=bool(completed),
        investigated="INVESTIGATION" in kinds,
        applicant_informed="APPLICANT_INFORMED" in kinds,
    )


async def close(uow: UnitOfWork, case: Case, method: ClosingMethod, field: str = "method") -> None:
    try:
        check_closing_method(case.case_type, method)
    except DomainError as error:
        raise error.at(field) from None
    if case.stage is CaseStage.CLOSED and case.closing_method is method:
        return  # closed so already: no second archiving item
    next_stage(case.stage, CaseStep.CLOSE)  # an illegal step is refused as such first
    check_closing_conditions(method, await closing_facts(uow, case), field=field)
    advance(uow, case, CaseStep.CLOSE, action="CLOSE_CASE", detail=f"结案方式：{method.label}")
    case.closing_method, case.closed_on = method, uow.today
    for kind in (
        DeadlineKind.FAST_CLOSE_SETTLED,
        DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED,
        DeadlineKind.QUERY_CONTROL,
    ):
        deadline = await _open_deadline(uow, case.id, kind)
        if deadline is not None:
            deadline_service.close_deadline(uow, deadline, uow.today)
    if method in RELEASES_MEASURES:
        await measures.end_measures_with_case(uow, case, f"closed: {method.label}")
    for kind in (WorkItemKind.FAST_CLOSE, WorkItemKind.ENFORCE):  # the closing step's own item
        if method.value in OUTCOMES[kind]:
            await work.complete_for_case(uow, case.id, kind, method.value)
    await work.cancel_for_case(uow, case.id, None, "案件已结案")
    await work.create(
        uow,
        kind=WorkItemKind.ARCHIVE,
        case=case,
        candidate_role=Role.CENTER_OFFICER,
        title=f"{case.number} 归档",
    )


async def close_case(ctx: AppContext, viewer: Viewer, case_id: int, method: ClosingMethod) -> Case:
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        require_step(viewer, CaseStep.CLOSE, case.stage, case.team_id)
        await close(uow, case, method)
        await uow.commit()
    return case


async def _close_item(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    if done.outcome == "START_ENFORCEMENT":
        advance(uow, case, CaseStep.START_ENFORCEMENT)
        for kind in (DeadlineKind.FAST_CLOSE_SETTLED, DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED):
            deadline = await _open_deadline(uow, case.id, kind)
            if deadline is not None:
                deadline_service.cancel_deadline(uow, deadline, "案件转入强制执行")
        await work.create(
            uow,
            kind=WorkItemKind.ENFORCE,
            case=case,
            team_id=case.team_id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            title=f"{case.number} 强制执行",
        )
        return
    await close(uow, case, ClosingMethod(done.outcome), field="outcome")


work.completes(WorkItemKind.FAST_CLOSE)(_close_item)
work.completes(WorkItemKind.ENFORCE)(_close_item)


async def archive(uow: UnitOfWork, case: Case) -> None:
    if case.stage is CaseStage.ARCHIVED:
        return  # archived already
    advance(uow, case, CaseStep.ARCHIVE, action="ARCHIVE_CASE")
    if case.case_type is CaseType.ZHI_BAO and case.archived_into_id is None:
        into = await uow.session.scalar(
            sa.select(Case).where(Case.origin_case_id == case.id, Case.case_type == CaseType.ZHI)
        )
        if into is not None:
            case.archived_into_id = into.id
            uow.audit("ARCHIVE_INTO", "Case", into.id, f"{case.number}的材料归入本案卷宗")


async def archive_case(ctx: AppContext, viewer: Viewer, case_id: int) -> Case:
    require_role(viewer, *CENTER, action="archiving a case", action_zh="案件归档")
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        await archive(uow, case)
        await work.complete_for_case(uow, case.id, WorkItemKind.ARCHIVE, "ARCHIVED")
        await uow.commit()
    return case


@work.completes(WorkItemKind.ARCHIVE)
async def _archived(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    case = await load_case(uow, item.case_id, lock=True)
    await archive(uow, case)


# --- adjudication applications (Art. 9) ------------------------------------------------------



async def file_application(
    ctx: AppContext, viewer: Viewer, case_id: int, kind: AdjudicationKind, applicant_name: str, summary: str
) -> AdjudicationApplication:
    require_role(viewer, *FILERS, action="filing an adjudication application", action_zh="登记执行裁决申请")
    for value, field, zh_what, limit in (
        (applicant_name, "applicantName", "申请人", 200),
        (summary, "summary", "申请事项摘要", 2000),
    ):
        if not value.strip():
            raise DomainError(
                f"{field} is required", zh=f"请填写{zh_what}", field=field, code=ErrorCode.REQUIRED
            )
        if len(value) > limit:
            raise DomainError(
                f"{field} may be at most {limit} characters",
                zh=f"{zh_what}不得超过{limit}个字",
                field=field,
                code=ErrorCode.OUT_OF_RANGE,
            )
    async with UnitOfWork(ctx, viewer) as uow:
        case = await load_case(uow, case_id, viewer=viewer, lock=True)
        filed = await uow.session.scalar(
            sa.select(AdjudicationApplication)
            .where(
                AdjudicationApplication.case_id == case.id,
                AdjudicationApplication.kind == kind,
                AdjudicationApplication.applicant_name == applicant_name.strip(),
                AdjudicationApplication.summary == summary.strip(),
                AdjudicationApplication.status == "PENDING",
            )
            .limit(1)
        )
        if filed is not None:
            await uow.commit()
            return filed  # the same application is pending: filing it again returns it
        advance(uow, case, CaseStep.FILE_ADJUDICATION_APPLICATION)
        setting = ctx.settings.preservation_reconsideration_case_type
        case_type = adjudication_case_type(kind, CaseType(setting) if setting else None)
        review = None
        if case_type is not None:
            review = await new_case(
                uow,
                case_type=case_type,
                stage=CaseStage.RECEIVED,
                received_on=uow.today,
                claim_amount=case.claim_amount,
                title_document_number=case.number,
                title_kind="OTHER",
                parties=[],
                origin=case,
            )
        team = await uow.session.scalar(sa.select(Team).where(Team.kind == TeamKind.ADJUDICATION_TEAM))
        application = AdjudicationApplication(
            case_id=case.id,
            kind=kind,
            applicant_name=applicant_name.strip(),
            summary=summary.strip(),
            adjudication_case_id=review.id if review else None,
            status="PENDING",
            created_by=viewer.staff_id,
            created_at=uow.now,
        )
        uow.session.add(application)
        await uow.session.flush()
        uow.audit(
            "FILE_ADJUDICATION_APPLICATION",
            "Case",
            case.id,
            f"{kind.label}" + (f"，立案为{review.number}" if review else ""),
        )
        # The statutory review period, from the day the application is received (a rule row
        # per kind: objection 15 days, adding a respondent 60, preservation reconsideration 10).
        deadline = await deadline_service.start_deadline(
            uow,
            owner_type="AdjudicationApplication",
            owner_id=application.id,
            kind=DeadlineKind.ADJUDICATION_REVIEW,
            variant=REVIEW_PERIOD_VARIANT[kind],
            starts_on=uow.today,
            responsible_role=Role.ADJUDICATION_JUDGE,
            team_id=team.id if team else None,
        )
        await work.create(
            uow,
            kind=WorkItemKind.ADJUDICATION_APPLICATION,
            case=review or case,
            owner_type="AdjudicationApplication",
            owner_id=application.id,
            candidate_role=Role.ADJUDICATION_JUDGE,
            team_id=team.id if team else None,
            title=f"{kind.label}：{case.number}",
            deadline=deadline,
            due_on=deadline.due_on,
        )
        await uow.commit()
    return application


async def record_review_case_number(
    ctx: AppContext, viewer: Viewer, application_id: int, case_number: str
) -> AdjudicationApplication:
    """The higher court's 执复 number of the reconsideration of a ruling this court made."""
    require_role(
        viewer,
        Role.ADJUDICATION_JUDGE,
        *FILERS,
        action="recording a reconsideration's number",
        action_zh="登记复议案件案号",
    )
    number = check_review_case_number(case_number, ctx.settings.court_code)
    async with UnitOfWork(ctx, viewer) as uow:
        application = await work.locked(uow, AdjudicationApplication, application_id)
        if application is None:
            raise NotFound("adjudication application", "执行裁决申请", field="applicationId")
        await load_case(uow, application.case_id, viewer=viewer, field="applicationId")
        check_reconsiderable(application.kind, application.status)
        if application.review_case_number != number:
            application.review_case_number = number
            uow.audit(
                "RECORD_REVIEW_CASE_NUMBER",
                "Case",
                application.case_id,
                f"{application.kind.label}：上级法院复议案号{number}",
            )
        await uow.commit()
    return application


@work.completes(WorkItemKind.ADJUDICATION_APPLICATION)
async def _adjudicated(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    application = await uow.session.get(AdjudicationApplication, item.owner_id)
    if application is None:
        raise NotFound("adjudication application", "执行裁决申请")
    if not (done.note or "").strip():
        raise DomainError(
            "give the reasons of the decision in the note",
            zh="请在备注中写明裁决理由",
            field="note",
            code=ErrorCode.REQUIRED,
        )
    outcome = AdjudicationOutcome(done.outcome)
    application.status = outcome.value
    application.decision_note, application.decided_by, application.decided_at = (
        done.note,
        uow.actor.staff_id if uow.actor else None,
        uow.now,
    )
    deadline = await uow.session.scalar(
        sa.select(Deadline).where(
            Deadline.owner_type == "AdjudicationApplication",
            Deadline.owner_id == application.id,
            Deadline.status == DeadlineStatus.OPEN,
        )
    )
    if deadline is not None:
        deadline_service.close_deadline(uow, deadline, uow.today)
    if application.adjudication_case_id is not None:
        review = await load_case(uow, application.adjudication_case_id, lock=True)
        advance(uow, review, CaseStep.CLOSE)
        review.closed_on = uow.today
        review.closing_method = ADJUDICATION_CLOSING[outcome]
    uow.audit(
        "DECIDE_ADJUDICATION_APPLICATION",
        "Case",
        application.case_id,
        f"{application.kind.label}：{outcome.label}",
    )


async def _application_labels(session, ids: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """A review deadline is labelled with the application's kind and the case it is filed on."""
    rows = (
        await session.execute(
            sa.select(AdjudicationApplication.id, AdjudicationApplication.kind, Case.number)
            .join(Case, Case.id == AdjudicationApplication.case_id)
            .where(AdjudicationApplication.id.in_(ids))
        )
    ).all()
    return {row.id: f"{AdjudicationKind(row.kind).label}：{row.number}" for row in rows}


deadline_service.OWNER_LABELS["AdjudicationApplication"] = _application_labels
work.OWNERS["AdjudicationApplication"] = AdjudicationApplication
