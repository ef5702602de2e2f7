"""The CSV and XLSX writers of the reports, and their file names.

A report is a list of Tables (a title, rows of cells, which rows are headers). The exports are ledgers
(台账) handed to education bureaus, so the callers write fixed Chinese labels whatever language the site is
shown in. Text a spreadsheet could run as a formula is never written as one (CSV injection).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .semesters import Semester

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


class Percent(float):
    """A share (0.0–1.0) that CSV writes as "66.7%" and XLSX as a number in percent format."""


@dataclass
class Table:
    title: str
    rows: list[list]
    header_rows: set[int]


def csv_safe(value):
    """Text a spreadsheet could run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _percent_text(value: float) -> str:
    return f"{value * 100:.1f}%"


def tables_csv(tables) -> bytes:
    """UTF-8 with a BOM (so Excel on Windows reads the Chinese), the tables one after another with a blank
    line between them."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        for row in ([[]] if index else []) + table.rows:
            writer.writerow([_percent_text(v) if isinstance(v, Percent) else csv_safe(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _display_width(value) -> int:
    text = _percent_text(value) if isinstance(value, Percent) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def tables_xlsx(tables, *, frozen=lambda title: False, number_formats=None, min_width=10) -> bytes:
    """Tables (title, rows, header_rows) as a workbook, one sheet each, header rows bold. Text a
    spreadsheet would run as a formula is written as text; `number_formats` maps a value type to its
    Excel format (Percent is "0.0%"); `frozen(title)` freezes the sheet's first row."""
    formats = {Percent: "0.0%", **(number_formats or {})}
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.title)
        widths: dict[int, int] = {}
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                number_format = next((fmt for kind, fmt in formats.items() if isinstance(value, kind)), None)
                if number_format:
                    cell.value = float(value)
                    cell.number_format = number_format
                elif isinstance(value, str):
                    cell.value = value
                    if value.startswith(_FORMULA_STARTS):
                        # Text, never a formula: Excel's own apostrophe prefix (not shown in the cell).
                        cell.data_type = "s"
                        cell.quotePrefix = True
                else:
                    cell.value = value
                if r - 1 in table.header_rows:
                    cell.font = bold
                # Long one-off notes (统计口径) may overflow; they should not make a column huge.
                widths[c] = max(widths.get(c, 0), min(_display_width(value), 40))
        for c, width in widths.items():
            sheet.column_dimensions[get_column_letter(c)].width = max(min_width, width + 2)
        if frozen(table.title):
            sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- File names ----------------------------------------------------------------------------------------


def export_filenames(*, name: str, title: str, who: str, semester: Semester, extension: str,
                     fallback: str) -> tuple[str, str]:
    """(ASCII fallback, full name) of a report's export: `kexiang-<name>-<semester code>.<extension>` and
    `<title>_<who>_<semester label>.<extension>`, e.g. `kexiang-figures-school-3-2026-autumn.csv` and
    `课享学期数据_示例第1小学_2026–2027学年第一学期.csv`. Characters a file system or a header would trip on
    become "_" in `who` (which is cut to 80 characters, or `fallback` when nothing is left) and go from
    the label."""
    who = _UNSAFE_IN_FILENAME.sub("_", who).strip("._")[:80] or fallback
    label = _UNSAFE_IN_FILENAME.sub("", semester.label_zh)
    return f"kexiang-{name}-{semester.code}.{extension}", f"{title}_{who}_{label}.{extension}"


def content_disposition(ascii_name: str, full_name: str) -> str:
    """`attachment` with an ASCII `filename` for old clients and an RFC 5987 `filename*` for the rest."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full_name, safe='')}"


def export_response(content: bytes, *, content_type: str, filenames: tuple[str, str]) -> HttpResponse:
    """The download: `content` as an attachment named by `filenames` (export_filenames)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(*filenames)
    return response
