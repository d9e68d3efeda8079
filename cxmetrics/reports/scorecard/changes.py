"""What changed since the last review: the significant moves of the headline CX scores, where, in plain words.

The review period is compared with the prior period ("since the last review") and, because one week is noisy, the
last 4 weeks with the 13 weeks before them (a month with the 3 months before it, a quarter with the 4 quarters before
it; a year-to-date with the same period last year), company-wide, by region, segment and touchpoint, and by
touchpoint within each region (relationship NPS, the headline, has no touchpoint; transactional NPS is its own
metric, so neither is compared with a mix of the two). A move counts when the metric engine's test calls it
significant (|z| >= 1.96) with at least the minimum n on both sides and it survives the Benjamini-Hochberg
false-discovery control over all the comparisons scanned: at 5% each, a hundred-odd comparisons would narrate a
handful of false alarms every week.
Moves are ranked by the strength of their evidence (|z|, the order in which the false-discovery control admits them)
and grouped by where they happened into at most six sentences, each with a link that opens the view filtered to that
slice.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from cxmetrics import navigation, periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query.aggregate import NONE_LABEL, aggregate_splits, ignored_filters, sum_columns
from cxmetrics.stats import intervals as stats

# The headline (relationship) NPS and the transactional NPS apart, so that each is compared with itself; relationship
# surveys have no touchpoint, so they are scanned company-wide and by region and segment only.
CX_METRICS: tuple[str, ...] = (HEADLINE_NPS, "transactional_nps", "csat", "ces")
SCANNED: tuple[str, ...] = ("region", "segment", "touchpoint")
URL_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint", "channel")
RECENT_WEEKS, BASELINE_WEEKS = 4, 13
BASELINE_PERIODS = {"month": 3, "quarter": 4}
FALSE_DISCOVERY_RATE = 0.05
MAX_CHANGES, MIN_CHANGES = 6, 3
EXPLORE_PAGE = "journey"  # its map shows the slice by touchpoint against region, with trend, comments and complaints
_FILTER_FIELDS = {"region": "regions", "segment": "segments", "touchpoint": "touchpoints", "channel": "channels"}
_PERIOD_NAMES = {"week": "week", "month": "month", "quarter": "quarter"}
_SCORES, _SCORES_OR = (
    "relationship and transactional NPS, CSAT and CES",
    "relationship or transactional NPS, CSAT or CES",
)


@dataclass(frozen=True)
class Comparison:
    """One comparison: the review window against an earlier one, with the words that name both."""

    lens: str
    current: Period
    compared: Period
    during: str
    before: str


@dataclass(frozen=True)
class Change:
    """One "what changed" bullet: the lead metric's move, where it happened, in words, and where to explore it."""

    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration(
        (withheld.Rule("n", ("delta", "z"), metric_column="metric"),)
    )

    metric: str
    where: str
    slice: str
    direction: str
    delta: float | None
    significant: bool
    z: float | None
    n: int | None
    sentence: str
    page: str
    query: str

    @property
    def href(self) -> str | None:
        """A link relative to the app's root that opens the page filtered to this slice; None for a steady note."""
        if not self.significant:
            return None
        spec = next(p for p in navigation.PAGES if p.url_path == self.page)
        return f"./{navigation.url_path(spec)}?{self.query}"


# --- the comparisons -----------------------------------------------------------------------------------------------


def windows(period: Period) -> tuple[Comparison, ...]:
    """The comparisons scanned for a review period: since the last review, and the recent level against the norm."""
    if period.grain == "ytd":
        return (
            Comparison(
                "last_year", period, periods.same_last_year(period), "so far this year", "in the same period last year"
            ),
        )
    before = periods.prior(period)
    name = _PERIOD_NAMES[period.grain]
    since = Comparison("prior", period, before, f"since last {name}", f"in {before.label}")
    return since, _recent_window(period)


def _recent_window(period: Period) -> Comparison:
    """The last 4 weeks against the 13 before them; a month or quarter against the few before it."""
    if period.grain == "week":
        recent = periods.rolling_weeks(period, RECENT_WEEKS)
        baseline = Period("rolling", recent.start - timedelta(weeks=BASELINE_WEEKS), recent.start - timedelta(days=1))
        return Comparison(
            "recent", recent, baseline, f"over the last {RECENT_WEEKS} weeks", f"in the {BASELINE_WEEKS} weeks before"
        )
    count = BASELINE_PERIODS[period.grain]
    first = period
    for _ in range(count):
        first = periods.prior(first)
    baseline = Period("range", first.start, period.start - timedelta(days=1))
    return Comparison("recent", period, baseline, f"in {period.label}", f"in the {count} {period.grain}s before")


def scan_periods(chosen: Sequence[Comparison]) -> list[Period]:
    """Every period the comparisons need, once each."""
    return list(dict.fromkeys(p for w in chosen for p in (w.current, w.compared)))


# --- slices --------------------------------------------------------------------------------------------------------


def slice_key(pairs: Sequence[tuple[str, str]]) -> str:
    """A slice as a URL query fragment, e.g. 'region=EMEA&touchpoint=billing'; '' is company-wide."""
    return urlencode(list(pairs))


def slice_pairs(key: str) -> list[tuple[str, str]]:
    """The (dimension, value) pairs of a slice key."""
    return parse_qsl(key)


def _named(key: str, filters: Filters) -> dict[str, str]:
    """The slice's dimension values on top of the filters' selections and the access scope ('EMEA or APAC' for
    several)."""
    chosen = {d: " or ".join(v) for d, v in filters.limited().items() if d in SCANNED}
    return chosen | dict(slice_pairs(key))


def _place(named: dict[str, str]) -> str:
    """'at the billing touchpoint in the SMB segment in EMEA'; '' for the whole company."""
    parts = []
    if "touchpoint" in named:
        parts.append(f"at the {_display(named['touchpoint'])} touchpoint")
    if "segment" in named:
        parts.append(f"in the {named['segment']} segment")
    if "region" in named:
        parts.append(f"in {named['region']}")
    return " ".join(parts)


def where_text(key: str, filters: Filters) -> str:
    """Where a slice is, in words: 'company-wide', 'in EMEA', 'at the billing touchpoint in EMEA'."""
    return _place(_named(key, filters)) or "company-wide"


def _subject(metric: Metric, key: str, filters: Filters) -> str:
    """The sentence's subject: 'Company-wide NPS', 'NPS in EMEA', 'CSAT at the billing touchpoint in EMEA'."""
    place = _place(_named(key, filters))
    return f"{metric.label} {place}" if place else f"Company-wide {metric.label}"


def _display(value: str) -> str:
    return value.replace("_", " ")


# --- reading the data ----------------------------------------------------------------------------------------------


def splits(filters: Filters) -> list[tuple[str, ...]]:
    """The splits scanned: company-wide, by each dimension not already filtered to one value, and by touchpoint
    within each region (which says where in a region a move happened) unless either is filtered to one value."""
    chosen = filters.selections()
    single = {dim for dim in SCANNED if len(chosen.get(dim, ())) == 1}
    found: list[tuple[str, ...]] = [(), *((dim,) for dim in SCANNED if dim not in single)]
    return found + ([] if single & {"region", "touchpoint"} else [("region", "touchpoint")])


# Cells and moves are columns of equal length (numpy arrays keyed by name) rather than DataFrames: a scan yields a
# few hundred comparisons, and pandas bookkeeping would cost more than their arithmetic.
Columns = dict[str, np.ndarray]


def _cells_of(metric: Metric, sums: dict[str, np.ndarray], wanted: Sequence[Period]) -> Columns:
    """A metric's sums per (period, split values) as cells: metric, slice key, period bounds and the sums; slices
    with a missing value (no region, no touchpoint) are left out."""
    pairs = sums["dim_value"].tolist()
    kept = np.array([all(value != NONE_LABEL for _, value in found) for found in pairs], dtype=bool)
    chosen = [wanted[i] for i in sums["basis_id"][kept].tolist()]
    cells = {
        "metric": _objects([metric.id] * len(chosen)),
        "slice": _objects([_key_of(found) for found, keep in zip(pairs, kept.tolist(), strict=True) if keep]),
        "period_start": _objects([p.start for p in chosen]),
        "period_end": _objects([p.end for p in chosen]),
    }
    return cells | {c: sums[c][kept] for c in sum_columns(metric)}


@functools.lru_cache(maxsize=4096)
def _key_of(pairs: tuple[tuple[str, str], ...]) -> str:
    """`slice_key` of a split's pairs, worked out once (a slice has a cell per metric and period)."""
    return slice_key(pairs)


def _objects(values: list) -> np.ndarray:
    found = np.empty(len(values), dtype=object)
    found[:] = values
    return found


def _stack(parts: Sequence[Columns]) -> Columns:
    """The parts' rows one after the other; a column a part lacks is NaN in its rows (as pandas' concat)."""
    names = dict.fromkeys(c for part in parts for c in part)
    sizes = [len(part["metric"]) for part in parts]
    return {
        c: np.concatenate(
            [part[c] if c in part else np.full(size, np.nan) for part, size in zip(parts, sizes, strict=True)]
        )
        for c in names
    }


def _scan(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str]) -> Columns:
    """The cells of every metric in the splits it has the dimensions of, metrics with the same splits read together;
    a metric that cannot apply a selected filter (relationship NPS under a touchpoint filter) is not scanned."""
    wanted = scan_periods(windows(period))
    metrics = [m for m in map(get_metric, metric_ids) if not ignored_filters(m, filters)]
    groups: dict[tuple[tuple[str, ...], ...], list[Metric]] = {}
    for metric in metrics:
        own = tuple(s for s in splits(filters) if set(s) <= set(metric.dimensions))
        groups.setdefault(own, []).append(metric)
    sums = {}
    for own, group in groups.items():
        sums |= aggregate_splits(conn, group, filters, wanted, own)
    return _stack([_cells_of(m, sums[m.id], wanted) for m in metrics])


def scan(conn: Connection, filters: Filters, period: Period, metric_ids: Sequence[str] = CX_METRICS) -> pd.DataFrame:
    """Sums of the headline CX metrics for every period of the comparisons and every slice scanned, all splits of a
    source in one query."""
    cells = _scan(conn, filters, period, metric_ids)
    return pd.DataFrame({c: v.tolist() if v.dtype == object else v for c, v in cells.items()})


# --- from cells to significant moves (pure) ------------------------------------------------------------------------


def _rows_by_period(cells: Columns) -> dict[tuple, list[int]]:
    """The positions of the cells of each (metric, period start, period end), in cell order."""
    found: dict[tuple, list[int]] = {}
    keys = zip(cells["metric"].tolist(), cells["period_start"].tolist(), cells["period_end"].tolist(), strict=True)
    for position, key in enumerate(keys):
        found.setdefault(key, []).append(position)
    return found


def _compare_metric(metric: Metric, cells: Columns, at: dict[tuple, list[int]], window: Comparison) -> Columns:
    """One row per slice with data in both windows (in the current window's cell order): values, delta, test
    statistic, p-value and both n."""
    current = at.get((metric.id, window.current.start, window.current.end), [])
    compared = at.get((metric.id, window.compared.start, window.compared.end), [])
    slices = cells["slice"]
    position = {slices[i]: i for i in compared}
    mine = np.array([i for i in current if slices[i] in position], dtype=np.int64)
    theirs = np.array([position[slices[i]] for i in mine.tolist()], dtype=np.int64)
    sums = [c for c in sum_columns(metric) if c in cells]  # without per-customer sums: independent responses
    now = {c: np.asarray(cells[c], dtype=float)[mine] for c in sums}
    before = {c: np.asarray(cells[c], dtype=float)[theirs] for c in sums}
    value, compared_value = metric.estimate.estimate(now)[0], metric.estimate.estimate(before)[0]
    test = metric.estimate.test(now, before)
    return {
        "metric": _objects([metric.id] * len(mine)),
        "lens": _objects([window.lens] * len(mine)),
        "slice": slices[mine],
        "value": value,
        "compared_value": compared_value,
        "delta": value - compared_value,
        "z": np.broadcast_to(np.asarray(test.statistic, dtype=float), len(mine)),
        "p_value": np.broadcast_to(np.asarray(test.p_value, dtype=float), len(mine)),
        "n": now[metric.n_column],
        "compared_n": before[metric.n_column],
    }


def compare(cells: Columns, chosen: Sequence[Comparison]) -> Columns:
    """Every comparison of the scan, metric by metric (in name order) and window by window; `testable` where both
    sides reach the metric's minimum n."""
    at = _rows_by_period(cells)
    metric_ids = sorted(set(cells["metric"].tolist()))
    moves = _stack([_compare_metric(get_metric(m), cells, at, w) for m in metric_ids for w in chosen])
    minimum = np.array([minimum_n(get_metric(m)) for m in moves["metric"].tolist()], dtype=float)
    tested = (moves["n"] >= minimum) & (moves["compared_n"] >= minimum) & ~np.isnan(moves["p_value"])
    return moves | {"testable": tested}


def false_discovery_keep(p_values: np.ndarray, rate: float = FALSE_DISCOVERY_RATE) -> np.ndarray:
    """Which p-values the Benjamini-Hochberg step-up procedure keeps at false-discovery rate `rate` (1995)."""
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values)
    thresholds = rate * np.arange(1, len(p_values) + 1) / max(len(p_values), 1)
    passed = np.nonzero(p_values[order] <= thresholds)[0]
    keep = np.zeros(len(p_values), dtype=bool)
    if len(passed):
        keep[order[: passed[-1] + 1]] = True
    return keep


def significant(moves: Columns) -> np.ndarray:
    """The positions of the testable moves with |z| >= 1.96 that survive the false-discovery control over all
    testable moves."""
    tested = np.nonzero(moves["testable"])[0]
    keep = false_discovery_keep(moves["p_value"][tested]) & (np.abs(moves["z"][tested]) >= stats.Z95)
    return tested[keep]


def ranked(moves: Columns, kept: np.ndarray) -> list[dict]:
    """The kept moves as records with their evidence (|z|), strongest first: the order in which the false-discovery
    control admits them. Size x the slice's share of the responses used to rank a big swing of a few answers (back
    to normal after a one-week spike) above a smaller move far better measured."""
    records = [
        dict(zip(moves, row, strict=True)) for row in zip(*(v[kept].tolist() for v in moves.values()), strict=True)
    ]
    for record in records:
        record["evidence"] = abs(record["z"])
    return sorted(records, key=lambda move: -move["evidence"])


# --- from moves to sentences -----------------------------------------------------------------------------------------


def _magnitude(metric: Metric, delta: float) -> str:
    """The size of a move in the metric's own precision: '28 points', '4.7 points', '0.37'."""
    decimals = int(metric.fmt.rsplit(".", 1)[1][0]) if "." in metric.fmt else 0
    unit = " points" if metric.unit in ("points", "percent") else ""
    return f"{abs(delta):.{decimals}f}{unit}"


def _clause(move: dict, window: Comparison, lead: bool, filters: Filters) -> str:
    """'NPS in EMEA fell 28 points to +11 since last week (was +39 in 2026-W09; significant, n=248)'."""
    metric = get_metric(move["metric"])
    verb = "rose" if move["delta"] > 0 else "fell"
    head = _subject(metric, move["slice"], filters) if lead else metric.label
    text = f"{head} {verb} {_magnitude(metric, move['delta'])} to {metric.format(move['value'])}"
    if not lead:
        return text
    was = metric.format(move["compared_value"])
    return f"{text} {window.during} (was {was} {window.before}; significant, n={int(move['n']):,})"


def _preferred(moves: list[dict]) -> list[dict]:
    """One move per slice and metric: since the last review when that is significant, else the strongest other;
    strongest evidence first (sorts are stable: equal evidence keeps its order)."""
    best: dict[tuple[str, str], dict] = {}
    for move in sorted(moves, key=lambda m: (m["lens"] != "prior", -m["evidence"])):
        best.setdefault((move["slice"], move["metric"]), move)
    return sorted(best.values(), key=lambda m: -m["evidence"])


def _sentence(group: list[dict], by_lens: dict[str, Comparison], filters: Filters) -> str:
    """One bullet: the lead move in full, the slice's other metrics briefly."""
    lead, others = group[0], group[1:]
    text = _clause(lead, by_lens[lead["lens"]], True, filters)
    extra = [
        _clause(m, by_lens[m["lens"]], False, filters)
        + ("" if m["lens"] == lead["lens"] else f" {by_lens[m['lens']].during}")
        for m in others
    ]
    if extra:
        text += "; " + (extra[0] if len(extra) == 1 else ", ".join(extra[:-1]) + " and " + extra[-1])
    return text + "."


def explore_query(filters: Filters, key: str, week: str, grain: str) -> str:
    """The URL query that opens the view filtered to a slice: the review week, the grain and every filter."""
    chosen = {d: list(v) for d, v in filters.selections().items() if d in URL_DIMENSIONS}
    chosen |= {d: [v] for d, v in slice_pairs(key)}
    params = [("week", week)] + ([("grain", grain)] if grain != "week" else [])
    params += [(d, v) for d in URL_DIMENSIONS for v in chosen.get(d, [])]
    return urlencode(params)


def _change(group: list[dict], by_lens: dict[str, Comparison], filters: Filters, period: Period) -> Change:
    lead = group[0]
    week = periods.period_containing("week", period.end).label
    return Change(
        metric=lead["metric"],
        where=where_text(lead["slice"], filters),
        slice=lead["slice"],
        direction="up" if lead["delta"] > 0 else "down",
        delta=float(lead["delta"]),
        significant=True,
        z=float(lead["z"]),
        n=int(lead["n"]),
        sentence=_sentence(group, by_lens, filters),
        page=EXPLORE_PAGE,
        query=explore_query(filters, lead["slice"], week, period.grain),
    )


def _steady(text: str, filters: Filters, period: Period) -> Change:
    week = periods.period_containing("week", period.end).label
    return Change(
        metric="",
        where=where_text("", filters),
        slice="",
        direction="steady",
        delta=None,
        significant=False,
        z=None,
        n=None,
        sentence=text,
        page=EXPLORE_PAGE,
        query=explore_query(filters, "", week, period.grain),
    )


def _quiet_sentence(tested: int, period: Period, filters: Filters) -> str:
    """Nothing to report: say so, and whether that is because nothing moved or because there were too few answers."""
    if not tested:
        return (
            f"Too few responses in {period.label} to tell a real move from noise: no score reached the minimum "
            "number of responses on both sides of a comparison."
        )
    place = _place(_named("", filters))
    scope = (
        f"{place} and in every region, segment and touchpoint within it"
        if place
        else "company-wide and in every region, segment and touchpoint"
    )
    return (
        f"Nothing moved significantly in {period.label}: {_SCORES} are within the noise {scope} "
        f"({tested} comparisons checked)."
    )


def summarise(cells: pd.DataFrame, period: Period, filters: Filters) -> tuple[Change, ...]:
    """The 'what changed' bullets for a period from the scan's cells (pure: no database)."""
    return _summary({c: cells[c].to_numpy() for c in cells.columns}, period, filters)


def _summary(cells: Columns, period: Period, filters: Filters) -> tuple[Change, ...]:
    """The bullets from the cells' columns."""
    chosen = windows(period)
    moves = compare(cells, chosen) if len(cells.get("metric", ())) else None
    kept = significant(moves) if moves is not None and len(moves["metric"]) else np.array([], dtype=np.int64)
    if not len(kept):
        tested = int(moves["testable"].sum()) if moves is not None else 0
        return (_steady(_quiet_sentence(tested, period, filters), filters, period),)
    best = _preferred(ranked(moves, kept))
    by_lens = {w.lens: w for w in chosen}
    # Strongest first, so a slice's first move is its best: the slices in order of first appearance are by evidence.
    order = list(dict.fromkeys(m["slice"] for m in best))
    found = [_change([m for m in best if m["slice"] == key], by_lens, filters, period) for key in order[:MAX_CHANGES]]
    if len(found) < MIN_CHANGES:
        found.append(
            _steady(f"Everything else held steady: no other significant move in {_SCORES_OR}.", filters, period)
        )
    return tuple(found)


def detect(conn: Connection, filters: Filters, period: Period) -> tuple[Change, ...]:
    """What changed in `period` under `filters`: 1 to 6 bullets, or one that says nothing moved significantly."""
    return _summary(_scan(conn, filters, period, CX_METRICS), period, filters)
