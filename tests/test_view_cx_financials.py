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
from cxmetrics.metrics.registry import minimum_n
from cxmetrics.periods import Period
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


def test_the_cohort_figures_are_the_analysis_functions(small_world, built):
    frames = value.cohort_view(small_world, Filters(), OCTOBER)
    sums, accounts = frames.cohort, frames.accounts
    cohort = built.cohort
    pd.testing.assert_frame_equal(cohort.sums, sums)
    pd.testing.assert_frame_equal(cohort.current, frames.current)
    pd.testing.assert_frame_equal(cohort.accounts, accounts)
    pd.testing.assert_frame_equal(cohort.values, value.group_values(sums))
    premium = value.premium(sums, frames.current)
    pd.testing.assert_frame_equal(cohort.premium.strata, premium.strata)
    assert cohort.premium_sentence == value.premium_sentence(premium, "Nov 2025 to Oct 2026")
    assert cohort.crude_sentence == value.crude_sentence(premium)
    assert "premium_se_usd" not in cohort.strata_table and list(cohort.strata_table.index) == list(premium.strata.index)
    assert list(cohort.values_table.index) == ["Promoters", "Passives", "Detractors", "No response"]
    assert len(cohort.accounts_shown) == min(len(accounts), financials.ACCOUNTS_SHOWN)
    assert cohort.accounts_csv == accounts.to_csv(index=False)
    assert cohort.accounts_file == "at_risk_accounts_2026_10.csv"
    assert "active at the end of Oct 2026" in cohort.accounts_title
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
    base = value.revenue_at_risk(built.cohort.current, value.RiskAssumptions()).iloc[0]["at_risk_short_usd"]
    risk = financials.risk(built, value.RiskAssumptions(detractor_pct=pct), "segment")
    assert risk.tiles[0].value == value.money(base * factor)
    assert f"detractors {pct:g}%" in risk.caption
    assert "Customers active at the end of Oct 2026, grouped by their latest relationship answer in Nov 2025" in (
        risk.caption
    )
    assert risk.by_split.index.name == "segment"
    assert risk.by_split["at_risk_short_usd"].sum() == pytest.approx(base * factor)


def test_an_assumption_leaves_the_built_view_as_it_was(built):
    before = built.cohort.sums.copy()
    financials.risk(built, value.RiskAssumptions(100.0, 100.0, 100.0), "region")
    financials.roi_worth(financials.roi_inputs(built, None), roi.Scenario(100, 100, 1))
    pd.testing.assert_frame_equal(built.cohort.sums, before)


def _nested(inputs: pd.DataFrame) -> pd.DataFrame:
    """The ROI inputs indexed by (segment, group) again."""
    keys = [label.rsplit(financials.ROW_SEPARATOR, 1) for label in inputs.index]
    return inputs.set_axis(pd.MultiIndex.from_tuples([(s, value.GROUP_IDS[g]) for s, g in keys]))


def test_the_roi_inputs_are_each_segments_values_under_the_minimum_n(built):
    inputs = financials.roi_inputs(built, "EMEA")
    sums, current = (frame[frame["region"] == "EMEA"] for frame in (built.cohort.sums, built.cohort.current))
    expected = roi.assumptions(value.stratum_values(sums, current))
    segments = sorted(sums["segment"].unique())
    assert list(inputs.index) == [f"{s} · {g}" for s in segments for g in ("Promoters", "Passives", "Detractors")]
    pd.testing.assert_frame_equal(_nested(inputs), expected.round(1), check_names=False)
    # Every group measured on fewer customers than the minimum n shows no behaviour (3 detractors cannot feed it).
    small = inputs["measured_n"] < minimum_n()
    assert inputs.loc[small, "churn_pct"].isna().all() and inputs.loc[~small, "churn_pct"].notna().all()


def test_the_roi_worth_is_the_models_projection_within_segments(built):
    inputs = financials.roi_inputs(built, None)
    scenario = roi.Scenario(20, 10, 3)
    worth = financials.roi_worth(inputs, scenario)
    nested = _nested(inputs)
    assert roi.modelled(nested), "the small world has a segment with enough customers in every group"
    expected = roi.ranges(roi.project_strata(nested, scenario))
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
    left_out = set(nested.index.get_level_values(0)) - set(roi.modelled(nested))
    assert (worth.withheld is None) == (not left_out)
    assert all(s in worth.withheld for s in left_out)


def test_a_withheld_segment_is_modelled_once_its_behaviour_is_typed_in(built):
    inputs = financials.roi_inputs(built, None)
    scenario = roi.Scenario(20, 10, 1)
    complete = inputs.fillna({c: 1.0 for c in inputs.columns})
    typed = financials.roi_worth(complete, scenario)
    assert typed.withheld is None
    nothing = financials.roi_worth(inputs.assign(churn_pct=float("nan")), scenario)
    assert nothing.tiles == () and nothing.ranges.empty and "Not modelled" in nothing.withheld


def test_the_pooled_roi_is_context_labelled_as_such(built):
    scenario = roi.Scenario(20, 10, 3)
    crude = financials.roi_crude(built, None, scenario)
    # The small world's groups pooled have enough customers each (its segments do not all): the pooled figure is
    # the projection of the groups with the segment dropped, shown as context.
    pooled = roi.assumptions(
        value.stratum_values(built.cohort.sums.assign(segment=""), built.cohort.current.assign(segment=""))
    )
    claimed = roi.ranges(roi.project_strata(pooled, scenario)).iloc[-1]["cumulative_revenue_usd_mid"]
    assert crude == (
        "For context only: with promoters, passives and detractors pooled across segments the same scenario would "
        f"claim {value.money(claimed)} of revenue over 3 years, crediting NPS with the segments' mix."
    )
    assert financials.roi_crude(built, None, roi.Scenario(0, 0, 3)).startswith("For context only")


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
