"""The executive scorecard: headline tiles, the CX P&L statement, what changed, and the frames of the trend chart.

`build(conn, filters, period)` runs the page's complete query set and returns one frozen `Scorecard` with every
number the page shows, already formatted; the page only lays it out. Monthly tables (financials, customer revenue,
employee engagement) and the trailing-12-month loyalty metrics answer a week with the latest closed month, compared
with the month before it, and the statement says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import notes, withheld
from cxmetrics.display.style import status_meaning, status_word
from cxmetrics.display.tiles import Tile, change_style, change_text, compact, comparison, is_missing, verdict
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.quality import report as quality
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import ignored_filters, summable_columns
from cxmetrics.query.catalog import USED_BY
from cxmetrics.reports.scorecard import changes

GRAINS: tuple[str, ...] = ("week", "month", "quarter", "ytd")

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Customer", (HEADLINE_NPS, "transactional_nps", "csat", "ces", "responses")),
    ("Loyalty", ("logo_retention", "churn_rate", "nrr", "repeat_purchase_rate")),
    ("Financial results", ("revenue", "gross_margin_pct", "cost_to_serve")),
    ("Operations", ("complaints_per_1000", "complaint_recovery_rate", "fcr_rate", "follow_up_2bd")),
    ("People", ("enps",)),
)
STATEMENT_METRICS: tuple[str, ...] = tuple(m for _, ids in SECTIONS for m in ids)
STATEMENT_COLUMNS: tuple[str, ...] = (
    "Measure", "Period", "Actual", "Status", "Prior", "Change", "Target", "Variance", "Last year", "Trend",
)  # fmt: skip
# A statement row's actual, interval, change and status rest on its n under its metric's minimum; its prior, last
# year and trend values each rest on their own period's n (withheld by the snapshot).
STATEMENT_RULE = withheld.Rule(
    "n",
    ("Actual", "Change", "Variance", "Status", "actual", "low", "high", "change", "change_significant",
     "change_p_value", "variance_to_target", "status"),
    metric_column="metric",
)  # fmt: skip
STATEMENT_EXACT: tuple[str, ...] = (
    "Measure", "Period", "Prior", "Target", "Last year", "Trend", "section", "kind", "metric", "note", "unit",
    "prior_period", "prior", "target", "last_year",
)  # fmt: skip
NPS_WEEKLY_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("n", ("value", "low", "high"), metric=HEADLINE_NPS),
    withheld.Rule("rolling_13w_n", ("rolling_13w",), metric=HEADLINE_NPS),
)
FOOTNOTE = " †"
NO_TARGET_FILTERS = ("touchpoint", "channel", "industry", "survey")
TREND_PERIODS = 13
CHART_WEEKS = 104
ROLLING_WEEKS = 13
MISSING = "—"
HEADLINE_ROWS: tuple[tuple[str, ...], ...] = (
    (HEADLINE_NPS, "csat", "ces"),
    ("logo_retention", "revenue", "gross_margin_pct"),
)
_NOT_TABLES = ("customers", "responses")


@dataclass(frozen=True)
class Scorecard:
    """Everything the scorecard page shows for one period and set of filters."""

    period: Period
    prior: Period
    last_year: Period
    subtitle: str
    csv_name: str
    headline: tuple[tuple[Tile, ...], ...]
    statement: pd.DataFrame
    filter_note: str | None
    basis_note: str | None
    missing_tables: tuple[str, ...]
    missing_note: str | None
    changes: tuple[changes.Change, ...]
    nps_weekly: pd.DataFrame
    revenue_monthly: pd.DataFrame
    events: pd.DataFrame
    chart_note: str | None


# --- periods ----------------------------------------------------------------------------------------------------------


def _monthly_period(period: Period) -> Period:
    """The period monthly rows answer for: the latest closed month for a week, the period itself otherwise."""
    return periods.month_basis(period) if period.grain == "week" else period


def _trend_grain(metric: Metric, period: Period) -> str:
    """The grain of a row's 13-period trend: months for monthly data under a week, and under a year-to-date."""
    if period.grain == "ytd" or (period.grain == "week" and metric.basis == "month"):
        return "month"
    return period.grain


def subtitle(period: Period, filters: Filters) -> str:
    """What the page shows: the period, what it is compared with, and the filters."""
    return f"{periods.describe(period)}, compared with {periods.prior(period).label}, for {filters.describe()}."


# --- what is loaded ---------------------------------------------------------------------------------------------------


def _available(metric_ids: Sequence[str], loaded: frozenset[str]) -> list[str]:
    return [m for m in metric_ids if set(get_metric(m).tables) <= loaded]


def _needed_tables() -> dict[str, str]:
    """The optional tables the scorecard uses, each with what it adds: the rows that read it, or its use."""
    tables = dict.fromkeys(t for m in STATEMENT_METRICS for t in get_metric(m).tables if t not in _NOT_TABLES)
    rows = {t: [get_metric(m).label for m in STATEMENT_METRICS if t in get_metric(m).tables] for t in tables}
    return {t: ", ".join(labels) for t, labels in rows.items()} | {t: USED_BY[t] for t in ("targets", "events")}


# --- formatting -------------------------------------------------------------------------------------------------------


def _verdict(metric: Metric, row: dict, prefix: str) -> str:
    """'significant', 'not significant', or '' for exact figures and missing comparisons."""
    return verdict(metric, row.get(f"{prefix}delta"), row.get(f"{prefix}significant"))


def _status(row: dict) -> str:
    if bool(row["suppressed"]):
        return "suppressed"
    return "no_target" if is_missing(row["status"]) else str(row["status"])


def _change_text(metric: Metric, row: dict) -> str:
    delta, said = change_text(metric, row["prior_delta"], short=True), _verdict(metric, row, "prior_")
    return f"{delta} · {said}" if delta and said else delta


def _count(row: dict) -> int:
    """The row's n (0 when the engine has none)."""
    return 0 if is_missing(row["n"]) else int(row["n"])


def _suppressed_text(metric: Metric, row: dict) -> str:
    return f"Hidden: n = {_count(row):,} {metric.n_label}, below the minimum of {minimum_n(metric)}"


# --- the statement ----------------------------------------------------------------------------------------------------


def _current(period: Period, metric_ids: Sequence[str]) -> dict[str, Period]:
    """The period each metric's row answers for: monthly metrics under a week show the latest closed month."""
    monthly = period.grain == "week"
    return {m: _monthly_period(period) if monthly and get_metric(m).basis == "month" else period for m in metric_ids}


def _extra_periods(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str]) -> dict[str, dict]:
    """The further periods each metric is read for: its 13-period trend, and the chart's weeks (the headline NPS) or
    months (revenue)."""
    grains = {m: _trend_grain(get_metric(m), period) for m in metric_ids}
    by_grain = {grain: _trend_periods(conn, filters, period, grain) for grain in set(grains.values())}
    found = {m: {"trend": by_grain[grains[m]]} for m in metric_ids}
    first, last = chart_weeks(period)
    if HEADLINE_NPS in found:
        start = first.start - timedelta(weeks=ROLLING_WEEKS - 1)
        found[HEADLINE_NPS]["chart"] = _closed_by(
            query.trend_periods(conn, "week", filters.with_period(start, last.end)), last
        )
    if "revenue" in found:
        months = query.trend_periods(conn, "month", filters.with_period(first.start, last.end))
        found["revenue"]["chart"] = _closed_by(months, last)
    return found


def _closed_by(found: Sequence[Period], last: Period) -> list[Period]:
    return [p for p in found if p.end <= last.end]


def _period_label(metric: Metric, row: dict) -> str:
    """The period a row's value covers: its basis period, or for a trailing metric its trailing months (a
    year-to-date row of logo retention covers the 12 months to October, not January to October)."""
    if metric.trailing_months:
        return periods.trailing_months(row["basis_end"], metric.trailing_months).label
    return Period(row["grain"], row["basis_start"], row["basis_end"]).label


def _statement_row(section: str, metric: Metric, row: dict, trend: tuple[float, ...]) -> dict:
    """One line of the statement: display text, the numbers behind it, its status and trend."""
    status = _status(row)
    return {
        "section": section,
        "kind": "metric",
        "metric": metric.id,
        "Measure": metric.label + (FOOTNOTE if row.get("ignored_filters") else ""),
        "Period": _period_label(metric, row),
        "Actual": f"{MISSING} (n={_count(row)})" if status == "suppressed" else compact(metric, row["value"]),
        "Prior": compact(metric, row["prior_value"]),
        "Change": _change_text(metric, row),
        "Target": "" if is_missing(row["target"]) else compact(metric, row["target"]),
        "Variance": change_text(metric, row["variance_to_target"], short=True),
        "Last year": compact(metric, row["last_year_value"]),
        "Trend": [v for v in trend if not np.isnan(v)],
        "Status": status_word(status),
        "note": _row_note(metric, row, status),
        "status": status,
        "unit": metric.unit,
        "actual": row["value"],
        "low": row["low"],
        "high": row["high"],
        "n": _count(row),
        "prior_period": _compared_label(metric, row, "prior"),
        "prior": row["prior_value"],
        "change": row["prior_delta"],
        "change_significant": row["prior_significant"],
        "change_p_value": row["prior_p_value"],
        "target": row["target"],
        "variance_to_target": row["variance_to_target"],
        "last_year": row["last_year_value"],
    }


def _compared(row: dict, name: str) -> tuple[date, date]:
    """The bounds of the compared period of a snapshot row."""
    period = Period(row["grain"], row["period_start"], row["period_end"])
    other = periods.prior(period) if name == "prior" else periods.same_last_year(period)
    return other.start, other.end


def _compared_label(metric: Metric, row: dict, name: str) -> str:
    """The label of the period a row is compared with (for a trailing metric, its trailing months)."""
    start, end = _compared(row, name)
    if metric.trailing_months:
        return periods.trailing_months(end, metric.trailing_months).label
    return Period(row["grain"], start, end).label


def _row_note(metric: Metric, row: dict, status: str) -> str:
    notes = [_suppressed_text(metric, row)] if status == "suppressed" else []
    if row.get("ignored_filters"):
        notes.append(f"{row['ignored_filters']} filter does not apply")
    return "; ".join(notes)


def _section_row(section: str) -> dict:
    return {"section": section, "kind": "section", "metric": "", "Measure": section, "Trend": [], "status": ""}


def by_metric(snap: pd.DataFrame | Mapping[str, dict]) -> Mapping[str, dict]:
    """The snapshot's rows as plain dicts keyed by metric id (reading a frame's cells one by one costs more than the
    rest of the statement)."""
    if isinstance(snap, Mapping):
        return snap
    columns = {c: snap[c].tolist() for c in snap.columns}
    return {m: {c: values[i] for c, values in columns.items()} for i, m in enumerate(snap.index)}


def statement_frame(snap: pd.DataFrame | Mapping[str, dict], trends: dict[str, tuple[float, ...]]) -> pd.DataFrame:
    """The statement: a header row per section, then one row per metric with data, in P&L order."""
    found = by_metric(snap)
    rows = []
    for section, metric_ids in SECTIONS:
        shown = [m for m in metric_ids if m in found]
        if shown:
            rows.append(_section_row(section))
        rows += [_statement_row(section, get_metric(m), found[m], trends.get(m, ())) for m in shown]
    if not rows:
        return withheld.exact(pd.DataFrame(columns=list(STATEMENT_COLUMNS)))
    columns = list(dict.fromkeys([*STATEMENT_COLUMNS, *(key for row in rows for key in row)]))
    text = set(STATEMENT_COLUMNS) - {"Trend"}
    found = {c: [row.get(c, np.nan) for row in rows] for c in columns}
    found |= {c: ["" if is_missing(v) else v for v in found[c]] for c in text}
    return withheld.declare(pd.DataFrame(found, columns=columns), STATEMENT_RULE, exact=STATEMENT_EXACT)


CSV_COLUMNS: tuple[str, ...] = (
    "section", "metric", "Measure", "unit", "Period", "actual", "low", "high", "n", "prior_period", "prior", "change",
    "change_significant", "change_p_value", "target", "variance_to_target", "last_year", "status", "note",
)  # fmt: skip


def statement_csv(scorecard: Scorecard) -> bytes:
    """The statement's numbers as CSV: one row per metric, unformatted, with the period each row answers for."""
    rows = scorecard.statement[scorecard.statement["kind"] == "metric"]
    out = rows[list(CSV_COLUMNS)].rename(columns={"Measure": "label", "Period": "period"})
    out["label"] = out["label"].str.removesuffix(FOOTNOTE)
    out = out.astype({"n": "Int64"})
    return out.to_csv(index=False).encode()


def filter_note(snap: pd.DataFrame | Mapping[str, dict], filters: Filters) -> str | None:
    """The footnote of rows a selected filter does not apply to, and why no target shows under some filters."""
    texts = [row["ignored_filters"] for row in by_metric(snap).values()]
    ignored = {d for text in texts for d in text.split(", ") if d}
    rows = notes.filter_note(filters, ignored, "these rows")
    found = [f"{FOOTNOTE.strip()} {rows}"] if rows else []
    if any(d in filters.selections() for d in NO_TARGET_FILTERS):
        found.append("Targets are set for the company, regions and segments: none is compared under this filter.")
    return " ".join(found) or None


def _basis_note(period: Period, rows: Mapping[str, dict]) -> str | None:
    """Which closed months the monthly rows show when the period is not whole months."""
    monthly = [m for m in rows if get_metric(m).basis == "month"]
    if not monthly or periods.is_month_aligned(period):
        return None
    basis = periods.month_basis(period)
    sections = [s for s, ids in SECTIONS if any(m in monthly for m in ids)]
    names = ", ".join(s.lower() for s in sections[:-1]) + (" and " if len(sections) > 1 else "") + sections[-1].lower()
    if basis.grain == "ytd":
        return f"{names.capitalize()} rows cover {basis.start:%B} to {basis.end:%B %Y}, the closed months of the year."
    return f"{names.capitalize()} rows show {basis.start:%B %Y}, the latest closed month."


# --- trends -----------------------------------------------------------------------------------------------------------


def _trend_span(grain: str, period: Period) -> Period:
    """The span of a row's trend at `grain`: the 13 closed months by the period's end for monthly rows, else the 13
    periods ending with the period."""
    if grain == "month":
        return periods.trailing_months(period.end, TREND_PERIODS)
    return Period("range", periods.earlier(period, TREND_PERIODS - 1).start, period.end)


def _trend_periods(conn: Connection, filters: Filters, period: Period, grain: str) -> list[Period]:
    """The complete periods of a row's trend at `grain` (see `_trend_span`)."""
    span = _trend_span(grain, period)
    return list(query.trend_periods(conn, grain, filters.with_period(span.start, span.end)))


def trends(values: dict[str, dict[str, dict]]) -> dict[str, tuple[float, ...]]:
    """The last 13 values of each metric's trend (NaN where suppressed or withheld), oldest first, from the values
    `query.snapshots` read for the trend periods (only those with data)."""
    return {m: tuple(float(v) for v in found["trend"]["value"][-TREND_PERIODS:]) for m, found in values.items()}


# --- headline tiles ---------------------------------------------------------------------------------------------------


def _tile_label(metric: Metric, row: dict, period: Period) -> str:
    """The metric's label, with the months it shows when that is not the period under review (always for a
    trailing metric)."""
    shown = Period(row["grain"], row["period_start"], row["period_end"])
    same = shown == period and not metric.trailing_months
    label = metric.label if same else f"{metric.label} · {_period_label(metric, row)}"
    return label + (FOOTNOTE if row.get("ignored_filters") else "")


def _status_text(metric: Metric, row: dict, status: str) -> str:
    if status in ("suppressed", "no_target"):
        return status_word(status)
    return f"{status_word(status)} · target {compact(metric, row['target'])}"


def _tile_help(metric: Metric, row: dict, status: str) -> str:
    """The hover text: the interval or 'exact', n, the period it answers for, the target and its status."""
    lines = [f"**{metric.label}** for {_period_label(metric, row)}."]
    if metric.sampled and not is_missing(row["low"]):
        lines.append(f"95% interval {metric.format(row['low'])} to {metric.format(row['high'])} ({metric.interval}).")
    elif not metric.sampled:
        lines.append("Exact figure (no sampling interval).")
    lines.append(f"n = {_count(row):,} {metric.n_label}.")
    target = "no target set" if is_missing(row["target"]) else f"target {metric.format(row['target'])}"
    lines.append(f"{target.capitalize()}: {status_meaning(status).lower()}.")
    return "  \n".join(lines)


def _tile(metric: Metric, row: dict, trend: tuple[float, ...], period: Period) -> Tile:
    status = _status(row)
    hidden = status == "suppressed"
    shown, said = change_text(metric, row["prior_delta"], short=True), _verdict(metric, row, "prior_")
    colour, arrow = change_style(metric, shown, said)
    prior = _compared_label(metric, row, "prior")
    return Tile(
        metric=metric.id,
        label=_tile_label(metric, row, period),
        value=MISSING if hidden else compact(metric, row["value"]),
        delta=None if hidden else (shown or None),
        delta_colour=colour,
        delta_arrow=arrow,
        comparison=_suppressed_text(metric, row) if hidden else comparison(prior, said),
        help=_tile_help(metric, row, status),
        trend=trend,
        status=status,
        status_text=_status_text(metric, row, status),
        n=_count(row),
        min_n=minimum_n(metric),
    )


def _unavailable_tile(metric: Metric) -> Tile:
    tables = ", ".join(t for t in metric.tables if t not in _NOT_TABLES)
    return Tile(
        metric=metric.id,
        label=metric.label,
        value=MISSING,
        delta=None,
        delta_colour="off",
        delta_arrow="off",
        comparison=f"Load {tables} to see it",
        help=metric.description,
        trend=(),
        status="no_data",
        status_text=status_word("no_data"),
        min_n=0,
    )


def _headline_tile(
    metric_id: str, rows: Mapping[str, dict], trend: dict[str, tuple[float, ...]], period: Period
) -> Tile:
    metric = get_metric(metric_id)
    if metric_id not in rows:
        return _unavailable_tile(metric)
    return _tile(metric, rows[metric_id], trend.get(metric_id, ()), period)


def headline(
    snap: pd.DataFrame | Mapping[str, dict], trend: dict[str, tuple[float, ...]], period: Period
) -> tuple[tuple[Tile, ...], ...]:
    """The headline tiles in rows (customer scores, then loyalty and money); a metric without its tables says what
    to load."""
    rows = by_metric(snap)
    return tuple(tuple(_headline_tile(m, rows, trend, period) for m in row) for row in HEADLINE_ROWS)


# --- the trend chart --------------------------------------------------------------------------------------------------


def chart_weeks(period: Period) -> tuple[Period, Period]:
    """The first and last week of the trend chart: the two years up to the last complete week of the period."""
    last = periods.last_complete("week", period.end)
    return periods.period_containing("week", last.start - timedelta(weeks=CHART_WEEKS - 1)), last


def _window_sums(values: np.ndarray, weeks: int) -> np.ndarray:
    """Sums over each run of `weeks` consecutive values ending at each position; NaN until `weeks` are in."""
    running = np.concatenate([[0.0], np.cumsum(values)])
    summed = np.full(len(values), np.nan)
    summed[weeks - 1 :] = running[weeks:] - running[:-weeks]
    return summed


def _window_nan(missing: np.ndarray, weeks: int) -> np.ndarray:
    """NaN where the window ending at a position holds a NaN sum (it stays NaN there only), else 0."""
    return np.where(_window_sums(missing.astype(float), weeks) > 0, np.nan, 0.0)


def rolling(
    weekly: Mapping[str, Sequence], metric: Metric, weeks: int = ROLLING_WEEKS
) -> tuple[np.ndarray, np.ndarray]:
    """The metric over the `weeks` weeks ending with each of the weekly rows' weeks (columns period_start and the
    metric's sums), and its n, from the weekly sums (missing weeks count zero); NaN until `weeks` weeks are in, and
    the value also under the minimum n."""
    starts = list(weekly["period_start"])
    if not starts:
        return np.array([]), np.array([])
    offsets = np.array([(start - starts[0]).days // 7 for start in starts], dtype=np.int64)
    window = {}
    for column in summable_columns(metric):
        sums = np.zeros(offsets.max() + 1)
        sums[offsets] = np.asarray(weekly[column], dtype=float)
        missing = np.isnan(sums)
        window[column] = (_window_sums(np.where(missing, 0.0, sums), weeks) + _window_nan(missing, weeks))[offsets]
    value = metric.estimate.estimate(window)[0]
    n = window[metric.n_column]
    return np.where(n >= minimum_n(metric), value, np.nan), n


def _chart_columns(conn: Connection, filters: Filters, period: Period, metric_id: str, values: dict) -> dict:
    """The chart's headline NPS weeks (with targets, for the target line) or revenue months, as columns of a trend
    frame, from the values read with the scorecard; read apart when the metric has no row in it."""
    weekly = metric_id == HEADLINE_NPS
    if metric_id in values:
        columns = values[metric_id]["chart"]
        return query.with_targets(conn, metric_id, filters, columns) if weekly else columns
    first, last = chart_weeks(period)
    grain, start = ("week", first.start - timedelta(weeks=ROLLING_WEEKS - 1)) if weekly else ("month", first.start)
    frame = query.metric_frame(conn, metric_id, filters.with_period(start, last.end), grain)
    frame = frame[frame["period_end"] <= last.end]
    return {c: frame[c].tolist() for c in frame.columns}


def _picked(values: Sequence, keep: np.ndarray) -> Sequence:
    """The values where `keep` is set: an array stays an array, a list (dates, labels) stays a list."""
    if isinstance(values, np.ndarray):
        return values[keep]
    return [value for value, kept in zip(values, keep.tolist(), strict=True) if kept]


def nps_weekly(weekly: Mapping[str, Sequence], period: Period) -> pd.DataFrame:
    """Weekly headline NPS with interval, n, target and the rolling 13-week NPS, over the chart's weeks, from the
    columns of the weekly NPS (with targets) of the chart's weeks and the 12 before them; `attrs["label"]` names it."""
    first, _ = chart_weeks(period)
    metric = get_metric(HEADLINE_NPS)
    value, n = rolling(weekly, metric)
    shown = np.array([start >= first.start for start in weekly["period_start"]], dtype=bool)
    columns = ["period_start", "period_end", "period_label", "value", "low", "high", "n", "suppressed", "target"]
    found = {c: _picked(weekly[c], shown) for c in columns}
    frame = pd.DataFrame(found | {"rolling_13w": value[shown], "rolling_13w_n": n[shown]})
    frame.attrs["label"] = metric.label
    exact = ("period_start", "period_end", "period_label", "suppressed", "target")
    return withheld.declare(frame, *NPS_WEEKLY_RULES, exact=exact)


def revenue_monthly(monthly: Mapping[str, Sequence], filters: Filters) -> pd.DataFrame:
    """Monthly revenue over the chart's span, closed months only, the latest one flagged, from the columns of the
    monthly revenue of the chart's months; `attrs["ignored_filters"]` names the filters revenue cannot apply."""
    kept = np.asarray(monthly["n"], dtype=float) > 0
    found = {c: _picked(monthly[c], kept) for c in ("period_start", "period_end", "period_label")}
    latest = max(found["period_end"]) if found["period_end"] else None
    found |= {
        "revenue_usd": np.asarray(_picked(monthly["value"], kept), dtype=float),
        "latest": np.array([end == latest for end in found["period_end"]], dtype=bool),
    }
    frame = withheld.exact(pd.DataFrame(found))
    frame.attrs.update(metric="revenue", ignored_filters=ignored_filters(get_metric("revenue"), filters))
    return frame


def _chart_note(revenue: pd.DataFrame) -> str | None:
    """What the revenue panel cannot show: a filter it ignores, or revenue itself when financials are not loaded."""
    if revenue.empty:
        return "Monthly revenue appears under NPS once the financials table is loaded."
    ignored = revenue.attrs.get("ignored_filters", ())
    return f"Revenue is not split by {' or '.join(ignored)}: it shows all of them." if ignored else None


# --- the whole page ---------------------------------------------------------------------------------------------------


@withheld.enforced
def build(conn: Connection, filters: Filters, period: Period) -> Scorecard:
    """The scorecard for `period` (grain week, month, quarter or ytd) under `filters`: the page's complete query set."""
    loaded = catalog.loaded_tables(conn)
    shown = _available(STATEMENT_METRICS, loaded)
    snap = query.snapshots(conn, _current(period, shown), filters, extra=_extra_periods(conn, filters, period, shown))
    rows, values = snap.rows, snap.values
    trend = trends(values)
    needed = _needed_tables()
    first, last = chart_weeks(period)
    weekly = _chart_columns(conn, filters, period, HEADLINE_NPS, values)
    revenue = (
        revenue_monthly(_chart_columns(conn, filters, period, "revenue", values), filters)
        if "financials" in loaded
        else withheld.exact(pd.DataFrame())
    )
    statement = statement_frame(rows, trend)
    return Scorecard(
        period=period,
        prior=periods.prior(period),
        last_year=periods.same_last_year(period),
        subtitle=subtitle(period, filters),
        csv_name=f"cx-statement-{period.grain}-{period.start.isoformat()}.csv",
        headline=headline(rows, trend, period),
        statement=statement,
        filter_note=filter_note(rows, filters),
        basis_note=_basis_note(period, rows),
        missing_tables=notes.missing_tables(loaded, needed),
        missing_note=notes.missing_note(loaded, needed),
        changes=changes.detect(conn, filters, period, quality.build(conn, filters, quality.review_week(period))),
        nps_weekly=nps_weekly(weekly, period),
        revenue_monthly=revenue,
        events=withheld.exact(catalog.events_between(conn, filters, first.start, last.end)),
        chart_note=_chart_note(revenue),
    )
