"""Per-request context: the process's AppContext, the viewer, one read session, loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as _Info

from ..context import AppContext
from ..domain.access import Viewer
from .errors import Unauthenticated


@dataclass
class RequestContext:
    app: AppContext
    request: Request | None = None
    response: Response | None = None
    viewer_or_none: Viewer | None = None
    _session: AsyncSession | None = None
    loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def viewer(self) -> Viewer:
        if self.viewer_or_none is None:
            raise Unauthenticated()
        return self.viewer_or_none

    @property
    def session(self) -> AsyncSession:
        """One session for the request's reads; writes go through services' units of work."""
        if self._session is None:
            self._session = self.app.sessionmaker()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


Info = _Info[RequestContext, None]
