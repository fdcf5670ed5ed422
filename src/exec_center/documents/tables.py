"""Tables as spreadsheets: a header row and rows of plain values, written as .xlsx (openpyxl, in
write-only mode: rows go to the file as they come, not held as cell objects) or as CSV.

The CSV is UTF-8 with a byte-order mark: Excel and WPS read a CSV without one in the machine's
ANSI code page (GBK on a Chinese Windows) and show the zh-CN headers as mojibake; with it they read
UTF-8. Lines end with CRLF (RFC 4180).

Text that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first, OWASP's "CSV
injection") stays text: in the .xlsx its cell is typed as a string; in the CSV it gets a leading
apostrophe, which Excel and WPS hide. A party's name is typed by whoever files a case; opening
an export must not run it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
# Cells a spreadsheet reads as a formula (and tab / CR, which some read as a separator first).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_AMOUNT_FORMAT = "#,##0.00"
# Rows of CSV per streamed chunk.
CSV_CHUNK_ROWS = 500


@dataclass(frozen=True)
class Table:
    """What an export writes: zh-CN `headers` and `rows` of str, int, Decimal, date, datetime,
    bool or None, one value per header. `rows` may be a generator (read once). Datetimes are
    written as their wall-clock time (give them in the court's time zone)."""

    headers: list[str]
    rows: Iterable[Sequence[Any]]
    title: str = "导出"  # the worksheet's name


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV, a chunk of rows at a time (the first chunk starts with the BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([_text(h) for h in table.headers])
    pending = 0
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
        pending += 1
        if pending >= CSV_CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def csv_bytes(table: Table) -> bytes:
    return b"".join(csv_chunks(table))


def xlsx_bytes(table: Table) -> bytes:
    writer = XlsxWriter(table.headers, table.title)
    for row in table.rows:
        writer.append(row)
    return writer.finish()


class XlsxWriter:
    """One worksheet written a row at a time (openpyxl's write-only mode keeps written rows in a
    temporary file, not in memory): a bold header row kept in view, dates and amounts as numbers
    with their formats (so that a spreadsheet can sum and sort them)."""

    def __init__(self, headers: Sequence[str], title: str = "导出") -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._make = WriteOnlyCell
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title=_sheet_title(title))
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for name in headers:
            cell = WriteOnlyCell(self._sheet, value=name)
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)

    def append(self, row: Sequence[Any]) -> None:
        self._sheet.append([_cell(self._sheet, value, self._make) for value in row])

    def finish(self) -> bytes:
        out = io.BytesIO()
        self._workbook.save(out)
        return out.getvalue()


class CsvWriter:
    """The CSV of `csv_chunks`, written a row at a time into one buffer."""

    def __init__(self, headers: Sequence[str]) -> None:
        self._text = io.StringIO()
        self._out = io.BytesIO()
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self._text.write(BOM)
        self._writer.writerow([_text(h) for h in headers])
        self._pending = 0

    def append(self, row: Sequence[Any]) -> None:
        self._writer.writerow([_text(v) for v in row])
        self._pending += 1
        if self._pending >= CSV_CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        self._out.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()
        self._pending = 0

    def finish(self) -> bytes:
        self._flush()
        return self._out.getvalue()


def _cell(sheet: Any, value: Any, make: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return "是" if value is True else "否" if value is False else value
    if isinstance(value, Decimal):
        cell = make(sheet, value=value)
        cell.number_format = _AMOUNT_FORMAT
        return cell
    if isinstance(value, datetime):
        cell = make(sheet, value=value.replace(tzinfo=None))  # Excel has no time zones
        cell.number_format = _DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = make(sheet, value=value)
        cell.number_format = _DATE_FORMAT
        return cell
    cell = make(sheet, value=str(value))
    cell.data_type = "s"  # never a formula, whatever it starts with
    return cell


def _sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "导出"
    return cleaned[:31]
