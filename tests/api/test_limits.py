"""Safe defaults: limits, no batching, no introspection without DEBUG, masked faults."""

from __future__ import annotations

import logging

import httpx

from exec_center.app import create_app


async def test_a_query_too_deep_is_refused_naming_the_limit(api) -> None:
    deep = "{ me { teams { members { staff { teams { members { staff { teams { members { staff { " \
           "teams { members { staff { name } } } } } } } } } } } } } }"
    body = await api.gql(deep, as_="center", expect_errors=True)
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }"
    body = await api.gql(query, as_="center", expect_errors=True)
    assert "aliases found. Allowed: 30" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused(api) -> None:
    query = "{ me { " + " ".join(["id"] * 6000) + " } }"
    body = await api.gql(query, as_="center", expect_errors=True)
    assert "token" in body["errors"][0]["message"].lower()


async def test_batched_operations_are_refused(api) -> None:
    token = await api.token("center")
    response = await api.client.post("/graphql", json=[{"query": "{ me { id } }"}] * 2,
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


async def test_introspection_only_with_debug(ctx) -> None:
    for debug, allowed in ((True, True), (False, False)):
        app = create_app(ctx.settings.with_(debug=debug), context=ctx, run_workers=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            from exec_center.services.auth import issue_token

            token, _ = issue_token(ctx.settings, 1, ctx.clock.now())
            response = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"},
                                         headers={"Authorization": f"Bearer {token}"})
            body = response.json()
            assert ("errors" not in body) is allowed, body
            get = await client.get("/graphql", headers={"Accept": "text/html"})
            assert (get.status_code == 200 and "graphiql" in get.text.lower()) is allowed


async def test_without_introspection_errors_suggest_no_names(ctx) -> None:
    # Issue 12, item 3: "Did you mean 'claimWorkItem'?" told anonymous clients the schema.
    from exec_center.services.auth import issue_token

    guesses = [
        ("mutation { claimWorkIte(input: {id: \"x\"}) { workItem { id } } }", False),
        ("{ me { usernam } }", True),
        ("{ worklist(filter: {kind: [ANALYSE]}) { edges { node { id } } } }", True),
        ("mutation { signIn(input: {usernme: \"a\", password: \"b\"}) { token } }", False),
    ]
    for debug in (True, False):
        app = create_app(ctx.settings.with_(debug=debug), context=ctx, run_workers=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            token, _ = issue_token(ctx.settings, 1, ctx.clock.now())
            said = []
            for query, signed_in in guesses:
                headers = {"Authorization": f"Bearer {token}"} if signed_in else {}
                body = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
                assert all(e["extensions"]["code"] for e in body["errors"])
                said.append(" ".join(e["message"] for e in body["errors"]))
        # GraphiQL's developers (debug) get the hints; production gives none.
        assert ("Did you mean" in " ".join(said)) is debug, said


async def test_unexpected_errors_are_masked_for_the_client_and_logged_in_full(api, monkeypatch,
                                                                              caplog) -> None:
    from exec_center.api import session

    async def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded at row 42")

    monkeypatch.setattr(session.auth, "sign_in", broken)
    with caplog.at_level(logging.ERROR):
        body = await api.gql('mutation { signIn(input: {username: "a", password: "b"}) { token } }',
                             expect_errors=True)
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "exploded" not in str(body)
    assert "database exploded at row 42" in caplog.text


async def test_a_body_over_the_limit_is_refused_before_it_is_read(api) -> None:
    # Issue 12, item 4: the default limit is 1 MiB (EXEC_CENTER_MAX_BODY_BYTES).
    assert api.ctx.settings.max_body_bytes == 1_048_576
    big = b'{"query": "{ me { id } }", "x": "' + b"a" * 2_000_000 + b'"}'
    response = await api.client.post("/graphql", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    read = []

    async def chunks():  # no Content-Length: refused once the chunks read pass the limit
        for _ in range(100):
            read.append(1)
            yield b"a" * 65_536

    response = await api.client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert len(read) < 20  # 1 MiB and a chunk, not 6.5 MB

    # Under the limit, chunked or not, the request is answered as usual.
    async def small():
        yield b'{"query": "{ me { username } }"}'

    token = await api.token("center")
    response = await api.client.post("/graphql", content=small(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert response.json() == {"data": {"me": {"username": "center"}}}


async def test_crafted_cursors_and_ids_are_the_clients_mistake(api) -> None:
    # Issue 12, item 7: each of these gave "Unexpected error." and a traceback.
    import base64
    import json as json_

    def cursor(values) -> str:
        return base64.urlsafe_b64encode(json_.dumps(values).encode()).decode().rstrip("=")

    def node_id(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    lists = [
        "query($a: String) { cases(first: 5, after: $a) { edges { node { id } } } }",
        "query($a: String) { notifications(first: 5, after: $a) { edges { node { id } } } }",
        "query($a: String) { onlineMessages(first: 5, after: $a) { edges { node { id } } } }",
        "query($a: String) { deadlines(first: 5, after: $a) { edges { node { id } } } }",
        "query($a: String) { worklist(first: 5, after: $a) { edges { node { id } } } }",
    ]
    for query in lists:
        for bad in (cursor([10**20]), cursor([True]), cursor(["2024-01-01", "x"]), cursor([[1]]), "%%%"):
            body = await api.gql(query, {"a": bad}, as_="center", expect_errors=True)
            codes = {e["extensions"]["code"] for e in body.get("errors", [])}
            assert codes and "INTERNAL_SERVER_ERROR" not in codes, (query, bad, body)
    for bad in (node_id("Case:" + "9" * 20), node_id("Case:-1"), node_id("Case: 1"), node_id("WorkItem:1e3")):
        body = await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad}, as_="center",
                             expect_errors=True)
        assert "INTERNAL_SERVER_ERROR" not in str(body), body
        claimed = await api.gql("mutation($id: ID!) { claimWorkItem(input: {id: $id}) { userErrors { code } } }",
                                {"id": bad}, as_="center", expect_errors=True)
        assert "INTERNAL_SERVER_ERROR" not in str(claimed), claimed


async def test_every_answer_carries_the_security_headers(api, ctx) -> None:
    token = await api.token("center")
    answers = [
        await api.client.post("/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}),
        await api.client.post("/graphql", json={"query": "{ me { id } }"}),  # 401
        await api.client.get("/healthz"),
        await api.client.get("/documents/999999", headers={"Authorization": f"Bearer {token}"}),
    ]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] in ("no-store", "private, no-store")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    graphiql = await api.client.get("/graphql", headers={"Accept": "text/html"})  # DEBUG in tests
    # Its scripts and styles are the package's own files (issue 13): no CDN, nothing inline.
    policy = graphiql.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unpkg" not in policy and "unsafe-inline" not in policy
