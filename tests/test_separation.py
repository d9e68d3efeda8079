"""The AUC of a score between two groups (Mann-Whitney U) and its Hanley-McNeil interval, against hand-computed
values, and the frequency-table form the Voice page uses against scipy's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxmetrics.stats import separation


def test_auc_counts_pairs_ranked_right_and_half_the_ties():
    # Pairs (high, low): (3, 1) (3, 2) (2, 1) right, (2, 2) a tie: 3.5 of 4.
    result = separation.auc([3, 2], [1, 2])
    assert result.auc == pytest.approx(0.875)
    assert (result.n_high, result.n_low) == (2, 2)


def test_auc_is_one_half_for_identical_groups_and_zero_when_reversed():
    assert separation.auc([1, 2, 3], [1, 2, 3]).auc == pytest.approx(0.5)
    assert separation.auc([1, 1], [2, 3]).auc == pytest.approx(0.0)


def test_hanley_mcneil_interval_by_hand():
    # A = 0.875, n = 2 and 2: Q1 = A / (2 - A) = 0.77778, Q2 = 2 A^2 / (1 + A) = 0.81667,
    # Var = (A (1 - A) + (Q1 - A^2) + (Q2 - A^2)) / 4 = 0.043142; 1.96 x 0.20771 = 0.40711; the top clipped to 1.
    q1, q2 = 0.875 / 1.125, 2 * 0.875**2 / 1.875
    half = 1.96 * math.sqrt((0.875 * 0.125 + (q1 - 0.875**2) + (q2 - 0.875**2)) / 4)
    assert half == pytest.approx(0.40711, abs=1e-5)
    result = separation.auc([3, 2], [1, 2])
    assert (result.low, result.high) == (pytest.approx(0.875 - half), 1.0)


def test_an_empty_group_gives_no_figure():
    for result in (separation.auc([], [1.0]), separation.auc_of_counts([0.1], [3], [0])):
        assert math.isnan(result.auc) and math.isnan(result.low) and math.isnan(result.high)


def test_the_frequency_table_gives_scipys_u_with_ties():
    rng = np.random.default_rng(7)
    high = rng.choice([-0.5, 0.0, 0.2, 0.4, 0.9], size=40)
    low = rng.choice([-0.8, -0.5, 0.0, 0.2], size=25)
    values = np.unique(np.concatenate([high, low]))
    counted = separation.auc_of_counts(
        values[::-1], [(high == v).sum() for v in values[::-1]], [(low == v).sum() for v in values[::-1]]
    )
    direct = separation.auc(high, low)
    assert counted.auc == pytest.approx(direct.auc) and (counted.low, counted.high) == (direct.low, direct.high)
    assert (counted.n_high, counted.n_low) == (40, 25)
