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
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from cxmetrics.db import Connection
from cxmetrics.metrics.registry import Metric
from cxmetrics.periods import Period

STATUSES: tuple[str, ...] = ("on_target", "watch", "off_target")


class TargetRow(NamedTuple):
    """One row of the targets table ('' region or segment = all)."""

    period_start: date
    grain: str
    region: str
    segment: str
    target: float


def load_targets(conn: Connection, metric_ids: Sequence[str]) -> dict[str, list[TargetRow]]:
    """The target rows of each metric (a small table), keyed by metric id."""
    found: dict[str, list[TargetRow]] = {m: [] for m in metric_ids}
    rows = conn.execute(
        "SELECT metric, period_start, grain, region, segment, target FROM targets WHERE list_contains(?, metric)",
        [list(metric_ids)],
    ).fetchall()
    for metric, *values in rows:
        found[metric].append(TargetRow(*values))
    return found


def find_target(
    rows: Sequence[TargetRow], period: Period, region: str = "", segment: str = "", additive: bool = False
) -> float | None:
    """The target for `period` and slice: the most specific slice wins (region and segment, region, segment,
    company-wide), then a target set at the period's grain, then the latest one starting on or before the period.

    Totals (`additive`, e.g. revenue) take only a target of exactly their slice and grain: a year's revenue target
    is no month's target, and the company's revenue target is no region's.
    """
    return TargetTable(rows).find(period, region, segment, additive)


class TargetTable:
    """One metric's target rows grouped by slice, so that the many lookups of a trend or a scorecard stay cheap."""

    def __init__(self, rows: Sequence[TargetRow]) -> None:
        self.rows = tuple(rows)
        self.by_slice: dict[tuple[str, str], list[TargetRow]] = {}
        for row in self.rows:
            self.by_slice.setdefault((row.region, row.segment), []).append(row)

    def find(self, period: Period, region: str = "", segment: str = "", additive: bool = False) -> float | None:
        """The target for `period` and slice, as `find_target` chooses it: the slices from the most specific down,
        and in the first with a usable row, one at the period's grain first, then the latest."""
        grain = _target_grain(period)
        for where in _slices(region, segment, additive):
            usable = [
                r
                for r in self.by_slice.get(where, ())
                if r.period_start <= period.start and (r.grain == grain or not additive)
            ]
            if usable:
                return float(max(usable, key=lambda r: (r.grain == grain, r.period_start)).target)
        return None


def _slices(region: str, segment: str, additive: bool) -> list[tuple[str, str]]:
    """The (region, segment) slices whose targets may apply, from the exact one up to company-wide (the most specific
    first: region and segment, region, segment, neither)."""
    if additive:
        return [(region, segment)]
    found = dict.fromkeys([(region, segment), (region, ""), ("", segment), ("", "")])
    return sorted(found, key=lambda s: 2 * (s[0] != "") + (s[1] != ""), reverse=True)


def _target_grain(period: Period) -> str:
    return "year" if period.grain == "ytd" else period.grain


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


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
