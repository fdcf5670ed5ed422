"""Cases in GraphQL: the case file (parties masked unless the viewer needs them), intake and
every step of the preservation-case lifecycle."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import strawberry
from strawberry import UNSET

from ..clock import court_today
from ..db.models import (
    AdjudicationApplication,
    AssetFinding,
    AuditEvent,
    Case,
    CaseParty,
    CaseRecord,
    ControlMeasure,
    Deadline,
    Document,
    TransferStrategyRow,
)
from ..db.types import as_utc
from ..documents.models import DocumentKind as DocumentKindEnum
from ..domain import assets as asset_rules
from ..domain import lifecycle as stages
from ..domain import windows as windows_rules
from ..domain.access import case_visible, sees_personal_data
from ..domain.actions import step_options
from ..domain.case_numbers import CaseNumber as CaseNumberValue
from ..domain.case_numbers import CaseType as CaseTypeEnum
from ..domain.case_numbers import InvalidCaseNumber
from ..domain.deadlines import DeadlineStatus
from ..domain.errors import DomainError, ErrorCode, Forbidden
from ..domain.identifiers import IdType as IdTypeEnum
from ..domain.identifiers import PartyKind as PartyKindEnum
from ..domain.intake import IntakeData, PartyData
from ..domain.intake import TitleKind as TitleKindEnum
from ..domain.masking import mask_party_identifier, mask_phone
from ..domain.transfer import DEFAULT_STRATEGY
from ..domain.transfer import TransferStrategy as TransferStrategyEnum
from ..services import asset_queries, lifecycle, measures
from ..services import cases as case_service
from ..services.case_list import (
    CASE_LISTERS,
    LIST_EVERY_CASE,  # noqa: F401  (who lists every case; tests read it here)
    SEARCH_MAX,
    CaseListFilter,
    case_list_query,
)
from . import loaders
from .actions import CaseStepOption
from .common import Connection, UserError, check_first, connection, decode_cursor, run_mutation
from .context import Info, RequestContext
from .deadlines import DeadlineType
from .history import HistoryEntry, history_connection
from .ids import pk_of, to_global_id
from .organisation import Node, StaffType, TeamType

if TYPE_CHECKING:
    from .supervision import SupervisionOrderType
    from .windows_api import MaterialsReceiptType

CaseStage = strawberry.enum(stages.CaseStage, description="Where a case stands in its life.")
CaseTypeGql = strawberry.enum(CaseTypeEnum, name="CaseType", description="The case type (类型代字).")
PartyKind = strawberry.enum(PartyKindEnum)
IdType = strawberry.enum(IdTypeEnum, description="Which identity document a number is (证件类型).")
TitleKind = strawberry.enum(TitleKindEnum, description="The kind of enforceable title (执行依据).")
AssetCategory = strawberry.enum(asset_rules.AssetCategory)
MeasureKind = strawberry.enum(asset_rules.MeasureKind)
MediationOutcome = strawberry.enum(stages.MediationOutcome, description="What a mediation came to.")
FindingOrigin = strawberry.enum(asset_rules.FindingOrigin, description="How an asset finding came.")
MeasureStatus = strawberry.enum(asset_rules.MeasureStatus, description="Where a control measure stands.")
DocumentKind = strawberry.enum(DocumentKindEnum, description="Which document the court rendered.")
CaseRecordKind = strawberry.enum(stages.CaseRecordKind, description="What a team's record is of.")
AdjudicationStatus = strawberry.enum(
    stages.AdjudicationStatus, description="Where an adjudication application stands."
)
ResumptionGround = strawberry.enum(
    windows_rules.ResumptionGround, description="Why execution resumes (恢复执行的事由, CPL 2023 art. 241)."
)
ClosingMethod = strawberry.enum(
    stages.ClosingMethod,
    description="How a case is closed (结案方式), by case type (法发〔2014〕26号). Some have conditions "
    "checked when the case is closed: TERMINATED_CURRENT_PROCEDURE (终本) needs compulsory execution "
    "(not fast closing), more than three months since filing, the property investigation done and the "
    "applicant told (法〔2016〕373号 arts. 1, 3, 5). A 执保 case closes PRESERVATION_COMPLETED, "
    "PARTLY_PRESERVED or NOTHING_TO_PRESERVE with its conversion.",
)
AdjudicationKind = strawberry.enum(stages.AdjudicationKind)
TransferStrategy = strawberry.enum(TransferStrategyEnum)


@strawberry.enum
class FindingSource(Enum):
    MANUAL = "MANUAL"
    IMPORT = "IMPORT"


async def case_by_id(ctx: RequestContext, keys: list[int]) -> list[Case | None]:
    rows = (await ctx.session.scalars(sa.select(Case).where(Case.id.in_(keys)))).all()
    return loaders._by_id(keys, rows)


async def case_page(info: Info, query: sa.Select[Any], size: int, after: str | None) -> Connection[CaseType]:
    """A page of cases (`query` selecting Case), newest id first, with the count of them all."""
    session = info.context.session
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    if after:
        (last,) = decode_cursor(after, 1)
        if not isinstance(last, int):
            raise DomainError("after is not a cursor issued for this list", field="after",
                              zh="after 不是本列表给出的游标", code=ErrorCode.BAD_FORMAT)
        query = query.where(Case.id < last)
    rows = (await session.scalars(query.order_by(Case.id.desc()).limit(size + 1))).all()
    return connection(
        [CaseType(row=r) for r in rows],
        first=size,
        total=total or 0,
        key=lambda c: [c.row.id],
        has_previous=after is not None,
    )


def _file_ids(case: Case, archived_into: list[int]) -> list[int]:
    """The case's file: itself, the preservation case it came from, what is archived into it."""
    ids = [case.id, *archived_into]
    if case.case_type is CaseTypeEnum.ZHI and case.origin_case_id is not None:
        ids.append(case.origin_case_id)
    return list(dict.fromkeys(ids))


async def _archived_into(ctx: RequestContext, keys: list[int]) -> list[list[int]]:
    rows = (
        await ctx.session.execute(
            sa.select(Case.archived_into_id, Case.id).where(Case.archived_into_id.in_(keys))
        )
    ).all()
    return loaders._group(keys, [(r[0], r[1]) for r in rows])


def _rows_by_case(model):  # type: ignore[no-untyped-def]
    async def load(ctx: RequestContext, keys: list[int]) -> list[list]:
        rows = (
            await ctx.session.scalars(sa.select(model).where(model.case_id.in_(keys)).order_by(model.id))
        ).all()
        return loaders._group(keys, [(r.case_id, r) for r in rows])

    return load


async def _deadlines_by_case(ctx: RequestContext, keys: list[int]) -> list[list[Deadline]]:
    rows = (
        await ctx.session.scalars(
            sa.select(Deadline)
            .where(Deadline.owner_type == "Case", Deadline.owner_id.in_(keys))
            .order_by(Deadline.id)
        )
    ).all()
    return loaders._group(keys, [(r.owner_id, r) for r in rows])


async def _review_deadlines(ctx: RequestContext, keys: list[int]) -> list[list[Deadline]]:
    rows = (
        await ctx.session.scalars(
            sa.select(Deadline)
            .where(Deadline.owner_type == "AdjudicationApplication", Deadline.owner_id.in_(keys))
            .order_by(Deadline.id)
        )
    ).all()
    return loaders._group(keys, [(r.owner_id, r) for r in rows])


# The history entries that mark a case's transfer and archiving: the lifecycle step and the
# service's own entry (either suffices, so the dates survive the two being merged into one).
_TRANSFERRED = ("TRANSFER", "TRANSFER_CASE")
_ARCHIVED = ("ARCHIVE", "ARCHIVE_CASE")


async def _milestones(ctx: RequestContext, keys: list[int]) -> list[dict[str, date]]:
    """When each case was first transferred and archived, as court dates, from its history
    (no column holds them)."""
    tz = ctx.app.settings.tz
    rows = (
        await ctx.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.action, sa.func.min(AuditEvent.at))
            .where(
                AuditEvent.object_type == "Case",
                AuditEvent.object_id.in_(keys),
                AuditEvent.action.in_(_TRANSFERRED + _ARCHIVED),
            )
            .group_by(AuditEvent.object_id, AuditEvent.action)
        )
    ).all()
    found: dict[int, dict[str, date]] = {key: {} for key in keys}
    for case_id, action, at in rows:
        name = "transferred" if action in _TRANSFERRED else "archived"
        day = as_utc(at).astimezone(tz).date()
        milestones = found[case_id]
        milestones[name] = min(day, milestones.get(name, day))
    return [found[key] for key in keys]


async def _related(ctx: RequestContext, keys: list[int]) -> list[list[Case]]:
    rows = (
        await ctx.session.scalars(sa.select(Case).where(Case.origin_case_id.in_(keys)).order_by(Case.id))
    ).all()
    return loaders._group(keys, [(r.origin_case_id, r) for r in rows])


@strawberry.type(
    description="An applicant or respondent. idNumber and phone are masked unless the viewer is "
    "a centre officer, on the case's team or its handler."
)
class Party(Node):
    row: strawberry.Private[CaseParty]
    full: strawberry.Private[bool]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Party", self.row.id)

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> PartyKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def kind_label(self) -> str:
        return self.row.kind.label

    @strawberry.field(description="Which identity document idNumber is.")
    def id_type(self) -> IdType:  # type: ignore[valid-type]
        return IdTypeEnum(self.row.id_type)

    @strawberry.field
    def id_type_label(self) -> str:
        return IdTypeEnum(self.row.id_type).label

    @strawberry.field(
        description="The number of the idType document (a resident ID masked 445322********1236); "
        "empty when idType is UNKNOWN."
    )
    def id_number(self) -> str:
        if self.row.id_number is None:
            return ""
        return (
            self.row.id_number
            if self.full
            else mask_party_identifier(self.row.kind, self.row.id_number, self.row.id_type) or ""
        )

    @strawberry.field(description="Masked 138****8000 unless the viewer needs it.")
    def phone(self) -> str | None:
        return self.row.phone if self.full else mask_phone(self.row.phone)

    @strawberry.field
    def address(self) -> str | None:
        return self.row.address if self.full else None

    @strawberry.field(description="Whether idNumber and phone are shown in full to this viewer.")
    def unmasked(self) -> bool:
        return self.full

    @strawberry.field(description="The party's agents ad litem (诉讼代理人, CPL 2023 arts. 61–62).")
    async def agents(
        self, info: Info
    ) -> list[Annotated[Agent, strawberry.lazy("exec_center.api.parties")]]:  # noqa: F821
        from .parties import party_agents

        return await party_agents(info, self.row, self.full)


@strawberry.type(description="A query result (查询反馈): an asset found.")
class Finding(Node):
    row: strawberry.Private[AssetFinding]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Finding", self.row.id)

    @strawberry.field
    def category(self) -> AssetCategory:  # type: ignore[valid-type]
        return self.row.category

    @strawberry.field
    def category_label(self) -> str:
        return self.row.category.label

    @strawberry.field
    def institution(self) -> str:
        return self.row.institution

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field
    def value(self) -> Decimal | None:
        return self.row.value

    @strawberry.field
    def encumbrances(self) -> str | None:
        return self.row.encumbrances

    @strawberry.field(description="This court sealed or froze it first (首封).")
    def first_seal(self) -> bool:
        return self.row.first_seal

    @strawberry.field
    def disposable(self) -> bool:
        return self.row.disposable

    @strawberry.field
    def respondent_holds_mortgage(self) -> bool:
        return self.row.respondent_holds_mortgage

    @strawberry.field(description="QUERY (from the query-control system), MANUAL or IMPORT.")
    def source(self) -> FindingOrigin:  # type: ignore[valid-type]
        return asset_rules.FindingOrigin(self.row.source)

    @strawberry.field
    def source_label(self) -> str:
        return asset_rules.FindingOrigin(self.row.source).label


@strawberry.type(name="ControlMeasure")
class ControlMeasureType(Node):
    row: strawberry.Private[ControlMeasure]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("ControlMeasure", self.row.id)

    @strawberry.field
    def measure(self) -> MeasureKind:  # type: ignore[valid-type]
        return self.row.measure

    @strawberry.field
    def measure_label(self) -> str:
        return self.row.measure.label

    @strawberry.field
    def amount(self) -> Decimal:
        return self.row.amount

    @strawberry.field(
        description="The day the measure took effect (the bank's or registry's date): its period "
        "counts from it."
    )
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="The last day the measure holds unless renewed (null for a deduction).")
    def expires_on(self) -> date | None:
        return self.row.expires_on

    @strawberry.field(
        description="IN_FORCE; RENEWED (a later measure, renewedFrom this one, carries it on); "
        "RELEASED (解除); LAPSED (expired unrenewed); ENDED (deducted in full, or ended with the case)."
    )
    def status(self) -> MeasureStatus:  # type: ignore[valid-type]
        return asset_rules.MeasureStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return asset_rules.MeasureStatus(self.row.status).label

    @strawberry.field(description="The day it stopped holding (released, renewed, lapsed, ended).")
    def ended_on(self) -> date | None:
        return self.row.ended_on

    @strawberry.field(description="Why it was released or ended.")
    def end_reason(self) -> str | None:
        return self.row.end_reason

    @strawberry.field(description="The measure this one renews (续行), if it is a renewal.")
    def renewed_from_id(self) -> strawberry.ID | None:
        if self.row.renewed_from_id is None:
            return None
        return to_global_id("ControlMeasure", self.row.renewed_from_id)

    @strawberry.field(description="The ruling or notice of its renewal or release, if any.")
    def document_id(self) -> strawberry.ID | None:
        if self.row.document_id is None:
            return None
        return to_global_id("Document", self.row.document_id)

    @strawberry.field(
        description="Why an indivisible asset is controlled beyond what was left of the claim (SPC "
        "provisions on seizure, sealing and freezing in civil execution, art. 19); null otherwise."
    )
    def excess_reason(self) -> str | None:
        return self.row.excess_reason

    @strawberry.field
    def finding_id(self) -> strawberry.ID:
        return to_global_id("Finding", self.row.finding_id)


@strawberry.type(name="Document")
class DocumentType(Node):
    row: strawberry.Private[Document]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Document", self.row.id)

    @strawberry.field
    def kind(self) -> DocumentKind:  # type: ignore[valid-type]
        return DocumentKindEnum(self.row.kind)

    @strawberry.field
    def kind_label(self) -> str:
        return DocumentKindEnum(self.row.kind).label

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="GET it with the same bearer token.")
    def url(self) -> str:
        return f"/documents/{self.row.id}"

    @strawberry.field(description="The court date it was rendered (Asia/Shanghai).")
    def created_on(self, info: Info) -> date:
        return as_utc(self.row.created_at).astimezone(info.context.app.settings.tz).date()

    @strawberry.field(description="When it was rendered.")
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(name="CaseRecord", description="What the team recorded along the way (Arts. 17–19).")
class CaseRecordType:
    row: strawberry.Private[CaseRecord]

    @strawberry.field
    def kind(self) -> CaseRecordKind:  # type: ignore[valid-type]
        return stages.CaseRecordKind.read(self.row.kind)

    @strawberry.field
    def kind_label(self) -> str:
        return lifecycle.RECORD_KINDS.get(self.row.kind) or stages.CaseRecordKind.read(self.row.kind).label

    @strawberry.field
    def occurred_on(self) -> date:
        return self.row.occurred_on

    @strawberry.field
    def note(self) -> str:
        return self.row.note

    @strawberry.field(description="A MEDIATION record: what the mediation came to; null otherwise.")
    def outcome(self) -> MediationOutcome | None:  # type: ignore[valid-type]
        return stages.MediationOutcome.__members__.get(self.row.outcome or "")

    @strawberry.field
    def outcome_label(self) -> str | None:
        outcome = stages.MediationOutcome.__members__.get(self.row.outcome or "")
        return outcome.label if outcome else None

    @strawberry.field(description="The sum a record carries (BENCHMARK_PRICE: the benchmark price).")
    def amount(self) -> Decimal | None:
        return self.row.amount


@strawberry.type(name="AdjudicationApplication")
class AdjudicationApplicationType(Node):
    row: strawberry.Private[AdjudicationApplication]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("AdjudicationApplication", self.row.id)

    @strawberry.field
    def kind(self) -> AdjudicationKind:  # type: ignore[valid-type]
        return self.row.kind

    @strawberry.field
    def kind_label(self) -> str:
        return self.row.kind.label

    @strawberry.field
    def applicant_name(self) -> str:
        return self.row.applicant_name

    @strawberry.field
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field
    def status(self) -> AdjudicationStatus:  # type: ignore[valid-type]
        return stages.AdjudicationStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return stages.AdjudicationStatus(self.row.status).label

    @strawberry.field
    def decision_note(self) -> str | None:
        return self.row.decision_note

    @strawberry.field(
        description="The statutory review period (ADJUDICATION_REVIEW), counted in days from the "
        "day the application was filed, the first day not counted and a last day on a public "
        "holiday moved to the next working day (CPL 2023 art. 85): an objection 15 days (CPL "
        "2023 art. 236), adding a respondent 60 days (SPC provisions on changing and adding "
        "parties in civil execution, art. 28), a preservation reconsideration 10 days (民诉法解释 "
        "art. 171). Closed met or missed when the application is decided."
    )
    async def review_deadline(self, info: Info) -> DeadlineType | None:
        rows = await loaders.loader(info.context, "reviewDeadlines", _review_deadlines).load(self.row.id)
        return DeadlineType(row=rows[-1]) if rows else None

    @strawberry.field(
        description="The higher court's 执复 number when its ruling went up for reconsideration "
        "(CPL 2023 art. 236), e.g. （2024）粤53执复1号."
    )
    def review_case_number(self) -> str | None:
        return self.row.review_case_number


@strawberry.type(name="Case", description="An execution case and its file.")
class CaseType(Node):
    row: strawberry.Private[Case]

    # What every list shows as plain attributes copied once from the row: no resolver call per
    # field (issue 14).
    id: strawberry.ID = UNSET
    number: str = strawberry.field(
        default=UNSET, description="（年份）法院代字 类型代字 序号 号, e.g. （2024）粤5322执保123号."
    )
    type_: CaseTypeGql = strawberry.field(default=UNSET, name="type")  # type: ignore[valid-type]
    type_label: str = UNSET
    stage: CaseStage = UNSET  # type: ignore[valid-type]
    stage_label: str = UNSET

    def __post_init__(self) -> None:
        row = self.row
        self.id = to_global_id("Case", row.id)  # type: ignore[assignment]
        self.number, self.type_, self.stage = row.number, row.case_type, row.stage
        self.type_label, self.stage_label = row.case_type.label, row.stage.label

    @strawberry.field(
        description="The day the filing was received (a paper filing may be entered later)."
    )
    def received_on(self) -> date:
        return self.row.received_on

    @strawberry.field(
        description="A 执恢 case: the ground its execution resumed on (CPL 2023 art. 241; "
        "法发〔2014〕26号), e.g. SETTLEMENT_NOT_PERFORMED; null otherwise."
    )
    def resumption_ground(self) -> ResumptionGround | None:  # type: ignore[valid-type]
        return windows_rules.ResumptionGround.__members__.get(self.row.resumption_ground or "")

    @strawberry.field
    def resumption_ground_label(self) -> str | None:
        ground = windows_rules.ResumptionGround.__members__.get(self.row.resumption_ground or "")
        return ground.label if ground else None

    @strawberry.field(
        description="The day the case number was assigned (立案). Art. 16's five working days for "
        "query-and-control count from this day, not from receivedOn, so a back-dated paper "
        "filing is never overdue before it has a number; the number's year is this day's year."
    )
    def numbered_on(self) -> date:
        return self.row.numbered_on or self.row.received_on

    @strawberry.field
    def claim_amount(self) -> Decimal:
        return self.row.claim_amount

    @strawberry.field
    def title_document_number(self) -> str:
        return self.row.title_document_number

    @strawberry.field(description="The kind of the title the case was filed on.")
    def title_kind(self) -> TitleKind | None:  # type: ignore[valid-type]
        return TitleKindEnum.__members__.get(self.row.title_kind)

    @strawberry.field
    def title_kind_label(self) -> str:
        try:
            return TitleKindEnum(self.row.title_kind).label
        except ValueError:
            return self.row.title_kind

    @strawberry.field
    def township(self) -> str | None:
        return self.row.township

    @strawberry.field(description="The total the control measures hold.")
    def controlled_total(self) -> Decimal:
        return self.row.controlled_total

    @strawberry.field(description="The measures cover the claim (足额查控).")
    def fully_controlled(self) -> bool:
        return self.row.fully_controlled

    @strawberry.field
    def mediation_outcome(self) -> MediationOutcome | None:  # type: ignore[valid-type]
        return self.row.mediation_outcome

    @strawberry.field
    def mediation_outcome_label(self) -> str | None:
        outcome = self.row.mediation_outcome
        return stages.MediationOutcome(outcome).label if outcome else None

    @strawberry.field
    def closing_method(self) -> ClosingMethod | None:  # type: ignore[valid-type]
        return self.row.closing_method

    @strawberry.field
    def closing_method_label(self) -> str | None:
        return self.row.closing_method.label if self.row.closing_method else None

    @strawberry.field(
        description="The day the case was closed. A 执保 case closes on the day it is converted, as "
        "PRESERVATION_COMPLETED (保全完毕), PARTLY_PRESERVED (部分保全) or NOTHING_TO_PRESERVE "
        "(无标的物可实施保全) by what was controlled of the claim (法发〔2014〕26号)."
    )
    def closed_on(self) -> date | None:
        return self.row.closed_on

    @strawberry.field(
        description="The court date the case was transferred to an implementation team (Art. 17); "
        "for a 执 case converted from a 执保 case, the day its 执保 case was. Null until then."
    )
    async def transferred_on(self, info: Info) -> date | None:
        milestones = loaders.loader(info.context, "caseMilestones", _milestones)
        day = (await milestones.load(self.row.id)).get("transferred")
        if day is None and self.row.case_type is CaseTypeEnum.ZHI and self.row.origin_case_id is not None:
            day = (await milestones.load(self.row.origin_case_id)).get("transferred")
        return day

    @strawberry.field(description="The court date the case was archived (Art. 21); null until then.")
    async def archived_on(self, info: Info) -> date | None:
        milestones = loaders.loader(info.context, "caseMilestones", _milestones)
        return (await milestones.load(self.row.id)).get("archived")

    @strawberry.field(
        description="On a 执保 case begun on a preservation ruling: the effective judgment (or other "
        "title) recorded with `recordEffectiveTitle`, on which its 执 case is filed."
    )
    def effective_title_document_number(self) -> str | None:
        return self.row.effective_title_number

    @strawberry.field
    def effective_title_kind(self) -> TitleKind | None:  # type: ignore[valid-type]
        kind = self.row.effective_title_kind
        return TitleKindEnum(kind) if kind in TitleKindEnum.__members__ else None

    @strawberry.field
    def effective_title_kind_label(self) -> str | None:
        kind = self.row.effective_title_kind
        return TitleKindEnum(kind).label if kind in TitleKindEnum.__members__ else None

    @strawberry.field(description="The steps this case's stage allows next, in lifecycle order, each "
                      "with the mutation that takes it and whether this viewer may.")
    def allowed_steps(self, info: Info) -> list[CaseStepOption]:
        viewer = info.context.viewer
        return [CaseStepOption.of(option)
                for option in step_options(viewer, stages.CaseStage(self.row.stage), self.row.team_id)]

    def _full(self, info: Info) -> bool:
        return sees_personal_data(
            info.context.viewer, team_id=self.row.team_id, handler_id=self.row.handler_id
        )

    async def _parties(self, info: Info, side: str) -> list[Party]:
        rows = await loaders.loader(info.context, "parties", _rows_by_case(CaseParty)).load(self.row.id)
        full = self._full(info)
        chosen = [Party(row=p, full=full) for p in rows if p.side == side]
        if full and chosen:
            info.context.disclosed.add(self.row.id)  # one audit event per case and request
        return chosen

    @strawberry.field
    async def applicants(self, info: Info) -> list[Party]:
        return await self._parties(info, "APPLICANT")

    @strawberry.field
    async def respondents(self, info: Info) -> list[Party]:
        return await self._parties(info, "RESPONDENT")

    @strawberry.field
    async def team(self, info: Info) -> TeamType | None:
        if self.row.team_id is None:
            return None
        team = await loaders.loader(info.context, "team", loaders.team_by_id).load(self.row.team_id)
        return TeamType(row=team) if team else None

    @strawberry.field(description="The handler (承办人).")
    async def handler(self, info: Info) -> StaffType | None:
        if self.row.handler_id is None:
            return None
        staff = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(self.row.handler_id)
        return StaffType(row=staff) if staff else None

    async def _file(self, info: Info) -> list[int]:
        archived = await loaders.loader(info.context, "archivedInto", _archived_into).load(self.row.id)
        return _file_ids(self.row, archived)

    async def _from_file(self, info: Info, name: str, model) -> list:  # type: ignore[no-untyped-def]
        loader = loaders.loader(info.context, name, _rows_by_case(model))
        rows: list = []
        for case_id in await self._file(info):
            rows.extend(await loader.load(case_id))
        return sorted(rows, key=lambda r: r.id)

    @strawberry.field
    async def deadlines(self, info: Info) -> list[DeadlineType]:
        rows = await loaders.loader(info.context, "deadlinesOfCase", _deadlines_by_case).load(self.row.id)
        return [DeadlineType(row=d) for d in rows]

    @strawberry.field(description="Supervision orders (督办) on this case, newest first.")
    async def supervision_orders(
        self, info: Info
    ) -> list[Annotated[SupervisionOrderType, strawberry.lazy("exec_center.api.supervision")]]:
        from .supervision import case_orders

        return await case_orders(info, self.row.id)

    @strawberry.field(description="Deadlines still running.")
    async def open_deadlines(self, info: Info) -> list[DeadlineType]:
        rows = await loaders.loader(info.context, "deadlinesOfCase", _deadlines_by_case).load(self.row.id)
        return [DeadlineType(row=d) for d in rows if d.status is DeadlineStatus.OPEN]

    @strawberry.field(description="Asset findings in the case's file.")
    async def findings(self, info: Info) -> list[Finding]:
        return [Finding(row=r) for r in await self._from_file(info, "findings", AssetFinding)]

    @strawberry.field
    async def control_measures(self, info: Info) -> list[ControlMeasureType]:
        return [ControlMeasureType(row=r) for r in await self._from_file(info, "measures", ControlMeasure)]

    @strawberry.field(description="Documents in the case's file, including an archived preservation case's.")
    async def documents(self, info: Info) -> list[DocumentType]:
        return [DocumentType(row=r) for r in await self._from_file(info, "documents", Document)]

    @strawberry.field(description="Investigation, summons, property report, mediation, letter service.")
    async def records(self, info: Info) -> list[CaseRecordType]:
        return [CaseRecordType(row=r) for r in await self._from_file(info, "records", CaseRecord)]

    @strawberry.field(description="Materials received for the case and where they went (Art. 8).")
    async def materials(
        self, info: Info
    ) -> list[Annotated[MaterialsReceiptType, strawberry.lazy("exec_center.api.windows_api")]]:
        from ..db.models import MaterialsReceipt
        from .windows_api import MaterialsReceiptType

        rows = await self._from_file(info, "materials", MaterialsReceipt)
        return [MaterialsReceiptType(row=r) for r in rows]

    @strawberry.field
    async def adjudication_applications(self, info: Info) -> list[AdjudicationApplicationType]:
        rows = await loaders.loader(
            info.context, "applications", _rows_by_case(AdjudicationApplication)
        ).load(self.row.id)
        return [AdjudicationApplicationType(row=r) for r in rows]

    @strawberry.field(description="Cases linked both ways: the origin and what was filed from it.")
    async def related_cases(self, info: Info) -> list[CaseType]:
        children = await loaders.loader(info.context, "relatedCases", _related).load(self.row.id)
        related = list(children)
        if self.row.origin_case_id is not None:
            origin = await loaders.loader(info.context, "case", case_by_id).load(self.row.origin_case_id)
            if origin is not None:
                related.insert(0, origin)
        return [CaseType(row=c) for c in related]

    @strawberry.field(
        description="What happened to the case (and to the cases archived into its file), newest first."
    )
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[HistoryEntry]:
        return await history_connection(
            info,
            ["Case"],
            self.row.id,
            first,
            after,
            also_ids=[i for i in await self._file(info) if i != self.row.id],
        )


def _visible(info: Info, case: Case | None) -> Case | None:
    if case is None:
        return None
    return (
        case if case_visible(info.context.viewer, team_id=case.team_id, handler_id=case.handler_id) else None
    )




@strawberry.input
class CaseFilter:
    stage: list[CaseStage] | None = None  # type: ignore[valid-type]
    type: list[CaseTypeGql] | None = None  # type: ignore[valid-type]
    team_id: strawberry.ID | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = strawberry.field(default=None, description="Has an open deadline past due.")
    mine: bool | None = strawberry.field(
        default=None,
        description="True: the cases the viewer handles (承办); false: those they do not handle.",
    )
    search: str | None = strawberry.field(
        default=None,
        description=f"1 to {SEARCH_MAX} characters found in a party's name (an applicant or a "
        "respondent) or in the case number, e.g. 陈某, 执保12, 2024 or （2024）粤5322执1; Latin "
        "letters in either case, ( ) as （ ）.",
    )


def case_list_filter(flt: CaseFilter | None) -> CaseListFilter:
    """The `cases` filter in the plain values the case list (and an export job) reads."""
    if flt is None:
        return CaseListFilter()
    return CaseListFilter(
        stage=tuple(stages.CaseStage(s) for s in flt.stage or ()),
        type=tuple(CaseTypeEnum(t) for t in flt.type or ()),
        team_id=pk_of(flt.team_id, "Team", "filter.teamId") if flt.team_id is not None else None,
        received_from=flt.received_from,
        received_to=flt.received_to,
        overdue=flt.overdue,
        mine=flt.mine,
        search=flt.search,
    )


@strawberry.type(description="The transfer strategy in force today (Art. 17) and who set it.")
class TransferStrategySetting:
    strategy: TransferStrategy  # type: ignore[valid-type]
    is_default: bool = strawberry.field(description="No decision set it: the built-in default.")
    effective_from: date | None = strawberry.field(description="The day the decision took effect.")
    note: str | None = strawberry.field(description="The decision that set it.")
    set_at: datetime | None = strawberry.field(description="When it was set; null if not recorded.")
    set_by_id: strawberry.Private[int | None]

    @strawberry.field(description="In Chinese, e.g. 按在办案件数最少分配.")
    def strategy_label(self) -> str:
        return TransferStrategyEnum(self.strategy).label

    @strawberry.field(description="In Chinese.", deprecation_reason="Use strategyLabel.")
    def label(self) -> str:
        return TransferStrategyEnum(self.strategy).label

    @strawberry.field(description="Who set it; null if not recorded.")
    async def set_by(self, info: Info) -> StaffType | None:
        if self.set_by_id is None:
            return None
        staff = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(self.set_by_id)
        return StaffType(row=staff) if staff else None


async def _strategy_in_force(info: Info) -> TransferStrategySetting:
    """As the transfer reads it (services.lifecycle.current_strategy): the latest decision in
    effect today; who set it and when come from its SET_TRANSFER_STRATEGY history entry."""
    session = info.context.session
    today = court_today(info.context.app.clock, info.context.app.settings.tz)
    row = await session.scalar(
        sa.select(TransferStrategyRow)
        .where(TransferStrategyRow.effective_from <= today)
        .order_by(TransferStrategyRow.effective_from.desc())
        .limit(1)
    )
    if row is None:
        return TransferStrategySetting(
            strategy=DEFAULT_STRATEGY, is_default=True,
            effective_from=None, note=None, set_at=None, set_by_id=None,
        )
    strategy = TransferStrategyEnum(row.strategy)
    event = (
        await session.execute(
            sa.select(AuditEvent.at, AuditEvent.actor_id)
            .where(
                AuditEvent.action == "SET_TRANSFER_STRATEGY",
                AuditEvent.object_type == "TransferStrategy",
                # The summary the service writes; a later decision for the same date replaced it.
                AuditEvent.summary == lifecycle.strategy_summary(strategy, row.effective_from),
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(1)
        )
    ).first()
    set_at = as_utc(event.at) if event else None
    return TransferStrategySetting(
        strategy=strategy, is_default=False, effective_from=row.effective_from,
        note=row.note, set_at=set_at, set_by_id=event.actor_id if event else None,
    )


@strawberry.type
class CaseQuery:
    @strawberry.field(
        description="How the automated transfer picks a team today (Art. 17), for every signed-in "
        "person; set with setTransferStrategy."
    )
    async def transfer_strategy(self, info: Info) -> TransferStrategySetting:
        info.context.viewer  # noqa: B018 -- signed in
        return await _strategy_in_force(info)

    @strawberry.field(name="case", description="A case by its number, e.g. （2024）粤5322执保1号.")
    async def case_(self, info: Info, number: str) -> CaseType | None:
        info.context.viewer  # noqa: B018
        try:
            normalised = str(CaseNumberValue.parse(number))
        except InvalidCaseNumber as error:
            raise error.refusal("number") from None
        row = await info.context.session.scalar(sa.select(Case).where(Case.number == normalised))
        visible = _visible(info, row)
        return CaseType(row=visible) if visible else None

    @strawberry.field(
        description="Cases, newest first. The bureau chief, the command centre and the centre list "
        "every case; implementation officers and team leads the cases of their teams and those "
        "they handle (no other team's). Others open a case by its number."
    )
    async def cases(
        self, info: Info, first: int | None = 50, after: str | None = None, filter: CaseFilter | None = None
    ) -> Connection[CaseType]:
        viewer = info.context.viewer
        if not viewer.has(*CASE_LISTERS):
            raise Forbidden(
                "the case list is for supervisors, the centre and the implementation teams; "
                "open a case by its number",
                zh="案件列表仅供督导人员、执行事务中心和执行实施团队查看；请按案号打开案件",
            )
        size = check_first(first)
        query = case_list_query(viewer, case_list_filter(filter), info.context.today())
        return await case_page(info, query, size, after)


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class TitleInput:
    document_number: str
    kind: TitleKind  # type: ignore[valid-type]


@strawberry.input
class PartyInput:
    kind: PartyKind  # type: ignore[valid-type]
    name: str
    id_number: str | None = strawberry.field(
        default=None,
        description="The number of the document `idType` names; required unless idType is UNKNOWN.",
    )
    id_type: IdType | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Which document idNumber is. Default: RESIDENT_ID for a person, USCC for an "
        "organisation. UNKNOWN when the applicant does not know the respondent's number.",
    )
    phone: str | None = None
    address: str | None = None


@strawberry.input
class ReceiveCaseInput:
    claim_amount: Decimal
    title: TitleInput
    applicants: list[PartyInput]
    respondents: list[PartyInput]
    received_on: date | None = strawberry.field(
        default=None,
        description="Default today; may be earlier for paper filings entered later, never later.",
    )
    township: str | None = strawberry.field(
        default=None, description="The respondent's township (乡镇), for transfer by township."
    )
    duplicate_of: str | None = strawberry.field(
        default=None,
        description="A filing whose title document number and respondent (ID number or credit "
        "code, else name) match an open case is refused with code DUPLICATE naming that case; "
        "give that case's number here to file a second application on purpose.",
    )


@strawberry.type
class CasePayload:
    case: CaseType | None = None
    user_errors: list[UserError]


def _case(case: Case) -> dict:
    return {"case": CaseType(row=case)}


def _parties(items: list[PartyInput]) -> tuple[PartyData, ...]:
    return tuple(
        PartyData(
            kind=PartyKindEnum(p.kind),
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            address=p.address,
            id_type=IdTypeEnum(p.id_type) if p.id_type is not None else None,
        )
        for p in items
    )


@strawberry.input
class FindingInput:
    category: AssetCategory  # type: ignore[valid-type]
    institution: str
    description: str
    value: Decimal | None = None
    encumbrances: str | None = None
    first_seal: bool = False
    disposable: bool = False
    respondent_holds_mortgage: bool = False


@strawberry.input
class RecordAssetFindingsInput:
    case_id: strawberry.ID
    findings: list[FindingInput]
    source: FindingSource = FindingSource.MANUAL


@strawberry.input
class MeasureInput:
    finding_id: strawberry.ID
    measure: MeasureKind  # type: ignore[valid-type]
    amount: Decimal = strawberry.field(
        description="Funds (BANK_DEPOSIT, ONLINE_PAYMENT) are controlled up to what is still "
        "uncontrolled of the claim; other assets beyond it only with `excessReason` (SPC provisions "
        "on seizure, sealing and freezing in civil execution, art. 19)."
    )
    excess_reason: str | None = strawberry.field(
        default=None,
        description="Required when an indivisible asset (real estate, a vehicle, shares…) is "
        "controlled whole for more than is still uncontrolled of the claim: why (at most 500 "
        "characters). Recorded on the measure and in the history.",
    )
    effective_on: date | None = strawberry.field(
        default=None,
        description="The day the measure took effect (the bank's or registry's date, 生效日期); its "
        "period counts from it. Default today; not in the future.",
    )


@strawberry.input
class RecordEffectiveTitleInput:
    case_id: strawberry.ID
    title: TitleInput = strawberry.field(
        description="The effective judgment or other title with something to be paid or done; "
        "not a PRESERVATION_RULING."
    )


@strawberry.input
class DecideControlMeasuresInput:
    case_id: strawberry.ID
    measures: list[MeasureInput]


@strawberry.input
class CaseIdInput:
    case_id: strawberry.ID


@strawberry.enum
class TeamWorkKind(Enum):
    INVESTIGATION = "INVESTIGATION"
    SUMMONS = "SUMMONS"
    PROPERTY_REPORT = "PROPERTY_REPORT"
    ASSET_VERIFICATION = "ASSET_VERIFICATION"
    APPLICANT_INFORMED = strawberry.enum_value(
        "APPLICANT_INFORMED",
        description="The applicant was told of the investigation and of 终本's consequences and heard "
        "(法〔2016〕373号 arts. 1, 5): a condition of closing TERMINATED_CURRENT_PROCEDURE.",
    )
    EXECUTION_PLAN = strawberry.enum_value(
        "EXECUTION_PLAN", description="The execution plan (执行方案) the team decided (Art. 18)."
    )
    BENCHMARK_PRICE = strawberry.enum_value(
        "BENCHMARK_PRICE",
        description="The county tax bureau's benchmark price (基准价) of the real estate (Art. 19); "
        "give it in `amount`.",
    )


@strawberry.input
class RecordTeamWorkInput:
    case_id: strawberry.ID
    kind: TeamWorkKind
    note: str
    occurred_on: date | None = None
    amount: Decimal | None = strawberry.field(
        default=None, description="Yuan; required for BENCHMARK_PRICE, not allowed otherwise."
    )


@strawberry.input
class StartMediationInput:
    case_id: strawberry.ID
    note: str = strawberry.field(description="The summons: who was called, when.")


@strawberry.input
class RecordMediationOutcomeInput:
    case_id: strawberry.ID
    outcome: MediationOutcome  # type: ignore[valid-type]
    note: str = ""


@strawberry.input
class SendTaxLetterInput:
    case_id: strawberry.ID
    finding_ids: list[strawberry.ID]


@strawberry.type
class SendTaxLetterPayload:
    case: CaseType | None = None
    letter: DocumentType | None = strawberry.field(
        default=None, description="The letter: the one still waiting to be served when sent again."
    )
    user_errors: list[UserError]


@strawberry.input
class CloseCaseInput:
    case_id: strawberry.ID
    method: ClosingMethod  # type: ignore[valid-type]


@strawberry.type
class ConvertCasePayload:
    case: CaseType | None = strawberry.field(default=None, description="The new 执 case.")
    preservation_case: CaseType | None = None
    user_errors: list[UserError]


@strawberry.input
class FileAdjudicationApplicationInput:
    case_id: strawberry.ID
    kind: AdjudicationKind  # type: ignore[valid-type]
    applicant_name: str
    summary: str


@strawberry.input
class RecordReviewCaseNumberInput:
    application_id: strawberry.ID
    case_number: str = strawberry.field(
        description="The higher court's 执复 number, e.g. （2024）粤53执复1号."
    )


@strawberry.type
class AdjudicationApplicationPayload:
    application: AdjudicationApplicationType | None = None
    case: CaseType | None = None
    user_errors: list[UserError]


@strawberry.input
class SetTransferStrategyInput:
    strategy: TransferStrategy  # type: ignore[valid-type]
    effective_from: date
    note: str


@strawberry.type
class SetTransferStrategyPayload:
    strategy: TransferStrategy | None = None  # type: ignore[valid-type]
    user_errors: list[UserError]

    @strawberry.field
    def strategy_label(self) -> str | None:
        return TransferStrategyEnum(self.strategy).label if self.strategy is not None else None


async def _on_case(payload, action, build):  # type: ignore[no-untyped-def]
    """`run_mutation` for a step on the case in `input.caseId`: a step the case's stage does not
    allow is refused on that field."""

    async def act():  # type: ignore[no-untyped-def]
        try:
            return await action()
        except stages.IllegalStep as error:
            error.field = error.field or "caseId"
            raise

    return await run_mutation(payload, act, build)


async def _reload(ctx: RequestContext, case_id: int) -> dict:
    # The request's own read session (one connection per request), read afresh after the change.
    return {"case": CaseType(row=await ctx.session.get(Case, case_id, populate_existing=True))}


@strawberry.type
class CaseMutation:
    @strawberry.mutation(
        description="Receive an execution case (affairs clerks and centre officers): it gets its "
        "执保 number at once; the 5-working-day query-and-control deadline starts; the ruling and "
        "the asset queries follow in the background. A filing that repeats an open case (the same "
        "title document number and respondent) is refused with code DUPLICATE naming that case; "
        "see `duplicateOf`."
    )
    async def receive_case(self, info: Info, input: ReceiveCaseInput) -> CasePayload:
        ctx = info.context
        data = IntakeData(
            received_on=input.received_on,
            claim_amount=input.claim_amount,
            title_document_number=input.title.document_number,
            title_kind=TitleKindEnum(input.title.kind),
            applicants=_parties(input.applicants),
            respondents=_parties(input.respondents),
            township=input.township,
            duplicate_of=input.duplicate_of,
        )
        return await run_mutation(
            CasePayload, lambda: case_service.receive_case(ctx.app, ctx.viewer, data), _case
        )

    @strawberry.mutation(description="Findings entered by hand or imported from the query-control system.")
    async def record_asset_findings(self, info: Info, input: RecordAssetFindingsInput) -> CasePayload:
        ctx = info.context

        async def act() -> Case:
            findings = [
                asset_queries.ManualFinding(
                    category=asset_rules.AssetCategory(f.category),
                    institution=f.institution,
                    description=f.description,
                    value=f.value,
                    encumbrances=f.encumbrances,
                    first_seal=f.first_seal,
                    disposable=f.disposable,
                    respondent_holds_mortgage=f.respondent_holds_mortgage,
                )
                for f in input.findings
            ]
            return await asset_queries.record_findings(
                ctx.app, ctx.viewer, pk_of(input.case_id, "Case", "caseId"), findings, input.source.value
            )

        return await _on_case(CasePayload, act, _case)

    @strawberry.mutation(
        description="Freeze, seal, seize or deduct found assets (Art. 15). A preservation (执保) case "
        "may only freeze, seal or seize (CPL 2023 art. 106); DEDUCT (扣划) is refused there with "
        "NOT_ALLOWED and taken in the 执 case. Funds are capped at what is still uncontrolled of the "
        "claim; an indivisible asset worth more may be controlled whole with `excessReason` (SPC "
        "provisions on seizure, sealing and freezing in civil execution, art. 19). The same "
        "measures sent again by the same officer on the same day are taken once."
    )
    async def decide_control_measures(self, info: Info, input: DecideControlMeasuresInput) -> CasePayload:
        ctx = info.context

        async def act() -> Case:
            requests = [
                measures.MeasureRequest(
                    finding_id=pk_of(m.finding_id, "Finding", f"measures.{i}.findingId"),
                    measure=asset_rules.MeasureKind(m.measure),
                    amount=m.amount,
                    excess_reason=m.excess_reason,
                    effective_on=m.effective_on,
                )
                for i, m in enumerate(input.measures)
            ]
            return await measures.decide_control(
                ctx.app, ctx.viewer, pk_of(input.case_id, "Case", "caseId"), requests
            )

        return await _on_case(CasePayload, act, _case)

    @strawberry.mutation(
        description="End query-and-control (Art. 16); the transfer follows in the background."
    )
    async def complete_query_control(self, info: Info, input: CaseIdInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.finish_query_control(
                ctx.app, ctx.viewer, pk_of(input.case_id, "Case", "caseId")
            ),
            _case,
        )

    @strawberry.mutation(
        description="The team records investigation, summons, property report or verification."
    )
    async def record_team_work(self, info: Info, input: RecordTeamWorkInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict:
            case_id = pk_of(input.case_id, "Case", "caseId")
            await lifecycle.record_team_work(
                ctx.app, ctx.viewer, case_id, input.kind.value, input.note, input.occurred_on, input.amount
            )
            return await _reload(ctx, case_id)

        return await _on_case(CasePayload, act, lambda r: r)

    @strawberry.mutation(description="Summon both parties and mediate (Art. 18).")
    async def start_mediation(self, info: Info, input: StartMediationInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.start_mediation(
                ctx.app, ctx.viewer, pk_of(input.case_id, "Case", "caseId"), input.note
            ),
            _case,
        )

    @strawberry.mutation(description="SETTLED, PERFORMED or FAILED; the case then waits for conversion.")
    async def record_mediation_outcome(self, info: Info, input: RecordMediationOutcomeInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.record_mediation_outcome(
                ctx.app,
                ctx.viewer,
                pk_of(input.case_id, "Case", "caseId"),
                stages.MediationOutcome(input.outcome),
                input.note,
            ),
            _case,
        )

    @strawberry.mutation(
        description="Render the benchmark-price letter to the county tax bureau (Art. 19) and give "
        "the sender the item to serve it. While a letter of the case waits to be served, sending "
        "again returns that letter and makes no other."
    )
    async def send_tax_letter(self, info: Info, input: SendTaxLetterInput) -> SendTaxLetterPayload:
        ctx = info.context

        async def act() -> dict:
            case_id = pk_of(input.case_id, "Case", "caseId")
            ids = [pk_of(f, "Finding", f"findingIds.{i}") for i, f in enumerate(input.finding_ids)]
            letter = await lifecycle.send_tax_letter(ctx.app, ctx.viewer, case_id, ids)
            return {"letter": DocumentType(row=letter), **await _reload(ctx, case_id)}

        return await _on_case(SendTaxLetterPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Record on a 执保 case the effective judgment (or other title with something to "
        "be paid or done) its 执 case will be filed on. A 执保 case begun on a PRESERVATION_RULING "
        "cannot be converted until this is recorded. Affairs clerks, filing clerks and the centre; "
        "before conversion; recording the same title again changes nothing."
    )
    async def record_effective_title(self, info: Info, input: RecordEffectiveTitleInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.record_effective_title(
                ctx.app,
                ctx.viewer,
                pk_of(input.case_id, "Case", "caseId"),
                input.title.document_number,
                TitleKindEnum(input.title.kind),
            ),
            _case,
        )

    @strawberry.mutation(
        description="Convert a preservation case to a 执 case (Arts. 9, 20); converting it again "
        "returns the 执 case it became. A 执保 case whose title is a PRESERVATION_RULING is refused "
        "(NOT_ALLOWED on caseId) until the effective judgment is recorded (`recordEffectiveTitle`): "
        "a 执 case needs an effective title with something to be paid or done. The 执保 case closes "
        "with the conversion: PRESERVATION_COMPLETED, PARTLY_PRESERVED or NOTHING_TO_PRESERVE by "
        "what was controlled of the claim (法发〔2014〕26号), `closedOn` today, in its history."
    )
    async def convert_case(self, info: Info, input: CaseIdInput) -> ConvertCasePayload:
        ctx = info.context

        async def act() -> dict:
            case_id = pk_of(input.case_id, "Case", "caseId")
            converted = await lifecycle.convert_case(ctx.app, ctx.viewer, case_id)
            origin = await _reload(ctx, case_id)
            return {"case": CaseType(row=converted), "preservation_case": origin["case"]}

        return await _on_case(ConvertCasePayload, act, lambda r: r)

    @strawberry.mutation(
        description="Close a case with a method its type allows and whose conditions hold, else "
        "NOT_ALLOWED on `method` naming each unmet condition. TERMINATED_CURRENT_PROCEDURE (终本, "
        "法〔2016〕373号 art. 1) needs: the case under compulsory execution (not a fast-closing "
        "outcome); more than three months since the 执 case's filing; the property investigation "
        "done (the network query-and-control completed and an INVESTIGATION recorded, art. 3); the "
        "applicant told (APPLICANT_INFORMED recorded, art. 5). The same conditions apply when an "
        "ENFORCE or FAST_CLOSE work item is completed with that outcome (refused on `outcome`)."
    )
    async def close_case(self, info: Info, input: CloseCaseInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.close_case(
                ctx.app,
                ctx.viewer,
                pk_of(input.case_id, "Case", "caseId"),
                stages.ClosingMethod(input.method),
            ),
            _case,
        )

    @strawberry.mutation(
        description="Archive a closed case, or a converted preservation case into its 执 case's "
        "file (Art. 21)."
    )
    async def archive_case(self, info: Info, input: CaseIdInput) -> CasePayload:
        ctx = info.context
        return await _on_case(
            CasePayload,
            lambda: lifecycle.archive_case(ctx.app, ctx.viewer, pk_of(input.case_id, "Case", "caseId")),
            _case,
        )

    @strawberry.mutation(
        description="File an application to add a respondent, an objection or a reconsideration "
        "of preservation; it lands on the adjudication team's worklist (Art. 9). The same "
        "application sent again while it is pending returns it."
    )
    async def file_adjudication_application(
        self, info: Info, input: FileAdjudicationApplicationInput
    ) -> AdjudicationApplicationPayload:
        ctx = info.context

        async def act() -> dict:
            case_id = pk_of(input.case_id, "Case", "caseId")
            application = await lifecycle.file_application(
                ctx.app,
                ctx.viewer,
                case_id,
                stages.AdjudicationKind(input.kind),
                input.applicant_name,
                input.summary,
            )
            return {
                "application": AdjudicationApplicationType(row=application),
                **await _reload(ctx, case_id),
            }

        return await _on_case(AdjudicationApplicationPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Record the number the higher court gave the reconsideration (执复) of this "
        "court's ruling on an objection or on adding a respondent (CPL 2023 art. 236): the "
        "application must be decided, and the number must be a higher court's 执复 number."
    )
    async def record_review_case_number(
        self, info: Info, input: RecordReviewCaseNumberInput
    ) -> AdjudicationApplicationPayload:
        ctx = info.context

        async def act() -> dict:
            application = await lifecycle.record_review_case_number(
                ctx.app,
                ctx.viewer,
                pk_of(input.application_id, "AdjudicationApplication", "applicationId"),
                input.case_number,
            )
            return {
                "application": AdjudicationApplicationType(row=application),
                **await _reload(ctx, application.case_id),
            }

        return await _on_case(AdjudicationApplicationPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Choose how the automated transfer picks a team, from a date (ADMIN, BUREAU_CHIEF)."
    )
    async def set_transfer_strategy(
        self, info: Info, input: SetTransferStrategyInput
    ) -> SetTransferStrategyPayload:
        ctx = info.context
        return await run_mutation(
            SetTransferStrategyPayload,
            lambda: lifecycle.set_transfer_strategy(
                ctx.app, ctx.viewer, TransferStrategyEnum(input.strategy), input.effective_from, input.note
            ),
            lambda s: {"strategy": s},
        )
