"""The CX & Financials build on the small small_world: its figures are the analysis functions', and the editable
assumptions change only the part that depends on them (without touching the database again)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.periods import Period, parse_week
from cxmetrics.reports.cx_financials import leadlag, roi, value
from cxmetrics.reports.cx_financials import view as financials

OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))
EMEA = Filters(regions=("EMEA",))


@pytest.fixture(scope="module")
def built(small_world_db: Path) -> financials.FinancialsView:
    """The view built on a connection that is closed afterwards: whatever uses it later cannot query."""
    conn = duckdb.connect(str(small_world_db), read_only=True)
    view = financials.build(conn, Filters(), OCTOBER)
    conn.close()
    return view


@pytest.mark.parametrize(
    ("week", "month"),
    [
        ("2026-W46", OCTOBER),
        ("2026-W45", OCTOBER),
        ("2026-W44", OCTOBER),
        ("2026-W43", Period("month", date(2026, 9, 1), date(2026, 9, 30))),
    ],
)
def test_the_page_values_the_latest_month_closed_by_the_review_week(week, month):
    assert financials.month_of(parse_week(week)) == month


def test_the_cohort_figures_are_the_analysis_functions(small_world, built):
    sums, accounts = value.cohort_view(small_world, Filters(), OCTOBER)
    cohort = built.cohort
    pd.testing.assert_frame_equal(cohort.sums, sums)
    pd.testing.assert_frame_equal(cohort.accounts, accounts)
    pd.testing.assert_frame_equal(cohort.values, value.group_values(sums))
    assert cohort.premium_sentence == value.premium_sentence(value.promoter_premium(sums), "Nov 2025 to Oct 2026")
    assert list(cohort.values_table.index) == ["Promoters", "Passives", "Detractors", "No response"]
    assert len(cohort.accounts_shown) == min(len(accounts), financials.ACCOUNTS_SHOWN)
    assert cohort.accounts_csv == accounts.to_csv(index=False)
    assert cohort.accounts_file == "at_risk_accounts_2026_10.csv"
    assert cohort.scopes == (None, *sorted(sums["region"].unique()))


def test_the_segment_view_and_earned_growth_are_the_analysis_functions(small_world, built):
    cells = value.cell_nps_sums(small_world, Filters(), OCTOBER)
    pd.testing.assert_frame_equal(built.cohort.cells, withheld.frame(cells))  # a cell's sums under its minimum n
    pd.testing.assert_frame_equal(built.cohort.segments, value.segment_view(cells, built.cohort.sums))
    earned = value.earned_growth(small_world, Filters(), OCTOBER)
    shown = {t.label: t.value for t in built.earned.tiles}
    assert shown["Earned Growth Rate"] == f"{earned.egr_pct:+.1f}%"
    assert shown["Net revenue retention"] == f"{earned.nrr_pct:.1f}%"
    assert f"the {earned.referred_customers:,} customers acquired by referral" in built.earned.caption


def test_the_lead_lag_is_the_analysis_functions(small_world, built):
    lags = leadlag.view(small_world, Filters(), OCTOBER, tuple(leadlag.OUTCOMES))
    table = withheld.declare(lags.table, financials.LAG_RULE, exact=financials.LAG_EXACT)  # r under 30 pairs withheld
    assert table["correlation"].notna().any() and table["correlation"].isna().any()
    pd.testing.assert_frame_equal(built.lead_lag.lags.table, table)
    assert built.lead_lag.findings == tuple(leadlag.finding_sentence(f) for f in leadlag.findings(table))
    assert built.lead_lag.note == leadlag.method_note(lags.left_out)


def test_the_header_and_notes_describe_the_filters_and_the_months(small_world):
    view = financials.build(small_world, Filters(regions=("EMEA",), touchpoints=("billing",)), OCTOBER)
    assert "for region EMEA" in view.subtitle and "the 12 months Nov 2025 to Oct 2026" in view.subtitle
    assert view.filter_note == "The touchpoint filter does not apply to money figures: they show every touchpoint."
    assert view.missing_note is None


@pytest.mark.parametrize(("pct", "factor"), [(50.0, 1.0), (100.0, 2.0), (0.0, 0.0)])
def test_revenue_at_risk_follows_the_assumed_share_without_a_query(built, pct, factor):
    base = value.revenue_at_risk(built.cohort.sums, value.RiskAssumptions()).iloc[0]["at_risk_short_usd"]
    risk = financials.risk(built, value.RiskAssumptions(detractor_pct=pct), "segment")
    assert risk.tiles[0].value == value.money(base * factor)
    assert f"detractors {pct:g}%" in risk.caption
    assert risk.by_split.index.name == "segment"
    assert risk.by_split["at_risk_short_usd"].sum() == pytest.approx(base * factor)


def test_an_assumption_leaves_the_built_view_as_it_was(built):
    before = built.cohort.sums.copy()
    financials.risk(built, value.RiskAssumptions(100.0, 100.0, 100.0), "region")
    financials.roi_worth(financials.roi_inputs(built, None), roi.Scenario(100, 100, 1))
    pd.testing.assert_frame_equal(built.cohort.sums, before)


def test_the_roi_inputs_are_each_regions_group_values(built):
    inputs = financials.roi_inputs(built, "EMEA")
    emea = value.group_values(built.cohort.sums[built.cohort.sums["region"] == "EMEA"], min_n=0)
    assert list(inputs.index) == ["Promoters", "Passives", "Detractors"]
    assert inputs.loc["Detractors", "customers"] == emea.loc["detractor", "customers"]
    assert inputs.loc["Promoters", "churn_pct"] == round(emea.loc["promoter", "churn_pct"], 1)


def test_the_roi_worth_is_the_models_projection(built):
    inputs = financials.roi_inputs(built, None)
    scenario = roi.Scenario(20, 10, 3)
    worth = financials.roi_worth(inputs, scenario)
    expected = roi.ranges(roi.project(inputs.rename(index=value.GROUP_IDS), scenario))
    pd.testing.assert_frame_equal(worth.ranges, expected)
    assert worth.sentence == roi.sentence(scenario, expected)
    revenue, margin, kept = worth.tiles
    assert (revenue.label, margin.label, kept.label) == (
        "Revenue gained over 3 years",
        "Gross margin gained over 3 years",
        "Customers kept after 3 years",
    )
    last = expected.iloc[-1]
    assert revenue.value == value.money(last["cumulative_revenue_usd_mid"])
    assert revenue.note == (
        f"Range {value.money(last['cumulative_revenue_usd_low'])} to {value.money(last['cumulative_revenue_usd_high'])}"
    )


def test_edited_roi_inputs_move_the_worth(built):
    inputs = financials.roi_inputs(built, None)
    scenario = roi.Scenario(20, 10, 1)
    doubled = inputs.assign(**{c: inputs[c] * 2 for c in inputs.columns if c.startswith("revenue_per_customer_usd")})
    base = financials.roi_worth(inputs, scenario).ranges.iloc[-1]["cumulative_revenue_usd_mid"]
    assert financials.roi_worth(doubled, scenario).ranges.iloc[-1]["cumulative_revenue_usd_mid"] == pytest.approx(
        2 * base
    )
    still = financials.roi_worth(inputs, roi.Scenario(0, 0, 1))
    assert [t.value for t in still.tiles] == ["$0", "$0", "+0"]
    assert financials.roi_worth(inputs, roi.Scenario(20, 10, 1)).tiles[0].label == "Revenue gained over 1 year"


@pytest.mark.parametrize("split", ["none", "region", "segment"])
def test_the_monthly_series_of_each_split_is_the_analysis_functions(small_world, split):
    by = None if split == "none" else split
    monthly = financials.monthly(small_world, Filters(), split)
    assert monthly.by == by
    pd.testing.assert_frame_equal(monthly.series, leadlag.monthly_series(small_world, Filters(), by, True))
    dates = pd.to_datetime(monthly.events["event_date"]).dt.date
    assert dates.between(monthly.series["period_start"].min(), monthly.series["period_start"].max()).all()


def test_without_customer_revenue_the_money_sections_say_what_to_load(minimal_db: Path):
    conn = duckdb.connect(str(minimal_db), read_only=True)
    view = financials.build(conn, Filters(), OCTOBER)
    conn.close()
    assert not view.has_revenue and view.cohort is None
    assert "`customer_revenue`" in view.missing_note and "`financials`" in view.missing_note
    assert view.earned.tiles == () and view.earned.note == financials.NO_EARNED_REVENUE
