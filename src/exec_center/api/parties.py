"""Parties' agents ad litem in GraphQL (诉讼代理人, CPL 2023 arts. 61-62): the `Agent` type, the
`registerAgent` mutation, and the resolver of a party's agents (`party_agents`)."""

from __future__ import annotations

import sqlalchemy as sa
import strawberry

from ..db.models import Case, CaseAgent, CaseParty
from ..domain.access import sees_personal_data
from ..domain.identifiers import IdType as IdTypeEnum
from ..domain.masking import mask_identity, mask_phone
from ..domain.parties import AgentData
from ..domain.parties import AgentKind as AgentKindEnum
from ..services import parties as service
from . import loaders
from .cases import IdType
from .common import UserError, run_mutation
from .context import Info, RequestContext
from .ids import pk_of, to_global_id
from .organisation import Node

AgentKind = strawberry.enum(
    AgentKindEnum, description="Who acts for a party (诉讼代理人, CPL 2023 art. 61(2))."
)


@strawberry.type(
    description="A party's agent ad litem (诉讼代理人, CPL 2023 arts. 61-62). idNumber and phone are "
    "masked as a party's are, unless the viewer needs them (centre officers, the case's team, its "
    "handler)."
)
class Agent(Node):
    row: strawberry.Private[CaseAgent]
    full: strawberry.Private[bool]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Agent", self.row.id)

    @strawberry.field(description="The party the agent acts for.")
    def party_id(self) -> strawberry.ID:
        return to_global_id("Party", self.row.party_id)

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> AgentKind:  # type: ignore[valid-type]
        return AgentKindEnum(self.row.kind)

    @strawberry.field
    def kind_label(self) -> str:
        return AgentKindEnum(self.row.kind).label

    @strawberry.field
    def id_type(self) -> IdType:  # type: ignore[valid-type]
        return IdTypeEnum(self.row.id_type)

    @strawberry.field
    def id_type_label(self) -> str:
        return IdTypeEnum(self.row.id_type).label

    @strawberry.field(description="Masked (445322********1236, H*******8) unless the viewer needs it.")
    def id_number(self) -> str:
        if self.row.id_number is None:
            return ""
        return self.row.id_number if self.full else mask_identity(self.row.id_type, self.row.id_number) or ""

    @strawberry.field(description="Masked 138****8000 unless the viewer needs it.")
    def phone(self) -> str | None:
        return self.row.phone if self.full else mask_phone(self.row.phone)

    @strawberry.field(description="A lawyer's law firm (律师事务所).")
    def law_firm(self) -> str | None:
        return self.row.law_firm

    @strawberry.field(description="A lawyer's practice licence number (律师执业证号, 17 digits).")
    def licence_number(self) -> str | None:
        return self.row.licence_number

    @strawberry.field(
        description="Special authority (特别授权, CPL 2023 art. 62(2)): to admit, waive or change claims, "
        "settle, counterclaim or appeal for the party; otherwise general authority."
    )
    def special_authority(self) -> bool:
        return self.row.special_authority

    @strawberry.field(description="Whether idNumber and phone are shown in full to this viewer.")
    def unmasked(self) -> bool:
        return self.full


async def _agents_by_party(ctx: RequestContext, keys: list[int]) -> list[list[CaseAgent]]:
    found = await service.agents_of_parties(ctx.session, keys)
    return [found.get(key, []) for key in keys]


async def party_agents(info: Info, party: CaseParty, full: bool) -> list[Agent]:
    """The resolver of `Party.agents`: the party's agents, masked as the party is (`full`)."""
    rows = await loaders.loader(info.context, "agents", _agents_by_party).load(party.id)
    return [Agent(row=r, full=full) for r in rows]


@strawberry.input
class RegisterAgentInput:
    party_id: strawberry.ID
    kind: AgentKind  # type: ignore[valid-type]
    name: str
    id_type: IdType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Default RESIDENT_ID; an agent's number cannot be UNKNOWN."
    )
    id_number: str | None = None
    phone: str | None = None
    law_firm: str | None = strawberry.field(default=None, description="Required for a LAWYER.")
    licence_number: str | None = strawberry.field(
        default=None, description="Required for a LAWYER: the 17-digit practice licence number."
    )
    special_authority: bool = False


@strawberry.type
class AgentPayload:
    agent: Agent | None = None
    user_errors: list[UserError]


@strawberry.type
class PartyMutation:
    @strawberry.mutation(
        description="Register a party's agent ad litem (CPL 2023 arts. 61-62: one or two per party; a "
        "lawyer with law firm and licence number). For the staff who receive filings (AFFAIRS_CLERK, "
        "CENTER_OFFICER, CENTER_HEAD, FILING_CLERK) and those who handle the case. The windows then "
        "verify the agent by their identity document like the party."
    )
    async def register_agent(self, info: Info, input: RegisterAgentInput) -> AgentPayload:
        ctx = info.context

        async def act() -> Agent:
            data = AgentData(
                kind=AgentKindEnum(input.kind),
                name=input.name,
                id_type=IdTypeEnum(input.id_type) if input.id_type is not None else None,
                id_number=input.id_number,
                phone=input.phone,
                law_firm=input.law_firm,
                licence_number=input.licence_number,
                special_authority=input.special_authority,
            )
            row = await service.register_agent(
                ctx.app, ctx.viewer, pk_of(input.party_id, "Party", "partyId"), data
            )
            case = (
                await ctx.session.execute(
                    sa.select(Case.team_id, Case.handler_id).where(Case.id == row.case_id)
                )
            ).one()
            full = sees_personal_data(ctx.viewer, team_id=case.team_id, handler_id=case.handler_id)
            return Agent(row=row, full=full)

        return await run_mutation(AgentPayload, act, lambda agent: {"agent": agent})
