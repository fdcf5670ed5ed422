"""Issue 13, item 1: no dead ends in the graph.

Every type implementing Node resolves through node(id:) for a viewer who may see it (and to
null for one who may not); every id the API hands out (work items' and notifications' subjectId)
names a real type; objects link to what a screen shows next to them; the chief's pending
extension requests are on the chief's worklist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from graphql import GraphQLObjectType, build_schema

from exec_center.api.ids import to_global_id
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.services import deadlines
from exec_center.services.unit_of_work import UnitOfWork

from .test_case_paths import analysing, deposit
from .test_windows import transferred_case, window_id

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text()
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
ERRORS = "userErrors { field message: messageEn code }"
REQUEST = f"""mutation($input: RequestDeadlineExtensionInput!) {{ requestDeadlineExtension(input: $input) {{
  extensionRequest {{ id status proposedDueOn }} {ERRORS} }} }}"""
DECIDE = f"""mutation($input: DecideDeadlineExtensionInput!) {{ decideDeadlineExtension(input: $input) {{
  extensionRequest {{ id status toDueOn proposedDueOn }} {ERRORS} }} }}"""
ITEMS = """query($f: WorkItemFilter) { worklist(first: 100, filter: $f) { edges { node {
  id kind status outcome subjectId candidateRole dueOn version } } } }"""
CLAIM = f"""mutation($input: ClaimWorkItemInput!) {{ claimWorkItem(input: $input) {{
  workItem {{ status }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($input: CompleteWorkItemInput!) {{ completeWorkItem(input: $input) {{
  workItem {{ status outcome }} {ERRORS} }} }}"""


async def ok(api, mutation: str, field: str, variables: dict, as_: str) -> dict:
    payload = (await api.gql(mutation, {"input": variables}, as_=as_))[field]
    assert payload["userErrors"] == [], payload
    return payload


async def node(api, global_id: str, as_: str) -> dict | None:
    """What node(id:) gives this viewer: the object, or None (null, or refused outright)."""
    body = await api.gql(NODE, {"id": global_id}, as_=as_, expect_errors=True)
    return (body.get("data") or {}).get("node")


async def node_types(api) -> set[str]:
    data = await api.gql('{ __type(name: "Node") { possibleTypes { name } } }', as_="chief")
    return {t["name"] for t in data["__type"]["possibleTypes"]}


async def request_extension(api, deadline_id: str, as_: str = "center") -> dict:
    payload = await ok(api, REQUEST, "requestDeadlineExtension",
                       {"deadlineId": deadline_id, "reason": "查控反馈延迟"}, as_)
    return payload["extensionRequest"]


async def chief_items(api, kind: str, status: list[str] | None = None) -> list[dict]:
    flt: dict = {"kind": [kind]}
    if status:
        flt["status"] = status
    data = await api.gql(ITEMS, {"f": flt}, as_="chief")
    return [e["node"] for e in data["worklist"]["edges"]]


@pytest.fixture
async def graph(api, workers) -> dict[str, tuple[str, str, str | None]]:
    """One object of every Node type, made through the API: type -> (id, a viewer who may see
    it, a viewer who may not; None when every signed-in person may)."""
    file = await analysing(api, workers, deposit("125000.00"))
    case_id, number = file["id"], file["number"]
    decided = await ok(api, """mutation($input: DecideControlMeasuresInput!) { decideControlMeasures(input: $input) {
      case { controlMeasures { id } } userErrors { field message: messageEn code } } }""", "decideControlMeasures",
                       {"caseId": case_id, "measures": [{"findingId": file["findings"][0]["id"],
                                                        "measure": "FREEZE", "amount": "125000.00"}]},
                       "center")
    measure = decided["case"]["controlMeasures"][0]["id"]
    parts = (await api.gql("""query($n: String!) { case(number: $n) { applicants { id } documents { id }
      findings { id } deadlines { id kind } } }""", {"n": number}, as_="center"))["case"]
    party = parts["applicants"][0]["id"]
    agent = (await ok(api, """mutation($input: RegisterAgentInput!) { registerAgent(input: $input) {
      agent { id } userErrors { field message: messageEn code } } }""", "registerAgent",
                      {"partyId": party, "kind": "NEAR_RELATIVE", "name": "陈某某", "idNumber": "445322198503120010"},
                      "center"))["agent"]["id"]
    deadline = next(d["id"] for d in parts["deadlines"] if d["kind"] == "QUERY_CONTROL")
    request = (await request_extension(api, deadline))["id"]
    application = (await ok(api, """mutation($input: FileAdjudicationApplicationInput!) {
      fileAdjudicationApplication(input: $input) { application { id } userErrors { field message: messageEn code } } }""",
                            "fileAdjudicationApplication",
                            {"caseId": case_id, "kind": "OBJECTION", "applicantName": "郁南县某建材有限公司",
                             "summary": "被执行人对冻结提出异议"}, "affairs"))["application"]["id"]
    affairs = await window_id(api, "affairs-handling")
    consult = await window_id(api, "consultation-disclosure")
    visit = (await ok(api, """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
      visit { id } userErrors { field message: messageEn code } } }""", "recordVisit",
                      {"windowId": affairs, "visitor": {"name": "陈某"}, "purpose": "MATERIALS",
                       "request": "补交财产线索", "caseNumber": number}, "affairs"))["visit"]["id"]
    first_contact = (await ok(api, """mutation($input: RecordFirstContactInput!) { recordFirstContact(input: $input) {
      firstContact { id } userErrors { field message: messageEn code } } }""", "recordFirstContact",
                              {"windowId": affairs, "applicantName": "赵某", "reason": "TITLE_NOT_EFFECTIVE",
                               "legalBasis": "民事诉讼法第二百四十三条", "told": "判决生效后再申请执行"},
                              "affairs"))["firstContact"]["id"]
    receipt = (await ok(api, """mutation($input: ReceiveMaterialsInput!) { receiveMaterials(input: $input) {
      receipt { id } userErrors { field message: messageEn code } } }""", "receiveMaterials",
                        {"windowId": affairs, "submittedBy": "陈某", "caseNumber": number,
                         "items": [{"name": "财产线索材料"}]}, "affairs"))["receipt"]["id"]
    petition = (await ok(api, """mutation($input: RecordPetitionInput!) { recordPetition(input: $input) {
      petition { id } userErrors { field message: messageEn code } } }""", "recordPetition",
                         {"windowId": consult, "petitionerName": "陈某", "caseNumber": number,
                          "content": "反映执行进度缓慢"}, "consult"))["petition"]["id"]
    message = (await ok(api, """mutation($input: IngestOnlineMessageInput!) { ingestOnlineMessage(input: $input) {
      message { id } userErrors { field message: messageEn code } } }""", "ingestOnlineMessage",
                        {"channel": "ONLINE_12368", "externalId": "12368-0001", "senderName": "陈某",
                         "content": "请问案件进展", "receivedAt": "2024-02-08T08:30:00+08:00"},
                        "gateway"))["message"]["id"]
    entry = (await ok(api, """mutation($input: AddCalendarEntryInput!) { addCalendarEntry(input: $input) {
      entry { id } userErrors { field message: messageEn code } } }""", "addCalendarEntry",
                      {"date": "2024-03-05", "working": False, "note": "郁南县停工通知"}, "admin"))["entry"]["id"]
    year = (await api.gql("{ calendar(year: 2024) { id } }", as_="center"))["calendar"]["id"]
    notification = (await api.gql("{ notifications { edges { node { id kind } } } }", as_="chief"))
    notification_id = next(e["node"]["id"] for e in notification["notifications"]["edges"]
                           if e["node"]["kind"] == "EXTENSION_REQUESTED")
    work_item = (await api.gql(ITEMS, {"f": {"caseNumber": number}}, as_="center"))["worklist"]["edges"][0]
    directory = await api.gql("{ me { id } teams { id } windows { id } }", as_="center")
    order = (await ok(api, """mutation($input: IssueSupervisionOrderInput!) { issueSupervisionOrder(input: $input) {
      supervisionOrder { id } userErrors { field message: messageEn code } } }""", "issueSupervisionOrder",
                      {"caseId": case_id, "instructions": "请加快查控进度"}, "chief"))["supervisionOrder"]["id"]
    export = (await ok(api, """mutation($input: RequestExportInput!) { requestExport(input: $input) {
      exportJob { id } userErrors { field message: messageEn code } } }""", "requestExport",
                       {"kind": "CASES", "format": "CSV"}, "center"))["exportJob"]["id"]
    return {
        "AdjudicationApplication": (application, "chief", "admin"),
        "Agent": (agent, "center", "admin"),
        "CalendarEntry": (entry, "impl1", None),
        "CalendarYear": (year, "gateway", None),
        "Case": (case_id, "center", "admin"),
        "ControlMeasure": (measure, "center", "admin"),
        "Deadline": (deadline, "center", "admin"),
        "DeadlineExtensionRequest": (request, "chief", "admin"),
        "Document": (parts["documents"][0]["id"], "center", "admin"),
        "Finding": (parts["findings"][0]["id"], "center", "admin"),
        "FirstContact": (first_contact, "affairs", "admin"),
        "MaterialsReceipt": (receipt, "affairs", "admin"),
        "Notification": (notification_id, "chief", "center"),
        "OnlineMessage": (message, "consult", "admin"),
        "Party": (party, "center", "admin"),
        "Petition": (petition, "consult", "admin"),
        "Staff": (directory["me"]["id"], "chief", "gateway"),
        "SupervisionOrder": (order, "center", "admin"),
        "ExportJob": (export, "center", "chief"),
        "Team": (directory["teams"][0]["id"], "impl1", None),
        "Visit": (visit, "affairs", "admin"),
        "Window": (directory["windows"][0]["id"], "impl1", None),
        "WorkItem": (work_item["node"]["id"], "center", "admin"),
    }


async def test_every_node_type_resolves_for_those_who_may_see_it(api, graph) -> None:
    types = await node_types(api)
    assert types - set(graph) == set(), "a Node type this test does not obtain an id for"
    for type_name in sorted(types):
        global_id, allowed, refused = graph[type_name]
        found = await node(api, global_id, allowed)
        assert found == {"__typename": type_name, "id": global_id}, (type_name, allowed)
        if refused is not None:
            assert await node(api, global_id, refused) is None, (type_name, refused)
        else:  # every signed-in person's, nobody else's
            body = await api.gql(NODE, {"id": global_id}, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", type_name


async def test_the_committed_schema_has_no_node_type_the_api_lacks(api) -> None:
    committed = {name for name, t in build_schema(SDL).type_map.items()
                 if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)}
    # The committed SDL may lag a new type; it never names one the API no longer has.
    assert committed - await node_types(api) <= {"CalendarYearView"}


async def test_every_subject_id_resolves(api, graph) -> None:
    # A deadline in a year whose holidays are not confirmed: the admin is asked to confirm it.
    async with UnitOfWork(api.ctx) as uow:
        await deadlines.start_deadline(uow, owner_type="Case", owner_id=1, kind=DeadlineKind.ONLINE_REPLY,
                                       starts_on=date(2035, 6, 1), responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    data = await api.gql("""{ worklist(first: 100, filter: {status: [OPEN, CLAIMED, DONE, CANCELLED]}) {
      edges { node { kind subjectId } } } }""", as_="chief")
    subjects = {(e["node"]["kind"], e["node"]["subjectId"]) for e in data["worklist"]["edges"]}
    kinds = {kind for kind, _ in subjects}
    assert {"DECIDE_EXTENSION", "CONFIRM_CALENDAR_YEAR", "VISIT", "PETITION", "ANALYSE_FINDINGS",
            "CLASSIFY_MESSAGE", "ADJUDICATION_APPLICATION"} <= kinds, kinds
    for kind, subject in sorted(subjects):
        assert await node(api, subject, "chief") is not None, (kind, subject)
    for user in ("chief", "center", "affairs", "impl1", "impl2", "impl3", "center-head", "impl1-lead"):
        notes = await api.gql("{ notifications(first: 100) { edges { node { kind subjectId } } } }", as_=user)
        for edge in notes["notifications"]["edges"]:
            subject = edge["node"]["subjectId"]
            if subject is not None:
                assert await node(api, subject, user) is not None, (user, edge["node"])


async def test_a_notification_of_a_request_names_the_request(api, graph) -> None:
    request_id = graph["DeadlineExtensionRequest"][0]
    notes = await api.gql("{ notifications { edges { node { kind subjectId } } } }", as_="chief")
    [subject] = [e["node"]["subjectId"] for e in notes["notifications"]["edges"]
                 if e["node"]["kind"] == "EXTENSION_REQUESTED"]
    assert subject == request_id


async def test_deadlines_and_requests_link_to_their_case(api, graph) -> None:
    case_id = graph["Case"][0]
    request_id = graph["DeadlineExtensionRequest"][0]
    query = """query($id: ID!) { node(id: $id) { ... on DeadlineExtensionRequest { status proposedDueOn toDueOn
      deadline { id dueOn extendableTo case { id } } case { id number } } } }"""
    request = (await api.gql(query, {"id": request_id}, as_="chief"))["node"]
    assert request["deadline"]["id"] == graph["Deadline"][0]
    assert request["deadline"]["case"]["id"] == case_id and request["case"]["id"] == case_id
    assert request["status"] == "PENDING" and request["toDueOn"] is None
    assert request["proposedDueOn"] > request["deadline"]["dueOn"]
    proposed = request["proposedDueOn"]
    decided = await ok(api, DECIDE, "decideDeadlineExtension", {"requestId": request_id, "approve": True}, "chief")
    assert decided["extensionRequest"]["toDueOn"] == proposed  # what was shown is what it gave
    assert decided["extensionRequest"]["proposedDueOn"] is None
    # A case of the adjudication application's deadline, through the application.
    data = await api.gql("""query($id: ID!) { node(id: $id) { ... on Case { deadlines { kind case { id } } } } }""",
                         {"id": case_id}, as_="chief")
    assert {d["case"]["id"] for d in data["node"]["deadlines"]} == {case_id}
    # A deadline of no case links to none.
    async with UnitOfWork(api.ctx) as uow:
        orphan = await deadlines.start_deadline(uow, owner_type="Case", owner_id=999_999,
                                                kind=DeadlineKind.QUERY_CONTROL, starts_on=date(2024, 2, 8),
                                                responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    data = await api.gql("query($id: ID!) { node(id: $id) { ... on Deadline { case { id } } } }",
                         {"id": to_global_id("Deadline", orphan.id)}, as_="center")
    assert data["node"] == {"case": None}


async def test_window_records_link_to_their_window_and_case(api, graph) -> None:
    case_id = graph["Case"][0]
    affairs = await window_id(api, "affairs-handling")
    consult = await window_id(api, "consultation-disclosure")
    query = """query($id: ID!) { node(id: $id) {
      ... on Visit { createdAt window { id } case { id } }
      ... on FirstContact { createdAt window { id } }
      ... on Petition { createdAt window { id } case { id } }
      ... on MaterialsReceipt { receivedAt window { id } case { id } } } }"""
    visit = (await api.gql(query, {"id": graph["Visit"][0]}, as_="affairs"))["node"]
    assert visit["window"]["id"] == affairs and visit["case"]["id"] == case_id
    assert visit["createdAt"].startswith("2024-02-08")
    contact = (await api.gql(query, {"id": graph["FirstContact"][0]}, as_="affairs"))["node"]
    assert contact["window"]["id"] == affairs
    petition = (await api.gql(query, {"id": graph["Petition"][0]}, as_="consult"))["node"]
    assert petition["window"]["id"] == consult and petition["case"]["id"] == case_id
    assert petition["createdAt"].startswith("2024-02-08")
    receipt = (await api.gql(query, {"id": graph["MaterialsReceipt"][0]}, as_="affairs"))["node"]
    assert receipt["window"]["id"] == affairs and receipt["case"]["id"] == case_id


async def test_a_link_is_no_side_door_to_a_case(api) -> None:
    """The case's own team reads a visit about it; the case link shows only to case readers."""
    case = await transferred_case(api)
    affairs = await window_id(api, "affairs-handling")
    visit = (await ok(api, """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
      visit { id } userErrors { field message: messageEn code } } }""", "recordVisit",
                      {"windowId": affairs, "visitor": {"name": "陈某"}, "purpose": "MATERIALS",
                       "request": "补交财产线索", "caseNumber": case.number}, "affairs"))["visit"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on Visit { window { code } case { number } } } }"
    seen = (await api.gql(query, {"id": visit}, as_="center-head"))["node"]
    assert seen == {"window": {"code": "affairs-handling"}, "case": {"number": case.number}}
    members = {"impl-1": "impl1", "impl-2": "impl2", "impl-3": "impl3"}
    async with api.ctx.sessionmaker() as session:
        team = await session.scalar(sa.text("SELECT code FROM teams WHERE id = :id"), {"id": case.team_id})
    outsider = next(name for code, name in members.items() if code != team)
    assert (await api.gql(query, {"id": visit}, as_=outsider))["node"] is None


async def test_a_case_shows_when_it_was_transferred_closed_and_archived(api, clock) -> None:
    case = await transferred_case(api)
    query = "query($n: String!) { case(number: $n) { id stage transferredOn closedOn archivedOn } }"
    file = (await api.gql(query, {"n": case.number}, as_="center"))["case"]
    assert file["stage"] == "TRANSFERRED"
    assert (file["transferredOn"], file["closedOn"], file["archivedOn"]) == ("2024-02-08", None, None)
    clock.advance(days=1)
    converted = (await api.gql("""mutation($id: ID!) { convertCase(input: {caseId: $id}) {
      preservationCase { stage closedOn } case { number transferredOn archivedOn }
      userErrors { field message: messageEn code } } }""", {"id": file["id"]}, as_="affairs"))["convertCase"]
    assert converted["userErrors"] == [], converted
    assert converted["preservationCase"] == {"stage": "CONVERTED", "closedOn": "2024-02-09"}
    # The 执 case stays with the team its 执保 case was transferred to.
    assert converted["case"]["transferredOn"] == "2024-02-08"
    assert converted["case"]["archivedOn"] is None
    clock.advance(days=1)
    archived = (await api.gql("""mutation($id: ID!) { archiveCase(input: {caseId: $id}) {
      case { stage archivedOn transferredOn } userErrors { field message: messageEn code } } }""",
                              {"id": file["id"]}, as_="center"))["archiveCase"]
    assert archived["userErrors"] == [], archived
    assert archived["case"] == {"stage": "ARCHIVED", "archivedOn": "2024-02-10", "transferredOn": "2024-02-08"}


async def test_a_request_lands_on_the_chiefs_worklist_and_leaves_it_when_decided(api, graph) -> None:
    request_id = graph["DeadlineExtensionRequest"][0]
    [item] = await chief_items(api, "DECIDE_EXTENSION")
    assert item["subjectId"] == request_id and item["candidateRole"] == "BUREAU_CHIEF"
    assert item["status"] == "OPEN"
    deadline = (await api.gql("query($id: ID!) { node(id: $id) { ... on Deadline { dueOn } } }",
                              {"id": graph["Deadline"][0]}, as_="chief"))["node"]
    assert item["dueOn"] == deadline["dueOn"]  # decide before the deadline falls due
    assert await api.gql(ITEMS, {"f": {"kind": ["DECIDE_EXTENSION"]}}, as_="center") == {"worklist": {"edges": []}}

    await ok(api, DECIDE, "decideDeadlineExtension", {"requestId": request_id, "approve": False, "note": "理由不足"},
             "chief")
    assert await chief_items(api, "DECIDE_EXTENSION") == []
    [done] = await chief_items(api, "DECIDE_EXTENSION", ["DONE"])
    assert (done["status"], done["outcome"]) == ("DONE", "REFUSED")
    history = await api.gql("""query($id: ID!) { node(id: $id) { ... on WorkItem { history { edges { node {
      action actor { username } } } } } } }""", {"id": done["id"]}, as_="chief")
    assert {"action": "COMPLETE_WORK_ITEM", "actor": {"username": "chief"}} in [
        e["node"] for e in history["node"]["history"]["edges"]]


async def test_completing_the_chiefs_item_decides_the_request(api, graph) -> None:
    request_id = graph["DeadlineExtensionRequest"][0]
    [item] = await chief_items(api, "DECIDE_EXTENSION")
    await ok(api, CLAIM, "claimWorkItem", {"id": item["id"]}, "chief")
    refused = (await api.gql(COMPLETE, {"input": {"id": item["id"], "outcome": "REFUSED"}},
                             as_="chief"))["completeWorkItem"]
    assert refused["userErrors"][0]["field"] == ["input", "note"]  # a refusal says why
    done = await ok(api, COMPLETE, "completeWorkItem", {"id": item["id"], "outcome": "APPROVED"}, "chief")
    assert done["workItem"] == {"status": "DONE", "outcome": "APPROVED"}
    request = (await api.gql("query($id: ID!) { node(id: $id) { ... on DeadlineExtensionRequest { status toDueOn "
                             "decidedBy { username } deadline { dueOn extended } } } }",
                             {"id": request_id}, as_="chief"))["node"]
    assert request["status"] == "APPROVED" and request["decidedBy"] == {"username": "chief"}
    assert request["deadline"] == {"dueOn": request["toDueOn"], "extended": True}
    again = (await api.gql(DECIDE, {"input": {"requestId": request_id, "approve": True}},
                           as_="chief"))["decideDeadlineExtension"]
    assert again["userErrors"][0]["code"] == "ALREADY_DONE"
