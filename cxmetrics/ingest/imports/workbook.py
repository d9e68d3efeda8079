"""Excel workbooks (.xlsx, and the .xls and .ods the same reader takes): the first sheet's rows as text cells, each
with its row number, so an export saved as a workbook reads like its CSV.

Read with python-calamine (Rust's calamine): about seven times faster than openpyxl's read-only mode on a
200,000-row export, at the cost of holding the sheet in memory (see benchmarks/bench_workbook.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

Row = tuple[int, list[str]]  # (the sheet's row number, its cells as text)

# The first bytes of a zip container (.xlsx, .ods) and of an OLE2 compound file (.xls).
MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def is_workbook(path: Path) -> bool:
    """Whether `path` is a workbook, whatever its name says (an .xlsx renamed .csv is still one)."""
    with open(path, "rb") as handle:
        return handle.read(4) in MAGIC


def cell_text(value: object) -> str:
    """A cell as the tool's CSV would write it: whole numbers without '.0', times to the second, True / False."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


class UnreadableWorkbook(Exception):
    """A file that looks like a workbook but cannot be read as one."""


def rows(path: Path) -> Iterator[Row]:
    """The non-empty rows of the first sheet with their row numbers, columns placed as in the sheet."""
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableWorkbook(f"{path.name}: not a workbook this importer can read ({exc})") from exc
    padding = [""] * (sheet.start[1] if sheet.start else 0)
    for index, values in enumerate(sheet.iter_rows()):
        cells = [cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            yield index + 1, padding + cells
