"""/healthz and /readyz."""

from __future__ import annotations

import httpx

from exec_center.app import create_app
from exec_center.context import AppContext


async def test_healthz_and_readyz(api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_readyz_is_503_with_the_reason_when_the_database_is_unreachable(settings) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    broken = settings.with_(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    ctx = AppContext.create(broken)
    app = create_app(broken, context=ctx, run_workers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await ctx.close()
    assert response.status_code == 503
    assert response.json()["problems"]["database"].startswith("unreachable")
