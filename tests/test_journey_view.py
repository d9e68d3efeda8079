"""The Journey & Drivers page's three builds on the small world: the view shows the analysis functions' results for
the map and service, the cell build details the cell asked for (or the default one) from the map's own scores, and the
drivers build compares with the scope asked for; neither of the two reruns the map or the other section."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cxmetrics.display import withheld
from cxmetrics.display.tiles import Tile, too_few
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.query import frames as query
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.reports.journey import map as journey
from cxmetrics.reports.journey import service
from cxmetrics.reports.journey import view as journey_view


@pytest.fixture(scope="module")
def view(small_world, small_world_week) -> journey_view.JourneyView:
    """The page's view as it opens: unfiltered, 4 weeks, NPS by region."""
    return journey_view.build(small_world, Filters(), small_world_week)


@pytest.fixture(scope="module")
def cell(small_world, view) -> journey_view.Cell:
    """The cell detail as the page opens: the default cell."""
    return journey_view.cell(small_world, Filters(), view.cell_picks, (None, None))


@pytest.fixture(scope="module")
def drivers(small_world, view) -> journey_view.Drivers:
    """The key drivers as the page opens: compared with the first region."""
    return journey_view.drivers(small_world, Filters(), view.driver_choices, None)


def _assert_same(got, want) -> None:
    """Two views are equal field by field (frames, arrays and NaN compared as values)."""
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    elif dataclasses.is_dataclass(want):
        assert type(got) is type(want)
        for field in dataclasses.fields(want):
            _assert_same(getattr(got, field.name), getattr(want, field.name))
    elif isinstance(want, dict):
        assert got.keys() == want.keys()
        for key in want:
            _assert_same(got[key], want[key])
    elif isinstance(want, tuple):
        assert len(got) == len(want)
        for one, other in zip(got, want, strict=True):
            _assert_same(one, other)
    else:
        np.testing.assert_equal(got, want)


def test_the_map_is_the_journey_map_of_the_period(small_world, small_world_week, view) -> None:
    chosen = journey.map_period("week", small_world_week, small_world_week.end)
    assert view.period == chosen
    cells = journey.journey_map(small_world, "transactional_nps", Filters(), chosen, "region")
    pd.testing.assert_frame_equal(view.cells, journey_view.map_cells(cells, "transactional_nps"))
    assert view.red_summary == journey.red_summary(cells, "transactional_nps")
    assert view.caption.startswith(f"Transactional NPS by touchpoint in journey order, {chosen.label}, compared with")
    assert (view.targets_note, view.touchpoint_note, view.empty_warning) == (None, None, None)


def test_the_cell_picks_are_the_maps_cells_with_their_scores(view) -> None:
    picks, cells = view.cell_picks, view.cells
    assert (picks.period, picks.metric_id, picks.dimension) == (view.period, "transactional_nps", "region")
    assert picks.rows == tuple(dict.fromkeys(cells["row"])) and picks.rows[0] == journey.ALL_ROW
    assert picks.touchpoints == tuple(dict.fromkeys(cells["touchpoint"]))
    assert picks.default == journey.default_cell(cells)
    scores = pd.DataFrame([dataclasses.asdict(s) for s in picks.scores])
    expected = cells[["row", "touchpoint", "value", "n", "suppressed", "reason"]]
    pd.testing.assert_frame_equal(scores, expected, check_dtype=False)
    hash(picks)  # a cache key: the cell build takes it as an argument


def test_the_default_cell_is_detailed_with_its_numbers(small_world, view, cell) -> None:
    row, touchpoint = journey.default_cell(view.cells)
    assert (cell.row, cell.touchpoint) == (row, touchpoint)
    assert cell.rows == view.cell_picks.rows and cell.touchpoints == view.cell_picks.touchpoints
    found = journey_detail.cell_detail(
        small_world, "transactional_nps", Filters(), "region", row, touchpoint, view.period
    )
    pd.testing.assert_frame_equal(cell.trend, withheld.frame(found.trend))
    pd.testing.assert_frame_equal(cell.complaints, found.complaints)
    assert [t.label for t in cell.tiles] == ["Transactional NPS", "Responses", "With a comment", "Complaints"]
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
def test_the_cell_asked_for_is_detailed_where_the_map_has_it(small_world, view, asked, expected) -> None:
    default = journey.default_cell(view.cells)
    shown = journey_view.cell(small_world, Filters(), view.cell_picks, asked)
    wanted = tuple(e if e is not None else d for e, d in zip(expected, default, strict=True))
    assert (shown.row, shown.touchpoint) == wanted
    assert shown.trend_title.endswith(f", {wanted[0]}, by month")


def _cell_as_one_build(conn, filters, week, grain, metric_id, dimension, asked) -> journey_view.Cell:
    """The cell detail as one build made it: picked on the whole map frame, its score tile from the frame's row."""
    chosen = journey.map_period(grain, week, query.data_extent(conn))
    cells = journey.journey_map(conn, metric_id, filters, chosen, dimension)
    first = journey.default_cell(cells)
    row = asked[0] if asked[0] in set(cells["row"]) else first[0]
    touchpoint = asked[1] if asked[1] in set(cells["touchpoint"]) else first[1]
    found = journey_detail.cell_detail(conn, metric_id, filters, dimension, row, touchpoint, chosen)
    score = cells[(cells["row"] == row) & (cells["touchpoint"] == touchpoint)].iloc[0]
    n, label = int(score["n"]), journey_view.METRIC_LABELS[metric_id]
    shown = too_few(n) if score["suppressed"] else get_metric(metric_id).format(score["value"])
    reason = f"{score['reason'].capitalize()}. n = {n:,} responses in {chosen.label}."
    tiles = (
        withheld.tile(Tile(metric_id, label, shown, reason, n=n, min_n=minimum_n(get_metric(metric_id)))),
        Tile(
            "responses",
            "Responses",
            f"{found.responses:,}",
            f"Survey responses in {chosen.label}, whichever scores they answered; the score counts those that "
            f"answered {label} (n = {n:,}).",
            min_n=0,
        ),
        Tile("comments", "With a comment", f"{found.comments:,}", "Responses with a free-text comment.", min_n=0),
        Tile(
            "complaints",
            "Complaints",
            f"{int(found.complaints['complaints'].sum()):,}",
            f"Complaints opened in {chosen.label} about the {touchpoint} process.",
            min_n=0,
        ),
    )
    place = touchpoint.replace("_", " ")
    none = f"No complaints about the {touchpoint} process in {chosen.label}." if found.complaints.empty else None
    return journey_view.Cell(
        row,
        touchpoint,
        tuple(dict.fromkeys(cells["row"])),
        tuple(dict.fromkeys(cells["touchpoint"])),
        tiles,
        withheld.frame(found.trend),
        found.events,
        found.window,
        f"{label} at {place}, {row}, by month",
        found.complaints,
        None,
        none,
    )


SAME_ARGUMENTS = [
    (Filters(), "week", "transactional_nps", "region", ("EMEA", "billing"), "Region: EMEA"),
    (Filters(), "month", "csat", "segment", ("SMB", "onboarding"), "Segment: SMB"),
    (Filters(), "quarter", "ces", "region", ("All", "no_such_touchpoint"), "Company"),
    (Filters(regions=("EMEA", "APAC")), "week", "transactional_nps", "region", ("APAC", "support"), None),
    (Filters(touchpoints=("billing",)), "ytd", "transactional_nps", "segment", (None, None), "Segment: Enterprise"),
]


@pytest.mark.parametrize(("filters", "grain", "metric_id", "dimension", "asked", "compare_with"), SAME_ARGUMENTS)
def test_a_cell_view_is_what_one_build_gave_for_the_same_arguments(
    small_world, small_world_week, filters, grain, metric_id, dimension, asked, compare_with
) -> None:
    picks = journey_view.build(small_world, filters, small_world_week, grain, metric_id, dimension).cell_picks
    expected = _cell_as_one_build(small_world, filters, small_world_week, grain, metric_id, dimension, asked)
    _assert_same(journey_view.cell(small_world, filters, picks, asked), expected)


@pytest.mark.parametrize(("filters", "grain", "metric_id", "dimension", "asked", "compare_with"), SAME_ARGUMENTS)
def test_a_drivers_view_is_what_one_build_gave_for_the_same_arguments(
    small_world, small_world_week, filters, grain, metric_id, dimension, asked, compare_with
) -> None:
    view = journey_view.build(small_world, filters, small_world_week, grain, metric_id, dimension)
    end = journey.map_period(grain, small_world_week, small_world_week.end).current.end
    company = key_drivers.scope_label(filters)
    values = journey.row_values(small_world, dimension, filters)
    scopes = (company, *(f"{journey_view.ROW_LABELS[dimension]}: {v}" for v in values))
    scope = compare_with if compare_with in scopes else scopes[journey_view.DEFAULT_SCOPE]
    value = None if scope == company else scope.split(": ", 1)[1]
    drivers = journey_view.drivers(small_world, filters, view.driver_choices, compare_with)
    assert drivers.scopes == scopes
    expected = key_drivers.analyse_with_slice(small_world, filters, end, company, dimension, value)
    _assert_same(drivers.analyses, expected)
    lead = [a for a in expected if a.enough][-1]
    pd.testing.assert_frame_equal(drivers.cross_check, key_drivers.cross_check(lead))
    assert drivers.sentences[-1].endswith(key_drivers.ranking_sentence(lead))


OTHER_SECTIONS = {
    "cell": [
        (journey, "journey_map"),
        (journey, "row_values"),
        (service, "report"),
        (key_drivers, "analyse_with_slice"),
    ],
    "drivers": [
        (journey, "journey_map"),
        (journey, "row_values"),
        (service, "report"),
        (journey_detail, "cell_detail"),
    ],
}


def _rerun(*args, **kwargs):
    raise AssertionError("a section that did not change was rebuilt")


@pytest.mark.parametrize("section", list(OTHER_SECTIONS))
def test_a_cell_or_a_scope_rebuilds_neither_the_map_nor_the_other_section(
    small_world, view, monkeypatch, section
) -> None:
    for module, name in OTHER_SECTIONS[section]:
        monkeypatch.setattr(module, name, _rerun)
    if section == "cell":
        assert journey_view.cell(small_world, Filters(), view.cell_picks, ("EMEA", "billing")).row == "EMEA"
    else:
        assert (
            journey_view.drivers(small_world, Filters(), view.driver_choices, "Region: EMEA").analyses[1].scope
            == "EMEA"
        )


def test_the_drivers_are_compared_with_the_first_region_by_default(small_world, view, drivers) -> None:
    regions = journey.row_values(small_world, "region", Filters())
    assert drivers.scopes == ("Company", *(f"Region: {r}" for r in regions))
    expected = key_drivers.analyse_with_slice(
        small_world, Filters(), view.period.current.end, "Company", "region", regions[0]
    )
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
def test_the_drivers_are_compared_with_the_scope_asked_for(small_world, view, compare_with, scopes) -> None:
    drivers = journey_view.drivers(small_world, Filters(), view.driver_choices, compare_with)
    assert [a.scope for a in drivers.analyses] == scopes


def test_the_priority_matrix_is_ready_for_both_performance_measures(drivers) -> None:
    lead = drivers.shown[-1]
    assert set(drivers.priority) == set(key_drivers.PERFORMANCE)
    for measure, priority in drivers.priority.items():
        matrix = key_drivers.priority(lead.table, measure)
        pd.testing.assert_frame_equal(priority.matrix, matrix)
        assert priority.label == key_drivers.PERFORMANCE[measure]
        assert priority.sentence == f"**{lead.scope}** · " + key_drivers.fix_first_sentence(matrix)
    pd.testing.assert_frame_equal(drivers.cross_check, key_drivers.cross_check(lead))


def test_service_is_the_report_of_the_map_period(small_world, view) -> None:
    report = service.report(small_world, Filters(), view.period.current)
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


def test_one_filtered_region_leaves_nothing_to_compare_with(small_world, small_world_week) -> None:
    filters = Filters(regions=("APAC",))
    view = journey_view.build(small_world, filters, small_world_week)
    assert view.driver_choices.scopes == ()
    drivers = journey_view.drivers(small_world, filters, view.driver_choices, "Region: EMEA")
    assert drivers.scopes == () and [a.scope for a in drivers.analyses] == ["APAC"]
    assert view.cell_picks.rows == ("APAC",)
    assert journey_view.cell(small_world, filters, view.cell_picks, ("EMEA", None)).rows == ("APAC",)


def test_without_the_optional_tables_the_view_says_what_to_load(minimal_db: Path) -> None:
    conn = duckdb.connect(str(minimal_db), read_only=True)
    try:
        view = journey_view.build(conn, Filters(), query.latest_period(conn, "week"))
    finally:
        conn.close()
    assert view.targets_note == journey_view.TARGETS_NOTE
    assert (view.driver_choices, view.drivers_missing) == (None, journey_view.DRIVERS_NOTE)
    assert (view.service, view.service_tables, view.service_missing) == (None, (), journey_view.SERVICE_NOTE)
    assert view.cell_picks is None and view.empty_warning.startswith(
        "No Transactional NPS answers at any touchpoint in "
    )


def test_without_complaints_the_cell_says_what_to_load(small_world_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cx.duckdb"
    shutil.copy(small_world_db, copy)
    conn = duckdb.connect(str(copy))
    try:
        conn.execute("DELETE FROM complaints")
        view = journey_view.build(conn, Filters(), query.latest_period(conn, "week"))
        cell = journey_view.cell(conn, Filters(), view.cell_picks, (None, None))
    finally:
        conn.close()
    assert (cell.complaints_missing, cell.no_complaints) == (journey_view.COMPLAINTS_NOTE, None)
    assert cell.tiles[3].value == journey_view.MISSING
