"""The catalogue replayed as the screens use it: one preservation case from the affairs
handling window to the archive, through every role's screens, with the workers running.

The case's queries find a bank deposit of 3,000 yuan against a claim of 125,000: control falls
short, mediation fails, the 执 case goes to compulsory execution, is closed by termination of
the current procedure (终本) and resumed at the consultation window. Dates: the clock stands at
Thursday 2024-02-08, the eve of the Spring Festival holiday."""

from __future__ import annotations

import copy
import itertools

from .test_case_lifecycle import RECEIVE_VARIABLES
from .test_case_paths import answer_with, deposit
from .test_operations_catalogue import edges, ok, refused, run

APPLICANT_ID = "445322198001011236"
_titles = itertools.count(5001)


async def windows(api, as_: str) -> dict[str, str]:
    return {w["code"]: w["id"] for w in (await run(api, "Windows", as_=as_))["windows"]}


async def receive(api, as_: str = "affairs", **intake) -> dict:
    variables = copy.deepcopy(RECEIVE_VARIABLES)
    variables["input"]["title"]["documentNumber"] = f"（2023）粤5322民初{next(_titles)}号"
    variables["input"].update(intake)
    return (await ok(api, "ReceiveCase", variables, as_=as_))["case"]


async def detail(api, number: str, as_: str = "center") -> dict:
    return (await run(api, "CaseDetail", {"number": number, "historyFirst": 100}, as_=as_))["case"]


async def worklist(api, as_: str, kind: str | None = None, case_number: str | None = None) -> list[dict]:
    flt: dict = {}
    if kind:
        flt["kind"] = [kind]
    if case_number:
        flt["caseNumber"] = case_number
    return edges((await run(api, "Worklist", {"filter": flt}, as_=as_))["worklist"])


def step(file: dict, name: str) -> dict:
    [found] = [s for s in file["allowedSteps"] if s["step"] == name]
    return found


def deadline(file: dict, kind: str) -> dict:
    [found] = [d for d in file["deadlines"] if d["kind"] == kind]
    return found


async def staff_id(api, username: str, as_: str) -> str:
    found = edges((await run(api, "StaffDirectory", {"filter": {"search": username}}, as_=as_))["staff"])
    return next(s["id"] for s in found if s["username"] == username)


async def test_a_case_from_the_window_to_the_archive(api, workers, clock) -> None:
    answer_with(deposit("3000.00"))

    # --- Affairs Handling window: the visitor, the filing, the materials (Arts. 6, 8) ------------
    at = await windows(api, "affairs")
    visit = (await ok(api, "RecordVisit", {"input": {
        "windowId": at["affairs-handling"], "visitor": {"name": "陈某", "idNumber": APPLICANT_ID},
        "purpose": "FILING", "request": "申请执行立案"}}, as_="affairs"))["visit"]
    assert (visit["purpose"], visit["resolved"], visit["window"]["code"]) == ("FILING", False, "affairs-handling")
    assert visit["visitorIdNumber"] == APPLICANT_ID  # the window's own staff see it in full
    case = await receive(api)
    number = case["number"]
    assert (number, case["stage"]) == ("（2024）粤5322执保1号", "RECEIVED")
    receipt = (await ok(api, "ReceiveMaterials", {"input": {
        "windowId": at["affairs-handling"], "submittedBy": "陈某", "caseNumber": number,
        "items": [{"name": "强制执行申请书", "copies": 2}, {"name": "生效判决书"}]}}, as_="affairs"))["receipt"]
    assert receipt["number"] == "（2024）粤5322材收1号" and receipt["holder"]["name"] == "黄晓敏"
    assert receipt["items"] == [{"name": "强制执行申请书", "copies": 2}, {"name": "生效判决书", "copies": 1}]
    resolved = (await ok(api, "ResolveVisit", {"id": visit["id"], "outcome": f"已立案，案号{number}"},
                         as_="affairs"))["visit"]
    assert resolved["resolved"] is True and resolved["resolvedAt"]
    day = (await run(api, "WindowDay", {"windowId": at["affairs-handling"]}, as_="affairs"))["windowDay"]
    assert (day["date"], day["visits"], day["openVisits"]) == ("2024-02-08", 1, 0)
    assert day["byPurpose"] == [{"purpose": "FILING", "purposeLabel": day["byPurpose"][0]["purposeLabel"],
                                 "count": 1}]
    [seen] = (await run(api, "WindowVisits", {"windowId": at["affairs-handling"]}, as_="affairs"))["visits"]
    assert (seen["id"], seen["resolved"], seen["receivedBy"]["name"]) == (visit["id"], True, "黄晓敏")
    center = await staff_id(api, "center", as_="affairs")
    handed = (await ok(api, "TransferMaterials", {"input": {
        "receiptId": receipt["id"], "toStaffId": center, "note": "转事务中心"}}, as_="affairs"))["receipt"]
    assert handed["holder"]["id"] == center and handed["transfers"][0]["toStaff"]["name"] == "陈志明"

    # --- The centre: the case in the list and in detail -----------------------------------------
    [listed] = edges((await run(api, "Cases", {"filter": {"search": "陈某"}}, as_="center"))["cases"])
    assert (listed["number"], listed["applicants"][0]["name"]) == (number, "陈某")
    assert [d["kind"] for d in listed["openDeadlines"]] == ["QUERY_CONTROL"]
    [held] = (await run(api, "MaterialsReceipts", {"caseNumber": number}, as_="center"))["materialsReceipts"]
    assert (held["number"], held["holder"]["name"]) == (receipt["number"], "陈志明")
    applicant = (await detail(api, number))["applicants"][0]
    assert (applicant["idNumber"], applicant["unmasked"]) == (APPLICANT_ID, True)
    agent = (await ok(api, "RegisterAgent", {"input": {
        "partyId": applicant["id"], "kind": "LAWYER", "name": "黄律师", "idNumber": "445322198503120010",
        "lawFirm": "广东某律师事务所", "licenceNumber": "14453201910123456"}}, as_="center"))["agent"]
    assert (agent["partyId"], agent["kindLabel"]) == (applicant["id"], "律师")

    await workers.drain()  # the ruling, the eight queries and their answers
    file = await detail(api, number)
    assert file["stage"] == "ANALYSING"
    assert file["materials"][0]["number"] == receipt["number"]
    assert file["applicants"][0]["agents"][0]["name"] == "黄律师"
    assert [d["kind"] for d in file["documents"]] == ["QUERY_CONTROL_RULING"]
    decide = step(file, "DECIDE_CONTROL")
    assert (decide["mutation"], decide["allowed"], decide["reason"]) == ("decideControlMeasures", True, None)
    assert not step(await detail(api, number, as_="command"), "DECIDE_CONTROL")["allowed"]  # read-only
    [account] = file["findings"]
    assert (account["category"], account["value"]) == ("BANK_DEPOSIT", "3000.00")

    # Findings by hand, control (Art. 15), and a release.
    found = (await ok(api, "RecordAssetFindings", {"input": {"caseId": file["id"], "findings": [{
        "category": "VEHICLE", "institution": "云浮市公安局交通警察支队车辆管理所",
        "description": "粤W·3K521 小型轿车", "value": "68000.00"}]}}, as_="center"))["case"]
    assert found["stage"] == "ANALYSING" and len(found["findings"]) == 2
    car = next(f for f in found["findings"] if f["category"] == "VEHICLE")
    assert car["source"] == "MANUAL"
    controlled = (await ok(api, "DecideControlMeasures", {"input": {"caseId": file["id"], "measures": [
        {"findingId": account["id"], "measure": "FREEZE", "amount": "3000.00"},
        {"findingId": car["id"], "measure": "SEIZE", "amount": "68000.00"}]}}, as_="center"))["case"]
    assert (controlled["controlledTotal"], controlled["fullyControlled"]) == ("71000.00", False)
    assert sorted(d["variant"] for d in controlled["openDeadlines"] if d["kind"] == "MEASURE_RENEWAL") == [
        "BANK_DEPOSIT", "MOVABLES"]
    seizure = next(m for m in controlled["controlMeasures"] if m["measure"] == "SEIZE")
    released = (await ok(api, "ReleaseControlMeasure", {"input": {
        "measureId": seizure["id"], "reason": "案外人提供担保"}}, as_="center"))["case"]
    assert released["controlledTotal"] == "3000.00"
    assert next(m for m in released["controlMeasures"] if m["id"] == seizure["id"])["status"] == "RELEASED"

    # --- The bureau chief: an extension of the query-and-control time limit (Art. 16) -----------
    query_control = deadline(file, "QUERY_CONTROL")
    assert (query_control["dueOn"], query_control["extendableTo"]) == ("2024-02-21", 7)
    asked = await ok(api, "RequestDeadlineExtension", {"deadlineId": query_control["id"],
                                                       "reason": "车辆查控反馈延迟"}, as_="center")
    assert (asked["extensionRequest"]["status"], asked["extensionRequest"]["proposedDueOn"]) == (
        "PENDING", "2024-02-23")
    notes = await run(api, "Notifications", {"unreadOnly": True}, as_="chief")
    assert notes["unreadNotificationCount"] == 1
    [note] = edges(notes["notifications"])
    assert note["kind"] == "EXTENSION_REQUESTED" and not note["read"]
    subject = (await run(api, "NodeById", {"id": note["subjectId"]}, as_="chief"))["node"]
    assert subject["__typename"] in ("DeadlineExtensionRequest", "Deadline", "Case")
    [pending] = edges((await run(api, "PendingExtensionRequests", as_="chief"))["pendingExtensionRequests"])
    assert (pending["id"], pending["case"]["number"], pending["fromDueOn"]) == (
        asked["extensionRequest"]["id"], number, "2024-02-21")
    assert (await run(api, "PendingExtensionRequests", as_="command"))["pendingExtensionRequests"][
        "totalCount"] == 1  # the command centre reads them
    decided = await ok(api, "DecideDeadlineExtension", {"input": {
        "requestId": pending["id"], "approve": True, "note": "同意延长"}}, as_="chief")
    assert (decided["extensionRequest"]["status"], decided["extensionRequest"]["toDueOn"]) == (
        "APPROVED", "2024-02-23")
    assert (decided["deadline"]["dueOn"], decided["deadline"]["extended"]) == ("2024-02-23", True)
    read = await ok(api, "MarkNotificationsRead", {"ids": [note["id"]]}, as_="chief")
    assert (read["marked"], read["unreadCount"]) == (1, 0)
    assert (await run(api, "PendingExtensionRequests", as_="chief"))["pendingExtensionRequests"]["totalCount"] == 0

    # --- The command centre watches the deadlines --------------------------------------------------
    watched = edges((await run(api, "Deadlines", {"filter": {"kind": "QUERY_CONTROL"}}, as_="command"))["deadlines"])
    assert [(d["case"]["number"], d["dueOn"], d["extended"]) for d in watched] == [(number, "2024-02-23", True)]

    # --- The centre completes query-and-control; the transfer follows (Arts. 16-17) -------------
    completed = (await ok(api, "CompleteQueryControl", {"caseId": file["id"]}, as_="center"))["case"]
    assert next(d for d in completed["deadlines"] if d["kind"] == "QUERY_CONTROL")["status"] == "MET"
    await workers.drain()
    file = await detail(api, number)
    assert file["stage"] == "TRANSFERRED" and file["transferredOn"] == "2024-02-08"
    assert file["team"]["name"] == "执行实施一团队"  # the default strategy: fewest open cases
    [supervised] = await worklist(api, "command", "INVESTIGATE", number)  # the command centre sees all
    assert supervised["team"]["name"] == "执行实施一团队"
    [transferred] = edges((await run(api, "Cases", {"filter": {"stage": ["TRANSFERRED"]}}, as_="command"))["cases"])
    assert transferred["number"] == number

    # --- The implementation team: the work item, investigation, mediation (Arts. 17-18) ---------
    seen_by_team = (await run(api, "CaseByNumber", {"number": number}, as_="impl1"))["case"]
    assert (seen_by_team["stage"], seen_by_team["team"]["name"]) == ("TRANSFERRED", "执行实施一团队")
    assert seen_by_team["applicants"][0]["idNumber"] == APPLICANT_ID  # the case's team needs it
    [item] = await worklist(api, "impl1", "INVESTIGATE", number)
    assert item["status"] == "OPEN"
    opened = (await run(api, "WorkItemDetail", {"id": item["id"]}, as_="impl1"))["node"]
    assert opened["__typename"] == "WorkItem" and opened["case"]["number"] == number
    [investigated] = [o for o in opened["allowedOutcomes"] if o["outcome"] == "INVESTIGATED"]
    assert investigated["mutation"] == "completeWorkItem"
    assert (investigated["allowed"], bool(investigated["reason"])) == (False, True)  # claim it first
    claimed = (await ok(api, "ClaimWorkItem", {"id": item["id"]}, as_="impl1"))["workItem"]
    assert (claimed["status"], claimed["assignee"]["name"]) == ("CLAIMED", "张伟强")
    opened = (await run(api, "WorkItemDetail", {"id": item["id"]}, as_="impl1"))["node"]
    assert [o["allowed"] for o in opened["allowedOutcomes"] if o["outcome"] == "INVESTIGATED"] == [True]
    given_back = (await ok(api, "UnclaimWorkItem", {"id": item["id"], "version": opened["version"]},
                           as_="impl1"))["workItem"]
    assert (given_back["status"], given_back["assignee"]) == ("OPEN", None)
    impl1 = await staff_id(api, "impl1", as_="impl1-lead")
    given = (await ok(api, "ReassignWorkItem", {"input": {"id": item["id"], "assigneeId": impl1}},
                      as_="impl1-lead"))["workItem"]
    assert (given["status"], given["assignee"]["id"]) == ("CLAIMED", impl1)
    done = (await ok(api, "CompleteWorkItem", {"input": {"id": item["id"], "outcome": "INVESTIGATED",
                                                         "note": "走访被执行人经营场所"}}, as_="impl1"))
    assert done["workItem"]["status"] == "DONE" and done["case"]["stage"] == "TRANSFERRED"
    recorded = (await ok(api, "RecordTeamWork", {"input": {
        "caseId": file["id"], "kind": "PROPERTY_REPORT", "note": "被执行人申报财产"}}, as_="impl1"))["case"]
    assert recorded["records"][-1]["kind"] == "PROPERTY_REPORT" and recorded["handler"]["name"] == "张伟强"
    [mine] = edges((await run(api, "Cases", {"filter": {"mine": True}}, as_="impl1"))["cases"])
    assert mine["number"] == number and mine["handler"]["name"] == "张伟强"
    assert (await run(api, "Cases", {"filter": {"mine": True}}, as_="impl2"))["cases"]["totalCount"] == 0

    # The consultation window meanwhile: disclosure, the judge's phone, a petition (Art. 10).
    at = await windows(api, "consult")
    told = (await ok(api, "DiscloseCaseStatus", {"input": {
        "windowId": at["consultation-disclosure"], "caseNumber": number, "identityDocument": APPLICANT_ID}},
        as_="consult"))["disclosure"]
    assert (told["verified"], told["caseNumber"], told["stage"], told["verifiedAs"]) == (
        True, number, "TRANSFERRED", "PARTY")
    assert told["contact"]["name"] == "张伟强" and told["contact"]["officePhone"] == "0766-7512311"
    contact = (await ok(api, "ContactJudge", {"input": {
        "windowId": at["consultation-disclosure"], "caseNumber": number, "identityDocument": APPLICANT_ID,
        "note": "希望尽快执行"}}, as_="consult"))["result"]
    assert (contact["verified"], contact["judgeName"], contact["officePhone"]) == (True, "张伟强", "0766-7512311")
    asked_for = edges((await run(api, "Notifications", as_="impl1"))["notifications"])
    assert asked_for[0]["kind"] == "PARTY_ASKED_FOR_JUDGE" and "希望尽快执行" in asked_for[0]["body"]
    petition = (await ok(api, "RecordPetition", {"input": {
        "windowId": at["consultation-disclosure"], "petitionerName": "陈某", "caseNumber": number,
        "content": "反映执行进度缓慢"}}, as_="consult"))["petition"]
    assert (petition["status"], petition["case"]["number"]) == ("OPEN", number)
    assert [i["case"]["number"] for i in await worklist(api, "center-head", "PETITION")] == [number]

    started = (await ok(api, "StartMediation", {"caseId": file["id"], "note": "传唤双方到庭调解"},
                        as_="impl1"))["case"]
    assert started["stage"] == "MEDIATING"
    mediated = (await ok(api, "RecordMediationOutcome", {"input": {
        "caseId": file["id"], "outcome": "FAILED", "note": "双方未达成和解"}}, as_="impl1"))["case"]
    assert mediated["mediationOutcome"] == "FAILED"

    # --- Affairs Handling converts (Arts. 9, 20(3)) ------------------------------------------------
    [convert] = await worklist(api, "affairs", "CONVERT", number)
    assert convert["candidateRole"] == "AFFAIRS_CLERK"
    converted = await ok(api, "ConvertCase", {"caseId": file["id"]}, as_="affairs")
    zhi = converted["case"]
    assert (zhi["number"], zhi["type"], zhi["stage"]) == ("（2024）粤5322执1号", "ZHI", "ENFORCING")
    assert [c["number"] for c in zhi["relatedCases"]] == [number]
    origin = converted["preservationCase"]
    assert (origin["stage"], origin["closingMethod"], origin["closedOn"]) == (
        "CONVERTED", "PARTLY_PRESERVED", "2024-02-08")

    # --- Compulsory execution, then 终本 after three months (法〔2016〕373号) ---------------------
    for kind, note in (("INVESTIGATION", "网络查控及传统调查"), ("APPLICANT_INFORMED", "已告知申请执行人终本后果")):
        await ok(api, "RecordTeamWork", {"input": {"caseId": zhi["id"], "kind": kind, "note": note}}, as_="impl1")
    early = await refused(api, "CloseCase", {"caseId": zhi["id"], "method": "TERMINATED_CURRENT_PROCEDURE"},
                          as_="impl1")
    assert (early["field"], early["code"]) == (["input", "method"], "NOT_ALLOWED")
    assert early["messageEn"] and early["message"]
    clock.advance(days=97)  # Wednesday 2024-05-15
    zhi_file = await detail(api, zhi["number"], as_="impl1")
    freeze = next(m for m in zhi_file["controlMeasures"] if m["status"] == "IN_FORCE")
    renewed = (await ok(api, "RenewControlMeasure", {"input": {"measureId": freeze["id"],
                                                                "effectiveOn": "2024-05-15"}}, as_="impl1"))["case"]
    carried = next(m for m in renewed["controlMeasures"] if m["renewedFromId"] == freeze["id"])
    assert (carried["startsOn"], carried["status"], renewed["controlledTotal"]) == ("2024-05-15", "IN_FORCE",
                                                                                      "3000.00")
    closed = (await ok(api, "CloseCase", {"caseId": zhi["id"], "method": "TERMINATED_CURRENT_PROCEDURE"},
                       as_="impl1"))["case"]
    assert (closed["stage"], closed["closingMethod"], closed["closedOn"]) == (
        "CLOSED", "TERMINATED_CURRENT_PROCEDURE", "2024-05-15")

    # --- New property found: the applicant applies to resume (Art. 10(4)) -------------------------
    resumed = await ok(api, "ApplyResumeExecution", {"input": {
        "windowId": at["consultation-disclosure"], "caseNumber": zhi["number"], "identityDocument": APPLICANT_ID,
        "reason": "发现被执行人新购车辆", "ground": "PROPERTY_FOUND"}}, as_="consult")
    assert resumed["verified"] is True
    assert (resumed["case"]["number"], resumed["case"]["type"], resumed["case"]["resumptionGround"]) == (
        "（2024）粤5322执恢1号", "ZHI_HUI", "PROPERTY_FOUND")
    assert [c["number"] for c in resumed["case"]["relatedCases"]] == [zhi["number"]]

    # --- Art. 21: both archived; the 执 case's file holds the preservation case's -----------------
    archived = (await ok(api, "ArchiveCase", {"caseId": file["id"]}, as_="center"))["case"]
    assert archived["stage"] == "ARCHIVED" and archived["archivedOn"] == "2024-05-15"
    assert (await ok(api, "ArchiveCase", {"caseId": zhi["id"]}, as_="center"))["case"]["stage"] == "ARCHIVED"
    zhi_file = await detail(api, zhi["number"])
    assert "QUERY_CONTROL_RULING" in [d["kind"] for d in zhi_file["documents"]]
    actions = [e["node"]["action"] for e in zhi_file["history"]["edges"]]
    assert "ARCHIVE_CASE" in actions and "CONVERT_CASE" in actions
    assert not any(s["allowed"] for s in zhi_file["allowedSteps"])
    # Nothing of the case is left on anyone's worklist but the resumed case's own work.
    assert await worklist(api, "command", None, number) == []
