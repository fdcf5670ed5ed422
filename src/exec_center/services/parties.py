"""Parties' agents ad litem (诉讼代理人, CPL 2023 arts. 61-62): registered on a case by the staff
who receive its filings or handle it, then verified at the windows like a party."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import AppContext
from ..db.models import Case, CaseAgent, CaseParty
from ..domain.access import Viewer, case_visible
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.lifecycle import CaseStage
from ..domain.organisation import Role
from ..domain.parties import AgentData, check_agent
from . import work
from .cases import INTAKE_ROLES
from .unit_of_work import UnitOfWork

# Who registers an agent: those who receive filings (the centre's intake roles and the filing
# window, which files the 执 cases) and those who handle the case (its team, its handler).
RECEIVING_ROLES = (*INTAKE_ROLES, Role.FILING_CLERK)


def may_register_agent(viewer: Viewer, case: Case) -> bool:
    return (
        viewer.has(*RECEIVING_ROLES)
        or (case.handler_id is not None and case.handler_id == viewer.staff_id)
        or (case.team_id is not None and case.team_id in viewer.team_ids)
    )


async def register_agent(ctx: AppContext, viewer: Viewer, party_id: int, data: AgentData) -> CaseAgent:
    """Register a party's agent on the party's case (CPL 2023 art. 62: with the power of attorney
    the agent hands in; `special_authority` as it grants)."""
    async with UnitOfWork(ctx, viewer) as uow:
        party = await uow.session.get(CaseParty, party_id)
        if party is None:
            raise NotFound("party", "当事人", field="partyId")
        case = await work.locked(uow, Case, party.case_id)  # the count of agents is taken on it
        if case is None or not case_visible(viewer, team_id=case.team_id, handler_id=case.handler_id):
            raise NotFound("party", "当事人", field="partyId")
        if not may_register_agent(viewer, case):
            raise Forbidden(
                "registering an agent is for the staff who receive filings (AFFAIRS_CLERK, CENTER_OFFICER, "
                "CENTER_HEAD, FILING_CLERK) or who handle the case (its team, its handler)",
                zh="登记诉讼代理人须由收案人员（事务办理岗工作人员、事务中心干警、事务中心负责人、"
                "执行立案窗口工作人员）或本案承办人员（本案的执行实施团队、承办人）办理",
                field="partyId",
            )
        if case.stage is CaseStage.ARCHIVED:
            raise DomainError(
                f"{case.number} is archived; agents are registered on open or closed cases",
                zh=f"{case.number}已归档；诉讼代理人只能在未结或已结案件上登记",
                field="partyId",
                code=ErrorCode.NOT_ALLOWED_IN_STAGE,
            )
        existing = await uow.session.scalar(
            sa.select(sa.func.count()).select_from(CaseAgent).where(CaseAgent.party_id == party.id)
        )
        agent = check_agent(data, uow.today, agents_of_party=existing or 0)
        row = CaseAgent(
            case_id=case.id,
            party_id=party.id,
            kind=agent.kind.value,
            name=agent.name,
            id_type=(agent.id_type.value if agent.id_type else "RESIDENT_ID"),
            id_number=agent.id_number,
            phone=agent.phone,
            law_firm=agent.law_firm,
            licence_number=agent.licence_number,
            special_authority=agent.special_authority,
            created_by=viewer.staff_id,
            created_at=uow.now,
        )
        uow.session.add(row)
        await uow.session.flush()
        # Names of the agent and the party are on the case file anyway; no numbers, no phones.
        uow.audit(
            "REGISTER_AGENT",
            "Case",
            case.id,
            f"{case.number}：{party.name}的{agent.kind.label}{agent.name}"
            + ("（特别授权）" if agent.special_authority else "（一般授权）"),
        )
        await uow.commit()
    return row


async def agents_of_parties(session: AsyncSession, party_ids: list[int]) -> dict[int, list[CaseAgent]]:
    """Each party's agents, in registration order."""
    found: dict[int, list[CaseAgent]] = {pid: [] for pid in party_ids}
    if not party_ids:
        return found
    rows = (
        await session.scalars(
            sa.select(CaseAgent).where(CaseAgent.party_id.in_(party_ids)).order_by(CaseAgent.id)
        )
    ).all()
    for row in rows:
        found[row.party_id].append(row)
    return found
