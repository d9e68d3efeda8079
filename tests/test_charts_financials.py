"""The CX & Financials figures: what each draws from its frame."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cxmetrics.display import style
from cxmetrics.reports.cx_financials import charts, roi
from cxmetrics.reports.cx_financials.value import premium as promoter_value
from cxmetrics.stats import panel_lag
from tests import metric_fixtures as fx


def _series(by: str | None = None) -> pd.DataFrame:
    rows = []
    for value in ["EMEA", "APAC"] if by else [None]:
        for month, nps in ((date(2026, 9, 1), 30.0), (date(2026, 10, 1), 20.0)):
            row = {"period_start": month, "nps": nps, "nps_n": 40, "csat_pct": 80.0, "csat_pct_n": 50}
            row |= {"revenue_usd": 100.0, "gross_margin_pct": 40.0, "churned_customers": 3.0}
            rows.append(row | ({by: value} if by else {}))
    return pd.DataFrame(rows)


def _panel_title(figure, trace) -> str:
    """The title of the y axis a trace is drawn on: which panel it is."""
    return figure.layout[trace.yaxis.replace("y", "yaxis", 1)].title.text


EVENTS = pd.DataFrame({"event_date": [date(2026, 9, 15)], "title": ["Billing migration"], "region": [""]})


def test_side_by_side_has_a_panel_per_series_and_marks_events():
    figure = charts.side_by_side(_series(), EVENTS)
    assert len(figure.data) == 5
    panels = [fx.trace(figure, "All", row=row) for row in range(1, 6)]
    assert [(_panel_title(figure, t), t.y[0]) for t in panels] == [
        ("Relationship NPS (points)", 30.0), ("CSAT (% 4-5)", 80.0), ("Revenue (USD)", 100.0),
        ("Gross margin (%)", 40.0), ("Churned customers", 3.0),
    ]  # fmt: skip
    assert "n = " in panels[0].hovertemplate
    assert figure.layout.annotations[0].text == "Billing migration"


def test_side_by_side_draws_a_line_per_region_and_drops_missing_panels():
    series = _series("region").assign(revenue_usd=float("nan"))
    figure = charts.side_by_side(series, EVENTS.iloc[:0], by="region")
    assert len(figure.data) == 2 * 4  # revenue has no values: four panels per region
    assert {t.name for t in figure.data} == {"APAC", "EMEA"}
    assert [_panel_title(figure, t) for t in fx.traces(figure, "EMEA")] == [
        "Relationship NPS (points)", "CSAT (% 4-5)", "Gross margin (%)", "Churned customers"
    ]  # fmt: skip


def test_lead_lag_greys_lags_within_noise_and_hatches_short_ones():
    series = np.array([[1.0, 3, 2, 5, 4, 6, 8]])
    frame = panel_lag.lagged_panel(series, series, max_lag=2, draws=50)
    figure = charts.lead_lag(frame.assign(outcome="revenue_growth"), {"revenue_growth": "Revenue growth"})
    bars = fx.trace(figure, type="bar")
    assert list(bars.marker.pattern.shape) == ["/", "/", "/"]  # 6 changes: too short to trust
    assert bars.marker.color[0] == charts.style.INSUFFICIENT
    band = sorted(line.y[0] for line in fx.traces(figure, type="scatter", mode="lines"))  # the noise band
    assert band == pytest.approx([-frame["threshold"].iloc[0], frame["threshold"].iloc[0]])
    assert figure.layout.yaxis.range == (-1.0, 1.0)  # r = 1 at lag 0 stretches the axis to its limit


def test_lead_lag_draws_only_the_outcomes_computed():
    table = pd.DataFrame(
        {"lag_months": [0, 1], "correlation": [0.2, -0.1], "periods": [20, 19], "cells": 12, "threshold": 0.3,
         "p_family": [0.4, 0.9], "significant": False, "trusted": True, "outcome": "churn_change"}
    )  # fmt: skip
    figure = charts.lead_lag(table, {"revenue_growth": "Revenue", "churn_change": "Churn"})
    assert [a.text for a in figure.layout.annotations] == ["Churn"]
    assert figure.layout.yaxis.range == (-0.5, 0.5)


def test_roi_range_shows_the_estimate_with_its_range():
    ranges = roi.ranges(roi.project(fx.roi_groups(), fx.ROI_SCENARIO))
    figure = charts.roi_range(ranges)
    revenue = fx.trace(figure, "Revenue")
    assert list(revenue.x) == ["Year 1", "Years 1-2"]
    assert revenue.y[1] == 12200
    assert revenue.error_y.array[0] == ranges.loc[1, "cumulative_revenue_usd_high"] - 6000


def test_segment_bubbles_leave_out_withheld_cells():
    view = pd.DataFrame(
        {
            "region": ["EMEA", "EMEA"],
            "segment": ["SMB", "Enterprise"],
            "n": [50, 5],
            "nps": [30.0, float("nan")],
            "nps_low": [20.0, float("nan")],
            "nps_high": [40.0, float("nan")],
            "suppressed": [False, True],
            "revenue_usd": [1000.0, 500.0],
            "revenue_growth_pct": [5.0, 1.0],
        }
    )
    figure = charts.segment_bubbles(view)
    assert len(figure.data) == 1 and list(fx.trace(figure, "EMEA").text) == ["SMB"]


def test_the_premium_chart_draws_each_segment_compared_the_headline_and_the_pooled_context():
    premium = promoter_value(*fx.mix_sums(), min_n=2)
    bar = fx.trace(charts.premium_by_segment(premium), type="bar")
    # Mid is withheld (one detractor); the headline weights Enterprise and SMB; the pooled gap is greyed.
    assert list(bar.y) == ["Enterprise", "SMB", charts.WITHIN_SEGMENTS, charts.POOLED]
    assert list(bar.x) == pytest.approx([10.0, 10.0, 10.0, 175.0])
    assert bar.marker.color[-1] == style.INSUFFICIENT
    assert bar.error_x.array[2] == pytest.approx(premium.adjusted.high_usd - 10.0)
    nothing = charts.premium_by_segment(promoter_value(*fx.mix_sums(), min_n=6))
    assert not [t for t in nothing.data if t.type == "bar"]
