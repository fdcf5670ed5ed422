"""Render the court documents as .docx from the docxtpl templates in ``templates/``.

Each renderer checks and cleans its input, builds a Jinja2 context of display strings, fills
the template and returns a :class:`RenderedDocument`. The same input gives the same bytes
(document properties come from the input, zip timestamps are fixed). User text is escaped by
Jinja2's autoescape, line breaks and tabs become spaces, and characters XML cannot carry are
dropped; a missing context variable is an error (StrictUndefined), never an empty blank.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from importlib import resources
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined

from .formatting import amount_in_chinese, amount_in_figures, date_in_chinese, money
from .models import (
    DisposableItem,
    DocumentKind,
    MeasureNoticeData,
    PartyLine,
    PreDisposalData,
    RenderedDocument,
    RulingData,
    TaxLetterData,
)

__all__ = [
    "TEMPLATE_FILES",
    "case_number_slug",
    "render_benchmark_price_letter",
    "render_measure_release_notice",
    "render_measure_renewal_notice",
    "render_pre_disposal_list",
    "render_query_control_ruling",
]

TEMPLATE_FILES: dict[DocumentKind, str] = {
    DocumentKind.QUERY_CONTROL_RULING: "query_control_ruling.docx",
    DocumentKind.PRE_DISPOSAL_LIST: "pre_disposal_list.docx",
    DocumentKind.BENCHMARK_PRICE_LETTER: "benchmark_price_letter.docx",
    DocumentKind.MEASURE_RENEWAL_NOTICE: "measure_renewal_notice.docx",
    DocumentKind.MEASURE_RELEASE_NOTICE: "measure_release_notice.docx",
}

NOT_RECORDED = "—"
PERSON_KIND_LABELS = frozenset({"自然人", "个人", "公民"})
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# Case number per 法〔2015〕137号, e.g. （2024）粤5322执保1号; type codes as in the glossary.
_CASE_NUMBER = re.compile(
    r"[（(](?P<year>\d{4})[）)](?P<court>[\u4e00-\u9fff]\d{4})(?P<type>执[保恢异复监协他]?)(?P<seq>\d+)号"
)
_CASE_TYPES = {
    "执保": "ZHI_BAO",
    "执": "ZHI",
    "执恢": "ZHI_HUI",
    "执异": "ZHI_YI",
    "执复": "ZHI_FU",
    "执监": "ZHI_JIAN",
    "执协": "ZHI_XIE",
    "执他": "ZHI_TA",
}

_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
# Not allowed in XML 1.0 (a .docx with them does not open).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEMPLATE_MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")

# Autoescape: names like “A&B <公司>” come out as text, not markup.
_JINJA = Environment(autoescape=True, undefined=StrictUndefined)


# --- input checks ---------------------------------------------------------------------------


def _text(value: object, field: str, *, required: bool = True) -> str:
    """User text as one line: breaks/tabs → space, XML-illegal characters dropped, stripped."""
    if value is None:
        if required:
            raise ValueError(f"{field} is required")
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str, got {type(value).__name__}")
    text = _NOT_XML.sub("", _LINE_BREAKS.sub(" ", value)).strip()
    if required and not text:
        raise ValueError(f"{field} must not be empty")
    return text


def _optional(value: object, field: str) -> str:
    return _text(value, field, required=False) or NOT_RECORDED


def _date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{field} must be a date, got {type(value).__name__}")
    return value


def _non_empty(values: Sequence[Any], field: str) -> list[Any]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(f"{field} must be a list")
    if not values:
        raise ValueError(f"{field} must not be empty")
    return list(values)


def case_number_slug(case_number: str) -> str:
    """``（2024）粤5322执保1号`` → ``2024-ZHI_BAO-1``: the ASCII stem of a file name."""
    match = _CASE_NUMBER.fullmatch(case_number.strip())
    if match is None:
        raise ValueError(f"not a case number of the form （2024）粤5322执保1号: {case_number!r}")
    kind = _CASE_TYPES[match["type"]]
    return f"{match['year']}-{kind}-{int(match['seq'])}"


def _short_date(value: date | None, field: str) -> str:
    if value is None:
        return NOT_RECORDED
    day = _date(value, field)
    return f"{day.year}年{day.month}月{day.day}日"


# --- contexts -------------------------------------------------------------------------------


def _party(party: PartyLine, field: str) -> dict[str, str]:
    if not isinstance(party, PartyLine):
        raise TypeError(f"{field} must be a PartyLine, got {type(party).__name__}")
    person = _text(party.kind_label, f"{field}.kind_label") in PERSON_KIND_LABELS
    return {
        "name": _text(party.name, f"{field}.name"),
        "id_label": party.id_label or ("公民身份号码" if person else "统一社会信用代码"),
        "id_number": _text(party.id_number, f"{field}.id_number", required=False),
        "address_label": "住" if person else "住所地",
        "address": _text(party.address, f"{field}.address", required=False),
    }


def _item(item: DisposableItem, index: int, field: str) -> dict[str, str]:
    if not isinstance(item, DisposableItem):
        raise TypeError(f"{field} must be a DisposableItem, got {type(item).__name__}")
    return {
        "index": str(index),
        "category": _text(item.category_label, f"{field}.category_label"),
        "description": _text(item.description, f"{field}.description"),
        "institution": _optional(item.institution, f"{field}.institution"),
        "value": NOT_RECORDED if item.value is None else amount_in_figures(item.value),
        "encumbrances": _optional(item.encumbrances, f"{field}.encumbrances"),
        "first_seal": "是" if item.first_seal else "否",
        "measure": _optional(item.measure_label, f"{field}.measure_label"),
        "expires_on": _short_date(item.expires_on, f"{field}.expires_on"),
    }


def _ruling_context(data: RulingData) -> dict[str, Any]:
    applicants = [
        _party(p, f"applicants[{i}]") for i, p in enumerate(_non_empty(data.applicants, "applicants"))
    ]
    respondents = [
        _party(p, f"respondents[{i}]") for i, p in enumerate(_non_empty(data.respondents, "respondents"))
    ]
    claim = money(data.claim_amount)
    return {
        "court_name": _text(data.court_name, "court_name"),
        "case_number": _text(data.case_number, "case_number"),
        "applicants": applicants,
        "respondents": respondents,
        "applicant_names": "、".join(p["name"] for p in applicants),
        "respondent_names": "、".join(p["name"] for p in respondents),
        "title_document_number": _text(data.title_document_number, "title_document_number"),
        "title_kind_label": _text(data.title_kind_label, "title_kind_label"),
        "claim_amount_figures": amount_in_figures(claim),
        "claim_amount_words": amount_in_chinese(claim),
        "ruled_on_chinese": date_in_chinese(_date(data.ruled_on, "ruled_on")),
    }


def _pre_disposal_context(data: PreDisposalData) -> dict[str, Any]:
    names = [
        _text(name, f"respondent_names[{i}]")
        for i, name in enumerate(_non_empty(data.respondent_names, "respondent_names"))
    ]
    raw_items = _non_empty(data.items, "items")
    items = [_item(item, i + 1, f"items[{i}]") for i, item in enumerate(raw_items)]
    values = [money(item.value) for item in raw_items if item.value is not None]
    return {
        "court_name": _text(data.court_name, "court_name"),
        "case_number": _text(data.case_number, "case_number"),
        "respondent_names": "、".join(names),
        "team_name": _text(data.team_name, "team_name"),
        "items": items,
        "item_count": str(len(items)),
        "valued_count": str(len(values)),
        "valued_total": amount_in_figures(sum(values, Decimal(0))),
        "prepared_on_chinese": date_in_chinese(_date(data.prepared_on, "prepared_on")),
    }


def _tax_letter_context(data: TaxLetterData) -> dict[str, Any]:
    properties = [
        _item(item, i + 1, f"properties[{i}]")
        for i, item in enumerate(_non_empty(data.properties, "properties"))
    ]
    return {
        "court_name": _text(data.court_name, "court_name"),
        "case_number": _text(data.case_number, "case_number"),
        "tax_bureau": _text(data.tax_bureau, "tax_bureau"),
        "properties": properties,
        "team_name": _text(data.team_name, "team_name"),
        "contact_name": _text(data.contact_name, "contact_name"),
        "contact_phone": _text(data.contact_phone, "contact_phone"),
        "sent_on_chinese": date_in_chinese(_date(data.sent_on, "sent_on")),
    }


def _measure_notice_context(data: MeasureNoticeData, *, release: bool) -> dict[str, Any]:
    names = [
        _text(name, f"respondent_names[{i}]")
        for i, name in enumerate(_non_empty(data.respondent_names, "respondent_names"))
    ]
    amount = money(data.amount)
    context = {
        "court_name": _text(data.court_name, "court_name"),
        "case_number": _text(data.case_number, "case_number"),
        "institution": _text(data.institution, "institution"),
        "respondent_names": "、".join(names),
        "category": _text(data.category_label, "category_label"),
        "description": _text(data.description, "description"),
        "measure": _text(data.measure_label, "measure_label"),
        "amount_figures": amount_in_figures(amount),
        "amount_words": amount_in_chinese(amount),
        "starts_on": _short_date(_date(data.starts_on, "starts_on"), "starts_on"),
        "expires_on": _short_date(data.expires_on, "expires_on"),
        "issued_on_chinese": date_in_chinese(_date(data.issued_on, "issued_on")),
    }
    if release:
        if data.released_on is None:
            raise ValueError("released_on is required for a release notice")
        context["released_on"] = _short_date(data.released_on, "released_on")
        context["reason"] = _text(data.reason, "reason")
    else:
        if data.previous_expires_on is None or data.expires_on is None:
            raise ValueError("previous_expires_on and expires_on are required for a renewal notice")
        context["previous_expires_on"] = _short_date(data.previous_expires_on, "previous_expires_on")
    return context


# --- rendering ------------------------------------------------------------------------------


@functools.cache
def _template_bytes(kind: DocumentKind) -> bytes:
    templates = resources.files(__package__).joinpath("templates")
    return templates.joinpath(TEMPLATE_FILES[kind]).read_bytes()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_fully_rendered(kind: DocumentKind, text: str, context: dict[str, Any]) -> None:
    """Refuse a document with template syntax left in it (unless the user's own text has it)."""
    supplied = "\n".join(_strings(context))
    # docxtpl turns "{_{" etc. into "{{" after rendering, user text included.
    for escaped, marker in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
        supplied = supplied.replace(escaped, marker)
    for marker in _TEMPLATE_MARKERS:
        if marker in text and marker not in supplied:
            raise RuntimeError(f"template {TEMPLATE_FILES[kind]} left {marker!r} unrendered")


def _reproducible_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _render(kind: DocumentKind, context: dict[str, Any], on: date) -> RenderedDocument:
    case_number = context["case_number"]
    slug = case_number_slug(case_number)
    title = f"{case_number} {kind.label}"

    template = DocxTemplate(io.BytesIO(_template_bytes(kind)))
    template.render(context, jinja_env=_JINJA)
    document = template.docx
    _check_fully_rendered(kind, "".join(document.element.body.itertext()), context)

    props = document.core_properties
    props.title = title
    props.subject = kind.label
    props.category = kind.label
    props.keywords = case_number
    props.author = context["court_name"]
    props.comments = ""
    props.last_modified_by = context["court_name"]
    props.revision = 1
    stamp = datetime.combine(on, time())
    props.created = props.modified = props.last_printed = stamp

    buffer = io.BytesIO()
    template.save(buffer)
    return RenderedDocument(
        kind=kind,
        title=title,
        filename=f"{slug}-{kind.value}.docx",
        content=_reproducible_zip(buffer.getvalue()),
    )


def render_query_control_ruling(data: RulingData) -> RenderedDocument:
    """财产查控裁定书 (work rules Art. 14)."""
    context = _ruling_context(data)
    return _render(DocumentKind.QUERY_CONTROL_RULING, context, data.ruled_on)


def render_pre_disposal_list(data: PreDisposalData) -> RenderedDocument:
    """预处置财产清单 for the implementation team (work rules Art. 19)."""
    context = _pre_disposal_context(data)
    return _render(DocumentKind.PRE_DISPOSAL_LIST, context, data.prepared_on)


def render_benchmark_price_letter(data: TaxLetterData) -> RenderedDocument:
    """基准价函询函 to the county tax bureau (work rules Art. 19)."""
    context = _tax_letter_context(data)
    return _render(DocumentKind.BENCHMARK_PRICE_LETTER, context, data.sent_on)


def render_measure_renewal_notice(data: MeasureNoticeData) -> RenderedDocument:
    """续行查封、扣押、冻结协助执行通知书 (民诉法解释 2022 art. 485 para. 2)."""
    context = _measure_notice_context(data, release=False)
    return _render(DocumentKind.MEASURE_RENEWAL_NOTICE, context, data.issued_on)


def render_measure_release_notice(data: MeasureNoticeData) -> RenderedDocument:
    """解除查封、扣押、冻结协助执行通知书 (SPC provisions on seizure, sealing and freezing in civil
    execution (2020), art. 28)."""
    context = _measure_notice_context(data, release=True)
    return _render(DocumentKind.MEASURE_RELEASE_NOTICE, context, data.issued_on)
