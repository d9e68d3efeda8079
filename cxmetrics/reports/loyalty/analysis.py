"""Loyalty as behaviour: retention trends, signup cohorts, churn and value by experience, and customer value deciles.

Every figure is aggregated in DuckDB through the global filters and the access scope (`aggregate.scoped` over the
customers), in one pass per relation; the arithmetic from counts to rates and intervals is here, in numpy. The
customer-level figures cover a window: the trailing 12 months ending with the latest closed month of the review
week, and the cohort of customers active on the window's first day (the sample world's truth uses the same
definition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.estimates import ClvEstimate, RatioEstimate
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import CUSTOMER_ROWS
from cxmetrics.query import facts, rollups
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import scoped
from cxmetrics.stats import intervals as stats

RETENTION_METRICS: tuple[str, ...] = ("logo_retention", "churn_rate", "nrr", "grr", "repeat_purchase_rate", "clv")
TREND_PERIODS = {"month": 24, "quarter": 8}
COHORT_QUARTERS = 12
NPS_GROUPS: tuple[str, ...] = ("promoter", "passive", "detractor", "no response")
CSAT_BANDS: tuple[str, ...] = ("4-5 satisfied", "3 neutral", "1-2 dissatisfied", "no CSAT answer")
AT_RISK = "satisfied but at risk"
PROMOTERS = "promoter"
DECILES = 10


@dataclass(frozen=True)
class TrailingYear:
    """The trailing 12 closed months the customer-level figures cover: [start, end]."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """'Nov 2025 to Oct 2026'."""
        return f"{self.start:%b %Y} to {self.end:%b %Y}"


def window_for(week_end: date) -> TrailingYear:
    """The 12 months ending with the latest month closed by `week_end`."""
    months = periods.trailing_months(week_end)
    return TrailingYear(months.start, months.end)


def ignored_filters(filters: Filters) -> tuple[str, ...]:
    """Selected filters customer-level figures cannot apply (survey touchpoint and channel describe responses)."""
    return tuple(d for d in sorted(filters.selections()) if d not in CUSTOMER_ROWS.dims)


def _customer_scope(filters: Filters, params: dict) -> tuple[str, str]:
    """Joins and WHERE of the customers in the filters and access scope (alias c)."""
    joins, where, _ = scoped(CUSTOMER_ROWS, filters, params)
    return joins, where


_NPS, _RETENTION, _CHURN, _REPEAT = (
    get_metric(m) for m in ("nps", "logo_retention", "churn_rate", "repeat_purchase_rate")
)


# Revenue in the window per cohort customer: the registry's ratio of sums (exact, no interval).
_REVENUE_PER_CUSTOMER = RatioEstimate("revenue_usd", "customers", "customers")


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _churn_sums(churned, customers) -> dict[str, np.ndarray]:
    """The churn_rate metric's sums of a group: churned out of the cohort."""
    return {"churned": _floats(churned), "cohort": _floats(customers)}


# --- retention over time (registry metrics) --------------------------------------------------------------------------


def trend_filters(filters: Filters, grain: str, window: TrailingYear) -> Filters:
    """The filters over the last 24 months or 8 quarters that end with the window."""
    last = periods.period_containing(grain, window.end)
    if last.end > window.end:
        last = periods.period_containing(grain, last.start - timedelta(days=1))
    first = last
    for _ in range(TREND_PERIODS[grain] - 1):
        first = periods.period_containing(grain, first.start - timedelta(days=1))
    return filters.with_period(first.start, last.end)


def retention_trends(
    conn: Connection, filters: Filters, grain: str, window: TrailingYear, by: str | None, metric_ids: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Registry trends (value, interval, n, target, status) of the retention metrics at `grain`, optionally by
    region or segment, over the periods ending with the window."""
    if not metric_ids:
        return {}
    return query.metric_frames(conn, list(metric_ids), trend_filters(filters, grain, window), grain, by)


# --- cohorts by signup quarter ---------------------------------------------------------------------------------------


def cohort_sql(filters: Filters, first: date, as_of: date) -> tuple[str, dict]:
    """Customers who signed up from `first` to `as_of`, by signup quarter and quarters since: still active at the
    end of that quarter. Only quarters that ended by `as_of` are counted."""
    params: dict = {"first": first, "as_of": as_of, "ages": COHORT_QUARTERS}
    joins, where = _customer_scope(filters, params)
    sql = f"""
        WITH members AS (
            SELECT CAST(date_trunc('quarter', c.signup_date) AS DATE) AS cohort_start, c.churn_date
            FROM customers c {joins}
            WHERE c.signup_date >= $first AND c.signup_date <= $as_of AND {where}
        ), aged AS (
            SELECT m.cohort_start, a.age AS age_quarters,
                CAST(m.cohort_start + to_months(CAST(3 * (a.age + 1) AS INTEGER)) - INTERVAL 1 DAY AS DATE) AS age_end,
                m.churn_date
            FROM members m, range(0, $ages) a(age)
        )
        SELECT cohort_start, age_quarters, count(*) AS customers,
            count(*) FILTER (WHERE churn_date IS NULL OR churn_date > age_end) AS retained
        FROM aged WHERE age_end <= $as_of GROUP BY ALL ORDER BY cohort_start, age_quarters
    """  # noqa: S608 (allow-listed joins and bound values only)
    return sql, params


def cohort_retention(conn: Connection, filters: Filters, as_of: date) -> pd.DataFrame:
    """Retention by signup quarter (the 12 quarters closed by `as_of`) and quarters since signup (0 = end of the
    signup quarter): cohort_start, cohort_label, age_quarters, customers, retained, retention_pct with its 95%
    Wilson interval (low_pct, high_pct), suppressed below the minimum n."""
    first = periods.last_complete("quarter", as_of).start
    for _ in range(COHORT_QUARTERS - 1):
        first = periods.period_containing("quarter", first - timedelta(days=1)).start
    sql, params = cohort_sql(filters, first, as_of)
    frame = conn.execute(sql, params).df()
    return cohort_frame(frame)


def cohort_frame(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts per cohort and age -> the cohort table with rates, intervals and suppression."""
    frame = counts.copy()
    frame["cohort_start"] = pd.to_datetime(frame["cohort_start"]).dt.date
    frame["cohort_label"] = [periods.period_containing("quarter", d).label for d in frame["cohort_start"]]
    sums = {"retained": _floats(frame["retained"]), "cohort": _floats(frame["customers"])}
    value, low, high = _RETENTION.estimate.estimate(sums)
    hidden = frame["customers"].to_numpy() < minimum_n(_RETENTION)
    frame["retention_pct"] = np.where(hidden, np.nan, value)
    frame["low_pct"] = np.where(hidden, np.nan, low)
    frame["high_pct"] = np.where(hidden, np.nan, high)
    frame["suppressed"] = hidden
    return frame


# --- loyalty by experience -------------------------------------------------------------------------------------------

_NPS_GROUP = measures.nps_group("x.nps", "no response")
_CSAT_BAND = (
    "CASE WHEN x.csat >= 4 THEN '4-5 satisfied' WHEN x.csat = 3 THEN '3 neutral' WHEN x.csat >= 1 "
    "THEN '1-2 dissatisfied' ELSE 'no CSAT answer' END"
)
_FOCUS = (
    f"CASE WHEN x.csat >= 4 AND NOT {measures.is_promoter('x.nps')} THEN '{AT_RISK}' "
    f"WHEN {measures.is_promoter('x.nps')} THEN '{PROMOTERS}' ELSE 'other' END"
)


LATEST_COLUMNS = ("nps", "csat")  # of the latest relationship answer that groups a customer by experience
# Each customer's revenue over the trailing 12 months ending with the month $year_month, from raw rows.
ONE_YEAR = facts.customer_years_relation(["$year_month"])


def customer_years(conn: Connection) -> str:
    """Where each customer's revenue over the trailing 12 months ending with $year_month is read."""
    return rollups.customer_years(conn, ["$year_month"])


def experience_sql(
    filters: Filters, window: TrailingYear, latest: str | None = None, years: str = ONE_YEAR
) -> tuple[str, dict]:
    """The cohort active on the window's first day, grouped three ways by the customer's latest relationship
    response before it (NPS group, CSAT band of that response, satisfied-but-at-risk vs promoters): customers,
    churned by the window's end, repeat-purchase pairs, revenue and margin in the window (`answers`: the relation of
    each customer's latest relationship answer before $start, see `rollups.latest_answers`; `years`: of each
    customer's revenue over trailing years, see `customer_years`)."""
    params: dict = {"start": window.start, "end": window.end, "year_month": window.end.replace(day=1)}
    joins, where = _customer_scope(filters, params)
    latest = latest or measures.latest_relationship_answer("$start", LATEST_COLUMNS)
    sql = f"""
        WITH cohort AS (
            SELECT c.customer_id, c.churn_date FROM customers c {joins}
            WHERE {measures.active_at("$start")} AND {where}
        ), latest AS ({latest}), money AS (
            SELECT customer_id, revenue_usd, margin_usd, margin_months, bought, repeated FROM {years} y
            WHERE y.month = $year_month
        ), x AS (
            SELECT k.churn_date, l.nps, l.csat, m.revenue_usd, m.margin_usd, m.margin_months, m.bought, m.repeated
            FROM cohort k LEFT JOIN latest l USING (customer_id) LEFT JOIN money m USING (customer_id)
        )
        SELECT {_NPS_GROUP} AS nps_group, {_CSAT_BAND} AS csat_band, {_FOCUS} AS focus,
            grouping(nps_group, csat_band, focus) AS grouping_id,
            count(*) AS customers, count(*) FILTER (WHERE x.churn_date <= $end) AS churned,
            coalesce(sum(x.bought), 0) AS bought, coalesce(sum(x.repeated), 0) AS repeated,
            coalesce(sum(x.revenue_usd), 0) AS revenue_usd, coalesce(sum(x.margin_usd), 0) AS margin_usd,
            coalesce(sum(x.margin_months), 0) AS margin_months
        FROM x GROUP BY GROUPING SETS ((nps_group), (csat_band), (focus))
    """  # noqa: S608 (allow-listed joins and bound values only)
    return sql, params


_GROUPINGS = {3: "nps_group", 5: "csat_band", 6: "focus"}
_ORDER = {"nps_group": NPS_GROUPS, "csat_band": CSAT_BANDS, "focus": (AT_RISK, PROMOTERS, "other")}


def loyalty_by_experience(conn: Connection, filters: Filters, window: TrailingYear) -> pd.DataFrame:
    """Churn (with interval), repeat purchase, revenue per customer and lifetime value per experience group."""
    latest = rollups.latest_answers(conn, "$start", LATEST_COLUMNS)
    sql, params = experience_sql(filters, window, latest, customer_years(conn))
    return experience_frame(conn.execute(sql, params).df())


def experience_frame(counts: pd.DataFrame) -> pd.DataFrame:
    """Grouped counts -> one row per (grouping, group) with rates, intervals and lifetime value."""
    rows = []
    for grouping_id, grouping in _GROUPINGS.items():
        part = counts[counts["grouping_id"] == grouping_id].set_index(grouping)
        for group in _ORDER[grouping]:
            if group in part.index:
                rows.append({"grouping": grouping, "group": group} | part.loc[group, _COUNT_COLUMNS].to_dict())
    frame = pd.DataFrame(rows, columns=["grouping", "group", *_COUNT_COLUMNS])
    frame.insert(1, "grouping_label", frame["grouping"].map(GROUPING_LABELS))
    return _experience_rates(frame)


GROUPING_LABELS = {"nps_group": "NPS category", "csat_band": "CSAT band", "focus": "Satisfied but at risk"}
_COUNT_COLUMNS = ["customers", "churned", "bought", "repeated", "revenue_usd", "margin_usd", "margin_months"]


def _experience_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Churn share and interval, repeat purchase rate, revenue per customer and lifetime value of each row."""
    churn, low, high = _CHURN.estimate.estimate(_churn_sums(frame["churned"], frame["customers"]))
    hidden = frame["customers"].to_numpy(dtype=float) < minimum_n(_CHURN)
    frame["churn_pct"] = np.where(hidden, np.nan, churn)
    frame["churn_low_pct"] = np.where(hidden, np.nan, low)
    frame["churn_high_pct"] = np.where(hidden, np.nan, high)
    repeats = {"repeated": _floats(frame["repeated"]), "n": _floats(frame["bought"])}
    frame["repeat_purchase_pct"] = _REPEAT.estimate.estimate(repeats)[0]
    revenue = {"revenue_usd": _floats(frame["revenue_usd"]), "customers": _floats(frame["customers"])}
    frame["revenue_per_customer_usd"] = _REVENUE_PER_CUSTOMER.estimate(revenue)[0]
    sums = {
        "margin_usd": frame["margin_usd"].to_numpy(dtype=float),
        "customer_months": frame["margin_months"].to_numpy(dtype=float),
        "retained": (frame["customers"] - frame["churned"]).to_numpy(dtype=float),
        "cohort": frame["customers"].to_numpy(dtype=float),
    }
    frame["clv_usd"] = np.where(hidden, np.nan, ClvEstimate().estimate(sums)[0])
    frame["suppressed"] = hidden
    return frame


@dataclass(frozen=True)
class Comparison:
    """Churn of the satisfied-but-at-risk group against promoters, with the interval of the difference."""

    at_risk_customers: int
    at_risk_churned: int
    promoter_customers: int
    promoter_churned: int
    at_risk_pct: float
    promoter_pct: float
    difference_pts: float
    low_pts: float
    high_pts: float
    p_value: float
    significant: bool


def at_risk_comparison(experience: pd.DataFrame) -> Comparison | None:
    """The satisfied-but-at-risk group against promoters; None when either group is under the minimum n."""
    focus = experience[experience["grouping"] == "focus"].set_index("group")
    if AT_RISK not in focus.index or PROMOTERS not in focus.index:
        return None
    risk, promo = focus.loc[AT_RISK], focus.loc[PROMOTERS]
    if risk["suppressed"] or promo["suppressed"]:
        return None
    x1, n1, x2, n2 = (int(v) for v in (risk["churned"], risk["customers"], promo["churned"], promo["customers"]))
    at_risk, promoters = _churn_sums(x1, n1), _churn_sums(x2, n2)
    diff, low, high = (float(x) for x in _CHURN.estimate.difference(at_risk, promoters))
    test = _CHURN.estimate.test(at_risk, promoters)
    risk_pct, promoter_pct = (float(_CHURN.estimate.estimate(s)[0]) for s in (at_risk, promoters))
    return Comparison(
        n1, x1, n2, x2, risk_pct, promoter_pct, diff, low, high, float(test.p_value), bool(test.significant)
    )


def at_risk_sentence(comparison: Comparison | None, window: TrailingYear) -> str:
    """The satisfied-but-at-risk finding in one sentence, with the interval and the verdict said plainly."""
    if comparison is None:
        return (
            "Too few customers to compare satisfied-but-at-risk customers with promoters "
            f"(each group needs at least {minimum_n(_CHURN)})."
        )
    c = comparison
    verdict = "significant" if c.significant else "not significant"
    ratio = c.at_risk_pct / c.promoter_pct if c.promoter_pct else float("nan")
    times = f", {ratio:.1f} times the promoters' rate" if c.significant and ratio == ratio else ""
    return (
        f"Of {c.at_risk_customers:,} customers who were satisfied (CSAT 4-5) but not promoters "
        f"(NPS {measures.NOT_PROMOTER_RANGE}) on "
        f"{window.start:%-d %b %Y}, {c.at_risk_pct:.1f}% churned by {window.end:%-d %b %Y}, against "
        f"{c.promoter_pct:.1f}% of {c.promoter_customers:,} promoters: {c.difference_pts:+.1f} points "
        f"(95% interval {c.low_pts:+.1f} to {c.high_pts:+.1f}; {verdict}{times})."
    )


# --- customer value --------------------------------------------------------------------------------------------------


def value_sql(
    filters: Filters,
    window: TrailingYear,
    scores: str = facts.CUSTOMER_MONTH_SCORES.sql.join("()"),
    years: str = ONE_YEAR,
):
    """Customers with revenue rows in the window, by gross-margin decile (1 = lowest margin) and by profitable or
    not: customers, revenue, margin, cost to serve, and the NPS answers they gave in the window (`scores`: the
    relation of each customer's answers per month, `facts.CUSTOMER_MONTH_SCORES`; `years`: of each customer's
    revenue over trailing years, see `customer_years`); (sql, params)."""
    params: dict = {
        "start": window.start,
        "stop": window.end + timedelta(days=1),
        "year_month": window.end.replace(day=1),
    }
    joins, where = _customer_scope(filters, params)
    sql = f"""
        WITH money AS (
            SELECT y.customer_id, y.revenue_usd, y.margin_usd, y.cost_to_serve_usd
            FROM {years} y JOIN customers c ON c.customer_id = y.customer_id {joins}
            WHERE y.month = $year_month AND y.revenue_months > 0 AND {where}
        ), scores AS (
            SELECT customer_id, sum(nps_n) AS nps_n, sum(promoters) AS promoters, sum(detractors) AS detractors
            FROM {scores} s WHERE s.month >= $start AND s.month < $stop GROUP BY 1
        ), ranked AS (
            SELECT m.*, coalesce(s.nps_n, 0) AS nps_n, coalesce(s.promoters, 0) AS promoters,
                coalesce(s.detractors, 0) AS detractors,
                ntile({DECILES}) OVER (ORDER BY coalesce(m.margin_usd, 0), m.customer_id) AS decile,
                CASE WHEN m.margin_usd < 0 THEN 'unprofitable' ELSE 'profitable' END AS profit
            FROM money m LEFT JOIN scores s USING (customer_id)
        )
        SELECT decile, profit, grouping(decile, profit) AS grouping_id, count(*) AS customers,
            sum(revenue_usd) AS revenue_usd, sum(margin_usd) AS margin_usd,
            sum(cost_to_serve_usd) AS cost_to_serve_usd, min(margin_usd) AS margin_min_usd,
            max(margin_usd) AS margin_max_usd, sum(nps_n) AS nps_n, sum(promoters) AS promoters,
            sum(detractors) AS detractors
        FROM ranked GROUP BY GROUPING SETS ((decile), (profit), ())
    """  # noqa: S608 (allow-listed joins and bound values only)
    return sql, params


@dataclass(frozen=True)
class CustomerValue:
    """Margin deciles, the unprofitable and profitable groups, and all customers with revenue, as frames."""

    deciles: pd.DataFrame
    groups: pd.DataFrame

    @property
    def unprofitable(self) -> pd.Series | None:
        """The unprofitable customers' row; None when there are none."""
        rows = self.groups[self.groups["group"] == "unprofitable"]
        return rows.iloc[0] if len(rows) else None


def customer_value(conn: Connection, filters: Filters, window: TrailingYear) -> CustomerValue:
    """Customers by gross-margin decile with their NPS, and the unprofitable customers against the rest."""
    scores = rollups.relation(conn, facts.CUSTOMER_MONTH_SCORES)
    sql, params = value_sql(filters, window, scores, customer_years(conn))
    return value_frames(conn.execute(sql, params).df())


def _nps_sums(counts: pd.DataFrame | pd.Series) -> dict[str, np.ndarray]:
    """The nps metric's sums of a group's promoters, detractors and nps_n."""
    return {"promoters": _floats(counts["promoters"]), "detractors": _floats(counts["detractors"]),
            "n": _floats(counts["nps_n"])}  # fmt: skip


def _nps_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """NPS and its adjusted-Wald interval from promoters, detractors and nps_n; withheld below the minimum n."""
    nps, low, high = _NPS.estimate.estimate(_nps_sums(frame))
    hidden = frame["nps_n"].to_numpy(dtype=float) < minimum_n(_NPS)
    frame["nps"] = np.where(hidden, np.nan, nps)
    frame["nps_low"] = np.where(hidden, np.nan, low)
    frame["nps_high"] = np.where(hidden, np.nan, high)
    frame["nps_suppressed"] = hidden
    return frame


def value_frames(counts: pd.DataFrame) -> CustomerValue:
    """Grouped sums -> deciles (1 = lowest margin) and groups ('unprofitable', 'profitable', 'all') with shares."""
    counts = counts.astype({c: float for c in counts.columns if c not in ("profit", "decile")})
    total = counts[counts["grouping_id"] == 3]
    total_customers = float(total["customers"].sum()) if len(total) else 0.0
    total_revenue = float(total["revenue_usd"].sum()) if len(total) else 0.0
    deciles = counts[counts["grouping_id"] == 1].sort_values("decile").drop(columns=["profit", "grouping_id"])
    deciles = _nps_columns(deciles.astype({"decile": int}).reset_index(drop=True))
    groups = counts[counts["grouping_id"] != 1].assign(group=lambda f: f["profit"].where(f["grouping_id"] == 2, "all"))
    order = {"unprofitable": 0, "profitable": 1, "all": 2}
    groups = groups.sort_values("group", key=lambda g: g.map(order)).drop(columns=["decile", "profit", "grouping_id"])
    groups = groups.reset_index(drop=True)
    groups["customer_share_pct"] = 100 * stats.ratio(groups["customers"], total_customers)
    groups["revenue_share_pct"] = 100 * stats.ratio(groups["revenue_usd"], total_revenue)
    return CustomerValue(deciles, _nps_columns(groups))


def unprofitable_sentence(value: CustomerValue, window: TrailingYear) -> str:
    """How many customers lose money, what they carry, and how their experience compares, in one sentence."""
    row = value.unprofitable
    everyone = value.groups[value.groups["group"] == "all"]
    if row is None or everyone.empty:
        return f"No customer had a negative gross margin over {window.label}."
    profitable = value.groups[value.groups["group"] == "profitable"]
    nps_text = _nps_text(row, profitable.iloc[0] if len(profitable) else None)
    return (
        f"{int(row['customers']):,} of {int(everyone.iloc[0]['customers']):,} customers "
        f"({row['customer_share_pct']:.1f}%) had a negative gross margin over {window.label}: they brought "
        f"${row['revenue_usd']:,.0f} of revenue ({row['revenue_share_pct']:.1f}%) and cost "
        f"${-row['margin_usd']:,.0f} of margin. {nps_text}"
    )


def _nps_text(unprofitable: pd.Series, profitable: pd.Series | None) -> str:
    """Their NPS against the profitable customers', with intervals, or why it is withheld."""
    if unprofitable["nps_suppressed"] or profitable is None or profitable["nps_suppressed"]:
        return f"Their NPS is withheld: fewer than {minimum_n(_NPS)} answers."
    test = _NPS.estimate.test(_nps_sums(unprofitable), _nps_sums(profitable))
    verdict = "significant" if bool(test.significant) else "not significant"
    return (
        f"Their NPS was {unprofitable['nps']:+.0f} (95% interval {unprofitable['nps_low']:+.0f} to "
        f"{unprofitable['nps_high']:+.0f}, n = {int(unprofitable['nps_n']):,}) against {profitable['nps']:+.0f} "
        f"for profitable customers ({verdict})."
    )
