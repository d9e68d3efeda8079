"""The CX & Financials page under AppTest: every section, with and without the optional tables, under filters."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/review/cx_financials.py"
SECTIONS = ["CX next to the financial results", "Value of a promoter", "Revenue at risk", "Earned growth"]
# Below the fold: collapsed, and computed only once opened (the key keeps whether each is open).
LATER = {
    "open_lead_lag": "Does NPS lead revenue and churn?",
    "open_roi": "CX ROI model",
    "open_segments": "Where CX and growth move together",
}


def _opened(app):
    """The page again with every section below the fold opened."""
    for key in LATER:
        app.session_state[key] = True
    return app.run()


def _texts(app) -> str:
    return "\n".join([m.value for m in app.markdown] + [i.value for i in app.info] + [c.value for c in app.caption])


def test_every_section_on_the_small_world(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "CX & Financials"
    assert app.subheader.values == SECTIONS
    assert [e.label for e in app.expander] == list(LATER.values())
    assert len(app.get("plotly_chart")) == 4  # the sections below the fold are not computed until opened
    assert "Revenue gained over 3 years" not in [m.label for m in app.metric]
    app = _opened(app)
    assert_no_exception(app)
    text = _texts(app)
    assert "NPS changes lead" in text or "No link between NPS changes" in text or "too short to trust" in text
    assert "within each region x segment cell" in text  # how to read the lead-lag chart
    labels = [m.label for m in app.metric]
    assert "Detractor revenue at risk (short term)" in labels
    assert "Revenue gained over 3 years" in labels
    assert "Earned Growth Rate" in labels
    assert len(app.get("plotly_chart")) == 7
    assert "Within the same segment, a promoter is worth" in text and "For context only" in text
    assert len(app.get("download_button")) == 1


def test_editing_an_assumption_changes_revenue_at_risk(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    before = {m.label: m.value for m in app.metric}["Detractor revenue at risk (short term)"]
    app.number_input(key="risk_detractor").set_value(100.0).run()
    assert_no_exception(app)
    after = {m.label: m.value for m in app.metric}["Detractor revenue at risk (short term)"]
    assert before != after


def test_the_roi_scenario_without_moves_is_worth_nothing(monkeypatch, small_world_db: Path):
    app = _opened(run_page(monkeypatch, small_world_db, PAGE))
    app.slider(key="roi_detractors").set_value(0)
    app.slider(key="roi_passives").set_value(0).run()
    assert_no_exception(app)
    assert {m.label: m.value for m in app.metric}["Revenue gained over 3 years"] == "$0"


def test_split_by_region_from_the_url(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, split="region")
    assert_no_exception(app)
    assert app.segmented_control(key="split").value == "region"


def test_under_a_region_filter(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, region="EMEA", touchpoint="billing")
    assert_no_exception(app)
    assert app.subheader.values == SECTIONS
    assert any("does not apply to money figures: they show every" in i.value for i in app.info)
    assert "region EMEA" in app.caption[0].value


def test_a_narrow_slice_withholds_the_premium_and_the_roi_and_says_why(monkeypatch, small_world_db: Path):
    app = _opened(run_page(monkeypatch, small_world_db, PAGE, region="LATAM", segment="Enterprise"))
    assert_no_exception(app)
    text = _texts(app)
    assert "Too few promoters or detractors in any segment of this selection" in text
    assert "For context only" not in text
    assert any(i.value.startswith("Not modelled: Enterprise") for i in app.info)
    assert "Revenue gained over 3 years" not in [m.label for m in app.metric]


def test_without_the_optional_tables_the_page_says_what_to_load(monkeypatch, minimal_db: Path):
    app = _opened(run_page(monkeypatch, minimal_db, PAGE))
    assert_no_exception(app)
    infos = [i.value for i in app.info]
    assert any("Load `customer_revenue`" in i and "`financials`" in i for i in infos)
    assert any("Load `customer_revenue` to correlate NPS changes" in i for i in infos)
    assert not app.metric


def _emptied(small_world_db: Path, tmp_path_factory, table: str) -> Path:
    """A copy of the small world with one table emptied."""
    path = tmp_path_factory.mktemp(f"no_{table}") / "cx.duckdb"
    path.write_bytes(small_world_db.read_bytes())
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 (the test's own table names)
    return path


@pytest.fixture(scope="module")
def without_financials(small_world_db: Path, tmp_path_factory) -> Path:
    """The small world with the financials table emptied (customer revenue still loaded)."""
    return _emptied(small_world_db, tmp_path_factory, "financials")


def test_without_financials_the_money_sections_still_show(monkeypatch, without_financials: Path):
    app = run_page(monkeypatch, without_financials, PAGE)
    assert_no_exception(app)
    assert any("Load `financials`" in i.value for i in app.info)
    assert "Detractor revenue at risk (short term)" in [m.label for m in app.metric]


@pytest.fixture(scope="module")
def without_revenue(small_world_db: Path, tmp_path_factory) -> Path:
    """The small world without customer revenue (financials still loaded)."""
    return _emptied(small_world_db, tmp_path_factory, "customer_revenue")


def test_without_customer_revenue_the_lead_lag_reads_churn_only(monkeypatch, without_revenue: Path):
    app = _opened(run_page(monkeypatch, without_revenue, PAGE))
    assert_no_exception(app)
    assert any("Load `customer_revenue` to correlate NPS changes" in i.value for i in app.info)
    findings = [m.value for m in app.markdown if "NPS changes" in m.value]
    assert len(findings) == 1 and "churn in the month" in findings[0]
