"""The ways a preservation case can go after its query-and-control, through GraphQL with the
workers running: the three conversion paths of Art. 20, the tax-bureau letter of Art. 19, the
adjudication applications of Art. 9 and the transfer strategies of Art. 17.

Dates: the clock stands at Thursday 2024-02-08, the eve of the 2024 Spring Festival holiday
(10–17 February off, Sundays 4 and 18 February make-up working days)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from exec_center.api.ids import pk_of
from exec_center.integrations.asset_query import (
    QUERIED_CATEGORIES,
    AssetFindingData,
    SimulatedAssetQueryProvider,
    StaticAssetQueryProvider,
    simulate_findings,
)
from exec_center.services import asset_queries

from .test_case_lifecycle import COMPLETE, RECEIVE_VARIABLES, case_file, items, receive, take_and_complete

CLAIM = Decimal("125000.00")
ZHI_1 = "（2024）粤5322执1号"
MEMBER = {"执行实施一团队": "impl1", "执行实施二团队": "impl2", "执行实施三团队": "impl3"}

DETAIL = """query($n: String!) { case(number: $n) {
  id number type stage allowedSteps { step allowed } controlledTotal fullyControlled mediationOutcome closingMethod township
  team { name } handler { username }
  deadlines { kind variant startsOn dueOn status }
  findings { id category value disposable firstSeal }
  controlMeasures { measure amount expiresOn }
  documents { kind title }
  records { kind outcome note }
  relatedCases { number type stage }
  adjudicationApplications { kind status decisionNote }
} }"""

DECIDE = """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
  case { stage controlledTotal fullyControlled controlMeasures { measure amount } }
  userErrors { field message: messageEn code } } }"""

CONVERT = """mutation($id: ID!) { convertCase(input: {caseId: $id}) {
  case { id number type stage } preservationCase { number stage }
  userErrors { field message: messageEn code } } }"""

START_MEDIATION = """mutation($id: ID!) { startMediation(input: {caseId: $id, note: "传唤双方到庭调解"}) {
  case { stage } userErrors { field message: messageEn code } } }"""

SEND_TAX_LETTER = """mutation($input: SendTaxLetterInput!) { sendTaxLetter(input: $input) {
  case { stage documents { kind title } } userErrors { field message: messageEn code } } }"""

FILE_APPLICATION = """mutation($input: FileAdjudicationApplicationInput!) {
  fileAdjudicationApplication(input: $input) {
    application { kind status }
    case { number stage relatedCases { number type stage } }
    userErrors { field message: messageEn code } } }"""

RECORD_FINDINGS = """mutation($input: RecordAssetFindingsInput!) { recordAssetFindings(input: $input) {
  case { stage } userErrors { field message: messageEn code } } }"""

SET_STRATEGY = """mutation($input: SetTransferStrategyInput!) { setTransferStrategy(input: $input) {
  strategy userErrors { field message: messageEn code } } }"""


# --- helpers -------------------------------------------------------------------------------


def deposit(value: str, tail: str = "1234") -> AssetFindingData:
    return AssetFindingData(category="BANK_DEPOSIT", institution="中国工商银行郁南支行",
                            description=f"活期存款账户（尾号{tail}）", value=Decimal(value),
                            encumbrances=None, first_seal=True, disposable=False)


def first_sealed_house() -> AssetFindingData:
    return AssetFindingData(category="REAL_ESTATE", institution="郁南县不动产登记中心",
                            description="都城镇建设路12号住宅楼301房", value=Decimal("680000.00"),
                            encumbrances=None, first_seal=True, disposable=True)


def answer_with(*findings: AssetFindingData) -> StaticAssetQueryProvider:
    """The query system answers exactly these findings (nothing in the other categories)."""
    by_category: dict[str, list[AssetFindingData]] = {}
    for finding in findings:
        by_category.setdefault(finding.category, []).append(finding)
    provider = StaticAssetQueryProvider(by_category)
    asset_queries.set_provider(provider)
    return provider


async def detail(api, number: str, as_: str = "center") -> dict:
    return (await api.gql(DETAIL, {"n": number}, as_=as_))["case"]


async def analysing(api, workers, *findings: AssetFindingData, **intake) -> dict:
    """Receive a case whose queries answer `findings`; returns its file once in ANALYSING."""
    answer_with(*findings)
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"].update(intake)
    case = await receive(api, variables)
    await workers.drain()
    file = await detail(api, case["number"])
    assert file["stage"] == "ANALYSING"
    return file


def finding(file: dict, category: str) -> dict:
    [found] = [f for f in file["findings"] if f["category"] == category]
    return found


async def control(api, file: dict, *measures: tuple[str, str, str]) -> dict:
    """Take measures (finding category, measure, amount) as the centre; returns the case."""
    payload = (await api.gql(DECIDE, {"input": {"caseId": file["id"], "measures": [
        {"findingId": finding(file, category)["id"], "measure": measure, "amount": amount}
        for category, measure, amount in measures]}}, as_="center"))["decideControlMeasures"]
    assert payload["userErrors"] == [], payload
    return payload["case"]


async def transferred(api, workers, number: str) -> tuple[dict, str]:
    """Complete query-and-control as the centre; the transfer job moves the case to a team."""
    await take_and_complete(api, "center", "ANALYSE_FINDINGS", number, "QUERY_CONTROL_COMPLETED")
    await workers.drain()
    file = await detail(api, number)
    assert file["stage"] == "TRANSFERRED" and file["team"] is not None
    return file, MEMBER[file["team"]["name"]]


async def mediate(api, file: dict, member: str, outcome: str) -> None:
    """The team investigates (its member becomes the handler), summons and records the outcome."""
    await take_and_complete(api, member, "INVESTIGATE", file["number"], "INVESTIGATED", "走访被执行人住所")
    started = (await api.gql(START_MEDIATION, {"id": file["id"]}, as_=member))["startMediation"]
    assert started == {"case": {"stage": "MEDIATING"}, "userErrors": []}
    [item] = await items(api, member, "MEDIATE", file["number"])
    assert item["status"] == "CLAIMED" and item["assignee"] is not None  # the handler holds it
    done = (await api.gql(COMPLETE, {"input": {"id": item["id"], "outcome": outcome, "note": "调解笔录"}},
                          as_=member))["completeWorkItem"]
    assert done["userErrors"] == [] and done["case"]["stage"] == "MEDIATING"


def pk(global_id: str) -> int:
    return pk_of(global_id, "Case", "caseId")


def deadline(file: dict, kind: str) -> dict:
    [found] = [d for d in file["deadlines"] if d["kind"] == kind]
    return found


# --- Art. 20: the three conversion paths ----------------------------------------------------


@pytest.mark.parametrize(("outcome", "frozen"), [
    ("SETTLED", "1000.00"),       # settled although control is far from full
    ("PERFORMED", "125000.00"),   # performed: wins over full control
])
async def test_settled_or_performed_converts_to_fast_close_settled(api, workers, outcome, frozen) -> None:
    file = await analysing(api, workers, deposit(frozen))
    number = file["number"]
    controlled = await control(api, file, ("BANK_DEPOSIT", "FREEZE", frozen))
    assert controlled["fullyControlled"] is (Decimal(frozen) >= CLAIM)
    file, member = await transferred(api, workers, number)
    await mediate(api, file, member, outcome)
    assert (await detail(api, number))["mediationOutcome"] == outcome

    # The mediation outcome puts the conversion on the Affairs Handling post's worklist (Art. 9).
    [convert] = await items(api, "affairs", "CONVERT", number)
    assert convert["candidateRole"] == "AFFAIRS_CLERK" and convert["dueOn"] is None
    done = await take_and_complete(api, "affairs", "CONVERT", number, "CONVERTED")
    assert done["case"]["stage"] == "CONVERTED"

    zhi = await detail(api, ZHI_1)
    assert (zhi["type"], zhi["stage"], zhi["mediationOutcome"]) == ("ZHI", "FAST_CLOSING", outcome)
    assert zhi["team"] == file["team"] and zhi["handler"] == {"username": member}
    fast = deadline(zhi, "FAST_CLOSE_SETTLED")
    # Art. 20(1): 3 working days from filing on Thu 8 Feb: Fri 9, Sun 18 (make-up), Mon 19.
    assert (fast["startsOn"], fast["dueOn"], fast["status"]) == ("2024-02-08", "2024-02-19", "OPEN")
    assert [d["kind"] for d in zhi["deadlines"]].count("FAST_CLOSE_FULLY_CONTROLLED") == 0
    [item] = await items(api, "center", "FAST_CLOSE", ZHI_1)
    assert item["dueOn"] == "2024-02-19" and item["candidateRole"] == "CENTER_OFFICER"

    # Linked both ways; the preservation case waits for archiving into the 执 case's file.
    assert [(c["number"], c["type"]) for c in zhi["relatedCases"]] == [(number, "ZHI_BAO")]
    origin = await detail(api, number)
    assert origin["stage"] == "CONVERTED" and [c["number"] for c in origin["relatedCases"]] == [ZHI_1]
    assert await items(api, member, None, number) == []  # the team's work on the 执保 case ended
    [archive] = await items(api, "center", "ARCHIVE", number)
    assert archive["case"]["number"] == number


async def test_fully_controlled_converts_to_fast_close_fully_controlled(api, workers) -> None:
    file = await analysing(api, workers, deposit("125000.00"))
    number = file["number"]
    controlled = await control(api, file, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    assert (controlled["controlledTotal"], controlled["fullyControlled"]) == ("125000.00", True)
    file, _ = await transferred(api, workers, number)

    # No mediation: the Affairs Handling post converts at once (Art. 9).
    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == []
    assert converted["case"] | {"id": None} == {"id": None, "number": ZHI_1, "type": "ZHI",
                                                 "stage": "FAST_CLOSING"}
    assert converted["preservationCase"] == {"number": number, "stage": "CONVERTED"}

    zhi = await detail(api, ZHI_1)
    assert (zhi["controlledTotal"], zhi["fullyControlled"]) == ("125000.00", True)
    fast = deadline(zhi, "FAST_CLOSE_FULLY_CONTROLLED")
    # Art. 20(2): 15 working days from Thu 8 Feb, counting Sun 18 Feb and skipping 10–17 Feb.
    assert (fast["startsOn"], fast["dueOn"]) == ("2024-02-08", "2024-03-06")
    assert [d["kind"] for d in zhi["deadlines"]].count("FAST_CLOSE_SETTLED") == 0
    renewal = deadline(zhi, "MEASURE_RENEWAL")  # the freeze's renewal follows it to the 执 case
    assert (renewal["variant"], renewal["dueOn"], renewal["status"]) == ("BANK_DEPOSIT", "2025-02-07", "OPEN")
    assert [d["kind"] for d in (await detail(api, number))["deadlines"]] == ["QUERY_CONTROL"]
    [item] = await items(api, "center", "FAST_CLOSE", ZHI_1)
    assert item["dueOn"] == "2024-03-06"

    # The centre deducts the frozen funds: the deduction takes the freeze's place, so the
    # controlled total stays the claim and is not counted twice.
    deducted = (await api.gql(DECIDE, {"input": {"caseId": zhi["id"], "measures": [
        {"findingId": finding(zhi, "BANK_DEPOSIT")["id"], "measure": "DEDUCT", "amount": "125000.00"}]}},
        as_="center"))["decideControlMeasures"]
    assert deducted["userErrors"] == [], deducted
    assert deducted["case"]["stage"] == "FAST_CLOSING"
    assert (deducted["case"]["controlledTotal"], deducted["case"]["fullyControlled"]) == ("125000.00", True)
    assert sorted(m["measure"] for m in deducted["case"]["controlMeasures"]) == ["DEDUCT", "FREEZE"]
    # Deducted funds are no longer frozen: nothing is left to renew.
    assert deadline(await detail(api, ZHI_1), "MEASURE_RENEWAL")["status"] == "CANCELLED"

    closed = await take_and_complete(api, "center", "FAST_CLOSE", ZHI_1, "FULLY_EXECUTED")
    assert closed["case"]["stage"] == "CLOSED"
    zhi = await detail(api, ZHI_1)
    assert zhi["closingMethod"] == "FULLY_EXECUTED"
    assert deadline(zhi, "FAST_CLOSE_FULLY_CONTROLLED")["status"] == "MET"

    # Art. 21: archive both; the 执 case's file then holds the preservation case's ruling.
    await take_and_complete(api, "center", "ARCHIVE", number, "ARCHIVED")
    await take_and_complete(api, "center", "ARCHIVE", ZHI_1, "ARCHIVED")
    zhi = await detail(api, ZHI_1)
    assert zhi["stage"] == "ARCHIVED" and zhi["allowedSteps"] == []
    assert [d["kind"] for d in zhi["documents"]] == ["QUERY_CONTROL_RULING"]


async def test_failed_mediation_without_full_control_converts_to_enforcing(api, workers) -> None:
    file = await analysing(api, workers, deposit("3000.00"))
    number = file["number"]
    controlled = await control(api, file, ("BANK_DEPOSIT", "FREEZE", "3000.00"))
    assert (controlled["controlledTotal"], controlled["fullyControlled"]) == ("3000.00", False)
    file, member = await transferred(api, workers, number)
    await mediate(api, file, member, "FAILED")

    done = await take_and_complete(api, "affairs", "CONVERT", number, "CONVERTED")
    assert done["case"]["stage"] == "CONVERTED"
    zhi = await detail(api, ZHI_1)
    assert (zhi["type"], zhi["stage"]) == ("ZHI", "ENFORCING")
    # Art. 20(3): compulsory execution by law, no fast-closing deadline.
    assert {d["kind"] for d in zhi["deadlines"]} == {"MEASURE_RENEWAL"}
    assert await items(api, "center", "FAST_CLOSE", ZHI_1) == []
    [enforce] = await items(api, member, "ENFORCE", ZHI_1)
    assert enforce["team"]["name"] == file["team"]["name"]
    assert enforce["status"] == "CLAIMED" and enforce["candidateRole"] == "IMPLEMENTATION_OFFICER"
    other = next(u for u in MEMBER.values() if u != member)
    assert await items(api, other, "ENFORCE", ZHI_1) == []

    # A 执 case closes with an implementation method only.
    refused = (await api.gql(COMPLETE, {"input": {"id": enforce["id"], "outcome": "START_ENFORCEMENT"}},
                             as_=member))["completeWorkItem"]
    assert refused["userErrors"][0]["field"] == ["input", "outcome"]
    # 终本 on the day of filing is refused (法〔2016〕373号 art. 1; see test_legal_exactness).
    refused = (await api.gql(COMPLETE, {"input": {"id": enforce["id"], "outcome": "TERMINATED_CURRENT_PROCEDURE",
                                                   "note": "无可供执行财产"}}, as_=member))["completeWorkItem"]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"
    done = (await api.gql(COMPLETE, {"input": {"id": enforce["id"], "outcome": "TERMINATED",
                                                "note": "申请执行人撤销申请"}}, as_=member))["completeWorkItem"]
    assert done["userErrors"] == [] and done["case"]["stage"] == "CLOSED"
    assert (await detail(api, ZHI_1))["closingMethod"] == "TERMINATED"
    [archive] = await items(api, "center", "ARCHIVE", ZHI_1)
    assert archive["status"] == "OPEN"


async def test_completing_query_control_late_misses_the_time_limit(api, workers, clock) -> None:
    file = await analysing(api, workers, deposit("500.00"))
    assert deadline(file, "QUERY_CONTROL")["dueOn"] == "2024-02-21"
    clock.advance(days=14)  # Thu 22 Feb: one working day late
    file, _ = await transferred(api, workers, file["number"])
    assert deadline(file, "QUERY_CONTROL")["status"] == "MISSED"


async def test_completing_query_control_in_time_meets_it(api, workers, clock) -> None:
    file = await analysing(api, workers, deposit("500.00"))
    clock.advance(days=13)  # Wed 21 Feb, the last day
    file, _ = await transferred(api, workers, file["number"])
    assert deadline(file, "QUERY_CONTROL")["status"] == "MET"


async def test_a_transfer_delivered_again_changes_nothing(api, workers) -> None:
    from exec_center.jobs.broker import current_broker

    file = await analysing(api, workers, deposit("500.00"))
    file, member = await transferred(api, workers, file["number"])
    for _ in range(2):
        current_broker().get_actor("transfer_case").send(pk(file["id"]))
    await workers.drain()
    again = await detail(api, file["number"])
    assert (again["stage"], again["team"]) == ("TRANSFERRED", file["team"])
    assert len(await items(api, member, "INVESTIGATE", file["number"])) == 1


async def test_findings_entered_by_hand_start_the_analysis(api, ctx, clock) -> None:
    # The query system is slow: its answers come after two hours.
    provider = SimulatedAssetQueryProvider(clock, delay_seconds=7200, failure_rate=0, timeout_rate=0)
    asset_queries.set_provider(provider)
    ctx.publish_after_commit = False  # the pipeline is driven by hand below
    case = await receive(api)
    await asset_queries.dispatch(ctx, pk(case["id"]))
    assert (await asset_queries.poll(ctx)).pending == 8
    assert (await detail(api, case["number"]))["stage"] == "QUERYING"

    recorded = (await api.gql(RECORD_FINDINGS, {"input": {"caseId": case["id"], "findings": [
        {"category": "VEHICLE", "institution": "云浮市公安局交通警察支队车辆管理所", "description": "粤W·3K521 小型轿车",
         "value": "68000.00", "disposable": True}]}}, as_="center"))["recordAssetFindings"]
    assert recorded == {"case": {"stage": "ANALYSING"}, "userErrors": []}
    [analyse] = await items(api, "center", "ANALYSE_FINDINGS", case["number"])
    assert analyse["dueOn"] == "2024-02-21"

    # The answers still come in and join the file; the analysis is not started twice.
    clock.advance(hours=3)
    await asset_queries.poll(ctx)
    file = await detail(api, case["number"])
    assert file["stage"] == "ANALYSING"
    assert len(file["findings"]) == 1 + sum(len(simulate_findings(case["number"], c)) for c in QUERIED_CATEGORIES)
    assert len(await items(api, "center", "ANALYSE_FINDINGS", case["number"])) == 1


# --- Art. 19: disposable real estate and the tax-bureau letter --------------------------------


async def test_first_sealed_real_estate_goes_through_the_tax_letter(api, workers) -> None:
    file = await analysing(api, workers, first_sealed_house(), deposit("2000.00"))
    number = file["number"]
    house = finding(file, "REAL_ESTATE")
    assert (house["category"], house["disposable"], house["firstSeal"]) == ("REAL_ESTATE", True, True)
    await control(api, file, ("REAL_ESTATE", "SEAL", "100000.00"))

    file, member = await transferred(api, workers, number)
    # On transfer: the pre-disposal list and an investigation item for the team.
    assert [d["kind"] for d in file["documents"]] == ["QUERY_CONTROL_RULING", "PRE_DISPOSAL_LIST"]
    [disposable] = await items(api, member, "INVESTIGATE_DISPOSABLE", number)
    assert disposable["team"]["name"] == file["team"]["name"] and disposable["priority"] == 2
    assert len(await items(api, member, "INVESTIGATE", number)) == 1

    letter = (await api.gql(SEND_TAX_LETTER, {"input": {"caseId": file["id"], "findingIds": [house["id"]]}},
                            as_=member))["sendTaxLetter"]
    assert letter["userErrors"] == [], letter
    assert letter["case"]["stage"] == "TRANSFERRED"
    assert [d["kind"] for d in letter["case"]["documents"]][-1] == "BENCHMARK_PRICE_LETTER"
    [serve] = await items(api, member, "TAX_LETTER", number)
    assert serve["status"] == "CLAIMED"  # the sender serves it
    assert await items(api, "affairs", "CONVERT", number) == []

    done = (await api.gql(COMPLETE, {"input": {"id": serve["id"], "outcome": "LETTER_SERVED",
                                                "note": "基准价已送达双方当事人"}}, as_=member))["completeWorkItem"]
    assert done["userErrors"] == [] and done["case"]["stage"] == "TRANSFERRED"
    file = await detail(api, number)
    transfer = deadline(file, "TRANSFER_FOR_FILING")
    # 3 calendar days from Thu 8 Feb end on Sun 11 Feb, a holiday: the period runs to the next
    # working day, Sun 18 Feb (a make-up working day).
    assert (transfer["startsOn"], transfer["dueOn"], transfer["status"]) == ("2024-02-08", "2024-02-18", "OPEN")
    assert [r["kind"] for r in file["records"]][-1] == "TAX_LETTER_SERVICE"
    [convert] = await items(api, "affairs", "CONVERT", number)
    assert convert["dueOn"] == "2024-02-18"

    await take_and_complete(api, "affairs", "CONVERT", number, "CONVERTED")
    file = await detail(api, number)
    assert deadline(file, "TRANSFER_FOR_FILING")["status"] == "MET"
    zhi = await detail(api, ZHI_1)
    assert (zhi["stage"], zhi["fullyControlled"]) == ("ENFORCING", False)
    assert {d["kind"] for d in zhi["documents"]} == {"QUERY_CONTROL_RULING", "PRE_DISPOSAL_LIST",
                                                     "BENCHMARK_PRICE_LETTER"}


async def test_no_pre_disposal_list_without_disposable_property(api, workers) -> None:
    file = await analysing(api, workers, deposit("9000.00"))
    file, member = await transferred(api, workers, file["number"])
    assert [d["kind"] for d in file["documents"]] == ["QUERY_CONTROL_RULING"]
    assert await items(api, member, "INVESTIGATE_DISPOSABLE", file["number"]) == []


# --- Art. 9: adjudication applications -------------------------------------------------------


async def file_application(api, case_id: str, kind: str, as_: str = "affairs") -> dict:
    payload = (await api.gql(FILE_APPLICATION, {"input": {
        "caseId": case_id, "kind": kind, "applicantName": "郁南县某建材有限公司",
        "summary": "被执行人对查封提出异议"}}, as_=as_))["fileAdjudicationApplication"]
    assert payload["userErrors"] == [], payload
    return payload


async def test_adjudication_applications_get_their_numbers_and_are_decided_by_the_team(api, workers) -> None:
    case = await analysing(api, workers, deposit("800.00"))
    number = case["number"]

    objection = await file_application(api, case["id"], "OBJECTION")
    assert objection["application"] == {"kind": "OBJECTION", "status": "PENDING"}
    assert objection["case"]["stage"] == "ANALYSING"  # the case itself does not move
    assert objection["case"]["relatedCases"] == [
        {"number": "（2024）粤5322执异1号", "type": "ZHI_YI", "stage": "RECEIVED"}]
    # A reconsideration of the preservation ruling is decided within the 执保 case (CPL 2023
    # art. 111; 民诉法解释 art. 171): no 执复 number, which is the higher court's.
    review = await file_application(api, case["id"], "PRESERVATION_RECONSIDERATION", as_="center")
    assert [c["type"] for c in review["case"]["relatedCases"]] == ["ZHI_YI"]
    await file_application(api, case["id"], "ADD_RESPONDENT", as_="filing")  # also a 执异 case

    # The adjudication team's worklist, not the centre's.
    listed = await items(api, "adjud", "ADJUDICATION_APPLICATION")
    assert sorted(i["case"]["number"] for i in listed) == sorted([
        number, "（2024）粤5322执异1号", "（2024）粤5322执异2号"])
    assert {i["team"]["name"] for i in listed} == {"执行裁决团队"}
    assert {i["candidateRole"] for i in listed} == {"ADJUDICATION_JUDGE"}
    for user in ("center", "affairs", "impl1"):
        assert await items(api, user, "ADJUDICATION_APPLICATION") == []

    # A decision needs its reasons.
    [item] = await items(api, "adjud", "ADJUDICATION_APPLICATION", "（2024）粤5322执异1号")
    claimed = (await api.gql("""mutation($id: ID!) { claimWorkItem(input: {id: $id}) {
      userErrors { code } } }""", {"id": item["id"]}, as_="adjud"))["claimWorkItem"]
    assert claimed["userErrors"] == []
    refused = (await api.gql(COMPLETE, {"input": {"id": item["id"], "outcome": "REJECTED"}},
                             as_="adjud"))["completeWorkItem"]
    assert refused["userErrors"][0]["field"] == ["input", "note"]
    [still] = await items(api, "adjud", "ADJUDICATION_APPLICATION", "（2024）粤5322执异1号")
    assert still["status"] == "CLAIMED"
    decided = (await api.gql(COMPLETE, {"input": {"id": item["id"], "outcome": "REJECTED",
                                                  "note": "异议理由不成立"}}, as_="adjud"))["completeWorkItem"]
    assert decided["userErrors"] == [] and decided["case"]["stage"] == "CLOSED"

    await take_and_complete(api, "adjud", "ADJUDICATION_APPLICATION", number, "GRANTED",
                            "保全裁定超标的，予以变更")
    file = await detail(api, number)
    assert file["stage"] == "ANALYSING"
    assert file["adjudicationApplications"] == [
        {"kind": "OBJECTION", "status": "REJECTED", "decisionNote": "异议理由不成立"},
        {"kind": "PRESERVATION_RECONSIDERATION", "status": "GRANTED", "decisionNote": "保全裁定超标的，予以变更"},
        {"kind": "ADD_RESPONDENT", "status": "PENDING", "decisionNote": None},
    ]
    reviewed = await detail(api, "（2024）粤5322执异1号")
    assert (reviewed["stage"], reviewed["closingMethod"]) == ("CLOSED", "REJECTED")
    assert [c["number"] for c in reviewed["relatedCases"]] == [number]
    assert [i["case"]["number"] for i in await items(api, "adjud", "ADJUDICATION_APPLICATION")] == [
        "（2024）粤5322执异2号"]

    # The review cases are not preservation cases: the query pipeline leaves them alone.
    await workers.drain()
    pending = await detail(api, "（2024）粤5322执异2号")
    assert (pending["stage"], pending["findings"], pending["deadlines"]) == ("RECEIVED", [], [])


async def test_adjudication_applications_are_for_the_filing_posts(api) -> None:
    case = await receive(api)
    payload = (await api.gql(FILE_APPLICATION, {"input": {
        "caseId": case["id"], "kind": "OBJECTION", "applicantName": "某", "summary": "异议"}},
        as_="impl1"))["fileAdjudicationApplication"]
    assert payload["userErrors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")
    assert await items(api, "adjud", "ADJUDICATION_APPLICATION") == []


# --- Art. 17: transfer strategies ------------------------------------------------------------


async def through_to_team(api, workers, township: str | None = None) -> str:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    if township is not None:
        variables["input"]["township"] = township
    case = await receive(api, variables)
    await workers.drain()
    file, _ = await transferred(api, workers, case["number"])
    return file["team"]["name"]


async def test_default_strategy_takes_the_team_with_fewest_open_cases_rotating_ties(api, workers) -> None:
    teams = [await through_to_team(api, workers) for _ in range(4)]
    assert teams == ["执行实施一团队", "执行实施二团队", "执行实施三团队", "执行实施一团队"]


async def test_by_township_strategy_follows_the_respondents_township(api, workers) -> None:
    payload = (await api.gql(SET_STRATEGY, {"input": {
        "strategy": "BY_TOWNSHIP", "effectiveFrom": "2024-02-08", "note": "局党组会议决定"}},
        as_="admin"))["setTransferStrategy"]
    assert payload == {"strategy": "BY_TOWNSHIP", "userErrors": []}

    # 连滩镇 is the third team's, even when that team already has more open cases.
    assert await through_to_team(api, workers, "连滩镇") == "执行实施三团队"
    assert await through_to_team(api, workers, "连滩镇") == "执行实施三团队"
    assert await through_to_team(api, workers, "平台镇") == "执行实施一团队"
    # No township, or one no team covers: the fewest-open-cases rule among all teams.
    assert await through_to_team(api, workers) == "执行实施二团队"
    assert await through_to_team(api, workers, "外县某镇") == "执行实施一团队"
    file = await case_file(api, "（2024）粤5322执保1号")
    assert file["team"]["name"] == "执行实施三团队"


async def test_setting_the_strategy_is_refused_for_others_and_for_the_past(api) -> None:
    variables = {"input": {"strategy": "BY_TOWNSHIP", "effectiveFrom": "2024-02-08", "note": "决定"}}
    forbidden = (await api.gql(SET_STRATEGY, variables, as_="center"))["setTransferStrategy"]
    assert forbidden["strategy"] is None and forbidden["userErrors"][0]["code"] == "FORBIDDEN"
    variables["input"]["effectiveFrom"] = "2024-02-07"
    past = (await api.gql(SET_STRATEGY, variables, as_="chief"))["setTransferStrategy"]
    assert past["userErrors"][0]["field"] == ["input", "effectiveFrom"]
    variables["input"] |= {"effectiveFrom": "2024-02-09", "note": " "}
    no_note = (await api.gql(SET_STRATEGY, variables, as_="chief"))["setTransferStrategy"]
    assert no_note["userErrors"][0]["field"] == ["input", "note"]
