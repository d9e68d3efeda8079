"""`python -m cxmetrics import FILE... --db PATH`: import survey-tool exports (see cxmetrics.ingest.imports)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from cxmetrics import db
from cxmetrics.commands.rejects import print_rejects
from cxmetrics.ingest import imports
from cxmetrics.ingest.imports import FileReport, ImportFailed, ImportReport, StrictImportAborted
from cxmetrics.ingest.staging import LoadError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `import` sub-command."""
    parser = sub.add_parser("import", help="import survey-tool exports (Qualtrics, SurveyMonkey, Typeform, ...)")
    parser.add_argument("files", nargs="+", metavar="FILE", help="export files (CSV), imported together")
    parser.add_argument("--db", default=None, help="database path or connection string (default: CX_DB)")
    parser.add_argument("--source", choices=imports.SOURCES, default="auto", help="the tool (default: detected)")
    parser.add_argument("--mapping", type=Path, default=None, help="TOML mapping of export columns to the contract")
    parser.add_argument("--map", action="append", default=[], metavar="KEY=COLUMN", help="take KEY from a column")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a constant for the file")
    parser.add_argument("--timezone", default=None, help="IANA zone of times in files that state none")
    parser.add_argument("--keep-unfinished", action="store_true", help="import unfinished responses too")
    parser.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    parser.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    parser.set_defaults(run=run)


def _file_summary(result: FileReport) -> list[str]:
    """The detected format, the mapping in use, the counts and the notes of one file."""
    lines = [f"{result.path.name}: {result.plan.export.tool} export", "  mapping:"]
    lines += [f"    {line}" for line in result.plan.describe()]
    lines.append("  " + ", ".join(f"{name} {count}" for name, count in result.counts.items()))
    if result.converted.minute_only:
        lines.append(f"  note: {result.converted.minute_only} times have no seconds (an Excel re-save?); read as :00")
    return lines


def _print(report: ImportReport, target: str) -> None:
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
        report = imports.import_files(args.files, target, mapping, options, command_line_user())
    except (ImportFailed, LoadError) as exc:
        print(f"error: {exc}\nnothing was imported", file=sys.stderr)
        return 1
    except StrictImportAborted as exc:
        print_rejects(exc.report.rejects)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print(report, target)
    return 1 if report.rejected else 0


def command_line_user() -> str:
    """Who a load from the command line is recorded as: the system user, marked as such."""
    return f"{getpass.getuser()} (command line)"


def exports_beside(folder: str) -> set[str]:
    """For `load`: the names of a folder's exports that have a mapping beside them, and of their mappings."""
    pairs = imports.exports_beside_mappings(folder) if Path(folder).is_dir() else []
    return {p.name for pair in pairs for p in pair}


def import_beside(folder: str, target: str, strict: bool) -> bool:
    """For `load`: import the folder's exports that have a mapping beside them (NAME.csv + NAME.toml), in a
    transaction of their own after the folder's load; True when anything was rejected or refused."""
    try:
        report = imports.import_folder(folder, target, imports.Options(strict=strict), command_line_user())
    except (ImportFailed, LoadError) as exc:
        print(f"error: {exc}\nno export of the folder was imported", file=sys.stderr)
        return True
    except StrictImportAborted as exc:
        print_rejects(exc.report.rejects)
        print(f"error: {exc}", file=sys.stderr)
        return True
    if report is None:
        return False
    _print(report, target)
    return bool(report.rejected)
