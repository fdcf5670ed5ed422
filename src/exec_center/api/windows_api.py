"""The offline windows in GraphQL (Arts. 5–11): visits, first contact, materials, verified
disclosure, judge contact, resumption and petitions, and a window's day at a glance."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import strawberry

from ..clock import court_today
from ..db.models import Case, FirstContact, MaterialsReceipt, MaterialsTransfer, Petition, Visit
from ..domain import windows as rules
from ..domain.access import (
    CASE_READERS,
    CaseAudience,
    Viewer,
    reads_every_window_record,
    window_record_visible,
)
from ..domain.errors import Forbidden
from ..domain.identifiers import IdType as IdTypeEnum
from ..domain.masking import mask_id_number, mask_phone
from ..services import windows as service
from . import loaders
from .cases import CaseStage, IdType, ResumptionGround
from .common import UserError, run_mutation
from .context import Info
from .deadlines import DeadlineType
from .ids import pk_of, to_global_id
from .organisation import Node, StaffType, WindowType

if TYPE_CHECKING:
    from .cases import CaseType

VisitPurpose = strawberry.enum(rules.VisitPurpose, description="Why a visitor came (Arts. 6, 10).")
FirstContactReason = strawberry.enum(rules.FirstContactReason, description="Why a filing cannot be accepted.")
FirstContactStatus = strawberry.enum(rules.FirstContactStatus, description="Whether it is closed.")
PetitionStatus = strawberry.enum(rules.PetitionStatus, description="Whether a petition is answered.")
VerifiedAs = strawberry.enum(rules.VerifiedAs, description="Whom a verified identity document matched.")


async def _staff(info: Info, staff_id: int | None) -> StaffType | None:
    if staff_id is None:
        return None
    row = await loaders.loader(info.context, "staff", loaders.staff_by_id).load(staff_id)
    return StaffType(row=row) if row else None


async def _window(info: Info, window_id: int | None) -> WindowType | None:
    # Nullable on every window record (a petition may come without one), so that fragments on
    # several of them in one node(id:) query agree on the field's type.
    if window_id is None:
        return None
    row = await loaders.loader(info.context, "window", loaders.window_by_id).load(window_id)
    return WindowType(row=row) if row else None


async def _case(info: Info, case_id: int | None) -> CaseType | None:
    from .directory import linked_case

    return await linked_case(info, case_id)


CaseLink = Annotated["CaseType", strawberry.lazy("exec_center.api.cases")]
CASE_LINK = "The case it concerns; null if none or not the viewer's to read."


def _sees_visitor_data(info: Info, row: Visit) -> bool:
    viewer = info.context.viewer
    return row.window_id in viewer.window_ids or row.received_by == viewer.staff_id


_RECORDERS = {Visit: "received_by", FirstContact: "created_by", Petition: "created_by",
              MaterialsReceipt: "received_by"}


def window_records_readable(viewer: Viewer, model: type) -> sa.ColumnElement[bool] | None:
    """The SQL form of `domain.access.window_record_visible` for a list of `model` rows (a test
    checks that the two agree); None when the viewer reads them all."""
    if reads_every_window_record(viewer):
        return None
    clauses: list[sa.ColumnElement[bool]] = [getattr(model, _RECORDERS[model]) == viewer.staff_id]
    if viewer.window_ids:
        clauses.append(model.window_id.in_(sorted(viewer.window_ids)))  # type: ignore[attr-defined]
    case_id = getattr(model, "case_id", None)
    if case_id is not None:
        if viewer.roles & CASE_READERS:
            clauses.append(case_id.is_not(None))
        else:
            theirs: list[sa.ColumnElement[bool]] = [Case.handler_id == viewer.staff_id]
            if viewer.team_ids:
                theirs.append(Case.team_id.in_(sorted(viewer.team_ids)))
            clauses.append(case_id.in_(sa.select(Case.id).where(sa.or_(*theirs))))
    return sa.or_(*clauses)


async def visible_window_record(info: Info, type_name: str, pk: int) -> Node | None:
    """`node(id:)` for Visit, FirstContact, Petition and MaterialsReceipt; None when absent or
    not the viewer's to read."""
    model, node_type = WINDOW_RECORD_TYPES[type_name]
    session = info.context.session
    row = await session.get(model, pk)
    if row is None:
        return None
    case = None
    case_id = getattr(row, "case_id", None)
    if case_id is not None:
        owners = sa.select(Case.team_id, Case.handler_id).where(Case.id == case_id)
        found = (await session.execute(owners)).first()
        case = CaseAudience(found.team_id, found.handler_id) if found else None
    visible = window_record_visible(
        info.context.viewer, window_id=row.window_id, recorded_by=getattr(row, _RECORDERS[model]), case=case
    )
    return node_type(row=row) if visible else None


@strawberry.type(name="Visit")
class VisitType(Node):
    row: strawberry.Private[Visit]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Visit", self.row.id)

    @strawberry.field
    def purpose(self) -> VisitPurpose:  # type: ignore[valid-type]
        return self.row.purpose

    @strawberry.field
    def purpose_label(self) -> str:
        return self.row.purpose.label

    @strawberry.field
    def visitor_name(self) -> str:
        return self.row.visitor_name

    @strawberry.field(description="Masked unless the viewer staffs the window.")
    def visitor_id_number(self, info: Info) -> str | None:
        value = self.row.visitor_id_number
        return value if _sees_visitor_data(info, self.row) else mask_id_number(value)

    @strawberry.field(description="Masked unless the viewer staffs the window.")
    def visitor_phone(self, info: Info) -> str | None:
        value = self.row.visitor_phone
        return value if _sees_visitor_data(info, self.row) else mask_phone(value)

    @strawberry.field
    def request(self) -> str:
        return self.row.request

    @strawberry.field
    def outcome(self) -> str | None:
        return self.row.outcome

    @strawberry.field
    def resolved(self) -> bool:
        return self.row.resolved

    @strawberry.field
    def visited_on(self) -> date:
        return self.row.visited_on

    @strawberry.field(description="When the visit was recorded.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def resolved_at(self) -> datetime | None:
        return self.row.resolved_at

    @strawberry.field
    async def received_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.received_by)

    @strawberry.field(description="The window the visitor came to.")
    async def window(self, info: Info) -> WindowType | None:
        return await _window(info, self.row.window_id)

    @strawberry.field(name="case", description=CASE_LINK)
    async def case_(self, info: Info) -> CaseLink | None:
        return await _case(info, self.row.case_id)


@strawberry.type(name="FirstContact", description="Art. 7: a filing not accepted, kept until closed.")
class FirstContactType(Node):
    row: strawberry.Private[FirstContact]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("FirstContact", self.row.id)

    @strawberry.field
    def applicant_name(self) -> str:
        return self.row.applicant_name

    @strawberry.field
    def reason(self) -> FirstContactReason:  # type: ignore[valid-type]
        return self.row.reason

    @strawberry.field
    def reason_label(self) -> str:
        return self.row.reason.label

    @strawberry.field
    def legal_basis(self) -> str:
        return self.row.legal_basis

    @strawberry.field(description="What the applicant was told.")
    def told(self) -> str:
        return self.row.told

    @strawberry.field
    def status(self) -> FirstContactStatus:  # type: ignore[valid-type]
        return rules.FirstContactStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return rules.FirstContactStatus(self.row.status).label

    @strawberry.field
    def closing_note(self) -> str | None:
        return self.row.closing_note

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def closed_at(self) -> datetime | None:
        return self.row.closed_at

    @strawberry.field(description="The window that recorded it.")
    async def window(self, info: Info) -> WindowType | None:
        return await _window(info, self.row.window_id)


@strawberry.type
class MaterialItem:
    name: str
    copies: int


@strawberry.type(name="MaterialsTransfer", description="Materials handed from one staff member to another.")
class MaterialsTransferType:
    row: strawberry.Private[MaterialsTransfer]

    @strawberry.field
    async def from_staff(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.from_staff_id)

    @strawberry.field
    async def to_staff(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.to_staff_id)

    @strawberry.field
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field
    def transferred_at(self) -> datetime:
        return self.row.transferred_at


@strawberry.type(name="MaterialsReceipt", description="Art. 8: a numbered receipt for materials handed in.")
class MaterialsReceiptType(Node):
    row: strawberry.Private[MaterialsReceipt]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("MaterialsReceipt", self.row.id)

    @strawberry.field
    def number(self) -> str:
        return self.row.number

    @strawberry.field
    def submitted_by(self) -> str:
        return self.row.submitted_by

    @strawberry.field
    def items(self) -> list[MaterialItem]:
        return [MaterialItem(name=i["name"], copies=i["copies"]) for i in self.row.items]

    @strawberry.field
    def received_at(self) -> datetime:
        return self.row.received_at

    @strawberry.field
    async def received_by(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.received_by)

    @strawberry.field(description="Who holds the materials now.")
    async def holder(self, info: Info) -> StaffType | None:
        return await _staff(info, self.row.holder_id)

    @strawberry.field
    async def case_number(self, info: Info) -> str | None:
        if self.row.case_id is None:
            return None
        from .cases import case_by_id

        case = await loaders.loader(info.context, "case", case_by_id).load(self.row.case_id)
        return case.number if case else None

    @strawberry.field(description="The window that received the materials.")
    async def window(self, info: Info) -> WindowType | None:
        return await _window(info, self.row.window_id)

    @strawberry.field(name="case", description=CASE_LINK)
    async def case_(self, info: Info) -> CaseLink | None:
        return await _case(info, self.row.case_id)

    @strawberry.field
    async def transfers(self, info: Info) -> list[MaterialsTransferType]:
        rows = (
            await info.context.session.scalars(
                sa.select(MaterialsTransfer)
                .where(MaterialsTransfer.receipt_id == self.row.id)
                .order_by(MaterialsTransfer.id)
            )
        ).all()
        return [MaterialsTransferType(row=r) for r in rows]


@strawberry.type(name="Petition")
class PetitionType(Node):
    row: strawberry.Private[Petition]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Petition", self.row.id)

    @strawberry.field
    def petitioner_name(self) -> str:
        return self.row.petitioner_name

    @strawberry.field
    def content(self) -> str:
        return self.row.content

    @strawberry.field
    def status(self) -> PetitionStatus:  # type: ignore[valid-type]
        return rules.PetitionStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return rules.PetitionStatus(self.row.status).label

    @strawberry.field
    def answer(self) -> str | None:
        return self.row.answer

    @strawberry.field(description="When the petition was recorded.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="The window that recorded it; null if it came another way.")
    async def window(self, info: Info) -> WindowType | None:
        return await _window(info, self.row.window_id)

    @strawberry.field(name="case", description=CASE_LINK)
    async def case_(self, info: Info) -> CaseLink | None:
        return await _case(info, self.row.case_id)


WINDOW_RECORD_TYPES: dict[str, tuple[type, type]] = {
    "Visit": (Visit, VisitType),
    "FirstContact": (FirstContact, FirstContactType),
    "Petition": (Petition, PetitionType),
    "MaterialsReceipt": (MaterialsReceipt, MaterialsReceiptType),
}


@strawberry.type(
    description="The answer to a verified case-status query: only `verified` and `message` when the "
    "identity document did not match a party of the case."
)
class CaseStatusDisclosure:
    verified: bool
    message: str
    case_number: str | None = None
    stage: CaseStage | None = None  # type: ignore[valid-type]
    stage_label: str | None = None
    open_deadlines: list[DeadlineType] = strawberry.field(
        default_factory=list,
        description="The case's open deadlines a party may be told of (not the court's own reminders "
        "to renew control measures).",
    )
    handler_name: str | None = None
    contact: CaseContactType | None = strawberry.field(
        default=None,
        description="Art. 10(3): whom to contact about the case now, with their office phone.",
    )
    verified_as: VerifiedAs | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="PARTY or AGENT (an agent ad litem registered on the case)."
    )

    @strawberry.field
    def verified_as_label(self) -> str | None:
        return rules.VerifiedAs(self.verified_as).label if self.verified_as else None


ContactCapacity = strawberry.enum(
    service.ContactCapacity, description="In what capacity the contact handles the case now."
)


@strawberry.type(
    name="CaseContact",
    description="Art. 10(3): whoever handles a case now: its handler, else its team's lead; while it "
    "is still at the centre, the centre officer holding its work, else the centre head. Only the "
    "office phone is ever given, never a personal number.",
)
class CaseContactType:
    name: str
    office_phone: str | None
    capacity: ContactCapacity  # type: ignore[valid-type]
    capacity_label: str


def _contact(contact: service.CaseContact | None) -> CaseContactType | None:
    if contact is None:
        return None
    return CaseContactType(
        name=contact.name,
        office_phone=contact.office_phone,
        capacity=contact.capacity,
        capacity_label=contact.capacity.label,
    )


@strawberry.type(
    description="The name and office phone (never a personal number) of whoever handles the case now "
    "(Art. 10(3)), after verification."
)
class JudgeContactResult:
    verified: bool
    message: str
    judge_name: str | None = None
    office_phone: str | None = None
    capacity: ContactCapacity | None = None  # type: ignore[valid-type]

    @strawberry.field
    def capacity_label(self) -> str | None:
        return service.ContactCapacity(self.capacity).label if self.capacity else None


@strawberry.type
class VisitCount:
    purpose: VisitPurpose  # type: ignore[valid-type]
    purpose_label: str
    count: int


@strawberry.type(description="A window's day at a glance.")
class WindowDayView:
    date: date
    visits: int
    by_purpose: list[VisitCount]
    open_visits: int
    open_first_contacts: int
    open_work_items: int


@strawberry.type
class WindowQuery:
    @strawberry.field(
        description="Visits by purpose and what is still open at a window (default: today). For "
        "the window's staff, the centre head, the bureau chief and the command centre (FORBIDDEN "
        "otherwise)."
    )
    async def window_day(
        self, info: Info, window_id: strawberry.ID, date: date | None = None
    ) -> WindowDayView:
        pk = pk_of(window_id, "Window", "windowId")
        viewer = info.context.viewer
        if not (reads_every_window_record(viewer) or pk in viewer.window_ids):
            raise Forbidden(
                "a window's day is for its own staff, the centre head, the bureau chief and the "
                "command centre",
                zh="窗口当日情况仅供本窗口工作人员、事务中心负责人、执行局局长和执行指挥中心查看",
                field="windowId",
            )
        day = date or court_today(info.context.app.clock, info.context.app.settings.tz)
        result = await service.window_day(info.context.session, pk, day)
        return WindowDayView(
            date=result.day,
            visits=result.visits,
            open_visits=result.open_visits,
            open_first_contacts=result.open_first_contacts,
            open_work_items=result.open_items,
            by_purpose=[
                VisitCount(purpose=p, purpose_label=p.label, count=n)
                for p, n in sorted(
                    result.by_purpose.items(), key=lambda kv: list(rules.VisitPurpose).index(kv[0])
                )
            ],
        )

    @strawberry.field(
        description="A window's visits on a day (default: today), newest first. Window records "
        "are read by the window's staff, the centre head, the bureau chief and the command centre; "
        "anyone else sees only those they recorded or that name a case they may read."
    )
    async def visits(self, info: Info, window_id: strawberry.ID, date: date | None = None) -> list[VisitType]:
        info.context.viewer  # noqa: B018
        day = date or court_today(info.context.app.clock, info.context.app.settings.tz)
        query = sa.select(Visit).where(
            Visit.window_id == pk_of(window_id, "Window", "windowId"), Visit.visited_on == day
        )
        readable = window_records_readable(info.context.viewer, Visit)
        if readable is not None:
            query = query.where(readable)
        rows = (await info.context.session.scalars(query.order_by(Visit.id.desc()).limit(500))).all()
        return [VisitType(row=r) for r in rows]

    @strawberry.field(
        description="First-contact matters at a window; open ones by default. Read by the "
        "window's staff, the centre head, the bureau chief and the command centre (and whoever "
        "recorded one)."
    )
    async def first_contacts(
        self, info: Info, window_id: strawberry.ID, open_only: bool = True
    ) -> list[FirstContactType]:
        info.context.viewer  # noqa: B018
        query = sa.select(FirstContact).where(
            FirstContact.window_id == pk_of(window_id, "Window", "windowId")
        )
        if open_only:
            query = query.where(FirstContact.status == "OPEN")
        readable = window_records_readable(info.context.viewer, FirstContact)
        if readable is not None:
            query = query.where(readable)
        rows = (await info.context.session.scalars(query.order_by(FirstContact.id.desc()).limit(500))).all()
        return [FirstContactType(row=r) for r in rows]

    @strawberry.field(description="Materials receipts of a case (Art. 8).")
    async def materials_receipts(self, info: Info, case_number: str) -> list[MaterialsReceiptType]:
        from ..domain.access import case_visible

        viewer = info.context.viewer
        case = await info.context.session.scalar(sa.select(Case).where(Case.number == case_number.strip()))
        if case is None or not case_visible(viewer, team_id=case.team_id, handler_id=case.handler_id):
            return []
        rows = (
            await info.context.session.scalars(
                sa.select(MaterialsReceipt)
                .where(MaterialsReceipt.case_id == case.id)
                .order_by(MaterialsReceipt.id)
            )
        ).all()
        return [MaterialsReceiptType(row=r) for r in rows]


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class VisitorInput:
    name: str
    id_number: str | None = None
    phone: str | None = None


@strawberry.input
class RecordVisitInput:
    window_id: strawberry.ID
    visitor: VisitorInput
    purpose: VisitPurpose  # type: ignore[valid-type]
    request: str
    case_number: str | None = None
    outcome: str | None = None
    resolved: bool = False


@strawberry.type
class VisitPayload:
    visit: VisitType | None = None
    user_errors: list[UserError]


@strawberry.input
class ResolveVisitInput:
    id: strawberry.ID
    outcome: str


@strawberry.input
class RecordFirstContactInput:
    window_id: strawberry.ID
    applicant_name: str
    reason: FirstContactReason  # type: ignore[valid-type]
    legal_basis: str = strawberry.field(
        description="The provision the filing fails, e.g. 民事诉讼法第二百五十条."
    )
    told: str = strawberry.field(description="What the applicant was told (the remedy, where to go).")


@strawberry.input
class CloseFirstContactInput:
    id: strawberry.ID
    note: str


@strawberry.type
class FirstContactPayload:
    first_contact: FirstContactType | None = None
    user_errors: list[UserError]


@strawberry.input
class MaterialItemInput:
    name: str
    copies: int = 1


@strawberry.input
class ReceiveMaterialsInput:
    window_id: strawberry.ID
    submitted_by: str
    items: list[MaterialItemInput]
    case_number: str | None = None


@strawberry.input
class TransferMaterialsInput:
    receipt_id: strawberry.ID
    to_staff_id: strawberry.ID
    note: str | None = None


@strawberry.type
class MaterialsPayload:
    receipt: MaterialsReceiptType | None = None
    user_errors: list[UserError]


@strawberry.input
class VerifiedRequestInput:
    window_id: strawberry.ID
    case_number: str
    identity_document: str = strawberry.field(
        description="The ID number or credit code on the document the visitor shows; never stored."
    )
    identity_document_type: IdType | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The type of that document; default a resident ID, credit code or permanent "
        "residence card, told apart by their form. UNKNOWN verifies no one.",
    )


@strawberry.type
class CaseStatusPayload:
    disclosure: CaseStatusDisclosure | None = None
    user_errors: list[UserError]


@strawberry.input
class ContactJudgeInput:
    window_id: strawberry.ID
    case_number: str
    identity_document: str
    note: str = strawberry.field(description="What the party wants the judge to know.")
    identity_document_type: IdType | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The type of that document; default a resident ID, credit code or permanent "
        "residence card, told apart by their form. UNKNOWN verifies no one.",
    )


@strawberry.type
class ContactJudgePayload:
    result: JudgeContactResult | None = None
    user_errors: list[UserError]


@strawberry.input
class ResumeExecutionInput:
    window_id: strawberry.ID
    case_number: str
    identity_document: str
    reason: str = strawberry.field(description="New asset clues or other grounds for resuming.")
    identity_document_type: IdType | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The type of that document; default a resident ID, credit code or permanent "
        "residence card, told apart by their form. UNKNOWN verifies no one.",
    )
    ground: ResumptionGround = strawberry.field(  # type: ignore[valid-type]
        default=rules.ResumptionGround.PROPERTY_FOUND,
        description="Why execution resumes (CPL 2023 art. 241; 法发〔2014〕26号): PROPERTY_FOUND "
        "resumes a case closed 终本; SETTLEMENT_NOT_PERFORMED, SETTLEMENT_BY_FRAUD_OR_DURESS and "
        "CONDITIONS_NOW_MET a case closed 终结执行. A ground that does not fit the case's closing "
        "is refused on this field, naming those that do.",
    )


@strawberry.type
class ResumeExecutionPayload:
    verified: bool = False
    case: Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None = None
    user_errors: list[UserError]


@strawberry.input
class RecordPetitionInput:
    window_id: strawberry.ID
    petitioner_name: str
    content: str
    case_number: str | None = None


@strawberry.type
class PetitionPayload:
    petition: PetitionType | None = None
    user_errors: list[UserError]


NOT_VERIFIED = "not verified"


def _id_type(value: object) -> IdTypeEnum | None:
    return IdTypeEnum(value) if value is not None else None


@strawberry.type
class WindowMutation:
    @strawberry.mutation(
        description="Record a visit at an offline window; an unresolved one waits on the window's worklist."
    )
    async def record_visit(self, info: Info, input: RecordVisitInput) -> VisitPayload:
        ctx = info.context

        async def act() -> Visit:
            data = service.VisitData(
                window_id=pk_of(input.window_id, "Window", "windowId"),
                visitor_name=input.visitor.name,
                visitor_id_number=input.visitor.id_number,
                visitor_phone=input.visitor.phone,
                purpose=rules.VisitPurpose(input.purpose),
                request=input.request,
                case_number=input.case_number,
                outcome=input.outcome,
                resolved=input.resolved,
            )
            return await service.record_visit(ctx.app, ctx.viewer, data)

        return await run_mutation(VisitPayload, act, lambda v: {"visit": VisitType(row=v)})

    @strawberry.mutation(description="Close a visit with its outcome.")
    async def resolve_visit(self, info: Info, input: ResolveVisitInput) -> VisitPayload:
        ctx = info.context
        return await run_mutation(
            VisitPayload,
            lambda: service.resolve_visit(ctx.app, ctx.viewer, pk_of(input.id, "Visit"), input.outcome),
            lambda v: {"visit": VisitType(row=v)},
        )

    @strawberry.mutation(
        description="Art. 7: record a filing that cannot be accepted or cured, with its legal "
        "reason and what the applicant was told; it stays on the Affairs Handling worklist."
    )
    async def record_first_contact(self, info: Info, input: RecordFirstContactInput) -> FirstContactPayload:
        ctx = info.context
        return await run_mutation(
            FirstContactPayload,
            lambda: service.record_first_contact(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.applicant_name,
                rules.FirstContactReason(input.reason),
                input.legal_basis,
                input.told,
            ),
            lambda c: {"first_contact": FirstContactType(row=c)},
        )

    @strawberry.mutation(description="Close a first-contact matter.")
    async def close_first_contact(self, info: Info, input: CloseFirstContactInput) -> FirstContactPayload:
        ctx = info.context
        return await run_mutation(
            FirstContactPayload,
            lambda: service.close_first_contact(
                ctx.app, ctx.viewer, pk_of(input.id, "FirstContact"), input.note
            ),
            lambda c: {"first_contact": FirstContactType(row=c)},
        )

    @strawberry.mutation(description="Art. 8: receive materials and give a numbered receipt.")
    async def receive_materials(self, info: Info, input: ReceiveMaterialsInput) -> MaterialsPayload:
        ctx = info.context
        return await run_mutation(
            MaterialsPayload,
            lambda: service.receive_materials(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.submitted_by,
                [(i.name, i.copies) for i in input.items],
                input.case_number,
            ),
            lambda r: {"receipt": MaterialsReceiptType(row=r)},
        )

    @strawberry.mutation(description="Hand received materials on to their next holder.")
    async def transfer_materials(self, info: Info, input: TransferMaterialsInput) -> MaterialsPayload:
        ctx = info.context
        return await run_mutation(
            MaterialsPayload,
            lambda: service.transfer_materials(
                ctx.app,
                ctx.viewer,
                pk_of(input.receipt_id, "MaterialsReceipt", "receiptId"),
                pk_of(input.to_staff_id, "Staff", "toStaffId"),
                input.note,
            ),
            lambda r: {"receipt": MaterialsReceiptType(row=r)},
        )

    @strawberry.mutation(
        description="Art. 10(2): tell a party where their case stands, only when the identity "
        "document matches a party; every attempt is audited; repeated failures are slowed, then "
        "refused for a while (RATE_LIMITED)."
    )
    async def disclose_case_status(self, info: Info, input: VerifiedRequestInput) -> CaseStatusPayload:
        ctx = info.context

        async def act() -> dict:
            answer = await service.disclose_case_status(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.case_number,
                input.identity_document,
                _id_type(input.identity_document_type),
            )
            if not answer.verified or answer.case is None:
                return {"disclosure": CaseStatusDisclosure(verified=False, message=NOT_VERIFIED)}
            case = answer.case
            return {
                "disclosure": CaseStatusDisclosure(
                    verified=True,
                    message="verified",
                    case_number=case.number,
                    stage=case.stage,
                    stage_label=case.stage.label,
                    open_deadlines=[DeadlineType(row=d) for d in answer.open_deadlines],
                    handler_name=answer.handler.name if answer.handler else None,
                    contact=_contact(answer.contact),
                    verified_as=rules.VerifiedAs.__members__.get((answer.verified_as or "").upper()),
                )
            }

        return await run_mutation(CaseStatusPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Art. 10(3): after the same verification, the handler's office phone; the "
        "handler is told the party asked."
    )
    async def contact_judge(self, info: Info, input: ContactJudgeInput) -> ContactJudgePayload:
        ctx = info.context

        async def act() -> dict:
            result = await service.contact_judge(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.case_number,
                input.identity_document,
                input.note,
                _id_type(input.identity_document_type),
            )
            if not result.verified:
                return {"result": JudgeContactResult(verified=False, message=NOT_VERIFIED)}
            message = "verified" if result.name else "verified; no handler is assigned yet"
            return {
                "result": JudgeContactResult(
                    verified=True,
                    message=message,
                    judge_name=result.name,
                    office_phone=result.office_phone,
                    capacity=result.capacity,
                )
            }

        return await run_mutation(ContactJudgePayload, act, lambda r: r)

    @strawberry.mutation(
        description="Art. 10(4): an applicant's application to resume execution of a case closed "
        "by termination of the current procedure opens a linked 执恢 case."
    )
    async def apply_resume_execution(self, info: Info, input: ResumeExecutionInput) -> ResumeExecutionPayload:
        ctx = info.context

        async def act() -> dict:
            from .cases import CaseType

            case = await service.apply_resume_execution(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.case_number,
                input.identity_document,
                input.reason,
                _id_type(input.identity_document_type),
                rules.ResumptionGround(input.ground),
            )
            return {"verified": case is not None, "case": CaseType(row=case) if case else None}

        return await run_mutation(ResumeExecutionPayload, act, lambda r: r)

    @strawberry.mutation(
        description="Art. 10(4): record an execution petition; it lands on the case's team lead's "
        "and the centre head's worklists."
    )
    async def record_petition(self, info: Info, input: RecordPetitionInput) -> PetitionPayload:
        ctx = info.context
        return await run_mutation(
            PetitionPayload,
            lambda: service.record_petition(
                ctx.app,
                ctx.viewer,
                pk_of(input.window_id, "Window", "windowId"),
                input.petitioner_name,
                input.content,
                input.case_number,
            ),
            lambda p: {"petition": PetitionType(row=p)},
        )
