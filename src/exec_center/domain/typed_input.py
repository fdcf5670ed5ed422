"""Amounts and dates as court clerks type them.

A clerk copies an amount from a judgment ("50,000.00", "¥50000", "5万元", full-width digits
from a Chinese input method) and a date as the documents write it ("2026/12/01",
"2026年12月1日"). What can be read without guessing is read; anything else is refused with what
to write instead. Scientific notation ("1e3") is refused: no document writes amounts that way,
and it was once stored and shown back as "1E+3".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from .errors import DomainError, ErrorCode

CENT = Decimal("0.01")
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_PREFIXES = ("人民币", "RMB", "CNY", "¥")
_SUFFIXES = ("元整", "元", "整")
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")

AMOUNT_HELP_EN = 'write the amount in yuan, e.g. 50000, 50,000.00, ¥50000 or 5万'
AMOUNT_HELP_ZH = "请按元填写金额，如 50000、50,000.00、¥50000 或 5万"
DATE_HELP_EN = "write the date as 2026-12-01 (2026/12/01 and 2026年12月1日 are read too)"
DATE_HELP_ZH = "请按 2026-12-01 填写日期（也可写作 2026/12/01 或 2026年12月1日）"


class Unreadable(DomainError):
    """Typed text that is not an amount or a date (code BAD_FORMAT)."""

    def __init__(self, message: str, *, zh: str) -> None:
        super().__init__(message, zh=zh, code=ErrorCode.BAD_FORMAT)


def exact_cents(amount: Decimal) -> Decimal:
    """The amount with two decimals when it has at most two ("50000" → "50000.00"); otherwise as
    it is, for the rule on amounts to refuse (it is never rounded)."""
    if amount.is_finite() and amount == amount.quantize(CENT, rounding="ROUND_DOWN"):
        return amount.quantize(CENT)
    return amount


def read_amount(text: str) -> Decimal:
    """An amount in yuan from what a clerk typed; `Unreadable` when it is not one."""
    typed = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    for prefix in _PREFIXES:
        if typed.upper().startswith(prefix):
            typed = typed[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if typed.endswith(suffix):
            typed = typed[: -len(suffix)]
            break
    unit = Decimal(1)
    if typed[-1:] in _UNITS:
        typed, unit = typed[:-1], _UNITS[typed[-1]]
    if not typed:
        raise Unreadable(f"no amount was typed; {AMOUNT_HELP_EN}", zh=f"未填写金额；{AMOUNT_HELP_ZH}")
    if _GROUPED.fullmatch(typed):
        typed = typed.replace(",", "")
    elif "," in typed and _PLAIN.fullmatch(typed.replace(",", "")):
        raise Unreadable(
            f"thousands separators go every three digits (50,000.00); {AMOUNT_HELP_EN}",
            zh=f"千位分隔符应每三位一个（如 50,000.00）；{AMOUNT_HELP_ZH}",
        )
    if not _PLAIN.fullmatch(typed):
        raise Unreadable(f"this is not an amount; {AMOUNT_HELP_EN}", zh=f"无法识别为金额；{AMOUNT_HELP_ZH}")
    return exact_cents(Decimal(typed) * unit)  # the pattern admits only digits and one point


def read_date(text: str) -> date:
    """A date from what a clerk typed: ISO, with slashes or dots, or 年月日; `Unreadable` else."""
    typed = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.fullmatch(typed)
    if not match:
        raise Unreadable(f"this is not a date; {DATE_HELP_EN}", zh=f"无法识别为日期；{DATE_HELP_ZH}")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise Unreadable(
            f"there is no such day as {year}-{month:02d}-{day:02d}; {DATE_HELP_EN}",
            zh=f"日期 {year}年{month}月{day}日 不存在；{DATE_HELP_ZH}",
        ) from None
