"""The access scope is applied by the query layer to every report: a viewer whose scope is one region sees exactly the
figures a viewer of every region sees with that region chosen in the filter."""

from __future__ import annotations

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.complaints import view as complaints
from cxmetrics.reports.cx_financials import view as financials
from cxmetrics.reports.journey import view as journey
from cxmetrics.reports.loyalty import view as loyalty
from cxmetrics.reports.people import view as people
from cxmetrics.reports.scorecard import view as scorecard
from cxmetrics.reports.voice import view as voice

REGION = "EMEA"
FILTERED = Filters(regions=(REGION,))
SCOPED = Filters(scope=AccessScope((REGION,)))


def _tile_values(tiles) -> list[tuple[str, str, str | None]]:
    return [(t.label, t.value, t.delta) for t in tiles]


FIGURES = {
    "scorecard": lambda conn, f, week: (
        _tile_values(t for row in scorecard.build(conn, f, week).headline for t in row),
        scorecard.build(conn, f, week).statement[["Measure", "Actual", "Prior", "Change"]],
    ),
    "loyalty": lambda conn, f, week: _tile_values(loyalty.build(conn, f, week.end).tiles),
    "complaints": lambda conn, f, week: _tile_values(
        complaints.build(conn, f, query.review_period(conn, "month", week)).complaint_tiles
    ),
    "people": lambda conn, f, week: people.build(conn, f, week).frame,
    "voice": lambda conn, f, week: voice.build(conn, f, week, 13).themes.table,
    "journey": lambda conn, f, week: journey.build(conn, f, week).cells[["touchpoint", "value", "n"]],
    "cx_financials": lambda conn, f, week: (
        financials.build(conn, f, query.review_period(conn, "month", week)).cohort.cells
    ),
}


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False)
    elif isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("report", sorted(FIGURES))
def test_a_one_region_scope_shows_what_the_region_filter_shows(small_world, small_world_week, report):
    figures = FIGURES[report]
    _same(figures(small_world, SCOPED, small_world_week), figures(small_world, FILTERED, small_world_week))


@pytest.mark.parametrize("report", sorted(FIGURES))
def test_a_one_region_scope_does_not_show_the_whole_company(small_world, small_world_week, report):
    figures = FIGURES[report]
    with pytest.raises(AssertionError):
        _same(figures(small_world, SCOPED, small_world_week), figures(small_world, Filters(), small_world_week))
