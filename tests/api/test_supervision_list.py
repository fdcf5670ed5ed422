"""The supervision orders' list in the service layer (services/supervision_list.py): the
`supervisionOrders` query and the orders' table (`order_table`, for exports) read one list, with
the same visibility rule, filter and order; the table's reads do not grow with the orders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from exec_center.api.ids import pk_of, to_global_id
from exec_center.db.models import Case, Deadline
from exec_center.db.models_supervision import SupervisionOrder
from exec_center.domain import supervision as rules
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.domain.supervision import SupervisionStatus, SupervisionTarget
from exec_center.services import deadlines
from exec_center.services import supervision as service
from exec_center.services.supervision_list import (
    ORDER_HEADERS,
    OrderListFilter,
    order_table,
)
from exec_center.services.unit_of_work import UnitOfWork

from .test_catalogue_supervision import USERS, team_id, team_of
from .test_operations_catalogue import edges, ok, run
from .test_windows import transferred_case, viewer
from .test_worklist import StatementCounter


async def _orders(api, clock) -> dict[str, Any]:
    """Four orders: a case's (answered on time), a team's (overdue), an overdue deadline's
    (addressed to the centre's officers, open) and another team's (open)."""
    case = await transferred_case(api)
    case_id = to_global_id("Case", case.id)
    team, members = await team_of(api, case.team_id)
    impl1, impl2 = await team_id(api, "impl-1"), await team_id(api, "impl-2")
    on_case = (await ok(api, "IssueSupervisionOrder", {"input": {
        "caseId": case_id, "instructions": "请报告查控进展"}}, as_="command"))["supervisionOrder"]
    on_team = (await ok(api, "IssueSupervisionOrder", {"input": {
        "teamId": impl1, "instructions": "请报告本团队超期案件的办理情况", "replyWithinWorkingDays": 1}},
        as_="chief"))["supervisionOrder"]
    await ok(api, "ReplyToSupervisionOrder", {"input": {"orderId": on_case["id"], "reply": "已查封车辆一辆"}},
             as_=members[0])
    async with UnitOfWork(api.ctx) as uow:
        running = await deadlines.start_deadline(
            uow, owner_type="Case", owner_id=case.id, kind=DeadlineKind.ONLINE_REPLY, starts_on=date(2024, 2, 8),
            responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    clock.set(datetime(2024, 2, 20, 1, 0, tzinfo=UTC))  # the team's order is past its reply day
    on_deadline = (await ok(api, "IssueSupervisionOrder", {"input": {
        "deadlineId": to_global_id("Deadline", running.id), "instructions": "请立即答复当事人留言"}},
        as_="command"))["supervisionOrder"]
    other = (await ok(api, "IssueSupervisionOrder", {"input": {
        "teamId": impl2, "instructions": "请汇报终本案件复查情况"}}, as_="chief"))["supervisionOrder"]
    return {"case": case_id, "team": team, "member": members[0], "impl1": impl1, "impl2": impl2,
            "orders": [on_case, on_team, on_deadline, other]}


FILTERS: list[dict[str, Any] | None] = [
    None,
    {"status": ["OPEN"]},
    {"status": ["OVERDUE"]},
    {"status": ["ANSWERED"]},
    {"status": ["OPEN", "OVERDUE"]},
    {"target": ["TEAM", "DEADLINE"]},
    {"target": ["CASE"], "status": ["ANSWERED"]},
]


async def _expected(api, username: str, flt: OrderListFilter, today: date) -> list[str]:
    """The orders the domain rule lets `username` see, filtered in Python, newest first."""
    seen = await viewer(api, username)
    async with api.ctx.sessionmaker() as session:
        rows = (await session.execute(
            sa.select(SupervisionOrder, Deadline.due_on)
            .outerjoin(Deadline, Deadline.id == SupervisionOrder.reply_deadline_id)
            .order_by(SupervisionOrder.id.desc()))).all()
        cases = {c.id: c for c in (await session.scalars(sa.select(Case))).all()}
    shown = []
    for order, due in rows:
        if not rules.order_visible(seen, service.audience(order, cases.get(order.case_id))):
            continue
        if flt.status and SupervisionStatus.of(order.status, due, today) not in flt.status:
            continue
        if flt.case_id is not None and order.case_id != flt.case_id:
            continue
        if flt.team_id is not None and order.team_id != flt.team_id:
            continue
        if flt.target and SupervisionTarget(order.target) not in flt.target:
            continue
        shown.append(to_global_id(service.OWNER, order.id))
    return shown


def _plain(given: dict[str, Any] | None) -> OrderListFilter:
    given = given or {}
    return OrderListFilter(
        status=tuple(SupervisionStatus(s) for s in given.get("status") or ()),
        case_id=pk_of(given["caseId"], "Case") if given.get("caseId") else None,
        team_id=pk_of(given["teamId"], "Team") if given.get("teamId") else None,
        target=tuple(SupervisionTarget(t) for t in given.get("target") or ()),
    )


async def test_the_list_is_what_the_domain_rule_shows_for_every_account_and_filter(api, clock) -> None:
    made = await _orders(api, clock)
    today = date(2024, 2, 20)
    filters = [*FILTERS, {"caseId": made["case"]}, {"teamId": made["impl1"]},
               {"teamId": made["impl2"], "status": ["OPEN"]}]
    statuses = {o["id"]: o for o in edges((await run(api, "SupervisionOrders", as_="command"))["supervisionOrders"])}
    assert [statuses[o["id"]]["status"] for o in made["orders"]] == ["ANSWERED", "OVERDUE", "OPEN", "OPEN"]
    for user in USERS:
        for given in filters:
            listed = (await run(api, "SupervisionOrders", {"filter": given, "first": 100}, as_=user))[
                "supervisionOrders"]
            ids = [o["id"] for o in edges(listed)]
            assert ids == await _expected(api, user, _plain(given), today), (user, given)
            assert listed["totalCount"] == len(ids), (user, given)
    # Paging: newest first, a page at a time.
    first = (await run(api, "SupervisionOrders", {"first": 2}, as_="command"))["supervisionOrders"]
    rest = (await run(api, "SupervisionOrders", {"first": 2, "after": first["pageInfo"]["endCursor"]},
                      as_="command"))["supervisionOrders"]
    ids = [o["id"] for o in edges(first) + edges(rest)]
    assert ids == [o["id"] for o in reversed(made["orders"])]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (4, True, False)
    # A bad id is refused on its field, as before.
    body = await api.gql("query($f: SupervisionOrderFilter) { supervisionOrders(filter: $f) { totalCount } }",
                         {"f": {"caseId": made["impl1"]}}, as_="command", expect_errors=True)
    assert body["errors"] and "filter.caseId" in str(body["errors"])


def test_the_filter_keeps_as_plain_values() -> None:
    flt = OrderListFilter(status=(SupervisionStatus.OPEN, SupervisionStatus.OVERDUE), case_id=3, team_id=None,
                          target=(SupervisionTarget.DEADLINE,))
    params = flt.to_params()
    assert params == {"status": ["OPEN", "OVERDUE"], "caseId": 3, "teamId": None, "target": ["DEADLINE"]}
    assert OrderListFilter.from_params(params) == flt
    assert OrderListFilter.from_params({}) == OrderListFilter()
    assert OrderListFilter().to_params() == {"status": [], "caseId": None, "teamId": None, "target": []}


def _row_of(node: dict[str, Any]) -> list[Any]:
    """A table row as the list shows the order."""
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return [
        pk_of(node["id"], service.OWNER),
        node["targetLabel"],
        (node["case"] or {}).get("number"),
        (node["team"] or {}).get("name") or node["responsibleRoleLabel"],
        node["instructions"],
        node["issuedBy"]["name"],
        node["issuerRoleLabel"],
        day(node["issuedOn"]),
        day(node["replyDueOn"]),
        node["statusLabel"],
        node["reply"],
        (node["repliedBy"] or {}).get("name"),
        day(node["repliedOn"]),
        node["answeredOnTime"],
    ]


async def test_the_table_is_the_list(api, clock) -> None:
    made = await _orders(api, clock)
    assert ORDER_HEADERS == ["督办编号", "督办对象", "案号", "受督办团队（岗位）", "督办事项", "下达人", "下达人身份",
                             "下达日期", "答复期限", "状态", "答复内容", "答复人", "答复日期", "是否按时答复"]
    for user in ("command", "chief", made["member"], "center", "impl2"):
        for given in (None, {"status": ["OPEN", "OVERDUE"]}, {"teamId": made["impl1"]}, {"caseId": made["case"]}):
            listed = edges((await run(api, "SupervisionOrders", {"filter": given, "first": 100}, as_=user))[
                "supervisionOrders"])
            table = await order_table(api.ctx, await viewer(api, user), _plain(given))
            assert (table.headers, table.title) == (ORDER_HEADERS, "督办令")
            assert list(table.rows) == [_row_of(o) for o in listed], (user, given)
    command = await order_table(api.ctx, await viewer(api, "command"), OrderListFilter())
    rows = list(command.rows)
    assert [r[9] for r in rows] == ["待答复", "待答复", "逾期未答复", "已答复"]
    assert [r[1] for r in rows] == ["执行团队", "超期期限", "执行团队", "案件"]
    assert rows[3][13] is True and rows[2][13] is None and rows[3][12] == date(2024, 2, 8)
    assert rows[1][3] == Role.CENTER_OFFICER.label and rows[1][2] is not None
    assert all(isinstance(r[7], date) and isinstance(r[8], date) for r in rows)
    # No personal data: no party's ID number or phone anywhere in it.
    text = repr(rows)
    assert "445322198001011236" not in text and "13800138000" not in text


async def test_the_table_reads_the_same_statements_whatever_the_number_of_orders(api) -> None:
    case = await transferred_case(api)
    chief, command = await viewer(api, "chief"), await viewer(api, "command")
    impl1 = pk_of(await team_id(api, "impl-1"), "Team")
    counts = []
    issued = 0
    for wanted in (2, 12):
        for i in range(issued, wanted):
            target = {"team_id": impl1} if i % 2 else {"case_id": case.id}
            await service.issue(api.ctx, chief, instructions=f"督办事项{i}", **target)
        issued = wanted
        with StatementCounter(api.ctx.engine) as counter:
            table = await order_table(api.ctx, command, OrderListFilter())
        assert len(list(table.rows)) == wanted
        counts.append(len(counter.statements))
    # One statement: the orders with their reply days, cases, teams, issuers and repliers joined.
    assert counts == [1, 1], counts


async def test_what_happened_to_each_order_as_a_spreadsheet(api, clock, workers) -> None:
    """The orders as the list shows them, downloaded at once (GET /exports/supervision-orders) and
    made by the worker (requestExport SUPERVISION_ORDERS), with the list's filter."""
    from .test_exports import csv_rows, download, sheet_rows
    from .test_operations_catalogue import refused

    made = await _orders(api, clock)
    listed = await api.gql("""{ supervisionOrders(first: 50) { edges { node { instructions statusLabel } } } }""",
                           as_="command")
    expected = [(e["node"]["instructions"], e["node"]["statusLabel"])
                for e in listed["supervisionOrders"]["edges"]]
    response = await download(api, "/exports/supervision-orders.csv", as_="command")
    assert response.status_code == 200
    table = csv_rows(response.content)
    assert table[0] == ORDER_HEADERS and [(r[4], r[9]) for r in table[1:]] == expected
    overdue = await download(api, "/exports/supervision-orders.xlsx", as_="command",
                             params={"status": "OVERDUE", "teamId": made["impl1"]})
    assert [(r[4], r[9]) for r in sheet_rows(overdue.content)[1:]] == [("请报告本团队超期案件的办理情况", "逾期未答复")]
    # A team member downloads what they see.
    mine = csv_rows((await download(api, "/exports/supervision-orders.csv", as_=made["member"])).content)
    assert 0 < len(mine) - 1 < len(table) - 1
    bad = await download(api, "/exports/supervision-orders.csv", as_="command", params={"status": "LATE"})
    assert bad.status_code == 400 and bad.json()["field"] == "filter.status"

    job = (await ok(api, "RequestExport", {"input": {"kind": "SUPERVISION_ORDERS", "format": "CSV",
                                                     "supervisionOrders": {"status": ["OVERDUE"]}}},
                    as_="command"))["exportJob"]
    assert job["filename"].startswith("督办令清单-")
    await workers.drain()
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="command"))["exportJob"]
    rows = csv_rows((await download(api, done["downloadUrl"], as_="command")).content)
    assert rows[0] == ORDER_HEADERS and [r[9] for r in rows[1:]] == ["逾期未答复"]
    error = await refused(api, "RequestExport", {"input": {"kind": "SUPERVISION_ORDERS", "format": "CSV",
                                                           "supervisionOrders": {"caseId": made["impl1"]}}},
                          as_="command")
    assert error["field"] == ["input", "supervisionOrders", "caseId"]
