"""The windows and agents ad litem (Art. 10; CPL 2023 arts. 61-62), through GraphQL: an agent
registered on the case is verified by their document like the party they act for; a party whose
number is unknown never is; a verified party is told whom to contact about the case now (Art.
10(3)), at the centre and after transfer; the court's own renewal reminders are not disclosed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from exec_center.db.models import AuditEvent, Case, CaseParty, Staff, Team, TeamMember
from exec_center.domain.case_numbers import CaseType
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.lifecycle import CaseStage, ClosingMethod

from .test_case_lifecycle import CLAIM, items, receive
from .test_case_paths import analysing, control, deposit, detail, transferred
from .test_parties import LICENCE, REGISTER, intake, parties
from .test_windows import window_id

APPLICANT_ID = "445322198001011236"  # the applicant of RECEIVE_VARIABLES
LAWYER_ID = "445322198503120010"
DISCLOSE = """mutation($input: VerifiedRequestInput!) { discloseCaseStatus(input: $input) {
  disclosure { verified verifiedAs stage openDeadlines { kind }
               contact { name officePhone capacity capacityLabel } }
  userErrors { field message: messageEn code } } }"""
CONTACT_JUDGE = """mutation($input: ContactJudgeInput!) { contactJudge(input: $input) {
  result { verified judgeName officePhone capacity } userErrors { field message: messageEn code } } }"""


async def disclose(api, number: str, document: str, document_type: str | None = None) -> dict:
    consult = await window_id(api, "consultation-disclosure")
    request = {"windowId": consult, "caseNumber": number, "identityDocument": document}
    if document_type:
        request["identityDocumentType"] = document_type
    return (await api.gql(DISCLOSE, {"input": request}, as_="consult"))["discloseCaseStatus"]


async def register(api, number: str, side: str = "applicants", **agent) -> dict:
    party = (await parties(api, number))[side][0]
    payload = (await api.gql(REGISTER, {"input": {"partyId": party["id"], **agent}}, as_="center"))
    assert payload["registerAgent"]["userErrors"] == [], payload
    return payload["registerAgent"]["agent"]


async def verifications(api) -> list[str]:
    async with api.ctx.sessionmaker() as session:
        return list((await session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "VERIFY_PARTY").order_by(AuditEvent.id)
        )).all())


async def test_an_agent_is_verified_like_the_party_they_act_for(api) -> None:
    case = await receive(api)
    await register(api, case["number"], kind="LAWYER", name="黄律师", idNumber=LAWYER_ID,
                   lawFirm="广东某律师事务所", licenceNumber=LICENCE)
    await register(api, case["number"], kind="NEAR_RELATIVE", name="陈小明", idType="HK_MACAO_PERMIT",
                   idNumber="M87654321")
    by_lawyer = await disclose(api, case["number"], LAWYER_ID)
    assert by_lawyer["userErrors"] == []
    assert (by_lawyer["disclosure"]["verified"], by_lawyer["disclosure"]["verifiedAs"]) == (True, "AGENT")
    by_permit = await disclose(api, case["number"], "m87654321", "HK_MACAO_PERMIT")
    assert (by_permit["disclosure"]["verified"], by_permit["disclosure"]["verifiedAs"]) == (True, "AGENT")
    # The same number named as another document is not that document.
    as_passport = await disclose(api, case["number"], "M87654321", "PASSPORT")
    assert as_passport["disclosure"]["verified"] is False
    by_party = await disclose(api, case["number"], APPLICANT_ID)
    assert (by_party["disclosure"]["verified"], by_party["disclosure"]["verifiedAs"]) == (True, "PARTY")
    audited = await verifications(api)
    assert audited == [
        "查询案件进展（执行事务中心·咨询公开岗）：核验通过（代理人）",
        "查询案件进展（执行事务中心·咨询公开岗）：核验通过（代理人）",
        "查询案件进展（执行事务中心·咨询公开岗）：核验未通过",
        "查询案件进展（执行事务中心·咨询公开岗）：核验通过（当事人）",
    ]
    assert not any(n in s for s in audited for n in (LAWYER_ID, "M87654321", APPLICANT_ID))


async def test_a_party_of_unknown_number_is_never_verified_by_number(api) -> None:
    case = await receive(api, intake({"kind": "PERSON", "name": "李某某", "idType": "UNKNOWN"}))
    refused = await disclose(api, case["number"], "", "UNKNOWN")
    assert refused["disclosure"] is None
    assert refused["userErrors"][0]["field"] == ["input", "identityDocumentType"]
    # A passport holder of a case with an unknown respondent is not that respondent either.
    assert (await disclose(api, case["number"], "543210987", "PASSPORT"))["disclosure"]["verified"] is False


async def test_a_foreign_party_is_verified_by_their_passport(api) -> None:
    case = await receive(api, intake({"kind": "PERSON", "name": "John Smith", "idType": "PASSPORT",
                                      "idNumber": "543210987"}))
    found = await disclose(api, case["number"], " 543210987 ", "PASSPORT")
    assert (found["disclosure"]["verified"], found["disclosure"]["verifiedAs"]) == (True, "PARTY")
    malformed = await disclose(api, case["number"], "5432-10987", "PASSPORT")
    assert malformed["userErrors"][0]["field"] == ["input", "identityDocument"]


async def test_the_contact_while_at_the_centre_and_after_transfer(api, workers) -> None:
    # Received, no work held yet: the centre's duty contact (the centre head's office line).
    received = await receive(api)
    at_centre = (await disclose(api, received["number"], APPLICANT_ID))["disclosure"]
    assert at_centre["stage"] in ("RECEIVED", "QUERYING")
    assert at_centre["contact"] == {"name": "李国华", "officePhone": "0766-7512300", "capacity": "CENTER_DUTY",
                                    "capacityLabel": "事务中心负责人"}

    # Queries answered: the centre officer who claimed the analysis is the one to call.
    file = await analysing(api, workers, deposit("50000.00"))
    [item] = await items(api, "center", "ANALYSE_FINDINGS", file["number"])
    claimed = (await api.gql(CLAIM, {"id": item["id"]}, as_="center"))["claimWorkItem"]
    assert claimed["userErrors"] == []
    held = (await disclose(api, file["number"], APPLICANT_ID))["disclosure"]
    assert held["contact"] == {"name": "陈志明", "officePhone": "0766-7512301", "capacity": "CENTER_OFFICER",
                               "capacityLabel": "事务中心承办干警"}
    consult = await window_id(api, "consultation-disclosure")
    judge = (await api.gql(CONTACT_JUDGE, {"input": {
        "windowId": consult, "caseNumber": file["number"], "identityDocument": APPLICANT_ID,
        "note": "想了解冻结情况"}}, as_="consult"))["contactJudge"]
    assert judge["result"] == {"verified": True, "judgeName": "陈志明", "officePhone": "0766-7512301",
                               "capacity": "CENTER_OFFICER"}

    # Controlled and transferred: the team's lead until a handler takes it.
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "50000.00"))
    await api.gql("""mutation($id: ID!) { unclaimWorkItem(input: {id: $id}) { userErrors { message: messageEn } } }""",
                  {"id": item["id"]}, as_="center")
    team_file, _ = await transferred(api, workers, file["number"])
    after = (await disclose(api, file["number"], APPLICANT_ID))["disclosure"]
    async with api.ctx.sessionmaker() as session:
        lead = (await session.execute(
            sa.select(Staff.name, Staff.office_phone)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.name == team_file["team"]["name"], TeamMember.is_lead.is_(True))
        )).one()
    assert after["contact"] == {"name": lead.name, "officePhone": lead.office_phone, "capacity": "TEAM_LEAD",
                                "capacityLabel": "执行实施团队负责人"}


async def test_the_courts_renewal_reminders_are_not_disclosed(api, workers) -> None:
    file = await analysing(api, workers, deposit("50000.00"))
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "50000.00"))
    kinds = [d["kind"] for d in (await detail(api, file["number"]))["deadlines"] if d["status"] == "OPEN"]
    assert "MEASURE_RENEWAL" in kinds and "QUERY_CONTROL" in kinds
    told = (await disclose(api, file["number"], APPLICANT_ID))["disclosure"]
    assert [d["kind"] for d in told["openDeadlines"]] == ["QUERY_CONTROL"]


RESUME = """mutation($input: ResumeExecutionInput!) { applyResumeExecution(input: $input) {
  verified case { number respondents { name idType idNumber } } userErrors { field message: messageEn code } } }"""


async def test_an_agent_counts_as_the_side_they_act_for(api) -> None:
    """Art. 10(4): only the applicant's side applies to resume; the applicant's lawyer may, the
    respondent's may not. The 执恢 case keeps each party's document type."""
    async with api.ctx.sessionmaker() as session, session.begin():  # a 执 case closed by 终本
        closed = Case(
            number="（2023）粤5322执77号", court_code="粤5322", case_type=CaseType.ZHI, year=2023, sequence=77,
            stage=CaseStage.CLOSED, received_on=date(2023, 5, 1), claim_amount=Decimal("80000"),
            title_document_number="（2022）粤5322民初7号", title_kind="JUDGMENT",
            closing_method=ClosingMethod.TERMINATED_CURRENT_PROCEDURE, controlled_total=Decimal(0),
            fully_controlled=False, created_at=api.ctx.clock.now(), version=1,
        )
        session.add(closed)
        await session.flush()
        session.add_all([
            CaseParty(case_id=closed.id, side="APPLICANT", kind=PartyKind.PERSON, name="陈某",
                      id_type="RESIDENT_ID", id_number=APPLICANT_ID, position=0),
            CaseParty(case_id=closed.id, side="RESPONDENT", kind=PartyKind.PERSON, name="John Smith",
                      id_type="PASSPORT", id_number="543210987", position=1),
        ])
    number = "（2023）粤5322执77号"
    await register(api, number, "applicants", kind="LAWYER", name="黄律师", idNumber=LAWYER_ID,
                   lawFirm="广东某律师事务所", licenceNumber=LICENCE)
    await register(api, number, "respondents", kind="LAWYER", name="周律师", idNumber="445322199003150015",
                   lawFirm="广东另一律师事务所", licenceNumber="14453202010654321")
    consult = await window_id(api, "consultation-disclosure")

    async def resume(document: str) -> dict:
        return (await api.gql(RESUME, {"input": {"windowId": consult, "caseNumber": number,
                                                 "identityDocument": document, "reason": "发现新财产线索"}},
                              as_="consult"))["applyResumeExecution"]

    assert (await resume("445322199003150015"))["verified"] is False
    resumed = await resume(LAWYER_ID)
    assert resumed["userErrors"] == [] and resumed["verified"]
    assert resumed["case"]["respondents"] == [{"name": "John Smith", "idType": "PASSPORT", "idNumber": "5*******7"}]


async def test_a_settlement_not_performed_resumes_a_case_closed_by_termination(api) -> None:
    """Item 8: resumption follows the grounds of CPL 2023 art. 241 and 法发〔2014〕26号, as data: a
    case closed 终结执行 on a settlement the respondent then did not perform resumes; the ground
    must fit the closing, and the 执恢 case records it."""
    async with api.ctx.sessionmaker() as session, session.begin():
        closed = Case(
            number="（2023）粤5322执78号", court_code="粤5322", case_type=CaseType.ZHI, year=2023, sequence=78,
            stage=CaseStage.CLOSED, received_on=date(2023, 5, 1), claim_amount=Decimal("80000"),
            title_document_number="（2022）粤5322民初8号", title_kind="JUDGMENT",
            closing_method=ClosingMethod.TERMINATED, controlled_total=Decimal(0),
            fully_controlled=False, created_at=api.ctx.clock.now(), version=1,
        )
        session.add(closed)
        await session.flush()
        session.add(CaseParty(case_id=closed.id, side="APPLICANT", kind=PartyKind.PERSON, name="陈某",
                              id_type="RESIDENT_ID", id_number=APPLICANT_ID, position=0))
    consult = await window_id(api, "consultation-disclosure")

    async def resume(ground: str | None) -> dict:
        data = {"windowId": consult, "caseNumber": "（2023）粤5322执78号", "identityDocument": APPLICANT_ID,
                "reason": "被执行人未按和解协议履行"}
        if ground:
            data["ground"] = ground
        return (await api.gql("""mutation($input: ResumeExecutionInput!) { applyResumeExecution(input: $input) {
          verified case { number resumptionGround } userErrors { field message: messageEn code } } }""",
                              {"input": data}, as_="consult"))["applyResumeExecution"]

    refused = await resume(None)  # PROPERTY_FOUND: for a case closed 终本, not this one
    assert refused["userErrors"][0]["field"] == ["input", "ground"]
    assert "SETTLEMENT_NOT_PERFORMED" in refused["userErrors"][0]["message"]
    resumed = await resume("SETTLEMENT_NOT_PERFORMED")
    assert resumed["userErrors"] == [] and resumed["verified"]
    assert resumed["case"] == {"number": "（2024）粤5322执恢1号", "resumptionGround": "SETTLEMENT_NOT_PERFORMED"}
