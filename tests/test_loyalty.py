"""Loyalty figures against hand-computed values on tiny tables, and the sample world's planted truths recovered."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.loyalty import analysis as loyalty
from tests import metric_fixtures as fx

WINDOW = loyalty.TrailingYear(date(2025, 11, 1), date(2026, 10, 31))


@pytest.fixture(autouse=True)
def _min_n_one(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "1")


def _revenue(customer_id: str, month: str, revenue: float, margin: float) -> dict:
    return {
        "customer_id": customer_id,
        "month": date.fromisoformat(f"{month}-01"),
        "revenue_usd": revenue,
        "gross_margin_usd": margin,
        "cost_to_serve_usd": 1.0,
    }


def test_the_window_is_the_twelve_months_closed_by_the_review_week():
    assert loyalty.window_for(date(2026, 11, 15)) == WINDOW
    assert loyalty.window_for(date(2026, 10, 31)) == WINDOW
    assert WINDOW.label == "Nov 2025 to Oct 2026"


# --- cohorts -------------------------------------------------------------------------------------------------------


@pytest.fixture
def cohort_db():
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("k1", signup_date=date(2026, 1, 15)),
            fx.customer("k2", signup_date=date(2026, 2, 1), churn_date=date(2026, 5, 10)),
            fx.customer("k3", signup_date=date(2026, 3, 31), churn_date=date(2026, 3, 31)),
            fx.customer("k4", signup_date=date(2026, 7, 1), churn_date=date(2026, 9, 30)),
            fx.customer("k5", signup_date=date(2023, 9, 30)),  # before the 12 quarters shown
            fx.customer("k6", "APAC", signup_date=date(2026, 1, 2)),
        ],
    )
    return conn


def _cells(frame: pd.DataFrame) -> dict[tuple[str, int], tuple[int, int]]:
    return {(r.cohort_label, r.age_quarters): (r.customers, r.retained) for r in frame.itertuples()}


def test_cohort_retention_counts_customers_still_active_at_each_quarter_end(cohort_db):
    frame = loyalty.cohort_retention(cohort_db, Filters(), WINDOW.end)
    # 2026 Q1: k1, k2, k3, k6; k3 churned on its signup quarter's last day, k2 in Q2. Ages end by 30 Sep 2026.
    assert _cells(frame) == {
        ("2026 Q1", 0): (4, 3),
        ("2026 Q1", 1): (4, 2),
        ("2026 Q1", 2): (4, 2),
        ("2026 Q3", 0): (1, 0),
    }
    row = frame[(frame["cohort_label"] == "2026 Q1") & (frame["age_quarters"] == 0)].iloc[0]
    assert row["retention_pct"] == pytest.approx(75.0)
    assert row["low_pct"] < 75.0 < row["high_pct"]


def test_cohorts_follow_the_region_filter_and_the_access_scope(cohort_db):
    emea = loyalty.cohort_retention(cohort_db, Filters(regions=("EMEA",)), WINDOW.end)
    assert _cells(emea)[("2026 Q1", 0)] == (3, 2)
    apac_only = loyalty.cohort_retention(cohort_db, Filters(scope=AccessScope(("APAC",))), WINDOW.end)
    assert _cells(apac_only) == {("2026 Q1", 0): (1, 1), ("2026 Q1", 1): (1, 1), ("2026 Q1", 2): (1, 1)}


def test_cohort_cells_under_the_minimum_n_are_withheld(cohort_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "2")
    frame = loyalty.cohort_retention(cohort_db, Filters(), WINDOW.end)
    q3 = frame[frame["cohort_label"] == "2026 Q3"].iloc[0]
    assert q3["suppressed"] and math.isnan(q3["retention_pct"]) and q3["customers"] == 1


# --- loyalty by experience ------------------------------------------------------------------------------------------


@pytest.fixture
def experience_db():
    """a promoter, b satisfied passive (churned), c satisfied detractor, d/f/h without a relationship answer."""
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("a"),
            fx.customer("b", churn_date=date(2026, 6, 1)),
            fx.customer("c", "APAC"),
            fx.customer("d", churn_date=date(2026, 10, 31)),
            fx.customer("e", signup_date=date(2025, 11, 1)),  # won on the window's first day: not in the cohort
            fx.customer("f", churn_date=date(2025, 11, 1)),  # active at the start, churned that day (as churn_rate)
            fx.customer("g", signup_date=date(2025, 11, 2)),  # won inside the window
            fx.customer("h"),
        ],
    )
    rows = []
    for cid, moment, nps, csat, survey in [
        ("a", "2024-05-01 10:00", 0, 1, "relationship"),  # older answer: superseded
        ("a", "2025-10-01 10:00", 10, 5, "relationship"),
        ("b", "2025-09-01 10:00", 8, 4, "relationship"),
        ("c", "2025-10-31 23:00", 3, 5, "relationship"),
        ("e", "2025-12-01 10:00", 0, 1, "relationship"),  # after the window start: ignored
        ("h", "2025-10-01 10:00", 0, 1, "transactional"),  # not a relationship answer
    ]:
        row = fx.responses(f"{cid}-{moment[:10]}", fx.at(moment), cid, nps=[nps])[0]
        rows.append(row | {"csat": csat, "survey": survey})
    fx.insert(conn, "responses", rows)
    fx.insert(
        conn,
        "customer_revenue",
        [
            _revenue("a", "2025-10", 100, 30),  # before the window: only its repeat pair counts
            _revenue("a", "2025-11", 100, 40),
            _revenue("a", "2025-12", 0, -5),
            _revenue("a", "2026-01", 50, 20),
            _revenue("b", "2025-11", 200, 100),
            _revenue("b", "2025-12", 200, 100),
        ],
    )
    return conn


def _groups(frame: pd.DataFrame, grouping: str) -> dict[str, tuple[int, int]]:
    part = frame[frame["grouping"] == grouping]
    return {r.group: (int(r.customers), int(r.churned)) for r in part.itertuples()}


def test_churn_by_nps_group_of_the_latest_relationship_answer_before_the_window(experience_db):
    frame = loyalty.loyalty_by_experience(experience_db, Filters(), WINDOW)
    assert _groups(frame, "nps_group") == {
        "promoter": (1, 0),
        "passive": (1, 1),
        "detractor": (1, 0),
        "no response": (3, 2),  # d, f and h; d and f churned
    }
    assert _groups(frame, "csat_band") == {"4-5 satisfied": (3, 1), "no CSAT answer": (3, 2)}
    assert _groups(frame, "focus") == {loyalty.AT_RISK: (2, 1), "promoter": (1, 0), "other": (3, 2)}


def test_repeat_purchase_revenue_and_lifetime_value_by_group(experience_db, monkeypatch):
    monkeypatch.setenv("CX_CLV_DISCOUNT_RATE", "0")
    frame = loyalty.loyalty_by_experience(experience_db, Filters(), WINDOW).set_index(["grouping", "group"])
    promoter = frame.loc[("nps_group", "promoter")]
    # a bought in Oct (again in Nov), Nov (not Dec), Jan (no Feb row): 1 repeat of 3.
    assert (promoter["bought"], promoter["repeated"]) == (3, 1)
    assert promoter["repeat_purchase_pct"] == pytest.approx(100 / 3)
    assert promoter["revenue_per_customer_usd"] == pytest.approx(150.0)
    assert math.isnan(promoter["clv_usd"])  # nobody churned: unbounded lifetime
    at_risk = frame.loc[("focus", loyalty.AT_RISK)]
    assert at_risk["revenue_per_customer_usd"] == pytest.approx(200.0)
    # margin 200 over 2 customer-months; half the group churned in the year: monthly churn 1 - 0.5^(1/12).
    assert at_risk["clv_usd"] == pytest.approx(100 / (1 - 0.5 ** (1 / 12)))
    assert at_risk["churn_pct"] == pytest.approx(50.0)
    # At 12% a year, i = 1.12^(1/12) - 1 = 0.0094888 a month, r = 0.5^(1/12) = 0.9438743:
    # 100 x 1.0094888 / (1.0094888 - 0.9438743) = 1538.52.
    monkeypatch.setenv("CX_CLV_DISCOUNT_RATE", "12")
    frame = loyalty.loyalty_by_experience(experience_db, Filters(), WINDOW).set_index(["grouping", "group"])
    assert frame.loc[("focus", loyalty.AT_RISK), "clv_usd"] == pytest.approx(1538.515262, abs=1e-5)


def test_experience_follows_the_region_filter(experience_db):
    frame = loyalty.loyalty_by_experience(experience_db, Filters(regions=("APAC",)), WINDOW)
    assert _groups(frame, "nps_group") == {"detractor": (1, 0)}
    assert loyalty.ignored_filters(Filters(regions=("APAC",), touchpoints=("billing",))) == ("touchpoint",)


def test_the_at_risk_sentence_states_both_rates_the_interval_and_the_verdict(experience_db):
    frame = loyalty.loyalty_by_experience(experience_db, Filters(), WINDOW)
    sentence = loyalty.at_risk_sentence(loyalty.at_risk_comparison(frame), WINDOW)
    assert sentence.startswith("Of 2 customers who were satisfied (CSAT 4-5) but not promoters (NPS 0-8)")
    assert "50.0% churned by 31 Oct 2026, against 0.0% of 1 promoters" in sentence
    assert "not significant" in sentence


def test_too_few_customers_give_no_comparison(experience_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "2")
    frame = loyalty.loyalty_by_experience(experience_db, Filters(), WINDOW)
    assert loyalty.at_risk_comparison(frame) is None
    assert loyalty.at_risk_sentence(None, WINDOW).startswith("Too few customers")


# --- customer value -------------------------------------------------------------------------------------------------


def test_margin_deciles_and_unprofitable_customers_with_their_nps(experience_db):
    fx.insert(experience_db, "customer_revenue", [_revenue("c", "2026-03", 30, -12)])
    rows = fx.responses("c-x", fx.at("2026-02-01 10:00"), "c", nps=[10, 0, 0])
    rows += fx.responses("a-x", fx.at("2026-02-01 10:00"), "a", nps=[10, 9])
    rows += fx.responses("a-old", fx.at("2025-10-31 10:00"), "a", nps=[0])  # before the window
    fx.insert(experience_db, "responses", rows)
    value = loyalty.customer_value(experience_db, Filters(), WINDOW)
    # Margins in the window: c -12, a 55, b 200 -> deciles 1, 2, 3.
    assert value.deciles["decile"].tolist() == [1, 2, 3]
    assert value.deciles["margin_usd"].tolist() == [-12.0, 55.0, 200.0]
    assert value.deciles["nps"].iloc[0] == pytest.approx(100 * (1 - 2) / 3)
    unprofitable = value.unprofitable
    assert (unprofitable["customers"], unprofitable["revenue_usd"], unprofitable["margin_usd"]) == (1, 30, -12)
    assert unprofitable["customer_share_pct"] == pytest.approx(100 / 3)
    assert unprofitable["revenue_share_pct"] == pytest.approx(100 * 30 / 580)
    sentence = loyalty.unprofitable_sentence(value, WINDOW)
    assert sentence.startswith("1 of 3 customers (33.3%) had a negative gross margin over Nov 2025 to Oct 2026")
    assert "$30 of revenue (5.2%) and cost $12 of margin" in sentence


def test_no_revenue_means_no_unprofitable_customers():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a")])
    value = loyalty.customer_value(conn, Filters(), WINDOW)
    assert value.unprofitable is None and value.deciles.empty
    assert loyalty.unprofitable_sentence(value, WINDOW).startswith("No customer had a negative gross margin")


# --- retention trends (registry) ------------------------------------------------------------------------------------


def test_trend_filters_end_with_the_window():
    monthly = loyalty.trend_filters(Filters(), "month", WINDOW)
    assert (monthly.start, monthly.end) == (date(2024, 11, 1), date(2026, 10, 31))
    quarterly = loyalty.trend_filters(Filters(), "quarter", WINDOW)
    assert (quarterly.start, quarterly.end) == (date(2024, 10, 1), date(2026, 9, 30))


def test_retention_trends_are_the_registry_metrics_with_targets():
    conn = fx.new_db()
    fx.loyalty_world(conn)
    frames = loyalty.retention_trends(conn, Filters(), "month", WINDOW, None, ["churn_rate", "nrr"])
    october = frames["churn_rate"].set_index("period_label").loc["Oct 2026"]
    assert (october["n"], october["value"]) == (7, pytest.approx(100 * 3 / 7))
    assert "target" in frames["nrr"].columns


# --- the committed sample world ---------------------------------------------------------------------------------------


def test_the_planted_churn_by_nps_group_is_recovered(committed, truth, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "30")
    truth = truth["churn_by_nps_group"]
    assert truth["definition"].startswith("customers active on 2025-11-01")
    frame = loyalty.loyalty_by_experience(committed, Filters(), WINDOW)
    found = {g: c for g, c in _groups(frame, "nps_group").items()}
    for group, realised in truth["realised"].items():
        name = "no response" if group == "no_response" else group
        assert found[name] == (realised["customers"], realised["churned"]), group
    rows = frame[frame["grouping"] == "nps_group"].set_index("group")
    assert rows.loc["detractor", "churn_pct"] > rows.loc["passive", "churn_pct"] > rows.loc["promoter", "churn_pct"]
    assert rows.loc["promoter", "churn_high_pct"] < rows.loc["detractor", "churn_low_pct"]


def test_the_unprofitable_share_of_the_sample_world_is_recovered(committed, truth):
    value = loyalty.customer_value(committed, Filters(), WINDOW)
    truth = truth["financials"]
    assert value.unprofitable["customer_share_pct"] / 100 == pytest.approx(
        truth["unprofitable_share_last_12_months"], abs=5e-5
    )
    everyone = value.groups.set_index("group").loc["all"]
    assert everyone["customers"] == truth["customers_with_revenue_last_12_months"]


def test_satisfied_but_at_risk_customers_churn_more_than_promoters_in_the_sample_world(committed):
    comparison = loyalty.at_risk_comparison(loyalty.loyalty_by_experience(committed, Filters(), WINDOW))
    assert comparison.significant and comparison.low_pts > 0


def test_churn_and_repeat_purchase_by_nps_group_use_the_registry_estimators_on_paper(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "30")
    counts = pd.DataFrame(
        {"nps_group": ["detractor", "promoter"], "csat_band": None, "focus": None, "grouping_id": 3,
         "customers": [40, 20], "churned": [10, 2], "bought": [30, 0], "repeated": [15, 0], "revenue_usd": [0, 0],
         "margin_usd": [0, 0], "margin_months": [0, 0]}
    )  # fmt: skip
    rows = loyalty.experience_frame(counts).set_index("group")
    # 10 of 40 churned: Wilson 95% (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) = 14.19% to 40.19%
    assert rows.loc["detractor", ["churn_pct", "churn_low_pct", "churn_high_pct"]].tolist() == pytest.approx(
        [25.0, 14.1871, 40.1940], abs=1e-3
    )
    assert rows.loc["detractor", "repeat_purchase_pct"] == pytest.approx(50.0)  # 15 of 30 pairs
    assert bool(rows.loc["promoter", "suppressed"]) and math.isnan(rows.loc["promoter", "churn_pct"])  # 20 < 30
    assert math.isnan(rows.loc["promoter", "repeat_purchase_pct"])  # no pairs
