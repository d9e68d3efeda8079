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
            yield from _numbered(csv.reader(handle, delimiter=self.delimiter))


def _numbered(reader) -> Iterator[Record]:
    """Non-empty records of a csv reader with their first line."""
    previous_end = 0
    for cells in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if cells and cells != [""]:
            yield start, cells


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
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    found = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row and row != [""]]
    return found[:rows], Reading(encoding, delimiter)
