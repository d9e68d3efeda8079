"""The Scorecard page under AppTest: the home page, each period grain, filters, numbers equal to the command line."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics import cli
from cxmetrics.metrics.registry import get_metric
from cxmetrics.navigation import PAGES
from tests.apptest import assert_no_exception, run_page

GRAIN_CAPTIONS = {
    "week": "Week 2026-W46 (9 Nov to 15 Nov 2026), compared with 2026-W45",
    "month": "Month Oct 2026, compared with Sep 2026",
    "quarter": "Quarter 2026 Q3, compared with 2026 Q2",
    "ytd": "Year to date 2026 (1 Jan to 15 Nov), compared with 2025 YTD to 15 Nov",
}
TILES = [
    "Relationship NPS",
    "CSAT",
    "CES",
    "Logo retention · 12 months to Oct 2026",
    "Revenue · Oct 2026",
    "Gross margin · Oct 2026",
]


def cli_value(database: Path, metric_id: str, period_label: str, *options: str) -> str:
    """The metric as `python -m cxmetrics query` prints it for one period, formatted as the dashboard shows it."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["query", metric_id, "--db", str(database), "--format", "csv", *options])
    assert code == 0
    frame = pd.read_csv(io.StringIO(out.getvalue())).set_index("period_label")
    return get_metric(metric_id).format(frame.loc[period_label, "value"])


def _tiles(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _bullets(app) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith("- ")]


def _statement(app) -> pd.DataFrame:
    frame = app.dataframe[0].value
    return frame[frame["kind"] == "metric"].set_index("metric")


def test_the_scorecard_is_the_home_page():
    assert (PAGES[0].section, PAGES[0].title, PAGES[0].url_path) == ("Review", "Scorecard", "scorecard")


def test_default_week_shows_tiles_changes_statement_download_and_chart(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db)
    assert_no_exception(app)
    assert app.title[0].value == "Scorecard"
    assert app.segmented_control(key="grain").value == "week"
    assert app.caption[0].value.startswith(GRAIN_CAPTIONS["week"])
    assert list(_tiles(app)) == TILES
    assert app.subheader.values == ["What changed", "Statement", "NPS and revenue"]
    assert _bullets(app), "at least one 'what changed' bullet"
    assert _statement(app).loc["revenue", "Period"] == "Oct 2026"
    assert any(c.value.endswith("the latest closed month.") for c in app.caption)
    assert [b.label for b in app.get("download_button")] == ["Review pack (PDF)", "Download the statement (CSV)"]
    assert len(app.get("plotly_chart")) == 1
    assert not app.info


@pytest.mark.parametrize("grain", ["week", "month", "quarter", "ytd"])
def test_each_grain_from_the_url_shows_that_period(monkeypatch, small_world_db: Path, grain):
    app = run_page(monkeypatch, small_world_db, grain=grain)
    assert_no_exception(app)
    assert app.segmented_control(key="grain").value == grain
    assert app.caption[0].value.startswith(GRAIN_CAPTIONS[grain])
    assert _statement(app).loc["relationship_nps", "Actual"].startswith(_tiles(app)["Relationship NPS"])
    assert (app.query_params.get("grain") == grain) == (grain != "week")


@pytest.mark.parametrize(
    ("grain", "period_label", "metric_id"),
    [("week", "2026-W46", "csat"), ("month", "Oct 2026", "transactional_nps"), ("quarter", "2026 Q3", "ces")],
)
def test_under_a_region_filter_the_numbers_equal_the_command_line(
    monkeypatch, small_world_db: Path, grain, period_label, metric_id
):
    app = run_page(monkeypatch, small_world_db, grain=grain, region=["EMEA"])
    assert_no_exception(app)
    expected = cli_value(small_world_db, metric_id, period_label, "--grain", grain, "--region", "EMEA")
    assert _tiles(app).get(get_metric(metric_id).label, expected) == expected  # transactional NPS has no tile
    assert _statement(app).loc[metric_id, "Actual"] == expected
    assert app.caption[0].value.endswith("for region EMEA.")


def test_monthly_rows_at_week_grain_equal_the_command_line_for_the_closed_month(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, region=["APAC"])
    expected = cli_value(small_world_db, "gross_margin_pct", "Oct 2026", "--grain", "month", "--region", "APAC")
    assert _statement(app).loc["gross_margin_pct", "Actual"] == expected


def test_the_bullets_link_to_the_view_filtered_where_it_happened(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, grain="month")
    for bullet in _bullets(app):
        if "[Explore](" in bullet:
            link = bullet.split("[Explore](", 1)[1]
            assert link.startswith("./journey?week=") and "grain=month" in link


def test_a_touchpoint_filter_footnotes_the_rows_it_does_not_apply_to(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, touchpoint=["billing"])
    assert_no_exception(app)
    assert _statement(app).loc["revenue", "Measure"] == "Revenue †"
    assert any(c.value.startswith("† The touchpoint filter does not apply") for c in app.caption)


def test_with_only_customers_and_responses_the_cx_rows_show_and_an_info_names_the_tables(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db)
    assert_no_exception(app)
    info = app.info[0].value
    for table in ("financials", "customer_revenue", "complaints", "contacts", "follow_ups", "employee_engagement",
                  "targets", "events"):  # fmt: skip
        assert f"`{table}`" in info
    assert list(_statement(app).index) == [
        "relationship_nps", "transactional_nps", "csat", "ces", "responses", "logo_retention", "churn_rate",
    ]  # fmt: skip
    assert _tiles(app)["Revenue"] == "—"
    assert _bullets(app)[0].startswith("- Too few responses")


def test_the_review_pack_download_is_built_when_clicked(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, region="EMEA")
    assert_no_exception(app)
    (button,) = [b for b in app.get("download_button") if b.label == "Review pack (PDF)"]
    assert button.proto.deferred_file_id  # the PDF is made on the click, not on every run of the page
