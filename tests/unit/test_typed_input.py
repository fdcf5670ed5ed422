"""Amounts and dates as clerks type them (domain/typed_input.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.errors import ErrorCode
from exec_center.domain.typed_input import Unreadable, read_amount, read_date


@pytest.mark.parametrize(("typed", "amount"), [
    ("50000", "50000.00"),
    ("50,000.00", "50000.00"),
    ("¥50000", "50000.00"),
    ("￥５０，０００．５", "50000.50"),
    ("人民币125,000元", "125000.00"),
    ("3000元整", "3000.00"),
    ("5万", "50000.00"),
    ("1.5万元", "15000.00"),
    ("2亿", "200000000.00"),
    (" 1 234.56 ", "1234.56"),
    ("0.125", "0.125"),  # kept as typed, for the rule on amounts to refuse: never rounded
    ("-100", "-100.00"),  # read; the rule on amounts refuses it as OUT_OF_RANGE
])
def test_amounts_as_typed(typed, amount):
    assert str(read_amount(typed)) == amount


@pytest.mark.parametrize("typed", ["", "元", "abc", "1e3", "5,0000", "1,23", "12.3.4", "五万", "$100", "1万万"])
def test_what_is_not_an_amount_is_refused_with_an_example(typed):
    with pytest.raises(Unreadable) as refused:
        read_amount(typed)
    assert refused.value.code is ErrorCode.BAD_FORMAT
    assert "50,000.00" in refused.value.message and "50,000.00" in refused.value.zh


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(cents=st.integers(min_value=0, max_value=10**17), style=st.sampled_from(["plain", "grouped", "yen", "wide"]))
def test_every_written_amount_reads_back(cents, style):
    amount = Decimal(cents).scaleb(-2)
    text = {"plain": f"{amount:.2f}", "grouped": f"{amount:,.2f}", "yen": f"¥{amount:,.2f}",
            "wide": fullwidth(f"{amount:,.2f}")}[style]
    read = read_amount(text)
    assert read == amount and str(read) == f"{amount:.2f}"


@given(day=st.dates(min_value=date(1000, 1, 1)),
       style=st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y.%m.%d}", "{d.year}年{d.month}月{d.day}日",
                              "{d.year}/{d.month}/{d.day}"]),
       wide=st.booleans())
def test_every_written_date_reads_back(day, style, wide):
    text = style.format(day, d=day)
    assert read_date(fullwidth(text) if wide else text) == day


@pytest.mark.parametrize("typed", ["2026-02-30", "2026/13/01", "20261201", "12/01/2026", "明天", ""])
def test_what_is_not_a_date_is_refused_with_an_example(typed):
    with pytest.raises(Unreadable) as refused:
        read_date(typed)
    assert "2026-12-01" in refused.value.message and "2026-12-01" in refused.value.zh
