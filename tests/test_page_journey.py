"""The Journey & Drivers page under AppTest: every section, the scorecard's explore link, filters, other scores and
period grains, and a database without the optional tables."""

from __future__ import annotations

from pathlib import Path

from cxmetrics.navigation import PAGES
from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/customers/journey.py"
SECTIONS = ["Journey map", "Cell detail", "Key drivers of NPS", "Priority matrix", "Service effectiveness"]


def _captions(app) -> list[str]:
    return [c.value for c in app.caption]


def _markdown(app) -> list[str]:
    return [m.value for m in app.markdown]


def test_the_page_is_in_the_customers_section() -> None:
    spec = next(p for p in PAGES if p.script == PAGE)
    assert (spec.section, spec.title, spec.url_path) == ("Customers", "Journey & Drivers", "journey")


def test_default_view_shows_map_detail_drivers_matrix_and_service(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Journey & Drivers"
    assert app.subheader.values == SECTIONS
    assert app.segmented_control(key="grain").value == "week"
    assert _captions(app)[0].startswith("Transactional NPS by touchpoint in journey order, the 4 weeks to 2026-W46")
    assert any(m.endswith(".") and ("red cell" in m or "No cell is red" in m) for m in _markdown(app))
    assert [m.label for m in app.metric] == ["Transactional NPS", "Responses", "With a comment", "Complaints"]
    assert len(app.get("plotly_chart")) == 4  # map, cell trend, driver importance, priority matrix
    assert any(m.startswith("**Company**: R² = ") for m in _markdown(app))
    assert app.selectbox(key="driver_scope").options[:2] == ["Company", "Region: APAC"]
    assert any("Fix first" in m or "nothing to fix first" in m for m in _markdown(app))
    assert any(m.startswith("Most repeat contacts: ") for m in _markdown(app))
    assert len(app.dataframe) == 4  # complaints, driver cross-check, service by channel and by reason
    assert not app.info


def test_the_scorecards_explore_link_opens_on_the_cell_it_names(monkeypatch, small_world_db: Path) -> None:
    app = run_page(
        monkeypatch, small_world_db, PAGE, week="2026-W46", grain="week", region="EMEA", touchpoint="billing"
    )
    assert_no_exception(app)
    assert (app.selectbox(key="cell_row").value, app.selectbox(key="cell_touchpoint").value) == ("EMEA", "billing")
    assert app.selectbox(key="cell_row").options == ["EMEA"]
    assert any("clear the Touchpoint filter" in i.value for i in app.info)
    assert any("the touchpoint filter does not apply here" in c for c in _captions(app))
    assert any(c.startswith("Contacts in 4 weeks to 15 Nov 2026") for c in _captions(app))


def test_month_grain_from_the_url_another_score_and_segment_rows(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE, grain="month")
    assert app.segmented_control(key="grain").value == "month"
    assert _captions(app)[0].startswith(
        "Transactional NPS by touchpoint in journey order, Oct 2026, compared with Sep 2026"
    )
    app.segmented_control(key="map_metric").set_value("csat").run()
    app.segmented_control(key="map_rows").set_value("segment").run()
    assert_no_exception(app)
    assert _captions(app)[0].startswith("CSAT by touchpoint in journey order, Oct 2026")
    assert app.selectbox(key="cell_row").label == "Segment"
    assert set(app.selectbox(key="cell_row").options) <= {"All", "Enterprise", "Mid-Market", "SMB"}
    assert app.query_params.get("grain") == "month"


def test_a_region_filter_narrows_every_section(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE, region="APAC")
    assert_no_exception(app)
    assert app.selectbox(key="cell_row").options == ["APAC"]
    assert not any(s.key == "driver_scope" for s in app.selectbox)  # the filters already chose the one region
    # 58 complete APAC responses in the small world's 12 months: under max(30, 10 x 6 drivers) = 60
    assert [w.value for w in app.warning] == [
        "APAC: 58 complete responses, fewer than the 60 that driver analysis needs for 6 drivers "
        "(max(30, 10 x drivers)): no numbers shown."
    ]
    assert "Priority matrix" not in app.subheader.values


def test_without_the_optional_tables_the_page_says_what_to_load(monkeypatch, minimal_db: Path) -> None:
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    infos = " ".join(i.value for i in app.info)
    for table in ("targets", "response_attributes", "contacts"):
        assert f"`{table}`" in infos
    assert "Journey map" in app.subheader.values and "Service effectiveness" in app.subheader.values


def test_a_withheld_cell_says_its_n_in_the_detail(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE, region=["EMEA"], touchpoint=["billing"])
    assert_no_exception(app)
    nps, responses = app.metric[0], app.metric[1]
    assert nps.value == "Too few (n = 8)"  # the small world's EMEA billing NPS answers in the 4 weeks to 2026-W46
    assert int(responses.value) >= 8 and "answered Transactional NPS (n = 8)" in responses.help
