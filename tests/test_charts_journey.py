"""Journey page figures: one coloured tile per map cell with score and n, withheld scores say so, quadrants named."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmetrics.display import style
from cxmetrics.reports.journey import charts as charts_journey
from tests import metric_fixtures as fx


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": ["All", "All", "EMEA", "EMEA"],
            "touchpoint": ["support", "billing", "support", "billing"],
            "value": [30.0, -30.0, 50.0, np.nan],
            "low": [10.0, -50.0, 30.0, np.nan],
            "high": [50.0, -10.0, 70.0, np.nan],
            "n": [80, 50, 40, 12],
            "suppressed": [False, False, False, True],
            "target": [35.0, 35.0, 30.0, 30.0],
            "compared_value": [30.0, 75.0, 50.0, np.nan],
            "compared_n": [80, 40, 40, np.nan],
            "significant": [False, True, False, False],
            "status": ["watch", "off_target", "on_target", "suppressed"],
            "reason": ["below target within the noise", "falling significantly", "on target", "too few responses"],
        }
    )


def test_the_map_has_a_tile_per_cell_in_its_status_colour_with_score_and_n() -> None:
    figure = charts_journey.journey_map(_cells(), "nps", "the 13 weeks before")
    assert [s.fillcolor for s in figure.layout.shapes] == [
        style.WATCH, style.BAD, style.GOOD, style.INSUFFICIENT
    ]  # fmt: skip
    cells = fx.trace(figure, mode="markers+text")  # the one unnamed trace: the cells' text and hover
    assert list(cells.text) == ["<b>+30</b><br>n=80", "<b>-30</b><br>n=50", "<b>+50</b><br>n=40", "n=12<br>too few"]
    assert list(cells.customdata[1]) == ["All", "billing"]  # what a click on the cell reports
    assert "the 13 weeks before: +75 (n = 40); change significant" in cells.hovertext[1]
    assert list(figure.layout.xaxis.ticktext) == ["Support", "Billing"]
    legend = [t.name for t in fx.traces(figure, mode="markers")]
    assert legend == ["On target", "Watch: below target within the noise",
                      "Red: significantly below target or falling significantly", "Too few responses"]  # fmt: skip


def test_the_priority_matrix_names_its_quadrants() -> None:
    matrix = pd.DataFrame(
        {
            "attribute": ["billing_accuracy", "support_quality"],
            "share_pct": [60.0, 40.0],
            "performance": [3.0, 4.0],
            "quadrant": ["Fix first", "Possible overkill"],
        }
    )
    figure = charts_journey.priority_matrix(matrix, "Mean rating (1-5)")
    assert {a.text for a in figure.layout.annotations} >= {"<b>Fix first</b>", "<b>Keep up</b>"}
    attributes = fx.trace(figure, mode="markers+text")
    assert list(attributes.text) == ["Billing accuracy", "Support quality"]
    assert attributes.marker.color == (style.BAD, style.WATCH)


def test_the_priority_matrix_crosshairs_are_at_the_median_importance_and_performance() -> None:
    matrix = pd.DataFrame(
        {
            "attribute": ["a", "b", "c", "d", "e"],
            "share_pct": [55.0, 19.0, 12.0, 8.0, 6.0],  # mean 20, median 12
            "performance": [4.1, 2.6, 3.9, 3.7, 4.0],  # mean 3.66, median 3.9
            "quadrant": ["Keep up", "Fix first", "Keep up", "Low priority", "Possible overkill"],
        }
    )
    lines = charts_journey.priority_matrix(matrix, "Mean rating (1-5)").layout.shapes
    assert [(line.x0, line.y0) for line in lines if line.x0 == line.x1] == [(12.0, 0)]
    assert [line.y0 for line in lines if line.y0 == line.y1] == [3.9]
