"""The views the front ends read (issue 13, item 6): the case list for the implementation teams,
searching cases by party or number, the bureau chief's pending extension requests and the
transfer strategy in force."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from exec_center.db.models import Case, Staff, Team
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.identifiers import IdType, PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.organisation import Role
from exec_center.services import cases as case_service
from exec_center.services import deadlines
from exec_center.services.auth import load_viewer
from exec_center.services.unit_of_work import UnitOfWork

from .test_worklist import APPLICANT_ID, StatementCounter

CASES = """query($first: Int, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }"""
OPEN = "query($n: String!) { case(number: $n) { number } }"

_titles = itertools.count(5000)


def n(seq: int) -> str:
    return f"（2024）粤5322执保{seq}号"


async def _ids(ctx) -> tuple[dict[str, int], dict[str, int]]:
    async with ctx.sessionmaker() as s:
        staff = dict((await s.execute(sa.select(Staff.username, Staff.id))).all())
        teams = dict((await s.execute(sa.select(Team.code, Team.id))).all())
    return staff, teams


async def _receive(ctx, applicants: list[str], respondents: list[str], *, team=None, handler=None) -> str:
    """A case received by the centre, left with `team` and `handler` as the transfer would."""
    async with ctx.sessionmaker() as session:
        center = await load_viewer(session, await session.scalar(
            sa.select(Staff.id).where(Staff.username == "center")))
    data = IntakeData(
        received_on=date(2024, 2, 8), claim_amount=Decimal("1000.00"),
        title_document_number=f"（2023）粤5322民初{next(_titles)}号", title_kind=TitleKind.JUDGMENT,
        applicants=tuple(PartyData(PartyKind.PERSON, name, APPLICANT_ID) for name in applicants),
        respondents=tuple(PartyData(PartyKind.ORGANISATION, name, None, id_type=IdType.UNKNOWN) for name in respondents),
    )
    case = await case_service.receive_case(ctx, center, data)
    if team is not None or handler is not None:
        async with UnitOfWork(ctx) as uow:
            await uow.session.execute(sa.update(Case).where(Case.id == case.id)
                                      .values(team_id=team, handler_id=handler))
            await uow.commit()
    return case.number


@pytest.fixture
async def five(api):
    """执保1 and 执保2 are team one's (impl1 handles 2); 执保3 and 执保4 team two's (impl1 handles
    4, e.g. kept after moving teams); 执保5 is still with the centre."""
    staff, teams = await _ids(api.ctx)
    numbers = [
        await _receive(api.ctx, ["陈某"], ["陈某某", "郁南县某建材有限公司"], team=teams["impl-1"]),
        await _receive(api.ctx, ["Alpha Trading Co"], ["李某"], team=teams["impl-1"], handler=staff["impl1"]),
        await _receive(api.ctx, ["甲_乙贸易行"], ["王某"], team=teams["impl-2"]),
        await _receive(api.ctx, ["赵某"], ["钱某"], team=teams["impl-2"], handler=staff["impl1"]),
        await _receive(api.ctx, ["孙某"], ["陈某"]),
    ]
    assert numbers == [n(i) for i in range(1, 6)]
    return teams


async def listed(api, user: str, flt: dict | None = None, first: int = 50) -> list[str]:
    data = (await api.gql(CASES, {"first": first, "filter": flt}, as_=user))["cases"]
    numbers = [e["node"]["number"] for e in data["edges"]]
    assert data["totalCount"] == len(numbers)
    return numbers


def seqs(*numbers: int) -> list[str]:
    return [n(i) for i in numbers]


# --- the case list for the teams -------------------------------------------------------------


async def test_team_members_list_their_teams_cases_and_those_they_handle(api, five) -> None:
    assert await listed(api, "impl1") == seqs(4, 2, 1)  # newest first
    assert await listed(api, "impl1-lead") == seqs(2, 1)
    assert await listed(api, "impl2") == seqs(4, 3)
    assert await listed(api, "impl3") == []
    assert await listed(api, "center") == seqs(5, 4, 3, 2, 1)
    assert await listed(api, "chief") == seqs(5, 4, 3, 2, 1)


@pytest.mark.parametrize("user", ["impl1", "impl1-lead", "impl2", "impl3"])
async def test_the_list_is_exactly_what_the_member_may_open(api, five, user) -> None:
    may_open = [n(i) for i in range(5, 0, -1)
                if (await api.gql(OPEN, {"n": n(i)}, as_=user))["case"] is not None]
    assert await listed(api, user) == may_open
    for flt in ({"search": "某"}, {"search": "2024"}, {"mine": False}, {"mine": True}):
        assert set(await listed(api, user, flt)) <= set(may_open), flt


async def test_mine_and_team_filters(api, five) -> None:
    from exec_center.api.ids import to_global_id

    assert await listed(api, "impl1", {"mine": True}) == seqs(4, 2)
    assert await listed(api, "impl1", {"mine": False}) == seqs(1)
    team_two = to_global_id("Team", five["impl-2"])
    assert await listed(api, "impl1", {"teamId": team_two}) == seqs(4)  # only the one handled
    assert await listed(api, "impl3", {"teamId": team_two}) == []  # never another team's
    assert await listed(api, "center", {"teamId": team_two}) == seqs(4, 3)
    assert await listed(api, "chief", {"mine": True}) == []


async def test_members_page_with_the_usual_cursor(api, five) -> None:
    page = (await api.gql(CASES, {"first": 2}, as_="impl1"))["cases"]
    assert [e["node"]["number"] for e in page["edges"]] == seqs(4, 2)
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = (await api.gql(CASES, {"first": 2, "after": page["pageInfo"]["endCursor"]}, as_="impl1"))["cases"]
    assert [e["node"]["number"] for e in rest["edges"]] == seqs(1)
    assert not rest["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize("user", ["affairs", "consult", "filing", "adjud", "admin", "gateway"])
async def test_others_still_open_cases_by_number(api, user) -> None:
    body = await api.gql(CASES, {"first": 5}, as_=user, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("陈某", [5, 1]),  # applicant of 1 and respondent of 1 and 5: each case once
    ("陈某某", [1]),
    ("建材", [1]),
    ("执保2", [2]),
    ("2024", [5, 4, 3, 2, 1]),
    ("（2024）粤5322执保1", [1]),
    ("(2024)粤5322执保3号", [3]),  # ASCII brackets as typed
    ("alpha trading", [2]),  # Latin letters in either case
    ("ALPHA", [2]),
    ("_", [3]),  # LIKE's wildcards are taken literally
    ("甲_乙", [3]),
    ("%", []),
    ("甲%乙", []),
    ("/", []),
    ("  钱某 ", [4]),
    ("无此人", []),
])
async def test_search_by_party_or_number(api, five, text, expected) -> None:
    assert await listed(api, "center", {"search": text}) == seqs(*expected)


async def test_search_stays_within_what_a_member_may_read(api, five) -> None:
    assert await listed(api, "impl1", {"search": "陈某"}) == seqs(1)
    assert await listed(api, "impl3", {"search": "陈某"}) == []
    assert await listed(api, "impl1", {"search": "甲_乙"}) == []
    assert await listed(api, "impl2", {"search": "王某", "mine": False}) == seqs(3)


@pytest.mark.parametrize("text", ["", "   ", "某" * 51])
async def test_a_search_too_short_or_too_long_is_refused(api, five, text) -> None:
    body = await api.gql(CASES, {"filter": {"search": text}}, as_="center", expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] not in ("INTERNAL_SERVER_ERROR", "FORBIDDEN")
    assert "filter.search" in error["extensions"]["messageEn"]


async def test_fifty_characters_are_searched(api, five) -> None:
    assert await listed(api, "center", {"search": "某" * 50}) == []


async def test_searching_the_list_runs_a_bounded_number_of_statements(api, five) -> None:
    query = "query($f: CaseFilter, $first: Int) { cases(first: $first, filter: $f) { edges { node { number } } } }"
    await api.gql(query, {"f": {"search": "某"}, "first": 1}, as_="impl1")  # warm up
    counts = {}
    for first in (1, 50):
        with StatementCounter(api.ctx.engine) as counter:
            await api.gql(query, {"f": {"search": "某", "mine": True}, "first": first}, as_="impl1")
        counts[first] = len(counter.statements)
    assert counts[1] == counts[50], counts


# --- the chief's pending extension requests -------------------------------------------------

PENDING = """query($first: Int, $after: String) { pendingExtensionRequests(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id status reason requestedBy { username } deadline { kind dueOn } proposedDueOn } } } }"""
REQUEST = """mutation($input: RequestDeadlineExtensionInput!) { requestDeadlineExtension(input: $input) {
  extensionRequest { id } userErrors { field message: messageEn code } } }"""
DECIDE = """mutation($input: DecideDeadlineExtensionInput!) { decideDeadlineExtension(input: $input) {
  userErrors { field message: messageEn code } } }"""


async def _requested(api, reason: str) -> str:
    from exec_center.api.ids import to_global_id

    async with UnitOfWork(api.ctx) as uow:
        d = await deadlines.start_deadline(uow, owner_type="Case", owner_id=1, kind=DeadlineKind.QUERY_CONTROL,
                                           starts_on=date(2024, 2, 8), responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    payload = (await api.gql(REQUEST, {"input": {"deadlineId": to_global_id("Deadline", d.id), "reason": reason}},
                             as_="center"))["requestDeadlineExtension"]
    assert payload["userErrors"] == []
    return payload["extensionRequest"]["id"]


async def test_the_chief_sees_pending_requests_oldest_first(api) -> None:
    first = await _requested(api, "查控反馈延迟")
    second = await _requested(api, "银行系统维护")
    third = await _requested(api, "不动产登记中心未反馈")
    data = (await api.gql(PENDING, {}, as_="chief"))["pendingExtensionRequests"]
    assert data["totalCount"] == 3
    nodes = [e["node"] for e in data["edges"]]
    assert [x["id"] for x in nodes] == [first, second, third]
    assert nodes[0] == {"id": first, "status": "PENDING", "reason": "查控反馈延迟",
                        "requestedBy": {"username": "center"},
                        "deadline": {"kind": "QUERY_CONTROL", "dueOn": "2024-02-21"},
                        "proposedDueOn": "2024-02-23"}
    assert (await api.gql(PENDING, {}, as_="command"))["pendingExtensionRequests"] == data

    decided = await api.gql(DECIDE, {"input": {"requestId": second, "approve": False, "note": "理由不足"}},
                            as_="chief")
    assert decided["decideDeadlineExtension"]["userErrors"] == []
    page = (await api.gql(PENDING, {"first": 1}, as_="chief"))["pendingExtensionRequests"]
    assert [e["node"]["id"] for e in page["edges"]] == [first]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    rest = (await api.gql(PENDING, {"first": 1, "after": page["pageInfo"]["endCursor"]},
                          as_="chief"))["pendingExtensionRequests"]
    assert [e["node"]["id"] for e in rest["edges"]] == [third] and not rest["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize("user", ["center", "center-head", "impl1-lead", "affairs", "admin"])
async def test_pending_requests_are_the_chiefs(api, user) -> None:
    await _requested(api, "查控反馈延迟")
    body = await api.gql(PENDING, {}, as_=user, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body.get("data") is None


# --- the transfer strategy in force ---------------------------------------------------------

STRATEGY = "{ transferStrategy { strategy label isDefault effectiveFrom note setAt setBy { username } } }"
SET_STRATEGY = """mutation($input: SetTransferStrategyInput!) { setTransferStrategy(input: $input) {
  strategy userErrors { field message: messageEn code } } }"""


async def test_the_strategy_in_force_and_who_set_it(api, clock) -> None:
    # As installed: the work rules' own choice, from no one's decision in this system.
    installed = (await api.gql(STRATEGY, as_="impl1"))["transferStrategy"]
    assert installed == {"strategy": "FEWEST_OPEN_CASES", "label": "按在办案件数最少分配", "isDefault": False,
                         "effectiveFrom": "2024-01-01", "note": installed["note"], "setAt": None, "setBy": None}
    assert "第十七条" in installed["note"]

    for user, strategy, day, note in [("chief", "BY_TOWNSHIP", "2024-02-08", "局党组会议决定"),
                                      ("admin", "FEWEST_OPEN_CASES", "2024-02-09", "恢复默认")]:
        payload = (await api.gql(SET_STRATEGY, {"input": {"strategy": strategy, "effectiveFrom": day,
                                                          "note": note}}, as_=user))["setTransferStrategy"]
        assert payload["userErrors"] == []
    today = {"strategy": "BY_TOWNSHIP", "label": "按被执行人所在乡镇分配", "isDefault": False,
             "effectiveFrom": "2024-02-08", "note": "局党组会议决定", "setAt": "2024-02-08T01:00:00+00:00",
             "setBy": {"username": "chief"}}
    for user in ("affairs", "impl1", "gateway", "command"):  # every signed-in person
        assert (await api.gql(STRATEGY, as_=user))["transferStrategy"] == today

    clock.set(datetime(2024, 2, 9, 1, 0, tzinfo=UTC))  # the next decision takes effect
    now = (await api.gql(STRATEGY, as_="affairs"))["transferStrategy"]
    assert (now["strategy"], now["effectiveFrom"], now["setBy"]) == (
        "FEWEST_OPEN_CASES", "2024-02-09", {"username": "admin"})


async def test_the_strategy_needs_a_sign_in(api) -> None:
    body = await api.gql(STRATEGY, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_with_no_decision_the_default_is_in_force(api) -> None:
    from exec_center.db.models import TransferStrategyRow

    async with UnitOfWork(api.ctx) as uow:
        await uow.session.execute(sa.delete(TransferStrategyRow))
        await uow.commit()
    assert (await api.gql(STRATEGY, as_="impl1"))["transferStrategy"] == {
        "strategy": "FEWEST_OPEN_CASES", "label": "按在办案件数最少分配", "isDefault": True,
        "effectiveFrom": None, "note": None, "setAt": None, "setBy": None}
