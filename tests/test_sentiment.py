"""Sentiment on hand-labelled comments (VADER compound, offline) and the label thresholds."""

from __future__ import annotations

import duckdb
import pytest

from cxmetrics.text import sentiment

# Comments labelled by hand: clear praise, clear complaint, and factual statements without feeling.
LABELLED = [
    ("Northwind Services support fixed our issue in ten minutes. Impressive.", "positive"),
    ("Good value for what we pay.", "positive"),
    ("Best support experience we have had with any vendor.", "positive"),
    ("Frustrating experience. The invoice was wrong again and we had to dispute it.", "negative"),
    ("Not happy, to be honest. We were double charged this month.", "negative"),
    ("The migration to the new billing platform has been a disaster for our finance team.", "negative"),
    ("Frustrating experience. Nobody called back as promised.", "negative"),
    ("Our setup was delayed by three weeks with no explanation.", "negative"),
    ("We have had three account managers in a year.", "neutral"),
    ("The renewal price went up far more than we were told.", "neutral"),  # a complaint VADER's lexicon misses
]


@pytest.mark.parametrize(("text", "expected"), LABELLED, ids=[t[:30] for t, _ in LABELLED])
def test_hand_labelled_comments(text, expected):
    assert sentiment.label(sentiment.score(text)) == expected


def test_scores_are_vader_compound_values():
    assert sentiment.score("Good value for what we pay.") == pytest.approx(0.5994, abs=1e-4)
    assert sentiment.score("") == 0.0
    assert sentiment.score(None) == 0.0
    assert sentiment.scores(["Great!", "Terrible!"])[0] > 0 > sentiment.scores(["Great!", "Terrible!"])[1]


@pytest.mark.parametrize(
    ("compound", "expected"),
    [(0.05, "positive"), (0.0499, "neutral"), (0.0, "neutral"), (-0.0499, "neutral"), (-0.05, "negative")],
)
def test_label_thresholds(compound, expected):
    assert sentiment.label(compound) == expected


def test_sql_labels_agree_with_python():
    values = [0.05, 0.0499, 0.0, -0.0499, -0.05, 0.9, -0.9]
    sql = f"SELECT s, {sentiment.label_sql('s')} FROM unnest($v) u(s)"  # noqa: S608 (constants only)
    rows = duckdb.connect().execute(sql, {"v": values})
    assert {s: label for s, label in rows.fetchall()} == {s: sentiment.label(s) for s in values}
