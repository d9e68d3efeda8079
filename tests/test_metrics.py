"""Every metric of the registry against a hand-computed value on a tiny database, and the registry's own rules."""

import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cxmetrics.commands.metrics import markdown
from cxmetrics.filters import DIMENSIONS, AccessScope, Filters
from cxmetrics.ingest.schema import TABLES_BY_NAME
from cxmetrics.metrics.estimates import ClvEstimate
from cxmetrics.metrics.registry import DIRECTIONS, GROUPS, METRICS, get_metric
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from tests import metric_fixtures as fx

DOCS = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))
W45 = Period("week", date(2026, 11, 2), date(2026, 11, 8))
W46 = Period("week", fx.WEEK, fx.WEEK_END)

REQUIRED = {
    "CX": ("nps", "csat", "ces", "ces_easy", "responses", "comment_share", "relationship_nps", "transactional_nps"),
    "Loyalty": (
        "logo_retention",
        "churn_rate",
        "monthly_churn_rate",
        "grr",
        "nrr",
        "repeat_purchase_rate",
        "arpc",
        "clv",
    ),
    "Financial": ("revenue", "gross_margin_pct", "cost_to_serve", "like_for_like_growth"),
    "Operations": (
        "complaints_per_1000",
        "complaint_recovery_rate",
        "median_days_to_resolve",
        "fcr_rate",
        "cost_per_contact",
        "follow_up_2bd",
        "follow_up_closed_2bd",
        "median_days_to_close_follow_up",
    ),
    "People": ("enps", "engagement_index"),
}


@pytest.fixture(autouse=True)
def tiny_min_n(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "1")


def one(conn, metric_id: str, period: Period, filters: Filters | None = None, by: str | None = None):
    """The single row of a metric for one period."""
    frame = query.period_frame(conn, metric_id, filters, [period], by)
    assert len(frame) == 1, frame
    return frame.iloc[0]


@pytest.fixture
def cx():
    conn = fx.new_db()
    fx.cx_world(conn)
    return conn


@pytest.fixture
def loyalty():
    conn = fx.new_db()
    fx.loyalty_world(conn)
    return conn


@pytest.fixture
def finance():
    conn = fx.new_db()
    fx.finance_world(conn)
    return conn


@pytest.fixture
def operations():
    conn = fx.new_db()
    fx.operations_world(conn)
    return conn


# metric, value, n, low, high (None: no interval) -- see the docstring of each world in metric_fixtures.
# The CX world's two customers answer 5 to 12 times each, so the customer-cluster design effect (deff) applies:
# deff = [C/(C-1) sum_c (Y_c - R m_c)^2] / [n/(n-1) sum_i (y_i - R)^2], with C = 2 customers, never below 1.
CX_ORACLE = [
    # Net scores a: Y 5 of m 5, b: -2 of 5; R = 0.3: cluster 2 x (3.5^2 + 3.5^2) = 49, independent 10/9 x (7 - 0.9):
    # deff 441/61 = 7.2295. Adjusted-Wald: n' 13, p' 5.75/13, d' 2.75/13, Var 0.0461994 x deff, high clipped at 100.
    ("nps", 30.0, 10, -90.1966, 100.0),
    ("relationship_nps", 30.0, 10, -90.1966, 100.0),  # every answer of the world is a relationship survey's
    # 4/6 satisfied; a 3 of 4, b 1 of 2: cluster 2 x (1/9 + 1/9) < independent 6/5 x 4/3, deff 1: Wilson unchanged,
    # centre (0.6667 + 0.3201) / 1.6403, half 1.19494 x sqrt(0.037037 + 0.026678).
    ("csat", 100 * 4 / 6, 6, 30.0, 90.32),
    # mean 21/5 = 4.2; a 18 of 3, b 3 of 2: clustered variance of the mean 2 x (5.4^2 + 5.4^2) / 5^2 = 4.6656 (deff
    # 3.4818 x 6.7 / 5), half = 2.776445 x 2.16 = 5.99712.
    ("ces", 4.2, 5, -1.79712, 10.19712),
    # 3/5 easy, a 3 of 3, b 0 of 2: deff 2 x 2.88 / (5/4 x 1.2) = 3.84; Wilson of 3/3.84 in 5/3.84.
    ("ces_easy", 60.0, 5, 9.54, 95.52),
    ("responses", 21.0, 21, None, None),
    # 3/21 commented, a 3 of 12, b 0 of 9: deff 2 x 162/49 / (21/20 x 18/7) = 120/49; Wilson of 3 / deff in 21 / deff.
    ("comment_share", 100 * 3 / 21, 21, 2.95, 47.72),
]


@pytest.mark.parametrize(("metric_id", "value", "n", "low", "high"), CX_ORACLE)
def test_cx_metrics(cx, metric_id, value, n, low, high):
    row = one(cx, metric_id, W46)
    assert row["value"] == pytest.approx(value)
    assert row["n"] == n
    if low is None:
        assert math.isnan(row["low"]) and math.isnan(row["high"])
    else:
        assert row["low"] == pytest.approx(low, abs=0.01)
        assert row["high"] == pytest.approx(high, abs=0.01)


def test_the_headline_nps_is_the_relationship_surveys_and_a_touchpoint_is_transactional(cx):
    rows = fx.responses("t", fx.WEEK_END, "a", nps=[10, 3, 3, 3])
    fx.insert(cx, "responses", [row | {"survey": "transactional", "touchpoint": "billing"} for row in rows])
    # Relationship: P=5, D=2 of 10 -> +30; transactional (billing): P=1, D=3 of 4 -> -50; all: P=6, D=5 of 14.
    assert (one(cx, "relationship_nps", W46)["value"], one(cx, "relationship_nps", W46)["n"]) == (30.0, 10)
    assert (one(cx, "transactional_nps", W46)["value"], one(cx, "transactional_nps", W46)["n"]) == (-50.0, 4)
    assert one(cx, "nps", W46)["value"] == pytest.approx(100 * (6 - 5) / 14)
    billing = Filters(touchpoints=("billing",))
    frame = query.period_frame(cx, "relationship_nps", billing, [W46])
    assert frame.attrs["ignored_filters"] == ("touchpoint",) and frame["value"].iloc[0] == 30.0
    assert one(cx, "transactional_nps", W46, billing)["value"] == -50.0
    assert one(cx, "transactional_nps", W46, Filters(surveys=("relationship",)))["n"] == 0


LOYALTY_ORACLE = [
    ("logo_retention", 100 * 4 / 7, 7),
    ("churn_rate", 100 * 3 / 7, 7),
    # Revenue cohort: active when Oct 2025 began, c1, c2, c3 (churns 31 Oct 2025), c5, c6, c8, c9 = 7 (c4 and c7
    # signed up later). Oct 2025 -> Oct 2026: c1 100 -> 150, c2 200 -> 0, c3 100 -> 50, c5 0 -> 0, c6 - -> 0; c4's
    # 500 in Oct 2026 is a new customer's and not in it.
    ("nrr", 100 * (150 + 0 + 50) / 400, 7),
    ("grr", 100 * (100 + 0 + 50) / 400, 7),  # c1 capped at its base of 100
    ("repeat_purchase_rate", 100 * 2 / 3, 3),  # bought in September: c1, c3, c6; again in October: c1, c3
    ("arpc", (150 + 50 + 500 + 0) / 4, 4),  # October: four active customers, c6 bought nothing
    ("cost_to_serve", (30 + 20 + 5) / 3, 3),  # c4 has no cost recorded
    # margin Nov 2025..Oct 2026: 40 + 5 + 15 + 60 + 20 + 200 - 10 = 330 over 7 customer-months; retention 4/7, so
    # r = (4/7)^(1/12) = 0.954450 a month; at the default 12% a year i = 1.12^(1/12) - 1 = 0.009489 a month:
    # 47.142857 x 1.009489 / (1.009489 - 0.954450) = 864.45.
    ("clv", 864.446948, 7),
]


@pytest.mark.parametrize(("metric_id", "value", "n"), LOYALTY_ORACLE)
@pytest.mark.parametrize("period", [OCTOBER, W46], ids=["month", "week uses the closed month"])
def test_loyalty_metrics(loyalty, metric_id, value, n, period):
    row = one(loyalty, metric_id, period)
    assert row["value"] == pytest.approx(value)
    assert row["n"] == n
    assert (row["basis_start"], row["basis_end"]) == (OCTOBER.start, OCTOBER.end)


def test_churn_by_nps_group_of_the_latest_relationship_response_before_the_window(loyalty):
    frame = query.period_frame(loyalty, "churn_rate", None, [OCTOBER], by="nps_group")
    got = {row.nps_group: (row.churned, row.cohort) for row in frame.itertuples()}
    assert got == {"promoter": (1, 2), "detractor": (2, 2), "passive": (0, 1), "(none)": (0, 2)}


def test_logo_retention_interval_is_wilson(loyalty):
    row = one(loyalty, "logo_retention", OCTOBER)
    # 4/7: centre (0.571429 + 0.274400) / 1.548800 = 0.546114, half 1.265496 x sqrt(0.034985 + 0.019600).
    assert row["low"] == pytest.approx(25.04, abs=0.01)
    assert row["high"] == pytest.approx(84.18, abs=0.01)


FINANCE_ORACLE = [
    ("revenue", OCTOBER, 5000.0),
    ("revenue", W46, 5000.0),
    ("revenue", Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), 500.0),
    ("gross_margin_pct", OCTOBER, 100 * (400 + 100) / (1000 + 1000)),  # APAC has no margin: out of both sums
    ("enps", OCTOBER, (10 * 20 + 30 * -20 + 20 * 50) / 60),  # 10, where the mean of teams is 16.7
    ("engagement_index", OCTOBER, (10 * 70 + 30 * 60) / 40),
]


@pytest.mark.parametrize(("metric_id", "period", "value"), FINANCE_ORACLE)
def test_financial_and_people_metrics(finance, metric_id, period, value):
    assert one(finance, metric_id, period)["value"] == pytest.approx(value)


OPERATIONS_ORACLE = [
    ("complaints_per_1000", W46, 1000 * 3 / 5, 5),  # k2, k3, k4 opened; c1-c4 and c7 (churned mid-week) active
    ("complaint_recovery_rate", W46, 100 * 2 / 3, 3),  # resolved in W46: k1, k3 recovered, k2 lost
    ("median_days_to_resolve", W46, 2.0, 3),  # 9.5, 2, 1.25 days
    ("fcr_rate", W46, 100 * 2 / 3, 3),  # t4 has no flag
    ("cost_per_contact", W46, (10 + 20 + 6) / 3, 3),  # t3 has no cost
    ("follow_up_2bd", W45, 100 * 2 / 4, 4),  # d1, d3 in time; d2 late; d4 open; d5 anonymous; p1 a promoter
    # Opened in W45: d1 (Mon, closed Wed), d3 (Sun, closed Tue) and p1 (Mon, closed Tue) by the end of the 2nd
    # business day after opening; d2 (Thu, due Mon, closed Tue) late; d4 open.
    ("follow_up_closed_2bd", W45, 100 * 3 / 5, 5),
    ("median_days_to_close_follow_up", W45, 1.25, 2),  # closed in W45: d1 2.0 days, p1 0.5 days
    ("median_days_to_close_follow_up", W46, 3.4375, 2),  # closed in W46: d2 4.875 days, d3 2.0 days
]


@pytest.mark.parametrize(("metric_id", "period", "value", "n"), OPERATIONS_ORACLE)
def test_operations_metrics(operations, metric_id, period, value, n):
    row = one(operations, metric_id, period)
    assert row["value"] == pytest.approx(value)
    assert row["n"] == n


def test_detractors_not_yet_due_are_not_counted(operations):
    # d6 answered on Sunday 15th is due on Tuesday 17th, after the last day with data.
    assert query.period_frame(operations, "follow_up_2bd", None, [W46]).empty


@pytest.mark.parametrize("group", list(REQUIRED))
def test_registry_has_every_required_metric(group):
    assert {m.id for m in METRICS if m.group == group} == set(REQUIRED[group])


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_metric_declaration(metric):
    assert metric.label and metric.formula
    assert metric.description.endswith(".")
    assert metric.direction in DIRECTIONS
    assert metric.group in GROUPS
    assert set(metric.tables) <= set(TABLES_BY_NAME)
    assert set(metric.dimensions) <= set(DIMENSIONS)
    assert "region" in metric.dimensions  # the access scope can always be applied
    assert metric.n_column in query.sum_columns(metric)
    assert metric.format(1234.5)


@pytest.mark.parametrize(
    ("metric_id", "value", "text"),
    [("nps", 30.2, "+30"), ("csat", 87.54, "87.5%"), ("revenue", 1234567.8, "$1,234,568"), ("nps", math.nan, "-")],
)
def test_format(metric_id, value, text):
    assert get_metric(metric_id).format(value) == text


def test_unknown_metric_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown metric 'nope'; valid metrics: nps, csat"):
        get_metric("nope")


def test_docs_are_generated_from_the_registry():
    assert DOCS.read_text() == markdown(), "docs/metrics.md is stale: python -m cxmetrics metrics --markdown > it"


def test_docs_state_each_formula_and_interval():
    text = markdown()
    for metric in METRICS:
        assert f"(`{metric.id}`)" in text
        assert metric.formula in text
    assert "Rocks 2016" in text and "Wilson 1927" in text


def test_revenue_per_customer_by_nps_group_of_the_latest_relationship_response_before_the_month(loyalty):
    # October 2026: c1 promoter (10 in June 2025), c6 passive (8 in September 2025), c3 and c4 never answered.
    frame = query.period_frame(loyalty, "arpc", None, [OCTOBER], by="nps_group").set_index("nps_group")
    assert frame["value"].to_dict() == {"(none)": (50 + 500) / 2, "passive": 0.0, "promoter": 150.0}


@pytest.mark.parametrize(
    ("metric_id", "period", "value", "n"),
    [
        ("median_days_to_close_follow_up", W46, 4.875, 1),  # d2 (c2, EMEA); d3 is APAC
        ("follow_up_2bd", W45, 50.0, 2),  # d1 in time, d2 late
        ("complaints_per_1000", W46, 1000 * 2 / 3, 3),  # k2, k4 of c1; active c1, c2, c7
        ("fcr_rate", W46, 100.0, 2),  # t1 and t3 of c1; t2 is APAC, t4 of an unknown customer drops out
    ],
)
def test_operations_metrics_within_a_scope(operations, metric_id, period, value, n):
    row = one(operations, metric_id, period, Filters(scope=AccessScope(("EMEA",))))
    assert (row["value"], row["n"]) == (pytest.approx(value), n)


def _revenue_from(first_month: date) -> duckdb.DuckDBPyConnection:
    """One customer paying 100 a month from `first_month` to October 2026."""
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("c1")])
    months = pd.date_range(first_month, "2026-10-01", freq="MS").date
    fx.insert(conn, "customer_revenue", [{"customer_id": "c1", "month": m, "revenue_usd": 100.0} for m in months])
    fx.close_week(conn)
    return conn


@pytest.mark.parametrize(("first_month", "expected"), [(date(2025, 10, 1), 100.0), (date(2025, 11, 1), None)])
def test_revenue_retention_needs_the_month_a_year_before(first_month, expected):
    october = Period("month", date(2026, 10, 1), date(2026, 10, 31))
    row = query.period_frame(_revenue_from(first_month), "nrr", None, [october]).iloc[0]
    if expected is None:
        assert math.isnan(row["value"]) and math.isnan(row["low"])
    else:
        assert row["value"] == expected
    assert row["n"] == 1, "the count is still shown when the value is withheld"


def _revenue_cohort_world() -> duckdb.DuckDBPyConnection:
    """Revenue in October 2025 and October 2026 of customers around the cohort's start (1 October 2025)."""
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("a1"),  # expands 100 -> 150
            fx.customer("a2", churn_date=date(2026, 3, 15)),  # leaves: 200 -> nothing
            fx.customer("a3"),  # contracts 100 -> 60
            fx.customer("a4"),  # bought nothing in October 2025: 0 -> 50
            fx.customer("a5", signup_date=date(2025, 10, 10)),  # joined during the base month: not in the cohort
            fx.customer("a6", signup_date=date(2026, 1, 1)),  # joined later: not in the cohort
            fx.customer("a7", churn_date=date(2025, 9, 30)),  # left before the base month
            fx.customer("a8", churn_date=date(2025, 10, 1)),  # leaves on its first day: still in the cohort
        ],
    )
    revenue = [("a1", 100, 150), ("a2", 200, None), ("a3", 100, 60), ("a4", 0, 50), ("a5", 30, 300)]
    revenue += [("a6", None, 500), ("a8", 10, None)]
    rows = [
        {"customer_id": c, "month": date(year, 10, 1), "revenue_usd": float(usd)}
        for c, then, now in revenue
        for year, usd in ((2025, then), (2026, now))
        if usd is not None
    ]
    fx.insert(conn, "customer_revenue", rows)
    fx.close_week(conn)
    return conn


@pytest.mark.parametrize(
    ("metric_id", "value"),
    [
        # Cohort a1, a2, a3, a4, a8: base 100 + 200 + 100 + 0 + 10 = 410; now 150 + 0 + 60 + 50 + 0 = 260.
        ("nrr", 100 * 260 / 410),
        # Capped at each base: 100 + 0 + 60 + 0 + 0 = 160 (a4's 50 is expansion from a base of 0).
        ("grr", 100 * 160 / 410),
    ],
)
def test_revenue_retention_is_the_cohort_of_a_year_ago_month_against_month(metric_id, value):
    """The old definition (every customer with revenue in the base year) would have counted a5's 30 -> 300 as
    expansion: 100 x (150 + 60 + 300) / 440 = 115.9%."""
    conn = _revenue_cohort_world()
    for period in (OCTOBER, W46):
        row = one(conn, metric_id, period)
        assert (row["value"], row["n"]) == (pytest.approx(value), 5)


def test_lifetime_value_discounts_at_the_configured_rate(loyalty, monkeypatch):
    # Undiscounted, as before: margin 330 / 7 a month over a monthly churn of 1 - (4/7)^(1/12) = 1034.65.
    monkeypatch.setenv("CX_CLV_DISCOUNT_RATE", "0")
    assert one(loyalty, "clv", OCTOBER)["value"] == pytest.approx((330 / 7) / (1 - (4 / 7) ** (1 / 12)))
    monkeypatch.setenv("CX_CLV_DISCOUNT_RATE", "12")
    assert one(loyalty, "clv", OCTOBER)["value"] == pytest.approx(864.446948)


def test_lifetime_value_by_hand():
    # m = 100 a month, r = 0.9 a month (retention 0.9^12 over the year), 12% a year: i = 1.12^(1/12) - 1 = 0.0094888,
    # CLV = 100 x 1.0094888 / (1.0094888 - 0.9) = 922.00; at 0%: 100 / 0.1 = 1000.
    sums = {"margin_usd": np.array([1200.0]), "customer_months": np.array([12.0])}
    sums |= {"retained": np.array([0.9**12 * 1000]), "cohort": np.array([1000.0])}
    assert ClvEstimate(discount_rate_pct=12).estimate(sums)[0][0] == pytest.approx(922.0019, rel=1e-6)
    assert ClvEstimate(discount_rate_pct=0).estimate(sums)[0][0] == pytest.approx(1000.0)
    # Nobody churned: a perpetuity when discounted, unbounded (empty) when not.
    sums["retained"] = sums["cohort"]
    assert ClvEstimate(discount_rate_pct=12).estimate(sums)[0][0] == pytest.approx(
        100 * 1.0094888 / 0.0094888, rel=1e-5
    )
    assert math.isnan(ClvEstimate(discount_rate_pct=0).estimate(sums)[0][0])


def _two_windows_world() -> duckdb.DuckDBPyConnection:
    """Customers of the trailing windows of September 2026 (cohort active at 1 Oct 2025) and October 2026 (at 1 Nov
    2025): six stay throughout; b1 leaves in October 2026, b2 in May 2026, b3 in October 2025 (September's cohort
    only); b4 and b5 join in October 2025 (October's cohort only), b5 leaves in August 2026."""
    conn = fx.new_db()
    stay = [fx.customer(f"s{i}", churn_date=None) for i in range(6)]
    moving = [
        fx.customer("b1", churn_date=date(2026, 10, 15)),
        fx.customer("b2", churn_date=date(2026, 5, 1)),
        fx.customer("b3", churn_date=date(2025, 10, 20)),
        fx.customer("b4", signup_date=date(2025, 10, 15)),
        fx.customer("b5", signup_date=date(2025, 10, 15), churn_date=date(2026, 8, 1)),
    ]
    fx.insert(conn, "customers", stay + moving)
    fx.close_week(conn)
    return conn


def test_retention_change_is_tested_with_the_overlap_of_the_two_cohorts():
    # October: 10 customers, 7 retained (s0-s5, b4); September: 9, 7 retained (s0-s5, b1). Shared: s0-s5, b1, b2 = 8,
    # retained in October 6, in September 7, in both 6: cov = 6/8 - (6/8)(7/8) = 0.09375.
    # Var = 0.7 x 0.3/10 + (7/9)(2/9)/9 - 2 x 8 x 0.09375/(10 x 9) = 0.0235377, z = (0.7 - 7/9)/0.153420 = -0.506960
    # (as if independent, pooled 14/19: z = -0.384419).
    card = query.snapshots(_two_windows_world(), ["logo_retention", "churn_rate"], Filters(), OCTOBER)
    rows = card.frame().set_index("metric")
    assert rows.loc["logo_retention", "prior_delta"] == pytest.approx(100 * (0.7 - 7 / 9))
    assert rows.loc["logo_retention", "prior_z"] == pytest.approx(-0.506960, abs=1e-6)
    assert rows.loc["churn_rate", "prior_z"] == pytest.approx(0.506960, abs=1e-6)
    # A year before (Nov 2024 - Oct 2025): 9 customers, 8 retained (b3 left). Shared: s0-s5, b1, b2, all retained
    # then, so the covariance is 0: Var = 0.7 x 0.3/10 + (8/9)(1/9)/9 = 0.0319739, z = (0.7 - 8/9)/0.178812.
    assert rows.loc["logo_retention", "last_year_z"] == pytest.approx(-1.056351, abs=1e-6)
