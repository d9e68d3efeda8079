"""Significant moves of the headline CX scores: the comparisons scanned for a review period, their tests, and the
false-discovery control over all of them. What changed (the scorecard) narrates the moves; the journey map judges its
cells' falls by the same evidence bar, so the two never contradict each other.

The review period is compared with the prior period ("since the last review") and, because one week is noisy, the
last 4 weeks with the 13 weeks before them (a month with the 3 months before it, a quarter with the 4 quarters before
it; a year-to-date with the same period last year), company-wide, by region, segment and touchpoint, and by
touchpoint within each region (relationship NPS, the headline, has no touchpoint; transactional NPS is its own
metric, so neither is compared with a mix of the two). A move is significant when the metric engine's test calls it
so (|z| >= 1.96) with at least the minimum n on both sides and it survives the Benjamini-Hochberg false-discovery
control over all the comparisons scanned (`stats.discovery`): at 5% each, a hundred-odd comparisons would narrate a
handful of false alarms every week. The control keeps every p-value up to one bar, the scan's evidence bar: a test
outside the scan (a journey map cell by segment and touchpoint) is judged against the same bar.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query.aggregate import NONE_LABEL, aggregate_splits, ignored_filters, sum_columns
from cxmetrics.stats import discovery
from cxmetrics.stats import intervals as stats

# The headline (relationship) NPS and the transactional NPS apart, so that each is compared with itself; relationship
# surveys have no touchpoint, so they are scanned company-wide and by region and segment only.
CX_METRICS: tuple[str, ...] = (HEADLINE_NPS, "transactional_nps", "csat", "ces")
SCANNED: tuple[str, ...] = ("region", "segment", "touchpoint")
RECENT_WEEKS, BASELINE_WEEKS = 4, 13
BASELINE_PERIODS = {"month": 3, "quarter": 4}
_PERIOD_NAMES = {"week": "week", "month": "month", "quarter": "quarter"}


@dataclass(frozen=True)
class Comparison:
    """One comparison: the review window against an earlier one, with the words that name both."""

    lens: str
    current: Period
    compared: Period
    during: str
    before: str


# --- the comparisons -----------------------------------------------------------------------------------------------


def windows(period: Period) -> tuple[Comparison, ...]:
    """The comparisons scanned for a review period: since the last review, and the recent level against the norm."""
    if period.grain == "ytd":
        return (
            Comparison(
                "last_year", period, periods.same_last_year(period), "so far this year", "in the same period last year"
            ),
        )
    before = periods.prior(period)
    name = _PERIOD_NAMES[period.grain]
    since = Comparison("prior", period, before, f"since last {name}", f"in {before.label}")
    return since, _recent_window(period)


def _recent_window(period: Period) -> Comparison:
    """The last 4 weeks against the 13 before them; a month or quarter against the few before it."""
    if period.grain == "week":
        recent = periods.rolling_weeks(period, RECENT_WEEKS)
        baseline = Period("rolling", recent.start - timedelta(weeks=BASELINE_WEEKS), recent.start - timedelta(days=1))
        return Comparison(
            "recent", recent, baseline, f"over the last {RECENT_WEEKS} weeks", f"in the {BASELINE_WEEKS} weeks before"
        )
    count = BASELINE_PERIODS[period.grain]
    first = period
    for _ in range(count):
        first = periods.prior(first)
    baseline = Period("range", first.start, period.start - timedelta(days=1))
    return Comparison("recent", period, baseline, f"in {period.label}", f"in the {count} {period.grain}s before")


def scan_periods(chosen: Sequence[Comparison]) -> list[Period]:
    """Every period the comparisons need, once each."""
    return list(dict.fromkeys(p for w in chosen for p in (w.current, w.compared)))


# --- slices -----------------------------------------------------------------------------------------------------------


def slice_key(pairs: Sequence[tuple[str, str]]) -> str:
    """A slice as a URL query fragment, e.g. 'region=EMEA&touchpoint=billing'; '' is company-wide."""
    return urlencode(list(pairs))


def slice_pairs(key: str) -> list[tuple[str, str]]:
    """The (dimension, value) pairs of a slice key."""
    return parse_qsl(key)


# --- reading the data ----------------------------------------------------------------------------------------------


def splits(filters: Filters) -> list[tuple[str, ...]]:
    """The splits scanned: company-wide, by each dimension not already filtered to one value, and by touchpoint
    within each region (which says where in a region a move happened) unless either is filtered to one value."""
    chosen = filters.selections()
    single = {dim for dim in SCANNED if len(chosen.get(dim, ())) == 1}
    found: list[tuple[str, ...]] = [(), *((dim,) for dim in SCANNED if dim not in single)]
    return found + ([] if single & {"region", "touchpoint"} else [("region", "touchpoint")])


# Cells and moves are columns of equal length (numpy arrays keyed by name) rather than DataFrames: a scan yields a
# few hundred comparisons, and pandas bookkeeping would cost more than their arithmetic.
Columns = dict[str, np.ndarray]


def _cells_of(metric: Metric, sums: dict[str, np.ndarray], wanted: Sequence[Period]) -> Columns:
    """A metric's sums per (period, split values) as cells: metric, slice key, period bounds and the sums; slices
    with a missing value (no region, no touchpoint) are left out."""
    pairs = sums["dim_value"].tolist()
    kept = np.array([all(value != NONE_LABEL for _, value in found) for found in pairs], dtype=bool)
    chosen = [wanted[i] for i in sums["basis_id"][kept].tolist()]
    cells = {
        "metric": _objects([metric.id] * len(chosen)),
        "slice": _objects([_key_of(found) for found, keep in zip(pairs, kept.tolist(), strict=True) if keep]),
        "period_start": _objects([p.start for p in chosen]),
        "period_end": _objects([p.end for p in chosen]),
    }
    return cells | {c: sums[c][kept] for c in sum_columns(metric)}


@functools.lru_cache(maxsize=4096)
def _key_of(pairs: tuple[tuple[str, str], ...]) -> str:
    """`slice_key` of a split's pairs, worked out once (a slice has a cell per metric and period)."""
    return slice_key(pairs)


def _objects(values: list) -> np.ndarray:
    found = np.empty(len(values), dtype=object)
    found[:] = values
    return found


def _stack(parts: Sequence[Columns]) -> Columns:
    """The parts' rows one after the other; a column a part lacks is NaN in its rows (as pandas' concat)."""
    names = dict.fromkeys(c for part in parts for c in part)
    sizes = [len(part["metric"]) for part in parts]
    return {
        c: np.concatenate(
            [part[c] if c in part else np.full(size, np.nan) for part, size in zip(parts, sizes, strict=True)]
        )
        for c in names
    }


def scan_cells(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str] = CX_METRICS) -> Columns:
    """The scan's cells as columns: a metric's sums per period of the comparisons and slice scanned."""
    wanted = scan_periods(windows(period))
    metrics = [m for m in map(get_metric, metric_ids) if not ignored_filters(m, filters)]
    groups: dict[tuple[tuple[str, ...], ...], list[Metric]] = {}
    for metric in metrics:
        own = tuple(s for s in splits(filters) if set(s) <= set(metric.dimensions))
        groups.setdefault(own, []).append(metric)
    sums = {}
    for own, group in groups.items():
        sums |= aggregate_splits(conn, group, filters, wanted, own)
    return _stack([_cells_of(m, sums[m.id], wanted) for m in metrics])


def scan(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str] = CX_METRICS) -> pd.DataFrame:
    """Sums of the headline CX metrics for every period of the comparisons and every slice scanned, all splits of a
    source in one query."""
    cells = scan_cells(conn, filters, period, metric_ids)
    return pd.DataFrame({c: v.tolist() if v.dtype == object else v for c, v in cells.items()})


# --- from cells to significant moves (pure) ------------------------------------------------------------------------


def _rows_by_period(cells: Columns) -> dict[tuple, list[int]]:
    """The positions of the cells of each (metric, period start, period end), in cell order."""
    found: dict[tuple, list[int]] = {}
    keys = zip(cells["metric"].tolist(), cells["period_start"].tolist(), cells["period_end"].tolist(), strict=True)
    for position, key in enumerate(keys):
        found.setdefault(key, []).append(position)
    return found


def _compare_metric(metric: Metric, cells: Columns, at: dict[tuple, list[int]], window: Comparison) -> Columns:
    """One row per slice with data in both windows (in the current window's cell order): values, delta, test
    statistic, p-value and both n."""
    current = at.get((metric.id, window.current.start, window.current.end), [])
    compared = at.get((metric.id, window.compared.start, window.compared.end), [])
    slices = cells["slice"]
    position = {slices[i]: i for i in compared}
    mine = np.array([i for i in current if slices[i] in position], dtype=np.int64)
    theirs = np.array([position[slices[i]] for i in mine.tolist()], dtype=np.int64)
    sums = [c for c in sum_columns(metric) if c in cells]  # without per-customer sums: independent responses
    now = {c: np.asarray(cells[c], dtype=float)[mine] for c in sums}
    before = {c: np.asarray(cells[c], dtype=float)[theirs] for c in sums}
    value, compared_value = metric.estimate.estimate(now)[0], metric.estimate.estimate(before)[0]
    test = metric.estimate.test(now, before)
    return {
        "metric": _objects([metric.id] * len(mine)),
        "lens": _objects([window.lens] * len(mine)),
        "slice": slices[mine],
        "value": value,
        "compared_value": compared_value,
        "delta": value - compared_value,
        "z": np.broadcast_to(np.asarray(test.statistic, dtype=float), len(mine)),
        "p_value": np.broadcast_to(np.asarray(test.p_value, dtype=float), len(mine)),
        "n": now[metric.n_column],
        "compared_n": before[metric.n_column],
    }


def compare(cells: Columns, chosen: Sequence[Comparison]) -> Columns:
    """Every comparison of the scan, metric by metric (in name order) and window by window; `testable` where both
    sides reach the metric's minimum n."""
    at = _rows_by_period(cells)
    metric_ids = sorted(set(cells["metric"].tolist()))
    moves = _stack([_compare_metric(get_metric(m), cells, at, w) for m in metric_ids for w in chosen])
    minimum = np.array([minimum_n(get_metric(m)) for m in moves["metric"].tolist()], dtype=float)
    tested = (moves["n"] >= minimum) & (moves["compared_n"] >= minimum) & ~np.isnan(moves["p_value"])
    return moves | {"testable": tested}


def evidence_bar(moves: Columns) -> float:
    """The largest p-value the false-discovery control keeps over the testable moves (-inf when it keeps none)."""
    return discovery.false_discovery_bar(moves["p_value"][moves["testable"]])


def clears(p_value, z, bar: float) -> np.ndarray:
    """Whether tests clear an evidence bar: |z| >= 1.96 and a p-value at or under the bar."""
    return (np.asarray(p_value, dtype=float) <= bar) & (np.abs(np.asarray(z, dtype=float)) >= stats.Z95)


def significant(moves: Columns) -> np.ndarray:
    """The positions of the testable moves with |z| >= 1.96 that survive the false-discovery control over all
    testable moves."""
    tested = np.nonzero(moves["testable"])[0]
    return tested[clears(moves["p_value"][tested], moves["z"][tested], evidence_bar(moves))]


def bar(conn: Connection, filters: Filters, period: Period) -> float:
    """The evidence bar of the moves scanned for a review period under the filters: what changed's for the same
    review (-inf when nothing was testable)."""
    cells = scan_cells(conn, filters, period)
    moves = compare(cells, windows(period)) if len(cells.get("metric", ())) else None
    return evidence_bar(moves) if moves is not None and len(moves["metric"]) else -math.inf
