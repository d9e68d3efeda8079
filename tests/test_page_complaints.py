"""The Complaints & Follow-up page under AppTest: its sections and numbers, each period, a filter, missing tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/operations/complaints.py"
HEADERS = ["Complaints as broken processes", "Closed loop"]
TILES = [
    "Complaints per 1,000 customers",
    "Complaint recovery rate",
    "Median days to resolve a complaint",
    "Detractor follow-up within 2 business days",
    "Median days to close a follow-up",
    "Follow-ups closed within 2 business days of opening",
    "Open follow-ups",
]


def _tiles(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_default_month_shows_both_sections_charts_tables_and_download(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Complaints & Follow-up"
    assert app.caption[0].value.startswith("Month Oct 2026, compared with Sep 2026")
    assert app.header.values == HEADERS
    assert list(_tiles(app)) == TILES
    assert len(app.get("plotly_chart")) == 4
    processes = app.dataframe[0].value
    assert (
        processes["Process"].iloc[-1] == "All"
        and processes["Complaints"].iloc[:-1].sum() == processes["Complaints"].iloc[-1]
    )
    assert any(m.value.startswith("**Customers whose latest complaint was lost churned") for m in app.markdown)
    assert not app.info


@pytest.mark.parametrize(("grain", "caption"), [("quarter", "Quarter 2026 Q3"), ("week", "Week 2026-W46")])
def test_the_period_travels_in_the_url(monkeypatch, small_world_db: Path, grain, caption):
    app = run_page(monkeypatch, small_world_db, PAGE, complaints_grain=grain)
    assert_no_exception(app)
    assert app.caption[0].value.startswith(caption)
    assert app.query_params.get("complaints_grain") == grain


def test_split_by_category(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, complaints_by="category")
    assert_no_exception(app)
    assert "Category" in app.dataframe[0].value.columns
    assert app.subheader[0].value == "Complaints per 1,000 active customers by category"


def test_under_a_region_and_touchpoint_filter(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, region=["EMEA"], touchpoint=["billing"])
    assert_no_exception(app)
    assert app.caption[0].value.endswith("for region EMEA; touchpoint billing.")
    assert any(c.value.startswith("The touchpoint filter does not apply to complaints") for c in app.caption)
    lists = [d.value for d in app.dataframe if "response_id" in d.value.columns]
    assert lists or app.success[0].value.startswith("No detractor follow-up is open")
    for open_list in lists:
        assert set(open_list["region"]) == {"EMEA"} and set(open_list["touchpoint"]) == {"billing"}


def test_without_the_optional_tables_the_page_says_what_to_load(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    info = [i.value for i in app.info]
    assert info[0].startswith("Load `complaints`") and "`follow_ups`" in info[0] and "`customer_revenue`" in info[0]
    assert any("load the `complaints` table" in i for i in info)
    assert any("load the `follow_ups` table" in i for i in info)
    assert not app.metric


def test_the_committed_world_shows_the_planted_churn_gap_and_the_follow_up_rate(monkeypatch, committed_path):
    app = run_page(monkeypatch, committed_path, PAGE)
    assert_no_exception(app)
    sentence = next(m.value for m in app.markdown if "latest complaint was lost" in m.value)
    assert "churned 22.6% (70 of 310) over Nov 2025 to Oct 2026, against 12.2% (97 of 796)" in sentence
    assert "a significant difference" in sentence
    assert app.get("download_button")[0].label == "Download the open detractor follow-ups (CSV)"


def test_a_long_open_list_shows_its_highest_revenue_rows_and_says_the_csv_holds_all(monkeypatch, small_world_db: Path):
    from cxmetrics import ui
    from cxmetrics.reports.complaints import view as complaints_view

    monkeypatch.setattr(complaints_view, "OPEN_ROWS_SHOWN", 3)
    ui._cached_call.clear()
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    (caption,) = [c.value for c in app.caption if "waiting for a follow-up" in c.value]
    assert int(caption.split(" ")[0].replace(",", "")) > 3
    assert caption.endswith("The 3 with the highest revenue are shown; the CSV holds all.")
    (shown,) = [d.value for d in app.dataframe if "revenue_12m_usd" in d.value.columns]
    assert len(shown) == 3 and list(shown["revenue_12m_usd"]) == sorted(shown["revenue_12m_usd"], reverse=True)
    ui._cached_call.clear()
