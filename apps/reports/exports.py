"""Every report as a table, and a table as CSV or XLSX that a spreadsheet cannot execute.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be read by Excel or WPS as a formula (CSV injection): such text is
prefixed with an apostrophe. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    title: str
    columns: Sequence[Any]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: numbers as numbers, text never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(tables: Sequence[Table]) -> bytes:
    """All tables one after the other, a title line and a blank line between them.

    UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(column) for column in table.columns])
        for row in table.rows:
            writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:25]}({n})"
    used.add(name)
    return name


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One worksheet per table, the header row bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([safe_cell(column) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([safe_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
