"""Ad-hoc page queries get the filters and the access scope from `aggregate.scoped`, as bound parameters."""

import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.sources import RESPONSES
from cxmetrics.query import aggregate
from tests import metric_fixtures as fx


def _count(conn, filters: Filters) -> int:
    joins, where, params = aggregate.scoped(RESPONSES, filters)
    sql = f"SELECT count(*) FROM {RESPONSES.from_sql} {joins} WHERE {where}"  # noqa: S608 (registry identifiers)
    return conn.execute(sql, params).fetchone()[0]


@pytest.mark.parametrize(
    ("filters", "responses"),
    [
        (Filters(), 21),
        (Filters(regions=("EMEA",)), 12),
        (Filters(scope=AccessScope(("APAC",))), 9),
        (Filters(regions=("EMEA",), scope=AccessScope(("APAC",))), 0),
        (Filters(regions=("x' OR '1'='1",)), 0),
    ],
    ids=["nothing selected", "a region", "a scope", "a region outside the scope", "a value that looks like SQL"],
)
def test_scoped_applies_selections_and_the_scope(filters: Filters, responses: int):
    conn = fx.new_db()
    fx.cx_world(conn)  # 12 responses of customer a in EMEA, 9 of b in APAC
    assert _count(conn, filters) == responses


def test_without_a_selection_every_response_counts_even_one_without_a_customer():
    conn = fx.new_db()
    fx.cx_world(conn)  # 21 responses of two SMB customers
    fx.insert(conn, "customers", [fx.customer("e", segment="Enterprise")])
    fx.insert(conn, "responses", fx.responses("e", fx.WEEK_END, "e", nps=[9]))
    fx.insert(conn, "responses", fx.responses("anonymous", fx.WEEK_END, nps=[5]))
    assert _count(conn, Filters()) == 23
    assert _count(conn, Filters(segments=("SMB",))) == 21


def test_values_that_look_like_sql_are_matched_as_data():
    conn = fx.new_db()
    odd = "x' OR '1'='1"
    fx.insert(conn, "customers", [fx.customer("a"), fx.customer("q", region=odd, segment=odd)])
    fx.insert(conn, "responses", fx.responses("a", fx.WEEK_END, "a", nps=[9]))
    fx.insert(conn, "responses", fx.responses("q", fx.WEEK_END, "q", nps=[7]))
    assert _count(conn, Filters(regions=(odd,))) == 1
    assert _count(conn, Filters(segments=(odd,))) == 1
    assert _count(conn, Filters(regions=("x",))) == 0
