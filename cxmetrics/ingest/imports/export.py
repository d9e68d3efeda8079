"""What every survey tool's export becomes once read: named fields, records with their own line numbers, drop rules."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cxmetrics.ingest.imports import workbook

HEADER_SCAN_ROWS = 4


class ImportFailed(Exception):
    """A problem that stops an import before anything is loaded; the message names the file and what to do."""


@dataclass(frozen=True)
class Field:
    """One column of an export: the stable id a mapping names it by, other names it answers to, its stated zone."""

    id: str
    names: tuple[str, ...] = ()
    zone: str | None = None


Record = tuple[int, list[str]]  # (the export's line of the record's first line, its cells)
DropRule = Callable[[list[str]], str | None]


@dataclass(frozen=True)
class Export:
    """A detected export: its tool, fields, where data starts, the response id and submit time, and its drop rule."""

    tool: str
    path: Path
    fields: tuple[Field, ...]
    header_rows: int
    submitted_at: str
    response_id: str | None = None
    drop: DropRule = field(default=lambda cells: None)
    reading: Reading = field(default_factory=lambda: Reading())
    stated_zone: str | None = None

    def index(self, name: str) -> int:
        """The position of the column a mapping calls `name`: its id, another of its names, or `#N` (1-based)."""
        if re.fullmatch(r"#\d+", name) and 0 < int(name[1:]) <= len(self.fields):
            return int(name[1:]) - 1
        for position, fld in enumerate(self.fields):
            if fld.id == name:
                return position
        for position, fld in enumerate(self.fields):
            if name in fld.names:
                return position
        known = ", ".join(f.id for f in self.fields[:40])
        raise ImportFailed(f"{self.path.name}: no column {name!r} (columns: {known})")

    def has(self, name: str) -> bool:
        """Whether a column answers to `name`."""
        return any(f.id == name or name in f.names for f in self.fields)

    def records(self) -> Iterator[Record]:
        """The data records with the line each starts on (blank lines skipped; header rows not counted as data)."""
        for seen, record in enumerate(self.reading.rows(self.path)):
            if seen >= self.header_rows:
                yield record


@dataclass(frozen=True)
class Reading:
    """How an export's rows are read: text in an encoding with a delimiter, or a workbook's first sheet."""

    encoding: str = "utf-8-sig"
    delimiter: str = ","
    workbook: bool = False

    def rows(self, path: Path) -> Iterator[Record]:
        """Every non-empty row with the line (or the sheet's row) it starts on."""
        if self.workbook:
            try:
                yield from workbook.rows(path)
            except workbook.UnreadableWorkbook as exc:
                raise ImportFailed(str(exc)) from exc
            return
        with open(path, encoding=self.encoding, newline="") as handle:
            yield from _numbered(path, handle, self.encoding, self.delimiter)


def _numbered(path: Path, lines: Iterator[str], encoding: str, delimiter: str) -> Iterator[Record]:
    """Non-empty records of a text file with their first line; a quote left open stops the import (it would swallow
    the rows after it): one whose value runs over lines that look like rows, or one still open at the end."""
    quotes = [0]

    def counted() -> Iterator[str]:
        for line in lines:
            quotes[0] += line.count('"')
            yield line

    reader = csv.reader(counted(), delimiter=delimiter)
    previous_end, width, last = 0, 0, None
    for cells in _guarded(path, reader):
        start, previous_end = previous_end + 1, reader.line_num
        if cells and cells != [""]:
            width = width or len(cells)
            if reader.line_num > start:  # only a record over several lines can hold swallowed rows
                _refuse_swallowed_rows(path, start, cells, width, delimiter)
            last = (start, len(cells))
            yield start, cells
    if quotes[0] % 2 and last and _ends_inside_a_quote(path, encoding, delimiter):
        raise _unterminated(path, *last, "runs to the end of the file")


def _ends_inside_a_quote(path: Path, encoding: str, delimiter: str) -> bool:
    """Whether the file ends inside a quoted value (an odd number of quotes may also be a quote inside a value)."""
    with open(path, encoding=encoding, newline="") as handle:
        try:
            for _ in csv.reader(handle, delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
    return False


def _guarded(path: Path, reader) -> Iterator[list[str]]:
    """The records of a csv reader; one it cannot read stops the import with the file and line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFailed(f"{path.name}: line {reader.line_num}: not readable as CSV ({exc})") from exc


def _unterminated(path: Path, line: int, column: int, what: str) -> ImportFailed:
    return ImportFailed(
        f"{path.name}: line {line}: column #{column}: unterminated quote: the quoted value that opens here {what}; "
        'close it (a quote inside a value is written as two: "")'
    )


def _refuse_swallowed_rows(path: Path, line: int, cells: list[str], width: int, delimiter: str) -> None:
    """A value holding lines with a row's worth of delimiters was opened by a quote left open."""
    for position, value in enumerate(cells, start=1):
        if "\n" in value:
            rows = sum(part.count(delimiter) >= width - 1 for part in value.split("\n")[1:])
            if rows:
                raise _unterminated(path, line, position, f"runs over {rows} lines that look like rows")


def sniff_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, the encoding of an Excel re-save on Windows."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return "cp1252"
    return "utf-8-sig"


def first_rows(path: Path, rows: int = HEADER_SCAN_ROWS) -> tuple[list[list[str]], Reading]:
    """The first non-empty rows of a file and how to read it: a workbook, or text in its encoding with its delimiter
    (comma, semicolon or tab: the most common in line 1)."""
    if workbook.is_workbook(path):
        reading = Reading(workbook=True)
        return [cells for _, cells in itertools.islice(reading.rows(path), rows)], reading
    encoding = sniff_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        text = handle.read(1 << 20)
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reading = Reading(encoding, delimiter)
    records = _numbered(path, io.StringIO(text, newline=""), encoding, delimiter)
    found = [cells for _, cells in itertools.islice(records, rows)]
    return found, reading
