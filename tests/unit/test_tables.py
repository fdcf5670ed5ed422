"""The spreadsheet writer (documents/tables.py): any table as .xlsx or CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl

from exec_center.documents import tables
from exec_center.documents.tables import Table, csv_bytes, csv_chunks, xlsx_bytes

HEADERS = ["案号", "标的额（元）", "收案日期", "足额查控", "备注"]


def rows(n: int) -> list[list]:
    return [[f"（2024）粤5322执保{i}号", Decimal("1250.5"), date(2024, 2, 8), i % 2 == 0, None] for i in range(n)]


def test_xlsx_keeps_numbers_and_dates_as_such() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(Table(HEADERS, rows(2), title="案件列表"))))
    sheet = book.active
    assert sheet.title == "案件列表" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == HEADERS and sheet["A1"].font.bold
    assert sheet["B2"].value == 1250.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].value.date() == date(2024, 2, 8) and sheet["C2"].number_format == "yyyy-mm-dd"
    assert (sheet["D2"].value, sheet["D3"].value, sheet["E2"].value) == ("是", "否", None)


def test_csv_is_streamed_in_chunks_from_a_generator() -> None:
    table = Table(HEADERS, (r for r in rows(tables.CSV_CHUNK_ROWS * 2 + 1)))
    chunks = list(csv_chunks(table))
    assert len(chunks) == 3 and chunks[0].startswith("\ufeff案号".encode())
    read = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert read[0] == HEADERS and len(read) == tables.CSV_CHUNK_ROWS * 2 + 2
    assert read[1] == ["（2024）粤5322执保0号", "1250.50", "2024-02-08", "是", ""]


def test_the_incremental_writers_write_what_the_one_shot_functions_do() -> None:
    writer = tables.CsvWriter(HEADERS)
    for row in rows(3):
        writer.append(row)
    assert writer.finish() == csv_bytes(Table(HEADERS, rows(3)))


def test_a_sheet_name_excel_refuses_is_cleaned() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(Table(["a"], [], title="案件/列表:2024年[全部]" * 3))))
    assert len(book.active.title) <= 31 and not set("/:[]") & set(book.active.title)
