"""Supervision orders (督办): the command centre's and the bureau chief's orders on a case, a team
or an overdue deadline, and their replies (issue 15)."""

from __future__ import annotations

import strawberry


@strawberry.type
class SupervisionQuery:
    pass


@strawberry.type
class SupervisionMutation:
    pass
