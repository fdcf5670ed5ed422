"""Build the .docx templates of the court documents (docxtpl / Jinja2 placeholders inside).

Run from the project root after changing the wording or the layout, and commit both this
script and the .docx files it writes::

    .venv/bin/python src/exec_center/documents/templates/build_templates.py

Needs only python-docx. The output is byte-for-byte reproducible (fixed document properties,
fixed zip timestamps), so a test can check that the committed templates match this script.

Layout follows the usual practice for court documents and official letters (GB/T 9704): A4,
margins 3.7 / 3.5 / 2.8 / 2.6 cm, court name and title in bold 宋体 二号 centred, body in 仿宋
三号 with a two-character first-line indent and a fixed 28 pt line pitch. The pre-disposal list
is A4 landscape with a real Word table whose header row repeats on every page.

Each placeholder is written into a single run so that docxtpl sees it whole. Table rows repeat
with ``{%tr for … %}`` / ``{%tr endfor %}`` rows; paragraphs with ``{%p for … %}`` /
``{%p endfor %}`` paragraphs.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent

QUERY_CONTROL_RULING = "query_control_ruling.docx"
PRE_DISPOSAL_LIST = "pre_disposal_list.docx"
BENCHMARK_PRICE_LETTER = "benchmark_price_letter.docx"
MEASURE_RENEWAL_NOTICE = "measure_renewal_notice.docx"
MEASURE_RELEASE_NOTICE = "measure_release_notice.docx"

# 《中华人民共和国民事诉讼法》(2023年修正, in force 2024-01-01): 第二百五十三条 — query,
# seize, freeze, transfer (划拨) and realise deposits, bonds, shares, fund shares…;
# 第二百五十五条 — seal, seize, freeze, auction and sell other property. (Same articles
# as 第二百四十九条/第二百五十一条 of the 2021 text.)
LEGAL_BASIS = "《中华人民共和国民事诉讼法》第二百五十三条、第二百五十五条"
WORK_RULES = "《郁南县人民法院执行事务中心工作规程》"
# Renewal: 民诉法解释 (2022) 第四百八十五条第二款. Release: 《最高人民法院关于人民法院民事执行中
# 查封、扣押、冻结财产的规定》(2020年修正) 第二十八条 (第三十一条 before 2020).
RENEWAL_BASIS = "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第四百八十五条"
RELEASE_BASIS = "《最高人民法院关于人民法院民事执行中查封、扣押、冻结财产的规定》第二十八条"

SONG = "宋体"
FANG_SONG = "仿宋"
HEI = "黑体"
LATIN = "Times New Roman"

ER_HAO = Pt(22)  # 二号
XIAO_ER = Pt(18)  # 小二
SAN_HAO = Pt(16)  # 三号
SI_HAO = Pt(14)  # 四号
XIAO_SI = Pt(12)  # 小四
WU_HAO = Pt(10.5)  # 五号

INDENT = Pt(32)  # two characters of 三号
FIXED_DATE = datetime(2024, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SIGN_LINE = "________________"


# --- low-level helpers ----------------------------------------------------------------------


# Children of w:rPr in schema order (ECMA-376 CT_RPr); Word rejects them out of order.
RPR_ORDER = (
    "w:rStyle w:rFonts w:b w:bCs w:i w:iCs w:caps w:smallCaps w:strike w:dstrike w:outline"
    " w:shadow w:emboss w:imprint w:noProof w:snapToGrid w:vanish w:webHidden w:color w:spacing"
    " w:w w:kern w:position w:sz w:szCs w:highlight w:u w:effect w:bdr w:shd w:fitText"
    " w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout w:specVanish w:oMath"
).split()


def _rpr_child(rpr, tag: str):
    """Get or add ``tag`` under ``w:rPr``, keeping the schema's child order (Word insists)."""
    element = rpr.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        successors = RPR_ORDER[RPR_ORDER.index(tag) + 1 :]
        rpr.insert_element_before(element, *successors)
    return element


def _fonts(fonts, east_asia: str, latin: str = LATIN) -> None:
    """Explicit fonts on a ``w:rFonts``. Theme attributes go: they would win over explicit ones."""
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN) -> None:
    """Set the Latin and the East Asian font on a run's or a style's ``w:rPr``."""
    _fonts(rpr_parent.get_or_add_rPr().get_or_add_rFonts(), east_asia, latin)


def _set_language(rpr) -> None:
    lang = _rpr_child(rpr, "w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.attrib.pop(qn("w:bidi"), None)


def _set_document_defaults(doc: DocxDocument) -> None:
    """python-docx's default template sets theme fonts and en-US in w:docDefaults: replace them."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(_rpr_child(rpr, "w:rFonts"), FANG_SONG)
    _set_language(rpr)


def _new_document(*, landscape: bool, body_size: Pt, line_pitch: Pt, title: str) -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.0)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance = section.footer_distance = Cm(1.5)

    _set_document_defaults(doc)
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, FANG_SONG)
    _set_language(normal.element.get_or_add_rPr())
    normal.font.size = body_size
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line_pitch
    fmt.widow_control = True

    props = doc.core_properties
    props.title = title
    props.subject = title
    props.author = "郁南县人民法院执行事务中心"
    props.last_modified_by = "build_templates.py"
    props.comments = "docxtpl 模板，由 build_templates.py 生成，请勿手工修改"
    props.keywords = ""
    props.category = "模板"
    props.language = "zh-CN"
    props.revision = 1
    props.created = props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    return doc


def _format_run(run, *, font: str, size: Pt | None, bold: bool, spacing: int | None) -> None:
    _set_fonts(run._r, font)
    if size is not None:
        run.font.size = size
    if bold:
        run.font.bold = True
    if spacing:
        element = _rpr_child(run._r.get_or_add_rPr(), "w:spacing")
        element.set(qn("w:val"), str(spacing))  # twentieths of a point


def _fill(
    paragraph: Paragraph,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    font: str = FANG_SONG,
    size: Pt | None = None,
    bold: bool = False,
    indent: bool = False,
    spacing: int | None = None,
    before: Pt | None = None,
    after: Pt | None = None,
    line_pitch: Pt | None = None,
    keep_with_next: bool = False,
) -> Paragraph:
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if indent:
        fmt.first_line_indent = INDENT
    if before is not None:
        fmt.space_before = before
    if after is not None:
        fmt.space_after = after
    if line_pitch is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line_pitch
    if keep_with_next:
        fmt.keep_with_next = True
    if text:
        _format_run(paragraph.add_run(text), font=font, size=size, bold=bold, spacing=spacing)
    return paragraph


def _para(doc: DocxDocument, text: str = "", **kwargs) -> Paragraph:
    return _fill(doc.add_paragraph(), text, **kwargs)


def _heading(doc: DocxDocument, text: str, *, size: Pt = ER_HAO, spacing: int | None = None, **kw) -> None:
    _para(
        doc,
        text,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=SONG,
        size=size,
        bold=True,
        spacing=spacing,
        line_pitch=Pt(size.pt * 1.6),
        keep_with_next=True,
        **kw,
    )


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    trpr.append(cant_split)


def _cell_text(cell: _Cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER, size=WU_HAO):
    paragraph = cell.paragraphs[0]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    _fill(paragraph, text, align=align, font=HEI if bold else FANG_SONG, size=size, bold=bold)


def _table(
    doc: DocxDocument,
    columns: Sequence[tuple[str, float, str, WD_ALIGN_PARAGRAPH]],
    loop: str,
    size: Pt = WU_HAO,
) -> None:
    """A table: header row, ``{%tr for %}`` row, one templated row, ``{%tr endfor %}`` row.

    ``columns``: (header, width in cm, cell template, alignment of the templated cell).
    """
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, (header, width, placeholder, align) in enumerate(columns):
        for row in table.rows:
            row.cells[index].width = Cm(width)
        table.columns[index].width = Cm(width)
        head = table.rows[0].cells[index]
        _cell_text(head, header, bold=True, size=size)
        _shade(head, "D9D9D9")
        _cell_text(table.rows[2].cells[index], placeholder, align=align, size=size)
    _repeat_header(table.rows[0])
    _cell_text(table.rows[1].cells[0], f"{{%tr for {loop} %}}", size=size)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}", size=size)
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    table.rows[2]._tr.get_or_add_trPr().append(cant_split)


# --- the three templates --------------------------------------------------------------------

PARTY = (
    "{{ party.name }}"
    "{% if party.id_number %}，{{ party.id_label }}{{ party.id_number }}{% endif %}"
    "{% if party.address %}，{{ party.address_label }}{{ party.address }}{% endif %}。"
)


def build_query_control_ruling() -> DocxDocument:
    """财产查控裁定书 (work rules Art. 14)."""
    doc = _new_document(landscape=False, body_size=SAN_HAO, line_pitch=Pt(28), title="执行裁定书")
    _heading(doc, "{{ court_name }}")
    _heading(doc, "执行裁定书", spacing=200, after=Pt(14))
    _para(doc, "{{ case_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=Pt(14))

    _para(doc, "{%p for party in applicants %}")
    _para(doc, "申请执行人：" + PARTY, indent=True)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p for party in respondents %}")
    _para(doc, "被执行人：" + PARTY, indent=True)
    _para(doc, "{%p endfor %}")

    _para(
        doc,
        "本院在办理申请执行人{{ applicant_names }}与被执行人{{ respondent_names }}执行一案中，"
        "执行依据{{ title_document_number }}{{ title_kind_label }}已经发生法律效力，"
        "被执行人未履行该法律文书确定的义务，申请执行金额为¥{{ claim_amount_figures }}"
        "（{{ claim_amount_words }}）。依照" + LEGAL_BASIS + "规定，裁定如下：",
        indent=True,
    )
    # The 执保 case only holds property: 查封、扣押、冻结 (CPL 2023 art. 106). Deduction (扣划)
    # is ordered in the 执 case, so this ruling does not order it (domain.assets.PRESERVATION_MEASURES).
    _para(
        doc,
        "一、查询、冻结被执行人{{ respondent_names }}名下的银行存款及其他资金；",
        indent=True,
    )
    _para(
        doc,
        "二、查询、查封、扣押、冻结被执行人{{ respondent_names }}名下的其他财产。",
        indent=True,
    )
    _para(doc, "上述财产的查询、控制以人民币{{ claim_amount_figures }}元为限。", indent=True)
    _para(doc, "本裁定送达后立即生效。", indent=True)

    _para(doc, "", before=Pt(28))
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "审判长　" + SIGN_LINE, align=right, keep_with_next=True)
    _para(doc, "执行员　" + SIGN_LINE, align=right, keep_with_next=True)
    _para(doc, "", keep_with_next=True)
    _para(doc, "{{ ruled_on_chinese }}", align=right, keep_with_next=True)
    _para(doc, "本件与原本核对无异", keep_with_next=True)
    _para(doc, "书记员　" + SIGN_LINE, align=right)
    return doc


def build_pre_disposal_list() -> DocxDocument:
    """预处置财产清单 handed to the implementation team (work rules Art. 19)."""
    doc = _new_document(landscape=True, body_size=SI_HAO, line_pitch=Pt(26), title="预处置财产清单")
    _heading(doc, "预处置财产清单", size=XIAO_ER, spacing=100, after=Pt(12))
    _para(doc, "案号：{{ case_number }}")
    _para(doc, "被执行人：{{ respondent_names }}")
    _para(doc, "接收团队：{{ team_name }}")
    _para(
        doc,
        "经集约查控，发现被执行人名下有下列可处置财产。根据" + WORK_RULES + "第十九条，"
        "现将本清单移交{{ team_name }}，对预处置财产的相关信息进行调查、收集。",
        indent=True,
        after=Pt(8),
    )
    center, left, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
    _table(
        doc,
        [
            ("序号", 1.2, "{{ item.index }}", center),
            ("财产类别", 2.2, "{{ item.category }}", center),
            ("财产名称/描述", 6.0, "{{ item.description }}", left),
            ("所在机构/登记机关", 3.8, "{{ item.institution }}", left),
            ("估值（元）", 2.8, "{{ item.value }}", right),
            ("权利负担", 3.3, "{{ item.encumbrances }}", left),
            ("是否首封", 1.6, "{{ item.first_seal }}", center),
            ("控制措施", 2.2, "{{ item.measure }}", center),
            ("期限届满日", 2.6, "{{ item.expires_on }}", center),
        ],
        "item in items",
    )
    _para(
        doc,
        "共{{ item_count }}项；其中已估值{{ valued_count }}项，估值合计{{ valued_total }}元。",
        before=Pt(8),
    )
    _para(doc, "制表：{{ court_name }}执行事务中心", before=Pt(12), keep_with_next=True)
    _para(doc, "制表日期：{{ prepared_on_chinese }}", keep_with_next=True)
    _para(doc, "接收人（签名）：" + SIGN_LINE + "　　接收日期：" + SIGN_LINE)
    return doc


def build_benchmark_price_letter() -> DocxDocument:
    """基准价函询函 to the county tax bureau (work rules Art. 19)."""
    doc = _new_document(landscape=False, body_size=SAN_HAO, line_pitch=Pt(28), title="基准价函询函")
    _heading(doc, "{{ court_name }}")
    _heading(doc, "关于提供不动产计税基准价的函", after=Pt(14))
    _para(doc, "{{ case_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=Pt(14))
    _para(doc, "{{ tax_bureau }}：")
    _para(
        doc,
        "本院在办理{{ case_number }}执行案件过程中，依法对下列不动产采取了控制措施，拟依法处置。"
        "根据《最高人民法院关于人民法院确定财产处置参考价若干问题的规定》，"
        "现函请贵局协助提供下列不动产的计税基准价，作为本院确定财产处置参考价的依据：",
        indent=True,
        after=Pt(8),
    )
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    _table(
        doc,
        [
            ("序号", 1.4, "{{ item.index }}", center),
            ("财产类别", 2.4, "{{ item.category }}", center),
            ("不动产坐落及描述", 7.4, "{{ item.description }}", left),
            ("登记机关", 4.4, "{{ item.institution }}", left),
        ],
        "item in properties",
        size=XIAO_SI,
    )
    _para(doc, "请贵局收到本函后，将上述不动产的计税基准价书面回复本院。", indent=True, before=Pt(8))
    _para(doc, "联系人：{{ contact_name }}（{{ team_name }}）", indent=True)
    _para(doc, "联系电话：{{ contact_phone }}", indent=True)
    _para(doc, "特此函询。", indent=True)

    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "", before=Pt(28), keep_with_next=True)
    _para(doc, "{{ court_name }}", align=right, keep_with_next=True)
    _para(doc, "{{ sent_on_chinese }}", align=right, keep_with_next=True)
    _para(doc, "【院印】", align=right)
    return doc


def _measure_notice(title: str, body: Sequence[str]) -> DocxDocument:
    doc = _new_document(landscape=False, body_size=SAN_HAO, line_pitch=Pt(28), title=title)
    _heading(doc, "{{ court_name }}")
    _heading(doc, "协助执行通知书", spacing=200, after=Pt(14))
    _para(doc, "{{ case_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=Pt(14))
    _para(doc, "{{ institution }}：")
    for text in body:
        _para(doc, text, indent=True)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "", before=Pt(28), keep_with_next=True)
    _para(doc, "{{ court_name }}", align=right, keep_with_next=True)
    _para(doc, "{{ issued_on_chinese }}", align=right, keep_with_next=True)
    _para(doc, "【院印】", align=right)
    return doc


ASSET = (
    "被执行人{{ respondent_names }}名下的{{ category }}：{{ description }}"
    "（{{ measure }}金额人民币{{ amount_figures }}元，{{ amount_words }}）"
)


def build_measure_renewal_notice() -> DocxDocument:
    """续行查封、扣押、冻结协助执行通知书 (民诉法解释 2022 art. 485 para. 2)."""
    return _measure_notice(
        "续行查封、扣押、冻结协助执行通知书",
        [
            "本院在执行{{ case_number }}案件中，已依法" + ASSET + "采取{{ measure }}措施，"
            "期限至{{ previous_expires_on }}届满。",
            "依照" + RENEWAL_BASIS + "第二款规定，请协助续行{{ measure }}上述财产，续行期限自"
            "{{ starts_on }}起至{{ expires_on }}止。",
            "特此通知。",
        ],
    )


def build_measure_release_notice() -> DocxDocument:
    """解除查封、扣押、冻结协助执行通知书 (SPC provisions (2020) art. 28)."""
    return _measure_notice(
        "解除查封、扣押、冻结协助执行通知书",
        [
            "本院在执行{{ case_number }}案件中，已依法" + ASSET + "采取{{ measure }}措施，"
            "期限自{{ starts_on }}起至{{ expires_on }}止。",
            "因{{ reason }}，依照" + RELEASE_BASIS + "规定，请协助自{{ released_on }}起解除对"
            "上述财产的{{ measure }}。",
            "特此通知。",
        ],
    )


BUILDERS = {
    QUERY_CONTROL_RULING: build_query_control_ruling,
    PRE_DISPOSAL_LIST: build_pre_disposal_list,
    BENCHMARK_PRICE_LETTER: build_benchmark_price_letter,
    MEASURE_RENEWAL_NOTICE: build_measure_renewal_notice,
    MEASURE_RELEASE_NOTICE: build_measure_release_notice,
}


# --- output ---------------------------------------------------------------------------------


def reproducible_zip(data: bytes) -> bytes:
    """Re-pack a .docx with fixed timestamps and permissions so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build_bytes(name: str) -> bytes:
    buffer = io.BytesIO()
    BUILDERS[name]().save(buffer)
    return reproducible_zip(buffer.getvalue())


def build_all(out_dir: Path = HERE) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BUILDERS:
        path = out_dir / name
        path.write_bytes(build_bytes(name))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else HERE
    for path in build_all(out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
