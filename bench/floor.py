"""The worklist read's floor: a bench-only Starlette endpoint (not part of the product's app) that
answers the contract's Worklist operation (defaults: first 50, due date ascending, no filter)
for a team member with the same SQL statements the product's `worklist` runs, written by hand
on asyncpg, and returns the same JSON.

    uvicorn --factory floor:create --app-dir bench   (EXEC_CENTER_DATABASE_URL, EXEC_CENTER_SECRET_KEY)

What it does per request, like the product: checks the bearer token (pyjwt, HS256), loads the
viewer (staff with roles, teams, windows joined), reads the page (`first + 1` rows) under the viewer's
visibility lanes with its teams, assignees and cases joined, then the count.
What it leaves out is everything the product adds on top: no transaction (BEGIN/ROLLBACK), no
pool pre-ping, no ORM, no GraphQL parsing, validation or resolvers.

It serves viewers without lead teams, the centre head role or the command centre's sight (the
benchmark's viewer is `impl1`, an implementation officer of team 1); others get a 400.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Labels come from the product's domain (plain enums, no database or GraphQL in them).
from exec_center.domain.lifecycle import CaseStage
from exec_center.domain.organisation import Role
from exec_center.domain.work import WorkItemKind, WorkItemStatus

KIND_LABEL = {k.value: k.label for k in WorkItemKind}
STATUS_LABEL = {s.value: s.label for s in WorkItemStatus}
ROLE_LABEL = {r.value: r.label for r in Role}
STAGE_LABEL = {s.value: s.label for s in CaseStage}
FAR_FUTURE = date(9999, 12, 31)
PAGE = 50

STAFF = (
    "SELECT staff.id, staff.username, staff.name, staff.password_hash, staff.unit, staff.office_phone, "
    "staff.active, staff.created_at, staff.disabled_at FROM staff"
)
# The viewer in one statement, as services/auth.load_viewer reads it.
VIEWER = (
    "SELECT staff.id, staff.username, staff.name, staff.active, staff.token_version, staff_roles.role, "
    "team_members.team_id, team_members.is_lead, window_staff.window_id FROM staff "
    "LEFT OUTER JOIN staff_roles ON staff_roles.staff_id = staff.id "
    "LEFT OUTER JOIN team_members ON team_members.staff_id = staff.id "
    "LEFT OUTER JOIN window_staff ON window_staff.staff_id = staff.id WHERE staff.id = $1::BIGINT"
)
COLUMNS = (
    "work_items.id, work_items.kind, work_items.owner_type, work_items.owner_id, work_items.case_id, "
    "work_items.candidate_role, work_items.team_id, work_items.window_id, work_items.assignee_id, "
    "work_items.status, work_items.priority, work_items.due_on, work_items.deadline_id, work_items.title, "
    "work_items.created_at, work_items.claimed_at, work_items.completed_at, work_items.outcome, "
    "work_items.note, work_items.version"
)
# The product's worklist for a viewer with one role and one team, no windows, no lead teams, not
# the centre head (api/worklist.py `lanes`): the first n+1 of each way an item can be visible, in
# the order of the index that serves it - assigned to them (CLAIMED, then OPEN), open for their
# role in their team (or no team) at no window, open for their team alone - merged by UNION;
# the count merges the same lanes' ids.
KEY = "coalesce(work_items.due_on, '9999-12-31')"
LANES = (
    "work_items.assignee_id = $1::BIGINT AND work_items.status = 'CLAIMED'",
    "work_items.assignee_id = $1::BIGINT AND work_items.status = 'OPEN'",
    "work_items.candidate_role = $2 AND work_items.status = 'OPEN' AND (work_items.team_id IS NULL "
    "OR work_items.team_id IN ($3::BIGINT)) AND work_items.window_id IS NULL",
    "work_items.team_id = $3::BIGINT AND work_items.status = 'OPEN' AND work_items.candidate_role IS NULL",
)
PAGE_SQL = None  # set below, once the related tables' columns are known
COUNT_SQL = (
    "SELECT count(*) FROM ("
    + " UNION ".join(f"SELECT work_items.id AS id FROM work_items WHERE {lane}" for lane in LANES)
    + ") AS visible"
)
TEAMS = "SELECT teams.id, teams.code, teams.name, teams.kind, teams.townships, teams.created_at FROM teams"
CASES = (
    "SELECT cases.id, cases.number, cases.court_code, cases.case_type, cases.year, cases.sequence, cases.stage, "
    "cases.received_on, cases.claim_amount, cases.title_document_number, cases.title_kind, cases.team_id, "
    "cases.handler_id, cases.origin_case_id, cases.township, cases.controlled_total, cases.fully_controlled, "
    "cases.query_control_completed_on, cases.mediation_outcome, cases.closing_method, cases.closed_on, "
    "cases.archived_into_id, cases.received_by, cases.created_at, cases.version FROM cases"
)




def _prefixed(select: str, table: str, alias: str) -> str:
    """`SELECT teams.id, teams.name … FROM teams` as `t.id AS t_id, t.name AS t_name …`."""
    columns = select.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
    return ", ".join(f"{alias}.{c.split('.')[1]} AS {alias}_{c.split('.')[1]}" for c in columns)


# The page with its team, assignee and case joined, as the product reads it.
PAGE_SQL = (
    f"SELECT {COLUMNS}, {_prefixed(TEAMS, 'teams', 't')}, {_prefixed(STAFF, 'staff', 's')}, "
    f"{_prefixed(CASES, 'cases', 'c')} FROM work_items JOIN ("
    + " UNION ".join(
        f"SELECT head.key, head.id FROM (SELECT {KEY} AS key, work_items.id AS id FROM work_items WHERE {lane} "
        f"ORDER BY {KEY} ASC, work_items.id ASC LIMIT $4::INTEGER) AS head"
        for lane in LANES
    )
    + ") AS heads ON heads.id = work_items.id LEFT OUTER JOIN teams AS t ON t.id = work_items.team_id "
    "LEFT OUTER JOIN staff AS s ON s.id = work_items.assignee_id LEFT OUTER JOIN cases AS c ON c.id = "
    "work_items.case_id ORDER BY heads.key ASC, heads.id ASC LIMIT $4::INTEGER"
)


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": message}]}, status_code=status)


def create() -> Starlette:
    dsn = os.environ["EXEC_CENTER_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    secret = os.environ["EXEC_CENTER_SECRET_KEY"]
    tz = ZoneInfo(os.environ.get("EXEC_CENTER_TIMEZONE", "Asia/Shanghai"))
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Like the product's engine: 10 connections (+10 overflow), JIT off.
        state["pool"] = await asyncpg.create_pool(
            dsn, min_size=10, max_size=20, server_settings={"jit": "off", "application_name": "bench-floor"}
        )
        try:
            yield
        finally:
            await state["pool"].close()

    async def healthz(_request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def graphql(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return error("use `Authorization: Bearer <token>`", 401)
        await request.body()  # the contract's Worklist operation with its defaults
        try:
            claims = jwt.decode(
                token.strip(),
                secret,
                algorithms=["HS256"],
                audience="exec-center",
                options={"require": ["exp", "sub", "iat"], "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            return error("the bearer token is not valid; sign in again", 401)
        if claims["exp"] <= datetime.now().timestamp():
            return error("the bearer token has expired; sign in again", 401)
        staff_id = int(claims["sub"])
        async with state["pool"].acquire() as c:
            found = await c.fetch(VIEWER, staff_id)
            if not found or not found[0]["active"]:
                return error("this account is disabled or no longer exists", 401)
            roles = sorted({r["role"] for r in found if r["role"] is not None})
            teams = list({r["team_id"]: r for r in found if r["team_id"] is not None}.values())
            windows = {r["window_id"] for r in found if r["window_id"] is not None}
            if (
                len(roles) != 1
                or len(teams) != 1
                or windows
                or any(t["is_lead"] for t in teams)
                or roles[0] in ("CENTER_HEAD", "BUREAU_CHIEF", "COMMAND_CENTER")
            ):
                return error("the floor serves a team member with one role, one team and no window", 400)
            team_id = teams[0]["team_id"]
            rows = await c.fetch(PAGE_SQL, staff_id, roles[0], team_id, PAGE + 1)
            total = await c.fetchval(COUNT_SQL, staff_id, roles[0], team_id)
            page = rows[:PAGE]
        today = datetime.now(tz).date()
        edges = []
        for r in page:
            due = r["due_on"]
            team = {"id": r["t_id"], "name": r["t_name"]} if r["t_id"] is not None else None
            assignee = {"id": r["s_id"], "name": r["s_name"]} if r["s_id"] is not None else None
            case = (
                {"id": r["c_id"], "number": r["c_number"], "stage": r["c_stage"]} if r["c_id"] is not None else None
            )
            role = r["candidate_role"]
            edges.append(
                {
                    "cursor": cursor([(due or FAR_FUTURE).isoformat(), r["id"]]),
                    "node": {
                        "id": gid("WorkItem", r["id"]),
                        "kind": r["kind"],
                        "kindLabel": KIND_LABEL[r["kind"]],
                        "status": r["status"],
                        "statusLabel": STATUS_LABEL[r["status"]],
                        "priority": r["priority"],
                        "dueOn": due.isoformat() if due else None,
                        "overdue": due is not None and due < today and r["status"] in ("OPEN", "CLAIMED"),
                        "candidateRole": role,
                        "candidateRoleLabel": ROLE_LABEL[role] if role else None,
                        "team": {"id": gid("Team", team["id"]), "name": team["name"]} if team else None,
                        "assignee": {"id": gid("Staff", assignee["id"]), "name": assignee["name"]}
                        if assignee
                        else None,
                        "case": {
                            "id": gid("Case", case["id"]),
                            "number": case["number"],
                            "stage": case["stage"],
                            "stageLabel": STAGE_LABEL[case["stage"]],
                        }
                        if case
                        else None,
                    },
                }
            )
        body = {
            "data": {
                "worklist": {
                    "totalCount": total,
                    "pageInfo": {
                        "hasNextPage": len(rows) > PAGE,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                }
            }
        }
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )
