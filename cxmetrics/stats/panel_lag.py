"""Lead-lag on a panel of cells (for example region x segment): does a change in NPS lead a change in an outcome?

Each cell's monthly series is differenced, so a cell's level and shared trends do not read as a link. At each lag k
the NPS change of month t is paired with the outcome change of month t + k in the same cell, the cell means and the
month means of both are removed (two-way demeaning: a company-wide swing such as seasonality or a price change moves
every cell at once and is not evidence), and one Pearson r is taken over every (cell, month) pair.

Testing 13 lags at once calls one noise series in two "linked" at 95% each, and monthly series are autocorrelated,
so significance comes from a family-wise permutation test: each cell's NPS changes are shifted in time by its own
random offset (circularly, which keeps their autocorrelation and size but breaks any timing with the outcome), and
the strongest |r| over all lags is recorded for each of `draws` shifts. A lag is significant when its |r| beats 95%
of those maxima; its p-value is the share of maxima at least as strong.

A lag that is not significant is no evidence that there is no link: with few cells and months only a strong one could
show. Each lag carries the smallest correlation the test detects with 80% power at its family-wise 5% level (the
minimum detectable effect, `detectable`): on Fisher's z scale, the permutation threshold plus z(0.80) standard errors.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

MAX_LAG = 12
MIN_PERIODS = 12
DRAWS = 2000
SEED = 20240601
LEVEL = 0.95
POWER = 0.80


def complete(lead: np.ndarray, follow: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells (rows) whose lead and follow series have no gap over the months every kept cell covers, and those
    months: (lead, follow, kept cell mask). Columns are months; leading and trailing months missing anywhere go."""
    both = ~np.isnan(lead) & ~np.isnan(follow)
    covered = both.any(axis=0)
    if not covered.any():
        return lead[:0, :0], follow[:0, :0], np.zeros(len(lead), dtype=bool)
    first, last = np.flatnonzero(covered)[[0, -1]]
    span = slice(first, last + 1)
    kept = both[:, span].all(axis=1)
    return lead[kept, span], follow[kept, span], kept


def demeaned(values: np.ndarray) -> np.ndarray:
    """Cell and month means removed (only the cell mean with one cell); the last two axes are (cell, month)."""
    out = values - values.mean(axis=-1, keepdims=True)
    if values.shape[-2] > 1:
        out = out - out.mean(axis=-2, keepdims=True)
    return out


def _correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r over the last two axes of demeaned `a` and `b`; NaN where either has no variation."""
    a, b = demeaned(a), demeaned(b)
    spread = np.sqrt((a * a).sum(axis=(-2, -1)) * (b * b).sum(axis=(-2, -1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 1e-12, (a * b).sum(axis=(-2, -1)) / np.where(spread > 0, spread, 1), np.nan)


def lag_correlations(lead: np.ndarray, follow: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """r of lead[..., t] with follow[t + k] for k = 0..max_lag (lead may carry leading draw axes); NaN where fewer
    than three months pair up."""
    months = lead.shape[-1]
    out = np.full((*lead.shape[:-2], max_lag + 1), np.nan)
    for k in range(min(max_lag, months - 3) + 1):
        out[..., k] = _correlation(lead[..., : months - k], follow[..., k:])
    return out


def shifted(lead: np.ndarray, draws: int, seed: int = SEED) -> np.ndarray:
    """`draws` copies of `lead` (cell x month) with each cell's series rotated by its own random offset."""
    cells, months = lead.shape
    offsets = np.random.default_rng(seed).integers(0, months, size=(draws, cells))
    index = (np.arange(months)[None, None, :] + offsets[:, :, None]) % months
    return lead[np.arange(cells)[None, :, None], index]


def permutation_maxima(
    lead: np.ndarray, follow: np.ndarray, max_lag: int = MAX_LAG, draws: int = DRAWS, seed: int = SEED
) -> np.ndarray:
    """The strongest |r| over all lags for each of `draws` random shifts of the cells' lead series."""
    found = np.abs(lag_correlations(shifted(lead, draws, seed), follow, max_lag))
    return np.nanmax(np.where(np.isnan(found), -np.inf, found), axis=-1)


def _family_p(r: np.ndarray, maxima: np.ndarray) -> np.ndarray:
    """Per lag, the share of permutation maxima at least as strong as |r| (counting the observed one)."""
    beaten = (maxima[None, :] >= np.abs(r)[:, None]).sum(axis=1)
    return np.where(np.isnan(r), np.nan, (1 + beaten) / (1 + len(maxima)))


def independent_pairs(cells: int, periods: int) -> int:
    """The pairs' worth of independent information in a (cells x periods) panel once the cell and the month means are
    removed: (cells - 1)(periods - 1) + 1, as n - 1 is left of n pairs once one mean is removed (the cell's own
    mean only with one cell: periods)."""
    return periods if cells == 1 else (cells - 1) * (periods - 1) + 1


def detectable(threshold: float, cells: int, periods: int, power: float = POWER) -> float:
    """The smallest |r| the test detects with probability `power` at a lag resting on `periods` months in `cells`
    cells, its critical value `threshold` (the permutation test's family-wise one): tanh(atanh(threshold) +
    z(power) / sqrt(n' - 3)), n' the independent pairs (Fisher's z of r has standard error 1 / sqrt(n' - 3); the power
    of the correlation test, Cohen 1988, ch. 3). NaN without a threshold or with n' <= 3; 1 when only a perfect
    correlation beats the threshold."""
    pairs = independent_pairs(cells, periods)
    if not np.isfinite(threshold) or pairs <= 3:
        return float("nan")
    if threshold >= 1:
        return 1.0
    return float(np.tanh(np.arctanh(threshold) + NormalDist().inv_cdf(power) / np.sqrt(pairs - 3)))


def lagged_panel(
    lead: np.ndarray,
    follow: np.ndarray,
    max_lag: int = MAX_LAG,
    min_periods: int = MIN_PERIODS,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Lag by lag, for level series (cell x month) of NPS and an outcome: correlation of their changes, the months
    and (cell, month) pairs it rests on, the permutation threshold, the smallest correlation detectable with 80%
    power, the family-wise p-value, significant and trusted (at least `min_periods` months)."""
    lead, follow, _ = complete(np.asarray(lead, dtype=float), np.asarray(follow, dtype=float))
    lead, follow = np.diff(lead, axis=1), np.diff(follow, axis=1)
    cells, months = lead.shape
    lags = np.arange(max_lag + 1)
    periods = np.clip(months - lags, 0, None)
    r = lag_correlations(lead, follow, max_lag) if cells and months >= 3 else np.full(max_lag + 1, np.nan)
    testable = not np.isnan(r).all()
    maxima = permutation_maxima(lead, follow, max_lag, draws, seed) if testable else np.array([])
    p_family = _family_p(r, maxima) if testable else np.full(max_lag + 1, np.nan)
    threshold = float(np.quantile(maxima, LEVEL)) if testable else np.nan
    return pd.DataFrame(
        {
            "lag_months": lags,
            "correlation": r,
            "periods": periods,
            "pairs": periods * cells,
            "cells": cells,
            "threshold": threshold,
            "detectable": [detectable(threshold, cells, int(p)) for p in periods],
            "p_family": p_family,
            "significant": p_family < 1 - LEVEL,
            "trusted": periods >= min_periods,
        }
    )
