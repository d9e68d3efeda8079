"""The shared definitions, each on a table small enough to check on paper: NPS categories, customers active at a
date, a customer's latest relationship answer, the business-day deadline, the trailing closed months and a metric's
minimum n."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from cxmetrics import periods
from cxmetrics.metrics import measures
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.metrics.sources import bases_relation, pairs_relation
from cxmetrics.periods import Period
from tests import metric_fixtures as fx


@pytest.mark.parametrize(
    ("score", "group"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_categories_in_sql_and_python_agree(score, group):
    conn = fx.new_db()
    sql = (
        f"SELECT {measures.nps_group('x')}, {measures.promoters('x')}, {measures.detractors('x')} "  # noqa: S608
        "FROM (SELECT CAST(? AS INTEGER) AS x) GROUP BY x"
    )
    found, promoters, detractors = conn.execute(sql, [score]).fetchone()
    assert found == measures.nps_group_of(score) == group
    assert (promoters, detractors) == (group == "promoter", group == "detractor")


def test_nps_group_without_an_answer_is_null_or_the_fallback():
    conn = fx.new_db()
    sql = f"SELECT {measures.nps_group('x')}, {measures.nps_group('x', 'no response')} FROM (SELECT NULL::INT AS x)"  # noqa: S608
    assert conn.execute(sql).fetchone() == (None, "no response")


ON = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("signup", "churn", "active"),
    [
        (date(2026, 10, 31), None, True),  # signed up the day before
        (ON, None, False),  # signs up on the day: not yet active at its start
        (date(2025, 1, 1), ON, True),  # churns on the day: still active at its start
        (date(2025, 1, 1), date(2026, 10, 31), False),  # churned the day before
        (date(2025, 1, 1), date(2027, 1, 1), True),
    ],
)
def test_customers_active_at_the_start_of_a_day(signup, churn, active):
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("c1", signup_date=signup, churn_date=churn)])
    sql = f"SELECT count(*) FROM customers c WHERE {measures.active_at('$on')}"  # noqa: S608
    assert conn.execute(sql, {"on": ON}).fetchone()[0] == int(active)


def test_latest_relationship_answer_takes_one_response_strictly_before_the_date():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("c1"), fx.customer("c2")])
    rows = [
        ("r1", "c1", datetime(2026, 10, 1), "relationship", 3, 2),
        ("r2", "c1", datetime(2026, 10, 20), "relationship", 9, None),  # latest: its CSAT is missing
        ("r3", "c1", datetime(2026, 10, 25), "transactional", 0, 1),  # not a relationship answer
        ("r4", "c1", datetime(2026, 11, 1), "relationship", 5, 5),  # on the date: too late
        ("r5", "c2", datetime(2026, 10, 5), "relationship", 7, 4),  # a tie on the time:
        ("r6", "c2", datetime(2026, 10, 5), "relationship", 8, 3),  # the highest response id wins
        ("r7", None, datetime(2026, 10, 5), "relationship", 1, 1),  # anonymous
    ]
    fx.insert(
        conn,
        "responses",
        [
            {"response_id": r, "customer_id": c, "responded_at": t, "survey": s, "nps": n, "csat": k}
            for r, c, t, s, n, k in rows
        ],
    )
    latest = measures.latest_relationship_answer("$on", ("nps", "csat"))
    sql = f"SELECT customer_id, nps, csat FROM ({latest}) x"  # noqa: S608
    found = sorted(conn.execute(sql + " ORDER BY 1", {"on": ON}).fetchall())
    assert found == [("c1", 9, None), ("c2", 8, 3)]


def test_latest_relationship_answer_since_a_date_ignores_older_answers():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("fresh"), fx.customer("stale")])
    rows = [
        ("f1", "fresh", datetime(2025, 6, 1), 2),
        ("f2", "fresh", datetime(2025, 11, 1), 9),  # on the first day counted: it counts
        ("s1", "stale", datetime(2025, 10, 31, 23), 3),  # the day before: too old, no answer
    ]
    fx.insert(
        conn,
        "responses",
        [
            {"response_id": r, "customer_id": c, "responded_at": t, "survey": "relationship", "nps": n}
            for r, c, t, n in rows
        ],
    )
    latest = measures.latest_relationship_answer("$on", since="$since")
    sql = f"SELECT customer_id, nps FROM ({latest}) x ORDER BY 1"  # noqa: S608
    assert conn.execute(sql, {"on": ON, "since": date(2025, 11, 1)}).fetchall() == [("fresh", 9)]
    unbounded = measures.latest_relationship_answer("$on")
    assert len(conn.execute(f"SELECT * FROM ({unbounded}) x", {"on": ON}).fetchall()) == 2  # noqa: S608


@pytest.mark.parametrize(
    ("day", "deadline"),
    [
        (date(2026, 11, 2), date(2026, 11, 4)),  # Mon -> Wed
        (date(2026, 11, 4), date(2026, 11, 6)),  # Wed -> Fri
        (date(2026, 11, 5), date(2026, 11, 9)),  # Thu -> Mon
        (date(2026, 11, 6), date(2026, 11, 10)),  # Fri -> Tue
        (date(2026, 11, 7), date(2026, 11, 10)),  # Sat -> Tue
        (date(2026, 11, 8), date(2026, 11, 10)),  # Sun -> Tue
    ],
)
def test_business_day_deadline_in_python_and_sql(day, deadline):
    assert periods.business_deadline(day) == deadline
    conn = fx.new_db()
    moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=23)
    sql = f"SELECT {measures.business_deadline_sql('$at')}"
    assert conn.execute(sql, {"at": moment}).fetchone()[0] == deadline


@pytest.mark.parametrize(
    ("day", "months", "start", "end"),
    [
        (date(2026, 11, 15), 12, date(2025, 11, 1), date(2026, 10, 31)),
        (date(2026, 10, 31), 12, date(2025, 11, 1), date(2026, 10, 31)),  # a month closes on its last day
        (date(2026, 3, 1), 12, date(2025, 3, 1), date(2026, 2, 28)),
        (date(2026, 1, 10), 3, date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_trailing_closed_months(day, months, start, end):
    window = periods.trailing_months(day, months)
    assert (window.start, window.end) == (start, end)


@pytest.mark.parametrize(
    ("end", "year_start", "latest_month", "year_ago_month"),
    [
        (date(2026, 10, 31), date(2025, 11, 1), date(2026, 10, 1), date(2025, 10, 1)),
        (date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 1), date(2023, 2, 1)),  # a leap month end
        (date(2026, 11, 15), date(2025, 11, 1), date(2026, 10, 1), date(2025, 10, 1)),  # the month closed by it
    ],
)
def test_the_bases_relation_carries_the_trailing_closed_months_of_each_period(
    end, year_start, latest_month, year_ago_month
):
    params: dict = {}
    sql = f"WITH {bases_relation([Period('month', end.replace(day=1), end)], params)} SELECT * FROM bases"  # noqa: S608 (constants only)
    row = fx.new_db().execute(sql, params).fetchone()
    assert row == (0, end.replace(day=1), end, year_start, latest_month, year_ago_month)
    assert row[3] == periods.trailing_months(end).start


def test_the_pairs_relation_carries_the_trailing_months_of_both_periods():
    params: dict = {}
    october, september = (Period("month", date(2026, m, 1), date(2026, m, d)) for m, d in ((10, 31), (9, 30)))
    sql = f"WITH {pairs_relation([(october, september)], params)} SELECT * FROM pairs"  # noqa: S608 (constants only)
    assert fx.new_db().execute(sql, params).fetchone() == (
        0, date(2025, 11, 1), date(2026, 10, 31), date(2025, 10, 1), date(2026, 9, 30),
    )  # fmt: skip


def test_minimum_n_is_the_metrics_own_else_the_setting(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "12")
    assert minimum_n(get_metric("nps")) == 12
    assert minimum_n(get_metric("revenue")) == 0
    assert minimum_n() == 12
