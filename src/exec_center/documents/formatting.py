"""Chinese formatting for court documents: amounts in capitals (人民币大写), dates in
Chinese numerals, amounts in figures.

Amounts follow the rules for writing amounts on bills and vouchers (《支付结算办法》附件
《正确填写票据和结算凭证的基本规定》): financial capitals 壹贰叁…, a run of zeros inside the
number is written as one 零, 整 after 元 when there are no 角/分, and no 整 after 角 or 分.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

__all__ = [
    "MAX_AMOUNT",
    "amount_in_chinese",
    "amount_in_figures",
    "date_in_chinese",
    "money",
]

MAX_AMOUNT = Decimal("999999999999999.99")

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ("", "拾", "佰", "仟")
_CHINESE_DIGITS = "〇一二三四五六七八九"
_WAN = 10**4
_YI = 10**8


def money(amount: Decimal | int) -> Decimal:
    """Check an amount of money and return it as a Decimal.

    It must be finite, not negative, at most ``MAX_AMOUNT`` and have no more than two decimal
    places that are not zero (``1.500`` is fine, ``1.505`` is not: money is never rounded
    silently in a court document).
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"an amount must be a Decimal, got {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"the amount must be a finite number, got {value}")
    if value < 0:
        raise ValueError(f"the amount must not be negative, got {value}")
    if value > MAX_AMOUNT:
        raise ValueError(f"the amount must not exceed {MAX_AMOUNT}, got {value}")
    try:
        cents = value.scaleb(2)
        if cents != cents.to_integral_value():
            raise ValueError(f"the amount has more than two decimal places: {value}")
    except InvalidOperation as exc:  # pragma: no cover - guarded by the checks above
        raise ValueError(f"the amount cannot be used: {value}") from exc
    return value


def amount_in_figures(amount: Decimal | int) -> str:
    """``Decimal("125000")`` → ``"125,000.00"``: thousands separators and two decimals."""
    return f"{money(amount):,.2f}"


def _below_ten_thousand(number: int) -> str:
    """1 ≤ number ≤ 9999, without a leading 零 (the caller writes the zero before it)."""
    text = str(number)
    out: list[str] = []
    zero_pending = False
    for position, char in enumerate(text):
        digit = int(char)
        if digit == 0:
            zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_CAPITAL_DIGITS[digit] + _CAPITAL_UNITS[len(text) - 1 - position])
    return "".join(out)


def _integer_in_capitals(number: int) -> str:
    """number ≥ 1, in groups of four digits: …亿, …万, units; 万亿 for the top group."""
    if number >= _YI:
        high, low = divmod(number, _YI)
        text = _integer_in_capitals(high) + "亿"
        if low:
            text += ("零" if low < _YI // 10 else "") + _integer_in_capitals(low)
        return text
    if number >= _WAN:
        high, low = divmod(number, _WAN)
        text = _below_ten_thousand(high) + "万"
        if low:
            text += ("零" if low < _WAN // 10 else "") + _below_ten_thousand(low)
        return text
    return _below_ten_thousand(number)


def amount_in_chinese(amount: Decimal | int) -> str:
    """The amount in Chinese financial capitals, prefixed with 人民币.

    ``125000.00`` → ``人民币壹拾贰万伍仟元整``; ``1024.50`` → ``人民币壹仟零贰拾肆元伍角``;
    ``0.07`` → ``人民币柒分``; ``1409.02`` → ``人民币壹仟肆佰零玖元零贰分``; ``0`` →
    ``人民币零元整``. Up to 999999999999999.99; see :func:`money` for what is refused.
    """
    cents = int(money(amount).scaleb(2))
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    parts = ["人民币"]
    if yuan:
        parts.append(_integer_in_capitals(yuan) + "元")
    if not jiao and not fen:
        parts.append("整" if yuan else "零元整")
        return "".join(parts)
    if jiao:
        parts.append(_CAPITAL_DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")  # 壹元零贰分: the empty 角 place is spoken
    if fen:
        parts.append(_CAPITAL_DIGITS[fen] + "分")
    return "".join(parts)


def _small_number(number: int) -> str:
    """1..31 as written in dates: 八, 十, 十二, 二十, 三十一."""
    tens, units = divmod(number, 10)
    if tens == 0:
        return _CHINESE_DIGITS[units]
    text = ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十"
    return text + (_CHINESE_DIGITS[units] if units else "")


def date_in_chinese(day: date) -> str:
    """``date(2024, 2, 8)`` → ``二〇二四年二月八日``; ``date(2024, 10, 31)`` → ``二〇二四年十月三十一日``."""
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    year = "".join(_CHINESE_DIGITS[int(char)] for char in f"{day.year:04d}")
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"
