"""Validation of party identifiers: resident ID numbers, USCCs and phone numbers.

Pure functions, standard library only. Each refusal carries its English text (``message``,
``str(exc)``) and its zh-CN text (``zh``); neither repeats the submitted value: identity and phone
numbers are personal data, and these messages end up in logs and API responses.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

from .errors import ErrorCode
from .labels import LabelledEnum

__all__ = [
    "ID_TYPES_BY_KIND",
    "IdType",
    "InvalidIdentifier",
    "PartyKind",
    "validate_identifier",
    "validate_mobile_phone",
    "validate_party_identifier",
    "validate_resident_id",
    "validate_uscc",
]


class InvalidIdentifier(ValueError):
    """An identifier failed validation.

    ``reason`` is a stable machine-readable code for the API layer:
    ``"type"``, ``"empty"``, ``"length"``, ``"charset"``, ``"birth_date"``,
    ``"division_code"``, ``"check_digit"`` or ``"format"``.
    ``message`` (and ``str(exc)``) is the English text, ``zh`` the zh-CN text for the clerk;
    ``code`` the refusal's ErrorCode for a caller re-raising it as a DomainError.
    """

    def __init__(self, reason: str, message: str, zh: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.zh = zh

    @property
    def code(self) -> ErrorCode:
        """REQUIRED when nothing was typed, INVALID when the document type is not allowed (or a
        number was given with UNKNOWN), BAD_FORMAT for a number that cannot be what it must be."""
        return _REASON_CODES.get(self.reason, ErrorCode.BAD_FORMAT)

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[str, str, str]]:
        # The default pickling passes only args (the message) back to __init__, which
        # would fail; errors may cross process boundaries (task workers).
        return (type(self), (self.reason, self.message, self.zh))


_REASON_CODES = {"empty": ErrorCode.REQUIRED, "id_type": ErrorCode.INVALID, "unknown": ErrorCode.INVALID}


class PartyKind(Enum):
    """Whether a party is a natural person or an organisation (decides the ID kind)."""

    PERSON = "PERSON"
    ORGANISATION = "ORGANISATION"

    @property
    def label(self) -> str:
        """zh-CN label shown to people."""
        return _PARTY_KIND_LABELS[self]


_PARTY_KIND_LABELS = {
    PartyKind.PERSON: "自然人",
    PartyKind.ORGANISATION: "法人或其他组织",
}


class IdType(LabelledEnum):
    """Which identity document a party's (or an agent's) number is."""

    RESIDENT_ID = "RESIDENT_ID", "居民身份证"
    HK_MACAO_PERMIT = "HK_MACAO_PERMIT", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "TAIWAN_PERMIT", "台湾居民来往大陆通行证"
    PASSPORT = "PASSPORT", "护照"
    FOREIGN_PERMANENT_RESIDENCE = "FOREIGN_PERMANENT_RESIDENCE", "外国人永久居留身份证"
    USCC = "USCC", "统一社会信用代码"
    OTHER_ORGANISATION_CODE = "OTHER_ORGANISATION_CODE", "其他组织代码或登记号"
    UNKNOWN = "UNKNOWN", "证件号码不详"


# Clerks often type with a Chinese input method in full-width mode; fold full-width digits,
# Latin letters, hyphen and space to ASCII so "４４５３…" is not rejected for no visible reason.
_FULLWIDTH_TO_ASCII = str.maketrans(
    {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)}  # ０-９
    | {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)}  # Ａ-Ｚ
    | {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)}  # ａ-ｚ
    | {"－": "-", "\u3000": " "}
)


def _prepare(value: object, what_zh: str, what_en: str) -> str:
    if not isinstance(value, str):
        raise InvalidIdentifier("type", f"{what_en} must be a string", f"{what_zh}应为字符串")
    text = value.translate(_FULLWIDTH_TO_ASCII).strip()
    if not text:
        raise InvalidIdentifier("empty", f"{what_en} must not be empty", f"{what_zh}不能为空")
    return text


# --- Resident identity number (GB 11643-1999) ------------------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11), ISO 7064 MOD 11-2
_RID_EARLIEST_BIRTH = date(1900, 1, 1)
_RID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def _plausible_birth_date(text: str, today: date) -> bool:
    """Characters 7-14 of a GB 11643-shaped number are a real date from 1900 to today."""
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return _RID_EARLIEST_BIRTH <= birth <= today


def _rid_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _RID_WEIGHTS, strict=True))
    return _RID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str, today: date | None = None) -> str:
    """Validate an 18-character PRC resident identity number; return it normalised.

    Normalisation: surrounding whitespace removed, full-width characters folded to ASCII,
    a lowercase check character ``x`` upper-cased. ``today`` bounds the birth date (defaults
    to the current local date; pass it explicitly for deterministic checks). Legacy 15-digit
    numbers (no longer valid since 2013) are rejected.
    """
    text = _prepare(value, "居民身份证号码", "resident ID number").upper()
    if len(text) != 18:
        raise InvalidIdentifier(
            "length",
            f"resident ID number must be 18 characters (17 digits and a check character 0-9 or X);"
            f" got {len(text)}",
            f"居民身份证号码应为18位（17位数字加1位校验码0-9或X），实际为{len(text)}位",
        )
    if not _RID_SHAPE.fullmatch(text):
        raise InvalidIdentifier(
            "charset",
            "resident ID number may contain only digits, and X as the last character",
            "居民身份证号码只能包含数字，最后一位可以是X",
        )

    # Checked before the check digit: a typo inside the date is reported more usefully as
    # a bad date than as a wrong check digit.
    today = today if today is not None else date.today()
    if not _plausible_birth_date(text, today):
        raise InvalidIdentifier(
            "birth_date",
            "birth date in the resident ID number (characters 7-14) is invalid: it must"
            " be a real date between 1900-01-01 and today",
            "居民身份证号码中的出生日期（第7-14位）无效：应为1900-01-01至今日之间的真实日期",
        )

    expected = _rid_check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdentifier(
            "check_digit",
            f"check digit of the resident ID number is wrong: expected {expected}",
            f"居民身份证号码校验位错误：应为{expected}",
        )
    return text


# --- Unified social credit code (GB 32100-2015) ----------------------------------------

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 chars: no I, O, Z, S, V
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate an 18-character unified social credit code; return it upper-cased.

    Checks length, charset, that characters 3-8 (administrative division code) are digits,
    and the MOD 31 check character. The registration-authority and organisation-type codes
    and the organisation code's own check digit are not checked: their code lists change
    and the MOD 31 check already catches typing errors.
    """
    text = _prepare(value, "统一社会信用代码", "unified social credit code").upper()
    if len(text) != 18:
        raise InvalidIdentifier(
            "length",
            f"unified social credit code must be 18 characters; got {len(text)}",
            f"统一社会信用代码应为18位，实际为{len(text)}位",
        )
    if any(c not in _USCC_VALUES for c in text):
        raise InvalidIdentifier(
            "charset",
            "unified social credit code may contain only digits and the letters A-Y"
            " except I, O, Z, S and V",
            "统一社会信用代码只能包含数字和除I、O、Z、S、V以外的大写英文字母",
        )
    if not text[2:8].isdigit():  # ASCII already guaranteed by the charset check
        raise InvalidIdentifier(
            "division_code",
            "characters 3-8 of the unified social credit code must be a 6-digit"
            " administrative division code",
            "统一社会信用代码第3-8位应为6位数字的行政区划码",
        )
    expected = _uscc_check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdentifier(
            "check_digit",
            f"check character of the unified social credit code is wrong: expected {expected}",
            f"统一社会信用代码校验位错误：应为{expected}",
        )
    return text


def validate_party_identifier(kind: PartyKind, value: str, today: date | None = None) -> str:
    """Validate a party's identifier: resident ID for a person, USCC for an organisation."""
    if kind is PartyKind.PERSON:
        return validate_resident_id(value, today=today)
    if kind is PartyKind.ORGANISATION:
        return validate_uscc(value)
    raise TypeError(f"kind must be a PartyKind, got {kind!r}")


# --- Identity documents by type ----------------------------------------------------------

# Which documents identify which kind of party (data, not code). A person: the resident ID
# (also the HK/Macao/Taiwan residents' residence permit, same number format), the two mainland
# travel permits, a passport or the foreigner's permanent residence card; an organisation: its
# unified social credit code, or, without one (a villagers' group, a foreign company), an
# organisation code or registration number. UNKNOWN for either (CPL 2023 art. 122: a respondent
# is named by what identifies them; the applicant often does not know the number).
ID_TYPES_BY_KIND: dict[PartyKind, frozenset[IdType]] = {
    PartyKind.PERSON: frozenset(
        {
            IdType.RESIDENT_ID,
            IdType.HK_MACAO_PERMIT,
            IdType.TAIWAN_PERMIT,
            IdType.PASSPORT,
            IdType.FOREIGN_PERMANENT_RESIDENCE,
            IdType.UNKNOWN,
        }
    ),
    PartyKind.ORGANISATION: frozenset({IdType.USCC, IdType.OTHER_ORGANISATION_CODE, IdType.UNKNOWN}),
}

# The document assumed when none is named (the usual case, and the only one before idType).
DEFAULT_ID_TYPE = {PartyKind.PERSON: IdType.RESIDENT_ID, PartyKind.ORGANISATION: IdType.USCC}

# 港澳居民来往内地通行证: the card issued since 2013 is H (Hong Kong) or M (Macao) and 8 digits;
# the booklet issued before it adds a 2-digit issue count (11 characters).
_HK_MACAO = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
# 台湾居民来往大陆通行证: the card issued since 2015 is 8 digits; the booklet issued before it
# adds a 2-digit issue count (10 digits).
_TAIWAN = re.compile(r"[0-9]{8}(?:[0-9]{2})?")
# Passports (ICAO Doc 9303: the document number is up to 9 characters in the machine-readable
# zone, longer national numbers exist); letters and digits only, 5-17.
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
# 外国人永久居留证 issued 2004-2017: ISO 3166 nationality letters and 12 digits (15 characters).
_FPR_OLD = re.compile(r"[A-Z]{3}[0-9]{12}")
# 外国人永久居留身份证 issued since December 2023: 18 characters beginning with 9, birth date in
# characters 7-14, the ISO 7064 MOD 11-2 check character of the resident ID (GB 11643-1999).
_FPR_NEW = re.compile(r"9[0-9]{16}[0-9X]")
# GB 11714-1997 organisation code: 8 body characters (digits, capital letters), a hyphen as
# printed on the certificate, and a check character 0-9 or X.
_ORG_CODE = re.compile(r"([0-9A-Z]{8})-?([0-9X])")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_REGISTRATION = re.compile(r"[A-Z0-9-]{1,40}")
_SPACES = re.compile(r"\s+")


def _org_code_check_char(body: str) -> str:
    # Characters count as 0-9 and A=10 ... Z=35; C9 = 11 - (sum mod 11), 10 -> X, 11 -> 0.
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _format_error(what_zh: str, what_en: str, expected_zh: str, expected_en: str) -> InvalidIdentifier:
    return InvalidIdentifier(
        "format", f"invalid {what_en}: expected {expected_en}", f"{what_zh}格式错误：应为{expected_zh}"
    )


def _validate_foreign_permanent_residence(text: str, today: date) -> str:
    what_zh, what_en = "外国人永久居留身份证号码", "foreign permanent residence card number"
    if _FPR_OLD.fullmatch(text):
        return text
    if not _FPR_NEW.fullmatch(text):
        raise _format_error(
            what_zh,
            what_en,
            "15位（3位字母加12位数字，2017年前的证件）或18位（以9开头，2023年起的证件）",
            "15 characters (3 letters and 12 digits, cards issued before 2017) or 18 characters "
            "beginning with 9 (cards issued since 2023)",
        )
    if not _plausible_birth_date(text, today):
        raise InvalidIdentifier(
            "birth_date",
            f"birth date in the {what_en} (characters 7-14) is invalid: it must be a real date"
            " between 1900-01-01 and today",
            f"{what_zh}中的出生日期（第7-14位）无效：应为1900-01-01至今日之间的真实日期",
        )
    expected = _rid_check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdentifier(
            "check_digit",
            f"check digit of the {what_en} is wrong: expected {expected}",
            f"{what_zh}校验位错误：应为{expected}",
        )
    return text


def _validate_other_organisation_code(text: str) -> str:
    # The shape is judged as typed: "HRB 123456" (a German commercial register number) is a
    # registration number, not an organisation code whose check character is wrong.
    shape = _ORG_CODE.fullmatch(text)
    compact = _SPACES.sub("", text)
    if shape:  # an organisation code: its check character is strict (GB 11714-1997)
        body, check = shape.groups()
        expected = _org_code_check_char(body)
        if check != expected:
            raise InvalidIdentifier(
                "check_digit",
                f"check character of the organisation code is wrong: expected {expected}",
                f"组织机构代码校验位错误：应为{expected}",
            )
        return f"{body}-{check}"
    if not _REGISTRATION.fullmatch(compact):
        raise _format_error(
            "组织代码或登记号",
            "organisation code or registration number",
            "9位组织机构代码（如12345678-9）或1-40位字母、数字、连字符组成的登记号",
            "a 9-character organisation code (e.g. 12345678-9) or a registration number of 1-40 "
            "letters, digits and hyphens",
        )
    return compact


def validate_identifier(
    id_type: IdType | None, value: str | None, kind: PartyKind | None = None, today: date | None = None
) -> tuple[IdType, str | None]:
    """Validate a party's (or an agent's) identity document number by its type; return the type
    (``None``: the usual one for ``kind``) and the normalised number (``None`` for UNKNOWN).

    ``kind`` given: the type must be one that kind of party can hold (``ID_TYPES_BY_KIND``,
    reason ``"id_type"``). Check characters are strict wherever a standard defines them
    (resident ID and residence permits GB 11643-1999, USCC GB 32100-2015, organisation code
    GB 11714-1997, the 2023 foreign permanent residence card); the other documents are checked
    for their printed shape. A number given with UNKNOWN is refused (reason ``"unknown"``).
    """
    if id_type is None:
        if kind is None:
            raise TypeError("validate_identifier needs id_type or kind")
        id_type = DEFAULT_ID_TYPE[kind]
    if kind is not None and id_type not in ID_TYPES_BY_KIND[kind]:
        allowed = [t for t in IdType if t in ID_TYPES_BY_KIND[kind]]
        raise InvalidIdentifier(
            "id_type",
            f"a {kind.value.lower()} cannot be identified by {id_type.value};"
            f" allowed: {', '.join(t.value for t in allowed)}",
            f"{kind.label}不能使用“{id_type.label}”作为证件类型；可用："
            + "、".join(t.label for t in allowed),
        )
    if id_type is IdType.UNKNOWN:
        if value is not None and value.strip():
            raise InvalidIdentifier(
                "unknown",
                "a number cannot be given with idType UNKNOWN; choose the type of the document",
                "证件类型为“证件号码不详”时不能填写证件号码；请选择该号码的证件类型",
            )
        return id_type, None
    value = value if value is not None else ""  # reported as empty, not as a wrong type
    today = today if today is not None else date.today()
    if id_type is IdType.RESIDENT_ID:
        return id_type, validate_resident_id(value, today=today)  # type: ignore[arg-type]
    if id_type is IdType.USCC:
        return id_type, validate_uscc(value)  # type: ignore[arg-type]
    what = {
        IdType.HK_MACAO_PERMIT: ("港澳居民来往内地通行证号码", "Home Return Permit number"),
        IdType.TAIWAN_PERMIT: ("台湾居民来往大陆通行证号码", "Taiwan compatriot permit number"),
        IdType.PASSPORT: ("护照号码", "passport number"),
        IdType.FOREIGN_PERMANENT_RESIDENCE: (
            "外国人永久居留身份证号码",
            "foreign permanent residence card number",
        ),
        IdType.OTHER_ORGANISATION_CODE: ("组织代码或登记号", "organisation code or registration number"),
    }[id_type]
    text = _prepare(value, *what).upper()
    if id_type is IdType.FOREIGN_PERMANENT_RESIDENCE:
        return id_type, _validate_foreign_permanent_residence(text, today)
    if id_type is IdType.OTHER_ORGANISATION_CODE:
        return id_type, _validate_other_organisation_code(text)
    shape, expected_zh, expected_en = {
        IdType.HK_MACAO_PERMIT: (
            _HK_MACAO,
            "H或M加8位数字（如H12345678），2013年前的证件另加2位换证次数",
            "H or M and 8 digits (e.g. H12345678); booklets issued before 2013 add a 2-digit issue count",
        ),
        IdType.TAIWAN_PERMIT: (
            _TAIWAN,
            "8位数字，2015年前的证件另加2位换证次数",
            "8 digits; booklets issued before 2015 add a 2-digit issue count",
        ),
        IdType.PASSPORT: (_PASSPORT, "5-17位字母或数字", "5-17 letters or digits"),
    }[id_type]
    if not shape.fullmatch(text):
        raise _format_error(what[0], what[1], expected_zh, expected_en)
    return id_type, text


# --- Phone numbers ---------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# 0 + 2-3 digit area code (never "00", that is the international prefix) + 7-8 digits.
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}")
_LANDLINE_AREA = re.compile(r"0[1-9][0-9]{1,2}")
_LANDLINE_LOCAL = re.compile(r"[0-9]{7,8}")
_PHONE_SEPARATORS = re.compile(r"[ -]+")


def _is_landline(groups: list[str]) -> bool:
    digits = "".join(groups)
    if not _LANDLINE.fullmatch(digits):
        return False
    if len(groups) == 1:
        return True
    # A separator after the area code tells us where the local number starts, so
    # "0766-123456" is not silently re-read as area code 076 + local number 6123456.
    return bool(_LANDLINE_AREA.fullmatch(groups[0]) and _LANDLINE_LOCAL.fullmatch("".join(groups[1:])))


def validate_mobile_phone(value: str) -> str:
    """Validate a mainland mobile or landline number; return its digits only.

    Accepts ``13800138000``, ``138 0013 8000``, ``0766-1234567``, ``07661234567``.
    Spaces and hyphens are dropped; the result is digits only. When a landline is written
    with a separator, the part before the first separator must be the area code.
    """
    text = _prepare(value, "电话号码", "phone number")
    groups = [g for g in _PHONE_SEPARATORS.split(text) if g]
    digits = "".join(groups)
    if _MOBILE.fullmatch(digits) or _is_landline(groups):
        return digits
    raise InvalidIdentifier(
        "format",
        "invalid phone number: expected an 11-digit mobile number starting with 13-19,"
        " or a landline with its area code (e.g. 0766-1234567)",
        "电话号码格式错误：应为11位手机号码（以13-19开头）或带区号的固定电话（如0766-1234567）",
    )
