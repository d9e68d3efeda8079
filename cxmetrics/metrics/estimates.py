"""Value, interval and test of a change from a metric's sums: part of the metric registry (`cxmetrics.metrics`).

Every estimator works element-wise on numpy arrays of sums (one element per period and dimension value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cxmetrics import config
from cxmetrics.stats import intervals as stats

Sums = Mapping[str, np.ndarray]
CLUSTERED = ", customer-clustered (Kish 1965)"


@dataclass(frozen=True)
class Clustered:
    """The column names of the per-customer sums behind a design effect (`stats.design_effect`): over the customers
    (each anonymous response its own), the squares of their totals, their totals times their counts, their squared
    counts, and how many there are. Sums without these columns are of independent responses (design effect 1)."""

    squares: str = "cluster_squares"
    products: str = "cluster_products"
    sizes: str = "cluster_sizes"
    clusters: str = "clusters"

    def design_effect(self, s: Sums, total, row_squares, n) -> np.ndarray:
        """The design effect of the ratio total / n of the sums `s` (1 where they lack the per-customer sums)."""
        if self.clusters not in s:
            return np.ones(np.shape(n))
        names = (self.squares, self.products, self.sizes, self.clusters)
        return stats.design_effect(total, row_squares, n, *(s[name] for name in names))


def _design_effect(cluster: Clustered | None, s: Sums, total, row_squares, n) -> np.ndarray | float:
    """The design effect of an estimator's sums: 1 for an estimator of independent units."""
    return 1.0 if cluster is None else cluster.design_effect(s, total, row_squares, n)


@dataclass(frozen=True)
class NpsEstimate:
    """NPS in points with the adjusted-Wald interval (Rocks 2016); with `cluster`, its variance multiplied by the
    customer-cluster design effect."""

    promoters: str = "promoters"
    detractors: str = "detractors"
    n: str = "n"
    cluster: Clustered | None = None

    @property
    def interval(self) -> str:
        """The interval method."""
        return "adjusted-Wald 95% (Rocks 2016)" + (CLUSTERED if self.cluster else "")

    def design_effect(self, s: Sums) -> np.ndarray | float:
        """The design effect of NPS (y = +1 promoter, -1 detractor, 0 passive; y^2 = promoter or detractor)."""
        promoters, detractors = np.asarray(s[self.promoters], dtype=float), np.asarray(s[self.detractors], dtype=float)
        return _design_effect(self.cluster, s, promoters - detractors, promoters + detractors, s[self.n])

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, low and high."""
        args = (s[self.promoters], s[self.detractors], s[self.n])
        return (stats.nps_score(*args), *stats.nps_interval(*args, deff=self.design_effect(s)))

    def test(self, a: Sums, b: Sums) -> stats.Test:
        """Significance of a - b."""
        counts = (a[self.promoters], a[self.detractors], a[self.n], b[self.promoters], b[self.detractors], b[self.n])
        return stats.nps_change_test(*counts, self.design_effect(a), self.design_effect(b))


@dataclass(frozen=True)
class ProportionEstimate:
    """A percentage of a count (0..100) with the Wilson interval (Wilson 1927); with `cluster`, the interval of the
    effective sample of n / design effect (Kish 1965) and the test's variances multiplied by the design effect."""

    successes: str
    n: str = "n"
    cluster: Clustered | None = None

    @property
    def interval(self) -> str:
        """The interval method."""
        return "Wilson 95% (Wilson 1927)" + (CLUSTERED if self.cluster else "")

    def design_effect(self, s: Sums) -> np.ndarray | float:
        """The design effect of the proportion (y = 1 for a success: y^2 = y)."""
        return _design_effect(self.cluster, s, s[self.successes], s[self.successes], s[self.n])

    def _effective(self, s: Sums) -> tuple[np.ndarray, np.ndarray]:
        """Successes and n of the effective sample (both divided by the design effect)."""
        deff = self.design_effect(s)
        return np.asarray(s[self.successes], dtype=float) / deff, np.asarray(s[self.n], dtype=float) / deff

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, low and high."""
        low, high = stats.wilson_interval(*self._effective(s))
        return 100 * stats.ratio(s[self.successes], s[self.n]), 100 * low, 100 * high

    def test(self, a: Sums, b: Sums, shared: Sums | None = None) -> stats.Test:
        """Two-proportion z-test of a - b; with `shared`, the sums over the units both samples share (shared, and
        how many of them are successes in a, in b and in both: shared_a, shared_b, shared_both), the test for
        overlapping samples (of units counted once each: no design effect)."""
        if shared is None:
            return stats.two_proportion_test(
                a[self.successes], a[self.n], b[self.successes], b[self.n], self.design_effect(a), self.design_effect(b)
            )
        both = (shared["shared"], shared["shared_a"], shared["shared_b"], shared["shared_both"])
        return stats.overlap_proportion_test(a[self.successes], a[self.n], b[self.successes], b[self.n], *both)

    def difference(self, a: Sums, b: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """a - b in percentage points, low and high: Newcombe's hybrid score interval from the two Wilson intervals
        (Newcombe 1998, method 10), of the effective samples."""
        return stats.difference_interval(*self._effective(a), *self._effective(b))


@dataclass(frozen=True)
class MeanEstimate:
    """A mean with the Student-t interval, from a count, a sum and a sum of squares; with `cluster`, the standard
    error multiplied by the square root of the customer-cluster design effect."""

    total: str = "total"
    squares: str = "squares"
    n: str = "n"
    cluster: Clustered | None = None

    @property
    def interval(self) -> str:
        """The interval method."""
        return "Student-t 95%" + (CLUSTERED if self.cluster else "")

    def value(self, s: Sums) -> np.ndarray:
        """The mean alone, from the count and the sum."""
        return stats.ratio(s[self.total], s[self.n])

    def _mean_sd(self, s: Sums) -> tuple[np.ndarray, np.ndarray]:
        """The mean and the standard deviation scaled by the root of the design effect (that of the responses
        when they are independent)."""
        mean, sd = stats.mean_sd(s[self.total], s[self.squares], s[self.n])
        return mean, sd * np.sqrt(_design_effect(self.cluster, s, s[self.total], s[self.squares], s[self.n]))

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, low and high."""
        mean, sd = self._mean_sd(s)
        return (mean, *stats.t_interval(mean, sd, s[self.n]))

    def test(self, a: Sums, b: Sums) -> stats.Test:
        """Welch's t-test of a - b."""
        (mean_a, sd_a), (mean_b, sd_b) = self._mean_sd(a), self._mean_sd(b)
        return stats.welch_test(mean_a, sd_a, a[self.n], mean_b, sd_b, b[self.n])

    def difference(self, a: Sums, b: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """a - b, low and high: the normal 95% interval with Welch's unequal-variance standard error."""
        (mean_a, sd_a), (mean_b, sd_b) = self._mean_sd(a), self._mean_sd(b)
        delta = mean_a - mean_b
        se = np.sqrt(sd_a**2 / np.asarray(a[self.n], dtype=float) + sd_b**2 / np.asarray(b[self.n], dtype=float))
        return delta, delta - stats.Z95 * se, delta + stats.Z95 * se


@dataclass(frozen=True)
class RatioEstimate:
    """scale x numerator / denominator, an exact figure without a sampling interval."""

    numerator: str
    denominator: str
    n: str
    scale: float = 1.0
    interval: str = "none (exact)"

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, and NaN bounds."""
        value = self.scale * stats.ratio(s[self.numerator], s[self.denominator])
        return value, np.full_like(value, np.nan), np.full_like(value, np.nan)

    def test(self, a: Sums, b: Sums) -> None:
        """Exact figures have no significance test."""
        return None


@dataclass(frozen=True)
class RatioOfSumsEstimate:
    """scale x (sum y / sum x + offset) over n sampled units with the delta-method 95% interval: the sums of y, x,
    their squares and their products per unit name the columns (Cochran, Sampling Techniques, 1977, 6.3)."""

    numerator: str
    denominator: str
    numerator_squares: str
    denominator_squares: str
    products: str
    n: str
    scale: float = 1.0
    offset: float = 0.0
    interval: str = "delta method 95% (Cochran 1977)"

    def _ratio_se(self, s: Sums) -> tuple[np.ndarray, np.ndarray]:
        names = (self.numerator, self.denominator, self.numerator_squares, self.denominator_squares, self.products)
        return stats.ratio_se(*(s[name] for name in names), s[self.n])

    def value(self, s: Sums) -> np.ndarray:
        """The value alone, from the numerator's and the denominator's sums."""
        return self.scale * (stats.ratio(s[self.numerator], s[self.denominator]) + self.offset)

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, low and high."""
        r, se = self._ratio_se(s)
        return tuple(self.scale * (x + self.offset) for x in (r, r - stats.Z95 * se, r + stats.Z95 * se))

    def test(self, a: Sums, b: Sums) -> stats.Test:
        """Normal test of a - b with the two delta-method standard errors."""
        (r_a, se_a), (r_b, se_b) = self._ratio_se(a), self._ratio_se(b)
        return stats.z_test(r_a - r_b, np.sqrt(se_a**2 + se_b**2))


@dataclass(frozen=True)
class ValueEstimate:
    """A value read from one column: a total, or a median computed in SQL; exact, no interval."""

    column: str
    n: str
    interval: str = "none (exact)"

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, and NaN bounds."""
        value = np.asarray(s[self.column], dtype=float)
        return value, np.full_like(value, np.nan), np.full_like(value, np.nan)

    def test(self, a: Sums, b: Sums) -> None:
        """Exact figures have no significance test."""
        return None


@dataclass(frozen=True)
class ClvEstimate:
    """Customer lifetime value: monthly gross margin per customer over the expected lifetime implied by monthly
    retention, discounted at an annual rate (`discount_rate_pct`; None: the CX_CLV_DISCOUNT_RATE setting); exact, no
    interval."""

    n: str = "cohort"
    interval: str = "none (exact)"
    discount_rate_pct: float | None = None

    @property
    def rate_pct(self) -> float:
        """The annual discount rate used, in percent."""
        rate = config.get("CX_CLV_DISCOUNT_RATE") if self.discount_rate_pct is None else self.discount_rate_pct
        return float(rate)

    def estimate(self, s: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, and NaN bounds; NaN when nobody churned and the rate is 0 (the lifetime is then unbounded)."""
        margin_per_month = stats.ratio(s["margin_usd"], s["customer_months"])
        retention = np.power(stats.ratio(s["retained"], s["cohort"]), 1 / 12)
        discount = (1 + self.rate_pct / 100) ** (1 / 12) - 1
        # Constant monthly retention r and discount rate i: this month's margin m plus the discounted future ones,
        # m + m r / (1 + i - r) = m (1 + i) / (1 + i - r) (Gupta & Lehmann 2003); at i = 0, m / monthly churn.
        horizon = 1 + discount - retention
        value = stats.ratio(margin_per_month * (1 + discount), np.where(horizon > 0, horizon, 0))
        return value, np.full_like(value, np.nan), np.full_like(value, np.nan)

    def test(self, a: Sums, b: Sums) -> None:
        """No significance test."""
        return None


Estimate = (
    NpsEstimate | ProportionEstimate | MeanEstimate | RatioEstimate | RatioOfSumsEstimate | ValueEstimate | ClvEstimate
)
