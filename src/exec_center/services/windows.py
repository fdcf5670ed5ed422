"""The offline windows (Arts. 5–11): visits, first contact, materials, verified disclosure,
judge contact, resumption of execution and petitions.

Each decision is taken on the row as it is inside the unit of work that acts on it, locked
(`work.locked`) on PostgreSQL; SQLite runs one unit of work at a time. Resolving a visit or
closing a first contact locks it before its work items, as completing those items does.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..context import AppContext
from ..db.models import (
    Case,
    CaseAgent,
    CaseParty,
    CounterRow,
    Deadline,
    DisclosureAttempt,
    FirstContact,
    MaterialsReceipt,
    MaterialsTransfer,
    Petition,
    Staff,
    StaffRole,
    TeamMember,
    Visit,
    Window,
    WorkItem,
)
from ..db.types import as_utc
from ..domain.access import Viewer
from ..domain.case_numbers import CaseNumber, CaseType, InvalidCaseNumber
from ..domain.deadlines import DeadlineKind, DeadlineStatus
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.identifiers import (
    IdType,
    InvalidIdentifier,
    validate_identifier,
    validate_mobile_phone,
    validate_resident_id,
)
from ..domain.intake import PartySide
from ..domain.labels import LabelledEnum
from ..domain.lifecycle import CaseStage
from ..domain.organisation import Channel, Role
from ..domain.windows import (
    WINDOW_MINUTES,
    FirstContactReason,
    ResumptionGround,
    VisitPurpose,
    check_purpose,
    check_resumable,
    disclosure_guard,
)
from ..domain.work import WorkItemKind, WorkItemStatus
from . import notifications, work
from .cases import file_follow_on
from .unit_of_work import UnitOfWork

# How history entries name an owner of work items and who passed identity verification.
_OWNER_ZH = {"Visit": "来访事项", "FirstContact": "首接办理事项", "Petition": "执行信访"}
_WHO_ZH = {"party": "当事人", "agent": "代理人"}


def _purpose_zh(purpose: str) -> str:
    try:
        return VisitPurpose(purpose).label
    except ValueError:
        return purpose

CLERK_OF = {
    Channel.AFFAIRS_HANDLING: Role.AFFAIRS_CLERK,
    Channel.CONSULTATION_DISCLOSURE: Role.CONSULTATION_CLERK,
    Channel.EXECUTION_FILING: Role.FILING_CLERK,
}


async def _window(
    uow: UnitOfWork, viewer: Viewer, window_id: int, *, channels: set[Channel] | None = None
) -> Window:
    window = await uow.session.get(Window, window_id)
    if window is None:
        raise NotFound("window", "窗口", field="windowId")
    if channels is not None and window.channel not in channels:
        served = [c for c in Channel if c in channels]
        raise DomainError(
            f"this is done at {', '.join(c.value for c in served)}; window {window.code} is "
            f"{window.channel.value}",
            zh=f"此事项应在{'或'.join(c.label for c in served)}办理；{window.name}为{window.channel.label}",
            field="windowId",
            code=ErrorCode.NOT_ALLOWED,
        )
    if window.id not in viewer.window_ids and not viewer.has(Role.CENTER_HEAD):
        raise Forbidden(
            "only staff assigned to this window can act for it",
            zh=f"仅{window.name}的在岗工作人员可以办理该窗口的事项",
            field="windowId",
        )
    return window


def _text(
    value: str | None, field: str, what: str, zh_what: str, limit: int, *, required: bool = True
) -> str | None:
    """Typed text, stripped; `what` names it in English, `zh_what` in zh-CN."""
    if value is None or not value.strip():
        if required:
            raise DomainError(
                f"{what} is required", zh=f"请填写{zh_what}", field=field, code=ErrorCode.REQUIRED
            )
        return None
    if len(value) > limit:
        raise DomainError(
            f"{what} may be at most {limit} characters",
            zh=f"{zh_what}不得超过{limit}个字",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )
    return value.strip()


def _bad_case_number(error: InvalidCaseNumber, field: str) -> DomainError:
    return DomainError(error.message, zh=error.zh, field=field, code=ErrorCode.BAD_FORMAT)


def _bad_identifier(error: InvalidIdentifier, field: str) -> DomainError:
    return DomainError(error.message, zh=error.zh, field=field, code=error.code)


async def _case_by_number(uow: UnitOfWork, number: str | None, field: str = "caseNumber") -> Case | None:
    if number is None or not number.strip():
        return None
    try:
        normalised = str(CaseNumber.parse(number))
    except InvalidCaseNumber as error:
        raise _bad_case_number(error, field) from None
    case = await uow.session.scalar(sa.select(Case).where(Case.number == normalised))
    if case is None:
        raise NotFound(f"case {normalised}", f"案件{normalised}", field=field)
    return case


# --- visits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitData:
    window_id: int
    visitor_name: str
    purpose: VisitPurpose
    request: str
    visitor_id_number: str | None = None
    visitor_phone: str | None = None
    case_number: str | None = None
    outcome: str | None = None
    resolved: bool = False


async def record_visit(ctx: AppContext, viewer: Viewer, data: VisitData) -> Visit:
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, data.window_id)
        check_purpose(window.channel, data.purpose)
        name = _text(data.visitor_name, "visitor.name", "the visitor's name", "来访人姓名", 100)
        request = _text(data.request, "request", "what the visitor asks", "来访诉求", 2000)
        outcome = _text(data.outcome, "outcome", "the outcome", "办理结果", 2000, required=data.resolved)
        id_number = phone = None
        try:
            if data.visitor_id_number and data.visitor_id_number.strip():
                id_number = validate_resident_id(data.visitor_id_number, uow.today)
        except InvalidIdentifier as error:
            raise _bad_identifier(error, "visitor.idNumber") from None
        try:
            if data.visitor_phone and data.visitor_phone.strip():
                phone = validate_mobile_phone(data.visitor_phone)
        except InvalidIdentifier as error:
            raise _bad_identifier(error, "visitor.phone") from None
        case = await _case_by_number(uow, data.case_number)
        visit = Visit(
            window_id=window.id,
            case_id=case.id if case else None,
            visitor_name=name or "",
            visitor_id_number=id_number,
            visitor_phone=phone,
            purpose=data.purpose,
            request=request or "",
            outcome=outcome,
            resolved=data.resolved,
            visited_on=uow.today,
            received_by=viewer.staff_id,
            created_at=uow.now,
            resolved_at=uow.now if data.resolved else None,
        )
        uow.session.add(visit)
        await uow.session.flush()
        uow.audit("RECORD_VISIT", "Visit", visit.id, f"{window.code}: {data.purpose.label}")
        if not data.resolved:  # still open: it waits on the window's worklist
            await work.create(
                uow,
                kind=WorkItemKind.VISIT,
                case=case,
                owner_type="Visit",
                owner_id=visit.id,
                window_id=window.id,
                candidate_role=CLERK_OF.get(window.channel),
                assignee_id=viewer.staff_id,
                due_on=uow.today,
                title=f"来访：{data.purpose.label}（{name}）",
            )
        await uow.commit()
    return visit


async def _resolve_visit(uow: UnitOfWork, visit: Visit, outcome: str) -> None:
    visit.resolved, visit.outcome, visit.resolved_at = True, outcome, uow.now
    uow.audit("RESOLVE_VISIT", "Visit", visit.id, f"已办结：{outcome[:150]}")


@work.completes(WorkItemKind.VISIT)
async def _visit_done(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    visit = await work.locked(uow, Visit, item.owner_id)
    if visit is not None and not visit.resolved:
        await _resolve_visit(uow, visit, done.note or "已办结")


async def resolve_visit(ctx: AppContext, viewer: Viewer, visit_id: int, outcome: str) -> Visit:
    async with UnitOfWork(ctx, viewer) as uow:
        visit = await work.locked(uow, Visit, visit_id)
        if visit is None:
            raise NotFound("visit", "来访登记")
        await _window(uow, viewer, visit.window_id)
        if visit.resolved:
            raise DomainError(
                "the visit is already resolved", zh="该来访已办结", field="id", code=ErrorCode.ALREADY_DONE
            )
        await _resolve_visit(uow, visit, _text(outcome, "outcome", "the outcome", "办理结果", 2000) or "")
        await _close_items(uow, "Visit", visit.id)
        await uow.commit()
    return visit


async def _close_items(uow: UnitOfWork, owner_type: str, owner_id: int) -> None:
    await work.finish_active(
        uow,
        WorkItem.owner_type == owner_type,
        WorkItem.owner_id == owner_id,
        summary=lambda kind: f"{kind.label}：{_OWNER_ZH.get(owner_type, owner_type)}已办结",
    )


# --- first contact (Art. 7) -------------------------------------------------------------


async def record_first_contact(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    applicant_name: str,
    reason: FirstContactReason,
    legal_basis: str,
    told: str,
) -> FirstContact:
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, window_id, channels={Channel.AFFAIRS_HANDLING})
        contact = FirstContact(
            window_id=window.id,
            applicant_name=_text(applicant_name, "applicantName", "the applicant", "申请人", 200) or "",
            reason=reason,
            legal_basis=_text(legal_basis, "legalBasis", "the legal basis", "法律依据", 500) or "",
            told=_text(told, "told", "what the applicant was told", "告知申请人的内容", 2000) or "",
            status="OPEN",
            created_by=viewer.staff_id,
            created_at=uow.now,
        )
        uow.session.add(contact)
        await uow.session.flush()
        uow.audit("RECORD_FIRST_CONTACT", "FirstContact", contact.id, f"未受理：{reason.label}")
        await work.create(
            uow,
            kind=WorkItemKind.FIRST_CONTACT,
            owner_type="FirstContact",
            owner_id=contact.id,
            window_id=window.id,
            candidate_role=Role.AFFAIRS_CLERK,
            due_on=uow.today,
            title=f"首接办理：{contact.applicant_name}（{reason.label}）",
        )
        await uow.commit()
    return contact


async def _close_first_contact(uow: UnitOfWork, contact: FirstContact, note: str) -> None:
    contact.status, contact.closing_note, contact.closed_at = "CLOSED", note, uow.now
    uow.audit("CLOSE_FIRST_CONTACT", "FirstContact", contact.id, f"已办结：{note[:150]}")


@work.completes(WorkItemKind.FIRST_CONTACT)
async def _first_contact_done(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    if not (done.note or "").strip():
        raise DomainError(
            "say how the matter was closed (note)",
            zh="请在备注中写明首接办理事项的办结情况",
            field="note",
            code=ErrorCode.REQUIRED,
        )
    contact = await work.locked(uow, FirstContact, item.owner_id)
    if contact is not None and contact.status == "OPEN":
        await _close_first_contact(uow, contact, done.note or "")


async def close_first_contact(ctx: AppContext, viewer: Viewer, contact_id: int, note: str) -> FirstContact:
    async with UnitOfWork(ctx, viewer) as uow:
        contact = await work.locked(uow, FirstContact, contact_id)
        if contact is None:
            raise NotFound("first-contact matter", "首接办理事项")
        await _window(uow, viewer, contact.window_id)
        if contact.status != "OPEN":
            raise DomainError(
                "the matter is already closed",
                zh="该首接办理事项已办结",
                field="id",
                code=ErrorCode.ALREADY_DONE,
            )
        note = _text(note, "note", "how the matter was closed", "办结情况", 2000) or ""
        await _close_first_contact(uow, contact, note)
        await _close_items(uow, "FirstContact", contact.id)
        await uow.commit()
    return contact


# --- materials (Art. 8) -----------------------------------------------------------------


async def _next_value(uow: UnitOfWork, key: str) -> int:
    insert = postgresql.insert if uow.session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(CounterRow)
        .values(key=key, last_value=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last_value": CounterRow.last_value + 1})
        .returning(CounterRow.last_value)
    )
    return (await uow.session.execute(statement)).scalar_one()


async def receive_materials(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    submitted_by: str,
    items: list[tuple[str, int]],
    case_number: str | None,
) -> MaterialsReceipt:
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(
            uow, viewer, window_id, channels={Channel.AFFAIRS_HANDLING, Channel.EXECUTION_FILING}
        )
        who = _text(submitted_by, "submittedBy", "who handed the materials in", "递交人", 200) or ""
        if not items:
            raise DomainError(
                "list the materials received", zh="请列明所收材料", field="items", code=ErrorCode.REQUIRED
            )
        listed = []
        for i, (name, copies) in enumerate(items):
            named = _text(name, f"items.{i}.name", "the material's name", "材料名称", 200)
            listed.append({"name": named, "copies": copies})
            if not 1 <= copies <= 999:
                raise DomainError(
                    f"copies must be 1 to 999, not {copies}",
                    zh=f"份数应为1至999份，不能为{copies}",
                    field=f"items.{i}.copies",
                    code=ErrorCode.OUT_OF_RANGE,
                )
        case = await _case_by_number(uow, case_number)
        year = uow.today.year
        sequence = await _next_value(uow, f"materials:{ctx.settings.court_code}:{year}")
        receipt = MaterialsReceipt(
            number=f"（{year}）{ctx.settings.court_code}材收{sequence}号",
            year=year,
            sequence=sequence,
            window_id=window.id,
            case_id=case.id if case else None,
            submitted_by=who,
            items=listed,
            received_by=viewer.staff_id,
            received_at=uow.now,
            holder_id=viewer.staff_id,
        )
        uow.session.add(receipt)
        await uow.session.flush()
        uow.audit(
            "RECEIVE_MATERIALS", "MaterialsReceipt", receipt.id, f"{receipt.number}：材料{len(listed)}项"
        )
        if case is not None:
            uow.audit("RECEIVE_MATERIALS", "Case", case.id, f"收到材料：{receipt.number}")
        await uow.commit()
    return receipt


async def transfer_materials(
    ctx: AppContext, viewer: Viewer, receipt_id: int, to_staff_id: int, note: str | None
) -> MaterialsReceipt:
    async with UnitOfWork(ctx, viewer) as uow:
        receipt = await work.locked(uow, MaterialsReceipt, receipt_id)  # who holds it decides
        if receipt is None:
            raise NotFound("materials receipt", "材料接收登记", field="receiptId")
        if receipt.holder_id != viewer.staff_id and not viewer.has(Role.CENTER_HEAD):
            raise Forbidden(
                "only the current holder of the materials can hand them on",
                zh="仅材料的当前持有人可以移交材料",
                field="receiptId",
            )
        target = await uow.session.get(Staff, to_staff_id)
        if target is None or not target.active:
            raise NotFound("staff member", "工作人员", field="toStaffId")
        uow.session.add(
            MaterialsTransfer(
                receipt_id=receipt.id,
                from_staff_id=receipt.holder_id,
                to_staff_id=target.id,
                note=_text(note, "note", "the note", "备注", 500, required=False),
                transferred_at=uow.now,
            )
        )
        receipt.holder_id = target.id
        uow.audit(
            "TRANSFER_MATERIALS",
            "MaterialsReceipt",
            receipt.id,
            f"{receipt.number}移交{target.username}",
        )
        if receipt.case_id is not None:
            uow.audit(
                "TRANSFER_MATERIALS", "Case", receipt.case_id, f"{receipt.number}移交{target.name}"
            )
        await notifications.send(
            uow.session,
            [
                notifications.Message(
                    target.id,
                    "MATERIALS_TRANSFERRED",
                    f"材料移交：{receipt.number}",
                    f"{viewer.name}向您移交材料（{receipt.number}）。",
                    "MaterialsReceipt",
                    receipt.id,
                    f"materials:{receipt.id}:to:{target.id}:{uow.now.isoformat()}",
                )
            ],
            uow.now,
        )
        await uow.commit()
    return receipt


# --- verified disclosure, judge contact, resumption (Art. 10) ------------------------------


@dataclass(frozen=True)
class Verification:
    verified: bool
    case: Case | None
    message: str
    # Who was verified: "party" or "agent" (an agent counts as the side of the party they act for).
    who: str | None = None


def _identity(document: str, today: date, id_type: IdType | None = None) -> str:
    """The number on the document the visitor shows, in full and well-formed (else bad input).

    Without `id_type`: an 18-character resident ID (or residence permit), unified social credit
    code or 2023 foreign permanent residence card. With it: that document's number
    (`validate_identifier`); UNKNOWN verifies no one."""
    if id_type is IdType.UNKNOWN:
        raise DomainError(
            "a party whose number is unknown cannot be verified by number; choose the type of the "
            "document the visitor shows",
            zh="证件号码不明的当事人无法凭号码核验身份；请选择来访人所出示证件的类型",
            field="identityDocumentType",
        )
    if id_type is not None:
        try:
            _, number = validate_identifier(id_type, document, None, today)
        except InvalidIdentifier as error:
            raise _bad_identifier(error, "identityDocument") from None
        return number or ""
    value = (document or "").strip().upper()
    try:
        return validate_resident_id(value, today)
    except InvalidIdentifier as as_person:
        for other in (IdType.USCC, IdType.FOREIGN_PERMANENT_RESIDENCE):
            try:
                return validate_identifier(other, value, None, today)[1] or ""
            except InvalidIdentifier:
                continue
        raise DomainError(
            f"{as_person.message}; enter the full 18-character resident ID number or unified "
            "social credit code the visitor shows, or name its identityDocumentType (a permit, "
            "a passport...)",
            zh=f"{as_person.zh}；请输入来访人所出示的完整18位居民身份证号码或统一社会信用代码，"
            "或选择所出示证件的类型（居住证、护照等）",
            field="identityDocument",
            code=ErrorCode.BAD_FORMAT,
        ) from None


async def _verify(
    uow: UnitOfWork,
    viewer: Viewer,
    window: Window,
    case_number: str,
    document: str,
    purpose: str,
    *,
    side: PartySide | None = None,
    id_type: IdType | None = None,
) -> Verification:
    """Art. 10(2): the visitor is a party of the case, or an agent registered on it (CPL 2023
    art. 62), by the number of the identity document shown; `side` limits it to that side (an
    agent counts as the side of the party they act for). A party whose number is UNKNOWN is never
    verified by number. Every attempt is recorded and audited (who was verified, never the
    number); repeated failures are slowed, then refused for a while."""
    identity = _identity(document, uow.today, id_type)
    try:
        normalised = str(CaseNumber.parse(case_number))
    except InvalidCaseNumber as error:
        raise _bad_case_number(error, "caseNumber") from None
    # Count and record in one go per case (the visitor's count is within it): a burst of attempts
    # is counted one by one, so it cannot all pass on the same low count.
    await work.serialise(uow, "disclosure-case", normalised)
    visitor = visitor_key(uow.ctx.settings.secret_key, identity)
    since = uow.now - timedelta(minutes=WINDOW_MINUTES)
    failed = sa.and_(
        DisclosureAttempt.verified.is_(False),
        DisclosureAttempt.at >= since,
        DisclosureAttempt.case_number == normalised,
    )
    counted = (sa.func.count(), sa.func.max(DisclosureAttempt.at))
    by_visitor = (
        await uow.session.execute(sa.select(*counted).where(failed, DisclosureAttempt.visitor_key == visitor))
    ).one()
    by_case = (await uow.session.execute(sa.select(*counted).where(failed))).one()
    guard = disclosure_guard(
        by_visitor[0],
        as_utc(by_visitor[1]),
        uow.now,
        case_failures=by_case[0],
        case_last_failure=as_utc(by_case[1]),
    )
    if not guard.allowed:
        refused = f"{_purpose_zh(purpose)}（{normalised}）：{guard.zh or guard.message}"
        uow.audit("DISCLOSURE_REFUSED", "Window", window.id, refused)
        await uow.commit()
        wait = guard.retry_after and max(1, math.ceil((guard.retry_after - uow.now).total_seconds()))
        raise DomainError(
            guard.message, zh=guard.zh, field="caseNumber", code=ErrorCode.RATE_LIMITED, retry_after=wait
        )
    case = await uow.session.scalar(sa.select(Case).where(Case.number == normalised))
    who: str | None = None
    if case is not None:
        who = await _verified_as(uow, case, identity, side, id_type)
    verified = who is not None
    uow.session.add(
        DisclosureAttempt(
            window_id=window.id,
            case_number=normalised,
            purpose=purpose,
            verified=verified,
            staff_id=viewer.staff_id,
            at=uow.now,
            visitor_key=visitor,
        )
    )
    uow.audit(
        "VERIFY_PARTY",
        "Case" if case else "Window",
        case.id if case else window.id,
        f"{_purpose_zh(purpose)}（{window.name}）："
        + (f"核验通过（{_WHO_ZH.get(who, who)}）" if verified else "核验未通过"),
    )
    return Verification(
        verified, case if verified else None, "verified" if verified else "not verified", who
    )


def visitor_key(secret: str, identity: str) -> str:
    """Who tried, without the number: an HMAC of the document under the server's secret."""
    return hmac.new(secret.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]


async def _verified_as(
    uow: UnitOfWork, case: Case, identity: str, side: PartySide | None, id_type: IdType | None
) -> str | None:
    """"party", "agent" or None: whom on the case this number identifies."""
    party = sa.select(CaseParty.id).where(
        CaseParty.case_id == case.id,
        CaseParty.id_number == identity,
        CaseParty.id_type != IdType.UNKNOWN.value,  # never matched by number, whatever is stored
    )
    agent = (
        sa.select(CaseAgent.id)
        .join(CaseParty, CaseParty.id == CaseAgent.party_id)
        .where(CaseAgent.case_id == case.id, CaseParty.case_id == case.id, CaseAgent.id_number == identity)
    )
    if id_type is not None:
        party = party.where(CaseParty.id_type == id_type.value)
        agent = agent.where(CaseAgent.id_type == id_type.value)
    if side is not None:
        party = party.where(CaseParty.side == side.value)
        agent = agent.where(CaseParty.side == side.value)
    if await uow.session.scalar(party.limit(1)) is not None:
        return "party"
    if await uow.session.scalar(agent.limit(1)) is not None:
        return "agent"
    return None


# --- whom a party may contact (Art. 10(3)) -------------------------------------------------


class ContactCapacity(LabelledEnum):
    """In what capacity the person a party is told to contact handles the case now."""

    HANDLER = "HANDLER", "承办人"
    TEAM_LEAD = "TEAM_LEAD", "执行实施团队负责人"
    CENTER_OFFICER = "CENTER_OFFICER", "事务中心承办干警"
    CENTER_DUTY = "CENTER_DUTY", "事务中心负责人"


@dataclass(frozen=True)
class CaseContact:
    staff: Staff
    capacity: ContactCapacity

    @property
    def name(self) -> str:
        return self.staff.name

    @property
    def office_phone(self) -> str | None:
        # Only the office phone is ever given (Art. 10(3)); never a personal number.
        return self.staff.office_phone


# Deadlines the court keeps for itself: the renewal of control measures (续行查封、冻结, SPC
# provisions on seizure, sealing and freezing in civil execution, art. 27) is the court's own
# reminder, not something a party is told to wait for.
PARTY_HIDDEN_DEADLINES = frozenset({DeadlineKind.MEASURE_RENEWAL})


async def case_contact(uow: UnitOfWork, case: Case) -> CaseContact | None:
    """Art. 10(3): whoever handles the case now. Transferred: its handler, else its team's lead.
    Still at the centre (no team, no handler): the centre officer holding its work item (the one
    claimed most recently), else the centre's duty contact (the centre head, whose office line the
    centre's documents give)."""
    if case.handler_id is not None:
        handler = await uow.session.get(Staff, case.handler_id)
        if handler is not None and handler.active:
            return CaseContact(handler, ContactCapacity.HANDLER)
    if case.team_id is not None:
        lead = await uow.session.scalar(
            sa.select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(TeamMember.team_id == case.team_id, TeamMember.is_lead.is_(True), Staff.active.is_(True))
            .order_by(Staff.id)
            .limit(1)
        )
        if lead is not None:
            return CaseContact(lead, ContactCapacity.TEAM_LEAD)
        return None  # the team answers for it, not the centre
    center_roles = (Role.CENTER_OFFICER, Role.CENTER_HEAD)
    officer = await uow.session.scalar(
        sa.select(Staff)
        .join(WorkItem, WorkItem.assignee_id == Staff.id)
        .where(
            WorkItem.case_id == case.id,
            WorkItem.status.in_((WorkItemStatus.OPEN, WorkItemStatus.CLAIMED)),
            Staff.active.is_(True),
            sa.exists().where(StaffRole.staff_id == Staff.id, StaffRole.role.in_(center_roles)),
        )
        .order_by(WorkItem.claimed_at.desc(), WorkItem.id.desc())
        .limit(1)
    )
    if officer is not None:
        return CaseContact(officer, ContactCapacity.CENTER_OFFICER)
    duty = await uow.session.scalar(
        sa.select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role == Role.CENTER_HEAD, Staff.active.is_(True))
        .order_by(Staff.office_phone.is_(None), Staff.id)
        .limit(1)
    )
    return CaseContact(duty, ContactCapacity.CENTER_DUTY) if duty is not None else None


@dataclass(frozen=True)
class StatusAnswer:
    verified: bool
    case: Case | None = None
    open_deadlines: tuple[Deadline, ...] = ()
    handler: Staff | None = None
    contact: CaseContact | None = None
    verified_as: str | None = None


async def disclose_case_status(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    case_number: str,
    identity_document: str,
    identity_document_type: IdType | None = None,
) -> StatusAnswer:
    """Art. 10(2)-(3): where the case stands, its open deadlines a party may be told of, and
    whom to contact about it now."""
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, window_id, channels={Channel.CONSULTATION_DISCLOSURE})
        result = await _verify(
            uow,
            viewer,
            window,
            case_number,
            identity_document,
            "CASE_STATUS_QUERY",
            id_type=identity_document_type,
        )
        answer = StatusAnswer(False)
        if result.verified and result.case is not None:
            deadlines = (
                await uow.session.scalars(
                    sa.select(Deadline)
                    .where(
                        Deadline.owner_type == "Case",
                        Deadline.owner_id == result.case.id,
                        Deadline.status == DeadlineStatus.OPEN,
                        Deadline.kind.not_in(tuple(PARTY_HIDDEN_DEADLINES)),
                    )
                    .order_by(Deadline.due_on)
                )
            ).all()
            handler = await uow.session.get(Staff, result.case.handler_id) if result.case.handler_id else None
            contact = await case_contact(uow, result.case)
            answer = StatusAnswer(True, result.case, tuple(deadlines), handler, contact, result.who)
        await uow.commit()
    return answer


@dataclass(frozen=True)
class JudgeContact:
    verified: bool
    name: str | None = None
    office_phone: str | None = None
    capacity: ContactCapacity | None = None


async def contact_judge(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    case_number: str,
    identity_document: str,
    note: str,
    identity_document_type: IdType | None = None,
) -> JudgeContact:
    """Art. 10(3): the office phone of whoever handles the case now (`case_contact`); they are
    told the party asked."""
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, window_id, channels={Channel.CONSULTATION_DISCLOSURE})
        message = _text(
            note, "note", "what the party wants to tell the judge", "当事人需转告承办法官的内容", 1000
        ) or ""
        result = await _verify(
            uow,
            viewer,
            window,
            case_number,
            identity_document,
            "JUDGE_CONTACT",
            id_type=identity_document_type,
        )
        answer = JudgeContact(False)
        if result.verified and result.case is not None:
            case = result.case
            contact = await case_contact(uow, case)
            if contact is not None:
                judge = contact.staff
                answer = JudgeContact(True, contact.name, contact.office_phone, contact.capacity)
                await notifications.send(
                    uow.session,
                    [
                        notifications.Message(
                            judge.id,
                            "PARTY_ASKED_FOR_JUDGE",
                            f"当事人来访联系：{case.number}",
                            f"当事人经身份核验后在{window.name}请求联系您：{message}",
                            "Case",
                            case.id,
                            f"judge-contact:{case.id}:{uow.now.isoformat()}",
                        )
                    ],
                    uow.now,
                )
            else:
                answer = JudgeContact(True, None, None)
        await uow.commit()
    return answer


async def apply_resume_execution(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    case_number: str,
    identity_document: str,
    reason: str,
    identity_document_type: IdType | None = None,
    ground: ResumptionGround = ResumptionGround.PROPERTY_FOUND,
) -> Case | None:
    """Art. 10(4): an applicant's application to resume execution opens a 执恢 case linked to the
    original, on the original team's worklist. None when the applicant was not verified."""
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, window_id, channels={Channel.CONSULTATION_DISCLOSURE})
        grounds = ("the new asset clues or grounds for resumption", "新的财产线索或恢复执行的理由")
        why = _text(reason, "reason", *grounds, 2000) or ""
        original = await _case_by_number(uow, case_number)
        assert original is not None
        check_resumable(original.case_type, original.closing_method, ground)
        result = await _verify(
            uow,
            viewer,
            window,
            case_number,
            identity_document,
            "RESUME_EXECUTION",
            side=PartySide.APPLICANT,
            id_type=identity_document_type,
        )
        if not result.verified:
            await uow.commit()
            return None
        original = await work.locked(uow, Case, original.id)
        check_resumable(original.case_type, original.closing_method, ground)
        open_resumption = await uow.session.scalar(
            sa.select(Case)
            .where(
                Case.origin_case_id == original.id,
                Case.case_type == CaseType.ZHI_HUI,
                Case.stage.not_in((CaseStage.CLOSED, CaseStage.ARCHIVED)),
            )
            .order_by(Case.id)
            .limit(1)
        )
        if open_resumption is not None:  # a repeat (or the same application twice at once)
            uow.audit(
                "RESUME_EXECUTION", "Case", original.id, f"已恢复执行，案号{open_resumption.number}"
            )
            await uow.commit()
            return open_resumption
        resumed = await file_follow_on(uow, original, CaseType.ZHI_HUI, CaseStage.ENFORCING)
        resumed.resumption_ground = ground.value
        uow.audit(
            "RESUME_EXECUTION",
            "Case",
            original.id,
            f"恢复执行，立案为{resumed.number}（{ground.label}）：{why[:150]}",
        )
        uow.audit("FILE_RESUMED_CASE", "Case", resumed.id, f"由{original.number}恢复执行立案")
        await work.create(
            uow,
            kind=WorkItemKind.ENFORCE,
            case=resumed,
            team_id=resumed.team_id,
            candidate_role=Role.IMPLEMENTATION_OFFICER,
            assignee_id=resumed.handler_id,
            title=f"{resumed.number} 恢复执行",
        )
        await uow.commit()
    return resumed


# --- petitions (Art. 10(4)) --------------------------------------------------------------


async def record_petition(
    ctx: AppContext,
    viewer: Viewer,
    window_id: int,
    petitioner_name: str,
    content: str,
    case_number: str | None,
) -> Petition:
    async with UnitOfWork(ctx, viewer) as uow:
        window = await _window(uow, viewer, window_id, channels={Channel.CONSULTATION_DISCLOSURE})
        case = await _case_by_number(uow, case_number)
        petition = Petition(
            window_id=window.id,
            case_id=case.id if case else None,
            petitioner_name=_text(petitioner_name, "petitionerName", "the petitioner", "信访人", 200) or "",
            content=_text(content, "content", "the petition", "信访内容", 4000) or "",
            status="OPEN",
            created_by=viewer.staff_id,
            created_at=uow.now,
        )
        uow.session.add(petition)
        await uow.session.flush()
        uow.audit("RECORD_PETITION", "Petition", petition.id, f"信访人：{petition.petitioner_name}")
        if case is not None:
            uow.audit("RECORD_PETITION", "Case", case.id, "收到执行信访")
        title = f"执行信访：{petition.petitioner_name}" + (f"（{case.number}）" if case else "")
        if case is not None and case.team_id is not None:
            await work.create(
                uow,
                kind=WorkItemKind.PETITION,
                case=case,
                owner_type="Petition",
                owner_id=petition.id,
                team_id=case.team_id,
                candidate_role=Role.IMPLEMENTATION_LEAD,
                due_on=uow.today,
                priority=2,
                title=title,
            )
        await work.create(
            uow,
            kind=WorkItemKind.PETITION,
            case=case,
            owner_type="Petition",
            owner_id=petition.id,
            candidate_role=Role.CENTER_HEAD,
            due_on=uow.today,
            priority=2,
            title=title,
        )
        await uow.commit()
    return petition


@work.completes(WorkItemKind.PETITION)
async def _petition_answered(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    if not (done.note or "").strip():
        raise DomainError(
            "give the answer to the petition in the note",
            zh="请在备注中写明对信访的答复",
            field="note",
            code=ErrorCode.REQUIRED,
        )
    petition = await work.locked(uow, Petition, item.owner_id)
    if petition is not None and petition.status == "OPEN":
        petition.status, petition.answer = "ANSWERED", done.note
        uow.audit("ANSWER_PETITION", "Petition", petition.id, f"已答复：{(done.note or '')[:150]}")
        await _close_items(uow, "Petition", petition.id)


work.OWNERS.update({"Visit": Visit, "FirstContact": FirstContact, "Petition": Petition})


# --- a window's day at a glance ---------------------------------------------------------


@dataclass(frozen=True)
class WindowDay:
    day: date
    visits: int
    by_purpose: dict[VisitPurpose, int]
    open_visits: int
    open_first_contacts: int
    open_items: int


async def window_day(session, window_id: int, day: date) -> WindowDay:  # type: ignore[no-untyped-def]
    rows = (
        await session.execute(
            sa.select(Visit.purpose, sa.func.count())
            .where(Visit.window_id == window_id, Visit.visited_on == day)
            .group_by(Visit.purpose)
        )
    ).all()
    by_purpose = {VisitPurpose(p): n for p, n in rows}
    open_visits = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Visit)
        .where(Visit.window_id == window_id, Visit.resolved.is_(False))
    )
    open_contacts = await session.scalar(
        sa.select(sa.func.count())
        .select_from(FirstContact)
        .where(FirstContact.window_id == window_id, FirstContact.status == "OPEN")
    )
    open_items = await session.scalar(
        sa.select(sa.func.count())
        .select_from(WorkItem)
        .where(WorkItem.window_id == window_id, WorkItem.status.in_(("OPEN", "CLAIMED")))
    )
    return WindowDay(
        day, sum(by_purpose.values()), by_purpose, open_visits or 0, open_contacts or 0, open_items or 0
    )
