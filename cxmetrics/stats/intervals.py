"""Intervals, significance tests and minimum-n suppression: pure functions over counts and sums.

Every function takes scalars or numpy arrays (element-wise) and returns the same shape; an empty group (n = 0) gives
NaN rather than an error.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats as sps

Z95 = 1.96
ALPHA = 0.05


class Test(NamedTuple):
    """The outcome of a significance test of a change: test statistic, two-sided p-value, and the verdict."""

    statistic: np.ndarray | float
    p_value: np.ndarray | float
    significant: np.ndarray | bool


def _array(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def ratio(num, den) -> np.ndarray:
    """num / den element-wise, NaN where den is 0."""
    num, den = _array(num), _array(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _z_test(z) -> Test:
    """Two-sided test of a standard-normal statistic, significant at |z| >= 1.96."""
    z = _array(z)
    return Test(z, 2 * sps.norm.sf(np.abs(z)), np.abs(z) >= Z95)


def nps_score(promoters, detractors, n) -> np.ndarray:
    """Net Promoter Score in points: 100 x (promoters - detractors) / respondents (Reichheld 2003)."""
    return 100 * ratio(_array(promoters) - _array(detractors), n)


def nps_adjusted(promoters, detractors, n) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted NPS as a fraction (p' - d') and its variance (Rocks 2016, adjusted-Wald: add 3 responses)."""
    n_adj = _array(n) + 3
    p = (_array(promoters) + 0.75) / n_adj
    d = (_array(detractors) + 0.75) / n_adj
    return p - d, (p + d - (p - d) ** 2) / n_adj


def design_effect(total, row_squares, n, squares, products, sizes, clusters) -> np.ndarray:
    """Customer-cluster design effect of a ratio R = total / n of sums over responses (Kish, Survey Sampling, 1965):
    the linearised cluster-robust variance C/(C-1) sum_c (Y_c - R m_c)^2 / n^2 (Cochran 1977, 6.3; Williams 2000)
    over the variance of n independent responses, n/(n-1) sum_i (y_i - R)^2 / n^2, from the per-customer sums
    `squares` = sum_c Y_c^2, `products` = sum_c Y_c m_c, `sizes` = sum_c m_c^2 and the C `clusters`, and the
    per-response sums `total` = sum_i y_i and `row_squares` = sum_i y_i^2. Never below 1; exactly 1 where no
    customer answers more than once (sizes = n) or the responses do not vary; n when one customer gives them all
    (their spread cannot be estimated from one customer: the design effect of identical answers, an effective
    sample of one)."""
    total, n, clusters = _array(total), _array(n), _array(clusters)
    r = ratio(total, n)
    between = _array(squares) - 2 * r * _array(products) + r**2 * _array(sizes)
    within = _array(row_squares) - r * total
    clustered = ratio(clusters * between, clusters - 1)
    independent = ratio(n * within, n - 1)
    with np.errstate(invalid="ignore"):
        repeated = (_array(sizes) > n) & (independent > 0)
        found = np.where(clusters == 1, n, ratio(clustered, np.where(repeated, independent, 1.0)))
        return np.where(repeated & ~np.isnan(found), np.maximum(found, 1.0), 1.0)


def nps_interval(promoters, detractors, n, z: float = Z95, deff=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald 95% interval of NPS in points, clipped to [-100, 100] (Rocks 2016), its variance multiplied by
    the design effect `deff` (1: independent responses)."""
    centre, variance = nps_adjusted(promoters, detractors, n)
    half = z * np.sqrt(variance * _array(deff))
    return np.clip(100 * (centre - half), -100, 100), np.clip(100 * (centre + half), -100, 100)


def nps_change_test(p1, d1, n1, p2, d2, n2, deff1=1.0, deff2=1.0) -> Test:
    """Significance of an NPS change: z = (NPS'1 - NPS'2) / (100 sqrt(deff1 Var1 + deff2 Var2)) on adjusted-Wald
    estimates, each variance multiplied by its design effect (1: independent responses)."""
    centre1, var1 = nps_adjusted(p1, d1, n1)
    centre2, var2 = nps_adjusted(p2, d2, n2)
    return _z_test(ratio(centre1 - centre2, np.sqrt(var1 * _array(deff1) + var2 * _array(deff2))))


def wilson_interval(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, as fractions 0..1 (Wilson 1927)."""
    n = _array(n)
    p = ratio(successes, n)
    z2n = ratio(z * z, n)
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(ratio(p * (1 - p), n) + ratio(z * z, 4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def two_proportion_test(x1, n1, x2, n2, deff1=1.0, deff2=1.0) -> Test:
    """Pooled two-proportion z-test of p1 - p2 (e.g. Agresti, Categorical Data Analysis, 2013, 3.1), each side's
    variance multiplied by its design effect (1: independent responses)."""
    pooled = ratio(_array(x1) + _array(x2), _array(n1) + _array(n2))
    se = np.sqrt(pooled * (1 - pooled) * (ratio(deff1, n1) + ratio(deff2, n2)))
    return _z_test(ratio(ratio(x1, n1) - ratio(x2, n2), se))


def overlap_proportion_test(x1, n1, x2, n2, shared, shared1, shared2, shared_both) -> Test:
    """z-test of p1 - p2 when the two samples share `shared` units, of which `shared1` are successes in sample 1,
    `shared2` in sample 2 and `shared_both` in both (Derrick, Dobson-McKittrick, Toher & White 2015, partially
    overlapping samples): Var = p1 q1 / n1 + p2 q2 / n2 - 2 shared cov / (n1 n2), with cov the covariance of the two
    outcomes over the shared units (their 2 x 2 table: concordant and discordant counts). Without shared units it is
    the pooled two-proportion test; two identical samples (no change, no variance) give z = 0."""
    p1, p2 = ratio(x1, n1), ratio(x2, n2)
    cov = ratio(shared_both, shared) - ratio(shared1, shared) * ratio(shared2, shared)
    overlap = 2 * _array(shared) * np.nan_to_num(cov) * ratio(1, _array(n1) * _array(n2))
    variance = np.maximum(ratio(p1 * (1 - p1), n1) + ratio(p2 * (1 - p2), n2) - overlap, 0)
    difference = p1 - p2
    z = np.where(variance > 0, ratio(difference, np.sqrt(variance)), np.where(difference == 0, 0.0, np.nan))
    independent = two_proportion_test(x1, n1, x2, n2).statistic
    return _z_test(np.where(_array(shared) > 0, z, independent))


def difference_interval(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p1 - p2 in percentage points with Newcombe's hybrid score 95% interval built from the two Wilson intervals
    (Newcombe 1998, method 10)."""
    p1, p2 = ratio(x1, n1), ratio(x2, n2)
    l1, u1 = wilson_interval(x1, n1)
    l2, u2 = wilson_interval(x2, n2)
    low = p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return 100 * (p1 - p2), 100 * low, 100 * high


def ratio_se(sum_y, sum_x, sum_yy, sum_xx, sum_xy, n) -> tuple[np.ndarray, np.ndarray]:
    """R = sum y / sum x over n units and its standard error by the delta method (Cochran, Sampling Techniques,
    1977, 6.3)."""
    n = _array(n)
    r = ratio(sum_y, sum_x)
    residual = _array(sum_yy) - 2 * r * _array(sum_xy) + r**2 * _array(sum_xx)
    se = ratio(np.sqrt(np.maximum(ratio(residual, n - 1), 0) / np.where(n > 0, n, 1)), ratio(sum_x, n))
    return r, se


def z_test(difference, se) -> Test:
    """Two-sided normal test of a difference with its standard error, significant at |z| >= 1.96."""
    return _z_test(ratio(difference, se))


def mean_sd(total, total_squares, n) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation from a count, a sum and a sum of squares."""
    n = _array(n)
    mean = ratio(total, n)
    variance = ratio(_array(total_squares) - n * mean**2, n - 1)
    return mean, np.sqrt(np.maximum(variance, 0))


def t_interval(mean, sd, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval of a mean: mean +/- t(n-1) sd / sqrt(n) (Student 1908); NaN below n = 2."""
    n = _array(n)
    valid = n >= 2
    df = np.where(valid, n - 1, 1)
    half = np.where(valid, sps.t.ppf(0.5 + level / 2, df) * ratio(sd, np.sqrt(n)), np.nan)
    return _array(mean) - half, _array(mean) + half


def welch_test(mean1, sd1, n1, mean2, sd2, n2) -> Test:
    """Welch's unequal-variance t-test of mean1 - mean2 (Welch 1947), significant at p < 0.05."""
    v1, v2 = ratio(_array(sd1) ** 2, n1), ratio(_array(sd2) ** 2, n2)
    t = ratio(_array(mean1) - _array(mean2), np.sqrt(v1 + v2))
    df = ratio((v1 + v2) ** 2, ratio(v1**2, _array(n1) - 1) + ratio(v2**2, _array(n2) - 1))
    p = 2 * sps.t.sf(np.abs(t), np.where(np.isnan(df), 1, df))
    p = np.where(np.isnan(t) | np.isnan(df), np.nan, p)
    return Test(t, p, p < ALPHA)


def suppressed(n, min_n: int) -> np.ndarray:
    """Whether a cell's count is below the minimum n (its score is then withheld; the count is still shown)."""
    return _array(n) < min_n
