"""The Journey & Drivers page's query set for the scorecard benchmark (`bench_scorecard.py --sets journey`).

The set is what the page runs on opening, unfiltered, for the last complete week: the journey map (NPS by touchpoint
and region, the 4 weeks to the week against the 13 before), the detail of the APAC field-service cell (its monthly
trend, comments and complaints), the key drivers for the company and for the first region (Johnson's relative
weights with 200 bootstrap resamples of 500 groups, Shapley values), and service effectiveness. The naive equivalent
is in `naive_journey.py`; bootstrap intervals are timed but not compared (the naive way would draw other resamples).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.naive_journey import COLUMNS, DETAIL_CELL, naive_journey
from benchmarks.naive_scorecard import as_float
from cxmetrics.filters import Filters
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.reports.journey import map as journey
from cxmetrics.reports.journey import service
from cxmetrics.reports.journey.drivers import DriverAnalysis
from cxmetrics.reports.journey.service import ServiceReport

SERVICE_NUMBERS = ("contacts", "fcr_pct", "repeats", "handle_minutes", "cost_per_contact_usd", "csat_pct", "ces")
DRIVER_NUMBERS = ("weight", "shapley", "mean_rating", "top2_pct")


@dataclass(frozen=True)
class JourneyPage:
    """Everything the page computes on opening."""

    cells: object
    detail: journey_detail.CellDetail
    drivers: tuple[DriverAnalysis, ...]
    service: ServiceReport


def journey_queries(conn) -> JourneyPage:
    """The page's complete query set on opening (unfiltered, the last complete week, NPS by region)."""
    week = query.latest_period(conn, "week")
    chosen = journey.map_period("week", week)
    filters = Filters()
    catalog.loaded_tables(conn)
    cells = journey.journey_map(conn, "nps", filters, chosen, "region")
    detail = journey_detail.cell_detail(conn, "nps", filters, "region", *DETAIL_CELL, chosen)
    first_region = journey.row_values(conn, "region", filters)[0]
    analyses = key_drivers.analyse_with_slice(conn, filters, chosen.current.end, "Company", "region", first_region)
    return JourneyPage(cells, detail, analyses, service.report(conn, filters, chosen.current))


def _key(part: str, where: str, column: str) -> str:
    return f"{part}|journey|{where}|{column}"


def journey_numbers(conn, page: JourneyPage) -> dict[str, float]:
    """The page's numbers, flattened: map cells, the cell's trend and complaints, driver weights, service rows."""
    numbers = {}
    for row in page.cells.to_dict("records"):
        where = f"{row['row']}@{row['touchpoint']}"
        for column in ("value", "n", "compared_value", "compared_n"):
            numbers[_key("map", where, column)] = as_float(row[column])
    for row in page.detail.trend.to_dict("records"):
        numbers[_key("trend", row["period_label"], "value")] = as_float(row["value"])
        numbers[_key("trend", row["period_label"], "n")] = as_float(row["n"])
    for row in page.detail.complaints.to_dict("records"):
        numbers[_key("complaints", row["category"], "complaints")] = as_float(row["complaints"])
    for analysis in page.drivers:
        numbers[_key("drivers", analysis.scope, "n")] = float(analysis.n)
        numbers[_key("drivers", analysis.scope, "r_squared")] = analysis.r_squared
        for row in analysis.table.to_dict("records"):
            for column in DRIVER_NUMBERS:
                numbers[_key("drivers", f"{analysis.scope}@{row['attribute']}", column)] = as_float(row[column])
    for row in page.service.table.to_dict("records"):
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
