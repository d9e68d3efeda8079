"""Key driver statistics: relative weights and Shapley values against hand-computed and independent values, the
grouped bootstrap, the quadrants, and the sample world's planted driver ranking recovered."""

from __future__ import annotations

from datetime import date
from itertools import permutations

import duckdb
import numpy as np
import pytest
from scipy import stats as sps

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.journey import drivers as key_drivers
from cxmetrics.stats import importance as drivers

# Two correlated predictors: r12 = 0.5, r1y = 0.6, r2y = 0.4. On paper:
# R^2 = (0.36 + 0.16 - 2 x 0.6 x 0.4 x 0.5) / (1 - 0.25) = 0.28 / 0.75 = 0.373333...
# Shapley: x1 = (0.36 + (R^2 - 0.16)) / 2 = 0.286667, x2 = (0.16 + (R^2 - 0.36)) / 2 = 0.086667.
# Johnson: R = V diag(1.5, 0.5) V' with V = [[1, 1], [1, -1]] / sqrt 2, so L = [[cos 15, sin 15], [sin 15, cos 15]];
# beta = L^-1 r_xy = (0.549670, 0.266827); weights = L^2 beta^2 = (0.286667, 0.086667) (with two predictors the two
# methods agree).
RXX2 = np.array([[1.0, 0.5], [0.5, 1.0]])
RXY2 = np.array([0.6, 0.4])
R2_2 = 0.28 / 0.75


def test_two_predictors_match_the_hand_computation() -> None:
    assert drivers.r_squared(RXX2, RXY2) == pytest.approx(R2_2)
    assert drivers.relative_weights(RXX2, RXY2) == pytest.approx([0.286667, 0.086667], abs=1e-6)
    assert drivers.shapley(RXX2, RXY2) == pytest.approx([0.286667, 0.086667], abs=1e-6)


def _correlated_sample(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Three correlated predictors and a criterion with unequal true effects."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    x = 0.7 * base + rng.normal(size=(n, 3)) * np.array([0.5, 0.8, 1.0])
    y = x @ np.array([0.8, 0.3, 0.1]) + rng.normal(size=n)
    return x, y


def _johnson_from_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) original construction on the data: Z = P Q' from the SVD of standardised X."""
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    p, delta, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt
    lam = qt.T @ np.diag(delta) @ qt / np.sqrt(len(y))
    beta = z.T @ ys / np.sqrt(len(y))
    return (lam**2) @ (beta**2)


def _fit(x: np.ndarray, y: np.ndarray, columns: tuple[int, ...]) -> float:
    if not columns:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x[:, columns]])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def _shapley_by_orders(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Average R-squared gain of each predictor over every order of entry (least squares on the data)."""
    p = x.shape[1]
    gains = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        for k, j in enumerate(order):
            gains[j] += _fit(x, y, tuple(sorted(order[: k + 1]))) - _fit(x, y, tuple(sorted(order[:k])))
    return gains / len(orders)


def _moments(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> drivers.Moments:
    """Per-group sufficient statistics, as the DuckDB query returns them."""
    ids = np.unique(groups)
    pick = [groups == g for g in ids]
    return drivers.Moments(
        np.array([m.sum() for m in pick], dtype=float),
        np.array([x[m].sum(0) for m in pick]),
        np.array([y[m].sum() for m in pick]),
        np.array([x[m].T @ x[m] for m in pick]),
        np.array([x[m].T @ y[m] for m in pick]),
        np.array([y[m] @ y[m] for m in pick]),
    )


def test_three_predictors_agree_with_independent_computations_and_sum_to_r_squared() -> None:
    x, y = _correlated_sample()
    rxx, rxy = (a[0] for a in drivers.correlations(_moments(x, y, np.arange(len(y)) % 7).total()))
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    assert rxx == pytest.approx(corr[:3, :3]) and rxy == pytest.approx(corr[:3, 3])
    weights, values = drivers.relative_weights(rxx, rxy), drivers.shapley(rxx, rxy)
    r2 = _fit(x, y, (0, 1, 2))
    assert weights == pytest.approx(_johnson_from_data(x, y), abs=1e-9)
    assert values == pytest.approx(_shapley_by_orders(x, y), abs=1e-9)
    assert weights.sum() == pytest.approx(r2) and values.sum() == pytest.approx(r2)
    assert list(np.argsort(-weights)) == [0, 1, 2]
    assert not np.allclose(weights, values)  # with three predictors the methods differ


def test_a_singular_correlation_matrix_gives_no_weights_and_too_many_drivers_no_shapley() -> None:
    assert np.isnan(drivers.relative_weights(np.ones((2, 2)), np.array([0.5, 0.5]))).all()
    with pytest.raises(ValueError, match="at most 10"):
        drivers.shapley(np.eye(11), np.full(11, 0.1))


def test_bootstrap_resamples_groups_reproducibly_and_brackets_the_estimate() -> None:
    x, y = _correlated_sample()
    moments = _moments(x, y, np.arange(len(y)) % 50)
    counts = drivers.resample_counts(50, 200)
    assert counts.shape == (200, 50) and (counts.sum(axis=1) == 50).all()
    samples = drivers.bootstrap_weights(moments, 200)
    assert samples.shape == (200, 3)
    assert samples == pytest.approx(drivers.bootstrap_weights(moments, 200))
    low, high = drivers.percentile_interval(samples)
    estimate = drivers.relative_weights(*(a[0] for a in drivers.correlations(moments.total())))
    assert (low < estimate).all() and (estimate < high).all()
    assert (high - low)[0] < 0.15  # n = 400 pins the leading weight down


def _bound_shift(moments: drivers.Moments, resamples: int) -> float:
    """The largest move of a 95% bound between two seeds of the bootstrap, as a share of the interval's width."""
    (low1, high1), (low2, high2) = (
        drivers.percentile_interval(drivers.bootstrap_weights(moments, resamples, seed)) for seed in (7, 8)
    )
    width = (high1 - low1 + high2 - low2) / 2
    return float(np.max(np.maximum(np.abs(low1 - low2), np.abs(high1 - high2)) / width))


def test_the_bootstrap_bounds_are_stable_from_one_seed_to_another() -> None:
    # 500 groups as on the Journey page: with the default 2,000 resamples the bounds of two seeds differ by 2% of the
    # interval's width; with the 200 resamples the page used to draw they moved by 13%.
    x, y = _correlated_sample(2000)
    moments = _moments(x, y, np.arange(len(y)) % 500)
    assert drivers.BOOTSTRAP_RESAMPLES >= 1000
    assert _bound_shift(moments, drivers.BOOTSTRAP_RESAMPLES) < 0.05
    assert _bound_shift(moments, 200) > 0.1


def _one_matrix(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's weights of one correlation matrix, step by step: L = V diag(sqrt l) V', beta = L^-1 r, L^2 beta^2."""
    values, vectors = np.linalg.eigh(rxx)
    if values.min() <= 1e-10:
        return np.full(len(rxy), np.nan)
    root = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    return (root**2) @ np.linalg.solve(root, rxy) ** 2


def test_the_stacked_weights_are_those_of_each_matrix_alone() -> None:
    x, y = _correlated_sample()
    moments = _moments(x, y, np.arange(len(y)) % 50)
    rxx, rxy = drivers.correlations(moments.weighted(drivers.resample_counts(50, 20)))
    rxx[3], rxy[5, 0] = np.ones((3, 3)), np.nan  # singular, and undefined: no weights
    pairs = zip(rxx, rxy, strict=True)
    alone = np.array([_one_matrix(a, b) if np.isfinite(b).all() else np.full(3, np.nan) for a, b in pairs])
    np.testing.assert_allclose(drivers.stacked_relative_weights(rxx, rxy), alone, rtol=1e-10)
    assert np.isnan(alone[[3, 5]]).all()


@pytest.mark.parametrize(("drivers_count", "expected"), [(1, 30), (3, 30), (6, 60), (12, 120)])
def test_minimum_n_is_the_larger_of_30_and_10_per_driver(drivers_count, expected) -> None:
    assert drivers.min_n(drivers_count) == expected


def test_quadrants_cut_at_the_median_importance_and_performance() -> None:
    importance = np.array([40.0, 30.0, 20.0, 10.0])  # median 25
    performance = np.array([3.0, 4.0, 3.2, 4.5])  # median 3.6
    assert drivers.quadrant_cuts(importance, performance) == pytest.approx((25.0, 3.6))
    assert drivers.quadrant(importance, performance) == ["Fix first", "Keep up", "Low priority", "Possible overkill"]


# A regional billing incident: one driver explains 55% of R-squared, the worst-rated one 19%, three share the rest.
INCIDENT = {
    "attribute": ["reliability", "billing_accuracy", "support_quality", "value_for_money", "account_management"],
    "share_pct": [55.0, 19.0, 12.0, 8.0, 6.0],
    "mean_rating": [4.1, 2.6, 3.9, 3.7, 4.0],
    "top2_pct": [82.0, 30.0, 75.0, 68.0, 80.0],
}


def test_one_dominant_driver_does_not_push_the_worst_rated_one_out_of_fix_first() -> None:
    import pandas as pd

    table = pd.DataFrame(INCIDENT)
    # The mean of the shares is 100 / 5 = 20% whatever the drivers: cut there, 19% was "Low priority" and the
    # dominant driver (rated above the mean 3.66) "Keep up", leaving nothing to fix first. The median share is 12%
    # and the median rating 3.9: billing accuracy (19%, rated 2.6) is in the more important half and rated lowest.
    for measure in ("mean_rating", "top2_pct"):
        matrix = key_drivers.priority(table, measure)
        assert list(matrix["quadrant"]) == ["Keep up", "Fix first", "Keep up", "Low priority", "Possible overkill"]
        assert key_drivers.fix_first_sentence(matrix).startswith("Fix first: Billing accuracy. It explains 19% ")


# --- from the database ------------------------------------------------------------------------------------------------


def _tiny_db() -> duckdb.DuckDBPyConnection:
    """Five relationship responses with two rated attributes (one incomplete) in two regions."""
    from tests import metric_fixtures as fx

    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("c1", "EMEA"), fx.customer("c2", "APAC")])
    ratings = {"r1": (10, 5, 4), "r2": (8, 4, 4), "r3": (3, 2, 1), "r4": (6, 3, None), "r5": (9, 4, 5)}
    rows, attributes = [], []
    for i, (rid, (nps, quality, price)) in enumerate(ratings.items()):
        rows += fx.responses(rid, date(2026, 10, 1 + i), "c1" if i < 3 else "c2", nps=[nps])
        attributes.append({"response_id": f"{rid}-nps-0", "attribute": "quality", "rating": quality})
        if price is not None:
            attributes.append({"response_id": f"{rid}-nps-0", "attribute": "price", "rating": price})
    fx.insert(conn, "responses", rows)
    fx.insert(conn, "response_attributes", attributes)
    return conn


def test_moments_are_pivoted_and_summed_in_the_database_over_complete_cases_only() -> None:
    conn = _tiny_db()
    names = key_drivers.attributes(conn)
    assert names == ("price", "quality")
    moments, top = key_drivers.group_moments(conn, names, Filters(), key_drivers.window(date(2026, 11, 15)))
    total = moments.total()
    # complete cases r1, r2, r3, r5: price 4, 4, 1, 5; quality 5, 4, 2, 4; nps 10, 8, 3, 9
    assert total.n[0] == 4
    assert total.sx[0] == pytest.approx([14, 15]) and total.sy[0] == 30
    assert total.sxx[0].tolist() == [[58, 58], [58, 61]]
    assert total.sxy[0] == pytest.approx([120, 124]) and total.syy[0] == 254
    assert top.sum(axis=0) == pytest.approx([3, 3])
    scoped = Filters(scope=AccessScope(("APAC",)))
    assert key_drivers.group_moments(conn, names, scoped, key_drivers.window(date(2026, 11, 15)))[0].n.sum() == 1


def test_too_few_complete_responses_withhold_the_analysis() -> None:
    analysis = key_drivers.analyse(_tiny_db(), Filters(), date(2026, 11, 15), "Company")
    assert (analysis.n, analysis.min_n, analysis.enough) == (4, 30, False)
    assert analysis.table.empty


def test_priority_and_the_fix_first_sentence() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "attribute": ["billing_accuracy", "support_quality", "price", "account_management"],
            "share_pct": [40.0, 30.0, 20.0, 10.0],
            "mean_rating": [3.0, 4.0, 3.2, 4.5],
            "top2_pct": [50.0, 80.0, 55.0, 90.0],
        }
    )
    matrix = key_drivers.priority(table, "top2_pct")
    assert list(matrix["quadrant"]) == ["Fix first", "Keep up", "Low priority", "Possible overkill"]
    assert key_drivers.fix_first_sentence(matrix).startswith("Fix first: Billing accuracy. It explains 40%")
    none = matrix.assign(quadrant="Keep up")
    assert key_drivers.fix_first_sentence(none).startswith("No driver with at least the median importance performs")


# --- the sample world -------------------------------------------------------------------------------------------------


def test_the_sample_world_planted_driver_ranking_is_recovered(committed, truth) -> None:
    truth = truth["drivers"]
    analysis = key_drivers.analyse(committed, Filters(), date(2026, 11, 15), "Company")
    assert analysis.enough and analysis.n > 4000
    weights = analysis.table.set_index("attribute")["weight"]
    planted = truth["planted_weights"]
    rho = sps.spearmanr([planted[a] for a in weights.index], weights.to_numpy()).statistic
    assert rho >= 0.9
    assert list(weights.index) == truth["planted_ranking"]
    assert analysis.table["weight"].sum() == pytest.approx(analysis.r_squared)
    assert analysis.table["shapley"].sum() == pytest.approx(analysis.r_squared)
    assert (analysis.table["low"] < analysis.table["weight"]).all()
    assert (analysis.table["weight"] < analysis.table["high"]).all()


def test_one_pass_gives_the_company_and_a_region_exactly_as_two_analyses_would(committed) -> None:
    end = date(2026, 11, 15)
    company, apac = key_drivers.analyse_with_slice(committed, Filters(), end, "Company", "region", "APAC")
    alone = key_drivers.analyse(committed, Filters(regions=("APAC",)), end, "APAC")
    assert (apac.scope, apac.n, apac.r_squared) == ("APAC", alone.n, pytest.approx(alone.r_squared))
    assert np.allclose(
        apac.table[["weight", "low", "high", "shapley"]], alone.table[["weight", "low", "high", "shapley"]]
    )
    whole = key_drivers.analyse(committed, Filters(), end, "Company")
    assert company.n == whole.n and np.allclose(company.table["weight"], whole.table["weight"])
    assert len(key_drivers.analyse_with_slice(committed, Filters(), end, "Company", "region", None)) == 1
