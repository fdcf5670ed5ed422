"""The deadline engine: start, close, extend, recompute and escalate deadlines.

Due dates come from the rule in force on the start date (data, Art. 22) and the court calendar;
escalation follows the ladder (data too). The sweep reads only deadlines whose next check has
come (`next_check_at`, indexed), so its cost follows the number due, not the number open.
"""

from __future__ import annotations

import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SyncEngine
from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import CourtCalendar
from ..context import AppContext
from ..db.models import (
    CounterRow,
    Deadline,
    DeadlineExtension,
    DeadlineRuleRow,
    EscalationStepRow,
    Staff,
    StaffRole,
    TeamMember,
)
from ..domain.access import Viewer, deadline_visible, require_role
from ..domain.deadlines import (
    DEFAULT_LADDER,
    DayCount,
    DeadlineKind,
    DeadlineRule,
    DeadlineStatus,
    EscalationStep,
    ExtensionStatus,
    Recipient,
    check_extension_request,
    closing_status,
    compute_due,
    ladder_position,
    pick_rule,
    step_instant,
)
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.organisation import Role
from . import notifications
from .calendar import load_calendar
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# The owner type of an extension request's work item and notifications: the GraphQL type's name,
# so their subjectId resolves through node(id:).
EXTENSION_REQUEST = "DeadlineExtensionRequest"

# An extension request's status, for people.
EXTENSION_LABELS = {status.value: status.label for status in ExtensionStatus}

def _unit(day_count: DayCount) -> str:
    """A period's unit after its count in history entries: 5个工作日, 30日, 1年."""
    return ("个" if day_count is DayCount.WORKING_DAYS else "") + day_count.label


STEP_LABELS = {"WARNING": "即将到期", "DUE_SOON": "临近到期", "DUE_TODAY": "今日到期", "MISSED": "已超期"}

# How an owner is named in notifications: owner type -> loader of {id: label}. Areas register
# theirs (cases: their number); the fallback is the type and id.
OwnerLabeller = Callable[[AsyncSession, list[int]], Awaitable[dict[int, str]]]
OWNER_LABELS: dict[str, OwnerLabeller] = {}

# What else happens when a deadline is escalated: hooks by owner type (work items raise their
# priority and notify their holder). Each gets the session, the deadline ids and the priority,
# and never waits for a row another transaction holds: it raises EscalationBusy instead.
EscalationHook = Callable[[AsyncSession, list[int], int, datetime], Awaitable[set[int]]]
ESCALATION_HOOKS: list[EscalationHook] = []
# Who follows a deadline's due date when it moves (work items carry it as their dueOn).
DueDateHook = Callable[[AsyncSession, Deadline], Awaitable[None]]
DUE_DATE_HOOKS: list[DueDateHook] = []
# What happens when the sweep finds deadlines past their due day (control measures lapse).
# Each gets the sweep's unit of work and those deadlines; like the escalation hooks it never
# waits for a row another transaction holds (EscalationBusy instead).
PastDueHook = Callable[[UnitOfWork, list[Deadline]], Awaitable[None]]
PAST_DUE_HOOKS: list[PastDueHook] = []




class EscalationBusy(Exception):
    """An escalation hook met a row another transaction is changing right now. The sweep rolls
    its batch back and stops; the next run escalates those deadlines (nothing is lost, and the
    sweep, which holds deadlines, never waits for a transaction that may be waiting for them)."""


# --- rules and ladders ------------------------------------------------------------------


async def load_rules(session: AsyncSession) -> list[DeadlineRule]:
    rows = (await session.scalars(sa.select(DeadlineRuleRow))).all()
    return [
        DeadlineRule(
            kind=r.kind,
            variant=r.variant,
            day_count=r.day_count,
            count=r.count,
            extendable_to=r.extendable_to,
            effective_from=r.effective_from,
            source=r.source,
            id=r.id,
        )
        for r in rows
    ]


async def load_ladders(
    session: AsyncSession, on: date
) -> dict[DeadlineKind | None, tuple[EscalationStep, ...]]:
    """The ladder in force on `on` for each kind (None: the ladder of kinds without their own)."""
    rows = (
        await session.scalars(
            sa.select(EscalationStepRow)
            .where(EscalationStepRow.effective_from <= on)
            .order_by(EscalationStepRow.effective_from)
        )
    ).all()
    return _ladders_in_force(rows)


def _ladders_in_force(rows: Iterable[Any]) -> dict[DeadlineKind | None, tuple[EscalationStep, ...]]:
    """The ladders the rungs make (`EscalationStepRow`s or rows of its columns), `rows` being
    those in force on a day, by effective date."""
    newest: dict[tuple[DeadlineKind | None, int], Any] = {}
    for row in rows:  # later effective dates replace earlier ones, level by level
        newest[(row.kind, row.level)] = row
    ladders: dict[DeadlineKind | None, list[EscalationStep]] = defaultdict(list)
    for (kind, _level), row in newest.items():
        ladders[kind].append(
            EscalationStep(
                level=row.level,
                name=row.name,
                offset=row.day_offset,
                priority=row.priority,
                flag=row.flag,
                recipients=frozenset(Recipient(r) for r in row.recipients.split(",") if r),
            )
        )
    result = {kind: tuple(sorted(steps, key=lambda s: s.level)) for kind, steps in ladders.items()}
    result.setdefault(None, DEFAULT_LADDER)
    return result


def ladder_for(
    ladders: dict[DeadlineKind | None, tuple[EscalationStep, ...]], kind: DeadlineKind
) -> tuple[EscalationStep, ...]:
    return ladders.get(kind) or ladders[None]


def _schedule(
    deadline: Deadline, ladder: tuple[EscalationStep, ...], cal: CourtCalendar, ctx: AppContext
) -> None:
    """Set when the sweep should next look at the deadline: the first rung above its level."""
    tz = ctx.settings.tz
    upcoming = [
        step_instant(s, deadline.due_on, cal, tz) for s in ladder if s.level > deadline.escalation_level
    ]
    deadline.next_check_at = min(upcoming) if upcoming and deadline.status is DeadlineStatus.OPEN else None


# --- starting and closing ---------------------------------------------------------------


@dataclass
class Engine:
    """What a unit of work needs to start or move deadlines. `rules` and `calendar` are shared by
    every unit of work of the process (see `_Snapshot`): read them, never change them."""

    calendar: CourtCalendar
    rules: list[DeadlineRule]
    ladders: dict[DeadlineKind | None, tuple[EscalationStep, ...]] = field(default_factory=dict)

    @classmethod
    async def load(cls, uow: UnitOfWork) -> Engine:
        """The engine as the database has it now: from the process's cache when the engine's
        version (one primary-key read) is the one it was cached at, else read afresh."""
        cache = await _snapshot(uow.session, uow.ctx)
        return cls(cache.calendar, cache.rules, cache.ladders_on(uow.today))


# --- the engine cached per process ------------------------------------------------------
#
# Intake (and every other deadline step) needs the calendar, the rules and the ladders; they
# change a few times a year. A process keeps the last ones it read, per database engine, with
# the version they were read at: the `counters` row ENGINE_VERSION_KEY, which triggers on
# calendar_entries, calendar_years, deadline_rules and escalation_steps bump in the changing
# transaction (migration 0016), so no process, API or worker, ever uses a calendar or a rule
# older than the last committed change (no staleness window), whoever made the change.
# Rules and ladders keep their effective dates: the cache holds all of them, and the rule or
# rung in force is picked for the day asked, as before.

ENGINE_VERSION_KEY = "deadline-engine"
# session.info flag: this transaction changed the calendar or the rules itself (not yet
# committed): its engine is read afresh and not cached.
ENGINE_CHANGED = "exec_center.deadline_engine_changed"
# Ladders computed per day, at most this many days per cached version.
_LADDER_DAYS = 32


def engine_changed(session: AsyncSession) -> None:
    """Note that this transaction changes the calendar or the rules: an engine loaded in it
    reads its uncommitted rows and must not be cached for others."""
    session.info[ENGINE_CHANGED] = True


async def engine_version(session: AsyncSession) -> int | None:
    """The committed version of the calendar and rules (None: the row is missing, so nothing
    is cached)."""
    return await session.scalar(
        sa.select(CounterRow.last_value).where(CounterRow.key == ENGINE_VERSION_KEY)
    )


async def _ladder_rows(session: AsyncSession) -> tuple[sa.Row, ...]:
    """Every rung, as plain rows (shared across sessions and threads), by effective date."""
    r = EscalationStepRow
    rows = await session.execute(
        sa.select(r.kind, r.level, r.name, r.day_offset, r.priority, r.flag, r.recipients, r.effective_from)
        .order_by(r.effective_from)
    )
    return tuple(rows.all())


class _Snapshot:
    """The calendar, rules and ladder rungs of one version. Immutable but for the memo of
    ladders by day (a dict assignment of a finished value, safe to share)."""

    def __init__(
        self,
        version: int | None,
        calendar: CourtCalendar,
        rules: list[DeadlineRule],
        ladder_rows: tuple[sa.Row, ...],
    ) -> None:
        self.version = version
        self.calendar = calendar
        self.rules = rules
        self.ladder_rows = ladder_rows
        self._ladders: dict[date, dict[DeadlineKind | None, tuple[EscalationStep, ...]]] = {}

    def ladders_on(self, on: date) -> dict[DeadlineKind | None, tuple[EscalationStep, ...]]:
        ladders = self._ladders.get(on)
        if ladders is None:
            ladders = _ladders_in_force([r for r in self.ladder_rows if r.effective_from <= on])
            if len(self._ladders) >= _LADDER_DAYS:
                self._ladders = {}
            self._ladders[on] = ladders
        return dict(ladders)  # the caller's own dict; the tuples in it are immutable


_CACHE: weakref.WeakKeyDictionary[SyncEngine, _Snapshot] = weakref.WeakKeyDictionary()


async def _snapshot(session: AsyncSession, ctx: AppContext) -> _Snapshot:
    """The engine's snapshot as `session` sees the database now: the process's cached one when
    the committed version (one primary-key read) is the one it was cached at, else read afresh
    (and read afresh, not cached, in a transaction that changed the engine itself)."""
    version = None if session.info.get(ENGINE_CHANGED) else await engine_version(session)
    cache = _CACHE.get(ctx.engine.sync_engine)
    if version is None or cache is None or cache.version != version:
        # Read after the version: a change committed in between is cached under the older
        # number, so the next unit of work reads it again (never the reverse).
        cache = _Snapshot(
            version, await load_calendar(session), await load_rules(session), await _ladder_rows(session)
        )
        if version is not None:
            _CACHE[ctx.engine.sync_engine] = cache
    return cache


async def current_calendar(session: AsyncSession, ctx: AppContext) -> CourtCalendar:
    """The court calendar as `session` sees the database now, for reads outside a unit of work
    (the API's read session): from the process's cache like `Engine.load`, so current with every
    committed change; shared, so read it, never change it."""
    return (await _snapshot(session, ctx)).calendar


async def start_deadline(
    uow: UnitOfWork,
    *,
    owner_type: str,
    owner_id: int,
    kind: DeadlineKind,
    starts_on: date,
    variant: str = "",
    responsible_role: Role | None = None,
    team_id: int | None = None,
    holder_id: int | None = None,
    engine: Engine | None = None,
    count: int | None = None,
) -> Deadline:
    """`count`: a period set for this deadline (a supervision order's reply days) instead of the
    rule's; counted in the rule's unit, and what a calendar change recounts from."""
    engine = engine or await Engine.load(uow)
    rule = pick_rule(engine.rules, kind, variant, starts_on)
    count = rule.count if count is None else count
    due_on = compute_due(rule.day_count, count, starts_on, engine.calendar)
    deadline = Deadline(
        owner_type=owner_type,
        owner_id=owner_id,
        kind=kind,
        variant=variant,
        rule_id=rule.id,
        day_count=rule.day_count,
        count=count,
        extendable_to=rule.extendable_to,
        starts_on=starts_on,
        due_on=due_on,
        status=DeadlineStatus.OPEN,
        extended=False,
        provisional=engine.calendar.is_provisional(due_on),
        responsible_role=responsible_role,
        team_id=team_id,
        holder_id=holder_id,
        escalation_level=0,
        flagged=False,
        created_at=uow.now,
    )
    _schedule(deadline, ladder_for(engine.ladders, kind), engine.calendar, uow.ctx)
    uow.session.add(deadline)
    await uow.session.flush()
    if deadline.provisional:
        from .calendar import ask_to_confirm

        deadline.provisional = await ask_to_confirm(uow, due_on.year)
    unit = _unit(rule.day_count)
    uow.audit(
        "START_DEADLINE",
        "Deadline",
        deadline.id,
        f"{kind.label}：自{starts_on}起{count}{unit}，{due_on}届满"
        + ("（工作日历尚未确认，届满日暂定）" if deadline.provisional else ""),
    )
    return deadline


def close_deadline(uow: UnitOfWork, deadline: Deadline, done_on: date) -> DeadlineStatus:
    """Close an open deadline as met or missed (the whole due day counts)."""
    if deadline.status is not DeadlineStatus.OPEN:
        return deadline.status
    deadline.status = closing_status(deadline.due_on, done_on)
    deadline.closed_on = done_on
    deadline.next_check_at = None
    uow.audit(
        "CLOSE_DEADLINE",
        "Deadline",
        deadline.id,
        f"{deadline.kind.label}：{done_on}{deadline.status.label}（{deadline.due_on}届满）",
    )
    return deadline.status


def cancel_deadline(uow: UnitOfWork, deadline: Deadline, reason: str) -> None:
    if deadline.status is not DeadlineStatus.OPEN:
        return
    deadline.status = DeadlineStatus.CANCELLED
    deadline.next_check_at = None
    uow.audit("CANCEL_DEADLINE", "Deadline", deadline.id, f"{deadline.kind.label}已撤销：{reason}")


async def move_due(uow: UnitOfWork, deadline: Deadline, due_on: date, engine: Engine) -> None:
    """Set an open deadline's due date to one its owner fixed (a control measure's last day when
    it is not the rule's full period) and reschedule its ladder."""
    if deadline.status is not DeadlineStatus.OPEN or deadline.due_on == due_on:
        return
    old, deadline.due_on = deadline.due_on, due_on
    deadline.provisional = engine.calendar.is_provisional(due_on)
    await _rewind_ladder(deadline, engine, uow)
    uow.audit("MOVE_DEADLINE", "Deadline", deadline.id, f"{deadline.kind.label}：届满日{old} → {due_on}")


# --- extensions (Art. 16) ---------------------------------------------------------------


def _visible(viewer: Viewer, deadline: Deadline) -> bool:
    return deadline_visible(
        viewer, holder_id=deadline.holder_id, role=deadline.responsible_role, team_id=deadline.team_id
    )


async def _role_holders(session: AsyncSession, role: Role) -> list[int]:
    return list(
        (
            await session.scalars(
                sa.select(StaffRole.staff_id)
                .join(Staff, Staff.id == StaffRole.staff_id)
                .where(StaffRole.role == role, Staff.active.is_(True))
            )
        ).all()
    )


async def request_extension(
    ctx: AppContext, viewer: Viewer, deadline_id: int, reason: str
) -> DeadlineExtension:
    if viewer.read_only:
        raise Forbidden(
            "the command centre supervises; it does not request extensions",
            zh="执行指挥中心负责监督，不申请延期",
        )
    async with UnitOfWork(ctx, viewer) as uow:
        deadline = await uow.session.get(Deadline, deadline_id, with_for_update=True)
        if deadline is None or not _visible(viewer, deadline):
            raise NotFound("deadline", "期限", field="deadlineId")
        pending = await uow.session.scalar(
            sa.select(DeadlineExtension.id).where(
                DeadlineExtension.deadline_id == deadline.id, DeadlineExtension.status == "PENDING"
            )
        )
        check_extension_request(
            status=deadline.status,
            extended=deadline.extended,
            pending=pending is not None,
            extendable_to=deadline.extendable_to,
            reason=reason,
        )
        request = DeadlineExtension(
            deadline_id=deadline.id,
            reason=reason.strip(),
            status="PENDING",
            requested_by=viewer.staff_id,
            requested_at=uow.now,
            from_due_on=deadline.due_on,
        )
        uow.session.add(request)
        await uow.session.flush()
        uow.audit(
            "REQUEST_EXTENSION",
            "Deadline",
            deadline.id,
            f"申请延长期限至{deadline.extendable_to}{_unit(deadline.day_count)}：{reason.strip()[:200]}",
        )
        label = await owner_label(uow.session, deadline)
        await notifications.send(
            uow.session,
            [
                notifications.Message(
                    chief,
                    "EXTENSION_REQUESTED",
                    f"延期申请：{label} {deadline.kind.label}",
                    f"{viewer.name}申请延长{deadline.kind.label}（现{deadline.due_on}届满）："
                    f"{reason.strip()[:300]}",
                    EXTENSION_REQUEST,
                    request.id,
                    f"extension:{request.id}:chief:{chief}",
                )
                for chief in await _role_holders(uow.session, Role.BUREAU_CHIEF)
            ],
            uow.now,
        )
        await _ask_the_chief(uow, request, deadline, label)
        await uow.commit()
    return request


async def _ask_the_chief(uow: UnitOfWork, request: DeadlineExtension, deadline: Deadline, label: str) -> None:
    """Put the request on the bureau chief's worklist, due when the deadline falls due. Its owner
    is the request, not the case: the case moving on (transfer, closing) leaves the chief's
    decision pending, so it must not cancel the item with the case's other work."""
    from ..domain.work import WorkItemKind
    from . import work

    await work.create(
        uow,
        kind=WorkItemKind.DECIDE_EXTENSION,
        owner_type=EXTENSION_REQUEST,
        owner_id=request.id,
        candidate_role=Role.BUREAU_CHIEF,
        due_on=deadline.due_on,
        title=f"审批延期申请：{label} {deadline.kind.label}（现{deadline.due_on}届满）",
    )


def extended_due_on(deadline: Deadline, calendar: CourtCalendar) -> date:
    """The due date approving an extension of `deadline` gives (Art. 16: the longer period)."""
    assert deadline.extendable_to is not None
    return compute_due(deadline.day_count, deadline.extendable_to, deadline.starts_on, calendar)


async def decide_extension(
    ctx: AppContext, viewer: Viewer, request_id: int, approve: bool, note: str | None
) -> DeadlineExtension:
    async with UnitOfWork(ctx, viewer) as uow:
        request = await _decide(uow, viewer, request_id, approve, note)
        await uow.commit()
    return request


async def _decide(
    uow: UnitOfWork, viewer: Viewer, request_id: int, approve: bool, note: str | None
) -> DeadlineExtension:
    """Approve or refuse a pending request, and finish the chief's work item for it (done by
    whoever decided, with the decision as its outcome)."""
    require_role(viewer, Role.BUREAU_CHIEF, action="deciding an extension request",
                 action_zh="审批延长期限申请")
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError("say why the extension is refused", zh="不予批准延期的，请填写理由", field="note",
                          code=ErrorCode.REQUIRED)
    if len(note) > 1000:
        raise DomainError("the note may be at most 1000 characters", zh="审批意见不得超过 1000 个字符",
                          field="note", code=ErrorCode.OUT_OF_RANGE)
    request = await uow.session.get(DeadlineExtension, request_id, with_for_update=True)
    if request is None:
        raise NotFound("extension request", "延期申请", field="requestId")
    if request.status != "PENDING":
        raise DomainError(
            f"the request was already decided ({request.status})",
            zh=f"该延期申请已审批（{EXTENSION_LABELS.get(request.status, request.status)}），无需重复审批",
            field="requestId",
            code=ErrorCode.ALREADY_DONE,
        )
    deadline = await uow.session.get(Deadline, request.deadline_id)
    assert deadline is not None
    # The owner before the deadline, as completing the owner's work items does (they may
    # close the deadline; approving moves their due dates): neither waits for the other.
    from .work import OWNERS, finish_active, locked

    owner = OWNERS.get(deadline.owner_type)
    if owner is not None:
        await locked(uow, owner, deadline.owner_id)
    deadline = await locked(uow, Deadline, deadline.id)
    if approve and deadline.status is not DeadlineStatus.OPEN:
        raise DomainError(
            f"the deadline is already {deadline.status.value}; there is nothing to "
            "extend — refuse the request instead",
            zh=f"该期限已为“{deadline.status.label}”，无可延长，请作不予批准处理",
            field="requestId",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    request.status = "APPROVED" if approve else "REFUSED"
    request.decided_by, request.decided_at, request.decision_note = viewer.staff_id, uow.now, note or None
    if approve:
        engine = await Engine.load(uow)
        old = deadline.due_on
        deadline.due_on = extended_due_on(deadline, engine.calendar)
        deadline.extended = True
        deadline.provisional = engine.calendar.is_provisional(deadline.due_on)
        await _rewind_ladder(deadline, engine, uow)
        request.to_due_on = deadline.due_on
        uow.audit(
            "EXTEND_DEADLINE",
            "Deadline",
            deadline.id,
            f"批准延长期限至{deadline.extendable_to}{_unit(deadline.day_count)}：届满日{old} → "
            f"{deadline.due_on}",
        )
    else:
        uow.audit("REFUSE_EXTENSION", "Deadline", deadline.id, f"不予批准延长期限：{note[:200]}")
    from ..db.models import WorkItem
    from ..domain.work import WorkItemKind

    await finish_active(
        uow,
        WorkItem.kind == WorkItemKind.DECIDE_EXTENSION,
        WorkItem.owner_type == EXTENSION_REQUEST,
        WorkItem.owner_id == request.id,
        outcome=request.status,
        summary=lambda kind: f"{kind.label}：{'批准' if approve else '不予批准'}",
    )
    verdict = "批准" if approve else "不予批准"
    await notifications.send(
        uow.session,
        [
            notifications.Message(
                request.requested_by,
                "EXTENSION_DECIDED",
                f"延期申请{verdict}：{deadline.kind.label}",
                f"{viewer.name}{verdict}延期申请"
                + (f"，新届满日{deadline.due_on}" if approve else f"：{note}"),
                "Deadline",
                deadline.id,
                f"extension:{request.id}:decided",
            )
        ],
        uow.now,
    )
    return request


def register_completion() -> None:
    """Completing the chief's DECIDE_EXTENSION item decides the request, as the decide mutation
    does (one step, one trace). Called once the work module is loaded (it imports this one)."""
    from ..domain.work import WorkItemKind
    from . import work

    work.OWNERS[EXTENSION_REQUEST] = DeadlineExtension

    @work.completes(WorkItemKind.DECIDE_EXTENSION)
    async def _decided(uow: UnitOfWork, item, done) -> None:  # type: ignore[no-untyped-def]
        assert uow.actor is not None
        try:
            await _decide(uow, uow.actor, item.owner_id, done.outcome == "APPROVED", done.note)
        except DomainError as error:
            if error.field == "requestId":  # the item's outcome is what asked for it here
                error.field = "outcome"
            raise


async def _rewind_ladder(deadline: Deadline, engine: Engine, uow: UnitOfWork) -> None:
    """After the due date moved: back to the rung the new date has reached, warn again as due."""
    ladder = ladder_for(engine.ladders, deadline.kind)
    reached, _ = ladder_position(ladder, deadline.due_on, uow.now, engine.calendar, uow.ctx.settings.tz)
    deadline.escalation_level = min(deadline.escalation_level, reached.level if reached else 0)
    _schedule(deadline, ladder, engine.calendar, uow.ctx)
    for hook in DUE_DATE_HOOKS:
        await hook(uow.session, deadline)


# --- recomputation after a calendar change ----------------------------------------------


async def recompute(ctx: AppContext, start: date, end: date, *, batch: int = 1000) -> int:
    """Recompute the open deadlines whose period overlaps [start, end]; returns how many moved.
    Idempotent: a second run finds nothing to move."""
    moved, after_id = 0, 0
    while True:
        async with UnitOfWork(ctx) as uow:
            query = (
                sa.select(Deadline)
                .where(
                    Deadline.status == DeadlineStatus.OPEN,
                    # A period of years ends on a calendar date whatever the holidays (a control
                    # measure's last day, which its owner may have set shorter): nothing to move.
                    Deadline.day_count != DayCount.YEARS,
                    Deadline.id > after_id,
                    Deadline.starts_on < end,
                    Deadline.due_on >= start,
                )
                .order_by(Deadline.id)
                .limit(batch)
            )
            if uow.session.bind.dialect.name == "postgresql":
                # Locked, so an extension approved or a deadline closed meanwhile is not written
                # back from what was read; the calendar is read after the rows, so a change
                # committed while this waited is counted too (SQLite: one unit of work at a time).
                query = query.with_for_update()
            rows = (await uow.session.scalars(query)).all()
            if not rows:
                return moved
            engine = await Engine.load(uow)
            for deadline in rows:
                count = (
                    deadline.extendable_to if deadline.extended and deadline.extendable_to else deadline.count
                )
                due = compute_due(deadline.day_count, count, deadline.starts_on, engine.calendar)
                provisional = engine.calendar.is_provisional(due)
                if (due, provisional) == (deadline.due_on, deadline.provisional):
                    continue
                summary = f"工作日历调整：届满日{deadline.due_on} → {due}"
                if provisional != deadline.provisional:
                    summary += "（暂定）" if provisional else "（工作日历已确认）"
                deadline.due_on, deadline.provisional = due, provisional
                await _rewind_ladder(deadline, engine, uow)
                uow.audit("RECOMPUTE_DEADLINE", "Deadline", deadline.id, summary)
                moved += 1
            after_id = rows[-1].id
            await uow.commit()


# --- the escalation sweep ---------------------------------------------------------------


@dataclass
class SweepResult:
    examined: int = 0
    escalated: int = 0
    notified: int = 0


async def owner_label(session: AsyncSession, deadline: Deadline) -> str:
    labels = await owner_labels(session, [deadline])
    return labels[deadline.id]


async def owner_labels(session: AsyncSession, deadlines: Iterable[Deadline]) -> dict[int, str]:
    by_type: dict[str, list[Deadline]] = defaultdict(list)
    for d in deadlines:
        by_type[d.owner_type].append(d)
    result: dict[int, str] = {}
    for owner_type, items in by_type.items():
        labeller = OWNER_LABELS.get(owner_type)
        names = await labeller(session, [d.owner_id for d in items]) if labeller else {}
        for d in items:
            result[d.id] = names.get(d.owner_id, f"{owner_type} {d.owner_id}")
    return result


class Recipients:
    """Resolves ladder recipients to staff ids, loading each role or team once per batch."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.roles: dict[Role, list[int]] = {}
        self.teams: dict[int, list[tuple[int, bool]]] = {}

    async def role(self, role: Role) -> list[int]:
        if role not in self.roles:
            self.roles[role] = await _role_holders(self.session, role)
        return self.roles[role]

    async def team(self, team_id: int) -> list[tuple[int, bool]]:
        if team_id not in self.teams:
            rows = (
                await self.session.execute(
                    sa.select(TeamMember.staff_id, TeamMember.is_lead)
                    .join(Staff, Staff.id == TeamMember.staff_id)
                    .where(TeamMember.team_id == team_id, Staff.active.is_(True))
                )
            ).all()
            self.teams[team_id] = [(r[0], r[1]) for r in rows]
        return self.teams[team_id]

    async def resolve(self, recipient: Recipient, d: Deadline) -> set[int]:
        if recipient is Recipient.HOLDER:
            if d.holder_id is not None:
                return {d.holder_id}
            if d.team_id is not None:
                members = {s for s, _ in await self.team(d.team_id)}
                if d.responsible_role is not None:
                    members &= set(await self.role(d.responsible_role))
                return members
            return set(await self.role(d.responsible_role)) if d.responsible_role else set()
        if recipient is Recipient.SUPERVISOR:
            if d.team_id is not None:
                leads = {s for s, lead in await self.team(d.team_id) if lead}
                if leads:
                    return leads
            return set(await self.role(Role.CENTER_HEAD))
        if recipient is Recipient.BUREAU_CHIEF:
            return set(await self.role(Role.BUREAU_CHIEF))
        return set(await self.role(Role.COMMAND_CENTER))


async def sweep(ctx: AppContext, *, batch: int = 500) -> SweepResult:
    """Escalate every open deadline whose next check has come. Safe to run concurrently: on
    PostgreSQL rows are claimed with SKIP LOCKED, on SQLite one unit of work runs at a time (a
    second sweep finds them rescheduled); notifications are deduplicated."""
    result = SweepResult()
    while True:
        try:
            part, rows = await _sweep_batch(ctx, batch)
        except EscalationBusy as busy:
            log.debug("sweep stopped for this run: %s", busy)
            return result
        result.examined += part.examined
        result.escalated += part.escalated
        result.notified += part.notified
        if len(rows) < batch:
            return result


async def _sweep_batch(ctx: AppContext, batch: int) -> tuple[SweepResult, list[Deadline]]:
    result = SweepResult()
    async with UnitOfWork(ctx) as uow:
        session, now = uow.session, uow.now
        query = (
            sa.select(Deadline)
            .where(Deadline.next_check_at <= now, Deadline.status == DeadlineStatus.OPEN)
            .order_by(Deadline.next_check_at, Deadline.id)
            .limit(batch)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await session.scalars(query)).all())
        if not rows:
            return result, rows
        engine = await Engine.load(uow)
        recipients = Recipients(session)
        labels = await owner_labels(session, rows)
        messages: list[notifications.Message] = []
        raised: dict[int, list[int]] = defaultdict(list)  # priority -> deadline ids
        for d in rows:
            result.examined += 1
            ladder = ladder_for(engine.ladders, d.kind)
            reached, _ = ladder_position(ladder, d.due_on, now, engine.calendar, ctx.settings.tz)
            if reached is not None and reached.level > d.escalation_level:
                result.escalated += 1
                d.escalation_level = reached.level
                d.flagged = d.flagged or reached.flag
                raised[reached.priority].append(d.id)
                staff: set[int] = set()
                for recipient in reached.recipients:
                    staff |= await recipients.resolve(recipient, d)
                state = STEP_LABELS.get(reached.name, reached.name)
                for staff_id in sorted(staff):
                    messages.append(
                        notifications.Message(
                            staff_id,
                            f"DEADLINE_{reached.name}",
                            f"{d.kind.label}{state}：{labels[d.id]}",
                            f"{labels[d.id]}的{d.kind.label}于{d.due_on}届满（{state}）。",
                            "Deadline",
                            d.id,
                            f"deadline:{d.id}:{d.due_on}:{reached.level}:{staff_id}",
                        )
                    )
                uow.audit(
                    "ESCALATE_DEADLINE",
                    "Deadline",
                    d.id,
                    f"{state}：已通知{len(staff)}人" + ("，已标记督办" if reached.flag else ""),
                )
            _schedule(d, ladder, engine.calendar, ctx)
        for priority, ids in raised.items():
            for hook in ESCALATION_HOOKS:
                extra = await hook(session, ids, priority, now)
                result.notified += len(extra)
        past_due = [d for d in rows if d.status is DeadlineStatus.OPEN and d.due_on < uow.today]
        if past_due:
            for past_due_hook in PAST_DUE_HOOKS:
                await past_due_hook(uow, past_due)
        result.notified += await notifications.send(session, messages, now)
        await uow.commit()
    return result, rows
