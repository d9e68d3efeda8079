"""Sentiment of free text, offline: VADER's compound score (-1 very negative .. +1 very positive).

VADER (Hutto & Gilbert, ICWSM 2014) is a lexicon and rule-based scorer shipped with its lexicon, so it needs no
network and no model download. It scores about 10,000 short texts per second, so texts are scored once, at load
time (`cxmetrics.text.index`), and pages read the stored scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's published thresholds on the compound score.
POSITIVE = 0.05
NEGATIVE = -0.05
LABELS = ("negative", "neutral", "positive")


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score(text: str | None) -> float:
    """The compound sentiment of one text; 0.0 for an empty one."""
    return float(_analyzer().polarity_scores(text)["compound"]) if text else 0.0


def scores(texts: Iterable[str | None]) -> list[float]:
    """The compound sentiment of each text."""
    return [score(t) for t in texts]


def label(compound: float) -> str:
    """'positive' at or above +0.05, 'negative' at or below -0.05, else 'neutral'."""
    if compound >= POSITIVE:
        return "positive"
    if compound <= NEGATIVE:
        return "negative"
    return "neutral"


def label_sql(expr: str) -> str:
    """The SQL CASE expression giving `label` of a compound score column (identifiers only, no user input)."""
    return (
        f"CASE WHEN {expr} >= {POSITIVE} THEN 'positive' WHEN {expr} <= {NEGATIVE} THEN 'negative' ELSE 'neutral' END"
    )
