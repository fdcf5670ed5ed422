"""The operations catalogue (schema/operations/, issue 13 item 8): every file is one named
operation that validates against the exported SDL, says which screen it is for, asks every
mutation's userErrors in full, and is replayed by a screen flow in tests/api/test_catalogue_*.py;
together the operations use every root Query and Mutation field.

The helpers below are what the flows replay the operations with."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    parse,
    validate,
)

from exec_center.api.schema import build_schema as build_app_schema

from .conftest import OPERATIONS

HERE = Path(__file__).resolve().parent
FILES = sorted(OPERATIONS.glob("*.graphql"))
FLOWS = sorted(HERE.glob("test_catalogue_*.py"))

# The front-end contract as first written (copies of the shared contract, not to be changed):
# their userErrors ask `field message code` without `messageEn`.
CONTRACT_USER_ERRORS = {"SignIn", "ReceiveCase", "ClaimWorkItem", "CompleteWorkItem"}
# Root fields no operation uses, each with its reason (the README lists them too).
LEFT_OUT: dict[str, str] = {}
USER_ERRORS = {"field", "message", "messageEn", "code"}


# --- helpers for the flows ------------------------------------------------------------------------


async def run(api, name: str, variables: dict[str, Any] | None = None, *, as_: str) -> dict[str, Any]:
    """Replay operation `name` as `as_`; the data, failing on top-level errors."""
    return await api.op(name, variables, as_=as_)


async def ok(api, name: str, variables: dict[str, Any] | None = None, *, as_: str) -> dict[str, Any]:
    """Replay mutation `name`; its payload, which must carry no userErrors."""
    data = await api.op(name, variables, as_=as_)
    [payload] = data.values()
    assert payload["userErrors"] == [], (name, payload["userErrors"])
    return payload


async def refused(api, name: str, variables: dict[str, Any] | None = None, *, as_: str) -> dict[str, Any]:
    """Replay mutation `name` expecting a refusal; its first userError."""
    data = await api.op(name, variables, as_=as_)
    [payload] = data.values()
    assert payload["userErrors"], (name, payload)
    return payload["userErrors"][0]


def edges(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in connection["edges"]]


# --- the catalogue itself -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """The schema as `exec-center export-schema` prints it (what a front end generates from)."""
    return build_schema(build_app_schema(debug=True).as_str())


def _operations(path: Path) -> list[OperationDefinitionNode]:
    return [d for d in parse(path.read_text()).definitions if isinstance(d, OperationDefinitionNode)]


def test_there_is_a_catalogue() -> None:
    assert len(FILES) >= 70


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_file_is_one_named_operation_valid_against_the_sdl(path: Path, schema: GraphQLSchema) -> None:
    document = parse(path.read_text())
    assert validate(schema, document) == []
    [operation] = _operations(path)
    assert operation.name is not None and operation.name.value == path.stem
    # Fragments are the file's own (the replay helper sends one file), named after it so that
    # a code generator reading every file at once meets no name twice.
    for fragment in (d for d in document.definitions if isinstance(d, FragmentDefinitionNode)):
        assert fragment.name.value.startswith(f"{path.stem}_"), fragment.name.value


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_file_says_which_screen_it_is_for(path: Path) -> None:
    header = path.read_text().split("\n")
    assert header[0].startswith("# ") and len(header[0]) > 3
    if path.stem not in CONTRACT_USER_ERRORS | {"CaseByNumber", "Me", "Windows", "Worklist"}:
        assert header[0].startswith("# Screen: "), header[0]
        assert header[1].startswith("# ") and len(header[1]) > 10, "a line on what it is for and who"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_mutation_asks_for_its_user_errors(path: Path) -> None:
    [operation] = _operations(path)
    if operation.operation is not OperationType.MUTATION:
        return
    for root in operation.selection_set.selections:
        assert isinstance(root, FieldNode)
        [errors] = [f for f in root.selection_set.selections
                    if isinstance(f, FieldNode) and f.name.value == "userErrors"]
        asked = {f.name.value for f in errors.selection_set.selections if isinstance(f, FieldNode)}
        expected = USER_ERRORS - {"messageEn"} if path.stem in CONTRACT_USER_ERRORS else USER_ERRORS
        assert asked >= expected, (path.stem, asked)


def test_every_root_field_is_used_by_an_operation(schema: GraphQLSchema) -> None:
    used: set[str] = set()
    for path in FILES:
        for operation in _operations(path):
            root = {OperationType.QUERY: "Query", OperationType.MUTATION: "Mutation"}.get(operation.operation)
            for field in operation.selection_set.selections:
                if root and isinstance(field, FieldNode):
                    used.add(f"{root}.{field.name.value}")
    assert schema.query_type is not None and schema.mutation_type is not None
    every = {f"Query.{f}" for f in schema.query_type.fields} | {f"Mutation.{f}" for f in schema.mutation_type.fields}
    assert every - used - set(LEFT_OUT) == set()
    assert set(LEFT_OUT) <= every, "a documented exception names a field that is gone"


def test_every_operation_is_replayed_by_a_screen_flow() -> None:
    replayed: set[str] = set()
    for flow in FLOWS:
        replayed |= set(re.findall(r"""\b(?:run|ok|refused|api\.op)\(\s*api,?\s*["'](\w+)["']""",
                                   flow.read_text()))
        replayed |= set(re.findall(r"""api\.op\(\s*["'](\w+)["']""", flow.read_text()))
    assert {p.stem for p in FILES} - replayed == set()
    assert replayed - {p.stem for p in FILES} == set(), "a flow replays an operation that does not exist"


def test_the_readme_lists_every_operation() -> None:
    readme = (OPERATIONS / "README.md").read_text()
    for path in FILES:
        assert f"`{path.stem}`" in readme, path.stem

