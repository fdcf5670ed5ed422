"""Exports (issue 15, item 3): what can be exported, in which format, and how long a file made
by a worker is kept."""

from __future__ import annotations

from datetime import timedelta

from .labels import LabelledEnum


class ExportKind(LabelledEnum):
    CASES = "CASES", "案件列表"
    INDICATOR = "INDICATOR", "指标表"
    # The cases behind one figure of an indicator (what indicatorCases lists).
    INDICATOR_CASES = "INDICATOR_CASES", "指标案件清单"
    SUPERVISION_ORDERS = "SUPERVISION_ORDERS", "督办令清单"


class ExportFormat(LabelledEnum):
    XLSX = "XLSX", "Excel 工作簿（.xlsx）"
    CSV = "CSV", "CSV（UTF-8）"

    @property
    def extension(self) -> str:
        return self.value.lower()


class ExportStatus(LabelledEnum):
    PENDING = "PENDING", "排队中"
    RUNNING = "RUNNING", "生成中"
    DONE = "DONE", "已完成"
    FAILED = "FAILED", "生成失败"


# A case list up to this many rows downloads at once (GET /exports/cases.xlsx); a longer one is
# made by a worker (requestExport) and fetched when ready.
DIRECT_LIMIT = 5_000
# A file made by a worker is kept this long after it is finished, then deleted.
KEPT_FOR = timedelta(days=7)
# Rows read (and progress recorded) per step of a worker's export.
BATCH = 1_000
# A worksheet holds 1,048,576 rows (Excel, WPS): the header and this many. A longer list would
# be cut off when opened, so it is refused for .xlsx (CSV has no such limit).
XLSX_MAX_ROWS = 1_048_575


def too_long_for_xlsx(rows: int) -> str | None:
    """Why a list of `rows` cannot be an .xlsx (zh-CN, for the requester), or None."""
    if rows <= XLSX_MAX_ROWS:
        return None
    return (f"共 {rows:,} 行，超过 Excel 工作表的上限 {XLSX_MAX_ROWS:,} 行；"
            "请缩小范围（如按收案日期分段）或改为导出 CSV")
