"""The Journey & Drivers page's query set for the scorecard benchmark (`bench_scorecard.py --sets journey`).

The set is the page's three builds on opening, unfiltered, for the last complete week, timed together:
`journey_view.build` (the journey map, transactional NPS by touchpoint and region, the 4 weeks to the week against
the 13 before, and service effectiveness), `journey_view.cell` (the detail of the APAC field-service cell: its
monthly trend, comments and complaints) and `journey_view.drivers` (the key drivers for the company and for the
first region: Johnson's relative weights with 2,000 bootstrap resamples of 500 groups, Shapley values). The naive
equivalent is in `naive_journey.py`; bootstrap intervals are timed but not compared (the naive way would draw other
resamples).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.naive_journey import COLUMNS, DETAIL_CELL, naive_journey
from benchmarks.naive_scorecard import as_float
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.journey import view as journey_view

SERVICE_NUMBERS = ("contacts", "fcr_pct", "repeats", "handle_minutes", "cost_per_contact_usd", "csat_pct", "ces")
DRIVER_NUMBERS = ("weight", "shapley", "mean_rating", "top2_pct")


@dataclass(frozen=True)
class JourneyResults:
    """What the page builds as it opens: its view (map and service), the cell detail and the key drivers."""

    view: journey_view.JourneyView
    cell: journey_view.Cell
    drivers: journey_view.Drivers


def journey_queries(conn) -> JourneyResults:
    """The page's three builds on opening (unfiltered, the last complete week, transactional NPS by region), with the
    APAC field-service cell open and the drivers compared with the first region (the page's default)."""
    view = journey_view.build(conn, Filters(), query.latest_period(conn, "week"), "week", "transactional_nps", "region")
    cell = journey_view.cell(conn, Filters(), view.cell_picks, DETAIL_CELL)
    return JourneyResults(view, cell, journey_view.drivers(conn, Filters(), view.driver_choices, None))


def _key(part: str, where: str, column: str) -> str:
    return f"{part}|journey|{where}|{column}"


def journey_numbers(conn, results: JourneyResults) -> dict[str, float]:
    """The page's numbers, flattened: map cells, the cell's trend and complaints, driver weights, service rows."""
    view, cell = results.view, results.cell
    numbers = {}
    for row in view.cells.to_dict("records"):
        where = f"{row['row']}@{row['touchpoint']}"
        for column in ("value", "n", "compared_value", "compared_n"):
            numbers[_key("map", where, column)] = as_float(row[column])
    for row in cell.trend.to_dict("records"):
        numbers[_key("trend", row["period_label"], "value")] = as_float(row["value"])
        numbers[_key("trend", row["period_label"], "n")] = as_float(row["n"])
    for row in cell.complaints.to_dict("records"):
        numbers[_key("complaints", row["category"], "complaints")] = as_float(row["complaints"])
    for analysis in results.drivers.analyses:
        numbers[_key("drivers", analysis.scope, "n")] = float(analysis.n)
        numbers[_key("drivers", analysis.scope, "r_squared")] = analysis.r_squared
        for row in analysis.table.to_dict("records"):
            for column in DRIVER_NUMBERS:
                numbers[_key("drivers", f"{analysis.scope}@{row['attribute']}", column)] = as_float(row[column])
    for row in view.service.table.to_dict("records"):
        for column in SERVICE_NUMBERS:
            numbers[_key("service", f"{row['lens']}={row['value']}", column)] = as_float(row[column])
    return numbers


REQUIRED = (
    _key("map", "*", "value"),
    _key("trend", "*", "value"),
    _key("drivers", "Company@*", "weight"),
    _key("service", "*", "fcr_pct"),
    _key("service", "*", "csat_pct"),
)
JOURNEY = (journey_queries, journey_numbers, naive_journey, REQUIRED, COLUMNS)
