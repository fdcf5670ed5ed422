"""Issue 12, item 6: who reads window records (visits, first contacts, petitions, materials).

The window's staff, the centre head, the bureau chief and the command centre read them all;
whoever may read the case a record names reads that record; nobody else - not another team, not
the gateway's machine account, not the administrator - reads any.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from .test_windows import transferred_case, window_id

RECORDS = ("visit_on_case", "visit", "first_contact", "petition_on_case", "petition", "materials")
EVERYTHING = set(RECORDS)
ON_A_CASE = {"visit_on_case", "petition_on_case", "materials"}

# Who reads which record (the case belongs to the team of "team-member").
EXPECTED: dict[str, set[str]] = {
    # the affairs window recorded both visits, the first contact and the materials
    "affairs": {"visit_on_case", "visit", "first_contact", "materials", "petition_on_case"},
    # the consultation window recorded both petitions; it reads every case
    "consult": {"petition_on_case", "petition", "visit_on_case", "materials"},
    "center-head": EVERYTHING,
    "chief": EVERYTHING,
    "command": EVERYTHING,
    "center": ON_A_CASE,  # the centre's officers read every case, not the windows' other records
    "filing": ON_A_CASE,  # files the converted cases: reads every case
    "team-member": ON_A_CASE,  # the case is their team's
    "other-team": set(),
    "gateway": set(),
    "admin": set(),
}
MEMBERS = {"impl-1": "impl1", "impl-2": "impl2", "impl-3": "impl3"}


async def record(api, mutation: str, payload: str, field: str, variables: dict, as_: str) -> str:
    data = await api.gql(mutation, {"input": variables}, as_=as_)
    result = data[payload]
    assert result["userErrors"] == [], result
    return result[field]["id"]


@pytest.fixture
async def records(api):
    case = await transferred_case(api)
    affairs = await window_id(api, "affairs-handling")
    consult = await window_id(api, "consultation-disclosure")
    visit = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
      visit { id } userErrors { message: messageEn } } }"""
    petition = """mutation($input: RecordPetitionInput!) { recordPetition(input: $input) {
      petition { id } userErrors { message: messageEn } } }"""
    ids = {
        "visit_on_case": await record(api, visit, "recordVisit", "visit", {
            "windowId": affairs, "visitor": {"name": "陈某", "phone": "13800138000"},
            "purpose": "MATERIALS", "request": "补交财产线索", "caseNumber": case.number}, "affairs"),
        "visit": await record(api, visit, "recordVisit", "visit", {
            "windowId": affairs, "visitor": {"name": "张某"}, "purpose": "FILING",
            "request": "咨询立案"}, "affairs"),
        "first_contact": await record(
            api,
            """mutation($input: RecordFirstContactInput!) { recordFirstContact(input: $input) {
              firstContact { id } userErrors { message: messageEn } } }""",
            "recordFirstContact", "firstContact",
            {"windowId": affairs, "applicantName": "赵某", "reason": "TITLE_NOT_EFFECTIVE",
             "legalBasis": "民事诉讼法第二百四十三条", "told": "判决生效后再申请执行"}, "affairs"),
        "petition_on_case": await record(api, petition, "recordPetition", "petition", {
            "windowId": consult, "petitionerName": "陈某", "caseNumber": case.number,
            "content": "反映执行进度缓慢"}, "consult"),
        "petition": await record(api, petition, "recordPetition", "petition", {
            "windowId": consult, "petitionerName": "李某", "content": "反映窗口服务态度"}, "consult"),
        "materials": await record(
            api,
            """mutation($input: ReceiveMaterialsInput!) { receiveMaterials(input: $input) {
              receipt { id } userErrors { message: messageEn } } }""",
            "receiveMaterials", "receipt",
            {"windowId": affairs, "submittedBy": "陈某", "caseNumber": case.number,
             "items": [{"name": "财产线索材料"}]}, "affairs"),
    }
    async with api.ctx.sessionmaker() as session:
        team = await session.scalar(sa.text("SELECT code FROM teams WHERE id = :id"), {"id": case.team_id})
    member = MEMBERS[team]
    other = next(name for code, name in MEMBERS.items() if code != team)
    return ids, {"team-member": member, "other-team": other}, affairs


@pytest.mark.parametrize("role", sorted(EXPECTED))
async def test_each_role_reads_exactly_its_window_records(api, records, role) -> None:
    ids, stand_ins, affairs = records
    username = stand_ins.get(role, role)
    seen = set()
    for name in RECORDS:
        node = (await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": ids[name]},
                              as_=username))["node"]
        if node is not None:
            assert node["id"] == ids[name]
            seen.add(name)
    assert seen == EXPECTED[role], username
    # The lists apply the same rule (their SQL form agrees with the check above).
    lists = await api.gql(
        "query($w: ID!) { visits(windowId: $w) { id } firstContacts(windowId: $w) { id } }",
        {"w": affairs}, as_=username)
    listed = {i["id"] for i in lists["visits"] + lists["firstContacts"]}
    kinds = {"visit_on_case", "visit", "first_contact"}
    assert listed == {ids[name] for name in EXPECTED[role] & kinds}, username


@pytest.mark.parametrize("role,allowed", [
    ("affairs", True), ("center-head", True), ("chief", True), ("command", True),
    ("consult", False), ("center", False), ("team-member", False), ("gateway", False), ("admin", False),
])
async def test_a_windows_day_is_for_its_staff_and_the_leadership(api, records, role, allowed) -> None:
    _, stand_ins, affairs = records
    body = await api.gql("query($w: ID!) { windowDay(windowId: $w) { visits } }", {"w": affairs},
                         as_=stand_ins.get(role, role), expect_errors=True)
    if allowed:
        assert "errors" not in body and body["data"]["windowDay"]["visits"] == 2
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["errors"][0]["path"] == ["windowDay"]


async def test_visitor_details_stay_masked_outside_the_window(api, records) -> None:
    ids, stand_ins, _ = records
    query = "query($id: ID!) { node(id: $id) { ... on Visit { visitorPhone } } }"
    own = await api.gql(query, {"id": ids["visit_on_case"]}, as_="affairs")
    team = await api.gql(query, {"id": ids["visit_on_case"]}, as_=stand_ins["team-member"])
    assert own["node"]["visitorPhone"] == "13800138000"
    assert team["node"]["visitorPhone"] != "13800138000" and "*" in team["node"]["visitorPhone"]
