"""Agents ad litem (诉讼代理人, CPL 2023 arts. 61-62): who may act for a party, and what an
agent's registration needs. Pure rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import DomainError, ErrorCode
from .identifiers import IdType, InvalidIdentifier, PartyKind, validate_identifier, validate_mobile_phone
from .intake import check_text
from .labels import LabelledEnum

__all__ = ["MAX_AGENTS_PER_PARTY", "AgentData", "AgentKind", "check_agent"]


class AgentKind(LabelledEnum):
    """Who may be entrusted as an agent (CPL 2023 art. 61(2))."""

    LAWYER = "LAWYER", "律师"
    LEGAL_WORKER = "LEGAL_WORKER", "基层法律服务工作者"
    NEAR_RELATIVE = "NEAR_RELATIVE", "近亲属"
    EMPLOYEE = "EMPLOYEE", "工作人员"
    RECOMMENDED_CITIZEN = "RECOMMENDED_CITIZEN", "有关社会团体推荐的公民"


# CPL 2023 art. 61(1): a party may entrust one or two persons as agents.
MAX_AGENTS_PER_PARTY = 2
# A lawyer's practice licence number (律师执业证号, Ministry of Justice format since 2008):
# 17 digits.
_LAWYER_LICENCE = re.compile(r"[0-9]{17}")


@dataclass(frozen=True)
class AgentData:
    kind: AgentKind
    name: str
    id_type: IdType | None
    id_number: str | None
    phone: str | None = None
    law_firm: str | None = None
    licence_number: str | None = None
    # Special authority (特别授权, CPL 2023 art. 62(2)): to admit, waive or change claims, settle,
    # counterclaim or appeal for the party.
    special_authority: bool = False


def check_agent(data: AgentData, today: date, *, agents_of_party: int) -> AgentData:
    """The normalised agent, or a DomainError naming the field.

    An agent is a person whose identity document is known: the court checks it against the
    power of attorney (CPL 2023 art. 62(1)), and the windows verify the agent by it. A lawyer
    names the law firm and the 17-digit practice licence number (Lawyers Law art. 6; measures
    on lawyers' practice management: the licence is the lawyer's proof of practice).
    `agents_of_party` is how many agents the party has already (CPL 2023 art. 61(1): one or two).
    """
    if agents_of_party >= MAX_AGENTS_PER_PARTY:
        raise DomainError(
            f"a party may entrust at most {MAX_AGENTS_PER_PARTY} agents (CPL 2023 art. 61); "
            "this party has them already",
            zh=f"每名当事人最多可委托 {MAX_AGENTS_PER_PARTY} 名诉讼代理人（民事诉讼法第六十一条）；"
            "该当事人已委托满额",
            field="partyId",
            code=ErrorCode.OUT_OF_RANGE,
        )
    name = check_text(data.name, "name", "the agent's name", "代理人姓名", 200)
    if data.id_type is IdType.UNKNOWN:
        raise DomainError(
            "an agent shows their identity document: idType UNKNOWN is not allowed for an agent",
            zh="代理人应出示身份证件，证件类型不能为“证件号码不详”",
            field="idType",
            code=ErrorCode.INVALID,
        )
    try:
        id_type, id_number = validate_identifier(data.id_type, data.id_number, PartyKind.PERSON, today)
    except InvalidIdentifier as error:
        field = "idType" if error.reason == "id_type" else "idNumber"
        raise DomainError(error.message, zh=error.zh, field=field, code=error.code) from None
    phone = None
    if data.phone is not None and data.phone.strip():
        try:
            phone = validate_mobile_phone(data.phone)
        except InvalidIdentifier as error:
            raise DomainError(error.message, zh=error.zh, field="phone", code=error.code) from None
    is_lawyer = data.kind is AgentKind.LAWYER
    law_firm = check_text(
        data.law_firm, "lawFirm", "a lawyer's law firm", "律师所在律师事务所", 200, required=is_lawyer
    )
    licence = check_text(
        data.licence_number,
        "licenceNumber",
        "a lawyer's practice licence number",
        "律师执业证号",
        40,
        required=is_lawyer,
    )
    if is_lawyer and not _LAWYER_LICENCE.fullmatch(licence or ""):
        raise DomainError(
            "a lawyer's practice licence number is 17 digits",
            zh="律师执业证号应为17位数字",
            field="licenceNumber",
            code=ErrorCode.BAD_FORMAT,
        )
    return AgentData(
        kind=data.kind,
        name=name or "",
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        law_firm=law_firm,
        licence_number=licence,
        special_authority=data.special_authority,
    )
