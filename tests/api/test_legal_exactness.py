"""Issue 11 ("Legal exactness II") through GraphQL, with the concrete inputs of the issue:
no 扣划 in a 执保 case (CPL 2023 art. 106), no control beyond the claim (SPC provisions on
seizure, sealing and freezing in civil execution, art. 19), no 执 case on a preservation ruling,
and the 执保 case closed with its conversion (法发〔2014〕26号).

The clock stands at Thursday 2024-02-08; the claim is 125,000.00 yuan."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .test_case_lifecycle import take_and_complete
from .test_case_paths import (
    CONVERT,
    DECIDE,
    ZHI_1,
    analysing,
    control,
    deposit,
    detail,
    finding,
    first_sealed_house,
    transferred,
)
from .test_intake_bad_input import snapshot

PRESERVATION_RULING = {"documentNumber": "（2024）粤5322财保7号", "kind": "PRESERVATION_RULING"}
COURT = ZoneInfo("Asia/Shanghai")
JUDGMENT = {"documentNumber": "（2024）粤5322民初88号", "kind": "JUDGMENT"}

FILE = """query($n: String!) { case(number: $n) {
  id number stage closingMethod closingMethodLabel closedOn titleDocumentNumber titleKindLabel
  effectiveTitleDocumentNumber effectiveTitleKind
  controlMeasures { measure amount excessReason }
  history(first: 50) { edges { node { action summary } } }
} }"""

RECORD_TITLE = """mutation($input: RecordEffectiveTitleInput!) { recordEffectiveTitle(input: $input) {
  case { number effectiveTitleDocumentNumber effectiveTitleKind } userErrors { field message: messageEn code } } }"""

DECIDE_WITH_REASON = """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
  case { controlledTotal fullyControlled controlMeasures { measure amount excessReason } }
  userErrors { field message: messageEn code } } }"""


async def file_of(api, number: str) -> dict:
    return (await api.gql(FILE, {"n": number}, as_="center"))["case"]


async def decide(api, case_id: str, *measures: dict, as_: str = "center") -> dict:
    return (await api.gql(DECIDE_WITH_REASON, {"input": {"caseId": case_id, "measures": list(measures)}},
                          as_=as_))["decideControlMeasures"]


def by_value(file: dict, value: str) -> dict:
    [found] = [f for f in file["findings"] if f["value"] == value]
    return found


# --- item 5: no 扣划 in a preservation case ----------------------------------------------------


async def test_a_preservation_case_does_not_deduct(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("125000.00"))
    account = finding(file, "BANK_DEPOSIT")
    before = await snapshot(ctx)
    refused = await decide(api, file["id"], {"findingId": account["id"], "measure": "DEDUCT", "amount": "125000.00"})
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "measures", "0", "measure"], "NOT_ALLOWED")
    assert "CPL 2023 art. 106" in error["message"]
    assert "FREEZE (冻结), SEAL (查封), SEIZE (扣押)" in error["message"]
    assert await snapshot(ctx) == before

    # Nor at the team, before conversion.
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    file, member = await transferred(api, workers, file["number"])
    refused = await decide(api, file["id"], {"findingId": account["id"], "measure": "DEDUCT", "amount": "1.00"},
                           as_=member)
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"

    # The 执 case deducts the frozen funds.
    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == [] and converted["case"]["number"] == ZHI_1
    deducted = (await api.gql(DECIDE, {"input": {"caseId": converted["case"]["id"], "measures": [
        {"findingId": account["id"], "measure": "DEDUCT", "amount": "125000.00"}]}}, as_="center"))
    assert deducted["decideControlMeasures"]["userErrors"] == []


# --- item 2: control beyond the claim ----------------------------------------------------------


async def test_funds_are_capped_at_what_is_still_uncontrolled_of_the_claim(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("1000000.00"), deposit("30000.00", tail="5678"))
    big, small = by_value(file, "1000000.00"), by_value(file, "30000.00")
    before = await snapshot(ctx)
    # The case: claim 125,000.00, FREEZE 1,000,000.00 on a deposit of 1,000,000.
    refused = await decide(api, file["id"], {"findingId": big["id"], "measure": "FREEZE", "amount": "1000000.00"})
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "measures", "0", "amount"], "OUT_OF_RANGE")
    assert "125000.00 yuan of the claim is still uncontrolled" in error["message"]
    assert "art. 19" in error["message"]
    # Within one request the measures add up: 100,000 + 30,000 is beyond 125,000.
    refused = await decide(api, file["id"],
                           {"findingId": big["id"], "measure": "FREEZE", "amount": "100000.00"},
                           {"findingId": small["id"], "measure": "FREEZE", "amount": "30000.00"})
    [error] = refused["userErrors"]
    assert error["field"] == ["input", "measures", "1", "amount"]
    assert "25000.00 yuan of the claim is still uncontrolled" in error["message"]
    assert await snapshot(ctx) == before

    taken = await decide(api, file["id"],
                         {"findingId": big["id"], "measure": "FREEZE", "amount": "100000.00"},
                         {"findingId": small["id"], "measure": "FREEZE", "amount": "25000.00"})
    assert taken["userErrors"] == [], taken
    assert (taken["case"]["controlledTotal"], taken["case"]["fullyControlled"]) == ("125000.00", True)
    refused = await decide(api, file["id"], {"findingId": big["id"], "measure": "FREEZE", "amount": "0.01"})
    assert "0 yuan of the claim is still uncontrolled" in refused["userErrors"][0]["message"]


async def test_an_indivisible_asset_worth_more_is_sealed_whole_with_the_reason(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("30000.00"), first_sealed_house())
    house = finding(file, "REAL_ESTATE")
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "30000.00"))
    before = await snapshot(ctx)
    seal = {"findingId": house["id"], "measure": "SEAL", "amount": "680000.00"}
    refused = await decide(api, file["id"], seal)
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "measures", "0", "excessReason"], "REQUIRED")
    assert "95000.00 yuan of the claim is still uncontrolled" in error["message"]
    refused = await decide(api, file["id"], seal | {"excessReason": "   "})
    assert refused["userErrors"][0]["field"] == ["input", "measures", "0", "excessReason"]
    assert await snapshot(ctx) == before

    reason = "房屋为不可分物，被执行人无其他可供执行财产"
    sealed = await decide(api, file["id"], seal | {"excessReason": reason})
    assert sealed["userErrors"] == [], sealed
    assert sealed["case"]["controlMeasures"] == [
        {"measure": "FREEZE", "amount": "30000.00", "excessReason": None},
        {"measure": "SEAL", "amount": "680000.00", "excessReason": reason},
    ]
    history = [e["node"] for e in (await file_of(api, file["number"]))["history"]["edges"]]
    assert any(h["action"] == "CONTROL_MEASURE" and reason in h["summary"] for h in history)
    # Within what is left of the claim an indivisible asset needs no reason.
    other = await analysing(api, workers, first_sealed_house())
    within = await decide(api, other["id"], {"findingId": finding(other, "REAL_ESTATE")["id"],
                                             "measure": "SEAL", "amount": "125000.00"})
    assert within["userErrors"] == [] and within["case"]["controlMeasures"][0]["excessReason"] is None


# --- item 7: a preservation ruling is not a title for a 执 case --------------------------------


async def test_a_preservation_ruling_is_converted_only_after_the_judgment_is_recorded(api, ctx, workers) -> None:
    file = await analysing(api, workers, deposit("125000.00"), title=PRESERVATION_RULING)
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    file, member = await transferred(api, workers, file["number"])
    before = await snapshot(ctx)
    refused = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert refused["case"] is None
    [error] = refused["userErrors"]
    assert (error["field"], error["code"]) == (["input", "caseId"], "NOT_ALLOWED")
    assert "PRESERVATION_RULING (财产保全裁定书)" in error["message"]
    assert "record the effective judgment first" in error["message"]
    assert await snapshot(ctx) == before
    assert await detail(api, ZHI_1) is None

    async def record(title: dict, as_: str = "affairs") -> dict:
        return (await api.gql(RECORD_TITLE, {"input": {"caseId": file["id"], "title": title}},
                              as_=as_))["recordEffectiveTitle"]

    refused = await record(PRESERVATION_RULING)
    assert refused["userErrors"][0]["field"] == ["input", "title", "kind"]
    refused = await record(JUDGMENT | {"documentNumber": "  "})
    assert refused["userErrors"][0]["field"] == ["input", "title", "documentNumber"]
    refused = await record(JUDGMENT, as_=member)
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert await snapshot(ctx) == before

    recorded = await record(JUDGMENT)
    assert recorded["userErrors"] == []
    assert recorded["case"]["effectiveTitleDocumentNumber"] == "（2024）粤5322民初88号"
    assert recorded["case"]["effectiveTitleKind"] == "JUDGMENT"
    assert (await record(JUDGMENT))["userErrors"] == []  # a repeat changes nothing

    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == [] and converted["case"]["number"] == ZHI_1
    zhi = await file_of(api, ZHI_1)
    assert (zhi["titleDocumentNumber"], zhi["titleKindLabel"]) == ("（2024）粤5322民初88号", "民事判决书")
    origin = await file_of(api, file["number"])
    assert origin["titleDocumentNumber"] == "（2024）粤5322财保7号"  # the 执保 case keeps its own
    # After conversion the title cannot change any more.
    refused = await record(JUDGMENT | {"documentNumber": "（2024）粤5322民初89号"})
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED_IN_STAGE"


# --- item 6: the 执保 case closes with its conversion ------------------------------------------


async def converted_origin(api, workers, *measures: tuple[str, str, str]) -> dict:
    file = await analysing(api, workers, deposit("125000.00"))
    if measures:
        await control(api, file, *measures)
    file, _ = await transferred(api, workers, file["number"])
    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == [], converted
    return await file_of(api, file["number"])


async def test_a_converted_preservation_case_is_closed_by_what_was_controlled(api, workers) -> None:
    full = await converted_origin(api, workers, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    assert (full["stage"], full["closingMethod"], full["closingMethodLabel"], full["closedOn"]) == (
        "CONVERTED", "PRESERVATION_COMPLETED", "保全完毕", "2024-02-08")
    [closed] = [e["node"] for e in full["history"]["edges"] if e["node"]["action"] == "CLOSE_CASE"]
    assert "保全完毕" in closed["summary"] and ZHI_1 in closed["summary"]

    part = await converted_origin(api, workers, ("BANK_DEPOSIT", "FREEZE", "50000.00"))
    assert (part["closingMethod"], part["closingMethodLabel"]) == ("PARTLY_PRESERVED", "部分保全")

    nothing = await converted_origin(api, workers)
    assert (nothing["closingMethod"], nothing["closingMethodLabel"], nothing["closedOn"]) == (
        "NOTHING_TO_PRESERVE", "无标的物可实施保全", "2024-02-08")

    # Converting again returns the same 执 case and closes nothing twice.
    again = (await api.gql(CONVERT, {"id": full["id"]}, as_="affairs"))["convertCase"]
    assert again["userErrors"] == [] and again["case"]["number"] == ZHI_1
    history = (await file_of(api, full["number"]))["history"]["edges"]
    assert [e["node"]["action"] for e in history].count("CLOSE_CASE") == 1



# --- item 1: 终本 only on its conditions ------------------------------------------------------

CLOSE = """mutation($input: CloseCaseInput!) { closeCase(input: $input) {
  case { stage closingMethod closedOn } userErrors { field message: messageEn code } } }"""

TEAM_WORK = """mutation($input: RecordTeamWorkInput!) { recordTeamWork(input: $input) {
  case { stage } userErrors { field message: messageEn code } } }"""


def day(d: date) -> datetime:
    return datetime.combine(d, time(10), tzinfo=COURT)


async def test_terminating_the_current_procedure_needs_its_conditions(api, ctx, workers, clock) -> None:
    file = await analysing(api, workers, deposit("3000.00"))
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "3000.00"))
    file, member = await transferred(api, workers, file["number"])
    converted = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]
    zhi = converted["case"]
    assert (zhi["number"], zhi["stage"]) == (ZHI_1, "ENFORCING")  # filed Thu 2024-02-08

    async def close() -> dict:
        return (await api.gql(CLOSE, {"input": {"caseId": zhi["id"], "method": "TERMINATED_CURRENT_PROCEDURE"}},
                              as_=member))["closeCase"]

    # The case: 终本 on the day the 执 case is filed. Each unmet condition is named.
    before = await snapshot(ctx)
    [error] = (await close())["userErrors"]
    assert (error["field"], error["code"]) == (["input", "method"], "NOT_ALLOWED")
    assert "more than three months since the filing on 2024-02-08" in error["message"]
    assert "possible from 2024-05-09" in error["message"]
    assert "no offline investigation (INVESTIGATION) is recorded" in error["message"]
    assert "the network query-and-control is not completed" not in error["message"]  # the 执保's counts
    assert "APPLICANT_INFORMED" in error["message"]
    assert await snapshot(ctx) == before

    for kind, note in (("INVESTIGATION", "实地调查被执行人住所，未发现可供执行财产"),
                       ("APPLICANT_INFORMED", "已告知申请执行人财产调查情况及终本后果，申请执行人无异议")):
        done = (await api.gql(TEAM_WORK, {"input": {"caseId": zhi["id"], "kind": kind, "note": note}},
                              as_=member))["recordTeamWork"]
        assert done == {"case": {"stage": "ENFORCING"}, "userErrors": []}

    clock.set(day(date(2024, 5, 8)))  # exactly three months: not more than three
    [error] = (await close())["userErrors"]
    assert "three months" in error["message"] and "investigation" not in error["message"]
    assert "APPLICANT_INFORMED" not in error["message"]

    clock.set(day(date(2024, 5, 9)))
    closed = await close()
    assert closed["userErrors"] == []
    assert closed["case"] == {"stage": "CLOSED", "closingMethod": "TERMINATED_CURRENT_PROCEDURE",
                              "closedOn": "2024-05-09"}


async def test_terminating_the_current_procedure_is_not_a_fast_closing_outcome(api, workers, clock) -> None:
    file = await analysing(api, workers, deposit("125000.00"))
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    file, _ = await transferred(api, workers, file["number"])
    zhi = (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]["case"]
    assert zhi["stage"] == "FAST_CLOSING"
    clock.set(day(date(2024, 6, 3)))
    refused = (await api.gql(CLOSE, {"input": {"caseId": zhi["id"], "method": "TERMINATED_CURRENT_PROCEDURE"}},
                             as_="center"))["closeCase"]
    [error] = refused["userErrors"]
    assert error["code"] == "NOT_ALLOWED" and "not a fast-closing outcome" in error["message"]
    assert "three months" not in error["message"]


# --- items 4 and 10: adjudication applications: review periods, numbers, closing -------------

APPLY = """mutation($input: FileAdjudicationApplicationInput!) { fileAdjudicationApplication(input: $input) {
  application { id kind status reviewDeadline { kind variant dueOn status } }
  case { number relatedCases { number type } } userErrors { field message: messageEn code } } }"""

REVIEW_NUMBER = """mutation($input: RecordReviewCaseNumberInput!) { recordReviewCaseNumber(input: $input) {
  application { kind status reviewCaseNumber } userErrors { field message: messageEn code } } }"""


async def apply(api, case_id: str, kind: str) -> dict:
    payload = (await api.gql(APPLY, {"input": {"caseId": case_id, "kind": kind, "applicantName": "黄某",
                                               "summary": "对冻结提出异议"}}, as_="affairs"))
    assert payload["fileAdjudicationApplication"]["userErrors"] == []
    return payload["fileAdjudicationApplication"]


async def test_each_application_is_examined_within_its_statutory_period(api, workers) -> None:
    # Filed Thursday 2024-02-08. Days as the CPL counts them (art. 85): the filing day is not
    # counted; a last day on a public holiday moves to the first day after it.
    file = await analysing(api, workers, deposit("800.00"))
    objection = await apply(api, file["id"], "OBJECTION")  # 15 days: CPL 2023 art. 236
    assert objection["application"]["reviewDeadline"] == {
        "kind": "ADJUDICATION_REVIEW", "variant": "OBJECTION", "dueOn": "2024-02-23", "status": "OPEN"}
    adding = await apply(api, file["id"], "ADD_RESPONDENT")  # 60 days: 变更追加规定 art. 28
    assert adding["application"]["reviewDeadline"]["dueOn"] == "2024-04-08"
    # 10 days (民诉法解释 art. 171) end on Sunday 2024-02-18, a make-up working day after the
    # Spring Festival holiday (not a 法定休假日): it stays.
    review = await apply(api, file["id"], "PRESERVATION_RECONSIDERATION")
    assert review["application"]["reviewDeadline"]["dueOn"] == "2024-02-18"

    # The adjudication team's items carry the due date.
    items = (await api.gql("""{ worklist(filter: {kind: [ADJUDICATION_APPLICATION]}) { edges { node {
      case { number } dueOn } } } }""", as_="adjud"))["worklist"]["edges"]
    assert sorted(e["node"]["dueOn"] for e in items) == ["2024-02-18", "2024-02-23", "2024-04-08"]

    # A granted objection closes its 执异 case with a closing method, as a rejected one does.
    [zhi_yi] = [c["number"] for c in objection["case"]["relatedCases"]]
    await take_and_complete(api, "adjud", "ADJUDICATION_APPLICATION", zhi_yi, "GRANTED", "冻结超标的，予以解除")
    closed = await detail(api, zhi_yi)
    assert (closed["stage"], closed["closingMethod"]) == ("CLOSED", "UPHELD")
    decided = (await api.gql("""query($n: String!) { case(number: $n) { adjudicationApplications {
      kind status reviewDeadline { status } } } }""", {"n": file["number"]}, as_="center"))["case"]
    assert decided["adjudicationApplications"][0] == {
        "kind": "OBJECTION", "status": "GRANTED", "reviewDeadline": {"status": "MET"}}


async def test_a_review_period_ending_in_a_holiday_ends_on_the_first_day_after_it(api, workers, clock) -> None:
    # Filed Thursday 2024-02-01: the 10th day, Sunday 2024-02-11, falls in the Spring Festival
    # holiday (10–17 February): the period ends on the first day after it, 2024-02-18.
    clock.set(datetime.combine(date(2024, 2, 1), time(9), COURT))
    file = await analysing(api, workers, deposit("800.00"), receivedOn="2024-02-01")
    review = await apply(api, file["id"], "PRESERVATION_RECONSIDERATION")
    assert review["application"]["reviewDeadline"]["dueOn"] == "2024-02-18"


async def test_a_preservation_reconsideration_has_no_zhi_fu_number(api, ctx, workers, monkeypatch) -> None:
    file = await analysing(api, workers, deposit("800.00"))
    review = await apply(api, file["id"], "PRESERVATION_RECONSIDERATION")
    assert review["case"]["relatedCases"] == []  # decided within the 执保 case by default
    # A court that files them under 执异 says so in its settings; 执复 is never offered.
    monkeypatch.setattr(ctx, "settings", ctx.settings.with_(preservation_reconsideration_case_type="ZHI_YI"))
    again = (await api.gql(APPLY, {"input": {"caseId": file["id"], "kind": "PRESERVATION_RECONSIDERATION",
                                             "applicantName": "李某", "summary": "保全超标的"}},
                           as_="affairs"))["fileAdjudicationApplication"]
    assert [c["type"] for c in again["case"]["relatedCases"]] == ["ZHI_YI"]


async def test_the_higher_courts_zhi_fu_number_is_recorded_on_the_ruling(api, workers) -> None:
    file = await analysing(api, workers, deposit("800.00"))
    objection = await apply(api, file["id"], "OBJECTION")
    application_id = objection["application"]["id"]

    async def record(number: str, application: str = application_id) -> dict:
        return (await api.gql(REVIEW_NUMBER, {"input": {"applicationId": application, "caseNumber": number}},
                              as_="adjud"))["recordReviewCaseNumber"]

    pending = await record("（2024）粤53执复1号")
    assert pending["userErrors"][0]["code"] == "NOT_ALLOWED_IN_STAGE"  # no ruling yet
    [zhi_yi] = [c["number"] for c in objection["case"]["relatedCases"]]
    await take_and_complete(api, "adjud", "ADJUDICATION_APPLICATION", zhi_yi, "REJECTED", "异议理由不成立")
    own = await record("（2024）粤5322执复1号")
    assert own["userErrors"][0]["field"] == ["input", "caseNumber"]
    assert "higher court" in own["userErrors"][0]["message"]
    assert (await record("（2024）粤53执异1号"))["userErrors"][0]["field"] == ["input", "caseNumber"]
    recorded = await record("(2024)粤53执复1号")  # ASCII parentheses, as typed
    assert recorded["userErrors"] == []
    assert recorded["application"] == {"kind": "OBJECTION", "status": "REJECTED",
                                       "reviewCaseNumber": "（2024）粤53执复1号"}

    review = await apply(api, file["id"], "PRESERVATION_RECONSIDERATION")
    await take_and_complete(api, "adjud", "ADJUDICATION_APPLICATION", file["number"], "REJECTED", "保全适当")
    refused = await record("（2024）粤53执复2号", review["application"]["id"])
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"  # decided by this court (CPL art. 111)


# --- Arts. 18 and 19: the execution plan, the benchmark price, the team's 3-day limit ----------

TEAM_RECORD = """mutation($input: RecordTeamWorkInput!) { recordTeamWork(input: $input) {
  case { records { kind note amount } } userErrors { field message: messageEn code } } }"""


async def test_the_team_records_its_plan_and_the_benchmark_price_and_holds_the_3_day_limit(api, workers) -> None:
    from .test_case_paths import COMPLETE, SEND_TAX_LETTER, items

    file = await analysing(api, workers, first_sealed_house(), deposit("2000.00"))
    house = finding(file, "REAL_ESTATE")
    await control(api, file, ("REAL_ESTATE", "SEAL", "100000.00"))
    file, member = await transferred(api, workers, file["number"])

    async def team_work(kind: str, note: str, amount: str | None = None) -> dict:
        return (await api.gql(TEAM_RECORD, {"input": {"caseId": file["id"], "kind": kind, "note": note,
                                                    "amount": amount}}, as_=member))["recordTeamWork"]

    plan = await team_work("EXECUTION_PLAN", "先评估拍卖查封房产，再扣划存款")
    assert plan["userErrors"] == [] and plan["case"]["records"][-1] == {
        "kind": "EXECUTION_PLAN", "note": "先评估拍卖查封房产，再扣划存款", "amount": None}
    missing = await team_work("BENCHMARK_PRICE", "郁南县税务局复函")
    assert missing["userErrors"][0]["field"] == ["input", "amount"]
    assert (await team_work("SUMMONS", "传唤", "1.00"))["userErrors"][0]["field"] == ["input", "amount"]

    letter = (await api.gql(SEND_TAX_LETTER, {"input": {"caseId": file["id"], "findingIds": [house["id"]]}},
                            as_=member))["sendTaxLetter"]
    assert letter["userErrors"] == []
    price = await team_work("BENCHMARK_PRICE", "郁南县税务局复函", "652000.00")
    assert price["case"]["records"][-1] == {"kind": "BENCHMARK_PRICE", "note": "郁南县税务局复函",
                                            "amount": "652000.00"}
    [serve] = await items(api, member, "TAX_LETTER", file["number"])
    await api.gql(COMPLETE, {"input": {"id": serve["id"], "outcome": "LETTER_SERVED", "note": "已送达"}},
                  as_=member)
    deadlines = (await api.gql("""query($n: String!) { case(number: $n) { team { id } deadlines {
      kind responsibleRole teamId holder { username } source } } }""", {"n": file["number"]},
                               as_="center"))["case"]
    [transfer] = [d for d in deadlines["deadlines"] if d["kind"] == "TRANSFER_FOR_FILING"]
    # Art. 19: "the team ... within 3 days completes the transfer for execution filing".
    assert transfer["responsibleRole"] == "IMPLEMENTATION_OFFICER"
    assert transfer["teamId"] == deadlines["team"]["id"] and transfer["holder"]["username"] == member
    assert transfer["source"] == "郁法发〔2024〕1号 第十九条"


# --- item 3: renewal deadlines end with the measures when the case is closed --------------------


async def test_closing_fully_executed_ends_the_measures_and_their_renewals(api, workers) -> None:
    from .test_case_paths import deadline

    file = await analysing(api, workers, deposit("125000.00"))
    await control(api, file, ("BANK_DEPOSIT", "FREEZE", "125000.00"))
    file, _ = await transferred(api, workers, file["number"])
    assert (await api.gql(CONVERT, {"id": file["id"]}, as_="affairs"))["convertCase"]["userErrors"] == []
    assert deadline(await detail(api, ZHI_1), "MEASURE_RENEWAL")["status"] == "OPEN"
    # The respondent paid of their own accord: nothing was deducted, the case is closed 执行完毕.
    await take_and_complete(api, "center", "FAST_CLOSE", ZHI_1, "FULLY_EXECUTED")
    zhi = (await api.gql("""query($n: String!) { case(number: $n) { stage
      controlMeasures { measure status endedOn endReason } deadlines { kind status } } }""",
                         {"n": ZHI_1}, as_="center"))["case"]
    assert zhi["stage"] == "CLOSED"
    assert zhi["controlMeasures"] == [{"measure": "FREEZE", "status": "ENDED", "endedOn": "2024-02-08",
                                       "endReason": "closed: 执行完毕"}]
    assert [d["status"] for d in zhi["deadlines"] if d["kind"] == "MEASURE_RENEWAL"] == ["CANCELLED"]
