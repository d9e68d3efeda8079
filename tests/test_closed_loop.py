"""The closed loop: follow-ups closed within 2 business days of opening (weekends skipped), the open backlog by owner
and age, the open detractor list with revenue, on tiny hand-made tables; then the committed sample world."""

from __future__ import annotations

from datetime import date

import pytest

from cxmetrics.display import withheld
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.complaints import closed_loop
from cxmetrics.reports.complaints import view as complaints_view
from tests import metric_fixtures as fx

AS_OF = date(2026, 11, 15)
# (response, customer, NPS, owner, opened, closed): weekday of opening -> the end of the 2nd business day after it.
FOLLOW_UPS = [
    ("mon-on-time", "c1", 3, "ann", "2026-11-02 09:00", "2026-11-04 23:59"),  # Mon -> Wed, to the end of the day
    ("mon-late", "c1", 3, "ann", "2026-11-02 09:00", "2026-11-05 00:01"),  # a minute into Thursday
    ("thu", "c2", 5, "ann", "2026-11-05 10:00", "2026-11-09 10:00"),  # Thu -> Mon
    ("sat", "c2", 9, "bob", "2026-11-07 10:00", "2026-11-10 10:00"),  # Sat -> Tue (Mon is the 1st business day)
    ("sun-on-time", "c3", 2, "bob", "2026-11-08 10:00", "2026-11-10 18:00"),  # Sun -> Tue
    ("sun-late", "c3", 2, "bob", "2026-11-08 10:00", "2026-11-11 00:01"),
    ("fri-open", "c1", 0, "bob", "2026-11-06 10:00", None),  # open, 9 days old on 15 Nov: 8-30 days
    ("new-open", "c3", 6, "ann", "2026-11-14 10:00", None),  # 1 day old: 0-2 days
    ("old-open", "c2", 4, "ann", "2026-10-01 10:00", None),  # 45 days old: over 30 days
    ("closed-later", "c1", 1, "bob", "2026-11-10 10:00", "2026-11-20 10:00"),  # open on 15 Nov: 3-7 days
    ("promoter-open", "c1", 10, "bob", "2026-11-13 10:00", None),  # open but not a detractor
]


@pytest.fixture
def loop_db():
    """Follow-ups of EMEA customers c1, c2 and APAC customer c3, with customer revenue."""
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("c1"), fx.customer("c2"), fx.customer("c3", "APAC")])
    rows, follow_ups = [], []
    for rid, cid, score, owner, opened, closed in FOLLOW_UPS:
        row = fx.responses(rid, fx.at(opened), cid, nps=[score])[0]
        rows.append(row)
        status = "closed" if closed else "open"
        follow_ups.append(
            {"response_id": row["response_id"], "owner": owner, "status": status, "opened_at": fx.at(opened),
             "closed_at": closed and fx.at(closed)}
        )  # fmt: skip
    fx.insert(conn, "responses", rows)
    fx.insert(conn, "follow_ups", follow_ups)
    revenue = [("c1", "2025-10-01", 100.0), ("c1", "2025-11-01", 200.0), ("c1", "2026-10-01", 300.0)]
    revenue += [("c2", "2026-11-01", 1000.0), ("c3", "2026-06-01", 50.0)]
    fx.insert(
        conn,
        "customer_revenue",
        [{"customer_id": c, "month": date.fromisoformat(m), "revenue_usd": v} for c, m, v in revenue],
    )
    return conn


def test_business_day_deadline_skips_weekends_and_ends_with_the_day(loop_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "1")
    timely = closed_loop.closed_within_two_business_days(loop_db, Filters(), date(2026, 11, 2), date(2026, 11, 8))
    # Opened 2-8 Nov: mon-on-time, mon-late, thu, sat, sun-on-time, sun-late, fri-open -> 7; in time: 4.
    assert (timely.opened, timely.in_time) == (7, 4)
    assert timely.pct == pytest.approx(400 / 7)
    assert timely.low_pct < timely.pct < timely.high_pct


def test_timeliness_is_withheld_below_the_minimum_n_the_count_stays(loop_db):
    timely = closed_loop.closed_within_two_business_days(loop_db, Filters(), date(2026, 11, 2), date(2026, 11, 8))
    assert timely.opened == 7 and timely.pct != timely.pct  # 7 follow-ups opened, under the default minimum of 30
    shown = complaints_view.timeliness_tile(withheld.record(timely))
    assert (shown.value, shown.n, shown.min_n) == ("Too few (n = 7)", 7, 30)
    assert "interval" not in shown.help and "Withheld: fewer than 30 follow-ups opened." in shown.help
    assert withheld.record(timely).in_time != withheld.record(timely).in_time  # the count that rebuilds it, too


def test_timeliness_applies_the_access_scope(loop_db):
    scope = Filters(scope=AccessScope(("APAC",)))
    timely = closed_loop.closed_within_two_business_days(loop_db, scope, date(2026, 11, 2), date(2026, 11, 8))
    assert (timely.opened, timely.in_time) == (2, 1)


def test_backlog_counts_follow_ups_open_at_the_end_of_the_day_by_owner_and_age(loop_db):
    frame = closed_loop.backlog(loop_db, Filters(), AS_OF)
    cells = {(r.owner, r.age): (r.open_follow_ups, r.detractors) for r in frame.itertuples()}
    assert cells == {
        ("ann", "0-2 days"): (1, 1),
        ("ann", "over 30 days"): (1, 1),
        ("bob", "0-2 days"): (1, 0),
        ("bob", "3-7 days"): (1, 1),
        ("bob", "8-30 days"): (1, 1),
    }
    assert list(frame["owner"]) == ["bob", "bob", "bob", "ann", "ann"]


def test_backlog_earlier_in_time_and_under_a_region_filter(loop_db):
    earlier = closed_loop.backlog(loop_db, Filters(), date(2026, 11, 3))
    # On 3 Nov: old-open (33 days) and both Monday follow-ups (1 day) are open.
    assert dict(zip(earlier["age"], earlier["open_follow_ups"], strict=True)) == {"0-2 days": 2, "over 30 days": 1}
    apac = closed_loop.backlog(loop_db, Filters(regions=("APAC",)), AS_OF)
    assert apac[["owner", "age", "open_follow_ups"]].values.tolist() == [["ann", "0-2 days", 1]]


def test_open_detractors_lists_the_highest_revenue_first_with_twelve_closed_months(loop_db):
    frame = closed_loop.open_detractors(loop_db, Filters(), AS_OF)
    assert list(frame["response_id"]) == ["fri-open-nps-0", "closed-later-nps-0", "new-open-nps-0", "old-open-nps-0"]
    # c1: Nov 2025 to Oct 2026 = 200 + 300 (Oct 2025 is outside); c3: 50; c2: nothing before November 2026.
    assert frame["revenue_12m_usd"].tolist()[:3] == [500.0, 500.0, 50.0]
    assert frame["revenue_12m_usd"].isna().tolist()[3]
    assert frame.loc[0, "age_days"] == 9 and frame.loc[0, "customer"] == "C1"
    assert list(frame.columns) == list(closed_loop.LIST_COLUMNS)


def test_open_detractors_without_revenue_data_and_under_the_access_scope(loop_db):
    frame = closed_loop.open_detractors(loop_db, Filters(scope=AccessScope(("EMEA",))), AS_OF, with_revenue=False)
    assert set(frame["customer_id"]) == {"c1", "c2"} and frame["revenue_12m_usd"].isna().all()
    csv = closed_loop.open_list_csv(frame).decode()
    assert csv.splitlines()[0] == ",".join(closed_loop.LIST_COLUMNS) and len(csv.splitlines()) == 4


# --- the committed sample world -------------------------------------------------------------------------------------


def test_the_committed_world_recovers_follow_up_timeliness(committed, truth):
    expected = truth["operations"]["followups_within_2_business_days_pct"]
    timely = closed_loop.closed_within_two_business_days(committed, Filters(), date(2023, 11, 1), AS_OF)
    assert timely.opened == expected["n"]
    assert timely.in_time == round(expected["pct"] * expected["n"] / 100)
