"""Benchmark the scorecard's queries on generated worlds of N responses, against the naive pandas way.

    python benchmarks/bench_scorecard.py --responses 1000000 10000000 [--seed 42] [--keep] [--raw]

For each N: generate the sample world and load it into a DuckDB file (both cached in a temporary folder keyed by N
and seed; `--keep` keeps them for the next run), then, each in a fresh Python process so that peak memory figures do
not mix:
- engine: open the database and run the query set once (cold: a new process and connection; the operating
  system's page cache may still hold the file from earlier phases), then five more times on the same connection
  (warm: the median); with `--raw`, once more reading raw rows only (no rollup tables), to show what they save;
- naive: read the tables and columns the query set declares into pandas and compute the same numbers with groupbys
  (naive s, reading included), then recompute them from the frames already in memory (naive warm s).
The engine's and the naive numbers must agree to the 6th decimal, or the run fails. The table is printed and written
as JSON. Later pages add their query sets to `QUERY_SETS`.
"""

from __future__ import annotations

import argparse
import contextlib
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

from benchmarks import bench_operations, harness, naive_operations  # noqa: E402
from benchmarks.bench_cx_financials import CX_FINANCIALS  # noqa: E402
from benchmarks.bench_journey import JOURNEY  # noqa: E402
from benchmarks.bench_loyalty import LOYALTY  # noqa: E402
from benchmarks.bench_voice import VOICE  # noqa: E402
from benchmarks.naive_scorecard import COLUMNS as SCORECARD_COLUMNS
from benchmarks.naive_scorecard import NONE_LABEL, NaiveScorecard, as_float  # noqa: E402
from cxmetrics import periods
from cxmetrics.filters import Filters  # noqa: E402
from cxmetrics.metrics.registry import get_metric  # noqa: E402
from cxmetrics.periods import Period  # noqa: E402
from cxmetrics.query import frames as query
from cxmetrics.query import moves
from cxmetrics.query.aggregate import sum_columns  # noqa: E402
from cxmetrics.reports.scorecard import view as scorecard

SCRIPT = Path(__file__).resolve()
DEFAULT_SIZES = (1_000_000, 10_000_000)
TOLERANCE = 1e-6

# --- the scorecard's query set -------------------------------------------------------------------------------------


def scorecard_queries(conn) -> scorecard.Scorecard:
    """The scorecard page's complete query set, as the page runs it, for the last complete week, unfiltered:
    `scorecard.build` (headline and statement with prior, last year and targets, 13-period trends, the NPS and
    revenue chart frames, the "what changed" scans by region, segment, touchpoint and touchpoint within region,
    events). This is what the benchmark times."""
    return scorecard.build(conn, Filters(), query.latest_period(conn, "week"))


# --- numbers to compare: {"part|metric|where|column": value} -------------------------------------------------------

STATEMENT_NUMBERS: tuple[str, ...] = ("actual", "prior", "last_year", "n")
WEEKLY_NUMBERS: tuple[str, ...] = ("value", "n", "rolling_13w", "rolling_13w_n")


def _key(part: str, metric: str, where: str, column: str) -> str:
    return f"{part}|{metric}|{where}|{column}"


def _number(column: str, value) -> float:
    """A compared number; a missing count is 0."""
    number = as_float(value)
    return 0.0 if (column == "n" or column.endswith("_n")) and math.isnan(number) else number


def _cell_where(slice_key: str, period: Period) -> str:
    return f"{slice_key}@{period.start}..{period.end}"


def scorecard_numbers(conn, card: scorecard.Scorecard) -> dict[str, float]:
    """The engine's numbers of a scorecard, flattened: the statement (actual, prior, last year, n, 13-period
    trend), the weekly NPS chart, monthly revenue, and the sums of every "what changed" cell (region, segment,
    touchpoint, touchpoint within region), which `build` scans with `moves.scan` (called again here, untimed)."""
    numbers = {}
    for row in card.statement[card.statement["kind"] == "metric"].to_dict("records"):
        numbers |= {_key("statement", row["metric"], "", c): _number(c, row[c]) for c in STATEMENT_NUMBERS}
        numbers |= {_key("trend", row["metric"], str(i), "value"): float(v) for i, v in enumerate(row["Trend"])}
    for row in card.nps_weekly.to_dict("records"):
        numbers |= {_key("nps_weekly", "nps", row["period_label"], c): _number(c, row[c]) for c in WEEKLY_NUMBERS}
    for row in card.revenue_monthly.to_dict("records"):
        numbers[_key("revenue_monthly", "revenue", row["period_label"], "revenue_usd")] = as_float(row["revenue_usd"])
    for row in moves.scan(conn, Filters(), card.period).to_dict("records"):
        where = _cell_where(row["slice"], Period("range", row["period_start"], row["period_end"]))
        for column in sum_columns(get_metric(row["metric"])):
            numbers[_key("cells", row["metric"], where, column)] = as_float(row[column])
    return numbers


def _naive_statement(naive: NaiveScorecard, metric_id: str, week: Period) -> dict[str, float]:
    """A statement row: the week (monthly data: its latest closed month), prior, last year, and the trend."""
    monthly = get_metric(metric_id).basis == "month"
    period = periods.month_basis(week) if monthly else week
    found = {
        name: naive.value(metric_id, p).loc[""]
        for name, p in (
            ("actual", period),
            ("prior", periods.prior(period)),
            ("last_year", periods.same_last_year(period)),
        )
    }
    numbers = {_key("statement", metric_id, "", c): as_float(found[c]["value"]) for c in STATEMENT_NUMBERS[:3]}
    numbers[_key("statement", metric_id, "", "n")] = _number("n", found["actual"]["n"])
    last = period
    shown = [last]
    for _ in range(scorecard.TREND_PERIODS - 1):
        shown.insert(0, periods.prior(shown[0]))
    rows = [naive.value(metric_id, p).loc[""] for p in shown]
    trend = [float(r["value"]) for r in rows if r["n"] > 0 and not math.isnan(r["value"])]
    return numbers | {_key("trend", metric_id, str(i), "value"): v for i, v in enumerate(trend)}


def _naive_nps_weekly(naive: NaiveScorecard, week: Period) -> dict[str, float]:
    """Weekly NPS over the chart's two years and the rolling 13-week NPS, from one groupby by week."""
    first = week.start - timedelta(weeks=scorecard.CHART_WEEKS - 1)
    start = first - timedelta(weeks=scorecard.ROLLING_WEEKS - 1)
    weekly = naive.weekly_nps()
    weekly = weekly[(weekly.index >= pd.Timestamp(start)) & (weekly.index <= pd.Timestamp(week.start))]
    every = pd.date_range(weekly.index.min(), weekly.index.max(), freq="7D")
    rolled = weekly.reindex(every, fill_value=0).rolling(scorecard.ROLLING_WEEKS).sum()
    numbers = {}
    for monday, row in weekly[weekly.index >= pd.Timestamp(first)].iterrows():
        label = periods.period_containing("week", monday.date()).label
        window = rolled.loc[monday]
        values = {
            "value": naive.nps_value(row),
            "n": row["nps_n"],
            "rolling_13w": naive.nps_value(window),
            "rolling_13w_n": window["nps_n"],
        }
        numbers |= {_key("nps_weekly", "nps", label, c): _number(c, v) for c, v in values.items()}
    return numbers


def _naive_revenue_monthly(naive: NaiveScorecard, week: Period) -> dict[str, float]:
    first = periods.period_containing("week", week.start - timedelta(weeks=scorecard.CHART_WEEKS - 1))
    numbers = {}
    for month in periods.periods_between("month", first.start, week.end):
        row = naive.value("revenue", month).loc[""]
        if month.end <= week.end and row["n"] > 0:
            numbers[_key("revenue_monthly", "revenue", month.label, "revenue_usd")] = as_float(row["value"])
    return numbers


def _naive_cells(naive: NaiveScorecard, week: Period) -> dict[str, float]:
    """The sums of the "what changed" scan: company-wide, by region, segment and touchpoint, and by touchpoint
    within each region, for the review week, the week before, the last 4 weeks and the 13 weeks before them."""
    numbers = {}
    scanned = moves.scan_periods(moves.windows(week))
    scopes = [(None, None), *((dim, None) for dim in moves.SCANNED)]
    regions = set()
    for metric_id in moves.CX_METRICS:
        for period in scanned:
            regions |= set(naive.score_sums(metric_id, period, "region").index) - {NONE_LABEL}
    scopes += [("touchpoint", region) for region in sorted(regions)]
    for metric_id in moves.CX_METRICS:
        dimensions = get_metric(metric_id).dimensions
        own = [(by, region) for by, region in scopes if by in (None, *dimensions)]
        for period in scanned:
            for by, region in own:
                sums = naive.score_sums(metric_id, period, by, region)
                for value, row in sums.iterrows():
                    if value == NONE_LABEL:
                        continue
                    pairs = [("region", region)] if region else []
                    key = moves.slice_key([*pairs, (by, value)] if by else pairs)
                    numbers |= {_key("cells", metric_id, _cell_where(key, period), c): row[c] for c in row.index}
    return numbers


def naive_scorecard(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `scorecard_numbers`, computed with pandas from the tables in memory."""
    naive = NaiveScorecard(tables)
    week = periods.last_complete("week", naive.responses["responded_at"].max().date())
    numbers = {}
    for metric_id in scorecard.STATEMENT_METRICS:
        numbers |= _naive_statement(naive, metric_id, week)
    numbers |= _naive_nps_weekly(naive, week)
    numbers |= _naive_revenue_monthly(naive, week)
    return numbers | _naive_cells(naive, week)


@dataclass(frozen=True)
class QuerySet:
    """A page's queries as the engine runs them, their numbers, the naive equivalent, the numbers that must be
    present (not missing) in both ('*' matches anything), and the tables and columns (`{table: "col, col"}`) the
    naive equivalent reads (read in the naive phase, timed)."""

    run: Callable[[object], object]
    numbers: Callable[[object, object], dict[str, float]]
    naive: Callable[[dict[str, pd.DataFrame]], dict[str, float]]
    required: tuple[str, ...]
    columns: dict[str, str]


QUERY_SETS: dict[str, QuerySet] = {
    "scorecard": QuerySet(
        scorecard_queries,
        scorecard_numbers,
        naive_scorecard,
        required=(
            _key("statement", "relationship_nps", "", "actual"),
            _key("statement", "transactional_nps", "", "actual"),
            _key("statement", "csat", "", "actual"),
            _key("statement", "revenue", "", "actual"),
            _key("revenue_monthly", "revenue", "*", "revenue_usd"),
            _key("nps_weekly", "nps", "*", "rolling_13w"),
            _key("cells", "relationship_nps", "region=*", "promoters"),
            _key("cells", "transactional_nps", "touchpoint=*", "promoters"),
            _key("cells", "csat", "region=*", "satisfied"),
        ),
        columns=SCORECARD_COLUMNS,
    ),
    "loyalty": QuerySet(*LOYALTY),
    "voice": QuerySet(*VOICE),
    "journey": QuerySet(*JOURNEY),
    "cx_financials": QuerySet(*CX_FINANCIALS),
    "operations": QuerySet(
        bench_operations.operations_queries,
        bench_operations.operations_numbers,
        naive_operations.naive_operations,
        required=bench_operations.REQUIRED,
        columns=naive_operations.COLUMNS,
    ),
}


def verify(engine: dict[str, float], naive: dict[str, float], required: tuple[str, ...]) -> int:
    """Assert the naive numbers equal the engine's to the 6th decimal, where the engine shows them (a page withholds
    a figure under its minimum n, which the naive way does not know); returns how many numbers were compared."""
    assert engine.keys() == naive.keys(), f"different results: {sorted(engine.keys() ^ naive.keys())[:10]}"
    wrong = [
        f"{key}: engine {engine[key]!r}, naive {naive[key]!r}"
        for key in engine
        if not (engine[key] == naive[key] or math.isclose(engine[key], naive[key], rel_tol=1e-12, abs_tol=TOLERANCE))
        and not math.isnan(engine[key])
    ]
    assert not wrong, "engine and naive numbers differ:\n" + "\n".join(wrong[:20])
    for pattern in required:
        prefix, _, suffix = pattern.partition("*")
        present = [k for k in engine if k.startswith(prefix) and k.endswith(suffix) and not math.isnan(engine[k])]
        assert present, f"no {pattern} number to compare"
    return len(engine)


# --- phases (each in its own process) ------------------------------------------------------------------------------


def phase_generate(args: argparse.Namespace) -> dict:
    from cxmetrics.sample.world import generate

    seconds, _ = harness.timed(lambda: generate(args.out, responses=args.responses[0], seed=args.seed))
    return {"cold_s": seconds, "peak_mb": harness.peak_rss_mb(), "size_mb": harness.folder_mb(args.out)}


def phase_load(args: argparse.Namespace) -> dict:
    from cxmetrics.ingest.load import load_folder

    seconds, report = harness.timed(lambda: load_folder(args.world, args.db, fresh=True))
    return {
        "cold_s": seconds,
        "peak_mb": harness.peak_rss_mb(),
        "size_mb": harness.folder_mb(args.db),
        "rejected": report.rejected,
    }


def phase_engine(args: argparse.Namespace) -> dict:
    from cxmetrics import db
    from cxmetrics.query import rollups

    query_set = QUERY_SETS[args.query_set]
    baseline = harness.rss_mb()
    with rollups.disabled() if args.raw else contextlib.nullcontext():
        cold, (conn, results) = harness.timed(lambda: (c := db.connect_read_only(args.db), query_set.run(c)))
        warm = harness.median_time(lambda: query_set.run(conn))
        Path(args.numbers).write_text(json.dumps(query_set.numbers(conn, results)))
    return {"cold_s": cold, "warm_s": warm, "peak_mb": harness.peak_rss_mb(), "baseline_mb": baseline}


def phase_naive(args: argparse.Namespace) -> dict:
    from cxmetrics import db

    query_set = QUERY_SETS[args.query_set]
    baseline = harness.rss_mb()

    def cold_run():
        conn = db.connect_read_only(args.db)
        tables = harness.read_columns(conn, query_set.columns)
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


def _engine(cache: harness.WorldCache, name: str, raw: bool) -> tuple[dict, dict[str, float]]:
    """The engine phase of a query set (reading raw rows only when `raw`) and its numbers."""
    numbers = cache.folder / f"{name}.engine{'-raw' if raw else ''}.json"
    args = ["--phase", "engine", "--db", str(cache.database), "--query-set", name, "--numbers", str(numbers)]
    print(f"N={cache.responses:,}: {name}: engine{' without rollups' if raw else ''}", flush=True)
    return harness.run_phase(SCRIPT, args + (["--raw"] if raw else [])), json.loads(numbers.read_text())


def measure(cache: harness.WorldCache, name: str, naive_runs: int, raw: bool) -> list[dict]:
    """Engine (and, with `raw`, engine without rollups) and naive phases of one query set, verified against each
    other: one row each."""
    engines = [(name, *_engine(cache, name, raw=False))]
    if raw:
        engines.append((f"{name}, no rollups", *_engine(cache, name, raw=True)))
    numbers = cache.folder / f"{name}.naive.json"
    args = ["--phase", "naive", "--db", str(cache.database), "--query-set", name, "--numbers", str(numbers)]
    print(f"N={cache.responses:,}: {name}: naive", flush=True)
    naive = harness.run_phase(SCRIPT, [*args, "--naive-runs", str(naive_runs)])
    naive_numbers = json.loads(numbers.read_text())
    rows = []
    for phase, engine, engine_numbers in engines:
        compared = verify(engine_numbers, naive_numbers, QUERY_SETS[name].required)
        ratios = {"ratio": naive["naive_s"] / engine["cold_s"], "ratio_warm": naive["naive_warm_s"] / engine["warm_s"]}
        rows.append(engine | naive | ratios | {"phase": phase, "numbers_compared": compared})
    return rows


def run(sizes, seed: int, cache_root: Path, keep: bool, sets, naive_runs: int, raw: bool = False) -> list[dict]:
    """Every row of the table, N by N."""
    rows = []
    for responses in sizes:
        cache = harness.WorldCache(cache_root, responses, seed)
        built_rows, built = prepare_world(cache, seed)
        rows += [r | {"responses": responses} for r in built_rows]
        rows += [row | {"responses": responses} for name in sets for row in measure(cache, name, naive_runs, raw)]
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
    parser.add_argument("--naive-runs", type=int, default=1, help="naive warm runs (median; default 1)")
    parser.add_argument("--raw", action="store_true", help="also time the engine without its rollup tables")
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
    rows = run(args.responses, args.seed, args.cache_dir, args.keep, args.sets, args.naive_runs, args.raw)
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
