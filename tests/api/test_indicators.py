"""The command centre's indicators (issue 15): every figure against a count made in Python over
the rows the test inserted, the cases behind a figure, who may read them, and a fixed number of
statements per indicator whatever the data."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exec_center.api.ids import from_global_id, to_global_id
from exec_center.db.models import (
    Case,
    CaseStageSpell,
    Deadline,
    DeadlineExtension,
    DeadlineRuleRow,
    DisclosureAttempt,
    OnlineMessage,
    Petition,
    Staff,
    Team,
    Visit,
    Window,
    WorkItem,
)
from exec_center.db.models_supervision import SupervisionOrder
from exec_center.domain.access import Viewer
from exec_center.domain.deadlines import DayCount, DeadlineKind, DeadlineStatus
from exec_center.domain.indicators import (
    DEFINITIONS,
    Breakdown,
    CasesPart,
    Granularity,
    Indicator,
    Measure,
    Period,
    bucket_of,
)
from exec_center.domain.lifecycle import CaseStage, ClosingMethod
from exec_center.domain.organisation import Role
from exec_center.domain.windows import VisitPurpose
from exec_center.domain.work import WorkItemKind, WorkItemStatus
from exec_center.services import indicators as service

from .test_worklist import StatementCounter

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 4, 1)
NOW = datetime(2025, 4, 1, 10, tzinfo=TZ)
PERIOD = (date(2025, 1, 1), date(2025, 3, 31))
TOWNSHIPS = ("都城镇", "平台镇", "连滩镇", None)
FAR = date(9999, 12, 31)


@dataclass
class Rows:
    """What the test inserted, as plain values: the independent side of every comparison."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    petitions: list[dict[str, Any]] = field(default_factory=list)
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    # Each stage a case left: case_id, stage, left_on (court date), days in it.
    stage_changes: list[dict[str, Any]] = field(default_factory=list)


def _day(rng: random.Random, start: date, span: int) -> date:
    return start + timedelta(days=rng.randrange(span))


def _instant(rng: random.Random, day: date) -> datetime:
    """A UTC instant on or around `day`, often close to Beijing's midnight (16:00 UTC)."""
    hour = rng.choice((0, 3, 8, 15, 16, 17, 23))
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=UTC)


async def _insert(ctx, n: int, seed: int = 15) -> Rows:
    rng = random.Random(seed)
    rows = Rows()
    async with ctx.sessionmaker() as session:
        teams = list((await session.scalars(sa.select(Team.id).order_by(Team.id))).all())[:3]
        officers = list((await session.scalars(sa.select(Staff.id).order_by(Staff.id))).all())[:5]
        windows = list((await session.scalars(sa.select(Window.id).order_by(Window.id))).all())[:3]
        rules = {}
        for kind in DeadlineKind:
            rules[kind] = await session.scalar(sa.select(DeadlineRuleRow.id).where(DeadlineRuleRow.kind == kind))
            if rules[kind] is None:
                rule = DeadlineRuleRow(kind=kind, variant="", day_count=DayCount.WORKING_DAYS, count=5,
                                       effective_from=date(2020, 1, 1), source="test")
                session.add(rule)
                await session.flush()
                rules[kind] = rule.id
        first_seq = (await session.scalar(sa.select(sa.func.max(Case.sequence)))) or 0
        created = NOW.astimezone(UTC)
        for i in range(n):
            received = _day(rng, date(2024, 12, 20), 110)
            stage = rng.choice(list(CaseStage))
            closed_on = received + timedelta(days=rng.randrange(40)) if stage in (
                CaseStage.CLOSED, CaseStage.ARCHIVED) else None
            qc = received + timedelta(days=rng.randrange(1, 9)) if rng.random() < 0.7 else None
            claim = Decimal(rng.randrange(1000, 90000))
            c = dict(
                number=f"（2099）粤5322执{first_seq + i + 1}号", court_code="粤5322",
                case_type=rng.choice(("ZHI_BAO", "ZHI", "ZHI_HUI")), year=2099, sequence=first_seq + i + 1,
                stage=stage, received_on=received, claim_amount=claim,
                title_document_number=f"（2024）粤5322民初{9000 + i}号", title_kind="JUDGMENT",
                team_id=rng.choice([*teams, None]), handler_id=rng.choice([*officers, None]),
                township=rng.choice(TOWNSHIPS),
                controlled_total=Decimal(rng.randrange(0, int(claim))),
                query_control_completed_on=qc, closed_on=closed_on,
                closing_method=rng.choice(list(ClosingMethod)[:5]) if closed_on else None,
                created_at=created,
            )
            case = Case(**c)
            session.add(case)
            await session.flush()
            c["id"] = case.id
            rows.cases.append(c)
            for step in ("transferred_on", "converted_on", "archived_on"):
                c[step] = _day(rng, received, 20) if rng.random() < 0.3 else None
                setattr(case, step, c[step])
            for kind in (DeadlineKind.QUERY_CONTROL, DeadlineKind.TRANSFER_FOR_FILING,
                         DeadlineKind.FAST_CLOSE_SETTLED, DeadlineKind.FAST_CLOSE_FULLY_CONTROLLED):
                if kind is not DeadlineKind.QUERY_CONTROL and rng.random() < 0.5:
                    continue
                status = rng.choice(list(DeadlineStatus))
                due = _day(rng, received, 30)
                d = dict(owner_type="Case", owner_id=case.id, kind=kind, variant="", rule_id=rules[kind],
                         day_count=DayCount.WORKING_DAYS, count=5, starts_on=received, due_on=due,
                         status=status, extended=rng.random() < 0.3, provisional=False,
                         team_id=rng.choice([*teams, None]), holder_id=rng.choice([*officers, None]),
                         escalation_level=rng.randrange(4), flagged=False,
                         closed_on=_day(rng, received, 30) if status is not DeadlineStatus.OPEN else None,
                         created_at=created)
                deadline = Deadline(**d)
                session.add(deadline)
                await session.flush()
                d["id"] = deadline.id
                rows.deadlines.append(d)
                if kind is DeadlineKind.QUERY_CONTROL and rng.random() < 0.4:
                    x = dict(deadline_id=deadline.id, reason="test", status=rng.choice(
                        ("PENDING", "APPROVED", "REFUSED")), requested_by=rng.choice(officers),
                        requested_at=_instant(rng, _day(rng, received, 10)), from_due_on=due)
                    session.add(DeadlineExtension(**x))
                    rows.extensions.append(x)
                if rng.random() < 0.8:
                    w = dict(kind=rng.choice((WorkItemKind.INVESTIGATE, WorkItemKind.ANALYSE_FINDINGS,
                                              WorkItemKind.FAST_CLOSE)), owner_type="Case", owner_id=case.id, case_id=case.id,
                             status=rng.choice(list(WorkItemStatus)),
                             due_on=rng.choice([_day(rng, date(2025, 3, 1), 60), None]),
                             deadline_id=rng.choice([deadline.id, None]),
                             team_id=rng.choice([*teams, None]), window_id=rng.choice([*windows, None]),
                             assignee_id=rng.choice([*officers, None]), priority=1, title="test",
                             created_at=created)
                    session.add(WorkItem(**w))
                    w["escalation_level"] = d["escalation_level"] if w["deadline_id"] else 0
                    rows.items.append(w)
            if rng.random() < 0.4:
                v = dict(window_id=rng.choice(windows), case_id=rng.choice([case.id, None]), visitor_name="陈某",
                         purpose=rng.choice(list(VisitPurpose)), request="test",
                         visited_on=_day(rng, received, 20), created_at=created)
                session.add(Visit(**v))
                rows.visits.append(v)
            if rng.random() < 0.3:
                p = dict(window_id=rng.choice([*windows, None]), case_id=rng.choice([case.id, None]),
                         petitioner_name="陈某", content="test", status="OPEN",
                         created_at=_instant(rng, _day(rng, received, 20)))
                session.add(Petition(**p))
                rows.petitions.append(p)
            if rng.random() < 0.4:
                x = dict(window_id=rng.choice(windows), case_number=rng.choice([c["number"], "（2099）粤5322执0号"]),
                         purpose="CASE_STATUS", verified=rng.random() < 0.7, staff_id=rng.choice(officers),
                         at=_instant(rng, _day(rng, received, 20)))
                session.add(DisclosureAttempt(**x))
                rows.disclosures.append({**x, "case_id": case.id if x["case_number"] == c["number"] else None})
            if rng.random() < 0.3:
                m = dict(channel="ONLINE_12368", external_id=f"t-{seed}-{i}", window_id=rng.choice(windows),
                         case_id=rng.choice([case.id, None]), sender_name="陈某", content="test",
                         received_at=created, suggested_class="PROCEDURAL", status="DELIVERED",
                         created_at=created)
                message = OnlineMessage(**m)
                session.add(message)
                await session.flush()
                m["id"] = message.id
                status = rng.choice(list(DeadlineStatus))
                d = dict(owner_type="OnlineMessage", owner_id=message.id, kind=DeadlineKind.ONLINE_REPLY,
                         variant="", rule_id=rules[DeadlineKind.ONLINE_REPLY], day_count=DayCount.WORKING_DAYS,
                         count=5, starts_on=received, due_on=received, status=status, extended=False,
                         provisional=False, escalation_level=0, flagged=False,
                         closed_on=_day(rng, received, 30) if status is not DeadlineStatus.OPEN else None,
                         created_at=created)
                session.add(Deadline(**d))
                rows.deadlines.append({**d, "message": m})
        await _insert_stages_and_orders(session, rows, random.Random(seed + 1000), teams, officers,
                                        rules[DeadlineKind.SUPERVISION_REPLY])
        await session.commit()
    return rows


async def _insert_stages_and_orders(session, rows: Rows, rng: random.Random, teams: list[int],
                                    officers: list[int], reply_rule: int) -> None:
    """Stages the cases left, as services/cases.py `advance` records them, and supervision orders
    with their reply deadlines; the spells and the orders' facts kept as plain values."""
    path = (CaseStage.RECEIVED, CaseStage.QUERYING, CaseStage.ANALYSING, CaseStage.TRANSFERRED,
            CaseStage.MEDIATING, CaseStage.CLOSED, CaseStage.ARCHIVED)
    for c in rows.cases:
        if rng.random() < 0.4:
            continue
        entered = c["received_on"]
        for stage, after in pairwise(path[:rng.randrange(2, len(path) + 1)]):
            left = entered + timedelta(days=rng.randrange(0, 20))
            session.add(CaseStageSpell(case_id=c["id"], stage=stage, next_stage=after, entered_on=entered,
                                       left_on=left))
            rows.stage_changes.append(dict(case_id=c["id"], stage=stage.value, left_on=left,
                                           days=(left - entered).days))
            entered = left
    for _ in range(len(rows.cases) // 2):
        issued = _day(rng, date(2024, 12, 20), 110)
        due = issued + timedelta(days=rng.randrange(1, 12))
        answered = rng.random() < 0.6
        replied = issued + timedelta(days=rng.randrange(0, 15)) if answered else None
        team = rng.choice([*teams, None])
        case_id = rng.choice([rng.choice(rows.cases)["id"], None])
        d = dict(owner_type="SupervisionOrder", owner_id=0, kind=DeadlineKind.SUPERVISION_REPLY, variant="",
                 rule_id=reply_rule, day_count=DayCount.WORKING_DAYS, count=5, starts_on=issued, due_on=due,
                 status=(DeadlineStatus.MET if replied <= due else DeadlineStatus.MISSED) if answered
                 else DeadlineStatus.OPEN, extended=False, provisional=False, team_id=team,
                 escalation_level=0, flagged=False, closed_on=replied, created_at=NOW.astimezone(UTC))
        deadline = Deadline(**d)
        session.add(deadline)
        await session.flush()
        o = dict(target="CASE" if case_id else "TEAM", case_id=case_id, team_id=team, instructions="test",
                 issued_by=rng.choice(officers), issuer_role=Role.COMMAND_CENTER,
                 issued_at=_instant(rng, issued), issued_on=issued, reply_working_days=5,
                 reply_deadline_id=deadline.id, status="ANSWERED" if answered else "OPEN",
                 replied_on=replied, on_time=(replied <= due) if answered else None)
        order = SupervisionOrder(**o)
        session.add(order)
        await session.flush()
        deadline.owner_id = order.id
        rows.deadlines.append({**d, "id": deadline.id, "owner_id": order.id})
        rows.orders.append({**o, "due_on": due})


# --- the independent count -----------------------------------------------------------------------


def _court_day(at: datetime) -> date:
    return at.astimezone(TZ).date()


def _facts(rows: Rows, indicator: Indicator) -> list[tuple[date | None, dict[Breakdown, Any], Any, Any, int | None]]:
    """(day, keys, numerator, denominator, case id) per row the indicator counts, from the rows."""
    cases = {c["id"]: c for c in rows.cases}

    def case_keys(c: dict[str, Any]) -> dict[Breakdown, Any]:
        return {Breakdown.TEAM: c["team_id"], Breakdown.OFFICER: c["handler_id"],
                Breakdown.CASE_TYPE: c["case_type"], Breakdown.TOWNSHIP: c["township"],
                Breakdown.STAGE: c["stage"].value,
                Breakdown.CLOSING_METHOD: c["closing_method"].value if c["closing_method"] else None}

    facts = []
    if indicator is Indicator.CASES_RECEIVED:
        facts = [(c["received_on"], case_keys(c), 1, None, c["id"]) for c in rows.cases]
    elif indicator in (Indicator.CASES_CLOSED, Indicator.CLOSING_METHOD_SHARE):
        facts = [(c["closed_on"], case_keys(c), 1, None, c["id"]) for c in rows.cases if c["closed_on"]]
    elif indicator is Indicator.CONTROLLED_RATIO:
        facts = [(c["query_control_completed_on"], case_keys(c), c["controlled_total"], c["claim_amount"], c["id"])
                 for c in rows.cases if c["query_control_completed_on"]]
    elif indicator in service.TRANSITIONS:
        step = service.TRANSITIONS[indicator].key
        facts = [(c[step], case_keys(c), 1, None, c["id"]) for c in rows.cases if c[step]]
    elif indicator in service.DEADLINE_KINDS:
        for d in rows.deadlines:
            if d["kind"] not in service.DEADLINE_KINDS[indicator] or d["status"] not in (
                    DeadlineStatus.MET, DeadlineStatus.MISSED):
                continue
            met = d["status"] is DeadlineStatus.MET
            if indicator is Indicator.QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION:
                met = met and not d["extended"]
            if "message" in d:
                keys, case_id = {Breakdown.WINDOW: d["message"]["window_id"]}, d["message"]["case_id"]
            else:
                keys = {**case_keys(cases[d["owner_id"]]), Breakdown.OFFICER: d["holder_id"]}
                case_id = d["owner_id"]
            facts.append((d["closed_on"], keys, int(met), 1, case_id))
    elif indicator is Indicator.QUERY_CONTROL_EXTENSIONS:
        by_id = {d["id"]: d for d in rows.deadlines if "id" in d}
        for x in rows.extensions:
            d = by_id[x["deadline_id"]]
            keys = {**case_keys(cases[d["owner_id"]]), Breakdown.OFFICER: x["requested_by"]}
            facts.append((_court_day(x["requested_at"]), keys, int(x["status"] == "APPROVED"), 1, d["owner_id"]))
    elif indicator is Indicator.OPEN_CASES:
        facts = [(None, case_keys(c), 1, None, c["id"]) for c in rows.cases
                 if c["stage"] not in (CaseStage.CLOSED, CaseStage.ARCHIVED, CaseStage.CONVERTED)]
    elif indicator is Indicator.OVERDUE_DEADLINES:
        facts = [(None, {Breakdown.ESCALATION_LEVEL: d["escalation_level"], Breakdown.TEAM: d.get("team_id"),
                         Breakdown.OFFICER: d.get("holder_id"), Breakdown.DEADLINE_KIND: d["kind"].value}, 1, None,
                  d["owner_id"] if d["owner_type"] == "Case" else None)
                 for d in rows.deadlines if d["status"] is DeadlineStatus.OPEN and d["due_on"] < TODAY]
    elif indicator is Indicator.OVERDUE_WORK_ITEMS:
        facts = [(None, {Breakdown.ESCALATION_LEVEL: w["escalation_level"], Breakdown.TEAM: w["team_id"],
                         Breakdown.OFFICER: w["assignee_id"], Breakdown.WINDOW: w["window_id"],
                         Breakdown.WORK_ITEM_KIND: w["kind"].value}, 1, None,
                  w["case_id"])
                 for w in rows.items if w["status"] in (WorkItemStatus.OPEN, WorkItemStatus.CLAIMED)
                 and (w["due_on"] or FAR) < TODAY]
    elif indicator in (Indicator.QUERY_CONTROL_DAYS, Indicator.CASE_DAYS):
        end = "query_control_completed_on" if indicator is Indicator.QUERY_CONTROL_DAYS else "closed_on"
        facts = [(c[end], case_keys(c), 1, None, c["id"]) for c in rows.cases if c[end]]
    elif indicator is Indicator.SUPERVISION_ORDERS_ISSUED:
        facts = [(o["issued_on"], {Breakdown.TEAM: o["team_id"]}, 1, None, o["case_id"]) for o in rows.orders]
    elif indicator is Indicator.SUPERVISION_REPLY_ON_TIME:
        facts = [(o["due_on"], {Breakdown.TEAM: o["team_id"]}, int(o["on_time"] is True), 1, o["case_id"])
                 for o in rows.orders if o["status"] == "ANSWERED" or o["due_on"] < TODAY]
    elif indicator is Indicator.STAGE_DAYS:
        facts = [(x["left_on"], {Breakdown.STAGE: x["stage"]}, 1, None, x["case_id"]) for x in rows.stage_changes]
    elif indicator is Indicator.VISITS:
        facts = [(v["visited_on"], {Breakdown.WINDOW: v["window_id"], Breakdown.VISIT_PURPOSE: v["purpose"].value},
                  1, None, v["case_id"]) for v in rows.visits]
    elif indicator is Indicator.PETITIONS:
        facts = [(_court_day(p["created_at"]), {Breakdown.WINDOW: p["window_id"]}, 1, None, p["case_id"])
                 for p in rows.petitions]
    elif indicator is Indicator.DISCLOSURES:
        facts = [(_court_day(x["at"]), {Breakdown.WINDOW: x["window_id"]}, 1, None, x["case_id"])
                 for x in rows.disclosures if x["verified"]]
    return facts


def _expected(rows: Rows, indicator: Indicator, period: Period, by: Breakdown,
              within: dict[Breakdown, Any] | None = None) -> dict[tuple, tuple]:
    """{(bucket, key): (numerator, denominator)} of the rows whose keys are `within`'s."""
    definition = DEFINITIONS[indicator]
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0])
    for day, keys, numerator, denominator, _case in _facts(rows, indicator):
        if not definition.snapshot and not period.start <= day <= period.end:
            continue
        if any(keys[b] != value for b, value in (within or {}).items()):
            continue
        bucket = None if definition.snapshot else bucket_of(day, period.granularity)
        key = keys[by] if by is not Breakdown.NONE else None
        cells[(bucket, key)][0] += numerator
        cells[(bucket, key)][1] += denominator or 0
    if indicator is Indicator.CLOSING_METHOD_SHARE:
        totals: dict[Any, int] = defaultdict(int)
        for (bucket, _key), (n, _d) in cells.items():
            totals[bucket] += n
        return {k: (n, totals[k[0]]) for k, (n, _d) in cells.items()}
    return {k: (n, d if definition.denominator else None) for k, (n, d) in cells.items()}


def _durations(rows: Rows, indicator: Indicator, period: Period, by: Breakdown) -> dict[tuple, tuple]:
    """{(bucket, key): (median, p90)}: percentile_disc over the days each case took."""
    end = "query_control_completed_on" if indicator is Indicator.QUERY_CONTROL_DAYS else "closed_on"
    days: dict[tuple, list[int]] = defaultdict(list)
    cases = {c["id"]: c for c in rows.cases}
    if indicator is Indicator.STAGE_DAYS:
        for x in rows.stage_changes:
            if period.start <= x["left_on"] <= period.end:
                days[(bucket_of(x["left_on"], period.granularity), x["stage"])].append(x["days"])
    for day, keys, _n, _d, case_id in _facts(rows, indicator) if indicator is not Indicator.STAGE_DAYS else ():
        if period.start <= day <= period.end:
            key = keys[by] if by is not Breakdown.NONE else None
            days[(bucket_of(day, period.granularity), key)].append(
                (cases[case_id][end] - cases[case_id]["received_on"]).days)

    def pick(values: list[int], share: float) -> int:
        ordered = sorted(values)
        return ordered[max(0, -(-int(share * 10) * len(ordered) // 10) - 1)]

    return {cell: (pick(v, 0.5), pick(v, 0.9)) for cell, v in days.items()}


def _behind(rows: Rows, indicator: Indicator, period: Period, by: Breakdown, bucket: date | None,
            key: Any, part: CasesPart = CasesPart.ALL, within: dict[Breakdown, Any] | None = None) -> set[int]:
    found = set()
    for day, keys, n, _d, case_id in _facts(rows, indicator):
        if case_id is None or any(keys[b] != value for b, value in (within or {}).items()):
            continue
        if part is not CasesPart.ALL and bool(n) != (part is CasesPart.COUNTED):
            continue
        if not DEFINITIONS[indicator].snapshot:
            lo, hi = period.bucket_range(bucket) if bucket else (period.start, period.end)
            if not lo <= day <= hi:
                continue
        if by is not Breakdown.NONE and keys[by] != key:
            continue
        found.add(case_id)
    return found


def _reader() -> Viewer:
    return Viewer(staff_id=1, username="command", name="周海涛", roles=frozenset({Role.COMMAND_CENTER}))


def _same(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return actual == expected
    return abs(Decimal(str(actual)) - Decimal(str(expected))) < Decimal("0.005")


# --- tests ---------------------------------------------------------------------------------------


@pytest.fixture
async def rows(ctx, clock) -> Rows:
    clock.set(NOW)
    return await _insert(ctx, 70)


async def test_every_figure_is_the_count_of_the_rows(ctx, rows) -> None:
    dialect = ctx.engine.dialect.name
    checked = 0
    for indicator, definition in DEFINITIONS.items():
        for granularity in Granularity:
            period = Period.of(*PERIOD, granularity)
            for by in (Breakdown.NONE, *definition.breakdowns):
                async with ctx.sessionmaker() as session:
                    result = await service.compute(session, indicator, period, by, today=TODAY, tz=TZ,
                                                   dialect=dialect)
                actual = {(c.bucket, c.key): (c.numerator, c.denominator) for c in result.cells}
                expected = _expected(rows, indicator, period, result.by)
                assert set(actual) == set(expected), (indicator, granularity, by)
                for cell, (n, d) in expected.items():
                    assert _same(actual[cell][0], n) and _same(actual[cell][1], d), (indicator, by, cell)
                if definition.measure is Measure.DURATION:
                    durations = _durations(rows, indicator, period, result.by)
                    assert {(c.bucket, c.key): (c.median_days, c.p90_days) for c in result.cells} == durations
                    assert all(c.value == c.median_days for c in result.cells)
                    checked += len(expected)
                    continue
                for c in result.cells:
                    want = None if c.denominator is not None and not c.denominator else (
                        float(c.numerator) / float(c.denominator) if c.denominator is not None
                        else float(c.numerator))
                    assert c.value == pytest.approx(want) if want is not None else c.value is None
                checked += len(expected)
            if definition.snapshot:
                break  # a snapshot has no buckets
    assert checked > 500  # the data gives every indicator something to count


async def test_open_cases_carry_their_age(ctx, rows) -> None:
    async with ctx.sessionmaker() as session:
        result = await service.compute(session, Indicator.OPEN_CASES, Period.of(*PERIOD, Granularity.MONTH),
                                       Breakdown.STAGE, today=TODAY, tz=TZ, dialect=ctx.engine.dialect.name)
    for cell in result.cells:
        ages = [(TODAY - c["received_on"]).days for c in rows.cases if c["stage"].value == cell.key]
        assert cell.age_days_max == max(ages)
        assert cell.age_days_average == pytest.approx(sum(ages) / len(ages), abs=0.06)
        assert cell.key_label == CaseStage(cell.key).label


async def test_the_cases_behind_each_figure_are_those_counted(ctx, rows) -> None:
    dialect = ctx.engine.dialect.name
    for indicator, definition in DEFINITIONS.items():
        period = Period.of(*PERIOD, Granularity.MONTH)
        for by in (Breakdown.NONE, *definition.breakdowns):
            async with ctx.sessionmaker() as session:
                result = await service.compute(session, indicator, period, by, today=TODAY, tz=TZ,
                                               dialect=dialect)
                for cell in result.cells[:3]:
                    query = service.cases_behind_query(indicator, period, result.by, bucket=cell.bucket,
                                                       key=cell.key, today=TODAY, tz=TZ, dialect=dialect,
                                                       viewer=_reader())
                    found = set((await session.scalars(query.with_only_columns(Case.id))).all())
                    assert found == _behind(rows, indicator, period, result.by, cell.bucket, cell.key), (
                        indicator, by, cell)
                    for part in (CasesPart.COUNTED, CasesPart.NOT_COUNTED) if indicator in RATES else ():
                        # A rate's cases that met it, and those that missed it (e.g. the 5 working days).
                        query = service.cases_behind_query(
                            indicator, period, result.by, bucket=cell.bucket, key=cell.key, today=TODAY, tz=TZ,
                            dialect=dialect, viewer=_reader(), part=part)
                        found = set((await session.scalars(query.with_only_columns(Case.id))).all())
                        assert found == _behind(rows, indicator, period, result.by, cell.bucket, cell.key,
                                                part), (indicator, by, cell, part)


# The rates whose drill-down lists either side of their numerator.
RATES = {*service.DEADLINE_KINDS, Indicator.QUERY_CONTROL_EXTENSIONS, Indicator.SUPERVISION_REPLY_ON_TIME}


async def test_a_count_has_no_side_to_list_and_says_so(api, rows) -> None:
    body = await api.gql(
        """{ indicatorCases(name: CASES_CLOSED, from: "2025-01-01", to: "2025-03-31", part: NOT_COUNTED) {
             totalCount } }""", as_="command", expect_errors=True)
    error = body["errors"][0]
    assert error["extensions"]["userErrorCode"] == "NOT_ALLOWED" and "ALL" in error["extensions"]["messageEn"]
    assert "不是比率" in error["message"], error


QUERY = """query($name: IndicatorName!, $from: Date!, $to: Date!, $g: IndicatorGranularity, $by: IndicatorBreakdown) {
  indicator(name: $name, from: $from, to: $to, granularity: $g, by: $by) {
    name nameLabel definition asOf
    cells { bucket key keyLabel value numerator denominator medianDays p90Days
            cases(first: 100) { totalCount edges { node { id number } } } } } }"""


async def test_a_figure_drills_down_to_its_cases_through_the_api(api, ctx, rows) -> None:
    variables = {"name": "CASES_CLOSED", "from": "2025-01-01", "to": "2025-03-31", "g": "MONTH", "by": "TEAM"}
    data = (await api.gql(QUERY, variables, as_="command"))["indicator"]
    assert data["nameLabel"] == "结案数" and "closed_on" in data["definition"] and data["asOf"] == "2025-04-01"
    period = Period.of(*PERIOD, Granularity.MONTH)
    teams = {to_global_id("Team", c["team_id"]): c["team_id"] for c in rows.cases if c["team_id"]}
    for cell in data["cells"]:
        key = teams[cell["key"]] if cell["key"] else None
        bucket = date.fromisoformat(cell["bucket"])
        expected = _behind(rows, Indicator.CASES_CLOSED, period, Breakdown.TEAM, bucket, key)
        assert cell["cases"]["totalCount"] == len(expected) == int(float(cell["numerator"]))
        assert {e["node"]["id"] for e in cell["cases"]["edges"]} == {to_global_id("Case", i) for i in expected}
        assert cell["keyLabel"]
    one = data["cells"][0]
    page = await api.gql(
        """query($from: Date!, $to: Date!, $bucket: Date, $key: String) {
             indicatorCases(name: CASES_CLOSED, from: $from, to: $to, by: TEAM, bucket: $bucket, key: $key,
                            first: 100) { totalCount edges { node { id } } } }""",
        {"from": "2025-01-01", "to": "2025-03-31", "bucket": one["bucket"], "key": one["key"]}, as_="chief")
    assert page["indicatorCases"]["totalCount"] == one["cases"]["totalCount"]


@pytest.mark.parametrize("user", ["center", "impl1", "affairs", "admin"])
async def test_others_may_not_read_indicators(api, rows, user) -> None:
    for query in (
        '{ indicator(name: OPEN_CASES, from: "2025-01-01", to: "2025-03-31") { nameLabel } }',
        '{ indicatorCases(name: OPEN_CASES, from: "2025-01-01", to: "2025-03-31") { totalCount } }',
    ):
        body = await api.gql(query, as_=user, expect_errors=True)
        assert body.get("data") is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN", error
        assert "仅限执行指挥中心" in error["message"] or "执行指标" in error["message"], error


async def test_a_breakdown_without_meaning_or_a_reversed_period_is_refused(api, rows) -> None:
    body = await api.gql('{ indicator(name: OPEN_CASES, from: "2025-01-01", to: "2025-03-31", by: WINDOW) '
                         '{ nameLabel } }', as_="command", expect_errors=True)
    error = body["errors"][0]
    assert error["extensions"]["userErrorCode"] == "INVALID" and "WINDOW" in error["extensions"]["messageEn"]
    assert "不能按窗口分组" in error["message"], error
    body = await api.gql('{ indicator(name: CASES_RECEIVED, from: "2025-03-01", to: "2025-01-31") { nameLabel } }',
                         as_="command", expect_errors=True)
    assert "截止日期" in body["errors"][0]["message"], body


async def test_an_indicator_runs_a_fixed_number_of_statements(api, ctx, clock) -> None:
    clock.set(NOW)
    await _insert(ctx, 5, seed=1)
    variables = {"from": "2025-01-01", "to": "2025-03-31", "g": "WEEK"}
    plan = [(indicator, by) for indicator, d in DEFINITIONS.items() for by in (Breakdown.NONE, *d.breakdowns[:1])]
    query = QUERY.replace("cases(first: 100) { totalCount edges { node { id number } } }", "")
    await api.gql(query, {**variables, "name": "CASES_RECEIVED"}, as_="command")  # warm up
    counts: dict[int, list[int]] = {}
    for size in (5, 40):
        if size == 40:
            await _insert(ctx, 35, seed=2)
        counts[size] = []
        for indicator, by in plan:
            with StatementCounter(ctx.engine) as counter:
                await api.gql(query, {**variables, "name": indicator.value, "by": by.value}, as_="command")
            # Not counted: on PostgreSQL a duration's aggregate runs with more working memory
            # (SET LOCAL before, RESET after): settings, not reads.
            counts[size].append(len([s for s in counter.statements
                                     if not str(s).lstrip().upper().startswith(("SET ", "RESET "))]))
    assert counts[5] == counts[40]
    # The viewer, the aggregate, and a name lookup when broken down by team, officer or window.
    assert max(counts[40]) - min(counts[40]) <= 1, counts


async def test_a_figure_within_a_team_officer_window_type_or_township_counts_only_its_rows(ctx, rows) -> None:
    """`within` narrows every indicator to one key of each breakdown it has of those five (the
    most frequent key in the rows), checked against the rows with that key, cells and cases."""
    from exec_center.domain.indicators import SCOPES, Scope

    dialect = ctx.engine.dialect.name
    period = Period.of(*PERIOD, Granularity.MONTH)
    checked = 0
    for indicator, definition in DEFINITIONS.items():
        if definition.measure is Measure.DURATION:
            continue  # durations: the same rows (and `within`) as their counts
        for scope_by in (b for b in SCOPES if b in definition.breakdowns):
            keys = [keys[scope_by] for _d, keys, *_ in _facts(rows, indicator) if keys[scope_by] is not None]
            if not keys:
                continue
            value = max(set(keys), key=keys.count)
            within = {scope_by: value}
            for by in (Breakdown.NONE, *definition.breakdowns[:2]):
                async with ctx.sessionmaker() as session:
                    result = await service.compute(session, indicator, period, by, today=TODAY, tz=TZ,
                                                   dialect=dialect, scope=Scope(((scope_by, value),)))
                actual = {(c.bucket, c.key): (c.numerator, c.denominator) for c in result.cells}
                expected = _expected(rows, indicator, period, result.by, within)
                assert set(actual) == set(expected), (indicator, scope_by, by)
                for cell, (n, d) in expected.items():
                    assert _same(actual[cell][0], n) and _same(actual[cell][1], d), (indicator, by, cell)
                checked += len(expected)
            query = service.cases_behind_query(indicator, period, Breakdown.NONE, bucket=None, key=None,
                                               today=TODAY, tz=TZ, dialect=dialect, viewer=_reader(),
                                               scope=Scope(((scope_by, value),)))
            async with ctx.sessionmaker() as session:
                ids = set((await session.scalars(sa.select(query.subquery().c.id))).all())
            assert ids == _behind(rows, indicator, period, Breakdown.NONE, None, None, within=within), (
                indicator, scope_by)
    assert checked > 200


async def test_a_scope_the_indicator_has_no_breakdown_for_is_refused_naming_the_field(api, rows) -> None:
    query = """query($within: IndicatorScope) { indicator(name: VISITS, from: "2025-01-01", to: "2025-03-31",
      within: $within) { cells { numerator } } }"""
    body = await api.gql(query, {"within": {"team": to_global_id("Team", 1)}}, as_="command", expect_errors=True)
    error = body["errors"][0]
    assert error["message"] == "窗口来访数不能限定团队；可限定：窗口", error
    assert error["extensions"]["messageEn"] == "VISITS cannot be narrowed to one team; it can be to: window"
    assert error["extensions"]["userErrorCode"] == "NOT_ALLOWED" and error["extensions"]["field"] == "within.team"
    body = await api.gql(query, {"within": {"window": to_global_id("Team", 1)}}, as_="command",
                         expect_errors=True)
    assert body["errors"][0]["extensions"]["field"] == "within.window", body
    cases = """query($within: IndicatorScope, $key: String) { indicatorCases(name: OVERDUE_DEADLINES,
      from: "2025-01-01", to: "2025-03-31", by: DEADLINE_KIND, key: $key, within: $within) { totalCount } }"""
    for variables, named in (({"within": {"township": "连滩镇\r\nX: y"}, "key": "QUERY_CONTROL"}, "within.township"),
                             ({"within": {"township": "连滩镇"}, "key": "NOPE"}, "key")):
        body = await api.gql(cases, variables, as_="command", expect_errors=True)
        error = body["errors"][0]["extensions"]
        assert error["field"] == named and error["userErrorCode"] == "BAD_FORMAT", body


async def test_which_team_is_behind_and_on_what_from_the_api_and_as_a_spreadsheet(api, workers, rows) -> None:
    """The command centre's question of issue 15: the team with most overdue deadlines, then what
    they are (by kind) within that team, with their cases; the same table as a direct download
    and as a worker's export."""
    from .test_exports import csv_rows, download
    from .test_operations_catalogue import ok, run

    period = {"from": "2025-01-01", "to": "2025-03-31"}
    by_team = (await api.gql(QUERY, {**period, "name": "OVERDUE_DEADLINES", "by": "TEAM"},
                             as_="command"))["indicator"]["cells"]
    behind = max((c for c in by_team if c["key"]), key=lambda c: float(c["numerator"]))
    _, team = from_global_id(behind["key"])
    query = """query($within: IndicatorScope) { indicator(name: OVERDUE_DEADLINES, from: "2025-01-01",
      to: "2025-03-31", by: DEADLINE_KIND, within: $within) { cells { key keyLabel numerator
      cases(first: 100) { edges { node { id } } } } } }"""
    within = {"team": behind["key"]}
    cells = (await api.gql(query, {"within": within}, as_="command"))["indicator"]["cells"]
    expected = _expected(rows, Indicator.OVERDUE_DEADLINES, Period.of(*PERIOD, Granularity.MONTH),
                         Breakdown.DEADLINE_KIND, {Breakdown.TEAM: team})
    assert {c["key"]: int(float(c["numerator"])) for c in cells} == {k: n for (_b, k), (n, _d) in expected.items()}
    assert sum(int(float(c["numerator"])) for c in cells) == int(float(behind["numerator"]))
    assert all(c["keyLabel"] == DeadlineKind(c["key"]).label for c in cells)
    drill = """query($within: IndicatorScope, $key: String) { indicatorCases(name: OVERDUE_DEADLINES,
      from: "2025-01-01", to: "2025-03-31", by: DEADLINE_KIND, key: $key, within: $within, first: 100) {
      edges { node { id } } } }"""
    for c in cells:
        expected_ids = {to_global_id("Case", i) for i in _behind(
            rows, Indicator.OVERDUE_DEADLINES, Period.of(*PERIOD, Granularity.MONTH), Breakdown.DEADLINE_KIND,
            None, c["key"], within={Breakdown.TEAM: team})}
        assert {e["node"]["id"] for e in c["cases"]["edges"]} == expected_ids
        listed = (await api.gql(drill, {"within": within, "key": c["key"]}, as_="command"))["indicatorCases"]
        assert {e["node"]["id"] for e in listed["edges"]} == expected_ids

    table = [[c["keyLabel"], str(int(float(c["numerator"])))] for c in cells]
    direct = await download(api, "/exports/indicators/OVERDUE_DEADLINES.csv", as_="command",
                            params={**period, "by": "DEADLINE_KIND", "team": behind["key"]})
    assert direct.status_code == 200
    assert [[r[0], r[2]] for r in csv_rows(direct.content)[1:]] == table
    # The file says what it was narrowed to.
    assert quote(f"（{behind['keyLabel']}）-") in direct.headers["content-disposition"]
    job = (await ok(api, "RequestExport", {"input": {"kind": "INDICATOR", "format": "CSV", "indicator": {
        "name": "OVERDUE_DEADLINES", **period, "by": "DEADLINE_KIND", "within": within}}},
        as_="command"))["exportJob"]
    await workers.drain()
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="command"))["exportJob"]
    assert csv_rows((await download(api, done["downloadUrl"], as_="command")).content) == csv_rows(direct.content)

    refused = await download(api, "/exports/indicators/VISITS.csv", as_="command", params={**period, "team": behind["key"]})
    assert refused.status_code == 400 and refused.json()["field"] == "indicator.within.team", refused.json()
    refused = await download(api, "/exports/indicators/OVERDUE_DEADLINES.csv", as_="command",
                             params={**period, "caseType": "ZHI_XX"})
    assert refused.status_code == 400 and refused.json()["field"] == "indicator.within.caseType"


async def test_the_cases_that_missed_the_limit_last_month_as_a_spreadsheet(api, workers, rows) -> None:
    """Issue 15's first question, downloaded: the cases behind a month's Art. 16 misses, at once
    and by the worker, are the drill-down's, newest first."""
    from .test_exports import csv_rows, download, sheet_rows
    from .test_operations_catalogue import ok, refused, run

    month = {"from": "2025-02-01", "to": "2025-02-28"}
    query = """query($part: IndicatorCasesPart) { indicatorCases(name: QUERY_CONTROL_ON_TIME, from: "2025-02-01",
      to: "2025-02-28", part: $part, first: 100) { totalCount edges { node { number } } } }"""
    missed = (await api.gql(query, {"part": "NOT_COUNTED"}, as_="command"))["indicatorCases"]
    numbers = [e["node"]["number"] for e in missed["edges"]]
    assert 0 < missed["totalCount"] == len(numbers) < len(
        (await api.gql(query, {"part": "ALL"}, as_="command"))["indicatorCases"]["edges"])
    params = {**month, "part": "NOT_COUNTED"}
    direct = await download(api, "/exports/indicators/QUERY_CONTROL_ON_TIME/cases.csv", as_="command", params=params)
    assert direct.status_code == 200
    table = csv_rows(direct.content)
    assert table[0][0] == "案号" and [r[0] for r in table[1:]] == numbers
    job = (await ok(api, "RequestExport", {"input": {"kind": "INDICATOR_CASES", "format": "XLSX", "indicator": {
        "name": "QUERY_CONTROL_ON_TIME", **month, "part": "NOT_COUNTED"}}}, as_="command"))["exportJob"]
    assert job["filename"].startswith("指标案件清单-")
    await workers.drain()
    done = (await run(api, "ExportJob", {"id": job["id"]}, as_="command"))["exportJob"]
    assert done["status"] == "DONE" and done["total"] == len(numbers)
    assert [r[0] for r in sheet_rows((await download(api, done["downloadUrl"], as_="command")).content)[1:]] == numbers

    # Refused as indicatorCases refuses, naming the field; only for the indicators' readers.
    for bad, named in (({**params, "part": "SOME"}, "indicator.part"), ({**month, "by": "TEAM", "key": "x"},
                                                                          "indicator.key")):
        response = await download(api, "/exports/indicators/QUERY_CONTROL_ON_TIME/cases.csv", as_="command",
                                  params=bad)
        assert response.status_code == 400 and response.json()["field"] == named, response.json()
    response = await download(api, "/exports/indicators/CASES_RECEIVED/cases.csv", as_="command", params=params)
    assert response.status_code == 400 and response.json()["field"] == "indicator.part"
    response = await download(api, "/exports/indicators/QUERY_CONTROL_ON_TIME/cases.csv", as_="center",
                              params=params)
    assert response.status_code == 403
    error = await refused(api, "RequestExport", {"input": {"kind": "INDICATOR_CASES", "format": "CSV", "indicator": {
        "name": "CASES_RECEIVED", **month, "part": "COUNTED"}}}, as_="command")
    assert error["field"] == ["input", "indicator", "part"] and error["code"] == "NOT_ALLOWED"


async def test_a_table_has_zh_cn_headers_and_one_row_per_cell(ctx, rows) -> None:
    from exec_center.services.auth import load_viewer

    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "command"))
        viewer = await load_viewer(session, staff_id)
    period = Period.of(*PERIOD, Granularity.MONTH)
    table = await service.table(ctx, viewer, "QUERY_CONTROL_ON_TIME", period, "CASE_TYPE")
    assert table.headers == ["统计时段", "分组（案件类型）", "指标值", "分子", "分母"]
    expected = _expected(rows, Indicator.QUERY_CONTROL_ON_TIME, period, Breakdown.CASE_TYPE)
    assert len(table.rows) == len(expected)
    assert all(row[1] in ("执行保全案件", "首次执行案件", "恢复执行案件") for row in table.rows)


async def test_supervision_and_stage_indicators_have_something_to_count(ctx, rows) -> None:
    period = Period.of(*PERIOD, Granularity.MONTH)
    results = {}
    for indicator in (Indicator.STAGE_DAYS, Indicator.SUPERVISION_ORDERS_ISSUED,
                      Indicator.SUPERVISION_REPLY_ON_TIME):
        async with ctx.sessionmaker() as session:
            results[indicator] = await service.compute(session, indicator, period, Breakdown.NONE, today=TODAY,
                                                       tz=TZ, dialect=ctx.engine.dialect.name)
    stages = results[Indicator.STAGE_DAYS]
    assert stages.by is Breakdown.STAGE  # always per stage
    assert {c.key for c in stages.cells} >= {"RECEIVED", "QUERYING", "ANALYSING", "TRANSFERRED"}
    assert all(c.key_label == CaseStage(c.key).label for c in stages.cells)
    assert sum(c.numerator for c in stages.cells) == sum(
        1 for x in rows.stage_changes if PERIOD[0] <= x["left_on"] <= PERIOD[1])
    assert sum(c.numerator for c in results[Indicator.SUPERVISION_ORDERS_ISSUED].cells) >= 20
    on_time = results[Indicator.SUPERVISION_REPLY_ON_TIME].cells
    assert 0 < sum(c.numerator for c in on_time) < sum(c.denominator for c in on_time)


async def test_supervision_orders_without_a_case_have_none_to_drill_into(api, ctx, rows) -> None:
    variables = {"name": "SUPERVISION_ORDERS_ISSUED", "from": "2025-01-01", "to": "2025-03-31", "g": "MONTH"}
    data = (await api.gql(QUERY, variables, as_="command"))["indicator"]
    assert data["nameLabel"] == "下达督办数" and "no case to drill into" in data["definition"]
    period = Period.of(*PERIOD, Granularity.MONTH)
    for cell in data["cells"]:
        bucket = date.fromisoformat(cell["bucket"])
        orders = [o for o in rows.orders if bucket_of(o["issued_on"], Granularity.MONTH) == bucket]
        assert int(float(cell["numerator"])) == len(orders)
        expected = _behind(rows, Indicator.SUPERVISION_ORDERS_ISSUED, period, Breakdown.NONE, bucket, None)
        assert expected == {o["case_id"] for o in orders if o["case_id"]}
        assert {e["node"]["id"] for e in cell["cases"]["edges"]} == {to_global_id("Case", i) for i in expected}


async def test_time_in_each_stage_reads_the_spells_the_services_write(api, ctx, workers, clock) -> None:
    """A case received on Thursday 2024-02-08: dispatched and answered the same day, its
    query-and-control completed (stage unchanged) and the case transferred on the 13th."""
    from .test_case_lifecycle import case_file, receive, take_and_complete

    number = (await receive(api))["number"]
    await workers.drain()  # RECEIVED → QUERYING → ANALYSING on the 8th
    if not (await case_file(api, number))["findings"]:
        pytest.skip("simulated findings without any asset")
    clock.advance(days=5)
    await take_and_complete(api, "center", "ANALYSE_FINDINGS", number, "QUERY_CONTROL_COMPLETED")
    await workers.drain()  # ANALYSING → TRANSFERRED on the 13th
    assert (await case_file(api, number))["stage"] == "TRANSFERRED"
    data = (await api.gql(QUERY, {"name": "STAGE_DAYS", "from": "2024-02-01", "to": "2024-02-29", "g": "MONTH"},
                          as_="command"))["indicator"]
    cells = {c["key"]: (c["medianDays"], c["p90Days"], int(float(c["numerator"])), c["keyLabel"])
             for c in data["cells"]}
    assert cells == {"RECEIVED": (0, 0, 1, "已收案"), "QUERYING": (0, 0, 1, "查控中"),
                     "ANALYSING": (5, 5, 1, "分析查控结果")}
    assert all(c["cases"]["totalCount"] == 1 for c in data["cells"])


async def test_supervision_figures_read_the_orders_the_service_writes(api, ctx, clock) -> None:
    """Two orders to a team (no case) on Thursday 2024-02-08: one answered the same day, the
    other still unanswered three weeks later, past its reply day."""
    from exec_center.db.models import TeamMember
    from exec_center.services import supervision
    from exec_center.services.auth import load_viewer

    async with ctx.sessionmaker() as session:
        ids = dict((await session.execute(sa.select(Staff.username, Staff.id))).all())
        command, member = await load_viewer(session, ids["command"]), await load_viewer(session, ids["impl1"])
        team = await session.scalar(sa.select(TeamMember.team_id).where(TeamMember.staff_id == ids["impl1"]))
    answered, _open = [await supervision.issue(ctx, command, team_id=team, instructions="请报告本月执行进展",
                                               reply_within_working_days=2) for _ in range(2)]
    await supervision.reply(ctx, member, answered.id, "已报告")
    clock.advance(days=21)
    figures = {}
    for name in ("SUPERVISION_ORDERS_ISSUED", "SUPERVISION_REPLY_ON_TIME"):
        data = (await api.gql(QUERY, {"name": name, "from": "2024-02-01", "to": "2024-03-31", "g": "MONTH",
                                      "by": "TEAM"}, as_="command"))["indicator"]
        [cell] = data["cells"]
        assert cell["key"] == to_global_id("Team", team) and cell["bucket"] == "2024-02-01"
        assert cell["cases"]["totalCount"] == 0  # orders on a team: no case to drill into
        figures[name] = tuple(None if v is None else float(v)
                              for v in (cell["numerator"], cell["denominator"], cell["value"]))
    assert figures["SUPERVISION_ORDERS_ISSUED"] == (2, None, 2)
    assert figures["SUPERVISION_REPLY_ON_TIME"] == (1, 2, 0.5)
