"""Per-request context: the process's AppContext, the viewer, one read session, loaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as _Info

from ..clock import court_today
from ..context import AppContext
from ..domain.access import Viewer
from .errors import Unauthenticated


class SerialSession:
    """The request's read session, one operation at a time.

    graphql-core resolves sibling fields and list items concurrently, and an AsyncSession must
    not run two operations at once (it fails with "provisioning a new connection" or worse).
    Statements are short; queueing them keeps the request on its one connection.
    """

    _QUEUED = frozenset(
        {"execute", "scalars", "scalar", "get", "get_one", "refresh", "stream", "stream_scalars",
         "run_sync", "flush", "commit", "rollback", "connection", "merge", "delete", "close"}
    )

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._session, name)
        if name not in self._QUEUED:
            return attribute

        async def queued(*args: Any, **kwargs: Any) -> Any:
            async with self._lock:
                return await attribute(*args, **kwargs)

        return queued


@dataclass
class RequestContext:
    app: AppContext
    request: Request | None = None
    response: Response | None = None
    viewer_or_none: Viewer | None = None
    _session: SerialSession | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    # Cases whose parties this request showed in full: one audit event each, at the end.
    disclosed: set[int] = field(default_factory=set)
    # The database could not take the request: the response is 503 with Retry-After.
    unavailable: bool = False

    @property
    def viewer(self) -> Viewer:
        if self.viewer_or_none is None:
            raise Unauthenticated()
        return self.viewer_or_none

    def today(self) -> date:
        """The court's date, read once per request (a page asks it for every item)."""
        if "today" not in self.loaders:
            self.loaders["today"] = court_today(self.app.clock, self.app.settings.tz)
        return self.loaders["today"]

    @property
    def session(self) -> AsyncSession:
        """One session for the request's reads; writes go through services' units of work."""
        if self._session is None:
            self._session = SerialSession(self.app.sessionmaker())
        return self._session  # type: ignore[return-value]  (an AsyncSession that queues its calls)

    async def record_disclosures(self) -> None:
        """Personal data shown in full is audited: one event per case, viewer and day."""
        if not self.disclosed or self.viewer_or_none is None:
            return
        from ..services.disclosures import audit_disclosures

        viewer = self.viewer_or_none
        await audit_disclosures(
            self.app, viewer, "Case", self.disclosed,
            f"{viewer.username}查看了当事人完整身份证件号码和联系电话",
        )
        self.disclosed.clear()

    async def close(self) -> None:
        """Give the read connection back. The session stays the request's: a resolver that still
        holds it and reads again takes a connection that the request's end gives back."""
        if self._session is not None:
            await self._session.close()


Info = _Info[RequestContext, None]
