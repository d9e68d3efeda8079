"""The Journey & Drivers page's build on the small world: the view shows the analysis functions' results for the
map, the cell asked for (or the default one), the drivers compared with the scope asked for, and service."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.reports.journey import map as journey
from cxmetrics.reports.journey import service
from cxmetrics.reports.journey import view as journey_view


@pytest.fixture(scope="module")
def conn(small_world_db: Path):
    """A read-only connection to the small world."""
    connection = duckdb.connect(str(small_world_db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def week(conn):
    """The last complete week of the small world."""
    return query.latest_period(conn, "week")


@pytest.fixture(scope="module")
def view(conn, week) -> journey_view.JourneyView:
    """The page's view as it opens: unfiltered, 4 weeks, NPS by region, the default cell and driver scope."""
    return journey_view.build(conn, Filters(), week)


def test_the_map_is_the_journey_map_of_the_period(conn, week, view) -> None:
    chosen = journey.map_period("week", week)
    assert view.period == chosen
    cells = journey.journey_map(conn, "nps", Filters(), chosen, "region")
    pd.testing.assert_frame_equal(view.cells, cells)
    assert view.red_summary == journey.red_summary(cells, "nps")
    assert view.caption.startswith(f"NPS by touchpoint in journey order, {chosen.label}, compared with")
    assert (view.targets_note, view.touchpoint_note, view.empty_warning) == (None, None, None)


def test_the_default_cell_is_detailed_with_its_numbers(conn, week, view) -> None:
    chosen = journey.map_period("week", week)
    row, touchpoint = journey.default_cell(view.cells)
    cell = view.cell
    assert (cell.row, cell.touchpoint) == (row, touchpoint)
    assert cell.rows == tuple(dict.fromkeys(view.cells["row"])) and cell.rows[0] == journey.ALL_ROW
    found = journey_detail.cell_detail(conn, "nps", Filters(), "region", row, touchpoint, chosen)
    pd.testing.assert_frame_equal(cell.trend, found.trend)
    pd.testing.assert_frame_equal(cell.complaints, found.complaints)
    assert [t.label for t in cell.tiles] == ["NPS", "Responses", "With a comment", "Complaints"]
    values = [t.value for t in cell.tiles[1:]]
    assert values == [f"{found.responses:,}", f"{found.comments:,}", f"{int(found.complaints['complaints'].sum()):,}"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (("EMEA", "billing"), ("EMEA", "billing")),
        (("EMEA", "no_such_touchpoint"), ("EMEA", None)),
        (("Mars", "billing"), (None, "billing")),
        ((None, None), (None, None)),
    ],
)
def test_the_cell_asked_for_is_detailed_where_the_map_has_it(conn, week, view, asked, expected) -> None:
    default = journey.default_cell(view.cells)
    shown = journey_view.build(conn, Filters(), week, cell=asked).cell
    wanted = tuple(e if e is not None else d for e, d in zip(expected, default, strict=True))
    assert (shown.row, shown.touchpoint) == wanted
    assert shown.trend_title.endswith(f", {wanted[0]}, by month")


def test_the_drivers_are_compared_with_the_first_region_by_default(conn, week, view) -> None:
    drivers = view.drivers
    regions = journey.row_values(conn, "region", Filters())
    assert drivers.scopes == ("Company", *(f"Region: {r}" for r in regions))
    expected = key_drivers.analyse_with_slice(conn, Filters(), view.period.current.end, "Company", "region", regions[0])
    assert [a.scope for a in drivers.analyses] == ["Company", regions[0]]
    for got, want in zip(drivers.analyses, expected, strict=True):
        np.testing.assert_equal((got.n, got.r_squared), (want.n, want.r_squared))
        np.testing.assert_allclose(got.table["weight"], want.table["weight"])
    assert drivers.shown == tuple(a for a in drivers.analyses if a.enough)
    assert len(drivers.warnings) == len(drivers.analyses) - len(drivers.shown)


@pytest.mark.parametrize(
    ("compare_with", "scopes"),
    [("Company", ["Company"]), ("Region: EMEA", ["Company", "EMEA"]), ("Segment: SMB", ["Company", "APAC"])],
)
def test_the_drivers_are_compared_with_the_scope_asked_for(conn, week, compare_with, scopes) -> None:
    drivers = journey_view.build(conn, Filters(), week, compare_with=compare_with).drivers
    assert [a.scope for a in drivers.analyses] == scopes


def test_the_priority_matrix_is_ready_for_both_performance_measures(view) -> None:
    lead = view.drivers.shown[-1]
    assert set(view.drivers.priority) == set(key_drivers.PERFORMANCE)
    for measure, priority in view.drivers.priority.items():
        matrix = key_drivers.priority(lead.table, measure)
        pd.testing.assert_frame_equal(priority.matrix, matrix)
        assert priority.label == key_drivers.PERFORMANCE[measure]
        assert priority.sentence == f"**{lead.scope}** · " + key_drivers.fix_first_sentence(matrix)
    pd.testing.assert_frame_equal(view.drivers.cross_check, key_drivers.cross_check(lead))


def test_service_is_the_report_of_the_map_period(conn, view) -> None:
    report = service.report(conn, Filters(), view.period.current)
    by_row = ["lens", "value"]
    pd.testing.assert_frame_equal(
        view.service.table.sort_values(by_row, ignore_index=True), report.table.sort_values(by_row, ignore_index=True)
    )
    assert view.service.caption == report.caption
    titles = [title for title, _ in view.service_tables]
    assert titles == ["**By contact channel**", "**By contact reason**"]
    shown, expected = view.service_tables[1][1], service.display(report.table, "reason")
    columns = list(expected.columns)
    pd.testing.assert_frame_equal(
        shown.sort_values(columns, ignore_index=True), expected.sort_values(columns, ignore_index=True)
    )


def test_one_filtered_region_leaves_nothing_to_compare_with(conn, week) -> None:
    view = journey_view.build(conn, Filters(regions=("APAC",)), week)
    assert view.drivers.scopes == ()
    assert [a.scope for a in view.drivers.analyses] == ["APAC"]
    assert view.cell.rows == ("APAC",)


def test_without_the_optional_tables_the_view_says_what_to_load(minimal_db: Path) -> None:
    conn = duckdb.connect(str(minimal_db), read_only=True)
    try:
        view = journey_view.build(conn, Filters(), query.latest_period(conn, "week"))
    finally:
        conn.close()
    assert view.targets_note == journey_view.TARGETS_NOTE
    assert (view.drivers, view.drivers_missing) == (None, journey_view.DRIVERS_NOTE)
    assert (view.service, view.service_tables, view.service_missing) == (None, (), journey_view.SERVICE_NOTE)
    assert view.cell is None and view.empty_warning.startswith("No NPS answers at any touchpoint in ")


def test_without_complaints_the_cell_says_what_to_load(small_world_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cx.duckdb"
    shutil.copy(small_world_db, copy)
    conn = duckdb.connect(str(copy))
    try:
        conn.execute("DELETE FROM complaints")
        cell = journey_view.build(conn, Filters(), query.latest_period(conn, "week")).cell
    finally:
        conn.close()
    assert (cell.complaints_missing, cell.no_complaints) == (journey_view.COMPLAINTS_NOTE, None)
    assert cell.tiles[3].value == journey_view.MISSING
