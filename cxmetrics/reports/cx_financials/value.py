"""What customer experience is worth: spend, churn and margin by NPS group, revenue at risk, earned growth.

Behaviour is measured on a cohort: customers grouped by their latest relationship response before the start of a
trailing 12-month window (the cohort of the `churn_rate` metric: customers active at the window start), their
revenue, margin and cost to serve summed over the window. What is at risk is today's: the customers active at the
window's end, grouped by their latest relationship answer in the window (`CURRENT_VALUE`). Both are summed in DuckDB,
one row per region x segment x group, and every figure below is a ratio of those sums with a 95% interval by the
registry's estimators (`cxmetrics.metrics.estimates`: the Student-t mean, churn_rate's Wilson interval, the delta
method for a ratio of sums, the nps estimator). The value of a promoter compares promoters with detractors within
each segment, weighted by today's detractors; the pooled difference is context only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import DIMENSIONS, Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.estimates import MeanEstimate, RatioOfSumsEstimate
from cxmetrics.metrics.measures import NPS_GROUPS
from cxmetrics.metrics.registry import HEADLINE_NPS, get_metric, minimum_n
from cxmetrics.metrics.sources import ACTIVE_CUSTOMERS, COHORT_VALUE, CURRENT_VALUE, TRAILING_MONTHS, Source
from cxmetrics.periods import Period
from cxmetrics.query import aggregate, catalog, facts, rollups
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
    f"c.customer_id, c.region, c.segment, {_NPS_GROUP_SQL} AS nps_group, coalesce(c.churn_date <= $year_end, FALSE) "
    "AS churned, coalesce(v.year_usd, 0) AS year_usd, coalesce(v.margin_usd, 0) AS margin_usd, "
    "coalesce(v.cost_usd, 0) AS cost_usd, v.prior_usd"
)
# One row per customer active at the window end: its group by its latest answer in the window, and its money in it.
_CURRENT_COLUMNS = (
    f"c.customer_id, c.name, c.region, c.segment, c.churn_date, {_NPS_GROUP_SQL} AS nps_group, g.nps AS latest_nps, "
    "CAST(g.responded_at AS DATE) AS answered_on, coalesce(v.year_usd, 0) AS year_usd, "
    "coalesce(v.margin_usd, 0) AS margin_usd"
)
_CURRENT_SUMS: tuple[tuple[str, str], ...] = (("customers", "count(*)"), ("revenue_usd", "sum(year_usd)"))
_ACCOUNT_COLUMNS = (
    "customer_id, name, region, segment, latest_nps, answered_on, round(year_usd) AS revenue_12m_usd, "
    "round(margin_usd) AS gross_margin_12m_usd, churn_date"
)
SUM_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _SUMS)
KEYS: tuple[str, ...] = ("region", "segment", "nps_group")
# The money comparisons hold segment fixed: revenue per customer differs about 30-fold between segments and hardly
# by region within one, and region x segment cells are too small for the minimum n (docs/metrics.md).
STRATUM = "segment"


@dataclass(frozen=True)
class RiskAssumptions:
    """Shares of each group's 12-month revenue counted at risk or as upside (DESIGN section 4 defaults)."""

    detractor_pct: float = 50.0
    passive_pct: float = 30.0
    promoter_pct: float = 30.0


def year_start(month: Period) -> date:
    """The first day of the 12 months ending with `month`."""
    return periods.trailing_months(month.end).start


def window_text(month: Period) -> str:
    """'Nov 2025 to Oct 2026': the 12 months ending with `month`."""
    return f"{year_start(month):%b %Y} to {month.label}"


def current_basis(month: Period) -> str:
    """Which customers are at risk, in words: those active at the end of `month`, by their latest answer in its 12
    months."""
    return (
        f"active at the end of {month.label}, grouped by their latest relationship answer in {window_text(month)} "
        "(an older answer does not count)"
    )


def _customers_cte(name: str, source: Source, columns: str, filters: Filters, params: dict) -> str:
    """A materialized CTE `name`: one row per customer of `source` (its NPS group join always made) with `columns`,
    the filters and access scope applied; `params` gains their bound values."""
    join_sql, where, _ = aggregate.scoped(source, filters, params)
    group_join = source.joins["g"]
    join_sql = join_sql if group_join in join_sql else f"{join_sql} {group_join}"
    return f"{name} AS MATERIALIZED (SELECT {columns} FROM {source.from_sql} {join_sql} WHERE {where})"  # noqa: S608


_YEAR_ENDS = ("$year_month", "$prior_month")  # the window's last month and the same month a year before


def _money(years: str) -> str:
    """Per customer: revenue, gross margin and cost to serve in the 12 months ending with $year_month, and revenue in
    the 12 months before them, from `years` (each customer's revenue over trailing years, `facts.CUSTOMER_YEARS`)."""
    return (
        "(SELECT customer_id, y.revenue_usd AS year_usd, y.margin_usd, y.cost_to_serve_usd AS cost_usd, "  # noqa: S608
        f"p.revenue_usd AS prior_usd FROM (SELECT * FROM {years} WHERE month = $year_month) y "
        f"FULL JOIN (SELECT customer_id, revenue_usd FROM {years} WHERE month = $prior_month) p USING (customer_id))"
    )


_LATEST = {"cohort": ("$year_start", None), "current": ("$stop", "$year_start")}  # (before, since) of each answer


def value_sources(conn: Connection | None = None) -> tuple[Source, Source]:
    """COHORT_VALUE and CURRENT_VALUE reading each customer's revenue (`facts.CUSTOMER_YEARS`) and latest
    relationship answer from the loader's fact tables where `conn` has them, else from raw rows."""
    if conn is None:
        years = facts.customer_years_relation(_YEAR_ENDS)
        cohort, current = (measures.latest_relationship_answer(b, since=s) for b, s in _LATEST.values())
    else:
        years = rollups.customer_years(conn, _YEAR_ENDS)
        cohort, current = (rollups.latest_answers(conn, b, since=s) for b, s in _LATEST.values())
    from_sql = f"customers c LEFT JOIN {_money(years)} v ON v.customer_id = c.customer_id"
    latest = ((COHORT_VALUE, cohort), (CURRENT_VALUE, current))
    cohort, current = (
        replace(source, from_sql=from_sql, joins={"g": f"LEFT JOIN ({sql}) g ON g.customer_id = c.customer_id"})
        for source, sql in latest
    )
    return cohort, current


def _value_sql(filters: Filters, month: Period, sources: tuple[Source, Source] | None = None) -> tuple[str, dict]:
    """The CTEs `cohort` (customers active at the start of `month`'s trailing 12 months) and `standing` (customers
    active at their end), so that the group sums and the account list share one pass (`sources`: see
    `value_sources`)."""
    start = year_start(month)
    params = {
        "year_start": start,
        "year_end": month.end,
        "stop": month.end + timedelta(days=1),
        "year_month": month.start,
        "prior_month": month.start.replace(year=month.start.year - 1),
    }
    cohort_source, current_source = sources or value_sources()
    cohort = _customers_cte("cohort", cohort_source, _COHORT_COLUMNS, filters, params)
    standing = _customers_cte("standing", current_source, _CURRENT_COLUMNS, filters, params)
    return f"WITH {cohort}, {standing} ", params


@dataclass(frozen=True)
class ValueFrames:
    """The sums the page values customers by: `cohort` (per region, segment and NPS group of the customers active
    at the start of the 12 months: their behaviour over them), `current` (customers and 12-month revenue per region,
    segment and NPS group of the customers active at the end, by their latest answer in the 12 months: the customers
    at risk and those a scenario moves) and `accounts` (the current detractors, most revenue first)."""

    cohort: pd.DataFrame
    current: pd.DataFrame
    accounts: pd.DataFrame


def _part(frame: pd.DataFrame, part: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """One part's sums of the combined query, sorted by the keys, sums as floats."""
    grouped = frame[frame["part"] == part][[*KEYS, *columns]].sort_values(list(KEYS))
    grouped[list(columns)] = grouped[list(columns)].astype(float)
    return grouped.reset_index(drop=True)


def cohort_view(conn: Connection, filters: Filters, month: Period, limit: int = 500) -> ValueFrames:
    """In one query: the cohort's sums and the current customers' sums per region, segment and NPS group ('no
    response' without a relationship answer), and the current detractors with the most revenue in the 12 months (at
    most `limit`, largest first)."""
    cte, params = _value_sql(filters, month, value_sources(conn))
    sums = ", ".join(f"{e} AS {n}" for n, e in _SUMS)
    current = ", ".join(f"{e} AS {n}" for n, e in _CURRENT_SUMS)
    sql = (
        f"{cte}SELECT 'sums' AS part, region, segment, nps_group, {sums} FROM cohort GROUP BY ALL "  # noqa: S608
        f"UNION ALL BY NAME (SELECT 'current' AS part, region, segment, nps_group, {current} FROM standing "
        "GROUP BY ALL) "
        f"UNION ALL BY NAME (SELECT 'account' AS part, {_ACCOUNT_COLUMNS} FROM standing "
        f"WHERE {measures.is_detractor('latest_nps')} "
        "ORDER BY year_usd DESC, customer_id LIMIT $limit)"
    )
    frame = conn.execute(sql, params | {"limit": limit}).fetchdf()
    accounts = frame[frame["part"] == "account"].sort_values(
        ["revenue_12m_usd", "customer_id"], ascending=[False, True]
    )
    accounts = accounts[[c.split(" AS ")[-1].strip() for c in _ACCOUNT_COLUMNS.split(", ")]]
    accounts = accounts.astype({"latest_nps": "int64", "revenue_12m_usd": float, "gross_margin_12m_usd": float})
    current_columns = tuple(n for n, _ in _CURRENT_SUMS)
    return ValueFrames(
        _part(frame, "sums", SUM_COLUMNS), _part(frame, "current", current_columns), accounts.reset_index(drop=True)
    )


def group_sums(conn: Connection, filters: Filters, month: Period) -> pd.DataFrame:
    """Sums per region, segment and NPS group of the cohort (see `cohort_view`)."""
    return cohort_view(conn, filters, month, limit=0).cohort


def at_risk_accounts(conn: Connection, filters: Filters, month: Period, limit: int = 500) -> pd.DataFrame:
    """The detractors among the customers active at the end of the 12 months (by their latest relationship answer
    in them) with the most revenue in the 12 months, largest first."""
    return cohort_view(conn, filters, month, limit).accounts


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

    # The difference rests on both groups: it is withheld when either has fewer customers than the minimum n.
    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration(
        tuple(withheld.Rule(n, ("usd", "low_usd", "high_usd")) for n in ("promoters", "detractors"))
    )

    usd: float
    low_usd: float
    high_usd: float
    promoters: int
    detractors: int

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero."""
        return self.low_usd > 0 or self.high_usd < 0


_PREMIUM_SUMS: tuple[str, ...] = ("customers", "revenue_usd", "revenue_sq")


def crude_premium(sums: pd.DataFrame, min_n: int | None = None) -> Difference | None:
    """Revenue per promoter minus revenue per detractor over the 12 months, segments pooled (the Student-t mean's
    difference: Welch standard error, normal 95% interval); None when either group is under the minimum n. Context
    only: it also counts which segments promoters and detractors are in."""
    min_n = minimum_n() if min_n is None else min_n
    s = sums.groupby("nps_group")[list(_PREMIUM_SUMS)].sum()
    if not {"promoter", "detractor"} <= set(s.index) or s.loc[["promoter", "detractor"], "customers"].min() < min_n:
        return None
    promoters, detractors = ({c: float(s.loc[g, c]) for c in s.columns} for g in ("promoter", "detractor"))
    delta, low, high = (float(x) for x in _REVENUE_PER_CUSTOMER.difference(promoters, detractors))
    return Difference(delta, low, high, int(promoters["customers"]), int(detractors["customers"]))


def _in_strata(sums: pd.DataFrame, group: str, columns: tuple[str, ...], index: pd.Index) -> dict[str, np.ndarray]:
    """One NPS group's sums per stratum, in the order of `index` (zero where the stratum has none)."""
    rows = sums[sums["nps_group"] == group].groupby(STRATUM)[list(columns)].sum()
    rows = rows.reindex(index, fill_value=0.0)
    return {c: rows[c].to_numpy(dtype=float) for c in columns}


def stratum_premiums(cohort: pd.DataFrame, current: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """Per segment: the cohort's promoters and detractors, revenue per promoter and per detractor over the 12 months,
    the premium (their difference) with its Welch standard error and 95% interval, the detractors active at the end
    (`detractors_now`) and their share among the segments compared (`weight_pct`); a segment with fewer promoters
    or detractors in the cohort than the minimum n is `suppressed` (values withheld, weight 0)."""
    min_n = minimum_n() if min_n is None else min_n
    index = pd.Index(sorted(set(cohort[STRATUM]) | set(current[STRATUM])), name=STRATUM)
    promoters, detractors = (_in_strata(cohort, g, _PREMIUM_SUMS, index) for g in ("promoter", "detractor"))
    now = _in_strata(current, "detractor", ("customers",), index)["customers"]
    with np.errstate(divide="ignore", invalid="ignore"):
        delta, _, high = _REVENUE_PER_CUSTOMER.difference(promoters, detractors)
    frame = pd.DataFrame(
        {
            "promoters": promoters["customers"].astype(int),
            "detractors": detractors["customers"].astype(int),
            "revenue_per_promoter_usd": _REVENUE_PER_CUSTOMER.value(promoters),
            "revenue_per_detractor_usd": _REVENUE_PER_CUSTOMER.value(detractors),
            "premium_usd": delta,
            "premium_se_usd": (high - delta) / stats.Z95,
            "detractors_now": now.astype(int),
        },
        index=index,
    )
    frame["premium_low_usd"] = frame["premium_usd"] - stats.Z95 * frame["premium_se_usd"]
    frame["premium_high_usd"] = frame["premium_usd"] + stats.Z95 * frame["premium_se_usd"]
    frame["suppressed"] = stats.suppressed(np.minimum(frame["promoters"], frame["detractors"]), min_n)
    withheld = [c for c in frame.columns if c.startswith(("revenue_per", "premium"))]
    frame.loc[frame["suppressed"], withheld] = np.nan
    weights = frame["detractors_now"].where(~frame["suppressed"], 0)
    frame["weight_pct"] = 100 * stats.ratio(weights, weights.sum())
    return frame


def adjusted_premium(strata: pd.DataFrame) -> Difference | None:
    """The within-segment premiums of `stratum_premiums` weighted by the segments' shares of the detractors active
    at the end: sum of w x premium, standard error sqrt(sum of w^2 x se^2) (direct standardisation; the weights are
    known counts, Cochran 1977, 5.3); None when no segment can be compared or none has a detractor now."""
    kept = strata[~strata["suppressed"] & (strata["detractors_now"] > 0)]
    if kept.empty:
        return None
    weights = kept["weight_pct"] / 100
    usd = float((weights * kept["premium_usd"]).sum())
    se = float(np.sqrt(np.sum(weights.to_numpy() ** 2 * kept["premium_se_usd"].to_numpy() ** 2)))
    low, high = usd - stats.Z95 * se, usd + stats.Z95 * se
    return Difference(usd, low, high, int(kept["promoters"].sum()), int(kept["detractors"].sum()))


@dataclass(frozen=True)
class Premium:
    """The value of a promoter: within segment, weighted by today's detractors (the headline); segments pooled
    (`crude`, context only); and per segment (`strata`), under the minimum n `min_n`."""

    adjusted: Difference | None
    crude: Difference | None
    strata: pd.DataFrame
    min_n: int

    @property
    def withheld(self) -> pd.DataFrame:
        """The segments left out of the headline: fewer promoters or detractors than the minimum n."""
        return self.strata[self.strata["suppressed"]]

    @property
    def context(self) -> Difference | None:
        """The crude difference where it is shown as context: beside a headline, over more than one segment."""
        return self.crude if self.adjusted is not None and len(self.strata) > 1 else None

    @property
    def detractors_now(self) -> int:
        """The detractors active at the end in the segments compared: whose segment mix weights the headline."""
        return int(self.strata.loc[~self.strata["suppressed"], "detractors_now"].sum())


def premium(cohort: pd.DataFrame, current: pd.DataFrame, min_n: int | None = None) -> Premium:
    """The value of a promoter from the cohort's and the current customers' sums (see `ValueFrames`)."""
    min_n = minimum_n() if min_n is None else min_n
    strata = stratum_premiums(cohort, current, min_n)
    return Premium(adjusted_premium(strata), crude_premium(cohort, min_n), strata, min_n)


def money(value: float) -> str:
    """'$71,214', '-$3,000', '$1.2M' for a million or more."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value / 1e6:,.1f}M" if value >= 1e6 else f"{sign}${value:,.0f}"


def _counted(n: int, noun: str) -> str:
    """'1 detractor', '2,000 detractors'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _withheld_text(worth: Premium) -> str:
    """' Left out, with fewer than 30 promoters or detractors: Enterprise (40 promoters, 1 detractor).' or ''."""
    if worth.withheld.empty:
        return ""
    listed = ", ".join(
        f"{name} ({_counted(row.promoters, 'promoter')}, {_counted(row.detractors, 'detractor')})"
        for name, row in worth.withheld.iterrows()
    )
    return f" Left out, with fewer than {worth.min_n} promoters or detractors: {listed}."


def premium_sentence(worth: Premium, months: str) -> str:
    """The plain sentence of the value of a promoter: within segment, weighted by the detractors active now."""
    diff = worth.adjusted
    if diff is None:
        return (
            "Too few promoters or detractors in any segment of this selection to compare what each is worth."
            + _withheld_text(worth)
        )
    verdict = "" if diff.significant else " This difference is not significant: it could be noise."
    word = "more" if diff.usd >= 0 else "less"
    return (
        f"Within the same segment, a promoter is worth {money(abs(diff.usd))} {word} per year than a detractor "
        f"(95% interval {money(diff.low_usd)} to {money(diff.high_usd)}; {diff.promoters:,} promoters, "
        f"{diff.detractors:,} detractors, revenue over {months}; segments weighted by the {worth.detractors_now:,} "
        f"detractors active at its end).{verdict}{_withheld_text(worth)}"
    )


def crude_sentence(worth: Premium) -> str | None:
    """The pooled difference as context, labelled as such; None where `Premium.context` is."""
    diff = worth.context
    if diff is None:
        return None
    return (
        f"For context only, not the value of NPS: all segments pooled, promoters spend {money(diff.usd)} per year "
        f"more than detractors (95% interval {money(diff.low_usd)} to {money(diff.high_usd)}), a crude gap that also "
        "counts which segments promoters and detractors are in."
    )


def stratum_values(cohort: pd.DataFrame, current: pd.DataFrame, min_n: int | None = None) -> pd.DataFrame:
    """Per segment and NPS group (promoters, passives, detractors): the customers active at the end (`customers`:
    whom a scenario moves), the cohort customers the group's behaviour is measured on (`measured_n`) and that
    behaviour by `group_values` (withheld under the minimum n)."""
    frames = {}
    for stratum in sorted(set(cohort[STRATUM]) | set(current[STRATUM])):
        values = group_values(cohort[cohort[STRATUM] == stratum], min_n).reindex(list(NPS_GROUPS))
        now = current[current[STRATUM] == stratum].groupby("nps_group")["customers"].sum()
        values["measured_n"] = values["customers"].fillna(0).astype(int)
        values["customers"] = now.reindex(values.index).fillna(0.0).astype(int)
        frames[stratum] = values.drop(columns="suppressed")
    return pd.concat(frames, names=[STRATUM, "nps_group"])


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
    """Headline (relationship) NPS answers, promoters and detractors per region x segment over the 12 months ending
    with `month`: one registry query per segment split by region (read from the rollups when the database has them)."""
    period = Period("range", year_start(month), month.end)
    segments = filters.segments or tuple(catalog.dimension_values(conn, "segment", filters.scope))
    frames = [
        query.period_frames(conn, [HEADLINE_NPS], replace(filters, segments=(s,)), [period], "region", False)[
            HEADLINE_NPS
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
