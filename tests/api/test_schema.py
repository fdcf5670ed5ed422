"""The committed schema matches the code, and every front-end operation validates against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from exec_center.api.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted((ROOT / "schema" / "operations").glob("*.graphql"))
CONTRACT = ROOT.parent / "shared" / "contract"


def test_schema_graphql_is_printed_from_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text()
    assert committed == build_schema(debug=True).as_str() + "\n", (
        "schema/schema.graphql drifted from the code: run `exec-center export-schema > "
        "schema/schema.graphql` and review the diff")


def test_there_are_operations_to_replay() -> None:
    assert {p.stem for p in OPERATIONS} >= {"SignIn", "Me", "Windows"}


@pytest.fixture(scope="module")
def graphql_schema():
    return build_schema(debug=True)._schema


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_the_schema(path: Path, graphql_schema) -> None:
    errors = validate(graphql_schema, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]


@pytest.mark.skipif(not CONTRACT.is_dir(), reason="the shared contract is not beside this checkout")
@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_the_contract_as_written(path: Path) -> None:
    contract = CONTRACT / path.name
    if contract.exists():
        assert path.read_text() == contract.read_text()
