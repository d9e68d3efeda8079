"""The Voice of the Customer page's query set for the benchmark (`bench_scorecard.py --sets voice`): the engine run,
its numbers flattened, and the numbers that must be present."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchmarks.naive_voice import COLUMNS, naive_voice
from cxmetrics import config
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.voice import analysis as voice

WINDOW_WEEKS = 13
REQUIRED: tuple[str, ...] = (
    "theme|billing|mentions",
    "theme|support|nps_with",
    "theme|support|sentiment",
    "pareto|*|detractor_mentions",
    "posts|Survey comments|*|volume",
    "posts|Social mentions|*|sentiment_sum",
    "posts|Complaints|*|volume",
    "verbatims|||matched",
    "verbatims|0||revenue_12m_usd",
)
THEME_COLUMNS = ("mentions", "share_pct", "sentiment", "negative_pct", "nps_with", "nps_without", "prior_share_pct")
TEXT_POSTS = ("Survey comments", "Social mentions")


@dataclass(frozen=True)
class VoiceResults:
    """What the page computes as it opens: the theme table, the Pareto, the listening posts, the first verbatims."""

    table: pd.DataFrame
    pareto: pd.DataFrame
    trend: pd.DataFrame
    verbatims: pd.DataFrame
    matched: int


def voice_queries(conn) -> VoiceResults:
    """The page as it opens for the last complete week, unfiltered, over its default 13-week window: the status
    checks, the theme sums of the window and the prior one (table, Pareto, growth), the weekly listening posts and
    the first page of verbatims, newest first."""
    week = query.latest_period(conn, "week")
    current = voice.window(week, WINDOW_WEEKS)
    prior = voice.prior_window(current)
    status = voice.status(conn)
    sums = voice.theme_sums(conn, Filters(), current, prior)
    table = voice.theme_table(sums, status.labels, int(config.get("CX_MIN_N")))
    start = min(prior.start, voice.trend_start(current))
    trend = voice.posts_trend(conn, Filters(), start, current.end, status.loaded, status.built)
    rows, matched = voice.verbatims(conn, Filters(), current, voice.VerbatimQuery())
    return VoiceResults(table, voice.detractor_pareto(sums, status.labels), trend, rows, matched)


def _f(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def voice_numbers(conn, results: VoiceResults) -> dict[str, float]:
    """The engine's numbers: {"part|key|when|column": value}."""
    numbers: dict[str, float] = {}
    for row in results.table.itertuples():
        for column in THEME_COLUMNS:
            numbers[f"theme|{row.theme}|{column}"] = _f(getattr(row, column))
    for row in results.pareto.itertuples():
        numbers[f"pareto|{row.theme}|detractor_mentions"] = _f(row.detractor_mentions)
    for row in results.trend.itertuples():
        key = f"posts|{row.post}|{row.week_start.date()}"
        numbers[f"{key}|volume"] = _f(row.volume)
        if row.post in TEXT_POSTS:
            numbers[f"{key}|sentiment_sum"], numbers[f"{key}|negative"] = _f(row.sentiment_sum), _f(row.negative)
        if row.post == "Social mentions":
            numbers[f"{key}|reach"] = _f(row.reach)
    numbers["verbatims|||matched"] = float(results.matched)
    for rank, row in enumerate(results.verbatims.itertuples()):
        for column in ("nps", "sentiment", "revenue_12m_usd"):
            numbers[f"verbatims|{rank}||{column}"] = _f(getattr(row, column))
    return numbers


VOICE = (voice_queries, voice_numbers, naive_voice, REQUIRED, COLUMNS)
