"""Supervision orders (督办, issue 15 item 2), replayed through the catalogue: the command centre
or the bureau chief orders a case's team, a team or whoever answers for an overdue deadline to
act; the order heads the team's worklist; the team answers (on time or late); an unanswered order
escalates through the deadline sweep; who may see and do what; everything in the history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from exec_center.api.ids import to_global_id
from exec_center.db.models import AuditEvent, Notification, Staff, Team, TeamMember
from exec_center.db.models_supervision import SupervisionOrder
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.services import deadlines
from exec_center.services.unit_of_work import UnitOfWork

from .test_operations_catalogue import edges, ok, refused, run
from .test_windows import transferred_case

INSTRUCTIONS = "请于期限内查明被执行人财产线索并报告执行进展"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
HISTORY = """query($id: ID!) { node(id: $id) { ... on SupervisionOrder { history(first: 10) { edges { node {
  action actionLabel summary actor { name } } } } } } }"""
USERS = ("affairs", "consult", "center", "center-head", "filing", "impl1", "impl1-lead", "impl2", "impl3", "adjud",
         "chief", "command", "admin", "gateway")


async def team_of(api, team_pk: int) -> tuple[str, list[str]]:
    """The team's global id and its members' user names."""
    async with api.ctx.sessionmaker() as session:
        members = (await session.scalars(
            sa.select(Staff.username).join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(TeamMember.team_id == team_pk).order_by(Staff.username))).all()
    return to_global_id("Team", team_pk), list(members)


async def team_id(api, code: str) -> str:
    async with api.ctx.sessionmaker() as session:
        return to_global_id("Team", await session.scalar(sa.select(Team.id).where(Team.code == code)))


async def orders_count(api) -> int:
    async with api.ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(SupervisionOrder))


async def visible(api, order_id: str, as_: str) -> bool:
    body = await api.gql(NODE, {"id": order_id}, as_=as_, expect_errors=True)
    return (body.get("data") or {}).get("node") is not None


async def test_the_command_centre_supervises_a_case_and_its_team_answers_on_time(api) -> None:
    case = await transferred_case(api)
    case_id = to_global_id("Case", case.id)
    team, members = await team_of(api, case.team_id)
    member = members[0]
    outsider = next(u for u in ("impl1", "impl2", "impl3") if u not in members)

    # Only the command centre and the bureau chief issue orders.
    error = await refused(api, "IssueSupervisionOrder", {"input": {"caseId": case_id, "instructions": INSTRUCTIONS}},
                          as_=member)
    assert error["code"] == "FORBIDDEN" and "督办" in error["message"]
    order = (await ok(api, "IssueSupervisionOrder", {"input": {"caseId": case_id, "instructions": INSTRUCTIONS}},
                      as_="command"))["supervisionOrder"]
    assert (order["target"], order["status"], order["statusLabel"]) == ("CASE", "OPEN", "待答复")
    assert (order["issuerRole"], order["team"]["id"], order["case"]["id"]) == ("COMMAND_CENTER", team, case_id)
    # Five working days of the court calendar from Thursday 8 February 2024: Friday the 9th, then
    # Spring Festival (10-17 February) and the make-up working Sunday the 18th, 19th, 20th, 21st.
    assert (order["replyWithinWorkingDays"], order["replyDueOn"]) == (5, "2024-02-21")
    assert order["replyDeadline"]["dueOn"] == "2024-02-21"
    item = order["workItem"]
    assert (item["kind"], item["priority"], item["dueOn"]) == ("REPLY_TO_SUPERVISION", 5, "2024-02-21")

    # At the top of the team's worklist, most urgent first.
    worklist = (await run(api, "Worklist", {"filter": {"teamId": team},
                                            "orderBy": {"field": "PRIORITY", "direction": "DESC"}},
                          as_=member))["worklist"]
    top = edges(worklist)[0]
    assert (top["id"], top["kindLabel"]) == (item["id"], "答复督办")

    # Who sees it: the issuers, the team, the case's readers; not another team.
    listed = (await run(api, "SupervisionOrders", {"filter": {"status": ["OPEN"]}}, as_=member))["supervisionOrders"]
    assert [o["id"] for o in edges(listed)] == [order["id"]]
    for viewer in ("command", "chief", member, "center"):
        assert await visible(api, order["id"], viewer), viewer
    assert not await visible(api, order["id"], outsider)
    assert (await run(api, "SupervisionOrders", as_=outsider))["supervisionOrders"]["totalCount"] == 0
    # The list and node(id:) agree for every account (the SQL and the domain rule are one rule).
    for user in USERS:
        listed_ids = [o["id"] for o in edges((await run(api, "SupervisionOrders", as_=user))["supervisionOrders"])]
        assert listed_ids == ([order["id"]] if await visible(api, order["id"], user) else []), user
    case_orders = await api.gql("query($id: ID!) { node(id: $id) { ... on Case { supervisionOrders { id } } } }",
                                {"id": case_id}, as_=member)
    assert case_orders["node"]["supervisionOrders"] == [{"id": order["id"]}]

    # Only the team answers: another team does not see the order; the centre and the command
    # centre see it but it is not theirs to answer.
    answer = {"orderId": order["id"], "reply": "已查明被执行人名下车辆一辆，已采取查封措施"}
    assert (await refused(api, "ReplyToSupervisionOrder", {"input": answer}, as_=outsider))["code"] == "NOT_FOUND"
    for viewer in ("center", "command"):
        assert (await refused(api, "ReplyToSupervisionOrder", {"input": answer}, as_=viewer))["code"] == "FORBIDDEN"
    replied = (await ok(api, "ReplyToSupervisionOrder", {"input": answer}, as_=member))["supervisionOrder"]
    assert (replied["status"], replied["answeredOnTime"], replied["repliedOn"]) == ("ANSWERED", True, "2024-02-08")
    assert replied["replyDeadline"]["status"] == "MET"
    assert (replied["workItem"]["status"], replied["workItem"]["outcome"]) == ("DONE", "ANSWERED")
    again = await refused(api, "ReplyToSupervisionOrder", {"input": answer}, as_=member)
    assert (again["code"], again["field"]) == ("ALREADY_DONE", ["input", "orderId"])

    # Everything in the history, in zh-CN, on the order and on the case's file.
    listed = (await run(api, "SupervisionOrders", {"filter": {"caseId": case_id, "status": ["ANSWERED"]}},
                        as_="command"))["supervisionOrders"]
    [shown] = edges(listed)
    assert (shown["id"], shown["answeredOnTime"], shown["issuedBy"]["name"]) == (order["id"], True, "周海涛")
    trail = (await api.gql(HISTORY, {"id": order["id"]}, as_="command"))["node"]["history"]
    actions = [(h["action"], h["actionLabel"]) for h in edges(trail)]
    assert actions == [("REPLY_TO_SUPERVISION_ORDER", "答复督办"), ("ISSUE_SUPERVISION_ORDER", "下达督办")]
    summaries = [h["summary"] for h in edges(trail)]
    assert "按期答复督办" in summaries[0] and INSTRUCTIONS in summaries[1] and "2024-02-21前答复" in summaries[1]
    history = await api.gql("query($id: ID!) { node(id: $id) { ... on Case { history(first: 50) { edges { node {"
                            " action } } } } } }", {"id": case_id}, as_="command")
    case_actions = {e["node"]["action"] for e in history["node"]["history"]["edges"]}
    assert {"ISSUE_SUPERVISION_ORDER", "REPLY_TO_SUPERVISION_ORDER"} <= case_actions


async def test_an_unanswered_order_escalates_and_a_late_reply_is_recorded(api, clock) -> None:
    impl1 = await team_id(api, "impl-1")
    order = (await ok(api, "IssueSupervisionOrder", {"input": {
        "teamId": impl1, "instructions": "请报告本团队超期案件的办理情况", "replyWithinWorkingDays": 1}},
        as_="chief"))["supervisionOrder"]
    assert (order["target"], order["issuerRole"], order["replyWithinWorkingDays"]) == ("TEAM", "BUREAU_CHIEF", 1)
    assert order["replyDueOn"] == "2024-02-09"  # the next working day

    # Past the reply day (after the Spring Festival holidays): the sweep escalates it as it does
    # every deadline - the team lead, the bureau chief and the command centre, flagged.
    clock.set(datetime(2024, 2, 19, 1, 0, tzinfo=UTC))
    result = await deadlines.sweep(api.ctx)
    assert result.escalated >= 1
    listed = (await run(api, "SupervisionOrders", {"filter": {"status": ["OVERDUE"], "teamId": impl1}},
                        as_="command"))["supervisionOrders"]
    [shown] = edges(listed)
    assert (shown["id"], shown["status"], shown["statusLabel"], shown["overdue"]) == (
        order["id"], "OVERDUE", "逾期未答复", True)
    assert (shown["replyDeadline"]["escalationLevel"], shown["replyDeadline"]["flagged"]) == (3, True)
    assert (await run(api, "SupervisionOrders", {"filter": {"status": ["OPEN"], "teamId": impl1}},
                      as_="command"))["supervisionOrders"]["totalCount"] == 0
    async with api.ctx.sessionmaker() as session:
        told = set((await session.execute(
            sa.select(Staff.username).join(Notification, Notification.recipient_id == Staff.id)
            .where(Notification.kind == "DEADLINE_MISSED"))).scalars())
    assert {"impl1-lead", "chief", "command"} <= told
    item = (await run(api, "Worklist", {"filter": {"kind": ["REPLY_TO_SUPERVISION"]}}, as_="impl1"))["worklist"]
    assert [(i["priority"], i["overdue"]) for i in edges(item)] == [(5, True)]

    replied = (await ok(api, "ReplyToSupervisionOrder", {"input": {
        "orderId": order["id"], "reply": "团队超期案件三件，已逐案制定办理计划"}}, as_="impl1"))["supervisionOrder"]
    assert (replied["status"], replied["answeredOnTime"], replied["replyDeadline"]["status"]) == (
        "ANSWERED", False, "MISSED")


async def test_an_order_on_an_overdue_deadline_goes_to_whoever_answers_for_it(api, clock) -> None:
    case = await transferred_case(api)
    async with UnitOfWork(api.ctx) as uow:
        running = await deadlines.start_deadline(
            uow, owner_type="Case", owner_id=case.id, kind=DeadlineKind.ONLINE_REPLY, starts_on=date(2024, 2, 8),
            responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    deadline_id = to_global_id("Deadline", running.id)
    request = {"input": {"deadlineId": deadline_id, "instructions": "请立即答复当事人留言"}}
    error = await refused(api, "IssueSupervisionOrder", request, as_="command")
    assert (error["code"], error["field"]) == ("NOT_ALLOWED_IN_STAGE", ["input", "deadlineId"])

    clock.set(datetime(2024, 2, 20, 1, 0, tzinfo=UTC))  # two working days after the 8th have passed
    order = (await ok(api, "IssueSupervisionOrder", request, as_="command"))["supervisionOrder"]
    assert (order["target"], order["responsibleRole"], order["team"]) == ("DEADLINE", "CENTER_OFFICER", None)
    assert order["deadline"]["id"] == deadline_id and order["case"]["id"] == to_global_id("Case", case.id)
    # The centre's officers see it on their worklist; completing the item with the reply as its
    # note answers the order (one step, one trace).
    items = edges((await run(api, "Worklist", {"filter": {"kind": ["REPLY_TO_SUPERVISION"]}},
                             as_="center"))["worklist"])
    assert [i["id"] for i in items] == [order["workItem"]["id"]]
    assert (await api.op("ClaimWorkItem", {"id": items[0]["id"]}, as_="center"))["claimWorkItem"]["userErrors"] == []
    done = await api.gql("""mutation($input: CompleteWorkItemInput!) { completeWorkItem(input: $input) {
      workItem { status } userErrors { field code } } }""",
                         {"input": {"id": items[0]["id"], "outcome": "ANSWERED", "note": "已电话答复当事人"}},
                         as_="center")
    assert done["completeWorkItem"] == {"workItem": {"status": "DONE"}, "userErrors": []}
    answered = (await run(api, "SupervisionOrders", {"filter": {"status": ["ANSWERED"]}}, as_="center-head"))
    [shown] = edges(answered["supervisionOrders"])
    assert (shown["reply"], shown["answeredOnTime"], shown["repliedBy"]["name"]) == ("已电话答复当事人", True, "陈志明")


async def test_bad_input_is_refused_on_its_field_and_changes_nothing(api) -> None:
    case = await transferred_case(api)
    case_id = to_global_id("Case", case.id)
    impl1 = await team_id(api, "impl-1")
    before = await orders_count(api)
    cases = [
        ({"instructions": INSTRUCTIONS}, "REQUIRED", "caseId"),
        ({"caseId": case_id, "teamId": impl1, "instructions": INSTRUCTIONS}, "INVALID", "teamId"),
        ({"caseId": impl1, "instructions": INSTRUCTIONS}, "NOT_FOUND", "caseId"),
        ({"caseId": to_global_id("Case", 999_999), "instructions": INSTRUCTIONS}, "NOT_FOUND", "caseId"),
        ({"teamId": to_global_id("Team", 999_999), "instructions": INSTRUCTIONS}, "NOT_FOUND", "teamId"),
        ({"deadlineId": "not-an-id", "instructions": INSTRUCTIONS}, "NOT_FOUND", "deadlineId"),
        ({"caseId": case_id, "instructions": "   "}, "REQUIRED", "instructions"),
        ({"caseId": case_id, "instructions": "督" * 2001}, "OUT_OF_RANGE", "instructions"),
        ({"caseId": case_id, "instructions": INSTRUCTIONS, "replyWithinWorkingDays": 0}, "OUT_OF_RANGE",
         "replyWithinWorkingDays"),
    ]
    for given, code, field in cases:
        error = await refused(api, "IssueSupervisionOrder", {"input": given}, as_="chief")
        assert (error["code"], error["field"]) == (code, ["input", field]), given
        assert error["message"] and error["messageEn"]
    for given, code, field in [
        ({"orderId": to_global_id("SupervisionOrder", 999_999), "reply": "已办理"}, "NOT_FOUND", "orderId"),
        ({"orderId": case_id, "reply": "已办理"}, "NOT_FOUND", "orderId"),
    ]:
        error = await refused(api, "ReplyToSupervisionOrder", {"input": given}, as_="impl1")
        assert (error["code"], error["field"]) == (code, ["input", field]), given
    assert await orders_count(api) == before
    async with api.ctx.sessionmaker() as session:
        written = await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.action == "ISSUE_SUPERVISION_ORDER"))
    assert written == 0
    # An empty reply is refused on its field.
    order = (await ok(api, "IssueSupervisionOrder", {"input": {"teamId": impl1, "instructions": INSTRUCTIONS}},
                      as_="chief"))["supervisionOrder"]
    error = await refused(api, "ReplyToSupervisionOrder", {"input": {"orderId": order["id"], "reply": ""}},
                          as_="impl1-lead")
    assert (error["code"], error["field"]) == ("REQUIRED", ["input", "reply"])
