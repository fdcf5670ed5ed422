"""Reads of the organisation: windows, teams, the staff directory, and node(id:)."""

from __future__ import annotations

import sqlalchemy as sa
import strawberry

from ..db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from ..domain.errors import Forbidden
from ..domain.organisation import MACHINE_ROLES
from ..domain.organisation import Role as RoleEnum
from . import loaders
from .common import Connection, check_first, connection, decode_cursor
from .context import Info
from .ids import from_global_id
from .organisation import Node, Role, StaffType, TeamType, WindowType


@strawberry.input
class StaffFilter:
    role: list[Role] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Staff holding any of these roles."
    )
    team_id: strawberry.ID | None = None
    window_id: strawberry.ID | None = None
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name or user name.")


def _require_person(info: Info) -> None:
    viewer = info.context.viewer
    if viewer.roles and viewer.roles <= MACHINE_ROLES:
        raise Forbidden(
            "machine accounts cannot read the staff directory", zh="系统对接账户不能查阅工作人员名录"
        )


async def resolve_node(info: Info, global_id: str) -> Node | None:
    """Fetch any object the viewer may see by its global id; None when absent or hidden.

    Every type implementing Node resolves here (tests/api/test_nodes.py walks the schema)."""
    type_name, pk = from_global_id(global_id)
    ctx = info.context
    ctx.viewer  # noqa: B018  (refuses anonymous callers)
    if type_name == "Staff":
        _require_person(info)
        row = await loaders.loader(ctx, "staff", loaders.staff_by_id).load(pk)
        return StaffType(row=row) if row else None
    if type_name == "Team":
        row = await loaders.loader(ctx, "team", loaders.team_by_id).load(pk)
        return TeamType(row=row) if row else None
    if type_name == "Window":
        row = await loaders.loader(ctx, "window", loaders.window_by_id).load(pk)
        return WindowType(row=row) if row else None
    if type_name == "WorkItem":
        from .worklist import visible_item

        return await visible_item(info, pk)
    if type_name == "OnlineMessage":
        from .messages import visible_message

        return await visible_message(info, pk)
    if type_name in ("Visit", "FirstContact", "Petition", "MaterialsReceipt"):
        from .windows_api import visible_window_record

        return await visible_window_record(info, type_name, pk)
    if type_name == "SupervisionOrder":
        from .supervision import visible_order

        return await visible_order(info, pk)
    if type_name == "ExportJob":
        from .exports import visible_export_job

        return await visible_export_job(info, pk)
    if type_name in ("CalendarYear", "CalendarEntry", "Notification", "DeadlineExtensionRequest"):
        return await _deadline_objects(info, type_name, pk)
    return await _case_objects(info, type_name, pk)


async def _deadline_objects(info: Info, type_name: str, pk: int) -> Node | None:
    """The calendar is every signed-in person's; a notification its recipient's; an extension
    request is visible like its deadline."""
    from ..db.models import CalendarEntry, DeadlineExtension, Notification
    from ..services.calendar import FIRST_YEAR, LAST_YEAR
    from . import deadlines as deadline_api

    ctx = info.context
    if type_name == "CalendarYear":
        return await deadline_api.calendar_year(info, pk) if FIRST_YEAR <= pk <= LAST_YEAR else None
    if type_name == "CalendarEntry":
        entry = await ctx.session.get(CalendarEntry, pk)
        return deadline_api.CalendarEntryType(row=entry) if entry else None
    if type_name == "Notification":
        note = await ctx.session.get(Notification, pk)
        mine = note is not None and note.recipient_id == ctx.viewer.staff_id
        return deadline_api.NotificationType(row=note) if mine else None
    request = await ctx.session.get(DeadlineExtension, pk)
    if request is None:
        return None
    deadline = await _visible_deadline(info, request.deadline_id)
    return deadline_api.ExtensionType(row=request) if deadline is not None else None


async def _visible_deadline(info: Info, pk: int):  # type: ignore[no-untyped-def]
    from ..db.models import Deadline
    from ..domain.access import deadline_visible

    row = await info.context.session.get(Deadline, pk)
    ok = row is not None and deadline_visible(
        info.context.viewer, holder_id=row.holder_id, role=row.responsible_role, team_id=row.team_id
    )
    return row if ok else None


async def visible_case_row(info: Info, case_id: int | None):  # type: ignore[no-untyped-def]
    """The case if the viewer may read it: theirs to read, or archived into a case that is."""
    from ..domain.access import case_visible
    from .cases import case_by_id

    if case_id is None:
        return None
    load = loaders.loader(info.context, "case", case_by_id).load
    case = await load(case_id)
    if case is None:
        return None
    owners = [case]
    if case.archived_into_id is not None:
        owners.append(await load(case.archived_into_id))
    viewer = info.context.viewer
    visible = any(
        c is not None and case_visible(viewer, team_id=c.team_id, handler_id=c.handler_id) for c in owners
    )
    return case if visible else None


async def linked_case(info: Info, case_id: int | None):  # type: ignore[no-untyped-def]
    """A link to a case (`Deadline.case`, `Visit.case`, …): null if none or not the viewer's to
    read, so a link is no side door to a case."""
    from .cases import CaseType

    case = await visible_case_row(info, case_id)
    return CaseType(row=case) if case is not None else None


async def _case_objects(info: Info, type_name: str, pk: int) -> Node | None:
    """Objects that belong to a case are visible exactly when their case is."""
    from ..db.models import (
        AdjudicationApplication,
        AssetFinding,
        Case,
        CaseAgent,
        CaseParty,
        ControlMeasure,
        Document,
    )
    from ..domain.access import sees_personal_data
    from . import cases as case_api
    from .deadlines import DeadlineType

    ctx = info.context
    session = ctx.session
    if type_name == "Deadline":
        row = await _visible_deadline(info, pk)
        return DeadlineType(row=row) if row is not None else None
    models = {
        "Case": Case,
        "Finding": AssetFinding,
        "ControlMeasure": ControlMeasure,
        "Document": Document,
        "AdjudicationApplication": AdjudicationApplication,
        "Party": CaseParty,
        "Agent": CaseAgent,
    }
    if type_name not in models:
        return None
    model = models[type_name]
    row = await session.get(model, pk)
    if row is None:
        return None
    case = await visible_case_row(info, row.id if model is Case else row.case_id)
    if case is None:
        return None
    if model in (CaseParty, CaseAgent):
        # Masked as on the case's file; shown in full, it is audited as the file's parties are.
        full = sees_personal_data(ctx.viewer, team_id=case.team_id, handler_id=case.handler_id)
        if full:
            ctx.disclosed.add(case.id)
        if model is CaseAgent:
            from .parties import Agent

            return Agent(row=row, full=full)
        return case_api.Party(row=row, full=full)
    types = {
        Case: case_api.CaseType,
        AssetFinding: case_api.Finding,
        ControlMeasure: case_api.ControlMeasureType,
        Document: case_api.DocumentType,
        AdjudicationApplication: case_api.AdjudicationApplicationType,
    }
    return types[model](row=row)


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="Any object by its global id, if the viewer may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="The service windows, offline and online.")
    async def windows(self, info: Info) -> list[WindowType]:
        info.context.viewer  # noqa: B018
        rows = (await info.context.session.scalars(sa.select(Window).order_by(Window.id))).all()
        return [WindowType(row=w) for w in rows]

    @strawberry.field(description="The implementation teams and the adjudication team.")
    async def teams(self, info: Info) -> list[TeamType]:
        info.context.viewer  # noqa: B018
        rows = (await info.context.session.scalars(sa.select(Team).order_by(Team.code))).all()
        return [TeamType(row=t) for t in rows]

    @strawberry.field(description="The staff directory, by user name.")
    async def staff(
        self, info: Info, first: int | None = 50, after: str | None = None, filter: StaffFilter | None = None
    ) -> Connection[StaffType]:
        _require_person(info)
        size = check_first(first)
        query = sa.select(Staff)
        if filter is not None:
            if filter.role is not None:
                roles = [RoleEnum(r) for r in filter.role]
                query = query.where(
                    Staff.id.in_(sa.select(StaffRole.staff_id).where(StaffRole.role.in_(roles)))
                )
            if filter.team_id is not None:
                team = _pk(filter.team_id, "Team")
                query = query.where(
                    Staff.id.in_(sa.select(TeamMember.staff_id).where(TeamMember.team_id == team))
                )
            if filter.window_id is not None:
                window = _pk(filter.window_id, "Window")
                query = query.where(
                    Staff.id.in_(sa.select(WindowStaff.staff_id).where(WindowStaff.window_id == window))
                )
            if filter.active is not None:
                query = query.where(Staff.active.is_(filter.active))
            if filter.search:
                pattern = f"%{filter.search.strip()}%"
                query = query.where(sa.or_(Staff.name.like(pattern), Staff.username.like(pattern)))
        session = info.context.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            (last,) = decode_cursor(after, 1)
            query = query.where(Staff.username > str(last))
        rows = (await session.scalars(query.order_by(Staff.username).limit(size + 1))).all()
        return connection(
            [StaffType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda s: [s.row.username],
            has_previous=after is not None,
        )


def _pk(global_id: str, expected: str) -> int:
    from .ids import pk_of

    return pk_of(global_id, expected, field="filter")
