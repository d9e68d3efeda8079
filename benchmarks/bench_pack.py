"""Benchmark of the weekly review pack on the sample world (goal: under 30 s for a pack on a 2-core machine).

    python benchmarks/bench_pack.py [--db PATH] [--runs 3] [--region EMEA]

Without `--db` the committed sample world (`sample_data/`) is loaded into a temporary database first (not timed).
Each run is a fresh Python process, so a run pays what a scheduled `python -m cxmetrics pack` pays: imports, the
reports' builds (`build`), then drawing the charts and printing the PDF in one Chromium session (`draw`). Printed
per run: build s, draw s, total s, the Python process's peak memory and the peak of Chromium's processes' summed memory,
and the CPU seconds of each (on a busy machine the wall time waits for a core; the CPU time does not).

The baseline measured in the same run is the Scorecard's build alone in a fresh process (`scorecard s`): on a loaded
machine every figure rises, and the ratio pack / scorecard says how much of that is load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASE = """
import json, sys, time
start = time.perf_counter()
import duckdb
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.review import pack as review_pack
from cxmetrics.reports.scorecard import view as scorecard_view
from benchmarks.harness import peak_rss_mb
from benchmarks.bench_pack import BrowserMemory
db, region, what = sys.argv[1], sys.argv[2], sys.argv[3]
conn = duckdb.connect(db, read_only=True)
filters = Filters(scope=AccessScope(regions=(region,))) if region else Filters()
imported = time.perf_counter()
pages = 0
with BrowserMemory() as browser:
    if what == "scorecard":
        week, _ = review_pack.review_week(conn, None)
        scorecard_view.build(conn, filters, week)
        built = drawn = time.perf_counter()
    else:
        pack = review_pack.build(conn, filters)
        built = time.perf_counter()
        pdf = review_pack.render_pack(pack, "pdf")
        drawn = time.perf_counter()
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
print(json.dumps({
    "import_s": imported - start, "build_s": built - imported, "draw_s": drawn - built, "total_s": drawn - start,
    "peak_mb": peak_rss_mb(), "browser_peak_mb": browser.peak_mb, "pages": pages,
    "cpu_s": time.process_time(), "browser_cpu_s": browser.cpu_s,
}))
"""


class BrowserMemory:
    """The peak of the summed resident memory of this process's descendants (Chromium's processes), sampled every
    0.1 s while in use, and the CPU time they used (as last sampled). Chromium's processes share pages, so the sum
    overstates the memory they use together."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> BrowserMemory:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        """The CPU seconds (user and system) the descendants used."""
        return sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK")

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            pids = _descendants(os.getpid())
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(pid) for pid in pids) / 1024)
            for pid in pids:
                self._ticks[pid] = max(self._ticks.get(pid, 0), _cpu_ticks(pid))


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/*/stat."""
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return found


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def run_phase(db: Path, region: str, what: str) -> dict:
    """One run in a fresh Python process; its figures."""
    done = subprocess.run(
        [sys.executable, "-c", PHASE, str(db), region, what], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def sample_database(folder: Path) -> Path:
    """The committed sample world loaded into a database in `folder`."""
    from cxmetrics.ingest.load import load_folder

    target = folder / "cx.duckdb"
    load_folder(ROOT / "sample_data", target)
    return target


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="Database to build the packs from (default: the sample world).")
    parser.add_argument("--runs", type=int, default=3, help="Runs of each phase (default 3).")
    parser.add_argument("--region", default="", help="A regional leader's scope instead of the whole company.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cx-bench-pack-") as folder:
        db = args.db or sample_database(Path(folder))
        print(f"load average before: {_load_average()}")
        rows = []
        for _ in range(args.runs):
            rows.append(("scorecard", run_phase(db, args.region, "scorecard")))
            rows.append(("pack", run_phase(db, args.region, "pack")))
        print(f"load average after: {_load_average()}")
    header = (
        f"{'phase':<10}{'import s':>10}{'build s':>10}{'draw s':>9}{'total s':>10}{'peak MB':>10}{'browser MB':>12}"
    )
    print(header + f"{'pages':>7}{'CPU s':>8}{'browser CPU s':>15}")
    for name, row in rows:
        print(
            f"{name:<10}{row['import_s']:>10.2f}{row['build_s']:>10.2f}{row['draw_s']:>9.2f}{row['total_s']:>10.2f}"
            f"{row['peak_mb']:>10.0f}{row['browser_peak_mb']:>12.0f}{row['pages']:>7}{row['cpu_s']:>8.1f}"
            f"{row['browser_cpu_s']:>15.1f}"
        )
    packs = [r["total_s"] for n, r in rows if n == "pack"]
    cards = [r["total_s"] for n, r in rows if n == "scorecard"]
    print(
        f"median pack {statistics.median(packs):.1f} s (goal < 30 s); median scorecard alone "
        f"{statistics.median(cards):.1f} s; ratio {statistics.median(packs) / statistics.median(cards):.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
