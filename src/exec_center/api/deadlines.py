"""Deadlines, extensions, notifications and the court calendar in GraphQL."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import strawberry

from ..calendar import CourtCalendar
from ..clock import court_today
from ..db.models import (
    AdjudicationApplication,
    CalendarEntry,
    CalendarYear,
    Deadline,
    DeadlineExtension,
    DeadlineRuleRow,
    Notification,
    OnlineMessage,
)
from ..domain import deadlines as rules
from ..domain.access import deadline_visible
from ..domain.errors import DomainError, ErrorCode, Forbidden
from ..domain.organisation import Role as RoleEnum
from ..services import calendar as calendar_service
from ..services import deadlines as service
from ..services import notifications as notification_service
from . import loaders
from .common import (
    Connection,
    UserError,
    check_first,
    connection,
    decode_cursor,
    decode_id_cursor,
    run_mutation,
)
from .context import Info
from .history import HistoryEntry, history_connection
from .ids import pk_of, to_global_id
from .organisation import Node, Role, StaffType

if TYPE_CHECKING:
    from .cases import CaseType

DeadlineKind = strawberry.enum(rules.DeadlineKind, description="Which time limit of the work rules.")
DeadlineStatus = strawberry.enum(rules.DeadlineStatus)
DayCount = strawberry.enum(rules.DayCount, description="How a rule counts its period.")
DeadlineVariant = strawberry.enum(
    rules.DeadlineVariant,
    description="Which rule of a kind with several counts a deadline: MEASURE_RENEWAL by what the "
    "measure holds, ADJUDICATION_REVIEW by the kind of application.",
)
ExtensionStatus = strawberry.enum(rules.ExtensionStatus, description="Where an extension request stands.")
NotificationKind = strawberry.enum(
    rules.NotificationKind,
    description="What a notification is about; kinds no longer sent read as OTHER.",
)


@strawberry.type(name="DeadlineExtensionRequest", description="A request to extend a deadline (Art. 16).")
class ExtensionType(Node):
    row: strawberry.Private[DeadlineExtension]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("DeadlineExtensionRequest", self.row.id)

    @strawberry.field
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    def status(self) -> ExtensionStatus:  # type: ignore[valid-type]
        return rules.ExtensionStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return rules.ExtensionStatus(self.row.status).label

    @strawberry.field
    def requested_at(self) -> datetime:
        return self.row.requested_at

    @strawberry.field
    async def requested_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.requested_by)

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    async def decided_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.decided_by)

    @strawberry.field
    def decision_note(self) -> str | None:
        return self.row.decision_note

    @strawberry.field
    def from_due_on(self) -> date:
        return self.row.from_due_on

    @strawberry.field
    def to_due_on(self) -> date | None:
        return self.row.to_due_on

    @strawberry.field(
        description="While PENDING: the due date approving it would give (the rule's longer "
        "period, counted in the court calendar as it stands now); null once decided (see toDueOn)."
    )
    async def proposed_due_on(self, info: Info) -> date | None:
        if self.row.status != rules.ExtensionStatus.PENDING:
            return None
        deadline = await info.context.session.get(Deadline, self.row.deadline_id)
        if deadline is None or deadline.extendable_to is None:
            return None
        return service.extended_due_on(deadline, await _calendar(info))

    @strawberry.field
    async def deadline(self, info: Info) -> DeadlineType | None:
        row = await info.context.session.get(Deadline, self.row.deadline_id)
        return DeadlineType(row=row) if row and _visible(info, row) else None

    @strawberry.field(
        name="case", description="The case the deadline runs for; null if none or not the viewer's to read."
    )
    async def case_(self, info: Info) -> Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None:
        row = await info.context.session.get(Deadline, self.row.deadline_id)
        return await _case_of(info, row) if row is not None else None


async def _calendar(info: Info) -> CourtCalendar:
    # Read each time, not once per request: a mutation's payload shows the calendar after it.
    # Each read is one primary-key read (the deadline engine's committed version, which a calendar
    # change bumps as it commits); the calendar itself comes from the process's cache. One read at
    # a time per request: the items of a list ask concurrently, and after a change the first
    # reads the calendar into the cache for the others instead of each reading it.
    lock = info.context.loaders.get("calendarLock")
    if lock is None:
        lock = info.context.loaders["calendarLock"] = asyncio.Lock()
    async with lock:
        return await service.current_calendar(info.context.session, info.context.app)


# Deadlines run for a case, or for something of a case's (its adjudication application, an online
# message about it): the model whose case_id names the case, by owner type.
_CASE_OWNERS = {"AdjudicationApplication": AdjudicationApplication, "OnlineMessage": OnlineMessage}


async def _case_of(info: Info, deadline: Deadline) -> CaseType | None:
    from .directory import linked_case

    if deadline.owner_type == "Case":
        return await linked_case(info, deadline.owner_id)
    model = _CASE_OWNERS.get(deadline.owner_type)
    if model is None:
        return None
    owner = await info.context.session.get(model, deadline.owner_id)
    return await linked_case(info, owner.case_id) if owner is not None else None


async def _staff(info: Info, staff_id: int | None) -> StaffType | None:
    if staff_id is None:
        return None
    row = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(staff_id)
    return StaffType(row=row) if row else None


def _visible(info: Info, row: Deadline) -> bool:
    return deadline_visible(
        info.context.viewer, holder_id=row.holder_id, role=row.responsible_role, team_id=row.team_id
    )


async def _rules_by_id(ctx, keys: list[int]) -> list[DeadlineRuleRow | None]:  # type: ignore[no-untyped-def]
    rows = (await ctx.session.scalars(sa.select(DeadlineRuleRow).where(DeadlineRuleRow.id.in_(keys)))).all()
    by_id = {r.id: r for r in rows}
    return [by_id.get(k) for k in keys]


async def _extensions_by_deadline(ctx, keys: list[int]) -> list[list[DeadlineExtension]]:  # type: ignore[no-untyped-def]
    rows = (
        await ctx.session.scalars(
            sa.select(DeadlineExtension)
            .where(DeadlineExtension.deadline_id.in_(keys))
            .order_by(DeadlineExtension.id)
        )
    ).all()
    return loaders._group(keys, [(r.deadline_id, r) for r in rows])


DEADLINE_RULES_TEXT = (
    "How a period is counted. The start day itself is never counted (民法典 art. 201; CPL 2023 "
    "art. 85). WORKING_DAYS: the Nth working day of the official calendar after the start day. "
    "CALENDAR_DAYS (日): the Nth day after it; a last day that is a public holiday or a rest day "
    "moves to the next working day (a make-up working day is a working day). YEARS: the day "
    "before the same date N years on (a measure holds from the day it took effect; 29 February "
    "counts as 28 February in a common year). Start days: QUERY_CONTROL - the day the 执保 number "
    "was assigned (Art. 16); TRANSFER_FOR_FILING - the day the benchmark price was served on the "
    "parties (Art. 19), the implementation team's; FAST_CLOSE_* - the day the 执 case was filed "
    "(Art. 20); ONLINE_REPLY - the day the message arrived; MEASURE_RENEWAL - the day the measure "
    "took effect (SPC provisions on seizure, sealing and freezing; 民诉法解释 art. 485), the "
    "court's own and not disclosed to parties; ADJUDICATION_REVIEW - the day the application was "
    "filed (objection 15 days, CPL 2023 art. 236; adding a respondent 60 days, SPC provisions on "
    "changing and adding parties, art. 28; preservation reconsideration 10 days, 民诉法解释 art. "
    "171); SUPERVISION_REPLY - the day the supervision order (督办) was issued (5 working days "
    "unless the order sets 1-30). Each deadline's `source` names the rule it was counted by."
)


@strawberry.type(
    name="Deadline",
    description="A time limit running for a case, an adjudication application or an online message. "
    + DEADLINE_RULES_TEXT,
)
class DeadlineType(Node):
    row: strawberry.Private[Deadline]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Deadline", self.row.id)

    @strawberry.field
    def kind(self) -> DeadlineKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def kind_label(self) -> str:
        return self.row.kind.label

    @strawberry.field(
        description="The rule's variant, e.g. BANK_DEPOSIT for a renewal; null for a kind's only rule."
    )
    def variant(self) -> DeadlineVariant | None:  # type: ignore[valid-type]
        return rules.DeadlineVariant.read(self.row.variant)

    @strawberry.field
    def variant_label(self) -> str | None:
        variant = rules.DeadlineVariant.read(self.row.variant)
        return variant.label if variant else None

    @strawberry.field
    def day_count(self) -> DayCount:  # type: ignore[valid-type]
        return self.row.day_count

    @strawberry.field
    def day_count_label(self) -> str:
        return self.row.day_count.label

    @strawberry.field(description="The period the rule gives (in dayCount units).")
    def count(self) -> int:
        return self.row.count

    @strawberry.field(description="The longest period an approved extension gives; null if none.")
    def extendable_to(self) -> int | None:
        return self.row.extendable_to

    @strawberry.field(description="The day the period starts from (not itself counted); see Deadline.")
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="Due at the end of this date in the court's time zone.")
    def due_on(self) -> date:
        return self.row.due_on

    @strawberry.field(description="The role answerable for it (with `team` and `holder`).")
    def responsible_role(self) -> Role | None:  # type: ignore[valid-type]
        return self.row.responsible_role

    @strawberry.field
    def responsible_role_label(self) -> str | None:
        role = self.row.responsible_role
        return RoleEnum(role).label if role else None

    @strawberry.field(description="The team answerable for it, if a team's.")
    def team_id(self) -> strawberry.ID | None:
        return to_global_id("Team", self.row.team_id) if self.row.team_id is not None else None

    @strawberry.field(description="The rule's legal source (the work rules' article, the law).")
    async def source(self, info: Info) -> str:
        rule = await loaders.loader(info.context, "deadlineRules", _rules_by_id).load(self.row.rule_id)
        return rule.source if rule is not None else ""

    @strawberry.field
    def status(self) -> DeadlineStatus:  # type: ignore[valid-type]
        return self.row.status

    @strawberry.field
    def status_label(self) -> str:
        return self.row.status.label

    @strawberry.field
    def extended(self) -> bool:
        return self.row.extended

    @strawberry.field(description="Due in a year whose official holiday schedule is not confirmed yet.")
    def provisional(self) -> bool:
        return self.row.provisional

    @strawberry.field(description="Open and past its due date.")
    def overdue(self, info: Info) -> bool:
        today = court_today(info.context.app.clock, info.context.app.settings.tz)
        return self.row.status is rules.DeadlineStatus.OPEN and self.row.due_on < today

    @strawberry.field(description="The highest rung of the escalation ladder reached (0: none).")
    def escalation_level(self) -> int:
        return self.row.escalation_level

    @strawberry.field(description="Flagged for the command centre (missed).")
    def flagged(self) -> bool:
        return self.row.flagged

    @strawberry.field
    def closed_on(self) -> date | None:
        return self.row.closed_on

    @strawberry.field
    async def holder(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.holder_id)

    @strawberry.field(
        name="case",
        description="The case it runs for (directly, or through its adjudication application or "
        "online message); null if none or not the viewer's to read.",
    )
    async def case_(self, info: Info) -> Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None:
        return await _case_of(info, self.row)

    @strawberry.field
    async def extension_requests(self, info: Info) -> list[ExtensionType]:
        rows = await loaders.loader(info.context, "extensionsOfDeadline", _extensions_by_deadline).load(
            self.row.id
        )
        return [ExtensionType(row=r) for r in rows]

    @strawberry.field(description="What happened to this deadline, newest first.")
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[HistoryEntry]:
        return await history_connection(info, ["Deadline"], self.row.id, first, after)


@strawberry.input
class DeadlineFilter:
    status: list[DeadlineStatus] | None = None  # type: ignore[valid-type]
    kind: list[DeadlineKind] | None = None  # type: ignore[valid-type]
    due_before: date | None = strawberry.field(default=None, description="Due on or before this date.")
    overdue: bool | None = None
    provisional: bool | None = None
    flagged: bool | None = None


@strawberry.type(name="Notification")
class NotificationType(Node):
    row: strawberry.Private[Notification]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Notification", self.row.id)

    @strawberry.field
    def kind(self) -> NotificationKind:  # type: ignore[valid-type]
        return rules.NotificationKind.read(self.row.kind)

    @strawberry.field
    def kind_label(self) -> str:
        return rules.NotificationKind.read(self.row.kind).label

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def read(self) -> bool:
        return self.row.read_at is not None

    @strawberry.field
    def read_at(self) -> datetime | None:
        return self.row.read_at

    @strawberry.field(description="The global id of what the notification is about, for node(id:).")
    def subject_id(self) -> strawberry.ID | None:
        if self.row.object_type is None or self.row.object_id is None:
            return None
        object_type = _RENAMED.get(self.row.object_type, self.row.object_type)
        return to_global_id(object_type, self.row.object_id)


# Notifications stored before their subject's type got its GraphQL name.
_RENAMED = {"DeadlineExtension": service.EXTENSION_REQUEST}


@strawberry.type
class Holiday:
    date: date
    name: str


@strawberry.type(name="CalendarEntry", description="A court's own calendar entry, citing its notice.")
class CalendarEntryType(Node):
    row: strawberry.Private[CalendarEntry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("CalendarEntry", self.row.id)

    @strawberry.field
    def date(self) -> date:
        return self.row.day

    @strawberry.field(description="True: declared a working day; false: declared a rest day.")
    def working(self) -> bool:
        return self.row.working

    @strawberry.field
    def note(self) -> str:
        return self.row.note

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    async def created_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.created_by)


@strawberry.type(
    name="CalendarYear",
    description="One year of the court calendar (the subject of a CONFIRM_CALENDAR_YEAR work item).",
)
class CalendarYearView(Node):
    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("CalendarYear", self.year)

    year: int
    confirmed: bool
    confirmed_note: str | None
    holidays: list[Holiday]
    makeup_working_days: list[date]
    entries: list[CalendarEntryType]
    working_days: int


async def calendar_year(info: Info, year: int) -> CalendarYearView:
    """A year of the calendar the court counts in (`year` within the calendar's range)."""
    session = info.context.session
    cal = await _calendar(info)
    schedule = cal.year_schedule(year)
    entries = (
        await session.scalars(
            sa.select(CalendarEntry)
            .where(CalendarEntry.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarEntry.day)
        )
    ).all()
    confirmation = await session.get(CalendarYear, year)
    first_day = date(year, 1, 1)
    working = cal.working_days_between(first_day, date(year, 12, 31)) + cal.is_working_day(first_day)
    return CalendarYearView(
        year=year,
        confirmed=schedule.confirmed,
        confirmed_note=confirmation.note if confirmation else None,
        holidays=[Holiday(date=d, name=n) for d, n in schedule.holidays],
        makeup_working_days=list(schedule.makeup_working_days),
        entries=[CalendarEntryType(row=e) for e in entries],
        working_days=working,
    )


@strawberry.type(
    description="A time limit as the work rules or the law set it, in force from a date, with its "
    "source. " + DEADLINE_RULES_TEXT
)
class DeadlineRuleView:
    kind: DeadlineKind  # type: ignore[valid-type]
    kind_label: str
    variant: DeadlineVariant | None  # type: ignore[valid-type]
    variant_label: str | None
    day_count: DayCount  # type: ignore[valid-type]
    day_count_label: str
    count: int
    extendable_to: int | None
    effective_from: date
    source: str


SUPERVISOR_ROLES = (
    RoleEnum.BUREAU_CHIEF,
    RoleEnum.COMMAND_CENTER,
    RoleEnum.CENTER_HEAD,
    RoleEnum.IMPLEMENTATION_LEAD,
)


@strawberry.type
class DeadlineQuery:
    @strawberry.field(
        description="Deadlines for supervisors, soonest due first: the bureau chief, the command centre "
        "and the centre head see all; a team lead those of their teams."
    )
    async def deadlines(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: DeadlineFilter | None = None,
    ) -> Connection[DeadlineType]:
        viewer = info.context.viewer
        if not viewer.has(*SUPERVISOR_ROLES):
            raise Forbidden(
                "the deadlines list is for the bureau chief, the command centre, the centre head "
                "and team leads; each case shows its own deadlines",
                zh="期限列表仅供执行局局长、执行指挥中心、事务中心负责人和执行实施团队负责人查看；"
                "各案件可查看本案的期限",
            )
        size = check_first(first)
        query = sa.select(Deadline)
        if not (viewer.sees_everything or viewer.has(RoleEnum.CENTER_HEAD)):
            query = query.where(Deadline.team_id.in_(viewer.lead_team_ids or {-1}))
        today = court_today(info.context.app.clock, info.context.app.settings.tz)
        if filter is not None:
            if filter.status is not None:
                query = query.where(Deadline.status.in_([rules.DeadlineStatus(s) for s in filter.status]))
            if filter.kind is not None:
                query = query.where(Deadline.kind.in_([rules.DeadlineKind(k) for k in filter.kind]))
            if filter.due_before is not None:
                query = query.where(Deadline.due_on <= filter.due_before)
            if filter.provisional is not None:
                query = query.where(Deadline.provisional.is_(filter.provisional))
            if filter.flagged is not None:
                query = query.where(Deadline.flagged.is_(filter.flagged))
            if filter.overdue is not None:
                late = sa.and_(Deadline.status == rules.DeadlineStatus.OPEN, Deadline.due_on < today)
                query = query.where(late if filter.overdue else sa.not_(late))
        session = info.context.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            due, last_id = decode_cursor(after, 2)
            try:
                due_on = date.fromisoformat(due)
                if not isinstance(last_id, int):
                    raise TypeError(last_id)
            except (TypeError, ValueError):
                raise DomainError(
                    "after is not a cursor issued for this list",
                    zh="分页游标（after）不是本列表签发的游标，请使用本列表的 pageInfo.endCursor",
                    field="after",
                    code=ErrorCode.BAD_FORMAT,
                ) from None
            query = query.where(
                sa.tuple_(Deadline.due_on, Deadline.id) > sa.tuple_(sa.literal(due_on), last_id)
            )
        rows = (await session.scalars(query.order_by(Deadline.due_on, Deadline.id).limit(size + 1))).all()
        return connection(
            [DeadlineType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda d: [d.row.due_on.isoformat(), d.row.id],
            has_previous=after is not None,
        )

    @strawberry.field(
        description="Deadline extension requests awaiting the bureau chief's decision (Art. 16), "
        "oldest first: for the bureau chief, and the command centre to read."
    )
    async def pending_extension_requests(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[ExtensionType]:
        viewer = info.context.viewer
        if not viewer.has(RoleEnum.BUREAU_CHIEF, RoleEnum.COMMAND_CENTER):
            raise Forbidden(
                "pending extension requests are for the bureau chief and the command centre; "
                "each deadline shows its own requests",
                zh="待审批的延期申请仅供执行局局长和执行指挥中心查看；各期限可查看本期限的延期申请",
            )
        size = check_first(first)
        pending = rules.ExtensionStatus.PENDING.value
        query = sa.select(DeadlineExtension).where(DeadlineExtension.status == pending)
        session = info.context.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            query = query.where(DeadlineExtension.id > decode_id_cursor(after))
        # Ids rise with requestedAt: ordering by id is oldest first and keeps the cursor one number.
        rows = (await session.scalars(query.order_by(DeadlineExtension.id).limit(size + 1))).all()
        return connection(
            [ExtensionType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda e: [e.row.id],
            has_previous=after is not None,
        )

    @strawberry.field(description="The signed-in staff member's notifications, newest first.")
    async def notifications(
        self, info: Info, first: int | None = 20, after: str | None = None, unread_only: bool = False
    ) -> Connection[NotificationType]:
        viewer = info.context.viewer
        size = check_first(first, default=20)
        query = sa.select(Notification).where(Notification.recipient_id == viewer.staff_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        session = info.context.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            query = query.where(Notification.id < decode_id_cursor(after))
        rows = (await session.scalars(query.order_by(Notification.id.desc()).limit(size + 1))).all()
        return connection(
            [NotificationType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda n: [n.row.id],
            has_previous=after is not None,
        )

    @strawberry.field(description="How many of the signed-in staff member's notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        viewer = info.context.viewer
        return (
            await info.context.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.recipient_id == viewer.staff_id, Notification.read_at.is_(None))
            )
            or 0
        )

    @strawberry.field(
        description="A year of the court calendar: official holidays, make-up working days, "
        "the court's entries, and whether the year's schedule is confirmed."
    )
    async def calendar(self, info: Info, year: int) -> CalendarYearView:
        info.context.viewer  # noqa: B018
        try:
            calendar_service.check_year(year)
        except DomainError as error:
            raise error.at("year") from None
        return await calendar_year(info, year)

    @strawberry.field(description="The time limits in force and their sources (Art. 22: rules are data).")
    async def deadline_rules(self, info: Info) -> list[DeadlineRuleView]:
        info.context.viewer  # noqa: B018
        rows = (
            await info.context.session.scalars(
                sa.select(DeadlineRuleRow).order_by(
                    DeadlineRuleRow.kind, DeadlineRuleRow.variant, DeadlineRuleRow.effective_from
                )
            )
        ).all()
        return [
            DeadlineRuleView(
                kind=r.kind,
                kind_label=r.kind.label,
                variant=rules.DeadlineVariant.read(r.variant),
                variant_label=v.label if (v := rules.DeadlineVariant.read(r.variant)) else None,
                day_count=r.day_count,
                day_count_label=rules.DayCount(r.day_count).label,
                count=r.count,
                extendable_to=r.extendable_to,
                effective_from=r.effective_from,
                source=r.source,
            )
            for r in rows
        ]


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class RequestDeadlineExtensionInput:
    deadline_id: strawberry.ID
    reason: str


@strawberry.input
class DecideDeadlineExtensionInput:
    request_id: strawberry.ID
    approve: bool
    note: str | None = None


@strawberry.type
class DeadlineExtensionPayload:
    extension_request: ExtensionType | None = None
    deadline: DeadlineType | None = None
    user_errors: list[UserError]


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The notifications to mark; omit to mark all of yours read."
    )


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int = 0
    unread_count: int = 0
    user_errors: list[UserError]


@strawberry.input
class AddCalendarEntryInput:
    date: date
    working: bool
    note: str = strawberry.field(description="The notice the entry comes from.")


@strawberry.input
class RemoveCalendarEntryInput:
    id: strawberry.ID


@strawberry.type
class CalendarEntryPayload:
    entry: CalendarEntryType | None = None
    user_errors: list[UserError]


@strawberry.input
class ConfirmCalendarYearInput:
    year: int
    note: str = strawberry.field(description="The State Council notice that fixes the year's schedule.")


@strawberry.type
class ConfirmCalendarYearPayload:
    year: int | None = None
    user_errors: list[UserError]


async def _extension_result(ctx, request: DeadlineExtension) -> dict:  # type: ignore[no-untyped-def]
    # The request's own read session (one connection per request), read afresh after the change.
    deadline = await ctx.session.get(Deadline, request.deadline_id, populate_existing=True)
    return {"extension_request": ExtensionType(row=request), "deadline": DeadlineType(row=deadline)}


@strawberry.type
class DeadlineMutation:
    @strawberry.mutation(
        description="Ask the bureau chief to extend a deadline (Art. 16: 5 → 7 working days)."
    )
    async def request_deadline_extension(
        self, info: Info, input: RequestDeadlineExtensionInput
    ) -> DeadlineExtensionPayload:
        ctx = info.context

        async def act() -> dict:
            request = await service.request_extension(
                ctx.app, ctx.viewer, pk_of(input.deadline_id, "Deadline", "deadlineId"), input.reason
            )
            return await _extension_result(ctx, request)

        return await run_mutation(DeadlineExtensionPayload, act, lambda r: r)

    @strawberry.mutation(description="Approve or refuse an extension request (BUREAU_CHIEF).")
    async def decide_deadline_extension(
        self, info: Info, input: DecideDeadlineExtensionInput
    ) -> DeadlineExtensionPayload:
        ctx = info.context

        async def act() -> dict:
            request = await service.decide_extension(
                ctx.app,
                ctx.viewer,
                pk_of(input.request_id, "DeadlineExtensionRequest", "requestId"),
                input.approve,
                input.note,
            )
            return await _extension_result(ctx, request)

        return await run_mutation(DeadlineExtensionPayload, act, lambda r: r)

    @strawberry.mutation(description="Mark notifications read.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        ctx = info.context

        async def act() -> dict:
            ids = None if input.ids is None else [pk_of(i, "Notification", "ids") for i in input.ids]
            marked = await notification_service.mark_read(ctx.app, ctx.viewer, ids)
            unread = await DeadlineQuery().unread_notification_count(info)  # type: ignore[call-arg]
            return {"marked": marked, "unread_count": unread}

        return await run_mutation(MarkNotificationsReadPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Declare a date a rest day or a working day (ADMIN); open deadlines it "
        "moves are recomputed in the background."
    )
    async def add_calendar_entry(self, info: Info, input: AddCalendarEntryInput) -> CalendarEntryPayload:
        ctx = info.context
        return await run_mutation(
            CalendarEntryPayload,
            lambda: calendar_service.add_entry(ctx.app, ctx.viewer, input.date, input.working, input.note),
            lambda e: {"entry": CalendarEntryType(row=e)},
        )

    @strawberry.mutation(description="Remove a court calendar entry (ADMIN); deadlines are recomputed.")
    async def remove_calendar_entry(
        self, info: Info, input: RemoveCalendarEntryInput
    ) -> CalendarEntryPayload:
        ctx = info.context

        async def act() -> CalendarEntry:
            return await calendar_service.remove_entry(
                ctx.app, ctx.viewer, pk_of(input.id, "CalendarEntry", "id")
            )

        return await run_mutation(CalendarEntryPayload, act, lambda e: {"entry": CalendarEntryType(row=e)})

    @strawberry.mutation(
        description="Confirm a year's official schedule (ADMIN): its deadlines stop being provisional."
    )
    async def confirm_calendar_year(
        self, info: Info, input: ConfirmCalendarYearInput
    ) -> ConfirmCalendarYearPayload:
        ctx = info.context
        return await run_mutation(
            ConfirmCalendarYearPayload,
            lambda: calendar_service.confirm_year(ctx.app, ctx.viewer, input.year, input.note),
            lambda y: {"year": y},
        )
