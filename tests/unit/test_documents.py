import importlib.util
import io
import re
import zipfile
from dataclasses import FrozenInstanceError, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exec_center.documents import (
    DisposableItem,
    DocumentKind,
    MeasureNoticeData,
    PartyLine,
    PreDisposalData,
    RenderedDocument,
    RulingData,
    TaxLetterData,
    amount_in_chinese,
    date_in_chinese,
    render_benchmark_price_letter,
    render_measure_release_notice,
    render_measure_renewal_notice,
    render_pre_disposal_list,
    render_query_control_ruling,
)
from exec_center.documents.formatting import MAX_AMOUNT, amount_in_figures

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "exec_center" / "documents" / "templates"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
COURT = "广东省郁南县人民法院"
CASE = "（2024）粤5322执保1号"
RID = "445322198001011236"
USCC = "91445322MA4ABCDE15"
MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")


# --- helpers --------------------------------------------------------------------------------


def open_docx(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def paragraphs(content: bytes) -> list[str]:
    """Every paragraph's text: body, table cells, headers and footers."""
    document = open_docx(content)
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts.extend(p.text for p in cell.paragraphs)
    for section in document.sections:
        for part in (section.header, section.footer):
            texts.extend(p.text for p in part.paragraphs)
    return texts


def full_text(content: bytes) -> str:
    return "\n".join(paragraphs(content))


def table_rows(content: bytes, index: int = 0) -> list[list[str]]:
    table = open_docx(content).tables[index]
    return [[cell.text for cell in row.cells] for row in table.rows]


def assert_no_template_syntax(content: bytes) -> None:
    text = full_text(content)
    for marker in MARKERS:
        assert marker not in text
    # Nothing in the raw XML of any part either (core properties, styles, …).
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for name in package.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                raw = package.read(name).decode("utf-8")
                for marker in ("{{", "{%", "{#"):
                    assert marker not in raw, (name, marker)


def ruling(**changes) -> RulingData:
    data = RulingData(
        court_name=COURT,
        case_number=CASE,
        applicants=[PartyLine("自然人", "张三", RID, "广东省郁南县都城镇建设路1号")],
        respondents=[
            PartyLine("法人或其他组织", "郁南县宏达建材有限公司", USCC, "广东省郁南县都城镇工业园8号"),
            PartyLine("自然人", "李四", "445322199203150021"),
        ],
        title_document_number="（2023）粤5322民初100号",
        title_kind_label="民事判决书",
        claim_amount=Decimal("125000.00"),
        ruled_on=date(2024, 2, 8),
    )
    return replace(data, **changes)


HOUSE = DisposableItem(
    category_label="不动产",
    description="郁南县都城镇建设路2号301房",
    institution="郁南县不动产登记中心",
    value=Decimal("1234567.5"),
    encumbrances="抵押（郁南农商银行）",
    first_seal=True,
    measure_label="查封",
    expires_on=date(2027, 2, 7),
)
SHARES = DisposableItem(
    category_label="农商银行股金",
    description="股金10000股",
    institution="广东郁南农村商业银行股份有限公司",
    value=None,
    encumbrances=None,
    first_seal=False,
    measure_label=None,
    expires_on=None,
)
TRUCK = DisposableItem(
    category_label="车辆",
    description="重型自卸货车 粤W12345",
    institution="云浮市公安局交通警察支队车辆管理所",
    value=Decimal("86000"),
    encumbrances="",
    first_seal=True,
    measure_label="扣押",
    expires_on=date(2026, 2, 7),
)


def pre_disposal(**changes) -> PreDisposalData:
    data = PreDisposalData(
        court_name=COURT,
        case_number=CASE,
        respondent_names=["郁南县宏达建材有限公司", "李四"],
        team_name="执行实施一团队",
        items=[HOUSE, SHARES, TRUCK],
        prepared_on=date(2024, 2, 8),
    )
    return replace(data, **changes)


def tax_letter(**changes) -> TaxLetterData:
    data = TaxLetterData(
        court_name=COURT,
        case_number=CASE,
        properties=[HOUSE],
        team_name="执行实施一团队",
        contact_name="王五",
        contact_phone="0766-7512345",
        sent_on=date(2024, 12, 20),
    )
    return replace(data, **changes)


# --- amount_in_chinese ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("125000.00", "人民币壹拾贰万伍仟元整"),
        ("1024.50", "人民币壹仟零贰拾肆元伍角"),
        ("0.07", "人民币柒分"),
        ("100000000", "人民币壹亿元整"),
        ("10010", "人民币壹万零壹拾元整"),
        ("0", "人民币零元整"),
        ("0.00", "人民币零元整"),
        ("0.5", "人民币伍角"),
        ("0.57", "人民币伍角柒分"),
        ("1", "人民币壹元整"),
        ("10", "人民币壹拾元整"),
        ("1.10", "人民币壹元壹角"),
        ("1409.02", "人民币壹仟肆佰零玖元零贰分"),
        ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
        ("105000", "人民币壹拾万伍仟元整"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("1000000001", "人民币壹拾亿零壹元整"),
        ("20000000.07", "人民币贰仟万元零柒分"),
        ("325000.3", "人民币叁拾贰万伍仟元叁角"),
        ("1000000000000", "人民币壹万亿元整"),
        ("1000100000000", "人民币壹万零壹亿元整"),
        ("1500.000", "人民币壹仟伍佰元整"),
        (
            "999999999999999.99",
            "人民币玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
    ],
)
def test_amount_in_chinese_examples(amount, words):
    assert amount_in_chinese(Decimal(amount)) == words


def test_amount_in_chinese_accepts_int():
    assert amount_in_chinese(125000) == "人民币壹拾贰万伍仟元整"


@pytest.mark.parametrize(
    "amount",
    [Decimal("-0.01"), Decimal("1.005"), Decimal("NaN"), Decimal("Infinity"), MAX_AMOUNT + Decimal("0.01")],
)
def test_amount_in_chinese_refuses_bad_amounts(amount):
    with pytest.raises(ValueError):
        amount_in_chinese(amount)


@pytest.mark.parametrize("amount", [1.5, "100", True, None])
def test_amount_in_chinese_refuses_non_decimals(amount):
    with pytest.raises(TypeError):
        amount_in_chinese(amount)


CAPITAL = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_below_wan(text: str) -> int:
    total, digit = 0, 0
    for char in text:
        if char in CAPITAL:
            digit = CAPITAL[char]
        else:
            total += digit * UNIT[char]
            digit = 0
    return total + digit


def _parse_integer(text: str) -> int:
    if "亿" in text:
        high, low = text.split("亿")
        return _parse_integer(high) * 10**8 + _parse_integer(low)
    if "万" in text:
        high, low = text.split("万")
        return _parse_below_wan(high) * 10**4 + _parse_below_wan(low)
    return _parse_below_wan(text)


def parse_capitals(words: str) -> Decimal:
    """An independent reader of 人民币大写, for the round trip."""
    text = words.removeprefix("人民币").removesuffix("整")
    integer, _, fraction = text.rpartition("元")
    jiao = re.search(r"(.)角", fraction)
    fen = re.search(r"(.)分", fraction)
    cents = _parse_integer(integer) * 100
    cents += CAPITAL[jiao.group(1)] * 10 if jiao else 0
    cents += CAPITAL[fen.group(1)] if fen else 0
    return Decimal(cents) / 100


amounts = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False)


@given(amounts)
def test_amount_in_chinese_properties(amount):
    words = amount_in_chinese(amount)
    assert words.startswith("人民币")
    assert "零零" not in words
    assert words.endswith("整") == (amount == amount.to_integral_value())
    assert set(words) <= set("人民币零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    if amount:
        assert not words.removeprefix("人民币").startswith("零")
        assert not re.search(r"零[元万亿角]", words)
    assert parse_capitals(words) == amount


@given(amounts)
def test_amount_in_figures_has_separators_and_two_decimals(amount):
    figures = amount_in_figures(amount)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", figures)
    assert Decimal(figures.replace(",", "")) == amount


# --- date_in_chinese ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2024, 2, 8), "二〇二四年二月八日"),
        (date(2024, 10, 31), "二〇二四年十月三十一日"),
        (date(2024, 12, 20), "二〇二四年十二月二十日"),
        (date(2024, 1, 10), "二〇二四年一月十日"),
        (date(2030, 11, 19), "二〇三〇年十一月十九日"),
        (date(2025, 6, 21), "二〇二五年六月二十一日"),
    ],
)
def test_date_in_chinese_examples(day, text):
    assert date_in_chinese(day) == text


NUMERAL = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _parse_small(text: str) -> int:
    if "十" not in text:
        return NUMERAL[text]
    tens, _, units = text.partition("十")
    return (NUMERAL[tens] if tens else 1) * 10 + (NUMERAL[units] if units else 0)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_date_in_chinese_round_trip(day):
    text = date_in_chinese(day)
    match = re.fullmatch(r"([〇一二三四五六七八九]{4})年(.{1,3})月(.{1,3})日", text)
    assert match
    year = int("".join(str(NUMERAL[c]) for c in match.group(1)))
    assert date(year, _parse_small(match.group(2)), _parse_small(match.group(3))) == day
    assert "零" not in text and "一十" not in text


def test_date_in_chinese_refuses_non_dates():
    with pytest.raises(TypeError):
        date_in_chinese("2024-02-08")


# --- DocumentKind and RenderedDocument ------------------------------------------------------


def test_document_kinds():
    assert [(k.value, k.label) for k in DocumentKind] == [
        ("QUERY_CONTROL_RULING", "财产查控裁定书"),
        ("PRE_DISPOSAL_LIST", "预处置财产清单"),
        ("BENCHMARK_PRICE_LETTER", "基准价函询函"),
        ("MEASURE_RENEWAL_NOTICE", "续行查封、扣押、冻结协助执行通知书"),
        ("MEASURE_RELEASE_NOTICE", "解除查封、扣押、冻结协助执行通知书"),
    ]
    assert DocumentKind("PRE_DISPOSAL_LIST") is DocumentKind.PRE_DISPOSAL_LIST
    assert DocumentKind.QUERY_CONTROL_RULING == "QUERY_CONTROL_RULING"
    assert isinstance(DocumentKind.BENCHMARK_PRICE_LETTER, str)


def test_rendered_document_is_frozen():
    document = render_query_control_ruling(ruling())
    with pytest.raises(FrozenInstanceError):
        document.title = "x"  # type: ignore[misc]


# --- 财产查控裁定书 -------------------------------------------------------------------------


def test_ruling_document_metadata():
    document = render_query_control_ruling(ruling())
    assert isinstance(document, RenderedDocument)
    assert document.kind is DocumentKind.QUERY_CONTROL_RULING
    assert document.title == "（2024）粤5322执保1号 财产查控裁定书"
    assert document.filename == "2024-ZHI_BAO-1-QUERY_CONTROL_RULING.docx"
    assert document.media_type == DOCX
    assert document.content.startswith(b"PK")
    assert open_docx(document.content).core_properties.title == document.title


def test_ruling_text():
    content = render_query_control_ruling(ruling()).content
    lines = paragraphs(content)
    text = full_text(content)
    assert lines[:3] == [COURT, "执行裁定书", CASE]
    assert "申请执行人：张三，公民身份号码445322198001011236，住广东省郁南县都城镇建设路1号。" in lines
    assert (
        "被执行人：郁南县宏达建材有限公司，统一社会信用代码91445322MA4ABCDE15，"
        "住所地广东省郁南县都城镇工业园8号。"
    ) in lines
    assert "被执行人：李四，公民身份号码445322199203150021。" in lines
    assert "（2023）粤5322民初100号民事判决书" in text
    assert "¥125,000.00" in text
    assert "人民币壹拾贰万伍仟元整" in text
    assert "以人民币125,000.00元为限" in text
    # A preservation ruling holds property only (CPL 2023 art. 106): it never orders 扣划.
    assert "查询、冻结被执行人郁南县宏达建材有限公司、李四名下的银行存款" in text
    assert "扣划" not in text
    assert "查询、查封、扣押、冻结被执行人郁南县宏达建材有限公司、李四名下的其他财产" in text
    assert "《中华人民共和国民事诉讼法》第二百五十三条、第二百五十五条" in text
    assert "裁定如下：" in text
    assert "本裁定送达后立即生效。" in lines
    assert "二〇二四年二月八日" in lines
    assert "本件与原本核对无异" in lines
    assert any(line.startswith("审判长") for line in lines)
    assert any(line.startswith("执行员") for line in lines)
    assert_no_template_syntax(content)


def test_ruling_party_without_number_or_address():
    data = ruling(respondents=[PartyLine("自然人", "李四", None, None)])
    lines = paragraphs(render_query_control_ruling(data).content)
    assert "被执行人：李四。" in lines


def test_ruling_lists_every_party_once_in_order():
    applicants = [PartyLine("自然人", f"申请人{i}", f"44532219800101{i:04d}") for i in range(3)]
    lines = paragraphs(render_query_control_ruling(ruling(applicants=applicants)).content)
    party_lines = [line for line in lines if line.startswith("申请执行人：")]
    assert party_lines == [f"申请执行人：申请人{i}，公民身份号码44532219800101{i:04d}。" for i in range(3)]


def test_ruling_other_amounts():
    content = render_query_control_ruling(ruling(claim_amount=Decimal("1024.5"))).content
    text = full_text(content)
    assert "¥1,024.50（人民币壹仟零贰拾肆元伍角）" in text


@pytest.mark.parametrize(
    ("case_number", "filename"),
    [
        ("（2024）粤5322执保123号", "2024-ZHI_BAO-123-QUERY_CONTROL_RULING.docx"),
        ("（2024）粤5322执7号", "2024-ZHI-7-QUERY_CONTROL_RULING.docx"),
        ("（2025）粤5322执恢12号", "2025-ZHI_HUI-12-QUERY_CONTROL_RULING.docx"),
    ],
)
def test_filename_from_case_number(case_number, filename):
    document = render_query_control_ruling(ruling(case_number=case_number))
    assert document.filename == filename
    assert document.filename.isascii()
    assert document.title == f"{case_number} 财产查控裁定书"


@pytest.mark.parametrize(
    "case_number", ["2024粤5322执保1号", "（2024）粤5322民初1号", "", "（2024）粤5322执保号"]
)
def test_bad_case_number_is_refused(case_number):
    with pytest.raises(ValueError):
        render_query_control_ruling(ruling(case_number=case_number))


@pytest.mark.parametrize(
    "changes",
    [
        {"applicants": []},
        {"respondents": []},
        {"claim_amount": Decimal("-1")},
        {"claim_amount": Decimal("10.001")},
        {"court_name": "  "},
        {"respondents": [PartyLine("自然人", "", None)]},
    ],
)
def test_ruling_refuses_incomplete_data(changes):
    with pytest.raises(ValueError):
        render_query_control_ruling(ruling(**changes))


def test_ruling_refuses_datetime_for_date():
    with pytest.raises(TypeError):
        render_query_control_ruling(ruling(ruled_on=datetime(2024, 2, 8, 9, 0)))


# --- 预处置财产清单 -------------------------------------------------------------------------

HEADER = [
    "序号",
    "财产类别",
    "财产名称/描述",
    "所在机构/登记机关",
    "估值（元）",
    "权利负担",
    "是否首封",
    "控制措施",
    "期限届满日",
]


def test_pre_disposal_list():
    document = render_pre_disposal_list(pre_disposal())
    assert document.kind is DocumentKind.PRE_DISPOSAL_LIST
    assert document.title == "（2024）粤5322执保1号 预处置财产清单"
    assert document.filename == "2024-ZHI_BAO-1-PRE_DISPOSAL_LIST.docx"
    rows = table_rows(document.content)
    assert rows == [
        HEADER,
        [
            "1",
            "不动产",
            "郁南县都城镇建设路2号301房",
            "郁南县不动产登记中心",
            "1,234,567.50",
            "抵押（郁南农商银行）",
            "是",
            "查封",
            "2027年2月7日",
        ],
        ["2", "农商银行股金", "股金10000股", "广东郁南农村商业银行股份有限公司", "—", "—", "否", "—", "—"],
        [
            "3",
            "车辆",
            "重型自卸货车 粤W12345",
            "云浮市公安局交通警察支队车辆管理所",
            "86,000.00",
            "—",
            "是",
            "扣押",
            "2026年2月7日",
        ],
    ]
    lines = paragraphs(document.content)
    assert lines[0] == "预处置财产清单"
    assert "案号：（2024）粤5322执保1号" in lines
    assert "被执行人：郁南县宏达建材有限公司、李四" in lines
    assert "接收团队：执行实施一团队" in lines
    assert "共3项；其中已估值2项，估值合计1,320,567.50元。" in lines
    assert "制表：广东省郁南县人民法院执行事务中心" in lines
    assert "制表日期：二〇二四年二月八日" in lines
    assert_no_template_syntax(document.content)


def test_pre_disposal_table_header_repeats_on_each_page():
    table = open_docx(render_pre_disposal_list(pre_disposal()).content).tables[0]
    header = table.rows[0]._tr
    assert header.trPr is not None
    assert header.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None


@pytest.mark.parametrize("count", [1, 12])
def test_pre_disposal_one_row_per_item(count):
    items = [replace(HOUSE, description=f"房产{i}", value=Decimal(i)) for i in range(1, count + 1)]
    rows = table_rows(render_pre_disposal_list(pre_disposal(items=items)).content)
    assert len(rows) == count + 1
    assert [row[0] for row in rows[1:]] == [str(i) for i in range(1, count + 1)]
    assert [row[2] for row in rows[1:]] == [f"房产{i}" for i in range(1, count + 1)]
    assert [row[4] for row in rows[1:]] == [f"{i}.00" for i in range(1, count + 1)]


def test_pre_disposal_refuses_an_empty_list():
    with pytest.raises(ValueError):
        render_pre_disposal_list(pre_disposal(items=[]))


def test_pre_disposal_refuses_a_value_with_fractions_of_a_fen():
    with pytest.raises(ValueError):
        render_pre_disposal_list(pre_disposal(items=[replace(HOUSE, value=Decimal("1.234"))]))


# --- 基准价函询函 ---------------------------------------------------------------------------


def test_benchmark_price_letter():
    document = render_benchmark_price_letter(tax_letter())
    assert document.kind is DocumentKind.BENCHMARK_PRICE_LETTER
    assert document.title == "（2024）粤5322执保1号 基准价函询函"
    assert document.filename == "2024-ZHI_BAO-1-BENCHMARK_PRICE_LETTER.docx"
    lines = paragraphs(document.content)
    text = full_text(document.content)
    assert lines[0] == COURT
    assert "国家税务总局郁南县税务局：" in lines
    assert CASE in lines
    assert "计税基准价" in text
    assert "联系人：王五（执行实施一团队）" in lines
    assert "联系电话：0766-7512345" in lines
    assert "二〇二四年十二月二十日" in lines
    assert "【院印】" in lines
    assert table_rows(document.content) == [
        ["序号", "财产类别", "不动产坐落及描述", "登记机关"],
        ["1", "不动产", "郁南县都城镇建设路2号301房", "郁南县不动产登记中心"],
    ]
    assert_no_template_syntax(document.content)


def test_benchmark_price_letter_other_addressee_and_several_properties():
    other = replace(HOUSE, description="郁南县平台镇某村宅基地房屋", institution="郁南县自然资源局")
    data = tax_letter(tax_bureau="国家税务总局云浮市税务局", properties=[HOUSE, other])
    document = render_benchmark_price_letter(data)
    assert "国家税务总局云浮市税务局：" in paragraphs(document.content)
    rows = table_rows(document.content)
    assert rows[2] == ["2", "不动产", "郁南县平台镇某村宅基地房屋", "郁南县自然资源局"]


def test_benchmark_price_letter_refuses_no_property_and_no_contact():
    with pytest.raises(ValueError):
        render_benchmark_price_letter(tax_letter(properties=[]))
    with pytest.raises(ValueError):
        render_benchmark_price_letter(tax_letter(contact_phone=""))


# --- escaping, cleaning, determinism --------------------------------------------------------


def test_special_characters_are_escaped():
    name = "A&B <公司> \"引号\" '单引号' ]]> &amp;"
    data = ruling(
        respondents=[PartyLine("法人或其他组织", name, USCC, "x<y>&z")],
        title_kind_label="民事调解书&<>",
    )
    content = render_query_control_ruling(data).content
    lines = paragraphs(content)
    assert f"被执行人：{name}，统一社会信用代码{USCC}，住所地x<y>&z。" in lines
    assert "民事调解书&<>" in full_text(content)
    raw = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert "A&amp;B &lt;公司&gt;" in raw


def test_special_characters_in_table_cells():
    item = replace(HOUSE, description="<b>房产</b> & 车库", encumbrances="抵押 & 轮候查封")
    content = render_pre_disposal_list(pre_disposal(items=[item])).content
    assert table_rows(content)[1][2] == "<b>房产</b> & 车库"
    assert table_rows(content)[1][5] == "抵押 & 轮候查封"


def test_user_text_is_never_evaluated_as_a_template():
    name = "{{ court_name }}{% if true %}x{% endif %}"
    content = render_query_control_ruling(ruling(applicants=[PartyLine("自然人", name, None)])).content
    assert f"申请执行人：{name}。" in paragraphs(content)


def test_line_breaks_and_control_characters_are_cleaned():
    name = "  李\n四\t\x07\x00\x1b  "
    content = render_query_control_ruling(ruling(respondents=[PartyLine("自然人", name, None)])).content
    assert "被执行人：李 四。" in paragraphs(content)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "{_" not in s and "_}" not in s))
def test_any_name_renders_as_text(name):
    expected = re.sub(r"[\t\n\r\v\f\x85\u2028\u2029]+", " ", name)
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", expected).strip()
    data = ruling(respondents=[PartyLine("自然人", name, None)])
    if not expected:
        with pytest.raises(ValueError):
            render_query_control_ruling(data)
        return
    content = render_query_control_ruling(data).content
    assert f"被执行人：{expected}。" in paragraphs(content)


@pytest.mark.parametrize(
    ("render", "make"),
    [
        (render_query_control_ruling, ruling),
        (render_pre_disposal_list, pre_disposal),
        (render_benchmark_price_letter, tax_letter),
    ],
)
def test_rendering_is_deterministic(render, make):
    first, second = render(make()), render(make())
    assert first == second
    assert first.content == second.content
    assert paragraphs(first.content) == paragraphs(second.content)


def test_different_input_gives_different_document():
    assert (
        render_query_control_ruling(ruling()).content
        != render_query_control_ruling(ruling(claim_amount=Decimal("125000.01"))).content
    )


# --- templates ------------------------------------------------------------------------------


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_templates", TEMPLATES / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_templates_match_the_build_script(tmp_path):
    build = load_build_script()
    written = build.build_all(tmp_path)
    assert {path.name for path in written} == {
        "query_control_ruling.docx",
        "pre_disposal_list.docx",
        "benchmark_price_letter.docx",
        "measure_renewal_notice.docx",
        "measure_release_notice.docx",
    }
    for path in written:
        assert path.read_bytes() == (TEMPLATES / path.name).read_bytes(), (
            f"{path.name} is stale: run src/exec_center/documents/templates/build_templates.py"
        )


@pytest.mark.parametrize(
    "name",
    [
        "query_control_ruling.docx",
        "pre_disposal_list.docx",
        "benchmark_price_letter.docx",
        "measure_renewal_notice.docx",
        "measure_release_notice.docx",
    ],
)
def test_templates_use_chinese_fonts_on_a4(name):
    document = docx.Document(TEMPLATES / name)
    section = document.sections[0]
    assert {round(section.page_width.cm, 1), round(section.page_height.cm, 1)} == {21.0, 29.7}
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(docx.oxml.ns.qn("w:eastAsia")) == "仿宋"
    title_run = next(p for p in document.paragraphs if p.text.strip()).runs[0]
    assert title_run.bold
    assert title_run._r.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "宋体"


def test_template_syntax_left_in_the_output_is_refused(monkeypatch):
    from exec_center.documents import render as render_module

    broken = docx.Document()
    broken.add_paragraph("{{ case_number }} {{ '{{' }} court_name }}")
    buffer = io.BytesIO()
    broken.save(buffer)
    monkeypatch.setattr(render_module, "_template_bytes", lambda kind: buffer.getvalue())
    with pytest.raises(RuntimeError, match="unrendered"):
        render_query_control_ruling(ruling())


# --- 续行 / 解除 协助执行通知书 -----------------------------------------------------------------


def measure_notice(**changes) -> MeasureNoticeData:
    base = MeasureNoticeData(
        court_name=COURT,
        case_number=CASE,
        institution="中国工商银行郁南支行",
        respondent_names=["郁南县宏达建材有限公司"],
        category_label="银行存款",
        description="活期存款账户（尾号1234）",
        measure_label="冻结",
        amount=Decimal("125000.00"),
        starts_on=date(2025, 2, 5),
        expires_on=date(2026, 2, 4),
        issued_on=date(2025, 2, 4),
        previous_expires_on=date(2025, 2, 4),
    )
    return replace(base, **changes)


def test_renewal_notice_text():
    document = render_measure_renewal_notice(measure_notice())
    assert document.kind is DocumentKind.MEASURE_RENEWAL_NOTICE
    assert document.filename == "2024-ZHI_BAO-1-MEASURE_RENEWAL_NOTICE.docx"
    lines = paragraphs(document.content)
    text = full_text(document.content)
    assert lines[:4] == [COURT, "协助执行通知书", CASE, "中国工商银行郁南支行："]
    assert "期限至2025年2月4日届满" in text
    assert "续行期限自2025年2月5日起至2026年2月4日止" in text
    assert "人民币125,000.00元，人民币壹拾贰万伍仟元整" in text
    assert "第四百八十五条第二款" in text
    assert "二〇二五年二月四日" in lines
    assert_no_template_syntax(document.content)


def test_release_notice_text():
    document = render_measure_release_notice(
        measure_notice(released_on=date(2024, 3, 1), reason="债务已经清偿", previous_expires_on=None,
                       starts_on=date(2024, 2, 5), expires_on=date(2025, 2, 4), issued_on=date(2024, 3, 1))
    )
    assert document.kind is DocumentKind.MEASURE_RELEASE_NOTICE
    text = full_text(document.content)
    assert "期限自2024年2月5日起至2025年2月4日止" in text
    assert "因债务已经清偿" in text and "请协助自2024年3月1日起解除对上述财产的冻结" in text
    assert "冻结财产的规定》第二十八条" in text
    assert_no_template_syntax(document.content)


def test_measure_notices_refuse_what_they_lack():
    with pytest.raises(ValueError, match="released_on"):
        render_measure_release_notice(measure_notice(reason="x"))
    with pytest.raises(ValueError, match="reason"):
        render_measure_release_notice(measure_notice(released_on=date(2024, 3, 1)))
    with pytest.raises(ValueError, match="previous_expires_on"):
        render_measure_renewal_notice(measure_notice(previous_expires_on=None))
