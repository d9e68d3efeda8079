"""`python -m cxmetrics schema`: print the data contract as SQL or as the data model document."""

from __future__ import annotations

import argparse

from cxmetrics.ingest import schema


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `schema` sub-command."""
    parser = sub.add_parser("schema", help="print the data contract (DuckDB DDL, or Markdown with --markdown)")
    parser.add_argument("--markdown", action="store_true", help="print docs/data_model.md instead of SQL")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    print(schema.data_model_markdown() if args.markdown else schema.schema_ddl(), end="\n" if args.markdown else "")
    return 0
