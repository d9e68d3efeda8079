"""The at-risk score: its parts on hand-made facts, and the facts aggregated from tiny tables."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.loyalty import risk
from tests import metric_fixtures as fx

AS_OF = date(2026, 10, 31)


def _facts(rows: list[tuple]) -> pd.DataFrame:
    columns = ["customer_id", "nps_group", "complaints_12m", "lost_complaints_12m", "recent_revenue_usd",
               "year_before_revenue_usd", "open_follow_ups", "revenue_12m_usd"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_the_score_is_the_sum_of_its_visible_parts_and_ranks_customers():
    facts = _facts(
        [
            ("promoter", "promoter", 0, 0, 100.0, 0.0, 0, 900.0),  # no base a year ago: no revenue points
            ("grumpy", "detractor", 4, 1, 50.0, 100.0, 1, 500.0),  # 35 + (15 + 10) + 25 x 0.5 + 15
            ("silent", "no response", 1, 0, 120.0, 100.0, 0, 300.0),  # 10 + 5, growing revenue
            ("gone_quiet", "passive", 2, 0, 0.0, 100.0, 0, 100.0),  # 15 + 10 + 25
        ]
    )
    ranked = risk.score(facts).set_index("customer_id")
    assert ranked.loc["grumpy", list(risk.PART_COLUMNS)].tolist() == [35.0, 25.0, 12.5, 15.0]
    assert ranked["risk_score"].to_dict() == {"grumpy": 87.5, "gone_quiet": 50.0, "silent": 15.0, "promoter": 0.0}
    assert ranked["rank"].to_dict() == {"grumpy": 1, "gone_quiet": 2, "silent": 3, "promoter": 4}
    assert ranked.loc["silent", "revenue_change_pct"] == pytest.approx(20.0)
    assert pd.isna(ranked.loc["promoter", "revenue_change_pct"])


def test_equal_scores_rank_by_revenue():
    facts = _facts([("small", "passive", 0, 0, 0.0, 0.0, 0, 10.0), ("big", "passive", 0, 0, 0.0, 0.0, 0, 99.0)])
    assert risk.score(facts)["customer_id"].tolist() == ["big", "small"]


def test_the_weights_text_names_every_part_and_the_maximum():
    text = risk.weights_text()
    assert text.startswith(
        "Risk score (0-100) = NPS category of the latest relationship answer in the 12 months (detractor 35, passive "
        "15, no response 10, promoter 0; an older answer counts as no response)"
    )
    assert "open follow-ups (15 if any)" in text
    assert risk.MAX_SCORE == 100


def test_narrowing_by_score_owner_and_nps_group():
    ranked = risk.score(_facts([("x", "detractor", 0, 0, 0, 0, 0, 1), ("y", "passive", 0, 0, 0, 0, 0, 1)]))
    ranked["account_owner"] = ["Ann", "unassigned"]
    assert risk.narrowed(ranked, 20, [], [])["customer_id"].tolist() == ["x"]
    assert risk.narrowed(ranked, 0, ["unassigned"], [])["customer_id"].tolist() == ["y"]
    assert risk.narrowed(ranked, 0, [], ["passive", "detractor"])["customer_id"].tolist() == ["x", "y"]


@pytest.fixture
def risk_db():
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("a", account_owner="Cai"),
            fx.customer("b", "APAC"),
            fx.customer("gone", churn_date=date(2026, 10, 1)),
        ],
    )
    rows = fx.responses("a-old", fx.at("2026-01-05 10:00"), "a", nps=[10])
    rows += fx.responses("a-new", fx.at("2026-09-05 10:00"), "a", nps=[4])
    rows += fx.responses("a-late", fx.at("2026-11-05 10:00"), "a", nps=[10])  # after the as-of day
    fx.insert(conn, "responses", rows)
    follow_ups = [
        ("a-old-nps-0", "Ann", "2026-01-05 12:00", "2026-01-06 12:00"),
        ("a-new-nps-0", "Bea", "2026-09-05 12:00", None),  # the latest: Bea owns a, and it is open
    ]
    fx.insert(
        conn,
        "follow_ups",
        [
            {"response_id": r, "owner": o, "status": "closed" if c else "open", "opened_at": fx.at(op),
             "closed_at": c and fx.at(c)}
            for r, o, op, c in follow_ups
        ],
    )  # fmt: skip
    complaints = [
        ("k1", "a", "2026-03-01 10:00", "lost"),
        ("k2", "a", "2026-06-01 10:00", "recovered"),
        ("k3", "a", "2025-10-31 10:00", "lost"),  # before the trailing 12 months
    ]
    fx.insert(
        conn,
        "complaints",
        [
            {"complaint_id": k, "customer_id": c, "opened_at": fx.at(o), "category": "billing", "outcome": out}
            for k, c, o, out in complaints
        ],
    )
    revenue = [("a", "2025-08", 100), ("a", "2025-10", 100), ("a", "2026-09", 50), ("a", "2026-10", 50)]
    revenue += [("a", "2025-07", 999), ("b", "2026-10", 10)]
    fx.insert(
        conn,
        "customer_revenue",
        [{"customer_id": c, "month": date.fromisoformat(f"{m}-01"), "revenue_usd": v} for c, m, v in revenue],
    )
    return conn


def test_the_facts_are_aggregated_per_active_customer_as_of_the_window_end(risk_db):
    facts = risk.features(risk_db, Filters(), AS_OF).set_index("customer_id")
    assert sorted(facts.index) == ["a", "b"]
    a = facts.loc["a"]
    assert (a["latest_nps"], a["nps_group"], a["follow_up_owner"], a["open_follow_ups"]) == (4, "detractor", "Bea", 1)
    assert (a["complaints_12m"], a["lost_complaints_12m"]) == (2, 1)
    # Aug-Oct 2026: 100; Aug-Oct 2025: 200. The trailing 12 months (Nov 2025 - Oct 2026): 100.
    assert (a["recent_revenue_usd"], a["year_before_revenue_usd"], a["revenue_12m_usd"]) == (100, 200, 100)
    b = facts.loc["b"]
    assert (b["follow_up_owner"], b["nps_group"], b["open_follow_ups"]) == ("unassigned", "no response", 0)
    assert (a["account_owner"], b["account_owner"]) == ("Cai", "unassigned")
    ranked = risk.at_risk_list(risk_db, Filters(), AS_OF)
    assert ranked.iloc[0]["customer_id"] == "a"
    assert ranked.iloc[0]["risk_score"] == pytest.approx(35 + 10 + 10 + 12.5 + 15)


def test_an_answer_older_than_the_window_counts_as_no_response_and_a_churned_detractor_is_not_listed(risk_db):
    fx.insert(risk_db, "customers", [fx.customer("stale"), fx.customer("left", churn_date=date(2026, 10, 31))])
    rows = fx.responses("stale", fx.at("2025-10-31 10:00"), "stale", nps=[0])  # the day before the window
    rows += fx.responses("left", fx.at("2026-06-01 10:00"), "left", nps=[1])  # churned on the window's last day
    rows += fx.responses("gone", fx.at("2026-06-01 10:00"), "gone", nps=[2])
    fx.insert(risk_db, "responses", rows)
    facts = risk.features(risk_db, Filters(), AS_OF).set_index("customer_id")
    assert sorted(facts.index) == ["a", "b", "stale"]
    assert facts.loc["stale", "nps_group"] == "no response" and pd.isna(facts.loc["stale", "latest_nps"])
    assert risk.score(facts.reset_index()).set_index("customer_id").loc["stale", "nps_points"] == 10.0


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        (date(2026, 10, 31), date(2025, 11, 1), date(2026, 10, 31)),
        (date(2026, 11, 20), date(2025, 11, 1), date(2026, 10, 31)),  # November has not closed: October's window
        (date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 29)),
    ],
)
def test_the_window_is_the_trailing_12_closed_months(as_of, start, end):
    assert (risk.window(as_of).start, risk.window(as_of).end) == (start, end)


def test_a_day_inside_an_open_month_lists_the_customers_as_of_the_month_before(risk_db):
    pd.testing.assert_frame_equal(
        risk.at_risk_list(risk_db, Filters(), date(2026, 11, 20)), risk.at_risk_list(risk_db, Filters(), AS_OF)
    )


def test_the_list_follows_filters_and_the_access_scope(risk_db):
    assert risk.features(risk_db, Filters(regions=("APAC",)), AS_OF)["customer_id"].tolist() == ["b"]
    assert risk.features(risk_db, Filters(scope=AccessScope(("EMEA",))), AS_OF)["customer_id"].tolist() == ["a"]
    assert risk.features(risk_db, Filters(scope=AccessScope(())), AS_OF).empty


def test_a_database_loaded_before_customers_had_an_account_owner_still_ranks(risk_db):
    risk_db.execute("ALTER TABLE customers DROP COLUMN account_owner")
    facts = risk.features(risk_db, Filters(), AS_OF)
    assert facts["account_owner"].tolist() == ["unassigned", "unassigned"]
