"""Find a data folder's files and read each as text columns with the line (CSV) or row (Parquet) of every record."""

from __future__ import annotations

import csv
import difflib
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmetrics.ingest.schema import TABLES, TABLES_BY_NAME

SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")
# Files that look like data: one of them not named exactly after a table is a mistake, not something to skip.
DATA_LIKE_SUFFIXES: tuple[str, ...] = (*SUFFIXES, ".gz", ".tsv", ".txt", ".xlsx", ".xls")


class LoadError(Exception):
    """A problem that stops a whole load; the message names the file, line and column where known."""


@dataclass(frozen=True)
class DataFile:
    """One file of a data folder and the table it feeds."""

    table: str
    path: Path
    part_of: str | None = None  # the folder of Parquet parts the file belongs to

    @property
    def name(self) -> str:
        """The file's name as messages show it: a Parquet part is named with its folder."""
        return f"{self.part_of}/{self.path.name}" if self.part_of else self.path.name

    @property
    def origin(self) -> Path:
        """What the data folder holds for the table: the file, or the folder of parts."""
        return self.path.parents[len(Path(self.part_of).parts) - 1] if self.part_of else self.path

    @property
    def is_parquet(self) -> bool:
        """Whether the file is Parquet (rows are numbered) rather than CSV (lines are numbered)."""
        return self.path.suffix == ".parquet"


def _parts(table: str, folder: Path) -> list[DataFile]:
    """The Parquet files of a table given as a folder of parts, in name order."""
    parts = sorted(p for p in folder.rglob("*.parquet") if p.is_file())
    if not parts:
        raise LoadError(f"{folder.name}: a folder with no .parquet files; put the table's Parquet parts in it")
    return [DataFile(table, p, str(p.parent.relative_to(folder.parent))) for p in parts]


def _table_files(table: str, path: Path) -> list[DataFile]:
    """A table's file, or each part when `path` is a folder of Parquet parts."""
    return _parts(table, path) if path.is_dir() else [DataFile(table, path)]


def find_sources(folder: Path) -> tuple[list[DataFile], list[str]]:
    """The contract tables present in `folder`, in load order, and the names of files that are ignored."""
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a folder")
    sources, used = [], set()
    for table in TABLES:
        found = [folder / f"{table.name}{suffix}" for suffix in SUFFIXES if (folder / f"{table.name}{suffix}").exists()]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise LoadError(f"{folder}: both {names} exist; keep one file per table")
        if found:
            sources += _table_files(table.name, found[0])
            used.add(found[0].name)
    others = sorted(p.name for p in folder.iterdir() if p.name not in used and p.suffix != ".json")
    mapped = {p.stem.lower() for p in folder.iterdir() if p.suffix.lower() == ".toml"}
    for name in others:
        if Path(name).stem.lower() not in mapped:  # beside its mapping (NAME.toml), a file is a survey-tool export
            _refuse_near_miss(name, (folder / name).is_dir())
    return sources, [name for name in others if (folder / name).is_file()]


def _closest_table(stem: str) -> str | None:
    """The table a file name most likely meant: one whose name it contains or resembles."""
    names = [t.name for t in TABLES]
    candidates = [n for n in names if n in stem] + difflib.get_close_matches(stem, names, n=1, cutoff=0.6)
    return max(candidates, key=lambda n: difflib.SequenceMatcher(None, stem, n).ratio(), default=None)


def _refuse_near_miss(name: str, is_folder: bool) -> None:
    """A data file (or a folder) named nearly after a table stops the load, naming the table it meant."""
    lower = name.lower()
    if not (is_folder or lower.endswith(DATA_LIKE_SUFFIXES)):
        return
    table = _closest_table(lower.split(".")[0])
    if table:
        suffix = next((s for s in sorted(SUFFIXES, key=len, reverse=True) if lower.endswith(s)), ".csv")
        suffix = ".parquet (a folder of Parquet parts)" if is_folder else suffix
        raise LoadError(
            f"{name}: not named after a table: did you mean {table}{suffix}? "
            "Name each file exactly after its table, in lower case"
        )


@dataclass(frozen=True)
class Staged:
    """A file's records as text columns plus `_line`, and what could not be read as records."""

    rows: pa.Table
    malformed: tuple[tuple[int, int, int], ...] = ()  # (line, fields expected, fields found)


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _first_undecodable_line(path: Path) -> int:
    """The first line that is not valid UTF-8 (1-based), for the error message."""
    with _open_bytes(path) as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _not_utf8(path: Path) -> LoadError:
    line = _first_undecodable_line(path)
    return LoadError(f"{path.name}: line {line}: not valid UTF-8 text; save the file as UTF-8 and load it again")


def _csv_header(path: Path) -> list[str]:
    """The header names of a CSV file, trimmed and lower-cased."""
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path) from exc
    if not header:
        raise LoadError(f"{path.name}: line 1: the file is empty; a header line is required")
    return [name.lstrip("\ufeff").strip().lower() for name in header]


def _count_newlines(path: Path) -> tuple[int, bool, int]:
    """Number of line breaks, whether the file ends with one, and the number of quote characters."""
    newlines, last, quotes = 0, "", 0
    with _open_text(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), ""):
            newlines += chunk.count("\n")
            quotes += chunk.count('"')
            last = chunk[-1]
    return newlines, last == "\n", quotes


def _unterminated(path: Path, line: int, column: str, what: str) -> LoadError:
    return LoadError(
        f"{path.name}: line {line}: column {column}: unterminated quote: the quoted value that opens here {what}; "
        'close it (a quote inside a value is written as two: "")'
    )


def _rows_inside(value: str, width: int) -> int:
    """How many of a multi-line value's later lines hold a row's worth of commas: rows swallowed by an open quote."""
    return sum(line.count(",") >= width - 1 for line in value.split("\n")[1:])


def _refuse_swallowed_rows(path: Path, line: int, header: list[str], row: list[str]) -> None:
    """A record one of whose values holds whole rows was cut short by a quote left open."""
    for name, value in zip(header, row, strict=False):
        found = _rows_inside(value, len(header)) if "\n" in value else 0
        if found:
            raise _unterminated(path, line, name, f"runs over {found} lines that look like rows")


def _refuse_quote_open_at_end(path: Path, header: list[str]) -> None:
    """A quote still open at the end of the file has swallowed the rest of it."""
    with _open_text(path) as handle:
        reader = csv.reader(handle, strict=True)
        previous_end = 0
        try:
            for _ in reader:
                previous_end = reader.line_num
            return
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return
            line = previous_end + 1
    with _open_text(path) as handle:
        opening = next(text for number, text in enumerate(handle, start=1) if number == line)
    fields = next(csv.reader([opening]))
    raise _unterminated(path, line, header[min(len(fields), len(header)) - 1], "runs to the end of the file")


def _scan_lines(path: Path, header: list[str]) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Start line of each well-formed record, and (line, expected, found) of each record with a wrong field count."""
    starts, malformed, width = [], [], len(header)
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        previous_end = reader.line_num
        for row in reader:
            if row:
                line = previous_end + 1 + _leading_blank_lines(row, reader.line_num - previous_end)
                _refuse_swallowed_rows(path, line, header, row)
                if len(row) == width:
                    starts.append(line)
                else:
                    malformed.append((line, width, len(row)))
            previous_end = reader.line_num
    return starts, malformed


def _leading_blank_lines(row: list[str], lines_used: int) -> int:
    """Blank lines skipped before a record: the reader's line count minus the lines the record spans."""
    spanned = 1 + sum(field.count("\n") for field in row)
    return max(lines_used - spanned, 0)


def _line_numbers(path: Path, records: int, header: list[str], skipped: int) -> tuple[pa.Array | None, tuple]:
    """Line numbers of the parsed records (exact with blank lines, embedded line breaks and skipped rows): None when
    record i is on line i + 2, as in a file with one record per line.

    Records whose values span lines are read again record by record, so that a quote left open is found.
    """
    newlines, ends_with_newline, quotes = _count_newlines(path)
    if quotes % 2:
        _refuse_quote_open_at_end(path, header)
    if not skipped and newlines == records + ends_with_newline:
        return None, ()
    starts, malformed = _scan_lines(path, header)
    if len(starts) != records:
        raise LoadError(f"{path.name}: could not number its lines (CSV quoting differs between readers)")
    return pa.array(starts, pa.int64()), tuple(malformed)


BLOCK_BYTES = 1 << 20  # pyarrow's default block: one record (a long comment) may not span two blocks
LARGEST_BLOCK_BYTES = 1 << 30


def _csv_reader(path: Path, header: list[str], skipped: list, block: int) -> pacsv.CSVStreamingReader:
    """The file's records as text, block by block (rows with a wrong field count go to `skipped`)."""
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=block),
        parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: skipped.append(row) or "skip"),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _count_records(path: Path, header: list[str], skipped: list, keep: int) -> tuple[int, int, pa.Table | None]:
    """Read the file through once: (records, a block size the longest record fits in, and the records themselves
    when there are at most `keep` of them, else None)."""
    block = BLOCK_BYTES
    while True:
        skipped.clear()
        records, kept = 0, [_empty(header)]
        try:
            for batch in _csv_reader(path, header, skipped, block):
                records += batch.num_rows
                kept = kept and records <= keep and [*kept, pa.Table.from_batches([batch])]
            return records, block, pa.concat_tables(kept) if kept else None
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or block >= LARGEST_BLOCK_BYTES:
                raise
            block *= 8


def _empty(header: list[str]) -> pa.Table:
    """No records, as text columns."""
    return pa.table({name: pa.array([], pa.string()) for name in header})


@contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """What the CSV reader raises, as a LoadError naming the file (and the line of text that is not UTF-8)."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise _not_utf8(path) from exc
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
            raise _not_utf8(path) from exc
        raise LoadError(f"{path.name}: cannot be read as CSV: {exc}") from exc


def _csv_header_checked(path: Path) -> list[str]:
    """The header names; a name given twice stops the load."""
    header = _csv_header(path)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise LoadError(f"{path.name}: line 1: column {duplicates[0]!r} appears more than once in the header")
    return header


def _numbered(rows: pa.Table, lines: pa.Array | None, first: int) -> pa.Table:
    """Records `first`, `first + 1`, ... (0-based) of the file with their `_line`."""
    if lines is None:
        return rows.append_column("_line", pa.array(range(first + 2, first + 2 + rows.num_rows), pa.int64()))
    return rows.append_column("_line", lines.slice(first, rows.num_rows))


def _with_malformed(rows: pa.Table, malformed: list[tuple[int, int, int]], last: bool) -> Staged:
    """A batch with the malformed lines that come before its last record (`last`: all that are left), taken from
    `malformed`, so that rejects come out in line order batch after batch."""
    end = rows["_line"][-1].as_py() if rows.num_rows and not last else None
    taken = [m for m in malformed if end is None or m[0] < end]
    del malformed[: len(taken)]
    return Staged(rows, tuple(taken))


def csv_batches(path: Path, rows: int | None = None) -> Iterator[Staged]:
    """A CSV file in batches of at most `rows` (BATCH_ROWS) records as text columns (empty cells as empty strings),
    with the `_line` of each record and the malformed lines among them (at least one batch).

    The file is read block by block, so memory stays bounded: once to count its records and check it can be read
    (and numbered) at all, keeping them if they make one batch, else again to hand the batches out.
    """
    header, size, skipped = _csv_header_checked(path), rows or BATCH_ROWS, []
    with _csv_errors(path):
        records, block, whole = _count_records(path, header, skipped, size)
    lines, malformed = _line_numbers(path, records, header, len(skipped))
    left = sorted(malformed)
    if whole is not None:
        yield _with_malformed(_numbered(whole, lines, 0), left, last=True)
        return
    pending, first = _empty(header), 0
    with _csv_errors(path):
        for batch in _csv_reader(path, header, [], block):
            pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
            while pending.num_rows >= size and first + size < records:
                yield _with_malformed(_numbered(pending.slice(0, size), lines, first), left, last=False)
                pending, first = pending.slice(size), first + size
    yield _with_malformed(_numbered(pending, lines, first), left, last=True)


def _first_not_utf8(values: pa.ChunkedArray) -> int:
    """The 1-based row of the first value that is not UTF-8."""
    for row, value in enumerate(values.to_pylist(), start=1):
        try:
            value is None or value.decode("utf-8")
        except UnicodeDecodeError:
            return row
    return 1


def _as_loadable(values: pa.ChunkedArray, name: str, where: str) -> pa.ChunkedArray:
    """A Parquet column as the loader reads it: NaN as missing, bytes as UTF-8 text, nested values refused."""
    kind = values.type
    if pa.types.is_floating(kind):
        return pc.if_else(pc.is_nan(values), pa.scalar(None, kind), values)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        try:
            return values.cast(pa.binary()).cast(pa.string())
        except pa.ArrowInvalid as exc:
            row = _first_not_utf8(values)
            raise LoadError(
                f"{where}: row {row}: column {name}: not valid UTF-8 text; store text columns as UTF-8 strings"
            ) from exc
    if pa.types.is_nested(kind):
        held = "lists" if pa.types.is_list(kind) or pa.types.is_large_list(kind) else "nested values"
        raise LoadError(f"{where}: column {name}: holds {held} ({kind}), not single values")
    return values


BATCH_ROWS = 500_000  # rows of a large file staged, checked and merged at a time, so memory stays bounded


def _parquet_file(path: Path, where: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LoadError(f"{where}: cannot be read as Parquet: {exc}") from exc


def _parquet_names(names: list[str], where: str) -> list[str]:
    """The column names lower-cased; two that differ only by case stop the load."""
    names = [column.strip().lower() for column in names]
    clashes = sorted({column for column in names if names.count(column) > 1})
    if clashes:
        raise LoadError(f"{where}: column {clashes[0]!r} appears more than once (column names ignore case)")
    return names


def _parquet_batch(batch: pa.RecordBatch, names: list[str], first: int, where: str, columns) -> Staged:
    """One batch of a Parquet file as the loader reads it, its rows numbered from `first`."""
    table = pa.Table.from_batches([batch]).rename_columns(names)
    for column in (c for c in names if c in columns):
        table = table.set_column(names.index(column), column, _as_loadable(table[column], column, where))
    return Staged(table.append_column("_line", pa.array(range(first, first + table.num_rows), pa.int64())))


def parquet_batches(
    path: Path, name: str | None = None, columns: tuple[str, ...] = (), rows: int | None = None
) -> Iterator[Staged]:
    """A Parquet file in batches of at most `rows` (BATCH_ROWS) rows, with lower-cased column names plus `_line`, the
    1-based row number in the file (at least one batch, empty for an empty file).

    The contract's `columns` are made loadable: NaN is a missing value, UTF-8 bytes are text, nested values refused.
    """
    where = name or path.name
    handle = _parquet_file(path, where)
    names = _parquet_names(handle.schema_arrow.names, where)
    first = 1
    try:
        batches = handle.iter_batches(batch_size=rows or BATCH_ROWS)
        for batch in batches:
            yield _parquet_batch(batch, names, first, where, columns)
            first += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise LoadError(f"{where}: cannot be read as Parquet: {exc}") from exc
    if first == 1:
        empty = pa.RecordBatch.from_pylist([], schema=handle.schema_arrow)
        yield _parquet_batch(empty, names, 1, where, columns)


def read_batches(source: DataFile) -> Iterator[Staged]:
    """The file's records with their line (CSV) or row (Parquet) numbers, in batches of at most BATCH_ROWS rows."""
    if source.is_parquet:
        yield from parquet_batches(source.path, source.name, TABLES_BY_NAME[source.table].column_names)
    else:
        yield from csv_batches(source.path)
