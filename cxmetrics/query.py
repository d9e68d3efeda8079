"""Filters -> SQL with bound parameters -> small aggregated frames of metric values, intervals and comparisons.

Every query aggregates in DuckDB in one pass per source: a trend groups all its periods in one GROUP BY, a list of
periods (a scorecard's week, prior week, same week last year, rolling windows) joins a small table of periods.
Metrics that share a source are computed in the same pass. User values only ever reach SQL as bound parameters;
identifiers come from the metric registry and the dimension allow-list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import config, periods, targets
from cxmetrics.filters import DIMENSIONS, Filters
from cxmetrics.metrics import GRAINS, Metric, Part, Source, get_metric
from cxmetrics.periods import Period

NONE_LABEL = "(none)"
COMPARISONS: tuple[str, ...] = ("prior", "last_year")
ROLLING_WEEKS: tuple[int, ...] = (4, 13)


@dataclass(frozen=True)
class Plan:
    """The periods to compute; `grain` is set when they are consecutive buckets of one grain (a trend)."""

    periods: tuple[Period, ...]
    grain: str | None = None


# --- validation --------------------------------------------------------------------------------------------------


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


# --- data extent -------------------------------------------------------------------------------------------------


def data_extent(conn) -> date | None:
    """The last day with survey responses, or None for an empty database."""
    return conn.execute("SELECT CAST(max(responded_at) AS DATE) FROM responses").fetchone()[0]


def data_start(conn) -> date | None:
    """The first day with survey responses, or None for an empty database."""
    return conn.execute("SELECT CAST(min(responded_at) AS DATE) FROM responses").fetchone()[0]


def latest_period(conn, grain: str) -> Period | None:
    """The last complete period of `grain` in the data (ISO week, month, quarter or year-to-date)."""
    last_day = data_extent(conn)
    return None if last_day is None else periods.last_complete(grain, last_day)


def trend_periods(conn, grain: str, filters: Filters) -> tuple[Period, ...]:
    """The complete periods of `grain` overlapping the filter's range (default: all the data)."""
    _check_grain(grain)
    first, last = data_start(conn), data_extent(conn)
    if last is None:
        return ()
    start = filters.start or first
    end = min(filters.end or last, last)
    return tuple(p for p in periods.periods_between(grain, start, end) if p.end <= last) if start <= end else ()


# --- SQL ---------------------------------------------------------------------------------------------------------


def _in_list(expr: str, values: Sequence[str], prefix: str, params: dict) -> str:
    """`expr IN ($prefix_0, ...)` with every value bound; an empty list matches nothing."""
    if not values:
        return "FALSE"
    names = [f"{prefix}_{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f"{expr} IN ({', '.join('$' + n for n in names)})"


def _conditions(source: Source, filters: Filters, params: dict) -> tuple[list[str], set[str]]:
    """WHERE conditions of the filters and access scope that apply to `source`, and the joins they need."""
    conditions, joins = [], set()
    for position, (dim, values) in enumerate(sorted(filters.selections().items())):
        if dim in source.dims:
            conditions.append(_in_list(source.dims[dim].expr, values, f"f{position}", params))
            joins.add(source.dims[dim].join)
    if not filters.scope.unrestricted:
        region = source.dims.get("region")
        if region is None:
            return ["FALSE"], joins
        conditions.append(_in_list(region.expr, filters.scope.regions or (), "scope", params))
        joins.add(region.join)
    return conditions, joins


def ignored_filters(metric: Metric, filters: Filters) -> tuple[str, ...]:
    """Dimensions selected in the filters that do not apply to the metric (e.g. touchpoint for revenue)."""
    return tuple(d for d in sorted(filters.selections()) if d not in metric.dimensions)


def _bases_cte(bases: Sequence[Period], params: dict) -> str:
    params.update(
        basis_id=list(range(len(bases))),
        basis_start=[b.start for b in bases],
        basis_end=[b.end for b in bases],
    )
    return (
        "bases AS (SELECT unnest($basis_id::INTEGER[]) AS basis_id, unnest($basis_start::DATE[]) AS basis_start, "
        "unnest($basis_end::DATE[]) AS basis_end)"
    )


def _period_clause(source: Source, bases: Sequence[Period], bucket: str | None, params: dict) -> tuple[str, str, list]:
    """The basis key, the join of the period bases (if needed) and the time-range conditions of a source."""
    if source.is_window:
        return "b.basis_id", "", []
    params.update(t0=min(b.start for b in bases), t1=max(b.end for b in bases) + timedelta(days=1))
    time_range = [f"{source.time} >= $t0", f"{source.time} < $t1"]
    if bucket is None:
        return (
            "b.basis_id",
            f"JOIN bases b ON {source.time} >= b.basis_start AND {source.time} < b.basis_end + 1",
            time_range,
        )
    return f"CAST(date_trunc('{bucket}', {source.time}) AS DATE)", "", time_range


def _dim_expr(source: Source, by: str | None, joins: set[str]) -> str:
    """The dimension value of a row (missing values labelled), adding the join it needs."""
    if by is None:
        return "''"
    joins.add(source.dims[by].join)
    return f"coalesce(CAST({source.dims[by].expr} AS VARCHAR), '{NONE_LABEL}')"


def _source_sql(
    source: Source, sums: Sequence[str], filters: Filters, by: str | None, bases: Sequence[Period], bucket: str | None
) -> tuple[str, dict]:
    """One aggregate query over `source`: a key per basis period, the dimension value, and the sums s0, s1, ..."""
    params: dict = {}
    conditions, joins = _conditions(source, filters, params)
    dim = _dim_expr(source, by, joins)
    key, bases_join, time_range = _period_clause(source, bases, bucket, params)
    conditions = time_range + conditions + ([f"({source.where})"] if source.where else [])
    join_sql = " ".join([bases_join, *(source.joins[j] for j in source.joins if j in joins)])
    select = ", ".join(f"{expr} AS s{i}" for i, expr in enumerate(sums))
    with_sql = f"WITH {_bases_cte(bases, params)} " if source.is_window or bucket is None else ""
    sql = (
        f"{with_sql}SELECT {key} AS basis_key, {dim} AS dim_value, {select} "  # noqa: S608 (registry identifiers only)
        f"FROM {source.from_sql} {join_sql} WHERE {' AND '.join(conditions) or 'TRUE'} GROUP BY ALL"
    )
    return sql, params


# --- planning and aggregation ------------------------------------------------------------------------------------


def _basis(metric: Metric, period: Period) -> Period:
    """The period a metric's data answers for `period`: itself, or the months of a monthly table."""
    return periods.month_basis(period) if metric.basis == "month" else period


def _bucket(metric: Metric, plan: Plan) -> str | None:
    """The date_trunc unit grouping a trend's rows, or None when the periods are joined as a list."""
    if plan.grain is None:
        return None
    return "month" if metric.basis == "month" and plan.grain == "week" else plan.grain


def _bases(metric: Metric, plan: Plan) -> list[Period]:
    return list(dict.fromkeys(_basis(metric, p) for p in plan.periods))


def _run_source(conn, source, sums, filters, by, bases, bucket) -> pd.DataFrame:
    """Aggregate one source; the basis_key column becomes the index of the basis period."""
    sql, params = _source_sql(source, sums, filters, by, bases, bucket)
    frame = conn.execute(sql, params).fetchdf()
    if bucket is not None and not source.is_window:
        index = {b.start: i for i, b in enumerate(bases)}
        frame["basis_key"] = [index.get(pd.Timestamp(k).date(), -1) for k in frame["basis_key"]]
        frame = frame[frame["basis_key"] >= 0]
    return frame.rename(columns={"basis_key": "basis_id"})


def _group_key(metric: Metric, part: Part, plan: Plan) -> tuple:
    return (part.source.name, tuple(_bases(metric, plan)), _bucket(metric, plan))


def _aggregate(
    conn, metrics: Sequence[Metric], filters: Filters, plan: Plan, by: str | None
) -> dict[str, pd.DataFrame]:
    """Sums per (basis_id, dim_value) for each metric, with one query per source shared by all the metrics."""
    groups: dict[tuple, dict[str, str]] = {}
    for metric in metrics:
        for part in metric.parts:
            exprs = groups.setdefault(_group_key(metric, part, plan), {})
            for _, expr in part.sums:
                exprs.setdefault(expr, f"s{len(exprs)}")
    results = {}
    for key, exprs in groups.items():
        metric, part = next((m, p) for m in metrics for p in m.parts if _group_key(m, p, plan) == key)
        results[key] = _run_source(conn, part.source, list(exprs), filters, by, _bases(metric, plan), key[2])
    return {m.id: _metric_sums(m, plan, groups, results) for m in metrics}


def _metric_sums(metric: Metric, plan: Plan, groups: dict, results: dict) -> pd.DataFrame:
    """One metric's named sums per (basis_id, dim_value), parts merged (a missing part's counts are zero)."""
    merged = None
    for part in metric.parts:
        key = _group_key(metric, part, plan)
        result = results[key]
        frame = pd.DataFrame({"basis_id": result["basis_id"], "dim_value": result["dim_value"]})
        for name, expr in part.sums:
            frame[name] = result[groups[key][expr]].astype(float)
        merged = frame if merged is None else merged.merge(frame, on=["basis_id", "dim_value"], how="outer")
    return merged.fillna(0) if len(metric.parts) > 1 else merged


def _min_n(metric: Metric) -> int:
    return config.get("CX_MIN_N") if metric.min_n is None else metric.min_n


def sum_columns(metric: Metric) -> list[str]:
    """The names of a metric's sums, as they appear in its frames."""
    return list(dict.fromkeys(name for part in metric.parts for name, _ in part.sums))


def _estimate(metric: Metric, plan: Plan, sums: pd.DataFrame) -> pd.DataFrame:
    """Rows per (period_index, dim_value) with the sums, value, interval, n and the suppression flag."""
    index = {b: i for i, b in enumerate(_bases(metric, plan))}
    rows = pd.DataFrame({"period_index": range(len(plan.periods))})
    rows["basis_id"] = [index[_basis(metric, p)] for p in plan.periods]
    frame = rows.merge(sums, on="basis_id", how="inner").sort_values(["period_index", "dim_value"])
    frame = frame.reset_index(drop=True)
    value, low, high = metric.estimate.estimate({c: frame[c].to_numpy(dtype=float) for c in sum_columns(metric)})
    n = frame[metric.n_column].to_numpy(dtype=float)
    hidden = n < _min_n(metric)
    frame["value"] = np.where(hidden, np.nan, value)
    frame["low"] = np.where(hidden, np.nan, low)
    frame["high"] = np.where(hidden, np.nan, high)
    frame["n"] = n.astype("int64")
    frame["suppressed"] = hidden
    return frame


def _compute(conn, metrics: Sequence[Metric], filters: Filters, plan: Plan, by: str | None) -> dict[str, pd.DataFrame]:
    """Estimated rows per metric for every period of the plan."""
    sums = _aggregate(conn, metrics, filters, plan, by)
    return {m.id: _estimate(m, plan, sums[m.id]) for m in metrics}


# --- comparisons and targets -------------------------------------------------------------------------------------


def _compare_period(period: Period, compare: str) -> Period:
    return periods.prior(period) if compare == "prior" else periods.same_last_year(period)


def _change(metric: Metric, rows: pd.DataFrame, against: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Delta of `rows` against aligned `against` rows, with the test statistic, p-value and significance."""
    out = pd.DataFrame(index=rows.index)
    out[f"{prefix}value"] = against["value"].to_numpy()
    out[f"{prefix}n"] = against["n"].fillna(0).astype("int64").to_numpy()
    out[f"{prefix}delta"] = rows["value"].to_numpy() - against["value"].to_numpy()
    columns = sum_columns(metric)
    test = metric.estimate.test(
        {c: rows[c].to_numpy(dtype=float) for c in columns}, {c: against[c].to_numpy(dtype=float) for c in columns}
    )
    comparable = ~(np.isnan(out[f"{prefix}delta"].to_numpy()))
    if test is None:
        out[f"{prefix}z"], out[f"{prefix}p_value"] = np.nan, np.nan
        out[f"{prefix}significant"] = pd.array([pd.NA] * len(rows), dtype="boolean")
        return out
    out[f"{prefix}z"] = np.where(comparable, test.statistic, np.nan)
    out[f"{prefix}p_value"] = np.where(comparable, test.p_value, np.nan)
    significant = pd.array(np.asarray(test.significant, dtype=bool), dtype="boolean")
    significant[~comparable] = pd.NA
    out[f"{prefix}significant"] = significant
    return out


def _aligned(frame: pd.DataFrame, plan: Plan, rows: pd.DataFrame, targets_of: Sequence[Period]) -> pd.DataFrame:
    """The rows of `frame` for the periods `targets_of` (one per row of `rows`) and the same dimension values."""
    position = {p: i for i, p in enumerate(plan.periods)}
    wanted = pd.DataFrame(
        {"period_index": [position.get(p, -1) for p in targets_of], "dim_value": rows["dim_value"].to_numpy()}
    )
    return wanted.merge(frame, on=["period_index", "dim_value"], how="left")


def _slice(filters: Filters, by: str | None, dim_value: str) -> tuple[str, str] | None:
    """The (region, segment) whose target applies to a row; None when a filter targets cannot express is set."""
    if any(d not in ("region", "segment") for d in filters.selections()) or by not in (None, "region", "segment"):
        return None
    regions = set(filters.regions) if filters.regions else None
    if not filters.scope.unrestricted:
        allowed = set(filters.scope.regions or ())
        regions = allowed if regions is None else regions & allowed
    region = next(iter(regions)) if regions is not None and len(regions) == 1 else ""
    segment = filters.segments[0] if len(filters.segments) == 1 else ""
    if by == "region":
        region = dim_value
    if by == "segment":
        segment = dim_value
    return region, segment


def _with_targets(conn, metric: Metric, filters: Filters, by: str | None, frame: pd.DataFrame) -> pd.DataFrame:
    """Target, variance to target and status for every row of a public frame."""
    table = targets.load_targets(conn, metric.id)
    found, status = [], []
    for row in frame.itertuples(index=False):
        where = _slice(filters, by, getattr(row, by) if by else "")
        period = Period(row.grain, row.period_start, row.period_end)
        target = None if where is None else targets.find_target(table, period, *where, same_grain=metric.additive)
        found.append(np.nan if target is None else target)
        status.append(targets.status(metric, row.value, target, row.low, row.high))
    frame["target"] = np.asarray(found, dtype=float)
    frame["variance_to_target"] = frame["value"] - frame["target"]
    frame["variance_to_target_pct"] = 100 * frame["variance_to_target"] / frame["target"].abs()
    frame["status"] = pd.array(status, dtype="string")
    return frame


def _public(metric: Metric, plan: Plan, rows: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The public frame: period, dimension value, value, interval, n, suppressed, unit and the sums."""
    chosen = [plan.periods[i] for i in rows["period_index"]]
    basis = [_basis(metric, p) for p in chosen]
    out = pd.DataFrame(
        {
            "period_start": [p.start for p in chosen],
            "period_end": [p.end for p in chosen],
            "period_label": [p.label for p in chosen],
            "grain": [p.grain for p in chosen],
            "basis_start": [b.start for b in basis],
            "basis_end": [b.end for b in basis],
        }
    )
    if by is not None:
        out[by] = rows["dim_value"].to_numpy()
    for column in ("value", "low", "high", "n", "suppressed"):
        out[column] = rows[column].to_numpy()
    out["unit"] = metric.unit
    for column in sum_columns(metric):
        if column not in out:
            out[column] = rows[column].to_numpy(dtype=float)
    return out


# --- public API --------------------------------------------------------------------------------------------------


def _metrics(metric_ids: Sequence[str], by: str | None) -> list[Metric]:
    metrics = [get_metric(m) for m in metric_ids]
    for metric in metrics:
        _check_by(metric, by)
    return metrics


def metric_frames(
    conn,
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
    "last_year") also compare_value, compare_n, compare_delta, compare_z, compare_p_value, compare_significant.
    """
    filters = filters or Filters()
    _check_grain(grain)
    if compare is not None and compare not in COMPARISONS:
        raise ValueError(f"unknown comparison {compare!r}; valid: {', '.join(COMPARISONS)}")
    metrics = _metrics(metric_ids, by)
    shown = trend_periods(conn, grain, filters)
    if not shown:
        return {m.id: _noted(_empty_frame(m, by, compare), m, filters) for m in metrics}
    first = min(_compare_period(p, compare).start for p in shown) if compare else shown[0].start
    plan = Plan(tuple(periods.periods_between(grain, first, shown[-1].end)), grain)
    rows = _compute(conn, metrics, filters, plan, by)
    return {m.id: _noted(_trend(conn, m, filters, plan, shown, rows[m.id], by, compare), m, filters) for m in metrics}


def _noted(frame: pd.DataFrame, metric: Metric, filters: Filters) -> pd.DataFrame:
    """The frame with `attrs` naming the metric and the filters that did not apply to it."""
    frame.attrs.update(metric=metric.id, ignored_filters=ignored_filters(metric, filters))
    return frame


def _trend(conn, metric, filters, plan, shown, rows, by, compare) -> pd.DataFrame:
    """A trend frame for the `shown` periods, with targets and the optional comparison."""
    positions = {plan.periods.index(p) for p in shown}
    current = rows[rows["period_index"].isin(positions)].reset_index(drop=True)
    out = _with_targets(conn, metric, filters, by, _public(metric, plan, current, by))
    if compare is None:
        return out
    against = [_compare_period(plan.periods[i], compare) for i in current["period_index"]]
    aligned = _aligned(rows, plan, current, against)
    out["compare_start"] = [p.start for p in against]
    return pd.concat([out, _change(metric, current, aligned, "compare_")], axis=1)


def metric_frame(
    conn,
    metric_id: str,
    filters: Filters | None = None,
    grain: str = "week",
    by: str | None = None,
    compare: str | None = None,
) -> pd.DataFrame:
    """Metric `metric_id` for `filters` at `grain`, optionally split by dimension `by` (see `metric_frames`)."""
    return metric_frames(conn, [metric_id], filters, grain, by, compare)[metric_id]


def period_frame(
    conn, metric_id: str, filters: Filters | None, period_list: Sequence[Period], by: str | None = None
) -> pd.DataFrame:
    """Metric `metric_id` for arbitrary periods (rolling windows, year-to-date, ...), one row per period and value."""
    filters = filters or Filters()
    metrics = _metrics([metric_id], by)
    plan = Plan(tuple(period_list))
    rows = _compute(conn, metrics, filters, plan, by)[metric_id]
    return _noted(
        _with_targets(conn, metrics[0], filters, by, _public(metrics[0], plan, rows, by)), metrics[0], filters
    )


def _empty_frame(metric: Metric, by: str | None, compare: str | None) -> pd.DataFrame:
    columns = ["period_start", "period_end", "period_label", "grain", "basis_start", "basis_end"]
    columns += [by] if by else []
    columns += ["value", "low", "high", "n", "suppressed", "unit", *sum_columns(metric)]
    columns += ["target", "variance_to_target", "variance_to_target_pct", "status"]
    if compare:
        columns += ["compare_start"] + [f"compare_{c}" for c in ("value", "n", "delta", "z", "p_value", "significant")]
    return pd.DataFrame(columns=columns)


def snapshot_periods(period: Period) -> dict[str, Period]:
    """The periods a scorecard shows for `period`: itself, prior, same period last year, and for a week the
    rolling 4- and 13-week windows ending with it."""
    chosen = {"current": period, "prior": periods.prior(period), "last_year": periods.same_last_year(period)}
    if period.grain == "week":
        chosen |= {f"rolling_{w}w": periods.rolling_weeks(period, w) for w in ROLLING_WEEKS}
    return chosen


def snapshot(
    conn,
    metric_ids: Sequence[str],
    filters: Filters | None = None,
    period: Period | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """The scorecard: one row per metric (and value of `by`) for `period` (default: the last complete ISO week).

    Columns: metric, label, unit, fmt, direction, the period and basis columns, value, low, high, n, suppressed,
    target, variance_to_target(_pct), status; for "prior" and "last_year" the prefixed value, n, delta, z,
    p_value and significant; for a week rolling_4w_ and rolling_13w_ value, low, high, n and suppressed.
    All metrics that share a source are computed in one query.
    """
    filters = filters or Filters()
    metrics = _metrics(metric_ids, by)
    period = period or latest_period(conn, "week")
    if period is None:
        return pd.DataFrame()
    chosen = snapshot_periods(period)
    plan = Plan(tuple(chosen.values()))
    rows = _compute(conn, metrics, filters, plan, by)
    return pd.concat(
        [_snapshot_rows(conn, m, filters, plan, chosen, rows[m.id], by) for m in metrics], ignore_index=True
    )


def _no_data_row(metric: Metric) -> pd.DataFrame:
    """The current-period row of a metric without data: no value, n = 0."""
    row = {"period_index": 0, "basis_id": 0, "dim_value": ""} | dict.fromkeys(sum_columns(metric), np.nan)
    row |= {"value": np.nan, "low": np.nan, "high": np.nan, "n": 0, "suppressed": _min_n(metric) > 0}
    return pd.DataFrame([row])


def _snapshot_rows(conn, metric, filters, plan, chosen, rows, by) -> pd.DataFrame:
    """One metric's scorecard rows."""
    names = list(chosen)
    current = rows[rows["period_index"] == 0].reset_index(drop=True)
    if current.empty and by is None:
        current = _no_data_row(metric)
    head = pd.DataFrame(
        {
            "metric": metric.id,
            "label": metric.label,
            "fmt": metric.fmt,
            "direction": metric.direction,
            "ignored_filters": ", ".join(ignored_filters(metric, filters)),
        },
        index=current.index,
    )
    public = _public(metric, plan, current, by).drop(columns=[c for c in sum_columns(metric) if c != "n"])
    parts = [head, _with_targets(conn, metric, filters, by, public)]
    for name in ("prior", "last_year"):
        aligned = _aligned(rows, plan, current, [chosen[name]] * len(current))
        parts.append(_change(metric, current, aligned, f"{name}_"))
    for name in names[3:]:
        aligned = _aligned(rows, plan, current, [chosen[name]] * len(current))
        window = aligned[["value", "low", "high", "n", "suppressed"]].add_prefix(f"{name}_")
        parts.append(window.set_index(current.index))
    return pd.concat(parts, axis=1)
