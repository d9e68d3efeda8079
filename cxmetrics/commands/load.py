"""`python -m cxmetrics load DATA_DIR --db PATH`: validate and load a data folder (its contract files and the
survey-tool exports that have a mapping beside them, in one transaction)."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from cxmetrics import db
from cxmetrics.commands.import_ import command_line_user, exports_beside, print_report
from cxmetrics.commands.rejects import print_rejects
from cxmetrics.ingest import imports
from cxmetrics.ingest.imports import ImportFailed, StrictImportAborted
from cxmetrics.ingest.load import LoadReport, StrictLoadAborted
from cxmetrics.ingest.staging import LoadError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `load` sub-command."""
    parser = sub.add_parser("load", help="validate a data folder and load it into the database")
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder with one CSV or Parquet file per table")
    parser.add_argument("--db", default=None, help="database path or connection string (default: CX_DB)")
    parser.add_argument("--strict", action="store_true", help="abort the whole load if any row is rejected")
    parser.add_argument("--dry-run", action="store_true", help="show what the load would do; change nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def _summary(report: LoadReport) -> str:
    """A plain-text table of what each file did."""
    lines = [f"{'table':<22}{'read':>10}{'inserted':>10}{'updated':>10}{'unchanged':>11}{'rejected':>10}"]
    for t in report.tables:
        lines.append(f"{t.table:<22}{t.rows_read:>10}{t.inserted:>10}{t.updated:>10}{t.unchanged:>11}{t.rejected:>10}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load the folder; exit 0 when everything loaded, 1 when anything was rejected or the load was aborted."""
    target = args.db or db.configured_target()
    bar = None if args.quiet else tqdm(total=1, unit="file", desc="loading")

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(label)
        bar.refresh()

    options = imports.Options(strict=args.strict, dry_run=args.dry_run)
    try:
        report, imported = imports.load_folder(
            args.data_dir, target, options, progress if bar else None, loaded_by=command_line_user()
        )
    except (LoadError, ImportFailed) as exc:
        print(f"error: {exc}\nnothing was loaded", file=sys.stderr)
        return 1
    except (StrictLoadAborted, StrictImportAborted) as exc:
        print_rejects(exc.report.rejects)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar:
            bar.close()
    for name in sorted(set(report.ignored_files) - exports_beside(args.data_dir)):
        print(f"note: ignored {name} (not a table of the data contract)", file=sys.stderr)
    for column in report.ignored_columns:
        print(f"warning: ignored column {column} (not in the data contract: misspelled?)", file=sys.stderr)
    print(_summary(report))
    print_rejects(report.rejects)
    if imported.files:
        print_report(imported, target)
    rejected = report.rejected + imported.rejected
    if report.dry_run:
        print(f"dry run: nothing was changed; {rejected} rows would be rejected")
        return 1 if rejected else 0
    print(f"loaded into {target} (load {report.load_id}); {report.rejected} rows rejected")
    return 1 if rejected else 0
