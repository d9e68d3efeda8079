"""Targets of the sample world: a plan set from each metric's realised first year plus planned improvement.

The realised figures are measured by the metric engine itself (`cxmetrics.query.period_frame`) on the written tables,
so a target always names a registry metric and has its unit and meaning at its grain: a quarter's revenue target is
the quarter's total, a month's complaints per 1,000 customers count the customers active in that month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.ingest import schema
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import NONE_LABEL
from cxmetrics.sample import calendar as cal
from cxmetrics.sample.truth import connect


@dataclass(frozen=True)
class TargetPlan:
    """How a metric's targets follow from its first-year baseline."""

    step: float  # planned change per quarter, in the metric's unit (or a growth rate when `growth`)
    digits: int  # rounding of the targets (negative: to tens, hundreds, ...)
    growth: bool = False
    history_months: int = 0  # months of data a value reads up to its period's end (trailing windows)


PLANS: dict[str, TargetPlan] = {
    "nps": TargetPlan(0.5, 0),
    "relationship_nps": TargetPlan(0.5, 0),
    "transactional_nps": TargetPlan(0.5, 0),
    "csat": TargetPlan(0.3, 1),
    "ces": TargetPlan(0.01, 2),
    "fcr_rate": TargetPlan(0.2, 1),
    "follow_up_2bd": TargetPlan(0.4, 1),
    "enps": TargetPlan(0.2, 0),
    "gross_margin_pct": TargetPlan(0.2, 1),
    "logo_retention": TargetPlan(0.2, 1, history_months=12),
    "nrr": TargetPlan(0.3, 1, history_months=13),
    "complaints_per_1000": TargetPlan(-0.01, 1, growth=True),
    "revenue": TargetPlan(0.035, -4, growth=True),
}
COMPANY_QUARTERLY = tuple(m for m in PLANS if m != "revenue")  # revenue: the sum of its monthly regional plans
COMPANY_MONTHLY = ("complaints_per_1000",)
REGIONAL_QUARTERLY = ("nps", "relationship_nps", "transactional_nps", "csat")
COMPLEMENTS = {"churn_rate": "logo_retention"}  # churn = 100 - logo retention of the same cohort
BASELINE_MONTHS = 12

Extent = tuple[date, date]


def engine(out_dir: Path):
    """The written tables for the metric engine, with an empty targets table (targets are what we are making)."""
    conn = connect(out_dir)
    conn.execute("DROP VIEW IF EXISTS targets")
    conn.execute(schema.table_ddl(schema.TABLES_BY_NAME["targets"]))
    return conn


def _month_index(d: date) -> int:
    return 12 * d.year + d.month - 1


def _months(period: Period) -> int:
    return _month_index(period.end) - _month_index(period.start) + 1


def plan_periods(grain: str, plan: TargetPlan, extent: Extent) -> list[Period]:
    """Periods of `grain` whose data (with the plan's history) lies in the extent, through the last day's quarter."""
    first_day, last_day = extent
    end = periods.period_containing("quarter", last_day).end
    first_month = _month_index(first_day) + int(first_day.day > 1)
    chosen = periods.periods_between(grain, first_day, end)
    return [p for p in chosen if _month_index(p.end) + 1 - max(_months(p), plan.history_months) >= first_month]


def baseline_periods(planned: Sequence[Period], last_day: date) -> list[Period]:
    """The plan's first year: its first complete periods, BASELINE_MONTHS of them."""
    complete = [p for p in planned if p.end <= last_day]
    return complete[: BASELINE_MONTHS // _months(complete[0])] if complete else []


def baselines(
    conn: Connection, metric_id: str, first_year: Sequence[Period], by: str | None = None
) -> dict[str, float]:
    """Mean realised value over the first year per value of `by` ('' company-wide); suppressed periods skipped."""
    frame = query.period_frame(conn, metric_id, None, first_year, by)
    frame = frame.assign(slice=frame[by] if by else "").dropna(subset=["value"])
    means = frame[frame["slice"] != NONE_LABEL].groupby("slice")["value"].mean()
    return {str(k): float(v) for k, v in means.items()}


def _middle(period: Period) -> float:
    """The middle of a whole-month period, in months."""
    return (_month_index(period.start) + _month_index(period.end) + 1) / 2


def planned(
    baseline: float, plan: TargetPlan, targets_for: Sequence[Period], first_year: Sequence[Period]
) -> np.ndarray:
    """Targets: the baseline at the middle of the first year, moved by the plan's step per quarter from there."""
    centre = np.mean([_middle(p) for p in first_year])
    quarters = (np.array([_middle(p) for p in targets_for]) - centre) / 3
    values = baseline * (1 + plan.step) ** quarters if plan.growth else baseline + plan.step * quarters
    return np.round(values, plan.digits)


def metric_plan(
    conn: Connection, metric_id: str, grain: str, extent: Extent, by: str | None = None
) -> tuple[list[Period], dict[str, np.ndarray]]:
    """The periods of a metric's plan at `grain` and its targets per slice ('' company-wide)."""
    plan = PLANS[metric_id]
    targets_for = plan_periods(grain, plan, extent)
    first_year = baseline_periods(targets_for, extent[1])
    found = baselines(conn, metric_id, first_year, by) if first_year else {}
    return targets_for, {s: planned(b, plan, targets_for, first_year) for s, b in found.items()}


def _rows(metric_id: str, targets_for: Sequence[Period], region: str, values: Sequence[float]) -> list[tuple]:
    """Target rows of one metric and slice."""
    return [(metric_id, p.start, p.grain, region, "", float(v)) for p, v in zip(targets_for, values, strict=True)]


def company_rows(conn: Connection, extent: Extent) -> list[tuple]:
    """Company-wide quarterly targets of every planned metric, monthly ones where asked, and their complements."""
    rows = []
    for grain, metric_ids in (("quarter", COMPANY_QUARTERLY), ("month", COMPANY_MONTHLY)):
        for metric_id in metric_ids:
            targets_for, values = metric_plan(conn, metric_id, grain, extent)
            if "" in values:
                rows += _rows(metric_id, targets_for, "", values[""])
    for metric_id, of in COMPLEMENTS.items():
        digits = PLANS[of].digits
        rows += [(metric_id, *row[1:5], round(100 - row[5], digits)) for row in rows if row[0] == of]
    return rows


def revenue_rows(conn: Connection, extent: Extent) -> list[tuple]:
    """Monthly revenue targets per region; company-wide, their sum per month and per quarter."""
    months, by_region = metric_plan(conn, "revenue", "month", extent, by="region")
    if not by_region:
        return []
    rows = [row for region, values in sorted(by_region.items()) for row in _rows("revenue", months, region, values)]
    company = dict(zip((m.start for m in months), np.sum(list(by_region.values()), axis=0), strict=True))
    quarters = plan_periods("quarter", PLANS["revenue"], extent)
    totals = [sum(company[m.start] for m in periods.periods_between("month", q.start, q.end)) for q in quarters]
    return rows + _rows("revenue", months, "", list(company.values())) + _rows("revenue", quarters, "", totals)


def region_rows(conn: Connection, extent: Extent) -> list[tuple]:
    """Per-region quarterly targets of the regional scores."""
    rows = []
    for metric_id in REGIONAL_QUARTERLY:
        quarters, by_region = metric_plan(conn, metric_id, "quarter", extent, by="region")
        for region, values in sorted(by_region.items()):
            rows += _rows(metric_id, quarters, region, values)
    return rows


def targets(out_dir: Path) -> dict[str, pa.Array]:
    """The targets table."""
    conn = engine(out_dir)
    extent = (cal.WINDOW_START.item(), cal.LAST_DAY.item())
    rows = company_rows(conn, extent) + revenue_rows(conn, extent) + region_rows(conn, extent)
    rows.sort(key=lambda r: (r[0], r[3], r[2], r[1]))
    return {
        "metric": pa.array([r[0] for r in rows], pa.string()),
        "period_start": pa.array([r[1] for r in rows], pa.date32()),
        "grain": pa.array([r[2] for r in rows], pa.string()),
        "region": pa.array([r[3] for r in rows], pa.string()),
        "segment": pa.array([r[4] for r in rows], pa.string()),
        "target": pa.array([r[5] for r in rows], pa.float64()),
    }
