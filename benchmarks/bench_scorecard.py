"""Benchmark the scorecard's queries on generated worlds of N responses, against the naive pandas way.

    python benchmarks/bench_scorecard.py --responses 1000000 10000000 [--seed 42] [--keep]

For each N: generate the sample world and load it into a DuckDB file (both cached in a temporary folder keyed by N
and seed; `--keep` keeps them for the next run), then, each in a fresh Python process so that peak memory figures do
not mix:
- engine: open the database and run the query set once (cold: a new process and connection; the operating
  system's page cache may still hold the file from earlier phases), then five more times on the same connection
  (warm: the median);
- naive: read the tables the query set needs into pandas and compute the same numbers with groupbys (naive s,
  reading included), then recompute them from the frames already in memory (naive warm s: the median).
The engine's and the naive numbers must agree to the 6th decimal, or the run fails. The table is printed and written
as JSON. Later pages add their query sets to `QUERY_SETS`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from benchmarks import harness  # noqa: E402
from benchmarks.naive_scorecard import NaiveScorecard, as_float, read_tables  # noqa: E402
from cxmetrics import periods, query  # noqa: E402
from cxmetrics.filters import Filters  # noqa: E402
from cxmetrics.periods import Period  # noqa: E402

SCRIPT = Path(__file__).resolve()
DEFAULT_SIZES = (1_000_000, 10_000_000)
TOLERANCE = 1e-6

# --- the scorecard's query set -------------------------------------------------------------------------------------

STATEMENT_METRICS: tuple[str, ...] = (
    "nps",
    "csat",
    "ces",
    "responses",
    "logo_retention",
    "churn_rate",
    "nrr",
    "repeat_purchase_rate",
    "revenue",
    "gross_margin_pct",
    "cost_to_serve",
    "complaints_per_1000",
    "complaint_recovery_rate",
    "fcr_rate",
    "follow_up_2bd",
    "enps",
)
CHANGE_METRICS: tuple[str, ...] = ("nps", "csat")
CHANGE_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint")
TREND_PERIODS = 13
SNAPSHOT_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f"{prefix}value", f"{prefix}n") for prefix in ("", "prior_", "last_year_", "rolling_4w_", "rolling_13w_")
)


def trend_weeks(week: Period) -> list[Period]:
    """The 13 ISO weeks ending with `week`."""
    return periods.periods_between("week", week.start - timedelta(weeks=TREND_PERIODS - 1), week.end)


def trend_months(month: Period) -> list[Period]:
    """The 13 months ending with `month`."""
    start = month.start
    for _ in range(TREND_PERIODS - 1):
        start = periods.period_containing("month", start - timedelta(days=1)).start
    return periods.periods_between("month", start, month.end)


def scorecard_queries(conn) -> dict[str, pd.DataFrame]:
    """The scorecard page's complete query set for the last complete week: what the benchmark times.

    The statement's metrics with prior week, same week last year, rolling windows and targets; the weekly NPS trend
    with last year's weeks and the monthly revenue trend (13 periods each); "what changed" scans of NPS and CSAT by
    region, segment and touchpoint.
    """
    filters = Filters()
    week, month = query.latest_period(conn, "week"), query.latest_period(conn, "month")
    results = {"statement": query.snapshot(conn, STATEMENT_METRICS, filters, week)}
    weeks, months = trend_weeks(week), trend_months(month)
    results["nps_trend"] = query.metric_frame(
        conn, "nps", filters.with_period(weeks[0].start, week.end), "week", compare="last_year"
    )
    results["revenue_trend"] = query.metric_frame(
        conn, "revenue", filters.with_period(months[0].start, month.end), "month"
    )
    for dim in CHANGE_DIMENSIONS:
        results[f"by_{dim}"] = query.snapshot(conn, CHANGE_METRICS, filters, week, by=dim)
    return results


# --- numbers to compare: {"part|metric|dimension value|column": value} ---------------------------------------------


def _key(part: str, metric: str, dim: str, column: str) -> str:
    return f"{part}|{metric}|{dim}|{column}"


def _number(column: str, value) -> float:
    """A compared number; a missing n counts as 0."""
    number = as_float(value)
    return 0.0 if column.endswith("n") and math.isnan(number) else number


def scorecard_numbers(results: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The engine's numbers of the scorecard query set, flattened for comparison."""
    numbers = {}
    for part, frame in results.items():
        by = part.removeprefix("by_") if part.startswith("by_") else None
        for row in frame.to_dict("records"):
            if part.endswith("_trend"):
                metric, dim, columns = part.removesuffix("_trend"), row["period_label"], ("value", "n")
                columns += ("compare_value", "compare_n") if "compare_value" in row else ()
            else:
                metric, dim = row["metric"], row[by] if by else ""
                columns = [c for pair in SNAPSHOT_COLUMNS for c in pair]
            numbers |= {_key(part, metric, dim, c): _number(c, row[c]) for c in columns}
    return numbers


def _naive_snapshot(naive: NaiveScorecard, part: str, metrics, week: Period, by: str | None) -> dict[str, float]:
    numbers = {}
    chosen = list(query.snapshot_periods(week).values())
    for metric in metrics:
        current, *others = [naive.value(metric, p, by) for p in chosen]
        for dim in current.index:
            for (value_col, n_col), frame in zip(SNAPSHOT_COLUMNS, [current, *others], strict=True):
                found = dim in frame.index
                numbers[_key(part, metric, dim, value_col)] = as_float(frame.at[dim, "value"]) if found else math.nan
                numbers[_key(part, metric, dim, n_col)] = _number(n_col, frame.at[dim, "n"] if found else 0)
    return numbers


def _naive_trend(naive: NaiveScorecard, metric: str, shown: list[Period], compare: bool) -> dict[str, float]:
    numbers = {}
    for period in shown:
        row = naive.value(metric, period).loc[""]
        numbers |= {_key(f"{metric}_trend", metric, period.label, c): _number(c, row[c]) for c in ("value", "n")}
        if compare:
            last_year = naive.value(metric, periods.same_last_year(period)).loc[""]
            numbers[_key(f"{metric}_trend", metric, period.label, "compare_value")] = as_float(last_year["value"])
            numbers[_key(f"{metric}_trend", metric, period.label, "compare_n")] = _number("n", last_year["n"])
    return numbers


def naive_scorecard(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `scorecard_queries`, computed with pandas from the tables in memory."""
    naive = NaiveScorecard(tables)
    last_day = naive.responses["responded_at"].max().date()
    week, month = periods.last_complete("week", last_day), periods.last_complete("month", last_day)
    numbers = _naive_snapshot(naive, "statement", STATEMENT_METRICS, week, None)
    numbers |= _naive_trend(naive, "nps", trend_weeks(week), compare=True)
    numbers |= _naive_trend(naive, "revenue", trend_months(month), compare=False)
    for dim in CHANGE_DIMENSIONS:
        numbers |= _naive_snapshot(naive, f"by_{dim}", CHANGE_METRICS, week, dim)
    return numbers


@dataclass(frozen=True)
class QuerySet:
    """A page's queries as the engine runs them, their numbers, the naive equivalent and the numbers that must
    be present (not missing) in both."""

    run: Callable[[object], dict[str, pd.DataFrame]]
    numbers: Callable[[dict[str, pd.DataFrame]], dict[str, float]]
    naive: Callable[[dict[str, pd.DataFrame]], dict[str, float]]
    required: tuple[str, ...]


QUERY_SETS: dict[str, QuerySet] = {
    "scorecard": QuerySet(
        scorecard_queries,
        scorecard_numbers,
        naive_scorecard,
        required=(
            _key("statement", "nps", "", "value"),
            _key("statement", "csat", "", "value"),
            _key("statement", "revenue", "", "value"),
            _key("by_region", "nps", "*", "value"),
            _key("by_region", "csat", "*", "value"),
        ),
    ),
}


def verify(engine: dict[str, float], naive: dict[str, float], required: tuple[str, ...]) -> int:
    """Assert the naive numbers equal the engine's to the 6th decimal; returns how many numbers were compared."""
    assert engine.keys() == naive.keys(), f"different results: {sorted(engine.keys() ^ naive.keys())[:10]}"
    wrong = [
        f"{key}: engine {engine[key]!r}, naive {naive[key]!r}"
        for key in engine
        if not (engine[key] == naive[key] or math.isclose(engine[key], naive[key], rel_tol=1e-12, abs_tol=TOLERANCE))
        and not (math.isnan(engine[key]) and math.isnan(naive[key]))
    ]
    assert not wrong, "engine and naive numbers differ:\n" + "\n".join(wrong[:20])
    for pattern in required:
        prefix, _, suffix = pattern.partition("*")
        present = [k for k in engine if k.startswith(prefix) and k.endswith(suffix) and not math.isnan(engine[k])]
        assert present, f"no {pattern} number to compare"
    return len(engine)


# --- phases (each in its own process) ------------------------------------------------------------------------------


def phase_generate(args: argparse.Namespace) -> dict:
    from cxmetrics.sample_world import generate

    seconds, _ = harness.timed(lambda: generate(args.out, responses=args.responses[0], seed=args.seed))
    return {"cold_s": seconds, "peak_mb": harness.peak_rss_mb(), "size_mb": harness.folder_mb(args.out)}


def phase_load(args: argparse.Namespace) -> dict:
    from cxmetrics.ingest import load_folder

    seconds, report = harness.timed(lambda: load_folder(args.world, args.db, fresh=True))
    return {
        "cold_s": seconds,
        "peak_mb": harness.peak_rss_mb(),
        "size_mb": harness.folder_mb(args.db),
        "rejected": report.rejected,
    }


def phase_engine(args: argparse.Namespace) -> dict:
    from cxmetrics import db

    query_set = QUERY_SETS[args.query_set]
    baseline = harness.rss_mb()
    cold, (conn, results) = harness.timed(lambda: (c := db.connect_read_only(args.db), query_set.run(c)))
    warm = harness.median_time(lambda: query_set.run(conn))
    Path(args.numbers).write_text(json.dumps(query_set.numbers(results)))
    return {"cold_s": cold, "warm_s": warm, "peak_mb": harness.peak_rss_mb(), "baseline_mb": baseline}


def phase_naive(args: argparse.Namespace) -> dict:
    from cxmetrics import db

    query_set = QUERY_SETS[args.query_set]
    baseline = harness.rss_mb()

    def cold_run():
        conn = db.connect_read_only(args.db)
        tables = read_tables(conn)
        conn.close()
        return tables, query_set.naive(tables)

    cold, (tables, numbers) = harness.timed(cold_run)
    warm = harness.median_time(lambda: query_set.naive(tables), runs=args.naive_runs)
    Path(args.numbers).write_text(json.dumps(numbers))
    return {"naive_s": cold, "naive_warm_s": warm, "naive_peak_mb": harness.peak_rss_mb(), "baseline_mb": baseline}


PHASES = {"generate": phase_generate, "load": phase_load, "engine": phase_engine, "naive": phase_naive}


# --- the run -------------------------------------------------------------------------------------------------------


def _cached_phase(record: Path, label: str, fresh: bool, run: Callable[[], dict]) -> dict:
    """Run a build phase, or reuse its recorded figures when its output is cached."""
    if not fresh and record.is_file():
        return json.loads(record.read_text()) | {"phase": f"{label} (cached)"}
    result = run() | {"phase": label}
    record.write_text(json.dumps(result))
    return result


def prepare_world(cache: harness.WorldCache, seed: int) -> tuple[list[dict], bool]:
    """Generate and load the world of `cache` unless cached; the build rows and whether anything was built."""
    fresh_world = not cache.has_world()
    if fresh_world:
        cache.remove()
        cache.folder.mkdir(parents=True)
    print(f"N={cache.responses:,}: {'generating' if fresh_world else 'cached world'} in {cache.folder}", flush=True)
    generated = _cached_phase(
        cache.folder / "generate.json",
        "generate",
        fresh_world,
        lambda: harness.run_phase(
            SCRIPT,
            [
                "--phase",
                "generate",
                "--responses",
                str(cache.responses),
                "--seed",
                str(seed),
                "--out",
                str(cache.world),
            ],
        ),
    )
    cache.stamp.write_text(harness.generator_fingerprint())
    fresh_db = fresh_world or not cache.has_database()
    loaded = _cached_phase(
        cache.folder / "load.json",
        "load",
        fresh_db,
        lambda: harness.run_phase(
            SCRIPT, ["--phase", "load", "--world", str(cache.world), "--db", str(cache.database)]
        ),
    )
    cache.database_stamp.write_text(harness.loader_fingerprint())
    return [generated, loaded], fresh_world or fresh_db


def measure(cache: harness.WorldCache, name: str, naive_runs: int) -> dict:
    """Engine and naive phases of one query set, verified against each other."""
    engine_numbers, naive_numbers = cache.folder / f"{name}.engine.json", cache.folder / f"{name}.naive.json"
    common = ["--db", str(cache.database), "--query-set", name]
    print(f"N={cache.responses:,}: {name}: engine", flush=True)
    engine = harness.run_phase(SCRIPT, ["--phase", "engine", *common, "--numbers", str(engine_numbers)])
    print(f"N={cache.responses:,}: {name}: naive", flush=True)
    naive = harness.run_phase(
        SCRIPT, ["--phase", "naive", *common, "--numbers", str(naive_numbers), "--naive-runs", str(naive_runs)]
    )
    compared = verify(
        json.loads(engine_numbers.read_text()), json.loads(naive_numbers.read_text()), QUERY_SETS[name].required
    )
    return (
        engine
        | naive
        | {
            "phase": name,
            "ratio": naive["naive_s"] / engine["cold_s"],
            "ratio_warm": naive["naive_warm_s"] / engine["warm_s"],
            "numbers_compared": compared,
        }
    )


def run(sizes, seed: int, cache_root: Path, keep: bool, sets, naive_runs: int) -> list[dict]:
    """Every row of the table, N by N."""
    rows = []
    for responses in sizes:
        cache = harness.WorldCache(cache_root, responses, seed)
        built_rows, built = prepare_world(cache, seed)
        rows += [r | {"responses": responses} for r in built_rows]
        rows += [measure(cache, name, naive_runs) | {"responses": responses} for name in sets]
        if built and not keep:
            cache.remove()
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, nargs="+", default=list(DEFAULT_SIZES), metavar="N")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep generated worlds and databases for later runs")
    parser.add_argument("--cache-dir", type=Path, default=harness.DEFAULT_CACHE, help="where worlds are cached")
    parser.add_argument("--json", type=Path, help="where to write the table as JSON (default: in the cache dir)")
    parser.add_argument("--sets", nargs="+", default=list(QUERY_SETS), choices=list(QUERY_SETS))
    parser.add_argument("--naive-runs", type=int, default=3, help="naive warm runs (median)")
    # Internal: one phase in a fresh process.
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    for name in ("out", "world", "db", "numbers"):
        parser.add_argument(f"--{name}", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--query-set", default="scorecard", help=argparse.SUPPRESS)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.phase:
        harness.emit(PHASES[args.phase](args))
        return 0
    load_before = os.getloadavg()
    rows = run(args.responses, args.seed, args.cache_dir, args.keep, args.sets, args.naive_runs)
    print(harness.format_table(rows))
    load_after = os.getloadavg()
    machine = {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after}
    print(f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    out = args.json or args.cache_dir / "bench_scorecard.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seed": args.seed, "machine": machine, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
