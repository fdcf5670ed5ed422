"""What the renderers take and give: plain, frozen values, no database objects."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

__all__ = [
    "DOCX_MEDIA_TYPE",
    "DisposableItem",
    "DocumentKind",
    "MeasureNoticeData",
    "PartyLine",
    "PreDisposalData",
    "RenderedDocument",
    "RulingData",
    "TaxLetterData",
]

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_TAX_BUREAU = "国家税务总局郁南县税务局"


class DocumentKind(str, Enum):
    """The documents this module renders; the value is the glossary identifier."""

    label: str

    def __new__(cls, value: str, label: str) -> DocumentKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    QUERY_CONTROL_RULING = "QUERY_CONTROL_RULING", "财产查控裁定书"
    PRE_DISPOSAL_LIST = "PRE_DISPOSAL_LIST", "预处置财产清单"
    BENCHMARK_PRICE_LETTER = "BENCHMARK_PRICE_LETTER", "基准价函询函"
    MEASURE_RENEWAL_NOTICE = "MEASURE_RENEWAL_NOTICE", "续行查封、扣押、冻结协助执行通知书"
    MEASURE_RELEASE_NOTICE = "MEASURE_RELEASE_NOTICE", "解除查封、扣押、冻结协助执行通知书"


@dataclass(frozen=True)
class RenderedDocument:
    """A rendered .docx: ``title`` for people, ``filename`` safe for a download header."""

    kind: DocumentKind
    title: str
    filename: str
    content: bytes = field(repr=False)
    media_type: str = DOCX_MEDIA_TYPE


@dataclass(frozen=True)
class PartyLine:
    """One party as the ruling names it.

    ``kind_label`` is the party kind's zh-CN label: ``自然人`` for a natural person (the
    number is a 公民身份号码, the address a 住址), anything else is an organisation (the number
    is a 统一社会信用代码, the address a 住所地).
    """

    kind_label: str
    name: str
    id_number: str | None
    address: str | None = None
    # The identity document's own label (护照号码, 港澳居民来往内地通行证…) when the number is not a
    # resident ID or a credit code; None: the label follows the kind.
    id_label: str | None = None


@dataclass(frozen=True)
class RulingData:
    """财产查控裁定书 (work rules Art. 14)."""

    court_name: str
    case_number: str
    applicants: list[PartyLine]
    respondents: list[PartyLine]
    title_document_number: str
    title_kind_label: str
    claim_amount: Decimal
    ruled_on: date


@dataclass(frozen=True)
class DisposableItem:
    """One disposable asset found by the query (a row of the pre-disposal list)."""

    category_label: str
    description: str
    institution: str
    value: Decimal | None
    encumbrances: str | None
    first_seal: bool
    measure_label: str | None
    expires_on: date | None


@dataclass(frozen=True)
class PreDisposalData:
    """预处置财产清单 handed to the implementation team (work rules Art. 19)."""

    court_name: str
    case_number: str
    respondent_names: list[str]
    team_name: str
    items: list[DisposableItem]
    prepared_on: date


@dataclass(frozen=True)
class TaxLetterData:
    """基准价函询函 to the county tax bureau (work rules Art. 19).

    The fields after ``case_number`` are keyword-only (``tax_bureau`` has a default, the
    ones after it do not).
    """

    court_name: str
    case_number: str
    _: KW_ONLY
    tax_bureau: str = DEFAULT_TAX_BUREAU
    properties: list[DisposableItem]
    team_name: str
    contact_name: str
    contact_phone: str
    sent_on: date


@dataclass(frozen=True)
class MeasureNoticeData:
    """协助执行通知书 to the bank or registry that carries out a control measure: its renewal
    (续行, 民诉法解释 2022 art. 485 para. 2) or its release (解除, SPC provisions on seizure,
    sealing and freezing in civil execution (2020), art. 28).

    Renewal: ``starts_on``/``expires_on`` are the renewal's period and ``previous_expires_on``
    the old last day. Release: ``released_on`` and ``reason``; ``starts_on``/``expires_on`` are
    the released measure's.
    """

    court_name: str
    case_number: str
    institution: str
    respondent_names: list[str]
    category_label: str
    description: str
    measure_label: str
    amount: Decimal
    starts_on: date
    expires_on: date | None
    issued_on: date
    previous_expires_on: date | None = None
    released_on: date | None = None
    reason: str | None = None
