"""The People & CX page under AppTest: tiles, the link sentence, charts and table, by region and team, a filter,
without engagement data, and the planted link on the committed world."""

from __future__ import annotations

from pathlib import Path

from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/operations/people.py"


def test_by_region_shows_tiles_link_charts_and_table(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "People & CX"
    assert [m.label for m in app.metric] == [
        "eNPS · Oct 2026",
        "Engagement index · Oct 2026",
        "NPS (all surveys) · Oct 2026",
    ]
    assert app.subheader.values == ["Engagement index against customer NPS", "Over time", "By region, Oct 2026"]
    assert any("region-months" in m.value for m in app.markdown)
    assert len(app.get("plotly_chart")) == 2
    table = app.dataframe[0].value
    assert list(table["unit"]) == ["APAC", "EMEA", "LATAM", "North America"]


def test_by_team_and_enps_from_the_url(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, people_unit="team", people_measure="enps")
    assert_no_exception(app)
    assert app.subheader.values[0] == "eNPS against customer NPS"
    assert "Account Management" in set(app.dataframe[0].value["unit"])
    assert app.query_params.get("people_unit") == "team"


def test_under_a_region_and_segment_filter(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, region=["EMEA"], segment=["SMB"])
    assert_no_exception(app)
    assert list(app.dataframe[0].value["unit"]) == ["EMEA"]
    note = "The segment filter does not apply to employee engagement figures: they show every segment."
    assert note in [c.value for c in app.caption]


def test_without_engagement_data_the_page_says_what_to_load(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    assert app.info[0].value.startswith("Load `employee_engagement`")
    assert not app.metric and not app.get("plotly_chart")


def test_the_committed_world_shows_the_planted_engagement_link(monkeypatch, committed_path):
    app = run_page(monkeypatch, committed_path, PAGE)
    assert_no_exception(app)
    sentence = next(m.value for m in app.markdown if "region-months" in m.value)
    assert "strong correlation r = +0.66 (95% interval +0.55 to +0.74) over n = 144 region-months, significant" in (
        sentence
    )
