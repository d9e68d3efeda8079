"""CX next to the financial results month by month, and whether NPS changes lead revenue growth and churn.

The monthly series come from the metric registry (the headline relationship NPS, CSAT, revenue, gross margin) and
from the financials' churned customers, all through the filters and the access scope.

The lead-lag analysis reads a panel of cells (region x segment) month by month from the registry, in one query per
source: NPS of every survey (the relationship surveys alone are too few per cell and month), like-for-like revenue
growth (the same customers month on month, so wins, losses and ramp-up do not drown the change in what existing
customers spend) and the churn of the month. `stats.panel_lag`
correlates NPS changes with the outcome changes k months later within cells, month and cell means removed, and
tests the 13 lags at once by permutation. Company-wide totals are a single short series: 24 to 36 monthly changes
cannot separate a lag from noise, while 12 cells give 12 times the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, Metric, get_metric, minimum_n
from cxmetrics.metrics.sources import FINANCIALS, LIKE_FOR_LIKE_TENURE_MONTHS
from cxmetrics.periods import Period
from cxmetrics.query import aggregate
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import NONE_LABEL
from cxmetrics.stats import panel_lag

MAX_LAG = panel_lag.MAX_LAG
MIN_PERIODS = panel_lag.MIN_PERIODS
CX_METRICS: tuple[str, ...] = (HEADLINE_NPS, "csat")  # the monthly series: the headline NPS, the relationship one
FINANCIAL_METRICS: tuple[str, ...] = ("revenue", "gross_margin_pct")
SERIES_COLUMNS: tuple[str, ...] = ("nps", "csat_pct", "revenue_usd", "gross_margin_pct", "churned_customers")
PANEL: tuple[str, ...] = ("region", "segment")
LEAD_METRIC = "nps"
OUTCOMES = {"revenue_growth": "Like-for-like revenue growth", "churn_change": "Churn in the month"}
OUTCOME_METRICS = {"revenue_growth": "like_for_like_growth", "churn_change": "monthly_churn_rate"}
OUTCOME_TABLES = {"revenue_growth": "customer_revenue", "churn_change": "customers"}
EXPECTED_SIGN = {"revenue_growth": +1, "churn_change": -1}
TOO_SHORT = "too short to trust"


def _metric_columns(frames: dict[str, pd.DataFrame], by: str | None) -> pd.DataFrame:
    """Value and n of each metric per month (and value of `by`), one frame."""
    keys = ["period_start", *([by] if by else [])]
    names = {HEADLINE_NPS: "nps", "csat": "csat_pct", "revenue": "revenue_usd", "gross_margin_pct": "gross_margin_pct"}
    parts = [
        f[[*keys, "value", "n"]].rename(columns={"value": names[m], "n": f"{names[m]}_n"}).set_index(keys)
        for m, f in frames.items()
    ]
    return pd.concat(parts, axis=1)


def churned_by_month(conn: Connection, filters: Filters, by: str | None = None) -> pd.DataFrame:
    """Churned customers per month of the financials (and per region or segment), through the filters and scope."""
    join_sql, where, params = aggregate.scoped(FINANCIALS, filters)
    dim = f", {FINANCIALS.dims[by].expr} AS {by}" if by else ""
    sql = (
        f"SELECT CAST(fi.month AS DATE) AS period_start{dim}, sum(fi.churned_customers) AS churned_customers "  # noqa: S608
        f"FROM {FINANCIALS.from_sql} {join_sql} WHERE {where} GROUP BY ALL ORDER BY ALL"
    )
    frame = conn.execute(sql, params).fetchdf()
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return frame.set_index(["period_start", *([by] if by else [])])


def monthly_series(
    conn: Connection, filters: Filters, by: str | None = None, with_financials: bool = True
) -> pd.DataFrame:
    """Relationship NPS (the headline), CSAT, revenue, gross margin and churned customers per complete month (and
    per value of `by`), with the n of each CX score; one row per month, oldest first."""
    ids = [*CX_METRICS, *(FINANCIAL_METRICS if with_financials else ())]
    frames = query.metric_frames(conn, ids, filters, grain="month", by=by)
    table = _metric_columns(frames, by)
    if with_financials:
        table = table.join(churned_by_month(conn, filters, by), how="left")
    table = table.reset_index().sort_values(["period_start", *([by] if by else [])])
    return table.reset_index(drop=True)


# --- the panel (queries) -----------------------------------------------------------------------------------------


def panel_months(conn: Connection, last: Period) -> list[Period]:
    """Every calendar month from the first month with data to `last` (the latest closed month), oldest first."""
    first = query.data_start(conn)
    if first is None or first > last.end:
        return []
    month, found = periods.period_containing("month", first), []
    while month.start <= last.start:
        found.append(month)
        month = periods.period_containing("month", month.end + timedelta(days=1))
    return found


def _cell(dim_value: tuple) -> str:
    """A cell's label from its split's ((dimension, value), ...) pairs: 'EMEA / Enterprise'."""
    return " / ".join(NONE_LABEL if v is None else str(v) for _, v in dim_value)


def _panel_rows(metric: Metric, sums: dict, months: list[Period]) -> pd.DataFrame:
    """Value and n per (cell, month) of one metric; values under the minimum n are NaN."""
    value = metric.estimate.estimate({c: np.asarray(sums[c], dtype=float) for c in query.sum_columns(metric)})[0]
    n = np.asarray(sums[metric.n_column], dtype=float)
    min_n = minimum_n(metric)
    return pd.DataFrame(
        {
            "metric": metric.id,
            "cell": [_cell(d) for d in sums["dim_value"]],
            "period_start": [months[b].start for b in sums["basis_id"]],
            "value": np.where(n >= min_n, value, np.nan),
            "n": n.astype("int64"),
        }
    )


def panel(
    conn: Connection, filters: Filters, months: list[Period], outcomes: tuple[str, ...] = tuple(OUTCOMES)
) -> pd.DataFrame:
    """NPS and each outcome's metric per cell (region / segment) and month, through the filters and the scope:
    columns metric, cell, period_start, value, n."""
    ids = [LEAD_METRIC, *(OUTCOME_METRICS[o] for o in outcomes)]
    if not months:
        return pd.DataFrame(columns=["metric", "cell", "period_start", "value", "n"])
    metrics = [get_metric(m) for m in ids]
    sums = aggregate.aggregate_splits(conn, metrics, filters, months, [PANEL])
    return pd.concat([_panel_rows(m, sums[m.id], months) for m in metrics], ignore_index=True)


# --- lead-lag (pure) ---------------------------------------------------------------------------------------------


def matrix(values: pd.DataFrame, metric_id: str, cells: list[str], months: list) -> np.ndarray:
    """One metric's values as a cell x month array (NaN where missing or withheld)."""
    chosen = values[values["metric"] == metric_id]
    table = chosen.pivot_table(index="cell", columns="period_start", values="value", aggfunc="first", dropna=False)
    return table.reindex(index=cells, columns=months).to_numpy(dtype=float)


def _arrays(values: pd.DataFrame, metric_id: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The panel's cells, and NPS and one outcome metric as cell x month arrays over the same months."""
    cells = sorted(values["cell"].unique())
    months = sorted(values["period_start"].unique())
    return cells, matrix(values, LEAD_METRIC, cells, months), matrix(values, metric_id, cells, months)


def lead_lag(values: pd.DataFrame, max_lag: int = MAX_LAG, draws: int = panel_lag.DRAWS) -> pd.DataFrame:
    """Lagged panel correlations of NPS changes with each outcome's changes, stacked with an `outcome` column."""
    frames = []
    for outcome, metric_id in OUTCOME_METRICS.items():
        if (values["metric"] == metric_id).any():
            _, lead, follow = _arrays(values, metric_id)
            frames.append(panel_lag.lagged_panel(lead, follow, max_lag, draws=draws).assign(outcome=outcome))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass(frozen=True)
class Finding:
    """The lag with the strongest correlation in the expected direction, among the trusted lags."""

    outcome: str
    lag_months: int | None
    correlation: float
    periods: int
    cells: int
    p_family: float
    detectable: float = float("nan")  # the smallest |r| the test detects with 80% power at this lag

    @property
    def significant(self) -> bool:
        """Whether a link this strong at any lag is rare under random timing (family-wise 5%)."""
        return self.p_family < 1 - panel_lag.LEVEL


def strongest(frame: pd.DataFrame, outcome: str) -> Finding:
    """The trusted lag whose correlation is largest in the outcome's expected direction."""
    trusted = frame[frame["trusted"] & frame["correlation"].notna()]
    if trusted.empty:
        return Finding(outcome, None, float("nan"), 0, 0, float("nan"))
    row = trusted.loc[(EXPECTED_SIGN[outcome] * trusted["correlation"]).idxmax()]
    return Finding(
        outcome,
        int(row["lag_months"]),
        float(row["correlation"]),
        int(row["periods"]),
        int(row["cells"]),
        float(row["p_family"]),
        float(row["detectable"]),
    )


def findings(table: pd.DataFrame) -> tuple[Finding, ...]:
    """The strongest positive link to revenue growth and the strongest negative link to churn, where computed."""
    return tuple(strongest(table[table["outcome"] == o], o) for o in OUTCOMES if (table.get("outcome") == o).any())


def _months(count: int) -> str:
    return "1 month" if count == 1 else f"{count} months"


def left_out(values: pd.DataFrame, outcome: str) -> list[str]:
    """The cells with data for the outcome that its correlation leaves out: a month without a value (under the
    minimum n, or no data) inside the months the other cells cover."""
    cells, lead, follow = _arrays(values, OUTCOME_METRICS[outcome])
    _, _, kept = panel_lag.complete(lead, follow)
    has_outcome = ~np.isnan(follow).all(axis=1)
    return [c for c, k, has in zip(cells, kept, has_outcome, strict=True) if has and not k]


def _chance(p_family: float) -> str:
    """'1.7%' or 'under 0.1%' for a permutation p-value."""
    return "under 0.1%" if p_family < 0.001 else f"{100 * p_family:.1f}%"


def finding_sentence(finding: Finding) -> str:
    """One plain sentence per outcome: the lag found and how strong, or that no lag stands out from noise."""
    name = OUTCOMES[finding.outcome].lower()
    if finding.lag_months is None:
        return f"{OUTCOMES[finding.outcome]}: the series is {TOO_SHORT} (fewer than {MIN_PERIODS} months)."
    cells = "one cell" if finding.cells == 1 else f"{finding.cells} region x segment cells"
    rests_on = f"over {finding.periods} months in {cells}"
    chance = f"chance of so strong a link at any lag: {_chance(finding.p_family)}"
    if finding.significant:
        strength = f"r = {finding.correlation:+.2f} {rests_on}"
        return f"NPS changes lead {name} by {_months(finding.lag_months)} ({strength}; {chance}, significant)."
    return (
        f"No link between NPS changes and {name} stands out from noise, but {_power(finding, rests_on)}. The "
        f"strongest lag is {_months(finding.lag_months)} (r = {finding.correlation:+.2f}; {chance}, not significant)."
    )


def _power(finding: Finding, rests_on: str) -> str:
    """What the test could have seen: the smallest correlation it detects with 80% power, so a weaker link is not
    ruled out."""
    if finding.detectable != finding.detectable:
        return f"the test rests on few pairs ({rests_on}), so a link is not ruled out"
    power = f"{100 * panel_lag.POWER:.0f}% power at its {100 * (1 - panel_lag.LEVEL):.0f}% family-wise level"
    return (
        f"this test could only detect a correlation of |r| = {finding.detectable:.2f} or stronger ({power}, "
        f"{rests_on}): a weaker link is not ruled out"
    )


@dataclass(frozen=True)
class LeadLagView:
    """What the page shows: the lag table, the panel it rests on and the cells each outcome leaves out."""

    table: pd.DataFrame
    values: pd.DataFrame
    left_out: dict[str, list[str]]


def view(conn: Connection, filters: Filters, last: Period, outcomes: tuple[str, ...] = tuple(OUTCOMES)) -> LeadLagView:
    """The lead-lag of NPS changes on `outcomes` over every month up to `last`, through the filters and scope."""
    values = panel(conn, filters, panel_months(conn, last), outcomes)
    if values.empty or not values["value"].notna().any():
        return LeadLagView(pd.DataFrame(), values, {})
    table = lead_lag(values)
    return LeadLagView(table, values, {o: left_out(values, o) for o in outcomes})


def method_note(left: dict[str, list[str]]) -> str:
    """How to read the lead-lag chart, and which cells it leaves out and why."""
    note = (
        "Each bar: the month-on-month NPS change (all surveys) against the outcome's change k months later, within "
        "each region x segment cell, with every cell's and every month's average removed (so company-wide swings "
        "such as seasonality are not read as a link). Like-for-like revenue growth compares the same customers "
        "month on month: billed in both months, past their first "
        f"{LIKE_FOR_LIKE_TENURE_MONTHS} months, not leaving that month. Blue bars are outside the dashed band that "
        "95% of random timings stay within, at any of the 13 lags (each cell's NPS series shifted in time at random, "
        "2,000 times); grey ones are within noise; hatched bars rest on fewer than "
        f"{MIN_PERIODS} months ({TOO_SHORT}). A grey bar is no evidence of no link: the sentences give the smallest "
        "correlation the test detects with 80% power (Fisher's z with the band as critical value, Cohen 1988). "
        "Correlation is not causation."
    )
    dropped = sorted({c for cells in left.values() for c in cells})
    if dropped:
        note += f" Left out (a month under the minimum n): {', '.join(dropped)}."
    return note
