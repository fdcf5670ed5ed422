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
    # Cases whose parties this request showed in full: one audit event each, at the end.
    disclosed: set[int] = field(default_factory=set)

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

    async def record_disclosures(self) -> None:
        """Personal data shown in full is audited: one event per case and request."""
        if not self.disclosed or self.viewer_or_none is None:
            return
        from ..services.unit_of_work import UnitOfWork

        async with UnitOfWork(self.app, self.viewer_or_none) as uow:
            for case_id in sorted(self.disclosed):
                uow.audit(
                    "DISCLOSE_PERSONAL_DATA",
                    "Case",
                    case_id,
                    f"{self.viewer_or_none.username} was shown the parties' ID numbers and phones in full",
                )
            await uow.commit()
        self.disclosed.clear()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


Info = _Info[RequestContext, None]
