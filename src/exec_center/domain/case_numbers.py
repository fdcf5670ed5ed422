"""Execution case numbers (案号), format per 法〔2015〕137号.

``（年份）法院代字 类型代字 序号 号`` with full-width parentheses and no spaces, e.g.
``（2024）粤5322执保123号``. The sequence runs per court, per type code, per year, from 1;
allocating it is not this module's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .errors import DomainError, ErrorCode

__all__ = [
    "CaseNumber",
    "CaseType",
    "CourtLevel",
    "InvalidCaseNumber",
    "court_level",
    "validate_court_code",
]

EXAMPLE = "（2024）粤5322执保123号"
MIN_YEAR = 1990
MAX_YEAR = 2100


class InvalidCaseNumber(ValueError):
    """A case number, court code or type code is malformed.

    ``reason`` is a stable code for the API layer: ``"format"``, ``"year"``,
    ``"court_code"``, ``"case_type"`` or ``"sequence"``. ``message`` is English, ``zh`` zh-CN.
    """

    def __init__(self, reason: str, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.zh = zh or message

    def __reduce__(self) -> tuple[type[InvalidCaseNumber], tuple[str, str, str]]:
        # Default pickling would call __init__ with the message only.
        return (type(self), (self.reason, self.message, self.zh))

    def refusal(self, field: str) -> DomainError:
        """The refusal a person reads, about `field` (BAD_FORMAT)."""
        return DomainError(self.message, zh=self.zh, field=field, code=ErrorCode.BAD_FORMAT)


def _invalid(reason: str, zh: str, en: str) -> InvalidCaseNumber:
    # Every message shows the expected form, so the person can fix the input.
    return InvalidCaseNumber(
        reason,
        f"invalid case number: {en}; expected the form {EXAMPLE}",
        f"案号错误：{zh}；应为“{EXAMPLE}”的形式",
    )


class CaseType(Enum):
    """Execution case type (类型代字). The value is the glossary identifier."""

    ZHI_BAO = ("ZHI_BAO", "执保", "执行保全案件")
    ZHI = ("ZHI", "执", "首次执行案件")
    ZHI_HUI = ("ZHI_HUI", "执恢", "恢复执行案件")
    ZHI_YI = ("ZHI_YI", "执异", "执行异议案件")
    ZHI_FU = ("ZHI_FU", "执复", "执行复议案件")
    ZHI_JIAN = ("ZHI_JIAN", "执监", "执行监督案件")
    ZHI_XIE = ("ZHI_XIE", "执协", "执行协调案件")
    ZHI_TA = ("ZHI_TA", "执他", "其他执行案件")

    # The value stays the plain identifier (what the database and GraphQL store);
    # code and label ride along as attributes.
    def __new__(cls, identifier: str, code: str, label: str) -> CaseType:
        member = object.__new__(cls)
        member._value_ = identifier
        member._code = code
        member._label = label
        return member

    @property
    def code(self) -> str:
        """The Chinese type code used inside case numbers, e.g. 执保."""
        return self._code

    @property
    def label(self) -> str:
        """zh-CN descriptive label shown to people, e.g. 执行保全案件."""
        return self._label

    @classmethod
    def from_code(cls, code: str) -> CaseType:
        """Return the type whose code is exactly ``code`` (surrounding whitespace ignored)."""
        found = _TYPES_BY_CODE.get(code.strip()) if isinstance(code, str) else None
        if found is None:
            allowed = "、".join(t.code for t in cls)
            raise _invalid(
                "case_type",
                f"类型代字应为{allowed}之一",
                f"the type code must be one of {', '.join(t.code for t in cls)}",
            )
        return found


_TYPES_BY_CODE = {t.code: t for t in CaseType}

class CourtLevel(Enum):
    SUPREME = "SUPREME"  # 最高法
    HIGH = "HIGH"  # the province's abbreviation alone: 粤
    INTERMEDIATE = "INTERMEDIATE"  # + 2 digits: 粤53 (云浮市中级人民法院)
    BASIC = "BASIC"  # + 4 digits: 粤5322 (郁南县人民法院)


# 法院代字 (最高人民法院《关于人民法院案件案号的若干规定》, 法〔2015〕137号, and its code table):
# 最高法; a high court by the province's abbreviation; an intermediate court by it + 2 digits; a
# basic-level court by it + 4 digits. Numbers of every level are read (a higher court's 执复
# number, （2024）粤53执复1号, is referenced from this court's cases); this court numbers only its
# own cases, with its own basic-level code.
_COURT_CODE = re.compile(r"最高法|[\u4e00-\u9fff](?:[0-9]{2}){0,2}")


def validate_court_code(code: str) -> str:
    """Validate a court code of any level (最高法, 粤, 粤53, 粤5322); return it stripped."""
    text = code.strip() if isinstance(code, str) else ""
    if not _COURT_CODE.fullmatch(text) or text in ("最", "高", "法"):
        raise _invalid(
            "court_code",
            "法院代字应为“最高法”、省份简称（如粤）、简称加2位数字（如粤53）或加4位数字（如粤5322）",
            "the court code must be 最高法, a province's abbreviation (粤), or it followed by 2 "
            "digits (粤53) or 4 digits (粤5322)",
        )
    return text


def court_level(code: str) -> CourtLevel:
    """The level of the court a (valid) court code names."""
    text = validate_court_code(code)
    if text == "最高法":
        return CourtLevel.SUPREME
    return {1: CourtLevel.HIGH, 3: CourtLevel.INTERMEDIATE, 5: CourtLevel.BASIC}[len(text)]


# No whitespace inside: the format has none. All type codes start with 执; the type group
# takes the whole non-digit run between court code and sequence and is looked up exactly,
# so 执保 can never be read as 执 followed by a sequence starting with 保 (stronger than
# trying the longest code first).
_SKELETON = re.compile(
    r"（(?P<year>[0-9]+)）(?P<court>[^0-9（）\s]+?[0-9]*)(?P<type>执[^0-9\s]*)(?P<seq>[0-9]+)号"
)
_ASCII_PARENS = str.maketrans({"(": "（", ")": "）"})


@dataclass(frozen=True)
class CaseNumber:
    """A parsed case number; ``str()`` gives the canonical full-width form."""

    year: int
    court_code: str
    case_type: CaseType
    sequence: int

    def __post_init__(self) -> None:
        # Validate on construction so every CaseNumber formats to a parseable string.
        if not isinstance(self.year, int) or isinstance(self.year, bool):
            raise TypeError("year must be an int")
        if not isinstance(self.sequence, int) or isinstance(self.sequence, bool):
            raise TypeError("sequence must be an int")
        if not isinstance(self.case_type, CaseType):
            raise TypeError("case_type must be a CaseType")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise _invalid(
                "year",
                f"年份应在{MIN_YEAR}至{MAX_YEAR}之间",
                f"the year must be between {MIN_YEAR} and {MAX_YEAR}",
            )
        if self.sequence < 1:
            raise _invalid("sequence", "序号应从1开始", "the sequence number starts at 1")
        object.__setattr__(self, "court_code", validate_court_code(self.court_code))

    def __str__(self) -> str:
        return f"（{self.year}）{self.court_code}{self.case_type.code}{self.sequence}号"

    @classmethod
    def parse(cls, text: str) -> CaseNumber:
        """Parse a case number such as ``（2024）粤5322执保123号``.

        Surrounding whitespace and ASCII parentheses are tolerated (people paste them);
        anything else must be exact: no inner spaces, no leading zeros in the sequence.
        """
        if not isinstance(text, str):
            raise _invalid("format", "案号应为字符串", "the case number must be a string")
        normalised = text.strip().translate(_ASCII_PARENS)
        match = _SKELETON.fullmatch(normalised)
        if match is None:
            raise _invalid("format", "格式不符", "it does not match the format")
        year_text, seq_text = match["year"], match["seq"]
        if len(year_text) != 4:
            raise _invalid(
                "year",
                f"年份应为4位数字，在{MIN_YEAR}至{MAX_YEAR}之间",
                f"the year must be 4 digits between {MIN_YEAR} and {MAX_YEAR}",
            )
        if seq_text.startswith("0"):
            raise _invalid(
                "sequence",
                "序号应为从1开始的整数，不带前导零",
                "the sequence number is a whole number from 1 without leading zeros",
            )
        return cls(
            year=int(year_text),
            court_code=validate_court_code(match["court"]),
            case_type=CaseType.from_code(match["type"]),
            sequence=int(seq_text),
        )
