"""What changed since the last review: the significant moves of the headline CX scores, where, in plain words.

The moves are the engine's (`query.moves`: the comparisons scanned for the review period, their tests and the
Benjamini-Hochberg false-discovery control over all of them; the journey map judges its cells by the same evidence).
They are ranked by the strength of their evidence (|z|, the order in which the false-discovery control admits them)
and grouped by where they happened into at most six sentences, each with a link that opens the view filtered to
that slice. A move that a data problem of the review week explains (`cxmetrics.quality`: the score's answers shifted
abruptly, a changed scale or mapping) is not narrated, and one bullet says so; a move over a slice whose data is
suspect (a collapsed survey channel, unanswered scores, duplicates) is narrated with that caveat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from cxmetrics import navigation, periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import Metric, get_metric
from cxmetrics.periods import Period
from cxmetrics.quality.report import QualityReport
from cxmetrics.query import moves as move_scan
from cxmetrics.query.moves import Columns, Comparison

URL_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint", "channel")
MAX_CHANGES, MIN_CHANGES = 6, 3
EXPLORE_PAGE = "journey"  # its map shows the slice by touchpoint against region, with trend, comments and complaints
_FILTER_FIELDS = {"region": "regions", "segment": "segments", "touchpoint": "touchpoints", "channel": "channels"}
_SCORES, _SCORES_OR = (
    "relationship and transactional NPS, CSAT and CES",
    "relationship or transactional NPS, CSAT or CES",
)


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
    caveat: str | None = None

    @property
    def href(self) -> str | None:
        """A link relative to the app's root that opens the page filtered to this slice; None for a steady note."""
        if not self.significant:
            return None
        spec = next(p for p in navigation.PAGES if p.url_path == self.page)
        return f"./{navigation.url_path(spec)}?{self.query}"


# --- slices --------------------------------------------------------------------------------------------------------


def _named(key: str, filters: Filters) -> dict[str, str]:
    """The slice's dimension values on top of the filters' selections and the access scope ('EMEA or APAC' for
    several)."""
    chosen = {d: " or ".join(v) for d, v in filters.limited().items() if d in move_scan.SCANNED}
    return chosen | dict(move_scan.slice_pairs(key))


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
    return text + "." + (f" Data caveat: {lead['caveat']}" if lead.get("caveat") else "")


def explore_query(filters: Filters, key: str, week: str, grain: str) -> str:
    """The URL query that opens the view filtered to a slice: the review week, the grain and every filter."""
    chosen = {d: list(v) for d, v in filters.selections().items() if d in URL_DIMENSIONS}
    chosen |= {d: [v] for d, v in move_scan.slice_pairs(key)}
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
        caveat=lead.get("caveat"),
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


def summarise(
    cells: pd.DataFrame, period: Period, filters: Filters, data: QualityReport | None = None
) -> tuple[Change, ...]:
    """The 'what changed' bullets for a period from the scan's cells and the review week's data problems (pure: no
    database)."""
    return _summary({c: cells[c].to_numpy() for c in cells.columns}, period, filters, data)


def _tested(cells: Columns, period: Period) -> tuple[list[Comparison], Columns | None, np.ndarray]:
    """The review's comparisons, the moves they find in the cells, and the indices of the significant ones."""
    chosen = move_scan.windows(period)
    moves = move_scan.compare(cells, chosen) if len(cells.get("metric", ())) else None
    kept = move_scan.significant(moves) if moves is not None and len(moves["metric"]) else np.array([], dtype=np.int64)
    return chosen, moves, kept


def _screened(moves: list[dict], data: QualityReport | None) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The moves to narrate, each with the caveat of a data problem under it (if any), and the moves left out with
    the problem that explains them."""
    if data is None:
        return moves, []
    narrated, left_out = [], []
    for move in moves:
        found = data.bearing_on(move["metric"], move_scan.slice_pairs(move["slice"]))
        explaining = [f for f in found if f.explains]
        if explaining:
            left_out.append((move, explaining[0].line))
        else:
            narrated.append(move | {"caveat": found[0].line if found else None})
    return narrated, left_out


def _left_out(left_out: list[tuple[dict, str]], filters: Filters, period: Period) -> Change:
    """One bullet for the moves a data problem explains: which scores, and the problem."""
    names = list(dict.fromkeys(get_metric(m["metric"]).label for m, _ in left_out))
    scores = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = f"Moves of {scores} are not reported: a data problem explains them. {left_out[0][1]}"
    return _steady(text, filters, period)


def _summary(cells: Columns, period: Period, filters: Filters, data: QualityReport | None = None) -> tuple[Change, ...]:
    """The bullets from the cells' columns."""
    chosen, moves, kept = _tested(cells, period)
    best, left_out = _screened(_preferred(ranked(moves, kept)) if len(kept) else [], data)
    skipped = [_left_out(left_out, filters, period)] if left_out else []
    if not best:
        tested = int(moves["testable"].sum()) if moves is not None else 0
        quiet = [] if left_out else [_steady(_quiet_sentence(tested, period, filters), filters, period)]
        return tuple(skipped + quiet)
    by_lens = {w.lens: w for w in chosen}
    # Strongest first, so a slice's first move is its best: the slices in order of first appearance are by evidence.
    order = list(dict.fromkeys(m["slice"] for m in best))
    found = [_change([m for m in best if m["slice"] == key], by_lens, filters, period) for key in order[:MAX_CHANGES]]
    if len(found) < MIN_CHANGES:
        found.append(
            _steady(f"Everything else held steady: no other significant move in {_SCORES_OR}.", filters, period)
        )
    return tuple(found + skipped)


def detect(conn: Connection, filters: Filters, period: Period, data: QualityReport | None = None) -> tuple[Change, ...]:
    """What changed in `period` under `filters`: 1 to 6 bullets, or one that says nothing moved significantly; a
    move that a data problem in `data` explains is left out (one bullet says so), one it qualifies carries it."""
    return _summary(move_scan.scan_cells(conn, filters, period), period, filters, data)


def significant_moves(
    conn: Connection, filters: Filters, period: Period, data: QualityReport | None = None
) -> tuple[Change, ...]:
    """Every significant move of the review under `filters`, one per slice and metric, each in a sentence of its own
    (the moves that `detect` groups into its bullets; the exception alerts pick theirs from these); a move that a data
    problem in `data` explains is left out."""
    chosen, moves, kept = _tested(move_scan.scan_cells(conn, filters, period), period)
    if not len(kept):
        return ()
    by_lens = {w.lens: w for w in chosen}
    best, _ = _screened(_preferred(ranked(moves, kept)), data)
    return tuple(_change([m], by_lens, filters, period) for m in best)
