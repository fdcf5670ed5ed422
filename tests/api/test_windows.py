"""The offline windows through GraphQL (Arts. 5–11): visits, first contact, materials, verified
disclosure with brute-force protection, judge contact, resumption and petitions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from exec_center.db.models import AuditEvent, Case, DisclosureAttempt, Staff
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.lifecycle import ClosingMethod
from exec_center.services import asset_queries, lifecycle
from exec_center.services.auth import load_viewer
from exec_center.services.cases import receive_case

APPLICANT_ID = "445322198001011236"
RESPONDENT_ID = "91445322MA4ABCDE15"


async def viewer(api, username):
    async with api.ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


async def transferred_case(api) -> Case:
    """A case received, queried, completed and transferred to a team, through the services."""
    ctx = api.ctx
    data = IntakeData(
        received_on=None,
        claim_amount=Decimal("50000"),
        title_document_number="（2023）粤5322民初1号",
        title_kind=TitleKind.JUDGMENT,
        applicants=(PartyData(PartyKind.PERSON, "陈某", APPLICANT_ID, "13800138000"),),
        respondents=(PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", RESPONDENT_ID),),
    )
    case = await receive_case(ctx, await viewer(api, "affairs"), data)
    await asset_queries.dispatch(ctx, case.id)
    await asset_queries.poll(ctx, case_id=case.id)
    await lifecycle.finish_query_control(ctx, await viewer(api, "center"), case.id)
    await lifecycle.transfer(ctx, case.id)
    async with ctx.sessionmaker() as session:
        return await session.get(Case, case.id)


async def window_id(api, code: str) -> str:
    windows = (await api.gql("{ windows { id code } }", as_="affairs"))["windows"]
    return next(w["id"] for w in windows if w["code"] == code)


VISIT = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
  visit { id purpose purposeLabel resolved visitorIdNumber } userErrors { field message: messageEn code } } }"""
DISCLOSE = """mutation($input: VerifiedRequestInput!) { discloseCaseStatus(input: $input) {
  disclosure { verified message caseNumber stage stageLabel handlerName openDeadlines { kind dueOn } }
  userErrors { field message: messageEn code } } }"""


async def test_visits_by_purpose_and_the_day_at_a_glance(api) -> None:
    affairs = await window_id(api, "affairs-handling")
    open_visit = (
        await api.gql(
            VISIT,
            {
                "input": {
                    "windowId": affairs,
                    "visitor": {"name": "张某", "idNumber": "445322198001011236"},
                    "purpose": "FILING",
                    "request": "申请执行立案，材料不全",
                }
            },
            as_="affairs",
        )
    )["recordVisit"]
    assert open_visit["userErrors"] == [] and open_visit["visit"]["resolved"] is False
    done = (
        await api.gql(
            VISIT,
            {
                "input": {
                    "windowId": affairs,
                    "visitor": {"name": "李某"},
                    "purpose": "MATERIALS",
                    "request": "递交补充材料",
                    "outcome": "已收取并出具回执",
                    "resolved": True,
                }
            },
            as_="affairs",
        )
    )["recordVisit"]
    assert done["userErrors"] == []
    refused = (
        await api.gql(
            VISIT,
            {
                "input": {
                    "windowId": affairs,
                    "visitor": {"name": "王某"},
                    "purpose": "JUDGE_CONTACT",
                    "request": "找法官",
                }
            },
            as_="affairs",
        )
    )["recordVisit"]
    assert refused["userErrors"][0]["field"] == ["input", "purpose"]
    assert "FILING" in refused["userErrors"][0]["message"]  # names what the window serves
    elsewhere = (
        await api.gql(
            VISIT,
            {
                "input": {
                    "windowId": affairs,
                    "visitor": {"name": "王某"},
                    "purpose": "FILING",
                    "request": "x",
                }
            },
            as_="consult",
        )
    )["recordVisit"]
    assert elsewhere["userErrors"][0]["code"] == "FORBIDDEN"

    day = (
        await api.gql(
            """query($w: ID!) { windowDay(windowId: $w) { visits openVisits openWorkItems
        byPurpose { purpose count } } }""",
            {"w": affairs},
            as_="affairs",
        )
    )["windowDay"]
    assert day == {
        "visits": 2,
        "openVisits": 1,
        "openWorkItems": 1,
        "byPurpose": [{"purpose": "FILING", "count": 1}, {"purpose": "MATERIALS", "count": 1}],
    }
    windows = (await api.op("Windows", as_="affairs"))["windows"]
    by_code = {w["code"]: w for w in windows}
    assert by_code["affairs-handling"]["worklist"]["totalCount"] == 1
    assert by_code["affairs-handling"]["worklist"]["edges"][0]["node"]["kind"] == "VISIT"
    # Visitor ID numbers are masked for those who do not staff the window.
    visits = (
        await api.gql(
            "query($w: ID!) { visits(windowId: $w) { visitorName visitorIdNumber } }",
            {"w": affairs},
            as_="chief",
        )
    )["visits"]
    assert {"visitorName": "张某", "visitorIdNumber": "445322********1236"} in visits


async def test_first_contact_stays_on_the_worklist_until_closed(api) -> None:
    affairs = await window_id(api, "affairs-handling")
    created = (
        await api.gql(
            """mutation($w: ID!) { recordFirstContact(input: {windowId: $w, applicantName: "赵某",
        reason: TITLE_NOT_EFFECTIVE, legalBasis: "民事诉讼法第二百四十三条", told: "判决尚在上诉期内，待生效后再申请执行"}) {
        firstContact { id status reasonLabel } userErrors { field message: messageEn } } }""",
            {"w": affairs},
            as_="affairs",
        )
    )["recordFirstContact"]
    assert (
        created["firstContact"]["status"] == "OPEN"
        and created["firstContact"]["reasonLabel"] == "执行依据尚未生效"
    )
    worklist = await api.gql("{ worklist(filter: {kind: [FIRST_CONTACT]}) { totalCount } }", as_="affairs")
    assert worklist["worklist"]["totalCount"] == 1
    consult_window = await window_id(api, "consultation-disclosure")
    wrong = (
        await api.gql(
            """mutation($w: ID!) { recordFirstContact(input: {windowId: $w, applicantName: "x",
        reason: OTHER, legalBasis: "x", told: "x"}) { userErrors { field message: messageEn } } }""",
            {"w": consult_window},
            as_="consult",
        )
    )["recordFirstContact"]
    assert wrong["userErrors"][0]["field"] == ["input", "windowId"]
    closed = (
        await api.gql(
            """mutation($id: ID!) { closeFirstContact(input: {id: $id, note: "申请人已知悉，自行离开"}) {
        firstContact { status closingNote } userErrors { message: messageEn } } }""",
            {"id": created["firstContact"]["id"]},
            as_="affairs",
        )
    )["closeFirstContact"]
    assert closed["firstContact"]["status"] == "CLOSED"
    assert (await api.gql("{ worklist(filter: {kind: [FIRST_CONTACT]}) { totalCount } }", as_="affairs"))[
        "worklist"
    ]["totalCount"] == 0


async def test_materials_receipt_and_transfer_visible_from_the_case(api) -> None:
    case = await transferred_case(api)
    affairs = await window_id(api, "affairs-handling")
    receipt = (
        await api.gql(
            """mutation($input: ReceiveMaterialsInput!) { receiveMaterials(input: $input) {
        receipt { id number items { name copies } holder { username } } userErrors { field message: messageEn } } }""",
            {
                "input": {
                    "windowId": affairs,
                    "submittedBy": "陈某",
                    "caseNumber": case.number,
                    "items": [{"name": "财产线索材料", "copies": 2}, {"name": "身份证复印件"}],
                }
            },
            as_="affairs",
        )
    )["receiveMaterials"]
    assert receipt["userErrors"] == []
    assert receipt["receipt"]["number"] == "（2024）粤5322材收1号"
    assert receipt["receipt"]["items"] == [
        {"name": "财产线索材料", "copies": 2},
        {"name": "身份证复印件", "copies": 1},
    ]
    handed = (
        await api.gql(
            """mutation($r: ID!, $to: ID!) { transferMaterials(input: {receiptId: $r, toStaffId: $to,
        note: "转承办团队"}) { receipt { holder { username } transfers { toStaff { username } } } userErrors { message: messageEn } } }""",
            {"r": receipt["receipt"]["id"], "to": await api.id_of("impl1-lead")},
            as_="affairs",
        )
    )["transferMaterials"]
    assert handed["receipt"]["holder"] == {"username": "impl1-lead"}
    again = (
        await api.gql(
            """mutation($r: ID!, $to: ID!) { transferMaterials(input: {receiptId: $r, toStaffId: $to})
        { userErrors { code } } }""",
            {"r": receipt["receipt"]["id"], "to": await api.id_of("impl2")},
            as_="affairs",
        )
    )["transferMaterials"]
    assert again["userErrors"][0]["code"] == "FORBIDDEN"  # only the holder hands them on
    from_case = (
        await api.gql(
            "query($n: String!) { materialsReceipts(caseNumber: $n) { number holder { username } } }",
            {"n": case.number},
            as_="center",
        )
    )["materialsReceipts"]
    assert from_case == [{"number": "（2024）粤5322材收1号", "holder": {"username": "impl1-lead"}}]
    in_file = (await api.gql("query($n: String!) { case(number: $n) { materials { number transfers { toStaff { username } } } } }",
                             {"n": case.number}, as_="center"))["case"]["materials"]
    assert in_file == [{"number": "（2024）粤5322材收1号", "transfers": [{"toStaff": {"username": "impl1-lead"}}]}]


async def test_verified_disclosure_and_the_brute_force_guard(api, clock) -> None:
    case = await transferred_case(api)
    consult = await window_id(api, "consultation-disclosure")
    ok = (
        await api.gql(
            DISCLOSE,
            {"input": {"windowId": consult, "caseNumber": case.number, "identityDocument": APPLICANT_ID}},
            as_="consult",
        )
    )["discloseCaseStatus"]
    assert ok["userErrors"] == []
    assert ok["disclosure"]["verified"] and ok["disclosure"]["stage"] == "TRANSFERRED"
    assert ok["disclosure"]["caseNumber"] == case.number
    wrong_person = "445322199003150015"
    no = (
        await api.gql(
            DISCLOSE,
            {"input": {"windowId": consult, "caseNumber": case.number, "identityDocument": wrong_person}},
            as_="consult",
        )
    )["discloseCaseStatus"]
    assert no["disclosure"] == {
        "verified": False,
        "message": "not verified",
        "caseNumber": None,
        "stage": None,
        "stageLabel": None,
        "handlerName": None,
        "openDeadlines": [],
    }
    partial = await api.gql(
        DISCLOSE,
        {"input": {"windowId": consult, "caseNumber": case.number, "identityDocument": "44532219800101"}},
        as_="consult",
    )
    assert partial["discloseCaseStatus"]["userErrors"][0]["field"] == ["input", "identityDocument"]
    async with api.ctx.sessionmaker() as session:
        attempts = (
            await session.scalars(sa.select(DisclosureAttempt.verified).order_by(DisclosureAttempt.id))
        ).all()
        audited = await session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "VERIFY_PARTY")
        )
    assert attempts == [True, False] and audited == 2  # the malformed one changed nothing

    async def disclose(document: str) -> dict:
        return (await api.gql(
            DISCLOSE,
            {"input": {"windowId": consult, "caseNumber": case.number, "identityDocument": document}},
            as_="consult",
        ))["discloseCaseStatus"]

    for _ in range(2):  # three failures in all
        clock.advance(seconds=1)
        await disclose(wrong_person)
    clock.advance(seconds=5)
    slowed = await disclose(wrong_person)
    assert slowed["userErrors"][0]["code"] == "RATE_LIMITED"
    assert "wait" in slowed["userErrors"][0]["message"]
    assert 0 < slowed["userErrors"][0].get("retryAfterSeconds", 25) <= 30
    # Issue 13: one visitor's mistakes hold up nobody else - the applicant is verified at once.
    assert (await disclose(APPLICANT_ID))["disclosure"]["verified"]
    for _ in range(2):  # after the pause two more failures: five in all
        clock.advance(seconds=31)
        await disclose(wrong_person)
    clock.advance(seconds=60)
    blocked = await disclose(wrong_person)
    assert blocked["userErrors"][0]["code"] == "RATE_LIMITED"
    assert "refused until" in blocked["userErrors"][0]["message"]
    assert (await disclose(APPLICANT_ID))["disclosure"]["verified"]
    # Guessing documents against one case is stopped for everyone at ten failures.
    for other_visitor in ['445322199001011011', '445322199001021017', '445322199001031012', '445322199001041018', '445322199001051013']:
        clock.advance(seconds=1)
        assert (await disclose(other_visitor))["disclosure"]["verified"] is False
    clock.advance(seconds=1)
    refused = await disclose(APPLICANT_ID)
    assert refused["userErrors"][0]["code"] == "RATE_LIMITED"
    assert "for this case" in refused["userErrors"][0]["message"]
    clock.advance(minutes=16)
    assert (await disclose(APPLICANT_ID))["disclosure"]["verified"]


async def test_judge_contact_gives_the_office_phone_and_tells_the_handler(api) -> None:
    case = await transferred_case(api)
    consult = await window_id(api, "consultation-disclosure")
    result = (
        await api.gql(
            """mutation($input: ContactJudgeInput!) { contactJudge(input: $input) {
        result { verified message judgeName officePhone } userErrors { field message: messageEn } } }""",
            {
                "input": {
                    "windowId": consult,
                    "caseNumber": case.number,
                    "identityDocument": RESPONDENT_ID,
                    "note": "愿意协商分期履行",
                }
            },
            as_="consult",
        )
    )["contactJudge"]
    assert result["result"]["verified"]
    async with api.ctx.sessionmaker() as session:
        judge = await session.scalar(sa.select(Staff).where(Staff.name == result["result"]["judgeName"]))
    assert result["result"]["officePhone"] == judge.office_phone and judge.office_phone.startswith("0766-")
    notes = await api.gql("{ notifications { edges { node { kind body } } } }", as_=judge.username)
    assert notes["notifications"]["edges"][0]["node"]["kind"] == "PARTY_ASKED_FOR_JUDGE"
    assert "愿意协商分期履行" in notes["notifications"]["edges"][0]["node"]["body"]


async def test_resumption_opens_a_linked_zhi_hui_case(api) -> None:
    case = await transferred_case(api)
    consult = await window_id(api, "consultation-disclosure")
    resume = """mutation($input: ResumeExecutionInput!) { applyResumeExecution(input: $input) {
        verified case { number type stage relatedCases { number } } userErrors { field message: messageEn code } } }"""
    refused = (
        await api.gql(
            resume,
            {
                "input": {
                    "windowId": consult,
                    "caseNumber": case.number,
                    "identityDocument": APPLICANT_ID,
                    "reason": "发现新财产线索",
                }
            },
            as_="consult",
        )
    )["applyResumeExecution"]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"  # a 执保 case is not resumed
    async with api.ctx.sessionmaker() as session, session.begin():  # a 执 case closed by 终本
        closed = Case(
            number="（2023）粤5322执88号",
            court_code="粤5322",
            case_type=case.case_type.__class__("ZHI"),
            year=2023,
            sequence=88,
            stage=case.stage.__class__("CLOSED"),
            received_on=date(2023, 5, 1),
            claim_amount=Decimal("80000"),
            title_document_number="（2022）粤5322民初9号",
            title_kind="JUDGMENT",
            team_id=case.team_id,
            closing_method=ClosingMethod.TERMINATED_CURRENT_PROCEDURE,
            controlled_total=Decimal(0),
            fully_controlled=False,
            created_at=api.ctx.clock.now(),
            version=1,
        )
        session.add(closed)
        await session.flush()
        from exec_center.db.models import CaseParty

        session.add(
            CaseParty(
                case_id=closed.id,
                side="APPLICANT",
                kind=PartyKind.PERSON,
                name="陈某",
                id_type="RESIDENT_ID",
                id_number=APPLICANT_ID,
                position=0,
            )
        )
    not_applicant = (
        await api.gql(
            resume,
            {
                "input": {
                    "windowId": consult,
                    "caseNumber": "（2023）粤5322执88号",
                    "identityDocument": "445322199003150015",
                    "reason": "线索",
                }
            },
            as_="consult",
        )
    )["applyResumeExecution"]
    assert not_applicant["verified"] is False and not_applicant["case"] is None
    resumed = (
        await api.gql(
            resume,
            {
                "input": {
                    "windowId": consult,
                    "caseNumber": "（2023）粤5322执88号",
                    "identityDocument": APPLICANT_ID,
                    "reason": "发现被执行人新购车辆",
                }
            },
            as_="consult",
        )
    )["applyResumeExecution"]
    assert resumed["userErrors"] == [] and resumed["verified"]
    assert resumed["case"]["number"] == "（2024）粤5322执恢1号" and resumed["case"]["type"] == "ZHI_HUI"
    assert resumed["case"]["relatedCases"] == [{"number": "（2023）粤5322执88号"}]


async def test_a_petition_lands_with_the_team_lead_and_the_centre_head(api) -> None:
    case = await transferred_case(api)
    consult = await window_id(api, "consultation-disclosure")
    petition = (
        await api.gql(
            """mutation($input: RecordPetitionInput!) { recordPetition(input: $input) {
        petition { id status } userErrors { message: messageEn } } }""",
            {
                "input": {
                    "windowId": consult,
                    "petitionerName": "陈某",
                    "caseNumber": case.number,
                    "content": "反映执行进度缓慢",
                }
            },
            as_="consult",
        )
    )["recordPetition"]
    assert petition["petition"]["status"] == "OPEN"
    async with api.ctx.sessionmaker() as session:
        team_code = await session.scalar(
            sa.text("SELECT code FROM teams WHERE id = :id"), {"id": case.team_id}
        )
    lead = {"impl-1": "impl1-lead"}.get(team_code)
    head = await api.gql("{ worklist(filter: {kind: [PETITION]}) { totalCount } }", as_="center-head")
    assert head["worklist"]["totalCount"] == 1
    if lead:
        assert (await api.gql("{ worklist(filter: {kind: [PETITION]}) { totalCount } }", as_=lead))[
            "worklist"
        ]["totalCount"] >= 1
