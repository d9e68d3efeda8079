"""The data-quality watch in one call: `build()` runs every check under the viewer's filters and access scope for a
review week and returns the tables and the findings (each with its line for leaders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.periods import Period
from cxmetrics.quality import findings, freshness, loads, thresholds, weekly
from cxmetrics.quality.findings import Finding
from cxmetrics.query import frames

# The tables each page (by URL path) rests on: its data-quality lines are the problems found in them (a load's
# rejects of customers touch every page's slices; the Scorecard's statement reads every table but social mentions).
_SCORECARD = (
    "customers", "responses", "complaints", "contacts", "follow_ups", "customer_revenue", "financials",
    "employee_engagement",
)  # fmt: skip
PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "scorecard": _SCORECARD,
    "cx-financials": ("responses", "customer_revenue", "financials"),
    "journey": ("responses", "contacts"),
    "loyalty": ("responses", "customer_revenue"),
    "voice": ("responses", "social_mentions"),
    "complaints": ("complaints", "follow_ups", "responses"),
    "people": ("employee_engagement", "responses"),
}


@dataclass(frozen=True)
class QualityReport:
    """Every check's table for one review week, and the problems found."""

    week: Period | None
    as_of: date | None
    clock: str
    freshness: pd.DataFrame
    volumes: pd.DataFrame
    answers: pd.DataFrame
    duplicates: int
    rejects: pd.DataFrame
    findings: tuple[Finding, ...]

    def lines(self, tables: Iterable[str]) -> tuple[str, ...]:
        """The lines of the findings in `tables` (what a page rests on), in the order found."""
        chosen = set(tables)
        return tuple(f.line for f in self.findings if f.table in chosen)

    def bearing_on(self, metric: str, pairs: Iterable[tuple[str, str]]) -> tuple[Finding, ...]:
        """The findings under a move of `metric` in a slice."""
        pairs = tuple(pairs)
        return tuple(f for f in self.findings if f.bears_on(metric, pairs))


def review_week(period: Period) -> Period:
    """The week whose data problems bear on a review period: the period itself for a week, else the last complete week
    in it."""
    return period if period.grain == "week" else periods.last_complete("week", period.end)


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _weekly(conn: Connection, filters: Filters, week: Period, limits: thresholds.Thresholds) -> tuple:
    """The week's checks: volumes, answers, duplicates, and their findings."""
    window = weekly.Window(week, limits.baseline_weeks)
    volumes = weekly.volumes(conn, filters, window, limits)
    answers, counts = weekly.answers(conn, filters, window, limits)
    doubled = weekly.duplicates(conn, filters, window, limits)
    total = int(volumes.loc[volumes[["region", "touchpoint", "channel"]].isna().all(axis=1), "week_responses"].sum())
    found = findings.volume_findings(volumes) + findings.answer_findings(answers, counts)
    if weekly.duplicates_flagged(doubled, total, limits):
        found.append(findings.duplicate_finding(doubled, total, limits))
    return volumes, answers, doubled, found


def build(conn: Connection, filters: Filters, week: Period | None = None) -> QualityReport:
    """Every data-quality check for the review `week` (default: the latest complete one): the tables' freshness
    (the same for everyone), the week's responses under `filters` and the access scope, and the rejected rows of
    loads only for a viewer who sees everything (they are not attributed to a region)."""
    limits = thresholds.current()
    last = freshness.last_dates(conn)
    day = freshness.as_of(last, limits.as_of)
    fresh = freshness.table(conn, last, day, limits)
    week = week or frames.latest_period(conn, "week")
    found = findings.freshness_findings(fresh, limits.as_of, week)
    volumes, answers, doubled = _empty(weekly.VOLUME_COLUMNS), _empty(weekly.ANSWER_COLUMNS), 0
    if week is not None:
        volumes, answers, doubled, weekly_found = _weekly(conn, filters, week, limits)
        found += weekly_found
    rejects = loads.rejects(conn, limits) if filters.scope.unrestricted else _empty(loads.COLUMNS)
    found += findings.reject_findings(rejects)
    return QualityReport(week, day, limits.as_of, fresh, volumes, answers, doubled, rejects, tuple(found))
