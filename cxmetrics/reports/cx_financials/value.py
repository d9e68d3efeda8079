"""What customer experience is worth: spend, churn and margin by NPS group, revenue at risk, earned growth.

Customers are grouped by their latest relationship response before the start of a trailing 12-month window (the
cohort of the `churn_rate` metric: customers active at the window start); their revenue, margin and cost to serve
are summed over the window in DuckDB, one row per region x segment x group, and every figure below is a ratio of
those sums with a 95% interval by the registry's estimators (`cxmetrics.metrics.estimates`: the Student-t mean,
churn_rate's Wilson interval, the delta method for a ratio of sums, the nps estimator).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import DIMENSIONS, Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.estimates import MeanEstimate, RatioOfSumsEstimate
from cxmetrics.metrics.measures import NPS_GROUPS
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import ACTIVE_CUSTOMERS, COHORT_VALUE, TRAILING_MONTHS
from cxmetrics.periods import Period
from cxmetrics.query import aggregate, catalog
from cxmetrics.query import frames as query
from cxmetrics.stats import intervals as stats

GROUPS: tuple[str, ...] = (*NPS_GROUPS, "no response")
GROUP_LABELS = {"promoter": "Promoters", "passive": "Passives", "detractor": "Detractors", "no response": "No response"}
GROUP_IDS = {label: group for group, label in GROUP_LABELS.items()}
_NPS_GROUP_SQL = measures.nps_group("g.nps", "no response")
_SUMS: tuple[tuple[str, str], ...] = (
    ("customers", "count(*)"),
    ("churned", "count(*) FILTER (WHERE churned)"),
    ("revenue_usd", "sum(year_usd)"),
    ("revenue_sq", "sum(year_usd ^ 2)"),
    ("margin_usd", "sum(margin_usd)"),
    ("margin_sq", "sum(margin_usd ^ 2)"),
    ("margin_x_revenue", "sum(margin_usd * year_usd)"),
    ("cost_usd", "sum(cost_usd)"),
    ("cost_sq", "sum(cost_usd ^ 2)"),
    ("based", "count(*) FILTER (WHERE prior_usd > 0)"),
    ("prior_usd", "coalesce(sum(prior_usd) FILTER (WHERE prior_usd > 0), 0)"),
    ("prior_sq", "coalesce(sum(prior_usd ^ 2) FILTER (WHERE prior_usd > 0), 0)"),
    ("grown_usd", "coalesce(sum(year_usd) FILTER (WHERE prior_usd > 0), 0)"),
    ("grown_sq", "coalesce(sum(year_usd ^ 2) FILTER (WHERE prior_usd > 0), 0)"),
    ("prior_x_grown", "coalesce(sum(prior_usd * year_usd) FILTER (WHERE prior_usd > 0), 0)"),
)
# One row per cohort customer: its group, latest answer, churn by the window end, money in and before the window.
_COHORT_COLUMNS = (
    f"c.customer_id, c.name, c.region, c.segment, c.churn_date, {_NPS_GROUP_SQL} AS nps_group, g.nps AS latest_nps, "
    "CAST(g.responded_at AS DATE) AS answered_on, coalesce(c.churn_date <= $year_end, FALSE) AS churned, "
    "coalesce(v.year_usd, 0) AS year_usd, coalesce(v.margin_usd, 0) AS margin_usd, "
    "coalesce(v.cost_usd, 0) AS cost_usd, v.prior_usd"
)
_ACCOUNT_COLUMNS = (
    "customer_id, name, region, segment, latest_nps, answered_on, round(year_usd) AS revenue_12m_usd, "
    "round(margin_usd) AS gross_margin_12m_usd, churn_date"
)
SUM_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _SUMS)
KEYS: tuple[str, ...] = ("region", "segment", "nps_group")


@dataclass(frozen=True)
class RiskAssumptions:
    """Shares of each group's 12-month revenue counted at risk or as upside (DESIGN section 4 defaults)."""

    detractor_pct: float = 50.0
    passive_pct: float = 30.0
    promoter_pct: float = 30.0


def window(week_end: date) -> Period:
    """The month whose trailing 12 months the page values: the latest month closed by the review week's end."""
    return periods.closed_month(week_end)


def year_start(month: Period) -> date:
    """The first day of the 12 months ending with `month`."""
    return periods.trailing_months(month.end).start


def window_text(month: Period) -> str:
    """'Nov 2025 to Oct 2026': the 12 months ending with `month`."""
    return f"{year_start(month):%b %Y} to {month.label}"


def _cohort_sql(filters: Filters, month: Period) -> tuple[str, dict]:
    """The cohort of `month`'s trailing 12 months, one row per customer, as a materialized CTE `cohort` (with the
    filters and access scope applied), so that the group sums and the account list share one pass."""
    start = year_start(month)
    params = {"year_start": start, "prior_start": start.replace(year=start.year - 1), "year_end": month.end}
    join_sql, where, params = aggregate.scoped(COHORT_VALUE, filters, params)
    group_join = COHORT_VALUE.joins["g"]
    join_sql = join_sql if group_join in join_sql else f"{join_sql} {group_join}"
    sql = (
        f"WITH cohort AS MATERIALIZED (SELECT {_COHORT_COLUMNS} FROM {COHORT_VALUE.from_sql} {join_sql} "  # noqa: S608
        f"WHERE {where}) "
    )
    return sql, params


def cohort_view(
    conn: Connection, filters: Filters, month: Period, limit: int = 500
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """In one query: sums per region, segment and NPS group ('no response' without a relationship answer) of the
    cohort, and its detractors with the most revenue in the 12 months (at most `limit`, largest first)."""
    cte, params = _cohort_sql(filters, month)
    sums = ", ".join(f"{e} AS {n}" for n, e in _SUMS)
    sql = (
        f"{cte}SELECT 'sums' AS part, region, segment, nps_group, {sums} FROM cohort GROUP BY ALL "  # noqa: S608
        f"UNION ALL BY NAME (SELECT 'account' AS part, {_ACCOUNT_COLUMNS} FROM cohort "
        f"WHERE {measures.is_detractor('latest_nps')} "
        "ORDER BY year_usd DESC, customer_id LIMIT $limit)"
    )
    frame = conn.execute(sql, params | {"limit": limit}).fetchdf()
    grouped = frame[frame["part"] == "sums"][[*KEYS, *SUM_COLUMNS]].sort_values(list(KEYS))
    grouped[list(SUM_COLUMNS)] = grouped[list(SUM_COLUMNS)].astype(float)
    accounts = frame[frame["part"] == "account"].sort_values(
        ["revenue_12m_usd", "customer_id"], ascending=[False, True]
    )
    accounts = accounts[[c.split(" AS ")[-1].strip() for c in _ACCOUNT_COLUMNS.split(", ")]]
    accounts = accounts.astype({"latest_nps": "int64", "revenue_12m_usd": float, "gross_margin_12m_usd": float})
    return grouped.reset_index(drop=True), accounts.reset_index(drop=True)


def group_sums(conn: Connection, filters: Filters, month: Period) -> pd.DataFrame:
    """Sums per region, segment and NPS group of the cohort (see `cohort_view`)."""
    return cohort_view(conn, filters, month, limit=0)[0]


def at_risk_accounts(conn: Connection, filters: Filters, month: Period, limit: int = 500) -> pd.DataFrame:
    """The detractor customers of the cohort with the most revenue in the 12 months, largest first."""
    return cohort_view(conn, filters, month, limit)[1]


# --- per-group values (pure) -------------------------------------------------------------------------------------


_NPS, _CHURN = (get_metric(m).estimate for m in ("nps", "churn_rate"))
_REVENUE_PER_CUSTOMER = MeanEstimate("revenue_usd", "revenue_sq", "customers")
_COST_PER_CUSTOMER = MeanEstimate("cost_usd", "cost_sq", "customers")
_REVENUE_GROWTH = RatioOfSumsEstimate(
    "grown_usd", "prior_usd", "grown_sq", "prior_sq", "prior_x_grown", "based", scale=100, offset=-1
)
_GROSS_MARGIN = RatioOfSumsEstimate(
    "margin_usd", "revenue_usd", "margin_sq", "revenue_sq", "margin_x_revenue", "customers", 100
)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in group order (promoters first); groups without customers left out."""
    return frame.reindex([g for g in GROUPS if g in frame.index])


def group_values(sums: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """One row per NPS group: customers and, each with low/high bounds, revenue per customer over the 12 months,
    revenue growth against the 12 months before (customers with revenue then), churn, gross margin and cost to serve
    per customer; `suppressed` below the minimum n of customers (the values are then withheld)."""
    min_n = minimum_n() if min_n is None else min_n
    s = _ordered(sums.groupby("nps_group")[list(SUM_COLUMNS)].sum())
    n = s["customers"].to_numpy()
    sums_of = {name: s[name].to_numpy(dtype=float) for name in SUM_COLUMNS}
    columns = {"customers": n.astype(int)}
    columns |= _triple("revenue_per_customer_usd", _REVENUE_PER_CUSTOMER.estimate(sums_of))
    columns |= _triple("revenue_growth_pct", _REVENUE_GROWTH.estimate(sums_of))
    columns |= _triple("churn_pct", _CHURN.estimate({"churned": sums_of["churned"], "cohort": sums_of["customers"]}))
    columns |= _triple("gross_margin_pct", _GROSS_MARGIN.estimate(sums_of))
    columns |= _triple("cost_to_serve_per_customer_usd", _COST_PER_CUSTOMER.estimate(sums_of))
    frame = pd.DataFrame(columns, index=s.index)
    frame["suppressed"] = stats.suppressed(n, min_n)
    values = [c for c in frame.columns if c not in ("customers", "suppressed")]
    frame.loc[frame["suppressed"], values] = np.nan
    return frame


def _triple(name: str, values) -> dict[str, np.ndarray]:
    value, low, high = (np.asarray(v, dtype=float) for v in values)
    return {name: value, f"{name}_low": low, f"{name}_high": high}


@dataclass(frozen=True)
class Difference:
    """How much more a promoter spends than a detractor in a year, with its 95% interval and the counts."""

    usd: float
    low_usd: float
    high_usd: float
    promoters: int
    detractors: int

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero."""
        return self.low_usd > 0 or self.high_usd < 0


def promoter_premium(sums: pd.DataFrame, min_n: int | None = None) -> Difference | None:
    """Revenue per promoter minus revenue per detractor over the 12 months (the Student-t mean's difference: Welch
    standard error, normal 95% interval); None when either group is under the minimum n."""
    min_n = minimum_n() if min_n is None else min_n
    s = sums.groupby("nps_group")[["customers", "revenue_usd", "revenue_sq"]].sum()
    if not {"promoter", "detractor"} <= set(s.index) or s.loc[["promoter", "detractor"], "customers"].min() < min_n:
        return None
    promoters, detractors = ({c: float(s.loc[g, c]) for c in s.columns} for g in ("promoter", "detractor"))
    delta, low, high = (float(x) for x in _REVENUE_PER_CUSTOMER.difference(promoters, detractors))
    return Difference(delta, low, high, int(promoters["customers"]), int(detractors["customers"]))


def money(value: float) -> str:
    """'$71,214', '-$3,000', '$1.2M' for a million or more."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value / 1e6:,.1f}M" if value >= 1e6 else f"{sign}${value:,.0f}"


def premium_sentence(diff: Difference | None, months: str) -> str:
    """The plain sentence of the value of a promoter."""
    if diff is None:
        return "Too few promoters or detractors in this selection to compare what each is worth."
    verdict = "" if diff.significant else " This difference is not significant: it could be noise."
    word = "more" if diff.usd >= 0 else "less"
    return (
        f"A promoter is worth {money(abs(diff.usd))} {word} per year than a detractor (95% interval "
        f"{money(diff.low_usd)} to {money(diff.high_usd)}; {diff.promoters:,} promoters, {diff.detractors:,} "
        f"detractors, revenue over {months}).{verdict}"
    )


# --- revenue at risk (pure) ----------------------------------------------------------------------------------------


def revenue_at_risk(sums: pd.DataFrame, assumptions: RiskAssumptions, by: str | None = None) -> pd.DataFrame:
    """Per value of `by` (or one company row ''): customers and 12-month revenue of each group, detractor revenue
    at risk short-term, passive revenue at risk long-term and promoter upside, at the assumed shares."""
    keys = sums[by].astype(str) if by else pd.Series("", index=sums.index)
    table = sums.assign(key=keys).pivot_table(
        index="key", columns="nps_group", values=["customers", "revenue_usd"], aggfunc="sum", fill_value=0.0
    )
    frame = pd.DataFrame(index=table.index)
    for group in ("detractor", "passive", "promoter"):
        frame[f"{group}s"] = table.get(("customers", group), 0.0)
        frame[f"{group}_revenue_usd"] = table.get(("revenue_usd", group), 0.0)
    frame["at_risk_short_usd"] = frame["detractor_revenue_usd"] * assumptions.detractor_pct / 100
    frame["at_risk_long_usd"] = frame["passive_revenue_usd"] * assumptions.passive_pct / 100
    frame["upside_usd"] = frame["promoter_revenue_usd"] * assumptions.promoter_pct / 100
    frame["revenue_usd"] = table["revenue_usd"].sum(axis=1)
    frame.index.name = by or "scope"
    return frame.sort_values("at_risk_short_usd", ascending=False)


# --- earned growth -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarnedGrowth:
    """Earned Growth Rate (Reichheld, Darnell & Burns, Net Promoter 3.0, HBR 2021): net revenue retention plus the
    revenue of new customers earned by referral as a share of the NRR base, minus 100%. Month on month a year apart,
    like NRR: the referred customers are those who joined since the start of the NRR base month (`since`), their
    revenue that of the latest closed month."""

    available: bool
    nrr_pct: float = float("nan")
    referral_revenue_usd: float = 0.0
    base_usd: float = 0.0
    referred_customers: int = 0
    note: str = ""
    since: date | None = None

    @property
    def referral_pct(self) -> float:
        """Referral revenue as a percentage of the revenue base of NRR."""
        return 100 * self.referral_revenue_usd / self.base_usd if self.base_usd else float("nan")

    @property
    def egr_pct(self) -> float:
        """NRR + referral share - 100, in percent."""
        return earned_growth_rate(self.nrr_pct, self.referral_revenue_usd, self.base_usd)


def earned_growth_rate(nrr_pct: float, referral_revenue_usd: float, base_usd: float) -> float:
    """Earned Growth Rate in percent: NRR % + 100 x referral new-customer revenue / the NRR base - 100."""
    return nrr_pct + 100 * referral_revenue_usd / base_usd - 100 if base_usd else float("nan")


# Revenue in the month ($month) of the customers who came by referral and joined on or after $since: not in the NRR
# cohort (customers active at the start of the base month), so no revenue is counted twice.
_REFERRAL_SQL = (
    "SELECT (SELECT count(acquisition_channel) FROM customers) AS with_channel, "
    "coalesce(sum(cr.revenue_usd), 0) AS referral_usd, count(DISTINCT cr.customer_id) AS referred "
    "FROM customers c JOIN customer_revenue cr ON cr.customer_id = c.customer_id AND cr.month = $month "
    "WHERE c.acquisition_channel = 'referral' AND c.signup_date >= $since AND "
)


def earned_growth(conn: Connection, filters: Filters, month: Period) -> EarnedGrowth:
    """Earned growth of `month` against the same month a year before; not available without acquisition channels
    or a revenue base."""
    nrr = query.period_frames(conn, ["nrr"], filters, [month], with_targets=False)["nrr"]
    if nrr.empty or np.isnan(nrr["value"].iloc[0]):
        return EarnedGrowth(False, note="Net revenue retention needs 13 months of `customer_revenue`.")
    latest = periods.closed_month(month.end)
    since = periods.trailing_months(month.end, TRAILING_MONTHS + 1).start
    _, where, params = aggregate.scoped(ACTIVE_CUSTOMERS, filters, {"month": latest.start, "since": since})
    with_channel, referral_usd, referred = conn.execute(_REFERRAL_SQL + where, params).fetchone()
    row = nrr.iloc[0]
    if not with_channel:
        return EarnedGrowth(
            False,
            nrr_pct=float(row["value"]),
            note="Customers carry no acquisition channel: load `customers.acquisition_channel` (with 'referral' "
            "for customers who came by recommendation) to measure earned growth.",
        )
    return EarnedGrowth(
        True, float(row["value"]), float(referral_usd), float(row["base_usd"]), int(referred), since=since
    )


# --- segment view --------------------------------------------------------------------------------------------------


def cell_nps_sums(conn: Connection, filters: Filters, month: Period) -> pd.DataFrame:
    """NPS answers, promoters and detractors per region x segment over the 12 months ending with `month`: one
    registry query per segment split by region (read from the response rollups when the database has them)."""
    period = Period("range", year_start(month), month.end)
    segments = filters.segments or tuple(catalog.dimension_values(conn, "segment", filters.scope))
    frames = [
        query.period_frames(conn, ["nps"], replace(filters, segments=(s,)), [period], "region", with_targets=False)[
            "nps"
        ].assign(segment=s)
        for s in segments
    ]
    columns = ["region", "segment", "n", "promoters", "detractors"]
    if not frames:
        return pd.DataFrame(columns=columns)
    cells = pd.concat(frames, ignore_index=True)[columns]
    return cells[cells["region"] != aggregate.NONE_LABEL].sort_values(["region", "segment"]).reset_index(drop=True)


def segment_view(nps_sums: pd.DataFrame, sums: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """Per region x segment: NPS with its interval and n (withheld under the minimum n), 12-month revenue and
    revenue growth against the 12 months before (customers with revenue then)."""
    min_n = minimum_n() if min_n is None else min_n
    money_sums = sums.groupby(["region", "segment"])[["revenue_usd", "grown_usd", "prior_usd"]].sum()
    frame = nps_sums.set_index(["region", "segment"]).join(money_sums, how="outer").fillna(0.0)
    sums_of = {c: frame[c].to_numpy(dtype=float) for c in ("promoters", "detractors", "n", "grown_usd", "prior_usd")}
    frame["nps"], frame["nps_low"], frame["nps_high"] = _NPS.estimate(sums_of)
    frame["suppressed"] = stats.suppressed(frame["n"], min_n)
    frame.loc[frame["suppressed"], ["nps", "nps_low", "nps_high"]] = np.nan
    frame["revenue_growth_pct"] = _REVENUE_GROWTH.value(sums_of)
    frame["n"] = frame["n"].astype(int)
    columns = ["n", "nps", "nps_low", "nps_high", "suppressed", "revenue_usd", "revenue_growth_pct"]
    return frame[columns].reset_index()


# --- what the page can show --------------------------------------------------------------------------------------

NEEDED_TABLES = {
    "customer_revenue": "value of a promoter, revenue at risk, NPS leading revenue, ROI model, segment view, "
    "earned growth",
    "financials": "revenue, margin and churn next to NPS by month",
}


def money_filters_ignored() -> tuple[str, ...]:
    """The filter dimensions customer-level money figures cannot apply (touchpoint and channel describe responses)."""
    return tuple(d for d in DIMENSIONS if d not in COHORT_VALUE.dims)


def in_region(sums: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The group sums of one region (all of them for None)."""
    return sums if region is None else sums[sums["region"] == region]
