"""Findings: each data problem found, with the one line a leader reads, where it is (its slice, survey and score)
and whether it explains a move of a score outright (a changed scale: the move is the artefact) or only qualifies it
(a collapsed channel, unanswered scores, duplicates change the mix the score rests on)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cxmetrics.periods import Period
from cxmetrics.quality import freshness
from cxmetrics.quality.thresholds import Thresholds

FRESHNESS, VOLUME, MISSING, DUPLICATES, SHIFT, REJECTS = (
    "freshness", "volume", "missing", "duplicates", "shift", "rejects",
)  # fmt: skip
WEEKLY_KINDS: frozenset[str] = frozenset({VOLUME, MISSING, DUPLICATES, SHIFT})
MAX_VOLUME_LINES = 3
SCORE_LABELS = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
_CHANNEL_WORDS = {"sms": "SMS", "in_app": "in-app"}
# The survey and score each CX metric reads (None: every survey).
METRIC_SCORES: dict[str, tuple[str | None, str]] = {
    "relationship_nps": ("relationship", "nps"),
    "transactional_nps": ("transactional", "nps"),
    "nps": (None, "nps"),
    "csat": (None, "csat"),
    "ces": (None, "ces"),
}


@dataclass(frozen=True)
class Finding:
    """One data problem: its kind, the table it is in, its line for leaders, and where it is."""

    kind: str
    table: str
    line: str
    pairs: tuple[tuple[str, str], ...] = ()
    survey: str | None = None
    score: str | None = None

    @property
    def explains(self) -> bool:
        """Whether a move of the score it touches is the artefact itself (left out of what changed)."""
        return self.kind == SHIFT

    def bears_on(self, metric: str, pairs: Sequence[tuple[str, str]]) -> bool:
        """Whether the problem lies under a move of `metric` in the slice `pairs`: the same score and survey (or
        every one), and for a problem of one slice (a collapsed channel of a region) a move in a slice that names
        part of it without contradicting it (in the region, or at the channel)."""
        if self.kind not in WEEKLY_KINDS or metric not in METRIC_SCORES:
            return False
        survey, score = METRIC_SCORES[metric]
        if (self.score and self.score != score) or (self.survey and survey and self.survey != survey):
            return False
        if survey == "relationship" and any(dim == "touchpoint" for dim, _ in self.pairs):
            return False  # relationship surveys are not sent at a touchpoint
        chosen = dict(pairs)
        if any(chosen.get(dim, value) != value for dim, value in self.pairs):
            return False
        # A collapsed slice changes the mix of the slices that name it, not of the whole company or another place.
        return not self.pairs or any(chosen.get(dim) == value for dim, value in self.pairs)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _words(value: str) -> str:
    return _CHANNEL_WORDS.get(value, value.replace("_", " "))


def where(pairs: Sequence[tuple[str, str]]) -> str:
    """A slice in words, as a sentence starts: 'APAC email', 'Billing touchpoint', 'APAC billing touchpoint'; 'All
    responses' for no slice."""
    named = dict(pairs)
    parts = [named["region"]] if "region" in named else []
    parts += [_words(named["channel"])] if "channel" in named else []
    parts += [f"{_words(named['touchpoint'])} touchpoint"] if "touchpoint" in named else []
    text = " ".join(parts) or "All responses"
    return text[0].upper() + text[1:]


# --- freshness ---------------------------------------------------------------------------------------------------


def _consequence(row: pd.Series, week: Period | None) -> str:
    """What a late table means for the review."""
    until = row["covered_until"]
    if row["cadence"] == "monthly":
        return f"months after {until:%b %Y} are missing"
    if week is not None and until < week.end:
        return "this week is incomplete"
    return f"nothing after {_day(until)} is in the figures"


def freshness_findings(table: pd.DataFrame, clock: str, week: Period | None) -> list[Finding]:
    """A finding per late or stale table."""
    found = []
    for _, row in table[table["status"].isin([freshness.LATE, freshness.STALE])].iterrows():
        label = freshness.WATCHED_BY_TABLE[row["table"]].label
        days = int(row["days_behind"])
        behind = "behind the freshest table" if clock == "data" else "ago"
        line = (
            f"{label} last dated {_day(row['last_date'])}, {days} days {behind} ({row['status']}): "
            f"{_consequence(row, week)}."
        )
        found.append(Finding(FRESHNESS, row["table"], line))
    return found


# --- the week's responses -------------------------------------------------------------------------------------------


def volume_pairs(row: pd.Series) -> tuple[tuple[str, str], ...]:
    """The slice of a volume row as (dimension, value) pairs; () for all responses."""
    return tuple((dim, row[dim]) for dim in ("region", "touchpoint", "channel") if pd.notna(row[dim]))


def _parents_flagged(pairs: tuple[tuple[str, str], ...], flagged: set) -> bool:
    """Whether a less specific slice containing this one fell too (that one tells the story)."""
    return () in flagged or (len(pairs) > 1 and any((pair,) in flagged for pair in pairs))


def volume_findings(volumes: pd.DataFrame) -> list[Finding]:
    """A finding per slice whose volume fell beyond the threshold, the least specific first (a channel that fell
    everywhere is one finding, not one per region), at most `MAX_VOLUME_LINES` and a line counting the rest."""
    fallen = volumes[volumes["flagged"]]
    flagged = {volume_pairs(row) for _, row in fallen.iterrows()}
    found = []
    for _, row in (
        fallen.assign(depth=[len(volume_pairs(r)) for _, r in fallen.iterrows()])
        .sort_values(["depth", "change_pct"])
        .iterrows()
    ):
        pairs = volume_pairs(row)
        if pairs and _parents_flagged(pairs, flagged):
            continue
        subject = f"{where(pairs)} survey volume" if pairs else "Survey volume"
        line = (
            f"{subject} fell {-row['change_pct']:.0f}% this week ({int(row['week_responses']):,} responses, usually "
            f"{row['usual_responses']:,.0f}): check the survey trigger."
        )
        found.append(Finding(VOLUME, "responses", line, pairs))
    if len(found) > MAX_VOLUME_LINES:
        rest = len(found) - MAX_VOLUME_LINES
        line = f"Survey volume also fell in {rest} more slices this week: see the Data page."
        more = Finding(VOLUME, "responses", line)
        found = [*found[:MAX_VOLUME_LINES], more]
    return found


def _value_range(counts: pd.DataFrame, column: str) -> str:
    values = counts.loc[counts["value"].notna() & (counts[column] > 0), "value"]
    return f"{values.min():.0f}-{values.max():.0f}" if len(values) else "none"


def shift_line(row: pd.Series, counts: pd.DataFrame) -> str:
    """'Transactional NPS answers shifted abruptly this week (answers 1-5, usually 0-10; 64% of answers on other
    values): check the scale or answer mapping of the latest load.'"""
    mine = counts[(counts["survey"] == row["survey"]) & (counts["score"] == row["score"])]
    now, usual = _value_range(mine, "week_n"), _value_range(mine, "usual_n")
    ranges = f"answers {now}, usually {usual}; " if now != usual else ""
    return (
        f"{row['survey'].capitalize()} {SCORE_LABELS[row['score']]} answers shifted abruptly this week ({ranges}"
        f"{row['distance']:.0%} of answers on other values than usual): check the scale or answer mapping of the "
        "latest load."
    )


def answer_findings(answers: pd.DataFrame, counts: pd.DataFrame) -> list[Finding]:
    """A finding per survey's score with unanswered shares beyond the threshold, and per shifted distribution."""
    found = []
    for _, row in answers[answers["missing_flagged"]].iterrows():
        line = (
            f"{SCORE_LABELS[row['score']]} was left unanswered in {row['missing_pct']:.0f}% of {row['survey']} "
            f"responses this week (usually {row['usual_missing_pct']:.0f}%): check the survey form or its mapping."
        )
        found.append(Finding(MISSING, "responses", line, survey=row["survey"], score=row["score"]))
    for _, row in answers[answers["shift_flagged"]].iterrows():
        found.append(Finding(SHIFT, "responses", shift_line(row, counts), survey=row["survey"], score=row["score"]))
    return found


def duplicate_finding(found: int, responses: int, limits: Thresholds) -> Finding:
    """The week's duplicate-looking responses in one line."""
    line = (
        f"{found:,} responses this week look like duplicates (the same customer, survey and answers within "
        f"{limits.duplicate_minutes} minutes; {100 * found / responses:.1f}% of the week): check the survey tool "
        "for resubmissions."
    )
    return Finding(DUPLICATES, "responses", line)


# --- loads ------------------------------------------------------------------------------------------------------------


def reject_findings(rejects: pd.DataFrame) -> list[Finding]:
    """A finding per table whose latest load rejected a share of its rows beyond the threshold."""
    found = []
    for _, row in rejects[rejects["flagged"]].iterrows():
        line = (
            f"The latest load of {row['table']} ({_day(row['loaded_at'].date())}) rejected {row['rejected_pct']:.0f}% "
            f"of its rows ({int(row['rejected']):,} of {int(row['rows_read']):,}): its figures may be short; the "
            "Data page lists why."
        )
        found.append(Finding(REJECTS, row["table"], line))
    return found
