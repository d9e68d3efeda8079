"""Several splits of a source read together (GROUPING SETS) give the sums that one query per split gives."""

import math

import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import REGISTRY
from cxmetrics.periods import parse_week
from cxmetrics.query import aggregate
from cxmetrics.query.aggregate import Plan
from tests import metric_fixtures as fx

W46, W45 = parse_week("2026-W46"), parse_week("2026-W45")
NPS, CSAT = REGISTRY["nps"], REGISTRY["csat"]


@pytest.fixture
def world():
    conn = fx.new_db()
    fx.cx_world(conn)
    fx.insert(conn, "responses", fx.responses("old", W45.end, "a", nps=[0, 0]))
    return conn


def _by_pairs(columns: dict, name: str) -> dict:
    keys = zip(columns["basis_id"].tolist(), columns["dim_value"].tolist(), strict=True)
    return {key: value for key, value in zip(keys, columns[name].tolist(), strict=True)}


def test_splits_match_hand_counts(world):
    sums = aggregate.aggregate_splits(world, [NPS, CSAT], Filters(), [W46, W45], [(), ("region",)])
    promoters, n = _by_pairs(sums["nps"], "promoters"), _by_pairs(sums["nps"], "n")
    assert n == {(0, ()): 10, (0, (("region", "EMEA"),)): 5, (0, (("region", "APAC"),)): 5, (1, ()): 2,
                 (1, (("region", "EMEA"),)): 2}  # fmt: skip
    assert promoters[(0, ())] == 5 and promoters[(0, (("region", "EMEA"),))] == 5
    assert _by_pairs(sums["nps"], "detractors")[(0, (("region", "APAC"),))] == 2
    assert _by_pairs(sums["csat"], "satisfied")[(0, ())] == 4


def test_splits_agree_with_one_query_per_split(world):
    filters = Filters(scope=AccessScope(("EMEA",)))
    sums = aggregate.aggregate_splits(world, [NPS], filters, [W46], [(), ("region",), ("region", "survey")])
    alone = aggregate.aggregate(world, [NPS], filters, Plan((W46,)), "survey")["nps"]
    crossed = {k: v for k, v in _by_pairs(sums["nps"], "n").items() if len(k[1]) == 2}
    assert crossed == {(0, (("region", "EMEA"), ("survey", s))): v for (_, s), v in _by_pairs(alone, "n").items()}
    assert _by_pairs(sums["nps"], "n")[(0, ())] == 5


def test_a_split_the_metric_cannot_take_is_refused(world):
    with pytest.raises(ValueError, match="cannot be split by touchpoint"):
        aggregate.aggregate_splits(world, [REGISTRY["revenue"]], Filters(), [W46], [("touchpoint",)])


def test_a_median_is_split_by_grouping_sets_not_added_up():
    conn = fx.new_db()
    fx.operations_world(conn)
    metric = REGISTRY["median_days_to_resolve"]
    sums = aggregate.aggregate_splits(conn, [metric], Filters(), [W46], [(), ("region",)])
    medians = _by_pairs(sums["median_days_to_resolve"], "median_days")
    # Resolved in W46: 9.5 and 2 days (EMEA), 1.25 days (APAC). The company's median is the middle one of all three,
    # not made up of the regions' medians (5.75 and 1.25 average 3.5).
    assert medians == {(0, ()): 2.0, (0, (("region", "EMEA"),)): 5.75, (0, (("region", "APAC"),)): 1.25}
    alone = aggregate.aggregate(conn, [metric], Filters(), Plan((W46,)), "region")["median_days_to_resolve"]
    assert {k: v for k, v in medians.items() if k[1]} == {
        (0, (("region", r),)): v for (_, r), v in _by_pairs(alone, "median_days").items()
    }


def test_splits_are_grouped_under_the_finest_split_that_holds_them():
    splits = [(), ("region",), ("segment",), ("touchpoint",), ("region", "touchpoint")]
    assert aggregate._covering(splits) == {
        ("region", "touchpoint"): [("region", "touchpoint"), ("region",), ("touchpoint",), ()],
        ("segment",): [("segment",)],
    }


def test_added_up_sums_skip_nulls_and_stay_null_without_values(world):
    fx.insert(world, "customers", [fx.customer("z", "LATAM")])
    fx.insert(world, "responses", fx.responses("z", W46.end, "z", nps=[10]))
    sums = aggregate.aggregate_splits(world, [REGISTRY["ces"]], Filters(), [W46], [(), ("region",)])
    total = _by_pairs(sums["ces"], "total")
    assert total[(0, ())] == 21 and total[(0, (("region", "EMEA"),))] == 18
    assert (
        math.isnan(total[(0, (("region", "LATAM"),))]) and _by_pairs(sums["ces"], "n")[(0, (("region", "LATAM"),))] == 0
    )
