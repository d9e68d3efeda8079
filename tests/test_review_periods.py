"""The period under review when the data ends mid-week, on Wednesday 31 December 2025: the sidebar's last complete
week is 2025-W52 (22-28 December), and month, quarter and year to date reach December, 2025 Q4 and the whole of
2025 on every page, as the command line says."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics import cli, periods
from cxmetrics.periods import Period
from tests import metric_fixtures as fx
from tests.apptest import assert_no_exception, run_page

W52 = periods.parse_week("2025-W52")
EXPECTED = {
    "week": Period("week", date(2025, 12, 22), date(2025, 12, 28)),
    "month": Period("month", date(2025, 12, 1), date(2025, 12, 31)),
    "quarter": Period("quarter", date(2025, 10, 1), date(2025, 12, 31)),
    "ytd": Period("ytd", date(2025, 1, 1), date(2025, 12, 31)),
}
CAPTIONS = {
    "week": "Week 2025-W52 (22 Dec to 28 Dec 2025), compared with 2025-W51",
    "month": "Month Dec 2025, compared with Nov 2025",
    "quarter": "Quarter 2025 Q4, compared with 2025 Q3",
    "ytd": "Year to date 2025 (1 Jan to 31 Dec), compared with 2024 YTD to 31 Dec",
}


@pytest.fixture(scope="module")
def year_end_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose data ends on Wednesday 31 December 2025."""
    path = tmp_path_factory.mktemp("year_end") / "cx.duckdb"
    conn = fx.new_db(str(path))
    fx.year_end_world(conn)
    conn.close()
    return path


def _cli_rows(database: Path, *options: str) -> pd.DataFrame:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["query", "nps", "--db", str(database), "--format", "csv", *options])
    assert code == 0
    return pd.read_csv(io.StringIO(out.getvalue()), parse_dates=["period_start", "period_end"])


# --- the one function ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grain", "expected"), EXPECTED.items())
def test_the_review_of_the_last_complete_week_reaches_the_closed_month_quarter_and_year(grain, expected):
    assert fx.YEAR_END.weekday() == 2 and periods.last_complete("week", fx.YEAR_END) == W52
    assert periods.review_period(grain, W52, fx.YEAR_END) == expected
    assert periods.last_complete(grain, fx.YEAR_END) == expected  # the command line's latest period


@pytest.mark.parametrize(
    ("grain", "start", "end"),
    [
        ("week", "2025-12-15", "2025-12-21"),
        ("month", "2025-11-01", "2025-11-30"),  # reviewed up to Saturday 27 December: December is still open
        ("quarter", "2025-07-01", "2025-09-30"),
        ("ytd", "2025-01-01", "2025-12-21"),
    ],
)
def test_an_earlier_week_is_reviewed_as_of_the_day_before_the_next_week_completes(grain, start, end):
    week = periods.parse_week("2025-W51")
    assert periods.review_day(week, fx.YEAR_END) == date(2025, 12, 27)
    expected = Period(grain, date.fromisoformat(start), date.fromisoformat(end))
    assert periods.review_period(grain, week, fx.YEAR_END) == expected


def test_the_week_a_quarter_ends_after_is_reviewed_with_that_quarter():
    # 2025-W39 ends on Sunday 28 September; September and Q3 close on the Tuesday after it.
    week = periods.parse_week("2025-W39")
    assert periods.review_period("month", week, fx.YEAR_END) == Period("month", date(2025, 9, 1), date(2025, 9, 30))
    assert periods.review_period("quarter", week, fx.YEAR_END).label == "2025 Q3"
    assert periods.review_period("ytd", week, fx.YEAR_END) == Period("ytd", date(2025, 1, 1), date(2025, 9, 30))


@pytest.mark.parametrize("grain", list(EXPECTED))
def test_a_week_is_reviewed_as_it_was_while_it_was_the_latest(grain):
    # While a week is the last complete one (data through its Sunday up to the Saturday after), its review is the
    # command line's latest period; once later data arrives, the week's review stays that of its last such day.
    for first in (date(2025, 9, 22), date(2025, 12, 22), date(2026, 3, 23)):
        week = periods.period_containing("week", first)
        for extra in range(7):
            last_day = week.end + timedelta(days=extra)
            assert periods.review_period(grain, week, last_day) == periods.last_complete(grain, last_day)
        settled = periods.review_period(grain, week, week.end + timedelta(days=6))
        assert periods.review_period(grain, week, week.end + timedelta(days=400)) == settled


# --- the command line ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grain", "expected"), EXPECTED.items())
def test_the_command_line_reports_the_same_latest_periods(year_end_db, grain, expected):
    row = _cli_rows(year_end_db, "--grain", grain, "--last", "1").iloc[-1]
    assert (row["period_start"].date(), row["period_end"].date()) == (expected.start, expected.end)
    assert row["period_label"] == expected.label


def test_the_command_line_year_to_date_with_last_year(monkeypatch, year_end_db):
    monkeypatch.setenv("CX_MIN_N", "5")
    rows = _cli_rows(year_end_db, "--grain", "ytd", "--last", "2")
    assert rows["period_label"].tolist() == ["2024 YTD to 31 Dec", "2025 YTD to 31 Dec"]
    # December 2024 only: y1 P=2 D=1, y2 P=1 D=1 of 7 -> NPS 100 x (3 - 2) / 7.
    assert rows["n"].tolist() == [7, 35]
    assert rows["value"].iloc[0] == pytest.approx(100 / 7)


# --- the dashboard -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("grain", list(EXPECTED))
def test_the_scorecard_shows_the_periods_the_command_line_reports(monkeypatch, year_end_db, grain):
    app = run_page(monkeypatch, year_end_db, grain=grain)
    assert_no_exception(app)
    assert app.sidebar.selectbox(key="week").value == "2025-W52"
    assert app.caption[0].value.startswith(CAPTIONS[grain])
    statement = app.dataframe[0].value.set_index("metric")
    assert (
        statement.loc["relationship_nps", "Period"]
        == _cli_rows(year_end_db, "--grain", grain, "--last", "1")["period_label"].iloc[-1]
    )


@pytest.mark.parametrize(
    ("page", "query", "expected"),
    [
        ("app_pages/review/cx_financials.py", {}, "Customer value covers the 12 months Jan 2025 to Dec 2025"),
        ("app_pages/customers/loyalty.py", {}, "The 12 months Jan 2025 to Dec 2025"),
        ("app_pages/operations/complaints.py", {}, "Month Dec 2025, compared with Nov 2025"),
        (
            "app_pages/operations/complaints.py",
            {"complaints_grain": "quarter"},
            "Quarter 2025 Q4, compared with 2025 Q3",
        ),
        (
            "app_pages/customers/journey.py",
            {"grain": "month"},
            "by touchpoint in journey order, Dec 2025, compared with Nov",
        ),
        ("app_pages/operations/people.py", {}, "Month Dec 2025"),
    ],
)
def test_every_page_reviews_the_month_closed_mid_week(monkeypatch, year_end_db, page, query, expected):
    app = run_page(monkeypatch, year_end_db, page, **query)
    assert_no_exception(app)
    assert any(expected in c.value for c in app.caption), [c.value for c in app.caption]
