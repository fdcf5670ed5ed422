"""Worklists: the viewer's work items (Camunda-Tasklist style), and claim / unclaim / complete /
reassign. Reads are SQLAlchemy Core with keyset pagination and dataloaders: a page costs a
bounded number of statements whatever its size."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import strawberry
from strawberry import UNSET

from ..clock import court_today
from ..db.models import Case, Staff, Team, Window, WorkItem, due_key, far_future_due
from ..domain import work as rules
from ..domain.access import Viewer, case_visible
from ..domain.actions import WorkOutcome as WorkOutcomeEnum
from ..domain.actions import outcome_options
from ..domain.case_numbers import CaseNumber as CaseNumberValue
from ..domain.case_numbers import InvalidCaseNumber
from ..domain.organisation import Role as RoleEnum
from ..domain.organisation import Unit as UnitEnum
from ..domain.work import WorkItemKind as KindEnum
from ..domain.work import WorkItemStatus as StatusEnum
from ..services import work as service
from . import loaders
from .actions import WorkOutcome, WorkOutcomeOption
from .common import Connection, UserError, check_first, connection, decode_cursor, run_mutation
from .context import Info, RequestContext
from .errors import ClientError
from .history import HistoryEntry, history_connection
from .ids import pk_of, to_global_id
from .organisation import Node, Role, StaffType, TeamType, WindowType, WorkItemKind

if TYPE_CHECKING:
    from .cases import CaseType

WorkItemStatus = strawberry.enum(StatusEnum, description="Where a work item stands.")
FAR_FUTURE = date(9999, 12, 31)  # undated items sort after every dated one


@strawberry.enum(description="What the worklist is ordered by (ties by id).")
class WorkItemOrderField(Enum):
    DUE_ON = "DUE_ON"
    PRIORITY = "PRIORITY"
    CREATED_AT = "CREATED_AT"


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class WorkItemOrder:
    field: WorkItemOrderField = WorkItemOrderField.DUE_ON
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class WorkItemFilter:
    status: list[WorkItemStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Default: OPEN and CLAIMED."
    )
    kind: list[WorkItemKind] | None = None  # type: ignore[valid-type]
    team_id: strawberry.ID | None = None
    window_id: strawberry.ID | None = None
    assigned_to_me: bool | None = None
    overdue: bool | None = None
    due_before: date | None = strawberry.field(default=None, description="Due on or before this date.")
    case_number: str | None = None


COLUMNS = [
    WorkItem.__table__.c[name]
    for name in (
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
        "outcome",
        "note",
        "version",
    )
]


async def center_window_ids(ctx: RequestContext) -> frozenset[int]:
    if "centerWindows" not in ctx.loaders:
        ids = (
            await ctx.session.scalars(sa.select(Window.id).where(Window.unit == UnitEnum.AFFAIRS_CENTER))
        ).all()
        ctx.loaders["centerWindows"] = frozenset(ids)
    return ctx.loaders["centerWindows"]


def visibility(viewer: Viewer, center_windows: frozenset[int] | None = None) -> sa.ColumnElement[bool] | None:
    """The SQL form of `domain.work.can_see` (a test checks that the two agree).

    `center_windows` are the Affairs Center's windows; by default a subquery, so the worklist
    costs no extra statement."""
    if viewer.sees_everything:
        return None
    w = WorkItem
    roles = [r.value for r in viewer.roles]
    teams = sorted(viewer.team_ids)
    windows = sorted(viewer.window_ids)
    # Open for a role the viewer holds (within their team, at their window), or for a team or
    # window alone. A viewer without roles, teams or windows is a candidate for nothing.
    options: list[sa.ColumnElement[bool]] = []
    if roles:
        options.append(
            sa.and_(
                w.candidate_role.in_(roles),
                sa.or_(w.team_id.is_(None), w.team_id.in_(teams)) if teams else w.team_id.is_(None),
                sa.or_(w.window_id.is_(None), w.window_id.in_(windows)) if windows else w.window_id.is_(None),
            )
        )
    if teams:
        options.append(sa.and_(w.candidate_role.is_(None), w.team_id.in_(teams)))
    if windows:
        options.append(sa.and_(w.candidate_role.is_(None), w.team_id.is_(None), w.window_id.in_(windows)))
    clauses: list[sa.ColumnElement[bool]] = [w.assignee_id == viewer.staff_id]
    if options:
        clauses.append(sa.and_(w.status == StatusEnum.OPEN, sa.or_(*options)))
    if viewer.lead_team_ids:
        clauses.append(w.team_id.in_(sorted(viewer.lead_team_ids)))
    if RoleEnum.CENTER_HEAD in viewer.roles:
        clauses.append(w.candidate_role.in_([r.value for r in rules.CENTER_ROLES]))
        if center_windows is None:
            centre = sa.select(Window.id).where(Window.unit == UnitEnum.AFFAIRS_CENTER).scalar_subquery()
            clauses.append(sa.and_(w.candidate_role.is_(None), w.window_id.in_(centre)))
        elif center_windows:
            clauses.append(sa.and_(w.candidate_role.is_(None), w.window_id.in_(sorted(center_windows))))
    return sa.or_(*clauses)


def lanes(
    viewer: Viewer, statuses: list[StatusEnum], center_windows: frozenset[int] | None = None
) -> list[sa.ColumnElement[bool]]:
    """`visibility(viewer)` restricted to `statuses`, as the ways ("lanes") an item can be
    visible, each an equality on the leading columns of one of the worklist's indexes (its role,
    team, window, assignee or status, and its status) plus conditions checked on what that index
    yields. Their OR is that restriction (a test checks it); they may overlap, so a reader
    merges them with UNION. Each lane is read in index order, so a page costs n+1 index entries
    per lane, not a sort of everything the viewer may see."""
    w = WorkItem
    each = sorted(set(statuses), key=lambda s: s.value)
    if viewer.sees_everything:
        return [w.status == s for s in each]
    roles = sorted(r.value for r in viewer.roles)
    teams = sorted(viewer.team_ids)
    windows = sorted(viewer.window_ids)
    mine = w.assignee_id == viewer.staff_id
    ways: list[sa.ColumnElement[bool]] = [sa.and_(mine, w.status == s) for s in each]
    if StatusEnum.OPEN in each:  # open for a role the viewer holds, or for their team or window alone
        is_open, no_role = w.status == StatusEnum.OPEN, w.candidate_role.is_(None)
        in_team = sa.or_(w.team_id.is_(None), w.team_id.in_(teams)) if teams else w.team_id.is_(None)
        at_window = (
            sa.or_(w.window_id.is_(None), w.window_id.in_(windows)) if windows else w.window_id.is_(None)
        )
        ways += [sa.and_(w.candidate_role == role, is_open, in_team, at_window) for role in roles]
        ways += [sa.and_(w.team_id == team, is_open, no_role) for team in teams]
        ways += [sa.and_(w.window_id == window, is_open, no_role, w.team_id.is_(None)) for window in windows]
    ways += [sa.and_(w.team_id == team, w.status == s) for team in sorted(viewer.lead_team_ids) for s in each]
    if RoleEnum.CENTER_HEAD in viewer.roles:
        ways += [
            sa.and_(w.candidate_role == role, w.status == s)
            for role in sorted(r.value for r in rules.CENTER_ROLES)
            for s in each
        ]
        if center_windows is None:
            centre = sa.select(Window.id).where(Window.unit == UnitEnum.AFFAIRS_CENTER).scalar_subquery()
            ways += [
                sa.and_(w.window_id.in_(centre), w.status == s, w.candidate_role.is_(None)) for s in each
            ]
        else:
            ways += [
                sa.and_(w.window_id == window, w.status == s, w.candidate_role.is_(None))
                for window in sorted(center_windows)
                for s in each
            ]
    return ways


def _order(order: WorkItemOrder) -> tuple[sa.ColumnElement[Any], bool]:
    if order.field is WorkItemOrderField.PRIORITY:
        return WorkItem.priority, order.direction is OrderDirection.DESC
    if order.field is WorkItemOrderField.CREATED_AT:
        return WorkItem.created_at, order.direction is OrderDirection.DESC
    return due_key(WorkItem.due_on), order.direction is OrderDirection.DESC


def _cursor_value(order: WorkItemOrder, row: Any) -> Any:
    if order.field is WorkItemOrderField.PRIORITY:
        return row.priority
    if order.field is WorkItemOrderField.CREATED_AT:
        return row.created_at.isoformat()
    return (row.due_on or FAR_FUTURE).isoformat()


MAX_ID = 2**63 - 1


def _bad_cursor() -> ClientError:
    return ClientError(
        "after is not a cursor issued for this ordering; use the pageInfo.endCursor of a "
        "worklist with the same orderBy"
    )


def _parse_cursor_value(order: WorkItemOrder, value: Any) -> Any:
    try:
        if order.field is WorkItemOrderField.PRIORITY:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
                raise ValueError
            return value
        if not isinstance(value, str):
            raise ValueError
        if order.field is WorkItemOrderField.CREATED_AT:
            instant = datetime.fromisoformat(value)
            if instant.tzinfo is None:  # the cursors this API issues carry their offset
                raise ValueError
            return instant
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _bad_cursor() from None


def _parse_cursor(order: WorkItemOrder, cursor: str) -> tuple[Any, int]:
    value, last_id = decode_cursor(cursor, 2, check_values=False)  # checked here, per ordering
    if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id <= MAX_ID:
        raise ClientError("after is not a cursor issued by this worklist; use its pageInfo.endCursor")
    return _parse_cursor_value(order, value), last_id


async def worklist_page(
    info: Info,
    *,
    first: int | None,
    after: str | None,
    filter: WorkItemFilter | None,
    order: WorkItemOrder | None,
    window_id: int | None = None,
) -> Connection[WorkItemType]:
    ctx = info.context
    viewer = ctx.viewer
    size = check_first(first)
    order = order or WorkItemOrder()
    conditions: list[sa.ColumnElement[bool]] = []
    if window_id is not None:
        conditions.append(WorkItem.window_id == window_id)
    statuses = [StatusEnum(s) for s in filter.status] if filter and filter.status else list(rules.ACTIVE)
    join_case = False
    if filter is not None:
        if filter.kind:
            conditions.append(WorkItem.kind.in_([KindEnum(k) for k in filter.kind]))
        if filter.team_id is not None:
            conditions.append(WorkItem.team_id == pk_of(filter.team_id, "Team", "filter.teamId"))
        if filter.window_id is not None:
            conditions.append(WorkItem.window_id == pk_of(filter.window_id, "Window", "filter.windowId"))
        if filter.assigned_to_me is not None:
            mine = WorkItem.assignee_id == viewer.staff_id
            conditions.append(
                mine if filter.assigned_to_me else sa.or_(WorkItem.assignee_id.is_(None), ~mine)
            )
        today = court_today(ctx.app.clock, ctx.app.settings.tz)
        if filter.overdue is not None:
            # Undated items are never overdue (and NOT of a NULL comparison would drop them).
            late = sa.and_(
                WorkItem.due_on.is_not(None), WorkItem.due_on < today, WorkItem.status.in_(list(rules.ACTIVE))
            )
            conditions.append(late if filter.overdue else sa.not_(late))
        if filter.due_before is not None:
            conditions.append(WorkItem.due_on <= filter.due_before)
        if filter.case_number:
            join_case = True
            try:  # as case(number:) reads it: half-width brackets, spaces around
                number = str(CaseNumberValue.parse(filter.case_number))
            except InvalidCaseNumber as error:
                raise error.refusal("filter.caseNumber") from None
            conditions.append(Case.number == number)
    key, descending = _order(order)
    bound: list[sa.ColumnElement[bool]] = []
    if after:
        value, last_id = _parse_cursor(order, after)
        tie = sa.tuple_(key, WorkItem.id)
        # Bound with the key's own type: a UTCDateTime stays UTC on SQLite, typed on asyncpg;
        # the undated items' far date as the key writes it (asyncpg would send infinity).
        start = far_future_due() if value == FAR_FUTURE else sa.literal(value, key.type)
        limit = sa.tuple_(start, sa.literal(last_id, WorkItem.id.type))
        bound.append(tie < limit if descending else tie > limit)

    def lane(where: sa.ColumnElement[bool], *columns: Any) -> sa.Select[Any]:
        query = sa.select(*columns).select_from(WorkItem)
        if join_case:
            query = query.join(Case, Case.id == WorkItem.case_id)
        return query.where(where, *conditions)

    ways = lanes(viewer, statuses)
    ordering = [key.desc(), WorkItem.id.desc()] if descending else [key.asc(), WorkItem.id.asc()]
    if len(ways) == 1:
        page = lane(ways[0], *COLUMNS).where(*bound).order_by(*ordering).limit(size + 1)
        count = lane(ways[0], sa.func.count())
    else:
        # Each lane's first n+1 in index order, merged (UNION: the lanes may overlap), then the
        # page's rows by primary key. The count merges the lanes' ids the same way.
        firsts = [
            lane(way, key.label("key"), WorkItem.id).where(*bound).order_by(*ordering).limit(size + 1)
            for way in ways
        ]
        heads = sa.union(*(sa.select(f.c.key, f.c.id) for f in (q.subquery() for q in firsts))).subquery()
        merged = [heads.c.key, heads.c.id]
        merged = [c.desc() for c in merged] if descending else [c.asc() for c in merged]
        page = (
            sa.select(*COLUMNS).join(heads, heads.c.id == WorkItem.id).order_by(*merged).limit(size + 1)
        )
        every = sa.union(*(lane(way, WorkItem.id) for way in ways)).subquery("visible")
        count = sa.select(sa.func.count()).select_from(every)
    # The page's team, assignee and case come in the same statement, primed into the loaders
    # the item's fields read (issue 14: one statement instead of three).
    page = (
        page.add_columns(Team, Staff, Case)
        .outerjoin(Team, Team.id == WorkItem.team_id)
        .outerjoin(Staff, Staff.id == WorkItem.assignee_id)
    )
    if not (join_case and len(ways) == 1):  # else the lane has joined the case already
        page = page.outerjoin(Case, Case.id == WorkItem.case_id)
    rows = (await ctx.session.execute(page)).all()
    from .cases import case_by_id  # the case's module imports this one

    related = (("team", loaders.team_by_id), ("staff", loaders.staff_by_id), ("case", case_by_id))
    for at, (name, load) in enumerate(related, start=len(COLUMNS)):
        primed = loaders.loader(ctx, name, load)
        for r in rows:
            if r[at] is not None:
                primed.prime(r[at].id, r[at])
    total = await ctx.session.scalar(count)
    return connection(
        [WorkItemType(row=r) for r in rows],
        first=size,
        total=total or 0,
        key=lambda item: [_cursor_value(order, item.row), item.row.id],
        has_previous=after is not None,
    )


def _team(row: Any) -> TeamType | None:
    return TeamType(row=row) if row else None


def _staff(row: Any) -> StaffType | None:
    return StaffType(row=row) if row else None


def _case_visible(viewer: Viewer, case: Case | None) -> bool:
    """A work item is no side door to its case: the case shows only to those who may read it."""
    return case is not None and case_visible(viewer, team_id=case.team_id, handler_id=case.handler_id)


PRIORITY = "1 normal; raised by the escalation ladder (2 warned, 3 due, 4 missed)."
SUBJECT = (
    "The global id of what the item is about (a case, a visit, an online message, "
    "a petition…), for node(id:)."
)
VERSION = "Send it back with a change; a stale version is refused (STALE)."


@strawberry.type(name="WorkItem", description="Something waiting for someone to act on it.")
class WorkItemType(Node):
    row: strawberry.Private[Any]  # a Core row or an ORM WorkItem: the same attributes

    # Scalars are plain attributes, copied from the row once (__post_init__): Strawberry reads them
    # without a resolver call, which a page of 50 items x 18 fields makes worth it (issue 14).
    id: strawberry.ID = UNSET
    kind: WorkItemKind = UNSET  # type: ignore[valid-type]
    kind_label: str = UNSET
    title: str = UNSET
    status: WorkItemStatus = UNSET  # type: ignore[valid-type]
    status_label: str = UNSET
    priority: int = strawberry.field(default=UNSET, description=PRIORITY)
    due_on: date | None = UNSET
    candidate_role: Role | None = UNSET  # type: ignore[valid-type]
    candidate_role_label: str | None = UNSET
    subject_id: strawberry.ID = strawberry.field(default=UNSET, description=SUBJECT)
    created_at: datetime = UNSET
    claimed_at: datetime | None = UNSET
    completed_at: datetime | None = UNSET
    outcome: WorkOutcome | None = UNSET  # type: ignore[valid-type]
    outcome_label: str | None = strawberry.field(default=UNSET, description="The outcome in zh-CN.")
    note: str | None = UNSET
    version: int = strawberry.field(default=UNSET, description=VERSION)

    def __post_init__(self) -> None:
        row = self.row
        self.id = to_global_id("WorkItem", row.id)  # type: ignore[assignment]
        self.kind = row.kind
        self.kind_label = KindEnum(row.kind).label
        self.title = row.title
        self.status = row.status
        self.status_label = StatusEnum(row.status).label
        self.priority = row.priority
        self.due_on = row.due_on
        self.candidate_role = row.candidate_role
        self.candidate_role_label = RoleEnum(row.candidate_role).label if row.candidate_role else None
        self.subject_id = to_global_id(row.owner_type, row.owner_id)  # type: ignore[assignment]
        self.created_at = row.created_at
        self.claimed_at = row.claimed_at
        self.completed_at = row.completed_at
        outcome = None if row.outcome is None else WorkOutcomeEnum(row.outcome)
        self.outcome = outcome
        self.outcome_label = None if outcome is None else outcome.label
        self.note = row.note
        self.version = row.version

    @strawberry.field
    def overdue(self, info: Info) -> bool:
        today = info.context.today()
        return self.row.due_on is not None and self.row.due_on < today and self.row.status in rules.ACTIVE

    @strawberry.field
    def team(self, info: Info) -> TeamType | None:
        if self.row.team_id is None:
            return None
        return loaders.load_then(info.context, "team", loaders.team_by_id, self.row.team_id, _team)

    @strawberry.field
    async def window(self, info: Info) -> WindowType | None:
        if self.row.window_id is None:
            return None
        window = await loaders.loader(info.context, "window", loaders.window_by_id).load(self.row.window_id)
        return WindowType(row=window) if window else None

    @strawberry.field
    def assignee(self, info: Info) -> StaffType | None:
        if self.row.assignee_id is None:
            return None
        return loaders.load_then(info.context, "staff", loaders.staff_by_id, self.row.assignee_id, _staff)

    @strawberry.field(name="case")
    def case_(self, info: Info) -> Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None:
        if self.row.case_id is None:
            return None
        from .cases import CaseType, case_by_id

        viewer = info.context.viewer

        def shown(row: Case | None) -> CaseType | None:
            return CaseType(row=row) if _case_visible(viewer, row) else None

        return loaders.load_then(info.context, "case", case_by_id, self.row.case_id, shown)

    @strawberry.field(description="The outcomes completing this item accepts, each with whether this viewer "
                      "may record it now (and why not: claim it first, someone else holds it, …).")
    def allowed_outcomes(self, info: Info) -> list[WorkOutcomeOption]:
        outcomes = rules.OUTCOMES.get(KindEnum(self.row.kind), ("DONE",))
        item = rules.ItemAudience(
            status=StatusEnum(self.row.status), candidate_role=self.row.candidate_role,
            team_id=self.row.team_id, window_id=self.row.window_id, assignee_id=self.row.assignee_id,
        )
        return [WorkOutcomeOption.of(option)
                for option in outcome_options(outcomes, item, info.context.viewer)]

    @strawberry.field
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[HistoryEntry]:
        return await history_connection(info, ["WorkItem"], self.row.id, first, after)


async def visible_item(info: Info, pk: int) -> WorkItemType | None:
    ctx = info.context
    row = await ctx.session.get(WorkItem, pk)
    if row is None:
        return None
    facts = service.audience(row, row.window_id in await center_window_ids(ctx) if row.window_id else False)
    return WorkItemType(row=row) if rules.can_see(ctx.viewer, facts) else None


@strawberry.type
class WorklistQuery:
    @strawberry.field(
        description="The viewer's work items: assigned to them, or open for a role, team or "
        "window they hold; leads see their team's, the centre head the centre's, the bureau chief "
        "and the command centre all. Most urgent first by default."
    )
    async def worklist(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: WorkItemFilter | None = None,
        order_by: WorkItemOrder | None = None,
    ) -> Connection[WorkItemType]:
        return await worklist_page(info, first=first, after=after, filter=filter, order=order_by)


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class ClaimWorkItemInput:
    id: strawberry.ID
    version: int | None = strawberry.field(
        default=None, description="The version you read; STALE if it moved."
    )


@strawberry.input
class CompleteWorkItemInput:
    id: strawberry.ID
    outcome: WorkOutcome = strawberry.field(  # type: ignore[valid-type]
        description="One of the item's allowedOutcomes (any other is refused as the userError INVALID)."
    )
    note: str | None = None
    version: int | None = None


@strawberry.input
class ReassignWorkItemInput:
    id: strawberry.ID
    assignee_id: strawberry.ID
    version: int | None = None


@strawberry.type
class WorkItemPayload:
    work_item: WorkItemType | None = None
    user_errors: list[UserError]


@strawberry.type
class CompleteWorkItemPayload:
    work_item: WorkItemType | None = None
    case: Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None = None
    user_errors: list[UserError]


def _item(item: WorkItem) -> dict:
    return {"work_item": WorkItemType(row=item)}


@strawberry.type
class WorklistMutation:
    @strawberry.mutation(description="Take an open work item; a second claim gets ALREADY_CLAIMED.")
    async def claim_work_item(self, info: Info, input: ClaimWorkItemInput) -> WorkItemPayload:
        ctx = info.context

        async def act() -> WorkItem:
            return await service.claim(ctx.app, ctx.viewer, pk_of(input.id, "WorkItem"), input.version)

        return await run_mutation(WorkItemPayload, act, _item)

    @strawberry.mutation(description="Give a held work item back to its candidates.")
    async def unclaim_work_item(self, info: Info, input: ClaimWorkItemInput) -> WorkItemPayload:
        ctx = info.context

        async def act() -> WorkItem:
            return await service.unclaim(ctx.app, ctx.viewer, pk_of(input.id, "WorkItem"), input.version)

        return await run_mutation(WorkItemPayload, act, _item)

    @strawberry.mutation(description="Finish a held work item; its outcome moves the case on.")
    async def complete_work_item(self, info: Info, input: CompleteWorkItemInput) -> CompleteWorkItemPayload:
        ctx = info.context

        async def act() -> dict:
            item = await service.complete(
                ctx.app,
                ctx.viewer,
                pk_of(input.id, "WorkItem"),
                WorkOutcomeEnum(input.outcome).value,
                note=input.note,
                version=input.version,
            )
            from .cases import CaseType

            case = await ctx.session.get(Case, item.case_id, populate_existing=True) if item.case_id else None
            visible = _case_visible(ctx.viewer, case)
            return {"work_item": WorkItemType(row=item), "case": CaseType(row=case) if visible else None}

        return await run_mutation(CompleteWorkItemPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Give a work item to someone else: a lead within the team, the centre "
        "head within the centre."
    )
    async def reassign_work_item(self, info: Info, input: ReassignWorkItemInput) -> WorkItemPayload:
        ctx = info.context

        async def act() -> WorkItem:
            return await service.reassign(
                ctx.app,
                ctx.viewer,
                pk_of(input.id, "WorkItem"),
                pk_of(input.assignee_id, "Staff", "assigneeId"),
                input.version,
            )

        return await run_mutation(WorkItemPayload, act, _item)
