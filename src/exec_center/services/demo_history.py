"""The demo court's history (issue 15): a few hundred cases over the past months, made through
the same services the API and the workers use, so that every indicator of the command centre
shows something. `exec-center serve --demo` runs it once after seeding the demo court.

The services run under a clock of our own, moved from working day to working day; the jobs
they ask for (asset queries, transfer, reply delivery) are run at once by calling the service
functions the actors call, so nothing is left for a worker but what "today" leaves open. Every
choice comes from one `random.Random(seed)`: the same seed on the same court gives the same
cases, numbers and outcomes. Seeding twice changes nothing (a marker in `counters`).
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any

import sqlalchemy as sa

from ..clock import FrozenClock, court_today
from ..context import AppContext
from ..db.models import (
    AssetFinding,
    Case,
    CounterRow,
    Deadline,
    DeadlineRuleRow,
    OutboxMessage,
    Staff,
    TeamMember,
    Window,
    WorkItem,
)
from ..domain.access import Viewer
from ..domain.assets import AssetCategory, MeasureKind
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError
from ..domain.identifiers import PartyKind
from ..domain.intake import IntakeData, PartyData, TitleKind
from ..domain.lifecycle import ClosingMethod, MediationOutcome, add_months
from ..domain.organisation import Channel
from ..domain.windows import MessageClass, VisitPurpose
from ..domain.work import ACTIVE, WorkItemKind, WorkItemStatus
from .demo import TEAMS, demo_viewer, valid_id_number
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# The demo accounts the history acts as (the teams' officers besides).
ACTORS = ("affairs", "center", "chief", "consult", "filing", "command", "gateway", "impl1", "adjud")
# The `counters` row saying the history was made (its value: the seed).
MARKER = "demo_history"
# The job rendering a case's query-and-control ruling (sent at intake: services/cases.py).
RULING_ACTOR = "render_case_document"

SURNAMES = "陈黄梁罗邓何冯朱林黎周钟吴李苏区莫谭张刘杨赵"
GIVEN = ("", "强", "华", "芳", "明", "珍", "辉", "军", "婷", "文")
COMPANIES = ("建材", "农业发展", "物流", "砂石", "运输", "五金", "餐饮", "电子", "纺织", "食品")
PETITIONS = ("反映被执行人转移财产，要求尽快采取查封措施", "反映案件久拖未结，要求加快执行进度")
QUESTIONS = ("请问申请执行需要提交哪些材料？", "执行案件立案后多久开始查控财产？", "执行款到账后如何领取？")
ANSWER = "您好，相关事项请参阅本院执行事务中心公示的办事指南，或携带身份证件到窗口咨询。"
# Each case costs a few dozen service calls (~0.2 s on SQLite on a small, busy machine): 300 cases
# over six months took 50-65 s there, 200 about 50 s; the demo starts with 150 (under 40 s).
DEFAULT_CASES = 150
TOWNSHIPS = [t for _code, _name, _kind, towns in TEAMS if towns for t in towns.split(",")]

# How a case's story goes after its query-and-control (weights out of 100).
SCENARIOS = (
    ("settled", 25),  # mediation settles: converted, fast-closed in 3 working days (Art. 20(1))
    ("full", 15),  # fully controlled: converted, fast-closed in 15 working days (Art. 20(2))
    ("enforce", 20),  # partly controlled: converted into compulsory execution
    ("failed", 10),  # mediation fails: compulsory execution
    ("tax", 10),  # real estate: benchmark-price letter, transfer for filing in 3 days (Art. 19)
    ("nothing", 10),  # nothing to preserve: closed at the centre
    ("objection", 3),  # an objection goes to the adjudication team; the case goes on as "enforce"
    ("enforce", 7),
)


@dataclass
class HistoryResult:
    """What a run made; `skipped` when the history was there already."""

    skipped: bool = False
    days: int = 0
    cases: int = 0
    steps: int = 0
    failures: int = 0
    numbers: list[str] = field(default_factory=list)


@dataclass
class _Story:
    index: int
    scenario: str
    applicant: PartyData
    respondent: PartyData
    township: str
    claim: Decimal
    qc_days: int  # working days from receipt to completing query-and-control
    extension: str | None  # None, "approved" or "refused"
    late_close: bool
    case_id: int | None = None
    number: str | None = None
    zhi_id: int | None = None
    team_id: int | None = None


Step = Callable[[], Awaitable[Any]]


class _History:
    def __init__(self, ctx: AppContext, clock: FrozenClock, rng: random.Random, days: list[date]) -> None:
        self.ctx, self.clock, self.rng, self.days = ctx, clock, rng, days
        self.agenda: dict[int, list[tuple[str, Step]]] = defaultdict(list)
        self.result = HistoryResult(days=len(days))
        self.viewers: dict[str, Viewer] = {}
        self.team_officers: dict[int, Viewer] = {}
        self.windows: dict[str, int] = {}
        self.stories: list[_Story] = []
        self.arrivals: dict[int, list[_Story]] = {}
        self.serial = 0
        self.seed = 0
        self.today = 0
        self.spent: Counter[str] = Counter()  # seconds per kind of step (the debug log shows them)

    # --- the calendar -------------------------------------------------------------------------

    def at(self, day: int, what: str, step: Step) -> None:
        """Do `step` on working day `day` (dropped when that is today or later: it stays open)."""
        if day < len(self.days):
            self.agenda[day].append((what, step))

    def tick(self) -> None:
        self.clock.advance(minutes=2)

    async def run(self) -> None:
        tz = self.ctx.settings.tz
        for d, day in enumerate(self.days):
            self.clock.set(datetime.combine(day, time(8, 45), tz))
            self.today = d
            self._plan_day(d)
            todo = self.agenda.pop(d, [])
            i = 0
            while i < len(todo):  # steps may add steps for the same day
                what, step = todo[i]
                i += 1
                self.tick()
                began = perf_counter()
                try:
                    await step()
                    self.result.steps += 1
                except DomainError as error:
                    self.result.failures += 1
                    log.warning("demo history: %s on %s refused: %s", what, day, error)
                self.spent[what.split(" ")[0]] += perf_counter() - began
                todo += self.agenda.pop(d, [])
            # The evening sweep escalates what is overdue (never before the day's last step).
            evening = datetime.combine(day, time(18, 0), tz)
            self.clock.set(max(evening, self.clock.now() + timedelta(minutes=1)))
            from . import deadlines

            began = perf_counter()
            await deadlines.sweep(self.ctx)
            self.spent["sweep"] += perf_counter() - began

    # --- each day's arrivals --------------------------------------------------------------------

    def _plan_day(self, d: int) -> None:
        rng = self.rng
        for story in self.arrivals.get(d, []):
            self.at(d, f"case {story.index}", lambda s=story: self.receive(s, d))
        if rng.random() < 0.8:
            for _ in range(rng.randint(1, 3)):
                self.at(d, "visit", self.visit)
        if rng.random() < 0.35:
            self.at(d, "disclosure", self.disclosure)
        if rng.random() < 0.12:
            self.at(d, "petition", self.petition)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            self.at(d, "online message", lambda: self.message(d))
        if rng.random() < 0.12:
            self.at(d, "supervision order", lambda: self.supervise(d))

    # --- a case, step by step -----------------------------------------------------------------

    async def receive(self, s: _Story, d: int) -> None:
        from . import asset_queries
        from .cases import receive_case

        day = self.days[d]
        data = IntakeData(
            received_on=day,
            claim_amount=s.claim,
            title_document_number=f"（{day.year - 1}）粤5322民初{3000 + s.index * 7}号",
            title_kind=TitleKind.JUDGMENT,
            applicants=(s.applicant,),
            respondents=(s.respondent,),
            township=s.township,
        )
        case = await receive_case(self.ctx, self.viewers["affairs"], data)
        s.case_id, s.number = case.id, case.number
        self.result.cases += 1
        self.result.numbers.append(case.number)
        self.stories.append(s)
        self.tick()
        await asset_queries.dispatch(self.ctx, case.id)
        self.tick()
        await asset_queries.poll(self.ctx, case_id=case.id)
        if s.scenario != "nothing":
            self.at(d, "control", lambda: self.control(s))
        if s.extension is not None:
            self.at(d + 3, "extension", lambda: self.extend(s))
        self.at(d + s.qc_days, "complete query-and-control", lambda: self.complete(s, d + s.qc_days))

    async def control(self, s: _Story) -> None:
        """A deposit found (recorded as the system's answer), frozen: all or part of the claim."""
        from . import asset_queries, measures

        center = self.viewers["center"]
        full = s.scenario in ("full", "tax") or (s.scenario == "settled" and self.rng.random() < 0.3)
        share = Decimal(1) if full else Decimal(self.rng.choice(("0.2", "0.35", "0.5", "0.7")))
        findings = [
            asset_queries.ManualFinding(
                AssetCategory.BANK_DEPOSIT, "中国农业银行郁南支行", "被执行人名下活期存款账户",
                (s.claim * share).quantize(Decimal("0.01")),
            )
        ]
        if s.scenario == "tax":
            findings.append(asset_queries.ManualFinding(
                AssetCategory.REAL_ESTATE, "郁南县不动产登记中心", "被执行人名下住宅一套（都城镇）",
                (s.claim * Decimal("1.6")).quantize(Decimal("0.01")), first_seal=True, disposable=True,
            ))
        await asset_queries.record_findings(self.ctx, center, s.case_id, findings, source="MANUAL")
        async with self.ctx.sessionmaker() as session:
            deposit = await session.scalar(
                sa.select(AssetFinding).where(
                    AssetFinding.case_id == s.case_id, AssetFinding.category == AssetCategory.BANK_DEPOSIT,
                    AssetFinding.description == "被执行人名下活期存款账户",
                ).order_by(AssetFinding.id.desc()).limit(1)
            )
        self.tick()
        await measures.decide_control(self.ctx, center, s.case_id, [
            measures.MeasureRequest(deposit.id, MeasureKind.FREEZE, deposit.value)
        ])

    async def extend(self, s: _Story) -> None:
        from . import deadlines

        deadline_id = await self._deadline(s.case_id, DeadlineKind.QUERY_CONTROL)
        if deadline_id is None:
            return
        request = await deadlines.request_extension(
            self.ctx, self.viewers["center"], deadline_id, "总对总系统不动产查询反馈延迟，申请延长至7个工作日"
        )
        self.tick()
        approve = s.extension == "approved"
        await deadlines.decide_extension(
            self.ctx, self.viewers["chief"], request.id, approve,
            "同意延长" if approve else "查询已有反馈，不予延长",
        )

    async def complete(self, s: _Story, d: int) -> None:
        from . import lifecycle

        await lifecycle.finish_query_control(self.ctx, self.viewers["center"], s.case_id)
        if s.scenario == "nothing":
            self.at(d + 1, "close", lambda: self.close(s.case_id, ClosingMethod.NOTHING_TO_PRESERVE, d + 1))
            return
        self.tick()
        s.team_id = await lifecycle.transfer(self.ctx, s.case_id)
        self.at(d + self.rng.randint(1, 3), "investigate", lambda: self.investigate(s, d))

    def officer(self, s: _Story) -> Viewer:
        return self.team_officers.get(s.team_id or 0) or self.viewers["impl1"]

    async def investigate(self, s: _Story, d: int) -> None:
        from . import lifecycle

        officer = self.officer(s)
        await self._finish_item(officer, s.case_id, WorkItemKind.INVESTIGATE, "INVESTIGATED")
        self.tick()
        await lifecycle.record_team_work(
            self.ctx, officer, s.case_id, "INVESTIGATION", "实地走访被执行人住所及经营场所，核实财产状况"
        )
        d = self.today
        if s.scenario in ("settled", "failed"):
            self.at(d + self.rng.randint(1, 4), "mediate", lambda: self.mediate(s))
        elif s.scenario == "tax":
            self.at(d + self.rng.randint(1, 3), "tax letter", lambda: self.tax_letter(s))
        else:
            if s.scenario == "objection":
                self.at(d + 1, "objection", lambda: self.objection(s))
            self.at(d + self.rng.randint(1, 5), "convert", lambda: self.convert(s))

    async def mediate(self, s: _Story) -> None:
        from . import lifecycle

        officer = self.officer(s)
        await lifecycle.start_mediation(
            self.ctx, officer, s.case_id, "传唤双方当事人到庭报告、核实财产并协商和解"
        )
        settled = s.scenario == "settled"
        outcome = MediationOutcome.SETTLED if settled else MediationOutcome.FAILED
        note = "双方达成分期履行和解协议" if settled else "被执行人无履行意愿，调解不成"

        async def record() -> None:
            await lifecycle.record_mediation_outcome(self.ctx, officer, s.case_id, outcome, note)
            self.at(self.today + self.rng.randint(0, 2), "convert", lambda: self.convert(s))

        self.at(self.today + self.rng.randint(1, 5), "mediation outcome", record)

    async def tax_letter(self, s: _Story) -> None:
        from . import lifecycle

        officer = self.officer(s)
        async with self.ctx.sessionmaker() as session:
            ids = list((await session.scalars(
                sa.select(AssetFinding.id).where(
                    AssetFinding.case_id == s.case_id, AssetFinding.category == AssetCategory.REAL_ESTATE,
                    AssetFinding.first_seal.is_(True), AssetFinding.disposable.is_(True),
                )
            )).all())
        await lifecycle.send_tax_letter(self.ctx, officer, s.case_id, ids[:1])

        async def served() -> None:
            await self._finish_item(officer, s.case_id, WorkItemKind.TAX_LETTER, "LETTER_SERVED",
                                    note="基准价函已送达双方当事人")
            # Art. 19: three days; most filed in time, some late.
            delay = self.rng.choice((0, 1, 1, 2, 4)) if not s.late_close else 4
            self.at(self.today + delay, "convert", lambda: self.convert(s))

        self.at(self.today + self.rng.randint(2, 5), "letter served", served)

    async def objection(self, s: _Story) -> None:
        from ..domain.lifecycle import AdjudicationKind
        from . import lifecycle

        application = await lifecycle.file_application(
            self.ctx, self.viewers["affairs"], s.case_id, AdjudicationKind.OBJECTION, s.respondent.name,
            "被执行人对冻结其银行账户提出书面异议，称该账户资金系代发工资",
        )

        async def decide() -> None:  # the adjudication team, by completing the application's item
            from . import work

            judge = self.viewers["adjud"]
            async with self.ctx.sessionmaker() as session:
                item_id = await session.scalar(sa.select(WorkItem.id).where(
                    WorkItem.kind == WorkItemKind.ADJUDICATION_APPLICATION,
                    WorkItem.owner_id == application.id, WorkItem.status.in_(tuple(ACTIVE)),
                ))
            if item_id is None:
                return
            await work.claim(self.ctx, judge, item_id)
            self.tick()
            outcome = self.rng.choice(("REJECTED", "REJECTED", "PARTLY_GRANTED", "WITHDRAWN"))
            await work.complete(self.ctx, judge, item_id, outcome,
                                note="经审查，被执行人提交的证据不足以证明该账户资金系代发工资")

        self.at(self.today + self.rng.randint(8, 20), "adjudication", decide)

    async def convert(self, s: _Story) -> None:
        from . import lifecycle

        zhi = await lifecycle.convert_case(self.ctx, self.viewers["affairs"], s.case_id)
        s.zhi_id = zhi.id
        d = self.today
        self.at(d + self.rng.randint(1, 6), "archive preservation case", lambda: self.archive(s.case_id))
        stage = zhi.stage.value
        if stage == "FAST_CLOSING":
            limit = 3 if s.scenario == "settled" else 15
            after = limit + self.rng.randint(2, 6) if s.late_close else self.rng.randint(1, limit)
            self.at(d + after, "fast close",
                    lambda: self.close(zhi.id, ClosingMethod.FULLY_EXECUTED, d + after))
            return
        roll = self.rng.random()
        if roll < 0.45:
            after = self.rng.randint(10, 45)
            self.at(d + after, "close", lambda: self.close(zhi.id, ClosingMethod.FULLY_EXECUTED, d + after))
        elif roll < 0.85:  # 终本: more than three months after filing, the applicant told first
            after = 66 + self.rng.randint(0, 10)
            self.at(d + after, "applicant informed", lambda: self.inform(s, zhi.id, d + after))
        elif roll < 0.95:
            after = self.rng.randint(20, 60)
            self.at(d + after, "close", lambda: self.close(zhi.id, ClosingMethod.TERMINATED, d + after))

    async def inform(self, s: _Story, zhi_id: int, d: int) -> None:
        from . import lifecycle

        filed = self.days[d]
        async with self.ctx.sessionmaker() as session:
            received = await session.scalar(sa.select(Case.received_on).where(Case.id == zhi_id))
        if received is not None and filed <= add_months(received, 3):
            self.at(d + 3, "applicant informed", lambda: self.inform(s, zhi_id, d + 3))
            return
        await lifecycle.record_team_work(
            self.ctx, self.officer(s), zhi_id, "APPLICANT_INFORMED",
            "已告知申请执行人财产调查情况及终结本次执行程序的依据、法律后果，申请执行人无异议",
        )
        self.at(d + 1, "close", lambda: self.close(zhi_id, ClosingMethod.TERMINATED_CURRENT_PROCEDURE, d + 1))

    async def close(self, case_id: int, method: ClosingMethod, d: int) -> None:
        from . import lifecycle

        await lifecycle.close_case(self.ctx, self.viewers["center"], case_id, method)
        if self.rng.random() < 0.8:
            self.at(d + self.rng.randint(2, 10), "archive", lambda: self.archive(case_id))

    async def archive(self, case_id: int) -> None:
        from . import lifecycle

        await lifecycle.archive_case(self.ctx, self.viewers["center"], case_id)

    # --- the windows, online messages, supervision ---------------------------------------------

    def _known(self) -> _Story | None:
        known = [s for s in self.stories if s.number]
        return self.rng.choice(known) if known else None

    async def visit(self) -> None:
        from . import windows

        consult = ("consultation-disclosure", "consult")
        purposes = [
            (*consult, VisitPurpose.CASE_STATUS_QUERY, "询问案件财产查控进展"),
            (*consult, VisitPurpose.JUDGE_CONTACT, "要求联系承办法官反映被执行人线索"),
            (*consult, VisitPurpose.VOLUNTARY_PERFORMANCE, "被执行人到窗口了解履行方式"),
            ("execution-filing", "filing", VisitPurpose.FILING, "持生效判决书申请执行立案"),
            ("affairs-handling", "affairs", VisitPurpose.MATERIALS, "递交被执行人财产线索材料"),
            ("affairs-handling", "affairs", VisitPurpose.OTHER, "咨询执行款领取手续"),
        ]
        window, who, purpose, request = self.rng.choice(purposes)
        story = self._known() if purpose is not VisitPurpose.FILING else None
        answered = self.rng.random() < 0.8
        await windows.record_visit(self.ctx, self.viewers[who], windows.VisitData(
            window_id=self.windows[window],
            visitor_name=self._name(),
            purpose=purpose,
            request=request,
            case_number=story.number if story else None,
            outcome="已当场答复" if answered else None,
            resolved=answered,
        ))

    async def disclosure(self) -> None:
        from . import windows

        story = self._known()
        if story is None or story.applicant.id_number is None:
            return
        await windows.disclose_case_status(
            self.ctx, self.viewers["consult"], self.windows["consultation-disclosure"], story.number or "",
            story.applicant.id_number,
        )

    async def petition(self) -> None:
        from . import windows

        story = self._known()
        await windows.record_petition(
            self.ctx, self.viewers["consult"], self.windows["consultation-disclosure"],
            story.applicant.name if story else self._name(),
            self.rng.choice(PETITIONS),
            story.number if story else None,
        )

    async def message(self, d: int) -> None:
        from . import messages

        self.serial += 1
        data = messages.IngestData(
            channel=self.rng.choice((Channel.ONLINE_12368, Channel.SMART_EXECUTION_APP)),
            external_id=f"DEMO-H{self.seed}-{self.serial:05d}",
            sender_name=self._name(),
            content=self.rng.choice(QUESTIONS),
        )
        message, _ = await messages.ingest(self.ctx, self.viewers["gateway"], data)
        # Art. 13: two working days; most answered the same or next day, some late.
        delay = self.rng.choice((0, 0, 1, 1, 1, 2, 3, 4))

        async def answer() -> None:
            consult = self.viewers["consult"]
            await messages.classify(self.ctx, consult, message.id, MessageClass.PROCEDURAL)
            self.tick()
            await messages.settle_reply(self.ctx, consult, message.id, ANSWER)
            self.tick()
            await messages.send_reply(self.ctx, consult, message.id)
            for _attempt in range(4):  # the deliver_reply actor's work, with its retries
                try:
                    await messages.deliver(self.ctx, message.id)
                    break
                except messages.DeliveryPending:
                    self.tick()

        self.at(d + delay, "reply", answer)

    async def supervise(self, d: int) -> None:
        from . import supervision

        open_ = [s for s in self.stories if s.team_id is not None and s.zhi_id is None]
        if not open_:
            return
        story = self.rng.choice(open_)
        order = await supervision.issue(
            self.ctx, self.viewers[self.rng.choice(("command", "chief"))], case_id=story.case_id,
            instructions="该案移交后进展缓慢，请于期限内报告调查和调解进展及下一步执行方案",
            reply_within_working_days=3,
        )
        delay = self.rng.choice((1, 2, 2, 3, 5, 6))

        async def reply() -> None:
            await supervision.reply(
                self.ctx, self.officer(story), order.id, "已完成线下调查，正组织双方调解，两周内报送执行方案"
            )

        self.at(d + delay, "supervision reply", reply)

    # --- helpers --------------------------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + "某" + self.rng.choice(GIVEN)

    async def _deadline(self, case_id: int | None, kind: DeadlineKind) -> int | None:
        async with self.ctx.sessionmaker() as session:
            return await session.scalar(sa.select(Deadline.id).where(
                Deadline.owner_type == "Case", Deadline.owner_id == case_id, Deadline.kind == kind,
                Deadline.status == DeadlineStatus.OPEN,
            ))

    async def _finish_item(
        self, viewer: Viewer, case_id: int | None, kind: WorkItemKind, outcome: str, note: str | None = None
    ) -> None:
        from . import work

        async with self.ctx.sessionmaker() as session:
            item = await session.scalar(sa.select(WorkItem).where(
                WorkItem.case_id == case_id, WorkItem.kind == kind, WorkItem.status.in_(tuple(ACTIVE))
            ).order_by(WorkItem.id).limit(1))
        if item is None:
            return
        if item.status is not WorkItemStatus.CLAIMED:
            await work.claim(self.ctx, viewer, item.id)
            self.tick()
        await work.complete(self.ctx, viewer, item.id, outcome, note=note)


def _party(rng: random.Random, index: int, organisation: bool) -> PartyData:
    if organisation:
        name = f"郁南县某{rng.choice(COMPANIES)}有限公司"
        body = f"91445322MA{index:05d}{rng.randint(10, 99)}"
        return PartyData(PartyKind.ORGANISATION, name, valid_id_number(PartyKind.ORGANISATION, body + "X"))
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
    body = f"445322{born:%Y%m%d}{rng.randint(100, 999)}"
    name = rng.choice(SURNAMES) + "某" + rng.choice(GIVEN)
    return PartyData(PartyKind.PERSON, name, valid_id_number(PartyKind.PERSON, body + "0"))


def _stories(rng: random.Random, cases: int) -> list[_Story]:
    names, weights = zip(*SCENARIOS, strict=True)
    stories = []
    for i in range(cases):
        scenario = rng.choices(names, weights)[0]
        roll = rng.random()
        extension = None
        if roll < 0.70:
            qc_days = rng.randint(1, 5)
        elif roll < 0.85:
            qc_days = rng.randint(6, 9)  # late
        else:
            extension = "approved" if rng.random() < 0.75 else "refused"
            qc_days = rng.choice((6, 7)) if extension == "approved" else rng.randint(7, 9)
        applicant = _party(rng, i, organisation=False)
        applicant = dataclasses.replace(applicant, phone=f"1380013{rng.randint(0, 9999):04d}")
        stories.append(_Story(
            index=i,
            scenario=scenario,
            applicant=applicant,
            respondent=_party(rng, i, organisation=rng.random() < 0.35),
            township=rng.choice(TOWNSHIPS),
            claim=Decimal(rng.randrange(8_000, 600_000, 500)),
            qc_days=qc_days,
            extension=extension,
            late_close=rng.random() < 0.2,
        ))
    return stories


async def has_history(ctx: AppContext) -> bool:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(CounterRow.key).where(CounterRow.key == MARKER)) is not None


async def seed_demo_history(
    ctx: AppContext, *, cases: int = DEFAULT_CASES, months: int = 6, seed: int = 1
) -> HistoryResult:
    """Receive `cases` cases on the working days of the past `months` months and take each as far
    as its story and the days allow. Needs the demo court (seed_demo_court). Once per database."""
    if cases < 1 or months < 1:
        raise ValueError("cases and months must be at least 1")
    if await has_history(ctx):
        return HistoryResult(skipped=True)
    from ..integrations.asset_query import SimulatedAssetQueryProvider
    from . import asset_queries
    from .calendar import load_calendar

    tz = ctx.settings.tz
    today = court_today(ctx.clock, tz)
    start = add_months(today, -months)
    async with ctx.sessionmaker() as session:
        calendar = await load_calendar(session)
        # Not before every deadline rule is in force (the rules say from when they apply).
        first = (
            sa.select(sa.func.min(DeadlineRuleRow.effective_from).label("on"))
            .group_by(DeadlineRuleRow.kind)
            .subquery()
        )
        in_force = await session.scalar(sa.select(sa.func.max(first.c.on)))
        windows = dict((await session.execute(sa.select(Window.code, Window.id))).all())
        first_outbox = await session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
        officers = (await session.execute(
            sa.select(TeamMember.team_id, Staff.username)
            .join(Staff, Staff.id == TeamMember.staff_id)
            .where(TeamMember.is_lead.is_(False))
            .order_by(TeamMember.team_id, Staff.id)
        )).all()
    if in_force is not None:
        start = max(start, in_force)
    days = [start + timedelta(days=n) for n in range((today - start).days)]
    days = [d for d in days if calendar.is_working_day(d)]
    if not days:
        return HistoryResult()

    clock = FrozenClock(datetime.combine(days[0], time(8, 45), tz))
    # A context of our own: the same engine, our clock, no publisher (the jobs are run here),
    # and the asset queries answered at once.
    own = dataclasses.replace(
        ctx, clock=clock, publisher=None,
        settings=ctx.settings.with_(asset_query_delay_seconds=0.0),
    )
    rng = random.Random(seed)
    history = _History(own, clock, rng, days)
    history.seed = seed
    history.windows = windows
    for username in ACTORS:
        history.viewers[username] = await demo_viewer(own, username)
    for team_id, username in officers:
        if team_id not in history.team_officers:
            history.team_officers[team_id] = await demo_viewer(own, username)
    stories = _stories(rng, cases)
    # Arrival days: spread over the working days, a little denser in recent weeks.
    arrivals: dict[int, list[_Story]] = defaultdict(list)
    for story in stories:
        d = min(int(len(days) * (rng.random() ** 0.85)), len(days) - 1)
        arrivals[d].append(story)
    history.arrivals = arrivals

    # The marker first: a history that broke off half-way is not made a second time on top.
    async with UnitOfWork(ctx) as uow:
        uow.session.add(CounterRow(key=MARKER, last_value=seed))
        await uow.commit()
    previous = asset_queries._provider
    asset_queries.set_provider(
        SimulatedAssetQueryProvider(clock, delay_seconds=0, failure_rate=0, timeout_rate=0)
    )
    # The reply channel's simulator refuses a delivery now and then (retried at once here): its
    # warnings would only be noise at start-up.
    quiet = logging.getLogger("exec_center.services.messages")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        await history.run()
    finally:
        asset_queries.set_provider(previous)
        quiet.setLevel(level)
    async with UnitOfWork(ctx) as uow:
        # The jobs the history asked for were run above (queries, transfers, deliveries) and are
        # not sent again, but for the cases' rulings: rendered by the workers once the demo is up
        # (about 20 ms each, dated the day each case was received), not before it starts.
        await uow.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id > first_outbox, OutboxMessage.sent_at.is_(None),
                   OutboxMessage.actor_name != RULING_ACTOR)
            .values(sent_at=uow.now)
        )
        await uow.commit()
    result = history.result
    log.debug("demo history: seconds per step %s", {k: round(v, 1) for k, v in history.spent.most_common()})
    log.info(
        "demo history: %s cases over %s working days (%s steps, %s refused)",
        result.cases, result.days, result.steps, result.failures,
    )
    return result
