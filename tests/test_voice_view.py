"""The Voice of the Customer page's builds on the small world: the view shows the analysis functions' results, the
verbatim page is clamped to the pages there are, and another question is another page control (it starts at 1)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxmetrics import config
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.voice import analysis as voice
from cxmetrics.reports.voice import charts
from cxmetrics.reports.voice import view as voice_view
from cxmetrics.stats.separation import Separation
from cxmetrics.text import evaluation
from tests import metric_fixtures as fx
from tests.apptest import assert_no_exception, run_page

WEEKS = 13


@pytest.fixture(scope="module")
def view(small_world, small_world_week) -> voice_view.VoiceView:
    """The page's view as it opens: unfiltered, 13 weeks."""
    return voice_view.build(small_world, Filters(), small_world_week, WEEKS)


def test_the_view_shows_the_theme_analysis_of_the_window(small_world, small_world_week, view) -> None:
    current, prior = voice.window(small_world_week, WEEKS), voice.prior_window(voice.window(small_world_week, WEEKS))
    assert (view.current, view.prior) == (current, prior)
    sums = voice.theme_sums(small_world, Filters(), current, prior)
    status = voice.status(small_world)
    table = voice.theme_table(sums, status.labels, int(config.get("CX_MIN_N")))
    table = withheld.declare(table, *voice_view.THEME_RULES, exact=("theme", "label", "withheld"))
    pd.testing.assert_frame_equal(view.themes.table, table)
    pareto = withheld.declare(
        voice.detractor_pareto(sums, status.labels), voice_view.PARETO_RULE, exact=("theme", "label")
    )
    pd.testing.assert_frame_equal(view.themes.pareto, pareto)
    totals = voice.totals(sums)
    comments, negative, top, growing_tile = view.themes.tiles
    assert (comments.label, comments.value) == ("Survey comments", f"{totals['comments']:,}")
    assert negative.value == f"{totals['negative_pct']:.0f}%"
    assert top.kind == "text" and top.value == f"**{view.themes.pareto['label'].iloc[0]}**"
    assert f"{totals['detractor_comments']:,} detractor comments" in top.note
    assert "withheld" not in view.themes.columns and view.themes.columns[0] == "Theme"
    growing = voice.growing_themes(table)
    assert not growing.empty
    assert view.themes.growth == tuple(f"- {voice.growth_sentence(row)}" for _, row in growing.iterrows())
    assert growing_tile.value == f"**{growing['label'].iloc[0]}**"


def test_the_view_shows_the_listening_posts_of_the_window(small_world, small_world_week, view) -> None:
    start = voice.trend_start(view.current)
    trend = voice.posts_trend(
        small_world, Filters(), min(view.prior.start, start), view.current.end, voice.status(small_world).loaded
    )
    pd.testing.assert_frame_equal(view.trend, withheld.withhold(trend, withheld.declaration(view.trend)))
    posts = charts.posts_view(voice.posts_summary(trend, view.current, view.prior))
    pd.testing.assert_frame_equal(view.posts, withheld.withhold(posts, withheld.declaration(view.posts)))
    assert view.trend_start == start
    assert view.subtitle.startswith(f"13 weeks from {view.current.start:%d %b} to {view.current.end:%d %b %Y}")
    assert "for all regions, segments and touchpoints." in view.subtitle


def test_the_verbatim_controls_offer_the_themes_touchpoints_regions_and_both_orders(
    small_world, small_world_week, view
) -> None:
    assert view.built and view.missing_note is None and view.unscored_warning is None
    assert view.theme_labels == voice.status(small_world).labels
    assert set(view.regions) == {"APAC", "EMEA", "LATAM", "North America"}
    assert "billing" in view.touchpoints
    assert view.orders == ("newest", "revenue")
    emea = voice_view.build(small_world, Filters(regions=("EMEA",)), small_world_week, WEEKS)
    assert emea.regions == ("EMEA",)


def test_the_first_verbatim_page_is_the_newest_comments_with_a_count(small_world, small_world_week, view) -> None:
    found = voice_view.verbatims(small_world, Filters(), small_world_week, WEEKS, voice_view.Question())
    rows, matched = voice.verbatims(small_world, Filters(), view.current, voice.VerbatimQuery())
    assert found.matched == matched and found.page == 1
    assert found.pages == voice.page_count(matched)
    pd.testing.assert_frame_equal(found.found, rows)
    assert found.rows["date"].is_monotonic_decreasing
    assert found.caption == f"Comments 1 to {len(rows):,} of {matched:,}"
    assert found.empty_note is None


def test_a_page_past_the_end_is_clamped_to_the_last_page(small_world, small_world_week) -> None:
    last = voice_view.verbatims(small_world, Filters(), small_world_week, WEEKS, voice_view.Question(), page=10_000)
    assert last.page == last.pages > 1
    assert not last.rows.empty
    first = (last.pages - 1) * voice.PAGE_SIZE + 1
    assert last.caption == f"Comments {first:,} to {last.matched:,} of {last.matched:,}"
    assert (
        voice_view.verbatims(small_world, Filters(), small_world_week, WEEKS, voice_view.Question(), page=0).page == 1
    )


def test_the_question_narrows_the_verbatims(small_world, small_world_week) -> None:
    asked = voice_view.Question(search="invoice", regions=("EMEA",), nps_groups=("detractor",), order="revenue")
    found = voice_view.verbatims(small_world, Filters(), small_world_week, WEEKS, asked)
    assert (
        0
        < found.matched
        < voice_view.verbatims(small_world, Filters(), small_world_week, WEEKS, voice_view.Question()).matched
    )
    assert set(found.rows["region"]) == {"EMEA"}
    assert (found.rows["nps"] <= 6).all()
    assert found.rows["comment"].str.lower().str.contains("invoice").all()
    revenue = found.found["revenue_12m_usd"].dropna()
    assert revenue.is_monotonic_decreasing


def test_nothing_matching_says_so(small_world, small_world_week) -> None:
    found = voice_view.verbatims(
        small_world, Filters(), small_world_week, WEEKS, voice_view.Question(search="no comment says this")
    )
    assert (found.matched, found.page, found.pages, found.empty_note) == (0, 1, 1, voice_view.NO_MATCH)


def test_another_question_or_window_is_another_page_control(small_world_week) -> None:
    key = voice_view.page_key(Filters(), small_world_week, WEEKS, voice_view.Question())
    assert key == voice_view.page_key(Filters(), small_world_week, WEEKS, voice_view.Question())
    others = [
        voice_view.page_key(Filters(), small_world_week, WEEKS, voice_view.Question(search="invoice")),
        voice_view.page_key(Filters(), small_world_week, WEEKS, voice_view.Question(order="revenue")),
        voice_view.page_key(Filters(), small_world_week, 4, voice_view.Question()),
        voice_view.page_key(Filters(regions=("EMEA",)), small_world_week, WEEKS, voice_view.Question()),
    ]
    assert key.startswith("voice_page_") and len({key, *others}) == 5


def test_on_the_page_a_new_question_starts_at_page_1(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, "app_pages/operations/voice.py", window="52")
    app.number_input[0].set_value(3).run()
    assert_no_exception(app)
    assert app.main.caption[-1].value.startswith(f"Comments {2 * voice.PAGE_SIZE + 1} to")
    pages = app.number_input[0].max
    app.segmented_control(key="voice_order").set_value("revenue").run()  # the same comments, another order
    assert_no_exception(app)
    assert (app.number_input[0].value, app.number_input[0].max) == (1, pages)
    assert app.main.caption[-1].value.startswith("Comments 1 to")
    app.number_input[0].set_value(2).run()
    app.text_input(key="voice_search").input("the").run()
    assert app.number_input[0].value == 1
    assert app.main.caption[-1].value.startswith("Comments 1 to")


def test_without_revenue_and_scored_texts_the_view_says_what_to_load(tmp_path: Path) -> None:
    conn = fx.new_db(str(tmp_path / "cx.duckdb"))
    fx.cx_world(conn)
    view = voice_view.build(conn, Filters(), query.latest_period(conn, "week"), 4)
    assert not view.built and view.themes is None and view.no_comments_note is None
    assert view.unscored_warning == voice_view.UNSCORED
    assert "`social_mentions`" in view.missing_note and "`customer_revenue`" in view.missing_note
    assert view.orders == ("newest",)
    assert view.posts["Listening post"].tolist() == ["Survey comments"]


def test_the_sentiment_note_gives_the_windows_check_and_the_held_out_corpus(small_world, small_world_week, view):
    check = voice.sentiment_separation(voice.sentiment_counts(small_world, Filters(), view.current))
    min_n = int(config.get("CX_MIN_N"))
    assert view.themes.sentiment_note == voice_view.sentiment_note(check, min_n)
    held_out, vader = evaluation.corpus_separation("held_out"), evaluation.corpus_separation("held_out", "vader")
    note = view.themes.sentiment_note
    assert f"held out from tuning: AUC {held_out.auc:.2f} (plain VADER {vader.auc:.2f})" in note
    assert min(check.n_high, check.n_low) >= min_n
    assert f"(AUC {check.auc:.2f}, 95% {check.low:.2f} to {check.high:.2f}; {check.n_high:,} promoters'" in note


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            Separation(0.8612, 0.8431, 0.8793, 1723, 534),
            "In this window a promoter's comment scores above a detractor's in 86% of pairs (AUC 0.86, 95% 0.84 to "
            "0.88; 1,723 promoters' and 534 detractors' comments; 0.5 would be chance).",
        ),
        (
            Separation(1.0, 0.2, 1.0, 40, 12),
            "Too few comments to check sentiment against the scores in this window (40 promoters' and 12 detractors' "
            "comments; minimum 30).",
        ),
    ],
)
def test_the_window_check_is_withheld_below_the_minimum_n(check, expected):
    assert expected in voice_view.sentiment_note(check, 30)
