"""Court documents rendered from templates and stored with the case (Arts. 14, 19)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import AssetFinding, Case, CaseParty, ControlMeasure, Document, Staff, Team
from ..documents import (
    DisposableItem,
    DocumentKind,
    PartyLine,
    PreDisposalData,
    RenderedDocument,
    RulingData,
    TaxLetterData,
    render_benchmark_price_letter,
    render_pre_disposal_list,
    render_query_control_ruling,
)
from ..domain.assets import needs_pre_disposal
from ..domain.errors import NotFound
from ..domain.identifiers import IdType
from ..domain.intake import TitleKind
from .cases import load_case
from .unit_of_work import UnitOfWork

COURT_NAME = "广东省郁南县人民法院"


def store(uow: UnitOfWork, case: Case, rendered: RenderedDocument) -> Document:
    document = Document(
        case_id=case.id,
        kind=rendered.kind.value,
        title=rendered.title,
        filename=rendered.filename,
        media_type=rendered.media_type,
        content=rendered.content,
        created_by=uow.actor.staff_id if uow.actor else None,
        created_at=uow.now,
    )
    uow.session.add(document)
    uow.audit("RENDER_DOCUMENT", "Case", case.id, f"已生成{rendered.kind.label}")
    return document


async def _parties(session: AsyncSession, case_id: int, side: str) -> list[CaseParty]:
    return list(
        (
            await session.scalars(
                sa.select(CaseParty)
                .where(CaseParty.case_id == case_id, CaseParty.side == side)
                .order_by(CaseParty.position)
            )
        ).all()
    )


# The ruling names a party's number by its document; a resident ID and a credit code keep the
# template's own wording (公民身份号码, 统一社会信用代码).
_OWN_LABELS = {"RESIDENT_ID", "USCC"}


def _line(p: CaseParty) -> PartyLine:
    id_label = None
    if p.id_type not in _OWN_LABELS:
        label = IdType(p.id_type).label
        id_label = label if label.endswith(("号", "码")) else f"{label}号码"  # 护照 → 护照号码
    return PartyLine(
        kind_label=p.kind.label, name=p.name, id_number=p.id_number, address=p.address, id_label=id_label
    )


async def render_ruling(uow: UnitOfWork, case: Case) -> RenderedDocument:
    return await _ruling(uow.session, case)


async def _ruling(session: AsyncSession, case: Case) -> RenderedDocument:
    applicants = await _parties(session, case.id, "APPLICANT")
    respondents = await _parties(session, case.id, "RESPONDENT")
    return render_query_control_ruling(
        RulingData(
            court_name=COURT_NAME,
            case_number=case.number,
            applicants=[_line(p) for p in applicants],
            respondents=[_line(p) for p in respondents],
            title_document_number=case.title_document_number,
            title_kind_label=TitleKind(case.title_kind).label,
            claim_amount=case.claim_amount,
            ruled_on=case.received_on,
        )
    )


async def disposable_items(
    session: AsyncSession, case_id: int, finding_ids: list[int] | None = None
) -> list[DisposableItem]:
    """The findings Art. 19 puts on the pre-disposal list (or the given ones), with their measures."""
    findings = (
        await session.scalars(
            sa.select(AssetFinding).where(AssetFinding.case_id == case_id).order_by(AssetFinding.id)
        )
    ).all()
    measures = (
        await session.scalars(sa.select(ControlMeasure).where(ControlMeasure.case_id == case_id))
    ).all()
    by_finding: dict[int, list[ControlMeasure]] = {}
    for m in measures:
        by_finding.setdefault(m.finding_id, []).append(m)
    items = []
    for f in findings:
        on_it = by_finding.get(f.id, [])
        chosen = (
            f.id in finding_ids
            if finding_ids is not None
            else needs_pre_disposal(
                f.category,
                disposable=f.disposable,
                first_seal=f.first_seal,
                respondent_holds_mortgage=f.respondent_holds_mortgage,
                measures=[m.measure for m in on_it],
            )
        )
        if chosen:
            last = on_it[-1] if on_it else None
            items.append(
                DisposableItem(
                    category_label=f.category.label,
                    description=f.description,
                    institution=f.institution,
                    value=f.value,
                    encumbrances=f.encumbrances,
                    first_seal=f.first_seal,
                    measure_label=last.measure.label if last else None,
                    expires_on=last.expires_on if last else None,
                )
            )
    return items


async def render_pre_disposal(uow: UnitOfWork, case: Case, team: Team) -> RenderedDocument | None:
    items = await disposable_items(uow.session, case.id)
    if not items:
        return None
    respondents = await _parties(uow.session, case.id, "RESPONDENT")
    return render_pre_disposal_list(
        PreDisposalData(
            court_name=COURT_NAME,
            case_number=case.number,
            respondent_names=[p.name for p in respondents],
            team_name=team.name,
            items=items,
            prepared_on=uow.today,
        )
    )


async def render_tax_letter(
    uow: UnitOfWork, case: Case, team: Team, finding_ids: list[int], contact: Staff
) -> RenderedDocument:
    properties = await disposable_items(uow.session, case.id, finding_ids)
    return render_benchmark_price_letter(
        TaxLetterData(
            court_name=COURT_NAME,
            case_number=case.number,
            properties=properties,
            team_name=team.name,
            contact_name=contact.name,
            contact_phone=contact.office_phone or "0766-7512300",
            sent_on=uow.today,
        )
    )


async def render_case_document(ctx: AppContext, case_id: int, kind: str) -> bool:
    """The actor's work: render the ruling once (idempotent: an existing one is kept). Sent at
    intake; reconciliation sends it again for a case found without its ruling."""
    if kind != DocumentKind.QUERY_CONTROL_RULING.value:
        return False

    async def exists(session: AsyncSession) -> bool:
        found = await session.scalar(
            sa.select(Document.id).where(Document.case_id == case_id, Document.kind == kind)
        )
        return found is not None

    # Rendered outside the unit of work: a .docx takes a while, and the write lock is not held
    # for it (on SQLite it is the whole database's).
    async with ctx.sessionmaker() as session:
        case = await session.get(Case, case_id)
        if case is None or await exists(session):
            return False
        rendered = await _ruling(session, case)
    async with UnitOfWork(ctx) as uow:
        try:  # locked, so that two deliveries of the message (or reconciliation's) store one
            case = await load_case(uow, case_id, lock=True)
        except NotFound:
            return False
        if await exists(uow.session):
            return False
        store(uow, case, rendered)
        await uow.commit()
    return True


async def fetch_for_viewer(session: AsyncSession, viewer, document_id: int) -> Document | None:  # type: ignore[no-untyped-def]
    """The document if its case (or the file it was archived into) is visible to the viewer."""
    from ..domain.access import case_visible

    document = await session.get(Document, document_id)
    if document is None:
        return None
    case = await session.get(Case, document.case_id)
    owners = [case] + (
        [await session.get(Case, case.archived_into_id)] if case and case.archived_into_id else []
    )
    if any(
        c is not None and case_visible(viewer, team_id=c.team_id, handler_id=c.handler_id) for c in owners
    ):
        return document
    return None
