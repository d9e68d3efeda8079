"""What changed since the last review: the significant moves of the headline CX scores, where, in plain words.

The review period is compared with the prior period ("since the last review") and, because one week is noisy, the
last 4 weeks with the 13 weeks before them (a month with the 3 months before it, a quarter with the 4 quarters before
it; a year-to-date with the same period last year), company-wide, by region, segment and touchpoint, and by
touchpoint within each region. A move counts when the metric engine's test calls it significant (|z| >= 1.96) with
at least the minimum n on both sides and it survives the Benjamini-Hochberg false-discovery control over all the
comparisons scanned: at 5% each, a hundred-odd comparisons would narrate a handful of false alarms every week.
Moves are ranked by size (share of the metric's scale) x weight (the slice's share of the responses) and grouped by
where they happened into at most six sentences, each with a link that opens the view filtered to that slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from cxmetrics import config, navigation, periods, stats
from cxmetrics.aggregate import NONE_LABEL, aggregate_splits, sum_columns
from cxmetrics.filters import Filters
from cxmetrics.metrics import Metric, get_metric
from cxmetrics.periods import Period

CX_METRICS: tuple[str, ...] = ("nps", "csat", "ces")
SCANNED: tuple[str, ...] = ("region", "segment", "touchpoint")
URL_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint", "channel")
RECENT_WEEKS, BASELINE_WEEKS = 4, 13
BASELINE_PERIODS = {"month": 3, "quarter": 4}
FALSE_DISCOVERY_RATE = 0.05
MAX_CHANGES, MIN_CHANGES = 6, 3
EXPLORE_PAGE = "journey"  # its map shows the slice by touchpoint against region, with trend, comments and complaints
SCALE_WIDTH = {"points": 200.0, "percent": 100.0, "score_1_7": 6.0}
_FILTER_FIELDS = {"region": "regions", "segment": "segments", "touchpoint": "touchpoints", "channel": "channels"}
_PERIOD_NAMES = {"week": "week", "month": "month", "quarter": "quarter"}
_MOVE_COLUMNS = ("metric", "lens", "slice", "value", "compared_value", "delta", "z", "p_value", "n", "compared_n")


@dataclass(frozen=True)
class Window:
    """One comparison: the review window against an earlier one, with the words that name both."""

    lens: str
    current: Period
    compared: Period
    during: str
    before: str


@dataclass(frozen=True)
class Change:
    """One "what changed" bullet: the lead metric's move, where it happened, in words, and where to explore it."""

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


def windows(period: Period) -> tuple[Window, ...]:
    """The comparisons scanned for a review period: since the last review, and the recent level against the norm."""
    if period.grain == "ytd":
        return (
            Window(
                "last_year", period, periods.same_last_year(period), "so far this year", "in the same period last year"
            ),
        )
    before = periods.prior(period)
    name = _PERIOD_NAMES[period.grain]
    since = Window("prior", period, before, f"since last {name}", f"in {before.label}")
    return since, _recent_window(period)


def _recent_window(period: Period) -> Window:
    """The last 4 weeks against the 13 before them; a month or quarter against the few before it."""
    if period.grain == "week":
        recent = periods.rolling_weeks(period, RECENT_WEEKS)
        baseline = Period("rolling", recent.start - timedelta(weeks=BASELINE_WEEKS), recent.start - timedelta(days=1))
        return Window(
            "recent", recent, baseline, f"over the last {RECENT_WEEKS} weeks", f"in the {BASELINE_WEEKS} weeks before"
        )
    count = BASELINE_PERIODS[period.grain]
    first = period
    for _ in range(count):
        first = periods.prior(first)
    baseline = Period("range", first.start, period.start - timedelta(days=1))
    return Window("recent", period, baseline, f"in {period.label}", f"in the {count} {period.grain}s before")


def scan_periods(chosen: Sequence[Window]) -> list[Period]:
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
    """The slice's dimension values on top of the filters' selections ('EMEA or APAC' for several)."""
    chosen = {d: " or ".join(v) for d, v in filters.selections().items() if d in SCANNED}
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


def _cells_of(metric: Metric, sums: dict[str, np.ndarray], wanted: Sequence[Period]) -> pd.DataFrame:
    """A metric's sums per (period, split values) as cells: metric, slice key, period bounds and the sums; slices
    with a missing value (no region, no touchpoint) are left out."""
    pairs = sums["dim_value"].tolist()
    kept = np.array([all(value != NONE_LABEL for _, value in found) for found in pairs], dtype=bool)
    chosen = [wanted[i] for i in sums["basis_id"][kept].tolist()]
    cells = {
        "metric": [metric.id] * len(chosen),
        "slice": [slice_key(found) for found, keep in zip(pairs, kept.tolist(), strict=True) if keep],
        "period_start": [p.start for p in chosen],
        "period_end": [p.end for p in chosen],
    }
    return pd.DataFrame(cells | {c: sums[c][kept] for c in sum_columns(metric)})


def scan(conn, filters: Filters, period: Period, metric_ids: Sequence[str] = CX_METRICS) -> pd.DataFrame:
    """Sums of the headline CX metrics for every period of the comparisons and every slice scanned, all splits of a
    source in one query."""
    wanted = scan_periods(windows(period))
    metrics = [get_metric(m) for m in metric_ids]
    sums = aggregate_splits(conn, metrics, filters, wanted, splits(filters))
    return pd.concat([_cells_of(m, sums[m.id], wanted) for m in metrics], ignore_index=True)


# --- from cells to significant moves (pure) ------------------------------------------------------------------------


def _min_n(metric: Metric) -> int:
    return int(config.get("CX_MIN_N")) if metric.min_n is None else metric.min_n


def _rows_in(cells: pd.DataFrame, period: Period) -> pd.DataFrame:
    chosen = (cells["period_start"] == period.start) & (cells["period_end"] == period.end)
    return cells[chosen]


def _compare_metric(metric: Metric, cells: pd.DataFrame, window: Window) -> pd.DataFrame:
    """One row per slice with data in both windows: values, delta, test statistic, p-value and both n."""
    current, compared = _rows_in(cells, window.current), _rows_in(cells, window.compared)
    # Each slice has one row per period, so aligning on the slice keeps the current rows' order, as an inner merge.
    found = pd.Index(compared["slice"]).get_indexer(current["slice"])
    mine, theirs = np.nonzero(found >= 0)[0], found[found >= 0]
    sums = sum_columns(metric)
    now = {c: current[c].to_numpy(dtype=float)[mine] for c in sums}
    before = {c: compared[c].to_numpy(dtype=float)[theirs] for c in sums}
    value, compared = metric.estimate.estimate(now)[0], metric.estimate.estimate(before)[0]
    test = metric.estimate.test(now, before)
    return pd.DataFrame(
        {
            "metric": metric.id,
            "lens": window.lens,
            "slice": current["slice"].to_numpy()[mine],
            "value": value,
            "compared_value": compared,
            "delta": value - compared,
            "z": np.asarray(test.statistic, dtype=float),
            "p_value": np.asarray(test.p_value, dtype=float),
            "n": now[metric.n_column],
            "compared_n": before[metric.n_column],
        }
    )


def compare(cells: pd.DataFrame, chosen: Sequence[Window]) -> pd.DataFrame:
    """Every comparison of the scan; `testable` where both sides reach the metric's minimum n."""
    frames = [_compare_metric(get_metric(m), group, w) for m, group in cells.groupby("metric") for w in chosen]
    moves = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(_MOVE_COLUMNS))
    minimum = moves["metric"].map(lambda m: _min_n(get_metric(m))).astype(float)
    tested = (moves["n"] >= minimum) & (moves["compared_n"] >= minimum)
    return moves.assign(testable=tested & moves["p_value"].notna())


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


def significant(moves: pd.DataFrame) -> pd.DataFrame:
    """The testable moves with |z| >= 1.96 that survive the false-discovery control over all testable moves."""
    tested = moves[moves["testable"]]
    keep = false_discovery_keep(tested["p_value"].to_numpy()) & (tested["z"].abs() >= stats.Z95).to_numpy()
    return tested[keep]


def ranked(moves: pd.DataFrame, cells: pd.DataFrame, chosen: Sequence[Window]) -> pd.DataFrame:
    """Moves with weight (the slice's share of the metric's responses) and score (size x weight), best first."""
    current = {w.lens: w.current for w in chosen}
    company = cells[cells["slice"] == ""]
    totals = {
        (m, lens): _rows_in(group, period)[get_metric(m).n_column].sum()
        for m, group in company.groupby("metric")
        for lens, period in current.items()
    }
    total = [totals.get((m, lens), 0) for m, lens in zip(moves["metric"], moves["lens"], strict=True)]
    weight = np.minimum(stats.ratio(moves["n"].to_numpy(dtype=float), np.asarray(total, dtype=float)), 1.0)
    size = moves["delta"].abs() / moves["metric"].map(lambda m: SCALE_WIDTH.get(get_metric(m).unit, 1.0))
    scored = moves.assign(weight=np.nan_to_num(weight, nan=1.0), score=size * np.nan_to_num(weight, nan=1.0))
    return scored.sort_values("score", ascending=False, kind="stable")


# --- from moves to sentences -----------------------------------------------------------------------------------------


def _magnitude(metric: Metric, delta: float) -> str:
    """The size of a move in the metric's own precision: '28 points', '4.7 points', '0.37'."""
    decimals = int(metric.fmt.rsplit(".", 1)[1][0]) if "." in metric.fmt else 0
    unit = " points" if metric.unit in ("points", "percent") else ""
    return f"{abs(delta):.{decimals}f}{unit}"


def _clause(move: pd.Series, window: Window, lead: bool, filters: Filters) -> str:
    """'NPS in EMEA fell 28 points to +11 since last week (was +39 in 2026-W09; significant, n=248)'."""
    metric = get_metric(move["metric"])
    verb = "rose" if move["delta"] > 0 else "fell"
    head = _subject(metric, move["slice"], filters) if lead else metric.label
    text = f"{head} {verb} {_magnitude(metric, move['delta'])} to {metric.format(move['value'])}"
    if not lead:
        return text
    was = metric.format(move["compared_value"])
    return f"{text} {window.during} (was {was} {window.before}; significant, n={int(move['n']):,})"


def _preferred(moves: pd.DataFrame) -> pd.DataFrame:
    """One move per slice and metric: since the last review when that is significant, else the strongest other."""
    order = moves.assign(_since=(moves["lens"] != "prior").astype(int))
    best = order.sort_values(["_since", "score"], ascending=[True, False]).drop_duplicates(["slice", "metric"])
    return best.drop(columns="_since").sort_values("score", ascending=False, kind="stable")


def _sentence(group: pd.DataFrame, by_lens: dict[str, Window], filters: Filters) -> str:
    """One bullet: the lead move in full, the slice's other metrics briefly."""
    lead, others = group.iloc[0], group.iloc[1:]
    text = _clause(lead, by_lens[lead["lens"]], True, filters)
    extra = [
        _clause(m, by_lens[m["lens"]], False, filters)
        + ("" if m["lens"] == lead["lens"] else f" {by_lens[m['lens']].during}")
        for _, m in others.iterrows()
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


def _change(group: pd.DataFrame, by_lens: dict[str, Window], filters: Filters, period: Period) -> Change:
    lead = group.iloc[0]
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
        f"Nothing moved significantly in {period.label}: NPS, CSAT and CES are within the noise {scope} "
        f"({tested} comparisons checked)."
    )


def summarise(cells: pd.DataFrame, period: Period, filters: Filters) -> tuple[Change, ...]:
    """The 'what changed' bullets for a period from the scan's cells (pure: no database)."""
    chosen = windows(period)
    moves = compare(cells, chosen) if len(cells) else pd.DataFrame(columns=[*_MOVE_COLUMNS, "testable"])
    kept = significant(moves) if len(moves) else moves
    if kept.empty:
        tested = int(moves["testable"].sum()) if len(moves) else 0
        return (_steady(_quiet_sentence(tested, period, filters), filters, period),)
    best = _preferred(ranked(kept, cells, chosen))
    by_lens = {w.lens: w for w in chosen}
    order = best.groupby("slice", sort=False)["score"].max().sort_values(ascending=False, kind="stable")
    found = [_change(best[best["slice"] == key], by_lens, filters, period) for key in order.index[:MAX_CHANGES]]
    if len(found) < MIN_CHANGES:
        found.append(
            _steady("Everything else held steady: no other significant move in NPS, CSAT or CES.", filters, period)
        )
    return tuple(found)


def detect(conn, filters: Filters, period: Period) -> tuple[Change, ...]:
    """What changed in `period` under `filters`: 1 to 6 bullets, or one that says nothing moved significantly."""
    return summarise(scan(conn, filters, period), period, filters)
