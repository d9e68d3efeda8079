"""Metric frames: value, interval, n, suppression, comparisons and target status, for trends and scorecards.

The one place pages, charts, the scorecard, the review pack and the command line get metric numbers from:
`metric_frame` (a trend at a grain, optionally split by a dimension and compared with the prior period or the same
period last year), `period_frame` (any list of periods) and `snapshots` (a scorecard: each metric for its period with
the prior period, the same period last year, rolling 4 and 13 weeks for a week, and targets, plus further periods
such as their trends, all in one query per source). The SQL lives in
`cxmetrics.query.aggregate`; the arithmetic from sums to values in the metric registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import DIMENSIONS, Filters
from cxmetrics.metrics import targets
from cxmetrics.metrics.registry import GRAINS, REGISTRY, Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import memo
from cxmetrics.query.aggregate import Plan, aggregate, bases, basis, ignored_filters, overlap_sums, sum_columns

COMPARISONS: tuple[str, ...] = ("prior", "last_year")
ROLLING_WEEKS: tuple[int, ...] = (4, 13)
VALUE_COLUMNS: tuple[str, ...] = ("value", "low", "high", "n", "suppressed")

__all__ = [
    "COMPARISONS",
    "data_extent",
    "data_start",
    "ignored_filters",
    "latest_period",
    "review_period",
    "metric_frame",
    "metric_frames",
    "period_frame",
    "period_frames",
    "snapshot_periods",
    "Snapshots",
    "snapshots",
    "sum_columns",
    "trend_periods",
    "with_targets",
]


# --- validation and data extent ----------------------------------------------------------------------------------


def _check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; valid grains: {', '.join(GRAINS)}")


def _check_by(metric: Metric, by: str | None) -> None:
    if by is None:
        return
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; valid dimensions: {', '.join(DIMENSIONS)}")
    if by not in metric.dimensions:
        raise ValueError(f"metric {metric.id!r} cannot be split by {by!r}; valid: {', '.join(metric.dimensions)}")


def _metrics(metric_ids: Sequence[str], by: str | None, grain: str | None = None) -> list[Metric]:
    metrics = [get_metric(m) for m in metric_ids]
    for metric in metrics:
        _check_by(metric, by)
        if grain is not None and grain not in metric.grains:
            raise ValueError(f"metric {metric.id!r} has no {grain!r} grain; valid: {', '.join(metric.grains)}")
    return metrics


def data_extent(conn: Connection) -> date | None:
    """The last day with survey responses, or None for an empty database."""
    sql = "SELECT CAST(max(responded_at) AS DATE) FROM responses"
    return memo.remembered(conn, "data_extent", lambda: conn.execute(sql).fetchone()[0])


def data_start(conn: Connection) -> date | None:
    """The first day with survey responses, or None for an empty database."""
    sql = "SELECT CAST(min(responded_at) AS DATE) FROM responses"
    return memo.remembered(conn, "data_start", lambda: conn.execute(sql).fetchone()[0])


def _targets(conn: Connection, metric_ids: Sequence[str]) -> dict[str, targets.TargetTable]:
    """The target rows of each metric (all targets are read and indexed once per read-only connection)."""

    def read() -> dict[str, targets.TargetTable]:
        return {m: targets.TargetTable(rows) for m, rows in targets.load_targets(conn, list(REGISTRY)).items()}

    table = memo.remembered(conn, "targets", read)
    return {m: table.get(m) or targets.TargetTable(()) for m in metric_ids}


def latest_period(conn: Connection, grain: str) -> Period | None:
    """The last complete period of `grain` in the data (ISO week, month, quarter or year-to-date)."""
    last_day = data_extent(conn)
    return None if last_day is None else periods.last_complete(grain, last_day)


def review_period(conn: Connection, grain: str, week: Period) -> Period:
    """The period under review at `grain` for a review week, with the data's last day (`periods.review_period`)."""
    return periods.review_period(grain, week, data_extent(conn) or week.end)


def trend_periods(conn: Connection, grain: str, filters: Filters) -> tuple[Period, ...]:
    """The complete periods of `grain` overlapping the filter's range (default: all the data)."""
    _check_grain(grain)
    first, last = data_start(conn), data_extent(conn)
    if last is None:
        return ()
    start, end = filters.start or first, min(filters.end or last, last)
    return tuple(p for p in periods.periods_between(grain, start, end) if p.end <= last) if start <= end else ()


# --- from sums to rows -------------------------------------------------------------------------------------------


# Rows are columns of equal length (numpy arrays keyed by name): period_index, basis_id, dim_value, the metric's
# sums, value, low, high, n and suppressed. Plain arrays rather than DataFrames keep a scorecard of many metrics
# from spending its time in pandas bookkeeping; the public frames are built once, at the end.
Rows = dict[str, np.ndarray]


def _take(rows: Rows, index) -> Rows:
    """The rows at `index` (positions or a boolean mask), in that order."""
    return {c: v[index] for c, v in rows.items()}


def _periods_of(metric: Metric, plan: Plan) -> dict[int, list[int]]:
    """The positions of the plan's periods that each basis period (by index) answers for."""
    index = {b: i for i, b in enumerate(bases(metric, plan))}
    found: dict[int, list[int]] = {}
    for position, period in enumerate(plan.periods):
        found.setdefault(index[basis(metric, period)], []).append(position)
    return found


def _estimate(metric: Metric, plan: Plan, sums: Rows) -> Rows:
    """Rows per (period_index, dim_value), in that order: the sums, value, interval, n and the suppression flag."""
    periods_of = plan.derived(("periods_of", metric.basis), lambda: _periods_of(metric, plan))
    keyed = zip(sums["basis_id"].tolist(), sums["dim_value"].tolist(), strict=True)
    pairs = sorted((p, dim, row) for row, (b, dim) in enumerate(keyed) for p in periods_of.get(b, ()))
    rows = _take(sums, np.array([row for _, _, row in pairs], dtype=np.int64))
    rows["period_index"] = np.array([p for p, _, _ in pairs], dtype=np.int64)
    value, low, high = metric.estimate.estimate({c: rows[c] for c in sum_columns(metric)})
    n = rows[metric.n_column]
    hidden = n < minimum_n(metric)
    return rows | {
        "value": np.where(hidden, np.nan, value),
        "low": np.where(hidden, np.nan, low),
        "high": np.where(hidden, np.nan, high),
        "n": n.astype("int64"),
        "suppressed": hidden,
    }


def _compute(
    conn: Connection, metrics: Sequence[Metric], filters: Filters, plan: Plan | Mapping[str, Plan], by: str | None
) -> dict[str, Rows]:
    """Estimated rows per metric for every period of its plan (`plan`: one for all, or one per metric id)."""
    plans = plan if isinstance(plan, Mapping) else dict.fromkeys((m.id for m in metrics), plan)
    sums = aggregate(conn, metrics, filters, plans, by)
    rows = {m.id: _estimate(m, plans[m.id], sums[m.id]) for m in metrics}
    for metric in metrics:
        if metric.history_months:
            _withhold_short_history(metric, plans[metric.id], rows[metric.id], revenue_start(conn))
    return rows


def revenue_start(conn: Connection) -> date | None:
    """The first month with customer revenue, or None when there is none."""
    sql = "SELECT min(month) FROM customer_revenue"
    return memo.remembered(conn, "revenue_start", lambda: conn.execute(sql).fetchone()[0])


def _withhold_short_history(metric: Metric, plan: Plan, rows: Rows, first_month: date | None) -> None:
    """Blank the values whose comparison window starts before the data does (a partial base inflates retention)."""
    if first_month is None or not len(rows["period_index"]):
        return
    ends = [basis(metric, plan.periods[p]).end for p in rows["period_index"]]
    short = np.array([_months_between(first_month, end) < metric.history_months for end in ends])
    for column in ("value", "low", "high"):
        rows[column] = np.where(short, np.nan, rows[column])


def _months_between(first_month: date, end: date) -> int:
    """Whole months from `first_month` through the month of `end`."""
    return (end.year - first_month.year) * 12 + end.month - first_month.month + 1


def _row_index(rows: Rows) -> dict[tuple[int, str], int]:
    """The position of each (period_index, dim_value) row."""
    keys = zip(rows["period_index"].tolist(), rows["dim_value"].tolist(), strict=True)
    return {key: i for i, key in enumerate(keys)}


def _aligned(
    metric: Metric,
    rows: Rows,
    plan: Plan,
    wanted: Sequence[Period],
    dims: Sequence[str],
    found: dict[tuple[int, str], int] | None = None,
) -> Rows:
    """Numeric columns of the rows for each (period, dimension value) pair asked for; NaN where there is none
    (`found`: the rows' `_row_index`, when the caller has it)."""
    position = plan.position
    found = _row_index(rows) if found is None else found
    picks = np.array([found.get((position.get(p, -1), d), -1) for p, d in zip(wanted, dims, strict=True)], dtype=int)
    missing = picks < 0
    if missing.all():
        return {c: np.full(len(picks), np.nan) for c in [*sum_columns(metric), *VALUE_COLUMNS]}
    at = np.where(missing, 0, picks)
    columns = [*sum_columns(metric), *VALUE_COLUMNS]
    return {c: np.where(missing, np.nan, np.asarray(rows[c], dtype=float)[at]) for c in columns}


# --- columns of the public frames ----------------------------------------------------------------------------------


def _period_columns(metric: Metric, plan: Plan, rows: Rows, by: str | None) -> dict:
    chosen = [plan.periods[i] for i in rows["period_index"]]
    based = [basis(metric, p) for p in chosen]
    columns = {
        "period_start": [p.start for p in chosen],
        "period_end": [p.end for p in chosen],
        "period_label": [p.label for p in chosen],
        "grain": [p.grain for p in chosen],
        "basis_start": [b.start for b in based],
        "basis_end": [b.end for b in based],
    }
    if by is not None:
        columns[by] = rows["dim_value"]
    return columns


def _value_columns(metric: Metric, rows: Rows, with_sums: bool = True) -> dict:
    columns = {c: rows[c] for c in VALUE_COLUMNS} | {"unit": [metric.unit] * len(rows["value"])}
    if with_sums:
        columns |= {c: np.asarray(rows[c], dtype=float) for c in sum_columns(metric) if c not in columns}
    return columns


def _one_or_all(chosen: set[str] | None) -> str | None:
    """The single value a target can name: '' for no restriction, None when several values are chosen."""
    if chosen is None:
        return ""
    return next(iter(chosen)) if len(chosen) == 1 else None


def _slice(metric: Metric, filters: Filters, by: str | None, dim_value: str) -> tuple[str, str] | None:
    """The (region, segment) whose target applies to a row; None under a filter the targets cannot express.

    A total (revenue, responses) of several regions or segments has no target: the company's would overstate it.
    """
    restricted = {*filters.selections(), *filters.scope.restrictions()}
    if any(d not in ("region", "segment") for d in restricted) or by not in (None, "region", "segment"):
        return None
    regions, segments = (filters.visible(dim) for dim in ("region", "segment"))
    region = dim_value if by == "region" else _one_or_all(None if regions is None else set(regions))
    segment = dim_value if by == "segment" else _one_or_all(None if segments is None else set(segments))
    if region is None or segment is None:
        return None if metric.additive else (region or "", segment or "")
    return region, segment


def _target_columns(
    metric: Metric, table: targets.TargetTable, filters: Filters, by: str | None, columns: dict
) -> dict:
    """Target, variance to target and status for each row described by `columns`."""
    found, status = [], []
    dims = columns[by] if by else [""] * len(columns["value"])
    places: dict[str, tuple[str, str] | None] = {}
    for i, dim_value in enumerate(dims):
        if dim_value not in places:
            places[dim_value] = _slice(metric, filters, by, dim_value)
        where = places[dim_value]
        period = Period(columns["grain"][i], columns["period_start"][i], columns["period_end"][i])
        # Judge monthly data against the target of the month it shows (a week's revenue row is a month's revenue).
        period = basis(metric, period)
        target = None if where is None else table.find(period, *where, additive=metric.additive)
        found.append(np.nan if target is None else target)
        status.append(targets.status(metric, columns["value"][i], target, columns["low"][i], columns["high"][i]))
    target = np.asarray(found, dtype=float)
    variance = np.asarray(columns["value"], dtype=float) - target
    with np.errstate(divide="ignore", invalid="ignore"):
        variance_pct = 100 * variance / np.abs(target)
    return {
        "target": target,
        "variance_to_target": variance,
        "variance_to_target_pct": variance_pct,
        "status": pd.array(status, dtype="string"),
    }


def _shared(
    conn: Connection,
    metric: Metric,
    filters: Filters,
    by: str | None,
    plan: Plan,
    rows: Rows,
    against: Sequence[Period],
) -> Rows | None:
    """The sums over the units each row's sample shares with the sample of its compared period (`against`), for a
    metric whose change test reads them (its `overlap`); zero where they share none. None for other metrics, and
    under a split the overlap cannot follow (a customer's NPS group can differ between the two windows)."""
    part = metric.overlap
    if part is None or (by is not None and by not in part.source.dims):
        return None
    pairs = [
        (basis(metric, plan.periods[i]), basis(metric, p))
        for i, p in zip(rows["period_index"].tolist(), against, strict=True)
    ]
    number = {pair: i for i, pair in enumerate(dict.fromkeys(pairs))}
    found = overlap_sums(conn, part, filters, by, list(number)) if number else None
    at = {} if found is None else _row_keys(found["pair_id"], found["dim_value"])
    keys = zip([number[p] for p in pairs], rows["dim_value"].tolist(), strict=True)
    picks = np.array([at.get(key, -1) for key in keys], dtype=np.int64)
    if not at:  # no shared units at all (or no rows): every count is zero
        return {name: np.zeros(len(picks)) for name, _ in part.sums}
    return {name: np.where(picks >= 0, np.nan_to_num(found[name])[np.maximum(picks, 0)], 0.0) for name, _ in part.sums}


def _row_keys(first: np.ndarray, second: np.ndarray) -> dict[tuple, int]:
    """The position of each (first, second) key of a set of rows."""
    return {key: i for i, key in enumerate(zip(first.tolist(), second.tolist(), strict=True))}


def _change_columns(metric: Metric, rows: Rows, against: Rows, prefix: str, shared: Rows | None = None) -> dict:
    """Value and n of the compared rows, the delta, its test statistic, p-value and significance."""
    return _changes_columns(metric, rows, {prefix: against}, {prefix: shared})


def _changes_columns(
    metric: Metric, rows: Rows, compared: Mapping[str, Rows], shared: Mapping[str, Rows | None] | None = None
) -> dict:
    """`_change_columns` of several sets of compared rows (keyed by column prefix) with one test call for all (the
    tests work element by element; a call costs more than its arithmetic); `shared`: the overlap sums of each set
    (see `_shared`), for a metric whose test reads them."""
    count, total = len(rows["value"]), len(rows["value"]) * len(compared)
    sums = sum_columns(metric)
    current = {c: np.asarray(rows[c], dtype=float) for c in sums}
    tested = (
        {c: np.tile(current[c], len(compared)) for c in sums},
        {c: np.concatenate([against[c] for against in compared.values()]) for c in sums},
    )
    overlaps = [(shared or {}).get(prefix) for prefix in compared]
    if overlaps and all(found is not None for found in overlaps):
        names = overlaps[0].keys()
        tested += ({name: np.concatenate([found[name] for found in overlaps]) for name in names},)
    test = metric.estimate.test(*tested)
    found = {}
    for i, (prefix, against) in enumerate(compared.items()):
        part = slice(i * count, (i + 1) * count)
        delta = np.asarray(rows["value"], dtype=float) - against["value"]
        comparable = ~np.isnan(delta)
        significant = pd.arrays.BooleanArray(np.zeros(count, dtype=bool), np.ones(count, dtype=bool))
        statistic = p_value = np.full(count, np.nan)
        if test is not None:
            statistic = np.where(
                comparable, np.broadcast_to(np.asarray(test.statistic, dtype=float), total)[part], np.nan
            )
            p_value = np.where(comparable, np.broadcast_to(np.asarray(test.p_value, dtype=float), total)[part], np.nan)
            flags = np.broadcast_to(np.asarray(test.significant, dtype=bool), total)[part]
            significant = pd.arrays.BooleanArray(flags & comparable, ~comparable)
        found |= {
            f"{prefix}value": against["value"],
            f"{prefix}n": np.nan_to_num(against["n"]).astype("int64"),
            f"{prefix}delta": delta,
            f"{prefix}z": statistic,
            f"{prefix}p_value": p_value,
            f"{prefix}significant": significant,
        }
    return found


def _noted(frame: pd.DataFrame, metric: Metric, filters: Filters) -> pd.DataFrame:
    """The frame with `attrs` naming the metric and the filters that did not apply to it."""
    frame.attrs.update(metric=metric.id, ignored_filters=ignored_filters(metric, filters))
    return frame


# --- trends ------------------------------------------------------------------------------------------------------


def metric_frames(
    conn: Connection,
    metric_ids: Sequence[str],
    filters: Filters | None = None,
    grain: str = "week",
    by: str | None = None,
    compare: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Trends of several metrics over the complete periods of `grain` in the filter's range, sharing source scans.

    Each frame has one row per period (and value of `by`): period_start, period_end, period_label, grain,
    basis_start/basis_end (the months a monthly table answers for the period), value, low, high, n, suppressed,
    unit, the metric's sums, target, variance_to_target(_pct) and status; with `compare` ("prior" or
    "last_year") also compare_start, compare_value, compare_n, compare_delta, compare_z, compare_p_value and
    compare_significant. `attrs["ignored_filters"]` names selected filters the metric cannot apply.
    """
    filters = filters or Filters()
    _check_grain(grain)
    if compare is not None and compare not in COMPARISONS:
        raise ValueError(f"unknown comparison {compare!r}; valid: {', '.join(COMPARISONS)}")
    metrics = _metrics(metric_ids, by, grain)
    shown = trend_periods(conn, grain, filters)
    table = _targets(conn, [m.id for m in metrics])
    if not shown:
        return {m.id: _noted(_empty_trend(conn, m, table[m.id], filters, by, compare), m, filters) for m in metrics}
    first = min(_compare_period(p, compare).start for p in shown) if compare else shown[0].start
    plan = Plan(tuple(periods.periods_between(grain, first, shown[-1].end)), grain)
    rows = _compute(conn, metrics, filters, plan, by)
    return {
        m.id: _noted(_trend(conn, m, table[m.id], filters, plan, shown, rows[m.id], by, compare), m, filters)
        for m in metrics
    }


def metric_frame(
    conn: Connection,
    metric_id: str,
    filters: Filters | None = None,
    grain: str = "week",
    by: str | None = None,
    compare: str | None = None,
) -> pd.DataFrame:
    """Metric `metric_id` for `filters` at `grain`, optionally split by dimension `by` (see `metric_frames`)."""
    return metric_frames(conn, [metric_id], filters, grain, by, compare)[metric_id]


def _compare_period(period: Period, compare: str) -> Period:
    return periods.prior(period) if compare == "prior" else periods.same_last_year(period)


def _trend(conn, metric, table, filters, plan, shown, rows, by, compare) -> pd.DataFrame:
    """A trend frame for the `shown` periods, with targets and the optional comparison."""
    wanted = set(shown)
    positions = [i for i, p in enumerate(plan.periods) if p in wanted]
    current = _take(rows, np.isin(rows["period_index"], positions))
    columns = _period_columns(metric, plan, current, by) | _value_columns(metric, current)
    columns |= _target_columns(metric, table, filters, by, columns)
    if compare is not None:
        against = [_compare_period(plan.periods[i], compare) for i in current["period_index"]]
        columns["compare_start"] = [p.start for p in against]
        aligned = _aligned(metric, rows, plan, against, current["dim_value"])
        shared = _shared(conn, metric, filters, by, plan, current, against)
        columns |= _change_columns(metric, current, aligned, "compare_", shared)
    return pd.DataFrame(columns)


def _empty_rows(metric: Metric) -> Rows:
    columns = ["period_index", "basis_id", "dim_value", *sum_columns(metric), *VALUE_COLUMNS]
    return {c: np.array([], dtype="float64") for c in columns}


def _empty_trend(conn, metric, table, filters, by, compare) -> pd.DataFrame:
    """A trend without periods: no rows, the same columns."""
    return _trend(conn, metric, table, filters, Plan(()), (), _empty_rows(metric), by, compare)


# --- lists of periods and the scorecard ----------------------------------------------------------------------------


def period_frames(
    conn: Connection,
    metric_ids: Sequence[str],
    filters: Filters | None,
    period_list: Sequence[Period],
    by: str | None = None,
    with_targets: bool = True,
) -> dict[str, pd.DataFrame]:
    """Several metrics for arbitrary periods (rolling windows, year-to-date, ...), one row per period and value,
    sharing source scans: metrics over one source take one query. `with_targets=False` leaves out the target,
    variance and status columns (and their lookups) for callers that only need the values and sums."""
    filters = filters or Filters()
    metrics = _metrics(metric_ids, by)
    plan = Plan(tuple(period_list))
    rows = _compute(conn, metrics, filters, plan, by) if plan.periods else {m.id: _empty_rows(m) for m in metrics}
    table = _targets(conn, [m.id for m in metrics])
    frames = {}
    for metric in metrics:
        columns = _period_columns(metric, plan, rows[metric.id], by) | _value_columns(metric, rows[metric.id])
        if with_targets:
            columns |= _target_columns(metric, table[metric.id], filters, by, columns)
        frames[metric.id] = _noted(pd.DataFrame(columns), metric, filters)
    return frames


def period_frame(
    conn: Connection, metric_id: str, filters: Filters | None, period_list: Sequence[Period], by: str | None = None
) -> pd.DataFrame:
    """Metric `metric_id` for arbitrary periods (rolling windows, year-to-date, ...), one row per period and value."""
    return period_frames(conn, [metric_id], filters, period_list, by)[metric_id]


def snapshot_periods(period: Period) -> dict[str, Period]:
    """The periods a scorecard shows for `period`: itself, prior, same period last year, and for a week the
    rolling 4- and 13-week windows ending with it."""
    chosen = {"current": period, "prior": periods.prior(period), "last_year": periods.same_last_year(period)}
    if period.grain == "week":
        chosen |= {f"rolling_{w}w": periods.rolling_weeks(period, w) for w in ROLLING_WEEKS}
    return chosen


def _stacked(parts: Sequence[tuple[dict, int]]) -> pd.DataFrame:
    """One frame of the metrics' rows, as concatenating a frame per metric gives (every metric has rows), built
    at once: a frame per metric costs more than the rest of a scorecard's arithmetic."""
    stacked = {}
    for name, first in parts[0][0].items():
        values = [columns[name] for columns, _ in parts]
        if isinstance(first, str):
            stacked[name] = [value for value, (_, count) in zip(values, parts, strict=True) for _ in range(count)]
        elif isinstance(first, pd.api.extensions.ExtensionArray):
            stacked[name] = type(first)._concat_same_type(values)
        elif isinstance(first, np.ndarray):
            stacked[name] = np.concatenate(values)
        else:
            stacked[name] = [item for value in values for item in value]
    return pd.DataFrame(stacked, index=range(sum(count for _, count in parts)))


def _no_data_row(metric: Metric, position: int = 0) -> Rows:
    """The current-period row of a metric without data (the plan's period at `position`): no value, n = 0."""
    row = {"period_index": position, "basis_id": 0, "dim_value": ""} | dict.fromkeys(sum_columns(metric), np.nan)
    row |= {"value": np.nan, "low": np.nan, "high": np.nan, "n": 0, "suppressed": minimum_n(metric) > 0}
    return {c: np.array([v], dtype=object if c == "dim_value" else None) for c, v in row.items()}


def _snapshot_rows(conn, metric, table, filters, plan, chosen, rows, by) -> tuple[dict, int]:
    """One metric's scorecard rows: their columns and how many there are."""
    position = plan.position[chosen["current"]]
    current = _take(rows, rows["period_index"] == position)
    if len(current["value"]) == 0 and by is None:
        current = _no_data_row(metric, position)
    columns = {
        "metric": metric.id,
        "label": metric.label,
        "fmt": metric.fmt,
        "direction": metric.direction,
        "ignored_filters": ", ".join(ignored_filters(metric, filters)),
    }
    columns |= _period_columns(metric, plan, current, by) | _value_columns(metric, current, with_sums=False)
    columns |= _target_columns(metric, table, filters, by, columns)
    found = _row_index(rows)
    aligned = {
        name: _aligned(metric, rows, plan, [period] * len(current["value"]), current["dim_value"], found)
        for name, period in list(chosen.items())[1:]
    }
    compared = [name for name in aligned if name in COMPARISONS]
    shared = {
        f"{name}_": _shared(conn, metric, filters, by, plan, current, [chosen[name]] * len(current["value"]))
        for name in compared
    }
    columns |= _changes_columns(metric, current, {f"{name}_": aligned[name] for name in compared}, shared)
    for name in aligned:
        if name not in COMPARISONS:
            columns |= {f"{name}_{c}": aligned[name][c] for c in VALUE_COLUMNS}
    return columns, len(current["value"])


# --- a scorecard with further periods in the same queries --------------------------------------------------------


def _shared_plans(metrics: Sequence[Metric], wanted: Mapping[str, Sequence[Period]]) -> dict[str, Plan]:
    """Each metric's plan: its periods joined with those of every metric it shares a source with (directly or
    through another), in one order, so that one query per source serves them all."""
    found = {m.id: set(wanted[m.id]) for m in metrics}
    readers: dict[str, list[str]] = {}
    for metric in metrics:
        for part in metric.parts:
            readers.setdefault(part.source.name, []).append(metric.id)
    changed = True
    while changed:
        changed = False
        for ids in readers.values():
            union = set().union(*(found[metric_id] for metric_id in ids))
            for metric_id in ids:
                if found[metric_id] != union:
                    found[metric_id], changed = union, True
    order = list(dict.fromkeys(p for m in metrics for p in wanted[m.id]))
    keys = {metric_id: frozenset(chosen) for metric_id, chosen in found.items()}
    plans = {key: Plan(tuple(p for p in order if p in key)) for key in set(keys.values())}
    return {metric_id: plans[key] for metric_id, key in keys.items()}


def _rows_for(metric: Metric, plan: Plan, rows: Rows, wanted: Sequence[Period]) -> dict:
    """Period and value columns (with the sums) of the `wanted` periods that have a row, in that order."""
    position = plan.position
    at = {index: row for row, index in enumerate(rows["period_index"].tolist())}
    picks = [at[position[p]] for p in wanted if position[p] in at]
    chosen = _take(rows, np.array(picks, dtype=np.int64))
    return _period_columns(metric, plan, chosen, None) | _value_columns(metric, chosen)


def _snapshot_parts(conn: Connection, current, filters, extra, by) -> tuple[dict[Period, list[tuple[dict, int]]], dict]:
    """The scorecard rows' columns of each metric, grouped by their period in the order given, and the extra
    values (see `snapshots`)."""
    filters = filters or Filters()
    extra = extra or {}
    metrics = _metrics(list(current), by)
    if not metrics:
        return {}, {}
    chosen = {m.id: snapshot_periods(current[m.id]) for m in metrics}
    wanted = {
        m.id: [*chosen[m.id].values(), *(p for found in extra.get(m.id, {}).values() for p in found)] for m in metrics
    }
    plans = _shared_plans(metrics, wanted)
    rows = _compute(conn, metrics, filters, plans, by)
    table = _targets(conn, list(current))
    stacks: dict[Period, list[tuple[dict, int]]] = {}
    for m in metrics:
        part = _snapshot_rows(conn, m, table[m.id], filters, plans[m.id], chosen[m.id], rows[m.id], by)
        stacks.setdefault(current[m.id], []).append(part)
    values = {
        m.id: {name: _rows_for(m, plans[m.id], rows[m.id], found) for name, found in extra.get(m.id, {}).items()}
        for m in metrics
    }
    return stacks, values


@dataclass(frozen=True)
class Snapshots:
    """Metric snapshots: each metric's scorecard columns (grouped by its period, in the order asked) and its values
    for the further periods asked (`values`: metric id -> name -> columns)."""

    groups: tuple[tuple[tuple[dict, int], ...], ...]
    values: Mapping[str, Mapping[str, dict]]
    by: str | None = None

    @property
    def rows(self) -> dict[str, dict]:
        """One plain dict of column values per metric id, as the frame's cells read (Python numbers, booleans and
        strings; pd.NA for a missing flag or status), for callers that lay rows out one by one: building the frame
        only to read it back costs more than the rest of a scorecard's arithmetic."""
        if self.by is not None:
            raise ValueError("a snapshot split by a dimension has several rows per metric: read frame()")
        found = {}
        for parts in self.groups:
            for columns, _ in parts:
                row = {name: _cell(value) for name, value in columns.items()}
                found[row["metric"]] = row
        return found

    def frame(self) -> pd.DataFrame:
        """The scorecard as one frame, one row per metric (and value of `by`), the metrics of one period stacked in
        the order asked. Columns: metric, label, fmt, direction, ignored_filters, the period and basis columns,
        value, low, high, n, suppressed, unit, target, variance_to_target(_pct), status; for "prior" and
        "last_year" the prefixed value, n, delta, z, p_value and significant; for a week, rolling_4w_ and
        rolling_13w_ value, low, high, n and suppressed. A metric without data in its period still has its row
        (no value, n = 0) unless the snapshot is split by a dimension."""
        frames = [_group_frame(parts) for parts in self.groups]
        if not frames:
            return pd.DataFrame()
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _group_frame(parts: Sequence[tuple[dict, int]]) -> pd.DataFrame:
    if all(count for _, count in parts):
        return _stacked(parts)
    return pd.concat([pd.DataFrame(columns, index=range(count)) for columns, count in parts], ignore_index=True)


def snapshots(
    conn: Connection,
    metrics: Sequence[str] | Mapping[str, Period],
    filters: Filters | None = None,
    period: Period | None = None,
    *,
    by: str | None = None,
    extra: Mapping[str, Mapping[str, Sequence[Period]]] | None = None,
) -> Snapshots:
    """The one entry point for metric snapshots: each metric for its period (`metrics`: ids that all take `period`,
    by default the last complete ISO week, or a mapping of metric id -> its own period) with the prior period, the
    same period last year, for a week the rolling 4- and 13-week windows, and targets; optionally split `by` a
    dimension, and with the metric's values for further named lists of periods (`extra`: metric id -> name ->
    periods, e.g. a trend or a chart) joined into the same query per source. The extra values are columns of a
    trend frame without targets (see `with_targets`): period_start, period_end, period_label, grain, basis_start,
    basis_end, value, low, high, n, suppressed, unit and the sums, one row per period asked for that has data."""
    if not isinstance(metrics, Mapping):
        period = period or latest_period(conn, "week")
        if period is None:
            return Snapshots((), {}, by)
        metrics = dict.fromkeys(metrics, period)
    stacks, values = _snapshot_parts(conn, metrics, filters, extra, by)
    return Snapshots(tuple(tuple(parts) for parts in stacks.values()), values, by)


def _cell(value):
    """The one value of a scorecard row's column (a scalar, or a one-element list or array) as the frame's cell
    reads back through `tolist()`."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray | pd.api.extensions.ExtensionArray | list):
        return value.tolist()[0] if not isinstance(value, list) else value[0]
    return value


def with_targets(conn: Connection, metric_id: str, filters: Filters | None, columns: dict) -> dict:
    """Columns of `snapshots`' extra values with the target, variance_to_target(_pct) and status columns added."""
    metric = get_metric(metric_id)
    table = _targets(conn, [metric_id])[metric_id]
    return columns | _target_columns(metric, table, filters or Filters(), None, columns)
