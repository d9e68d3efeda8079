"""Headline tiles for every report: the one `Tile`, the text, colour and arrow of a change, and tiles of registry
metrics for one period against the period before (the value, the change and its significance from the query layer's
snapshot, n and what the number means)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import frames as query

MILLION = 1_000_000


@dataclass(frozen=True)
class Tile:
    """One headline number as shown: value, change against the compared period (text, colour, arrow and what it is
    compared with), hover text, optional trend, the target status with its badge text (no badge without one), and
    an optional `note` shown under it (a range, a caveat). A tile of kind "text" names something instead (a theme:
    `value` is markdown). `n` is the count the value rests on and `min_n` the least it needs to be shown (0: an exact
    figure); `cxmetrics.display.withheld` shows the n instead of a value under its minimum."""

    metric: str
    label: str
    value: str
    help: str
    delta: str | None = None
    delta_colour: str = "off"
    delta_arrow: str = "auto"
    comparison: str | None = None
    trend: tuple[float, ...] = ()
    status: str = ""
    status_text: str | None = None
    kind: str = "metric"
    note: str | None = None
    n: int | None = None
    min_n: int | None = None


def is_missing(value) -> bool:
    """Whether a cell holds no value: None, pd.NA or NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def too_few(n: int) -> str:
    """What a figure shows in place of its value under the minimum n: 'Too few (n = 7)'."""
    return f"Too few (n = {n:,})"


def compact(metric: Metric, value) -> str:
    """The value as a tile shows it: dollar amounts of a million or more in millions ('$53.3M'), else as formatted."""
    if not is_missing(value) and metric.unit == "usd" and abs(value) >= MILLION:
        return f"{'-' if value < 0 else ''}${abs(value) / MILLION:,.1f}M"
    return metric.format(value)


def change_text(metric: Metric, delta, short: bool = False) -> str:
    """A change in the metric's unit and precision, signed unless it rounds to zero: '+1.4 pts', '0 pts',
    '-$3,215,941' ('-$3.2M' short); '' without a change."""
    if is_missing(delta):
        return ""
    if short and metric.unit == "usd" and abs(delta) >= MILLION:
        return ("+" if delta > 0 else "") + compact(metric, delta)
    spec = metric.fmt.lstrip("+")
    decimals = int(spec.rsplit(".", 1)[1][0]) if "." in spec else 0
    number = f"{abs(delta):{',' if ',' in spec else ''}.{decimals}f}"
    sign = "" if float(number.replace(",", "")) == 0 else ("+" if delta > 0 else "-")
    prefix = "$" if metric.unit.startswith("usd") else ""
    suffix = " pts" if metric.unit in ("points", "percent") else ""
    return f"{sign}{prefix}{number}{suffix}"


def verdict(metric: Metric, delta, significant) -> str:
    """'significant' or 'not significant'; '' for an exact figure (no sampling) and for a missing change or test."""
    if not metric.sampled or is_missing(significant) or is_missing(delta):
        return ""
    return "significant" if bool(significant) else "not significant"


def change_style(metric: Metric, shown: str, verdict_text: str) -> tuple[str, str]:
    """The (colour, arrow) of a change as shown: green or red by the metric's good direction for a real change, grey
    for noise, for no change and for a change that rounds to zero, which also has no arrow."""
    zero = bool(shown) and not shown.startswith(("+", "-"))
    if zero or not shown or verdict_text == "not significant":
        return "off", "off" if zero else "auto"
    return ("normal" if metric.direction == "higher" else "inverse"), "auto"


def comparison(compared: str, verdict_text: str) -> str:
    """What a change is against and whether it is real: 'vs 2026-W45 · not significant', 'vs Sep 2026'."""
    return f"vs {compared} · {verdict_text}" if verdict_text else f"vs {compared}"


def _withheld(row: dict) -> bool:
    """Whether the value is withheld under the minimum n (a period without data has nothing to withhold)."""
    return bool(row["suppressed"]) and row["n"] > 0


def _help(metric: Metric, row: dict, prior: Period) -> str:
    """What the number is, its n, its interval and the prior period's value."""
    parts = [metric.description, f"n = {int(row['n']):,} {metric.n_label}."]
    if not is_missing(row["low"]):
        parts.append(f"95% interval {metric.format(row['low'])} to {metric.format(row['high'])}.")
    if _withheld(row):
        parts.append(f"Withheld: fewer than {minimum_n(metric)} {metric.n_label}.")
    parts.append(f"{prior.label}: {metric.format(row['prior_value'])}.")
    return " ".join(parts)


def tile(metric: Metric, row: dict, prior: Period) -> Tile:
    """A tile from a metric's snapshot row (its prior_ columns compare it with `prior`)."""
    shown = change_text(metric, row["prior_delta"], short=True)
    said = verdict(metric, row["prior_delta"], row["prior_significant"])
    colour, arrow = change_style(metric, shown, said)
    return Tile(
        metric=metric.id,
        label=metric.label,
        value=too_few(int(row["n"])) if _withheld(row) else metric.format(row["value"]),
        help=_help(metric, row, prior),
        delta=shown or None,
        delta_colour=colour,
        delta_arrow=arrow,
        comparison=comparison(prior.label, said) if shown else None,
        n=int(row["n"]),
        min_n=minimum_n(metric),
    )


def tiles(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str]) -> tuple[Tile, ...]:
    """Tiles of the metrics for `period` compared with the period before, from the query layer's snapshot (one query
    per source; the change's significance is the registry's test)."""
    rows = query.snapshots(conn, metric_ids, filters, period).rows
    before = periods.prior(period)
    return tuple(tile(get_metric(m), rows[m], before) for m in metric_ids)
