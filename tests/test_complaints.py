"""Complaints: volume per 1,000 active customers by process, recovery, days to resolve, and churn after a recovered
or a lost complaint, on tiny hand-made tables; then the committed sample world's planted truths."""

from __future__ import annotations

from datetime import date

import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.reports.complaints import analysis as complaints
from cxmetrics.reports.complaints import view as complaints_view
from cxmetrics.stats import intervals as stats
from tests import metric_fixtures as fx

OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))
WINDOW = complaints.ChurnWindow(date(2025, 11, 1), date(2026, 10, 31))


def _complaint(cid: str, customer: str, opened: str, outcome: str, **extra) -> dict:
    row = {"complaint_id": cid, "customer_id": customer, "opened_at": fx.at(opened), "outcome": outcome}
    return row | {"category": "other", "process": "billing"} | extra


@pytest.fixture
def churn_db():
    """Cohort of customers active on 2025-11-01, grouped by their latest complaint of the 12 months before.

    recovered: r1 (churned 2026-03-01), r2 (a lost complaint opened exactly at the window start does not count),
    r3 (lost, then recovered later) -> 3 customers, 1 churned. lost: l1 (churned on the window's last day),
    l2 (churned the day after), a1 (APAC, churned) -> 3, 2 churned. none: n1, n2 (complaint 13 months before,
    churned), s1 (signed up the day before the window) -> 3, 1 churned. Not in the cohort (as the registry's
    churn_rate): x1 (signed up on the window's first day: won inside it), x2 (churned the day before the start).
    """
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [
            fx.customer("r1", churn_date=date(2026, 3, 1)),
            fx.customer("r2"),
            fx.customer("r3"),
            fx.customer("l1", churn_date=date(2026, 10, 31)),
            fx.customer("l2", churn_date=date(2026, 11, 1)),
            fx.customer("a1", "APAC", churn_date=date(2026, 5, 1)),
            fx.customer("n1"),
            fx.customer("n2", churn_date=date(2026, 1, 1)),
            fx.customer("s1", signup_date=date(2025, 10, 31)),
            fx.customer("x1", signup_date=date(2025, 11, 1)),
            fx.customer("x2", churn_date=date(2025, 10, 31)),
        ],
    )
    fx.insert(
        conn,
        "complaints",
        [
            _complaint("k1", "r1", "2025-05-01 10:00", "recovered"),
            _complaint("k2", "r2", "2025-06-01 10:00", "recovered"),
            _complaint("k3", "r2", "2025-11-01 00:00", "lost"),
            _complaint("k4", "r3", "2025-01-01 10:00", "lost"),
            _complaint("k5", "r3", "2025-09-01 10:00", "recovered"),
            _complaint("k6", "l1", "2025-10-31 23:00", "lost"),
            _complaint("k7", "l2", "2025-02-01 10:00", "lost"),
            _complaint("k8", "a1", "2025-03-01 10:00", "lost"),
            _complaint("k9", "n2", "2024-10-31 10:00", "lost"),
            _complaint("k10", "x1", "2025-10-01 10:00", "lost"),
            _complaint("k11", "x2", "2025-10-01 10:00", "lost"),
        ],
    )
    return conn


def _groups(frame) -> dict[str, tuple[int, int]]:
    return {row.outcome: (row.customers, row.churned) for row in frame.itertuples()}


def test_churn_by_outcome_groups_the_cohort_by_the_latest_complaint_of_the_year_before(churn_db):
    frame = complaints.churn_by_outcome(churn_db, Filters(), WINDOW)
    assert _groups(frame) == {"lost": (3, 2), "recovered": (3, 1), "none": (3, 1)}
    assert list(frame["outcome"]) == ["lost", "recovered", "none"]
    assert frame.set_index("outcome").loc["lost", "churn_pct"] == pytest.approx(200 / 3)


def test_churn_by_outcome_applies_the_region_filter_and_the_access_scope(churn_db):
    assert _groups(complaints.churn_by_outcome(churn_db, Filters(regions=("EMEA",)), WINDOW))["lost"] == (2, 1)
    scoped = complaints.churn_by_outcome(churn_db, Filters(scope=AccessScope(("APAC",))), WINDOW)
    assert _groups(scoped) == {"lost": (1, 1)}


def test_churn_sentence_says_the_gap_its_interval_and_that_it_is_not_significant(churn_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "1")
    frame = complaints.churn_by_outcome(churn_db, Filters(), WINDOW)
    sentence = complaints.churn_sentence(frame, WINDOW)
    _, low, high = stats.difference_interval(2, 3, 1, 3)
    assert sentence.startswith(
        "Customers whose latest complaint was lost churned 66.7% (2 of 3) over Nov 2025 to Oct 2026, against "
        f"33.3% (1 of 3) when it was recovered: 33.3 points more (95% interval {low:+.1f} to {high:+.1f}), "
        "not significant"
    )
    assert sentence.endswith("Customers without a complaint churned 33.3% (1 of 3).")


def test_churn_under_the_minimum_n_shows_the_groups_n_and_no_rate_count_gap_or_verdict(churn_db):
    frame = complaints.churn_by_outcome(churn_db, Filters(), WINDOW)  # 3 customers per group, under the default 30
    assert complaints.churn_sentence(frame, WINDOW) == (
        "Too few customers to compare churn after a lost and a recovered complaint over Nov 2025 to Oct 2026: "
        "n = 3 lost and n = 3 recovered (each group needs at least 30)."
    )
    assert complaints.churn_gap(frame) is None
    shown = complaints.churn_shown(frame)
    assert shown["customers"].tolist() == [3, 3, 3]
    assert shown[["churned", "churn_pct", "churn_low_pct", "churn_high_pct"]].isna().all().all()


def test_a_group_without_a_complaint_under_the_minimum_n_shows_its_n_only(churn_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "3")
    frame = complaints.churn_by_outcome(churn_db, Filters(), WINDOW)
    frame.loc[frame["outcome"] == "none", ["customers", "churned"]] = (2, 1)
    sentence = complaints.churn_sentence(frame, WINDOW)
    assert sentence.startswith("Customers whose latest complaint was lost churned 66.7% (2 of 3)")
    assert sentence.endswith("Customers without a complaint: n = 2, too few to show their churn.")


def test_churn_sentence_without_lost_complaints_says_there_is_nothing_to_compare(churn_db):
    frame = complaints.churn_by_outcome(churn_db, Filters(scope=AccessScope(("APAC",))), WINDOW)
    assert complaints.churn_sentence(frame, WINDOW).startswith("Not enough complaints to compare")


def test_the_churn_window_is_the_trailing_year_to_the_latest_closed_month():
    week = Period("week", date(2026, 11, 9), date(2026, 11, 15))
    assert complaints.churn_window(week) == WINDOW
    assert WINDOW.complaints_from == date(2024, 11, 1)


@pytest.fixture
def process_db():
    """October 2026: four customers active (c5 churned in September, c6 signs up in November).

    Opened in October: billing k1 (recovered after 2 days), k2 (lost after 4 days), support k3 (open). Resolved in
    October but opened in September: support k4 (recovered after 10 days). November: billing k5 (not in October).
    """
    conn = fx.new_db()
    fx.insert(
        conn,
        "customers",
        [fx.customer("c1"), fx.customer("c2"), fx.customer("c3", "APAC"), fx.customer("c4", "APAC")]
        + [fx.customer("c5", churn_date=date(2026, 9, 15)), fx.customer("c6", signup_date=date(2026, 11, 1))],
    )
    fx.insert(
        conn,
        "complaints",
        [
            _complaint("k1", "c1", "2026-10-05 10:00", "recovered", resolved_at=fx.at("2026-10-07 10:00"),
                       process="billing", category="invoice error"),
            _complaint("k2", "c3", "2026-10-10 10:00", "lost", resolved_at=fx.at("2026-10-14 10:00"),
                       process="billing", category="double charge"),
            _complaint("k3", "c2", "2026-10-20 10:00", "open", process="support", category="slow response"),
            _complaint("k4", "c4", "2026-09-25 12:00", "recovered", resolved_at=fx.at("2026-10-05 12:00"),
                       process="support", category="slow response"),
            _complaint("k5", "c2", "2026-11-02 10:00", "lost", process="billing", category="invoice error"),
        ],
    )  # fmt: skip
    fx.insert(conn, "responses", fx.responses("start", date(2026, 9, 1), csat=[5]))
    fx.close_week(conn)
    return conn


def test_by_process_counts_opened_and_resolved_complaints_of_the_period(process_db):
    frame = complaints.by_process(process_db, Filters(), OCTOBER).set_index("process")
    assert list(frame.index) == ["billing", "support", "All"]
    assert frame.loc["billing", ["complaints", "resolved", "recovered", "lost"]].tolist() == [2, 2, 1, 1]
    assert frame.loc["support", ["complaints", "resolved", "recovered", "lost"]].tolist() == [1, 1, 1, 0]
    assert frame.loc["All", "per_1000"] == pytest.approx(1000 * 3 / 4)
    assert frame.loc["billing", "per_1000"] == pytest.approx(500)
    assert frame.loc["billing", "median_days_to_resolve"] == pytest.approx(3.0)
    assert frame.loc["All", "median_days_to_resolve"] == pytest.approx(4.0)
    assert frame.loc["All", "recovery_pct"] == pytest.approx(200 / 3)
    assert frame.loc["All", "recovery_low_pct"] < 200 / 3 < frame.loc["All", "recovery_high_pct"]


def test_by_category_under_a_region_filter(process_db):
    frame = complaints.by_process(process_db, Filters(regions=("APAC",)), OCTOBER, by="category").set_index("category")
    assert frame.loc["double charge", "complaints"] == 1
    assert frame.loc["slow response", ["complaints", "recovered"]].tolist() == [0, 1]
    assert frame.loc["All", "per_1000"] == pytest.approx(1000 * 1 / 2)


def test_volume_trend_splits_the_registry_rate_by_process(process_db):
    frame = complaints.volume_trend(process_db, Filters(), "month", by="process")
    october = frame[frame["period_label"] == "Oct 2026"].set_index("process")
    assert october["complaints"].to_dict() == {"billing": 2, "support": 1}
    assert october["per_1000"].to_dict() == pytest.approx({"billing": 500.0, "support": 250.0})
    september = frame[frame["period_label"] == "Sep 2026"].set_index("process")
    assert september.loc["support", "active_customers"] == 5


def test_recovery_and_days_to_resolve_are_registry_metrics_split_by_process(process_db):
    frames = query.period_frames(process_db, complaints.PROCESS_METRICS, Filters(), [OCTOBER], by="process")
    recovery = frames["complaint_recovery_rate"].set_index("process")
    assert recovery[["n", "recovered"]].to_dict("index") == {"billing": {"n": 2, "recovered": 1},
                                                             "support": {"n": 1, "recovered": 1}}  # fmt: skip
    median = frames["median_days_to_resolve"].set_index("process")
    assert median["median_days"].to_dict() == pytest.approx({"billing": 3.0, "support": 10.0})


def test_by_process_takes_the_registry_interval_and_breaks_ties_by_name(process_db):
    frame = complaints.by_process(process_db, Filters(), OCTOBER, by="category")
    assert list(frame["category"]) == ["double charge", "invoice error", "slow response", "All"]  # 1 opened each
    total = frame.set_index("category").loc["All"]
    low, high = stats.wilson_interval(2, 3)
    assert (total["recovery_low_pct"], total["recovery_high_pct"]) == pytest.approx((100 * low, 100 * high))


@pytest.mark.parametrize(("minimum", "billing", "support"), [("2", "50.0%", "withheld"), ("1", "50.0%", "100.0%")])
def test_the_process_table_withholds_recovery_below_the_metrics_minimum_n(process_db, monkeypatch, minimum, billing,
                                                                          support):  # fmt: skip
    monkeypatch.setenv("CX_MIN_N", minimum)
    table = complaints_view.process_table(complaints.by_process(process_db, Filters(), OCTOBER), "process")
    assert table.set_index("Process")["Recovered %"].to_dict() == {"Billing": billing, "Support": support,
                                                                   "All": "66.7%"}  # fmt: skip


def test_an_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split"):
        complaints.by_process(None, Filters(), OCTOBER, by="severity; DROP TABLE complaints")


# --- the committed sample world -------------------------------------------------------------------------------------


def test_the_committed_world_recovers_churn_by_complaint_outcome(committed, truth):
    frame = complaints.churn_by_outcome(committed, Filters(), WINDOW)
    realised = truth["churn_by_complaint_outcome"]["realised"]
    assert _groups(frame) == {k: (v["customers"], v["churned"]) for k, v in realised.items()}
    rows = frame.set_index("outcome")
    for outcome, expected in realised.items():
        assert rows.loc[outcome, "churn_low_pct"] == pytest.approx(100 * expected["churn_share_ci95"][0], abs=0.01)
    gap = complaints.churn_gap(frame)
    assert gap.significant and gap.low_points > 0
    sentence = complaints.churn_sentence(frame, WINDOW)
    lost, recovered = realised["lost"], realised["recovered"]
    assert f"{100 * lost['churn_share']:.1f}% ({lost['churned']} of {lost['customers']})" in sentence
    assert f"{100 * recovered['churn_share']:.1f}% ({recovered['churned']} of {recovered['customers']})" in sentence


def test_the_committed_world_recovers_the_complaint_outcome_shares(committed, truth):
    everything = Period("range", date(2023, 11, 1), date(2026, 11, 15))
    total = complaints.by_process(committed, Filters(), everything).set_index("process").loc["All"]
    shares = truth["operations"]["complaint_outcome_share"]
    assert total["recovered"] / total["complaints"] == pytest.approx(shares["recovered"], abs=5e-4)
    assert total["lost"] / total["complaints"] == pytest.approx(shares["lost"], abs=5e-4)
