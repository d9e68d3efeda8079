"""The Voice of the Customer page under AppTest: key elements on the small world, filters, the access of optional
tables, a database whose texts were never scored, and the verbatim search."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.navigation import PAGES
from cxmetrics.text import index as voice_index
from tests import metric_fixtures as fx
from tests.apptest import assert_no_exception, run_page

PAGE = "app_pages/operations/voice.py"
SUBHEADERS = [
    "Themes and sentiment",
    "Growing fastest since the prior window",
    "Listening posts side by side",
    "Verbatims",
]


def _infos(app) -> list[str]:
    return [i.value for i in app.info]


def test_the_page_is_in_the_operations_section():
    spec = next(p for p in PAGES if p.script == PAGE)
    assert (spec.section, spec.title, spec.url_path) == ("Operations", "Voice of the Customer", "voice")


def test_small_world_shows_tiles_themes_pareto_posts_and_verbatims(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Voice of the Customer"
    assert app.subheader.values == SUBHEADERS
    assert [m.label for m in app.metric] == ["Survey comments", "Negative comments"]
    captions = [c.value for c in app.caption]
    assert "Top detractor theme" in captions and "Fastest-growing theme" in captions
    assert any(
        c.startswith("Sentiment is VADER with a domain lexicon") and "held out from tuning" in c for c in captions
    )
    themes = app.dataframe[0].value
    assert {"Theme", "Mentions", "NPS mentioning", "NPS of the rest", "NPS gap"} <= set(themes.columns)
    mentions = themes["Mentions"].str.replace(",", "").astype(int)
    assert mentions.sum() >= int(app.metric[0].value.replace(",", ""))
    posts = app.dataframe[1].value
    assert posts["Listening post"].tolist() == ["Survey comments", "Contact reasons", "Complaints", "Social mentions"]
    verbatims = app.dataframe[2].value
    assert 0 < len(verbatims) <= 25
    assert verbatims["date"].is_monotonic_decreasing
    assert verbatims["revenue_12m_usd"].notna().any()
    assert not _infos(app)


def test_window_from_url_and_a_region_filter(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE, window="52", region="EMEA")
    assert_no_exception(app)
    assert app.segmented_control(key="window").value == "52"
    assert app.caption[0].value.startswith("52 weeks from")
    verbatims = app.dataframe[2].value
    assert set(verbatims["region"]) == {"EMEA"}


def test_verbatim_search_and_theme_filter(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db, PAGE)
    app.text_input(key="voice_search").input("invoice").run()
    assert_no_exception(app)
    comments = app.dataframe[2].value["comment"]
    assert len(comments) and comments.str.lower().str.contains("invoice").all()
    app.multiselect(key="voice_score").select("detractor").run()
    assert (app.dataframe[2].value["nps"] <= 6).all()


def test_without_optional_tables_the_page_says_what_to_load(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    note = " ".join(_infos(app))
    for table in ("social_mentions", "contacts", "complaints", "customer_revenue"):
        assert f"`{table}`" in note


def test_unscored_database_shows_volumes_and_says_to_reload(monkeypatch, tmp_path: Path):
    conn = fx.new_db(str(tmp_path / "cx.duckdb"))
    fx.cx_world(conn)
    conn.close()
    app = run_page(monkeypatch, tmp_path / "cx.duckdb", PAGE)
    assert_no_exception(app)
    assert "have not been scored" in app.warning[0].value
    assert app.subheader.values == ["Listening posts side by side"]
    assert app.dataframe[0].value["Volume"].tolist() == ["3"]
    assert app.dataframe[0].value["Sentiment"].tolist() == ["n/a"]


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    """fx.cx_world, scored: customer a (EMEA) commented 'great', 'slow', 'ok' in 2026-W46; b (APAC) never."""
    conn = fx.new_db(str(tmp_path / "tiny.duckdb"))
    fx.cx_world(conn)
    voice_index.build(conn)
    conn.close()
    return tmp_path / "tiny.duckdb"


def test_tiny_world_counts_and_an_empty_filter_result(monkeypatch, tiny_db: Path):
    app = run_page(monkeypatch, tiny_db, PAGE, window="4")
    assert_no_exception(app)
    assert app.metric[0].value == "3"
    assert sorted(app.dataframe[2].value["comment"]) == ["great", "ok", "slow"]
    app = run_page(monkeypatch, tiny_db, PAGE, window="4", region="APAC")
    assert_no_exception(app)
    assert "No survey comments match the filters in this window" in " ".join(_infos(app))
    assert "No comments match these conditions in the window." in _infos(app)
