"""Worklists through GraphQL: who sees which work item (worklist, node(id:), windows), the SQL
visibility against the pure rules, claim / unclaim / complete / reassign with their refusals,
optimistic locking, pagination, filters, masking of personal data with its audit events, the
audit trail, statement counts, and escalation raising priorities."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exec_center.api.ids import to_global_id
from exec_center.api.worklist import lanes, visibility
from exec_center.db.models import AuditEvent, Base, Case, Notification, Staff, Team, Window, WorkItem
from exec_center.domain import work as rules
from exec_center.domain.access import Viewer
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.organisation import Role, Unit
from exec_center.domain.work import WorkItemKind, WorkItemStatus
from exec_center.services import cases as case_service
from exec_center.services import deadlines as deadline_service
from exec_center.services import work
from exec_center.services.auth import load_viewer
from exec_center.services.demo import ACCOUNTS, WINDOWS
from exec_center.services.organisation import NewStaff, create_staff
from exec_center.services.unit_of_work import UnitOfWork

from .conftest import OPERATIONS

TZ = ZoneInfo("Asia/Shanghai")
_titles = itertools.count(1024)  # each filing its own title: a second one would be a DUPLICATE
USERS = [a.username for a in ACCOUNTS]
WORKLIST = (OPERATIONS / "Worklist.graphql").read_text()
# The operations ask for the clerk's text; these tests read the English beside it.
_EN = ("userErrors { field message code }", "userErrors { field message: messageEn code }")
CLAIM = (OPERATIONS / "ClaimWorkItem.graphql").read_text().replace(*_EN)
COMPLETE = (OPERATIONS / "CompleteWorkItem.graphql").read_text().replace(*_EN)
CASE = (OPERATIONS / "CaseByNumber.graphql").read_text()
WINDOWS_OP = (OPERATIONS / "Windows.graphql").read_text()

CLAIM_V = """mutation($input: ClaimWorkItemInput!) { claimWorkItem(input: $input) {
  workItem { id status version assignee { username } } userErrors { field message: messageEn code } } }"""
UNCLAIM = """mutation($input: ClaimWorkItemInput!) { unclaimWorkItem(input: $input) {
  workItem { id status version assignee { username } } userErrors { field message: messageEn code } } }"""
REASSIGN = """mutation($input: ReassignWorkItemInput!) { reassignWorkItem(input: $input) {
  workItem { id status version assignee { username } } userErrors { field message: messageEn code } } }"""
IDS_ONLY = """query($first: Int, $after: String, $filter: WorkItemFilter, $orderBy: WorkItemOrder) {
  worklist(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""

APPLICANT_ID, APPLICANT_PHONE = "445322198001011236", "13800138000"
CREDIT_CODE = "91445322MA4ABCDE15"


# --- helpers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    staff: dict[str, int]
    teams: dict[str, int]
    windows: dict[str, int]
    center_windows: frozenset[int]


@pytest.fixture
async def org(ctx) -> Org:
    async with ctx.sessionmaker() as s:
        staff = {u: i for u, i in (await s.execute(sa.select(Staff.username, Staff.id))).all()}
        teams = {c: i for c, i in (await s.execute(sa.select(Team.code, Team.id))).all()}
        rows = (await s.execute(sa.select(Window.code, Window.id, Window.unit))).all()
    return Org(staff, teams, {c: i for c, i, _ in rows},
               frozenset(i for _, i, unit in rows if unit is Unit.AFFAIRS_CENTER))


async def viewer(ctx, username: str) -> Viewer:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        found = await load_viewer(session, staff_id)
    assert found is not None
    return found


def gid(pk: int) -> str:
    return to_global_id("WorkItem", pk)


def at(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=TZ)


async def new_case(ctx, *, team: int | None = None, handler: int | None = None) -> Case:
    data = IntakeData(
        received_on=date(2024, 2, 8),
        claim_amount=Decimal("125000.00"),
        title_document_number=f"（2023）粤5322民初{next(_titles)}号",
        title_kind=TitleKind.JUDGMENT,
        applicants=(PartyData(PartyKind.PERSON, "陈某", APPLICANT_ID, APPLICANT_PHONE, "郁南县都城镇某路1号"),),
        respondents=(PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", CREDIT_CODE),),
    )
    case = await case_service.receive_case(ctx, await viewer(ctx, "affairs"), data)
    if team is not None or handler is not None:  # as the transfer would leave it
        async with UnitOfWork(ctx) as uow:
            await uow.session.execute(sa.update(Case).where(Case.id == case.id)
                                      .values(team_id=team, handler_id=handler))
            await uow.commit()
    return case


async def new_item(ctx, *, kind: WorkItemKind = WorkItemKind.DEADLINE_OVERDUE, case: Case | None = None,
                   title: str = "超期督办", **kw) -> int:
    """A work item; by default of a kind whose completion moves nothing else on."""
    async with UnitOfWork(ctx) as uow:
        owner = {} if case is not None else {"owner_type": "Test", "owner_id": 1}
        item = await work.create(uow, kind=kind, title=title, case=case, **owner, **kw)
        await uow.commit()
        return item.id


async def row(ctx, item_id: int) -> WorkItem:
    async with ctx.sessionmaker() as session:
        return await session.get(WorkItem, item_id)


async def snapshot(ctx, item_id: int) -> tuple:
    item = await row(ctx, item_id)
    return item.status, item.version, item.assignee_id, item.outcome, item.priority


async def audit_count(ctx) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


async def audit_actions(ctx, object_type: str, object_id: int) -> list[str]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == object_type,
                                               AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id))).all())


async def worklist_ids(api, user: str, flt: dict | None = None) -> set[str]:
    data = await api.gql(IDS_ONLY, {"first": 100, "filter": flt or {}}, as_=user)
    assert data["worklist"]["totalCount"] == len(data["worklist"]["edges"])
    return {e["node"]["id"] for e in data["worklist"]["edges"]}


async def nodes(api, user: str, ids: dict[str, str]) -> set[str]:
    """Which of `ids` node(id:) returns to `user` (one request, aliased)."""
    query = "{ " + " ".join(f'{name}: node(id: "{i}") {{ id ... on WorkItem {{ status }} }}'
                            for name, i in ids.items()) + " }"
    data = await api.gql(query, as_=user)
    for name, found in data.items():
        assert found is None or found["id"] == ids[name]
    return {name for name, found in data.items() if found is not None}


def errors_of(body: dict) -> list[str]:
    assert "errors" in body, body
    return [e["extensions"].get("messageEn", e["message"]) for e in body["errors"]]


# --- visibility for every demo role -----------------------------------------------------


@pytest.fixture
async def audiences(ctx, org) -> dict[str, int]:
    """One work item per audience, as the services create them, on a case of team 1."""
    case = await new_case(ctx, team=org.teams["impl-1"])
    t, w, s = org.teams, org.windows, org.staff
    items = {
        "center": await new_item(ctx, case=case, kind=WorkItemKind.ARCHIVE, candidate_role=Role.CENTER_OFFICER),
        "affairs": await new_item(ctx, candidate_role=Role.AFFAIRS_CLERK, window_id=w["affairs-handling"]),
        "online": await new_item(ctx, kind=WorkItemKind.CLASSIFY_MESSAGE, window_id=w["online-12368"]),
        "filing": await new_item(ctx, case=case, kind=WorkItemKind.CONVERT, candidate_role=Role.FILING_CLERK,
                                 window_id=w["execution-filing"]),
        "team1": await new_item(ctx, case=case, kind=WorkItemKind.INVESTIGATE, team_id=t["impl-1"]),
        "team1_officer": await new_item(ctx, case=case, kind=WorkItemKind.ENFORCE, team_id=t["impl-1"],
                                        candidate_role=Role.IMPLEMENTATION_OFFICER),
        "team1_held": await new_item(ctx, case=case, kind=WorkItemKind.MEDIATE, team_id=t["impl-1"],
                                     candidate_role=Role.IMPLEMENTATION_OFFICER, assignee_id=s["impl1"]),
        "adjud": await new_item(ctx, case=case, kind=WorkItemKind.ADJUDICATION_APPLICATION,
                                team_id=t["adjudication"], candidate_role=Role.ADJUDICATION_JUDGE),
        "impl2_held": await new_item(ctx, case=case, kind=WorkItemKind.INVESTIGATE, team_id=t["impl-2"],
                                     candidate_role=Role.IMPLEMENTATION_OFFICER, assignee_id=s["impl2"]),
        "center_done": await new_item(ctx, candidate_role=Role.CENTER_OFFICER),
    }
    center = await viewer(ctx, "center")
    await work.claim(ctx, center, items["center_done"])
    await work.complete(ctx, center, items["center_done"], "DONE")
    return items


ALL_ACTIVE = {"center", "affairs", "online", "filing", "team1", "team1_officer", "team1_held", "adjud",
              "impl2_held"}
EXPECTED_WORKLIST = {
    "affairs": {"affairs"},
    "consult": {"online"},
    "center": {"center"},
    "center-head": {"center", "affairs", "online"},
    "filing": {"filing"},
    "impl1": {"team1", "team1_officer", "team1_held"},
    "impl1-lead": {"team1", "team1_officer", "team1_held"},
    "impl2": {"impl2_held"},
    "impl3": set(),
    "adjud": {"adjud"},
    "chief": ALL_ACTIVE,
    "command": ALL_ACTIVE,
    "admin": set(),
    "gateway": set(),
}
# Done items drop off worklists but stay reachable for their holder and supervisors.
EXPECTED_NODES = {
    user: seen | ({"center_done"} if user in {"center", "center-head", "chief", "command"} else set())
    for user, seen in EXPECTED_WORKLIST.items()
}


def test_every_demo_account_has_an_expectation() -> None:
    assert set(EXPECTED_WORKLIST) == set(USERS)


async def test_worklist_and_node_visibility_for_every_demo_role(api, audiences) -> None:
    by_gid = {gid(pk): name for name, pk in audiences.items()}
    every = {n: gid(pk) for n, pk in audiences.items()}
    for user in USERS:
        assert {by_gid[i] for i in await worklist_ids(api, user)} == EXPECTED_WORKLIST[user], user
        # node(id:) is no side door: an item one may not see is null, as if it did not exist.
        assert await nodes(api, user, every) == EXPECTED_NODES[user], user
        done = {by_gid[i] for i in await worklist_ids(api, user, {"status": ["DONE"]})}
        assert done == EXPECTED_NODES[user] - EXPECTED_WORKLIST[user], user


async def test_impl2_cannot_reach_a_team_1_item_by_any_door(api, audiences, org) -> None:
    team1 = gid(audiences["team1"])
    assert (await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": team1}, as_="impl2"))["node"] is None
    # Nor through a filter naming the team, a window's worklist, or acting on it.
    assert await worklist_ids(api, "impl2", {"teamId": to_global_id("Team", org.teams["impl-1"])}) == set()
    claimed = (await api.gql(CLAIM, {"id": team1}, as_="impl2"))["claimWorkItem"]
    assert claimed["workItem"] is None and claimed["userErrors"][0]["code"] == "NOT_FOUND"
    missing = (await api.gql(CLAIM, {"id": gid(10**9)}, as_="impl2"))["claimWorkItem"]
    assert missing["userErrors"][0]["message"] == claimed["userErrors"][0]["message"]  # same answer


async def test_windows_show_the_worklist_counts_the_viewer_may_see(api, audiences) -> None:
    window_of = {"affairs": "affairs-handling", "online": "online-12368", "filing": "execution-filing"}
    for user in USERS:
        expected: dict[str, set[str]] = {code: set() for code, *_ in WINDOWS}
        for name in EXPECTED_WORKLIST[user]:
            if name in window_of:
                expected[window_of[name]].add(gid(audiences[name]))
        windows = (await api.op("Windows", as_=user))["windows"]
        assert len(windows) == len(WINDOWS)
        for window in windows:
            got = {e["node"]["id"] for e in window["worklist"]["edges"]}
            assert window["worklist"]["totalCount"] == len(expected[window["code"]]), (user, window["code"])
            assert got == expected[window["code"]], (user, window["code"])


async def test_an_item_is_no_side_door_to_a_case_the_viewer_may_not_read(api, ctx, org, audiences) -> None:
    query = """query($id: ID!) { node(id: $id) { ... on WorkItem { status case { number applicants { name } } } } }"""
    # impl2 holds an item on a case of team 1: the item shows, its case does not.
    held = (await api.gql(query, {"id": gid(audiences["impl2_held"])}, as_="impl2"))["node"]
    assert held == {"status": "CLAIMED", "case": None}
    data = await api.gql(WORKLIST, {}, as_="impl2")
    assert [e["node"]["case"] for e in data["worklist"]["edges"]] == [None]
    # Once the case is the team's, it shows.
    async with UnitOfWork(ctx) as uow:
        case_id = (await uow.session.get(WorkItem, audiences["impl2_held"])).case_id
        await uow.session.execute(sa.update(Case).where(Case.id == case_id).values(team_id=org.teams["impl-2"]))
        await uow.commit()
    held = (await api.gql(query, {"id": gid(audiences["impl2_held"])}, as_="impl2"))["node"]
    assert held["case"]["number"] == "（2024）粤5322执保1号"
    # Case readers (the centre, supervisors) see it through any item they see.
    center = (await api.gql(query, {"id": gid(audiences["center"])}, as_="center"))["node"]
    assert center["case"]["applicants"] == [{"name": "陈某"}]


async def test_completing_shows_the_case_only_to_who_may_read_it(api, ctx, org) -> None:
    case = await new_case(ctx)
    item_id = await new_item(ctx, case=case, kind=WorkItemKind.DEADLINE_OVERDUE, team_id=org.teams["impl-2"],
                             assignee_id=org.staff["impl2"])
    done = (await api.gql(COMPLETE, {"input": {"id": gid(item_id), "outcome": "DONE"}}, as_="impl2"))
    assert done["completeWorkItem"]["userErrors"] == [] and done["completeWorkItem"]["case"] is None
    assert done["completeWorkItem"]["workItem"]["status"] == "DONE"


async def test_someone_without_roles_has_an_empty_worklist_not_an_error(api, ctx, audiences) -> None:
    admin = await viewer(ctx, "admin")
    await create_staff(ctx, admin, NewStaff("newcomer", "新同事", "password-123", Unit.EXECUTION_BUREAU))
    assert await worklist_ids(api, "newcomer") == set()
    assert await nodes(api, "newcomer", {n: gid(pk) for n, pk in audiences.items()}) == set()
    windows = (await api.op("Windows", as_="newcomer"))["windows"]
    assert {w["worklist"]["totalCount"] for w in windows} == {0}


async def test_nested_fields_of_a_visible_item(api, audiences) -> None:
    data = await api.gql(WORKLIST, {"filter": {"kind": ["MEDIATE"]}}, as_="impl1-lead")
    [node] = [e["node"] for e in data["worklist"]["edges"]]
    assert node["id"] == gid(audiences["team1_held"])
    assert (node["status"], node["statusLabel"], node["kindLabel"]) == ("CLAIMED", "办理中", "执行调解")
    assert node["team"]["name"] == "执行实施一团队" and node["assignee"]["name"] == "张伟强"
    assert node["case"]["number"] == "（2024）粤5322执保1号"
    assert node["candidateRoleLabel"] == "执行实施团队干警"


# --- the SQL visibility and the pure rule agree -----------------------------------------


def _grid(teams: list[int], windows: list[int], staff: list[int]) -> list[dict]:
    roles, teams, windows, staff = [None, *Role], [None, *teams], [None, *windows], [None, *staff]
    now = datetime(2024, 2, 8, 1, tzinfo=UTC)
    return [
        {"kind": WorkItemKind.DEADLINE_OVERDUE, "owner_type": "Test", "owner_id": 1, "candidate_role": role,
         "team_id": team, "window_id": window, "assignee_id": assignee, "status": status, "priority": 1,
         "title": "grid", "created_at": now, "version": 1}
        for status, role, team, window, assignee in itertools.product(
            list(WorkItemStatus), roles, teams, windows, staff)
    ]


def _audience(r, center_windows: frozenset[int]) -> rules.ItemAudience:
    return rules.ItemAudience(
        status=WorkItemStatus(r.status), candidate_role=Role(r.candidate_role) if r.candidate_role else None,
        team_id=r.team_id, window_id=r.window_id, assignee_id=r.assignee_id,
        center_window=r.window_id in center_windows,
    )


async def test_sql_visibility_agrees_with_can_see_for_every_demo_viewer(ctx, org) -> None:
    """Exhaustive over status x role x team x window x assignee, on the test database."""
    grid = _grid(list(org.teams.values()), list(org.windows.values()),
                 [org.staff[u] for u in ("impl1", "impl1-lead", "center", "center-head", "consult")])
    async with UnitOfWork(ctx) as uow:
        await uow.session.execute(sa.insert(WorkItem), grid)
        await uow.commit()
    async with ctx.sessionmaker() as session:
        rows = (await session.execute(sa.select(
            WorkItem.id, WorkItem.status, WorkItem.candidate_role, WorkItem.team_id, WorkItem.window_id,
            WorkItem.assignee_id))).all()
        assert len(rows) == len(grid)
        for user in USERS:
            v = await viewer(ctx, user)
            where = visibility(v, org.center_windows)
            query = sa.select(WorkItem.id)
            sql = set((await session.scalars(query if where is None else query.where(where))).all())
            pure = {r.id for r in rows if rules.can_see(v, _audience(r, org.center_windows))}
            assert sql == pure, (user, len(sql ^ pure))
            assert pure, user
            # The worklist's lanes, the centre's windows as a subquery as the worklist reads them.
            ways = lanes(v, list(WorkItemStatus))
            merged = set((await session.scalars(sa.union(*(sa.select(WorkItem.id).where(w) for w in ways)))).all())
            assert merged == pure, (user, len(merged ^ pure))


_TEAMS, _WINDOWS, _STAFF = (1, 2, 3), (1, 2, 3), (1, 2, 3, 4)


@st.composite
def viewers(draw) -> tuple[Viewer, frozenset[int]]:
    teams = draw(st.frozensets(st.sampled_from(_TEAMS)))
    return (
        Viewer(
            staff_id=draw(st.sampled_from(_STAFF)),
            username="v",
            name="v",
            roles=draw(st.frozensets(st.sampled_from(list(Role)), max_size=3)),
            team_ids=teams,
            lead_team_ids=draw(st.frozensets(st.sampled_from(sorted(teams)))) if teams else frozenset(),
            window_ids=draw(st.frozensets(st.sampled_from(_WINDOWS))),
        ),
        draw(st.frozensets(st.sampled_from(_WINDOWS))),
    )


class _Rows(list):
    def __repr__(self) -> str:  # keeps hypothesis' reports short
        return f"<{len(self)} work items>"


@pytest.fixture(scope="module")
def synthetic_items():
    """Every combination of audience facts in an in-memory database (no foreign keys)."""
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[WorkItem.__table__])
    with engine.begin() as connection:
        connection.execute(sa.insert(WorkItem), _grid(list(_TEAMS), list(_WINDOWS), list(_STAFF[:3])))
    with engine.connect() as connection:
        rows = connection.execute(sa.select(
            WorkItem.id, WorkItem.status, WorkItem.candidate_role, WorkItem.team_id, WorkItem.window_id,
            WorkItem.assignee_id)).all()
    yield engine, _Rows(rows)
    engine.dispose()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=viewers())
def test_sql_visibility_agrees_with_can_see_for_random_viewers(synthetic_items, case) -> None:
    engine, rows = synthetic_items
    v, center_windows = case
    where = visibility(v, center_windows)
    query = sa.select(WorkItem.id)
    with engine.connect() as connection:
        sql = set(connection.scalars(query if where is None else query.where(where)).all())
    pure = {r.id for r in rows if rules.can_see(v, _audience(r, center_windows))}
    assert sql == pure


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=viewers(), statuses=st.frozensets(st.sampled_from(list(WorkItemStatus)), min_size=1))
def test_the_worklist_lanes_together_are_visibility_for_those_statuses(synthetic_items, case, statuses) -> None:
    """The worklist reads one index-ordered lane per way an item can be visible (issue 14): their
    union must be exactly what the viewer may see in the statuses asked for, no more, no less."""
    engine, rows = synthetic_items
    v, center_windows = case
    ways = lanes(v, list(statuses), center_windows)
    with engine.connect() as connection:
        sql = set(connection.scalars(sa.union(*(sa.select(WorkItem.id).where(w) for w in ways))).all())
    pure = {
        r.id for r in rows
        if WorkItemStatus(r.status) in statuses and rules.can_see(v, _audience(r, center_windows))
    }
    assert sql == pure


# --- claim, the race, and optimistic locking --------------------------------------------


@pytest.fixture
async def second_officer(ctx) -> Viewer:
    admin = await viewer(ctx, "admin")
    await create_staff(ctx, admin, NewStaff("center2", "陈二", "password-123", Unit.AFFAIRS_CENTER,
                                            (Role.CENTER_OFFICER,)))
    return await viewer(ctx, "center2")


@pytest.mark.parametrize("with_version", [False, True])
async def test_two_concurrent_claims_through_graphql(api, ctx, second_officer, with_version) -> None:
    """The service-level race, on both backends, is in tests/integration/test_work_concurrency.py."""
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    item = gid(item_id)
    claim = {"input": {"id": item, **({"version": 1} if with_version else {})}}
    results = await asyncio.gather(api.gql(CLAIM_V, claim, as_="center"),
                                   api.gql(CLAIM_V, claim, as_="center2"))
    payloads = [r["claimWorkItem"] for r in results]
    assert sorted(len(p["userErrors"]) for p in payloads) == [0, 1]
    [loser] = [p for p in payloads if p["userErrors"]]
    [winner] = [p for p in payloads if not p["userErrors"]]
    assert loser["workItem"] is None
    assert loser["userErrors"] == [{"field": ["input", "id"], "message": loser["userErrors"][0]["message"],
                                    "code": "ALREADY_CLAIMED"}]
    assert winner["workItem"]["status"] == "CLAIMED" and winner["workItem"]["version"] == 2
    assert winner["workItem"]["assignee"]["username"] in {"center", "center2"}
    assert await audit_actions(ctx, "WorkItem", item_id) == ["CREATE_WORK_ITEM", "CLAIM_WORK_ITEM"]


async def test_a_later_claim_by_another_candidate_hears_already_claimed(api, ctx, second_officer) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    item = gid(item_id)
    assert (await api.gql(CLAIM, {"id": item}, as_="center"))["claimWorkItem"]["userErrors"] == []
    # The list center2 read still had it at version 1; taken is taken, whatever the version.
    for variables in ({"input": {"id": item}}, {"input": {"id": item, "version": 1}}):
        error = await _refused(api, ctx, item_id, CLAIM_V, variables, "center2")
        assert error["code"] == "ALREADY_CLAIMED" and "someone else" in error["message"]
    # Completing or releasing what another holds is refused as such.
    error = await _refused(api, ctx, item_id, COMPLETE, {"input": {"id": item, "outcome": "DONE"}}, "center2")
    assert error["code"] == "NOT_ALLOWED" and "only its holder can complete" in error["message"]
    error = await _refused(api, ctx, item_id, UNCLAIM, {"input": {"id": item}}, "center2")
    assert error["code"] == "NOT_ALLOWED" and "only its holder can release" in error["message"]
    # Once done, a claim hears that it is done.
    done = await api.gql(COMPLETE, {"input": {"id": item, "outcome": "DONE"}}, as_="center")
    assert done["completeWorkItem"]["userErrors"] == []
    error = await _refused(api, ctx, item_id, CLAIM, {"id": item}, "center2")
    assert error["code"] == "NOT_ALLOWED_IN_STAGE" and "DONE" in error["message"]
    # Yet it is not center2's to read: no side door through node(id:) or the worklist.
    assert await nodes(api, "center2", {"it": item}) == set()
    assert await worklist_ids(api, "center2", {"status": ["CLAIMED", "DONE"]}) == set()


async def test_a_claim_on_a_stale_version_is_refused_and_changes_nothing(api, ctx) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    read = (await api.gql("query($id: ID!) { node(id: $id) { ... on WorkItem { version } } }",
                          {"id": gid(item_id)}, as_="center"))["node"]["version"]
    head = await viewer(ctx, "center-head")
    await work.claim(ctx, head, item_id)
    await work.unclaim(ctx, head, item_id)  # open again, but no longer the version read
    before, audits = await snapshot(ctx, item_id), await audit_count(ctx)
    payload = (await api.gql(CLAIM_V, {"input": {"id": gid(item_id), "version": read}}, as_="center"))
    [error] = payload["claimWorkItem"]["userErrors"]
    assert error["code"] == "STALE" and error["field"] == ["input", "version"]
    assert "version 1, now 3" in error["message"] and "reload" in error["message"]
    assert await snapshot(ctx, item_id) == before and await audit_count(ctx) == audits
    # The current version goes through.
    ok = (await api.gql(CLAIM_V, {"input": {"id": gid(item_id), "version": 3}}, as_="center"))["claimWorkItem"]
    assert ok["userErrors"] == [] and ok["workItem"]["version"] == 4


async def test_complete_and_reassign_on_a_stale_version_are_refused(ctx, org) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    center, head = await viewer(ctx, "center"), await viewer(ctx, "center-head")
    await work.claim(ctx, center, item_id)
    before = await snapshot(ctx, item_id)
    for attempt in (
        work.complete(ctx, center, item_id, "DONE", version=1),
        work.unclaim(ctx, center, item_id, version=1),
        work.reassign(ctx, head, item_id, org.staff["affairs"], version=1),
    ):
        with pytest.raises(DomainError) as refused:
            await attempt
        assert refused.value.code is ErrorCode.STALE
    assert await snapshot(ctx, item_id) == before


# --- bad input through GraphQL: a userError that says what is allowed, nothing changed ---


async def _refused(api, ctx, item_id: int, query: str, variables: dict, user: str) -> dict:
    before, audits = await snapshot(ctx, item_id), await audit_count(ctx)
    data = await api.gql(query, variables, as_=user)
    [payload] = data.values()
    assert payload["workItem"] is None, payload
    [error] = payload["userErrors"]
    assert await snapshot(ctx, item_id) == before, error
    assert await audit_count(ctx) == audits, error
    return error


async def test_bad_input_is_refused_with_what_is_allowed_and_changes_nothing(api, ctx) -> None:
    case = await new_case(ctx)
    center = await viewer(ctx, "center")
    done = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    await work.claim(ctx, center, done)
    await work.complete(ctx, center, done, "DONE")
    held = await new_item(ctx, case=case, kind=WorkItemKind.MEDIATE, candidate_role=Role.CENTER_OFFICER)
    await work.claim(ctx, center, held)
    open_ = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)

    # Claiming a done item, by its holder and by the centre head.
    for user in ("center", "center-head"):
        error = await _refused(api, ctx, done, CLAIM, {"id": gid(done)}, user)
        assert error["code"] == "NOT_ALLOWED_IN_STAGE" and error["field"] == ["input", "id"]
        assert "DONE" in error["message"] and "only OPEN items can be claimed" in error["message"]

    # Completing an item one does not hold; completing one nobody holds.
    error = await _refused(api, ctx, held, COMPLETE, {"input": {"id": gid(held), "outcome": "SETTLED"}},
                           "center-head")
    assert error["code"] == "NOT_ALLOWED" and "only its holder" in error["message"]
    error = await _refused(api, ctx, open_, COMPLETE, {"input": {"id": gid(open_), "outcome": "DONE"}}, "center")
    assert error["code"] == "NOT_ALLOWED_IN_STAGE" and "claim it before" in error["message"]
    error = await _refused(api, ctx, held, COMPLETE, {"input": {"id": gid(held), "outcome": "SETTLED"}}, "impl2")
    assert error["code"] == "NOT_FOUND"  # not even told it exists

    # An outcome the kind does not allow: the message lists the allowed ones.
    error = await _refused(api, ctx, held, COMPLETE, {"input": {"id": gid(held), "outcome": "ARCHIVED"}},
                           "center")
    assert error["code"] == "INVALID" and error["field"] == ["input", "outcome"]
    assert "allowed: SETTLED, PERFORMED, FAILED" in error["message"]
    options = "allowedOutcomes { outcome label mutation allowed reason reasonEn }"
    allowed = (await api.gql(f"query($id: ID!) {{ node(id: $id) {{ ... on WorkItem {{ {options} }} }} }}",
                             {"id": gid(held)}, as_="center"))["node"]["allowedOutcomes"]
    assert [(o["outcome"], o["label"], o["allowed"]) for o in allowed] == [
        ("SETTLED", "达成和解", True), ("PERFORMED", "已履行", True), ("FAILED", "调解不成", True)]
    assert {o["mutation"] for o in allowed} == {"completeWorkItem"}
    # Someone who could take the item but does not hold it is told why the buttons are off.
    other = (await api.gql(f"query($id: ID!) {{ node(id: $id) {{ ... on WorkItem {{ {options} }} }} }}",
                           {"id": gid(held)}, as_="center-head"))["node"]["allowedOutcomes"]
    assert {(o["allowed"], o["reason"], o["reasonEn"]) for o in other} == {
        (False, "该事项已由他人领取", "someone else holds the item")}
    error = await _refused(api, ctx, held, COMPLETE,
                           {"input": {"id": gid(held), "outcome": "SETTLED", "note": "x" * 2001}}, "center")
    assert error["field"] == ["input", "note"] and "2000" in error["message"]

    # The command centre supervises; it does not take work.
    error = await _refused(api, ctx, open_, CLAIM, {"id": gid(open_)}, "command")
    assert error["code"] == "FORBIDDEN" and "command centre" in error["message"]
    # Someone the item is not for cannot act on it, nor learn that it exists.
    error = await _refused(api, ctx, open_, CLAIM, {"id": gid(open_)}, "impl1")
    assert error["code"] == "NOT_FOUND"

    # Ids that are not work items.
    for bad in ("not-an-id", to_global_id("Staff", 1)):
        data = await api.gql(CLAIM, {"id": bad}, as_="center")
        [error] = data["claimWorkItem"]["userErrors"]
        assert error["code"] == "NOT_FOUND" and error["field"] == ["input", "id"], error


async def test_a_second_claim_by_the_holder_says_they_hold_it(api, ctx) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    assert (await api.gql(CLAIM, {"id": gid(item_id)}, as_="center"))["claimWorkItem"]["userErrors"] == []
    error = await _refused(api, ctx, item_id, CLAIM, {"id": gid(item_id)}, "center")
    assert error["code"] == "ALREADY_CLAIMED" and "you already hold" in error["message"]
    error = await _refused(api, ctx, item_id, CLAIM, {"id": gid(item_id)}, "center-head")
    assert error["code"] == "ALREADY_CLAIMED" and "someone else" in error["message"]


# --- unclaim and reassign ---------------------------------------------------------------


async def test_unclaim_gives_the_item_back_to_its_candidates(api, ctx, org) -> None:
    item_id = await new_item(ctx, kind=WorkItemKind.INVESTIGATE, team_id=org.teams["impl-1"])
    item = gid(item_id)
    assert (await api.gql(CLAIM, {"id": item}, as_="impl1"))["claimWorkItem"]["userErrors"] == []
    assert item not in await worklist_ids(api, "impl1", {"assignedToMe": False})
    # Only the holder may release it.
    error = await _refused(api, ctx, item_id, UNCLAIM, {"input": {"id": item}}, "impl1-lead")
    assert error["code"] == "NOT_ALLOWED" and "only its holder can release" in error["message"]
    released = (await api.gql(UNCLAIM, {"input": {"id": item, "version": 2}}, as_="impl1"))["unclaimWorkItem"]
    assert released["userErrors"] == []
    assert released["workItem"] == {"id": item, "status": "OPEN", "version": 3, "assignee": None}
    assert item in await worklist_ids(api, "impl1", {"assignedToMe": False})
    error = await _refused(api, ctx, item_id, UNCLAIM, {"input": {"id": item}}, "impl1")
    assert error["code"] == "NOT_ALLOWED_IN_STAGE" and "claim it before" in error["message"]


async def test_a_lead_reassigns_within_the_team(api, ctx, org) -> None:
    item_id = await new_item(ctx, kind=WorkItemKind.INVESTIGATE, team_id=org.teams["impl-1"],
                             candidate_role=Role.IMPLEMENTATION_OFFICER)
    item = gid(item_id)
    impl1, impl2 = await api.id_of("impl1"), await api.id_of("impl2")
    error = await _refused(api, ctx, item_id, REASSIGN, {"input": {"id": item, "assigneeId": impl2}},
                           "impl1-lead")
    assert error["field"] == ["input", "assigneeId"] and "within the team" in error["message"]
    error = await _refused(api, ctx, item_id, REASSIGN, {"input": {"id": item, "assigneeId": impl1}}, "impl1")
    assert error["code"] == "FORBIDDEN" and "lead" in error["message"]
    error = await _refused(api, ctx, item_id, REASSIGN, {"input": {"id": item, "assigneeId": impl1}}, "command")
    assert error["code"] == "FORBIDDEN"
    error = await _refused(api, ctx, item_id, REASSIGN,
                           {"input": {"id": item, "assigneeId": to_global_id("Staff", 10**6)}}, "impl1-lead")
    assert error["code"] == "NOT_FOUND" and error["field"] == ["input", "assigneeId"]

    done = (await api.gql(REASSIGN, {"input": {"id": item, "assigneeId": impl1, "version": 1}},
                          as_="impl1-lead"))["reassignWorkItem"]
    assert done["userErrors"] == []
    assert done["workItem"] == {"id": item, "status": "CLAIMED", "version": 2, "assignee": {"username": "impl1"}}
    async with ctx.sessionmaker() as session:
        sent = (await session.execute(sa.select(Notification.kind, Notification.object_id)
                                      .where(Notification.recipient_id == org.staff["impl1"]))).all()
    assert [tuple(r) for r in sent] == [("WORK_ITEM_ASSIGNED", item_id)]
    # And on from one member to another: the lead back to themselves.
    lead = await api.id_of("impl1-lead")
    again = (await api.gql(REASSIGN, {"input": {"id": item, "assigneeId": lead}}, as_="impl1-lead"))
    assert again["reassignWorkItem"]["workItem"]["assignee"] == {"username": "impl1-lead"}
    assert await audit_actions(ctx, "WorkItem", item_id) == [
        "CREATE_WORK_ITEM", "REASSIGN_WORK_ITEM", "REASSIGN_WORK_ITEM"]


async def test_the_centre_head_reassigns_within_the_centre(api, ctx, org) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    item = gid(item_id)
    done = (await api.gql(REASSIGN, {"input": {"id": item, "assigneeId": await api.id_of("center")}},
                          as_="center-head"))["reassignWorkItem"]
    assert done["userErrors"] == [] and done["workItem"]["assignee"] == {"username": "center"}
    error = await _refused(api, ctx, item_id, REASSIGN,
                           {"input": {"id": item, "assigneeId": await api.id_of("impl1")}}, "center-head")
    assert error["field"] == ["input", "assigneeId"] and "within the centre" in error["message"]
    # A team's item is not the centre head's to hand out (nor even to see).
    team_item = await new_item(ctx, kind=WorkItemKind.INVESTIGATE, team_id=org.teams["impl-1"])
    error = await _refused(api, ctx, team_item, REASSIGN,
                           {"input": {"id": gid(team_item), "assigneeId": await api.id_of("impl1")}},
                           "center-head")
    assert error["code"] == "NOT_FOUND"
    # Done items are not reassigned.
    center = await viewer(ctx, "center")
    await work.complete(ctx, center, item_id, "DONE")
    error = await _refused(api, ctx, item_id, REASSIGN,
                           {"input": {"id": item, "assigneeId": await api.id_of("affairs")}}, "center-head")
    assert error["code"] == "NOT_ALLOWED_IN_STAGE"


# --- pagination -------------------------------------------------------------------------


ORDERINGS = [(f, d) for f in ("DUE_ON", "PRIORITY", "CREATED_AT") for d in ("ASC", "DESC")]


async def _thirty(ctx, clock) -> list[int]:
    ids = []
    for i in range(30):
        if i % 4:  # some share a creation instant
            clock.advance(minutes=1)
        ids.append(await new_item(
            ctx, candidate_role=Role.CENTER_OFFICER, priority=1 + (i * 5) % 4,
            due_on=None if i % 6 == 0 else date(2024, 2, 10) + timedelta(days=(i * 7) % 11),
        ))
    return ids


def _sort_key(field: str):
    if field == "DUE_ON":
        return lambda r: (r.due_on or date(9999, 12, 31), r.id)
    if field == "PRIORITY":
        return lambda r: (r.priority, r.id)
    return lambda r: (r.created_at, r.id)


async def _expected(ctx, field: str, direction: str) -> list[str]:
    async with ctx.sessionmaker() as session:
        rows = (await session.scalars(sa.select(WorkItem))).all()
    ordered = sorted(rows, key=_sort_key(field), reverse=direction == "DESC")
    return [gid(r.id) for r in ordered]


async def _pages(api, order: dict, between=None) -> list[list[str]]:
    pages, after = [], None
    while True:
        data = (await api.gql(IDS_ONLY, {"first": 7, "after": after, "orderBy": order}, as_="center"))["worklist"]
        pages.append([e["node"]["id"] for e in data["edges"]])
        assert [e["cursor"] for e in data["edges"]][-1:] == ([data["pageInfo"]["endCursor"]]
                                                             if data["edges"] else [])
        if not data["pageInfo"]["hasNextPage"]:
            return pages
        after = data["pageInfo"]["endCursor"]
        if between is not None:
            await between()


async def test_pages_of_seven_in_every_ordering(api, ctx, clock) -> None:
    await _thirty(ctx, clock)
    for field, direction in ORDERINGS:
        order = {"field": field, "direction": direction}
        pages = await _pages(api, order)
        assert [len(p) for p in pages] == [7, 7, 7, 7, 2], order
        assert [i for p in pages for i in p] == await _expected(ctx, field, direction), order
    whole = await api.gql(IDS_ONLY, {"first": 100}, as_="center")
    assert whole["worklist"]["totalCount"] == 30


async def test_pages_are_stable_while_items_are_added(api, ctx, clock) -> None:
    await _thirty(ctx, clock)
    inserted = itertools.count()

    async def add_two() -> None:
        for _ in range(2):
            n = next(inserted)
            clock.advance(seconds=1)
            await new_item(ctx, candidate_role=Role.CENTER_OFFICER, priority=1 + n % 4,
                           due_on=date(2024, 2, 9) + timedelta(days=(n * 5) % 13) if n % 3 else None)

    for field, direction in ORDERINGS:
        before = await _expected(ctx, field, direction)
        pages = await _pages(api, {"field": field, "direction": direction}, between=add_two)
        seen = [i for p in pages for i in p]
        assert len(seen) == len(set(seen)), (field, direction)  # no duplicates
        assert set(before) <= set(seen), (field, direction)  # nothing that existed was skipped
        after = await _expected(ctx, field, direction)
        assert seen == [i for i in after if i in set(seen)], (field, direction)  # still in order


async def test_first_above_100_is_refused_naming_the_limit(api, ctx) -> None:
    await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    for first in (101, -1):
        body = await api.gql(IDS_ONLY, {"first": first}, as_="center", expect_errors=True)
        assert body["data"] is None
        assert errors_of(body) == [f"first must be between 0 and 100; got {first}"]
    body = await api.gql("{ windows { worklist(first: 101) { totalCount } } }", as_="center", expect_errors=True)
    assert "between 0 and 100" in errors_of(body)[0]
    assert (await api.gql(IDS_ONLY, {"first": 100}, as_="center"))["worklist"]["totalCount"] == 1


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def test_a_tampered_cursor_is_refused_with_a_clear_message(api, ctx) -> None:
    for _ in range(3):
        await new_item(ctx, candidate_role=Role.CENTER_OFFICER, due_on=date(2024, 2, 20))
    real = (await api.gql(IDS_ONLY, {"first": 1}, as_="center"))["worklist"]["pageInfo"]["endCursor"]
    by_priority = (await api.gql(IDS_ONLY, {"first": 1, "orderBy": {"field": "PRIORITY"}}, as_="center"))
    priority_cursor = by_priority["worklist"]["pageInfo"]["endCursor"]
    tampered = {
        "garbage": "%%%not a cursor%%%",
        "not json": base64.urlsafe_b64encode(b"\xff\xfe{").decode(),
        "wrong arity": _cursor([1, 2, 3]),
        "id not a number": _cursor(["2024-02-20", "x"]),
        "id a boolean": _cursor(["2024-02-20", True]),
        "id out of range": _cursor(["2024-02-20", 10**30]),
        "value not a date": _cursor(["yesterday", 1]),
        "other ordering": priority_cursor,
        "truncated": real[:-3],
    }
    for name, cursor in tampered.items():
        body = await api.gql(IDS_ONLY, {"first": 5, "after": cursor}, as_="center", expect_errors=True)
        [message] = errors_of(body)
        assert "cursor" in message and "Unexpected" not in message, (name, message)
        assert body["data"] is None, name
    for order, cursor in (("PRIORITY", _cursor([True, 1])), ("CREATED_AT", _cursor(["2024-02-20", 1])),
                          ("CREATED_AT", _cursor(["2024-02-08T01:00:00", 1])), ("CREATED_AT", real),
                          ("DUE_ON", priority_cursor)):
        body = await api.gql(IDS_ONLY, {"first": 5, "after": cursor, "orderBy": {"field": order}},
                             as_="center", expect_errors=True)
        [message] = errors_of(body)
        assert "cursor" in message and "orderBy" in message, (order, message)


# --- filters ----------------------------------------------------------------------------


async def test_every_filter(api, ctx, org, clock) -> None:
    case = await new_case(ctx)
    other = await new_case(ctx)
    center = await viewer(ctx, "center")
    make = {
        "late": dict(due_on=date(2024, 2, 7)),
        "today": dict(due_on=date(2024, 2, 8)),
        "soon": dict(due_on=date(2024, 2, 10), case=case, kind=WorkItemKind.ARCHIVE),
        "undated": dict(case=other, kind=WorkItemKind.ARCHIVE),
        "window": dict(window_id=org.windows["affairs-handling"], candidate_role=Role.AFFAIRS_CLERK),
        "team": dict(team_id=org.teams["impl-1"], kind=WorkItemKind.INVESTIGATE, case=case),
        "mine": dict(due_on=date(2024, 2, 1)),
        "done": dict(due_on=date(2024, 2, 1)),
    }
    ids = {}
    for name, kw in make.items():
        kw.setdefault("candidate_role", None if "team_id" in kw else Role.CENTER_OFFICER)
        ids[name] = await new_item(ctx, **kw)
    for name in ("mine", "done"):
        await work.claim(ctx, center, ids[name])
    await work.complete(ctx, center, ids["done"], "DONE")
    names = {gid(v): k for k, v in ids.items()}

    async def chief(flt: dict, user: str = "chief") -> set[str]:
        return {names[i] for i in await worklist_ids(api, user, flt)}

    active = set(ids) - {"done"}
    assert await chief({}) == active
    assert await chief({"status": ["DONE"]}) == {"done"}
    assert await chief({"status": ["OPEN", "CLAIMED", "DONE", "CANCELLED"]}) == set(ids)
    assert await chief({"kind": ["ARCHIVE", "INVESTIGATE"]}) == {"soon", "undated", "team"}
    assert await chief({"teamId": to_global_id("Team", org.teams["impl-1"])}) == {"team"}
    assert await chief({"windowId": to_global_id("Window", org.windows["affairs-handling"])}) == {"window"}
    assert await chief({"assignedToMe": True}, "center") == {"mine"}
    assert await chief({"assignedToMe": False}, "center") == {"late", "today", "soon", "undated"}
    assert await chief({"overdue": True}) == {"late", "mine"}
    assert await chief({"overdue": False}) == active - {"late", "mine"}  # undated items are not overdue
    assert await chief({"dueBefore": "2024-02-08"}) == {"late", "today", "mine"}
    assert await chief({"caseNumber": case.number}) == {"soon", "team"}
    assert await chief({"caseNumber": f"  {other.number} "}) == {"undated"}
    assert await chief({"caseNumber": "（2024）粤5322执保999号"}) == set()
    half_width = case.number.replace("（", "(").replace("）", ")")
    assert await chief({"caseNumber": half_width}) == {"soon", "team"}  # read as case(number:) reads it
    body = await api.gql(IDS_ONLY, {"filter": {"caseNumber": "2024-1"}}, as_="chief", expect_errors=True)
    assert "expected the form （2024）粤5322执保123号" in errors_of(body)[0]
    assert await chief({"overdue": True, "assignedToMe": True}, "center") == {"mine"}
    overdue = (await api.gql(WORKLIST, {"filter": {"overdue": True}}, as_="chief"))["worklist"]["edges"]
    assert all(e["node"]["overdue"] for e in overdue)
    body = await api.gql(IDS_ONLY, {"filter": {"teamId": to_global_id("Window", 1)}}, as_="chief",
                         expect_errors=True)
    assert "filter.teamId must be the id of a Team" in errors_of(body)[0]
    # The day turns: what was due today is overdue tomorrow.
    clock.set(at(date(2024, 2, 9)))
    assert await chief({"overdue": True}) == {"late", "mine", "today"}


async def test_default_order_is_most_urgent_first(api, ctx) -> None:
    later = await new_item(ctx, candidate_role=Role.CENTER_OFFICER, due_on=date(2024, 3, 1))
    undated = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    sooner = await new_item(ctx, candidate_role=Role.CENTER_OFFICER, due_on=date(2024, 2, 9))
    data = await api.op("Worklist", as_="center")
    assert [e["node"]["id"] for e in data["worklist"]["edges"]] == [gid(sooner), gid(later), gid(undated)]


# --- personal data ----------------------------------------------------------------------


FULL = {"center", "center-head", "impl1", "impl1-lead"}  # centre officers, the case's team, its handler
MASKED = {"chief", "command", "affairs", "consult", "filing", "adjud"}
HIDDEN = {"impl2", "impl3", "admin", "gateway"}


async def _disclosures(ctx, case_id: int) -> list[int]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "DISCLOSE_PERSONAL_DATA",
                                                 AuditEvent.object_type == "Case",
                                                 AuditEvent.object_id == case_id)
            .order_by(AuditEvent.id))).all())


def test_every_demo_account_has_a_masking_expectation() -> None:
    assert FULL | MASKED | HIDDEN == set(USERS) and not (FULL & MASKED or FULL & HIDDEN or MASKED & HIDDEN)


async def test_personal_data_is_masked_per_role_and_each_disclosure_is_audited(api, ctx, org) -> None:
    case = await new_case(ctx, team=org.teams["impl-1"], handler=org.staff["impl1"])
    disclosed: list[int] = []
    for user in USERS:
        data = (await api.op("CaseByNumber", {"number": case.number}, as_=user))["case"]
        if user in HIDDEN:
            assert data is None, user
            assert await _disclosures(ctx, case.id) == disclosed, user
            continue
        [applicant], [respondent] = data["applicants"], data["respondents"]
        assert respondent["idNumber"] == CREDIT_CODE and respondent["phone"] is None, user  # public
        if user in FULL:
            assert (applicant["idNumber"], applicant["phone"]) == (APPLICANT_ID, APPLICANT_PHONE), user
            disclosed.append(org.staff[user])  # exactly one event for this request, by this viewer
        else:
            assert (applicant["idNumber"], applicant["phone"]) == ("445322********1236", "138****8000"), user
        assert await _disclosures(ctx, case.id) == disclosed, user
        assert any(e["node"]["action"] == "RECEIVE_CASE" for e in data["history"]["edges"]), user
    assert len(disclosed) == len(FULL)


async def test_addresses_show_only_with_the_rest_of_the_personal_data(api, ctx, org) -> None:
    case = await new_case(ctx, team=org.teams["impl-1"])
    query = "query($n: String!) { case(number: $n) { applicants { address unmasked } } }"
    shown = (await api.gql(query, {"n": case.number}, as_="impl1"))["case"]["applicants"]
    hidden = (await api.gql(query, {"n": case.number}, as_="command"))["case"]["applicants"]
    assert shown == [{"address": "郁南县都城镇某路1号", "unmasked": True}]
    assert hidden == [{"address": None, "unmasked": False}]


async def test_one_disclosure_event_per_case_viewer_and_day(api, ctx, org, clock) -> None:
    team1 = org.teams["impl-1"]
    first, second = await new_case(ctx, team=team1), await new_case(ctx, team=team1)
    query = """query($a: String!, $b: String!) {
      x: case(number: $a) { applicants { idNumber } respondents { idNumber } }
      y: case(number: $a) { applicants { phone } }
      z: case(number: $b) { respondents { idNumber } } }"""
    await api.gql(query, {"a": first.number, "b": second.number}, as_="impl1-lead")
    assert await _disclosures(ctx, first.id) == [org.staff["impl1-lead"]]
    assert await _disclosures(ctx, second.id) == [org.staff["impl1-lead"]]
    await api.gql(query, {"a": first.number, "b": second.number}, as_="impl1-lead")  # a poll: no more
    assert len(await _disclosures(ctx, first.id)) == 1
    clock.advance(days=1)  # the next day counts again
    await api.gql(query, {"a": first.number, "b": second.number}, as_="impl1-lead")
    assert len(await _disclosures(ctx, first.id)) == 2
    # Parties reached through a work item are audited the same way, once for two items of one case.
    for kind in (WorkItemKind.INVESTIGATE, WorkItemKind.ENFORCE):
        await new_item(ctx, case=first, kind=kind, team_id=team1)
    data = await api.gql("{ worklist { edges { node { case { applicants { idNumber } } } } } }", as_="impl1")
    assert [e["node"]["case"]["applicants"][0]["idNumber"] for e in data["worklist"]["edges"]] == [APPLICANT_ID] * 2
    assert await _disclosures(ctx, first.id) == [org.staff["impl1-lead"]] * 2 + [org.staff["impl1"]]
    # Masked reads, and reads that show no party data, write nothing.
    await api.gql("query($a: String!) { case(number: $a) { applicants { idNumber } } }", {"a": first.number},
                  as_="chief")
    await api.gql("query($a: String!) { case(number: $a) { number stage } }", {"a": first.number}, as_="impl1")
    assert len(await _disclosures(ctx, first.id)) == 3


# --- the audit trail --------------------------------------------------------------------


async def test_every_mutation_writes_its_audit_event_and_history_shows_it(api, ctx) -> None:
    item_id = await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    item = gid(item_id)
    for query, variables in ((CLAIM, {"id": item}), (UNCLAIM, {"input": {"id": item}}), (CLAIM, {"id": item}),
                             (COMPLETE, {"input": {"id": item, "outcome": "DONE", "note": "已接待"}})):
        data = await api.gql(query, variables, as_="center")
        assert next(iter(data.values()))["userErrors"] == []
    history = (await api.gql(
        """query($id: ID!) { node(id: $id) { ... on WorkItem { status outcome note completedAt
             history(first: 3) { totalCount pageInfo { hasNextPage endCursor }
               edges { node { action actor { username } summary } } } } } }""",
        {"id": item}, as_="center"))["node"]
    assert (history["status"], history["outcome"], history["note"]) == ("DONE", "DONE", "已接待")
    assert history["history"]["totalCount"] == 5 and history["history"]["pageInfo"]["hasNextPage"]
    assert [(e["node"]["action"], e["node"]["actor"]["username"]) for e in history["history"]["edges"]] == [
        ("COMPLETE_WORK_ITEM", "center"), ("CLAIM_WORK_ITEM", "center"), ("UNCLAIM_WORK_ITEM", "center")]
    rest = (await api.gql(
        """query($id: ID!, $after: String) { node(id: $id) { ... on WorkItem {
             history(first: 3, after: $after) { edges { node { action actor { username } } } } } } }""",
        {"id": item, "after": history["history"]["pageInfo"]["endCursor"]}, as_="center"))["node"]
    assert [(e["node"]["action"], e["node"]["actor"]) for e in rest["history"]["edges"]] == [
        ("CLAIM_WORK_ITEM", {"username": "center"}), ("CREATE_WORK_ITEM", None)]


async def test_audit_events_cannot_be_changed_or_deleted(ctx) -> None:
    await new_item(ctx, candidate_role=Role.CENTER_OFFICER)
    before = await audit_count(ctx)
    for statement in (sa.update(AuditEvent).values(summary="rewritten"), sa.delete(AuditEvent)):
        async with ctx.sessionmaker() as session:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                await session.execute(statement)
            await session.rollback()
    assert await audit_count(ctx) == before
    async with ctx.sessionmaker() as session:
        assert "rewritten" not in (await session.scalars(sa.select(AuditEvent.summary))).all()


# --- reads that scale -------------------------------------------------------------------


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN; PostgreSQL's is implicit
            self.statements.append(statement)


async def test_the_worklist_runs_a_bounded_number_of_statements(api, ctx, org) -> None:
    cases = [await new_case(ctx, team=org.teams["impl-1"]) for _ in range(4)]
    assignees = [org.staff["impl1"], org.staff["impl1-lead"], org.staff["center"], None]
    async with UnitOfWork(ctx) as uow:
        for i in range(60):
            await work.create(
                uow, kind=WorkItemKind.INVESTIGATE, title=f"item {i}", case=cases[i % len(cases)],
                candidate_role=Role.CENTER_OFFICER if i % 2 else None,
                team_id=None if i % 2 else org.teams["impl-1"], assignee_id=assignees[i % len(assignees)],
                due_on=date(2024, 2, 9) + timedelta(days=i % 9), priority=1 + i % 4)
        await uow.commit()
    for user in ("chief", "center", "center-head", "impl1-lead"):
        await api.op("Worklist", {"first": 1}, as_=user)  # warm up: connections, caches, the token
        counts = {}
        for first in (5, 50):
            with StatementCounter(ctx.engine) as counter:
                data = await api.op("Worklist", {"first": first}, as_=user)
            edges = data["worklist"]["edges"]
            assert len(edges) == min(first, data["worklist"]["totalCount"]) and len(edges) >= 5, user
            counts[first] = len(counter.statements)
        assert all(e["node"]["case"] for e in edges), user
        assert any(e["node"]["assignee"] for e in edges), user
        assert any(e["node"]["team"] for e in edges) or user == "center-head", user  # its items have none
        # The viewer (staff with roles, teams, windows joined), the page with its teams, assignees
        # and cases (joined), the count: whatever the page size.
        assert counts[5] == counts[50] == 3, (user, counts, counter.statements)


# --- escalation meets the worklist ------------------------------------------------------


async def test_escalation_raises_the_priority_and_tells_the_holder(api, ctx, org, clock) -> None:
    case = await new_case(ctx)
    async with UnitOfWork(ctx) as uow:
        deadline = await deadline_service.start_deadline(
            uow, owner_type="Case", owner_id=case.id, kind=DeadlineKind.QUERY_CONTROL,
            starts_on=date(2024, 2, 8), responsible_role=Role.CENTER_OFFICER)
        held = await work.create(uow, kind=WorkItemKind.ANALYSE_FINDINGS, title="分析查控结果", case=case,
                                 candidate_role=Role.CENTER_OFFICER, deadline=deadline)
        waiting = await work.create(uow, kind=WorkItemKind.QUERY_CONTROL, title="集约查控", case=case,
                                    candidate_role=Role.CENTER_OFFICER, deadline=deadline)
        unrelated = await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test", owner_id=1,
                                      candidate_role=Role.CENTER_OFFICER, due_on=date(2024, 2, 21))
        await uow.commit()
    assert deadline.due_on == date(2024, 2, 21) and held.due_on == deadline.due_on
    await work.claim(ctx, await viewer(ctx, "center"), held.id)

    async def escalated_to(staff_id: int) -> list[int]:
        async with ctx.sessionmaker() as session:
            return list((await session.scalars(sa.select(Notification.object_id).where(
                Notification.kind == "WORK_ITEM_ESCALATED", Notification.recipient_id == staff_id))).all())

    clock.set(at(date(2024, 2, 19)))  # not yet
    await deadline_service.sweep(ctx)
    assert (await row(ctx, held.id)).priority == 1

    clock.set(at(date(2024, 2, 20)))  # the working day before: WARNING, priority 2
    await deadline_service.sweep(ctx)
    assert [(await row(ctx, i)).priority for i in (held.id, waiting.id, unrelated.id)] == [2, 2, 1]
    assert (await row(ctx, held.id)).version == 3  # the raise is a change like any other
    assert await escalated_to(org.staff["center"]) == [held.id]
    data = await api.gql(WORKLIST, {"orderBy": {"field": "PRIORITY", "direction": "DESC"}}, as_="center")
    assert [(e["node"]["id"], e["node"]["priority"]) for e in data["worklist"]["edges"]] == [
        (gid(waiting.id), 2), (gid(held.id), 2), (gid(unrelated.id), 1)]  # ties: newest id first
    await deadline_service.sweep(ctx)  # a re-run changes nothing
    assert len(await escalated_to(org.staff["center"])) == 1

    clock.set(at(date(2024, 2, 21)))  # the due day: priority 3
    await deadline_service.sweep(ctx)
    assert (await row(ctx, held.id)).priority == 3
    assert sorted(await escalated_to(org.staff["center"])) == [held.id, held.id]
    clock.set(at(date(2024, 2, 22)))  # missed: 4, and it shows as overdue
    await deadline_service.sweep(ctx)
    data = await api.gql(WORKLIST, {"filter": {"overdue": True}}, as_="center")
    assert {(e["node"]["id"], e["node"]["priority"], e["node"]["overdue"])
            for e in data["worklist"]["edges"]} == {(gid(held.id), 4, True), (gid(waiting.id), 4, True),
                                                    (gid(unrelated.id), 1, True)}
