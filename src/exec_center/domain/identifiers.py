"""Validation of party identifiers: resident ID numbers, USCCs and phone numbers.

Pure functions, standard library only. Error messages are bilingual (zh-CN / English) and
never repeat the submitted value: identity and phone numbers are personal data, and these
messages end up in logs and API responses.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

from .labels import LabelledEnum

__all__ = [
    "InvalidIdentifier",
    "PartyKind",
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
    ``str(exc)`` is the bilingual message for people.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[str, str]]:
        # The default pickling passes only args (the message) back to __init__, which
        # would fail; errors may cross process boundaries (task workers).
        return (type(self), (self.reason, self.message))


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
        raise InvalidIdentifier("type", f"{what_zh}应为字符串 / {what_en} must be a string")
    text = value.translate(_FULLWIDTH_TO_ASCII).strip()
    if not text:
        raise InvalidIdentifier("empty", f"{what_zh}不能为空 / {what_en} must not be empty")
    return text


# --- Resident identity number (GB 11643-1999) ------------------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11), ISO 7064 MOD 11-2
_RID_EARLIEST_BIRTH = date(1900, 1, 1)
_RID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


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
            f"居民身份证号码应为18位（17位数字加1位校验码0-9或X），实际为{len(text)}位"
            f" / resident ID number must be 18 characters (17 digits and a check"
            f" character 0-9 or X); got {len(text)}",
        )
    if not _RID_SHAPE.fullmatch(text):
        raise InvalidIdentifier(
            "charset",
            "居民身份证号码只能包含数字，最后一位可以是X"
            " / resident ID number may contain only digits, and X as the last character",
        )

    # Checked before the check digit: a typo inside the date is reported more usefully as
    # a bad date than as a wrong check digit.
    today = today if today is not None else date.today()
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        birth = None
    if birth is None or not (_RID_EARLIEST_BIRTH <= birth <= today):
        raise InvalidIdentifier(
            "birth_date",
            "居民身份证号码中的出生日期（第7-14位）无效：应为1900-01-01至今日之间的真实日期"
            " / birth date in the resident ID number (characters 7-14) is invalid: it must"
            " be a real date between 1900-01-01 and today",
        )

    expected = _rid_check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdentifier(
            "check_digit",
            f"居民身份证号码校验位错误：应为{expected}"
            f" / check digit of the resident ID number is wrong: expected {expected}",
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
            f"统一社会信用代码应为18位，实际为{len(text)}位"
            f" / unified social credit code must be 18 characters; got {len(text)}",
        )
    if any(c not in _USCC_VALUES for c in text):
        raise InvalidIdentifier(
            "charset",
            "统一社会信用代码只能包含数字和除I、O、Z、S、V以外的大写英文字母"
            " / unified social credit code may contain only digits and the letters A-Y"
            " except I, O, Z, S and V",
        )
    if not text[2:8].isdigit():  # ASCII already guaranteed by the charset check
        raise InvalidIdentifier(
            "division_code",
            "统一社会信用代码第3-8位应为6位数字的行政区划码"
            " / characters 3-8 of the unified social credit code must be a 6-digit"
            " administrative division code",
        )
    expected = _uscc_check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdentifier(
            "check_digit",
            f"统一社会信用代码校验位错误：应为{expected}"
            f" / check character of the unified social credit code is wrong:"
            f" expected {expected}",
        )
    return text


def validate_party_identifier(kind: PartyKind, value: str, today: date | None = None) -> str:
    """Validate a party's identifier: resident ID for a person, USCC for an organisation."""
    if kind is PartyKind.PERSON:
        return validate_resident_id(value, today=today)
    if kind is PartyKind.ORGANISATION:
        return validate_uscc(value)
    raise TypeError(f"kind must be a PartyKind, got {kind!r}")


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
        "电话号码格式错误：应为11位手机号码（以13-19开头）或带区号的固定电话（如0766-1234567）"
        " / invalid phone number: expected an 11-digit mobile number starting with 13-19,"
        " or a landline with its area code (e.g. 0766-1234567)",
    )
