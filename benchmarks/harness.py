"""Benchmark plumbing: cached generated worlds, phases run in fresh processes, peak memory, the printed table.

Each phase (generate, load, engine, naive) runs in its own Python process so that its peak resident memory is its
own: DuckDB allocates natively, so `tracemalloc` would miss most of it; the kernel's high-water mark (VmHWM) does not.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "cxmetrics-bench"
WARM_RUNS = 5
_MB = 1024 * 1024


# --- memory and time ---------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    """A memory figure of this process from /proc/self/status (Linux), in kB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM; getrusage where /proc is missing), in MB."""
    kb = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def rss_mb() -> float:
    """This process's current resident memory, in MB (0 where /proc is missing)."""
    return (_status_kb("VmRSS") or 0) / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_time(fn: Callable[[], Any], runs: int = WARM_RUNS) -> float:
    """The median wall time of `runs` calls, in seconds."""
    return statistics.median(timed(fn)[0] for _ in range(runs))


def read_columns(conn, columns: dict[str, str]) -> dict[str, Any]:
    """`{table: "col, col"}` read into pandas frames, one per table (what a naive computation starts from)."""
    return {name: conn.execute(f"SELECT {cols} FROM {name}").fetchdf() for name, cols in columns.items()}  # noqa: S608


def folder_mb(path: Path) -> float:
    """Total size of the files in a folder (or of one file), in MB."""
    if path.is_file():
        return path.stat().st_size / _MB
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / _MB


# --- cached worlds -----------------------------------------------------------------------------------------------


def generator_fingerprint() -> str:
    """A hash of the sample-world generator's code: a cached world made by other code is regenerated."""
    return _files_fingerprint(GENERATOR_FILES)


# The code a generated world depends on: the whole sample package.
GENERATOR_FILES: tuple[str, ...] = ("sample/*.py",)

# The code a loaded database depends on: a database built by other loader code is rebuilt.
LOADER_FILES: tuple[str, ...] = (
    "ingest/*.py",
    "db.py",
    "query/rollups.py",
    "text/*.py",  # the texts' sentiment and themes, and the comments table, are built by the loader
    "text/themes_default.toml",
    "text/sentiment_lexicon.toml",
)


def fingerprinted_files(patterns: tuple[str, ...]) -> list[Path]:
    """The files under cxmetrics/ that `patterns` name; a pattern that names no file is an error, never skipped."""
    found = []
    for pattern in patterns:
        matches = sorted((ROOT / "cxmetrics").glob(pattern))
        if not matches:
            raise FileNotFoundError(f"cxmetrics/{pattern} names no file: the fingerprint list is stale")
        found.extend(matches)
    return found


def _files_fingerprint(patterns: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in fingerprinted_files(patterns):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def loader_fingerprint() -> str:
    """A hash of the loader's code."""
    return _files_fingerprint(LOADER_FILES)


@dataclass(frozen=True)
class WorldCache:
    """Where the world of N responses (and seed) and its database live between runs."""

    root: Path
    responses: int
    seed: int

    @property
    def folder(self) -> Path:
        return self.root / f"responses-{self.responses}-seed-{self.seed}"

    @property
    def world(self) -> Path:
        return self.folder / "world"

    @property
    def database(self) -> Path:
        return self.folder / "cx.duckdb"

    @property
    def stamp(self) -> Path:
        return self.folder / "generator.txt"

    @property
    def database_stamp(self) -> Path:
        return self.folder / "loader.txt"

    def has_database(self) -> bool:
        """Whether a database loaded from the cached world by the current loader code is cached."""
        stamp = self.database_stamp
        return self.database.is_file() and stamp.is_file() and stamp.read_text() == loader_fingerprint()

    def has_world(self) -> bool:
        """Whether a complete world made by the current generator code is cached."""
        return (
            (self.world / "truth.json").is_file()
            and self.stamp.is_file()
            and self.stamp.read_text() == (generator_fingerprint())
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# --- phases in fresh processes -----------------------------------------------------------------------------------


def run_phase(script: Path, args: Sequence[str]) -> dict:
    """Run `script --phase ...` in a fresh Python process and return the JSON object it prints last."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"phase {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def emit(result: dict) -> None:
    """Print a phase's result as the last line of its output, for `run_phase`."""
    print(json.dumps(result, allow_nan=True), flush=True)


# --- the table ---------------------------------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("responses", "N", "{:,}"),
    ("phase", "phase", "{}"),
    ("cold_s", "cold s", "{:.3f}"),
    ("warm_s", "warm s", "{:.4f}"),
    ("peak_mb", "peak MB", "{:,.0f}"),
    ("naive_s", "naive s", "{:.2f}"),
    ("naive_warm_s", "naive warm s", "{:.2f}"),
    ("naive_peak_mb", "naive peak MB", "{:,.0f}"),
    ("ratio", "ratio", "{:.0f}x"),
    ("ratio_warm", "ratio warm", "{:.0f}x"),
    ("size_mb", "size MB", "{:,.0f}"),
)


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt.format(value)


def format_table(rows: Sequence[dict]) -> str:
    """The result rows as a Markdown table (readable in a terminal, pasteable into the README)."""
    lines = ["| " + " | ".join(title for _, title, _ in COLUMNS) + " |"]
    lines.append("|" + "|".join("---:" if key != "phase" else "---" for key, _, _ in COLUMNS) + "|")
    lines += ["| " + " | ".join(_cell(row, key, fmt) for key, _, fmt in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)
