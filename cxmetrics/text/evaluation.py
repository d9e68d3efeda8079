"""How well sentiment separates negative from positive comments on the test corpus (`sentiment_corpus.csv`).

The corpus holds hand-written B2B customer comments in another style than the sample world's (plain-worded
complaints, negation, domain phrases, mixed comments, plain and negated praise), each with the polarity its writer
meant. A seeded draw within each kind and polarity put 40% of them in a held-out part before the domain lexicon was
written; the lexicon was tuned on the other part only, so the held-out AUC is the honest figure.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cxmetrics.stats import separation
from cxmetrics.text import sentiment

CORPUS_FILE = Path(__file__).resolve().parent / "sentiment_corpus.csv"
PARTS = ("tune", "held_out")
SCORERS: dict[str, Callable[[str | None], float]] = {"vader": sentiment.vader_score, "domain": sentiment.score}


@dataclass(frozen=True)
class Example:
    """One comment of the corpus: its text, the polarity meant, its kind and its part (tune or held_out)."""

    text: str
    polarity: str
    kind: str
    part: str


@cache
def corpus() -> tuple[Example, ...]:
    """The committed test corpus."""
    with CORPUS_FILE.open(newline="") as handle:
        return tuple(Example(**row) for row in csv.DictReader(handle))


def separation_of(examples: tuple[Example, ...], scorer: Callable[[str | None], float]) -> separation.Separation:
    """AUC of `scorer` between the positive and the negative comments of `examples`."""
    high = [scorer(e.text) for e in examples if e.polarity == "positive"]
    low = [scorer(e.text) for e in examples if e.polarity == "negative"]
    return separation.auc(high, low)


@cache
def corpus_separation(part: str, scorer: str = "domain") -> separation.Separation:
    """AUC on one part of the corpus ('tune' or 'held_out') with plain VADER ('vader') or the domain lexicon."""
    return separation_of(tuple(e for e in corpus() if e.part == part), SCORERS[scorer])
