"""The journey map: a score per touchpoint (in journey order) and region or segment, judged like the scorecard.

Each cell is a registry metric (NPS, CSAT or CES) from `query.period_frames` for the map period and the period it is
compared with, one query per row of the map. Its colour:
- grey: fewer responses than the minimum n (the count is shown, the score withheld);
- red: significantly below target (the engine's target status `off_target`), or falling significantly against the
  compared period: the metric's own test, with the minimum n on both sides, clears the evidence bar of what changed
  for the same review and filters (|z| >= 1.96 and a p-value the Benjamini-Hochberg control keeps over every
  comparison scanned, `query.moves`), so a cell is never red for a fall that what changed calls noise, nor the
  other way round;
- yellow: below target within the noise (`watch`); green: on target and not falling significantly;
- no target (a touchpoint is judged against its region's or segment's target, else the company's): neutral.
At week grain the map shows the 4 weeks to the review week against the 13 weeks before them, the comparison of what
changed's recent level (one week has too few answers per touchpoint and region); at month, quarter and year-to-date
grain its comparison since the last review.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics import registry, targets
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.query import catalog, moves
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import NONE_LABEL, sum_columns

# By touchpoint, NPS is the transactional surveys' (relationship surveys have no touchpoint), against its own targets.
MAP_METRICS: tuple[str, ...] = ("transactional_nps", "csat", "ces")
ROW_DIMENSIONS: tuple[str, ...] = ("region", "segment")
GRAINS: tuple[str, ...] = ("week", "month", "quarter", "ytd")
ALL_ROW = "All"
ROW_FIELDS = {"region": "regions", "segment": "segments"}
FALLING = "falling"


@dataclass(frozen=True)
class MapPeriod:
    """The period the map shows and the one each cell is compared with, with the words that name them, and the
    review period whose scanned moves judge the cells' falls."""

    current: Period
    compared: Period
    label: str
    compared_label: str
    review: Period


def map_period(grain: str, week: Period, last_day: date) -> MapPeriod:
    """The map period for a review week at a grain when the data ends on `last_day`, one of what changed's
    comparisons for the review: 4 weeks to the week (against the 13 before), or the month or quarter under review
    (`periods.review_period`, against the one before), or the year to date (against last year's)."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; valid: {', '.join(GRAINS)}")
    review = periods.review_period(grain, week, last_day)
    since, *others = moves.windows(review)
    if grain == "week":
        (recent,) = others
        label = f"the {moves.RECENT_WEEKS} weeks to {week.label}"
        return MapPeriod(recent.current, recent.compared, label, f"the {moves.BASELINE_WEEKS} weeks before", review)
    return MapPeriod(since.current, since.compared, since.current.label, since.compared.label, review)


def touchpoint_order(values) -> list[str]:
    """Touchpoints in journey order (config.JOURNEY_ORDER), unknown ones after, alphabetically."""
    order = {name: i for i, name in enumerate(config.JOURNEY_ORDER)}
    return sorted((v for v in values if v != NONE_LABEL), key=lambda v: (order.get(v, len(order)), v))


def _row_filters(filters: Filters, dimension: str, value: str | None) -> Filters:
    """The filters of one map row: the row's region or segment on top of the global filters."""
    return filters if value is None else replace(filters, **{ROW_FIELDS[dimension]: (value,)})


def _one(values: tuple[str, ...]) -> str | None:
    """The value a target can name: '' for all, the value when one is chosen, None for several."""
    return "" if not values else (values[0] if len(values) == 1 else None)


def target_slice(filters: Filters, dimension: str, value: str | None) -> tuple[str, str]:
    """The (region, segment) whose target judges a row: the row's value, else the single filtered one, else ''."""
    region = value if dimension == "region" and value else _one(filters.visible("region") or ())
    segment = value if dimension == "segment" and value else _one(filters.visible("segment") or ())
    return region or "", segment or ""


def cell_status(target_status: str | None, suppressed: bool, falling: bool) -> str:
    """The map colour of a cell: suppressed, off_target (also when falling significantly), watch, on_target or
    no_target."""
    if suppressed:
        return "suppressed"
    if falling or target_status == "off_target":
        return "off_target"
    return target_status or "no_target"


def _reason(status: str, target_status: str | None, falling: bool, min_n: int) -> str:
    if status == "suppressed":
        return f"too few responses (under {min_n}): score withheld"
    reasons = []
    if target_status == "off_target":
        reasons.append("significantly below target")
    if falling:
        reasons.append("falling significantly")
    if target_status == "watch":
        reasons.append("below target within the noise")
    if target_status == "on_target":
        reasons.append("on target")
    return " and ".join(reasons) or "no target; not falling significantly"


def _row_cells(conn: Connection, metric_id: str, filters: Filters, chosen: MapPeriod, row: str) -> pd.DataFrame:
    """One map row's scores by touchpoint, current and compared, merged."""
    frame = query.period_frames(
        conn, [metric_id], filters, [chosen.current, chosen.compared], by="touchpoint", with_targets=False
    )[metric_id]
    keep = list(
        dict.fromkeys(["touchpoint", "value", "low", "high", "n", "suppressed", *sum_columns(get_metric(metric_id))])
    )
    is_current = frame["period_start"] == chosen.current.start
    current = frame.loc[is_current, keep]
    compared = (
        frame.loc[~is_current, keep].add_prefix("compared_").rename(columns={"compared_touchpoint": "touchpoint"})
    )
    cells = current.merge(compared, on="touchpoint", how="left")
    return cells[cells["touchpoint"] != NONE_LABEL].assign(row=row)


def _judge(cells: pd.DataFrame, metric_id: str, table: list, chosen: MapPeriod, filters, dimension, bar: float):
    """Target, target status, the change against the compared period and whether it clears the evidence bar, and
    the map status."""
    metric = get_metric(metric_id)
    min_n = registry.minimum_n(get_metric(metric_id))
    sums = sum_columns(metric)
    current = {c: cells[c].to_numpy(dtype=float) for c in sums}
    before = {c: cells[f"compared_{c}"].to_numpy(dtype=float) for c in sums}
    test = metric.estimate.test(current, before)
    testable = (cells["n"].to_numpy() >= min_n) & (cells["compared_n"].fillna(0).to_numpy() >= min_n)
    significant = testable & moves.clears(test.p_value, test.statistic, bar)
    delta = cells["value"].to_numpy(dtype=float) - cells["compared_value"].to_numpy(dtype=float)
    worse = delta < 0 if metric.direction == "higher" else delta > 0
    falling = significant & worse
    found, target_status, status, reasons = [], [], [], []
    for i, row in enumerate(cells.itertuples(index=False)):
        where = target_slice(filters, dimension, None if row.row == ALL_ROW else row.row)
        target = targets.find_target(table, chosen.current, *where)
        found.append(np.nan if target is None else target)
        judged = None if row.suppressed else targets.status(metric, row.value, target, row.low, row.high)
        target_status.append(judged)
        status.append(cell_status(judged, bool(row.suppressed), bool(falling[i])))
        reasons.append(_reason(status[-1], judged, bool(falling[i]), min_n))
    return cells.assign(
        target=found,
        target_status=target_status,
        delta=np.where(testable, delta, np.nan),
        z=np.where(testable, test.statistic, np.nan),
        significant=significant,
        falling=falling,
        status=status,
        reason=reasons,
    )


def row_values(conn: Connection, dimension: str, filters: Filters) -> list[str]:
    """The map's rows: the values of `dimension` the filters and access scope leave (sorted)."""
    if dimension not in ROW_DIMENSIONS:
        raise ValueError(f"unknown row dimension {dimension!r}; valid: {', '.join(ROW_DIMENSIONS)}")
    chosen = getattr(filters, ROW_FIELDS[dimension])
    return sorted(chosen) if chosen else catalog.dimension_values(conn, dimension, filters.scope)


def journey_map(
    conn: Connection, metric_id: str, filters: Filters, chosen: MapPeriod, dimension: str = "region"
) -> pd.DataFrame:
    """Every cell of the map: row ('All' first, then each region or segment), touchpoint, value, low, high, n,
    suppressed, the compared value and n, delta, z, target, target_status, status and reason."""
    if metric_id not in MAP_METRICS:
        raise ValueError(f"unknown map metric {metric_id!r}; valid: {', '.join(MAP_METRICS)}")
    table = targets.load_targets(conn, [metric_id])[metric_id]
    values = row_values(conn, dimension, filters)
    rows = [*([(ALL_ROW, None)] if len(values) != 1 else []), *((v, v) for v in values)]
    frames = [_row_cells(conn, metric_id, _row_filters(filters, dimension, v), chosen, name) for name, v in rows]
    cells = pd.concat(frames, ignore_index=True)
    if cells.empty:
        return cells.assign(target=[], target_status=[], delta=[], z=[], significant=[], falling=[], status=[])
    cells = _judge(cells, metric_id, table, chosen, filters, dimension, moves.bar(conn, filters, chosen.review))
    order = {t: i for i, t in enumerate(touchpoint_order(cells["touchpoint"].unique()))}
    row_order = {name: i for i, (name, _) in enumerate(rows)}
    cells = cells.assign(_r=cells["row"].map(row_order), _t=cells["touchpoint"].map(order))
    return cells.sort_values(["_r", "_t"], ignore_index=True).drop(columns=["_r", "_t"])


def _cell_words(row, metric_id: str) -> str:
    metric = get_metric(metric_id)
    change = f", {metric.format(row.delta)} vs before" if not pd.isna(row.delta) else ""
    place = "overall" if row.row == ALL_ROW else f"in {row.row}"
    return f"{touchpoint_name(row.touchpoint)} {place} ({metric.format(row.value)}{change}: {row.reason})"


def touchpoint_name(touchpoint: str) -> str:
    """'field_service' -> 'field service'."""
    return touchpoint.replace("_", " ")


def red_summary(cells: pd.DataFrame, metric_id: str, limit: int = 4) -> str:
    """One sentence naming the red cells, the biggest falls first; or that none is red."""
    label = get_metric(metric_id).label
    red = cells[cells["status"] == "off_target"]
    if red.empty:
        return f"No cell is red: no touchpoint's {label} is significantly below target or falling significantly."
    red = red.assign(_fall=red["falling"].astype(int), _size=red["delta"].abs().fillna(0))
    red = red.sort_values(["_fall", "_size"], ascending=False)
    named = [_cell_words(r, metric_id) for r in red.head(limit).itertuples(index=False)]
    more = f"; and {len(red) - limit} more" if len(red) > limit else ""
    return f"{len(red)} red {'cell' if len(red) == 1 else 'cells'}: " + "; ".join(named) + more + "."


def default_cell(cells: pd.DataFrame) -> tuple[str, str] | None:
    """The cell whose detail opens first: the largest significant fall, else the first red cell, else the first."""
    if cells.empty:
        return None
    red = cells[cells["status"] == "off_target"]
    pick = red.assign(_size=red["delta"].abs().fillna(0)).sort_values("_size", ascending=False) if len(red) else cells
    first = pick.iloc[0]
    return str(first["row"]), str(first["touchpoint"])
