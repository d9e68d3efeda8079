"""The first run on a fresh clone: from `streamlit run dashboard.py` to a usable Scorecard in Chromium.

    python benchmarks/bench_first_run.py [--runs 1] [--phases]

Copies the repository's tracked files (as they are in the working tree, without the built `var/` database) to a
temporary folder, starts `streamlit run dashboard.py` there with no `CX_DB` (so the first visit builds the embedded
database from sample_data/, behind its progress bar), opens the root URL in headless Chromium as soon as the server
answers, and waits until the Scorecard has settled. Prints: seconds to a healthy server, seconds from then to the
usable Scorecard, and the total from the command. `--phases` also builds the database once in this process and
prints where that time goes: loading the tables (staging, validation, merge), the rollups, the comment index
(sentiment and themes), and the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pages import CHROMIUM, CHROMIUM_ARGS, _free_port  # noqa: E402

_USABLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const title = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]')
        && title && title.innerText.startsWith('Scorecard')
        && document.querySelectorAll('[data-testid="stMetric"]').length > 0;
}"""


def fresh_clone(target: Path) -> None:
    """The tracked files of the working tree, copied to `target` (what a clone holds, with local edits); outside a
    git checkout (an exported tree), every file but the built database and caches."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode:
        ignored = shutil.ignore_patterns("var", "__pycache__", ".pytest_cache", ".ruff_cache", "screenshots")
        shutil.copytree(ROOT, target, ignore=ignored, dirs_exist_ok=True)
        return
    for name in filter(None, listed.stdout.split(b"\0")):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())


def first_run(folder: Path) -> tuple[float, float]:
    """Seconds to a healthy server, and from then to a usable Scorecard, of one first run in `folder`."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CX_DB", "CX_SAMPLE_DIR")}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    with open(folder / "streamlit.log", "w") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited; see {folder / 'streamlit.log'}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
            time.sleep(0.05)
        healthy = time.perf_counter() - start
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url)
            page.wait_for_function(_USABLE, timeout=300_000, polling=50)
            usable = time.perf_counter() - start - healthy
            browser.close()
        return healthy, usable
    finally:
        process.terminate()
        process.wait(timeout=30)


def _timed(record: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            record[name] = record.get(name, 0.0) + time.perf_counter() - start

    return run


def phases(folder: Path) -> dict[str, float]:
    """Seconds of each part of building the embedded database from `folder`'s sample_data, in this process."""
    from cxmetrics.ingest import load
    from cxmetrics.query import rollups
    from cxmetrics.text import index

    record: dict[str, float] = {}
    originals = (load.load_table, rollups.build, index.build)
    load.load_table = _timed(record, "tables", load.load_table)
    rollups.build = _timed(record, "rollups", rollups.build)
    index.build = _timed(record, "comment index", index.build)
    try:
        with tempfile.TemporaryDirectory(prefix="cx-first-") as tmp:
            start = time.perf_counter()
            load.ensure_built(Path(tmp) / "cx.duckdb", folder / "sample_data")
            record["total"] = time.perf_counter() - start
    finally:
        load.load_table, rollups.build, index.build = originals
    record["rest"] = record["total"] - sum(v for k, v in record.items() if k != "total")
    return record


def main(argv: list[str] | None = None) -> int:
    """Time first runs on fresh copies of the repository and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--phases", action="store_true", help="also time the database build's parts")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| run | server healthy s | to usable Scorecard s | total s |\n|---:|---:|---:|---:|")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="cx-clone-") as tmp:
            fresh_clone(Path(tmp))
            healthy, usable = first_run(Path(tmp))
            print(f"| {run} | {healthy:.1f} | {usable:.1f} | {healthy + usable:.1f} |", flush=True)
    if args.phases:
        found = phases(ROOT)
        print("database build: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
