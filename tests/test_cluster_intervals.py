"""Customer-clustered intervals: a customer who answers several times in a period is one sampling unit, not several.

Hand-made tables first (every number checkable on paper), then the same tables through the database, with and
without the rollups, then the committed sample world.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS, get_metric
from cxmetrics.periods import Period
from cxmetrics.query import aggregate, rollups
from cxmetrics.query import frames as query
from cxmetrics.reports.scorecard.changes import summarise
from cxmetrics.stats import intervals as stats
from tests import metric_fixtures as fx

Q4 = Period("quarter", date(2026, 10, 1), date(2026, 12, 31))
W1 = Period("week", date(2026, 10, 5), date(2026, 10, 11))
W46 = Period("week", fx.WEEK, fx.WEEK_END)
W45 = Period("week", W46.start - timedelta(days=7), W46.start - timedelta(days=1))
NPS, CSAT, CES = (get_metric(m) for m in ("nps", "csat", "ces"))

# Customer a answers 10, 9, 6 (in weeks 1, 2 and 3), b answers 0 and 3 (weeks 1 and 2), c answers 10 and an
# anonymous respondent 9 (week 1). Quarter: n 7, P 4, D 3, R = 1/7; net totals a 1 of 3, b -2 of 2, c 1 of 1,
# anonymous 1 of 1. Clustered: 4/3 x [(4/7)^2 + (16/7)^2 + (6/7)^2 + (6/7)^2] = 4/3 x 344/49; independent:
# 7/6 x (P + D - R (P - D)) = 7/6 x 48/7 = 8: design effect (4/3 x 344/49) / 8 = 172/147.
ANSWERS = {"a": [10, 9, 6], "b": [0, 3], "c": [10], None: [9]}
DEFF = 172 / 147
# Adjusted-Wald: n' 10, p' 4.75/10, d' 3.75/10, Var (0.85 - 0.01) / 10 = 0.084.
ADJUSTED_VAR = 0.084


def _world():
    """The hand-made table: one answer a week per customer, in weeks 1 to 3 of the fourth quarter of 2026."""
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a", "EMEA"), fx.customer("b", "EMEA"), fx.customer("c", "APAC")])
    rows = []
    for customer, scores in ANSWERS.items():
        for week, score in enumerate(scores):
            day = W1.start + timedelta(weeks=week, days=2)
            rows += fx.responses(f"{customer}{week}", day, customer, nps=[score])
    fx.insert(conn, "responses", rows)
    return conn


def _one(conn, metric_id: str, period: Period, filters: Filters | None = None):
    frame = query.period_frame(conn, metric_id, filters, [period])
    assert len(frame) == 1
    return frame.iloc[0]


@pytest.fixture(autouse=True)
def tiny_min_n(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "1")


# --- the design effect on paper --------------------------------------------------------------------------------------


def test_the_design_effect_of_a_hand_made_table_is_the_sandwich_variance_over_the_independent_one():
    # Per customer: net totals Y (1, -2, 1, 1), answers m (3, 2, 1, 1).
    y, m = np.array([1.0, -2, 1, 1]), np.array([3.0, 2, 1, 1])
    deff = stats.design_effect(4 - 3, 4 + 3, 7, (y * y).sum(), (y * m).sum(), (m * m).sum(), 4)
    assert deff == pytest.approx(DEFF, rel=1e-12)


@pytest.mark.parametrize(("customers", "answers"), [(4, 3), (10, 2), (3, 5)])
def test_customers_who_repeat_the_same_answer_have_kishs_design_effect(customers, answers):
    # Every answer of a customer the same (intra-customer correlation 1): Kish's 1 + (m - 1) rho = m, which with the
    # two small-sample factors is exactly (m C - 1) / (C - 1). Customers alternate promoter, detractor and passive.
    base = np.array([(1, -1, 0)[i % 3] for i in range(customers)], dtype=float)
    y, m = base * answers, np.full(customers, float(answers))
    promoters, detractors = answers * np.sum(base > 0), answers * np.sum(base < 0)
    per_customer = ((y * y).sum(), (y * m).sum(), (m * m).sum(), customers)
    deff = stats.design_effect(promoters - detractors, promoters + detractors, m.sum(), *per_customer)
    assert deff == pytest.approx((answers * customers - 1) / (customers - 1), rel=1e-12)


def test_the_design_effect_is_never_below_one_and_exactly_one_without_repeat_answers():
    # Two customers whose answers balance out (each exactly at the mean: +1 and -1 twice): no spread between
    # customers, floored at 1. Then four customers answering once: 1 exactly, not a rounding of it.
    assert stats.design_effect(0, 4, 4, 0, 0, 8, 2) == 1.0
    assert stats.design_effect(2, 4, 4, 4, 2, 4, 4) == 1.0
    assert stats.design_effect(np.array([2.0, 0]), 4, 4, np.nan, 0, 8, 2).tolist() == [1.0, 1.0]  # missing: 1


def test_one_customer_giving_every_answer_is_an_effective_sample_of_one():
    # One customer, 40 answers (30 promoters, 10 detractors): no spread between customers can be estimated, so the
    # answers count as one (design effect n = 40), not as 40 independent ones.
    assert stats.design_effect(20, 40, 40, 400, 800, 1600, 1) == 40.0
    assert stats.design_effect(1, 1, 1, 1, 1, 1, 1) == 1.0  # a single answer is independent of itself


def test_nps_interval_and_change_test_take_the_design_effect_on_the_adjusted_wald_variance():
    estimate = NPS.estimate
    sums = {"promoters": 4.0, "detractors": 3.0, "n": 7.0, "cluster_squares": 7.0, "cluster_products": 1.0,
            "cluster_sizes": 15.0, "clusters": 4.0}  # fmt: skip
    value, low, high = estimate.estimate(sums)
    half = 1.96 * math.sqrt(ADJUSTED_VAR * DEFF)
    assert (value, low, high) == (
        pytest.approx(100 / 7),
        pytest.approx(100 * (0.1 - half)),
        pytest.approx(100 * (0.1 + half)),
    )
    # Against itself with every answer from its own customer (design effect 1): z = 0 / ..., and against an
    # independent sample of 100 (P 50, D 20; Var 0.00591593): z = (0.1 - 0.291262) / sqrt(0.084 x 172/147 + 0.00591593).
    other = {"promoters": 50.0, "detractors": 20.0, "n": 100.0}
    z = estimate.test(sums, other).statistic
    assert z == pytest.approx((0.1 - 30 / 103) / math.sqrt(ADJUSTED_VAR * DEFF + 0.005915933), rel=1e-6)


def test_a_proportion_takes_the_wilson_interval_of_its_effective_sample():
    # 2 of 3 answers from one customer satisfied, and a second customer's 1 of 1 not: R = 1/2, n 4, C 2.
    # Clustered 2 x [(2 - 1.5)^2 + (0 - 0.5)^2] = 1, independent 4/3 x (2 - 1) = 4/3: design effect 3/4 -> 1.
    # Three customers' 3, 0, 3 of 3: R 2/3, clustered 3/2 x (1 + 4 + 1) = 9, independent 9/8 x (6 - 4) = 9/4: 4.
    estimate = CSAT.estimate
    sums = {"satisfied": 6.0, "n": 9.0, "cluster_squares": 18.0, "cluster_products": 18.0, "cluster_sizes": 27.0,
            "clusters": 3.0}  # fmt: skip
    assert estimate.design_effect(sums) == pytest.approx(4.0)
    low, high = stats.wilson_interval(6 / 4, 9 / 4)
    assert estimate.estimate(sums)[1:] == (pytest.approx(100 * low), pytest.approx(100 * high))
    balanced = {"satisfied": 2.0, "n": 4.0, "cluster_squares": 4.0, "cluster_products": 6.0, "cluster_sizes": 10.0,
                "clusters": 2.0}  # fmt: skip
    assert estimate.design_effect(balanced) == 1.0


def test_sums_without_per_customer_columns_are_independent_answers():
    plain = {"promoters": 4.0, "detractors": 3.0, "n": 7.0}
    assert NPS.estimate.estimate(plain)[1:] == tuple(stats.nps_interval(4, 3, 7))
    assert NPS.estimate.interval.endswith("customer-clustered (Kish 1965)")


# --- through the database ------------------------------------------------------------------------------------------


def test_a_quarter_with_repeat_answers_has_the_hand_computed_clustered_interval():
    row = _one(_world(), "nps", Q4)
    half = 1.96 * math.sqrt(ADJUSTED_VAR * DEFF)
    assert (row["n"], row["value"]) == (7, pytest.approx(100 / 7))
    assert (row["low"], row["high"]) == (pytest.approx(100 * (0.1 - half)), pytest.approx(100 * (0.1 + half)))
    assert (row["clusters"], row["cluster_squares"], row["cluster_products"], row["cluster_sizes"]) == (4, 7, 1, 15)


def test_a_week_where_every_customer_answers_once_keeps_the_adjusted_wald_interval_exactly():
    # Week 1: a 10, b 0, c 10, anonymous 9: P 3, D 1, n 4.
    row = _one(_world(), "nps", W1)
    assert (row["low"], row["high"]) == tuple(float(x) for x in stats.nps_interval(3, 1, 4))


@pytest.mark.parametrize("with_rollups", [True, False])
def test_a_customers_answers_at_several_touchpoints_add_up_before_they_are_squared(with_rollups):
    # Customer a: billing 10 and support 9 in one week, b: billing 0. Company-wide a's net total is 2 (square 4, not
    # 1 + 1); by touchpoint each of a's totals is 1.
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a"), fx.customer("b")])
    rows = fx.responses("x", W46.end, "a", nps=[10, 9]) + fx.responses("y", W46.end, "b", nps=[0])
    for row, touchpoint in zip(rows, ["billing", "support", "billing"], strict=True):
        row["touchpoint"] = touchpoint
    fx.insert(conn, "responses", rows)
    rollups.build(conn)
    splits = [(), ("touchpoint",)]

    def read():
        return aggregate.aggregate_splits(conn, [NPS], Filters(), [W46], splits)["nps"]

    if with_rollups:
        found = read()
    else:
        with rollups.disabled():
            found = read()
    squares = dict(zip(found["dim_value"].tolist(), found["cluster_squares"].tolist(), strict=True))
    assert squares == {(): 5.0, (("touchpoint", "billing"),): 2.0, (("touchpoint", "support"),): 1.0}
    company = _one(conn, "nps", W46)
    with rollups.disabled():
        raw = _one(conn, "nps", W46)
    assert (company["clusters"], company["cluster_squares"], company["low"]) == (2, 5, raw["low"])
    assert company["low"] == raw["low"]


def test_a_filter_to_two_touchpoints_reads_the_customers_totals_over_both():
    # The customer rollup's buckets hold one touchpoint per row: two chosen at once read its table of days, where a's
    # total over both is 2.
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a")])
    rows = fx.responses("x", W46.end, "a", nps=[10, 9])
    rows[0]["touchpoint"], rows[1]["touchpoint"] = "billing", "support"
    fx.insert(conn, "responses", rows)
    rollups.build(conn)
    row = _one(conn, "nps", W46, Filters(touchpoints=("billing", "support")))
    assert (row["cluster_squares"], row["cluster_sizes"], row["clusters"]) == (4, 4, 1)


# --- significance, and what changed ----------------------------------------------------------------------------------


def _cells(per_customer: list[tuple[int, int, int]], period: Period) -> dict:
    """An NPS cell of the company from each customer's (promoters, passives, detractors)."""
    p, a, d = (np.array([c[i] for c in per_customer], dtype=float) for i in range(3))
    y, m = p - d, p + a + d
    return {"metric": HEADLINE_NPS, "slice": "", "period_start": period.start, "period_end": period.end, "n": m.sum(),
            "promoters": p.sum(), "detractors": d.sum(), "cluster_squares": (y * y).sum(),
            "cluster_products": (y * m).sum(), "cluster_sizes": (m * m).sum(), "clusters": float(len(m))}  # fmt: skip


def test_what_changed_stays_quiet_when_a_move_comes_from_a_few_customers_answering_many_times():
    # 20 -> 40 points on 500 answers each week. From 500 customers answering once: z = 3.77, a real move. From 5
    # customers answering 100 times each (promoters, or half passives and half detractors): the same counts, but design
    # effects of 105 and 104 (z = 0.37): noise.

    def scan(now: list, before: list) -> str:
        cells = pd.DataFrame([_cells(now, W46), _cells(before, W45)])
        return summarise(cells, W46, Filters())[0].sentence

    many_now = [(1, 0, 0)] * 300 + [(0, 1, 0)] * 100 + [(0, 0, 1)] * 100
    many_before = [(1, 0, 0)] * 250 + [(0, 1, 0)] * 100 + [(0, 0, 1)] * 150
    few_now = [(100, 0, 0), (100, 0, 0), (100, 0, 0), (0, 50, 50), (0, 50, 50)]
    few_before = [(100, 0, 0), (100, 0, 0), (50, 50, 0), (0, 25, 75), (0, 25, 75)]
    assert scan(many_now, many_before).startswith("Company-wide Relationship NPS rose 20 points")
    assert scan(few_now, few_before).startswith("Nothing moved significantly")


# --- the committed sample world --------------------------------------------------------------------------------------


def test_on_the_sample_world_repeat_respondents_widen_the_quarter_and_year_to_date_nps_intervals(committed):
    # Customers answer about 3 times a quarter and 10 times a year, and keep their view: design effects 1.79 (Q3,
    # 11,887 answers from 4,248 respondents) and 3.53 (year to date: 42,485 from 5,987). The year-to-date interval
    # is +/-1.23 points instead of +/-0.66 (0.655).
    chosen = [Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), Period("ytd", date(2026, 1, 1), W46.end)]
    frame = query.period_frame(committed, "nps", Filters(), chosen)
    sums = {c: frame[c].to_numpy(dtype=float) for c in aggregate.sum_columns(NPS)}
    deff = NPS.estimate.design_effect(sums)
    assert deff.round(2).tolist() == [1.79, 3.53]
    independent = stats.nps_interval(sums["promoters"], sums["detractors"], sums["n"])
    half, plain = (frame["high"] - frame["low"]).to_numpy() / 2, (independent[1] - independent[0]) / 2
    assert half.round(2).tolist() == [1.63, 1.23] and plain.round(2).tolist() == [1.22, 0.66]


SPLITS = [(), ("region",), ("touchpoint",), ("region", "touchpoint"), ("touchpoint", "channel")]


def _oracle(conn, period: Period, split: tuple[str, ...], where: str) -> dict:
    """Sum over customers of their squared net NPS totals, per split value: one plain GROUP BY per split."""
    dims = {"region": "c.region", "touchpoint": "r.touchpoint", "channel": "r.channel"}
    keys = "".join(f"coalesce(CAST({dims[d]} AS VARCHAR), '(none)') AS d{i}, " for i, d in enumerate(split))
    names = "".join(f"d{i}, " for i in range(len(split)))
    sql = (
        f"SELECT {names}sum(y * y) FROM (SELECT {keys}coalesce(r.customer_id, 'anonymous ' || r.response_id) AS k, "  # noqa: S608
        "count(*) FILTER (WHERE r.nps >= 9) - count(*) FILTER (WHERE r.nps <= 6) AS y FROM responses r "
        "LEFT JOIN customers c ON c.customer_id = r.customer_id WHERE r.responded_at >= ? AND r.responded_at < ? "
        f"AND {where} GROUP BY ALL) GROUP BY ALL"
    )
    rows = conn.execute(sql, [period.start, period.end + timedelta(days=1)]).fetchall()
    return {tuple(zip(split, row[:-1], strict=True)): float(row[-1]) for row in rows}


@pytest.mark.parametrize("with_rollups", [True, False])
@pytest.mark.parametrize("filters", [Filters(), Filters(touchpoints=("billing", "support"), regions=("EMEA",))])
def test_splits_of_weeks_and_multi_week_windows_match_a_plain_group_by_per_split(small_world, with_rollups, filters):
    # A week (the rollup's buckets) and 13 weeks (its table of days, or raw rows), the splits of what changed and one
    # crossing two dimensions that vary within a customer.
    week = Period("week", date(2026, 11, 2), date(2026, 11, 8))
    window = Period("rolling", date(2026, 8, 10), date(2026, 11, 8))
    where = "TRUE" if not filters.touchpoints else "r.touchpoint IN ('billing', 'support') AND c.region = 'EMEA'"

    def read():
        return aggregate.aggregate_splits(small_world, [NPS], filters, [week, window], SPLITS)["nps"]

    if with_rollups:
        found = read()
    else:
        with rollups.disabled():
            found = read()
    for position, period in enumerate([week, window]):
        at = found["basis_id"] == position
        got = dict(zip(found["dim_value"][at].tolist(), found["cluster_squares"][at].tolist(), strict=True))
        expected = {}
        for split in SPLITS:
            expected |= _oracle(small_world, period, split, where)
        assert got == pytest.approx(expected)
