"""Reporting periods, the month a weekly view pairs with monthly data, and the business-day deadline."""

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxmetrics import periods
from cxmetrics.metrics.sources import DEADLINE
from cxmetrics.periods import Period


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("grain", "day", "start", "end"),
    [
        ("week", "2026-11-12", "2026-11-09", "2026-11-15"),
        ("week", "2027-01-01", "2026-12-28", "2027-01-03"),
        ("month", "2026-02-14", "2026-02-01", "2026-02-28"),
        ("month", "2024-02-14", "2024-02-01", "2024-02-29"),
        ("quarter", "2026-11-12", "2026-10-01", "2026-12-31"),
        ("ytd", "2026-11-12", "2026-01-01", "2026-11-12"),
    ],
)
def test_period_containing(grain, day, start, end):
    assert periods.period_containing(grain, d(day)) == Period(grain, d(start), d(end))


@pytest.mark.parametrize(
    ("grain", "last_day", "start", "end"),
    [
        ("week", "2026-11-15", "2026-11-09", "2026-11-15"),  # a Sunday completes its week
        ("week", "2026-11-14", "2026-11-02", "2026-11-08"),  # Saturday: that week is not complete yet
        ("month", "2026-11-30", "2026-11-01", "2026-11-30"),
        ("month", "2026-11-29", "2026-10-01", "2026-10-31"),
        ("quarter", "2026-11-15", "2026-07-01", "2026-09-30"),
        ("ytd", "2026-11-14", "2026-01-01", "2026-11-08"),
    ],
)
def test_last_complete_period(grain, last_day, start, end):
    assert periods.last_complete(grain, d(last_day)) == Period(grain, d(start), d(end))


@pytest.mark.parametrize(
    ("grain", "start", "end"),
    [
        ("week", "2026-11-09", "2026-11-15"),
        ("month", "2026-10-01", "2026-10-31"),
        ("quarter", "2026-07-01", "2026-09-30"),
        ("ytd", "2026-01-01", "2026-11-15"),
    ],
)
def test_the_review_period_is_the_last_one_complete_by_the_end_of_the_data(grain, start, end):
    week = periods.parse_week("2026-W46")
    assert periods.review_period(grain, week, d("2026-11-15")) == Period(grain, d(start), d(end))
    assert periods.review_period(grain, week, d("2026-11-18")) == Period(grain, d(start), d(end))


def test_an_unknown_review_grain_is_refused():
    with pytest.raises(ValueError, match="unknown grain 'year'"):
        periods.review_period("year", periods.parse_week("2026-W46"), d("2026-11-15"))


@pytest.mark.parametrize(
    ("period", "prior_start", "last_year_start"),
    [
        (periods.parse_week("2026-W46"), "2026-11-02", "2025-11-10"),
        (periods.parse_week("2026-W53"), "2026-12-21", "2025-12-22"),  # 2025 has no week 53: week 52
        (Period("month", d("2026-03-01"), d("2026-03-31")), "2026-02-01", "2025-03-01"),
        (Period("quarter", d("2026-01-01"), d("2026-03-31")), "2025-10-01", "2025-01-01"),
    ],
)
def test_prior_and_same_period_last_year(period, prior_start, last_year_start):
    assert periods.prior(period).start == d(prior_start)
    assert periods.same_last_year(period).start == d(last_year_start)
    assert periods.same_last_year(period).grain == period.grain


def test_rolling_windows_end_with_the_week():
    week = periods.parse_week("2026-W46")
    assert periods.rolling_weeks(week, 4) == Period("rolling", d("2026-10-19"), d("2026-11-15"))
    assert periods.rolling_weeks(week, 13).days == 91


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (periods.parse_week("2026-W46"), "2026-W46"),
        (Period("month", d("2026-10-01"), d("2026-10-31")), "Oct 2026"),
        (Period("quarter", d("2026-07-01"), d("2026-09-30")), "2026 Q3"),
        (Period("ytd", d("2026-01-01"), d("2026-11-15")), "2026 YTD to 15 Nov"),
        (periods.rolling_weeks(periods.parse_week("2026-W46"), 13), "13 weeks to 15 Nov 2026"),
        (periods.trailing_months(d("2026-11-15")), "12 months to Oct 2026"),
        (Period("range", d("2023-11-01"), d("2026-11-16")), "2023-11-01..2026-11-16"),
    ],
)
def test_labels(period, label):
    assert period.label == label


def test_periods_between_covers_every_overlapping_period():
    found = periods.periods_between("month", d("2026-01-15"), d("2026-03-02"))
    assert [p.start for p in found] == [d("2026-01-01"), d("2026-02-01"), d("2026-03-01")]


@pytest.mark.parametrize(
    ("day", "month_start"),
    [("2026-11-15", "2026-10-01"), ("2026-11-30", "2026-11-01"), ("2026-12-01", "2026-11-01")],
)
def test_closed_month(day, month_start):
    assert periods.closed_month(d(day)).start == d(month_start)


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (periods.parse_week("2026-W46"), "2026-10-01", "2026-10-31"),
        (periods.parse_week("2026-W49"), "2026-11-01", "2026-11-30"),  # 2026-11-30..12-06: November closed
        (Period("month", d("2026-11-01"), d("2026-11-30")), "2026-11-01", "2026-11-30"),
        (Period("quarter", d("2026-07-01"), d("2026-09-30")), "2026-07-01", "2026-09-30"),
        (Period("ytd", d("2026-01-01"), d("2026-11-15")), "2026-01-01", "2026-10-31"),
        (Period("ytd", d("2026-01-01"), d("2026-01-11")), "2025-12-01", "2025-12-31"),
    ],
)
def test_month_basis(period, start, end):
    basis = periods.month_basis(period)
    assert (basis.start, basis.end) == (d(start), d(end))


# Response on ... -> end of the 2nd business day after it (+2 Mon-Wed, +4 Thu-Fri, +3 Sat, +2 Sun).
DEADLINES = [
    ("2026-11-09", "2026-11-11"),  # Monday -> Wednesday
    ("2026-11-10", "2026-11-12"),  # Tuesday -> Thursday
    ("2026-11-11", "2026-11-13"),  # Wednesday -> Friday
    ("2026-11-12", "2026-11-16"),  # Thursday -> Monday
    ("2026-11-13", "2026-11-17"),  # Friday -> Tuesday
    ("2026-11-14", "2026-11-17"),  # Saturday -> Tuesday
    ("2026-11-15", "2026-11-17"),  # Sunday -> Tuesday
    ("2026-12-31", "2027-01-04"),  # Thursday over the new year (holidays are not modelled)
]


@pytest.mark.parametrize(("day", "deadline"), DEADLINES)
def test_business_deadline(day, deadline):
    assert periods.business_deadline(d(day)) == d(deadline)


CONN = duckdb.connect()


def _sql_deadline(conn, moment) -> date:
    sql = f"SELECT {DEADLINE} FROM (SELECT CAST(? AS TIMESTAMP) AS responded_at) r"  # noqa: S608 (a constant)
    return conn.execute(sql, [moment]).fetchone()[0]


@pytest.mark.parametrize(("day", "deadline"), DEADLINES)
def test_sql_deadline_matches_the_table(day, deadline):
    assert _sql_deadline(CONN, f"{day} 23:59:00") == d(deadline)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_sql_deadline_matches_python(day):
    assert _sql_deadline(CONN, day.isoformat()) == periods.business_deadline(day)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_deadline_leaves_two_business_days(day):
    deadline = periods.business_deadline(day)
    between = [day + timedelta(days=i) for i in range(1, (deadline - day).days + 1)]
    assert sum(x.weekday() < 5 for x in between) == 2
    assert deadline.weekday() < 5


def test_year_to_date_in_the_first_days_of_january_is_last_years_whole_year():
    assert periods.last_complete("ytd", date(2026, 1, 2)) == Period("ytd", date(2025, 1, 1), date(2025, 12, 31))
    assert periods.last_complete("ytd", date(2026, 1, 11)) == Period("ytd", date(2026, 1, 1), date(2026, 1, 11))


@pytest.mark.parametrize(
    ("period", "count", "expected"),
    [
        (periods.parse_week("2026-W46"), 12, periods.parse_week("2026-W34")),
        (
            periods.period_containing("quarter", date(2026, 2, 1)),
            2,
            periods.period_containing("quarter", date(2025, 8, 1)),
        ),
        (periods.period_containing("month", date(2026, 3, 5)), 0, periods.period_containing("month", date(2026, 3, 5))),
    ],
)
def test_earlier_steps_back_whole_periods_of_the_grain(period, count, expected):
    assert periods.earlier(period, count) == expected
