"""False-discovery control over many comparisons: the Benjamini-Hochberg step-up procedure (Benjamini & Hochberg
1995, Journal of the Royal Statistical Society B 57:1), a pure function of an array of p-values."""

from __future__ import annotations

import math

import numpy as np

FALSE_DISCOVERY_RATE = 0.05


def false_discovery_bar(p_values: np.ndarray, rate: float = FALSE_DISCOVERY_RATE) -> float:
    """The largest p-value the step-up procedure keeps at false-discovery rate `rate`: with the m p-values sorted,
    the largest p(k) <= rate x k / m. Every p-value at or under it is kept; -inf when none is."""
    ordered = np.sort(np.asarray(p_values, dtype=float))
    thresholds = rate * np.arange(1, len(ordered) + 1) / max(len(ordered), 1)
    passed = np.nonzero(ordered <= thresholds)[0]
    return float(ordered[passed[-1]]) if len(passed) else -math.inf
