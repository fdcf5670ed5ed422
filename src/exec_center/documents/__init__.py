"""Court documents rendered as .docx from docxtpl templates (``templates/``).

- 财产查控裁定书 (work rules Art. 14): :func:`render_query_control_ruling`
- 预处置财产清单 (Art. 19): :func:`render_pre_disposal_list`
- 基准价函询函 to the county tax bureau (Art. 19): :func:`render_benchmark_price_letter`
- 续行 / 解除 查封、扣押、冻结协助执行通知书 to the bank or registry (民诉法解释 2022 art. 485;
  SPC provisions on seizure, sealing and freezing in civil execution (2020), art. 28):
  :func:`render_measure_renewal_notice`, :func:`render_measure_release_notice`

Inputs are plain frozen dataclasses; the result is a :class:`RenderedDocument` (bytes, title,
download file name). The templates are built by ``templates/build_templates.py``.
"""

from .formatting import amount_in_chinese, amount_in_figures, date_in_chinese
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
from .render import (
    case_number_slug,
    render_benchmark_price_letter,
    render_measure_release_notice,
    render_measure_renewal_notice,
    render_pre_disposal_list,
    render_query_control_ruling,
)

__all__ = [
    "DisposableItem",
    "DocumentKind",
    "MeasureNoticeData",
    "PartyLine",
    "PreDisposalData",
    "RenderedDocument",
    "RulingData",
    "TaxLetterData",
    "amount_in_chinese",
    "amount_in_figures",
    "case_number_slug",
    "date_in_chinese",
    "render_benchmark_price_letter",
    "render_measure_release_notice",
    "render_measure_renewal_notice",
    "render_pre_disposal_list",
    "render_query_control_ruling",
]
