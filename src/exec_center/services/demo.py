"""The demo court: every unit, three implementation teams, the adjudication team, the five
windows and one account per role (password `demo`). Seeding twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from ..domain.organisation import Channel, Role, TeamKind, Unit
from .auth import hash_password
from .unit_of_work import UnitOfWork

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    unit: Unit
    roles: tuple[Role, ...]
    teams: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    windows: tuple[str, ...] = ()
    office_phone: str | None = None


TEAMS = (
    ("impl-1", "执行实施一团队", TeamKind.IMPLEMENTATION_TEAM, "都城镇,平台镇,桂圩镇"),
    ("impl-2", "执行实施二团队", TeamKind.IMPLEMENTATION_TEAM, "建城镇,宝珠镇,大方镇,千官镇"),
    (
        "impl-3",
        "执行实施三团队",
        TeamKind.IMPLEMENTATION_TEAM,
        "大湾镇,河口镇,宋桂镇,东坝镇,连滩镇,历洞镇,南江口镇,通门镇",
    ),
    ("adjudication", "执行裁决团队", TeamKind.ADJUDICATION_TEAM, None),
)

WINDOWS = (
    ("affairs-handling", "执行事务中心·事务办理岗", Channel.AFFAIRS_HANDLING),
    ("consultation-disclosure", "执行事务中心·咨询公开岗", Channel.CONSULTATION_DISCLOSURE),
    ("execution-filing", "立案庭·执行立案窗口", Channel.EXECUTION_FILING),
    ("online-12368", "12368诉讼服务平台", Channel.ONLINE_12368),
    ("smart-execution-app", "智慧执行APP", Channel.SMART_EXECUTION_APP),
)

ACCOUNTS = (
    DemoAccount(
        "affairs", "黄晓敏", Unit.AFFAIRS_CENTER, (Role.AFFAIRS_CLERK,), windows=("affairs-handling",)
    ),
    # The consultation post also supervises replies on the two online channels (Arts. 12–13).
    DemoAccount(
        "consult",
        "梁嘉怡",
        Unit.AFFAIRS_CENTER,
        (Role.CONSULTATION_CLERK,),
        windows=("consultation-disclosure", "online-12368", "smart-execution-app"),
    ),
    DemoAccount("center", "陈志明", Unit.AFFAIRS_CENTER, (Role.CENTER_OFFICER,), office_phone="0766-7512301"),
    DemoAccount(
        "center-head", "李国华", Unit.AFFAIRS_CENTER, (Role.CENTER_HEAD,), office_phone="0766-7512300"
    ),
    DemoAccount(
        "filing", "吴丽珍", Unit.FILING_DIVISION, (Role.FILING_CLERK,), windows=("execution-filing",)
    ),
    DemoAccount(
        "impl1",
        "张伟强",
        Unit.EXECUTION_BUREAU,
        (Role.IMPLEMENTATION_OFFICER,),
        teams=("impl-1",),
        office_phone="0766-7512311",
    ),
    DemoAccount(
        "impl1-lead",
        "何建军",
        Unit.EXECUTION_BUREAU,
        (Role.IMPLEMENTATION_LEAD,),
        teams=("impl-1",),
        leads=("impl-1",),
        office_phone="0766-7512310",
    ),
    DemoAccount(
        "impl2",
        "罗文斌",
        Unit.EXECUTION_BUREAU,
        (Role.IMPLEMENTATION_OFFICER,),
        teams=("impl-2",),
        office_phone="0766-7512321",
    ),
    DemoAccount(
        "impl3",
        "邓志坚",
        Unit.EXECUTION_BUREAU,
        (Role.IMPLEMENTATION_OFFICER,),
        teams=("impl-3",),
        office_phone="0766-7512331",
    ),
    DemoAccount(
        "adjud",
        "苏婉清",
        Unit.EXECUTION_BUREAU,
        (Role.ADJUDICATION_JUDGE,),
        teams=("adjudication",),
        office_phone="0766-7512340",
    ),
    DemoAccount("chief", "林振华", Unit.EXECUTION_BUREAU, (Role.BUREAU_CHIEF,)),
    DemoAccount("command", "周海涛", Unit.COMMAND_CENTER, (Role.COMMAND_CENTER,)),
    DemoAccount("admin", "系统管理员", Unit.EXECUTION_BUREAU, (Role.ADMIN,)),
    # A machine account for the 12368 / app gateway (online messages, Arts. 12–13).
    DemoAccount("gateway", "渠道网关", Unit.AFFAIRS_CENTER, (Role.INTEGRATION,)),
)


async def seed_demo_court(ctx: AppContext) -> bool:
    """Create what is missing of the demo court; returns whether anything was created."""
    async with UnitOfWork(ctx) as uow:
        s = uow.session
        teams = {t.code: t for t in (await s.scalars(sa.select(Team))).all()}
        windows = {w.code: w for w in (await s.scalars(sa.select(Window))).all()}
        staff = {st.username: st for st in (await s.scalars(sa.select(Staff))).all()}
        created = False
        for code, name, kind, townships in TEAMS:
            if code not in teams:
                teams[code] = Team(code=code, name=name, kind=kind, townships=townships, created_at=uow.now)
                s.add(teams[code])
                created = True
        for code, name, channel in WINDOWS:
            if code not in windows:
                windows[code] = Window(code=code, name=name, channel=channel, unit=channel.unit)
                s.add(windows[code])
                created = True
        password_hash = None
        new_accounts = [a for a in ACCOUNTS if a.username not in staff]
        for account in new_accounts:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            staff[account.username] = Staff(
                username=account.username,
                name=account.name,
                unit=account.unit,
                password_hash=password_hash,
                office_phone=account.office_phone,
                active=True,
                created_at=uow.now,
            )
            s.add(staff[account.username])
        await s.flush()
        for account in new_accounts:
            member = staff[account.username]
            for role in account.roles:
                s.add(StaffRole(staff_id=member.id, role=role))
            for team in account.teams:
                s.add(TeamMember(team_id=teams[team].id, staff_id=member.id, is_lead=team in account.leads))
            for window in account.windows:
                s.add(WindowStaff(window_id=windows[window].id, staff_id=member.id))
            uow.audit("SEED_DEMO", "Staff", member.id, f"demo account {member.username}")
            created = True
        await uow.commit()
    return created
