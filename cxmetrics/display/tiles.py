"""Headline tiles of registry metrics for one period against the period before: value, change, n and its meaning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import Metric, get_metric
from cxmetrics.periods import Period
from cxmetrics.query import frames as query


@dataclass(frozen=True)
class KpiTile:
    """One headline number: value as shown, signed change against the prior period, the hover text, and an optional
    line shown under it (a range, a caveat)."""

    metric: str
    label: str
    value: str
    delta: str | None
    delta_colour: str
    help: str
    delta_arrow: str = "auto"
    note: str | None = None


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def change_text(metric: Metric, delta: float, significant) -> str | None:
    """'+1.4 (significant)', '-2.0 (not significant)' or '-0.5' for an exact figure; None without a change."""
    if _missing(delta):
        return None
    spec = metric.fmt.lstrip("+").replace(",", "")
    text = f"{delta:+{spec}}"
    if significant is pd.NA or significant is None:
        return text
    return f"{text} ({'significant' if bool(significant) else 'not significant'})"


def _colour(metric: Metric, delta: float, significant) -> str:
    """Green or red for a real change in the good or bad direction, grey for noise or no change."""
    if _missing(delta) or delta == 0 or (significant is not pd.NA and significant is not None and not significant):
        return "off"
    return "normal" if metric.direction == "higher" else "inverse"


def _help(metric: Metric, row: pd.Series, prior: Period) -> str:
    """What the number is, its n, its interval and the prior period's value."""
    parts = [metric.description, f"n = {int(row['n']):,} {metric.n_label}."]
    if not _missing(row["low"]):
        parts.append(f"95% interval {metric.format(row['low'])} to {metric.format(row['high'])}.")
    if row["suppressed"]:
        minimum = config.get("CX_MIN_N") if metric.min_n is None else metric.min_n
        parts.append(f"Withheld: fewer than {minimum} {metric.n_label}.")
    parts.append(f"{prior.label}: {metric.format(row['prior_value'])}.")
    return " ".join(parts)


def tile(metric: Metric, current: pd.Series, before: pd.Series, prior: Period) -> KpiTile:
    """A tile from a metric's rows for the period and the prior period."""
    row = current.copy()
    row["prior_value"] = before["value"]
    delta = row["value"] - before["value"]
    test = metric.estimate.test(
        {c: np.asarray([current[c]], dtype=float) for c in query.sum_columns(metric)},
        {c: np.asarray([before[c]], dtype=float) for c in query.sum_columns(metric)},
    )
    significant = None if test is None or _missing(delta) else bool(np.asarray(test.significant).item())
    value = metric.format(row["value"]) if not row["suppressed"] else f"Too few (n = {int(row['n']):,})"
    return KpiTile(
        metric.id,
        metric.label,
        value,
        change_text(metric, delta, significant),
        _colour(metric, delta, significant),
        _help(metric, row, prior),
    )


def tiles(conn, filters: Filters, period: Period, metric_ids: Sequence[str]) -> tuple[KpiTile, ...]:
    """Tiles of the metrics for `period`, compared with the period before, from one query per source."""
    before = periods.prior(period)
    frames = query.period_frames(conn, metric_ids, filters, [period, before], with_targets=False)
    result = []
    for metric_id in metric_ids:
        frame = frames[metric_id].set_index("period_start")
        metric = get_metric(metric_id)
        result.append(tile(metric, _row(metric, frame, period), _row(metric, frame, before), before))
    return tuple(result)


def _row(metric: Metric, frame: pd.DataFrame, period: Period) -> pd.Series:
    """The metric's row for the period; an empty row (no value, n = 0) when it has no data."""
    if period.start in frame.index:
        return frame.loc[period.start]
    empty = dict.fromkeys(query.sum_columns(metric), np.nan)
    return pd.Series(empty | {"value": np.nan, "low": np.nan, "high": np.nan, "n": 0, "suppressed": False})
