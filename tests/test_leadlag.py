"""Lagged correlation and the monthly CX and financial series, against hand-computed values."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cxmetrics import leadlag
from cxmetrics.filters import AccessScope, Filters
from tests import metric_fixtures as fx


def test_growth_is_month_on_month_percent():
    growth = leadlag.growth_pct(pd.Series([100.0, 110.0, 0.0, 50.0]))
    assert growth.iloc[1:3].tolist() == pytest.approx([10.0, -100.0])
    assert growth.isna().tolist() == [True, False, False, True]


def test_a_planted_lag_has_correlation_one_and_counts_its_pairs():
    lead = pd.Series([1.0, -1.0, 2.0, 0.0, 3.0, -2.0, 1.0, 0.0, 4.0, -3.0])
    follow = pd.Series([np.nan, np.nan, *lead.iloc[:-2]])  # follow[t] = lead[t - 2]
    frame = leadlag.lagged_correlations(lead, follow, max_lag=4, min_periods=9).set_index("lag_months")
    assert frame.loc[2, "correlation"] == pytest.approx(1.0)
    assert frame["periods"].tolist() == [8, 8, 8, 7, 6]
    assert not frame["trusted"].any()  # fewer than 9 pairs each
    assert frame.loc[2, "threshold"] == pytest.approx(leadlag.noise_z(5) / 8**0.5)
    assert frame.loc[2, "significant"]


def test_correlation_by_hand():
    # lead (1, 2, 3, 4), follow one month later -> pairs (1, 1) (2, 4) (3, 3): deviations (-1, 0, 1) and
    # (-5/3, 4/3, 1/3), covariance sum 2, squares 2 and 42/9 -> r = 2 / sqrt(2 x 42 / 9) = 0.6547.
    frame = leadlag.lagged_correlations(pd.Series([1.0, 2, 3, 4]), pd.Series([9.0, 1, 4, 3]), max_lag=1)
    assert frame.loc[1, "correlation"] == pytest.approx(2 / (2 * 42 / 9) ** 0.5)
    assert frame.loc[1, "periods"] == 3


def test_the_noise_bound_covers_every_lag_tested():
    assert leadlag.noise_z(1) == pytest.approx(1.96, abs=0.001)
    assert leadlag.noise_z(13) == pytest.approx(2.891, abs=0.001)  # z of 1 - 0.05 / 26


def test_strongest_lag_ignores_lags_too_short_to_trust():
    frame = pd.DataFrame(
        {
            "lag_months": [0, 1, 2],
            "correlation": [0.1, -0.6, -0.9],
            "periods": [20, 20, 5],
            "significant": [False, True, True],
            "trusted": [True, True, False],
        }
    )
    found = leadlag.strongest(frame, "churn_change", -1)
    assert (found.lag_months, found.correlation, found.periods) == (1, -0.6, 20)
    assert leadlag.finding_sentence(found) == (
        "NPS changes lead change in churned customers by 1 month(s) (r = -0.60 over 20 months; significant)."
    )
    weak = leadlag.strongest(frame.assign(significant=False), "churn_change", -1)
    assert leadlag.finding_sentence(weak).startswith("No lag links NPS changes to change in churned customers")
    short = leadlag.strongest(frame.assign(trusted=False), "churn_change", -1)
    assert short.lag_months is None
    assert leadlag.TOO_SHORT in leadlag.finding_sentence(short)


def _planted_series(months: int, lag: int, seed: int = 7) -> pd.DataFrame:
    """NPS as a random walk; `lag` months after an NPS change, churned customers move the other way and revenue
    grows by 1% per NPS point."""
    rng = np.random.default_rng(seed)
    nps = 30 + np.cumsum(rng.normal(0, 3, months))
    churn = 50 - 2 * np.concatenate([np.full(lag, nps[0]), nps[:-lag]]) + rng.normal(0, 0.5, months)
    revenue = 1e6 * np.cumprod(1 + 0.01 * np.concatenate([np.zeros(lag + 1), np.diff(nps)[: months - lag - 1]]))
    return pd.DataFrame({"nps": nps, "churned_customers": churn, "revenue_usd": revenue})


def test_lead_lag_finds_a_planted_lag():
    table = leadlag.lead_lag(_planted_series(36, 2))
    revenue, churn = leadlag.findings(table)
    assert churn.lag_months == 2 and churn.significant and churn.correlation < -0.9
    assert revenue.lag_months == 2 and revenue.significant
    assert set(table["outcome"]) == {"revenue_growth", "churn_change"}
    assert len(table) == 2 * (leadlag.MAX_LAG + 1)


def test_short_series_are_labelled_too_short():
    table = leadlag.lead_lag(_planted_series(10, 2))
    assert not table["trusted"].any()
    assert all(f.lag_months is None for f in leadlag.findings(table))


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
