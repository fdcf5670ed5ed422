"""Exports (.xlsx and CSV) of indicator tables and case lists at /exports/... (issue 15)."""

from __future__ import annotations

import strawberry
from starlette.routing import BaseRoute


@strawberry.type
class ExportQuery:
    pass


@strawberry.type
class ExportMutation:
    pass


def export_routes(ctx: object) -> list[BaseRoute]:
    """The HTTP routes under /exports (same bearer token as /graphql)."""
    return []
