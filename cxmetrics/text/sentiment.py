"""Sentiment of free text, offline: VADER's compound score (-1 very negative .. +1 very positive) with a domain lexicon.

VADER (Hutto & Gilbert, ICWSM 2014) is a lexicon and rule-based scorer shipped with its lexicon, so it needs no
network and no model download. Its lexicon was rated on social-media text and misses how business customers
complain ("had to chase", "on hold for 40 minutes", "nobody called back"), so `score` adds the domain lexicon of
`sentiment_lexicon.toml`: words and phrases with their valence, "nobody" and "no one" as negation cues, negation that
reaches to the end of the clause (Das & Chen 2001; VADER stops three words after the cue), and a problem word right
after a word that resolves it scored as neutral. `vader_score` is plain VADER, kept to measure the difference
(`cxmetrics.text.evaluation`). Texts are scored once, at load time (`cxmetrics.text.index`), and pages read the
stored scores.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from vaderSentiment.vaderSentiment import N_SCALAR, NEGATE, SentimentIntensityAnalyzer

LEXICON_FILE = Path(__file__).resolve().parent / "sentiment_lexicon.toml"
# VADER's published thresholds on the compound score.
POSITIVE = 0.05
NEGATIVE = -0.05
LABELS = ("negative", "neutral", "positive")
_VADER_WINDOW = 3  # VADER negates a word up to three words after the cue
# The clause rules take time in the square of a clause's length: a text is scored on its first 5,000 characters (a
# long letter's worth), so a 3 MB comment loads in seconds rather than hours.
SCORED_CHARS = 5000
_CLAUSE_END = re.compile(r"[.,;:!?]$")
_COUNT = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|a couple of)"
_PLACEHOLDERS = {
    "{n}": _COUNT,
    "{time}": r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    r"|sixty|several|a few|a couple of)[ -](?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)",
    "{ordinal}": r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))",
}


@dataclass(frozen=True)
class Lexicon:
    """The domain lexicon: word valences, phrases scored as one token, and the rules' word lists."""

    words: dict[str, float]
    phrases: dict[str, float]
    negators: frozenset[str]
    clause_breaks: frozenset[str]
    resolvers: frozenset[str]
    fingerprint: str

    def tokens(self) -> dict[str, float]:
        """The valence of every word and phrase token, as added to VADER's lexicon."""
        return {**self.words, **{phrase_token(p): v for p, v in self.phrases.items()}}

    def patterns(self) -> tuple[tuple[str, re.Pattern[str], str], ...]:
        """Per phrase, longest first: a word it contains (a quick test before the regular expression), the regular
        expression matching it as whole words, and its token."""
        ordered = sorted(self.phrases, key=len, reverse=True)
        return tuple(
            (_anchor(p), re.compile(rf"\b{_phrase_regex(p)}\b", re.IGNORECASE), phrase_token(p)) for p in ordered
        )


def phrase_token(phrase: str) -> str:
    """The one token a phrase is scored as: its words joined by underscores ('on hold' -> 'on_hold')."""
    return re.sub(r"\W+", "_", phrase.replace("{", "").replace("}", "").lower()).strip("_")


def _anchor(phrase: str) -> str:
    """The longest literal word of a phrase."""
    return max(re.sub(r"\{\w+\}", " ", phrase).split(), key=len)


def _phrase_regex(phrase: str) -> str:
    parts = re.split(r"(\{\w+\})", phrase.lower())
    return "".join(_PLACEHOLDERS.get(p, re.escape(p).replace(r"\ ", r"\s+")) for p in parts)


def parse_lexicon(text: str) -> Lexicon:
    """The lexicon of a TOML text with tables [words], [phrases] and [rules]."""
    data = tomllib.loads(text)
    rules = data.get("rules", {})
    return Lexicon(
        words={k.lower(): float(v) for k, v in data.get("words", {}).items()},
        phrases={k.lower(): float(v) for k, v in data.get("phrases", {}).items()},
        negators=frozenset(rules.get("negators", ())),
        clause_breaks=frozenset(rules.get("clause_breaks", ())),
        resolvers=frozenset(rules.get("resolvers", ())),
        fingerprint=hashlib.sha256(f"{version('vaderSentiment')}\n{text}".encode()).hexdigest()[:16],
    )


@cache
def lexicon() -> Lexicon:
    """The shipped domain lexicon."""
    return parse_lexicon(LEXICON_FILE.read_text())


class DomainAnalyzer(SentimentIntensityAnalyzer):
    """VADER with the domain lexicon's tokens, negation cues, clause-wide negation and resolved problems."""

    def __init__(self, domain: Lexicon):
        super().__init__()
        self.lexicon.update(domain.tokens())
        self.domain = domain
        self._patterns = domain.patterns()

    def phrased(self, text: str) -> str:
        """The text with every phrase of the lexicon replaced by its token."""
        lowered = text.lower()
        for anchor, pattern, token in self._patterns:
            if anchor in lowered:
                text = pattern.sub(token, text)
        return text

    def polarity_scores(self, text: str) -> dict:
        """VADER's scores of the text with its phrases as tokens."""
        return super().polarity_scores(self.phrased(text))

    def sentiment_valence(self, valence, sentitext, item, i, sentiments):
        """VADER's valence of word i, then the domain rules: resolved problems and negation across the clause."""
        sentiments = super().sentiment_valence(valence, sentitext, item, i, sentiments)
        if sentiments[-1]:
            words, starts = self._clauses(sentitext)
            sentiments[-1] = self._domain_rules(sentiments[-1], words, starts[i], i)
        return sentiments

    def _clauses(self, sentitext) -> tuple[list[str], list[int]]:
        """The text's words in lower case and, per word, the index of the first word of its clause (a clause ends at
        punctuation or before a contrast word); kept on the text for its other words."""
        if not hasattr(sentitext, "domain_clauses"):
            raw = sentitext.text.split()
            words = [w.lower() for w in sentitext.words_and_emoticons]
            starts = [0] * len(words)
            for j in range(1, len(words)):
                ends = _CLAUSE_END.search(raw[j - 1]) or words[j] in self.domain.clause_breaks
                starts[j] = j if ends else starts[j - 1]
            sentitext.domain_clauses = (words, starts)
        return sentitext.domain_clauses

    def _domain_rules(self, valence: float, words: list[str], start: int, i: int) -> float:
        before = words[start:i]
        near = before[-_VADER_WINDOW:]
        if valence < 0 and self.domain.resolvers.intersection(near):
            return 0.0
        far = before[: max(len(before) - _VADER_WINDOW, 0)]
        vader_cue = any(_vader_negation(w) for w in near)
        if any(w in self.domain.negators for w in before) or (not vader_cue and any(map(_vader_negation, far))):
            return valence * N_SCALAR
        return valence


def _vader_negation(word: str) -> bool:
    return word in NEGATE or "n't" in word


@cache
def _analyzer() -> DomainAnalyzer:
    return DomainAnalyzer(lexicon())


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score(text: str | None) -> float:
    """The compound sentiment of one text with the domain lexicon; 0.0 for an empty one."""
    return float(_analyzer().polarity_scores(text[:SCORED_CHARS])["compound"]) if text else 0.0


def scores(texts: Iterable[str | None]) -> list[float]:
    """The compound sentiment of each text with the domain lexicon."""
    return [score(t) for t in texts]


def vader_score(text: str | None) -> float:
    """Plain VADER's compound sentiment of one text (no domain lexicon); 0.0 for an empty one."""
    return float(_vader().polarity_scores(text)["compound"]) if text else 0.0


def fingerprint() -> str:
    """A short hash of the scorer (VADER's version and the domain lexicon): stored scores are redone when it changes."""
    return lexicon().fingerprint


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
