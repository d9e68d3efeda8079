"""Rollup tables: every metric reads the same numbers from them as from raw rows, under filters and access scopes."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from cxmetrics import db
from cxmetrics.filters import DIMENSIONS, AccessScope, Filters
from cxmetrics.metrics.registry import METRICS, get_metric
from cxmetrics.metrics.sources import COHORT, FINANCIALS, RESPONSE_CUSTOMERS, RESPONSES
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.query import rollups
from tests import metric_fixtures as fx

FILTERS = {
    "everything": Filters(),
    "one region": Filters(regions=("EMEA",)),
    "segment and touchpoint": Filters(segments=("SMB",), touchpoints=("billing", "support")),
    "channel, survey and industry": Filters(channels=("email",), surveys=("transactional",), industries=("Retail",)),
    "restricted scope": Filters(scope=AccessScope(("APAC",))),
    "scope, segment and touchpoint": Filters(
        scope=AccessScope(("EMEA", "North America")), segments=("Enterprise",), touchpoints=("onboarding",)
    ),
    "nothing visible": Filters(scope=AccessScope(())),
}
IDS = [m.id for m in METRICS]


@pytest.fixture(scope="module")
def conn(small_world_db):
    connection = db.connect_read_only(small_world_db)
    yield connection
    connection.close()


def assert_same(with_rollups: pd.DataFrame, raw: pd.DataFrame) -> None:
    assert len(with_rollups) > 0 or len(raw) == 0
    pd.testing.assert_frame_equal(with_rollups, raw, check_exact=False, rtol=1e-9, atol=1e-9)


def both(fn):
    """fn() with rollups and with raw rows only."""
    result = fn()
    with rollups.disabled():
        return result, fn()


def splittable(by: str) -> list[str]:
    return [m for m in IDS if by in get_metric(m).dimensions]


@pytest.mark.parametrize("name", FILTERS)
def test_every_metric_snapshot_is_identical_with_and_without_rollups(conn, name) -> None:
    assert_same(*both(lambda: query.snapshots(conn, IDS, FILTERS[name]).frame()))


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("by", DIMENSIONS)
def test_every_split_snapshot_is_identical_with_and_without_rollups(conn, name, by) -> None:
    assert_same(*both(lambda: query.snapshots(conn, splittable(by), FILTERS[name], by=by).frame()))


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
def test_every_metric_trend_is_identical_with_and_without_rollups(conn, name, grain) -> None:
    ids = [m for m in IDS if grain in get_metric(m).grains]
    filters = FILTERS[name].with_period(date(2025, 1, 1), None)
    with_rollups, raw = both(lambda: query.metric_frames(conn, ids, filters, grain, compare="last_year"))
    for metric_id in ids:
        assert_same(with_rollups[metric_id], raw[metric_id])
    assert bool(with_rollups["nps"]["n"].sum() > 0) is (name != "nothing visible")  # the filters select real data


@pytest.mark.parametrize("by", [None, "region", "touchpoint"])
def test_weekly_trends_split_by_a_dimension_are_identical(conn, by) -> None:
    ids = [m for m in (splittable(by) if by else IDS) if "week" in get_metric(m).grains]
    filters = Filters(scope=AccessScope(("EMEA", "APAC")), start=date(2026, 6, 1))
    with_rollups, raw = both(lambda: query.metric_frames(conn, ids, filters, "week", by=by, compare="prior"))
    for metric_id in ids:
        assert_same(with_rollups[metric_id], raw[metric_id])


@pytest.mark.parametrize("metric_id", IDS)
def test_year_to_date_and_custom_periods_are_identical(conn, metric_id) -> None:
    chosen = [
        Period("ytd", date(2026, 1, 1), date(2026, 11, 15)),
        Period("range", date(2025, 2, 3), date(2025, 7, 19)),
        Period("month", date(2024, 2, 1), date(2024, 2, 29)),
    ]
    filters = Filters(regions=("APAC", "EMEA"))
    assert_same(*both(lambda: query.period_frame(conn, metric_id, filters, chosen)))


@pytest.fixture
def writable(small_world_db, tmp_path):
    """A writable copy of the small world with the rollups its load built."""
    copy = tmp_path / "cx.duckdb"
    shutil.copyfile(small_world_db, copy)
    connection = duckdb.connect(str(copy))
    yield connection
    connection.close()


SCORECARD = ["nps", "csat", "follow_up_2bd", "nrr", "churn_rate", "complaints_per_1000"]
# Raw rows changed behind the rollups' back (a load would rebuild them): what a rollup answers keeps the old numbers.
BEHIND_THE_ROLLUPS = [
    "UPDATE responses SET nps = 10 - nps, csat = 6 - csat",
    "UPDATE follow_ups SET closed_at = NULL, status = 'open'",
    "UPDATE customer_revenue SET revenue_usd = 2 * revenue_usd WHERE month >= DATE '2026-01-01'",
    "UPDATE customers SET churn_date = NULL",
]


def test_the_scorecard_is_answered_from_rollups_and_a_split_by_nps_group_from_raw_rows(writable, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "1")  # every value shown, so that every one can be compared
    card = query.snapshots(writable, SCORECARD).frame().set_index("metric")
    assert card["value"].notna().all()
    for statement in BEHIND_THE_ROLLUPS:
        writable.execute(statement)
    assert_same(query.snapshots(writable, SCORECARD).frame().set_index("metric"), card)
    with rollups.disabled():
        raw = query.snapshots(writable, SCORECARD).frame().set_index("metric")
        split_raw = query.snapshots(writable, ["churn_rate"], by="nps_group").frame()
    assert {m: raw.loc[m, "value"] != card.loc[m, "value"] for m in SCORECARD} == dict.fromkeys(SCORECARD, True)
    assert_same(query.snapshots(writable, ["churn_rate"], by="nps_group").frame(), split_raw)
    assert (split_raw["value"].fillna(0) == 0).all()  # nobody churned any more: read from the changed rows


def test_the_catalog_is_read_once_per_read_only_connection_and_again_on_a_writable_one(conn, writable) -> None:
    first = rollups.Catalog.of(conn)
    query.snapshots(conn, ["nps", "churn_rate"]).frame()
    query.metric_frame(conn, "nps", Filters(regions=("EMEA",)), "month")
    assert rollups.Catalog.of(conn) is first
    assert rollups.Catalog.of(writable) is not rollups.Catalog.of(writable)
    assert rollups.Catalog.of(writable).columns == first.columns


@pytest.mark.parametrize("world", [fx.trend_world, fx.loyalty_world, fx.operations_world])
def test_rollups_built_on_a_hand_checked_world_give_its_numbers(world, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "1")
    conn = fx.new_db()
    world(conn)
    raw = query.snapshots(conn, IDS).frame()
    assert rollups.Catalog.of(conn).columns == {}
    rollups.build(conn)  # also forgets the catalog read above
    assert "rollup_responses" in rollups.Catalog.of(conn).columns
    assert_same(query.snapshots(conn, IDS).frame(), raw)
    for by in ("region", "segment"):
        with rollups.disabled():
            expected = query.snapshots(conn, splittable(by), by=by).frame()
        assert_same(query.snapshots(conn, splittable(by), by=by).frame(), expected)


def test_a_region_whose_customers_all_left_before_the_period_has_no_active_customers_row() -> None:
    conn = fx.new_db()
    fx.operations_world(conn)
    fx.insert(conn, "customers", [fx.customer("c8", "LATAM", churn_date=date(2025, 3, 1))])
    rollups.build(conn)
    assert "rollup_active_customers" in rollups.Catalog.of(conn).columns
    with_rollups = query.snapshots(conn, ["complaints_per_1000"], by="region").frame()
    with rollups.disabled():
        raw = query.snapshots(conn, ["complaints_per_1000"], by="region").frame()
    assert_same(with_rollups, raw)
    assert "LATAM" not in set(with_rollups["region"])


def test_user_values_stay_data_on_rollups(conn, monkeypatch) -> None:
    monkeypatch.setenv("CX_MIN_N", "1")
    hostile = "EMEA') OR TRUE --"
    assert query.snapshots(conn, ["nps"], Filters(regions=(hostile,)), by="region").frame().empty
    world = fx.new_db()
    fx.cx_world(world)
    fx.insert(world, "customers", [fx.customer("h", hostile)])
    fx.insert(world, "responses", fx.responses("h", fx.WEEK_END, "h", nps=[10, 0, 0]))
    rollups.build(world)
    frame = query.snapshots(world, ["nps"], Filters(regions=(hostile,)), by="region").frame()
    assert frame["region"].tolist() == [hostile] and frame["n"].tolist() == [3]  # that region's answers only
    assert frame["value"].tolist() == pytest.approx([100 * (1 - 2) / 3])


def test_a_rollup_answers_only_what_it_holds(conn) -> None:
    catalog = rollups.Catalog.of(conn)
    nps_sums = ["count(r.nps)", "count(*) FILTER (WHERE r.nps >= 9)"]
    assert catalog.plan(RESPONSES, nps_sums, {"region", "touchpoint"}, []) is not None
    assert catalog.plan(RESPONSES, [*nps_sums, "avg(r.nps)"], set(), []) is None  # not a sum it holds
    assert catalog.plan(FINANCIALS, ["sum(fi.revenue_usd)"], set(), []) is None  # no rollup: a small table
    month_end, beyond = date(2026, 10, 31), date(2030, 1, 31)
    cohort = ["count(*)"]
    assert catalog.plan(COHORT, cohort, set(), [month_end]) is not None
    assert catalog.plan(COHORT, cohort, set(), [month_end, beyond]) is None  # beyond the month ends it covers
    assert catalog.plan(COHORT, cohort, set(), [date(2026, 10, 30)]) is None  # not a month end
    assert catalog.plan(COHORT, cohort, {"nps_group"}, [month_end]) is None  # a dimension it does not have
    with rollups.disabled():
        assert rollups.Catalog.of(conn).plan(RESPONSES, nps_sums, set(), []) is None


def test_the_smallest_level_holding_the_needed_dimensions_is_read() -> None:
    responses = next(r for r in rollups.ROLLUPS if r.source is RESPONSES)
    assert responses.level(set()) == ()
    assert responses.level({"touchpoint", "region"}) == ("region", "touchpoint")
    assert responses.level({"region", "segment", "channel"}) == responses.dims
    assert responses.level({"nps_group"}) is None
    assert responses.level_id(responses.dims) == 0
    assert responses.level_id(()) == 2 ** len(responses.dims) - 1


def test_the_customer_rollup_keeps_a_varying_dimension_only_where_it_is_split_or_filtered_to_one_value(conn) -> None:
    customers = next(r for r in rollups.ROLLUPS if r.source is RESPONSE_CUSTOMERS)
    assert customers.level(set()) == ()
    assert customers.level({"region"}) == ("region",)
    assert customers.level({"region", "touchpoint"}) == ("region", "touchpoint")
    assert customers.level({"touchpoint", "channel"}) is None  # two dimensions that vary within a customer
    assert customers.level({"region", "segment", "touchpoint"}) is None  # no level of three
    catalog = rollups.Catalog.of(conn)
    sums = [RESPONSE_CUSTOMERS.measures["net_squares"], RESPONSE_CUSTOMERS.measures["respondents_customers"]]
    one, two = Filters(touchpoints=("billing",)), Filters(touchpoints=("billing", "support"))
    two_regions = Filters(regions=("EMEA", "APAC"))
    assert catalog.plan_buckets(RESPONSE_CUSTOMERS, sums, [{"touchpoint"}], one, "week") is not None
    assert catalog.plan_buckets(RESPONSE_CUSTOMERS, sums, [{"touchpoint"}], two, "week") is None
    assert catalog.plan_buckets(RESPONSE_CUSTOMERS, sums, [{"region"}, set()], two_regions, "quarter") is not None
    assert catalog.plan_buckets(RESPONSE_CUSTOMERS, sums, [set()], Filters(), None) is None  # not one bucket
    # What the buckets cannot answer, the per-customer totals per day can: a customer's total over the period.
    bucket, _ = catalog.plan_clustered(RESPONSE_CUSTOMERS, sums, {"touchpoint"}, one, "week")
    days, _ = catalog.plan_clustered(RESPONSE_CUSTOMERS, sums, {"touchpoint"}, two, "week")
    assert (bucket.time, bucket.cluster, days.time, days.cluster) == ("u.start", (), "u.day", ("u.cu_key",))
    assert catalog.plan(RESPONSE_CUSTOMERS, sums, set(), []) is None
    with rollups.disabled():
        assert rollups.Catalog.of(conn).plan_clustered(RESPONSE_CUSTOMERS, sums, set(), Filters(), None) is None


@pytest.mark.parametrize(
    ("period", "grain"),
    [
        (Period("week", date(2026, 11, 9), date(2026, 11, 15)), "week"),
        (Period("range", date(2026, 10, 1), date(2026, 10, 31)), "month"),
        (Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), "quarter"),
        (Period("rolling", date(2026, 8, 17), date(2026, 11, 15)), None),
        (Period("ytd", date(2026, 1, 1), date(2026, 11, 15)), None),
        (Period("range", date(2026, 11, 9), date(2026, 11, 14)), None),
    ],
)
def test_a_period_is_a_bucket_of_the_customer_rollup_only_when_it_is_one_calendar_week_month_or_quarter(period, grain):
    assert rollups.bucket_grain(period) == grain


@pytest.mark.parametrize(
    ("expr", "additive"),
    [
        ("count(*)", True),
        ("count(r.nps)", True),
        ("count(*) FILTER (WHERE r.nps >= 9)", True),
        ("sum(e.enps * e.headcount) FILTER (WHERE e.enps IS NOT NULL)", True),
        ("sum(least(coalesce(x.current_usd, 0), x.prior_usd))", True),
        ("count(DISTINCT r.customer_id)", False),
        ("quantile_cont(epoch(k.resolved_at - k.opened_at) / 86400.0, 0.5)", False),
        ("sum(a) / count(*)", False),
        ("sum(a) FILTER (WHERE a > 0) + 1", False),
        ("avg(r.nps)", False),
        ("sum(a", False),
    ],
)
def test_only_single_counts_and_sums_are_rolled_up(expr, additive) -> None:
    assert rollups.is_additive(expr) is additive


def _rows(conn: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return conn.execute(f"SELECT * FROM {table} ORDER BY ALL").df()  # noqa: S608 (rollup names)


def test_customer_rollups_summed_a_few_buckets_at_a_time_hold_the_same_rows(writable, monkeypatch) -> None:
    customer_rollups = [r for r in rollups.ROLLUPS if isinstance(r, rollups.CustomerRollup)]
    in_one_run = {r.table: _rows(writable, r.table) for r in customer_rollups}
    monkeypatch.setattr(rollups, "RUN_ROWS", 50)
    runs = customer_rollups[0]._runs(writable, "week", date.min)
    assert len(runs) > 10 and runs[0][0] == date.min and runs[-1][1] is None
    for rollup in customer_rollups:
        rollup.build(writable)
        assert_same(_rows(writable, rollup.table), in_one_run[rollup.table])
