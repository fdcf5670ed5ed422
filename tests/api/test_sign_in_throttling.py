"""Issue 12, item 1: password guessing costs time, then a lock; every failure and lock is audited."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa

from exec_center.app import create_app
from exec_center.db.models import AuditEvent

SIGN_IN = """
mutation SignIn($username: String!, $password: String!) {
  signIn(input: {username: $username, password: $password}) {
    token
    userErrors { field code message: messageEn retryAfterSeconds }
  }
}
"""


async def sign_in(api, username: str, password: str) -> dict:
    return (await api.gql(SIGN_IN, {"username": username, "password": password}))["signIn"]


def code(payload: dict) -> str | None:
    return payload["userErrors"][0]["code"] if payload["userErrors"] else None


async def audit(api, action: str) -> list[str]:
    async with api.ctx.sessionmaker() as session:
        return list((await session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.action == action).order_by(AuditEvent.id))).all())


async def test_failures_slow_the_next_attempt_progressively_then_lock_the_user_name(api, clock) -> None:
    # Defaults: 3 free failures, then 1, 2, 4 ... 60 s between attempts; the 10th locks for 15 min.
    waits = []
    for _ in range(3):
        assert code(await sign_in(api, "admin", "guess")) == "INVALID_CREDENTIALS"
    while True:
        refused = await sign_in(api, "admin", "guess")
        if code(refused) != "TOO_MANY_ATTEMPTS":
            break
        wait = refused["userErrors"][0]["retryAfterSeconds"]
        if wait > 60:
            break
        assert refused["userErrors"][0]["field"] == ["input", "username"]
        waits.append(wait)
        clock.advance(seconds=wait - 1)
        still = await sign_in(api, "admin", "guess")  # a second early: still refused, not counted
        assert code(still) == "TOO_MANY_ATTEMPTS" and still["userErrors"][0]["retryAfterSeconds"] == 1
        clock.advance(seconds=1)
        result = await sign_in(api, "admin", "guess")
        if code(result) == "TOO_MANY_ATTEMPTS":  # the 10th failure: locked
            lock = result["userErrors"][0]
            break
        assert code(result) == "INVALID_CREDENTIALS"
    assert waits == [1, 2, 4, 8, 16, 32, 60]  # capped at 60 s
    assert lock["retryAfterSeconds"] == 15 * 60
    assert "locked for 15 minutes" in lock["message"]
    # Locked: even the right password is refused, and no password is checked.
    clock.advance(minutes=14)
    locked = await sign_in(api, "admin", "demo")
    assert code(locked) == "TOO_MANY_ATTEMPTS" and locked["token"] is None
    assert locked["userErrors"][0]["retryAfterSeconds"] == 60
    clock.advance(minutes=1)
    assert (await sign_in(api, "admin", "demo"))["token"]
    # Every failure and the lock are in the audit trail; refused attempts are not failures.
    assert len(await audit(api, "SIGN_IN_FAILED")) == 10
    assert await audit(api, "SIGN_IN_LOCKED") == [
        "用户名“admin”连续登录失败10次，锁定15分钟"]


async def test_a_success_resets_the_count(api, clock) -> None:
    for _ in range(2):
        for _ in range(3):
            assert code(await sign_in(api, "center", "guess")) == "INVALID_CREDENTIALS"
        clock.advance(seconds=1)
        assert (await sign_in(api, "center", "demo"))["token"]
    # Six failures, but never more than three in a row: no delay, no lock.
    assert code(await sign_in(api, "center", "guess")) == "INVALID_CREDENTIALS"


async def test_failures_are_forgotten_after_the_lock_time(api, clock) -> None:
    for _ in range(3):
        await sign_in(api, "center", "guess")
    clock.advance(minutes=15)
    for _ in range(3):
        assert code(await sign_in(api, "center", "guess")) == "INVALID_CREDENTIALS"


async def test_unknown_user_names_are_throttled_like_known_ones(api, clock) -> None:
    # Otherwise the answer would tell which names exist.
    for name in ("admin", "nobody"):
        for _ in range(3):
            assert code(await sign_in(api, name, "guess")) == "INVALID_CREDENTIALS"
        refused = await sign_in(api, name, "guess")
        assert refused["userErrors"] == [{
            "field": ["input", "username"], "code": "TOO_MANY_ATTEMPTS", "retryAfterSeconds": 1,
            "message": "too many failed sign-ins for this user name; try again in 1 seconds"}]
    failed = await audit(api, "SIGN_IN_FAILED")
    assert len(failed) == 6 and sum("“nobody”" in line for line in failed) == 3


async def test_parallel_guesses_are_counted_one_by_one(api) -> None:
    # Issue 12: four parallel requests tested 120 passwords in 12 s.
    results = await asyncio.gather(*(sign_in(api, "admin", f"guess{i}") for i in range(20)))
    codes = sorted(code(r) for r in results)
    assert codes.count("INVALID_CREDENTIALS") == 3
    assert codes.count("TOO_MANY_ATTEMPTS") == 17
    assert len(await audit(api, "SIGN_IN_FAILED")) == 3


async def test_one_address_guessing_many_user_names_is_slowed_then_locked(api, clock) -> None:
    # Defaults per address: 10 free failures, then the doubling wait, a lock at 50.
    for i in range(10):
        assert code(await sign_in(api, f"user{i}", "guess")) == "INVALID_CREDENTIALS"
    refused = await sign_in(api, "center", "demo")  # a right password too: the address waits
    assert refused["userErrors"] == [{
        "field": None, "code": "TOO_MANY_ATTEMPTS", "retryAfterSeconds": 1,
        "message": "too many failed sign-ins from this address; try again in 1 seconds"}]
    for i in range(10, 50):
        clock.advance(seconds=60)
        result = await sign_in(api, f"user{i}", "guess")
    assert code(result) == "INVALID_CREDENTIALS"  # the address's lock is not the account's
    clock.advance(seconds=60)
    locked = await sign_in(api, "center", "demo")
    assert code(locked) == "TOO_MANY_ATTEMPTS"
    assert locked["userErrors"][0]["retryAfterSeconds"] == 15 * 60 - 60
    assert len(await audit(api, "SIGN_IN_ADDRESS_LOCKED")) == 1
    # Another address is not affected.
    app = create_app(api.ctx.settings, context=api.ctx, run_workers=False)
    other = httpx.ASGITransport(app=app, client=("10.0.0.9", 4000))
    async with httpx.AsyncClient(transport=other, base_url="http://test") as client:
        response = await client.post("/graphql", json={"query": SIGN_IN, "variables": {
            "username": "center", "password": "demo"}})
    assert response.json()["data"]["signIn"]["token"]


async def test_a_success_from_an_address_does_not_wipe_its_failures_on_other_names(api, clock) -> None:
    for i in range(9):
        await sign_in(api, f"user{i}", "guess")
    assert (await sign_in(api, "center", "demo"))["token"]  # an attacker's own valid account
    assert code(await sign_in(api, "user9", "guess")) == "INVALID_CREDENTIALS"  # the 10th
    assert code(await sign_in(api, "user10", "guess")) == "TOO_MANY_ATTEMPTS"


async def test_a_password_reset_lifts_the_lock(api, clock) -> None:
    for _ in range(3):
        await sign_in(api, "center", "guess")
    for wait in (1, 2, 4, 8, 16, 32, 60):
        clock.advance(seconds=wait)
        await sign_in(api, "center", "guess")
    assert code(await sign_in(api, "center", "demo")) == "TOO_MANY_ATTEMPTS"
    reset = await api.gql(
        """mutation($id: ID!) { resetStaffPassword(input: {staffId: $id, password: "new-password-1"}) {
             userErrors { code } } }""", {"id": await api.id_of("center")}, as_="admin")
    assert reset["resetStaffPassword"]["userErrors"] == []
    clock.advance(seconds=1)  # the address's own wait after its 10 failures
    assert (await sign_in(api, "center", "new-password-1"))["token"]


@pytest.mark.parametrize("variable", ["SIGNIN_LOCK_AFTER", "SIGNIN_LOCK_MINUTES", "SIGNIN_FREE_FAILURES"])
def test_throttling_settings_are_read_and_checked(variable) -> None:
    from exec_center.config import ConfigError, load_settings

    env = {"EXEC_CENTER_VAR_DIR": "var", "EXEC_CENTER_SECRET_KEY": "k" * 40}
    assert load_settings({**env, f"EXEC_CENTER_{variable}": "7"}).__getattribute__(variable.lower()) == 7
    with pytest.raises(ConfigError, match=variable):
        load_settings({**env, f"EXEC_CENTER_{variable}": "-1"})
