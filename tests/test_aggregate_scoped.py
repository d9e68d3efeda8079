"""Ad-hoc page queries get the filters and the access scope from `aggregate.scoped`, as bound parameters."""

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.sources import RESPONSES
from cxmetrics.query import aggregate
from tests import metric_fixtures as fx


def _count(conn, filters: Filters) -> int:
    joins, where, params = aggregate.scoped(RESPONSES, filters)
    sql = f"SELECT count(*) FROM {RESPONSES.from_sql} {joins} WHERE {where}"  # noqa: S608 (registry identifiers)
    return conn.execute(sql, params).fetchone()[0]


def test_scoped_applies_selections_scope_and_binds_values():
    conn = fx.new_db()
    fx.cx_world(conn)
    assert _count(conn, Filters()) == 21
    assert _count(conn, Filters(regions=("EMEA",))) == 12
    assert _count(conn, Filters(scope=AccessScope(("APAC",)))) == 9
    assert _count(conn, Filters(regions=("EMEA",), scope=AccessScope(("APAC",)))) == 0
    assert _count(conn, Filters(regions=("x' OR '1'='1",))) == 0


def test_scoped_without_any_selection_needs_no_join():
    joins, where, params = aggregate.scoped(RESPONSES, Filters())
    assert (joins, where, params) == ("", "TRUE", {})
    joins, where, params = aggregate.scoped(RESPONSES, Filters(segments=("SMB",)))
    assert "customers c" in joins and "$f0_0" in where and params == {"f0_0": "SMB"}
