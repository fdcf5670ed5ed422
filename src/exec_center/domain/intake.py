"""What a case needs to be received (Art. 8, 14): parties, the enforceable title, the claim."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .assets import check_claim_amount
from .errors import DomainError, ErrorCode
from .identifiers import (
    IdType,
    InvalidIdentifier,
    PartyKind,
    validate_identifier,
    validate_mobile_phone,
)
from .labels import LabelledEnum

MAX_PARTIES = 50
# A paper filing is entered days, at most weeks, after it arrived; a receipt date earlier than
# the start of the previous year is a typing error (0001-01-01), not a late entry.
MAX_BACKDATE_YEARS = 1


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
    id_number: str | None
    phone: str | None = None
    address: str | None = None
    # None: a resident ID for a person, a USCC for an organisation (the usual case).
    id_type: IdType | None = None


@dataclass(frozen=True)
class IntakeData:
    received_on: date | None
    claim_amount: Decimal
    title_document_number: str
    title_kind: TitleKind
    applicants: tuple[PartyData, ...]
    respondents: tuple[PartyData, ...]
    township: str | None = None
    # The number of an open case with the same title and respondent that this filing knowingly
    # repeats (a second application on purpose); without it such a filing is refused.
    duplicate_of: str | None = None


def check_text(
    value: str | None, field: str, what: str, what_zh: str, limit: int, required: bool = True
) -> str | None:
    """A required (or optional) text, stripped, at most `limit` characters; `what` names it in
    English, `what_zh` in zh-CN."""
    if value is None or not value.strip():
        if required:
            raise DomainError(
                f"{what} is required", zh=f"请填写{what_zh}", field=field, code=ErrorCode.REQUIRED
            )
        return None
    value = value.strip()
    if len(value) > limit:
        raise DomainError(
            f"{what} may be at most {limit} characters",
            zh=f"{what_zh}不能超过 {limit} 个字",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )
    return value


def check_party(party: PartyData, field: str, today: date, *, unknown_allowed: bool = True) -> PartyData:
    """A party's name, identity document (type and number, ``validate_identifier``), phone and
    address, normalised; the type is always set on the result.

    ``unknown_allowed`` False (applicants): the identity must be known - whoever applies for
    execution shows their own identity document (SPC provisions on execution work (trial), 2020
    amendment, art. 18(3): 申请执行人的身份证明). A respondent may be UNKNOWN: the applicant
    often does not know the number, and a respondent is named by what identifies them (CPL 2023
    art. 122)."""
    name = check_text(party.name, f"{field}.name", "the party's name", "当事人名称", 200)
    if party.id_type is IdType.UNKNOWN and not unknown_allowed:
        raise DomainError(
            "an applicant shows their own identity document: idType UNKNOWN is for respondents only",
            zh="申请执行人应提供身份证明，证件类型不能为“证件号码不详”（仅被执行人可以）",
            field=f"{field}.idType",
            code=ErrorCode.INVALID,
        )
    try:
        id_type, id_number = validate_identifier(party.id_type, party.id_number, party.kind, today)
    except InvalidIdentifier as error:
        if error.reason == "id_type":
            raise DomainError(error.message, zh=error.zh, field=f"{field}.idType", code=error.code) from None
        if error.reason == "empty" and unknown_allowed and party.id_type is None:
            raise DomainError(
                f"{error.message}; if the number is not known, set idType to UNKNOWN",
                zh=f"{error.zh}；如不知道证件号码，请将证件类型选为“{IdType.UNKNOWN.label}”",
                field=f"{field}.idNumber",
                code=error.code,
            ) from None
        raise DomainError(error.message, zh=error.zh, field=f"{field}.idNumber", code=error.code) from None
    phone = None
    if party.phone is not None and party.phone.strip():
        try:
            phone = validate_mobile_phone(party.phone)
        except InvalidIdentifier as error:
            raise DomainError(error.message, zh=error.zh, field=f"{field}.phone", code=error.code) from None
    address = check_text(party.address, f"{field}.address", "the address", "地址", 300, required=False)
    return PartyData(
        kind=party.kind, name=name or "", id_number=id_number, phone=phone, address=address, id_type=id_type
    )


_SIDES_ZH = {"applicants": PartySide.APPLICANT.label, "respondents": PartySide.RESPONDENT.label}


def check_intake(data: IntakeData, today: date) -> IntakeData:
    """The normalised intake, or a DomainError naming the field and what is allowed."""
    received_on = data.received_on or today
    if received_on > today:
        raise DomainError(
            f"receivedOn may be today ({today}) or earlier for paper filings entered later, never later",
            zh=f"收案日期不能晚于今日（{today}）；补录纸质材料时可填写今日或之前的日期",
            field="receivedOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    earliest = date(today.year - MAX_BACKDATE_YEARS, 1, 1)
    if received_on < earliest:
        raise DomainError(
            f"receivedOn {received_on} is too far back: a paper filing entered later was received "
            f"on or after {earliest}",
            zh=f"收案日期 {received_on} 过早：补录的纸质材料收案日期应在 {earliest} 或之后",
            field="receivedOn",
            code=ErrorCode.OUT_OF_RANGE,
        )
    check_claim_amount(data.claim_amount)
    number = check_text(
        data.title_document_number,
        "title.documentNumber",
        "the enforceable title's document number",
        "执行依据文书字号",
        100,
    )
    sides = {}
    for side, parties in (("applicants", data.applicants), ("respondents", data.respondents)):
        side_zh = _SIDES_ZH[side]
        if not parties:
            raise DomainError(
                f"name at least one of the {side}",
                zh=f"请至少填写一名{side_zh}",
                field=side,
                code=ErrorCode.REQUIRED,
            )
        if len(parties) > MAX_PARTIES:
            raise DomainError(
                f"at most {MAX_PARTIES} {side} per case",
                zh=f"每件案件的{side_zh}不能超过 {MAX_PARTIES} 名",
                field=side,
                code=ErrorCode.OUT_OF_RANGE,
            )
        sides[side] = tuple(
            check_party(p, f"{side}.{i}", today, unknown_allowed=side == "respondents")
            for i, p in enumerate(parties)
        )
    township = check_text(data.township, "township", "the township", "乡镇", 40, required=False)
    duplicate_of = check_text(
        data.duplicate_of, "duplicateOf", "duplicateOf (a case number)", "重复申请所针对的案号", 40,
        required=False,
    )
    return IntakeData(
        received_on=received_on,
        claim_amount=data.claim_amount,
        title_document_number=number or "",
        title_kind=data.title_kind,
        applicants=sides["applicants"],
        respondents=sides["respondents"],
        township=township,
        duplicate_of=duplicate_of,
    )


# --- the same filing twice ----------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Compatibility forms folded (full-width digits, letters and brackets to ASCII), no spaces,
    upper case: （2023）粤5322民初1024号 and (2023) 粤5322民初1024号 are one number."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


def title_key(document_number: str) -> str:
    """What makes two spellings of an enforceable title's document number the same number."""
    return _fold(document_number)


def title_spellings(document_number: str) -> tuple[str, ...]:
    """Spellings a clerk may have stored for the same number (as typed, without spaces,
    half-width, with the official full-width brackets), to look the title up by equality."""
    stripped = document_number.strip()
    folded = unicodedata.normalize("NFKC", _SPACE.sub("", stripped))
    official = folded.replace("(", "（").replace(")", "）")
    return tuple(dict.fromkeys((stripped, _SPACE.sub("", stripped), folded, official)))


def party_identity(name: str, id_number: str | None, id_type: IdType | str | None = None) -> str:
    """Who a party is: the identity document's number if known (with its type when it is not the
    usual resident ID or credit code: a passport and a permit may share a number), else the name
    (as a person would read it)."""
    if not id_number or not id_number.strip() or id_type == IdType.UNKNOWN:
        return name_identity(name)
    usual = id_type in (None, IdType.RESIDENT_ID, IdType.USCC)
    return ("id:" if usual else f"id:{IdType(id_type).value}:") + _fold(id_number)


def name_identity(name: str) -> str:
    return "name:" + _fold(name)


@dataclass(frozen=True)
class OpenCase:
    """A case that is neither closed nor archived, as the duplicate check sees it."""

    number: str
    title_document_number: str
    respondent_identities: frozenset[str]
    # Every respondent's name (party_identity of the name), whether its number is known or not.
    respondent_names: frozenset[str] = frozenset()


def same_filing(data: IntakeData, case: OpenCase) -> bool:
    """The same enforceable title against (at least one of) the same respondents: the same
    number, or, where either filing does not know the number, the same name (a namesake with
    another known number is another person)."""
    if title_key(case.title_document_number) != title_key(data.title_document_number):
        return False
    for party in data.respondents:
        identity = party_identity(party.name, party.id_number, party.id_type)
        if identity.startswith("name:"):  # number unknown here: any respondent of that name
            if identity in case.respondent_names or identity in case.respondent_identities:
                return True
        elif {identity, name_identity(party.name)} & case.respondent_identities:
            return True  # the same number, or one of that name whose number was unknown
    return False


def check_not_duplicate(data: IntakeData, open_cases: Iterable[OpenCase]) -> None:
    """Refuse a filing that repeats an open case (a clerk pressing "submit" twice, a second
    window taking the same papers) with `DUPLICATE`, naming that case - unless the intake's
    `duplicate_of` names it: a second application on purpose.

    `open_cases` are the cases not closed or archived (newest first); the refusal names the
    newest that matches."""
    matches: Sequence[OpenCase] = [c for c in open_cases if same_filing(data, c)]
    if not matches:
        return
    if data.duplicate_of is not None and any(_fold(c.number) == _fold(data.duplicate_of) for c in matches):
        return
    number = matches[0].number
    message = (
        f"case {number} is open for the same enforceable title and respondent; if this is a second "
        f'application on purpose, set duplicateOf to "{number}"'
    )
    zh = (
        f"已有未结案件 {number} 的执行依据和被执行人与本次申请相同；如确属再次申请，"
        f"请在“重复申请所针对的案号”中填写“{number}”"
    )
    if data.duplicate_of is not None:
        message += f" (duplicateOf names {data.duplicate_of}, which is not such a case)"
        zh += f"（所填案号 {data.duplicate_of} 不是这样的案件）"
    raise DomainError(message, zh=zh, field="title.documentNumber", code=ErrorCode.DUPLICATE)
