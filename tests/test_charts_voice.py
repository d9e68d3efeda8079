"""Voice of the Customer's table views and figures from small frames: words for gaps, dashes for withheld scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmetrics.display import style
from cxmetrics.reports.voice import analysis as voice
from cxmetrics.reports.voice import charts as charts_voice
from tests import metric_fixtures as fx


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": ["bill", "wait", voice.NO_THEME],
            "label": ["Billing", "Waiting", voice.NO_THEME_LABEL],
            "mentions": [40, 50, 3],
            "share_pct": [40.0, 50.0, 3.0],
            "share_change_pts": [2.5, -1.0, 0.0],
            "sentiment": [-0.25, 0.1, np.nan],
            "negative_pct": [30.0, 10.0, np.nan],
            "nps_with": [-20.0, np.nan, np.nan],
            "nps_n_with": [35, 20, 2],
            "nps_without": [30.0, 25.0, 20.0],
            "nps_n_without": [65, 80, 98],
            "nps_gap_pts": [-50.0, np.nan, np.nan],
            "gap_significant": [True, False, False],
            "withheld": [False, False, True],
            "all_comments": [100, 100, 100],
            "prior_all_comments": [90, 90, 90],
        }
    )


def test_theme_view_orders_formats_and_explains_withheld_scores():
    view = charts_voice.theme_view(_table(), 30)
    assert view["Theme"].tolist() == ["Waiting", "Billing", voice.NO_THEME_LABEL]  # most mentioned first, untagged last
    billing = view.set_index("Theme").loc["Billing"]
    assert billing["NPS gap"] == "-50 pts, significant"
    assert billing["Sentiment"] == "-0.25" and billing["Share of comments %"] == "40.0%"
    waiting = view.set_index("Theme").loc["Waiting"]
    assert waiting["NPS mentioning"] == "–" and waiting["NPS gap"] == "withheld: 20 NPS answers (< 30)"
    assert view["withheld"].tolist() == [True, False, True]
    assert view["comments_n"].tolist() == [100] * 3 and view["rest_n"].tolist() == [80, 65, 98]  # the hidden n


def test_theme_impact_colours_significant_gaps_and_leaves_out_withheld_themes():
    figure = charts_voice.theme_impact(_table())
    with_theme = fx.trace(figure, "Comments mentioning the theme")
    assert list(with_theme.y) == ["Billing"]
    assert list(with_theme.marker.color) == [style.BAD]


def test_pareto_greys_untagged_comments():
    frame = pd.DataFrame(
        {
            "theme": ["bill", voice.NO_THEME],
            "label": ["Billing", voice.NO_THEME_LABEL],
            "detractor_mentions": [3, 1],
            "pct_of_detractor_comments": [75.0, 25.0],
            "cumulative_pct": [75.0, 100.0],
        }
    )
    figure = charts_voice.pareto(frame)
    assert len(figure.data) == 2
    bars = fx.trace(figure, "Detractor comments mentioning it", type="bar")
    line = fx.trace(figure, "Cumulative share of mentions (top axis)")
    assert list(bars.marker.color) == [style.BAD, style.INSUFFICIENT]
    assert list(line.x) == [75.0, 100.0]


def test_posts_view_says_not_applicable_where_a_post_has_no_text():
    summary = pd.DataFrame(
        {
            "post": ["Survey comments", "Complaints"],
            "volume": [100, 5],
            "per_week": [25.0, 1.25],
            "share_pct": [95.2, 4.8],
            "change_pct": [10.0, -50.0],
            "sentiment": [0.3, np.nan],
            "negative_pct": [12.0, np.nan],
            "scored": [100, 0],
            "reach": [np.nan, np.nan],
        }
    )
    view = charts_voice.posts_view(summary).set_index("Listening post")
    assert view.loc["Complaints", "Sentiment"] == "n/a" and view.loc["Survey comments", "Sentiment n"] == 100
    assert view.loc["Survey comments", "Change vs prior %"] == "+10%"
    assert view.loc["Survey comments", "Volume"] == "100"
