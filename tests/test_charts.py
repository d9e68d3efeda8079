"""The scorecard's figures and table style: what is drawn, in which colour, with which hover text."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from cxmetrics.display import figures, style
from cxmetrics.periods import parse_week
from cxmetrics.reports.scorecard import charts
from tests import metric_fixtures as fx


def _weekly(weeks: int = 6) -> pd.DataFrame:
    starts = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(weeks)]
    frame = pd.DataFrame(
        {
            "period_start": starts,
            "period_end": [s + timedelta(days=6) for s in starts],
            "period_label": [f"2026-W{41 + i}" for i in range(weeks)],
            "value": [30.0, 32.0, None, 35.0, 31.0, 29.0][:weeks],
            "low": [20.0] * weeks,
            "high": [40.0] * weeks,
            "n": [120] * weeks,
            "target": [33.0] * weeks,
            "rolling_13w": [31.0] * weeks,
            "rolling_13w_n": [1500] * weeks,
        }
    )
    frame.attrs["label"] = "Relationship NPS"
    return frame


def _monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": [date(2026, 9, 1), date(2026, 10, 1)],
            "period_end": [date(2026, 9, 30), date(2026, 10, 31)],
            "period_label": ["Sep 2026", "Oct 2026"],
            "revenue_usd": [50e6, 53e6],
            "latest": [False, True],
        }
    )


def _events() -> pd.DataFrame:
    return pd.DataFrame({"event_date": [date(2026, 10, 19)], "title": ["APAC field-service partner change"],
                         "region": ["APAC"]})  # fmt: skip


@pytest.fixture
def figure():
    return charts.nps_revenue_trend(_weekly(), _monthly(), _events(), parse_week("2026-W46"))


def test_nps_band_lines_and_target_sit_above_revenue_on_a_shared_time_axis(figure):
    names = [t.name for t in figure.data]
    assert names == [
        None,
        "95% interval",
        "Relationship NPS, weekly",
        "Rolling 13 weeks",
        "Target",
        "Revenue (monthly)",
    ]
    band = fx.trace(figure, "95% interval")
    assert band.fill == "tonexty" and band.fillcolor == style.BAND
    assert fx.trace(figure, "Target").line.dash == "dash"
    assert fx.trace(figure, "Revenue (monthly)").xaxis == "x2" and figure.layout.xaxis.matches == "x2"
    assert figure.layout.yaxis.title.text == "Relationship NPS (points, -100 to +100)"
    assert figure.layout.yaxis2.title.text == "Revenue (USD per month)"


def test_hover_shows_n_and_the_interval(figure):
    weekly = fx.trace(figure, "Relationship NPS, weekly")
    assert "95% interval" in weekly.hovertemplate and "n = %{customdata[1]:,} responses" in weekly.hovertemplate
    assert weekly.customdata[0].tolist() == ["2026-W41", 120, 20.0, 40.0]


def test_the_latest_closed_month_is_marked(figure):
    bars = fx.trace(figure, "Revenue (monthly)")
    assert list(bars.marker.color) == [style.SECONDARY, style.PRIMARY]
    assert any(a.text == "Latest closed month: Oct 2026" for a in figure.layout.annotations)


def test_events_are_vertical_lines_with_short_labels(figure):
    assert any(a.text == "APAC field-service partner change" for a in figure.layout.annotations)
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert len(lines) == 2  # one per panel
    assert str(lines[0].x0).startswith("2026-10-19")


def test_without_revenue_the_chart_is_nps_alone():
    figure = charts.nps_revenue_trend(_weekly(), pd.DataFrame(), _events().iloc[:0])
    assert fx.trace(figure, "Target").yaxis == "y"
    assert not fx.traces(figure, "Revenue (monthly)")
    assert "yaxis2" not in figure.layout.to_plotly_json()


def test_the_statement_style_colours_status_and_actual_and_marks_sections():
    statement = pd.DataFrame(
        {
            "Measure": ["Customer", "NPS", "CSAT"],
            "Actual": ["", "+39", "76.7%"],
            "Status": ["", "On target", "Watch"],
            "kind": ["section", "metric", "metric"],
            "status": ["", "on_target", "watch"],
        }
    )
    styles = charts.statement_style(statement)._compute().ctx
    assert ("font-weight", "700") in styles[(0, 0)]
    assert ("background-color", style.GOOD) in styles[(1, 2)]
    assert ("background-color", style.WATCH) in styles[(2, 2)]
    assert ("color", style.WATCH) in styles[(2, 1)]


@pytest.mark.parametrize(("status", "colour"), [("on_target", "green"), ("watch", "orange"), ("off_target", "red"),
                                                ("suppressed", "gray"), ("no_target", "gray")])  # fmt: skip
def test_badge_colours_follow_the_status(status, colour):
    assert figures.badge_colour(status) == colour
