"""What a case needs to be received (Art. 8, 14): parties, the enforceable title, the claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .assets import check_claim_amount
from .errors import DomainError
from .identifiers import InvalidIdentifier, PartyKind, validate_mobile_phone, validate_party_identifier
from .labels import LabelledEnum

MAX_PARTIES = 50


class TitleKind(LabelledEnum):
    JUDGMENT = "JUDGMENT", "民事判决书"
    MEDIATION_STATEMENT = "MEDIATION_STATEMENT", "民事调解书"
    RULING = "RULING", "民事裁定书"
    PRESERVATION_RULING = "PRESERVATION_RULING", "财产保全裁定书"
    PAYMENT_ORDER = "PAYMENT_ORDER", "支付令"
    ARBITRATION_AWARD = "ARBITRATION_AWARD", "仲裁裁决书"
    NOTARISED_DEBT = "NOTARISED_DEBT", "公证债权文书"
    OTHER = "OTHER", "其他执行依据"


class PartySide(LabelledEnum):
    APPLICANT = "APPLICANT", "申请执行人"
    RESPONDENT = "RESPONDENT", "被执行人"


@dataclass(frozen=True)
class PartyData:
    kind: PartyKind
    name: str
    id_number: str
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class IntakeData:
    received_on: date | None
    claim_amount: Decimal
    title_document_number: str
    title_kind: TitleKind
    applicants: tuple[PartyData, ...]
    respondents: tuple[PartyData, ...]
    township: str | None = None


def _text(value: str | None, field: str, what: str, limit: int, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise DomainError(f"{what} is required", field=field)
        return None
    value = value.strip()
    if len(value) > limit:
        raise DomainError(f"{what} may be at most {limit} characters", field=field)
    return value


def check_party(party: PartyData, field: str, today: date) -> PartyData:
    name = _text(party.name, f"{field}.name", "the party's name", 200)
    try:
        id_number = validate_party_identifier(party.kind, party.id_number or "", today)
    except InvalidIdentifier as error:
        raise DomainError(error.message, field=f"{field}.idNumber") from None
    phone = None
    if party.phone is not None and party.phone.strip():
        try:
            phone = validate_mobile_phone(party.phone)
        except InvalidIdentifier as error:
            raise DomainError(error.message, field=f"{field}.phone") from None
    address = _text(party.address, f"{field}.address", "the address", 300, required=False)
    return PartyData(kind=party.kind, name=name or "", id_number=id_number, phone=phone, address=address)


def check_intake(data: IntakeData, today: date) -> IntakeData:
    """The normalised intake, or a DomainError naming the field and what is allowed."""
    received_on = data.received_on or today
    if received_on > today:
        raise DomainError(
            f"receivedOn may be today ({today}) or earlier for paper filings entered later, never later",
            field="receivedOn",
        )
    check_claim_amount(data.claim_amount)
    number = _text(
        data.title_document_number, "title.documentNumber", "the enforceable title's document number", 100
    )
    sides = {}
    for side, parties in (("applicants", data.applicants), ("respondents", data.respondents)):
        if not parties:
            raise DomainError(f"name at least one of the {side}", field=side)
        if len(parties) > MAX_PARTIES:
            raise DomainError(f"at most {MAX_PARTIES} {side} per case", field=side)
        sides[side] = tuple(check_party(p, f"{side}.{i}", today) for i, p in enumerate(parties))
    township = _text(data.township, "township", "the township", 40, required=False)
    return IntakeData(
        received_on=received_on,
        claim_amount=data.claim_amount,
        title_document_number=number or "",
        title_kind=data.title_kind,
        applicants=sides["applicants"],
        respondents=sides["respondents"],
        township=township,
    )
