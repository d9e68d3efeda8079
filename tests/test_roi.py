"""The CX ROI model against hand-computed projections on a three-group table."""

from __future__ import annotations

import pandas as pd
import pytest

from cxmetrics.reports.cx_financials import roi
from tests import metric_fixtures as fx


def test_moves_keep_the_number_of_customers():
    delta = roi.moved(fx.roi_groups()["customers"], fx.ROI_SCENARIO)
    # 25% of 40 detractors = 10 up to passives; 20% of 50 passives = 10 up to promoters.
    assert delta.to_dict() == {"promoter": 10.0, "passive": 0.0, "detractor": -10.0}
    assert delta.sum() == 0


def test_mid_projection_by_hand():
    mid = roi.project(fx.roi_groups(), fx.ROI_SCENARIO).query("bound == 'mid'").set_index("year")
    # Year 1: 10 x 1000 - 10 x 400 = 6000; year 2: 10 x 0.9 x 1000 - 10 x 0.7 x 400 = 6200.
    assert mid["revenue_usd"].tolist() == pytest.approx([6000, 6200])
    assert mid["cumulative_revenue_usd"].tolist() == pytest.approx([6000, 12200])
    # Margin year 1: 10 x 1000 x 50% - 10 x 400 x 25% = 4000. Retained at year end 1: 10 x 0.9 - 10 x 0.7 = 2.
    assert mid.loc[1, "gross_margin_usd"] == pytest.approx(4000)
    assert mid.loc[1, "retained_customers"] == pytest.approx(2.0)
    assert mid.loc[2, "retained_customers"] == pytest.approx(10 * 0.81 - 10 * 0.49)


def test_range_takes_the_least_and_most_favourable_interval_ends():
    frame = roi.project(fx.roi_groups(), fx.ROI_SCENARIO).set_index(["bound", "year"])
    # Low: promoters (gaining) at their worse end, detractors (losing) at their better end; high the reverse.
    assert frame.loc[("low", 1), "revenue_usd"] == pytest.approx(10 * 900 - 10 * 500)
    assert frame.loc[("high", 1), "revenue_usd"] == pytest.approx(10 * 1100 - 10 * 300)
    assert frame.loc[("low", 2), "revenue_usd"] == pytest.approx(10 * 0.88 * 900 - 10 * 0.75 * 500)
    assert frame.loc[("low", 1), "gross_margin_usd"] == pytest.approx(10 * 900 * 0.45 - 10 * 500 * 0.30)


def test_ranges_put_low_mid_and_high_side_by_side():
    wide = roi.ranges(roi.project(fx.roi_groups(), fx.ROI_SCENARIO))
    assert list(wide.index) == [1, 2]
    assert wide.loc[2, "cumulative_revenue_usd_mid"] == pytest.approx(12200)
    assert (wide["revenue_usd_low"] <= wide["revenue_usd_mid"]).all()
    assert (wide["revenue_usd_mid"] <= wide["revenue_usd_high"]).all()


def test_no_move_is_worth_nothing():
    frame = roi.project(fx.roi_groups(), roi.Scenario(0, 0, 3))
    assert frame["revenue_usd"].abs().max() == 0
    assert len(frame) == 3 * 3


def _strata(**segments: pd.DataFrame) -> pd.DataFrame:
    """Group tables stacked under their segment names, with a measured n."""
    table = pd.concat(segments, names=["segment", "nps_group"])
    return table.assign(measured_n=table["customers"])


def test_assumptions_keep_the_three_groups_of_each_stratum_in_order():
    values = _strata(SMB=fx.roi_groups().iloc[::-1], Enterprise=fx.roi_groups())
    values.loc[("SMB", "no response"), :] = 1.0
    table = roi.assumptions(values)
    assert table.index.tolist() == [(s, g) for s in ("SMB", "Enterprise") for g in ("promoter", "passive", "detractor")]
    assert "customers" in table and "measured_n" in table and "churn_pct_high" in table


def test_strata_add_up_and_a_stratum_with_a_withheld_behaviour_is_not_modelled():
    big = fx.roi_groups().assign(
        **{c: fx.roi_groups()[c] * 10 for c in ("revenue_per_customer_usd", "revenue_per_customer_usd_low")}
    )
    withheld = fx.roi_groups()
    withheld.loc["detractor", "churn_pct"] = float("nan")  # measured on too few customers
    table = roi.assumptions(_strata(A=fx.roi_groups(), B=big, C=withheld))
    assert roi.modelled(table) == ["A", "B"]
    mid = roi.project_strata(table, fx.ROI_SCENARIO).query("bound == 'mid'").set_index("year")
    # A: 10 x 1000 - 10 x 400 = 6000 in year 1; B: ten times that; C left out.
    assert mid.loc[1, "revenue_usd"] == pytest.approx(6000 + 60000)
    assert mid["cumulative_revenue_usd"].tolist() == pytest.approx([66000, 11 * 12200])
    assert roi.project_strata(table.loc[["C"]], fx.ROI_SCENARIO).empty


def _same_behaviour(customers: list[float], revenue: float) -> pd.DataFrame:
    """Three groups that churn and spend alike (no interval), with these customers."""
    frame = fx.roi_groups().assign(customers=customers)
    for behaviour, level in (("churn_pct", 10.0), ("revenue_per_customer_usd", revenue), ("gross_margin_pct", 50.0)):
        frame[[behaviour, f"{behaviour}_low", f"{behaviour}_high"]] = level
    return frame


def test_segment_mix_alone_is_worth_nothing_within_segments_but_looks_like_a_gain_pooled():
    # In each segment promoters, passives and detractors behave alike; promoters are mostly in the big segment.
    big, small = _same_behaviour([90.0, 10.0, 10.0], 1000.0), _same_behaviour([10.0, 90.0, 90.0], 100.0)
    within = roi.project_strata(roi.assumptions(_strata(Big=big, Small=small)), fx.ROI_SCENARIO)
    assert within["revenue_usd"].abs().max() == pytest.approx(0.0)
    # Pooled: promoters spend (90 x 1000 + 10 x 100) / 100 = 910, passives and detractors 190. Moving 25 detractors
    # to passives and 20 passives to promoters gains 20 x (910 - 190) = 14,400 in year 1.
    pooled = big.copy()
    pooled["customers"] = [100.0, 100.0, 100.0]
    pooled["revenue_per_customer_usd"] = [910.0, 190.0, 190.0]
    gain = roi.project(pooled, fx.ROI_SCENARIO).query("bound == 'mid' and year == 1")["revenue_usd"].iloc[0]
    assert gain == pytest.approx(14_400)


def test_the_sentence_states_the_scenario_and_its_range():
    wide = roi.ranges(roi.project(fx.roi_groups(), fx.ROI_SCENARIO))
    # Years 1-2: revenue 12,200, low 4,000 + 4,170, high 8,000 + (10 x 0.92 x 1,100 - 10 x 0.65 x 300) = 16,170;
    # margin 4,000 + (10 x 0.9 x 500 - 10 x 0.7 x 100) = 7,800.
    assert roi.sentence(fx.ROI_SCENARIO, wide) == (
        "Moving 25% of detractors to passives and 20% of passives to promoters is worth $12K of revenue over 2 years "
        "(range $8K to $16K), $8K of gross margin."
    )
