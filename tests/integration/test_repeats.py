"""Every step that makes a document, a case or a work item, repeated - one after the other (a
double submit, a redelivered message) and fired together (two windows, two tabs): it happens
once, and the repeat returns what the first made. On SQLite the writer gate serialises the
units of work; on PostgreSQL they race and the case row lock decides."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from exec_center.db.models import (
    AdjudicationApplication,
    AssetFinding,
    AuditEvent,
    Case,
    CaseRecord,
    ControlMeasure,
    Document,
    OutboxMessage,
    Staff,
    TeamMember,
    TransferStrategyRow,
    WorkItem,
)
from exec_center.domain.access import Viewer
from exec_center.domain.assets import MeasureKind
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.lifecycle import AdjudicationKind, CaseStage, ClosingMethod, MediationOutcome
from exec_center.domain.transfer import TransferStrategy
from exec_center.integrations.asset_query import AssetFindingData, StaticAssetQueryProvider
from exec_center.services import asset_queries, lifecycle, measures
from exec_center.services import cases as case_service
from exec_center.services.auth import load_viewer

TODAY = date(2024, 2, 8)
HOUSE = AssetFindingData(category="REAL_ESTATE", institution="郁南县不动产登记中心",
                         description="都城镇建设路12号住宅楼301房", value=Decimal("680000.00"),
                         encumbrances=None, first_seal=True, disposable=True)
DEPOSIT = AssetFindingData(category="BANK_DEPOSIT", institution="中国工商银行郁南支行",
                           description="活期存款账户（尾号1234）", value=Decimal("2000.00"),
                           encumbrances=None, first_seal=True, disposable=False)


async def viewer(ctx, username: str) -> Viewer:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


async def count(ctx, model: Any, *where: Any) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def twice(call) -> list[Any]:  # type: ignore[no-untyped-def]
    """Once, then twice together: three attempts of the same step."""
    first = await call()
    return [first, *await asyncio.gather(call(), call())]


async def analysing(ctx) -> Case:
    """A case whose queries found a first-sealed house and a small deposit, in ANALYSING."""
    asset_queries.set_provider(StaticAssetQueryProvider({"REAL_ESTATE": [HOUSE], "BANK_DEPOSIT": [DEPOSIT]}))
    case = await case_service.receive_case(ctx, await viewer(ctx, "affairs"), IntakeData(
        received_on=TODAY,
        claim_amount=Decimal("125000.00"),
        title_document_number="（2023）粤5322民初1024号",
        title_kind=TitleKind.JUDGMENT,
        applicants=(PartyData(PartyKind.PERSON, "陈某", "445322198001011236", "13800138000"),),
        respondents=(PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", "91445322MA4ABCDE15"),),
    ))
    await asset_queries.dispatch(ctx, case.id)
    await asset_queries.poll(ctx, case_id=case.id)
    async with ctx.sessionmaker() as session:
        case = await session.get(Case, case.id)
    assert case.stage is CaseStage.ANALYSING
    return case


async def finding_id(ctx, case: Case, category: str) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(
            sa.select(AssetFinding.id).where(AssetFinding.case_id == case.id, AssetFinding.category == category))


async def transferred(ctx) -> tuple[Case, Viewer]:
    """The case sealed, completed and transferred; returns it and a member of its team."""
    case = await analysing(ctx)
    center = await viewer(ctx, "center")
    house = await finding_id(ctx, case, "REAL_ESTATE")
    await measures.decide_control(
        ctx, center, case.id, [measures.MeasureRequest(house, MeasureKind.SEAL, Decimal("100000.00"))])
    await lifecycle.finish_query_control(ctx, center, case.id)
    team_id = await lifecycle.transfer(ctx, case.id)
    async with ctx.sessionmaker() as session:
        member = await session.scalar(
            sa.select(Staff.username).join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(TeamMember.team_id == team_id, TeamMember.is_lead.is_(False)).order_by(Staff.id).limit(1))
        case = await session.get(Case, case.id)
    return case, await viewer(ctx, member)


async def test_control_measures_sent_again_are_taken_once(ctx) -> None:
    case = await analysing(ctx)
    center = await viewer(ctx, "center")
    deposit = await finding_id(ctx, case, "BANK_DEPOSIT")
    freeze = [measures.MeasureRequest(deposit, MeasureKind.FREEZE, Decimal("2000.00"))]
    results = await twice(lambda: measures.decide_control(ctx, center, case.id, freeze))
    assert {r.controlled_total for r in results} == {Decimal("2000.00")}
    assert await count(ctx, ControlMeasure, ControlMeasure.case_id == case.id) == 1
    # Another officer's or another day's measure is a measure of its own (here: refused, as
    # the deposit holds no more than is frozen).


async def test_completing_query_control_again_changes_nothing(ctx) -> None:
    case = await analysing(ctx)
    center = await viewer(ctx, "center")
    await twice(lambda: lifecycle.finish_query_control(ctx, center, case.id))
    assert await count(ctx, AuditEvent, AuditEvent.action == "COMPLETE_QUERY_CONTROL",
                       AuditEvent.object_id == case.id) == 1
    assert await count(ctx, OutboxMessage, OutboxMessage.actor_name == "transfer_case") == 1
    # Transferred meanwhile, completing once more still answers with the case.
    await lifecycle.transfer(ctx, case.id)
    assert (await lifecycle.finish_query_control(ctx, center, case.id)).stage is CaseStage.TRANSFERRED


async def test_the_tax_letter_sent_again_returns_the_letter_waiting_to_be_served(ctx) -> None:
    case, member = await transferred(ctx)
    house = await finding_id(ctx, case, "REAL_ESTATE")
    letters = await twice(lambda: lifecycle.send_tax_letter(ctx, member, case.id, [house]))
    assert len({letter.id for letter in letters}) == 1
    assert await count(ctx, Document, Document.case_id == case.id,
                       Document.kind == "BENCHMARK_PRICE_LETTER") == 1
    assert await count(ctx, WorkItem, WorkItem.case_id == case.id, WorkItem.kind == "TAX_LETTER") == 1
    # A wrong finding is still refused, letter or not.
    with pytest.raises(Exception, match="not found"):
        await lifecycle.send_tax_letter(ctx, member, case.id, [house + 1000])


async def test_team_records_and_mediation_repeated_are_recorded_once(ctx) -> None:
    case, member = await transferred(ctx)
    await twice(lambda: lifecycle.record_team_work(ctx, member, case.id, "INVESTIGATION", "走访被执行人住所"))
    assert await count(ctx, CaseRecord, CaseRecord.case_id == case.id, CaseRecord.kind == "INVESTIGATION") == 1
    # Another note is another record.
    await lifecycle.record_team_work(ctx, member, case.id, "INVESTIGATION", "核实车辆下落")
    assert await count(ctx, CaseRecord, CaseRecord.case_id == case.id, CaseRecord.kind == "INVESTIGATION") == 2

    started = await twice(lambda: lifecycle.start_mediation(ctx, member, case.id, "传唤双方到庭调解"))
    assert {c.stage for c in started} == {CaseStage.MEDIATING}
    assert await count(ctx, WorkItem, WorkItem.case_id == case.id, WorkItem.kind == "MEDIATE") == 1
    assert await count(ctx, CaseRecord, CaseRecord.case_id == case.id, CaseRecord.kind == "SUMMONS") == 1

    await twice(lambda: lifecycle.record_mediation_outcome(ctx, member, case.id, MediationOutcome.SETTLED, "和解"))
    assert await count(ctx, CaseRecord, CaseRecord.case_id == case.id, CaseRecord.kind == "MEDIATION") == 1
    assert await count(ctx, WorkItem, WorkItem.case_id == case.id, WorkItem.kind == "CONVERT") == 1


async def test_conversion_closing_and_archiving_repeated_happen_once(ctx) -> None:
    case, _ = await transferred(ctx)
    affairs, center = await viewer(ctx, "affairs"), await viewer(ctx, "center")
    converted = await twice(lambda: lifecycle.convert_case(ctx, affairs, case.id))
    assert {c.number for c in converted} == {"（2024）粤5322执1号"}
    assert await count(ctx, Case, Case.origin_case_id == case.id) == 1
    zhi = converted[0]
    assert zhi.stage is CaseStage.ENFORCING  # not fully controlled, no settlement

    closed = await twice(lambda: lifecycle.close_case(ctx, center, zhi.id, ClosingMethod.FULLY_EXECUTED))
    assert {c.stage for c in closed} == {CaseStage.CLOSED}
    assert await count(ctx, WorkItem, WorkItem.case_id == zhi.id, WorkItem.kind == "ARCHIVE") == 1
    assert await count(ctx, AuditEvent, AuditEvent.action == "CLOSE_CASE", AuditEvent.object_id == zhi.id) == 1

    archived = await twice(lambda: lifecycle.archive_case(ctx, center, zhi.id))
    assert {c.stage for c in archived} == {CaseStage.ARCHIVED}
    assert await count(ctx, AuditEvent, AuditEvent.action == "ARCHIVE_CASE", AuditEvent.object_id == zhi.id) == 1


async def test_an_adjudication_application_filed_again_is_filed_once(ctx) -> None:
    case = await analysing(ctx)
    affairs = await viewer(ctx, "affairs")
    applications = await twice(lambda: lifecycle.file_application(
        ctx, affairs, case.id, AdjudicationKind.OBJECTION, "郁南县某建材有限公司", "对查封住宅提出异议"))
    assert len({a.id for a in applications}) == 1
    assert await count(ctx, AdjudicationApplication) == 1
    assert await count(ctx, Case, Case.origin_case_id == case.id) == 1  # one 执异 case
    assert await count(ctx, WorkItem, WorkItem.kind == "ADJUDICATION_APPLICATION") == 1
    # Another application is filed on its own.
    await lifecycle.file_application(
        ctx, affairs, case.id, AdjudicationKind.OBJECTION, "郁南县某建材有限公司", "对冻结存款提出异议")
    assert await count(ctx, AdjudicationApplication) == 2


async def test_the_transfer_strategy_set_together_for_one_date_is_one_row(ctx) -> None:
    chief = await viewer(ctx, "chief")
    decided = (TransferStrategy.BY_TOWNSHIP, TransferStrategy.FEWEST_OPEN_CASES)
    results = await asyncio.gather(*(
        lifecycle.set_transfer_strategy(ctx, chief, strategy, date(2024, 3, 1), "局务会决定")
        for strategy in decided))
    assert results == list(decided)  # both applied, one after the other: the later one holds
    async with ctx.sessionmaker() as session:
        rows = (await session.scalars(
            sa.select(TransferStrategyRow.strategy).where(TransferStrategyRow.effective_from == date(2024, 3, 1))
        )).all()
    assert len(rows) == 1 and rows[0] in {s.value for s in decided}
