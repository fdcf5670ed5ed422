"""Persisted (trusted) operations (issue 14, item 2): a front end names a catalogue operation
(schema/operations) by the sha256 of its file instead of sending the text - Apollo's APQ
`extensions.persistedQuery` or the GraphQL-over-HTTP draft's `documentId` - and the server runs
the document it parsed and validated at start. Nothing a client sends is registered; with
EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY nothing outside the catalogue runs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse
from graphql.language.parser import Parser
from strawberry.extensions.parser_cache import _get_parse_cache

from exec_center.api.persisted import client_preset_text
from exec_center.api.schema import PARSER_CACHE_SIZE, build_schema, validation_rules
from exec_center.app import create_app
from exec_center.config import load_settings
from exec_center.context import AppContext

from .conftest import OPERATIONS, Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
WORKLIST = (OPERATIONS / "Worklist.graphql").read_text(encoding="utf-8")
SIGN_IN = (OPERATIONS / "SignIn.graphql").read_text(encoding="utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


async def auth(api: Api, username: str = "center") -> dict[str, str]:
    return {"Authorization": f"Bearer {await api.token(username)}"}


@pytest.fixture
async def locked(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    """The app with EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY (and DEBUG off, as in production)."""
    settings = ctx.settings.with_(trusted_documents_only=True, debug=False)
    app = create_app(settings, context=dataclasses.replace(ctx, settings=settings), run_workers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


# --- the catalogue -------------------------------------------------------------------------------

def test_every_catalogue_file_is_known_by_the_sha256_of_its_text_and_validates() -> None:
    schema = build_schema(debug=False)
    files = sorted(OPERATIONS.glob("*.graphql"))
    assert len(schema.catalogue) == len(files) > 70
    for path in files:
        text = path.read_text(encoding="utf-8")
        operation = schema.catalogue.get(sha256(text))
        assert operation is not None and operation.name == path.stem and operation.text == text
        assert operation.document_id == "sha256:" + operation.sha256
        # Also known by the codegen client preset's identifier (its own text of the file).
        preset = schema.catalogue.for_document_id("sha256:" + sha256(client_preset_text(parse(text))))
        assert preset is not None and preset.name == path.stem
        # Validated when the schema was built, with the rules a request is validated with.
        for known in (operation, preset):
            assert known.validation_errors(
                schema.catalogue_fingerprint, schema._schema, validation_rules(debug=False)) == []


# What @graphql-tools/documents 1.0.2's printExecutableGraphQLDocument (graphql-js 16) prints for
# these documents - the text the codegen client preset hashes for `persistedDocuments`.
PRESET_CASES = [
    (
        'query A($z: Int = 3, $a: [String!]! = ["x\\ty", "中文  二", "q\\"uote\\\\"], $m: In = {b: {c: 1.5}, a: null}) '
        '@dir(z: 1, a: 2) {\n  zed: node(id: "a", veryLongArgumentNameNumberOne: "some long value here", '
        'another: {x: 1, y: [1,2,3]}) @skip(if: false) @include(if: true) {\n    ... on Zeta @b(x: 1) @a(y: 2) { b a }\n'
        '    ... on Alpha { z y ... on Beta { q p } }\n    ...Frag @skip(if: false) @include(if: true)\n    id\n'
        '    __typename\n  }\n  Apple: a\n  apple\n  _under\n}\nfragment Frag on Node { id ... on Case { number } }\n',
        'fragment Frag on Node { id ... on Case { number } } query A($a: [String!]! = ["x\\ty", "中文 二", '
        '"q\\"uote\\\\"], $m: In = {b: {c: 1.5}, a: null}, $z: Int = 3) @dir(a: 2, z: 1) { _under Apple: a apple '
        'zed: node( id: "a" veryLongArgumentNameNumberOne: "some long value here" another: {x: 1, y: [1, 2, 3]} ) '
        '@skip(if: false) @include(if: true) { __typename id ...Frag @include(if: true) @skip(if: false) '
        '... on Alpha { y z ... on Beta { p q } } ... on Zeta @a(y: 2) @b(x: 1) { a b } } }',
    ),
    (
        "mutation B($b: ID!, $a: ID!) {\n  second(input: {id: $b}) { z a ... on X { d c } }\n"
        "  first: doIt(id: $a) @skip(if: false) @include(if: true) { zz aa }\n"
        "  ... on Mutation @b @a { y: x w ... on Mutation { v u } }\n  ...MFrag\n}\n"
        "fragment MFrag on Mutation { z a }\n",
        "fragment MFrag on Mutation { a z } mutation B($a: ID!, $b: ID!) { second(input: {id: $b}) { a z "
        "... on X { c d } } first: doIt(id: $a) @skip(if: false) @include(if: true) { aa zz } "
        "... on Mutation @b @a { y: x w ... on Mutation { v u } } ...MFrag }",
    ),
]


@pytest.mark.parametrize(("source", "printed"), PRESET_CASES)
def test_the_client_presets_text_is_reproduced(source: str, printed: str) -> None:
    assert client_preset_text(parse(source)) == printed


async def test_an_operation_by_the_client_presets_document_id_runs(api: Api) -> None:
    headers = await auth(api)
    preset = client_preset_text(parse(WORKLIST))
    assert preset != WORKLIST
    by_text = await api.client.post("/graphql", json={"query": WORKLIST, "variables": {"first": 3}}, headers=headers)
    by_preset_id = await api.client.post("/graphql", json={"documentId": "sha256:" + sha256(preset),
                                                           "variables": {"first": 3}}, headers=headers)
    assert by_preset_id.status_code == 200
    # The preset's text orders the fields by name: the same data, keys in another order.
    assert by_preset_id.json() == by_text.json()


def test_the_setting_reads_from_the_environment() -> None:
    base = {"EXEC_CENTER_SECRET_KEY": "x" * 40, "EXEC_CENTER_VAR_DIR": "var"}
    assert load_settings(base).trusted_documents_only is False
    assert load_settings({**base, "EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY": "true"}).trusted_documents_only is True


# --- by hash: POST and GET, APQ and documentId ---------------------------------------------------

async def test_a_query_by_hash_by_post_and_get_answers_as_its_text_does(api: Api) -> None:
    headers = await auth(api)
    variables = {"first": 5}
    by_text = await api.client.post("/graphql", json={"query": WORKLIST, "variables": variables}, headers=headers)
    assert by_text.status_code == 200 and "errors" not in by_text.json()
    expected = by_text.json()
    assert expected["data"]["worklist"]["totalCount"] >= 0

    answers = [
        await api.client.post("/graphql", json={"extensions": apq(WORKLIST), "variables": variables}, headers=headers),
        await api.client.post("/graphql", json={"documentId": "sha256:" + sha256(WORKLIST), "variables": variables},
                              headers=headers),
        await api.client.get("/graphql", params={"extensions": json.dumps(apq(WORKLIST)),
                                                 "variables": json.dumps(variables)}, headers=headers),
        await api.client.get("/graphql", params={"documentId": "sha256:" + sha256(WORKLIST),
                                                 "variables": json.dumps(variables)}, headers=headers),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.json() == expected


async def test_a_mutation_by_hash_runs_by_post_and_is_refused_by_get(api: Api) -> None:
    variables = {"username": "center", "password": "demo"}
    for body in ({"extensions": apq(SIGN_IN)}, {"documentId": "sha256:" + sha256(SIGN_IN)}):
        response = await api.client.post("/graphql", json={**body, "variables": variables})
        assert response.status_code == 200
        payload = response.json()["data"]["signIn"]
        assert payload["userErrors"] == [] and payload["token"]

    for params in ({"extensions": json.dumps(apq(SIGN_IN))}, {"documentId": "sha256:" + sha256(SIGN_IN)}):
        response = await api.client.get("/graphql", params={**params, "variables": json.dumps(variables)})
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


# --- unknown hashes; nothing is registered ------------------------------------------------------

async def test_an_unknown_apq_hash_is_persisted_query_not_found_as_apollo_clients_expect(api: Api) -> None:
    headers = await auth(api)
    unknown = f"query Mine {{ me {{ id }} }} # {uuid.uuid4()}"
    for response in (
        await api.client.post("/graphql", json={"extensions": apq(unknown)}, headers=headers),
        await api.client.get("/graphql", params={"extensions": json.dumps(apq(unknown))}, headers=headers),
    ):
        assert response.status_code == 200
        assert "no-cache" in response.headers["cache-control"]
        assert response.json() == {"data": None, "errors": [
            {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}

    # Apollo's link then sends the text with the hash: it runs, and is not registered.
    response = await api.client.post("/graphql", json={"query": unknown, "extensions": apq(unknown)}, headers=headers)
    assert response.status_code == 200 and response.json()["data"]["me"]["id"]
    again = await api.client.post("/graphql", json={"extensions": apq(unknown)}, headers=headers)
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_unknown_document_id_is_400(api: Api) -> None:
    headers = await auth(api)
    for document_id in ("sha256:" + "0" * 64, sha256(WORKLIST), "x-court:Worklist"):
        for accept in ("application/json", GRAPHQL_RESPONSE):
            response = await api.client.post("/graphql", json={"documentId": document_id},
                                             headers={**headers, "Accept": accept})
            assert response.status_code == 400
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            assert "sha256:<hex>" in error["message"]


async def test_a_hash_that_is_not_the_texts_is_refused(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ __typename }", "extensions": apq(WORKLIST)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "provided sha does not match query"
    malformed = await api.client.post("/graphql", json={"extensions": {"persistedQuery": {"sha256Hash": "abc"}}})
    assert malformed.status_code == 400
    assert "persistedQuery" in malformed.json()["errors"][0]["message"]


async def test_wrong_variables_by_hash_give_the_errors_the_text_gives(api: Api) -> None:
    headers = await auth(api)
    variables = {"first": "five", "filter": {"nonsense": True}}
    for accept, status in (("application/json", 200), (GRAPHQL_RESPONSE, 400)):
        by_text = await api.client.post("/graphql", json={"query": WORKLIST, "variables": variables},
                                        headers={**headers, "Accept": accept})
        by_hash = await api.client.post("/graphql", json={"extensions": apq(WORKLIST), "variables": variables},
                                        headers={**headers, "Accept": accept})
        assert by_text.status_code == by_hash.status_code == status
        assert by_hash.json() == by_text.json()
        codes = {error["extensions"]["code"] for error in by_hash.json()["errors"]}
        assert codes == {"BAD_USER_INPUT"}


# --- a persisted operation is neither parsed nor validated again ---------------------------------

def counting(calls: list[str], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return function(*args, **kwargs)

    return counted


async def test_an_operation_by_hash_or_exact_text_is_neither_parsed_nor_validated(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await auth(api)
    calls: list[str] = []
    # graphql-core's parser (under Strawberry's parse and its ParserCache) and the validation
    # Strawberry runs (under its ValidationCache).
    _get_parse_cache(PARSER_CACHE_SIZE).cache_clear()  # no text parsed before hides a parse
    monkeypatch.setattr(Parser, "parse_document", counting(calls, "parse", Parser.parse_document))
    monkeypatch.setattr(strawberry_schema, "validate", counting(calls, "validate", strawberry_schema.validate))

    # A document new to the process is parsed and validated once: the counting works.
    fresh = f"query Fresh {{ me {{ id }} }} # {uuid.uuid4()}"
    response = await api.client.post("/graphql", json={"query": fresh}, headers=headers)
    assert "errors" not in response.json()
    assert calls == ["parse", "validate"]

    calls.clear()
    for body in ({"extensions": apq(WORKLIST)}, {"documentId": "sha256:" + sha256(WORKLIST)}, {"query": WORKLIST}):
        response = await api.client.post("/graphql", json=body, headers=headers)
        assert "errors" not in response.json()
    response = await api.client.get("/graphql", params={"extensions": json.dumps(apq(WORKLIST))}, headers=headers)
    assert "errors" not in response.json()
    assert calls == []


# --- EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY ----------------------------------------------------------

async def test_trusted_only_refuses_a_free_document_and_runs_the_catalogue(api: Api, locked: httpx.AsyncClient) -> None:
    headers = await auth(api)
    refused = await locked.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert "schema/operations" in error["message"] and "sha256Hash" in error["message"]
    assert "documentId" in error["message"]
    # Introspection too (DEBUG is off); and a hash with a text of its own is not registered.
    introspection = await locked.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert introspection.status_code == 400
    free = "{ me { id } }"
    with_hash = await locked.post("/graphql", json={"query": free, "extensions": apq(free)}, headers=headers)
    assert with_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"

    for body in ({"extensions": apq(WORKLIST)}, {"documentId": "sha256:" + sha256(WORKLIST)}, {"query": WORKLIST}):
        response = await locked.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200
        assert response.json()["data"]["worklist"]["totalCount"] >= 0


async def test_trusted_only_with_debug_still_lets_graphiql_introspect(ctx: AppContext) -> None:
    settings = ctx.settings.with_(trusted_documents_only=True, debug=True)
    app = create_app(settings, context=dataclasses.replace(ctx, settings=settings), run_workers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        introspection = await client.post("/graphql", json={
            "query": "query IntrospectionQuery { __schema { queryType { name } ...Types } } "
                     "fragment Types on __Schema { types { name } }"})
        assert introspection.status_code == 200
        assert introspection.json()["data"]["__schema"]["queryType"]["name"] == "Query"
        free = await client.post("/graphql", json={"query": "{ __typename me { id } }"})
        assert free.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


def test_a_file_is_known_by_the_sha256_of_its_bytes_as_stored(tmp_path) -> None:
    from exec_center.api.persisted import load_catalogue

    raw = b"# Windows line ends are kept\r\nquery Me {\r\n  me { id }\r\n}\r\n"
    (tmp_path / "Me.graphql").write_bytes(raw)
    catalogue = load_catalogue(tmp_path)
    assert catalogue.get(hashlib.sha256(raw).hexdigest()).name == "Me"
    assert catalogue.for_document_id("sha256:" + hashlib.sha256(b"query Me { me { id } }").hexdigest()).name == "Me"
