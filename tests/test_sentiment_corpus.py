"""The sentiment test corpus: well formed, split before tuning, and the domain lexicon's separation of negative from
positive comments on it against plain VADER's (the figures docs/metrics.md states)."""

from __future__ import annotations

from collections import Counter

import pytest

from cxmetrics.text import evaluation

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
