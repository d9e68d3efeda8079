"""`python -m cxmetrics sample`: generate the deterministic synthetic sample world."""

from __future__ import annotations

import argparse
from pathlib import Path

from cxmetrics.sample.world import DEFAULT_RESPONSES, generate


def register(subparsers) -> None:
    """Add the `sample` sub-command."""
    parser = subparsers.add_parser(
        "sample",
        help="generate the synthetic sample world (Parquet tables plus truth.json)",
        description="Write a deterministic synthetic company (one Parquet file per table and truth.json, the "
        "planted parameters and realised figures) into a folder.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the tables into")
    parser.add_argument(
        "--responses",
        type=int,
        default=DEFAULT_RESPONSES,
        metavar="N",
        help=f"approximate number of survey responses; customers scale with it (default {DEFAULT_RESPONSES:,})",
    )
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default 42)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the world and print a one-line summary."""
    if args.responses < 1:
        raise SystemExit("--responses must be positive")
    truth = generate(args.out, responses=args.responses, seed=args.seed, progress=True)
    sizes = truth["sizes"]
    print(f"wrote {sizes['responses']:,} responses from {sizes['customers']:,} customers to {args.out}")
    return 0
