"""Everything the People & CX page shows for a review week, unit (region or team) and employee measure."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import notes, withheld
from cxmetrics.display.tiles import Tile, tiles
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.reports.people import analysis as people

TILE_METRICS: tuple[str, ...] = ("enps", "engagement_index", "nps")
TABLE_COLUMNS: tuple[str, ...] = (
    "unit", "headcount", "enps", "engagement_index", "unit_nps", "unit_nps_n", "link_months", "link_r",
    "link_r_interval", "link",
)  # fmt: skip
FRAME_RULE = withheld.Rule("nps_n", ("nps", "nps_low", "nps_high"), metric="nps")
TABLE_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("unit_nps_n", ("unit_nps",), metric="nps"),
    withheld.Rule("link_months", ("link_r", "link_r_interval", "link")),
)
NEEDED_TABLES: dict[str, str] = {"employee_engagement": "eNPS and engagement index by month, region and team"}


@dataclass(frozen=True)
class PeopleView:
    """The page's numbers, frames and sentences (empty without employee engagement data)."""

    month: Period
    subtitle: str
    has_engagement: bool
    missing_note: str | None
    filter_note: str | None
    tiles: tuple[Tile, ...]
    frame: pd.DataFrame
    link: people.Correlation
    sentence: str
    table: pd.DataFrame
    titles: Titles


@dataclass(frozen=True)
class Titles:
    """The words of the page's sections for the chosen unit and measure."""

    measure: str
    link: str
    scatter_caption: str
    table: str
    r_text: str = ""


def _titles(by: str, measure: str, month: Period, link: people.Correlation | None = None) -> Titles:
    unit = people.UNITS[by].lower()
    return Titles(
        measure=people.MEASURES[measure],
        link=f"{people.MEASURES[measure]} against customer NPS",
        scatter_caption=f"Each point is one {unit} in one month. Months whose NPS rests on fewer responses than the "
        "minimum n are left out of the correlation.",
        table=f"By {unit}, {month.label}",
        r_text=r_text(link) if link is not None else "",
    )


def _ignored(filters: Filters) -> tuple[str, ...]:
    """Filters that do not apply to employee engagement (it is recorded by region and team only)."""
    return query.ignored_filters(get_metric("enps"), filters)


def _tiles(conn: Connection, filters: Filters, month: Period) -> tuple[Tile, ...]:
    """The month's tiles, each label naming the month."""
    return tuple(replace(t, label=f"{t.label} · {month.label}") for t in tiles(conn, filters, month, TILE_METRICS))


def unit_table(frame: pd.DataFrame, measure: str, month: Period) -> pd.DataFrame:
    """Per unit: the month's headcount, eNPS, engagement and NPS (withheld below the minimum n), and the unit's
    correlation of `measure` with NPS over all its months."""
    latest = frame[frame["month"] == month.start].set_index("unit")
    within = people.within_units(frame, measure).set_index("unit")
    units = sorted(set(latest.index) | set(within.index))
    latest, within = latest.reindex(units), within.reindex(units)
    interval = [
        f"{lo:+.2f} to {hi:+.2f}" if not np.isnan(lo) else "-"
        for lo, hi in zip(within["r_low"], within["r_high"], strict=True)
    ]
    link = [
        "-" if np.isnan(r) else ("significant" if s else "not significant")
        for r, s in zip(within["r"], within["significant"].fillna(False), strict=True)
    ]
    table = pd.DataFrame(
        {
            "unit": units,
            "headcount": latest["headcount"].to_numpy(),
            "enps": latest["enps"].round(1).to_numpy(),
            "engagement_index": latest["engagement_index"].round(1).to_numpy(),
            "unit_nps": latest["nps"].round(0).to_numpy(),
            "unit_nps_n": latest["nps_n"].fillna(0).astype("int64").to_numpy(),
            "link_months": within["months"].fillna(0).astype("int64").to_numpy(),
            "link_r": within["r"].round(2).to_numpy(),
            "link_r_interval": interval,
            "link": link,
        }
    )
    return withheld.declare(table, *TABLE_RULES, exact=("unit", "headcount", "enps", "engagement_index"))


@withheld.enforced
def build(
    conn: Connection, filters: Filters, week: Period, by: str = "region", measure: str = "engagement_index"
) -> PeopleView:
    """The page's complete query set: tiles for the latest closed month, unit-months, the link and the unit table."""
    if measure not in people.MEASURES:
        raise ValueError(f"unknown measure {measure!r}; valid: {', '.join(people.MEASURES)}")
    month = query.review_period(conn, "month", week)
    subtitle = (
        f"Month {month.label} (the latest closed month of the review of {week.label}) and every month with engagement "
        f"data, for {filters.describe()}."
    )
    loaded = catalog.loaded_tables(conn)
    if "employee_engagement" not in loaded:
        empty = people.Correlation(np.nan, 0, np.nan, np.nan, False)
        note = notes.missing_note(loaded, NEEDED_TABLES)
        titles = _titles(by, measure, month)
        nothing = withheld.exact(pd.DataFrame())
        return PeopleView(month, subtitle, False, note, None, (), nothing, empty, "", nothing, titles)
    frame = people.unit_months(conn, filters, by)
    frame["month_label"] = [f"{m:%b %Y}" for m in frame["month"]]
    exact = ("month", "unit", "headcount", "enps", "engagement_index", "nps_suppressed", "month_label")
    frame = withheld.declare(frame, FRAME_RULE, exact=exact)
    link = withheld.record(people.pooled(frame, measure))
    return PeopleView(
        month=month,
        subtitle=subtitle,
        has_engagement=True,
        missing_note=None,
        filter_note=notes.filter_note(filters, _ignored(filters), "employee engagement figures"),
        tiles=_tiles(conn, filters, month),
        frame=frame,
        link=link,
        sentence=people.link_sentence(link, measure, by),
        table=unit_table(frame, measure, month),
        titles=_titles(by, measure, month, link),
    )


def r_text(link: people.Correlation) -> str:
    """The chart's label of the correlation: 'r = +0.66 (95% +0.55 to +0.74), n = 144'."""
    if np.isnan(link.r):
        return f"Not enough pairs (n = {link.n})"
    return f"r = {link.r:+.2f} (95% {link.low:+.2f} to {link.high:+.2f}), n = {link.n}"
