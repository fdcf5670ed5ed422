"""Intake (Arts. 8, 14): the 执保 number, the query-and-control deadline, the ruling and the
dispatch woken through the outbox. Shared helpers for every step of a case's life."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import Case, CaseCounter, CaseParty, CaseStageSpell, Deadline
from ..domain.access import Viewer, case_visible, require_role
from ..domain.case_numbers import CaseNumber, CaseType
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError, Forbidden, NotFound
from ..domain.identifiers import IdType, PartyKind
from ..domain.intake import (
    IntakeData,
    OpenCase,
    PartyData,
    PartySide,
    check_intake,
    check_not_duplicate,
    name_identity,
    party_identity,
    title_key,
    title_spellings,
)
from ..domain.lifecycle import CaseStage, CaseStep, next_stage
from ..domain.organisation import Role
from . import deadlines as deadline_service
from .unit_of_work import UnitOfWork, yuan

INTAKE_ROLES = (Role.AFFAIRS_CLERK, Role.CENTER_OFFICER, Role.CENTER_HEAD)


async def assign_number(session: AsyncSession, court_code: str, case_type: CaseType, year: int) -> CaseNumber:
    """The next number of the year and type, gap-free: the counter row stays locked until the
    transaction ends, and a rollback gives the number back."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(CaseCounter)
        .values(court_code=court_code, case_type=case_type, year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=["court_code", "case_type", "year"],
            set_={"last_sequence": CaseCounter.last_sequence + 1},
        )
        .returning(CaseCounter.last_sequence)
    )
    sequence = (await session.execute(statement)).scalar_one()
    return CaseNumber(year=year, court_code=court_code, case_type=case_type, sequence=sequence)


async def new_case(
    uow: UnitOfWork,
    *,
    case_type: CaseType,
    stage: CaseStage,
    received_on,
    claim_amount,
    title_document_number: str,
    title_kind: str,
    parties: list[tuple[PartySide, PartyData]],
    township: str | None = None,
    origin: Case | None = None,
    team_id: int | None = None,
    handler_id: int | None = None,
    numbered: bool = True,
) -> Case:
    """A new case with its parties. `numbered=False`: `number_case` numbers it last, just before
    COMMIT (intake)."""
    court = uow.ctx.settings.court_code
    # Numbered today, in today's year: a paper filing received on 31 December and entered on
    # 2 January is a case of the new year (the number is the filing's, not the receipt's).
    number = await assign_number(uow.session, court, case_type, uow.today.year) if numbered else None
    case = Case(
        number=str(number) if number else None,
        court_code=court,
        case_type=case_type,
        year=uow.today.year,
        sequence=number.sequence if number else None,
        stage=stage,
        received_on=received_on,
        numbered_on=uow.today,
        stage_entered_on=received_on,
        claim_amount=claim_amount,
        title_document_number=title_document_number,
        title_kind=title_kind,
        township=township,
        origin_case_id=origin.id if origin else None,
        team_id=team_id,
        handler_id=handler_id,
        received_by=uow.actor.staff_id if uow.actor else None,
        created_at=uow.now,
        version=1,
    )
    uow.session.add(case)
    await uow.session.flush()
    for position, (side, party) in enumerate(parties):
        uow.session.add(
            CaseParty(
                case_id=case.id,
                side=side.value,
                kind=party.kind,
                name=party.name,
                id_type=party_id_type(party),
                id_number=party.id_number,
                phone=party.phone,
                address=party.address,
                position=position,
            )
        )
    return case


async def number_case(uow: UnitOfWork, case: Case) -> None:
    """Number a case created with `numbered=False`, after every other row of the transaction is
    written: the counter row's lock (which makes numbers gap-free) is then held only for this
    UPDATE, the audit entry and COMMIT, not for the whole intake (issue 14: 16 clerks receiving at
    once queued on it)."""
    await uow.session.flush()
    number = await assign_number(uow.session, case.court_code, case.case_type, case.year)
    case.number, case.sequence = str(number), number.sequence
    await uow.session.flush()


async def file_follow_on(uow: UnitOfWork, original: Case, case_type: CaseType, stage: CaseStage) -> Case:
    """A case filed from another (a 执 case on conversion, a 执恢 case on resumption): the same
    parties, title, claim, team and handler, linked to its origin, numbered today."""
    parties = (
        await uow.session.scalars(
            sa.select(CaseParty).where(CaseParty.case_id == original.id).order_by(CaseParty.position)
        )
    ).all()
    return await new_case(
        uow,
        case_type=case_type,
        stage=stage,
        received_on=uow.today,
        claim_amount=original.claim_amount,
        title_document_number=original.title_document_number,
        title_kind=original.title_kind,
        township=original.township,
        origin=original,
        team_id=original.team_id,
        handler_id=original.handler_id,
        parties=[
            (
                PartySide(p.side),
                PartyData(
                    kind=p.kind,
                    name=p.name,
                    id_number=p.id_number,
                    phone=p.phone,
                    address=p.address,
                    id_type=IdType(p.id_type),
                ),
            )
            for p in parties
        ],
    )


# pg_advisory_xact_lock(class, key): the class keeps these keys apart from other advisory locks.
_TITLE_LOCK_CLASS = 0x45584354  # "EXCT"


async def lock_title(uow: UnitOfWork, document_number: str) -> None:
    """Serialise intakes of one enforceable title until the transaction ends, so that of two
    identical filings sent together the second sees the first. On SQLite the unit of work
    already holds the database's only write lock (the writer gate, BEGIN IMMEDIATE)."""
    if uow.session.bind.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(title_key(document_number).encode()).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_TITLE_LOCK_CLASS, key)))


async def open_cases_for_title(session: AsyncSession, document_number: str) -> list[OpenCase]:
    """The cases not closed or archived whose title has this number (any spelling), newest
    first, with their respondents' identities."""
    rows = (
        await session.execute(
            sa.select(Case.id, Case.number, Case.title_document_number)
            .where(
                Case.title_document_number.in_(title_spellings(document_number)),
                Case.stage.not_in((CaseStage.CLOSED, CaseStage.ARCHIVED)),
            )
            .order_by(Case.id.desc())
        )
    ).all()
    if not rows:
        return []
    identities: dict[int, set[str]] = {row.id: set() for row in rows}
    names: dict[int, set[str]] = {row.id: set() for row in rows}
    parties = await session.execute(
        sa.select(CaseParty.case_id, CaseParty.name, CaseParty.id_type, CaseParty.id_number).where(
            CaseParty.case_id.in_(list(identities)), CaseParty.side == PartySide.RESPONDENT.value
        )
    )
    for case_id, name, id_type, id_number in parties:
        identities[case_id].add(party_identity(name, id_number, id_type))
        names[case_id].add(name_identity(name))
    return [
        OpenCase(
            row.number, row.title_document_number, frozenset(identities[row.id]), frozenset(names[row.id])
        )
        for row in rows
    ]


async def receive_case(ctx: AppContext, viewer: Viewer, data: IntakeData) -> Case:
    require_role(viewer, *INTAKE_ROLES, action="receiving a case", action_zh="收案")
    async with UnitOfWork(ctx, viewer) as uow:
        data = check_intake(data, uow.today)
        # Before the number is taken: a refused duplicate consumes none.
        await lock_title(uow, data.title_document_number)
        check_not_duplicate(data, await open_cases_for_title(uow.session, data.title_document_number))
        parties = [(PartySide.APPLICANT, p) for p in data.applicants] + [
            (PartySide.RESPONDENT, p) for p in data.respondents
        ]
        engine = await deadline_service.Engine.load(uow)
        case = await new_case(
            uow,
            case_type=CaseType.ZHI_BAO,
            stage=CaseStage.RECEIVED,
            received_on=data.received_on,
            claim_amount=data.claim_amount,
            title_document_number=data.title_document_number,
            title_kind=data.title_kind.value,
            parties=parties,
            township=data.township,
            numbered=False,
        )
        try:  # Art. 16: 5 working days from the day the 执保 number is assigned, not the receipt
            await deadline_service.start_deadline(
                uow,
                owner_type="Case",
                owner_id=case.id,
                kind=DeadlineKind.QUERY_CONTROL,
                starts_on=case.numbered_on,
                responsible_role=Role.CENTER_OFFICER,
                engine=engine,
            )
        except DomainError as error:
            raise DomainError(
                f"receivedOn {data.received_on}: {error.message}",
                zh=f"收案日期 {data.received_on}：{error.zh}",
                field="receivedOn",
                code=error.code,
            ) from None
        uow.enqueue("render_case_document", case.id, "QUERY_CONTROL_RULING")
        uow.enqueue("dispatch_asset_queries", case.id)
        await number_case(uow, case)
        uow.audit(
            "RECEIVE_CASE",
            "Case",
            case.id,
            f"收案{case.number}：申请执行人{len(data.applicants)}名，被执行人{len(data.respondents)}名，"
            f"申请执行金额{yuan(data.claim_amount)}"
            + (f"；系在{data.duplicate_of}之外另行提出的申请" if data.duplicate_of else ""),
        )
        await uow.commit()
    return case


def party_id_type(party: PartyData) -> str:
    """The identity document a party's number is: as given, else the usual one for its kind."""
    if party.id_type is not None:
        return party.id_type.value
    if party.id_number is None:
        return "UNKNOWN"
    return "RESIDENT_ID" if party.kind is PartyKind.PERSON else "USCC"


# --- helpers for every later step -------------------------------------------------------


async def load_case(
    uow: UnitOfWork, case_id: int, *, viewer: Viewer | None = None, lock: bool = False, field: str = "caseId"
) -> Case:
    # On SQLite the unit of work already holds the database's write lock (writer gate, BEGIN
    # IMMEDIATE); on PostgreSQL the row is locked, and read afresh if the session had it.
    dialect = uow.session.bind.dialect.name
    case = await uow.session.get(
        Case, case_id, with_for_update=lock and dialect == "postgresql", populate_existing=lock
    )
    if case is None or (
        viewer is not None and not case_visible(viewer, team_id=case.team_id, handler_id=case.handler_id)
    ):
        raise NotFound("case", "案件", field=field)
    return case


def advance(
    uow: UnitOfWork, case: Case, step: CaseStep, *, action: str | None = None, detail: str | None = None
) -> CaseStage:
    """Take `step` per the lifecycle table (the only place that decides a case's next stage).

    One history entry for the step: `action` names it where the service has a more specific
    name (TRANSFER_CASE, CLOSE_CASE, ...), `detail` says what else the step did."""
    before = case.stage
    case.stage = next_stage(case.stage, step)
    case.version += 1
    if case.stage is not before:
        today = uow.today
        uow.session.add(CaseStageSpell(case_id=case.id, stage=before, next_stage=case.stage,
                                       entered_on=case.stage_entered_on or case.received_on, left_on=today))
        case.stage_entered_on = today
        if case.stage is CaseStage.TRANSFERRED:
            case.transferred_on = today
        elif case.stage is CaseStage.CONVERTED:
            case.converted_on = today
        elif case.stage is CaseStage.ARCHIVED:
            case.archived_on = today
    if case.stage is not before or detail:
        moved = f"{before.label} → {case.stage.label}"
        if case.stage is before:
            moved = f"{before.label}（阶段不变）"
        summary = f"{case.number}：{moved}" + (f"；{detail}" if detail else "")
        uow.audit(action or step.value, "Case", case.id, summary)
    return case.stage


async def case_numbers(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    rows = (await session.execute(sa.select(Case.id, Case.number).where(Case.id.in_(ids)))).all()
    return {r[0]: r[1] for r in rows}


deadline_service.OWNER_LABELS["Case"] = case_numbers


# --- who acts on a case -------------------------------------------------------------------

CENTER = (Role.CENTER_OFFICER, Role.CENTER_HEAD)  # domain/actions.py CENTER, in the order messages use


def in_team(viewer: Viewer, case: Case) -> bool:
    return case.team_id is not None and case.team_id in viewer.team_ids


def require_team(viewer: Viewer, case: Case, action: str, zh_action: str) -> None:
    """`action` names the step in English ("releasing a control measure"), `zh_action` in zh-CN."""
    if not (in_team(viewer, case) or viewer.has(Role.CENTER_HEAD)):
        raise Forbidden(
            f"{action} is for the case's implementation team", zh=f"{zh_action}须由本案的执行实施团队办理"
        )


async def open_deadline(uow: UnitOfWork, case_id: int, kind: DeadlineKind) -> Deadline | None:
    return await uow.session.scalar(
        sa.select(Deadline).where(
            Deadline.owner_type == "Case",
            Deadline.owner_id == case_id,
            Deadline.kind == kind,
            Deadline.status == DeadlineStatus.OPEN,
        )
    )
