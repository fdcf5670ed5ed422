"""Issue 12, item 7: every argument of every operation in schema/schema.graphql, fed random and
boundary values (hypothesis), is answered as the client's mistake or done - never an internal
error, never a traceback in the log, and every top-level error carries a known `extensions.code`.

The caller holds every role, window and team, so that the values reach past the role checks.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exec_center.api.ids import to_global_id
from exec_center.db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.intake import IntakeData, PartyData, TitleKind
from exec_center.domain.organisation import Role, Unit
from exec_center.services.auth import issue_token, load_viewer
from exec_center.services.cases import receive_case

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = build_schema(SDL)
ROOTS = [("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)]
FIELDS = [(kind, name) for kind, root in ROOTS for name in sorted(root.fields)]
CODES = {"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "UNAVAILABLE",
         "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}
NODE_TYPES = [
    *sorted(name for name, t in SCHEMA.type_map.items()
            if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)),
    "DeadlineExtension", "Nothing",
]

# What clerks and crafted clients send: real shapes, near misses and hostile values.
STRINGS = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "\x00", "a" * 5000, "（2024）粤5322执1号", "（2024）粤5322执保1号", "(2024)粤5322执1号",
        "445322198001011236", "44532219800101123X", "91445322MA4ABCDE15", "13800138000",
        "陈某", "郁南县某建材有限公司", "' OR 1=1 --", "%", "_", "\\", "🙂" * 30, "2024-02-01",
        "50,000.00", "¥50000", "5万", "null", "[10000000000000000000]", "W10", "WzEwMDAwMDAwMDAwMDAwMDAwMDAwXQ",
        "WyJ4Il0", "W3RydWVd", "demo", "admin",
    ]),
)
INTS = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 100, 101, 2**31 - 1, -(2**31)]))
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2024-02-01", "2024-01-31", "0001-01-01", "9999-12-31", "2024-02-30", "2024/02/01",
                     "", "20240201", "2023-12-31"]),
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2024-02-01T08:00:00+08:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "x"]),
)
DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=Decimal("-1e12"),
                max_value=Decimal("1e12")).map(str),
    st.sampled_from(["0", "0.00", "-1", "50000", "50000.005", "1e3", "1E+400", "NaN", "Infinity",
                     "-Infinity", "99999999999999999999999.99", "0.0000001", "１２３", "50,000", ""]),
)


def ids() -> st.SearchStrategy[str]:
    pks = st.sampled_from([1, 2, 3, 5, 0, -1, 10**20, 2**63 - 1])
    return st.one_of(
        st.builds(lambda t, pk: to_global_id(t, pk), st.sampled_from(NODE_TYPES), pks),
        STRINGS,
    )


SCALARS = {"String": STRINGS, "Int": INTS, "Float": st.floats(allow_nan=False, allow_infinity=False),
           "Boolean": st.booleans(), "ID": ids(), "Date": DATES, "DateTime": DATETIMES, "Decimal": DECIMALS}


def value_of(type_: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, depth)
    return st.one_of(st.none(), _value(type_, depth))


def _value(type_: Any, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(value_of(type_.of_type, depth + 1), max_size=3)
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from(sorted(type_.values)), st.just("NOT_A_VALUE"))
    if isinstance(type_, GraphQLScalarType):
        return SCALARS[type_.name]
    assert isinstance(type_, GraphQLInputObjectType)
    if depth > 3:
        return st.just({})
    required = {n: value_of(f.type, depth + 1) for n, f in type_.fields.items()
                if isinstance(f.type, GraphQLNonNull)}
    optional = {n: value_of(f.type, depth + 1) for n, f in type_.fields.items()
                if not isinstance(f.type, GraphQLNonNull)}
    return st.fixed_dictionaries(required, optional=optional)


def selection(field: GraphQLField) -> str:
    """__typename and every scalar field without arguments, one level down (their resolvers run)."""
    named = get_named_type(field.type)
    if is_leaf_type(named):
        return ""
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        return "{ __typename }"
    leaves = [n for n, f in named.fields.items() if not f.args and is_leaf_type(get_named_type(f.type))]
    nested = [f"{n} {{ __typename }}" for n, f in named.fields.items()
              if not f.args and not is_leaf_type(get_named_type(f.type))]
    return "{ __typename " + " ".join(leaves + nested) + " }"


def operation(kind: str, name: str) -> tuple[str, GraphQLField]:
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    field = root.fields[name]
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in field.args)
    head = f"{kind} Fuzz({declared})" if declared else f"{kind} Fuzz"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection(field)} }}", field


async def everything_account(api) -> str:
    """A staff member holding every role, window and team: the values reach the rules."""
    async with api.ctx.sessionmaker() as session:
        staff = Staff(username="fuzz", name="模糊测试", password_hash="!", unit=Unit.AFFAIRS_CENTER,
                      active=True, created_at=api.ctx.clock.now())
        session.add(staff)
        await session.flush()
        session.add_all(StaffRole(staff_id=staff.id, role=role) for role in Role)
        for window in (await session.scalars(sa.select(Window.id))).all():
            session.add(WindowStaff(window_id=window, staff_id=staff.id))
        for team in (await session.scalars(sa.select(Team.id))).all():
            session.add(TeamMember(team_id=team, staff_id=staff.id, is_lead=True))
        await session.commit()
        return staff.id


async def fresh_token(api, staff_id: int) -> str:
    """The account as it was: a fuzzed mutation may have disabled it, changed its roles or
    signed it out."""
    async with api.ctx.sessionmaker() as session:
        await session.execute(sa.update(Staff).where(Staff.id == staff_id).values(active=True))
        held = set((await session.scalars(sa.select(StaffRole.role).where(StaffRole.staff_id == staff_id))).all())
        session.add_all(StaffRole(staff_id=staff_id, role=role) for role in Role if role not in held)
        await session.commit()
        version = await session.scalar(sa.select(Staff.token_version).where(Staff.id == staff_id))
    return issue_token(api.ctx.settings, staff_id, api.ctx.clock.now(), version)[0]


async def a_case(api) -> None:
    async with api.ctx.sessionmaker() as session:
        clerk = await session.scalar(sa.select(Staff.id).where(Staff.username == "affairs"))
        viewer = await load_viewer(session, clerk)
    await receive_case(api.ctx, viewer, IntakeData(
        received_on=None, claim_amount=Decimal("50000"), title_document_number="（2023）粤5322民初1号",
        title_kind=TitleKind.JUDGMENT,
        applicants=(PartyData(PartyKind.PERSON, "陈某", "445322198001011236", "13800138000"),),
        respondents=(PartyData(PartyKind.ORGANISATION, "郁南县某建材有限公司", "91445322MA4ABCDE15"),),
    ))


@pytest.mark.parametrize("kind,name", FIELDS, ids=[f"{k}.{n}" for k, n in FIELDS])
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_no_argument_value_is_an_internal_error(api, caplog, kind, name, data) -> None:
    if not hasattr(api, "fuzz_staff"):
        api.fuzz_staff = await everything_account(api)
        await a_case(api)
    query, field = operation(kind, name)
    variables = {a: data.draw(value_of(arg.type), label=a) for a, arg in field.args.items()}
    caplog.clear()
    caplog.set_level(logging.ERROR)
    token = await fresh_token(api, api.fuzz_staff)
    response = await api.post(query, variables, token=token)
    assert response.status_code in (200, 400, 401, 403, 413), response.text
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, (query, variables, error)
    tracebacks = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert tracebacks == [], (query, variables, [r.getMessage() for r in tracebacks])
