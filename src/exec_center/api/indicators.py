"""The command centre's indicators over a period, with their definitions (issue 15)."""

from __future__ import annotations

import strawberry


@strawberry.type
class IndicatorQuery:
    pass
