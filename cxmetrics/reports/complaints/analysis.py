"""Complaints as broken processes: volume per 1,000 active customers by process or category, days to resolve,
recovery, and the churn of customers whose complaint was recovered against those whose complaint was lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import COMPLAINTS_OPENED, Dim, Source
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import NONE_LABEL, scoped

SPLITS: dict[str, str] = {"process": "Process", "category": "Category"}
OUTCOMES: tuple[str, ...] = ("lost", "recovered", "none")
OUTCOME_LABELS = {
    "lost": "Latest complaint lost",
    "recovered": "Latest complaint recovered",
    "none": "No complaint",
    "open": "Latest complaint still open",
}
CUSTOMERS = Source(
    "customers",
    ("customers",),
    "customers c",
    {name: Dim(f"c.{name}") for name in ("region", "segment", "industry")},
)


def _range_params(params: dict, start: date, end: date) -> None:
    params.update(t0=start, t1=end + timedelta(days=1))


def _split_column(by: str) -> str:
    """The complaints column of a split: only the fixed names in SPLITS reach SQL."""
    if by not in SPLITS:
        raise ValueError(f"unknown split {by!r}; valid: {', '.join(SPLITS)}")
    return f"coalesce(k.{by}, '{NONE_LABEL}')"


# --- volume per 1,000 active customers over time ------------------------------------------------------------------


def _counts_by_period(conn: Connection, filters: Filters, grain: str, by: str, start: date, end: date) -> pd.DataFrame:
    """Complaints opened per period (date_trunc of `grain`) and value of the split, in one pass."""
    joins, where, params = scoped(COMPLAINTS_OPENED, filters)
    _range_params(params, start, end)
    params["unit"] = grain
    sql = (
        "SELECT CAST(date_trunc($unit, k.opened_at) AS DATE) AS period_start, "  # noqa: S608 (fixed identifiers)
        f"{_split_column(by)} AS {by}, count(*) AS complaints FROM complaints k {joins} "
        f"WHERE k.opened_at >= $t0 AND k.opened_at < $t1 AND {where} GROUP BY ALL"
    )
    frame = conn.execute(sql, params).df()
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return frame


def volume_trend(conn: Connection, filters: Filters, grain: str = "month", by: str = "process") -> pd.DataFrame:
    """Complaints opened per complete period and value of `by`, per 1,000 customers active during the period.

    Columns: period_start, period_label, `by`, complaints, active_customers, per_1000 (the registry's
    complaints_per_1000 split; the values of a period add up to its total)."""
    total = query.metric_frame(conn, "complaints_per_1000", filters, grain)
    columns = ["period_start", "period_label", by, "complaints", "active_customers", "per_1000"]
    if total.empty:
        return pd.DataFrame(columns=columns)
    start, end = total["period_start"].min(), total["period_end"].max()
    counts = _counts_by_period(conn, filters, grain, by, start, end)
    base = total[["period_start", "period_label", "active_customers"]]
    frame = base.merge(counts, on="period_start", how="inner")
    frame["complaints"] = frame["complaints"].astype("int64")
    sums = {"complaints": frame["complaints"].to_numpy(float), "active_customers": frame["active_customers"]}
    frame["per_1000"] = get_metric("complaints_per_1000").estimate.estimate(sums)[0]
    return frame[columns].sort_values(["period_start", by], ignore_index=True)


# --- one period by process ------------------------------------------------------------------------------------------


PROCESS_METRICS: tuple[str, ...] = ("complaint_recovery_rate", "median_days_to_resolve")
_PROCESS_COLUMNS = ["complaints", "resolved", "median_days", "recovered", "decided"]


def _opened_by(conn: Connection, filters: Filters, period: Period, by: str) -> pd.DataFrame:
    """Complaints opened in the period per value of the split and in total (value NULL): value, complaints."""
    joins, where, params = scoped(COMPLAINTS_OPENED, filters)
    _range_params(params, period.start, period.end)
    sql = (
        f"SELECT {_split_column(by)} AS value, count(*) AS complaints FROM complaints k {joins} "  # noqa: S608
        f"WHERE k.opened_at >= $t0 AND k.opened_at < $t1 AND {where} GROUP BY GROUPING SETS ((value), ())"
    )
    return conn.execute(sql, params).df()


def _resolved_by(conn: Connection, filters: Filters, period: Period, by: str) -> pd.DataFrame:
    """The registry's sums of the complaints resolved in the period per value of the split and in total (value
    NULL): value, resolved, median_days, recovered, decided."""
    found = []
    for split in (by, None):
        frames = query.period_frames(conn, PROCESS_METRICS, filters, [period], by=split, with_targets=False)
        recovery, median = (frames[m] for m in PROCESS_METRICS)
        value = recovery[split] if split else None
        rates = pd.DataFrame({"value": value, "decided": recovery["n"], "recovered": recovery["recovered"]})
        days = pd.DataFrame({"value": median[split] if split else None, "resolved": median["resolved"]})
        days["median_days"] = median["median_days"]
        found.append(days.merge(rates, on="value", how="outer"))
    return pd.concat(found, ignore_index=True)


def by_process(conn: Connection, filters: Filters, period: Period, by: str = "process") -> pd.DataFrame:
    """One row per value of `by` and a total ('All'), for complaints opened or resolved in `period`.

    Columns: `by`, complaints (opened), per_1000 (per 1,000 customers active during the period), resolved,
    median_days_to_resolve, recovered, lost, decided (recovered + lost), recovery_pct with its Wilson 95% low/high:
    the registry's complaints_per_1000, median_days_to_resolve and complaint_recovery_rate split by `by` (not
    withheld below the minimum n: `PROCESS_RULES` say what rests on which n)."""
    opened = _opened_by(conn, filters, period, by)
    frame = opened.merge(_resolved_by(conn, filters, period, by), on="value", how="outer")
    active = query.period_frame(conn, "complaints_per_1000", filters, [period])
    return _process_rows(frame, by, float(active["active_customers"].sum()) if len(active) else 0.0)


def _process_rows(frame: pd.DataFrame, by: str, active_customers: float) -> pd.DataFrame:
    """Rates and intervals of the per-process sums by the registry's estimators; the total row last, 'All'."""
    counts = [c for c in _PROCESS_COLUMNS if c != "median_days"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["is_total"] = frame["value"].isna()
    frame = frame.sort_values(["is_total", "complaints", "value"], ascending=[True, False, True], ignore_index=True)
    frame[by] = np.where(frame["is_total"], "All", frame["value"])
    per_1000 = get_metric("complaints_per_1000").estimate
    active = np.full(len(frame), active_customers)
    frame["per_1000"] = per_1000.estimate({"complaints": frame["complaints"], "active_customers": active})[0]
    frame["median_days_to_resolve"] = frame["median_days"].astype(float)
    frame["lost"] = frame["decided"] - frame["recovered"]
    sums = {"n": frame["decided"].to_numpy(float), "recovered": frame["recovered"].to_numpy(float)}
    value, low, high = get_metric("complaint_recovery_rate").estimate.estimate(sums)
    frame["recovery_pct"], frame["recovery_low_pct"], frame["recovery_high_pct"] = value, low, high
    columns = [by, "complaints", "per_1000", "resolved", "median_days_to_resolve", "recovered", "lost", "decided"]
    return frame[[*columns, "recovery_pct", "recovery_low_pct", "recovery_high_pct"]]


# What the per-process figures rest on: the median on the complaints resolved, recovery on those recovered or lost.
PROCESS_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("resolved", ("median_days_to_resolve",), metric="median_days_to_resolve"),
    withheld.Rule(
        "decided",
        ("recovery_pct", "recovery_low_pct", "recovery_high_pct"),
        ("recovered", "lost"),
        "complaint_recovery_rate",
    ),
)


# --- churn after a recovered or a lost complaint --------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnWindow:
    """The cohort's window: customers active on `start`, churn counted to `end`, complaints of the year before."""

    start: date
    end: date

    @property
    def complaints_from(self) -> date:
        """The first day of the 12 months of complaints that group the cohort."""
        return self.start.replace(year=self.start.year - 1)

    @property
    def label(self) -> str:
        """'Nov 2025 to Oct 2026'."""
        return f"{self.start:%b %Y} to {self.end:%b %Y}"


def churn_window(period: Period) -> ChurnWindow:
    """The trailing 12 months that end with the latest closed month on or before the period's end."""
    months = periods.trailing_months(period.end)
    return ChurnWindow(months.start, months.end)


def churn_by_outcome(conn: Connection, filters: Filters, window: ChurnWindow) -> pd.DataFrame:
    """Customers active on the window's first day grouped by the outcome of their latest complaint in the 12 months
    before it ('none' without one): customers, churned by the window's end, churn_pct and its Wilson 95% interval."""
    joins, where, params = scoped(CUSTOMERS, filters)
    params.update(w_start=window.start, w_end=window.end, k_from=window.complaints_from)
    sql = (
        "WITH latest AS (SELECT customer_id, arg_max(outcome, opened_at) AS outcome FROM complaints "  # noqa: S608
        "WHERE opened_at >= $k_from AND opened_at < $w_start GROUP BY 1) "
        "SELECT coalesce(l.outcome, 'none') AS outcome, count(*) AS customers, "
        "count(*) FILTER (WHERE c.churn_date <= $w_end) AS churned "
        f"FROM customers c LEFT JOIN latest l ON l.customer_id = c.customer_id {joins} "
        f"WHERE {measures.active_at('$w_start')} AND {where} GROUP BY 1"
    )
    frame = conn.execute(sql, params).df()
    order = {name: i for i, name in enumerate(OUTCOMES)}
    frame = frame.sort_values("outcome", key=lambda s: s.map(order).fillna(len(order)), ignore_index=True)
    frame[["customers", "churned"]] = frame[["customers", "churned"]].astype("int64")
    sums = {"churned": frame["churned"].to_numpy(float), "cohort": frame["customers"].to_numpy(float)}
    frame["churn_pct"], frame["churn_low_pct"], frame["churn_high_pct"] = get_metric("churn_rate").estimate.estimate(
        sums
    )
    frame["label"] = frame["outcome"].map(OUTCOME_LABELS).fillna(frame["outcome"])
    return frame


# Each group's churn rests on its customers, under the churn_rate metric's minimum n.
CHURN_RULE = withheld.Rule("customers", ("churn_pct", "churn_low_pct", "churn_high_pct"), ("churned",), "churn_rate")


def churn_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The churn-by-outcome frame as it may be shown: churn and the churned count withheld below the minimum n."""
    return withheld.declare(frame, CHURN_RULE, exact=("outcome", "label"))


@dataclass(frozen=True)
class ChurnGap:
    """Churn after a lost complaint minus churn after a recovered one, in points, with its interval and test."""

    lost_pct: float
    recovered_pct: float
    gap_points: float
    low_points: float
    high_points: float
    significant: bool


def _comparable(rows: pd.DataFrame) -> bool:
    """Whether both the lost and the recovered group are there with at least the minimum n of customers."""
    if not {"lost", "recovered"} <= set(rows.index):
        return False
    return min(rows.loc[["lost", "recovered"], "customers"]) >= max(minimum_n(get_metric("churn_rate")), 1)


def churn_gap(frame: pd.DataFrame) -> ChurnGap | None:
    """The lost-minus-recovered churn gap; None when either group is missing or under the minimum n."""
    rows = frame.set_index("outcome")
    if not _comparable(rows):
        return None
    lost, kept = (
        {"churned": rows.loc[o, "churned"], "cohort": rows.loc[o, "customers"]} for o in ("lost", "recovered")
    )
    churn = get_metric("churn_rate").estimate
    gap, low, high = (float(x) for x in churn.difference(lost, kept))
    significant = bool(churn.test(lost, kept).significant)
    return ChurnGap(
        float(rows.loc["lost", "churn_pct"]), float(rows.loc["recovered", "churn_pct"]), gap, low, high, significant
    )


def _share(row: pd.Series) -> str:
    return f"{row['churn_pct']:.1f}% ({int(row['churned']):,} of {int(row['customers']):,})"


def _without_complaint(row: pd.Series) -> str:
    """The churn of customers without a complaint, or their n alone under the minimum n."""
    if np.isnan(row["churn_pct"]):
        return f" Customers without a complaint: n = {int(row['customers']):,}, too few to show their churn."
    return f" Customers without a complaint churned {_share(row)}."


def _no_gap_sentence(rows: pd.DataFrame, window: ChurnWindow) -> str:
    """Why there is no gap: a group is missing, or a group has fewer customers than the minimum n."""
    if {"lost", "recovered"} <= set(rows.index) and min(rows.loc[["lost", "recovered"], "customers"]) > 0:
        lost, kept = (int(rows.loc[o, "customers"]) for o in ("lost", "recovered"))
        return (
            f"Too few customers to compare churn after a lost and a recovered complaint over {window.label}: "
            f"n = {lost:,} lost and n = {kept:,} recovered (each group needs at least "
            f"{minimum_n(get_metric('churn_rate'))})."
        )
    return (
        f"Not enough complaints to compare: customers active on {window.start:%-d %b %Y} need both a recovered "
        "and a lost complaint in the year before."
    )


def churn_sentence(frame: pd.DataFrame, window: ChurnWindow) -> str:
    """The recovered-versus-lost churn in one sentence, with the gap's interval and whether it is significant; a
    group under the minimum n shows its n only."""
    shown = churn_shown(frame)
    rows = shown.set_index("outcome")
    gap = churn_gap(frame)
    if gap is None:
        return _no_gap_sentence(rows, window)
    verdict = "a significant difference" if gap.significant else "not significant (the interval includes zero)"
    direction = "more" if gap.gap_points >= 0 else "less"
    sentence = (
        f"Customers whose latest complaint was lost churned {_share(rows.loc['lost'])} over {window.label}, "
        f"against {_share(rows.loc['recovered'])} when it was recovered: {abs(gap.gap_points):.1f} points "
        f"{direction} (95% interval {gap.low_points:+.1f} to {gap.high_points:+.1f}), {verdict}."
    )
    if "none" in rows.index and rows.loc["none", "customers"]:
        sentence += _without_complaint(rows.loc["none"])
    return sentence
