"""Links that open the Actions page with a new action prefilled: from a 'what changed' bullet, a journey map cell, a
driver, or blank. The page reads the same keys (`FIELDS`) back from its URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import parse_qsl, urlencode

from cxmetrics import navigation
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, get_metric
from cxmetrics.periods import Period
from cxmetrics.reports.actions import movement
from cxmetrics.reports.actions.register import SLICE_DIMENSIONS

PAGE = "actions"
PREFIX = "action_"
FIELDS: tuple[str, ...] = ("metric", *SLICE_DIMENSIONS, "direction", "title", "origin")


class Bullet(Protocol):
    """What a 'what changed' bullet tells an action: its metric, its view's URL query (the slice) and whether it is
    a significant move (the Scorecard's `changes.Change`)."""

    metric: str
    query: str
    significant: bool


def href(week: Period | None, metric_id: str, slice_: Mapping[str, str], title: str, origin: str) -> str:
    """A link relative to the app's root that opens the Actions page with the action prefilled, on the same review
    week (whose 4 weeks are the baseline)."""
    metric = get_metric(metric_id)
    fields = {
        "metric": metric_id,
        **{dim: value for dim, value in slice_.items() if value},
        "direction": "up" if metric.direction == "higher" else "down",
        "title": title,
        "origin": origin,
    }
    params = ([("week", week.label)] if week else []) + [(PREFIX + k, v) for k, v in fields.items()]
    spec = next(p for p in navigation.PAGES if p.url_path == PAGE)
    return f"./{navigation.url_path(spec)}?{urlencode(params)}"


def _single(filters: Filters) -> dict[str, str]:
    """The filters' dimensions chosen at exactly one value: a slice an action can name."""
    return {d: v[0] for d, v in filters.limited().items() if d in SLICE_DIMENSIONS and len(v) == 1}


def from_change(change: Bullet, week: Period | None, filters: Filters) -> str | None:
    """The link of a 'what changed' bullet: its metric and slice, within the filters' and the access scope's single
    values; None for a steady note."""
    if not change.significant or not change.metric:
        return None
    chosen: dict[str, list[str]] = {}
    for dim, value in parse_qsl(change.query):
        if dim in SLICE_DIMENSIONS:
            chosen.setdefault(dim, []).append(value)
    slice_ = _single(filters) | {dim: values[0] for dim, values in chosen.items() if len(values) == 1}
    metric = get_metric(change.metric)
    title = f"Act on {movement.subject(metric, slice_)}"
    return href(week, change.metric, slice_, title, "what changed")


def from_cell(week: Period | None, metric_id: str, cell: Filters) -> str:
    """The link of a journey map cell: its score in the cell's filters (its touchpoint, region or segment)."""
    slice_ = _single(cell)
    title = f"Act on {movement.subject(get_metric(metric_id), slice_)}"
    return href(week, metric_id, slice_, title, "journey map")


def from_driver(week: Period | None, attribute: str, filters: Filters) -> str:
    """The link of a key driver: relationship NPS in the filters' slice, titled after the attribute to improve."""
    slice_ = {d: v for d, v in _single(filters).items() if d in get_metric(HEADLINE_NPS).dimensions}
    return href(week, HEADLINE_NPS, slice_, f"Improve {attribute}", "driver")
