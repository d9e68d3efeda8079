"""Import survey-tool exports: detect each file's tool, convert it with the mapping, and load the rows through the
loader's own validate-and-merge (`load.load_table`), all files in one transaction: all or nothing, idempotent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from cxmetrics import db
from cxmetrics.db import Connection
from cxmetrics.ingest import load
from cxmetrics.ingest.imports import generic, google_forms, qualtrics, surveymonkey, typeform
from cxmetrics.ingest.imports import mapping as mapping_module
from cxmetrics.ingest.imports.convert import Converted, Plan, convert, plan
from cxmetrics.ingest.imports.export import Export, ImportFailed, first_rows
from cxmetrics.ingest.imports.mapping import Mapping
from cxmetrics.ingest.load import (
    REJECTS_KEPT,
    Also,
    DryRunDone,
    LoadReport,
    Progress,
    Reject,
    TableResult,
    load_table,
    transaction,
)
from cxmetrics.ingest.schema import TABLES
from cxmetrics.ingest.staging import DataFile, Staged

DETECTORS = {"qualtrics": qualtrics, "surveymonkey": surveymonkey, "typeform": typeform, "google-forms": google_forms}
SOURCES = ("auto", *DETECTORS, "csv")
# What an export in a data folder may be: text (CSV, or Excel's tab-separated "Unicode text") or a workbook.
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Options:
    """How to import: the tool (or auto), the zone of files that state none, what to keep, whether to write."""

    source: str = "auto"
    timezone: str | None = None
    keep_unfinished: bool = False
    dry_run: bool = False
    strict: bool = False


@dataclass
class FileReport:
    """What one export did: its tool, the mapping used, rows read, dropped by reason, and the load's counts."""

    path: Path
    plan: Plan
    converted: Converted
    load: LoadReport

    def _responses(self) -> TableResult:
        return next(t for t in self.load.tables if t.table == "responses")

    @property
    def counts(self) -> dict[str, int]:
        """Rows read, added, replaced, unchanged, dropped (by reason) and rejected."""
        result = self._responses()
        dropped = {f"dropped {k}": self.converted.dropped.get(k, 0) for k in ("test", "preview", "unfinished")}
        return {
            "read": self.converted.read,
            "added": result.inserted,
            "replaced": result.updated,
            "unchanged": result.unchanged,
            **dropped,
            "rejected": result.rejected,
        }


@dataclass
class ImportReport:
    """The outcome of one import of one or more exports."""

    files: list[FileReport] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False

    @property
    def rejects(self) -> list[Reject]:
        """The rejected rows kept for the report (every one is stored in load_rejects)."""
        return [r for f in self.files for r in f.load.rejects]

    @property
    def rejected(self) -> int:
        """Rejected rows of every file and table."""
        return sum(t.rejected for f in self.files for t in f.load.tables)


class StrictImportAborted(Exception):
    """A strict import found rejects: nothing was changed; `report` says why."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.rejected} rows rejected; strict import aborted, nothing was changed")
        self.report = report


_REJECTED_LINES = "SELECT DISTINCT line FROM load_rejects WHERE load_id = ? AND table_name = 'responses'"


def open_export(path: Path | str, source: str = "auto") -> Export:
    """The export in `path`, its tool detected from its header rows (or the one `source` names)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    rows, reading = first_rows(path)
    if not rows:
        raise ImportFailed(f"{path.name}: the file is empty")
    if source == "csv":
        return generic.read(path, rows, "csv", reading)
    for name, module in DETECTORS.items():
        tool = module.detect(rows)
        if tool and source in ("auto", name):
            return module.read(path, rows, tool, reading)
        if tool:
            raise ImportFailed(f"{path.name}: --source {source}, but this is a {tool} export")
    looked_for = [m.SIGNATURE for name, m in DETECTORS.items() if source in ("auto", name)]
    wanted = "a survey-tool export" if source == "auto" else f"a {source} export"
    raise ImportFailed(
        f"{path.name}: not {wanted} this importer recognises. Looked for: "
        + "; ".join(looked_for)
        + ". Import it with --source csv and a mapping"
    )


def prepare(paths: list[Path | str], mapping: Mapping, options: Options) -> list[Plan]:
    """Detect and plan every file before anything is written: a refusal stops the import with nothing changed."""
    source = mapping.source if options.source == "auto" and mapping.source else options.source
    return [plan(open_export(p, source), mapping, options.timezone, options.keep_unfinished) for p in paths]


def _rejects_table(rejects: list[tuple[int, str | None, str | None, str]]) -> pa.Table:
    """The importer's rejects as a table (inserted in one statement, however many there are)."""
    names = ("line", "column_name", "value", "reason")
    types = (pa.int64(), pa.string(), pa.string(), pa.string())
    return pa.table(
        {n: pa.array([r[i] for r in rejects], t) for i, (n, t) in enumerate(zip(names, types, strict=True))}
    )


def _record_import_rejects(conn: Connection, report: LoadReport, file: str, converted: Converted) -> None:
    """Rows the importer itself rejected join the loader's rejects of the responses table."""
    rejects = converted.rejects
    if not rejects:
        return
    conn.register("import_rejects", _rejects_table(rejects))
    conn.execute(
        "INSERT INTO load_rejects SELECT ?, 'responses', ?, line, column_name, value, reason FROM import_rejects",
        [report.load_id, file],
    )
    conn.unregister("import_rejects")
    lines = len({line for line, *_ in rejects})
    conn.execute(
        "UPDATE load_log SET rows_read = rows_read + ?, rejected = rejected + ? "
        "WHERE load_id = ? AND table_name = 'responses'",
        [lines, lines, report.load_id],
    )
    room = max(REJECTS_KEPT - len(report.rejects), 0)
    report.rejects.extend(Reject("responses", file, *reject) for reject in rejects[:room])
    report.rejects.sort(key=lambda r: (r.line, r.table))
    old = report.tables[0]
    report.tables[0] = TableResult(
        old.table, old.source, old.rows_read + lines, old.inserted, old.updated, old.unchanged, old.rejected + lines
    )


def notes(plan_: Plan, converted: Converted) -> list[str]:
    """What a reader of the load should know: the tool, the zone used and why, and the `cautions`."""
    return [f"{plan_.export.tool} export", f"time zone {plan_.zone_note}", *cautions(plan_, converted)]


def cautions(plan_: Plan, converted: Converted) -> list[str]:
    """Times read without seconds (an Excel re-save), unfinished responses kept."""
    found = []
    if converted.minute_only:
        found.append(f"{converted.minute_only} times have no seconds (an Excel re-save?); read as :00")
    if plan_.keep_unfinished:
        found.append("unfinished responses kept")
    return found


def _log_drops_and_notes(conn: Connection, load_id: str, converted: Converted, found: list[str]) -> None:
    """The export's drops by reason and its notes, on its responses row of load_log."""
    dropped = [converted.dropped.get(reason, 0) for reason in ("test", "preview", "unfinished")]
    conn.execute(
        "UPDATE load_log SET dropped_test = ?, dropped_preview = ?, dropped_unfinished = ?, notes = ? "
        "WHERE load_id = ? AND table_name = 'responses'",
        [*dropped, "; ".join(found), load_id],
    )


def _import_one(conn: Connection, plan_: Plan, loaded_by: str) -> FileReport:
    """Convert one export and load its rows inside the caller's transaction."""
    converted = convert(plan_)
    report = LoadReport(load_id=uuid.uuid4().hex[:12], loaded_by=loaded_by)
    path = plan_.export.path
    report.tables.append(load_table(conn, report, DataFile("responses", path), Staged(converted.response_table())))
    _record_import_rejects(conn, report, path.name, converted)
    _log_drops_and_notes(conn, report.load_id, converted, notes(plan_, converted))
    if plan_.attributes:
        rejected = {line for (line,) in conn.execute(_REJECTED_LINES, [report.load_id]).fetchall()}
        staged = Staged(converted.attribute_table(rejected))
        report.tables.append(load_table(conn, report, DataFile("response_attributes", path), staged))
    return FileReport(path, plan_, converted, report)


def _import_all(conn: Connection, plans: list[Plan], options: Options, result: ImportReport, loaded_by: str) -> None:
    """Every planned export into the caller's transaction; strict aborts on any reject."""
    for plan_ in plans:
        result.files.append(_import_one(conn, plan_, loaded_by))
    if options.strict and result.rejected:
        raise StrictImportAborted(result)


def _run(conn: Connection, plans: list[Plan], options: Options, result: ImportReport, loaded_by: str) -> None:
    """Every file in one transaction; committed unless strict finds rejects or this is a dry run."""
    with transaction(conn):
        _import_all(conn, plans, options, result, loaded_by)
        if options.dry_run:
            raise DryRunDone


def import_files(
    paths: list[Path | str], target: str | Path, mapping: Mapping, options: Options | None = None, loaded_by: str = ""
) -> ImportReport:
    """Import the exports into the database `target`, all or nothing (a dry run changes nothing); `loaded_by` is
    recorded in load_log."""
    options = options or Options()
    return import_plans(prepare(paths, mapping, options), target, options, loaded_by)


def import_plans(plans: list[Plan], target: str | Path, options: Options, loaded_by: str = "") -> ImportReport:
    """Load planned exports into `target` in one transaction."""
    result = ImportReport(dry_run=options.dry_run)
    missing = db.is_file_target(target) and not Path(target).exists()
    where = ":memory:" if options.dry_run and missing else target
    try:
        with db.writable(where) as conn:
            _run(conn, plans, options, result, loaded_by)
    except DryRunDone:
        return result
    result.committed = True
    return result


def exports_beside_mappings(folder: Path | str) -> list[tuple[Path, Path]]:
    """(export, mapping) pairs of a data folder: each export (`NAME.csv`, `.txt`, `.xlsx`, ...) that is not a contract
    table, with `NAME.toml` beside it (names compared ignoring case: `Survey.CSV` goes with `survey.toml`)."""
    tables = {t.name for t in TABLES}
    files = sorted(p for p in Path(folder).iterdir() if p.is_file())
    mappings = {p.stem.lower(): p for p in files if p.suffix.lower() == ".toml"}
    exports = [p for p in files if p.suffix.lower() in EXPORT_SUFFIXES and p.stem not in tables]
    return [(p, mappings[p.stem.lower()]) for p in exports if p.stem.lower() in mappings]


def _refuse_lone_mappings(folder: Path, pairs: list[tuple[Path, Path]]) -> None:
    """A mapping with no export beside it means an export is missing or misnamed: stop before anything loads."""
    used = {mapping_file for _, mapping_file in pairs}
    for lone in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".toml" and p not in used):
        raise ImportFailed(
            f"{lone.name}: a mapping with no export beside it: name the export {lone.stem} with one of "
            + ", ".join(EXPORT_SUFFIXES)
        )


def folder_plans(folder: Path | str, options: Options) -> list[Plan]:
    """The planned imports of a data folder's exports that have a mapping beside them (checked before any write)."""
    if not Path(folder).is_dir():
        return []  # the loader says it is not a folder
    plans, pairs = [], exports_beside_mappings(folder)
    _refuse_lone_mappings(Path(folder), pairs)
    for export, mapping_file in pairs:
        plans += prepare([export], mapping_module.load(mapping_file), options)
    return plans


def load_folder(
    folder: Path | str,
    target: str | Path,
    options: Options | None = None,
    progress: Progress | None = None,
    loaded_by: str = "",
) -> tuple[LoadReport, ImportReport]:
    """Load a data folder's contract files and import its exports (NAME.csv or .xlsx beside NAME.toml) in one
    transaction: everything in the folder loads, or nothing does (a dry run: nothing changes either way)."""
    options = options or Options()
    plans = folder_plans(folder, options)
    result = ImportReport(dry_run=options.dry_run)
    write = lambda conn: _import_all(conn, plans, options, result, loaded_by)  # noqa: E731
    also = Also(frozenset({"responses"}), write) if plans else None
    report = load.load_folder(
        folder,
        target,
        strict=options.strict,
        progress=progress,
        also=also,
        loaded_by=loaded_by,
        dry_run=options.dry_run,
    )
    result.committed = report.committed
    return report, result
