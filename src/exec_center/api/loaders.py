"""Per-request dataloaders: one query per kind of relation, whatever the number of parents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from strawberry.dataloader import DataLoader

from ..db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from ..domain.organisation import Role
from .context import RequestContext

K = TypeVar("K")
V = TypeVar("V")


def loader(
    ctx: RequestContext, name: str, load: Callable[[RequestContext, list[Any]], Awaitable[Sequence[Any]]]
) -> DataLoader:
    """The request's loader called `name`, made on first use."""
    found = ctx.loaders.get(name)
    if found is None:

        async def batch(keys: list[Any]) -> Sequence[Any]:
            return await load(ctx, keys)

        found = ctx.loaders[name] = DataLoader(load_fn=batch)
    return found


def load_then(
    ctx: RequestContext,
    name: str,
    load: Callable[[RequestContext, list[Any]], Awaitable[Sequence[Any]]],
    key: Any,
    build: Callable[[Any], Any],
) -> Any:
    """`build(the loaded object)`, at once when the loader already holds it (a page primes what it
    joined), else an awaitable: a sync resolver may return either, and graphql-core awaits the
    second. Saves a task per related object on a page."""
    found = loader(ctx, name, load)
    ready = found.cache_map.get(key)
    if ready is not None and ready.done() and ready.exception() is None:
        return build(ready.result())

    async def later() -> Any:
        return build(await found.load(key))

    return later()


def _group(keys: list[K], pairs: Sequence[tuple[K, V]]) -> list[list[V]]:
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return [grouped.get(key, []) for key in keys]


def _by_id(keys: list[int], rows: Sequence[Any]) -> list[Any]:
    found = {row.id: row for row in rows}
    return [found.get(key) for key in keys]


async def staff_by_id(ctx: RequestContext, keys: list[int]) -> list[Staff | None]:
    return _by_id(keys, (await ctx.session.scalars(sa.select(Staff).where(Staff.id.in_(keys)))).all())


async def team_by_id(ctx: RequestContext, keys: list[int]) -> list[Team | None]:
    return _by_id(keys, (await ctx.session.scalars(sa.select(Team).where(Team.id.in_(keys)))).all())


async def window_by_id(ctx: RequestContext, keys: list[int]) -> list[Window | None]:
    rows = (await ctx.session.scalars(sa.select(Window).where(Window.id.in_(keys)))).all()
    return _by_id(keys, rows)


async def roles_by_staff(ctx: RequestContext, keys: list[int]) -> list[list[Role]]:
    rows = (
        await ctx.session.execute(
            sa.select(StaffRole.staff_id, StaffRole.role)
            .where(StaffRole.staff_id.in_(keys))
            .order_by(StaffRole.staff_id, StaffRole.role)
        )
    ).all()
    return _group(keys, [(r.staff_id, r.role) for r in rows])


async def teams_by_staff(ctx: RequestContext, keys: list[int]) -> list[list[Team]]:
    rows = (
        await ctx.session.execute(
            sa.select(TeamMember.staff_id, Team)
            .join(Team, Team.id == TeamMember.team_id)
            .where(TeamMember.staff_id.in_(keys))
            .order_by(Team.code)
        )
    ).all()
    return _group(keys, [(r[0], r[1]) for r in rows])


async def windows_by_staff(ctx: RequestContext, keys: list[int]) -> list[list[Window]]:
    rows = (
        await ctx.session.execute(
            sa.select(WindowStaff.staff_id, Window)
            .join(Window, Window.id == WindowStaff.window_id)
            .where(WindowStaff.staff_id.in_(keys))
            .order_by(Window.id)
        )
    ).all()
    return _group(keys, [(r[0], r[1]) for r in rows])


async def staff_by_window(ctx: RequestContext, keys: list[int]) -> list[list[Staff]]:
    rows = (
        await ctx.session.execute(
            sa.select(WindowStaff.window_id, Staff)
            .join(Staff, Staff.id == WindowStaff.staff_id)
            .where(WindowStaff.window_id.in_(keys), Staff.active.is_(True))
            .order_by(Staff.username)
        )
    ).all()
    return _group(keys, [(r[0], r[1]) for r in rows])


async def members_by_team(ctx: RequestContext, keys: list[int]) -> list[list[tuple[Staff, bool]]]:
    rows = (
        await ctx.session.execute(
            sa.select(TeamMember.team_id, Staff, TeamMember.is_lead)
            .join(Staff, Staff.id == TeamMember.staff_id)
            .where(TeamMember.team_id.in_(keys))
            .order_by(Staff.username)
        )
    ).all()
    return _group(keys, [(r[0], (r[1], r[2])) for r in rows])
