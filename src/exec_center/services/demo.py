"""The demo court: every unit, three implementation teams, the adjudication team, the five
windows and one account per role (password `demo`). Seeding twice changes nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..context import AppContext
from ..db.models import Staff, StaffRole, Team, TeamMember, Window, WindowStaff
from ..domain.access import Viewer
from ..domain.identifiers import PartyKind
from ..domain.intake import IntakeData, PartyData, TitleKind
from ..domain.lifecycle import AdjudicationKind, MediationOutcome
from ..domain.organisation import Channel, Role, TeamKind, Unit
from ..domain.work import WorkItemKind
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
            uow.audit("SEED_DEMO", "Staff", member.id, f"演示账户{member.username}")
            created = True
        await uow.commit()
    return created


# --- demo cases: a dozen preservation cases spread over the stages -----------------------

# (applicant, applicant ID, respondent, respondent ID, township, claim, how far the demo takes it)
DEMO_CASES = (
    (
        "陈某",
        "445322198001011236",
        "郁南县某建材有限公司",
        "91445322MA4ABCDE15",
        "都城镇",
        "125000.00",
        "received",
    ),
    ("黄某强", "445322198512120013", "李某华", "445322199003150018", "连滩镇", "86000.00", "analysing"),
    (
        "梁某芳",
        "445322197811230026",
        "郁南县某农业发展有限公司",
        "91445322MA51XY2K3B",
        "建城镇",
        "430000.00",
        "analysing",
    ),
    ("罗某", "445322199201010031", "吴某明", "445322198807080017", "大湾镇", "52000.00", "transferred"),
    (
        "邓某",
        "445322197605060042",
        "郁南县某物流有限公司",
        "91445322MA4W8KLM2N",
        "平台镇",
        "268000.00",
        "transferred",
    ),
    ("何某珍", "445322198303030045", "苏某", "445322197909090013", "宋桂镇", "39000.00", "transferred"),
    ("冯某", "445322199507070020", "郁南县某餐饮店", "92445322MA4UUU8P4Y", "都城镇", "18000.00", "mediating"),
    ("朱某", "445322198111110011", "陈某辉", "445322198612120037", "河口镇", "75000.00", "settled"),
    (
        "林某",
        "445322197702020018",
        "郁南县某砂石有限公司",
        "91445322MA53QQ1W8H",
        "东坝镇",
        "156000.00",
        "converted",
    ),
    ("黎某", "445322198909090028", "郁南县某五金店", "92445322MA4XYR5T2K", "桂圩镇", "23000.00", "objection"),
    ("周某", "445322199110100013", "区某", "445322198202020014", "千官镇", "64000.00", "extension"),
    (
        "钟某",
        "445322197404040024",
        "郁南县某运输有限公司",
        "91445322MA4PPP7H0F",
        "历洞镇",
        "98000.00",
        "received",
    ),
)


async def demo_viewer(ctx: AppContext, username: str) -> Viewer | None:
    """The viewer of the (seeded) demo account `username`, its roles, teams and windows as the
    database has them: the demo drives the services as that staff member."""
    from .auth import load_viewer

    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


def valid_id_number(kind: PartyKind, value: str) -> str:
    """`value`'s first 17 characters with the check character that makes them a valid resident
    ID number (PERSON) or unified social credit code (otherwise): demo identifiers pass intake's
    validation."""
    from ..domain.identifiers import _rid_check_char, _uscc_check_char

    body = value[:17]
    return body + (_rid_check_char(body) if kind is PartyKind.PERSON else _uscc_check_char(body))


async def seed_demo_cases(ctx: AppContext) -> int:
    """A dozen cases over the stages, driven through the same services the API uses, so every
    worklist has something on it. Does nothing when the court already has cases."""
    from ..db.models import Case, Deadline, WorkItem
    from ..domain.deadlines import DeadlineKind
    from ..integrations.asset_query import SimulatedAssetQueryProvider
    from . import asset_queries, deadlines, lifecycle, work
    from .cases import receive_case

    async with ctx.sessionmaker() as session:
        if await session.scalar(sa.select(sa.func.count()).select_from(Case)):
            return 0
    # The demo's queries are answered at once (same engine and clock, no simulated delay).
    ctx = dataclasses.replace(ctx, settings=ctx.settings.with_(asset_query_delay_seconds=0.0))
    affairs, center = await demo_viewer(ctx, "affairs"), await demo_viewer(ctx, "center")
    previous = asset_queries._provider
    asset_queries.set_provider(
        SimulatedAssetQueryProvider(ctx.clock, delay_seconds=0, failure_rate=0, timeout_rate=0)
    )
    today = ctx.clock.now().astimezone(ctx.settings.tz).date()
    created = 0
    try:
        for i, (app_name, app_id, resp_name, resp_id, township, claim, goal) in enumerate(DEMO_CASES):
            resp_kind = PartyKind.PERSON if len(resp_name) <= 3 else PartyKind.ORGANISATION
            data = IntakeData(
                received_on=today - timedelta(days=(len(DEMO_CASES) - i) // 2),
                claim_amount=Decimal(claim),
                title_document_number=f"（{today.year - 1}）粤5322民初{1024 + i * 37}号",
                title_kind=TitleKind.JUDGMENT,
                applicants=(
                    PartyData(
                        PartyKind.PERSON,
                        app_name,
                        valid_id_number(PartyKind.PERSON, app_id),
                        f"1380013{8000 + i:04d}",
                    ),
                ),
                respondents=(PartyData(resp_kind, resp_name, valid_id_number(resp_kind, resp_id)),),
                township=township,
            )
            case = await receive_case(ctx, affairs, data)
            created += 1
            if goal == "received":
                continue
            await asset_queries.dispatch(ctx, case.id)
            await asset_queries.poll(ctx, case_id=case.id)
            if goal == "analysing":
                continue
            if goal == "extension":
                async with ctx.sessionmaker() as session:
                    deadline_id = await session.scalar(
                        sa.select(Deadline.id).where(
                            Deadline.owner_id == case.id, Deadline.kind == DeadlineKind.QUERY_CONTROL
                        )
                    )
                await deadlines.request_extension(
                    ctx, center, deadline_id, "总对总系统不动产查询反馈延迟，申请延长至7个工作日"
                )
                continue
            if goal == "objection":
                await lifecycle.file_application(
                    ctx,
                    affairs,
                    case.id,
                    AdjudicationKind.OBJECTION,
                    resp_name,
                    "被执行人对冻结其基本账户提出书面异议，称该账户资金系代发工资",
                )
                continue
            await lifecycle.finish_query_control(ctx, center, case.id)
            team_id = await lifecycle.transfer(ctx, case.id)
            if goal == "transferred":
                continue
            async with ctx.sessionmaker() as session:
                member = await session.scalar(
                    sa.select(Staff.username)
                    .join(TeamMember, TeamMember.staff_id == Staff.id)
                    .where(TeamMember.team_id == team_id, TeamMember.is_lead.is_(False))
                )
            officer = await demo_viewer(ctx, member or "impl1")
            async with ctx.sessionmaker() as session:
                item_id = await session.scalar(
                    sa.select(WorkItem.id).where(
                        WorkItem.case_id == case.id, WorkItem.kind == WorkItemKind.INVESTIGATE
                    )
                )
            await work.claim(ctx, officer, item_id)
            await work.complete(ctx, officer, item_id, "INVESTIGATED", note="实地走访被执行人住所及经营场所")
            await lifecycle.start_mediation(
                ctx, officer, case.id, "传唤双方当事人到庭报告、核实财产并协商和解"
            )
            if goal == "mediating":
                continue
            await lifecycle.record_mediation_outcome(
                ctx, officer, case.id, MediationOutcome.SETTLED, "双方达成分期履行和解协议"
            )
            if goal == "settled":
                continue
            await lifecycle.convert_case(ctx, affairs, case.id)
        await _seed_window_work(ctx, case.number)
        await _ask_for_next_year(ctx, today.year + 1)
    finally:
        asset_queries.set_provider(previous)
    return created


async def _seed_window_work(ctx: AppContext, case_number: str) -> None:
    """Visits still open at the windows, a first-contact matter and a petition (Arts. 7, 10)."""
    from ..domain.windows import FirstContactReason, VisitPurpose
    from . import windows

    async with ctx.sessionmaker() as session:
        ids = dict((await session.execute(sa.select(Window.code, Window.id))).all())
    filing, consult, affairs = [await demo_viewer(ctx, u) for u in ("filing", "consult", "affairs")]
    await windows.record_visit(
        ctx,
        filing,
        windows.VisitData(
            window_id=ids["execution-filing"],
            visitor_name="莫某",
            purpose=VisitPurpose.FILING,
            request="持生效判决书申请执行立案，缺少送达回证，约定补齐后再来",
        ),
    )
    await windows.record_visit(
        ctx,
        consult,
        windows.VisitData(
            window_id=ids["consultation-disclosure"],
            visitor_name="陈某",
            purpose=VisitPurpose.CASE_STATUS_QUERY,
            request="询问案件财产查控进展",
            case_number=case_number,
        ),
    )
    await windows.record_first_contact(
        ctx,
        affairs,
        ids["affairs-handling"],
        "谭某",
        FirstContactReason.TITLE_NOT_EFFECTIVE,
        "《中华人民共和国民事诉讼法》第二百四十三条",
        "一审判决尚在上诉期内，告知判决生效后再行申请执行",
    )
    await windows.record_petition(
        ctx,
        consult,
        ids["consultation-disclosure"],
        "陈某",
        "反映被执行人转移财产，要求尽快采取查封措施",
        case_number,
    )


async def _ask_for_next_year(ctx: AppContext, year: int) -> None:
    """If next year's holiday schedule is not confirmed yet, the admin is asked to confirm it."""
    from .calendar import ask_to_confirm, load_calendar

    async with UnitOfWork(ctx) as uow:
        if not (await load_calendar(uow.session)).is_confirmed(year):
            await ask_to_confirm(uow, year)
            await uow.commit()
