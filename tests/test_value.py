"""Value of a promoter, revenue at risk and earned growth against hand-computed figures on tiny tables."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.reports.cx_financials import leadlag, value
from tests import metric_fixtures as fx

OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def loyalty():
    """fx.loyalty_world: cohort of Nov 2025 - Oct 2026 = c1, c8 promoters; c6 passive; c2, c5 detractors; c7, c9
    without a relationship response. Revenue in the window: c1 80 + 150, c6 40 + 0; before it c1 100, c2 200."""
    conn = fx.new_db()
    fx.loyalty_world(conn)
    return conn


def _values(conn, filters: Filters | None = None) -> pd.DataFrame:
    return value.group_values(value.group_sums(conn, filters or Filters(), OCTOBER), min_n=0)


def test_window_is_the_latest_closed_month_and_its_trailing_year():
    assert value.window(date(2026, 11, 15)) == OCTOBER
    assert value.window(date(2026, 10, 31)) == OCTOBER
    assert value.window_text(OCTOBER) == "Nov 2025 to Oct 2026"


def test_customers_revenue_and_churn_per_group(loyalty):
    frame = _values(loyalty)
    assert list(frame.index) == ["promoter", "passive", "detractor", "no response"]
    assert frame["customers"].to_dict() == {"promoter": 2, "passive": 1, "detractor": 2, "no response": 2}
    assert frame["revenue_per_customer_usd"].to_dict() == pytest.approx(
        {"promoter": 115.0, "passive": 40.0, "detractor": 0.0, "no response": 0.0}
    )
    # c8 churned on the window's first day, c2 and c5 inside it; c6 the day after it ends.
    assert frame["churn_pct"].to_dict() == pytest.approx(
        {"promoter": 50.0, "passive": 0.0, "detractor": 100.0, "no response": 0.0}
    )


def test_growth_margin_and_cost_per_group(loyalty):
    frame = _values(loyalty)
    # Growth over customers with revenue in the year before: c1 100 -> 230; c2 200 -> 0.
    assert frame.loc["promoter", "revenue_growth_pct"] == pytest.approx(130.0)
    assert frame.loc["detractor", "revenue_growth_pct"] == pytest.approx(-100.0)
    assert pd.isna(frame.loc["passive", "revenue_growth_pct"])
    # Margin: c1 40 + 60 of 230; c6 15 - 10 of 40. Cost to serve: c1 30 over 2 promoters; c6 5.
    assert frame.loc["promoter", "gross_margin_pct"] == pytest.approx(100 * 100 / 230)
    assert frame.loc["passive", "gross_margin_pct"] == pytest.approx(12.5)
    assert frame.loc["promoter", "cost_to_serve_per_customer_usd"] == pytest.approx(15.0)


def test_revenue_interval_is_the_student_t_interval(loyalty):
    row = _values(loyalty).loc["promoter"]
    # Revenue 230 and 0: mean 115, sd 162.635, t(1) 12.706 -> half-width 12.706 x 162.635 / sqrt(2) = 1461.2.
    assert row["revenue_per_customer_usd_low"] == pytest.approx(115 - 1461.2, abs=0.1)
    assert row["revenue_per_customer_usd_high"] == pytest.approx(115 + 1461.2, abs=0.1)


def test_margin_interval_is_the_delta_method_interval_of_the_ratio(loyalty):
    row = _values(loyalty).loc["promoter"]
    # c1: margin 100 of revenue 230; c8: 0 of 0. Both lie on the line margin = (100 / 230) x revenue: no residual,
    # so the delta-method interval has no width.
    assert (row["gross_margin_pct_low"], row["gross_margin_pct_high"]) == pytest.approx((100 * 100 / 230,) * 2)
    # One customer with revenue the year before (c1): no variance to estimate, no interval.
    assert pd.isna(row["revenue_growth_pct_low"]) and pd.isna(row["revenue_growth_pct_high"])


def test_groups_under_the_minimum_n_are_withheld(loyalty):
    frame = value.group_values(value.group_sums(loyalty, Filters(), OCTOBER), min_n=2)
    assert frame.loc["passive", "suppressed"]
    assert pd.isna(frame.loc["passive", "revenue_per_customer_usd"])
    assert frame.loc["passive", "customers"] == 1
    assert frame.loc["promoter", "revenue_per_customer_usd"] == pytest.approx(115.0)


def test_churn_per_group_equals_the_registry_churn_rate(loyalty):
    registry = query.period_frame(loyalty, "churn_rate", None, [OCTOBER], by="nps_group").set_index("nps_group")
    mine = _values(loyalty).rename({"no response": "(none)"})
    assert mine["customers"].to_dict() == registry["cohort"].to_dict()
    assert mine["churn_pct"].to_dict() == pytest.approx((100 * registry["churned"] / registry["cohort"]).to_dict())


def test_region_filter_and_access_scope_apply(loyalty):
    apac = _values(loyalty, Filters(regions=("APAC",)))
    assert apac["customers"].to_dict() == {"passive": 1, "detractor": 1, "no response": 1}
    scoped = _values(loyalty, Filters(scope=AccessScope(("APAC",))))
    assert scoped["customers"].to_dict() == apac["customers"].to_dict()
    assert _values(loyalty, Filters(scope=AccessScope(()))).empty


def test_promoter_premium_and_its_sentence(loyalty):
    sums = value.group_sums(loyalty, Filters(), OCTOBER)
    diff = value.promoter_premium(sums, min_n=0)
    # 115 - 0; Welch se = sqrt(162.635^2 / 2 + 0) = 115.
    assert (diff.usd, diff.low_usd, diff.high_usd) == pytest.approx((115.0, 115 - 1.96 * 115, 115 + 1.96 * 115))
    assert not diff.significant
    sentence = value.premium_sentence(diff, "Nov 2025 to Oct 2026")
    assert sentence.startswith("A promoter is worth $115 more per year than a detractor (95% interval -$110 to $340")
    assert "not significant" in sentence
    assert value.promoter_premium(sums) is None
    assert "Too few" in value.premium_sentence(None, "")


def test_revenue_at_risk_applies_the_assumptions_per_region():
    sums = pd.DataFrame(
        {
            "region": ["EMEA", "EMEA", "EMEA", "APAC", "APAC"],
            "segment": ["SMB"] * 5,
            "nps_group": ["detractor", "passive", "promoter", "detractor", "no response"],
            "customers": [2.0, 3.0, 4.0, 1.0, 5.0],
            "revenue_usd": [1000.0, 2000.0, 4000.0, 600.0, 300.0],
        }
    )
    frame = value.revenue_at_risk(sums, value.RiskAssumptions(50, 30, 30), by="region")
    assert list(frame.index) == ["EMEA", "APAC"]
    emea, apac = frame.loc["EMEA"], frame.loc["APAC"]
    assert (emea["at_risk_short_usd"], emea["at_risk_long_usd"], emea["upside_usd"]) == (500, 600, 1200)
    assert (apac["at_risk_short_usd"], apac["at_risk_long_usd"], apac["upside_usd"]) == (300, 0, 0)
    assert apac["revenue_usd"] == 900 and apac["detractors"] == 1
    company = value.revenue_at_risk(sums, value.RiskAssumptions(10, 0, 100))
    assert company.loc["", "at_risk_short_usd"] == pytest.approx(160)
    assert company.loc["", "upside_usd"] == pytest.approx(4000)


def test_at_risk_accounts_are_detractors_by_revenue(loyalty):
    fx.insert(loyalty, "customer_revenue", [{"customer_id": "c5", "month": date(2026, 5, 1), "revenue_usd": 70.0}])
    accounts = value.at_risk_accounts(loyalty, Filters(), OCTOBER)
    assert accounts["customer_id"].tolist() == ["c5", "c2"]
    assert accounts["revenue_12m_usd"].tolist() == [70.0, 0.0]
    assert accounts["latest_nps"].tolist() == [5, 2]
    assert value.at_risk_accounts(loyalty, Filters(regions=("EMEA",)), OCTOBER)["customer_id"].tolist() == ["c2"]


def test_earned_growth_needs_acquisition_channels(loyalty):
    found = value.earned_growth(loyalty, Filters(), OCTOBER)
    assert not found.available
    assert "acquisition_channel" in found.note
    # NRR: the customers active on 1 Oct 2025, Oct 2025 -> Oct 2026: c1 100 -> 150, c2 200 -> 0, c3 100 -> 50.
    assert found.nrr_pct == pytest.approx(50.0)


def test_earned_growth_adds_referred_new_customer_revenue(loyalty):
    channel = "acquisition_channel"
    fx.insert(
        loyalty,
        "customers",
        [
            fx.customer("r1", "EMEA", signup_date=date(2026, 1, 1), **{channel: "referral"}),  # new, referred
            fx.customer("r2", "EMEA", signup_date=date(2024, 1, 1), **{channel: "referral"}),  # in the NRR cohort
            fx.customer("r3", "APAC", signup_date=date(2025, 10, 15), **{channel: "referral"}),  # new in the base month
            fx.customer("d1", "EMEA", signup_date=date(2026, 2, 1), **{channel: "direct_sales"}),  # new, bought
        ],
    )
    revenue = [("r1", 2026, 40.0), ("r2", 2025, 100.0), ("r2", 2026, 120.0), ("r3", 2026, 60.0), ("d1", 2026, 1000.0)]
    fx.insert(
        loyalty,
        "customer_revenue",
        [{"customer_id": c, "month": date(year, 10, 1), "revenue_usd": usd} for c, year, usd in revenue],
    )
    found = value.earned_growth(loyalty, Filters(), OCTOBER)
    assert found.available and found.referred_customers == 2 and found.since == date(2025, 10, 1)
    # NRR: base 400 + r2's 100 = 500, now 200 + 120 = 320 -> 64%. Earned new customers: r1 40 + r3 60 = 100 in
    # October 2026, 100 / 500 = 20% of the base (d1 was bought). EGR = 64 + 20 - 100 = -16%.
    assert found.nrr_pct == pytest.approx(64.0)
    assert found.referral_pct == pytest.approx(20.0)
    assert found.egr_pct == pytest.approx(-16.0)
    emea = value.earned_growth(loyalty, Filters(regions=("EMEA",)), OCTOBER)
    # EMEA: NRR base c1 100 + c2 200 + c3 100 + r2 100 = 500 (c5 is APAC and had 0), referral r1 only: 40 / 500.
    assert (emea.referred_customers, emea.egr_pct) == (1, pytest.approx(64.0 + 8.0 - 100))
    assert value.earned_growth_rate(110.0, 50.0, 1000.0) == pytest.approx(15.0)


def test_sample_world_recovers_the_planted_churn_and_spend_by_nps_group(committed, truth):
    truth = truth["churn_by_nps_group"]
    frame = value.group_values(value.group_sums(committed, Filters(), OCTOBER))
    for group in ("promoter", "passive", "detractor"):
        realised = truth["realised"][group]
        assert frame.loc[group, "churn_pct"] / 100 == pytest.approx(realised["churn_share"], abs=0.002)
        assert frame.loc[group, "revenue_per_customer_usd"] == pytest.approx(
            realised["revenue_per_customer_usd"], rel=0.01
        )
    churn = frame["churn_pct"]
    assert churn["promoter"] < churn["passive"] < churn["detractor"]
    assert frame.loc["promoter", "churn_pct_high"] < frame.loc["detractor", "churn_pct_low"]
    spend = frame["revenue_per_customer_usd"]
    assert spend["promoter"] > spend["passive"] > spend["detractor"]
    assert value.promoter_premium(value.group_sums(committed, Filters(), OCTOBER)).significant


@pytest.fixture
def trend():
    """fx.trend_world: in Nov 2025 - Oct 2026, e1 (EMEA SMB) gives one 10 on 28 Oct 2026 and a1 (APAC Enterprise)
    ten 10s on 12 Nov 2025; everything else falls in November 2026."""
    conn = fx.new_db()
    fx.trend_world(conn)
    return conn


def test_cell_nps_sums_per_region_and_segment(trend):
    cells = value.cell_nps_sums(trend, Filters(), OCTOBER)
    assert cells.to_dict("records") == [
        {"region": "APAC", "segment": "Enterprise", "n": 10, "promoters": 10, "detractors": 0},
        {"region": "EMEA", "segment": "SMB", "n": 1, "promoters": 1, "detractors": 0},
    ]
    scoped = value.cell_nps_sums(trend, Filters(scope=AccessScope(("EMEA",))), OCTOBER)
    assert scoped[["region", "segment"]].values.tolist() == [["EMEA", "SMB"]]


def test_segment_view_puts_nps_beside_revenue_growth():
    nps = pd.DataFrame({"region": ["EMEA"], "segment": ["SMB"], "n": [40], "promoters": [20], "detractors": [10]})
    sums = pd.DataFrame(
        {
            "region": ["EMEA", "EMEA", "APAC"],
            "segment": ["SMB", "SMB", "SMB"],
            "revenue_usd": [300.0, 100.0, 50.0],
            "grown_usd": [300.0, 50.0, 0.0],
            "prior_usd": [200.0, 50.0, 0.0],
        }
    )
    view = value.segment_view(nps, sums, min_n=30).set_index(["region", "segment"])
    emea = view.loc[("EMEA", "SMB")]
    assert emea["nps"] == pytest.approx(25.0) and emea["n"] == 40
    assert emea["revenue_usd"] == 400 and emea["revenue_growth_pct"] == pytest.approx(100 * (350 / 250 - 1))
    apac = view.loc[("APAC", "SMB")]
    assert apac["suppressed"] and pd.isna(apac["nps"]) and apac["n"] == 0


def test_sample_world_lead_lag_finds_the_planted_lag(committed, truth):
    # A customer's revenue growth into month t follows their latent NPS group of month t - 2. Across the region x
    # segment cells, NPS changes lead like-for-like revenue growth by exactly that lag, and no other lag beats noise.
    # Churn also follows the group two months back, but a month's churn is about 1% of customers: at this size its
    # changes are noise, and the page must not claim a link it cannot see.
    week = query.latest_period(committed, "week")
    lags = leadlag.view(committed, Filters(), value.window(week.end))
    revenue, churn = leadlag.findings(lags.table)
    assert revenue.lag_months == truth["spend_by_nps_group"]["lag_months"] == 2
    assert revenue.significant and revenue.correlation > 0.2 and revenue.periods >= 30 and revenue.cells >= 10
    table = lags.table[lags.table["outcome"] == "revenue_growth"]
    assert table.loc[table["significant"], "lag_months"].tolist() == [2]
    assert not churn.significant
    assert lags.left_out["revenue_growth"] == ["LATAM / Enterprise"]  # too few like-for-like customers some months
