"""Targets: which target applies to a metric for a period and slice, and whether the value meets it.

Status rules:
- on_target: the value meets the target (at or above it when higher is better, at or below when lower is better).
- Metrics with a statistical interval (NPS, CSAT, CES, rates over counted events): off_target only when the shortfall
  is significant, i.e. the target lies outside the 95% interval on the wrong side (a one-sided test at 2.5%);
  a miss inside the interval is watch.
- Exact metrics (revenue, margin, medians, ...): a miss within the metric's tolerance (default 2% of the target) is
  watch, a bigger one off_target.
- No status when there is no target or the value is suppressed or missing.
"""

from __future__ import annotations

import math

import pandas as pd

from cxmetrics.metrics import Metric
from cxmetrics.periods import Period

STATUSES: tuple[str, ...] = ("on_target", "watch", "off_target")
TARGET_COLUMNS: tuple[str, ...] = ("period_start", "grain", "region", "segment", "target")


def load_targets(conn, metric_id: str) -> pd.DataFrame:
    """Every target row of one metric (a small table); empty when there are none."""
    return conn.execute(
        "SELECT period_start, grain, region, segment, target FROM targets WHERE metric = ?", [metric_id]
    ).fetchdf()


def find_target(
    table: pd.DataFrame, period: Period, region: str = "", segment: str = "", same_grain: bool = False
) -> float | None:
    """The target for `period` and slice: the most specific slice wins (region and segment, region, segment,
    company-wide), then a target set at the period's grain, then the latest one starting on or before the period.

    Additive metrics (totals such as revenue) pass `same_grain=True`: a year's revenue target is no month's target.
    """
    if table.empty:
        return None
    starts = pd.to_datetime(table["period_start"]).dt.date
    usable = (
        table["region"].isin([region, ""]) & table["segment"].isin([segment, ""]) & (starts <= period.start)
    ).to_numpy()
    same = (table["grain"] == _target_grain(period)).to_numpy()
    if same_grain:
        usable = usable & same
    if not usable.any():
        return None
    ranked = pd.DataFrame(
        {
            "specificity": 2 * (table["region"] != "").astype(int) + (table["segment"] != "").astype(int),
            "same_grain": same.astype(int),
            "start": starts,
            "target": table["target"].astype(float),
        }
    )[usable]
    best = ranked.sort_values(["specificity", "same_grain", "start"], ascending=False).iloc[0]
    return float(best["target"])


def _target_grain(period: Period) -> str:
    return "year" if period.grain == "ytd" else period.grain


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def status(metric: Metric, value, target, low=None, high=None) -> str | None:
    """on_target / watch / off_target for a value against its target (see the module docstring)."""
    if _missing(value) or _missing(target):
        return None
    higher = metric.direction == "higher"
    shortfall = (target - value) if higher else (value - target)
    if shortfall <= 0:
        return "on_target"
    if metric.sampled:
        bound = high if higher else low
        if _missing(bound):
            return "watch"
        significant = bound < target if higher else bound > target
        return "off_target" if significant else "watch"
    return "watch" if shortfall <= metric.tolerance_pct / 100 * abs(target) else "off_target"
