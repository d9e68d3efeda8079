"""Load a data folder: validate every row, keep rejects with reasons, merge idempotently and atomically."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from cxmetrics import config, db
from cxmetrics.db import Connection
from cxmetrics.ingest import changes, validation
from cxmetrics.ingest.schema import (
    REQUIRED_TABLES,
    SCHEMA_VERSION,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
    create_schema,
)
from cxmetrics.ingest.staging import DataFile, LoadError, Staged, find_sources, read_batches
from cxmetrics.query import rollups
from cxmetrics.text import index as voice_index
from cxmetrics.text import sentiment, themes

Progress = Callable[[int, int, str], None]
DEFAULT_LOAD_MEMORY_MB = 2048  # DuckDB's memory limit for a load unless CX_LOAD_MEMORY says otherwise
# Files at least this large (in all) are loaded stepwise, committing in the working copy as the load goes; a smaller
# load is quicker in one transaction (each commit has a fixed cost) and fits in memory.
STEPWISE_BYTES = 64 * 2**20
REJECTS_KEPT = 1000  # rejects kept in memory for the report; every one is stored in load_rejects
# Naive timestamps are kept as written, in whatever zone the source used; the furthest zone runs 14 hours ahead of
# UTC, so a row stamped up to then is not yet in the future.
FUTURE_SLACK = timedelta(hours=14)


@dataclass(frozen=True)
class Reject:
    """One broken rule of one input row."""

    table: str
    file: str
    line: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        lines = self.file.lower().endswith((".csv", ".gz", ".txt", ".tsv"))
        where = f"{self.file}:{self.line}" if lines else f"{self.file}: row {self.line}"
        column = f" column {self.column}:" if self.column else ""
        return f"{where}:{column} {self.reason}"


@dataclass(frozen=True)
class TableResult:
    """What one file did to its table."""

    table: str
    source: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int


@dataclass
class LoadReport:
    """The outcome of one load: per-table counts, the first rejects, ignored files and columns, committed or not."""

    load_id: str
    tables: list[TableResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    loaded_by: str = ""
    dry_run: bool = False
    reach: date | None = None  # the earliest day derived rows may change (`changes.earliest`)
    stepwise: bool = False  # commit as the load goes (a large load in a working copy, which the swap makes atomic)
    tracks_reach: bool = False  # whether the reach is worked out (only when derived rows can be refreshed)

    @property
    def rejected(self) -> int:
        """Number of rejected rows (a row with several broken rules counts once)."""
        return sum(t.rejected for t in self.tables)


class DryRunDone(Exception):
    """Raised inside the write to discard a dry run's working copy: the database is left as it was."""


class StrictLoadAborted(Exception):
    """A strict load found rejects: it was rolled back, nothing changed; `report` says why."""

    def __init__(self, report: LoadReport):
        ignored = f" and {len(report.ignored_columns)} columns ignored" if report.ignored_columns else ""
        super().__init__(f"{report.rejected} rows rejected{ignored}; strict load aborted, nothing was changed")
        self.report = report


# Whitespace of any kind around a value (tab, no-break and ideographic spaces, a byte order mark, zero-width space).
_PADDING = r"'^[\s\p{Z}\x{FEFF}\x{200B}]+|[\s\p{Z}\x{FEFF}\x{200B}]+$'"


def _trimmed(name: str) -> str:
    return f"NULLIF(regexp_replace(CAST({name} AS VARCHAR), {_PADDING}, '', 'g'), '')"


def _columns_sql(table: Table, present: set[str]) -> str:
    """Staged text columns: trimmed of any whitespace, empty as NULL; columns absent from the file as NULL."""
    parts = [
        f"{_trimmed(c.name)} AS {c.name}" if c.name in present else f"CAST(NULL AS VARCHAR) AS {c.name}"
        for c in table.columns
    ]
    return ", ".join(parts)


def _check_columns(table: Table, source: DataFile, names: list[str]) -> set[str]:
    """The columns the file has; a missing required column stops the load."""
    present = set(names) - {"_line"}
    for col in table.columns:
        if (col.required or col.name in table.key) and not col.empty_means_all and col.name not in present:
            raise LoadError(
                f"{source.name}: line 1: column {col.name}: missing required column "
                f"{col.name!r} (the file has: {', '.join(sorted(present)) or 'no columns'})"
            )
    return present


def _stage(conn: Connection, table: Table, source: DataFile, data: pa.Table) -> set[str]:
    """Create `stage` (text) for one file; returns the file's columns (some may not be in the contract)."""
    present = _check_columns(table, source, data.column_names)
    conn.register("source_rows", data)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE stage AS SELECT _line, {_columns_sql(table, present)} FROM source_rows"  # noqa: S608
    )
    conn.unregister("source_rows")
    return present


def _reject_malformed(conn: Connection, malformed: tuple[tuple[int, int, int], ...]) -> None:
    """Records with the wrong number of fields become rejects with their line."""
    for line, expected, found in malformed:
        reason = f"malformed row: expected {expected} fields, found {found}"
        conn.execute("INSERT INTO rejects VALUES (?, NULL, NULL, ?)", [line, reason])


def _row(conn: Connection, sql: str, params: list | None = None) -> tuple:
    """The one row of a query, read to the end (an unfinished result would block registering the next file)."""
    return conn.execute(sql, params or []).fetchall()[0]


def _malformed_count(conn: Connection) -> int:
    return _row(conn, "SELECT count(*) FROM rejects WHERE _line NOT IN (SELECT _line FROM stage)")[0]


def _typed_sql(table: Table) -> str:
    return ", ".join(f"{validation.typed(c)} AS {c.name}" for c in table.columns)


def _key_match(table: Table, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in table.key)


def _validate(conn: Connection, table: Table) -> None:
    """Fill `rejects` and `typed` (the rows that pass every rule, converted to contract types)."""
    conn.execute(f"CREATE OR REPLACE TEMP TABLE rejects AS {validation.row_rules_sql(table, 'stage')}")
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE typed AS SELECT _line, {_typed_sql(table)} "  # noqa: S608
        "FROM stage WHERE _line NOT IN (SELECT _line FROM rejects)"
    )
    for col in table.columns:
        _fold_case(conn, col, _spellings(table, col))
    _reject_duplicates(conn, table)
    for col in table.columns:
        if col.references:
            _reject_unknown(conn, col.name, col.references)


def _spellings(table: Table, col: Column) -> list[tuple[str, str]]:
    """The (table, column) pairs whose stored spellings a value takes when it differs only by case.

    Ids take their parent's (references) or their table's spelling, labels (region, segment) that of any table's
    column of the same name; codes and enumerations are lower case already, and free text is kept as written.
    """
    if col.references:
        parent, parent_column = col.references.split(".")
        return [(parent, parent_column)]
    if col.label:
        return [(t.name, col.name) for t in TABLES if col.name in t.column_names and t.column(col.name).label]
    if col.name in table.key and col.type == "VARCHAR" and not (col.code or col.choices):
        return [(table.name, col.name)]
    return []


def _fold_case(conn: Connection, col: Column, spellings: list[tuple[str, str]]) -> None:
    """Values that differ only by letter case take one spelling: the one stored first, else the file's first."""
    if not spellings:
        return
    name = col.name
    # Only values spelled two ways in the file, or stored in another spelling only, may take another one: in a large
    # file, few or none (a new id is neither). Joins, not IN lists, so that DuckDB hashes the file's few values
    # rather than every stored one.
    stored = " UNION ALL ".join(f"SELECT {c} AS x FROM {t}" for t, c in spellings)  # noqa: S608
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE fold_candidates AS
        WITH incoming AS (SELECT DISTINCT {name} AS v, lower({name}) AS folded FROM typed WHERE {name} IS NOT NULL),
        exact AS (SELECT DISTINCT i.v FROM incoming i JOIN ({stored}) s ON s.x = i.v),
        unmatched AS (SELECT * FROM incoming WHERE v NOT IN (SELECT v FROM exact))
        SELECT folded FROM incoming GROUP BY folded HAVING count(*) > 1
        UNION SELECT DISTINCT u.folded FROM unmatched u JOIN ({stored}) s ON lower(s.x) = u.folded
        """  # noqa: S608
    )
    if not _row(conn, "SELECT count(*) FROM fold_candidates")[0]:
        return
    candidate = "IN (SELECT folded FROM fold_candidates)"
    stored = " UNION ALL ".join(
        f"SELECT DISTINCT {c} AS x, 0 AS rank FROM {t} WHERE {c} IS NOT NULL AND lower({c}) {candidate}"  # noqa: S608
        for t, c in spellings
    )
    conn.execute(
        f"""
        UPDATE typed SET {name} = v.spelling
        FROM (
            SELECT lower(x) AS folded, first(x ORDER BY rank, x) AS spelling
            FROM ({stored} UNION ALL SELECT {name}, _line FROM typed WHERE lower({name}) {candidate})
            GROUP BY 1
        ) v
        WHERE lower(typed.{name}) = v.folded AND typed.{name} <> v.spelling
        """  # noqa: S608
    )


def _reject_duplicates(conn: Connection, table: Table) -> None:
    """Reject every repeat of a key within the file; the first occurrence stays."""
    keys = ", ".join(table.key)
    shown = " || ', ' || ".join(f"CAST({k} AS VARCHAR)" for k in table.key)
    conn.execute(
        f"""
        INSERT INTO rejects
        SELECT _line, '{table.key[0]}', {shown},
               'duplicate key: ({keys}) = (' || {shown} || ') already on line ' || first_line
        FROM (SELECT *, min(_line) OVER (PARTITION BY {keys}) AS first_line FROM typed)
        WHERE _line <> first_line
        """  # noqa: S608
    )
    conn.execute("DELETE FROM typed WHERE _line IN (SELECT _line FROM rejects)")


def _reject_repeats_across_parts(conn: Connection, table: Table, source: DataFile) -> None:
    """A key an earlier part of the same table, or an earlier batch of the same file, loaded is a duplicate, as it
    would be within one file."""
    keys, seen = ", ".join(table.key), f"part_keys_{table.name}"
    shown = " || ', ' || ".join(f"CAST(t.{k} AS VARCHAR)" for k in table.key)
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {seen} AS SELECT {keys}, '' AS file, _line FROM typed WHERE false"  # noqa: S608
    )
    conn.execute(
        f"""
        INSERT INTO rejects
        SELECT t._line, '{table.key[0]}', {shown},
               'duplicate key: ({keys}) = (' || {shown} || ') already ' ||
               CASE WHEN p.file = $file THEN 'on line ' || p._line ELSE 'in ' || p.file END
        FROM typed t JOIN {seen} p ON {_key_match(table, "t", "p")}
        """,  # noqa: S608
        {"file": source.name},
    )
    conn.execute("DELETE FROM typed WHERE _line IN (SELECT _line FROM rejects)")
    conn.execute(f"INSERT INTO {seen} SELECT {keys}, ?, _line FROM typed", [source.name])  # noqa: S608


def _reject_unknown(conn: Connection, column: str, reference: str) -> None:
    """Reject rows whose reference (e.g. customer_id) is not in the parent table.

    The batch's values found in the parent come from a join, which DuckDB hashes on its smaller side (the batch's
    values) and can spill; an anti-join straight against the parent would hash every stored key (10M response ids).
    """
    parent, parent_column = reference.split(".")
    noun = parent.rstrip("s").replace("_", " ")
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE known AS
        SELECT DISTINCT i.v FROM (SELECT DISTINCT {column} AS v FROM typed WHERE {column} IS NOT NULL) i
        JOIN {parent} p ON p.{parent_column} = i.v
        """  # noqa: S608
    )
    conn.execute(
        f"""
        INSERT INTO rejects
        SELECT _line, '{column}', {column},
               'unknown {noun}: {column} ''' || {column} || ''' is not in {parent}'
        FROM typed t
        WHERE {column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM known k WHERE k.v = t.{column})
        """  # noqa: S608
    )
    conn.execute("DROP TABLE known")
    conn.execute("DELETE FROM typed WHERE _line IN (SELECT _line FROM rejects)")


def _keep_absent_columns(conn: Connection, table: Table, present: set[str]) -> None:
    """Columns the file does not have keep their stored values for keys that exist (an empty cell clears one)."""
    absent = [c for c in table.column_names if c not in present and c not in table.key]
    if not absent:
        return
    assignments = ", ".join(f"{c} = d.{c}" for c in absent)
    conn.execute(
        f"UPDATE typed t SET {assignments} FROM {table.name} d WHERE {_key_match(table, 't', 'd')}"  # noqa: S608
    )


def _merge(conn: Connection, report: LoadReport, table: Table, present: set[str], fresh: bool) -> tuple[int, int, int]:
    """Insert new keys, replace changed rows, skip identical ones (widening the report's reach into derived rows);
    returns (inserted, updated, unchanged). `fresh`: the table held no rows before this file, so the stored rows
    are its earlier batches', whose keys were rejected as repeats: none can match, and none is read."""
    name, cols = table.name, table.column_names
    if not fresh:
        _keep_absent_columns(conn, table, present)
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM d.{c}" for c in cols if c not in table.key) or "false"
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE matched AS
        SELECT {", ".join(f"t.{k}" for k in table.key)}, ({differs}) AS changed
        FROM typed t JOIN {name} d ON {_key_match(table, "t", "d")}{" WHERE false" if fresh else ""}
        """  # noqa: S608
    )
    matched, changed = _row(conn, "SELECT count(*), count(*) FILTER (changed) FROM matched")
    if report.tracks_reach:
        report.reach = changes.combined(report.reach, changes.earliest(conn, table))
    conn.execute(f"DELETE FROM {name} d USING matched m WHERE m.changed AND {_key_match(table, 'd', 'm')}")  # noqa: S608
    # The rows not stored (any more): every one but the identical matches. Against `matched`, not the table, so that
    # DuckDB hashes the batch's keys rather than every stored one.
    conn.execute(
        f"""
        INSERT INTO {name} ({", ".join(cols)})
        SELECT {", ".join(cols)} FROM typed t
        WHERE NOT EXISTS (SELECT 1 FROM matched m WHERE NOT m.changed AND {_key_match(table, "t", "m")})
        """  # noqa: S608
    )
    total = _row(conn, "SELECT count(*) FROM typed")[0]
    return total - matched, changed, matched - changed


def _record(conn: Connection, report: LoadReport, table: Table, source: DataFile) -> TableResult:
    """Write the file's rejects and its load_log row; return its counts."""
    file = source.name
    conn.execute(
        "INSERT INTO load_rejects SELECT ?, ?, ?, _line, column_name, left(value, 200), reason FROM rejects",
        [report.load_id, table.name, file],
    )
    room = max(REJECTS_KEPT - len(report.rejects), 0)
    rows = conn.execute(
        "SELECT _line, column_name, value, reason FROM rejects ORDER BY _line, column_name LIMIT ?", [room]
    ).fetchall()
    report.rejects.extend(Reject(table.name, file, line, col, value, reason) for line, col, value, reason in rows)
    read = _row(conn, "SELECT count(*) FROM stage")[0] + _malformed_count(conn)
    rejected = _row(conn, "SELECT count(DISTINCT _line) FROM rejects")[0]
    return TableResult(table.name, str(source.path), read, 0, 0, 0, rejected)


def load_table(conn: Connection, report: LoadReport, source: DataFile, staged: Staged | None = None) -> TableResult:
    """Stage, validate and merge one file inside the caller's transaction, batch by batch so that memory stays
    bounded (`staged`: its rows, already read, as one batch)."""
    table = TABLES_BY_NAME[source.table]
    batches = iter([staged] if staged is not None else read_batches(source))
    batch, ignored, total = next(batches), None, None
    tracked = bool(source.part_of)
    fresh = not conn.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchall()  # noqa: S608
    while batch is not None:
        following = next(batches, None)
        tracked = tracked or following is not None
        counts, present = _load_batch(conn, report, table, source, batch, (tracked, fresh))
        if ignored is None:
            ignored = sorted(present - set(table.column_names))
            report.ignored_columns += [f"{source.name}: {name}" for name in ignored]
        total = counts if total is None else _added(total, counts)
        batch = following
    _log(conn, report, total, str(source.origin), ignored)
    return total


def _load_batch(
    conn: Connection, report: LoadReport, table: Table, source: DataFile, staged: Staged, how: tuple[bool, bool]
) -> tuple[TableResult, set[str]]:
    """Stage, validate and merge one batch of a file (`how`: whether its keys are checked against, and kept for,
    the file's other batches and the table's other parts, and whether the table was empty before the file); its
    counts and the file's columns."""
    tracked, fresh = how
    present = _stage(conn, table, source, staged.rows)
    _validate(conn, table)
    if tracked:
        _reject_repeats_across_parts(conn, table, source)
    _reject_malformed(conn, staged.malformed)
    counted = _record(conn, report, table, source)
    inserted, updated, unchanged = _merge(conn, report, table, present, fresh)
    step(conn, report)
    result = TableResult(table.name, counted.source, counted.rows_read, inserted, updated, unchanged, counted.rejected)
    return result, present


def _added(a: TableResult, b: TableResult) -> TableResult:
    """The counts of two batches of one file."""
    sums = (x + y for x, y in zip(_counts(a), _counts(b), strict=True))
    return TableResult(a.table, a.source, *sums)


def validate_rows(conn: Connection, source: DataFile, rows: pa.Table) -> list[Reject]:
    """Check rows (text columns and `_line`) by every rule a load of `source`'s table applies, inside the caller's
    transaction: returns the broken rules and leaves the rows that pass, typed, in the temp table `typed`."""
    table = TABLES_BY_NAME[source.table]
    _stage(conn, table, source, rows)
    _validate(conn, table)
    found = conn.execute("SELECT _line, column_name, value, reason FROM rejects ORDER BY _line, column_name").fetchall()
    return [Reject(table.name, source.name, line, col, value, reason) for line, col, value, reason in found]


def _log(conn: Connection, report: LoadReport, result: TableResult, origin: str, ignored: list[str]) -> None:
    """The table's load_log row; the parts of a table given as a folder add up to one row."""
    conn.execute(
        """
        INSERT INTO load_log (load_id, loaded_at, table_name, source, rows_read, inserted, updated, unchanged,
                              rejected, ignored_columns, loaded_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (load_id, table_name) DO UPDATE SET
            rows_read = rows_read + excluded.rows_read, inserted = inserted + excluded.inserted,
            updated = updated + excluded.updated, unchanged = unchanged + excluded.unchanged,
            rejected = rejected + excluded.rejected
        """,
        [
            report.load_id,
            datetime.now(),
            result.table,
            origin,
            *_counts(result),
            ", ".join(ignored) or None,
            report.loaded_by or None,
        ],
    )


def _counts(result: TableResult) -> list[int]:
    return [result.rows_read, result.inserted, result.updated, result.unchanged, result.rejected]


def _require_tables(conn: Connection, folder: Path, sources: list[DataFile], also: frozenset[str]) -> None:
    """customers and responses must be in the folder (or its exports) unless the database already has them."""
    given = {s.table for s in sources} | also
    for name in REQUIRED_TABLES:
        if name not in given and _row(conn, f"SELECT count(*) FROM {name}")[0] == 0:  # noqa: S608
            raise LoadError(
                f"{folder}: required table {name} is missing: add {name}.csv or {name}.parquet "
                "(the database has none yet)"
            )


def set_clock(conn: Connection) -> None:
    """The latest date a row may carry: now in UTC plus the furthest time zone's lead."""
    latest = datetime.now(UTC).replace(tzinfo=None) + FUTURE_SLACK
    conn.execute("CREATE OR REPLACE TEMP TABLE load_clock AS SELECT CAST(? AS TIMESTAMP) AS latest", [latest])


@dataclass(frozen=True)
class Also:
    """More rows written in the same transaction as a folder's files: the tables they fill and how to write them
    (the survey-tool exports that sit beside their mappings)."""

    tables: frozenset[str]
    write: Callable[[Connection], None]


def memory_limit() -> str:
    """DuckDB's memory limit for a load: `CX_LOAD_MEMORY`, else a quarter of the machine's memory, at most
    DEFAULT_LOAD_MEMORY_MB (what is left over spills to a folder beside the database)."""
    configured = config.get("CX_LOAD_MEMORY")
    if configured:
        return configured
    machine_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return f"{min(machine_mb // 4, DEFAULT_LOAD_MEMORY_MB)}MiB"


def step(conn: Connection, report: LoadReport | None) -> None:
    """Commit what the load wrote so far when it runs `stepwise` in a working copy: DuckDB then writes the rows to
    the file instead of holding them in memory until the end; a later failure still discards the whole copy."""
    if report is not None and report.stepwise:
        conn.execute("COMMIT")
        conn.execute("BEGIN TRANSACTION")


@contextmanager
def transaction(conn: Connection, report: LoadReport | None = None) -> Iterator[None]:
    """One all-or-nothing write: the schema and the load's clock, the caller's rows, then the derived tables (from the
    `report`'s reach on where it tracks one, else all of them); any exception (a reject under --strict, a refusal, a
    dry run's end) rolls everything back (a `stepwise` report's load: the working copy holding it is discarded)."""
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET memory_limit = ?", [memory_limit()])
    conn.execute("SET preserve_insertion_order = false")  # a table's row order means nothing; memory does
    conn.execute("BEGIN TRANSACTION")
    try:
        create_schema(conn)
        set_clock(conn)
        if report is not None:
            report.tracks_reach = rollups.is_current(conn)
        yield
        if report is not None:
            step(conn, report)
            _derive(conn, report)
            voice_index.build(conn, since=_reach_of_texts(report))
        else:
            rollups.build(conn)
            voice_index.build(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _load_into(
    conn: Connection,
    folder: Path,
    report: LoadReport,
    strict: bool,
    progress: Progress | None,
    meta: dict[str, str],
    also: Also | None,
) -> None:
    """Run the whole load in `conn` inside one transaction: the folder's files, then `also`."""
    sources, report.ignored_files = find_sources(folder)
    report.stepwise = report.stepwise and sum(s.path.stat().st_size for s in sources) >= STEPWISE_BYTES
    with transaction(conn, report):
        _require_tables(conn, folder, sources, also.tables if also else frozenset())
        report.tracks_reach = report.tracks_reach and also is None  # an export's rows are not in this report's reach
        for step, source in enumerate(sources):
            if progress:
                progress(step, len(sources), source.name)
            report.tables.append(load_table(conn, report, source))
            if step + 1 == len(sources) or sources[step + 1].table != source.table:
                conn.execute(f"DROP TABLE IF EXISTS part_keys_{source.table}")  # its last file or part is in
        if strict and (report.rejects or report.ignored_columns):
            raise StrictLoadAborted(report)
        if also:
            also.write(conn)
        if report.dry_run:
            raise DryRunDone
        for key, value in meta.items():
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
    if progress:
        progress(len(sources), len(sources), "done")


def _derive(conn: Connection, report: LoadReport) -> None:
    """Bring the rollups and fact tables up to date: their rows from the load's reach on when this code built them
    before, else all of them."""
    if not report.tracks_reach or report.reach == changes.FULL:
        rollups.build(conn, lambda: step(conn, report))
    elif report.reach is not None:
        rollups.refresh(conn, report.reach, lambda: step(conn, report))


def _reach_of_texts(report: LoadReport) -> date | None:
    """From which day responses changed, for the voice index (None: it reads every response)."""
    if not report.tracks_reach or report.reach == changes.FULL:
        return None
    return date.max if report.reach is None else report.reach


def load_folder(
    folder: Path | str,
    target: str | Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    meta: dict[str, str] | None = None,
    fresh: bool = False,
    also: Also | None = None,
    loaded_by: str = "",
    dry_run: bool = False,
) -> LoadReport:
    """Load every contract file of `folder` into the database `target`, all or nothing; `loaded_by` is recorded in
    load_log.

    A file database is loaded into a copy that replaces the original only when the load has committed, so readers
    (a running dashboard) never see a half-done load and never block it; a crash leaves the original untouched.
    `also` writes more rows (survey-tool exports) in the same transaction. A `dry_run` runs the same load in that copy
    (in memory when there is no database yet) and discards it: the report says what the load would do, and nothing
    changes.
    """
    report = LoadReport(load_id=uuid.uuid4().hex[:12], loaded_by=loaded_by, dry_run=dry_run)
    missing = db.is_file_target(target) and not Path(target).exists()
    where = ":memory:" if dry_run and missing else target
    report.stepwise = db.is_file_target(where)  # a file is loaded in a working copy (`db.writable`); if large
    try:
        with db.writable(where, fresh=fresh) as conn:
            _load_into(conn, Path(folder), report, strict, progress, meta or {}, also)
    except DryRunDone:
        return report
    report.committed = True
    return report


def build_fingerprint(folder: Path) -> str:
    """What a database built from `folder` by this version of the loader is: the data's hash, the schema version and
    the fingerprints of the theme taxonomy and of the sentiment scorer (comments are re-tagged or re-scored when one
    changes)."""
    return (
        f"{db.folder_fingerprint(folder)}:schema-{SCHEMA_VERSION}:themes-{themes.load().fingerprint}"
        f":sentiment-{sentiment.fingerprint()}"
    )


def ensure_built(target: Path, folder: Path, progress: Progress | None = None) -> bool:
    """Build `target` from `folder` when it is missing or was built from other data; True when it was built."""
    fingerprint = build_fingerprint(folder)
    if db.stored_fingerprint(target) == fingerprint:
        return False
    load_folder(folder, target, progress=progress, meta={"source_fingerprint": fingerprint}, fresh=True)
    return True
