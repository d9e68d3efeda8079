"""The registry's estimators on sums small enough to check on paper: the ratio of sums with its delta-method
interval, and the difference of two proportions and of two means with their intervals."""

from __future__ import annotations

import numpy as np
import pytest

from cxmetrics.metrics.estimates import MeanEstimate, ProportionEstimate, RatioOfSumsEstimate
from cxmetrics.metrics.registry import get_metric

RATIO = RatioOfSumsEstimate("y", "x", "yy", "xx", "xy", "n")


def _units(y: list[float], x: list[float]) -> dict[str, np.ndarray]:
    """The sums of a ratio over units with values y and x."""
    y_, x_ = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    sums = {"y": y_.sum(), "x": x_.sum(), "yy": (y_**2).sum(), "xx": (x_**2).sum(), "xy": (x_ * y_).sum()}
    return {k: np.asarray([v]) for k, v in sums.items()} | {"n": np.asarray([float(len(y))])}


def test_ratio_of_sums_has_the_delta_method_interval():
    # y = (2, 4, 9), x = (1, 2, 3): R = 15/6 = 2.5; residuals -0.5, -1, 1.5; s^2 = 3.5/2; se = sqrt(1.75/3)/2.
    value, low, high = RATIO.estimate(_units([2, 4, 9], [1, 2, 3]))
    half = 1.96 * (1.75 / 3) ** 0.5 / 2
    assert (value[0], low[0], high[0]) == pytest.approx((2.5, 2.5 - half, 2.5 + half))


def test_ratio_of_sums_scaled_and_offset_reads_as_a_growth_percentage():
    growth = RatioOfSumsEstimate("y", "x", "yy", "xx", "xy", "n", scale=100, offset=-1)
    value, low, high = growth.estimate(_units([2, 4, 9], [1, 2, 3]))
    half = 100 * 1.96 * (1.75 / 3) ** 0.5 / 2
    assert (value[0], low[0], high[0]) == pytest.approx((150.0, 150 - half, 150 + half))
    assert growth.value({"y": np.asarray([15.0, 1.0]), "x": np.asarray([6.0, 0.0])}) == pytest.approx(
        [150.0, np.nan], nan_ok=True
    )


def test_ratio_of_sums_change_test_adds_the_two_variances():
    # a: R 2.5, se 0.3819; b: y = x, R 1 with no residual, se 0: z = 1.5 / 0.3819 = 3.93.
    test = RATIO.test(_units([2, 4, 9], [1, 2, 3]), _units([1, 2, 3], [1, 2, 3]))
    assert test.statistic[0] == pytest.approx(1.5 / ((1.75 / 3) ** 0.5 / 2))
    assert test.significant[0]
    assert not RATIO.test(_units([2, 4, 9], [1, 2, 3]), _units([2, 4, 9], [1, 2, 3])).significant[0]


def test_difference_of_two_proportions_is_newcombes_interval_element_wise():
    # Newcombe (1998), Statistics in Medicine 17, table II: 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339;
    # the same groups swapped give the mirrored interval.
    churn = get_metric("churn_rate").estimate
    a = {"churned": np.asarray([56.0, 48.0]), "cohort": np.asarray([70.0, 80.0])}
    b = {"churned": np.asarray([48.0, 56.0]), "cohort": np.asarray([80.0, 70.0])}
    diff, low, high = churn.difference(a, b)
    assert np.round(diff, 2).tolist() == [20.0, -20.0]
    assert np.round(low, 2).tolist() == [5.24, -33.39]
    assert np.round(high, 2).tolist() == [33.39, -5.24]


def test_difference_of_two_proportions_of_an_empty_group_is_nan():
    diff, low, high = ProportionEstimate("x").difference({"x": 1.0, "n": 2.0}, {"x": 0.0, "n": 0.0})
    assert np.isnan([diff, low, high]).all()


def test_difference_of_two_means_has_the_welch_standard_error():
    # a = (1, 2, 3): mean 2, sd 1; b = (4, 6): mean 5, sd sqrt 2; se = sqrt(1/3 + 2/2) = 1.1547.
    mean = MeanEstimate()
    a = {"total": 6.0, "squares": 14.0, "n": 3.0}
    b = {"total": 10.0, "squares": 52.0, "n": 2.0}
    diff, low, high = mean.difference(a, b)
    se = (1 / 3 + 1) ** 0.5
    assert (float(diff), float(low), float(high)) == pytest.approx((-3.0, -3 - 1.96 * se, -3 + 1.96 * se))


def test_mean_value_alone_needs_only_the_count_and_the_sum():
    assert MeanEstimate().value({"total": np.asarray([6.0, 1.0]), "n": np.asarray([3.0, 0.0])}) == pytest.approx(
        [2.0, np.nan], nan_ok=True
    )
