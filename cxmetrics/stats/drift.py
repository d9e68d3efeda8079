"""Whether a distribution of answers shifted: total variation distance (the size) and a chi-square test (the noise),
pure functions of two vectors of counts over the same answer values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Shift:
    """How far one distribution of answers lies from another, and whether chance could explain it."""

    distance: float
    p_value: float


def total_variation(current: np.ndarray, usual: np.ndarray) -> float:
    """Half the sum of the absolute differences of the two distributions' shares: the share of answers that would
    have to move to another value (0 identical, 1 no value in common)."""
    p = np.asarray(current, dtype=float)
    q = np.asarray(usual, dtype=float)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def shift(current: np.ndarray, usual: np.ndarray) -> Shift:
    """The total variation distance and the p-value of Pearson's chi-square test of homogeneity of the 2 x k table
    (values answered by neither side are left out; p = 1 when fewer than two values remain)."""
    table = np.vstack([np.asarray(current, dtype=float), np.asarray(usual, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return Shift(total_variation(current, usual), 1.0)
    result = stats.chi2_contingency(table, correction=False)
    return Shift(total_variation(current, usual), float(result.pvalue))
