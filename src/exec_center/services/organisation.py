"""The court's organisation, managed by admins: staff, roles, team membership, window staffing.

Every change runs under one lock for the organisation and re-reads, inside its unit of work,
that the acting admin is still an active ADMIN: two admins revoking each other at once leave one
admin, not none; two grants of the same role, or two accounts with the same user name, make one
row and an answer, not a unique-key fault. (SQLite runs one unit of work at a time anyway.)"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from ..domain.access import Viewer, require_admin
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.organisation import Role, Unit
from . import throttling
from .auth import hash_password, revoke_tokens
from .unit_of_work import UnitOfWork
from .work import locked, serialise

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class NewStaff:
    username: str
    name: str
    password: str
    unit: Unit
    roles: tuple[Role, ...] = ()
    office_phone: str | None = None


def _check_new_staff(data: NewStaff) -> None:
    if not USERNAME.match(data.username):
        raise DomainError(
            "user name must be 2–64 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit",
            field="username",
        )
    if not data.name.strip() or len(data.name) > 100:
        raise DomainError("name must be 1–100 characters", field="name")
    if len(data.password) < MIN_PASSWORD:
        raise DomainError(f"password must be at least {MIN_PASSWORD} characters", field="password")
    if data.office_phone is not None and not re.fullmatch(r"[0-9+\- ]{5,32}", data.office_phone):
        raise DomainError(
            "office phone may contain digits, spaces, '+' and '-' (5–32 characters)", field="officePhone"
        )


async def _admin_turn(uow: UnitOfWork, viewer: Viewer, action: str) -> None:
    """Take the organisation's lock, then check the viewer is still an active ADMIN (another
    admin may have revoked or disabled them since the request began)."""
    await serialise(uow, "organisation")
    still = await uow.session.scalar(
        sa.select(StaffRole.staff_id)
        .join(Staff, Staff.id == StaffRole.staff_id)
        .where(StaffRole.staff_id == viewer.staff_id, StaffRole.role == Role.ADMIN, Staff.active.is_(True))
    )
    if still is None:
        raise Forbidden(f"{action} is for administrators (ADMIN); your ADMIN role was revoked meanwhile")


async def _staff(uow: UnitOfWork, staff_id: int) -> Staff:
    staff = await locked(uow, Staff, staff_id)
    if staff is None:
        raise NotFound("staff member", field="staffId")
    return staff


async def create_staff(ctx: AppContext, viewer: Viewer, data: NewStaff) -> Staff:
    require_admin(viewer, "creating staff")
    _check_new_staff(data)
    # argon2 is tens of milliseconds of CPU: in a thread, before the write transaction opens.
    password_hash = await asyncio.to_thread(hash_password, data.password)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "creating staff")
        taken = await uow.session.scalar(sa.select(Staff.id).where(Staff.username == data.username))
        if taken is not None:
            raise DomainError(
                f"user name {data.username!r} is taken", field="username", code=ErrorCode.ALREADY_EXISTS
            )
        staff = Staff(
            username=data.username,
            name=data.name.strip(),
            password_hash=password_hash,
            unit=data.unit,
            office_phone=data.office_phone,
            active=True,
            created_at=uow.now,
        )
        uow.session.add(staff)
        await uow.session.flush()
        for role in dict.fromkeys(data.roles):
            uow.session.add(StaffRole(staff_id=staff.id, role=role))
        roles = ", ".join(r.value for r in data.roles) or "no roles"
        uow.audit("CREATE_STAFF", "Staff", staff.id, f"created {staff.username} ({roles})")
        await uow.commit()
    return staff


async def set_staff_active(ctx: AppContext, viewer: Viewer, staff_id: int, active: bool) -> Staff:
    require_admin(viewer, "disabling and enabling staff")
    if not active and staff_id == viewer.staff_id:
        raise DomainError("you cannot disable your own account", field="staffId", code=ErrorCode.NOT_ALLOWED)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "disabling and enabling staff")
        staff = await _staff(uow, staff_id)
        if staff.active != active:
            staff.active = active
            staff.disabled_at = None if active else uow.now
            revoke_tokens(staff)  # re-enabling does not revive the tokens of before
            verb = "enabled" if active else "disabled"
            uow.audit(
                "ENABLE_STAFF" if active else "DISABLE_STAFF", "Staff", staff.id, f"{verb} {staff.username}"
            )
        await uow.commit()
    return staff


async def set_password(ctx: AppContext, viewer: Viewer, staff_id: int, password: str) -> Staff:
    require_admin(viewer, "resetting passwords")
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"password must be at least {MIN_PASSWORD} characters", field="password")
    password_hash = await asyncio.to_thread(hash_password, password)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "resetting passwords")
        staff = await _staff(uow, staff_id)
        staff.password_hash = password_hash
        revoke_tokens(staff)
        await throttling.clear_account(uow, staff.username)  # the reset unlocks the user name
        uow.audit("RESET_PASSWORD", "Staff", staff.id, f"reset the password of {staff.username}")
        await uow.commit()
    return staff


async def set_role(ctx: AppContext, viewer: Viewer, staff_id: int, role: Role, granted: bool) -> Staff:
    require_admin(viewer, "granting and revoking roles")
    if not granted and role is Role.ADMIN and staff_id == viewer.staff_id:
        raise DomainError("you cannot revoke your own ADMIN role", field="role", code=ErrorCode.NOT_ALLOWED)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "granting and revoking roles")
        staff = await _staff(uow, staff_id)
        held = await uow.session.get(StaffRole, (staff_id, role))
        if granted and held is None:
            uow.session.add(StaffRole(staff_id=staff_id, role=role))
            revoke_tokens(staff)
            uow.audit("GRANT_ROLE", "Staff", staff_id, f"granted {role.value} to {staff.username}")
        elif not granted and held is not None:
            await uow.session.delete(held)
            revoke_tokens(staff)
            uow.audit("REVOKE_ROLE", "Staff", staff_id, f"revoked {role.value} from {staff.username}")
        await uow.commit()
    return staff


async def set_team_membership(
    ctx: AppContext, viewer: Viewer, team_id: int, staff_id: int, member: bool, lead: bool = False
) -> Team:
    require_admin(viewer, "changing team membership")
    if lead and not member:
        raise DomainError("a team lead must be a member of the team", field="lead")
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "changing team membership")
        team = await uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("team", field="teamId")
        staff = await _staff(uow, staff_id)
        row = await uow.session.get(TeamMember, (team_id, staff_id))
        if member:
            if row is None:
                uow.session.add(TeamMember(team_id=team_id, staff_id=staff_id, is_lead=lead))
            else:
                row.is_lead = lead
            what = "as lead" if lead else "as member"
            uow.audit("SET_TEAM_MEMBER", "Team", team_id, f"{staff.username} in {team.code} {what}")
        elif row is not None:
            await uow.session.delete(row)
            uow.audit("REMOVE_TEAM_MEMBER", "Team", team_id, f"{staff.username} removed from {team.code}")
        await uow.commit()
    return team


async def set_window_staff(
    ctx: AppContext, viewer: Viewer, window_id: int, staff_id: int, assigned: bool
) -> Window:
    require_admin(viewer, "assigning staff to windows")
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "assigning staff to windows")
        window = await uow.session.get(Window, window_id)
        if window is None:
            raise NotFound("window", field="windowId")
        staff = await _staff(uow, staff_id)
        row = await uow.session.get(WindowStaff, (window_id, staff_id))
        if assigned and row is None:
            uow.session.add(WindowStaff(window_id=window_id, staff_id=staff_id))
            uow.audit("ASSIGN_WINDOW", "Window", window_id, f"{staff.username} assigned to {window.code}")
        elif not assigned and row is not None:
            await uow.session.delete(row)
            uow.audit("UNASSIGN_WINDOW", "Window", window_id, f"{staff.username} no longer at {window.code}")
        await uow.commit()
    return window
