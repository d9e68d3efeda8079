"""The Loyalty & Retention page's complete query set: `build` returns one frozen object the page lays out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.metrics.sources import CUSTOMER_ROWS
from cxmetrics.query import catalog
from cxmetrics.query.aggregate import scoped
from cxmetrics.reports.loyalty import analysis as loyalty
from cxmetrics.reports.loyalty import risk

GRAINS: tuple[str, ...] = ("month", "quarter")
SPLITS: tuple[str, ...] = ("none", "region", "segment")
TILE_METRICS: tuple[str, ...] = ("logo_retention", "churn_rate", "nrr", "grr", "repeat_purchase_rate", "clv")
TRAILING: frozenset[str] = frozenset({"logo_retention", "churn_rate", "nrr", "grr", "clv"})
OPTIONAL_TABLES: dict[str, str] = {
    "customer_revenue": "net and gross revenue retention, repeat purchase, lifetime value, customer value and the "
    "revenue part of the risk score",
    "complaints": "the complaint part of the risk score",
    "follow_ups": "the follow-up part of the risk score and the follow-up owner",
}
MISSING = "—"
STATUS_TEXT = {"on_target": "On target", "watch": "Watch", "off_target": "Off target", "no_data": "No data"}
TILES_PER_ROW = 3


@dataclass(frozen=True)
class Tile:
    """A headline figure for the latest closed month: value, its hover text (interval, n, target) and status."""

    metric: str
    label: str
    value: str
    help: str
    status: str

    @property
    def status_text(self) -> str:
        """The badge text: the status against target in words."""
        return STATUS_TEXT.get(self.status, "No target")


@dataclass(frozen=True)
class LoyaltyView:
    """Everything the Loyalty & Retention page shows for one review week, filters, grain and split."""

    window: loyalty.Window
    subtitle: str
    customers: int
    missing_tables: tuple[str, ...]
    missing_note: str | None
    filter_note: str | None
    tiles: tuple[Tile, ...]
    trends: dict[str, pd.DataFrame]
    cohorts: pd.DataFrame
    experience: pd.DataFrame
    at_risk_sentence: str
    value: loyalty.CustomerValue | None
    unprofitable_sentence: str | None
    at_risk: pd.DataFrame


def customers_in_scope(conn, filters: Filters) -> int:
    """How many customers the filters and the access scope leave (0: say so instead of empty charts)."""
    joins, where, params = scoped(CUSTOMER_ROWS, filters)
    return int(conn.execute(f"SELECT count(*) FROM customers c {joins} WHERE {where}", params).fetchone()[0])  # noqa: S608


def missing_note(loaded: frozenset[str]) -> tuple[tuple[str, ...], str | None]:
    """The optional tables the page uses that hold no rows, and what loading each adds."""
    missing = tuple(t for t in OPTIONAL_TABLES if t not in loaded)
    if not missing:
        return (), None
    parts = "; ".join(f"`{t}` ({OPTIONAL_TABLES[t]})" for t in missing)
    return missing, f"Load {parts} to complete this page (see the Data page)."


def _filter_note(filters: Filters) -> str | None:
    ignored = loyalty.ignored_filters(filters)
    if not ignored:
        return None
    names = " and ".join(ignored)
    return f"The {names} filter does not apply to customer-level figures: they cover every {names}."


def _tile(metric_id: str, frame: pd.DataFrame) -> Tile:
    """The metric's latest closed period in the frame, with interval, n and target in the hover."""
    metric = get_metric(metric_id)
    rows = frame.dropna(subset=["value"]).sort_values("period_start")
    if rows.empty:
        return Tile(metric_id, metric.label, MISSING, f"No value: {metric.description}", "no_data")
    row = rows.iloc[-1]
    over = f"the 12 months to {row['period_end']:%-d %b %Y}" if metric_id in TRAILING else row["period_label"]
    lines = [f"**{metric.label}** over {over}."]
    if metric.sampled and not np.isnan(row["low"]):
        lines.append(f"95% interval {metric.format(row['low'])} to {metric.format(row['high'])}.")
    lines.append(f"n = {int(row['n']):,} {metric.n_label}.")
    target = row.get("target")
    lines.append("No target set." if target is None or np.isnan(target) else f"Target {metric.format(target)}.")
    status = str(row["status"]) if isinstance(row.get("status"), str) else "no_target"
    return Tile(
        metric_id, f"{metric.label} · {row['period_label']}", metric.format(row["value"]), "  \n".join(lines), status
    )


def _available(loaded: frozenset[str], metric_ids) -> list[str]:
    return [m for m in metric_ids if set(get_metric(m).tables) <= loaded]


def build(conn, filters: Filters, week_end: date, grain: str = "month", by: str | None = None) -> LoyaltyView:
    """The page's complete query set for the review week ending `week_end` (figures for the 12 months closed by it)."""
    window = loyalty.window_for(week_end)
    loaded = catalog.loaded_tables(conn)
    metric_ids = _available(loaded, TILE_METRICS)
    monthly = loyalty.retention_trends(conn, filters, "month", window, None, metric_ids)
    trends = monthly if (grain, by) == ("month", None) else None
    trends = trends or loyalty.retention_trends(conn, filters, grain, window, by, metric_ids)
    missing, note = missing_note(loaded)
    has_revenue = "customer_revenue" in loaded
    experience = loyalty.loyalty_by_experience(conn, filters, window)
    value = loyalty.customer_value(conn, filters, window) if has_revenue else None
    return LoyaltyView(
        window=window,
        subtitle=f"The 12 months {window.label} (closed by the review week), for {filters.describe()}.",
        customers=customers_in_scope(conn, filters),
        missing_tables=missing,
        missing_note=note,
        filter_note=_filter_note(filters),
        tiles=tuple(_tile(m, monthly[m]) for m in metric_ids),
        trends=trends,
        cohorts=loyalty.cohort_retention(conn, filters, window.end),
        experience=experience,
        at_risk_sentence=loyalty.at_risk_sentence(loyalty.at_risk_comparison(experience), window),
        value=value,
        unprofitable_sentence=loyalty.unprofitable_sentence(value, window) if value is not None else None,
        at_risk=risk.at_risk_list(conn, filters, window.end),
    )
