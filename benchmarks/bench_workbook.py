"""Which reader for survey-tool exports saved as .xlsx: python-calamine against openpyxl's read-only mode.

    python benchmarks/bench_workbook.py [--responses 200000] [--keep]

Writes a SurveyMonkey-shaped workbook (two header rows, numeric ids, Excel dates, an NPS score, a comment, ten
ratings) with openpyxl, then reads every cell of it in a fresh Python process per reader, so that each peak memory
is its own, and prints the time and peak resident memory of each and the ratio openpyxl s / calamine s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import emit, peak_rss_mb, run_phase, timed  # noqa: E402

HEADER = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Custom Data 1", "NPS", "Why?"]


def write(path: Path, responses: int) -> None:
    """A SurveyMonkey-shaped .xlsx of `responses` rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet")
    sheet.append(HEADER + [f"Rating {i}" for i in range(10)])
    sheet.append([None] * 6 + ["Response", "Open-Ended Response"] + ["Response"] * 10)
    rng, start = random.Random(42), datetime(2026, 1, 1)
    for i in range(responses):
        when = start + timedelta(seconds=rng.randrange(60 * 86400))
        row = [114000000000 + i, 431000001, when, when + timedelta(minutes=3), "198.51.100.4", f"C{i % 5000}"]
        sheet.append(row + [rng.randint(0, 10), "a comment of a few words"] + [rng.randint(1, 5) for _ in range(10)])
    book.save(path)


def read_calamine(path: Path) -> int:
    """Every row through the importer's own reader (python-calamine, cells turned into text)."""
    from cxmetrics.ingest.imports import workbook

    return sum(1 for _ in workbook.rows(path))


def read_openpyxl(path: Path) -> int:
    """Every row through openpyxl's read-only, values-only mode, cells turned into text the same way."""
    from openpyxl import load_workbook

    from cxmetrics.ingest.imports.workbook import cell_text

    book = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for values in book.worksheets[0].iter_rows(values_only=True) if [cell_text(v) for v in values])
    book.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--phase", choices=("calamine", "openpyxl"))
    parser.add_argument("--path", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the generated workbook")
    args = parser.parse_args()
    if args.phase:
        seconds, rows = timed(lambda: (read_calamine if args.phase == "calamine" else read_openpyxl)(args.path))
        emit({"seconds": seconds, "rows": rows, "peak_mb": peak_rss_mb()})
        return
    path = Path(tempfile.mkdtemp()) / "surveymonkey.xlsx"
    seconds, _ = timed(lambda: write(path, args.responses))
    print(f"wrote {args.responses:,} responses ({path.stat().st_size / 2**20:.1f} MB) in {seconds:.1f} s")
    phases = ("calamine", "openpyxl")
    results = {name: run_phase(Path(__file__), ["--phase", name, "--path", str(path)]) for name in phases}
    for name, result in results.items():
        print(f"{name:<10}{result['rows']:>10,} rows {result['seconds']:>8.1f} s {result['peak_mb']:>8,.0f} MB peak")
    print(f"ratio (openpyxl s / calamine s): {results['openpyxl']['seconds'] / results['calamine']['seconds']:.1f}x")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
