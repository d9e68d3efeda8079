"""The Journey & Drivers page's complete query set, in three cached builds so that each control re-runs only its own
section: `build` (the journey map and service effectiveness, with what the cell detail and the key drivers need of
them), `cell` (the detail of the cell asked for) and `drivers` (key drivers compared with the scope asked for, with
the priority matrix)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.display.tiles import Tile, too_few
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import sum_columns
from cxmetrics.query.catalog import USED_BY
from cxmetrics.reports.journey import charts, service
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.reports.journey import map as journey
from cxmetrics.reports.journey.drivers import DriverAnalysis
from cxmetrics.stats.importance import BOOTSTRAP_RESAMPLES, MAX_SHAPLEY_DRIVERS

GRAINS: tuple[str, ...] = journey.GRAINS
MAP_METRICS: tuple[str, ...] = journey.MAP_METRICS
ROW_DIMENSIONS: tuple[str, ...] = journey.ROW_DIMENSIONS
GRAIN_LABELS = {"week": "4 weeks", "month": "Month", "quarter": "Quarter", "ytd": "Year to date"}
METRIC_LABELS = {m: get_metric(m).label for m in journey.MAP_METRICS}
ROW_LABELS = {"region": "Region", "segment": "Segment"}
PERFORMANCE: dict[str, str] = key_drivers.PERFORMANCE
DEFAULT_SCOPE = 1  # "Compare with" opens on the first region or segment, not on the company
SERVICE_LENSES = (("channel", "**By contact channel**"), ("reason", "**By contact reason**"))
MISSING = "—"
TARGETS_NOTE = "Load `targets` to judge cells against targets: without it, only significant falls turn a cell red."
DRIVERS_NOTE = (
    f"Load `response_attributes` (attribute ratings of relationship surveys) for {USED_BY['response_attributes']}."
)
SERVICE_NOTE = f"Load `contacts` (contact-centre contacts) for {USED_BY['contacts']}."
COMPLAINTS_NOTE = f"Load `complaints` to see the complaints behind a cell ({USED_BY['complaints']})."


@dataclass(frozen=True)
class CellScore:
    """One map cell as its detail shows it: its score (withheld when suppressed), its n and why it has its colour."""

    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration((withheld.Rule("n", ("value",)),))

    row: str
    touchpoint: str
    value: float
    n: int
    suppressed: bool
    reason: str


@dataclass(frozen=True)
class CellPicks:
    """What the cell detail needs of the map: its period, score and rows, the rows and touchpoints one can pick (in
    map order), the cell that opens first, and each cell's score. Small and hashable, so the detail is a build of its
    own that never reruns the map's queries."""

    period: journey.MapPeriod
    metric_id: str
    dimension: str
    rows: tuple[str, ...]
    touchpoints: tuple[str, ...]
    default: tuple[str, str]
    scores: tuple[CellScore, ...]

    def pick(self, row: str | None, touchpoint: str | None) -> CellScore:
        """The cell asked for where the map has its row and touchpoint, else the default cell's row or touchpoint."""
        row = row if row in self.rows else self.default[0]
        touchpoint = touchpoint if touchpoint in self.touchpoints else self.default[1]
        return next(s for s in self.scores if (s.row, s.touchpoint) == (row, touchpoint))


@dataclass(frozen=True)
class DriverChoices:
    """What the key drivers need that does not depend on the scope compared with: the analysis under the filters'
    name, the scopes one can compare with, the map's rows and the end of the 12-month window."""

    company: str
    scopes: tuple[str, ...]
    dimension: str
    end: date


@dataclass(frozen=True)
class Cell:
    """The detail of one map cell: which cell (and the cells one can pick), its tiles, its monthly trend with events,
    and the complaints about its touchpoint's process."""

    row: str
    touchpoint: str
    rows: tuple[str, ...]
    touchpoints: tuple[str, ...]
    tiles: tuple[Tile, ...]
    trend: pd.DataFrame
    events: pd.DataFrame
    window: tuple[date, date]
    trend_title: str
    complaints: pd.DataFrame
    complaints_missing: str | None
    no_complaints: str | None


@dataclass(frozen=True)
class Priority:
    """The importance-performance matrix of the lead scope for one performance measure, and what to fix first."""

    label: str
    matrix: pd.DataFrame
    sentence: str

    @property
    def fix_first(self) -> str | None:
        """The driver to fix first, as people read it ('Billing accuracy'); None when there is none."""
        top = key_drivers.fix_first(self.matrix)
        return None if top is None else key_drivers.label(top["attribute"])


@dataclass(frozen=True)
class Drivers:
    """Key drivers of NPS: the scopes one can compare with, the analyses (under the filters, then the compared scope),
    those with enough responses and a warning for each without, the Shapley cross-check of the lead scope (the last
    one shown), and its priority matrix for each performance measure."""

    scopes: tuple[str, ...]
    caption: str
    analyses: tuple[DriverAnalysis, ...]
    warnings: tuple[str, ...]
    shown: tuple[DriverAnalysis, ...]
    sentences: tuple[str, ...]
    cross_check: pd.DataFrame | None
    cross_check_caption: str | None
    priority: dict[str, Priority]


@dataclass(frozen=True)
class JourneyView:
    """What the Journey & Drivers page shows for a review week, filters, grain, score and rows: the map and service,
    and what the cell detail and the key drivers build from (None when the map is empty or the ratings are missing)."""

    period: journey.MapPeriod
    metric: str
    caption: str
    targets_note: str | None
    touchpoint_note: str | None
    cells: pd.DataFrame
    empty_warning: str | None
    red_summary: str | None
    cell_picks: CellPicks | None
    drivers_missing: str | None
    driver_choices: DriverChoices | None
    service_missing: str | None
    service: service.ServiceReport | None
    service_tables: tuple[tuple[str, pd.DataFrame], ...]


def _map_caption(metric_id: str, chosen: journey.MapPeriod) -> str:
    return (
        f"{METRIC_LABELS[metric_id]} by touchpoint in journey order, {chosen.label}, compared with "
        f"{chosen.compared_label}. Red: significantly below target or falling significantly; yellow: below target "
        f"within the noise; green: on target; grey: under {minimum_n(get_metric(metric_id))} responses "
        "(score withheld). "
        "Touchpoints are judged against their region's or segment's target (the company's without one). "
        "Click a cell for its detail."
    )


def _touchpoint_note(filters: Filters) -> str | None:
    if not filters.touchpoints:
        return None
    return (
        f"Showing only the touchpoint(s) filtered in the sidebar ({', '.join(filters.touchpoints)}): clear the "
        "Touchpoint filter to see the whole journey."
    )


def _score(cell) -> CellScore:
    """One row of the map frame as the cell detail shows it."""
    value = float(cell.value) if pd.notna(cell.value) else float("nan")
    return CellScore(cell.row, cell.touchpoint, value, int(cell.n), bool(cell.suppressed), cell.reason)


def map_cells(cells: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """The map's cells as they may be shown: a cell's score, interval, sums, change and colour rest on its n, the
    compared period's on the compared n (the change needs both)."""
    change = ("delta", "z", "significant", "falling")
    sums = [c for c in sum_columns(get_metric(metric_id)) if c != "n"]
    current = withheld.Rule(
        "n", ("value", "low", "high", *change, "target_status", "status", "reason"), tuple(sums), metric_id
    )
    compared = withheld.Rule(
        "compared_n",
        ("compared_value", "compared_low", "compared_high", *change),
        tuple(f"compared_{c}" for c in sums),
        metric_id,
    )
    exact = ("touchpoint", "row", "target", "suppressed", "compared_suppressed")
    return withheld.declare(cells, current, compared, exact=exact)


def cell_picks(cells: pd.DataFrame, chosen: journey.MapPeriod, metric_id: str, dimension: str) -> CellPicks:
    """The part of a (non-empty) map that the cell detail needs."""
    return CellPicks(
        period=chosen,
        metric_id=metric_id,
        dimension=dimension,
        rows=tuple(dict.fromkeys(cells["row"])),
        touchpoints=tuple(dict.fromkeys(cells["touchpoint"])),
        default=journey.default_cell(cells),
        scores=tuple(_score(c) for c in cells.itertuples(index=False)),
    )


def _cell_tiles(
    score: CellScore, found: journey_detail.CellDetail, picks: CellPicks, loaded: frozenset[str]
) -> tuple[Tile, ...]:
    """The cell's score (or its n when withheld), its responses, comments and complaints."""
    metric_id, chosen = picks.metric_id, picks.period
    label, n = METRIC_LABELS[metric_id], score.n
    complaints = f"{int(found.complaints['complaints'].sum()):,}" if "complaints" in loaded else MISSING
    return (
        Tile(
            metric_id,
            label,
            too_few(n) if score.suppressed else get_metric(metric_id).format(score.value),
            f"{score.reason.capitalize()}. n = {n:,} responses in {chosen.label}.",
            n=n,
            min_n=minimum_n(get_metric(metric_id)),
        ),
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
            complaints,
            f"Complaints opened in {chosen.label} about the {score.touchpoint} process.",
            min_n=0,
        ),
    )


@withheld.enforced
def cell(conn: Connection, filters: Filters, picks: CellPicks, asked: tuple[str | None, str | None]) -> Cell:
    """The detail of the cell asked for (row, touchpoint), or of the default cell where the map has no such row or
    touchpoint: its trend, comments and complaints are queried, its score is the map's (no map query reruns)."""
    score = picks.pick(*asked)
    row, touchpoint, chosen = score.row, score.touchpoint, picks.period
    found = journey_detail.cell_detail(conn, picks.metric_id, filters, picks.dimension, row, touchpoint, chosen)
    loaded = catalog.loaded_tables(conn)
    has_complaints = "complaints" in loaded
    place = charts.touchpoint_label(touchpoint).lower()
    return Cell(
        row=row,
        touchpoint=touchpoint,
        rows=picks.rows,
        touchpoints=picks.touchpoints,
        tiles=_cell_tiles(score, found, picks, loaded),
        trend=found.trend,
        events=withheld.exact(found.events),
        window=found.window,
        trend_title=f"{METRIC_LABELS[picks.metric_id]} at {place}, {row}, by month",
        complaints=withheld.exact(found.complaints),
        complaints_missing=None if has_complaints else COMPLAINTS_NOTE,
        no_complaints=f"No complaints about the {touchpoint} process in {chosen.label}."
        if has_complaints and found.complaints.empty
        else None,
    )


def driver_scopes(values: list[str], company: str, dimension: str) -> tuple[str, ...]:
    """What the drivers can be compared with: the company (or the filtered customers) and each row of the map;
    nothing to choose when the filters leave one row."""
    if len(values) <= 1:
        return ()
    return (company, *(f"{ROW_LABELS[dimension]}: {v}" for v in values))


def driver_choices(conn: Connection, filters: Filters, end: date, dimension: str) -> DriverChoices:
    """The scopes the drivers can be compared with under the filters, for a window ending on `end`."""
    company = key_drivers.scope_label(filters)
    scopes = driver_scopes(journey.row_values(conn, dimension, filters), company, dimension)
    return DriverChoices(company, scopes, dimension, end)


def _compared_value(scopes: tuple[str, ...], asked: str | None) -> str | None:
    """The region or segment the drivers are compared with (None: the company alone)."""
    if not scopes:
        return None
    scope = asked if asked in scopes else scopes[DEFAULT_SCOPE]
    return None if scope == scopes[0] else scope.split(": ", 1)[1]


def _not_enough(analysis: DriverAnalysis) -> str:
    return (
        f"{analysis.scope}: {analysis.n:,} complete responses, fewer than the {analysis.min_n} that driver analysis "
        f"needs for {len(analysis.attributes)} drivers (max(30, 10 x drivers)): no numbers shown."
    )


def _priority(lead: DriverAnalysis) -> dict[str, Priority]:
    """The lead scope's matrix against each performance measure (an analysis with enough responses)."""
    matrices = {p: withheld.exact(key_drivers.priority(lead.table, p)) for p in PERFORMANCE}
    return {
        p: Priority(PERFORMANCE[p], m, f"**{lead.scope}** · " + key_drivers.fix_first_sentence(m))
        for p, m in matrices.items()
    }


def _analysis(analysis: DriverAnalysis) -> DriverAnalysis:
    """An analysis as it may be shown: its weights only with enough complete responses (its own minimum n), as
    a table with no estimate beyond them (its R-squared rests on the same n)."""
    return replace(analysis, table=withheld.exact(analysis.table if analysis.enough else analysis.table.head(0)))


@withheld.enforced
def drivers(conn: Connection, filters: Filters, choices: DriverChoices, compare_with: str | None) -> Drivers:
    """Key drivers under the filters and, when asked (by default the first row), for one region or segment, with
    the priority matrix of the last scope shown."""
    value = _compared_value(choices.scopes, compare_with)
    found = key_drivers.analyse_with_slice(conn, filters, choices.end, choices.company, choices.dimension, value)
    analyses = tuple(_analysis(a) for a in found)
    shown = tuple(a for a in analyses if a.enough)
    lead = shown[-1] if shown else None
    cross = lead is not None and len(lead.attributes) <= MAX_SHAPLEY_DRIVERS
    return Drivers(
        scopes=choices.scopes,
        caption=f"Johnson's relative weights of the 1-5 attribute ratings for NPS over the 12 months to "
        f"{analyses[0].window.end:%d %b %Y} (complete responses only), with 95% intervals from {BOOTSTRAP_RESAMPLES:,} "
        "bootstrap resamples; the weights add up to R², the share of NPS variance the ratings explain. "
        "Relationship surveys rate the whole relationship, so the touchpoint filter does not apply here.",
        analyses=analyses,
        warnings=tuple(_not_enough(a) for a in analyses if not a.enough),
        shown=shown,
        sentences=tuple(
            f"**{a.scope}**: R² = {a.r_squared:.2f}, n = {a.n:,} complete responses. " + key_drivers.ranking_sentence(a)
            for a in shown
        ),
        cross_check=withheld.exact(key_drivers.cross_check(lead)) if cross else None,
        cross_check_caption=f"{lead.scope}: Shapley regression as a cross-check; both methods add up to R²."
        if cross
        else None,
        priority=_priority(lead) if lead is not None else {},
    )


def _service(conn: Connection, filters: Filters, period: Period) -> tuple[service.ServiceReport, tuple]:
    report = service.report(conn, filters, period)
    return report, tuple((title, service.display(report.table, lens)) for lens, title in SERVICE_LENSES)


@withheld.enforced
def build(
    conn: Connection,
    filters: Filters,
    week: Period,
    grain: str = "week",
    metric_id: str = "transactional_nps",
    dimension: str = "region",
) -> JourneyView:
    """The map of `metric_id` by touchpoint and `dimension` for the review week at a grain, service effectiveness, and
    what `cell` and `drivers` build from: the cell detail and the key drivers are builds of their own, so picking a
    cell or a scope reruns neither the map nor the other section."""
    chosen = journey.map_period(grain, week, query.data_extent(conn) or week.end)
    loaded = catalog.loaded_tables(conn)
    cells = journey.journey_map(conn, metric_id, filters, chosen, dimension)
    has_cells, has_drivers = not cells.empty, "response_attributes" in loaded
    report, tables = _service(conn, filters, chosen.current) if "contacts" in loaded else (None, ())
    label = METRIC_LABELS[metric_id]
    return JourneyView(
        period=chosen,
        metric=metric_id,
        caption=_map_caption(metric_id, chosen),
        targets_note=None if "targets" in loaded else TARGETS_NOTE,
        touchpoint_note=_touchpoint_note(filters),
        cells=map_cells(cells, metric_id),
        empty_warning=None
        if has_cells
        else f"No {label} answers at any touchpoint in {chosen.label} under these filters.",
        red_summary=journey.red_summary(cells, metric_id) if has_cells else None,
        cell_picks=cell_picks(cells, chosen, metric_id, dimension) if has_cells else None,
        drivers_missing=None if has_drivers else DRIVERS_NOTE,
        driver_choices=driver_choices(conn, filters, chosen.current.end, dimension) if has_drivers else None,
        service_missing=None if report else SERVICE_NOTE,
        service=report,
        service_tables=tables,
    )
