"""The Voice of the Customer page's query set for the benchmark (`bench_scorecard.py --sets voice`): the page's two
builds (`voice_view.build` and `voice_view.verbatims`), their numbers flattened, and the numbers that must be
present."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchmarks.naive_voice import COLUMNS, naive_voice
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.voice import view as voice_view

WINDOW_WEEKS = 13
REQUIRED: tuple[str, ...] = (
    "theme|billing|mentions",
    "theme|support|nps_with",
    "theme|support|sentiment",
    "pareto|*|detractor_mentions",
    "posts|Survey comments|*|volume",
    # A week's sentiment is shown from the minimum n of texts up: survey comments reach it at every benchmark size,
    # social mentions (a few a week at 100k responses) only in larger worlds; their volume and reach always show.
    "posts|Survey comments|*|sentiment_sum",
    "posts|Social mentions|*|reach",
    "posts|Complaints|*|volume",
    "verbatims|||matched",
    "verbatims|0||revenue_12m_usd",
)
THEME_COLUMNS = ("mentions", "share_pct", "sentiment", "negative_pct", "nps_with", "nps_without", "prior_share_pct")
TEXT_POSTS = ("Survey comments", "Social mentions")


@dataclass(frozen=True)
class VoiceResults:
    """What the page builds as it opens: its view (themes, Pareto, listening posts) and the first verbatim page."""

    view: voice_view.VoiceView
    verbatims: voice_view.Verbatims


def voice_queries(conn) -> VoiceResults:
    """The page's two builds as it opens for the last complete week, unfiltered, over its default 13-week window:
    the view (status, theme sums of the window and the prior one, the weekly listening posts) and the first page of
    verbatims, newest first."""
    week = query.latest_period(conn, "week")
    view = voice_view.build(conn, Filters(), week, WINDOW_WEEKS)
    return VoiceResults(view, voice_view.verbatims(conn, Filters(), week, WINDOW_WEEKS, voice_view.Question()))


def _f(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def voice_numbers(conn, results: VoiceResults) -> dict[str, float]:
    """The engine's numbers: {"part|key|when|column": value}."""
    numbers: dict[str, float] = {}
    themes, verbatims = results.view.themes, results.verbatims
    for row in themes.table.itertuples():
        for column in THEME_COLUMNS:
            numbers[f"theme|{row.theme}|{column}"] = _f(getattr(row, column))
    for row in themes.pareto.itertuples():
        numbers[f"pareto|{row.theme}|detractor_mentions"] = _f(row.detractor_mentions)
    for row in results.view.trend.itertuples():
        key = f"posts|{row.post}|{row.week_start.date()}"
        numbers[f"{key}|volume"] = _f(row.volume)
        if row.post in TEXT_POSTS:
            numbers[f"{key}|sentiment_sum"], numbers[f"{key}|negative"] = _f(row.sentiment_sum), _f(row.negative)
        if row.post == "Social mentions":
            numbers[f"{key}|reach"] = _f(row.reach)
    numbers["verbatims|||matched"] = float(verbatims.matched)
    for rank, row in enumerate(verbatims.found.itertuples()):
        for column in ("nps", "sentiment", "revenue_12m_usd"):
            numbers[f"verbatims|{rank}||{column}"] = _f(getattr(row, column))
    return numbers


VOICE = (voice_queries, voice_numbers, naive_voice, REQUIRED, COLUMNS)
