"""The Loyalty & Retention page under AppTest: every section, the URL choices, filters, and without optional tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from cxmetrics.filters import Filters
from cxmetrics.reports.loyalty import analysis as loyalty
from cxmetrics.reports.loyalty import risk
from cxmetrics.reports.loyalty import view as loyalty_view
from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/customers/loyalty.py"
SUBHEADERS = [
    "Retention over time",
    "Cohorts by signup quarter",
    "Loyalty by experience",
    "Customer value",
    "At-risk customers",
]
TILES = ["Logo retention", "Churn rate", "Net revenue retention", "Gross revenue retention", "Repeat purchase rate",
         "Customer lifetime value"]  # fmt: skip


def _bold(app) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith("**")]


def test_every_section_shows_with_its_figures(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Loyalty & Retention"
    assert app.subheader.values == SUBHEADERS
    assert [m.label.split(" · ")[0] for m in app.metric] == TILES
    assert all(m.label.endswith("Oct 2026") for m in app.metric)
    labels = {m.label for m in app.metric}
    assert {"Logo retention · 12 months to Oct 2026", "Net revenue retention · Oct 2026"} <= labels
    assert app.caption[0].value.startswith("The 12 months Nov 2025 to Oct 2026")
    rate = "Lifetime value discounts future margin at 12% a year (setting CX_CLV_DISCOUNT_RATE)."
    assert rate in app.caption[1].value and rate in app.caption[3].value  # the trends' and the experience table's
    sentences = _bold(app)
    assert sentences[0].startswith("**Of ") and "satisfied (CSAT 4-5) but not promoters (NPS 0-8)" in sentences[0]
    assert "had a negative gross margin" in sentences[1]
    assert len(app.get("plotly_chart")) == 4
    assert app.get("download_button")[0].label == "Download the at-risk list (CSV)"
    assert not app.info


def test_the_at_risk_list_is_ranked_with_its_parts_and_narrowed_by_score(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    listed = app.dataframe[-1].value
    assert listed["risk_score"].is_monotonic_decreasing
    parts = listed[list(risk.PART_COLUMNS)].sum(axis=1)
    assert (parts - listed["risk_score"]).abs().max() < 1e-9
    assert listed["risk_score"].min() >= 30
    app.slider(key="min_score").set_value(45).run()
    narrowed = app.dataframe[-1].value
    assert len(narrowed) and narrowed["risk_score"].min() >= 45 and len(narrowed) < len(listed)


def test_the_at_risk_list_names_each_account_owner_and_narrows_to_one(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    listed = app.dataframe[-1].value
    assert listed["account_owner"].notna().all() and "unassigned" not in set(listed["account_owner"])
    owner = listed["account_owner"].iloc[0]
    app.multiselect(key="owners").set_value([owner]).run()
    narrowed = app.dataframe[-1].value
    assert set(narrowed["account_owner"]) == {owner} and len(narrowed) <= len(listed)


def test_grain_and_split_come_from_the_url(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, retention_grain="quarter", retention_split="region")
    assert_no_exception(app)
    assert app.segmented_control(key="retention_grain").value == "quarter"
    assert app.segmented_control(key="retention_split").value == "region"
    assert app.query_params.get("retention_split") == "region"


def test_under_a_region_filter_the_list_and_figures_cover_that_region(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, region=["EMEA"], touchpoint=["billing"])
    assert_no_exception(app)
    assert set(app.dataframe[-1].value["region"]) == {"EMEA"}
    assert any(c.value.startswith("The touchpoint filter does not apply") for c in app.caption)
    conn = duckdb.connect(str(small_world_db), read_only=True)
    window = loyalty.window_for(app.session_state["_review"].week.end)
    expected = loyalty.at_risk_sentence(
        loyalty.at_risk_comparison(loyalty.loyalty_by_experience(conn, Filters(regions=("EMEA",)), window)), window
    )
    conn.close()
    assert _bold(app)[0] == f"**{expected}**"


def test_with_only_customers_and_responses_the_page_names_the_tables_to_load(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    info = app.info[0].value
    for table in ("customer_revenue", "complaints", "follow_ups"):
        assert f"`{table}`" in info
    assert [m.label.split(" · ")[0] for m in app.metric] == ["Logo retention", "Churn rate"]
    assert any("Load `customer_revenue`" in i.value for i in app.info)


def test_a_filter_without_customers_builds_an_empty_view_the_page_explains(small_world_db: Path):
    conn = duckdb.connect(str(small_world_db), read_only=True)
    view = loyalty_view.build(conn, Filters(regions=("Atlantis",)), date(2026, 11, 15))
    conn.close()
    assert view.customers == 0 and view.at_risk.empty and view.cohorts.empty
    assert view.at_risk_sentence.startswith("Too few customers")
