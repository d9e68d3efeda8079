"""Fact tables built at load: each holds exactly the rows of its SQL over raw rows, and the pages that read them show
the same figures as from raw rows, under filters and access scopes."""

from __future__ import annotations

import pandas as pd
import pytest

from cxmetrics import db, periods
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.query import facts, rollups
from cxmetrics.reports.cx_financials import value
from cxmetrics.reports.journey import drivers, service
from cxmetrics.reports.loyalty import analysis as loyalty
from cxmetrics.reports.loyalty import risk
from cxmetrics.reports.loyalty import view as loyalty_view

FILTERS = {
    "everything": Filters(),
    "one region": Filters(regions=("EMEA",)),
    "segment and channel": Filters(segments=("SMB",), channels=("email",)),
    "restricted scope": Filters(scope=AccessScope(("APAC",))),
}


@pytest.fixture(scope="module")
def conn(small_world_db):
    connection = db.connect_read_only(small_world_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def review_day(conn):
    return conn.execute("SELECT CAST(max(responded_at) AS DATE) FROM responses").fetchone()[0]


def assert_same(stored: pd.DataFrame, raw: pd.DataFrame) -> None:
    """Equal frames: counts exactly, sums of money to rounding in the last digits (DuckDB adds floating-point
    numbers in parallel, in no fixed order, even over the same raw rows)."""
    pd.testing.assert_frame_equal(stored, raw, check_exact=False, rtol=1e-12, atol=0)
    counts = [c for c in stored.columns if pd.api.types.is_integer_dtype(stored[c])]
    pd.testing.assert_frame_equal(stored[counts], raw[counts], check_exact=True)


def both(fn):
    """fn() reading the fact tables, and reading raw rows only."""
    stored = fn()
    with rollups.disabled():
        return stored, fn()


@pytest.mark.parametrize("fact", facts.FACTS, ids=lambda f: f.table)
def test_a_fact_table_holds_exactly_the_rows_of_its_sql_over_raw_rows(conn, fact) -> None:
    stored = conn.execute(f"SELECT count(*) FROM {fact.table}").fetchone()[0]  # noqa: S608
    assert stored > 0
    for left, right in ((fact.table, f"({fact.sql})"), (f"({fact.sql})", fact.table)):
        missing = conn.execute(f"SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})").fetchone()[0]  # noqa: S608
        assert missing == 0


def test_a_page_reads_the_stored_table_and_its_sql_when_rollups_are_disabled(conn) -> None:
    assert rollups.relation(conn, facts.RELATIONSHIP_ANSWERS) == facts.RELATIONSHIP_ANSWERS.table
    with rollups.disabled():
        assert rollups.relation(conn, facts.RELATIONSHIP_ANSWERS) == f"({facts.RELATIONSHIP_ANSWERS.sql})"


def test_a_database_without_fact_tables_reads_raw_rows(small_world_db, tmp_path) -> None:
    copy = tmp_path / "old.duckdb"
    with db.writable(copy, fresh=True) as writable:
        writable.execute(f"ATTACH '{small_world_db}' AS src (READ_ONLY)")
        writable.execute("CREATE TABLE rollup_coverage AS FROM src.rollup_coverage")
    old = db.connect_read_only(copy)
    try:
        assert rollups.relation(old, facts.DRIVER_RESPONSES) == f"({facts.DRIVER_RESPONSES.sql})"
    finally:
        old.close()


@pytest.mark.parametrize("name", FILTERS)
def test_the_at_risk_list_is_identical_from_fact_tables(conn, review_day, name) -> None:
    stored, raw = both(lambda: risk.at_risk_list(conn, FILTERS[name], review_day))
    assert len(stored) > 0 or name == "segment and channel"
    assert_same(stored, raw)


@pytest.mark.parametrize("name", FILTERS)
def test_loyalty_by_experience_and_customer_value_are_identical_from_fact_tables(conn, review_day, name) -> None:
    window = loyalty.window_for(review_day)
    stored, raw = both(lambda: loyalty.loyalty_by_experience(conn, FILTERS[name], window))
    assert stored["customers"].sum() > 0
    assert_same(stored, raw)
    stored, raw = both(lambda: loyalty.customer_value(conn, FILTERS[name], window))
    assert stored.deciles["nps_n"].sum() > 0
    assert_same(stored.deciles, raw.deciles)
    assert_same(stored.groups, raw.groups)


def test_the_whole_loyalty_view_is_identical_from_fact_tables(conn, review_day) -> None:
    stored, raw = both(lambda: loyalty_view.build(conn, Filters(), review_day))
    assert_same(stored.at_risk, raw.at_risk)
    assert_same(stored.experience, raw.experience)
    assert stored.at_risk_sentence == raw.at_risk_sentence


# Each customer's revenue in one trailing year, summed plainly over the months (an independent definition).
PLAIN_YEAR = """
    SELECT customer_id, count(*) FILTER (WHERE month >= $start) AS revenue_months,
        sum(revenue_usd) FILTER (WHERE month >= $start) AS revenue_usd,
        sum(gross_margin_usd) FILTER (WHERE month >= $start) AS margin_usd,
        count(gross_margin_usd) FILTER (WHERE month >= $start) AS margin_months,
        sum(cost_to_serve_usd) FILTER (WHERE month >= $start) AS cost_to_serve_usd,
        sum(revenue_usd) FILTER (WHERE month >= $last - INTERVAL 2 MONTH) AS recent_usd,
        sum(revenue_usd) FILTER (WHERE month < $start) AS before_usd,
        (SELECT count(*) FROM customer_revenue a WHERE a.customer_id = r.customer_id AND a.revenue_usd > 0
            AND a.month >= $start - INTERVAL 1 MONTH AND a.month < $last) AS bought,
        (SELECT count(*) FROM customer_revenue a JOIN customer_revenue b ON b.customer_id = a.customer_id
            AND b.month = a.month + INTERVAL 1 MONTH AND b.revenue_usd > 0
            WHERE a.customer_id = r.customer_id AND a.revenue_usd > 0
            AND a.month >= $start - INTERVAL 1 MONTH AND a.month < $last) AS repeated
    FROM customer_revenue r WHERE month >= $start - INTERVAL 3 MONTH AND month <= $last GROUP BY customer_id
"""


def test_customer_years_hold_each_customers_trailing_year_as_plain_sums(conn, review_day) -> None:
    window = loyalty.window_for(review_day)
    last = window.end.replace(day=1)
    params = {"start": window.start, "last": last}
    order = "ORDER BY customer_id"
    columns = "customer_id, revenue_months, revenue_usd, margin_usd, margin_months, cost_to_serve_usd, recent_usd, "
    columns += "before_usd, bought, repeated"
    table = facts.CUSTOMER_YEARS.table
    stored = conn.execute(f"SELECT {columns} FROM {table} WHERE month = $last {order}", {"last": last}).df()  # noqa: S608
    plain = conn.execute(f"SELECT {columns} FROM ({PLAIN_YEAR}) {order}", params).df()  # noqa: S608
    assert len(stored) > 0 and stored["repeated"].sum() > 0 and stored["before_usd"].notna().any()
    counts = {"bought": "int64", "repeated": "int64"}
    assert_same(stored.astype(counts), plain.astype(counts))


@pytest.mark.parametrize("name", FILTERS)
def test_the_value_of_customers_is_identical_from_fact_tables(conn, review_day, name) -> None:
    month = periods.last_complete("month", review_day)
    stored, raw = both(lambda: value.cohort_view(conn, FILTERS[name], month))
    assert stored.cohort["customers"].sum() > 0 and stored.cohort["based"].sum() > 0
    for part in ("cohort", "current", "accounts"):
        assert_same(getattr(stored, part), getattr(raw, part))


@pytest.mark.parametrize("name", FILTERS)
def test_service_attribution_is_identical_from_fact_tables(conn, review_day, name) -> None:
    period = drivers.window(review_day)
    stored, raw = (
        frame.sort_values(["lens", "value"], ignore_index=True)
        for frame in both(lambda: service.support_sums(conn, FILTERS[name], period))
    )
    assert stored["csat_n"].sum() > 0
    assert_same(stored, raw)
    assert both(lambda: service.support_total(conn, FILTERS[name], period))[0] > 0
    assert len(set(both(lambda: service.support_total(conn, FILTERS[name], period)))) == 1


@pytest.mark.parametrize("name", FILTERS)
def test_driver_ratings_are_identical_from_fact_tables(conn, review_day, name) -> None:
    names, period = drivers.attributes(conn), drivers.window(review_day)
    stored, raw = both(lambda: drivers.group_rows(conn, names, FILTERS[name], period, "region"))
    assert stored.columns["n"].sum() > 0
    assert list(stored.part) == list(raw.part) and list(stored.group) == list(raw.group)
    for column, values in stored.columns.items():
        assert list(values) == list(raw.columns[column]), column
