"""`python -m cxmetrics import FILE... --db PATH`: import survey-tool exports (see cxmetrics.ingest.imports)."""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from pathlib import Path

from cxmetrics import db
from cxmetrics.commands.rejects import print_rejects
from cxmetrics.ingest import imports
from cxmetrics.ingest.imports import FileReport, ImportFailed, ImportReport, StrictImportAborted
from cxmetrics.ingest.staging import LoadError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `import` sub-command."""
    parser = sub.add_parser("import", help="import survey-tool exports (Qualtrics, SurveyMonkey, Typeform, ...)")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="export files (CSV, tab-separated text or .xlsx), imported together"
    )
    parser.add_argument("--db", default=None, help="database path or connection string (default: CX_DB)")
    parser.add_argument("--source", choices=imports.SOURCES, default="auto", help="the tool (default: detected)")
    parser.add_argument("--mapping", type=Path, default=None, help="TOML mapping of export columns to the contract")
    parser.add_argument("--map", action="append", default=[], metavar="KEY=COLUMN", help="take KEY from a column")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a constant for the file")
    parser.add_argument("--timezone", default=None, help="IANA zone of times in files that state none")
    parser.add_argument(
        "--date-order", choices=("mdy", "dmy"), default=None, help="slash dates month first (default) or day first"
    )
    parser.add_argument("--keep-unfinished", action="store_true", help="import unfinished responses too")
    parser.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    parser.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    parser.set_defaults(run=run)


def _file_summary(result: FileReport) -> list[str]:
    """The detected format, the mapping in use, the counts and the notes of one file."""
    lines = [f"{result.path.name}: {result.plan.export.tool} export", "  mapping:"]
    lines += [f"    {line}" for line in result.plan.describe()]
    lines.append("  " + ", ".join(f"{name} {count}" for name, count in result.counts.items()))
    lines += [f"  note: {note}" for note in imports.cautions(result.plan, result.converted)]
    return lines


def print_report(report: ImportReport, target: str) -> None:
    """Each file's summary, the rejects, and where the rows went."""
    for result in report.files:
        print("\n".join(_file_summary(result)))
    print_rejects(report.rejects)
    if report.dry_run:
        print("dry run: nothing was changed")
    else:
        print(f"imported into {target}; {report.rejected} rows rejected")


def run(args: argparse.Namespace) -> int:
    """Import; exit 0 when every kept row loaded, 1 when any was rejected or the import was refused or aborted."""
    target = args.db or db.configured_target()
    options = imports.Options(args.source, args.timezone, args.keep_unfinished, args.dry_run, args.strict)
    try:
        mapping = imports.with_options(imports.load(args.mapping), args.map, args.set)
        if args.date_order:
            mapping = replace(mapping, day_first=args.date_order == "dmy")
        report = imports.import_files(args.files, target, mapping, options, command_line_user())
    except (ImportFailed, LoadError) as exc:
        print(f"error: {exc}\nnothing was imported", file=sys.stderr)
        return 1
    except StrictImportAborted as exc:
        print_rejects(exc.report.rejects)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_report(report, target)
    return 1 if report.rejected else 0


def command_line_user() -> str:
    """Who a load from the command line is recorded as: the system user, marked as such."""
    return f"{getpass.getuser()} (command line)"


def exports_beside(folder: str) -> set[str]:
    """For `load`: the names of a folder's exports that have a mapping beside them, and of their mappings."""
    pairs = imports.exports_beside_mappings(folder) if Path(folder).is_dir() else []
    return {p.name for pair in pairs for p in pair}
