"""The Loyalty & Retention page's complete query set: `build` returns one frozen object the page lays out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import notes, withheld
from cxmetrics.display.style import status_word
from cxmetrics.display.tiles import Tile
from cxmetrics.filters import Filters
from cxmetrics.metrics.estimates import ClvEstimate
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import CUSTOMER_ROWS
from cxmetrics.query import catalog
from cxmetrics.query.aggregate import scoped
from cxmetrics.reports.loyalty import analysis as loyalty
from cxmetrics.reports.loyalty import risk

GRAINS: tuple[str, ...] = ("month", "quarter")
SPLITS: tuple[str, ...] = ("none", "region", "segment")
GRAIN_LABELS = {g: periods.GRAIN_LABELS[g] for g in GRAINS}
SPLIT_LABELS = {"none": "Company", "region": "By region", "segment": "By segment"}
TILE_METRICS: tuple[str, ...] = ("logo_retention", "churn_rate", "nrr", "grr", "repeat_purchase_rate", "clv")
YEAR_ON_YEAR: frozenset[str] = frozenset({"nrr", "grr"})  # a month against the same month a year before
OPTIONAL_TABLES: dict[str, str] = {
    "customer_revenue": "net and gross revenue retention, repeat purchase, lifetime value, customer value and the "
    "revenue part of the risk score",
    "complaints": "the complaint part of the risk score",
    "follow_ups": "the follow-up part of the risk score and the follow-up owner",
}
MISSING = "—"
TILES_PER_ROW = 3
LIST_ROWS = 200
MAX_SCORE = int(risk.MAX_SCORE)
EXPERIENCE_COLUMNS: tuple[str, ...] = (
    "grouping_label", "group", "customers", "churned", "churn_pct", "churn_low_pct", "churn_high_pct",
    "repeat_purchase_pct", "revenue_per_customer_usd", "clv_usd",
)  # fmt: skip
# A group of customers by experience rests on its customers: under the churn_rate metric's minimum n every figure
# of the group is withheld (its repeat-purchase pairs and revenue come from those few customers too), the n stays.
EXPERIENCE_RULE = withheld.Rule(
    "customers",
    ("churn_pct", "churn_low_pct", "churn_high_pct", "repeat_purchase_pct", "revenue_per_customer_usd", "clv_usd"),
    ("churned", "bought", "repeated", "revenue_usd", "margin_usd", "margin_months"),
    "churn_rate",
)
COHORT_RULE = withheld.Rule("customers", ("retention_pct", "low_pct", "high_pct"), ("retained",), "logo_retention")
VALUE_RULE = withheld.Rule("nps_n", ("nps", "nps_low", "nps_high"), ("promoters", "detractors"), "nps")
_VALUE_EXACT = (
    "customers", "revenue_usd", "margin_usd", "cost_to_serve_usd", "margin_min_usd", "margin_max_usd",
    "nps_suppressed",
)  # fmt: skip
AT_RISK_COLUMNS: tuple[str, ...] = (
    "rank", "name", "region", "segment", "account_owner", "revenue_12m_usd", "risk_score", "nps_points",
    "complaint_points", "revenue_points", "follow_up_points", "nps_group", "complaints_12m", "lost_complaints_12m",
    "revenue_change_pct", "open_follow_ups", "follow_up_owner",
)  # fmt: skip


@dataclass(frozen=True)
class LoyaltyView:
    """Everything the Loyalty & Retention page shows for one review week, filters, grain and split."""

    window: loyalty.TrailingYear
    subtitle: str
    customers: int
    missing_tables: tuple[str, ...]
    missing_note: str | None
    filter_note: str | None
    tiles: tuple[Tile, ...]
    trends: dict[str, pd.DataFrame]
    cohorts: pd.DataFrame
    experience: pd.DataFrame
    experience_table: pd.DataFrame
    experience_caption: str
    trend_caption: str
    at_risk_sentence: str
    value: loyalty.CustomerValue | None
    unprofitable_sentence: str | None
    at_risk: pd.DataFrame
    owners: tuple[str, ...]


@dataclass(frozen=True)
class AtRiskList:
    """The at-risk list as narrowed on the page: the rows shown, the caption that counts them, and the CSV."""

    shown: pd.DataFrame
    caption: str
    csv: bytes
    csv_name: str


def customers_in_scope(conn: Connection, filters: Filters) -> int:
    """How many customers the filters and the access scope leave (0: say so instead of empty charts)."""
    joins, where, params = scoped(CUSTOMER_ROWS, filters)
    return int(conn.execute(f"SELECT count(*) FROM customers c {joins} WHERE {where}", params).fetchone()[0])  # noqa: S608


def _experience_caption(window: loyalty.TrailingYear) -> str:
    return (
        f"Customers active on {window.start:%-d %b %Y}, grouped by their latest relationship survey answer before it "
        f"(NPS and the CSAT of the same answer); churn by {window.end:%-d %b %Y}. {clv_rate_text()} Rows under the "
        "minimum n show the count only."
    )


def clv_rate_text() -> str:
    """Which discount rate lifetime value uses, in one sentence."""
    rate = ClvEstimate().rate_pct
    return f"Lifetime value discounts future margin at {rate:g}% a year (setting CX_CLV_DISCOUNT_RATE)."


def trend_caption() -> str:
    """What the retention trends cover, period by period."""
    return (
        "Logo retention, churn and lifetime value cover the trailing 12 months ending with each period; NRR and GRR "
        "compare each period's last month with the same month a year before, for the customers active when the "
        "earlier month began (they start once the revenue data covers 13 months); repeat purchase covers the period's "
        f"months. {clv_rate_text()} Bands: 95% intervals. Dashed: target."
    )


@withheld.enforced
def at_risk_list(view: LoyaltyView, min_score: float, owners: Sequence[str], nps_groups: Sequence[str]) -> AtRiskList:
    """The at-risk list narrowed to a minimum score, account owners and NPS groups (empty: all), its first
    LIST_ROWS rows shown, and all of it as CSV."""
    narrowed = risk.narrowed(view.at_risk, min_score, owners, nps_groups)
    caption = (
        f"{len(narrowed):,} of the {len(view.at_risk):,} customers active at the end of {view.window.end:%-d %b %Y}; "
        f"the top {min(LIST_ROWS, len(narrowed)):,} shown."
    )
    name = f"at-risk-customers-{view.window.end.isoformat()}.csv"
    return AtRiskList(withheld.exact(narrowed.head(LIST_ROWS)), caption, risk.list_csv(narrowed), name)


def _tile(metric_id: str, frame: pd.DataFrame) -> Tile:
    """The metric's latest closed period in the frame, with interval, n and target in the hover."""
    metric = get_metric(metric_id)
    rows = frame.dropna(subset=["value"]).sort_values("period_start")
    if rows.empty:
        return Tile(metric_id, metric.label, MISSING, f"No value: {metric.description}", **_status("no_data"), min_n=0)
    row = rows.iloc[-1]
    lines = [f"**{metric.label}** {_covers(metric_id, row)}."]
    if metric_id == "clv":
        lines.append(clv_rate_text())
    if metric.sampled and not np.isnan(row["low"]):
        lines.append(f"95% interval {metric.format(row['low'])} to {metric.format(row['high'])}.")
    lines.append(f"n = {int(row['n']):,} {metric.n_label}.")
    target = row.get("target")
    lines.append("No target set." if target is None or np.isnan(target) else f"Target {metric.format(target)}.")
    status = str(row["status"]) if isinstance(row.get("status"), str) else "no_target"
    label = f"{metric.label} · {_tile_period(metric_id, row)}"
    counted = {"n": int(row["n"]), "min_n": minimum_n(metric)}
    return Tile(metric_id, label, metric.format(row["value"]), "  \n".join(lines), **_status(status), **counted)


def _tile_period(metric_id: str, row) -> str:
    """The period a tile's label names: its trailing 12 months ('12 months to Oct 2026'), else its month."""
    months = get_metric(metric_id).trailing_months
    if metric_id in YEAR_ON_YEAR or not months:
        return row["period_label"]
    return periods.trailing_months(row["basis_end"], months).label


def _covers(metric_id: str, row) -> str:
    """What a tile's value covers: its month against the same month a year before, its trailing 12 months, or its
    period."""
    end = row["basis_end"]
    if metric_id in YEAR_ON_YEAR:
        return f"in {end:%b %Y} against {end.replace(year=end.year - 1):%b %Y}"
    return (
        f"over the 12 months to {end:%-d %b %Y}"
        if get_metric(metric_id).trailing_months
        else f"over {row['period_label']}"
    )


def _status(status: str) -> dict[str, str]:
    """A tile's status and its badge text."""
    return {"status": status, "status_text": status_word(status)}


def _available(loaded: frozenset[str], metric_ids) -> list[str]:
    return [m for m in metric_ids if set(get_metric(m).tables) <= loaded]


def _value(value: loyalty.CustomerValue) -> loyalty.CustomerValue:
    """Customer value as it may be shown: each decile's and group's NPS withheld below the minimum n."""
    groups = ("group", "customer_share_pct", "revenue_share_pct")
    return loyalty.CustomerValue(
        withheld.declare(value.deciles, VALUE_RULE, exact=("decile", *_VALUE_EXACT)),
        withheld.declare(value.groups, VALUE_RULE, exact=(*groups, *_VALUE_EXACT)),
    )


@withheld.enforced
def build(conn: Connection, filters: Filters, day: date, grain: str = "month", by: str | None = None) -> LoyaltyView:
    """The page's complete query set for the review that looks back from `day` (`periods.review_day`): figures for
    the 12 months closed by it."""
    window = loyalty.window_for(day)
    loaded = catalog.loaded_tables(conn)
    metric_ids = _available(loaded, TILE_METRICS)
    monthly = loyalty.retention_trends(conn, filters, "month", window, None, metric_ids)
    trends = monthly if (grain, by) == ("month", None) else None
    trends = trends or loyalty.retention_trends(conn, filters, grain, window, by, metric_ids)
    has_revenue = "customer_revenue" in loaded
    experience = loyalty.loyalty_by_experience(conn, filters, window)
    shown = withheld.declare(experience, EXPERIENCE_RULE, exact=("grouping", "grouping_label", "group", "suppressed"))
    at_risk = withheld.exact(risk.at_risk_list(conn, filters, window.end))
    value = _value(loyalty.customer_value(conn, filters, window)) if has_revenue else None
    return LoyaltyView(
        window=window,
        subtitle=f"The 12 months {window.label} (the latest closed by the review), for {filters.describe()}.",
        customers=customers_in_scope(conn, filters),
        missing_tables=notes.missing_tables(loaded, OPTIONAL_TABLES),
        missing_note=notes.missing_note(loaded, OPTIONAL_TABLES),
        filter_note=notes.filter_note(filters, loyalty.ignored_filters(filters), "customer-level figures"),
        tiles=tuple(_tile(m, monthly[m]) for m in metric_ids),
        trends=trends,
        cohorts=withheld.declare(
            loyalty.cohort_retention(conn, filters, window.end),
            COHORT_RULE,
            exact=("cohort_start", "age_quarters", "cohort_label", "suppressed"),
        ),
        experience=shown,
        experience_table=shown[shown["grouping"] != "focus"],
        experience_caption=_experience_caption(window),
        trend_caption=trend_caption(),
        at_risk_sentence=loyalty.at_risk_sentence(loyalty.at_risk_comparison(experience), window),
        value=value,
        unprofitable_sentence=loyalty.unprofitable_sentence(value, window) if value is not None else None,
        at_risk=at_risk,
        owners=tuple(sorted(at_risk["account_owner"].unique())),
    )
