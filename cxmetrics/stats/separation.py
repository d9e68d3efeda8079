"""How well a score separates two groups: the area under the ROC curve (AUC), read from the Mann-Whitney U statistic.

AUC = U / (n_high x n_low) (Bamber 1975): the probability that a member of the group expected to score higher
does, ties counting one half (Mann & Whitney 1947). 0.5 is no separation, 1.0 perfect. The 95% interval is Hanley &
McNeil's (1982), clipped to [0, 1]; it treats the scores as independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from cxmetrics.stats.intervals import Z95


@dataclass(frozen=True)
class Separation:
    """AUC of a score between two groups, its 95% interval and the size of each group."""

    auc: float
    low: float
    high: float
    n_high: int
    n_low: int


def auc(high, low) -> Separation:
    """The AUC of the scores `high` (expected higher) against `low`, by scipy's Mann-Whitney U."""
    high, low = np.asarray(high, dtype=float), np.asarray(low, dtype=float)
    if len(high) == 0 or len(low) == 0:
        return _separation(math.nan, len(high), len(low))
    u = sps.mannwhitneyu(high, low, alternative="two-sided").statistic
    return _separation(float(u) / (len(high) * len(low)), len(high), len(low))


def auc_of_counts(values, high_counts, low_counts) -> Separation:
    """The AUC from a frequency table: distinct score `values` and how many of each group have each (the same U)."""
    order = np.argsort(np.asarray(values, dtype=float))
    high = np.asarray(high_counts, dtype=float)[order]
    low = np.asarray(low_counts, dtype=float)[order]
    n_high, n_low = int(high.sum()), int(low.sum())
    if n_high == 0 or n_low == 0:
        return _separation(math.nan, n_high, n_low)
    below = np.cumsum(low) - low
    u = float(np.sum(high * (below + 0.5 * low)))
    return _separation(u / (n_high * n_low), n_high, n_low)


def hanley_mcneil(area: float, n_high: int, n_low: int) -> tuple[float, float]:
    """The 95% interval of an AUC by Hanley & McNeil's (1982) standard error, clipped to [0, 1]."""
    if math.isnan(area) or n_high == 0 or n_low == 0:
        return math.nan, math.nan
    q1, q2 = area / (2 - area), 2 * area**2 / (1 + area)
    variance = (area * (1 - area) + (n_high - 1) * (q1 - area**2) + (n_low - 1) * (q2 - area**2)) / (n_high * n_low)
    half = Z95 * math.sqrt(max(variance, 0.0))
    return max(area - half, 0.0), min(area + half, 1.0)


def _separation(area: float, n_high: int, n_low: int) -> Separation:
    low, high = hanley_mcneil(area, n_high, n_low)
    return Separation(area, low, high, n_high, n_low)
