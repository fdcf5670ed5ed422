"""Admin mutations: staff, roles, team membership, window staffing. Refused for non-admins."""

from __future__ import annotations

import strawberry

from ..domain.organisation import Role as RoleEnum
from ..domain.organisation import Unit as UnitEnum
from ..services import organisation as service
from .common import UserError, run_mutation
from .context import Info
from .ids import pk_of
from .organisation import Role, StaffType, TeamType, Unit, WindowType


@strawberry.input
class CreateStaffInput:
    username: str
    name: str
    password: str
    unit: Unit  # type: ignore[valid-type]
    roles: list[Role] = strawberry.field(default_factory=list)  # type: ignore[valid-type]
    office_phone: str | None = None


@strawberry.input
class StaffIdInput:
    staff_id: strawberry.ID


@strawberry.input
class ResetStaffPasswordInput:
    staff_id: strawberry.ID
    password: str


@strawberry.input
class RoleInput:
    staff_id: strawberry.ID
    role: Role  # type: ignore[valid-type]


@strawberry.input
class SetTeamMembershipInput:
    team_id: strawberry.ID
    staff_id: strawberry.ID
    member: bool = True
    lead: bool = False


@strawberry.input
class AssignWindowStaffInput:
    window_id: strawberry.ID
    staff_id: strawberry.ID
    assigned: bool = True


@strawberry.type
class StaffPayload:
    staff: StaffType | None = None
    user_errors: list[UserError]


@strawberry.type
class TeamPayload:
    team: TeamType | None = None
    user_errors: list[UserError]


@strawberry.type
class WindowPayload:
    window: WindowType | None = None
    user_errors: list[UserError]


def _staff(staff) -> dict:  # type: ignore[no-untyped-def]
    return {"staff": StaffType(row=staff)}


@strawberry.type
class AdminMutation:
    @strawberry.mutation(description="Create a staff account (ADMIN).")
    async def create_staff(self, info: Info, input: CreateStaffInput) -> StaffPayload:
        ctx = info.context
        data = service.NewStaff(
            username=input.username,
            name=input.name,
            password=input.password,
            unit=UnitEnum(input.unit),
            roles=tuple(RoleEnum(r) for r in input.roles),
            office_phone=input.office_phone,
        )
        return await run_mutation(
            StaffPayload, lambda: service.create_staff(ctx.app, ctx.viewer, data), _staff
        )

    @strawberry.mutation(description="Disable an account: its tokens stop working at once (ADMIN).")
    async def disable_staff(self, info: Info, input: StaffIdInput) -> StaffPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            pk = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_staff_active(ctx.app, ctx.viewer, pk, False)

        return await run_mutation(StaffPayload, act, _staff)

    @strawberry.mutation(description="Enable a disabled account again (ADMIN).")
    async def enable_staff(self, info: Info, input: StaffIdInput) -> StaffPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            pk = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_staff_active(ctx.app, ctx.viewer, pk, True)

        return await run_mutation(StaffPayload, act, _staff)

    @strawberry.mutation(
        description="Set a new password for a staff member (ADMIN): ends their tokens and lifts "
        "a sign-in lock on their user name."
    )
    async def reset_staff_password(self, info: Info, input: ResetStaffPasswordInput) -> StaffPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            pk = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_password(ctx.app, ctx.viewer, pk, input.password)

        return await run_mutation(StaffPayload, act, _staff)

    @strawberry.mutation(description="Grant a role; it takes effect on the next request (ADMIN).")
    async def grant_role(self, info: Info, input: RoleInput) -> StaffPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            pk = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_role(ctx.app, ctx.viewer, pk, RoleEnum(input.role), True)

        return await run_mutation(StaffPayload, act, _staff)

    @strawberry.mutation(description="Revoke a role; it takes effect on the next request (ADMIN).")
    async def revoke_role(self, info: Info, input: RoleInput) -> StaffPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            pk = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_role(ctx.app, ctx.viewer, pk, RoleEnum(input.role), False)

        return await run_mutation(StaffPayload, act, _staff)

    @strawberry.mutation(
        description="Add to, change in or remove from a team; `lead` makes the member a team lead (ADMIN)."
    )
    async def set_team_membership(self, info: Info, input: SetTeamMembershipInput) -> TeamPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            team = pk_of(input.team_id, "Team", "teamId")
            staff = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_team_membership(
                ctx.app, ctx.viewer, team, staff, input.member, input.lead
            )

        return await run_mutation(TeamPayload, act, lambda t: {"team": TeamType(row=t)})

    @strawberry.mutation(description="Assign a staff member to a window, or take them off it (ADMIN).")
    async def assign_window_staff(self, info: Info, input: AssignWindowStaffInput) -> WindowPayload:
        ctx = info.context

        async def act():  # type: ignore[no-untyped-def]
            window = pk_of(input.window_id, "Window", "windowId")
            staff = pk_of(input.staff_id, "Staff", "staffId")
            return await service.set_window_staff(ctx.app, ctx.viewer, window, staff, input.assigned)

        return await run_mutation(WindowPayload, act, lambda w: {"window": WindowType(row=w)})
