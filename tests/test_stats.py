"""Statistics against hand-computed oracles, and their invariants as properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxmetrics.stats import intervals as stats

# (promoters, detractors, n) -> NPS, interval. Worked by hand with n' = n + 3, p' = (P + .75) / n',
# d' = (D + .75) / n', Var = (p' + d' - (p' - d')^2) / n', 100 x ((p' - d') +/- 1.96 sqrt(Var)).
# e.g. P=5, D=2, n=10: p' - d' = 3/13, Var = (8.5/13 - 9/169) / 13 = 101.5 / 2197 = 0.0461994,
# half-width = 1.96 x 0.2149404 = 0.4212832, interval = 23.0769 -/+ 42.1283.
NPS_ORACLE = [
    (5, 2, 10, 30.0, -19.0514, 65.2052),
    (50, 20, 100, 30.0, 14.0509, 44.2016),
    (30, 30, 100, 0.0, -14.9230, 14.9230),
    (10, 0, 10, 100.0, 47.5030, 100.0),
    (0, 10, 10, -100.0, -100.0, -47.5030),
]


@pytest.mark.parametrize(("promoters", "detractors", "n", "score", "low", "high"), NPS_ORACLE)
def test_nps_score_and_adjusted_wald_interval(promoters, detractors, n, score, low, high):
    assert stats.nps_score(promoters, detractors, n) == pytest.approx(score)
    got_low, got_high = stats.nps_interval(promoters, detractors, n)
    assert (got_low, got_high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_nps_adjusted_estimate_and_variance():
    centre, variance = stats.nps_adjusted(5, 2, 10)
    assert centre == pytest.approx(3 / 13)
    assert variance == pytest.approx(101.5 / 2197)


def test_nps_of_no_responses_is_missing_not_an_error():
    assert math.isnan(stats.nps_score(0, 0, 0))


def test_nps_is_vectorised():
    scores = stats.nps_score(np.array([5, 50]), np.array([2, 20]), np.array([10, 100]))
    assert scores.tolist() == [30.0, 30.0]


def test_nps_change_z_as_in_the_design():
    # Var1 = 0.00591593 (P=50, D=20, n=100), Var2 = 0.00579696 (P=30, D=30, n=100);
    # z = (29.1262 - 0) / (100 x sqrt(0.0117129)) = 2.6912.
    test = stats.nps_change_test(50, 20, 100, 30, 30, 100)
    assert test.statistic == pytest.approx(2.691236, abs=1e-5)
    assert bool(test.significant)


def test_nps_change_inside_the_noise_is_not_significant():
    test = stats.nps_change_test(5, 2, 10, 3, 3, 10)
    assert not bool(test.significant)
    assert abs(test.statistic) < 1.96


# (successes, n) -> Wilson 95% interval: centre = (p + z^2/2n) / (1 + z^2/n),
# half = z / (1 + z^2/n) x sqrt(p(1-p)/n + z^2/4n^2). 8/10: centre 0.716738, half 0.226581;
# 0/10: high = (z^2/n) / (1 + z^2/n) = 0.38416 / 1.38416; 50/100: half = 1.887491 x 0.0509513 = 0.096170.
WILSON_ORACLE = [
    (8, 10, 0.490157, 0.943319),
    (0, 10, 0.0, 0.277540),
    (10, 10, 0.722460, 1.0),
    (50, 100, 0.403830, 0.596170),
]


@pytest.mark.parametrize(("successes", "n", "low", "high"), WILSON_ORACLE)
def test_wilson_interval(successes, n, low, high):
    got_low, got_high = stats.wilson_interval(successes, n)
    assert (got_low, got_high) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))


def test_two_proportion_test():
    # pooled p = 75/200 = 0.375, se = sqrt(0.375 x 0.625 x (1/100 + 1/100)) = 0.0684653, z = 0.15 / se = 2.19089.
    test = stats.two_proportion_test(45, 100, 30, 100)
    assert test.statistic == pytest.approx(2.190890, abs=1e-6)
    assert test.p_value == pytest.approx(0.028460, abs=1e-6)
    assert bool(test.significant)


def test_overlap_proportion_test():
    # 90/100 against 85/100 with 95 units in both: 86 of them successes in the first, 84 in the second, 83 in both.
    # cov = 83/95 - (86/95)(84/95) = 0.0732410; Var = 0.9 x 0.1/100 + 0.85 x 0.15/100 - 2 x 95 x 0.0732410/10000
    # = 0.000783421, se = 0.0279897 (independent, pooled: 0.0467707); z = 0.05 / se = 1.786374.
    test = stats.overlap_proportion_test(90, 100, 85, 100, 95, 86, 84, 83)
    assert test.statistic == pytest.approx(1.786374, abs=1e-6)
    assert not bool(test.significant)
    assert stats.two_proportion_test(90, 100, 85, 100).statistic == pytest.approx(0.05 / 0.0467707, abs=1e-5)


def test_overlap_proportion_test_without_shared_units_or_change():
    independent = stats.two_proportion_test(45, 100, 30, 100).statistic
    assert stats.overlap_proportion_test(45, 100, 30, 100, 0, 0, 0, 0).statistic == pytest.approx(independent)
    # The same 50 units, 40 successes in both: no change and no variance, z = 0 rather than 0/0.
    assert stats.overlap_proportion_test(40, 50, 40, 50, 50, 40, 40, 40).statistic == 0.0


def test_mean_and_sd_from_sums():
    # 1, 2, 3, 4, 5: sum 15, sum of squares 55 -> mean 3, variance (55 - 5 x 9) / 4 = 2.5.
    mean, sd = stats.mean_sd(15, 55, 5)
    assert mean == 3.0
    assert sd == pytest.approx(math.sqrt(2.5))


def test_t_interval():
    # t(0.975, 4) = 2.776445; half = 2.776445 x sqrt(2.5) / sqrt(5) = 1.963243.
    low, high = stats.t_interval(3.0, math.sqrt(2.5), 5)
    assert (low, high) == (pytest.approx(1.036757, abs=1e-6), pytest.approx(4.963243, abs=1e-6))


def test_t_interval_needs_two_observations():
    low, high = stats.t_interval(4.0, 0.0, 1)
    assert math.isnan(low) and math.isnan(high)


def test_welch_test():
    # 1..5 vs 2, 4, .., 10: t = -3 / sqrt(0.5 + 2.0) = -1.897367, df = 6.25 / (0.0625 + 1) = 5.882353.
    test = stats.welch_test(3.0, math.sqrt(2.5), 5, 6.0, math.sqrt(10.0), 5)
    assert test.statistic == pytest.approx(-1.897367, abs=1e-6)
    assert test.p_value == pytest.approx(0.107531, abs=1e-5)
    assert not bool(test.significant)


@pytest.mark.parametrize(("n", "min_n", "hidden"), [(29, 30, True), (30, 30, False), (0, 30, True), (0, 0, False)])
def test_suppression_below_minimum_n(n, min_n, hidden):
    assert bool(stats.suppressed(n, min_n)) is hidden


@st.composite
def nps_counts(draw):
    n = draw(st.integers(min_value=1, max_value=5000))
    promoters = draw(st.integers(min_value=0, max_value=n))
    detractors = draw(st.integers(min_value=0, max_value=n - promoters))
    return promoters, detractors, n


@given(nps_counts())
def test_nps_stays_within_bounds(counts):
    assert -100 <= stats.nps_score(*counts) <= 100


@given(nps_counts())
def test_nps_interval_contains_the_adjusted_estimate(counts):
    low, high = stats.nps_interval(*counts)
    centre, _ = stats.nps_adjusted(*counts)
    assert -100 <= low <= 100 * centre <= high <= 100


@given(nps_counts(), nps_counts())
def test_nps_change_test_is_antisymmetric(a, b):
    assert stats.nps_change_test(*a, *b).statistic == pytest.approx(-stats.nps_change_test(*b, *a).statistic)


@given(st.integers(min_value=1, max_value=10_000), st.data())
def test_wilson_interval_contains_the_observed_share(n, data):
    successes = data.draw(st.integers(min_value=0, max_value=n))
    low, high = stats.wilson_interval(successes, n)
    assert 0 <= low <= successes / n + 1e-12
    assert successes / n - 1e-12 <= high <= 1


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_suppressed_exactly_below_the_minimum(n, min_n):
    assert bool(stats.suppressed(n, min_n)) is (n < min_n)


def test_newcombe_interval_of_a_difference_of_proportions_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17, table II: 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
    diff, low, high = stats.difference_interval(56, 70, 48, 80)
    assert (round(diff, 2), round(low, 2), round(high, 2)) == (20.0, 5.24, 33.39)
