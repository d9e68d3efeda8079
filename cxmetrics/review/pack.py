"""The weekly review pack: a cover with the headline messages, then the sections in the order a leadership review
reads (`sections.SECTIONS`), each from the same report `build()` as its page, drawn and printed in one browser session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from cxmetrics import db, periods
from cxmetrics.db import Connection
from cxmetrics.display import style
from cxmetrics.filters import Filters
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.review import document, render, sections
from cxmetrics.review.model import Context, Pack, Section

PAPERS: tuple[str, ...] = tuple(document.PAPERS)
FORMATS: tuple[str, ...] = ("pdf", "html")


def review_week(conn: Connection, week: str | None) -> tuple[Period, date]:
    """The review week (`2026-W46`, default the last complete week in the data) and the last day with data; raises
    ValueError for an empty database or a week after the data."""
    last_day = query.data_extent(conn)
    if last_day is None:
        raise ValueError("no survey responses are loaded: there is nothing to review")
    chosen = periods.parse_week(week) if week else periods.last_complete("week", last_day)
    if chosen.start > last_day:
        raise ValueError(f"{chosen.label} starts after the last day with data ({last_day:%d %b %Y})")
    return chosen, last_day


def build(
    conn: Connection,
    filters: Filters,
    week: str | None = None,
    grain: str = "week",
    chosen_sections: Sequence[Callable[[Context], Section]] | None = None,
) -> Pack:
    """The pack of `week` under `filters` (their access scope included): every section's content, not yet drawn."""
    style.register()  # the dashboard's chart template, as on the pages
    chosen, last_day = review_week(conn, week)
    context = Context(conn, filters, chosen, last_day, grain)
    return Pack(
        week=chosen,
        scope=filters.describe(),
        generated=datetime.now(UTC),
        last_day=last_day,
        headlines=sections.headlines(context),
        sections=tuple(section(context) for section in (chosen_sections or sections.SECTIONS)),
        access=filters.scope,
    )


def render_pack(pack: Pack, fmt: str = "pdf", paper: str = "a4") -> bytes:
    """The pack as a file: a PDF, or a self-contained HTML document (inline SVG and CSS, nothing to fetch)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    html, pdf = render.render(
        document.charts(pack), lambda svgs: document.html_document(pack, svgs, paper), fmt == "pdf"
    )
    return pdf if fmt == "pdf" else html.encode("utf-8")


def pdf_of_view(target: str, filters: Filters, week: str, grain: str = "week") -> bytes:
    """The PDF pack of a dashboard view (its week, grain and filters, the viewer's access scope among them), read on
    a cursor of the database's shared read-only connection."""
    with db.POOL.lease(target) as (conn, _), contextlib.closing(db.cursor(conn)) as cursor:
        return render_pack(build(cursor, filters, week, grain), "pdf")
