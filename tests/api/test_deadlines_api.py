"""Deadlines, extensions, notifications and the calendar through GraphQL."""

from __future__ import annotations

from datetime import date

from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.services import deadlines
from exec_center.services.unit_of_work import UnitOfWork

DEADLINE = "id kind kindLabel startsOn dueOn status statusLabel provisional extended overdue extendableTo"
REQUEST = f"""mutation($input: RequestDeadlineExtensionInput!) {{ requestDeadlineExtension(input: $input) {{
  extensionRequest {{ id status statusLabel reason requestedBy {{ username }} }}
  deadline {{ {DEADLINE} }} userErrors {{ field message: messageEn code }} }} }}"""
DECIDE = f"""mutation($input: DecideDeadlineExtensionInput!) {{ decideDeadlineExtension(input: $input) {{
  extensionRequest {{ status toDueOn decidedBy {{ username }} }}
  deadline {{ {DEADLINE} history {{ edges {{ node {{ action summary actor {{ username }} }} }} }} }}
  userErrors {{ field message: messageEn code }} }} }}"""


async def _deadline(api, kind=DeadlineKind.QUERY_CONTROL, starts_on=date(2024, 2, 8)) -> str:
    from exec_center.api.ids import to_global_id

    async with UnitOfWork(api.ctx) as uow:
        d = await deadlines.start_deadline(uow, owner_type="Case", owner_id=1, kind=kind, starts_on=starts_on,
                                           responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    return to_global_id("Deadline", d.id)


async def test_request_and_approve_an_extension(api) -> None:
    deadline_id = await _deadline(api)
    payload = (await api.gql(REQUEST, {"input": {"deadlineId": deadline_id, "reason": "查控反馈延迟"}},
                             as_="center"))["requestDeadlineExtension"]
    assert payload["userErrors"] == []
    assert payload["extensionRequest"]["status"] == "PENDING"
    assert payload["extensionRequest"]["statusLabel"] == "待审批"
    assert payload["deadline"]["dueOn"] == "2024-02-21"
    notes = await api.gql("{ unreadNotificationCount notifications { edges { node { kind title subjectId } } } }",
                          as_="chief")
    assert notes["unreadNotificationCount"] == 1
    assert notes["notifications"]["edges"][0]["node"]["kind"] == "EXTENSION_REQUESTED"

    request_id = payload["extensionRequest"]["id"]
    decided = (await api.gql(DECIDE, {"input": {"requestId": request_id, "approve": True}},
                             as_="chief"))["decideDeadlineExtension"]
    assert decided["userErrors"] == []
    assert decided["extensionRequest"] == {"status": "APPROVED", "toDueOn": "2024-02-23",
                                           "decidedBy": {"username": "chief"}}
    assert decided["deadline"]["dueOn"] == "2024-02-23" and decided["deadline"]["extended"]
    actions = [e["node"]["action"] for e in decided["deadline"]["history"]["edges"]]
    assert actions == ["EXTEND_DEADLINE", "REQUEST_EXTENSION", "START_DEADLINE"]


async def test_extension_bad_input_is_refused_and_changes_nothing(api) -> None:
    deadline_id = await _deadline(api)
    cases = [
        ({"deadlineId": deadline_id, "reason": " "}, "center", ["input", "reason"], "REQUIRED"),
        ({"deadlineId": "bogus", "reason": "x"}, "center", ["input", "deadlineId"], "NOT_FOUND"),
        ({"deadlineId": deadline_id, "reason": "x"}, "command", None, "FORBIDDEN"),
        ({"deadlineId": deadline_id, "reason": "x"}, "impl2", ["input", "deadlineId"], "NOT_FOUND"),
    ]
    for data, user, field, code in cases:
        payload = (await api.gql(REQUEST, {"input": data}, as_=user))["requestDeadlineExtension"]
        assert payload["extensionRequest"] is None
        assert (payload["userErrors"][0]["field"], payload["userErrors"][0]["code"]) == (field, code), data
    transfer = await _deadline(api, DeadlineKind.TRANSFER_FOR_FILING)
    payload = (await api.gql(REQUEST, {"input": {"deadlineId": transfer, "reason": "x"}},
                             as_="center"))["requestDeadlineExtension"]
    assert "allows no extension" in payload["userErrors"][0]["message"]
    assert (await api.gql("{ unreadNotificationCount }", as_="chief"))["unreadNotificationCount"] == 0


async def test_deciding_twice_is_refused(api) -> None:
    deadline_id = await _deadline(api)
    request_id = (await api.gql(REQUEST, {"input": {"deadlineId": deadline_id, "reason": "x"}},
                                as_="center"))["requestDeadlineExtension"]["extensionRequest"]["id"]
    await api.gql(DECIDE, {"input": {"requestId": request_id, "approve": False, "note": "不同意"}}, as_="chief")
    payload = (await api.gql(DECIDE, {"input": {"requestId": request_id, "approve": True}},
                             as_="chief"))["decideDeadlineExtension"]
    assert payload["userErrors"][0]["code"] == "ALREADY_DONE"
    assert "already decided" in payload["userErrors"][0]["message"]


async def test_deadlines_list_is_for_supervisors(api, clock) -> None:
    await _deadline(api)
    await _deadline(api, DeadlineKind.ONLINE_REPLY, date(2035, 6, 1))
    query = "query($f: DeadlineFilter) { deadlines(filter: $f) { totalCount edges { node { kind provisional overdue } } } }"
    for user in ("chief", "command", "center-head"):
        data = (await api.gql(query, as_=user))["deadlines"]
        assert data["totalCount"] == 2
    provisional = (await api.gql(query, {"f": {"provisional": True}}, as_="chief"))["deadlines"]
    assert [e["node"]["kind"] for e in provisional["edges"]] == ["ONLINE_REPLY"]
    clock.advance(days=20)
    overdue = (await api.gql(query, {"f": {"overdue": True}}, as_="chief"))["deadlines"]
    assert [e["node"]["kind"] for e in overdue["edges"]] == ["QUERY_CONTROL"]
    lead = (await api.gql(query, as_="impl1-lead"))["deadlines"]
    assert lead["totalCount"] == 0  # not their team's
    body = await api.gql(query, as_="affairs", expect_errors=True)
    assert "for the bureau chief" in body["errors"][0]["extensions"]["messageEn"]


async def test_calendar_year_and_admin_entries(api) -> None:
    year = (await api.gql("{ calendar(year: 2024) { year confirmed workingDays makeupWorkingDays "
                          "holidays { date name } entries { date } } }", as_="center"))["calendar"]
    assert year["confirmed"] and year["workingDays"] == 251
    assert "2024-02-04" in year["makeupWorkingDays"] and "2024-02-18" in year["makeupWorkingDays"]
    assert {"date": "2024-10-01", "name": "国庆节"} in year["holidays"]

    add = """mutation($input: AddCalendarEntryInput!) { addCalendarEntry(input: $input) {
      entry { id date working note createdBy { username } } userErrors { field message: messageEn code } } }"""
    entry = {"date": "2024-03-05", "working": False, "note": "郁南县停工通知"}
    refused = (await api.gql(add, {"input": entry}, as_="center"))["addCalendarEntry"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    added = (await api.gql(add, {"input": entry}, as_="admin"))["addCalendarEntry"]
    assert added["entry"]["createdBy"] == {"username": "admin"}
    again = (await api.gql(add, {"input": entry}, as_="admin"))["addCalendarEntry"]
    assert again["userErrors"][0] == {"field": ["input", "date"], "code": "ALREADY_EXISTS",
                                      "message": "2024-03-05 already has a calendar entry; remove it first to "
                                                 "change it"}
    year = (await api.gql("{ calendar(year: 2024) { workingDays entries { date working } } }",
                          as_="center"))["calendar"]
    assert year["workingDays"] == 250 and year["entries"] == [{"date": "2024-03-05", "working": False}]
    removed = (await api.gql("mutation($id: ID!) { removeCalendarEntry(input: {id: $id}) { userErrors { code } } }",
                             {"id": added["entry"]["id"]}, as_="admin"))["removeCalendarEntry"]
    assert removed["userErrors"] == []

    confirm = """mutation($y: Int!) { confirmCalendarYear(input: {year: $y, note: "国办发明电〔2035〕1号"}) {
      year userErrors { field code message: messageEn } } }"""
    assert (await api.gql(confirm, {"y": 2035}, as_="admin"))["confirmCalendarYear"] == {
        "year": 2035, "userErrors": []}
    assert (await api.gql("{ calendar(year: 2035) { confirmed confirmedNote } }", as_="center"))["calendar"] == {
        "confirmed": True, "confirmedNote": "国办发明电〔2035〕1号"}
    out = (await api.gql(confirm, {"y": 2200}, as_="admin"))["confirmCalendarYear"]
    assert out["userErrors"][0]["field"] == ["input", "year"] and "2001 to 2100" in out["userErrors"][0]["message"]
    body = await api.gql("{ calendar(year: 1999) { year } }", as_="center", expect_errors=True)
    assert "2001 to 2100" in body["errors"][0]["extensions"]["messageEn"]


async def test_notifications_are_marked_read(api, clock) -> None:
    await _deadline(api)
    clock.advance(days=13)  # 2024-02-21: due today (the centre head is alerted) and warned
    await deadlines.sweep(api.ctx)
    data = await api.gql("{ unreadNotificationCount notifications(unreadOnly: true) { totalCount } }",
                         as_="center-head")
    assert data == {"unreadNotificationCount": 1, "notifications": {"totalCount": 1}}
    marked = (await api.gql("mutation { markNotificationsRead(input: {}) { marked unreadCount userErrors { code } } }",
                            as_="center-head"))["markNotificationsRead"]
    assert marked == {"marked": 1, "unreadCount": 0, "userErrors": []}


async def test_deadline_rules_are_listed_with_their_sources(api) -> None:
    rules = (await api.gql("{ deadlineRules { kind variant dayCount count extendableTo effectiveFrom source } }",
                           as_="center"))["deadlineRules"]
    query_control = next(r for r in rules if r["kind"] == "QUERY_CONTROL")
    assert query_control == {"kind": "QUERY_CONTROL", "variant": None, "dayCount": "WORKING_DAYS", "count": 5,
                             "extendableTo": 7, "effectiveFrom": "2024-01-01", "source": "郁法发〔2024〕1号 第十六条"}
    assert {r["variant"] for r in rules if r["kind"] == "MEASURE_RENEWAL"} == {
        "BANK_DEPOSIT", "MOVABLES", "REAL_ESTATE_OR_RIGHTS"}
