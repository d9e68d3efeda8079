"""Targets of the sample world: a plan set from the first year's realised figures plus planned improvement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from cxmetrics import sample_calendar as cal
from cxmetrics import sample_params as sp
from cxmetrics.sample_truth import connect, follow_up_rate

QUARTERS = np.arange(np.datetime64("2023-10", "M"), np.datetime64("2026-11", "M"), 3).astype("datetime64[D]")
BASELINE_QUARTERS = 4
# Planned change per quarter (additive, or multiplicative where marked) and rounding of each metric.
PLAN = {
    "nps": (0.5, 0, False),
    "csat": (0.3, 1, False),
    "ces": (0.01, 2, False),
    "complaints_per_1000": (-0.01, 1, True),
    "fcr": (0.2, 1, False),
    "followup_rate_2bd": (0.4, 1, False),
    "enps": (0.5, 0, False),
    "gross_margin_pct": (0.1, 1, False),
    "revenue": (0.032, -4, True),
}
REGION_MONTHLY_REVENUE_GROWTH = 0.011
QUARTER_SQL = "date_trunc('quarter', {col})::DATE"


def _quarterly(conn, sql: str) -> np.ndarray:
    """Values per quarter of QUARTERS from a query returning (quarter, value); NaN where missing."""
    values = dict(conn.execute(sql).fetchall())
    return np.array([values.get(q.item(), np.nan) for q in QUARTERS], dtype=float)


def realised_quarterly(conn) -> dict[str, np.ndarray]:
    """Company-wide realised value of each planned metric per quarter."""
    q = QUARTER_SQL.format(col="responded_at")
    result = {
        "nps": _quarterly(
            conn,
            f"SELECT {q}, 100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) "  # noqa: S608
            "/ count(nps) FROM responses GROUP BY 1",
        ),
        "csat": _quarterly(conn, f"SELECT {q}, 100 * avg((csat >= 4)::INT) FROM responses GROUP BY 1"),  # noqa: S608
        "ces": _quarterly(conn, f"SELECT {q}, avg(ces) FROM responses GROUP BY 1"),  # noqa: S608
        "complaints_per_1000": _quarterly(
            conn,
            f"""SELECT k.q, 1000.0 * k.n / m.n FROM
                (SELECT {QUARTER_SQL.format(col="opened_at")} q, count(*) n FROM complaints
                 WHERE opened_at < TIMESTAMP '2026-11-01' GROUP BY 1) k
                JOIN (SELECT {QUARTER_SQL.format(col="month")} q, count(*) n FROM customer_revenue GROUP BY 1) m
                USING (q)""",  # noqa: S608
        ),
        "fcr": _quarterly(
            conn,
            f"SELECT {QUARTER_SQL.format(col='contacted_at')}, 100 * avg(resolved_first_contact::INT) "  # noqa: S608
            "FROM contacts GROUP BY 1",
        ),
        "enps": _quarterly(
            conn,
            f"SELECT {QUARTER_SQL.format(col='month')}, sum(enps * headcount) / sum(headcount) "  # noqa: S608
            "FROM employee_engagement GROUP BY 1",
        ),
        "gross_margin_pct": _quarterly(
            conn,
            f"SELECT {QUARTER_SQL.format(col='month')}, 100 * sum(gross_margin_usd) / sum(revenue_usd) "  # noqa: S608
            "FROM financials GROUP BY 1",
        ),
        "revenue": _quarterly(
            conn,
            f"SELECT {QUARTER_SQL.format(col='month')}, sum(revenue_usd) / count(DISTINCT month) "  # noqa: S608
            "FROM financials GROUP BY 1",
        ),
    }
    result["followup_rate_2bd"] = np.array(
        [
            follow_up_rate(conn, None, (str(q), str((q.astype("datetime64[M]") + 3).astype("datetime64[D]"))))["pct"]
            or np.nan
            for q in QUARTERS
        ]
    )
    return result


def _plan(baseline: float, step: float, digits: int, multiplicative: bool) -> np.ndarray:
    """Planned values per quarter from a baseline."""
    index = np.arange(len(QUARTERS))
    values = baseline * (1 + step) ** index if multiplicative else baseline + step * index
    return np.round(values, digits)


def _rows(metric: str, starts: np.ndarray, grain: str, region: str, values: np.ndarray) -> list[tuple]:
    """Target rows of one metric and scope."""
    return [(metric, s, grain, region, "", float(v)) for s, v in zip(starts, values, strict=True)]


def company_rows(conn) -> list[tuple]:
    """Quarterly company-wide targets for every planned metric, plus retention targets."""
    real = realised_quarterly(conn)
    rows = []
    for metric, (step, digits, multiplicative) in PLAN.items():
        baseline = float(np.nanmean(real[metric][:BASELINE_QUARTERS]))
        rows += _rows(metric, QUARTERS, "quarter", "", _plan(baseline, step, digits, multiplicative))
    retention, nrr = _annual_retention(conn)
    rows += _rows("logo_retention", QUARTERS, "quarter", "", np.full(len(QUARTERS), np.round(retention + 1.0, 1)))
    rows += _rows("nrr", QUARTERS, "quarter", "", np.full(len(QUARTERS), np.round(nrr + 1.5, 1)))
    return rows


def _annual_retention(conn) -> tuple[float, float]:
    """Logo retention and net revenue retention (%) of the customers of October 2024, a year later."""
    return conn.execute(
        """SELECT 100.0 * count(*) FILTER (WHERE churn_date IS NULL OR churn_date >= DATE '2025-10-01') / count(*),
            (SELECT 100 * sum(revenue_usd) FILTER (WHERE month = DATE '2025-10-01')
                / sum(revenue_usd) FILTER (WHERE month = DATE '2024-10-01')
             FROM customer_revenue WHERE customer_id IN
                (SELECT customer_id FROM customer_revenue WHERE month = DATE '2024-10-01'))
        FROM customers WHERE signup_date < DATE '2024-10-01'
            AND (churn_date IS NULL OR churn_date >= DATE '2024-10-01')"""
    ).fetchone()


def region_rows(conn) -> list[tuple]:
    """Per-region quarterly NPS and CSAT targets and monthly revenue targets."""
    rows = []
    q = QUARTER_SQL.format(col="responded_at")
    for region in sp.REGIONS:
        scored = f"FROM responses r JOIN customers c USING (customer_id) WHERE c.region = '{region}' GROUP BY 1"
        nps = _quarterly(
            conn,
            f"SELECT {q}, 100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) "
            f"/ count(nps) {scored}",
        )
        csat = _quarterly(conn, f"SELECT {q}, 100 * avg((csat >= 4)::INT) {scored}")
        rows += _rows("nps", QUARTERS, "quarter", region, _plan(np.nanmean(nps[:BASELINE_QUARTERS]), *PLAN["nps"]))
        rows += _rows("csat", QUARTERS, "quarter", region, _plan(np.nanmean(csat[:BASELINE_QUARTERS]), *PLAN["csat"]))
        revenue = conn.execute(
            "SELECT sum(revenue_usd) FROM financials WHERE region = ? GROUP BY month ORDER BY month", [region]
        ).fetchnumpy()
        first_year = float(np.mean(np.asarray(revenue[next(iter(revenue))])[:12]))
        index = np.arange(cal.CLOSED_MONTHS) - 5.5
        planned = np.round(first_year * (1 + REGION_MONTHLY_REVENUE_GROWTH) ** index, -4)
        rows += _rows("revenue", cal.MONTH_DATES, "month", region, planned)
    return rows


def targets(out_dir: Path) -> dict[str, pa.Array]:
    """The targets table."""
    conn = connect(out_dir)
    rows = sorted(company_rows(conn) + region_rows(conn), key=lambda r: (r[0], r[3], str(r[1])))
    return {
        "metric": pa.array([r[0] for r in rows], pa.string()),
        "period_start": pa.array(np.array([r[1] for r in rows], dtype="datetime64[D]")),
        "grain": pa.array([r[2] for r in rows], pa.string()),
        "region": pa.array([r[3] for r in rows], pa.string()),
        "segment": pa.array([r[4] for r in rows], pa.string()),
        "target": pa.array([r[5] for r in rows], pa.float64()),
    }
