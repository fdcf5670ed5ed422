"""The catalogue replayed on the other ways a preservation case goes, with the workers running:
begun on a preservation ruling and fully controlled, it meets an objection decided by the
adjudication team (Art. 9), waits for the effective judgment, converts to a fast-closed 执 case
(Art. 20(2)) and is archived; a case with first-sealed real estate goes through the
tax-bureau letter (Art. 19)."""

from __future__ import annotations

import copy

from .test_case_paths import answer_with, deposit, first_sealed_house
from .test_catalogue_case_flow import deadline, detail, receive, step, worklist
from .test_operations_catalogue import ok, refused

PRESERVATION_RULING = {"documentNumber": "（2024）粤5322财保7号", "kind": "PRESERVATION_RULING"}
JUDGMENT = {"documentNumber": "（2024）粤5322民初88号", "kind": "JUDGMENT"}


async def analysing(api, workers, *findings, **intake) -> dict:
    answer_with(*findings)
    case = await receive(api, **intake)
    await workers.drain()
    file = await detail(api, case["number"])
    assert file["stage"] == "ANALYSING"
    return file


async def to_team(api, workers, file: dict) -> dict:
    await ok(api, "CompleteQueryControl", {"caseId": file["id"]}, as_="center")
    await workers.drain()
    file = await detail(api, file["number"])
    assert file["stage"] == "TRANSFERRED" and file["team"]["name"] == "执行实施一团队"
    return file


async def take(api, user: str, kind: str, number: str, outcome: str, note: str | None = None) -> dict:
    [item] = await worklist(api, user, kind, number)
    if item["status"] == "OPEN":
        await ok(api, "ClaimWorkItem", {"id": item["id"]}, as_=user)
    return await ok(api, "CompleteWorkItem", {"input": {"id": item["id"], "outcome": outcome, "note": note}},
                    as_=user)


async def test_a_preservation_ruling_fully_controlled_objected_to_converted_and_archived(api, workers) -> None:
    file = await analysing(api, workers, deposit("125000.00"), title=copy.deepcopy(PRESERVATION_RULING))
    number = file["number"]
    [account] = file["findings"]
    controlled = (await ok(api, "DecideControlMeasures", {"input": {"caseId": file["id"], "measures": [
        {"findingId": account["id"], "measure": "FREEZE", "amount": "125000.00"}]}}, as_="center"))["case"]
    assert (controlled["controlledTotal"], controlled["fullyControlled"]) == ("125000.00", True)

    # Art. 9: the respondent objects at the Affairs Handling window; the adjudication team decides.
    filed = await ok(api, "FileAdjudicationApplication", {"input": {
        "caseId": file["id"], "kind": "OBJECTION", "applicantName": "郁南县某建材有限公司",
        "summary": "对冻结提出异议"}}, as_="affairs")
    application = filed["application"]
    assert (application["status"], application["reviewDeadline"]["dueOn"]) == ("PENDING", "2024-02-23")
    [zhi_yi] = [c["number"] for c in filed["case"]["relatedCases"] if c["type"] == "ZHI_YI"]
    [item] = await worklist(api, "adjud", "ADJUDICATION_APPLICATION")
    assert (item["case"]["number"], item["team"]["name"]) == (zhi_yi, "执行裁决团队")
    decided = await take(api, "adjud", "ADJUDICATION_APPLICATION", zhi_yi, "REJECTED", "异议理由不成立")
    assert decided["case"]["stage"] == "CLOSED"
    reviewed = await ok(api, "RecordReviewCaseNumber", {"applicationId": application["id"],
                                                        "caseNumber": "（2024）粤53执复1号"}, as_="adjud")
    assert (reviewed["application"]["status"], reviewed["application"]["reviewCaseNumber"]) == (
        "REJECTED", "（2024）粤53执复1号")
    assert (await detail(api, number))["adjudicationApplications"][0]["reviewCaseNumber"] == "（2024）粤53执复1号"

    file = await to_team(api, workers, file)
    # Fully controlled: no mediation; the Affairs Handling post converts, once the judgment is in.
    error = await refused(api, "ConvertCase", {"caseId": file["id"]}, as_="affairs")
    assert (error["field"], error["code"]) == (["input", "caseId"], "NOT_ALLOWED")
    titled = (await ok(api, "RecordEffectiveTitle", {"input": {"caseId": file["id"], "title": JUDGMENT}},
                       as_="affairs"))["case"]
    assert (titled["effectiveTitleDocumentNumber"], titled["effectiveTitleKind"]) == (
        JUDGMENT["documentNumber"], "JUDGMENT")
    converted = await ok(api, "ConvertCase", {"caseId": file["id"]}, as_="affairs")
    zhi = converted["case"]
    assert (zhi["type"], zhi["stage"], zhi["fullyControlled"]) == ("ZHI", "FAST_CLOSING", True)
    assert [(d["kind"], d["dueOn"]) for d in zhi["openDeadlines"] if d["kind"].startswith("FAST_CLOSE")] == [
        ("FAST_CLOSE_FULLY_CONTROLLED", "2024-03-06")]
    assert converted["preservationCase"]["closingMethod"] == "PRESERVATION_COMPLETED"
    zhi_file = await detail(api, zhi["number"])
    assert zhi_file["titleDocumentNumber"] == JUDGMENT["documentNumber"]
    assert step(zhi_file, "CLOSE")["mutation"] == "closeCase"

    # The centre closes it (Art. 20(2)) and archives both (Art. 21).
    error = await refused(api, "CloseCase", {"caseId": zhi["id"], "method": "PRESERVATION_COMPLETED"}, as_="center")
    assert error["field"] == ["input", "method"]
    closed = (await ok(api, "CloseCase", {"caseId": zhi["id"], "method": "FULLY_EXECUTED"}, as_="center"))["case"]
    assert (closed["stage"], closed["closingMethodLabel"] is not None) == ("CLOSED", True)
    assert deadline(await detail(api, zhi["number"]), "FAST_CLOSE_FULLY_CONTROLLED")["status"] == "MET"
    for case_id in (file["id"], zhi["id"]):
        assert (await ok(api, "ArchiveCase", {"caseId": case_id}, as_="center"))["case"]["stage"] == "ARCHIVED"
    zhi_file = await detail(api, zhi["number"])
    assert [d["kind"] for d in zhi_file["documents"]] == ["QUERY_CONTROL_RULING"]
    assert await worklist(api, "center", "ARCHIVE") == []


async def test_first_sealed_real_estate_goes_through_the_tax_letter(api, workers) -> None:
    file = await analysing(api, workers, first_sealed_house(), deposit("2000.00"))
    house = next(f for f in file["findings"] if f["category"] == "REAL_ESTATE")
    assert (house["disposable"], house["firstSeal"]) == (True, True)
    await ok(api, "DecideControlMeasures", {"input": {"caseId": file["id"], "measures": [
        {"findingId": house["id"], "measure": "SEAL", "amount": "100000.00"}]}}, as_="center")
    file = await to_team(api, workers, file)
    assert [d["kind"] for d in file["documents"]] == ["QUERY_CONTROL_RULING", "PRE_DISPOSAL_LIST"]
    assert len(await worklist(api, "impl1", "INVESTIGATE_DISPOSABLE", file["number"])) == 1

    sent = await ok(api, "SendTaxLetter", {"caseId": file["id"], "findingIds": [house["id"]]}, as_="impl1")
    assert sent["letter"]["kind"] == "BENCHMARK_PRICE_LETTER" and sent["letter"]["url"]
    assert sent["case"]["documents"][-1]["id"] == sent["letter"]["id"]
    served = await take(api, "impl1", "TAX_LETTER", file["number"], "LETTER_SERVED", "基准价已送达双方当事人")
    assert served["case"]["stage"] == "TRANSFERRED"
    priced = (await ok(api, "RecordTeamWork", {"input": {
        "caseId": file["id"], "kind": "BENCHMARK_PRICE", "note": "郁南县税务局复函", "amount": "650000.00"}},
        as_="impl1"))["case"]
    assert (priced["records"][-1]["kind"], priced["records"][-1]["amount"]) == ("BENCHMARK_PRICE", "650000.00")
    transfer = deadline(await detail(api, file["number"]), "TRANSFER_FOR_FILING")
    # 3 days from Thu 8 Feb end on a Spring Festival holiday: moved to Sun 18 Feb (make-up day).
    assert (transfer["dueOn"], transfer["status"]) == ("2024-02-18", "OPEN")
    [convert] = await worklist(api, "affairs", "CONVERT", file["number"])
    assert convert["dueOn"] == "2024-02-18"
