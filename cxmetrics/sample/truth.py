"""What the generated sample world actually shows, measured on the written files, next to what was planted."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from cxmetrics.db import Connection
from cxmetrics.metrics import measures
from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp
from cxmetrics.sample.context import Context
from cxmetrics.sample.tables import WORLD_TABLES
from cxmetrics.stats import intervals as stats

# Every table of the world but targets, which are planned after the truth is measured.
TABLES = tuple(t.name for t in WORLD_TABLES if t.name != "targets")
COHORT_START = "2025-11-01"
COHORT_END = "2026-10-31"
NPS_SUMS = f"{measures.promoters('nps')}, {measures.detractors('nps')}, count(nps)"
GROUP_OF_NPS = measures.nps_group("nps")
MIGRATION_WORST = ("2026-03-09", "2026-04-13")
MIGRATION_BEFORE = ("2026-01-05", "2026-03-02")
PARTNER_AFTER = ("2026-10-19", "2026-11-16")
PARTNER_BEFORE = ("2026-08-24", "2026-10-19")
REVIEW_WEEK = ("2026-11-09", "2026-11-16")


def connect(out_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per written table (single-threaded, so sums are reproducible)."""
    conn = duckdb.connect()
    conn.execute("SET threads = 1")
    conn.execute("SET memory_limit = '1GB'")
    for table in TABLES + ("targets",):
        path = out_dir / f"{table}.parquet"
        if path.exists():
            conn.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path.as_posix()}')")  # noqa: S608
    conn.execute(
        "CREATE VIEW scored AS SELECT r.*, c.region, c.segment "
        "FROM responses r LEFT JOIN customers c USING (customer_id)"
    )
    return conn


def r4(value: float | None) -> float | None:
    """Round for truth.json (stable, readable); None where there is no value."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 4)


def nps_summary(promoters: float, detractors: float, n: float) -> dict:
    """NPS, its adjusted-Wald 95% interval and n."""
    low, high = stats.nps_interval(promoters, detractors, n)
    return {"nps": r4(stats.nps_score(promoters, detractors, n)), "ci95": [r4(low), r4(high)], "n": int(n)}


def relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights of the columns of x for y; they sum to the regression R^2."""
    corr = np.corrcoef(np.column_stack([x, y]).astype(float), rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    return (lam**2) @ (beta**2)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (no ties expected)."""
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def one(conn: Connection, sql: str, params: list | None = None) -> tuple:
    """The single row of a query."""
    return conn.execute(sql, params or []).fetchone()


def realised(out_dir: Path) -> dict:
    """Every realised figure of a written world."""
    conn = connect(out_dir)
    return {
        "sizes": {t: int(one(conn, f"SELECT count(*) FROM {t}")[0]) for t in TABLES},  # noqa: S608
        "scores": scores(conn),
        "loyalty": loyalty(conn),
        "drivers": drivers(conn),
        "events": events(conn),
        "engagement_link": engagement_link(conn),
        "financials": financials(conn),
        "operations": operations(conn),
        "acquisition": acquisition(conn),
    }


def scores(conn: Connection) -> dict:
    """Company NPS, CSAT and CES overall and by survey, segment, region and touchpoint."""
    result = {"overall": nps_summary(*one(conn, f"SELECT {NPS_SUMS} FROM scored"))}  # noqa: S608
    csat, ces = one(conn, "SELECT 100 * avg((csat >= 4)::INT), avg(ces) FROM scored")
    result["csat_top2_pct"], result["ces_mean"] = r4(csat), r4(ces)
    for dim in ("survey", "segment", "region", "touchpoint"):
        rows = conn.execute(f"SELECT {dim}, {NPS_SUMS} FROM scored WHERE {dim} IS NOT NULL GROUP BY 1 ORDER BY 1")  # noqa: S608
        result[f"nps_by_{dim}"] = {row[0]: nps_summary(*row[1:]) for row in rows.fetchall()}
    return result


def _cohort_sql(group_sql: str) -> str:
    """Customers active on the cohort start, grouped, with churn by the cohort end and next-year revenue."""
    return f"""
        WITH cohort AS (
            SELECT customer_id, churn_date FROM customers
            WHERE signup_date < DATE '{COHORT_START}' AND (churn_date IS NULL OR churn_date >= DATE '{COHORT_START}')
        ),
        grouped AS ({group_sql}),
        spend AS (
            SELECT customer_id,
                sum(revenue_usd) FILTER (WHERE month >= DATE '{COHORT_START}') AS next_year,
                sum(revenue_usd) FILTER (WHERE month >= DATE '{COHORT_START}' - INTERVAL 12 MONTH
                    AND month < DATE '{COHORT_START}') AS prior_year
            FROM customer_revenue GROUP BY 1
        )
        SELECT coalesce(g.grp, 'none') AS grp, count(*),
            count(*) FILTER (WHERE c.churn_date <= DATE '{COHORT_END}'),
            coalesce(sum(s.next_year), 0),
            coalesce(sum(s.next_year) FILTER (WHERE s.prior_year > 0), 0),
            coalesce(sum(s.prior_year) FILTER (WHERE s.prior_year > 0), 0)
        FROM cohort c LEFT JOIN grouped g USING (customer_id) LEFT JOIN spend s USING (customer_id)
        GROUP BY 1 ORDER BY 1
    """  # noqa: S608


def _cohort_groups(conn: Connection, group_sql: str) -> dict:
    """Counts, churn share with Wilson interval and revenue per customer of each cohort group."""
    result = {}
    for grp, n, churned, revenue, next_same, prior_same in conn.execute(_cohort_sql(group_sql)).fetchall():
        low, high = stats.wilson_interval(churned, n)
        result[grp] = {
            "customers": int(n),
            "churned": int(churned),
            "churn_share": r4(churned / n),
            "churn_share_ci95": [r4(low), r4(high)],
            "revenue_per_customer_usd": r4(revenue / n),
            "revenue_change_vs_prior_year": r4(next_same / prior_same - 1) if prior_same else None,
        }
    return result


def loyalty(conn: Connection) -> dict:
    """Churn and spend by NPS group of the latest relationship response, and by latest complaint outcome."""
    by_nps = f"""
        SELECT customer_id, {GROUP_OF_NPS.replace("nps", "latest")} AS grp FROM (
            SELECT customer_id, arg_max(nps, responded_at) AS latest FROM responses
            WHERE survey = 'relationship' AND nps IS NOT NULL AND customer_id IS NOT NULL
                AND responded_at < TIMESTAMP '{COHORT_START}'
            GROUP BY 1)
    """  # noqa: S608
    by_complaint = f"""
        SELECT customer_id, arg_max(outcome, opened_at) AS grp FROM complaints
        WHERE opened_at >= TIMESTAMP '{COHORT_START}' - INTERVAL 12 MONTH AND opened_at < TIMESTAMP '{COHORT_START}'
        GROUP BY 1
    """  # noqa: S608
    nps_groups = _cohort_groups(conn, by_nps)
    nps_groups["no_response"] = nps_groups.pop("none", None)
    return {"by_nps_group": nps_groups, "by_complaint_outcome": _cohort_groups(conn, by_complaint)}


def _floats(values) -> np.ndarray:
    """A fetched column as floats, NULL (masked) as NaN: np.asarray would keep the masked slots' filler values."""
    return np.ma.filled(np.ma.asarray(values).astype(float), np.nan)


def drivers(conn: Connection) -> dict:
    """Johnson's relative weights of the attribute ratings for relationship NPS (complete cases)."""
    pivots = ", ".join(f"max(a.rating) FILTER (WHERE a.attribute = '{name}') AS {name}" for name in sp.ATTRIBUTES)
    data = conn.execute(
        f"""SELECT r.nps, {pivots} FROM responses r JOIN response_attributes a USING (response_id)
        WHERE r.survey = 'relationship' GROUP BY r.response_id, r.nps ORDER BY r.response_id"""  # noqa: S608
    ).fetchnumpy()
    x = np.column_stack([_floats(data[name]) for name in sp.ATTRIBUTES])
    y = _floats(data["nps"])
    complete = ~np.isnan(x).any(axis=1)
    weights = relative_weights(x[complete], y[complete])
    order = np.argsort(-weights)
    return {
        "method": "Johnson's relative weights of the 1-5 attribute ratings for relationship NPS, complete cases",
        "n": int(complete.sum()),
        "r_squared": r4(weights.sum()),
        "relative_weights": {name: r4(w) for name, w in zip(sp.ATTRIBUTES, weights, strict=True)},
        "ranking": [sp.ATTRIBUTES[i] for i in order],
        "spearman_vs_planted": r4(spearman(np.asarray(sp.DRIVER_WEIGHTS), weights)),
    }


def _nps_between(conn: Connection, where: str, period: tuple[str, str]) -> tuple:
    """(promoters, detractors, n) of scored responses matching `where` in [start, end)."""
    return one(
        conn,
        f"SELECT {NPS_SUMS} FROM scored WHERE {where} AND responded_at >= ? AND responded_at < ?",  # noqa: S608
        list(period),
    )


def _csat_between(conn: Connection, where: str, period: tuple[str, str]) -> dict:
    """CSAT top-2-box share and n of scored responses matching `where` in [start, end)."""
    share, n = one(
        conn,
        f"SELECT 100 * avg((csat >= 4)::INT), count(csat) FROM scored WHERE {where} AND csat IS NOT NULL "  # noqa: S608
        "AND responded_at >= ? AND responded_at < ?",
        list(period),
    )
    return {"csat_top2_pct": r4(share), "n": int(n)}


def _compare_nps(conn: Connection, where: str, before: tuple[str, str], during: tuple[str, str]) -> dict:
    """NPS before and during a period with the change and its z (adjusted Wald)."""
    a, b = _nps_between(conn, where, before), _nps_between(conn, where, during)
    summary_a, summary_b = nps_summary(*a), nps_summary(*b)
    return {
        "before": summary_a,
        "during": summary_b,
        "change_points": r4(stats.nps_score(*b[:2], b[2]) - stats.nps_score(*a[:2], a[2])),
        "z": r4(stats.nps_change_test(*b, *a).statistic),
    }


def _weekly_count(conn: Connection, sql: str, period: tuple[str, str]) -> float:
    """Rows per week of a count query over [start, end)."""
    days = (np.datetime64(period[1]) - np.datetime64(period[0])).astype(int)
    return r4(one(conn, sql, list(period))[0] / days * 7)


def _monthly_nps(conn: Connection, where: str, months: list[str]) -> dict:
    """NPS per calendar month of scored responses matching `where`."""
    result = {}
    for month in months:
        start = np.datetime64(month, "M")
        result[month] = nps_summary(
            *_nps_between(conn, where, (str(start.astype("datetime64[D]")), str((start + 1).astype("datetime64[D]"))))
        )
    return result


def events(conn: Connection) -> dict:
    """Realised size of every planted event."""
    return {"E002": migration(conn), "E004": field_partner(conn), "E001": price_increase(conn)}


def migration(conn: Connection) -> dict:
    """The EMEA billing migration: ratings, scores, complaints, follow-ups, mentions, churn and revenue."""
    emea = "region = 'EMEA'"
    billing_rating = (
        "SELECT avg(a.rating) FROM response_attributes a JOIN scored r USING (response_id) "
        "WHERE r.region = 'EMEA' AND a.attribute = 'billing_accuracy' AND responded_at >= ? AND responded_at < ?"
    )
    complaints = (
        "SELECT count(*) FROM complaints k JOIN customers c USING (customer_id) WHERE c.region = 'EMEA' "
        "AND k.process = 'billing' AND opened_at >= ? AND opened_at < ?"
    )
    mentions = "SELECT count(*) FROM social_mentions WHERE region = 'EMEA' AND posted_at >= ? AND posted_at < ?"
    months = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    return {
        "worst_weeks": list(MIGRATION_WORST),
        "before_weeks": list(MIGRATION_BEFORE),
        "emea_relationship_nps": _compare_nps(
            conn, f"{emea} AND survey = 'relationship'", MIGRATION_BEFORE, MIGRATION_WORST
        ),
        "emea_nps_all_surveys": _compare_nps(conn, emea, MIGRATION_BEFORE, MIGRATION_WORST),
        "other_regions_relationship_nps": _compare_nps(
            conn, "region <> 'EMEA' AND survey = 'relationship'", MIGRATION_BEFORE, MIGRATION_WORST
        ),
        "emea_nps_by_month": _monthly_nps(conn, emea, months),
        "emea_billing_touchpoint_csat": {
            "before": _csat_between(conn, f"{emea} AND touchpoint = 'billing'", MIGRATION_BEFORE),
            "during": _csat_between(conn, f"{emea} AND touchpoint = 'billing'", MIGRATION_WORST),
        },
        "emea_billing_accuracy_mean_rating": {
            "before": r4(one(conn, billing_rating, list(MIGRATION_BEFORE))[0]),
            "during": r4(one(conn, billing_rating, list(MIGRATION_WORST))[0]),
        },
        "emea_billing_complaints_per_week": {
            "before": _weekly_count(conn, complaints, MIGRATION_BEFORE),
            "during": _weekly_count(conn, complaints, MIGRATION_WORST),
        },
        "emea_social_mentions_per_week": {
            "before": _weekly_count(conn, mentions, MIGRATION_BEFORE),
            "during": _weekly_count(conn, mentions, MIGRATION_WORST),
        },
        "emea_followups_within_2_business_days_pct": {
            "before": follow_up_rate(conn, "EMEA", MIGRATION_BEFORE),
            "during": follow_up_rate(conn, "EMEA", MIGRATION_WORST),
        },
        "emea_monthly_churn_pct": _monthly_churn(conn, "EMEA"),
        "emea_revenue_usd_by_month": _monthly_revenue(conn, "EMEA", months + ["2026-07", "2026-08"]),
    }


def field_partner(conn: Connection) -> dict:
    """The APAC field-service partner change, including the default review week 2026-W46."""
    where = "region = 'APAC' AND touchpoint = 'field_service'"
    return {
        "before_weeks": list(PARTNER_BEFORE),
        "after_weeks": list(PARTNER_AFTER),
        "apac_field_service_nps": _compare_nps(conn, where, PARTNER_BEFORE, PARTNER_AFTER),
        "apac_field_service_csat": {
            "before": _csat_between(conn, where, PARTNER_BEFORE),
            "during": _csat_between(conn, where, PARTNER_AFTER),
            "review_week_2026_w46": _csat_between(conn, where, REVIEW_WEEK),
        },
    }


def price_increase(conn: Connection) -> dict:
    """The 2025 price increase: value-for-money ratings before and after."""
    sql = (
        "SELECT avg(a.rating), count(*) FROM response_attributes a JOIN responses r USING (response_id) "
        "WHERE a.attribute = 'value_for_money' AND responded_at >= ? AND responded_at < ?"
    )
    before = one(conn, sql, ["2024-07-01", "2025-01-01"])
    after = one(conn, sql, ["2025-01-01", "2025-07-01"])
    return {
        "value_for_money_mean_rating": {
            "2024-H2": {"mean": r4(before[0]), "n": int(before[1])},
            "2025-H1": {"mean": r4(after[0]), "n": int(after[1])},
        }
    }


def follow_up_rate(conn: Connection, region: str | None, period: tuple[str, str]) -> dict:
    """Share of follow-ups opened in the period closed by the end of the 2nd business day after the opening day."""
    where = "c.region = ?" if region else "TRUE"
    data = conn.execute(
        f"""SELECT f.opened_at, f.closed_at FROM follow_ups f JOIN responses r USING (response_id)
        JOIN customers c USING (customer_id) WHERE {where} AND f.opened_at >= ? AND f.opened_at < ?""",  # noqa: S608
        ([region] if region else []) + list(period),
    ).fetchnumpy()
    opened = np.asarray(data["opened_at"], dtype="datetime64[D]")
    closed = np.ma.filled(np.ma.asarray(data["closed_at"]).astype("datetime64[us]"), np.datetime64("NaT"))
    days = measures.business_deadline_days()
    weekday = (opened.view("int64") + 3) % 7 + 1  # ISO weekday: 1970-01-01 was a Thursday
    deadline = opened + np.array([days[int(w)] for w in weekday], dtype="timedelta64[D]")
    on_time = ~np.isnat(closed) & (closed.astype("datetime64[D]") <= deadline)
    return {"pct": r4(100 * on_time.mean()) if len(opened) else None, "n": int(len(opened))}


def _monthly_churn(conn: Connection, region: str) -> dict:
    """Churned customers as % of customers active at each month start, Jan-Aug 2026."""
    rows = conn.execute(
        """SELECT m::DATE, count(*) FILTER (WHERE churn_date >= m AND churn_date < m + INTERVAL 1 MONTH),
            count(*) FROM customers, range(DATE '2026-01-01', DATE '2026-09-01', INTERVAL 1 MONTH) t(m)
        WHERE region = ? AND signup_date < m AND (churn_date IS NULL OR churn_date >= m) GROUP BY 1 ORDER BY 1""",
        [region],
    ).fetchall()
    return {str(m)[:7]: r4(100 * churned / n) for m, churned, n in rows}


def _monthly_revenue(conn: Connection, region: str, months: list[str]) -> dict:
    """Revenue of a region per month."""
    rows = conn.execute(
        "SELECT strftime(month, '%Y-%m'), sum(revenue_usd) FROM financials WHERE region = ? GROUP BY 1 ORDER BY 1",
        [region],
    ).fetchall()
    return {m: r4(v) for m, v in rows if m in months}


def engagement_link(conn: Connection) -> dict:
    """Correlation of region-month engagement index with region-month NPS."""
    rows = conn.execute(
        f"""WITH e AS (SELECT month, region, sum(engagement_index * headcount) / sum(headcount) AS eng
                FROM employee_engagement GROUP BY 1, 2),
            n AS (SELECT date_trunc('month', responded_at)::DATE AS month, region,
                100.0 * ({measures.promoters("nps")} - {measures.detractors("nps")}) / count(nps) AS nps
                FROM scored WHERE nps IS NOT NULL AND region IS NOT NULL GROUP BY 1, 2)
        SELECT e.region, e.eng, n.nps FROM e JOIN n USING (month, region) ORDER BY e.region, e.month"""  # noqa: S608
    ).fetchall()
    region = np.array([r[0] for r in rows])
    eng, nps = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    within = {r: r4(np.corrcoef(eng[region == r], nps[region == r])[0, 1]) for r in sp.REGIONS}
    return {
        "pooled_correlation": r4(np.corrcoef(eng, nps)[0, 1]),
        "within_region_correlation": within,
        "region_months": len(rows),
    }


def financials(conn: Connection) -> dict:
    """Revenue level, margin, unprofitable customers, retention."""
    low, mean, high, margin = one(
        conn,
        """SELECT min(r), avg(r), max(r), sum(gm) / sum(r) FROM (SELECT month, sum(revenue_usd) r,
            sum(gross_margin_usd) gm FROM financials GROUP BY 1)""",
    )
    unprofitable, customers = one(
        conn,
        f"""SELECT count(*) FILTER (WHERE gm < 0), count(*) FROM (SELECT customer_id, sum(gross_margin_usd) gm
            FROM customer_revenue WHERE month >= DATE '{COHORT_START}' GROUP BY 1)""",  # noqa: S608
    )
    retained, cohort = one(
        conn,
        f"""SELECT count(*) FILTER (WHERE churn_date IS NULL OR churn_date > DATE '{COHORT_END}'), count(*)
            FROM customers WHERE signup_date <= DATE '{COHORT_START}'
            AND (churn_date IS NULL OR churn_date > DATE '{COHORT_START}')""",  # noqa: S608
    )
    # Revenue retention: the customers active when October 2025 began, their revenue in October 2026 against
    # October 2025 (net), each capped at its October 2025 revenue (gross).
    start_rev, end_rev, kept_rev = one(
        conn,
        """SELECT sum(then_usd), sum(now_usd), sum(least(now_usd, then_usd)) FROM (
            SELECT c.customer_id,
                coalesce(sum(r.revenue_usd) FILTER (WHERE r.month = DATE '2025-10-01'), 0) AS then_usd,
                coalesce(sum(r.revenue_usd) FILTER (WHERE r.month = DATE '2026-10-01'), 0) AS now_usd
            FROM customers c LEFT JOIN customer_revenue r USING (customer_id)
            WHERE c.signup_date < DATE '2025-10-01' AND (c.churn_date IS NULL OR c.churn_date >= DATE '2025-10-01')
            GROUP BY 1)""",
    )
    return {
        "company_revenue_per_month_usd": {"min": r4(low), "mean": r4(mean), "max": r4(high)},
        "gross_margin_pct": r4(100 * margin),
        "unprofitable_share_last_12_months": r4(unprofitable / customers),
        "customers_with_revenue_last_12_months": int(customers),
        "logo_retention_pct_2025_11_to_2026_10": r4(100 * retained / cohort),
        "nrr_pct_2025_10_to_2026_10": r4(100 * end_rev / start_rev),
        "grr_pct_2025_10_to_2026_10": r4(100 * kept_rev / start_rev),
    }


def operations(conn: Connection) -> dict:
    """Complaint outcomes, first-contact resolution and follow-up timeliness."""
    outcomes = dict(conn.execute("SELECT outcome, count(*) FROM complaints GROUP BY 1 ORDER BY 1").fetchall())
    total = sum(outcomes.values())
    fcr = one(conn, "SELECT 100 * avg(resolved_first_contact::INT) FROM contacts")[0]
    window = (str(cal.WINDOW_START), str(cal.END))
    return {
        "complaint_outcome_share": {k: r4(v / total) for k, v in outcomes.items()},
        "fcr_pct": r4(fcr),
        "followups_within_2_business_days_pct": follow_up_rate(conn, None, window),
        "detractor_responses_followed_up_share": r4(
            one(
                conn,
                "SELECT count(f.response_id) / count(*) FROM responses r "  # noqa: S608 (constants)
                f"LEFT JOIN follow_ups f USING (response_id) WHERE {measures.is_detractor('r.nps')} "
                "AND r.customer_id IS NOT NULL",
            )[0]
        ),
    }


def acquisition(conn: Connection) -> dict:
    """Referral share of new customers per year of signup."""
    rows = conn.execute(
        """SELECT year(signup_date), avg((acquisition_channel = 'referral')::INT), count(*) FROM customers
        WHERE signup_date >= ? GROUP BY 1 ORDER BY 1""",
        [str(cal.WINDOW_START)],
    ).fetchall()
    return {"referral_share_of_new_customers_by_year": {str(y): {"share": r4(s), "n": int(n)} for y, s, n in rows}}


def truth(out_dir: Path, seed: int, responses: int, customers: int, world: sp.World, ctx: Context, real: dict) -> dict:
    """The truth.json document: planted parameters beside the realised figures."""
    loyalty_params = world.loyalty
    targets = connect(out_dir).execute("SELECT count(*) FROM targets").fetchone()[0]
    return {
        "seed": seed,
        "responses_requested": responses,
        "customers": customers,
        "sizes": {**real["sizes"], "targets": int(targets)},
        "window": {
            "first_month": str(cal.MONTH_DATES[0]),
            "last_closed_month": str(cal.MONTH_DATES[-1]),
            "events_from": str(cal.WINDOW_START),
            "events_to": str(cal.LAST_DAY),
            "last_complete_iso_week": "2026-W46",
        },
        "regions": list(sp.REGIONS),
        "segments": list(sp.SEGMENTS),
        "touchpoints": list(sp.TOUCHPOINTS),
        "attributes": list(sp.ATTRIBUTES),
        "company": sp.COMPANY,
        "scores": real["scores"],
        "drivers": {
            "planted_weights": dict(zip(sp.ATTRIBUTES, sp.DRIVER_WEIGHTS, strict=True)),
            "planted_ranking": list(sp.ATTRIBUTES),
            "realised": real["drivers"],
        },
        "churn_by_nps_group": {
            "lag_months": loyalty_params.lag_months,
            "planted_annual_churn": loyalty_params.annual_churn,
            "planted_on": "latent NPS group of the customer two months earlier",
            "definition": f"customers active on {COHORT_START}, grouped by the NPS of their latest relationship "
            f"response before it; churn_share = churned by {COHORT_END}",
            "realised": real["loyalty"]["by_nps_group"],
        },
        "spend_by_nps_group": {
            "lag_months": loyalty_params.lag_months,
            "planted_monthly_growth": loyalty_params.monthly_growth,
            "planted_on": "a customer's revenue growth into month t follows their latent NPS group of month "
            "t - lag_months (month-on-month, with no other per-customer revenue noise)",
            "definition": "same cohort; revenue per customer over 2025-11..2026-10 (churned customers included)",
            "realised": {k: _spend(v) for k, v in real["loyalty"]["by_nps_group"].items()},
        },
        "churn_by_complaint_outcome": {
            "planted_churn_multiplier": loyalty_params.complaint_churn_multiplier,
            "planted_effect_months": loyalty_params.complaint_effect_months,
            "definition": f"customers active on {COHORT_START}, grouped by the outcome of their latest complaint "
            "in the 12 months before it ('none' without one)",
            "realised": real["loyalty"]["by_complaint_outcome"],
        },
        "events": event_truths(ctx, real["events"]),
        "engagement_link": {
            "planted_latent_per_engagement_point": world.engagement.latent_per_point,
            "planted_emea_dip": world.engagement.emea_dip,
            "realised": real["engagement_link"],
        },
        "financials": real["financials"],
        "operations": real["operations"],
        "acquisition": {
            "planted_referral_base": world.acquisition.referral_base,
            "planted_referral_per_promoter_share": world.acquisition.referral_per_promoter_point,
            "realised": real["acquisition"],
        },
        "planted": sp.planted(world),
    }


def _spend(group: dict | None) -> dict | None:
    """Spend figures of one cohort group."""
    if group is None:
        return None
    return {k: group[k] for k in ("customers", "revenue_per_customer_usd", "revenue_change_vs_prior_year")}


def event_truths(ctx: Context, real: dict) -> list[dict]:
    """Planted events with their realised sizes."""
    result = []
    for event in sp.EVENTS:
        result.append(
            {
                "event_id": event.event_id,
                "title": event.title,
                "region": event.region,
                "touchpoint": event.touchpoint,
                "attribute": event.attribute,
                "start": event.start,
                "end": event.end,
                "direction": event.direction,
                "planted_effects": event.effects,
                "intensity_profile_days": [list(k) for k in event.knots],
                "realised": real[event.event_id],
            }
        )
    return result
