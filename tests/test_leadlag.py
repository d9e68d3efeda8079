"""Lagged correlation and the monthly CX and financial series, against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from cxmetrics import periods
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.cx_financials import leadlag
from cxmetrics.stats import panel_lag
from tests import metric_fixtures as fx

# --- panel correlation (pure) ---------------------------------------------------------------------------------


def test_two_way_demeaning_removes_cell_and_month_means():
    values = np.array([[1.0, 2.0, 6.0], [3.0, 4.0, 2.0]])
    # cell means 3 and 3 leave (-2, -1, 3) and (0, 1, -1), whose month means (-1, 0, 1) are removed too
    assert panel_lag.demeaned(values).tolist() == [[-1.0, -1.0, 2.0], [1.0, 1.0, -2.0]]
    assert panel_lag.demeaned(values[:1]).tolist() == [[-2.0, -1.0, 3.0]]  # one cell: its own mean only


def test_correlation_by_hand_in_one_cell():
    # lead (1, 2, 3, 4), follow one month later -> pairs (1, 1) (2, 4) (3, 3): deviations (-1, 0, 1) and
    # (-5/3, 4/3, 1/3), covariance sum 2, squares 2 and 42/9 -> r = 2 / sqrt(2 x 42 / 9) = 0.6547.
    r = panel_lag.lag_correlations(np.array([[1.0, 2, 3, 4]]), np.array([[9.0, 1, 4, 3]]), max_lag=1)
    assert r[1] == pytest.approx(2 / (2 * 42 / 9) ** 0.5)
    assert np.isnan(panel_lag.lag_correlations(np.array([[1.0, 2, 3]]), np.array([[1.0, 2, 3]]), max_lag=1)[1])


def test_a_month_wide_swing_is_not_a_link():
    # Both series carry the same month-by-month swing (seasonality); under it, each cell's NPS alternates and its
    # outcome steps (0, 0, 1, 1, 0, 0) or the reverse: unrelated, so r is 0 although the raw series agree closely.
    month = np.array([0.0, 5, -3, 8, 1, -6])
    lead = np.array([[0.0, 1, 0, 1, 0, 1], [1.0, 0, 1, 0, 1, 0]]) + month
    step = np.array([0.0, 0, 1, 1, 0, 0])
    follow = np.vstack([month + step, month - step])
    assert np.corrcoef(lead.ravel(), follow.ravel())[0, 1] > 0.9
    assert panel_lag.lag_correlations(lead, follow, max_lag=0)[0] == pytest.approx(0.0, abs=1e-12)


def test_complete_keeps_the_cells_without_gaps_over_the_covered_months():
    lead = np.array([[np.nan, 1, 2, 3], [np.nan, 1, np.nan, 3], [np.nan, 4, 5, 6]])
    follow = np.array([[0.0, 1, 2, np.nan], [0.0, 1, 2, np.nan], [0.0, 1, 2, np.nan]])
    kept_lead, kept_follow, kept = panel_lag.complete(lead, follow)
    assert kept.tolist() == [True, False, True]
    assert kept_lead.tolist() == [[1.0, 2.0], [4.0, 5.0]] and kept_follow.tolist() == [[1.0, 2.0], [1.0, 2.0]]


def test_shifts_rotate_each_cell_on_its_own():
    lead = np.array([[0.0, 1, 2, 3], [10.0, 11, 12, 13]])
    draws = panel_lag.shifted(lead, draws=50, seed=1)
    assert draws.shape == (50, 2, 4)
    for d in draws:
        assert sorted(d[0]) == [0, 1, 2, 3] and sorted(d[1]) == [10, 11, 12, 13]
        assert (np.diff(d[0]) % 4 == 1).all()  # a rotation
    assert len({(d[0][0], d[1][0]) for d in draws}) > 4  # cells rotate independently


def _planted_panel(cells: int, months: int, lag: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """NPS random walks per cell; the outcome's change follows the NPS change `lag` months earlier, plus a swing
    shared by every cell each month and noise."""
    rng = np.random.default_rng(seed)
    change = rng.normal(0, 3, (cells, months))
    swing = rng.normal(0, 5, months)
    follow = np.zeros((cells, months))
    follow[:, lag:] = 0.4 * change[:, :-lag]
    follow = follow + swing + rng.normal(0, 1, (cells, months))
    return np.cumsum(change, axis=1), np.cumsum(follow, axis=1)


def test_the_panel_finds_a_planted_lag_and_counts_what_it_rests_on():
    lead, follow = _planted_panel(cells=6, months=30, lag=2)
    table = panel_lag.lagged_panel(lead, follow, max_lag=6, draws=500).set_index("lag_months")
    assert table["correlation"].idxmax() == 2 and table.loc[2, "correlation"] > 0.6
    assert table.loc[2, "significant"] and table.loc[2, "p_family"] == pytest.approx(1 / 501)
    assert not table.drop(index=2)["significant"].any()
    assert table["periods"].tolist() == [29 - k for k in range(7)]  # 29 changes from 30 months
    assert table.loc[3, "pairs"] == 6 * 26 and (table["cells"] == 6).all()
    assert table["threshold"].nunique() == 1 and 0 < table.loc[0, "threshold"] < 0.6


def test_noise_is_not_called_a_link():
    rng = np.random.default_rng(3)
    lead, follow = rng.normal(0, 1, (6, 30)).cumsum(axis=1), rng.normal(0, 1, (6, 30)).cumsum(axis=1)
    table = panel_lag.lagged_panel(lead, follow, max_lag=12, draws=500)
    assert not table["significant"].any()
    assert (table["correlation"].abs() < table["threshold"]).all()


def test_the_smallest_detectable_correlation_by_hand():
    # 11 cells x 32 months, cell and month means removed: 10 x 31 + 1 = 311 independent pairs. Fisher's z of the
    # threshold 0.2 is atanh(0.2) = 0.20273; 80% power adds z(0.80) / sqrt(311 - 3) = 0.84162 / 17.5499 = 0.04796;
    # tanh(0.25069) = 0.24557.
    assert panel_lag.independent_pairs(11, 32) == 311
    assert panel_lag.detectable(0.2, 11, 32) == pytest.approx(0.24557, abs=1e-5)
    # One cell: only its mean is removed, 20 months are 20 pairs: tanh(atanh(0.5) + 0.84162 / sqrt(17)) = 0.63719.
    assert panel_lag.independent_pairs(1, 20) == 20
    assert panel_lag.detectable(0.5, 1, 20) == pytest.approx(0.63719, abs=1e-5)
    assert np.isnan(panel_lag.detectable(0.5, 1, 3)) and np.isnan(panel_lag.detectable(float("nan"), 12, 30))
    assert panel_lag.detectable(1.0, 2, 12) == 1.0


def test_each_lag_carries_the_correlation_it_could_detect():
    lead, follow = _planted_panel(cells=6, months=30, lag=2)
    table = panel_lag.lagged_panel(lead, follow, max_lag=6, draws=200)
    expected = [panel_lag.detectable(table["threshold"][0], 6, p) for p in table["periods"]]
    assert table["detectable"].tolist() == pytest.approx(expected)
    assert (table["detectable"] > table["threshold"]).all() and table["detectable"].is_monotonic_increasing


def test_short_or_empty_panels_are_not_tested():
    lead, follow = _planted_panel(cells=3, months=10, lag=2)
    table = panel_lag.lagged_panel(lead, follow, draws=100)
    assert not table["trusted"].any() and table["periods"].max() == 9
    empty = panel_lag.lagged_panel(np.full((2, 5), np.nan), np.ones((2, 5)), draws=100)
    assert empty["correlation"].isna().all() and not empty["significant"].any()


# --- findings and sentences ----------------------------------------------------------------------------------------


def _table(outcome: str, correlations, p_family, periods=(20, 20, 5)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lag_months": [0, 1, 2],
            "correlation": correlations,
            "periods": list(periods),
            "cells": 12,
            "p_family": p_family,
            "detectable": [0.314, 0.3, 0.5],
            "trusted": [p >= leadlag.MIN_PERIODS for p in periods],
            "outcome": outcome,
        }
    )


def test_strongest_lag_in_the_expected_direction_ignores_lags_too_short_to_trust():
    found = leadlag.strongest(_table("churn_change", [0.1, -0.6, -0.9], [0.9, 0.01, 0.001]), "churn_change")
    assert (found.lag_months, found.correlation, found.periods, found.cells) == (1, -0.6, 20, 12)
    assert found.significant
    assert leadlag.finding_sentence(found) == (
        "NPS changes lead churn in the month by 1 month (r = -0.60 over 20 months in 12 region x segment cells; "
        "chance of so strong a link at any lag: 1.0%, significant)."
    )
    revenue = leadlag.strongest(_table("revenue_growth", [0.3, -0.6, 0.9], [0.2, 0.01, 0.0005]), "revenue_growth")
    assert revenue.lag_months == 0  # lag 2 is too short; -0.6 is the wrong direction
    assert leadlag.finding_sentence(revenue) == (
        "No link between NPS changes and like-for-like revenue growth stands out from noise, but this test could "
        "only detect a correlation of |r| = 0.31 or stronger (80% power at its 5% family-wise level, over 20 months "
        "in 12 region x segment cells): a weaker link is not ruled out. The strongest lag is 0 months (r = +0.30; "
        "chance of so strong a link at any lag: 20.0%, not significant)."
    )
    short = leadlag.strongest(_table("churn_change", [0.1, -0.6, -0.9], [0.9, 0.01, 0.001], (5, 5, 5)), "churn_change")
    assert short.lag_months is None and leadlag.TOO_SHORT in leadlag.finding_sentence(short)


def test_findings_cover_the_outcomes_computed():
    table = pd.concat([_table("revenue_growth", [0.3, 0.5, 0.1], [0.3, 0.0004, 0.9])])
    (revenue,) = leadlag.findings(table)
    assert revenue.outcome == "revenue_growth" and revenue.lag_months == 1
    assert "at any lag: under 0.1%, significant" in leadlag.finding_sentence(revenue)


# --- the panel from the database -----------------------------------------------------------------------------------


@pytest.fixture
def revenue_pairs(monkeypatch):
    """Sep and Oct 2026 revenue of EMEA and APAC customers; only a and b are like-for-like in October."""
    monkeypatch.setenv("CX_MIN_N", "0")
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("a", "EMEA", signup_date=date(2026, 3, 1)),  # exactly 6 months before September
            fx.customer("b", "EMEA"),
            fx.customer("n", "EMEA", signup_date=date(2026, 3, 2)),  # still ramping up in September
            fx.customer("l", "EMEA", churn_date=date(2026, 10, 20)),  # leaves in October: a part month
            fx.customer("z", "EMEA"),  # bought nothing in September
            fx.customer("p", "APAC"),
            fx.customer("q", "APAC", churn_date=date(2026, 9, 10)),  # churned in September
        ],
    )
    revenue = [("a", 100, 110), ("b", 200, 180), ("n", 50, 80), ("l", 100, 50), ("z", 0, 100), ("p", 100, 100)]
    rows = [fx._revenue(c, m, v, 0) for c, sep, oct_ in revenue for m, v in (("2026-09", sep), ("2026-10", oct_))]
    fx.insert(conn, "customer_revenue", [*rows, fx._revenue("q", "2026-09", 30, 0)])
    fx.insert(conn, "responses", fx.responses("r", date(2026, 9, 10), "a", nps=fx.nps_scores(1, 0, 1)))
    fx.close_week(conn)
    return conn


SEPTEMBER, OCTOBER = (
    periods.period_containing("month", date(2026, 9, 1)),
    periods.period_containing("month", date(2026, 10, 1)),
)


def test_like_for_like_growth_compares_the_same_customers(revenue_pairs):
    frame = query.period_frame(revenue_pairs, "like_for_like_growth", None, [OCTOBER], by="region")
    emea = frame.set_index("region").loc["EMEA"]
    assert emea["n"] == 2  # a and b
    # A ratio of sums: (110 + 180) / (100 + 200) - 1 = -3.33% (the mean of the two customers' +10% and -10% is 0%).
    assert emea["value"] == pytest.approx(100 * (290 / 300 - 1))
    # Delta method: residuals 110 - R 100 = +13.33 and 180 - R 200 = -13.33, so se(R) = sqrt(355.6 / 1 / 2) / 150.
    se = math.sqrt((2 * (40 / 3) ** 2) / 1 / 2) / 150
    assert (emea["low"], emea["high"]) == pytest.approx(
        (100 * (290 / 300 - 1 - 1.96 * se), 100 * (290 / 300 - 1 + 1.96 * se)), abs=0.01
    )
    apac = frame.set_index("region").loc["APAC"]
    assert (apac["n"], apac["value"]) == (1, pytest.approx(0.0))


def test_monthly_churn_counts_customers_active_at_the_start(revenue_pairs):
    frame = query.period_frame(revenue_pairs, "monthly_churn_rate", None, [SEPTEMBER, OCTOBER]).set_index(
        "period_start"
    )
    # September: all 7 active at its start, q churned; October: 6 left, l churned.
    assert (frame.loc[SEPTEMBER.start, "n"], frame.loc[SEPTEMBER.start, "value"]) == (7, pytest.approx(100 / 7))
    assert (frame.loc[OCTOBER.start, "n"], frame.loc[OCTOBER.start, "value"]) == (6, pytest.approx(100 / 6))


def test_the_panel_is_read_per_region_and_segment_under_the_scope(revenue_pairs):
    values = leadlag.panel(revenue_pairs, Filters(), [SEPTEMBER, OCTOBER])
    growth = values[values["metric"] == "like_for_like_growth"].set_index(["cell", "period_start"])
    assert growth.loc[("EMEA / SMB", OCTOBER.start), "n"] == 2
    nps = values[values["metric"] == "nps"].set_index(["cell", "period_start"])
    assert nps.loc[("EMEA / SMB", SEPTEMBER.start), "value"] == pytest.approx(0.0)  # one promoter, one detractor
    scoped = leadlag.panel(revenue_pairs, Filters(scope=AccessScope(("APAC",))), [SEPTEMBER, OCTOBER])
    assert set(scoped["cell"]) == {"APAC / SMB"}
    assert leadlag.panel_months(revenue_pairs, OCTOBER) == [SEPTEMBER, OCTOBER]


@pytest.fixture
def finance(monkeypatch):
    """Sep and Oct 2026: EMEA and APAC financials with churned customers, NPS answers each month (CX_MIN_N=0)."""
    monkeypatch.setenv("CX_MIN_N", "0")
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("e1", "EMEA"), fx.customer("a1", "APAC")])
    rows = fx.responses("sep", date(2026, 9, 10), "e1", nps=fx.nps_scores(3, 1, 1))
    rows += fx.responses("oct", date(2026, 10, 10), "e1", nps=fx.nps_scores(1, 0, 1))
    rows += fx.responses("octa", date(2026, 10, 11), "a1", nps=fx.nps_scores(0, 0, 2))
    fx.insert(conn, "responses", rows)
    fin = [("2026-09-01", "EMEA", 100.0, 40.0, 1), ("2026-10-01", "EMEA", 120.0, 30.0, 3)]
    fin += [("2026-10-01", "APAC", 80.0, 20.0, 5)]
    fx.insert(
        conn,
        "financials",
        [
            {"month": date.fromisoformat(m), "region": r, "segment": "SMB", "revenue_usd": rev,
             "gross_margin_usd": gm, "churned_customers": ch}
            for m, r, rev, gm, ch in fin
        ],
    )  # fmt: skip
    fx.close_week(conn)
    return conn


def test_monthly_series_puts_cx_beside_the_financials(finance):
    frame = leadlag.monthly_series(finance, Filters()).set_index("period_start")
    sep, oct_ = frame.loc[date(2026, 9, 1)], frame.loc[date(2026, 10, 1)]
    assert (sep["nps"], sep["nps_n"]) == (pytest.approx(40.0), 5)  # 3 promoters, 1 detractor of 5
    assert (oct_["nps"], oct_["nps_n"]) == (pytest.approx(-50.0), 4)  # 1 promoter, 3 detractors of 4
    assert (sep["revenue_usd"], oct_["revenue_usd"]) == (100.0, 200.0)
    assert oct_["gross_margin_pct"] == pytest.approx(25.0)
    assert (sep["churned_customers"], oct_["churned_customers"]) == (1, 8)


def test_monthly_series_by_region_and_under_the_scope(finance):
    frame = leadlag.monthly_series(finance, Filters(), by="region")
    october = frame[frame["period_start"] == date(2026, 10, 1)].set_index("region")
    assert october.loc["APAC", "churned_customers"] == 5
    assert october.loc["EMEA", "revenue_usd"] == 120.0
    scoped = leadlag.monthly_series(finance, Filters(scope=AccessScope(("APAC",)))).set_index("period_start")
    assert scoped.loc[date(2026, 10, 1), "churned_customers"] == 5
    assert scoped.loc[date(2026, 10, 1), "nps"] == pytest.approx(-100.0)
