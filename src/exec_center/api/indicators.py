"""The command centre's indicators over a period, with their definitions (issue 15).

Thin: definitions in domain/indicators.py, SQL in services/indicators.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from ..domain import indicators as rules
from ..domain.errors import DomainError, ErrorCode
from ..services import indicators as service
from .cases import CaseType, CaseTypeGql, case_page
from .common import Connection, check_first
from .context import Info
from .ids import pk_of, to_global_id

IndicatorName = strawberry.enum(
    rules.Indicator, name="IndicatorName",
    description="An indicator of the command centre (issue 15); each value's description is its "
    "definition: numerator, denominator, the date that counts, the breakdowns it has.",
)
for _member, _value in zip(rules.Indicator, IndicatorName.__strawberry_definition__.values, strict=True):
    _value.description = rules.DEFINITIONS[_member].description
Granularity = strawberry.enum(
    rules.Granularity, name="IndicatorGranularity",
    description="Period buckets: DAY, WEEK (Monday to Sunday, the bucket named by its Monday), MONTH "
    "(named by its first day). A bucket at either end of the period holds only its days inside it.",
)
Breakdown = strawberry.enum(
    rules.Breakdown, name="IndicatorBreakdown",
    description="What a figure is broken down by. TEAM, OFFICER and WINDOW keys are Team, Staff and "
    "Window ids; CASE_TYPE, STAGE and CLOSING_METHOD keys the enum identifiers; TOWNSHIP the name; "
    "ESCALATION_LEVEL the rung (0 = not escalated); DEADLINE_KIND and WORK_ITEM_KIND the kind's "
    "identifier. An indicator refuses a breakdown it has no meaning for (its description lists those "
    "it has).",
)
CasesPart = strawberry.enum(
    rules.CasesPart, name="IndicatorCasesPart",
    description="Which cases behind a rate's cell to list: ALL, those COUNTED in its numerator (e.g. "
    "met the limit) or those NOT_COUNTED (e.g. missed it). A count has only ALL.",
)

_ID_TYPES = {rules.Breakdown.TEAM: "Team", rules.Breakdown.OFFICER: "Staff", rules.Breakdown.WINDOW: "Window"}
From = Annotated[date, strawberry.argument(name="from", description="First day of the period (court date).")]
To = Annotated[date, strawberry.argument(description="Last day of the period, included (at most 400 days).")]


@strawberry.input(
    description="Narrows an indicator to the rows of one team, officer, window, case type or township "
    "(each the key of the breakdown of that name; several: all of them). E.g. what one team is behind "
    "on: OVERDUE_DEADLINES by DEADLINE_KIND within that team. An indicator without the breakdown "
    "refuses it (NOT_ALLOWED, naming the field)."
)
class IndicatorScope:
    team: strawberry.ID | None = None
    officer: strawberry.ID | None = strawberry.field(default=None, description="A Staff id.")
    window: strawberry.ID | None = None
    case_type: CaseTypeGql | None = None  # type: ignore[valid-type]
    township: str | None = None

    def scope(self) -> rules.Scope:
        def pk(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
            return None if value is None else pk_of(value, type_name, f"within.{field}")

        return rules.Scope.of(
            team=pk(self.team, "Team", "team"), officer=pk(self.officer, "Staff", "officer"),
            window=pk(self.window, "Window", "window"),
            case_type=self.case_type.value if self.case_type is not None else None,
            township=self.township,
        )


def scope_of(within: IndicatorScope | None) -> rules.Scope:
    return within.scope() if within is not None else rules.Scope()


Within = Annotated[IndicatorScope | None, strawberry.argument(
    description="Only the rows of this team, officer, window, case type or township.")]


def _key_out(by: rules.Breakdown, key: Any) -> str | None:
    if key is None:
        return None
    if by in _ID_TYPES:
        return to_global_id(_ID_TYPES[by], int(key))
    return str(key)


def breakdown_key(by: rules.Breakdown, key: str | None) -> Any:
    if key is None:
        return None
    if by in _ID_TYPES:
        return pk_of(key, _ID_TYPES[by], "key")
    if by is rules.Breakdown.ESCALATION_LEVEL:
        if not key.isdigit() or len(key) > 3:
            raise DomainError(f"key must be an escalation level (0, 1, 2…); got {key[:20]!r}",
                              zh="key 应为催办层级（0、1、2…）", field="key", code=ErrorCode.BAD_FORMAT)
        return int(key)
    return rules.check_key(by, key)


@strawberry.type(description="One figure: a bucket of the period and a breakdown key.")
class IndicatorCell:
    bucket: date | None = strawberry.field(
        description="The bucket's first day (a day, a Monday, a month's 1st); null for a figure of now."
    )
    key: str | None = strawberry.field(description="The breakdown key; null without breakdown, or for "
                                       "the rows the key is empty for (no team yet, …).")
    key_label: str | None = strawberry.field(description="The key in zh-CN: a team's or person's name, "
                                             "a label, a township.")
    value: float | None = strawberry.field(
        description="The figure: the numerator for a count; numerator / denominator (0..1) for a rate, "
        "null when the denominator is 0."
    )
    numerator: Decimal = strawberry.field(description="What the indicator's definition counts or sums.")
    denominator: Decimal | None = strawberry.field(description="For a rate; null for a count.")
    age_days_average: float | None = strawberry.field(
        description="OPEN_CASES: the cases' average age in calendar days since received."
    )
    age_days_max: int | None = strawberry.field(description="OPEN_CASES: the oldest case's age in days.")
    median_days: int | None = strawberry.field(
        description="A duration (QUERY_CONTROL_DAYS, CASE_DAYS, STAGE_DAYS): the median of the cases' days."
    )
    p90_days: int | None = strawberry.field(description="A duration: the 90th percentile of the days.")
    _indicator: strawberry.Private[rules.Indicator]
    _period: strawberry.Private[rules.Period]
    _by: strawberry.Private[rules.Breakdown]
    _raw_key: strawberry.Private[Any]
    _scope: strawberry.Private[rules.Scope]

    @strawberry.field(
        description="The cases behind this figure that the viewer may read, newest first. Two "
        "statements per cell asked: for one figure at a time (a table's many cells: indicatorCases "
        "with the cell's bucket and key)."
    )
    async def cases(
        self, info: Info, first: int | None = 50, after: str | None = None,
        part: CasesPart = rules.CasesPart.ALL,  # type: ignore[valid-type,assignment]
    ) -> Connection[CaseType]:
        return await _cases_behind(info, self._indicator, self._period, self._by, self.bucket, self._raw_key,
                                   first, after, part, self._scope)


@strawberry.type(description="An indicator over a period, broken down, with its definition.")
class IndicatorTable:
    name: IndicatorName  # type: ignore[valid-type]
    name_label: str = strawberry.field(description="Its name in zh-CN, e.g. 结案数.")
    definition: str = strawberry.field(description="Numerator, denominator and the date that counts.")
    numerator_definition: str
    denominator_definition: str | None
    date_counted: str = strawberry.field(description="Which date puts a row in a bucket ('now' for a "
                                         "snapshot).")
    from_: date = strawberry.field(name="from")
    to: date
    granularity: Granularity  # type: ignore[valid-type]
    granularity_label: str = strawberry.field(description="In zh-CN, e.g. 按月.")
    by: Breakdown  # type: ignore[valid-type]
    by_label: str = strawberry.field(description="In zh-CN, e.g. 团队.")
    as_of: date = strawberry.field(description="The court's today the figures were read on.")
    cells: list[IndicatorCell] = strawberry.field(description="Bucket then key order; a bucket or key "
                                                  "with nothing counted has no cell.")


async def _cases_behind(
    info: Info, indicator: rules.Indicator, period: rules.Period, by: rules.Breakdown, bucket: date | None,
    key: Any, first: int | None, after: str | None, part: Any = rules.CasesPart.ALL,
    scope: rules.Scope = rules.Scope(),
) -> Connection[CaseType]:
    ctx = info.context
    viewer = ctx.viewer
    service.require_reader(viewer)
    size = check_first(first)
    query = service.cases_behind_query(
        indicator, period, by, bucket=bucket, key=key, today=ctx.today(), tz=ctx.app.settings.tz,
        dialect=ctx.app.engine.dialect.name, viewer=viewer, part=rules.CasesPart(part), scope=scope,
    )
    return await case_page(info, query, size, after)


def _period(from_: date, to: date, granularity: Any) -> rules.Period:
    return rules.Period.of(from_, to, rules.Granularity(granularity))


@strawberry.type
class IndicatorQuery:
    @strawberry.field(
        description="An indicator of the command centre over a period (from, to: court dates, at most "
        "400 days), by DAY, WEEK or MONTH, broken down by `by`. Every figure drills down to its cases "
        "(IndicatorCell.cases). For the command centre, the bureau chief and the centre head."
    )
    async def indicator(
        self, info: Info, name: IndicatorName, from_: From, to: To,  # type: ignore[valid-type]
        granularity: Granularity = rules.Granularity.MONTH,  # type: ignore[valid-type,assignment]
        by: Breakdown = rules.Breakdown.NONE,  # type: ignore[valid-type,assignment]
        within: Within = None,
    ) -> IndicatorTable:
        ctx = info.context
        indicator, by_ = rules.Indicator(name), rules.Breakdown(by)
        service.require_reader(ctx.viewer)
        period = _period(from_, to, granularity)
        result = await service.indicator(ctx.app, ctx.session, ctx.viewer, indicator, period, by_,
                                         scope_of(within))
        definition = rules.DEFINITIONS[indicator]
        return IndicatorTable(
            name=indicator, name_label=indicator.label, definition=definition.description,
            numerator_definition=definition.numerator, denominator_definition=definition.denominator,
            date_counted=definition.date_counted, from_=period.start, to=period.end,
            granularity=period.granularity, granularity_label=period.granularity.label,
            by=result.by, by_label=result.by.label, as_of=result.as_of,
            cells=[
                IndicatorCell(
                    bucket=c.bucket, key=_key_out(result.by, c.key), key_label=c.key_label, value=c.value,
                    numerator=Decimal(str(c.numerator)) if c.numerator is not None else Decimal(0),
                    denominator=Decimal(str(c.denominator)) if c.denominator is not None else None,
                    age_days_average=c.age_days_average, age_days_max=c.age_days_max,
                    median_days=c.median_days, p90_days=c.p90_days,
                    _indicator=indicator, _period=period, _by=result.by, _raw_key=c.key, _scope=result.scope,
                )
                for c in result.cells
            ],
        )

    @strawberry.field(
        description="The cases behind one figure of `indicator` (same name, period and breakdown): "
        "`bucket` one of its buckets (omitted: the whole period), `key` a cell's key (omitted with a "
        "breakdown: the cell whose key is empty), `within` as the figure's. Only cases the viewer may "
        "read, newest first."
    )
    async def indicator_cases(
        self, info: Info, name: IndicatorName, from_: From, to: To,  # type: ignore[valid-type]
        granularity: Granularity = rules.Granularity.MONTH,  # type: ignore[valid-type,assignment]
        by: Breakdown = rules.Breakdown.NONE,  # type: ignore[valid-type,assignment]
        bucket: date | None = None, key: str | None = None, first: int | None = 50, after: str | None = None,
        part: CasesPart = rules.CasesPart.ALL,  # type: ignore[valid-type,assignment]
        within: Within = None,
    ) -> Connection[CaseType]:
        service.require_reader(info.context.viewer)
        indicator, by_ = rules.Indicator(name), rules.Breakdown(by)
        period = _period(from_, to, granularity)
        by_ = rules.check_breakdown(indicator, by_)
        key_ = breakdown_key(by_, key)
        return await _cases_behind(info, indicator, period, by_, bucket, key_, first, after, part,
                                   scope_of(within))
