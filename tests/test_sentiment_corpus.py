"""The sentiment test corpus: well formed, split before tuning, and the domain lexicon's separation of negative from
positive comments on it against plain VADER's (the figures docs/metrics.md states)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from cxmetrics.stats import separation
from cxmetrics.text import evaluation, sentiment

DOCS = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"

KINDS = {
    "negative": {"plain_complaint", "negation", "domain_complaint", "mixed"},
    "positive": {"praise", "plain_praise", "negated_problem", "domain_praise", "mixed"},
}


def test_the_corpus_is_well_formed():
    corpus = evaluation.corpus()
    assert len(corpus) == 273 and len({e.text for e in corpus}) == len(corpus)
    for polarity, kinds in KINDS.items():
        assert {e.kind for e in corpus if e.polarity == polarity} == kinds
    assert {e.part for e in corpus} == set(evaluation.PARTS)


def test_the_held_out_part_is_two_fifths_of_every_kind_and_polarity():
    strata = Counter((e.polarity, e.kind) for e in evaluation.corpus())
    held = Counter((e.polarity, e.kind) for e in evaluation.corpus() if e.part == "held_out")
    for stratum, n in strata.items():
        assert held[stratum] == round(0.4 * n), stratum


@pytest.mark.parametrize(("part", "vader", "domain"), [("tune", 0.685, 0.925), ("held_out", 0.685, 0.876)])
def test_separation_on_each_part_with_and_without_the_domain_lexicon(part, vader, domain):
    plain, tuned = evaluation.corpus_separation(part, "vader"), evaluation.corpus_separation(part)
    assert (round(plain.auc, 3), round(tuned.auc, 3)) == (vader, domain)
    assert tuned.low > plain.high  # the 95% intervals do not overlap
    assert (tuned.n_high + tuned.n_low) == (163 if part == "tune" else 110)


def test_the_lexicon_does_better_on_comments_it_was_not_tuned_on():
    plain, tuned = evaluation.corpus_separation("held_out", "vader"), evaluation.corpus_separation("held_out")
    assert tuned.auc - plain.auc > 0.15


def _sample_world_figures(conn, scorer) -> dict[str, str]:
    """The figures docs/metrics.md states for the committed world's comments, scored by `scorer`."""
    rows = conn.execute("SELECT comment, nps FROM responses WHERE trim(comment) <> ''").fetchall()
    distinct = {text for text, _ in rows}
    score = dict(zip(distinct, map(scorer, distinct), strict=True))
    values = np.array([score[text] for text, _ in rows])
    nps = np.array([-1 if n is None else n for _, n in rows])
    promoters, detractors = values[nps >= 9], values[(nps >= 0) & (nps <= 6)]
    return {
        "auc": f"{separation.auc(promoters, detractors).auc:.3f}",
        "groups": f"({len(promoters):,} and {len(detractors):,})",
        "comments": f"{len(values):,} comments",
        "mean": f"{values.mean():+.2f}",
        "negative": f"{100 * (values <= sentiment.NEGATIVE).mean():.1f}%",
        "detractors": f"{detractors.mean():+.2f}",
        "promoters": f"{promoters.mean():+.2f}",
    }


@pytest.mark.slow
def test_the_sample_world_figures_in_the_docs(committed):
    plain = _sample_world_figures(committed, sentiment.vader_score)
    tuned = _sample_world_figures(committed, sentiment.score)
    text = DOCS.read_text()
    groups = plain["groups"]
    assert (
        f"| Sample world: promoters' against detractors' comments {groups} | {plain['auc']} | {tuned['auc']} |" in text
    )
    assert (
        f"On the sample world's {plain['comments']} the mean sentiment moves from {plain['mean']} to {tuned['mean']}"
        in text
    )
    assert f"from {plain['negative']} to {tuned['negative']}" in text
    assert f"comments moves from {plain['detractors']} to {tuned['detractors']}" in text
    assert f"(promoters' from {plain['promoters']} to {tuned['promoters']})" in text


def test_the_corpus_figures_in_the_docs():
    text = DOCS.read_text()
    for part, label in (("tune", "tuning part"), ("held_out", "held-out part")):
        plain, tuned = evaluation.corpus_separation(part, "vader"), evaluation.corpus_separation(part)
        row = f"| Test corpus, {label} ({tuned.n_high} positive, {tuned.n_low} negative) | {plain.auc:.3f} | "
        assert row + f"{tuned.auc:.3f} |" in text
