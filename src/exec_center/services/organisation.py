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
            zh="用户名须为 2–64 个字符，仅可使用小写字母 a–z、数字 0–9 及“.”“_”“-”，并以字母或数字开头",
            field="username",
            code=ErrorCode.BAD_FORMAT,
        )
    if not data.name.strip():
        raise DomainError("name must be 1–100 characters", zh="请填写姓名（1–100 个字符）", field="name",
                          code=ErrorCode.REQUIRED)
    if len(data.name) > 100:
        raise DomainError("name must be 1–100 characters", zh="姓名须为 1–100 个字符", field="name",
                          code=ErrorCode.OUT_OF_RANGE)
    _check_password(data.password)
    if data.office_phone is not None and not re.fullmatch(r"[0-9+\- ]{5,32}", data.office_phone):
        raise DomainError(
            "office phone may contain digits, spaces, '+' and '-' (5–32 characters)",
            zh="办公电话仅可包含数字、空格、“+”和“-”（5–32 个字符）",
            field="officePhone",
            code=ErrorCode.BAD_FORMAT,
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            f"password must be at least {MIN_PASSWORD} characters",
            zh=f"密码至少须为 {MIN_PASSWORD} 个字符",
            field="password",
            code=ErrorCode.OUT_OF_RANGE,
        )


async def _admin_turn(uow: UnitOfWork, viewer: Viewer, action: str, zh_action: str) -> None:
    """Take the organisation's lock, then check the viewer is still an active ADMIN (another
    admin may have revoked or disabled them since the request began)."""
    await serialise(uow, "organisation")
    still = await uow.session.scalar(
        sa.select(StaffRole.staff_id)
        .join(Staff, Staff.id == StaffRole.staff_id)
        .where(StaffRole.staff_id == viewer.staff_id, StaffRole.role == Role.ADMIN, Staff.active.is_(True))
    )
    if still is None:
        raise Forbidden(
            f"{action} is for administrators (ADMIN); your ADMIN role was revoked meanwhile",
            zh=f"{zh_action}仅限{Role.ADMIN.label}办理；您的{Role.ADMIN.label}角色已在此期间被撤销",
        )


async def _staff(uow: UnitOfWork, staff_id: int) -> Staff:
    staff = await locked(uow, Staff, staff_id)
    if staff is None:
        raise NotFound("staff member", "工作人员", field="staffId")
    return staff


async def create_staff(ctx: AppContext, viewer: Viewer, data: NewStaff) -> Staff:
    require_admin(viewer, "creating staff", "创建账号")
    _check_new_staff(data)
    # argon2 is tens of milliseconds of CPU: in a thread, before the write transaction opens.
    password_hash = await asyncio.to_thread(hash_password, data.password)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "creating staff", "新建工作人员账户")
        taken = await uow.session.scalar(sa.select(Staff.id).where(Staff.username == data.username))
        if taken is not None:
            raise DomainError(
                f"user name {data.username!r} is taken",
                zh=f"用户名“{data.username}”已被使用",
                field="username",
                code=ErrorCode.ALREADY_EXISTS,
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
        roles = "、".join(r.label for r in data.roles) or "无角色"
        uow.audit("CREATE_STAFF", "Staff", staff.id, f"新建账户{staff.username}（{roles}）")
        await uow.commit()
    return staff


async def set_staff_active(ctx: AppContext, viewer: Viewer, staff_id: int, active: bool) -> Staff:
    require_admin(viewer, "disabling and enabling staff", "停用和启用账号")
    if not active and staff_id == viewer.staff_id:
        raise DomainError("you cannot disable your own account", zh="不能停用本人的账户", field="staffId",
                          code=ErrorCode.NOT_ALLOWED)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "disabling and enabling staff", "停用和启用账户")
        staff = await _staff(uow, staff_id)
        if staff.active != active:
            staff.active = active
            staff.disabled_at = None if active else uow.now
            revoke_tokens(staff)  # re-enabling does not revive the tokens of before
            verb = "启用" if active else "停用"
            action = "ENABLE_STAFF" if active else "DISABLE_STAFF"
            uow.audit(action, "Staff", staff.id, f"{verb}账户{staff.username}")
        await uow.commit()
    return staff


async def set_password(ctx: AppContext, viewer: Viewer, staff_id: int, password: str) -> Staff:
    require_admin(viewer, "resetting passwords", "重置密码")
    _check_password(password)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "resetting passwords", "重置密码")
        staff = await _staff(uow, staff_id)
        staff.password_hash = password_hash
        revoke_tokens(staff)
        await throttling.clear_account(uow, staff.username)  # the reset unlocks the user name
        uow.audit("RESET_PASSWORD", "Staff", staff.id, f"重置{staff.username}的密码")
        await uow.commit()
    return staff


async def set_role(ctx: AppContext, viewer: Viewer, staff_id: int, role: Role, granted: bool) -> Staff:
    require_admin(viewer, "granting and revoking roles", "授予和撤销角色")
    if not granted and role is Role.ADMIN and staff_id == viewer.staff_id:
        raise DomainError(
            "you cannot revoke your own ADMIN role",
            zh=f"不能撤销本人的{Role.ADMIN.label}角色",
            field="role",
            code=ErrorCode.NOT_ALLOWED,
        )
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "granting and revoking roles", "授予和撤销角色")
        staff = await _staff(uow, staff_id)
        held = await uow.session.get(StaffRole, (staff_id, role))
        if granted and held is None:
            uow.session.add(StaffRole(staff_id=staff_id, role=role))
            revoke_tokens(staff)
            uow.audit("GRANT_ROLE", "Staff", staff_id, f"授予{staff.username}“{role.label}”角色")
        elif not granted and held is not None:
            await uow.session.delete(held)
            revoke_tokens(staff)
            uow.audit("REVOKE_ROLE", "Staff", staff_id, f"撤销{staff.username}的“{role.label}”角色")
        await uow.commit()
    return staff


async def set_team_membership(
    ctx: AppContext, viewer: Viewer, team_id: int, staff_id: int, member: bool, lead: bool = False
) -> Team:
    require_admin(viewer, "changing team membership", "调整团队成员")
    if lead and not member:
        raise DomainError("a team lead must be a member of the team", zh="团队负责人须为该团队成员",
                          field="lead", code=ErrorCode.INVALID)
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "changing team membership", "调整团队成员")
        team = await uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("team", "团队", field="teamId")
        staff = await _staff(uow, staff_id)
        row = await uow.session.get(TeamMember, (team_id, staff_id))
        if member:
            if row is None:
                uow.session.add(TeamMember(team_id=team_id, staff_id=staff_id, is_lead=lead))
            else:
                row.is_lead = lead
            what = "负责人" if lead else "成员"
            uow.audit("SET_TEAM_MEMBER", "Team", team_id, f"{staff.username}任{team.name}{what}")
        elif row is not None:
            await uow.session.delete(row)
            uow.audit("REMOVE_TEAM_MEMBER", "Team", team_id, f"{staff.username}不再是{team.name}成员")
        await uow.commit()
    return team


async def set_window_staff(
    ctx: AppContext, viewer: Viewer, window_id: int, staff_id: int, assigned: bool
) -> Window:
    require_admin(viewer, "assigning staff to windows", "安排窗口人员")
    async with UnitOfWork(ctx, viewer) as uow:
        await _admin_turn(uow, viewer, "assigning staff to windows", "安排窗口工作人员")
        window = await uow.session.get(Window, window_id)
        if window is None:
            raise NotFound("window", "窗口", field="windowId")
        staff = await _staff(uow, staff_id)
        row = await uow.session.get(WindowStaff, (window_id, staff_id))
        if assigned and row is None:
            uow.session.add(WindowStaff(window_id=window_id, staff_id=staff_id))
            uow.audit("ASSIGN_WINDOW", "Window", window_id, f"{staff.username}安排至{window.name}")
        elif not assigned and row is not None:
            await uow.session.delete(row)
            uow.audit("UNASSIGN_WINDOW", "Window", window_id, f"{staff.username}不再在{window.name}")
        await uow.commit()
    return window
