"""Find a data folder's files and read each as text columns with the line (CSV) or row (Parquet) of every record."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmetrics.schema import TABLES

SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")


class LoadError(Exception):
    """A problem that stops a whole load; the message names the file, line and column where known."""


@dataclass(frozen=True)
class Source:
    """One file of a data folder and the table it feeds."""

    table: str
    path: Path

    @property
    def is_parquet(self) -> bool:
        """Whether the file is Parquet (rows are numbered) rather than CSV (lines are numbered)."""
        return self.path.suffix == ".parquet"


def find_sources(folder: Path) -> tuple[list[Source], list[str]]:
    """The contract tables present in `folder`, in load order, and the names of files that are ignored."""
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a folder")
    sources, used = [], set()
    for table in TABLES:
        found = [
            folder / f"{table.name}{suffix}" for suffix in SUFFIXES if (folder / f"{table.name}{suffix}").is_file()
        ]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise LoadError(f"{folder}: both {names} exist; keep one file per table")
        if found:
            sources.append(Source(table.name, found[0]))
            used.add(found[0].name)
    ignored = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in used and p.suffix != ".json")
    return sources, ignored


def _csv_header(path: Path) -> list[str]:
    """The header names of a CSV file, trimmed and lower-cased."""
    opener = _open_text(path)
    with opener as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise LoadError(f"{path.name}: line 1: the file is empty; a header line is required")
    return [name.strip().lstrip("\ufeff").lower() for name in header]


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _physical_lines(path: Path, records: int) -> pa.Array:
    """Line number of each record; exact even with blank lines or quoted fields that contain line breaks."""
    newlines, last = 0, ""
    with _open_text(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), ""):
            newlines += chunk.count("\n")
            last = chunk[-1]
    if newlines == records + (last == "\n"):
        return pa.array(range(2, records + 2), pa.int64())
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        starts, previous_end = [], reader.line_num
        for row in reader:
            if row:
                starts.append(previous_end + 1 + _leading_blank_lines(row, reader.line_num - previous_end))
            previous_end = reader.line_num
    return pa.array(starts[:records], pa.int64())


def _leading_blank_lines(row: list[str], lines_used: int) -> int:
    """Blank lines skipped before a record: the reader's line count minus the lines the record spans."""
    spanned = 1 + sum(field.count("\n") for field in row)
    return max(lines_used - spanned, 0)


def read_csv(path: Path) -> pa.Table:
    """A CSV file as text columns (empty cells as empty strings) plus `_line`, the line each record starts on."""
    header = _csv_header(path)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise LoadError(f"{path.name}: line 1: column {duplicates[0]!r} appears more than once in the header")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise LoadError(f"{path.name}: cannot be read as UTF-8 CSV: {exc}") from exc
    return table.append_column("_line", _physical_lines(path, table.num_rows))


def read_parquet(path: Path) -> pa.Table:
    """A Parquet file with lower-cased column names plus `_line`, the 1-based row number."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LoadError(f"{path.name}: cannot be read as Parquet: {exc}") from exc
    table = table.rename_columns([name.strip().lower() for name in table.column_names])
    return table.append_column("_line", pa.array(range(1, table.num_rows + 1), pa.int64()))


def read_source(source: Source) -> pa.Table:
    """The file's records with their line (CSV) or row (Parquet) numbers."""
    return read_parquet(source.path) if source.is_parquet else read_csv(source.path)
