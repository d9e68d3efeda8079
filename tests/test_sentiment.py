"""Sentiment on hand-labelled comments (VADER compound with the domain lexicon, offline), the domain rules against
VADER's arithmetic worked by hand, the lexicon file, and the label thresholds."""

from __future__ import annotations

import math

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
    ("The renewal price went up far more than we were told.", "neutral"),  # a complaint the scorer still misses
    # Plain-worded complaints, negation and domain phrases that plain VADER scores neutral or positive.
    ("I waited three weeks and nobody called back.", "negative"),
    ("Had to chase three times for a reply.", "negative"),
    ("On hold for 40 minutes, then cut off.", "negative"),
    ("Escalated twice, still no resolution.", "negative"),
    ("Support keeps asking for the same screenshots.", "neutral"),  # VADER: +0.40 ("support" is a department)
    # Negated problems and plain praise that plain VADER scores neutral or negative.
    ("No outages in months.", "positive"),
    ("Never had to chase anyone.", "positive"),
    ("Went live on schedule and on budget.", "positive"),
    ("The billing team fixed a small error within a day.", "positive"),
]


@pytest.mark.parametrize(("text", "expected"), LABELLED, ids=[t[:30] for t, _ in LABELLED])
def test_hand_labelled_comments(text, expected):
    assert sentiment.label(sentiment.score(text)) == expected


def test_scores_are_vader_compound_values():
    assert sentiment.score("Good value for what we pay.") == pytest.approx(0.5994, abs=1e-4)
    assert sentiment.vader_score("Good value for what we pay.") == pytest.approx(0.5994, abs=1e-4)
    assert sentiment.score("") == 0.0 and sentiment.vader_score("") == 0.0
    assert sentiment.score(None) == 0.0
    assert sentiment.scores(["Great!", "Terrible!"])[0] > 0 > sentiment.scores(["Great!", "Terrible!"])[1]


def _compound(total: float) -> float:
    """VADER's normalisation of the sum of the word valences (alpha = 15), rounded as VADER rounds."""
    return round(total / math.sqrt(total * total + 15), 4)


# Texts and the sum of their valences worked by hand from sentiment_lexicon.toml and VADER's rules (negation
# multiplies a valence by -0.74; VADER's own lexicon: "missing" -1.2, "error" -1.7, "wrong" -2.1).
WORKED = [
    # Phrases are one token each: "had to" -0.8, "chase" -1.5.
    ("had to chase", -0.8 - 1.5),
    ("On hold for 40 minutes", -1.5),
    # "never" negates both words (VADER's three-word window).
    ("Never had to chase anyone.", -0.74 * -0.8 + -0.74 * -1.5),
    # "nobody" (-1.0) is a negation cue for the rest of its clause: "called back" +1.0 -> -0.74; "waited" -1.0.
    ("I waited three weeks and nobody called back", -1.0 - 1.0 - 0.74 * 1.0),
    # Negation reaches past VADER's three words to the end of the clause: "missing" five words after "never".
    ("We have never had a delivery go missing.", -0.74 * -1.2),
    # ... but not past punctuation or "and": "wrong" keeps its valence.
    ("We never asked, the invoice was wrong.", -2.1),
    ("We never asked and the invoice was wrong.", -2.1),
    # A problem word up to three words after a resolving word is not a complaint: "fixed" +1.2, "error" 0,
    # "within a day" +1.0.
    ("The billing team fixed a small error within a day.", 1.2 + 1.0),
    ("The billing team found a small error.", -1.7),
    # Department and document names carry no feeling: "support" 0 (VADER +1.7), "credits" 0 (VADER +1.6).
    ("Support keeps asking for the same screenshots.", 0.0),
    ("Our SLA credits have not been applied.", 0.0),
]


@pytest.mark.parametrize(("text", "total"), WORKED, ids=[t[:30] for t, _ in WORKED])
def test_domain_rules_match_vader_arithmetic_worked_by_hand(text, total):
    assert sentiment.score(text) == pytest.approx(_compound(total), abs=1e-4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on hold for 40 minutes", "on_hold for 40 minutes"),
        ("It took three weeks. Took 6 months. Took a couple of days.", "It took_time. took_time. took_time."),
        (
            "Reopened for the 4th time, the third time this year",
            "Reopened for the ordinal_time, the ordinal_time this year",
        ),
        ("Sent 3 tickets, answered within 2 hours", "Sent n_tickets, answered within_time"),
        ("no one ON HOLD", "no_one on_hold"),
        ("hold on, the holdout", "hold on, the holdout"),
    ],
)
def test_phrases_become_one_token_with_counts_and_lengths_of_time(text, expected):
    assert sentiment.DomainAnalyzer(sentiment.lexicon()).phrased(text) == expected


def test_the_lexicon_file_parses_and_its_fingerprint_follows_its_content():
    shipped = sentiment.lexicon()
    assert shipped.words["outage"] == -2.0 and shipped.phrases["on hold"] == -1.5
    assert "nobody" in shipped.negators and "but" in shipped.clause_breaks and "fixed" in shipped.resolvers
    assert all(-4 <= v <= 4 for v in shipped.tokens().values())
    assert sentiment.fingerprint() == shipped.fingerprint
    text = sentiment.LEXICON_FILE.read_text()
    assert sentiment.parse_lexicon(text).fingerprint == shipped.fingerprint
    assert sentiment.parse_lexicon(text.replace("outage = -2.0", "outage = -1.0")).fingerprint != shipped.fingerprint


def test_the_domain_lexicon_leaves_vaders_own_lexicon_alone():
    sentiment.score("Support keeps asking.")
    assert sentiment.vader_score("Support keeps asking.") == pytest.approx(0.4019, abs=1e-4)


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
