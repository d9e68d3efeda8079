"""Whether a distribution of answers shifted: total variation distance (the size) and a chi-square test (the noise),
pure functions of two vectors of counts over the same answer values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

RARE_SHARE = 0.01  # a value the baseline gave fewer than 1% of its answers is "new" when the week uses it
NEW_VALUES_SHARE = 0.10  # the week's share of answers on new values that says the scale or mapping changed
COMMON_SHARE = 0.05  # a value the baseline gave at least 5% of its answers ...
EXPECTED_MIN = 5.0  # ... and the week should have used at least 5 times, yet did not use at all


@dataclass(frozen=True)
class Shift:
    """How far one distribution of answers lies from another, whether chance could explain it, and whether the
    values answered changed (new values used, or common ones abandoned): what a changed scale or mapping does and a
    real change of opinion, which moves answers between the values already in use, does not."""

    distance: float
    p_value: float
    values_changed: bool = False


def total_variation(current: np.ndarray, usual: np.ndarray) -> float:
    """Half the sum of the absolute differences of the two distributions' shares: the share of answers that would
    have to move to another value (0 identical, 1 no value in common)."""
    p = np.asarray(current, dtype=float)
    q = np.asarray(usual, dtype=float)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def values_changed(current: np.ndarray, usual: np.ndarray) -> bool:
    """Whether the week answers on values the baseline hardly used (at least 10% of its answers on values under 1% of
    the baseline's), or left out a value the baseline used commonly (>= 5%) that it should have used >= 5 times."""
    p = np.asarray(current, dtype=float)
    q = np.asarray(usual, dtype=float)
    if p.sum() == 0 or q.sum() == 0:
        return False
    usual_share = q / q.sum()
    new_share = p[usual_share < RARE_SHARE].sum() / p.sum()
    abandoned = (usual_share >= COMMON_SHARE) & (usual_share * p.sum() >= EXPECTED_MIN) & (p == 0)
    return bool(new_share >= NEW_VALUES_SHARE or abandoned.any())


def shift(current: np.ndarray, usual: np.ndarray) -> Shift:
    """The total variation distance and the p-value of Pearson's chi-square test of homogeneity of the 2 x k table
    (values answered by neither side are left out; p = 1 when fewer than two values remain)."""
    table = np.vstack([np.asarray(current, dtype=float), np.asarray(usual, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    changed = values_changed(current, usual)
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return Shift(total_variation(current, usual), 1.0, changed)
    result = stats.chi2_contingency(table, correction=False)
    return Shift(total_variation(current, usual), float(result.pvalue), changed)
