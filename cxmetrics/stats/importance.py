"""Key driver analysis: relative importance of attribute ratings for NPS, pure functions on small arrays.

Inputs are sufficient statistics (count, sums, sums of squares and cross-products) aggregated in DuckDB, per random
group of responses; the correlation matrix follows from them, and a bootstrap resamples the groups (with one response
per group this is the ordinary case-resampling bootstrap; with many, a grouped bootstrap of equal variance).

- Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35:1): the predictors' correlation
  matrix R = V diag(l) V' gives the orthogonal counterpart Z of X with X = Z L, L = V diag(sqrt l) V'; the
  criterion is regressed on Z (beta = L^-1 r_xy) and each predictor's weight is sum_k L_jk^2 beta_k^2. The weights
  sum to R-squared.
- Shapley regression (Lipovetsky & Conklin 2001): each predictor's average gain in R-squared over all orders of
  entry; exact over all 2^p subsets, so only for p <= 10. Also sums to R-squared.
- Importance-performance matrix (Martilla & James 1977): importance against performance, cut at their medians. The
  mean of the importance shares is always 1/k (the equal share), so one dominant driver leaves the others too little
  to reach it; the median splits the drivers into the more and the less important half however dominant one is (it
  moves by at most one rank). Performance is cut at its median for the same reason: a failing attribute would pull the
  mean below the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

MAX_SHAPLEY_DRIVERS = 10
MIN_N_FLOOR = 30
MIN_N_PER_DRIVER = 10
# Enough resamples that the 2.5% and 97.5% percentiles of a weight move by a small share of the interval's width from
# one random seed to another (Efron & Tibshirani, An Introduction to the Bootstrap, 1993: 1,000 or more for
# percentile intervals, where 25 to 200 do for a standard error).
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 7
QUADRANTS = {
    (True, False): "Fix first",
    (True, True): "Keep up",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of predictors x (p columns) and criterion y, per group (rows: groups)."""

    n: np.ndarray  # (g,)
    sx: np.ndarray  # (g, p)
    sy: np.ndarray  # (g,)
    sxx: np.ndarray  # (g, p, p)
    sxy: np.ndarray  # (g, p)
    syy: np.ndarray  # (g,)

    def weighted(self, counts: np.ndarray) -> Moments:
        """The totals of a resample: group statistics weighted by how often each group was drawn (b, g)."""
        p = self.sxx.shape[-1]
        return Moments(
            counts @ self.n,
            counts @ self.sx,
            counts @ self.sy,
            (counts @ self.sxx.reshape(len(self.n), p * p)).reshape(len(counts), p, p),
            counts @ self.sxy,
            counts @ self.syy,
        )

    def total(self) -> Moments:
        """All groups together (a single 'resample' with every group once)."""
        return self.weighted(np.ones((1, len(self.n))))


def min_n(drivers: int) -> int:
    """The minimum number of complete responses for driver analysis: max(30, 10 x drivers)."""
    return max(MIN_N_FLOOR, MIN_N_PER_DRIVER * drivers)


def correlations(m: Moments) -> tuple[np.ndarray, np.ndarray]:
    """Predictor correlation matrices (b, p, p) and predictor-criterion correlations (b, p) of summed moments."""
    n = m.n[:, None]
    mx, my = m.sx / n, m.sy / m.n
    cxx = m.sxx / n[:, :, None] - mx[:, :, None] * mx[:, None, :]
    cxy = m.sxy / n - mx * my[:, None]
    cyy = m.syy / m.n - my**2
    sd = np.sqrt(np.einsum("bii->bi", cxx))
    with np.errstate(divide="ignore", invalid="ignore"):
        rxx = cxx / (sd[:, :, None] * sd[:, None, :])
        rxy = cxy / (sd * np.sqrt(cyy)[:, None])
    return rxx, rxy


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights (they sum to R-squared); NaN for a singular or undefined correlation matrix."""
    return stacked_relative_weights(rxx[None], rxy[None])[0]


def stacked_relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """`relative_weights` of each of a stack of correlation matrices (b, p, p) and correlations (b, p), at once."""
    usable = np.isfinite(rxx).all(axis=(1, 2)) & np.isfinite(rxy).all(axis=1)
    eye = np.broadcast_to(np.eye(rxx.shape[-1]), rxx.shape)
    values, vectors = np.linalg.eigh(np.where(usable[:, None, None], rxx, eye))
    usable &= values.min(axis=1, initial=np.inf) > 1e-10
    root = (vectors * np.sqrt(np.maximum(values, 0))[:, None, :]) @ vectors.transpose(0, 2, 1)
    root = np.where(usable[:, None, None], root, eye)
    beta = np.linalg.solve(root, np.where(usable[:, None], rxy, 0)[..., None])[..., 0]
    weights = ((root**2) @ (beta**2)[..., None])[..., 0]
    return np.where(usable[:, None], weights, np.nan)


def r_squared(rxx: np.ndarray, rxy: np.ndarray) -> float:
    """R-squared of the least-squares regression of the criterion on the predictors, from correlations."""
    if len(rxy) == 0:
        return 0.0
    return float(rxy @ np.linalg.solve(rxx, rxy))


def shapley(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley values of R-squared over all subsets of predictors (they sum to the full R-squared)."""
    p = len(rxy)
    if p > MAX_SHAPLEY_DRIVERS:
        raise ValueError(f"Shapley regression needs at most {MAX_SHAPLEY_DRIVERS} drivers, got {p}")
    fit = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            index = np.array(subset)
            fit[subset] = r_squared(rxx[np.ix_(index, index)], rxy[index])
    values = np.zeros(p)
    for subset, value in fit.items():
        for j in range(p):
            if j in subset:
                continue
            weight = math.factorial(len(subset)) * math.factorial(p - len(subset) - 1) / math.factorial(p)
            values[j] += weight * (fit[tuple(sorted((*subset, j)))] - value)
    return values


def resample_counts(groups: int, resamples: int, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """How often each group is drawn in each resample (resamples, groups): multinomial, groups draws each."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, groups, size=(resamples, groups)) + groups * np.arange(resamples)[:, None]
    return np.bincount(draws.ravel(), minlength=resamples * groups).reshape(resamples, groups).astype(float)


def bootstrap_weights(m: Moments, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """Relative weights of each resample of the groups (resamples, p)."""
    return stacked_relative_weights(*correlations(m.weighted(resample_counts(len(m.n), resamples, seed))))


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval per column, ignoring failed resamples."""
    tail = 100 * (1 - level) / 2
    return np.nanpercentile(samples, tail, axis=0), np.nanpercentile(samples, 100 - tail, axis=0)


def quadrant_cuts(importance: np.ndarray, performance: np.ndarray) -> tuple[float, float]:
    """Where the importance-performance matrix is cut: the median importance and the median performance."""
    return float(np.median(importance)), float(np.median(performance))


def quadrant(importance: np.ndarray, performance: np.ndarray) -> list[str]:
    """Importance-performance quadrant of each driver, cut at the median importance and the median performance
    (a driver at a cut counts as high)."""
    importance_cut, performance_cut = quadrant_cuts(importance, performance)
    high_importance = importance >= importance_cut
    high_performance = performance >= performance_cut
    return [QUADRANTS[(bool(i), bool(p))] for i, p in zip(high_importance, high_performance, strict=True)]
