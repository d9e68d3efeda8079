"""What a review pack holds (its sections and their blocks) and the one context every section reads its report's
`build()` from, so that every number in the pack is the page's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.reports.journey import view as journey_view
from cxmetrics.reports.scorecard import view as scorecard_view
from cxmetrics.review.render import Chart


@dataclass(frozen=True)
class Block:
    """A piece of a section: HTML (already escaped) or a chart drawn as an inline SVG."""

    html: str = ""
    chart: Chart | None = None


@dataclass(frozen=True)
class Section:
    """One part of the pack: its title and blocks; `missing` says what it cannot show and why (then it is short)."""

    key: str
    title: str
    blocks: tuple[Block, ...] = ()
    missing: str | None = None


@dataclass(frozen=True)
class Context:
    """What every section reads: the database, the filters (with the access scope), the review week and grain.
    Each report's build runs once, when a section first asks for it."""

    conn: Connection
    filters: Filters
    week: Period
    last_day: date
    grain: str = "week"

    def period(self, grain: str) -> Period:
        """The period under review at `grain`, as the dashboard's pages take it (`periods.review_period`)."""
        return periods.review_period(grain, self.week, self.last_day)

    @cached_property
    def loaded(self) -> frozenset[str]:
        """The tables that hold rows."""
        return catalog.loaded_tables(self.conn)

    @cached_property
    def scorecard(self):
        """The Scorecard page's build for the pack's grain."""
        return scorecard_view.build(self.conn, self.filters, self.period(self.grain))

    @cached_property
    def journey(self):
        """The Journey & Drivers page's build as it opens (transactional NPS, the 4 weeks to the week), its rows by
        region, or by segment when the view has one region (the page's "Rows" choice)."""
        return journey_view.build(self.conn, self.filters, self.week, dimension=self.split)

    @property
    def split(self) -> str:
        """How the pack splits by place: by region, or by segment when the view has one region."""
        regions = self.filters.visible_regions()
        return "segment" if regions is not None and len(regions) == 1 else "region"


@dataclass(frozen=True)
class Pack:
    """A finished pack's content: the week, whose view it is, the headline messages and the sections in order."""

    week: Period
    scope: str
    generated: datetime
    last_day: date
    headlines: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)
    access: AccessScope = field(default_factory=AccessScope)

    @property
    def title(self) -> str:
        """'Weekly CX review · 2026-W46'."""
        return f"Weekly CX review · {self.week.label}"

    @property
    def file_name(self) -> str:
        """'cx-review-2026-W46.pdf' without its extension."""
        return f"cx-review-{self.week.label}"
