"""Browser-ready HTTP (issue 13, item 2): CORS with an allow-list, GraphiQL from the package's own
files, queries by GET (never mutations) and the `application/graphql-response+json` media type
with the GraphQL-over-HTTP spec's status codes - checked one by one, then by the npm
`graphql-http` audit against a real server."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from exec_center.app import create_app
from exec_center.config import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
ALLOWED = "https://ui.court.example"
NODE_TOOLS = Path(__file__).resolve().parents[1] / "http_audit"


def client_for(settings: Settings, ctx) -> httpx.AsyncClient:
    app = create_app(settings, context=ctx, run_workers=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


# --- GET: queries only -----------------------------------------------------------------------

async def test_a_query_may_come_by_get_with_its_variables_and_operation_name(api) -> None:
    token = await api.token("center")
    response = await api.client.get("/graphql", params={
        "query": "query Me($x: Boolean!) { me { username @include(if: $x) } } query Other { __typename }",
        "variables": json.dumps({"x": True}),
        "operationName": "Me",
    }, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"me": {"username": "center"}}}


async def test_a_mutation_by_get_is_405_with_an_error_body_and_changes_nothing(api) -> None:
    token = await api.token("center")
    for accept in (None, "application/json", GRAPHQL_RESPONSE):
        headers = {"Authorization": f"Bearer {token}", **({"Accept": accept} if accept else {})}
        response = await api.client.get("/graphql", params={
            "query": 'mutation { signIn(input: {username: "center", password: "demo"}) { token } }'},
            headers=headers)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
        assert "POST" in body["errors"][0]["message"]


async def test_get_with_variables_that_are_not_json_is_400(api) -> None:
    response = await api.client.get("/graphql", params={"query": "{ __typename }", "variables": "{x"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# --- media types and status codes -------------------------------------------------------------

async def test_graphql_response_json_is_answered_in_that_media_type(api) -> None:
    token = await api.token("center")
    for accept in (GRAPHQL_RESPONSE, f"{GRAPHQL_RESPONSE}, application/json;q=0.9",
                   f"application/json;q=0.5, {GRAPHQL_RESPONSE}"):
        response = await api.client.post("/graphql", json={"query": "{ me { username } }"}, headers={
            "Authorization": f"Bearer {token}", "Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8", accept
        assert response.json() == {"data": {"me": {"username": "center"}}}
    # application/json first, */*, or no Accept at all: the legacy media type, as before.
    for accept in ("application/json", f"application/json, {GRAPHQL_RESPONSE};q=0.5", "*/*", None):
        response = await api.client.post("/graphql", json={"query": "{ __typename }"},
                                         headers={"Accept": accept} if accept else {})
        assert response.headers["content-type"].startswith("application/json"), accept


@pytest.mark.parametrize(("query", "variables", "code"), [
    ("{ me { id ", None, "GRAPHQL_PARSE_FAILED"),
    ("{ me { noSuchField } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": None}, "BAD_USER_INPUT"),
    ("query($n: Int!) { __typename }", {"n": "many"}, "BAD_USER_INPUT"),
])
async def test_a_request_that_never_runs_is_400_without_data_for_the_new_media_type(
        api, query, variables, code) -> None:
    token = await api.token("center")
    body = {"query": query, "variables": variables}
    headers = {"Authorization": f"Bearer {token}"}
    new = await api.client.post("/graphql", json=body, headers={**headers, "Accept": GRAPHQL_RESPONSE})
    assert new.status_code == 400
    assert new.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in new.json()
    assert new.json()["errors"][0]["extensions"]["code"] == code
    # Legacy clients (application/json) keep 200 with `data: null`.
    legacy = await api.client.post("/graphql", json=body, headers={**headers, "Accept": "application/json"})
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None
    assert legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_an_error_while_running_keeps_200_and_the_data_entry(api) -> None:
    # The operation ran and one field failed: data is there (null), so it is 200.
    token = await api.token("center")
    response = await api.client.post("/graphql", json={
        "query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": "bm90LWFuLWlk"}},
        headers={"Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert "data" in body, body
    assert all(error.get("path") for error in body.get("errors", [])), body


async def test_refusals_before_the_operation_keep_their_status_in_the_new_media_type(api) -> None:
    anonymous = await api.client.post("/graphql", json={"query": "{ me { id } }"},
                                      headers={"Accept": GRAPHQL_RESPONSE})
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await api.client.post("/graphql", json={"query": "{ __typename }"},
                                     headers={"Accept": GRAPHQL_RESPONSE, "Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    malformed = await api.client.post("/graphql", content=b"{not json", headers={
        "Accept": GRAPHQL_RESPONSE, "Content-Type": "application/json"})
    assert malformed.status_code == 400


async def test_an_idempotent_mutation_is_replayed_in_the_media_type_asked_for(api) -> None:
    from .test_case_lifecycle import RECEIVE_VARIABLES
    from .test_idempotency import RECEIVE_CASE

    token = await api.token("affairs")
    body = json.dumps({"query": RECEIVE_CASE, "variables": RECEIVE_VARIABLES}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1", "Content-Type": "application/json"}
    first = await api.client.post("/graphql", content=body, headers={**headers, "Accept": GRAPHQL_RESPONSE})
    again = await api.client.post("/graphql", content=body, headers={**headers, "Accept": GRAPHQL_RESPONSE})
    legacy = await api.client.post("/graphql", content=body, headers=headers)
    assert first.status_code == again.status_code == legacy.status_code == 200
    assert "errors" not in first.json(), first.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true" and legacy.headers["idempotent-replayed"] == "true"
    assert again.content == legacy.content == first.content
    assert first.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert again.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert legacy.headers["content-type"].startswith("application/json")


# --- CORS --------------------------------------------------------------------------------------

async def test_a_preflight_from_a_listed_origin_is_allowed(ctx) -> None:
    settings = ctx.settings.with_(cors_origins=(ALLOWED,))
    async with client_for(settings, ctx) as client:
        response = await client.options("/graphql", headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert {"GET", "POST", "OPTIONS"} <= {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert all(h in allowed_headers for h in ("authorization", "content-type", "idempotency-key"))
    assert int(response.headers["access-control-max-age"]) > 0


async def test_another_origin_gets_no_cors_headers(ctx) -> None:
    for origins in ((), (ALLOWED,)):  # none listed (the default) or not this one
        async with client_for(ctx.settings.with_(cors_origins=origins), ctx) as client:
            preflight = await client.options("/graphql", headers={
                "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization"})
            simple = await client.post("/graphql", json={"query": "{ __typename }"},
                                       headers={"Origin": "https://evil.example"})
        assert preflight.status_code >= 400
        assert simple.status_code == 200  # the browser, not the server, withholds the answer
        for response in (preflight, simple):
            assert not any(name.startswith("access-control-allow") for name in response.headers), origins


async def test_answers_to_a_listed_origin_carry_cors_headers_even_when_refused(ctx, monkeypatch) -> None:
    settings = ctx.settings.with_(cors_origins=(ALLOWED,), max_body_bytes=1000)
    async with client_for(settings, ctx) as client:
        origin = {"Origin": ALLOWED}
        ok = await client.post("/graphql", json={"query": "{ __typename }"}, headers=origin)
        unauthenticated = await client.post("/graphql", json={"query": "{ __typename }"},
                                            headers={**origin, "Authorization": "Bearer forged"})
        too_large = await client.post("/graphql", content=b"x" * 2000,
                                      headers={**origin, "Content-Type": "application/json"})
        by_get = await client.get("/graphql", params={"query": "{ __typename }"}, headers=origin)

        from exec_center.api.view import GraphQLView

        async def down(self, request, result):
            raise ConnectionRefusedError("database is down")

        monkeypatch.setattr(GraphQLView, "process_result", down)
        monkeypatch.setattr("exec_center.api.view.is_unavailable", lambda error: True)
        unavailable = await client.post("/graphql", json={"query": "{ __typename }"}, headers=origin)
    assert [r.status_code for r in (ok, unauthenticated, too_large, by_get, unavailable)] == [200, 401, 413, 200, 503]
    for response in (ok, unauthenticated, too_large, by_get, unavailable):
        assert response.headers["access-control-allow-origin"] == ALLOWED
        assert response.headers["X-Content-Type-Options"] == "nosniff"  # still outermost
    # A page may read why it was refused and when to try again.
    exposed = unavailable.headers["access-control-expose-headers"].lower()
    assert "retry-after" in exposed and "www-authenticate" in exposed


# --- GraphiQL from the package -------------------------------------------------------------------

async def test_graphiql_loads_only_its_own_files_and_they_may_be_cached(api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "unpkg" not in page.text and "https://" not in page.text and "http://" not in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unpkg" not in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in page.text and "<style>" not in page.text  # nothing inline
    assets = re.findall(r'(?:src|href)="(graphiql-static/[^"]+)"', page.text)
    assert len(assets) == 6
    for asset in assets:
        response = await api.client.get("/" + asset)
        assert response.status_code == 200, asset
        assert "max-age=31536000" in response.headers["cache-control"]
        assert len(response.content) > 100
        kind = "css" if asset.split("?")[0].endswith(".css") else "javascript"
        assert kind in response.headers["content-type"]


async def test_graphiql_and_its_files_only_with_debug(ctx) -> None:
    async with client_for(ctx.settings.with_(debug=False), ctx) as client:
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
        assert (await client.get("/graphiql-static/graphiql.min.js")).status_code == 404


def test_the_vendored_files_keep_their_licences() -> None:
    folder = Path(__file__).resolve().parents[2] / "src" / "exec_center" / "api" / "static" / "graphiql"
    for name in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert "MIT License" in (folder / name).read_text()


# --- the GraphQL-over-HTTP audit (npm graphql-http) against a real server ------------------------

@contextlib.contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """The app under uvicorn on a free local port, in a thread; yields its base URL."""
    import uvicorn

    app = create_app(settings, run_workers=False)  # its own context, on the server's loop
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:  # the server's own start-up, not a worker
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def node_tools() -> Path:
    """tests/http_audit with its node_modules (`npm ci` on first use); skips without node/npm."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the graphql-http audit and the browser test need them")
    if not (NODE_TOOLS / "node_modules" / ".package-lock.json").exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=NODE_TOOLS,
                       check=True, capture_output=True, timeout=600)
    return NODE_TOOLS


def run_audit(url: str) -> dict:
    tools = node_tools()
    done = subprocess.run(["node", "audit.mjs", url], cwd=tools, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_graphql_over_http_audit_passes_every_check(settings) -> None:
    with live_server(settings.with_(debug=True, cors_origins=(ALLOWED,))) as base:
        report = run_audit(f"{base}/graphql")
    print(f"graphql-http audit (DEBUG): {report['ok']} of {report['total']} checks pass")
    assert report["failures"] == [] and report["ok"] == report["total"] == 61, report


def test_without_debug_the_audit_fails_only_where_it_asks_for_introspection(settings) -> None:
    # Four of its checks query `__type`, which production refuses (issue 12: no introspection).
    with live_server(settings.with_(debug=False)) as base:
        report = run_audit(f"{base}/graphql")
    print(f"graphql-http audit (production): {report['ok']} of {report['total']} checks pass")
    assert report["ok"] >= report["total"] - 4, report
    for failure in report["failures"]:
        assert "{variables}" in failure["name"] and "introspection has been disabled" in failure["body"], failure
