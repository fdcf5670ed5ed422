"""Province-scale data: N cases (default 1,000,000) with their parties, work items, deadlines,
asset findings and audit events, loaded with PostgreSQL's COPY into a database named on the
command line.

    python bench/generate.py NAME [--cases 1000000] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                  [--seed 1] [--replace]

NAME is created (migrated, demo court seeded) unless it exists; with --replace an existing one is
dropped first. A database that already holds cases is refused. Other benchmarks take it with
`--database NAME`.

What the data looks like (at 1,000,000 cases, receipt dates over the last five years, 2022-2026):
- type codes: 执保 ~42 %, 执 ~47 % (70 % of the preservation cases are converted into one), 执恢 ~6 %,
  执异 ~4 %; numbered per type and year in receipt order, so `case_counters` continues them;
- each case lives a timeline (query-and-control in days, investigation and mediation in weeks,
  enforcement in months, then closing and archiving), and its stage is where that timeline
  stands today: most cases are closed or archived, about 5 % are open, spread over
  RECEIVED..ENFORCING;
- the three implementation teams of the demo court take 40 / 33 / 27 % (by township), each with
  12 implementation officers (the demo court's `implN` among them; the others are added here);
- parties: one applicant and one or two respondents, people and organisations, with
  well-formed 18-character ID numbers and unified social credit codes (check characters are
  not computed);
- about 3 work items per case, almost all DONE or CANCELLED, the open backlog (tens of
  thousands) mostly held by an officer; `impl1` sees a few thousand on their worklist;
- deadlines (query-and-control, transfer-for-filing, fast-closing, measure renewal), findings
  as the query system would return them, and about 5 audit events per case.

Loading drops the secondary (non-unique) indexes of the filled tables, copies with foreign-key
triggers off (`session_replication_role = replica`, when the user may), rebuilds the indexes,
moves the id sequences and the case counters on, and VACUUMs and ANALYZEs.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from copy_rows import CopyRows, add_working_days, pick

from exec_center.domain.lifecycle import CaseStage
from exec_center.domain.work import WorkItemKind
from exec_center.integrations.asset_query import BANKS, ONLINE_PAYMENT_INSTITUTIONS

COURT = "粤5322"
TZ = ZoneInfo("Asia/Shanghai")
TABLES = ("cases", "case_stage_spells", "case_parties", "deadlines", "deadline_extensions", "work_items",
          "asset_findings", "audit_events")
CHUNK = 20_000  # cases per COPY round

# Type codes: ZHI_BAO = 执保 (the centre's preservation cases), ZHI = 执, ZHI_HUI = 执恢, ZHI_YI = 执异.
BAO, ZHI, HUI, YI = "ZHI_BAO", "ZHI", "ZHI_HUI", "ZHI_YI"
TYPE_CODE = {BAO: "执保", ZHI: "执", HUI: "执恢", YI: "执异"}
# Primary filings (converted 执 cases are spawned from their 执保 case on top of these).
PRIMARY_MIX = ((BAO, 0.596), (ZHI, 0.262), (HUI, 0.085), (YI, 0.057))
YEAR_WEIGHTS = (0.16, 0.18, 0.21, 0.23, 0.22)  # the last five years, the current one included
TEAM_SHARES = {"impl-1": 0.40, "impl-2": 0.33, "impl-3": 0.27}
OFFICERS_PER_TEAM = 12
EXTRA_CENTER_OFFICERS = 5
EXTRA_AFFAIRS_CLERKS = 2
EXTRA_JUDGES = 3

SURNAMES = "陈黄李梁罗邓何冯朱林黎周钟吴苏区张刘杨王谢叶蔡莫潘郑赖彭曾廖麦"
GIVEN = "伟强华明军芳敏丽志文建国海燕红平辉婷洁斌涛勇静玲"
TRADE = ("兴华", "宏达", "永盛", "金源", "南江", "富民", "华通", "恒泰", "鸿运", "嘉和", "粤西", "顺昌")
INDUSTRY = (
    "建材",
    "农业发展",
    "贸易",
    "物流",
    "石材",
    "食品",
    "砂石",
    "五金",
    "运输",
    "餐饮",
    "建筑工程",
    "电子",
)
ORG_FORM = ("有限公司", "有限公司", "有限公司", "商行", "店", "农民专业合作社")
STREETS = ("建设路", "人民路", "新兴路", "河堤路", "环城路", "文化路", "府前路", "解放路")
AREA_CODES = (
    "445322",
    "445322",
    "445322",
    "445302",
    "445303",
    "445321",
    "445381",
    "440106",
    "440306",
    "441202",
)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TITLE_KINDS = (
    ("JUDGMENT", 0.45),
    ("MEDIATION_STATEMENT", 0.30),
    ("RULING", 0.06),
    ("PAYMENT_ORDER", 0.04),
    ("ARBITRATION_AWARD", 0.08),
    ("NOTARISED_DEBT", 0.05),
    ("OTHER", 0.02),
)
ENFORCE_CLOSINGS = (
    ("TERMINATED_CURRENT_PROCEDURE", 0.45),
    ("FULLY_EXECUTED", 0.35),
    ("TERMINATED", 0.07),
    ("CANCELLED", 0.05),
    ("REJECTED", 0.05),
    ("NOT_ENFORCED", 0.03),
)
BAO_CLOSINGS = (("NOTHING_TO_PRESERVE", 0.55), ("PRESERVATION_COMPLETED", 0.25), ("CANCELLED", 0.20))
FINDING_KINDS = (  # category, probability a respondent has it, (min, max) items, value range in yuan
    ("BANK_DEPOSIT", 0.85, (1, 3), (1, 300_000)),
    ("ONLINE_PAYMENT", 0.40, (1, 2), (1, 20_000)),
    ("REAL_ESTATE", 0.30, (1, 2), (150_000, 1_200_000)),
    ("VEHICLE", 0.35, (1, 1), (30_000, 250_000)),
    ("SECURITIES", 0.05, (1, 1), (1_000, 200_000)),
    ("SHIP", 0.02, (1, 1), (200_000, 1_500_000)),
    ("RURAL_BANK_SHARES", 0.15, (1, 1), (1_000, 90_000)),
    ("OTHER_RIGHTS", 0.10, (1, 1), None),
)
STAGE_LABEL = {s.value: s.label for s in CaseStage}
KIND_LABEL = {k.value: k.label for k in WorkItemKind}




class Staffing:
    """Who works where: ids by role and team (the demo court's accounts plus added officers)."""

    def __init__(self) -> None:
        self.officers: dict[int, list[int]] = {}  # team id -> implementation officers
        self.team_codes: dict[str, int] = {}
        self.townships: dict[int, list[str]] = {}
        self.center: list[int] = []
        self.affairs: list[int] = []
        self.judges: list[int] = []
        self.filing: int = 0
        self.chief: int = 0
        self.adjudication_team: int = 0


async def add_staff(connection: asyncpg.Connection) -> Staffing:
    """Bring each implementation team to OFFICERS_PER_TEAM officers and the centre to a few
    officers and clerks (password `demo`, like the demo accounts)."""
    staff = {r["username"]: r["id"] for r in await connection.fetch("SELECT id, username FROM staff")}
    password_hash = await connection.fetchval("SELECT password_hash FROM staff WHERE username = 'impl1'")
    teams = await connection.fetch("SELECT id, code, townships FROM teams")
    s = Staffing()
    rng = random.Random(7)
    now = datetime.now(UTC)

    async def new(
        username: str, unit: str, role: str, team: int | None = None, phone: str | None = None
    ) -> int:
        if username in staff:
            return staff[username]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        staff_id = await connection.fetchval(
            "INSERT INTO staff (username, name, password_hash, unit, office_phone, active, created_at) "
            "VALUES ($1, $2, $3, $4, $5, true, $6) RETURNING id",
            username,
            name,
            password_hash,
            unit,
            phone,
            now,
        )
        await connection.execute("INSERT INTO staff_roles (staff_id, role) VALUES ($1, $2)", staff_id, role)
        if team is not None:
            await connection.execute(
                "INSERT INTO team_members (team_id, staff_id, is_lead) VALUES ($1, $2, false)", team, staff_id
            )
        staff[username] = staff_id
        return staff_id

    for team in teams:
        s.team_codes[team["code"]] = team["id"]
        if team["code"] in TEAM_SHARES:
            n = team["code"].split("-")[1]
            s.townships[team["id"]] = [t for t in (team["townships"] or "").split(",") if t]
            ids = [staff[f"impl{n}"]] if f"impl{n}" in staff else []
            for k in range(len(ids) + 1, OFFICERS_PER_TEAM + 1):
                ids.append(
                    await new(
                        f"impl{n}-{k:02d}",
                        "EXECUTION_BUREAU",
                        "IMPLEMENTATION_OFFICER",
                        team["id"],
                        f"0766-75123{n}{k % 10}",
                    )
                )
            s.officers[team["id"]] = ids
    s.adjudication_team = s.team_codes["adjudication"]
    s.center = [staff["center"]] + [
        await new(f"center-{k:02d}", "AFFAIRS_CENTER", "CENTER_OFFICER")
        for k in range(2, 2 + EXTRA_CENTER_OFFICERS)
    ]
    s.affairs = [staff["affairs"]] + [
        await new(f"affairs-{k:02d}", "AFFAIRS_CENTER", "AFFAIRS_CLERK")
        for k in range(2, 2 + EXTRA_AFFAIRS_CLERKS)
    ]
    s.judges = [staff["adjud"]] + [
        await new(f"adjud-{k:02d}", "EXECUTION_BUREAU", "ADJUDICATION_JUDGE", s.adjudication_team)
        for k in range(2, 2 + EXTRA_JUDGES)
    ]
    s.filing = staff["filing"]
    s.chief = staff["chief"]
    return s


# --- the plan: every case's timeline, in receipt order ---------------------------------------


class Plan:
    """A case to write: its type, receipt day and what happened when (day ordinals; None when
    it has not happened by `today`)."""

    __slots__ = (
        "claim",
        "day",
        "fast",
        "handler",
        "id",
        "number",
        "origin",
        "origin_controlled",
        "origin_fully",
        "origin_mediation",
        "parties",
        "secs",
        "seq",
        "spawn",
        "t",
        "team",
        "title",
        "title_kind",
        "township",
        "type",
        "year",
    )

    def __init__(self, type_: str, day: int, secs: int) -> None:
        self.type = type_
        self.day = day
        self.secs = secs
        self.origin: Plan | None = None
        self.spawn: Plan | None = None
        self.t: dict[str, int] = {}
        self.fast = False
        self.handler: int | None = None
        self.parties = None


def plan_cases(total: int, today: int, staffing: Staffing, rng: random.Random) -> list[Plan]:
    years = [date.fromordinal(today).year - 4 + i for i in range(5)]
    starts = [date(y, 1, 1).toordinal() for y in years]
    ends = [min(date(y, 12, 31).toordinal(), today) for y in years]
    # Weight by year, then spread evenly over the part of the year that has passed.
    year_weights = [w * (ends[i] - starts[i] + 1) / 365 for i, w in enumerate(YEAR_WEIGHTS)]
    norm = sum(year_weights)
    year_weights = [w / norm for w in year_weights]
    team_ids = [staffing.team_codes[c] for c in TEAM_SHARES]
    team_weights = list(TEAM_SHARES.values())
    plans: list[Plan] = []
    spawned = 0
    r = rng.random
    while len(plans) + spawned < total:
        u, y = r(), 0
        while y < 4 and u >= year_weights[y]:
            u -= year_weights[y]
            y += 1
        while True:
            day = starts[y] + int(r() * (ends[y] - starts[y] + 1))
            if date.fromordinal(day).weekday() < 5 or r() < 0.03:  # filings come on working days
                break
        p = Plan(pick(rng, PRIMARY_MIX), day, 1800 + int(r() * 32400))  # 08:30-17:30 Beijing time
        u, k = r(), 0
        while k < 2 and u >= team_weights[k]:
            u -= team_weights[k]
            k += 1
        p.team = team_ids[k]
        p.township = rng.choice(staffing.townships[p.team])
        t = p.t
        if p.type == BAO:
            t["querying"] = day if r() < 0.8 else day + 1
            t["analysing"] = t["querying"] + 1 + int(r() * 3)
            t["qc_due"] = add_working_days(day, 5)
            t["completed"] = t["analysing"] + int(r() * 4) + (int(r() * 6) if r() < 0.1 else 0)
            t["investigate_claimed"] = t["completed"] + int(rng.expovariate(1 / 3))
            t["investigated"] = t["completed"] + 7 + int(r() * 38)
            if r() < 0.15:
                t["tax_letter"] = t["completed"] + 3
                t["tax_letter_done"] = t["tax_letter"] + 5 + int(r() * 16)
            if r() < 0.7:  # converted into a 执 case
                end = t["investigated"]
                if r() < 0.45:
                    t["mediating"] = end
                    end = t["mediation_done"] = end + 7 + int(r() * 54)
                    p.fast = r() < 0.6  # settled: fast closing
                t["convert_item"] = end
                t["converted"] = end + 1 + int(r() * 4)
                t["archived"] = t["converted"] + 3 + int(r() * 28)
                if t["converted"] <= today:
                    z = Plan(ZHI, t["converted"], p.secs)
                    z.origin, p.spawn = p, z
                    z.team, z.township = p.team, p.township
                    z.fast = p.fast or r() < 0.25
                    _enforcement_timeline(z, rng)
                    spawned += 1
            else:
                t["closed"] = t["investigated"] + int(r() * 11)
                t["archived"] = t["closed"] + 10 + int(r() * 51)
        elif p.type in (ZHI, HUI):
            p.fast = p.type == ZHI and r() < 0.1
            _enforcement_timeline(p, rng)
        else:  # 执异: an objection for the adjudication team
            p.team = staffing.adjudication_team
            t["adjudication_claimed"] = day + int(r() * 4)
            t["closed"] = day + 15 + int(r() * 46)
            t["archived"] = t["closed"] + 10 + int(r() * 51)
        plans.append(p)
    # The spawned 执 cases join in their own receipt order.
    everything = plans + [p.spawn for p in plans if p.spawn is not None]
    everything.sort(key=lambda p: (p.day, p.secs, p.type != BAO))
    kept = everything[:total]
    for p in everything[total:]:  # the few latest beyond the total: their preservation case stays unconverted
        if p.origin is not None:
            p.origin.spawn = None
    return kept


def _enforcement_timeline(p: Plan, rng: random.Random) -> None:
    r, t, day = rng.random, p.t, p.day
    enforce_from = day
    if p.fast:
        t["fast_kind"] = 3 if p.origin is not None and "mediating" in p.origin.t else 4
        t["fast_claimed"] = day + int(r() * 2)
        t["fast_done"] = day + 2 + int(r() * 18)
        if r() < 0.8:
            t["closed"] = t["fast_done"]
        else:
            enforce_from = t["fast_done"]
    if "closed" not in t:
        t["enforcing"] = enforce_from
        # Held by the case's handler from the start when it has one; otherwise waits to be claimed.
        if p.origin is None:
            t["enforce_claimed"] = enforce_from + (int(rng.expovariate(1 / 4)) if r() < 0.94 else 10**6)
        t["closed"] = enforce_from + 20 + min(int(rng.expovariate(1 / 150)), 1500)
    t["archived"] = t["closed"] + 10 + int(r() * 81)


def number_cases(plans: list[Plan], first_id: int) -> dict[tuple[str, int], int]:
    counters: dict[tuple[str, int], int] = {}
    for i, p in enumerate(plans):
        p.id = first_id + i
        p.year = date.fromordinal(p.day).year
        key = (p.type, p.year)
        p.seq = counters[key] = counters.get(key, 0) + 1
        p.number = f"（{p.year}）{COURT}{TYPE_CODE[p.type]}{p.seq}号"
    return counters


# --- rows --------------------------------------------------------------------------------------


class Writer(CopyRows):
    """Turns planned cases into rows for the tables, with their own id counters."""

    def __init__(self, staffing: Staffing, today: int, first_ids: dict[str, int], rng: random.Random) -> None:
        super().__init__(TABLES, first_ids, rng)
        self.s = staffing
        self.today = today
        self.transitions = 0

    def happened(self, day: int | None) -> bool:
        return day is not None and day <= self.today

    # -- people --

    def person(self) -> tuple[str, str, str, str]:
        r = self.rng.random
        name = SURNAMES[int(r() * len(SURNAMES))] + "某" + (GIVEN[int(r() * len(GIVEN))] if r() < 0.5 else "")
        born = 711_000 + int(r() * 19_000)  # 1947..1999
        b = date.fromordinal(born)
        check = "0123456789X"[int(r() * 11)]
        id_number = f"{AREA_CODES[int(r() * len(AREA_CODES))]}{b.year:04d}{b.month:02d}{b.day:02d}{int(r() * 1000):03d}{check}"
        phone = f"1{'3578'[int(r() * 4)]}{int(r() * 1e9):09d}"
        return "PERSON", name, id_number, phone

    def organisation(self) -> tuple[str, str, str, str | None]:
        r = self.rng.random
        form = ORG_FORM[int(r() * len(ORG_FORM))]
        name = f"郁南县{TRADE[int(r() * len(TRADE))]}{INDUSTRY[int(r() * len(INDUSTRY))]}{form}"
        prefix = "92" if form in ("商行", "店") else "93" if form == "农民专业合作社" else "91"
        body = "".join(USCC_CHARS[int(r() * 31)] for _ in range(8))
        code = f"{prefix}{AREA_CODES[int(r() * 3)]}MA{body}"  # 2 + 6 + 2 + 8 = 18
        return "ORGANISATION", name, code, (f"0766-75{int(r() * 100000):05d}" if r() < 0.5 else None)

    def parties(self, p: Plan) -> list[tuple]:
        r = self.rng.random
        parties = []
        applicants = 1 if r() < 0.92 else 2
        respondents = 1 if r() < 0.7 else 2 if r() < 0.85 else 3
        for i in range(applicants + respondents):
            side = "APPLICANT" if i < applicants else "RESPONDENT"
            org = r() < (0.25 if side == "APPLICANT" else 0.45)
            kind, name, id_number, phone = self.organisation() if org else self.person()
            address = f"广东省郁南县{p.township}{STREETS[int(r() * len(STREETS))]}{1 + int(r() * 200)}号"
            parties.append((side, kind, name, id_number, phone, address, i))
        return parties

    # -- pieces --

    def audit(
        self, day: int, actor: int | None, action: str, object_type: str, object_id: int, summary: str
    ) -> None:
        self.rows["audit_events"].append(
            (self._id("audit_events"), self.ts(day), actor, action, object_type, object_id, summary[:500])
        )

    def stage_event(self, p: Plan, day: int, actor: int | None, action: str, before: str, after: str) -> None:
        """A change of stage, as services/cases.py `advance` records it: the history entry, the
        spell the case leaves and, for a transfer, a conversion or archiving, the day of it."""
        self.transitions += 1
        self.rows["case_stage_spells"].append(
            (self._id("case_stage_spells"), p.id, before, self.d(self.entered), self.d(day), after))
        self.entered = day
        if after in self.dated:
            self.dated[after] = self.d(day)
        self.audit(
            day, actor, action, "Case", p.id, f"{p.number}: {STAGE_LABEL[before]} → {STAGE_LABEL[after]}"
        )

    def deadline(
        self,
        p: Plan,
        kind: str,
        rule: tuple[int, str, int, int | None],
        variant: str,
        starts: int,
        due: int,
        done: int | None,
        role: str | None,
        team: int | None,
        extended: bool = False,
    ) -> tuple[int, int]:
        rule_id, day_count, count, extendable_to = rule
        deadline_id = self._id("deadlines")
        status, closed_on, next_check, level = self.deadline_state(due, done)
        self.rows["deadlines"].append(
            (
                deadline_id,
                "Case",
                p.id,
                kind,
                variant,
                rule_id,
                day_count,
                count,
                extendable_to,
                self.d(starts),
                self.d(due),
                status,
                extended,
                False,
                role,
                team,
                None,
                level,
                level == 3,
                next_check,
                closed_on,
                self.ts(starts),
            )
        )
        return deadline_id, due

    def extension_asked(
        self, p: Plan, rule: tuple[int, str, int, int | None], due: int, done: int | None
    ) -> tuple[int, str, int] | None:
        """Art. 16's extension of query-and-control (5 working days to 7, the chief deciding):
        asked for by half the cases that would finish late and a few others, the working day
        before the due day; (asked on, status, due day if approved), or None."""
        extendable_to = rule[3]
        late = done is None or done > due
        if extendable_to is None or self.rng.random() >= (0.5 if late else 0.03):
            return None
        asked = max(p.day, due - 1 if date.fromordinal(due - 1).weekday() < 5 else due - 3)
        if asked > self.today:
            return None
        if asked == self.today:
            return asked, "PENDING", due
        status = "APPROVED" if self.rng.random() < 0.85 else "REFUSED"
        return asked, status, add_working_days(p.day, extendable_to)

    def extension(self, deadline_id: int, asked_by: int, due: int, asked: int, status: str, extended: int) -> None:
        decided = status != "PENDING"
        self.rows["deadline_extensions"].append((
            self._id("deadline_extensions"), deadline_id, "查控反馈未齐，申请延长集约查控期限", status, asked_by,
            self.ts(asked), self.s.chief if decided else None, self.ts(asked, 30_000) if decided else None,
            None, self.d(due), self.d(extended) if status == "APPROVED" else None,
        ))

    def item(
        self,
        p: Plan,
        kind: str,
        role: str | None,
        team: int | None,
        created: int,
        claimed: int | None,
        assignee: int | None,
        done: int | None,
        outcome: str,
        deadline: tuple[int, int] | None = None,
        title: str | None = None,
        cancelled: bool = False,
    ) -> None:
        if not self.happened(created):
            return
        if self.happened(done):
            status = "CANCELLED" if cancelled else "DONE"
        elif self.happened(claimed):
            status = "CLAIMED"
        else:
            status, assignee = "OPEN", None
        created_at = self.ts(created)
        claimed_at = None
        if status != "OPEN" and claimed is not None and not cancelled:
            claimed_at = (
                self.ts(claimed)
                if claimed > created
                else created_at + timedelta(minutes=1 + int(self.rng.random() * 90))
            )
        if status in ("DONE", "CANCELLED"):
            completed_at = (
                self.ts(done)
                if done > (claimed or created)
                else (claimed_at or created_at) + timedelta(minutes=5 + int(self.rng.random() * 120))
            )
            completed_by = assignee if status == "DONE" else None
            result = outcome if status == "DONE" else None
            if status == "CANCELLED":
                assignee = assignee if claimed_at else None
        else:
            completed_at = completed_by = result = None
        due = deadline[1] if deadline else None
        priority = 1
        if due is not None and status in ("OPEN", "CLAIMED") and due <= self.today + 2:
            priority = 4 if due < self.today else 3
        self.rows["work_items"].append(
            (
                self._id("work_items"),
                kind,
                "Case",
                p.id,
                p.id,
                role,
                team,
                None,
                assignee,
                status,
                priority,
                self.d(due) if due is not None else None,
                deadline[0] if deadline else None,
                title or f"{p.number} {KIND_LABEL[kind]}",
                created_at,
                claimed_at,
                completed_at,
                completed_by,
                result,
                None,
                1 if status == "OPEN" else 2 if status == "CLAIMED" else 3,
            )
        )

    def findings(self, p: Plan, day: int) -> tuple[Decimal, bool]:
        """What the query-and-control found; returns the amount controlled."""
        r = self.rng.random
        controlled = 0
        has_deposit = False
        for category, chance, (low, high), values in FINDING_KINDS:
            if r() >= chance:
                continue
            for _ in range(low + int(r() * (high - low + 1))):
                if category in ("BANK_DEPOSIT", "ONLINE_PAYMENT"):
                    institution = (BANKS if category == "BANK_DEPOSIT" else ONLINE_PAYMENT_INSTITUTIONS)[
                        int(r() * (len(BANKS) if category == "BANK_DEPOSIT" else 2))
                    ]
                    description = (
                        f"活期存款账户（尾号{int(r() * 10000):04d}）"
                        if category == "BANK_DEPOSIT"
                        else "账户余额"
                    )
                    has_deposit = has_deposit or category == "BANK_DEPOSIT"
                elif category == "REAL_ESTATE":
                    institution = "郁南县不动产登记中心"
                    description = f"{p.township}{STREETS[int(r() * len(STREETS))]}{1 + int(r() * 200)}号住宅楼{1 + int(r() * 9)}0{1 + int(r() * 4)}房"
                elif category == "VEHICLE":
                    institution = "云浮市公安局交通警察支队车辆管理所"
                    description = f"粤W·{int(r() * 100000):05d} 小型轿车"
                else:
                    institution = {
                        "SECURITIES": "中国证券登记结算有限责任公司",
                        "SHIP": "云浮海事局",
                        "RURAL_BANK_SHARES": "广东郁南农村商业银行股份有限公司",
                        "OTHER_RIGHTS": "郁南县市场监督管理局",
                    }[category]
                    description = {
                        "SECURITIES": "A股证券账户持仓股票",
                        "SHIP": "内河干货船",
                        "RURAL_BANK_SHARES": "股金",
                        "OTHER_RIGHTS": "有限公司股权",
                    }[category]
                if values is None:
                    value = None
                else:
                    cents = int(
                        math.exp(math.log(values[0]) + r() * (math.log(values[1]) - math.log(values[0])))
                        * 100
                    )
                    value = Decimal(cents).scaleb(-2)
                    controlled += cents
                sealed = r() < 0.12
                self.rows["asset_findings"].append(
                    (
                        self._id("asset_findings"),
                        p.id,
                        None,
                        category,
                        institution,
                        description,
                        value,
                        "已被其他法院查封/冻结" if sealed else None,
                        not sealed,
                        category in ("REAL_ESTATE", "VEHICLE", "SHIP", "RURAL_BANK_SHARES") and not sealed,
                        False,
                        "IMPORT",
                        None,
                        self.ts(day),
                    )
                )
        return Decimal(controlled).scaleb(-2), has_deposit

    # -- a case --

    def case(self, p: Plan, rules: dict[str, tuple]) -> None:
        rng, r, s, t = self.rng, self.rng.random, self.s, p.t
        today = self.today
        self.transitions = 0
        self.entered = p.day
        self.dated: dict[str, date | None] = dict.fromkeys(("TRANSFERRED", "CONVERTED", "ARCHIVED"))
        closing = closed_on = None
        mediation = None
        controlled, fully = Decimal("0.00"), False
        archived_into = None
        completed_on = None
        if p.origin is not None:  # a converted 执 case: the preservation case's file goes on
            o = p.origin
            p.claim, p.title, p.title_kind, p.handler = o.claim, o.title, o.title_kind, o.handler
            parties = o.parties
            o.parties = None
            received_by = rng.choice(s.affairs)
        else:
            yuan = max(1_000, int(math.exp(rng.gauss(11.0, 1.2))) // 100 * 100)  # median ~60,000 yuan
            p.claim = Decimal(yuan).quantize(Decimal("0.01"))
            p.title = f"（{p.year - (1 if r() < 0.6 else 0)}）{COURT}民初{1 + int(r() * 6000)}号"
            p.title_kind = pick(rng, TITLE_KINDS)
            parties = self.parties(p)
            received_by = rng.choice(s.affairs) if p.type == BAO else s.filing
        officers = s.officers.get(p.team, [])
        if p.type == BAO:
            stage, team, handler = self._preservation(p, rules, officers)
            if self.happened(t["analysing"]):
                controlled, has_deposit = self.findings(p, t["analysing"])
                controlled = min(controlled, p.claim)
                fully = controlled >= p.claim
                if has_deposit and self.happened(t["completed"]):
                    start = t["completed"]
                    self.deadline(
                        p,
                        "MEASURE_RENEWAL",
                        rules["MEASURE_RENEWAL"],
                        "BANK_DEPOSIT",
                        start,
                        start + 365,
                        start + 365 - int(r() * 20) if start + 365 <= today else None,
                        None,
                        team,
                    )
            if self.happened(t["completed"]):
                completed_on = self.d(t["completed"])
            if self.happened(t.get("mediation_done")):
                mediation = "SETTLED" if p.fast else rng.choice(("PERFORMED", "FAILED"))
            if stage == "ARCHIVED" and p.spawn is not None:
                archived_into = p.spawn.id
            if self.happened(t.get("closed")):
                closing, closed_on = pick(rng, BAO_CLOSINGS), self.d(t["closed"])
            p.parties = parties if p.spawn is not None else None
        elif p.type in (ZHI, HUI):
            stage, team, handler = self._enforcement(p, rules, officers)
            if p.origin is not None:
                controlled, fully = min(p.origin_controlled, p.claim), p.origin_fully
                mediation = p.origin_mediation
            if self.happened(t.get("closed")):
                closing, closed_on = pick(rng, ENFORCE_CLOSINGS), self.d(t["closed"])
        else:
            stage, team, handler = self._objection(p)
            if self.happened(t.get("closed")):
                closing, closed_on = "REJECTED" if r() < 0.7 else "CANCELLED", self.d(t["closed"])
        if p.spawn is not None:
            p.spawn.origin_controlled, p.spawn.origin_fully = controlled, fully
            p.spawn.origin_mediation = mediation
        created = self.ts(p.day, p.secs)
        self.rows["cases"].append(
            (
                p.id,
                p.number,
                COURT,
                p.type,
                p.year,
                p.seq,
                stage,
                self.d(p.day),
                p.claim,
                p.title,
                p.title_kind,
                team,
                handler,
                p.origin.id if p.origin is not None else None,
                p.township,
                controlled,
                fully,
                completed_on,
                mediation,
                closing,
                closed_on,
                self.d(self.entered),
                self.dated["TRANSFERRED"],
                self.dated["CONVERTED"],
                self.dated["ARCHIVED"],
                archived_into,
                received_by,
                created,
                1 + self.transitions,
            )
        )
        for side, kind, name, id_number, phone, address, position in parties:
            self.rows["case_parties"].append(
                (self._id("case_parties"), p.id, side, kind, name,
                 "RESIDENT_ID" if kind == "PERSON" else "USCC", id_number, phone, address, position)
            )
        if p.origin is None:
            summary = (
                f"received {p.number}: {sum(1 for x in parties if x[0] == 'APPLICANT')} applicant(s), "
                f"{sum(1 for x in parties if x[0] == 'RESPONDENT')} respondent(s), claim {p.claim}"
            )
            self.audit(p.day, received_by, "RECEIVE_CASE", "Case", p.id, summary)
        else:
            self.audit(
                p.day,
                received_by,
                "FILE_CONVERTED_CASE",
                "Case",
                p.id,
                f"filed from {p.origin.number}: {STAGE_LABEL['FAST_CLOSING' if p.fast else 'ENFORCING']}",
            )

    def _preservation(
        self, p: Plan, rules: dict[str, tuple], officers: list[int]
    ) -> tuple[str, int | None, int | None]:
        rng, t, h = self.rng, p.t, self.happened
        center = rng.choice(self.s.center)
        extension = self.extension_asked(p, rules["QUERY_CONTROL"], t["qc_due"], t["completed"])
        approved = extension is not None and extension[1] == "APPROVED"
        qc = self.deadline(
            p,
            "QUERY_CONTROL",
            rules["QUERY_CONTROL"],
            "",
            p.day,
            extension[2] if approved else t["qc_due"],
            t["completed"],
            "CENTER_OFFICER",
            None,
            extended=approved,
        )
        if extension is not None:
            self.extension(qc[0], center, t["qc_due"], *extension)
        stage = "RECEIVED"
        if h(t["querying"]):
            stage = "QUERYING"
            self.stage_event(p, t["querying"], None, "DISPATCH_QUERY", "RECEIVED", "QUERYING")
        if h(t["analysing"]):
            stage = "ANALYSING"
            self.stage_event(p, t["analysing"], None, "RECORD_FINDINGS", "QUERYING", "ANALYSING")
            self.item(
                p,
                "ANALYSE_FINDINGS",
                "CENTER_OFFICER",
                None,
                t["analysing"],
                t["analysing"] + int(rng.random() * 2),
                center,
                t["completed"],
                "QUERY_CONTROL_COMPLETED",
                qc,
                title=f"{p.number} 分析查控结果并采取控制措施",
            )
        team = handler = None
        if h(t["completed"]):
            stage, team = "TRANSFERRED", p.team
            self.stage_event(p, t["completed"], None, "TRANSFER", "ANALYSING", "TRANSFERRED")
            p.handler = rng.choice(officers)
            if h(t["investigate_claimed"]):
                handler = p.handler
            self.item(
                p,
                "INVESTIGATE",
                "IMPLEMENTATION_OFFICER",
                team,
                t["completed"],
                t["investigate_claimed"],
                p.handler,
                t["investigated"],
                "INVESTIGATED",
                title=f"{p.number} 线下调查",
            )
            if "tax_letter" in t:
                self.item(
                    p,
                    "TAX_LETTER",
                    "IMPLEMENTATION_OFFICER",
                    team,
                    t["tax_letter"],
                    t["tax_letter"],
                    p.handler,
                    t["tax_letter_done"],
                    "LETTER_SERVED",
                    title=f"{p.number} 基准价函送达当事人",
                )
        if h(t.get("mediating")):
            stage = "MEDIATING"
            self.stage_event(p, t["mediating"], p.handler, "START_MEDIATION", "TRANSFERRED", "MEDIATING")
            self.item(
                p,
                "MEDIATE",
                "IMPLEMENTATION_OFFICER",
                team,
                t["mediating"],
                t["mediating"],
                p.handler,
                t["mediation_done"],
                "SETTLED" if p.fast else "FAILED",
                title=f"{p.number} 执行调解",
            )
        if "convert_item" in t and h(t["convert_item"]):
            deadline = self.deadline(
                p,
                "TRANSFER_FOR_FILING",
                rules["TRANSFER_FOR_FILING"],
                "",
                t["convert_item"],
                t["convert_item"] + 3,
                t["converted"],
                "AFFAIRS_CLERK",
                None,
            )
            clerk = rng.choice(self.s.affairs)
            self.item(
                p,
                "CONVERT",
                "AFFAIRS_CLERK",
                None,
                t["convert_item"],
                t["convert_item"],
                clerk,
                t["converted"],
                "CONVERTED",
                deadline,
                title=f"{p.number} 转执行立案",
            )
        if h(t.get("converted")):
            before, stage = stage, "CONVERTED"
            self.stage_event(p, t["converted"], None, "CONVERT", before, "CONVERTED")
            spawn = p.spawn.number if p.spawn is not None else ""
            self.item(
                p,
                "ARCHIVE",
                "CENTER_OFFICER",
                None,
                t["converted"],
                t["converted"] + 1,
                center,
                t["archived"],
                "ARCHIVED",
                title=f"{p.number} 保全材料归入{spawn}卷宗",
            )
        if h(t.get("closed")):
            before, stage = stage, "CLOSED"
            self.stage_event(p, t["closed"], p.handler, "CLOSE", before, "CLOSED")
            self.item(
                p,
                "ARCHIVE",
                "CENTER_OFFICER",
                None,
                t["closed"],
                t["closed"] + 1,
                center,
                t["archived"],
                "ARCHIVED",
                title=f"{p.number} 归档",
            )
        if h(t.get("archived")):
            before, stage = stage, "ARCHIVED"
            self.stage_event(p, t["archived"], center, "ARCHIVE", before, "ARCHIVED")
        return stage, team, handler

    def _enforcement(
        self, p: Plan, rules: dict[str, tuple], officers: list[int]
    ) -> tuple[str, int | None, int | None]:
        rng, t, h = self.rng, p.t, self.happened
        team = p.team
        handler = p.handler
        stage = "ENFORCING"
        if p.fast:
            stage = "FAST_CLOSING"
            kind = "FAST_CLOSE_SETTLED" if t["fast_kind"] == 3 else "FAST_CLOSE_FULLY_CONTROLLED"
            due = add_working_days(p.day, 3 if t["fast_kind"] == 3 else 15)
            deadline = self.deadline(
                p, kind, rules[kind], "", p.day, due, t["fast_done"], "CENTER_OFFICER", None
            )
            self.item(
                p,
                "FAST_CLOSE",
                "CENTER_OFFICER",
                None,
                p.day,
                t["fast_claimed"],
                rng.choice(self.s.center),
                t["fast_done"],
                "START_ENFORCEMENT" if "enforcing" in t else "FULLY_EXECUTED",
                deadline,
                title=f"{p.number} 快立快结",
            )
            if h(t.get("enforcing")):
                stage = "ENFORCING"
                self.stage_event(p, t["enforcing"], None, "START_ENFORCEMENT", "FAST_CLOSING", "ENFORCING")
        if "enforcing" in t and h(t["enforcing"]):
            if handler is None:  # claimed by an officer of the team, who becomes the handler
                claimed = t.get("enforce_claimed")
                chosen = rng.choice(officers)
                if h(claimed):
                    handler = chosen
                assignee = chosen
            else:
                claimed, assignee = t["enforcing"], handler
            self.item(
                p,
                "ENFORCE",
                "IMPLEMENTATION_OFFICER",
                team,
                t["enforcing"],
                claimed,
                assignee,
                t["closed"],
                "TERMINATED_CURRENT_PROCEDURE",
                title=f"{p.number} 强制执行",
            )
        if h(t["closed"]):
            before, stage = stage, "CLOSED"
            self.stage_event(p, t["closed"], handler, "CLOSE", before, "CLOSED")
            center = rng.choice(self.s.center)
            self.item(
                p,
                "ARCHIVE",
                "CENTER_OFFICER",
                None,
                t["closed"],
                t["closed"] + 1,
                center,
                t["archived"],
                "ARCHIVED",
                title=f"{p.number} 归档",
            )
            if h(t["archived"]):
                stage = "ARCHIVED"
                self.stage_event(p, t["archived"], center, "ARCHIVE", "CLOSED", "ARCHIVED")
        return stage, team, handler

    def _objection(self, p: Plan) -> tuple[str, int | None, int | None]:
        rng, t, h = self.rng, p.t, self.happened
        judge = rng.choice(self.s.judges)
        stage = "RECEIVED"
        self.item(
            p,
            "ADJUDICATION_APPLICATION",
            "ADJUDICATION_JUDGE",
            p.team,
            p.day,
            t["adjudication_claimed"],
            judge,
            t["closed"],
            "REJECTED",
            title=f"执行裁决申请：{p.number}",
        )
        if h(t["closed"]):
            stage = "CLOSED"
            self.stage_event(p, t["closed"], judge, "CLOSE", "RECEIVED", "CLOSED")
            center = rng.choice(self.s.center)
            self.item(
                p,
                "ARCHIVE",
                "CENTER_OFFICER",
                None,
                t["closed"],
                t["closed"] + 1,
                center,
                t["archived"],
                "ARCHIVED",
                title=f"{p.number} 归档",
            )
            if h(t["archived"]):
                stage = "ARCHIVED"
                self.stage_event(p, t["archived"], center, "ARCHIVE", "CLOSED", "ARCHIVED")
        return stage, p.team, judge if h(t["adjudication_claimed"]) else None


COLUMNS = {
    "cases": (
        "id",
        "number",
        "court_code",
        "case_type",
        "year",
        "sequence",
        "stage",
        "received_on",
        "claim_amount",
        "title_document_number",
        "title_kind",
        "team_id",
        "handler_id",
        "origin_case_id",
        "township",
        "controlled_total",
        "fully_controlled",
        "query_control_completed_on",
        "mediation_outcome",
        "closing_method",
        "closed_on",
        "stage_entered_on",
        "transferred_on",
        "converted_on",
        "archived_on",
        "archived_into_id",
        "received_by",
        "created_at",
        "version",
    ),
    "case_stage_spells": ("id", "case_id", "stage", "entered_on", "left_on", "next_stage"),
    "case_parties": (
        "id", "case_id", "side", "kind", "name", "id_type", "id_number", "phone", "address", "position"
    ),
    "deadlines": (
        "id",
        "owner_type",
        "owner_id",
        "kind",
        "variant",
        "rule_id",
        "day_count",
        "count",
        "extendable_to",
        "starts_on",
        "due_on",
        "status",
        "extended",
        "provisional",
        "responsible_role",
        "team_id",
        "holder_id",
        "escalation_level",
        "flagged",
        "next_check_at",
        "closed_on",
        "created_at",
    ),
    "deadline_extensions": (
        "id", "deadline_id", "reason", "status", "requested_by", "requested_at", "decided_by", "decided_at",
        "decision_note", "from_due_on", "to_due_on",
    ),
    "work_items": (
        "id",
        "kind",
        "owner_type",
        "owner_id",
        "case_id",
        "candidate_role",
        "team_id",
        "window_id",
        "assignee_id",
        "status",
        "priority",
        "due_on",
        "deadline_id",
        "title",
        "created_at",
        "claimed_at",
        "completed_at",
        "completed_by",
        "outcome",
        "note",
        "version",
    ),
    "asset_findings": (
        "id",
        "case_id",
        "query_id",
        "category",
        "institution",
        "description",
        "value",
        "encumbrances",
        "first_seal",
        "disposable",
        "respondent_holds_mortgage",
        "source",
        "created_by",
        "created_at",
    ),
    "audit_events": ("id", "at", "actor_id", "action", "object_type", "object_id", "summary"),
}


# --- loading ------------------------------------------------------------------------------------


async def _secondary_indexes(connection: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the filled tables' indexes that back no constraint."""
    rows = await connection.fetch(
        """SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relname = ANY($1::text[]) AND NOT x.indisprimary AND NOT x.indisunique
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""",
        list(TABLES),
    )
    return [(r["name"], r["definition"]) for r in rows]


async def fill(dsn: str, total: int, *, seed: int = 1, quiet: bool = False) -> dict[str, int]:
    """Generate `total` cases into the (migrated, demo-seeded, case-less) database at `dsn`."""
    say = (lambda *_: None) if quiet else (lambda m: print(m, flush=True))
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        if await connection.fetchval("SELECT count(*) FROM cases"):
            raise SystemExit("the database already holds cases; generate into a fresh one")
        staffing = await add_staff(connection)
        rules = {
            r["kind"] + (":" + r["variant"] if r["variant"] else ""): (
                r["id"],
                r["day_count"],
                r["count"],
                r["extendable_to"],
            )
            for r in await connection.fetch(
                "SELECT DISTINCT ON (kind, variant) id, kind, variant, day_count, count, extendable_to "
                "FROM deadline_rules ORDER BY kind, variant, effective_from DESC"
            )
        }
        rules["MEASURE_RENEWAL"] = rules["MEASURE_RENEWAL:BANK_DEPOSIT"]
        first_ids = {
            t: 1 + await connection.fetchval(f"SELECT coalesce(max(id), 0) FROM {t}") for t in TABLES
        }
        today = datetime.now(TZ).date().toordinal()
        rng = random.Random(seed)
        plans = plan_cases(total, today, staffing, rng)
        counters = number_cases(plans, first_ids["cases"])
        say(f"  planned {len(plans):,} cases in {time.perf_counter() - started:.1f} s")

        superuser = await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        indexes = await _secondary_indexes(connection)
        for name, _ in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        if superuser:  # no per-row foreign-key triggers during the load (the generator is consistent)
            await connection.execute("SET session_replication_role = replica")
        await connection.execute("SET synchronous_commit = off")

        writer = Writer(staffing, today, first_ids, rng)
        loaded = time.perf_counter()
        pending: asyncio.Task | None = None
        copy_connection = await asyncpg.connect(dsn)
        if superuser:
            await copy_connection.execute("SET session_replication_role = replica")
        await copy_connection.execute("SET synchronous_commit = off")

        async def copy(rows: dict[str, list[tuple]]) -> None:
            async with copy_connection.transaction():
                for table in TABLES:
                    if rows[table]:
                        await copy_connection.copy_records_to_table(
                            table, records=rows[table], columns=COLUMNS[table]
                        )

        loop = asyncio.get_running_loop()
        for start in range(0, len(plans), CHUNK):
            chunk = plans[start : start + CHUNK]

            def build(chunk: list[Plan] = chunk) -> dict[str, list[tuple]]:
                for p in chunk:
                    writer.case(p, rules)
                return writer.take()

            # Build the next chunk in a thread while the previous one is copied.
            rows = await loop.run_in_executor(None, build)
            if pending is not None:
                await pending
            pending = asyncio.create_task(copy(rows))
            done = start + len(chunk)
            if not quiet and (done // CHUNK) % 10 == 0:
                rate = done / (time.perf_counter() - loaded)
                say(f"  {done:>10,} cases  ({rate:,.0f} cases/s)")
        if pending is not None:
            await pending
        await copy_connection.close()
        say(
            f"  copied {sum(writer.counts.values()):,} rows in {time.perf_counter() - loaded:.0f} s: "
            + ", ".join(f"{t} {n:,}" for t, n in writer.counts.items())
        )

        if superuser:
            await connection.execute("SET session_replication_role = DEFAULT")
        indexed = time.perf_counter()
        await connection.execute("SET maintenance_work_mem = '1GB'")
        # Two connections build the indexes side by side (2 cores).
        other = await asyncpg.connect(dsn)
        await other.execute("SET maintenance_work_mem = '1GB'")

        async def build_indexes(conn: asyncpg.Connection, defs: list[str]) -> None:
            for definition in defs:
                await conn.execute(definition)

        defs = [d for _, d in indexes]
        await asyncio.gather(build_indexes(connection, defs[0::2]), build_indexes(other, defs[1::2]))
        await other.close()
        say(f"  rebuilt {len(indexes)} indexes in {time.perf_counter() - indexed:.0f} s")

        for table in TABLES:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        await connection.executemany(
            "INSERT INTO case_counters (court_code, case_type, year, last_sequence) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (court_code, case_type, year) DO UPDATE SET last_sequence = "
            "greatest(case_counters.last_sequence, EXCLUDED.last_sequence)",
            [(COURT, t, y, n) for (t, y), n in sorted(counters.items())],
        )
        # The windows' activity and the supervision orders (bench/generate_activity.py); vacuumed below.
        from generate_activity import add_activity

        await add_activity(connection, seed=seed, say=say, vacuum=False)
        analysed = time.perf_counter()
        # VACUUM too, as autovacuum would soon after a real load: it sets the visibility map, so
        # the worklist's count is an index-only scan (a fresh COPY would fetch every heap row).
        await connection.execute("VACUUM (ANALYZE)")
        say(
            f"  vacuumed and analysed in {time.perf_counter() - analysed:.0f} s; "
            f"total {time.perf_counter() - started:.0f} s"
        )
        return writer.counts
    finally:
        await connection.close()


async def summary(dsn: str) -> None:
    """What was generated, in the terms the benchmarks care about."""
    c = await asyncpg.connect(dsn)
    try:
        impl1 = await c.fetchval("SELECT id FROM staff WHERE username = 'impl1'")
        team1 = await c.fetchval("SELECT id FROM teams WHERE code = 'impl-1'")
        print(
            "  by type:  "
            + ", ".join(
                f"{r[0]} {r[1]:,}"
                for r in await c.fetch("SELECT case_type, count(*) FROM cases GROUP BY 1 ORDER BY 2 DESC")
            )
        )
        print(
            "  by year:  "
            + ", ".join(
                f"{r[0]} {r[1]:,}"
                for r in await c.fetch("SELECT year, count(*) FROM cases GROUP BY 1 ORDER BY 1")
            )
        )
        print(
            "  by stage: "
            + ", ".join(
                f"{r[0]} {r[1]:,}"
                for r in await c.fetch("SELECT stage, count(*) FROM cases GROUP BY 1 ORDER BY 2 DESC")
            )
        )
        print(
            "  by team:  "
            + ", ".join(
                f"{r[0] or '-'} {r[1]:,}"
                for r in await c.fetch(
                    "SELECT t.code, count(*) FROM cases c LEFT JOIN teams t ON t.id = c.team_id GROUP BY 1 ORDER BY 1"
                )
            )
        )
        print(
            "  items:    "
            + ", ".join(
                f"{r[0]} {r[1]:,}"
                for r in await c.fetch("SELECT status, count(*) FROM work_items GROUP BY 1 ORDER BY 2 DESC")
            )
        )
        visible = await c.fetchval(
            """SELECT count(*) FROM work_items w WHERE w.status IN ('OPEN', 'CLAIMED') AND (w.assignee_id = $1 OR
               (w.status = 'OPEN' AND ((w.candidate_role = 'IMPLEMENTATION_OFFICER' AND (w.team_id IS NULL OR
               w.team_id = $2) AND w.window_id IS NULL) OR (w.candidate_role IS NULL AND w.team_id = $2))))""",
            impl1,
            team1,
        )
        print(f"  impl1's worklist: {visible:,} items")
    finally:
        await c.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name", help="database to create and fill")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "EXEC_CENTER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--replace", action="store_true", help="drop the database first if it exists")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from common import db_url, migrate, plain, settings_for

    from exec_center.config import normalise_database_url
    from exec_center.context import AppContext
    from exec_center.services.demo import seed_demo_court

    admin = await asyncpg.connect(plain(normalise_database_url(args.admin_url, name="--admin-url")))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", args.name)
        if exists and args.replace:
            await admin.execute(f'DROP DATABASE "{args.name}" WITH (FORCE)')
        if not exists or args.replace:
            await admin.execute(f'CREATE DATABASE "{args.name}"')
    finally:
        await admin.close()
    url = db_url(args.admin_url, args.name)
    started = time.perf_counter()
    print(f"generating {args.cases:,} cases into {args.name}")
    await migrate(url)
    ctx = AppContext.create(settings_for(url))
    try:
        await seed_demo_court(ctx)
    finally:
        await ctx.close()
    await fill(plain(url), args.cases, seed=args.seed)
    await summary(plain(url))
    print(
        f"summary: {args.cases:,} cases generated into {args.name} in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
