"""GraphQL types of the court's organisation: staff, teams, windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

from ..db.models import Staff, Team, Window
from ..domain import organisation as org
from ..domain.work import WorkItemKind as WorkItemKindEnum

if TYPE_CHECKING:
    from .worklist import WorkItemType
from . import loaders
from .common import Connection
from .context import Info
from .ids import to_global_id

Role = strawberry.enum(org.Role, description="A staff member's role (zh-CN label: roleLabels).")
Unit = strawberry.enum(org.Unit, description="A unit of the court.")
Channel = strawberry.enum(org.Channel, description="How a window reaches the public.")
TeamKind = strawberry.enum(org.TeamKind)
WorkItemKind = strawberry.enum(WorkItemKindEnum, description="What a work item asks for.")


@strawberry.interface(description="An object with an opaque global id, fetched by node(id:).")
class Node:
    @strawberry.field
    def id(self) -> strawberry.ID:  # pragma: no cover - every type overrides it
        raise NotImplementedError


@strawberry.type(name="Staff", description="A staff member (or a machine account).")
class StaffType(Node):
    row: strawberry.Private[Staff]

    # Scalars as plain attributes copied once from the row: no resolver call per field (issue 14).
    id: strawberry.ID = UNSET
    username: str = UNSET
    name: str = UNSET
    unit: Unit = UNSET  # type: ignore[valid-type]
    unit_label: str = UNSET
    active: bool = UNSET

    def __post_init__(self) -> None:
        row = self.row
        self.id = to_global_id("Staff", row.id)  # type: ignore[assignment]
        self.username, self.name, self.unit, self.active = row.username, row.name, row.unit, row.active
        self.unit_label = row.unit.label

    @strawberry.field(description="The office phone a party may be given; never a personal one.")
    def office_phone(self) -> str | None:
        return self.row.office_phone

    @strawberry.field
    async def roles(self, info: Info) -> list[Role]:  # type: ignore[valid-type]
        return await loaders.loader(info.context, "roles", loaders.roles_by_staff).load(self.row.id)

    @strawberry.field
    async def role_labels(self, info: Info) -> list[str]:
        roles = await loaders.loader(info.context, "roles", loaders.roles_by_staff).load(self.row.id)
        return [role.label for role in roles]

    @strawberry.field
    async def teams(self, info: Info) -> list[Annotated[TeamType, strawberry.lazy(__name__)]]:
        teams = await loaders.loader(info.context, "teamsOfStaff", loaders.teams_by_staff).load(self.row.id)
        return [TeamType(row=t) for t in teams]

    @strawberry.field
    async def windows(self, info: Info) -> list[Annotated[WindowType, strawberry.lazy(__name__)]]:
        windows = await loaders.loader(info.context, "windowsOfStaff", loaders.windows_by_staff).load(
            self.row.id
        )
        return [WindowType(row=w) for w in windows]


@strawberry.type
class TeamMembership:
    staff: StaffType
    is_lead: bool


@strawberry.type(name="Team", description="An implementation team or the adjudication team.")
class TeamType(Node):
    row: strawberry.Private[Team]

    id: strawberry.ID = UNSET
    code: str = UNSET
    name: str = UNSET

    def __post_init__(self) -> None:
        row = self.row
        self.id = to_global_id("Team", row.id)  # type: ignore[assignment]
        self.code, self.name = row.code, row.name

    @strawberry.field
    def kind(self) -> TeamKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def kind_label(self) -> str:
        return self.row.kind.label

    @strawberry.field(description="Townships whose cases the team takes (by-township transfer).")
    def townships(self) -> list[str]:
        return [t for t in (self.row.townships or "").split(",") if t]

    @strawberry.field
    async def members(self, info: Info) -> list[TeamMembership]:
        rows = await loaders.loader(info.context, "membersOfTeam", loaders.members_by_team).load(self.row.id)
        return [TeamMembership(staff=StaffType(row=s), is_lead=lead) for s, lead in rows]

    @strawberry.field
    async def leads(self, info: Info) -> list[StaffType]:
        rows = await loaders.loader(info.context, "membersOfTeam", loaders.members_by_team).load(self.row.id)
        return [StaffType(row=s) for s, lead in rows if lead]


@strawberry.type(name="Window", description="A service window, offline or online (Arts. 5–13).")
class WindowType(Node):
    row: strawberry.Private[Window]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Window", self.row.id)

    @strawberry.field
    def code(self) -> str:
        return self.row.code

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def channel(self) -> Channel:  # type: ignore[valid-type]
        return self.row.channel

    @strawberry.field
    def channel_label(self) -> str:
        return self.row.channel.label

    @strawberry.field
    def online(self) -> bool:
        return self.row.channel.online

    @strawberry.field
    def unit(self) -> Unit:  # type: ignore[valid-type]
        return self.row.unit

    @strawberry.field
    def unit_label(self) -> str:
        return self.row.unit.label

    @strawberry.field
    async def staff(self, info: Info) -> list[StaffType]:
        viewer = info.context.viewer
        if viewer.roles and viewer.roles <= org.MACHINE_ROLES:
            return []  # machine accounts do not read the staff directory, not even through a window
        rows = await loaders.loader(info.context, "staffOfWindow", loaders.staff_by_window).load(self.row.id)
        return [StaffType(row=s) for s in rows]

    @strawberry.field(
        description="The window's open and held work items the viewer may see, most urgent first."
    )
    async def worklist(
        self, info: Info, first: int | None = 10, after: str | None = None
    ) -> Connection[Annotated[WorkItemType, strawberry.lazy("exec_center.api.worklist")]]:
        from .worklist import worklist_page

        return await worklist_page(
            info, first=first, after=after, filter=None, order=None, window_id=self.row.id
        )
