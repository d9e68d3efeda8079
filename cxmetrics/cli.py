"""The command line: each sub-command lives in its own module under `cxmetrics.commands` and registers itself."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "cxmetrics.commands.load",
    "cxmetrics.commands.import_",
    "cxmetrics.commands.schema",
    "cxmetrics.commands.sample",
    "cxmetrics.commands.metrics",
    "cxmetrics.commands.query",
    "cxmetrics.commands.pack",
    "cxmetrics.commands.schedule",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="python -m cxmetrics", description="Executive CX dashboard tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the chosen sub-command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)
