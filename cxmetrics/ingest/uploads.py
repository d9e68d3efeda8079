"""Files uploaded in the app: checked (name, type, size, readable), put in a folder of their own, and loaded or
imported by the command line's own code path (`load_folder`, `import_files`): a dry run first, in a working copy that
is discarded, then the load, all or nothing, recording who loaded it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxmetrics.access import Grant, require_data_role
from cxmetrics.ingest import imports
from cxmetrics.ingest.imports import ImportFailed, ImportReport
from cxmetrics.ingest.imports.importer import EXPORT_SUFFIXES
from cxmetrics.ingest.load import LoadReport, Progress, Reject, load_folder
from cxmetrics.ingest.schema import TABLES
from cxmetrics.ingest.staging import LoadError

CONTRACT_TYPES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")
EXPORT_TYPES: tuple[str, ...] = EXPORT_SUFFIXES  # CSV and text exports, and the tools' workbooks
MAPPING_TYPES: tuple[str, ...] = (".toml",)
COUNT_COLUMNS: tuple[str, ...] = ("rows_read", "add", "replace", "unchanged", "drop", "reject")
REJECT_COLUMNS: tuple[str, ...] = ("file", "line", "column", "value", "reason")


class UploadRefused(ValueError):
    """An upload that cannot be loaded as given (the message names the file and the problem); nothing changed."""


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as uploaded and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Outcome:
    """What a load or import did, or would do (a dry run): the format and mapping detected, the counts per file and
    table, the rejected rows with their reasons, and notes (ignored columns, dropped rows)."""

    kind: str
    dry_run: bool
    counts: pd.DataFrame
    rejects: pd.DataFrame
    rejected: int
    mapping: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _suffix(name: str, allowed: tuple[str, ...]) -> str | None:
    return next((s for s in sorted(allowed, key=len, reverse=True) if name.lower().endswith(s)), None)


def check(upload: Upload, allowed: tuple[str, ...], limit_mb: int) -> None:
    """Refuse a file of a type the loader does not read, an empty one, or one over the upload limit."""
    if _suffix(upload.name, allowed) is None:
        kinds = ", ".join(allowed)
        hint = "; save a spreadsheet as CSV (UTF-8) first" if upload.name.lower().endswith((".xlsx", ".xls")) else ""
        raise UploadRefused(f"{upload.name}: not a file this upload takes (accepted: {kinds}){hint}")
    if not upload.data:
        raise UploadRefused(f"{upload.name}: the file is empty")
    if len(upload.data) > limit_mb * 1024 * 1024:
        size = len(upload.data) / (1024 * 1024)
        raise UploadRefused(f"{upload.name}: {size:.1f} MB is over the upload limit of {limit_mb} MB")


def _table_name(upload: Upload) -> str:
    """The contract table a file is named after; refuses any other name."""
    suffix = _suffix(upload.name, CONTRACT_TYPES) or ""
    stem = upload.name[: -len(suffix)] if suffix else upload.name
    tables = [t.name for t in TABLES]
    if stem not in tables:
        raise UploadRefused(
            f"{upload.name}: not named after a table of the data contract; name it <table>{suffix or '.csv'} with "
            f"one of: {', '.join(tables)}"
        )
    return stem


@contextmanager
def _written(uploads: list[Upload]) -> Iterator[Path]:
    """The uploads as files of a folder of their own, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cx-upload-") as folder:
        for upload in uploads:
            (Path(folder) / Path(upload.name).name).write_bytes(upload.data)
        yield Path(folder)


def _readable(error: Exception, folder: Path) -> UploadRefused:
    """A loader's or reader's error as a refusal that names the file, not the working folder."""
    text = str(error).replace(f"{folder}/", "").replace(str(folder), "the upload")
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
        text = f"cannot be read ({text}): is it a damaged or mislabelled file?"
    return UploadRefused(text)


def _rejects_frame(rejects: list[Reject]) -> pd.DataFrame:
    rows = [(r.file, r.line, r.column, r.value, r.reason) for r in rejects]
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))


def _load_outcome(report: LoadReport) -> Outcome:
    rows = [
        (Path(t.source).name, t.table, t.rows_read, t.inserted, t.updated, t.unchanged, 0, t.rejected)
        for t in report.tables
    ]
    counts = pd.DataFrame(rows, columns=["file", "table", *COUNT_COLUMNS])
    notes = tuple(f"Ignored column {c} (not in the data contract: misspelled?)" for c in report.ignored_columns)
    return Outcome(
        "data-contract files", report.dry_run, counts, _rejects_frame(report.rejects), report.rejected, notes=notes
    )


def load_contract_files(
    uploads: list[Upload],
    target: str,
    grant: Grant,
    who: str,
    *,
    dry_run: bool,
    limit_mb: int,
    progress: Progress | None = None,
) -> Outcome:
    """Load data-contract files (each named after its table) into `target` as `python -m cxmetrics load` does, or
    show what that would do (`dry_run`); only for the CX team and admins."""
    require_data_role(grant)
    if not uploads:
        raise UploadRefused("no file was uploaded")
    for upload in uploads:
        check(upload, CONTRACT_TYPES, limit_mb)
        _table_name(upload)
    with _written(uploads) as folder:
        try:
            report = load_folder(folder, target, progress=progress, loaded_by=who, dry_run=dry_run)
        except (LoadError, OSError, UnicodeError) as error:
            raise _readable(error, folder) from error
    return _load_outcome(report)


def _import_outcome(report: ImportReport) -> Outcome:
    rows = []
    for result in report.files:
        counts = result.counts
        dropped = sum(v for k, v in counts.items() if k.startswith("dropped"))
        rows.append(
            (result.path.name, f"responses ({result.plan.export.tool} export)", counts["read"], counts["added"])
            + (counts["replaced"], counts["unchanged"], dropped, counts["rejected"])
        )
    frame = pd.DataFrame(rows, columns=["file", "table", *COUNT_COLUMNS])
    mapping = tuple(line for result in report.files for line in result.plan.describe())
    notes = tuple(
        f"{result.path.name}: dropped {count} {reason} responses"
        for result in report.files
        for reason, count in result.converted.dropped.items()
        if count
    )
    return Outcome(
        "survey-tool export", report.dry_run, frame, _rejects_frame(report.rejects), report.rejected, mapping, notes
    )


def import_export(
    export: Upload,
    mapping: Upload | None,
    timezone: str | None,
    source: str,
    target: str,
    grant: Grant,
    who: str,
    *,
    dry_run: bool,
    limit_mb: int,
) -> Outcome:
    """Import a survey-tool export with its mapping (a TOML file), time zone and tool (`source`: auto, a tool of
    `imports.SOURCES` or csv) as `python -m cxmetrics import` does, or show what that would do (`dry_run`); only for
    the CX team and admins."""
    require_data_role(grant)
    check(export, EXPORT_TYPES, limit_mb)
    files = [export]
    if mapping is not None:
        check(mapping, MAPPING_TYPES, limit_mb)
        files.append(mapping)
    with _written(files) as folder:
        try:
            setting = imports.load(folder / Path(mapping.name).name if mapping else None)
            options = imports.Options(source=source, timezone=timezone or None, dry_run=dry_run)
            report = imports.import_files([folder / Path(export.name).name], target, setting, options, who)
        except (ImportFailed, LoadError, OSError, UnicodeError) as error:
            raise _readable(error, folder) from error
    return _import_outcome(report)
