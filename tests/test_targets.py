"""Targets: the most specific applicable target, and on_target / watch / off_target with significance."""

import math
from datetime import date

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics import targets
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period, parse_week
from cxmetrics.query import frames as query
from tests import metric_fixtures as fx

W46 = parse_week("2026-W46")
OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period("month", date(2026, 11, 1), date(2026, 11, 30))
Q4 = Period("quarter", date(2026, 10, 1), date(2026, 12, 31))

TABLE = [
    targets.TargetRow(*row)
    for row in [
        (date(2026, 1, 1), "year", "", "", 40.0),
        (date(2026, 1, 1), "year", "EMEA", "", 50.0),
        (date(2026, 1, 1), "year", "EMEA", "SMB", 55.0),
        (date(2026, 1, 1), "year", "", "SMB", 45.0),
        (date(2026, 7, 1), "quarter", "", "", 42.0),
        (date(2026, 11, 1), "month", "", "", 43.0),
        (date(2027, 1, 1), "year", "", "", 60.0),
    ]
]


@pytest.mark.parametrize(
    ("period", "region", "segment", "additive", "expected"),
    [
        (W46, "", "", False, 43.0),  # company-wide: the latest target starting on or before the week
        (OCTOBER, "", "", False, 42.0),  # the November month target has not started yet
        (W46, "EMEA", "", False, 50.0),  # a region's own target beats the company's
        (W46, "EMEA", "SMB", False, 55.0),  # region and segment is the most specific
        (W46, "APAC", "SMB", False, 45.0),  # the segment target applies in a region without its own
        (W46, "APAC", "", False, 43.0),  # company-wide as fallback
        (Period("month", date(2025, 6, 1), date(2025, 6, 30)), "", "", False, None),  # before any target
        (OCTOBER, "", "", True, None),  # a total takes only a target of its own grain
        (NOVEMBER, "", "", True, 43.0),
        (Q4, "", "", True, 42.0),
        (NOVEMBER, "", "", False, 43.0),  # the same grain wins over an older yearly target
        (NOVEMBER, "APAC", "", True, None),  # a region's total is not judged against the company's total
    ],
)
def test_find_target(period, region, segment, additive, expected):
    assert targets.find_target(TABLE, period, region, segment, additive) == expected


def test_no_targets_table_rows():
    assert targets.find_target([], W46) is None


def test_load_targets_by_metric(with_targets):
    loaded = targets.load_targets(with_targets, ["nps", "csat"])
    assert loaded["csat"] == []
    assert sorted(r.target for r in loaded["nps"]) == [40.0, 60.0]
    assert loaded["nps"][0].period_start == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("metric_id", "value", "target", "low", "high", "expected"),
    [
        ("nps", 35.0, 30.0, 20.0, 50.0, "on_target"),
        ("nps", 30.0, 30.0, 20.0, 40.0, "on_target"),  # meeting the target exactly
        ("nps", 25.0, 30.0, 10.0, 40.0, "watch"),  # the miss is inside the interval: noise
        ("nps", 20.0, 30.0, 12.0, 28.0, "off_target"),  # the whole interval is below the target
        ("nps", 20.0, 30.0, math.nan, math.nan, "watch"),  # no interval: cannot call it significant
        ("nps", math.nan, 30.0, math.nan, math.nan, None),  # suppressed
        ("nps", 20.0, None, 10.0, 30.0, None),  # no target
        ("churn_rate", 10.0, 12.0, 8.0, 12.5, "on_target"),  # lower is better
        ("churn_rate", 14.0, 12.0, 11.0, 17.0, "watch"),
        ("churn_rate", 14.0, 12.0, 12.5, 15.5, "off_target"),
        ("revenue", 101.0, 100.0, math.nan, math.nan, "on_target"),
        ("revenue", 99.0, 100.0, math.nan, math.nan, "watch"),  # exact: within the 2% tolerance
        ("revenue", 98.0, 100.0, math.nan, math.nan, "watch"),
        ("revenue", 97.9, 100.0, math.nan, math.nan, "off_target"),
        ("cost_per_contact", 10.1, 10.0, math.nan, math.nan, "watch"),
        ("cost_per_contact", 10.5, 10.0, math.nan, math.nan, "off_target"),
        ("cost_per_contact", 9.0, 10.0, math.nan, math.nan, "on_target"),
    ],
)
def test_status(metric_id, value, target, low, high, expected):
    assert targets.status(get_metric(metric_id), value, target, low, high) == expected


def _insert_targets(conn, rows: list[tuple]) -> None:
    """Insert (metric, period_start, grain, region, segment, target) rows."""
    fx.insert(conn, "targets", [dict(zip(["metric", *targets.TargetRow._fields], r, strict=True)) for r in rows])


def _finance_db():
    conn = fx.new_db()
    fx.finance_world(conn)
    return conn


@pytest.fixture
def with_targets(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "10")
    conn = fx.new_db()
    fx.trend_world(conn)
    _insert_targets(
        conn, [("nps", date(2026, 1, 1), "year", "", "", 40.0), ("nps", date(2026, 1, 1), "year", "EMEA", "", 60.0)]
    )
    return conn


def test_frames_carry_target_variance_and_status(with_targets):
    frame = query.period_frame(with_targets, "nps", None, [W46], by="region").set_index("region")
    # EMEA 70 against its own 60; APAC -12.5 against the company's 40, but all 40 answers are one customer's (an
    # effective sample of one: design effect 40), so the interval holds the target: a miss inside the noise.
    assert (frame.loc["EMEA", "target"], frame.loc["EMEA", "status"]) == (60.0, "on_target")
    assert frame.loc["EMEA", "variance_to_target"] == pytest.approx(10.0)
    assert (frame.loc["APAC", "target"], frame.loc["APAC", "status"]) == (40.0, "watch")
    assert frame.loc["APAC", "high"] > 40
    company = query.period_frame(with_targets, "nps", None, [W46]).iloc[0]
    # 30 against 40, interval -23.9..82.2 (two customers and 10 anonymous answers) holds the target: a watch.
    assert (company["target"], company["status"]) == (40.0, "watch")
    assert company["variance_to_target_pct"] == pytest.approx(-25.0)


def test_a_restricted_scope_uses_its_region_target(with_targets):
    row = query.period_frame(with_targets, "nps", Filters(scope=AccessScope(("EMEA",))), [W46]).iloc[0]
    assert (row["value"], row["target"], row["status"]) == (pytest.approx(70.0), 60.0, "on_target")


def test_no_target_under_a_filter_targets_cannot_express(with_targets):
    fx.insert(with_targets, "responses", fx.responses("tp", fx.WEEK, "e1", nps=[10] * 20))
    with_targets.execute("UPDATE responses SET touchpoint = 'billing' WHERE response_id LIKE 'tp-%'")
    row = query.period_frame(with_targets, "nps", Filters(touchpoints=("billing",)), [W46]).iloc[0]
    assert row["value"] == 100.0
    assert math.isnan(row["target"]) and pd.isna(row["status"])


def test_monthly_data_at_week_grain_is_judged_against_its_months_target():
    conn = _finance_db()
    rows = [
        ("revenue", date(2026, 10, 1), "month", "", "", 4000.0),
        ("revenue", date(2026, 11, 1), "month", "", "", 9999.0),
        ("revenue", date(2026, 10, 1), "week", "", "", 1.0),
    ]
    _insert_targets(conn, rows)
    row = query.period_frame(conn, "revenue", None, [W46]).iloc[0]
    # Week 2026-W46 shows October's revenue (5,000), so October's monthly target applies, not a weekly one.
    assert (row["basis_start"], row["value"], row["target"], row["status"]) == (
        date(2026, 10, 1),
        5000.0,
        4000.0,
        "on_target",
    )


def test_a_total_under_a_filter_takes_only_its_own_slices_target():
    conn = _finance_db()
    rows = [
        ("revenue", date(2026, 10, 1), "month", "", "", 5000.0),
        ("revenue", date(2026, 10, 1), "month", "APAC", "", 2500.0),
        ("gross_margin_pct", date(2026, 10, 1), "quarter", "", "", 10.0),
    ]
    _insert_targets(conn, rows)
    emea = query.period_frame(conn, "revenue", Filters(regions=("EMEA",)), [W46]).iloc[0]
    assert emea["value"] == 2000.0 and math.isnan(emea["target"]) and pd.isna(emea["status"])
    apac = query.period_frame(conn, "revenue", Filters(scope=AccessScope(("APAC",))), [W46]).iloc[0]
    assert (apac["value"], apac["target"], apac["status"]) == (3000.0, 2500.0, "on_target")
    both = query.period_frame(conn, "revenue", Filters(regions=("EMEA", "APAC")), [W46]).iloc[0]
    assert math.isnan(both["target"]), "two regions' revenue has no target"
    margin = query.period_frame(conn, "gross_margin_pct", Filters(regions=("EMEA", "APAC")), [W46]).iloc[0]
    assert margin["target"] == 10.0, "a ratio of two regions is still held to the company-wide standard"
