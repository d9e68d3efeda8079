"""Reporting periods: ISO weeks, months, quarters and year-to-date, their prior and same-period-last-year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

GRAINS: tuple[str, ...] = ("week", "month", "quarter", "ytd")
GRAIN_LABELS = {"week": "Week", "month": "Month", "quarter": "Quarter", "ytd": "Year to date"}


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range [start, end] at a grain, e.g. ISO week 2026-W46 = 2026-11-09..2026-11-15."""

    grain: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """Short human label: 2026-W46, Oct 2026, 2026 Q3, 2026 YTD, 13 weeks to 15 Nov 2026, 12 months to Oct 2026,
        or the date range."""
        if self.grain == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.grain == "month":
            return self.start.strftime("%b %Y")
        if self.grain == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        if self.grain == "rolling":
            return f"{self.days // 7} weeks to {self.end:%d %b %Y}"
        if self.grain == "months":
            count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            return f"{count} months to {self.end:%b %Y}"
        if self.grain != "ytd":
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        return f"{self.start.year} YTD to {self.end:%d %b}"

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(grain: str, d: date) -> Period:
    """The period of `grain` that contains day `d` (year-to-date ends on `d`)."""
    if grain == "week":
        start = d - timedelta(days=d.weekday())
        return Period("week", start, start + timedelta(days=6))
    if grain == "month":
        start = _month_start(d)
        return Period("month", start, _add_months(start, 1) - timedelta(days=1))
    if grain == "quarter":
        start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        return Period("quarter", start, _add_months(start, 3) - timedelta(days=1))
    if grain == "ytd":
        return Period("ytd", date(d.year, 1, 1), d)
    raise ValueError(f"unknown grain {grain!r}; valid: {', '.join(GRAINS)}")


def last_complete(grain: str, last_day: date) -> Period:
    """The latest period of `grain` that ends on or before `last_day`, the last day with data (for year to date, that
    of the review of the last complete week: `review_period`)."""
    if grain == "ytd":
        return _year_to_date(last_complete("week", last_day), last_day)
    current = period_containing(grain, last_day)
    if current.end <= last_day:
        return current
    return period_containing(grain, current.start - timedelta(days=1))


def review_day(week: Period, last_day: date) -> date:
    """The day a review of `week` looks back from: the last day with data, and for an earlier week the day before the
    next week completes (the last day on which `week` was still the latest complete one)."""
    return min(last_day, week.end + timedelta(days=6))


def _year_to_date(week: Period, day: date) -> Period:
    """Year to date through the review week, or through the month closed by `day` when that ends later (a year-end
    review ending on a Wednesday 31 December covers the whole year; early January's week is last year's)."""
    end = max(week.end, closed_month(day).end)
    return Period("ytd", date(end.year, 1, 1), end)


def review_period(grain: str, week: Period, last_day: date) -> Period:
    """The period under review at `grain` for a review week when the data ends on `last_day`: the week itself; the
    last month or quarter closed by the review day (`review_day`), so a month or quarter that closed after the week
    ended, before the next week completes, is the one reviewed; year to date through the week or that month (an
    unknown grain raises ValueError). The dashboard and the command line both take their periods from here."""
    if grain == "week":
        return week
    day = review_day(week, last_day)
    return _year_to_date(week, day) if grain == "ytd" else last_complete(grain, day)


def prior(period: Period) -> Period:
    """The period just before (same length for weeks; previous calendar unit otherwise)."""
    if period.grain == "ytd":
        return same_last_year(period)
    return period_containing(period.grain, period.start - timedelta(days=1))


def same_last_year(period: Period) -> Period:
    """The same period one year earlier (the same ISO week number for weeks)."""
    if period.grain == "week":
        year, week, _ = period.start.isocalendar()
        try:
            start = date.fromisocalendar(year - 1, week, 1)
        except ValueError:  # week 53 does not exist last year: use week 52
            start = date.fromisocalendar(year - 1, 52, 1)
        return Period("week", start, start + timedelta(days=6))
    if period.grain == "ytd":
        end = period.end
        end = (
            end.replace(year=end.year - 1, day=28)
            if (end.month, end.day) == (2, 29)
            else end.replace(year=end.year - 1)
        )
        return Period("ytd", date(end.year, 1, 1), end)
    return period_containing(period.grain, _add_months(period.start, -12))


def earlier(period: Period, count: int) -> Period:
    """The period `count` periods of the same grain before `period` (prior, `count` times)."""
    for _ in range(count):
        period = prior(period)
    return period


def rolling_weeks(week: Period, weeks: int) -> Period:
    """The `weeks` ISO weeks ending with `week` as one range (grain 'rolling')."""
    return Period("rolling", week.end - timedelta(days=7 * weeks - 1), week.end)


def periods_between(grain: str, first_day: date, last_day: date) -> list[Period]:
    """Every period of `grain` that overlaps [first_day, last_day], oldest first."""
    periods = []
    current = period_containing(grain, first_day)
    while current.start <= last_day:
        periods.append(current)
        current = period_containing(grain, current.end + timedelta(days=1))
    return periods


def parse_week(label: str) -> Period:
    """The ISO week of a label like '2026-W46'."""
    year_text, _, week_text = label.partition("-W")
    start = date.fromisocalendar(int(year_text), int(week_text), 1)
    return Period("week", start, start + timedelta(days=6))


def closed_month(d: date) -> Period:
    """The latest calendar month that ends on or before day `d`."""
    month = period_containing("month", d)
    return month if month.end <= d else period_containing("month", month.start - timedelta(days=1))


def trailing_months(d: date, months: int = 12) -> Period:
    """The `months` calendar months ending with the latest month closed by day `d` (grain 'months'), e.g. the
    trailing 12 closed months to 15 Nov 2026: 1 Nov 2025 to 31 Oct 2026."""
    last = closed_month(d)
    return Period("months", _add_months(last.start, 1 - months), last.end)


def is_month_aligned(period: Period) -> bool:
    """Whether the period is a whole number of calendar months."""
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def month_basis(period: Period) -> Period:
    """The months a monthly table answers for `period`: itself when month-aligned, else the latest closed month.

    Year-to-date runs from January to the latest closed month (or that month alone early in January).
    """
    if is_month_aligned(period):
        return period
    latest = closed_month(period.end)
    if period.grain == "ytd" and latest.start >= period.start:
        return Period("ytd", period.start, latest.end)
    return latest


def business_deadline(d: date, business_days: int = 2) -> date:
    """The `business_days`-th Monday-to-Friday day after day `d` (public holidays are not modelled)."""
    current, counted = d, 0
    while counted < business_days:
        current += timedelta(days=1)
        counted += current.weekday() < 5
    return current


def describe(period: Period) -> str:
    """'Week 2026-W46 (9 Nov to 15 Nov 2026)', 'Month Oct 2026', 'Year to date 2026 (1 Jan to 15 Nov)'."""
    if period.grain == "week":
        return f"Week {period.label} ({period.start:%-d %b} to {period.end:%-d %b %Y})"
    if period.grain == "ytd":
        return f"Year to date {period.start.year} ({period.start:%-d %b} to {period.end:%-d %b})"
    return f"{GRAIN_LABELS[period.grain]} {period.label}"
