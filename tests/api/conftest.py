"""GraphQL through HTTP: the real app on an in-memory transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from exec_center.app import create_app
from exec_center.context import AppContext
from exec_center.db.models import Staff
from exec_center.services.auth import issue_token

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"


class Api:
    def __init__(self, client: httpx.AsyncClient, ctx: AppContext) -> None:
        self.client = client
        self.ctx = ctx
        self._tokens: dict[str, tuple[str, Any]] = {}

    async def post(self, query: str, variables: dict[str, Any] | None = None, *,
                   token: str | None = None, as_: str | None = None,
                   operation_name: str | None = None) -> httpx.Response:
        if as_ is not None:
            token = await self.token(as_)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        return await self.client.post("/graphql", json=body, headers=headers)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *,
                  as_: str | None = None, token: str | None = None,
                  expect_errors: bool = False) -> dict[str, Any]:
        """Run an operation; unless `expect_errors`, fail the test on top-level errors."""
        response = await self.post(query, variables, as_=as_, token=token)
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body
            return body["data"]
        return body

    async def op(self, name: str, variables: dict[str, Any] | None = None, *,
                 as_: str | None = None) -> dict[str, Any]:
        """Replay a named operation from schema/operations/ (the front-end contract)."""
        return await self.gql((OPERATIONS / f"{name}.graphql").read_text(), variables, as_=as_)

    async def token(self, username: str) -> str:
        """A token as signIn would issue it (signIn itself is tested on its own)."""
        cached = self._tokens.get(username)
        if cached is None or cached[1] <= self.ctx.clock.now():  # tests move the clock
            async with self.ctx.sessionmaker() as session:
                found = (await session.execute(
                    sa.select(Staff.id, Staff.token_version).where(Staff.username == username))).first()
            assert found is not None, username
            self._tokens[username] = issue_token(self.ctx.settings, found.id, self.ctx.clock.now(),
                                                 found.token_version)
        return self._tokens[username][0]

    def forget_token(self, username: str) -> None:
        """The account's tokens were revoked: the next `token()` is issued afresh."""
        self._tokens.pop(username, None)

    async def id_of(self, username: str) -> str:
        data = await self.gql("{ me { id } }", as_=username)
        return data["me"]["id"]


@pytest.fixture
async def api(ctx: AppContext) -> AsyncIterator[Api]:
    app = create_app(ctx.settings, context=ctx, run_workers=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, ctx)
