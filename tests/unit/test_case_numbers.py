import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.case_numbers import (
    CaseNumber,
    CaseType,
    InvalidCaseNumber,
    court_level,
    validate_court_code,
)

EXAMPLE = "（2024）粤5322执保123号"

EXPECTED_TYPES = {
    "ZHI_BAO": ("执保", "执行保全案件"),
    "ZHI": ("执", "首次执行案件"),
    "ZHI_HUI": ("执恢", "恢复执行案件"),
    "ZHI_YI": ("执异", "执行异议案件"),
    "ZHI_FU": ("执复", "执行复议案件"),
    "ZHI_JIAN": ("执监", "执行监督案件"),
    "ZHI_XIE": ("执协", "执行协调案件"),
    "ZHI_TA": ("执他", "其他执行案件"),
}


# --- CaseType ------------------------------------------------------------------------------


def test_case_types_codes_and_labels():
    assert {t.name: (t.code, t.label) for t in CaseType} == EXPECTED_TYPES


def test_case_type_value_is_glossary_identifier():
    for t in CaseType:
        assert t.value == t.name
        assert CaseType(t.name) is t


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_from_code(name):
    code = EXPECTED_TYPES[name][0]
    assert CaseType.from_code(code) is CaseType[name]


@pytest.mark.parametrize("code", ["", "执行", "保", "执保保", "ZHI_BAO"])
def test_from_code_unknown(code):
    with pytest.raises(InvalidCaseNumber) as exc:
        CaseType.from_code(code)
    assert exc.value.reason == "case_type"
    assert "执保" in str(exc.value) and "执他" in str(exc.value)


# --- court code -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [("粤5322", "BASIC"), ("京0105", "BASIC"), (" 粤5322 ", "BASIC"), ("粤53", "INTERMEDIATE"),
     ("粤", "HIGH"), ("最高法", "SUPREME")],
)
def test_valid_court_codes(code, level):
    assert validate_court_code(code) == code.strip()
    assert court_level(code).value == level


@pytest.mark.parametrize(
    "code",
    ["粤532", "粤5", "粤53221", "5322", "A5322", "粤粤5322", "最高", "法", "粤５３２２", "粤 5322"],
)
def test_invalid_court_codes(code):
    with pytest.raises(InvalidCaseNumber) as exc:
        validate_court_code(code)
    assert exc.value.reason == "court_code"
    assert "粤5322" in str(exc.value)


# --- CaseNumber ----------------------------------------------------------------------------


def test_format_example():
    n = CaseNumber(2024, "粤5322", CaseType.ZHI_BAO, 123)
    assert str(n) == EXAMPLE


def test_parse_example():
    assert CaseNumber.parse(EXAMPLE) == CaseNumber(2024, "粤5322", CaseType.ZHI_BAO, 123)


@pytest.mark.parametrize(
    ("text", "court", "case_type"),
    [("（2024）粤53执复1号", "粤53", CaseType.ZHI_FU), ("（2024）粤执监3号", "粤", CaseType.ZHI_JIAN),
     ("（2024）最高法执监1号", "最高法", CaseType.ZHI_JIAN)],
)
def test_higher_courts_numbers_are_read(text, court, case_type):
    # A higher court's number is referenced from this court's cases (its 执复 of our 执异 ruling).
    n = CaseNumber.parse(text)
    assert (n.court_code, n.case_type, str(n)) == (court, case_type, text)


def test_parse_plain_zhi_is_not_zhi_bao():
    assert CaseNumber.parse("（2024）粤5322执1号") == CaseNumber(2024, "粤5322", CaseType.ZHI, 1)


@pytest.mark.parametrize(
    "text",
    [
        "(2024)粤5322执保123号",
        "（2024)粤5322执保123号",
        "  (2024）粤5322执保123号\n",
        "\u3000（2024）粤5322执保123号\u3000",
    ],
)
def test_parse_tolerates_ascii_parens_and_surrounding_whitespace(text):
    n = CaseNumber.parse(text)
    assert n == CaseNumber(2024, "粤5322", CaseType.ZHI_BAO, 123)
    assert str(n) == EXAMPLE


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("（2024）粤5322执保123", "format"),  # no 号
        ("2024粤5322执保123号", "format"),  # no parentheses
        ("（2024） 粤5322执保123号", "format"),  # inner space
        ("（2024）粤5322 执保 123号", "format"),
        ("（2024）粤5322执保号", "format"),  # no sequence
        ("（2024）粤5322123号", "format"),  # no type code
        ("〔2024〕粤5322执保123号", "format"),
        ("（２０２４）粤5322执保123号", "format"),  # full-width digits
        ("", "format"),
        ("（1989）粤5322执保1号", "year"),
        ("（2101）粤5322执保1号", "year"),
        ("（24）粤5322执保1号", "year"),
        ("（02024）粤5322执保1号", "year"),
        ("（2024）粤532执复12号", "court_code"),
        ("（2024）粤53221执保1号", "court_code"),
        ("（2024）粤5322执行1号", "case_type"),
        ("（2024）粤5322执保保1号", "case_type"),
        ("（2024）粤5322执0号", "sequence"),
        ("（2024）粤5322执007号", "sequence"),
    ],
)
def test_parse_rejects(text, reason):
    with pytest.raises(InvalidCaseNumber) as exc:
        CaseNumber.parse(text)
    assert exc.value.reason == reason
    assert EXAMPLE in str(exc.value)  # message always shows the expected form


def test_parse_non_string():
    with pytest.raises(InvalidCaseNumber):
        CaseNumber.parse(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"year": 1989}, "year"),
        ({"year": 2101}, "year"),
        ({"sequence": 0}, "sequence"),
        ({"sequence": -5}, "sequence"),
        ({"court_code": "粤532"}, "court_code"),
    ],
)
def test_constructor_validates(kwargs, reason):
    fields = {"year": 2024, "court_code": "粤5322", "case_type": CaseType.ZHI, "sequence": 1}
    with pytest.raises(InvalidCaseNumber) as exc:
        CaseNumber(**(fields | kwargs))
    assert exc.value.reason == reason


@pytest.mark.parametrize(
    "kwargs",
    [{"year": "2024"}, {"sequence": 1.0}, {"sequence": True}, {"case_type": "执"}],
)
def test_constructor_rejects_wrong_types(kwargs):
    fields = {"year": 2024, "court_code": "粤5322", "case_type": CaseType.ZHI, "sequence": 1}
    with pytest.raises(TypeError):
        CaseNumber(**(fields | kwargs))


def test_boundary_years_accepted():
    assert str(CaseNumber(1990, "粤5322", CaseType.ZHI, 1)) == "（1990）粤5322执1号"
    assert str(CaseNumber(2100, "粤5322", CaseType.ZHI, 1)) == "（2100）粤5322执1号"


def test_case_number_is_frozen_and_hashable():
    n = CaseNumber(2024, "粤5322", CaseType.ZHI_BAO, 123)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.sequence = 5  # type: ignore[misc]
    assert len({n, CaseNumber.parse(EXAMPLE)}) == 1


def test_invalid_case_number_is_value_error_and_pickles():
    err = InvalidCaseNumber("year", "msg")
    assert isinstance(err, ValueError)
    back = pickle.loads(pickle.dumps(err))
    assert (back.reason, str(back)) == ("year", "msg")


# --- properties ----------------------------------------------------------------------------

court_codes = st.builds(
    lambda ch, digits: ch + digits,
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.text("0123456789", min_size=4, max_size=4),
)
case_numbers = st.builds(
    CaseNumber,
    year=st.integers(1990, 2100),
    court_code=court_codes,
    case_type=st.sampled_from(CaseType),
    sequence=st.integers(1, 10**9),
)


@given(case_numbers)
def test_property_parse_inverts_str(n):
    text = str(n)
    assert CaseNumber.parse(text) == n
    assert text.startswith("（") and "(" not in text and " " not in text and text.endswith("号")


@given(case_numbers, st.sampled_from(["", " ", "\t", "\u3000"]))
def test_property_parse_tolerates_ascii_parens_and_padding(n, pad):
    ascii_form = pad + str(n).replace("（", "(").replace("）", ")") + pad
    parsed = CaseNumber.parse(ascii_form)
    assert parsed == n
    assert str(parsed) == str(n)


@pytest.mark.parametrize("case_type", list(CaseType))
@given(year=st.integers(1990, 2100), court=court_codes, seq=st.integers(1, 10**6))
def test_property_round_trip_for_every_type(case_type, year, court, seq):
    text = f"（{year}）{court}{case_type.code}{seq}号"
    n = CaseNumber.parse(text)
    assert (n.year, n.court_code, n.case_type, n.sequence) == (year, court, case_type, seq)
    assert str(n) == text


@given(year=st.integers(1990, 2100), court=court_codes, seq=st.integers(1, 10**6))
def test_property_zhi_bao_never_misparsed_as_zhi(year, court, seq):
    n = CaseNumber.parse(f"（{year}）{court}执保{seq}号")
    assert n.case_type is CaseType.ZHI_BAO
    assert n.sequence == seq
    # and the shorter code alone stays 执
    assert CaseNumber.parse(f"（{year}）{court}执{seq}号").case_type is CaseType.ZHI


@given(st.text(max_size=30))
def test_property_parse_only_raises_invalid_case_number(text):
    try:
        n = CaseNumber.parse(text)
    except InvalidCaseNumber:
        return
    assert CaseNumber.parse(str(n)) == n
