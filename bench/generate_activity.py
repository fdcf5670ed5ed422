"""The windows' activity and the command centre's supervision orders for a database filled by
`generate.py`, so that the indicators VISITS, DISCLOSURES, PETITIONS, ONLINE_REPLY_ON_TIME,
SUPERVISION_ORDERS_ISSUED and SUPERVISION_REPLY_ON_TIME have rows to count at scale.

    python bench/generate_activity.py NAME [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
                                           [--seed 1] [--replace]

NAME is a database made by `generate.py NAME`. One that already holds activity (any row in visits,
disclosure_attempts, petitions, online_messages or supervision_orders) is refused; with --replace
every row of those tables is deleted first, with the deadlines and work items they own (rows made
through the API on that database go too). generate.py may call `add_activity` at the end of its load.

What the data looks like, proportional to the cases present (each case's life runs from its
receipt to its closing or conversion, else today; everything dated on or before today):
- visits, about 1.7 per case: a filing visit at the execution filing window on the receipt day for
  ~30 % of the cases filed directly; 0-4 visits during the case (mean 1.35: case status 36 %,
  judge contact 20 %, materials 16 %, voluntary performance 7 %, other 6 %, petition 3 %) at
  the window whose channel takes the purpose (domain/windows.py PURPOSES_BY_CHANNEL); a request to
  resume execution after ~10 % of the terminated-procedure closings; plus ~0.15 per case without
  a case (filing consultations, other business). Working days, office hours; resolved on the spot
  except some of the last ten days';
- disclosure attempts: one per case-status, judge-contact or resume-execution visit at the
  consultation window, ~88 % verified at once; the others fail once or twice (same visitor key),
  then ~70 % of them pass;
- petitions: one per petition visit (~4 % of the cases) plus ~0.5 % by letter (no window); all but
  the last month's answered;
- online messages, ~0.6 per case (~0.47 on a case, 0.15 without one), 60 % on 12368 and 40 % in the
  Smart Execution app, any hour 07:00-23:00 Beijing time, each with its ONLINE_REPLY deadline
  (rule in force, 2 working days, weekends skipped as generate.py does): ~85 % replied by the due
  day (MET), the rest 1-6 working days late (MISSED), those not yet replied by today OPEN;
- supervision orders, one per 100 cases (~2,000 a year at 1,000,000 cases; at least 40 a year, so
  that a small database has a reply rate to show): 70 % on a case
  (issued during its life), 15 % on a team, 15 % on an overdue deadline; issued by the command
  centre (75 %) or the bureau chief; reply within the rule's 5 working days (or 3 or 10); ~80 %
  answered on time, ~15 % late, ~5 % never; each with its SUPERVISION_REPLY deadline and its
  REPLY_TO_SUPERVISION work item, as services/supervision.py writes them.
No audit events, notifications or work items of the windows and messages are written.

Ids continue from each table's max(id); the sequences are moved on after. Deterministic for a seed
on a given day (dates are relative to today, as generate.py's are).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from copy_rows import CopyRows, add_working_days, pick

TZ = ZoneInfo("Asia/Shanghai")
ACTIVITY = ("visits", "disclosure_attempts", "petitions", "online_messages", "supervision_orders")
TABLES = (*ACTIVITY, "deadlines", "work_items")
CHUNK = 50_000  # cases per COPY round

SURNAMES = "陈黄李梁罗邓何冯朱林黎周钟吴苏区张刘杨王谢叶蔡莫潘郑赖彭曾廖麦"
PURPOSE_LABEL = {
    "VOLUNTARY_PERFORMANCE": "主动履行",
    "CASE_STATUS_QUERY": "查询案件进展",
    "JUDGE_CONTACT": "联系承办法官",
    "RESUME_EXECUTION": "申请恢复执行",
    "PETITION": "执行信访",
    "FILING": "申请执行立案",
    "MATERIALS": "递交材料",
    "OTHER": "其他事务",
}
# Visits during a case: how many, and what for.
VISIT_COUNTS = ((0, 0.25), (1, 0.35), (2, 0.25), (3, 0.10), (4, 0.05))
CASE_PURPOSES = (
    ("CASE_STATUS_QUERY", 0.37),
    ("JUDGE_CONTACT", 0.21),
    ("MATERIALS", 0.16),
    ("VOLUNTARY_PERFORMANCE", 0.07),
    ("OTHER", 0.06),
    ("PETITION", 0.03),
    ("CASE_STATUS_QUERY", 0.10),  # the rest: status queries again
)
CASELESS_PURPOSES = (("FILING", 0.45), ("OTHER", 0.35), ("MATERIALS", 0.20))
FILING_VISIT = 0.30  # a case filed directly (not converted) was filed at the window
CASELESS_VISITS = 0.15  # per case
RESUME_VISIT = 0.10  # of the cases closed by terminating the current procedure
DISCLOSED = frozenset({"CASE_STATUS_QUERY", "JUDGE_CONTACT", "RESUME_EXECUTION"})
LETTER_PETITIONS = 0.005  # per case, no window
MESSAGE_COUNTS = ((0, 0.65), (1, 0.25), (2, 0.08), (3, 0.02))
CASELESS_MESSAGES = 0.15  # per case
CASE_CLASSES = (("CASE_SPECIFIC", 0.70), ("SUBSTANTIVE", 0.15), ("PROCEDURAL", 0.10), ("LEGAL_QUESTION", 0.05))
OTHER_CLASSES = (("PROCEDURAL", 0.55), ("LEGAL_QUESTION", 0.35), ("SUBSTANTIVE", 0.10))
WINDOW_ANSWERS = frozenset({"PROCEDURAL", "LEGAL_QUESTION"})
# Working days after receipt the reply goes out (2 is the due day: met).
REPLY_DELAYS = ((0, 0.35), (1, 0.35), (2, 0.15), (3, 0.07), (4, 0.04), (5, 0.02), (6, 0.01), (8, 0.01))
ORDERS_PER_CASE = 0.01
MIN_ORDERS_PER_YEAR = 40  # a small database still has a reply rate to show
ORDER_TARGETS = (("CASE", 0.70), ("TEAM", 0.15), ("DEADLINE", 0.15))
ORDER_ON_TIME, ORDER_LATE = 0.80, 0.15  # the rest never answered
SUPERVISION_PRIORITY = 5  # domain/work.py

COLUMNS = {
    "visits": (
        "id", "window_id", "case_id", "visitor_name", "visitor_id_number", "visitor_phone", "purpose",
        "request", "outcome", "resolved", "visited_on", "received_by", "created_at", "resolved_at",
    ),
    "disclosure_attempts": ("id", "window_id", "case_number", "purpose", "verified", "staff_id", "at",
                            "visitor_key"),
    "petitions": ("id", "window_id", "case_id", "petitioner_name", "content", "status", "answer", "created_by",
                  "created_at"),
    "online_messages": (
        "id", "channel", "external_id", "window_id", "case_id", "sender_name", "sender_phone", "content",
        "received_at", "suggested_class", "message_class", "status", "reply_content", "reply_settled_by",
        "sent_by", "sent_at", "delivery_attempts", "delivered_at", "delivery_error", "deadline_id", "created_at",
    ),
    "supervision_orders": (
        "id", "target", "case_id", "team_id", "responsible_role", "assignee_id", "deadline_id", "instructions",
        "issued_by", "issuer_role", "issued_at", "issued_on", "reply_working_days", "reply_deadline_id",
        "work_item_id", "status", "reply", "replied_by", "replied_at", "replied_on", "on_time",
    ),
    "deadlines": (
        "id", "owner_type", "owner_id", "kind", "variant", "rule_id", "day_count", "count", "extendable_to",
        "starts_on", "due_on", "status", "extended", "provisional", "responsible_role", "team_id", "holder_id",
        "escalation_level", "flagged", "next_check_at", "closed_on", "created_at",
    ),
    "work_items": (
        "id", "kind", "owner_type", "owner_id", "case_id", "candidate_role", "team_id", "window_id",
        "assignee_id", "status", "priority", "due_on", "deadline_id", "title", "created_at", "claimed_at",
        "completed_at", "completed_by", "outcome", "note", "version",
    ),
}




def weekday(d: int) -> int:
    return (d - 1) % 7  # as date.fromordinal(d).weekday()


def working_day(d: int, today: int) -> int:
    """`d`, or the next Monday after a weekend (the Friday before when that is past today)."""
    w = weekday(d)
    if w < 5:
        return d
    later = d + 7 - w
    return later if later <= today else d - (w - 4)


class Context:
    """What the database holds that the rows point at."""

    def __init__(self) -> None:
        self.windows: dict[str, int] = {}  # channel -> window id
        self.clerks: dict[str, list[int]] = {}  # channel -> staff who serve it
        self.team_staff: dict[int, list[int]] = {}
        self.role_staff: dict[str, list[int]] = {}
        self.implementation_teams: list[int] = []
        self.rules: dict[str, tuple[int, str, int, int | None]] = {}


async def _context(connection: asyncpg.Connection) -> Context:
    c = Context()
    for r in await connection.fetch("SELECT id, channel FROM windows ORDER BY id"):
        c.windows.setdefault(r["channel"], r["id"])
    roles = await connection.fetch(
        "SELECT r.role, r.staff_id FROM staff_roles r JOIN staff s ON s.id = r.staff_id WHERE s.active "
        "ORDER BY r.role, r.staff_id"
    )
    for r in roles:
        c.role_staff.setdefault(r["role"], []).append(r["staff_id"])
    clerk_of = {"AFFAIRS_HANDLING": "AFFAIRS_CLERK", "CONSULTATION_DISCLOSURE": "CONSULTATION_CLERK",
                "EXECUTION_FILING": "FILING_CLERK", "ONLINE_12368": "CONSULTATION_CLERK",
                "SMART_EXECUTION_APP": "CONSULTATION_CLERK"}
    posted = await connection.fetch(
        "SELECT w.channel, ws.staff_id FROM window_staff ws JOIN windows w ON w.id = ws.window_id "
        "ORDER BY w.channel, ws.staff_id"
    )
    for channel, role in clerk_of.items():
        ids = [r["staff_id"] for r in posted if r["channel"] == channel]
        ids += [s for s in c.role_staff.get(role, []) if s not in ids]
        c.clerks[channel] = ids
    for r in await connection.fetch(
        "SELECT team_id, staff_id FROM team_members ORDER BY team_id, staff_id"
    ):
        c.team_staff.setdefault(r["team_id"], []).append(r["staff_id"])
    c.implementation_teams = [
        r["id"] for r in await connection.fetch(
            "SELECT DISTINCT t.id FROM teams t JOIN team_members m ON m.team_id = t.id "
            "JOIN staff_roles r ON r.staff_id = m.staff_id WHERE r.role = 'IMPLEMENTATION_OFFICER' ORDER BY t.id"
        )
    ]
    for r in await connection.fetch(
        "SELECT DISTINCT ON (kind) kind, id, day_count, count, extendable_to FROM deadline_rules "
        "WHERE variant = '' ORDER BY kind, effective_from DESC"
    ):
        c.rules[r["kind"]] = (r["id"], r["day_count"], r["count"], r["extendable_to"])
    missing = [k for k in ("ONLINE_REPLY", "SUPERVISION_REPLY") if k not in c.rules]
    missing += [ch for ch in ("CONSULTATION_DISCLOSURE", "ONLINE_12368") if ch not in c.windows]
    missing += [r for r in ("CONSULTATION_CLERK", "CENTER_OFFICER", "COMMAND_CENTER") if r not in c.role_staff]
    if missing:
        raise SystemExit(f"the database lacks {', '.join(missing)}: seed the demo court first (generate.py)")
    return c


class Writer(CopyRows):
    """Rows for the tables, from cases in id order, with their own id counters."""

    def __init__(self, c: Context, today: int, first_ids: dict[str, int], seed: int, first_day: int) -> None:
        super().__init__(TABLES, first_ids, random.Random(seed))
        self.c = c
        self.today = today
        self.first_day = first_day
        self.consult = c.windows["CONSULTATION_DISCLOSURE"]
        # Purpose -> ((window id, channel), weight): the windows that take it (PURPOSES_BY_CHANNEL).
        w = c.windows
        self.where: dict[str, tuple] = {}
        for purpose, options in {
            "FILING": (("EXECUTION_FILING", 0.8), ("AFFAIRS_HANDLING", 0.2)),
            "MATERIALS": (("AFFAIRS_HANDLING", 0.7), ("EXECUTION_FILING", 0.3)),
            "OTHER": (("CONSULTATION_DISCLOSURE", 0.5), ("AFFAIRS_HANDLING", 0.4), ("EXECUTION_FILING", 0.1)),
        }.items():
            kept = tuple((ch, p) for ch, p in options if ch in w)
            total = sum(p for _, p in kept)
            self.where[purpose] = tuple((ch, p / total) for ch, p in kept)
        self.message_channels = tuple(
            (ch, p) for ch, p in (("ONLINE_12368", 0.6), ("SMART_EXECUTION_APP", 0.4)) if ch in w
        )
        total = sum(p for _, p in self.message_channels)
        self.message_channels = tuple((ch, p / total) for ch, p in self.message_channels)


    def name(self) -> str:
        return SURNAMES[int(self.rng.random() * len(SURNAMES))] + "某"

    def deadline(
        self, owner_type: str, owner_id: int, kind: str, count: int, starts: int, due: int, done: int | None,
        role: str | None, team: int | None, holder: int | None, created: datetime,
    ) -> int:
        rule_id, day_count, _, extendable_to = self.c.rules[kind]
        deadline_id = self._id("deadlines")
        status, closed_on, next_check, level = self.deadline_state(due, done)
        self.rows["deadlines"].append((
            deadline_id, owner_type, owner_id, kind, "", rule_id, day_count, count, extendable_to,
            self.d(starts), self.d(due), status, False, False, role, team, holder, level, level == 3,
            next_check, closed_on, created,
        ))
        return deadline_id

    # -- the windows --

    def visit(self, case, day: int, purpose: str, channel: str | None = None) -> None:  # type: ignore[no-untyped-def]
        r = self.rng.random
        if channel is None:
            channel = pick(self.rng, self.where[purpose]) if purpose in self.where else "CONSULTATION_DISCLOSURE"
        window = self.c.windows[channel]
        clerks = self.c.clerks[channel]
        clerk = clerks[int(r() * len(clerks))] if clerks else None
        at = self.ts(day)
        resolved = day < self.today - 10 or r() < 0.6
        visitor = self.name()
        self.rows["visits"].append((
            self._id("visits"), window, case["id"] if case else None, visitor, None, None, purpose,
            PURPOSE_LABEL[purpose] + (f"（{case['number']}）" if case else ""),
            "已当场办理" if resolved else None, resolved, self.d(day), clerk, at,
            at + timedelta(minutes=5 + int(r() * 60)) if resolved else None,
        ))
        if case is not None and purpose in DISCLOSED and channel == "CONSULTATION_DISCLOSURE" and clerk:
            key = f"{self.rng.getrandbits(128):032x}"
            attempt = at - timedelta(minutes=3)
            passed = r() < 0.88
            if not passed:
                for _ in range(1 + (r() < 0.3)):
                    self.rows["disclosure_attempts"].append(
                        (self._id("disclosure_attempts"), window, case["number"], purpose, False, clerk, attempt,
                         key))
                    attempt += timedelta(seconds=40 + int(r() * 120))
                passed = r() < 0.7
            if passed:
                self.rows["disclosure_attempts"].append(
                    (self._id("disclosure_attempts"), window, case["number"], purpose, True, clerk, attempt, key))
        if purpose == "PETITION":
            self.petition(case, day, window, clerk, visitor, at)

    def petition(self, case, day: int, window: int | None, clerk: int | None, who: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
        answered = day < self.today - 30 or self.rng.random() < 0.3
        self.rows["petitions"].append((
            self._id("petitions"), window, case["id"] if case else None, who,
            "反映执行案件久拖未结，请求加快执行" + (f"（{case['number']}）" if case else ""),
            "ANSWERED" if answered else "OPEN", "已书面答复信访人" if answered else None, clerk, at,
        ))

    def message(self, case, day: int) -> None:  # type: ignore[no-untyped-def]
        rng, r, c = self.rng, self.rng.random, self.c
        channel = pick(rng, self.message_channels)
        message_id = self._id("online_messages")
        received = self.ts(day, -3600 + int(r() * 57600))  # 07:00-23:00 Beijing time
        klass = pick(rng, CASE_CLASSES if case else OTHER_CLASSES)
        suggested = klass if r() < 0.9 else "PROCEDURAL"
        delay = pick(rng, REPLY_DELAYS)
        starts = day
        due = add_working_days(starts, c.rules["ONLINE_REPLY"][2])
        sent = add_working_days(day, delay) if delay else working_day(day, 10**9)
        clerks = c.clerks[channel]
        clerk = clerks[int(r() * len(clerks))] if clerks else None
        if sent <= self.today:
            status = "DELIVERED"
            if klass in WINDOW_ANSWERS:
                settled = clerk
            elif case and case["handler_id"]:
                settled = case["handler_id"]
            else:
                center = c.role_staff["CENTER_OFFICER"]
                settled = center[int(r() * len(center))]
            sent_at = self.ts(sent)
            if sent_at < received:  # replied the evening it came (received by 23:00)
                sent_at = received + timedelta(minutes=5 + int(r() * 50))
            reply, delivered = "您好，您的留言已收悉，答复如下：……", sent_at + timedelta(seconds=1 + int(r() * 60))
            attempts, done = 1, sent
        else:
            status = "NEW" if r() < 0.4 else ("DRAFTING" if r() < 0.6 else "READY")
            settled = sent_at = delivered = reply = done = None
            attempts = 0
            if status == "READY":
                settled, reply = clerk, "您好，您的留言已收悉，答复如下：……"
        deadline_id = self.deadline("OnlineMessage", message_id, "ONLINE_REPLY", c.rules["ONLINE_REPLY"][2], starts,
                                    due, done, "CONSULTATION_CLERK", None, None, received)
        content = (f"请问{case['number']}的执行进度如何？" if case and klass == "CASE_SPECIFIC"
                   else "请问申请执行需要带哪些材料？" if klass == "PROCEDURAL"
                   else "请问被执行人被限高后还能否乘坐高铁？" if klass == "LEGAL_QUESTION"
                   else "对执行中的评估拍卖结果有异议，如何处理？")
        self.rows["online_messages"].append((
            message_id, channel, f"gen-{message_id}", c.windows[channel], case["id"] if case else None,
            self.name(), None, content, received, suggested, None if status == "NEW" else klass, status, reply,
            settled, clerk if sent_at else None, sent_at, attempts, delivered, None, deadline_id, received,
        ))

    def case(self, case) -> None:  # type: ignore[no-untyped-def]
        rng, r, today = self.rng, self.rng.random, self.today
        start = case["received"]
        end = min(case["end"] or today, today)
        span = max(0, end - start)
        if case["origin_case_id"] is None and r() < FILING_VISIT:
            self.visit(case, working_day(start, today), "FILING", "EXECUTION_FILING"
                       if "EXECUTION_FILING" in self.c.windows else None)
        for _ in range(pick(rng, VISIT_COUNTS)):
            day = working_day(start + int(r() * (span + 1)), today)
            self.visit(case, day, pick(rng, CASE_PURPOSES))
        if case["closing_method"] == "TERMINATED_CURRENT_PROCEDURE" and case["end"] and r() < RESUME_VISIT:
            day = case["end"] + 30 + int(r() * 700)
            if day <= today:
                self.visit(case, working_day(day, today), "RESUME_EXECUTION")
        if r() < CASELESS_VISITS:  # someone else's business that day, on no case
            day = working_day(self.first_day + int(r() * (today - self.first_day + 1)), today)
            self.visit(None, day, pick(rng, CASELESS_PURPOSES))
        if r() < LETTER_PETITIONS:
            day = working_day(start + int(r() * (span + 1)), today)
            clerks = self.c.clerks["CONSULTATION_DISCLOSURE"]
            self.petition(case, day, None, clerks[0] if clerks else None, self.name(), self.ts(day))
        for _ in range(pick(rng, MESSAGE_COUNTS)):
            self.message(case, start + int(r() * (span + 1)))
        if r() < CASELESS_MESSAGES:
            self.message(None, self.first_day + int(r() * (today - self.first_day + 1)))

    # -- supervision --

    def orders(self, cases: list, overdue: list) -> None:  # type: ignore[no-untyped-def]
        rng, r, c, today = self.rng, self.rng.random, self.c, self.today
        years = (today - self.first_day + 1) / 365.25
        total = max(round(len(cases) * ORDERS_PER_CASE), round(MIN_ORDERS_PER_YEAR * years))
        issuers = [(s, "COMMAND_CENTER") for s in c.role_staff["COMMAND_CENTER"]]
        chiefs = [(s, "BUREAU_CHIEF") for s in c.role_staff.get("BUREAU_CHIEF", [])]
        default_days = c.rules["SUPERVISION_REPLY"][2]
        made = 0
        while made < total:
            target = pick(rng, ORDER_TARGETS)
            case = deadline_id = team = role = assignee = None
            if target == "CASE":
                case = cases[int(r() * len(cases))]
                lo, hi = case["received"] + 10, min(case["end"] or today, today)
                if hi < lo:
                    continue
                issued = working_day(lo + int(r() * (hi - lo + 1)), today)
                team = case["team_id"]
                role = None if team is not None else "CENTER_OFFICER"
                what = f"案件{case['number']}"
                instructions = "请于期限内报告案件执行进展，说明未结原因及下一步措施"
            elif target == "TEAM":
                if not c.implementation_teams:
                    continue
                team = c.implementation_teams[int(r() * len(c.implementation_teams))]
                issued = working_day(self.first_day + int(r() * (today - self.first_day + 1)), today)
                what = "执行实施团队"
                instructions = "请清理本团队超期未结案件，报告清理计划"
            else:
                if not overdue:
                    continue
                d = overdue[int(r() * len(overdue))]
                last = min(d["closed"] - 1 if d["closed"] else today, d["due"] + 10, today)
                if last <= d["due"]:
                    continue
                issued = d["due"] + 1 + int(r() * (last - d["due"]))
                deadline_id, team, role = d["id"], d["team_id"], d["responsible_role"]
                assignee = d["holder_id"] if team is None and role is None else None
                what = f"超期期限（{self.d(d['due'])}届满）"
                instructions = "该期限已超期，请立即办理并报告超期原因"
            made += 1
            among = chiefs if chiefs and r() >= 0.75 else issuers
            issuer, issuer_role = among[int(r() * len(among))]
            days = default_days if r() < 0.7 else (3 if r() < 0.5 else 10)
            due = add_working_days(issued, days)
            u = r()
            if u < ORDER_ON_TIME:
                replied = add_working_days(issued, int(r() * (days + 1)))
            elif u < ORDER_ON_TIME + ORDER_LATE:
                replied = add_working_days(due, 1 + int(r() * 8))
            else:
                replied = None
            if replied is not None and replied > today:
                replied = None
            order_id, item_id = self._id("supervision_orders"), self._id("work_items")
            issued_at = self.ts(issued)
            if assignee is not None:
                answerers = [assignee]
            elif team is not None:
                answerers = c.team_staff.get(team) or c.role_staff["CENTER_OFFICER"]
            else:
                answerers = c.role_staff.get(role or "CENTER_OFFICER") or c.role_staff["CENTER_OFFICER"]
            replier = answerers[int(r() * len(answerers))]
            reply_deadline = self.deadline("SupervisionOrder", order_id, "SUPERVISION_REPLY", days, issued, due,
                                           replied, role, team, assignee, issued_at)
            replied_at = None
            if replied is not None:
                replied_at = self.ts(replied)
                if replied_at <= issued_at:
                    replied_at = issued_at + timedelta(minutes=30 + int(r() * 120))
            self.rows["supervision_orders"].append((
                order_id, target, case["id"] if case else None, team, role, assignee, deadline_id, instructions,
                issuer, issuer_role, issued_at, self.d(issued), days, reply_deadline, item_id,
                "ANSWERED" if replied is not None else "OPEN",
                "已按督办要求落实，情况报告如下：……" if replied is not None else None,
                replier if replied is not None else None, replied_at,
                self.d(replied) if replied is not None else None,
                (replied <= due) if replied is not None else None,
            ))
            if replied is not None:
                status, holder = "DONE", replier
            elif assignee is not None or r() < 0.5:
                status, holder = "CLAIMED", assignee or replier
            else:
                status, holder = "OPEN", None
            claimed_at = issued_at + timedelta(minutes=10 + int(r() * 240)) if holder is not None else None
            if replied_at is not None and claimed_at is not None and claimed_at > replied_at:
                claimed_at = replied_at
            self.rows["work_items"].append((
                item_id, "REPLY_TO_SUPERVISION", "SupervisionOrder", order_id, case["id"] if case else None,
                role, team, None, holder, status, SUPERVISION_PRIORITY, self.d(due), reply_deadline,
                f"督办：{what}（{self.d(due)}前答复）"[:300], issued_at, claimed_at, replied_at,
                replier if status == "DONE" else None, "ANSWERED" if status == "DONE" else None, None, 1,
            ))


async def _secondary_indexes(connection: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the activity tables' indexes that back no constraint."""
    rows = await connection.fetch(
        """SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relname = ANY($1::text[]) AND NOT x.indisprimary AND NOT x.indisunique
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
           ORDER BY i.relname""",
        list(ACTIVITY),
    )
    return [(r["name"], r["definition"]) for r in rows]


async def has_activity(connection: asyncpg.Connection) -> bool:
    return any([await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {t})") for t in ACTIVITY])


async def delete_activity(connection: asyncpg.Connection) -> None:
    """Every row of the activity tables, with the deadlines and work items they own. Referencing
    rows go first: a deleted deadline is checked against online_messages.deadline_id, which has no
    index (one scan per row)."""
    owners = "('SupervisionOrder', 'OnlineMessage')"
    superuser = await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    async with connection.transaction():
        if superuser:  # the order below keeps every reference valid; no per-row checks
            await connection.execute("SET LOCAL session_replication_role = replica")
        await connection.execute("UPDATE first_contacts SET visit_id = NULL WHERE visit_id IS NOT NULL")
        await connection.execute("DELETE FROM supervision_orders")
        await connection.execute(
            "DELETE FROM work_items WHERE owner_type IN ('SupervisionOrder', 'OnlineMessage', 'Visit', 'Petition')"
        )
        for table in ("online_messages", "petitions", "disclosure_attempts", "visits"):
            await connection.execute(f"DELETE FROM {table}")
        await connection.execute(
            f"UPDATE work_items SET deadline_id = NULL WHERE deadline_id IN "
            f"(SELECT id FROM deadlines WHERE owner_type IN {owners})"
        )
        await connection.execute(
            f"DELETE FROM deadline_extensions WHERE deadline_id IN (SELECT id FROM deadlines WHERE owner_type IN {owners})"
        )
        await connection.execute(f"DELETE FROM deadlines WHERE owner_type IN {owners}")


async def add_activity(
    connection: asyncpg.Connection, *, seed: int, say=print, vacuum: bool = True  # type: ignore[no-untyped-def]
) -> dict[str, int]:
    """COPY the windows' activity and the supervision orders for the cases present (see the
    module's docstring); the rows written per table. `vacuum`: VACUUM ANALYZE the tables touched
    (generate.py, which vacuums everything after, passes False)."""
    started = time.perf_counter()
    if await has_activity(connection):
        raise SystemExit("the database already holds window activity or supervision orders (use --replace)")
    c = await _context(connection)
    today = datetime.now(TZ).date().toordinal()
    first_ids = {t: 1 + await connection.fetchval(f"SELECT coalesce(max(id), 0) FROM {t}") for t in TABLES}
    records = await connection.fetch(
        "SELECT id, number, received_on, coalesce(closed_on, converted_on) AS end_on, team_id, handler_id, "
        "origin_case_id, closing_method FROM cases ORDER BY id"
    )
    if not records:
        raise SystemExit("the database holds no cases: generate them first (generate.py)")
    cases = [
        {"id": r["id"], "number": r["number"], "received": r["received_on"].toordinal(),
         "end": r["end_on"].toordinal() if r["end_on"] else None, "team_id": r["team_id"],
         "handler_id": r["handler_id"], "origin_case_id": r["origin_case_id"],
         "closing_method": r["closing_method"]}
        for r in records
    ]
    del records
    overdue = [
        {"id": r["id"], "due": r["due_on"].toordinal(), "closed": r["closed_on"].toordinal() if r["closed_on"]
         else None, "team_id": r["team_id"], "responsible_role": r["responsible_role"], "holder_id": r["holder_id"]}
        for r in await connection.fetch(
            "SELECT id, due_on, closed_on, team_id, responsible_role, holder_id FROM deadlines "
            "WHERE owner_type = 'Case' AND ((status = 'MISSED' AND closed_on >= due_on + 2) "
            "OR (status = 'OPEN' AND due_on < $1)) ORDER BY id",
            date.fromordinal(today - 1),
        )
    ]
    first_day = min(case["received"] for case in cases)
    writer = Writer(c, today, first_ids, seed, first_day)
    say(f"  read {len(cases):,} cases and {len(overdue):,} overdue deadlines in "
        f"{time.perf_counter() - started:.1f} s")

    superuser = await connection.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    indexes = await _secondary_indexes(connection)
    for name, _ in indexes:
        await connection.execute(f'DROP INDEX "{name}"')
    if superuser:  # no per-row foreign-key triggers (the rows point at what was read above)
        await connection.execute("SET session_replication_role = replica")
    await connection.execute("SET synchronous_commit = off")
    loaded = time.perf_counter()
    loop = asyncio.get_running_loop()
    try:
        async with connection.transaction():

            async def copy(rows: dict[str, list[tuple]]) -> None:
                for table in TABLES:
                    if rows[table]:
                        await connection.copy_records_to_table(table, records=rows[table], columns=COLUMNS[table])

            pending: asyncio.Task | None = None
            for start in range(0, len(cases), CHUNK):
                chunk = cases[start : start + CHUNK]

                def build(chunk: list = chunk) -> dict[str, list[tuple]]:
                    for case in chunk:
                        writer.case(case)
                    return writer.take()

                # Build the next chunk in a thread while the previous one is copied.
                rows = await loop.run_in_executor(None, build)
                if pending is not None:
                    await pending
                pending = asyncio.create_task(copy(rows))
            if pending is not None:
                await pending
            writer.orders(cases, overdue)
            await copy(writer.take())
    finally:
        if superuser:
            await connection.execute("SET session_replication_role = DEFAULT")
        for _, definition in indexes:
            await connection.execute(definition)
    say(f"  copied {sum(writer.counts.values()):,} rows in {time.perf_counter() - loaded:.1f} s: "
        + ", ".join(f"{t} {n:,}" for t, n in writer.counts.items()))
    for table in TABLES:
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    if vacuum:
        vacuumed = time.perf_counter()
        await connection.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")
        say(f"  vacuumed and analysed in {time.perf_counter() - vacuumed:.1f} s")
    say(f"  activity added in {time.perf_counter() - started:.1f} s")
    return dict(writer.counts)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="a database made by generate.py")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("EXEC_CENTER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--replace", action="store_true",
                        help="delete the activity and supervision orders the database holds first")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from common import db_url, plain

    started = time.perf_counter()
    connection = await asyncpg.connect(plain(db_url(args.admin_url, args.name)))
    try:
        if await has_activity(connection):
            if not args.replace:
                raise SystemExit(f"{args.name} already holds window activity or supervision orders; "
                                 "--replace deletes them first")
            await delete_activity(connection)
            print(f"  deleted the existing activity in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"adding window activity and supervision orders to {args.name}", flush=True)
        counts = await add_activity(connection, seed=args.seed, say=lambda m: print(m, flush=True))
    finally:
        await connection.close()
    print(f"summary: {sum(counts.values()):,} rows added to {args.name} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
