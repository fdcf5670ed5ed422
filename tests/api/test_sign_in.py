"""SignIn as in the contract; tokens; unauthenticated and unauthorised requests."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from exec_center.services.demo import ACCOUNTS

from .conftest import OPERATIONS

SIGN_IN = (OPERATIONS / "SignIn.graphql").read_text()


async def test_sign_in_gives_a_token_that_opens_the_api(api) -> None:
    data = await api.gql(SIGN_IN, {"username": "center", "password": "demo"})
    payload = data["signIn"]
    assert payload["userErrors"] == []
    assert payload["staff"]["name"] == "陈志明"
    assert payload["staff"]["roles"] == ["CENTER_OFFICER"]
    assert payload["expiresAt"].startswith("2024-02-08T")
    me = await api.gql("{ me { name roles } }", token=payload["token"])
    assert me["me"] == {"name": "陈志明", "roles": ["CENTER_OFFICER"]}


@pytest.mark.parametrize("username,password", [("center", "wrong"), ("nobody", "demo")])
async def test_wrong_credentials_give_no_hint_which_part_was_wrong(api, username, password) -> None:
    payload = (await api.gql(SIGN_IN, {"username": username, "password": password}))["signIn"]
    assert payload["token"] is None and payload["staff"] is None
    assert payload["userErrors"] == [{"field": None, "code": "INVALID_CREDENTIALS", "message": "用户名或密码错误"}]


async def test_every_demo_account_can_sign_in(api) -> None:
    for account in ACCOUNTS:
        payload = (await api.gql(SIGN_IN, {"username": account.username,
                                           "password": "demo"}))["signIn"]
        assert payload["userErrors"] == [], account.username
        assert set(payload["staff"]["roles"]) == {r.value for r in account.roles}


async def test_without_a_token_only_sign_in_is_open(api) -> None:
    for query in ("{ me { id } }", "{ windows { id } }", "{ teams { id } }",
                  '{ node(id: "U3RhZmY6MQ") { id } }',
                  'mutation { disableStaff(input: {staffId: "U3RhZmY6MQ"}) { userErrors { code } } }',
                  "{ __typename me { id } }"):
        response = await api.post(query)
        assert response.status_code == 401, query
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_token_gives_an_authentication_error_and_no_data(api, clock) -> None:
    token = await api.token("center")
    clock.advance(minutes=api.ctx.settings.token_ttl_minutes + 1)
    response = await api.post("{ me { id } }", token=token)
    assert response.status_code == 401
    assert response.json() == {"data": None, "errors": [{
        "message": "the bearer token has expired; sign in again",
        "extensions": {"code": "UNAUTHENTICATED"}}]}


async def test_a_forged_token_is_refused(api) -> None:
    real = jwt.decode(await api.token("admin"), options={"verify_signature": False})
    forged = jwt.encode(real, "not-the-server-secret-0123456789abcdef", algorithm="HS256")
    for token in (forged, "garbage", jwt.encode({**real, "sub": "1"}, "x" * 40, algorithm="HS256")):
        response = await api.post("{ me { id } }", token=token)
        assert response.status_code == 401
        assert response.json()["data"] is None


@pytest.mark.parametrize("claims", [
    {"sub": "99999999999999999999"},  # beyond any staff id (BIGINT)
    {"sub": "0"}, {"sub": "-1"}, {"sub": "1e3"}, {"sub": 1}, {"sub": ["1"]},
    {"exp": "2099-01-01"}, {"exp": True}, {"iat": "yesterday"}, {"iat": None},
], ids=str)
async def test_a_correctly_signed_token_with_malformed_claims_is_refused(api, claims) -> None:
    # Issue 12, item 8: such a token (a leaked key, another system's token) gave a bare 500.
    real = jwt.decode(await api.token("admin"), options={"verify_signature": False})
    token = jwt.encode({**real, **claims}, api.ctx.settings.secret_key, algorithm="HS256")
    response = await api.post("{ me { id } }", token=token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_signed_with_none_is_refused(api) -> None:
    real = jwt.decode(await api.token("admin"), options={"verify_signature": False})
    unsigned = jwt.encode(real, key=None, algorithm="none")
    response = await api.post("{ me { id } }", token=unsigned)
    assert response.status_code == 401


async def test_an_authorization_header_that_is_not_bearer_is_refused(api) -> None:
    response = await api.client.post("/graphql", json={"query": "{ me { id } }"},
                                      headers={"Authorization": "Basic YWRtaW46ZGVtbw=="})
    assert response.status_code == 401


async def test_token_expiry_follows_the_configured_lifetime(api) -> None:
    payload = (await api.gql(SIGN_IN, {"username": "chief", "password": "demo"}))["signIn"]
    claims = jwt.decode(payload["token"], options={"verify_signature": False})
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(
        minutes=api.ctx.settings.token_ttl_minutes)


async def test_sign_in_is_audited(api) -> None:
    import sqlalchemy as sa

    from exec_center.db.models import AuditEvent

    await api.gql(SIGN_IN, {"username": "chief", "password": "demo"})
    async with api.ctx.sessionmaker() as session:
        actions = (await session.scalars(sa.select(AuditEvent.summary).where(
            AuditEvent.action == "SIGN_IN"))).all()
    assert actions == ["chief登录"]


async def test_at_most_one_sign_in_per_request(api) -> None:
    # Issue 12, item 1: 30 aliases of signIn tested 30 passwords in one anonymous request.
    guesses = " ".join(f'g{i}: signIn(input: {{username: "admin", password: "guess{i}"}}) {{ token }}'
                       for i in range(3))
    response = await api.post(f"mutation {{ {guesses} }}")
    body = response.json()
    assert body.get("data") is None
    assert body["errors"][0]["message"] == "at most one signIn per request"
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    one = (await api.post('mutation { signIn(input: {username: "admin", password: "demo"}) { token } }')).json()
    assert one["data"]["signIn"]["token"]


async def test_the_password_check_does_not_hold_up_other_requests(api, monkeypatch) -> None:
    # Issue 12, item 1: argon2 ran on the event loop; 16 sign-in loops held /healthz for 0.9 s.
    import asyncio
    import threading

    from exec_center.services import auth

    started, other_answered, seen = threading.Event(), threading.Event(), []
    real = auth._verify

    def slow_verify(stored: str, password: str) -> bool:
        started.set()
        seen.append(other_answered.wait(timeout=5))  # on the event loop this could never be set
        return real(stored, password)

    monkeypatch.setattr(auth, "_verify", slow_verify)

    async def meanwhile() -> None:  # while the password is being checked, another request
        if await asyncio.to_thread(started.wait, 5):
            assert (await api.client.get("/healthz")).status_code == 200
            other_answered.set()

    signed, _ = await asyncio.gather(
        api.post('mutation { signIn(input: {username: "admin", password: "demo"}) { token } }'), meanwhile())
    assert seen == [True] and signed.json()["data"]["signIn"]["token"]


SIGN_OUT = "mutation { signOut { signedOut userErrors { code } } }"


async def test_tokens_end_at_once_on_sign_out_reset_disable_and_role_change(api) -> None:
    # Issue 12, item 2: the old token kept working for its 10 hours after a reset; re-enabling
    # a disabled account revived it; there was no sign-out.
    import sqlalchemy as sa

    from exec_center.api.ids import to_global_id
    from exec_center.db.models import Staff

    password = {"value": "demo"}

    async def new_token() -> str:
        body = (await api.post(SIGN_IN, {"username": "consult", "password": password["value"]})).json()
        return body["data"]["signIn"]["token"]

    async def works(token: str) -> bool:
        return (await api.post("{ me { username } }", token=token)).status_code == 200

    async with api.ctx.sessionmaker() as session:
        consult = to_global_id("Staff", await session.scalar(sa.select(Staff.id).where(Staff.username == "consult")))

    token = await new_token()
    assert await works(token)
    assert (await api.post(SIGN_OUT, token=token)).json()["data"]["signOut"] == {"signedOut": True, "userErrors": []}
    response = await api.post("{ me { username } }", token=token)
    assert response.status_code == 401 and "revoked" in response.json()["errors"][0]["message"]

    token = await new_token()
    reset = await api.gql("""mutation($i: ResetStaffPasswordInput!) { resetStaffPassword(input: $i) {
      userErrors { code } } }""", {"i": {"staffId": consult, "password": "another-password"}}, as_="admin")
    assert reset["resetStaffPassword"]["userErrors"] == []
    assert not await works(token)
    password["value"] = "another-password"

    token = await new_token()
    granted = await api.gql("""mutation($i: RoleInput!) { grantRole(input: $i) { userErrors { code } } }""",
                            {"i": {"staffId": consult, "role": "CENTER_OFFICER"}}, as_="admin")
    assert granted["grantRole"]["userErrors"] == []
    assert not await works(token)

    token = await new_token()
    for mutation in ("disableStaff", "enableStaff"):
        done = await api.gql(f"""mutation($i: StaffIdInput!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}""",
                             {"i": {"staffId": consult}}, as_="admin")
        assert done[mutation]["userErrors"] == []
    assert not await works(token)  # re-enabled, but the old token stays dead
    assert await works(await new_token())
