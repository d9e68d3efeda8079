"""Voice of the customer on a tiny hand-made world: theme counts, NPS with and without a theme, the detractor
Pareto, growth, listening posts and verbatims, under filters and the access scope; and the load-time text table."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import numpy as np
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import parse_week
from cxmetrics.reports.voice import analysis as voice
from cxmetrics.stats import separation
from cxmetrics.text import index as voice_index
from cxmetrics.text import sentiment, themes
from tests import metric_fixtures as fx

TAXONOMY = themes.parse('[bill]\nlabel = "Billing"\nphrases = ["invoice*"]\n[wait]\nphrases = ["on hold"]\n')
LABELS = {"bill": "Billing", "wait": "wait"}
NOW = datetime(2026, 11, 12, 10)  # ISO week 2026-W46
BEFORE = datetime(2026, 11, 4, 10)  # 2026-W45
CURRENT = voice.window(parse_week("2026-W46"), 1)
PRIOR = voice.prior_window(CURRENT)
# (id, customer, when, nps, comment): in W46, a (EMEA) and b (APAC); in W45 two more.
COMMENTS = [
    ("r1", "a", NOW, 10, "Great service"),
    ("r2", "b", NOW, 3, "Wrong invoice, left on hold forever"),
    ("r3", "b", NOW, 9, "On hold briefly, then sorted"),
    ("r4", "a", NOW, 0, "Terrible"),
    ("r5", "a", NOW, None, "Invoice ok"),
    ("p1", "a", BEFORE, 8, "Invoice fine"),
    ("p2", "a", BEFORE, 10, "Fine"),
]


def _response(rid, customer, when, nps, comment) -> dict:
    base = fx.responses(rid, when, customer, nps=[nps] if nps is not None else [], csat=[] if nps is not None else [4])
    return base[0] | {"response_id": rid, "comment": comment, "touchpoint": "billing"}


@pytest.fixture
def world():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a", "EMEA"), fx.customer("b", "APAC")])
    fx.insert(conn, "responses", [_response(*row) for row in COMMENTS])
    fx.insert(
        conn,
        "social_mentions",
        [
            {"mention_id": "m1", "posted_at": NOW, "platform": "X", "region": "EMEA", "text": "Love it", "reach": 10},
            {"mention_id": "m2", "posted_at": NOW, "platform": "X", "region": None, "text": "Awful", "reach": 5},
            {"mention_id": "m3", "posted_at": BEFORE, "platform": "X", "region": "APAC", "text": "Ok", "reach": 1},
        ],
    )
    fx.insert(conn, "contacts", [{"contact_id": f"t{i}", "customer_id": "a", "contacted_at": NOW} for i in range(3)])
    fx.insert(
        conn,
        "complaints",
        [{"complaint_id": "k1", "customer_id": "b", "opened_at": NOW, "category": "invoice error", "outcome": "open"}],
    )
    fx.insert(
        conn,
        "customer_revenue",
        [
            {"customer_id": "a", "month": date(2026, 10, 1), "revenue_usd": 1000.0},
            {"customer_id": "a", "month": date(2026, 9, 1), "revenue_usd": 500.0},
            {"customer_id": "a", "month": date(2025, 10, 1), "revenue_usd": 99.0},  # 13 months back: left out
            {"customer_id": "b", "month": date(2026, 10, 1), "revenue_usd": 2000.0},
        ],
    )
    voice_index.build(conn, TAXONOMY)
    return conn


def _table(conn, filters: Filters | None = None, min_n: int = 1):
    sums = voice.theme_sums(conn, filters or Filters(), CURRENT, PRIOR)
    return voice.theme_table(sums, LABELS, min_n).set_index("theme"), sums


def test_text_table_scores_and_tags_each_distinct_text_once(world):
    rows = dict(world.execute("SELECT text, themes FROM voice_texts").fetchall())
    assert len(rows) == 7 + 3
    assert rows["Wrong invoice, left on hold forever"] == ["bill", "wait"]
    assert rows["Terrible"] == []
    stored = world.execute("SELECT sentiment FROM voice_texts WHERE text = 'Terrible'").fetchone()[0]
    assert stored == pytest.approx(sentiment.score("Terrible"))
    assert voice_index.build(world, TAXONOMY) == 0  # nothing new to score


def test_a_changed_scorer_rescores_every_text_and_the_same_scorer_none(world):
    world.execute("UPDATE voice_texts SET sentiment = 0.5")
    voice_index.build(world, TAXONOMY)
    assert world.execute("SELECT DISTINCT sentiment FROM voice_texts").fetchall() == [(0.5,)]
    world.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [voice_index.SCORER_KEY, "an older scorer"])
    voice_index.build(world, TAXONOMY)
    rows = dict(world.execute("SELECT text, sentiment FROM voice_texts").fetchall())
    assert rows == {text: pytest.approx(sentiment.score(text)) for text in rows}
    assert voice_index.scored_with(world) == sentiment.fingerprint()
    r4 = world.execute("SELECT sentiment FROM voice_comments WHERE response_id = 'r4'").fetchone()[0]
    assert r4 == pytest.approx(sentiment.score("Terrible"))


def test_a_changed_taxonomy_retags_every_text(world):
    other = themes.parse('[bad]\nlabel = "Bad"\nphrases = ["terrible", "wrong"]\n')
    voice_index.build(world, other)
    rows = dict(world.execute("SELECT text, themes FROM voice_texts").fetchall())
    assert rows["Wrong invoice, left on hold forever"] == ["bad"]
    assert rows["Invoice ok"] == []
    assert world.execute("SELECT theme, label FROM voice_themes").fetchall() == [("bad", "Bad")]
    assert voice_index.tagged_with(world) == other.fingerprint


def test_theme_counts_shares_and_nps_with_and_without(world):
    table, _ = _table(world)
    # W46: 5 comments; Billing in r2, r5; wait in r2, r3; none in r1, r4.
    assert table.loc["bill", "mentions"] == 2 and table.loc["bill", "share_pct"] == pytest.approx(40)
    assert table.loc["wait", "mentions"] == 2 and table.loc[voice.NO_THEME, "mentions"] == 2
    # Billing: NPS answers [3] -> -100 (n 1); the others [10, 9, 0] -> (2 - 1) / 3 = 33.3.
    assert table.loc["bill", "nps_with"] == pytest.approx(-100)
    assert table.loc["bill", "nps_n_with"] == 1
    assert table.loc["bill", "nps_without"] == pytest.approx(100 / 3)
    assert table.loc["bill", "nps_n_without"] == 3
    assert table.loc["bill", "nps_gap_pts"] == pytest.approx(-100 - 100 / 3)
    # wait: [3, 9] -> 0; others [10, 0] -> 0.
    assert table.loc["wait", "nps_with"] == pytest.approx(0) and table.loc["wait", "nps_without"] == pytest.approx(0)
    # W45: 1 of 2 comments mention an invoice -> 50%, so Billing's share changed by -10 points.
    assert table.loc["bill", "prior_share_pct"] == pytest.approx(50)
    assert table.loc["bill", "share_change_pts"] == pytest.approx(-10)
    expected = np.mean([sentiment.score("Wrong invoice, left on hold forever"), sentiment.score("Invoice ok")])
    assert table.loc["bill", "sentiment"] == pytest.approx(expected)


def test_sentiment_interval_is_the_student_t_interval_of_the_mentions(world):
    table, _ = _table(world)
    # Billing: two comments; mean +/- t(1, 0.975) x sd / sqrt 2, t(1, 0.975) = 12.706.
    scores = [sentiment.score("Wrong invoice, left on hold forever"), sentiment.score("Invoice ok")]
    half = 12.7062 * np.std(scores, ddof=1) / np.sqrt(2)
    low, high = table.loc["bill", ["sentiment_low", "sentiment_high"]]
    assert (low, high) == pytest.approx((np.mean(scores) - half, np.mean(scores) + half), rel=1e-4)


def test_sentiment_check_compares_promoters_comments_with_detractors(world):
    # W46: promoters r1 "Great service", r3 "On hold briefly, then sorted"; detractors r2, r4; r5 has no NPS answer.
    check = voice.sentiment_separation(voice.sentiment_counts(world, Filters(), CURRENT))
    promoters = [sentiment.score("Great service"), sentiment.score("On hold briefly, then sorted")]
    detractors = [sentiment.score("Wrong invoice, left on hold forever"), sentiment.score("Terrible")]
    assert min(promoters) > max(detractors)
    assert (check.auc, check.n_high, check.n_low) == (1.0, 2, 2)
    assert check == separation.auc(promoters, detractors)


def test_sentiment_check_follows_filters_and_counts_ties_as_half(world):
    world.execute("UPDATE voice_comments SET sentiment = 0.2 WHERE response_id IN ('r1', 'r4')")
    emea = voice.sentiment_separation(voice.sentiment_counts(world, Filters(regions=("EMEA",)), CURRENT))
    assert (emea.auc, emea.n_high, emea.n_low) == (0.5, 1, 1)  # a's r1 (promoter) and r4 (detractor) tie
    apac = voice.sentiment_separation(voice.sentiment_counts(world, Filters(regions=("APAC",)), CURRENT))
    assert (apac.n_high, apac.n_low) == (1, 1) and apac.auc == 1.0


def test_minimum_n_withholds_sentiment_and_nps(world):
    table, _ = _table(world, min_n=2)
    assert table.loc["bill", "withheld"] == np.False_ and not np.isnan(table.loc["bill", "sentiment"])
    assert np.isnan(table.loc["bill", "nps_with"])  # 1 NPS answer < 2
    assert not table.loc["bill", "gap_significant"]
    table, _ = _table(world, min_n=3)
    assert table.loc["wait", "withheld"] and np.isnan(table.loc["wait", "sentiment"])
    assert table.loc["wait", "mentions"] == 2  # the count is still shown


def test_detractor_pareto(world):
    _, sums = _table(world)
    pareto = voice.detractor_pareto(sums, LABELS)
    # Detractor comments: r2 (Billing, wait) and r4 (no theme).
    assert pareto["label"].tolist() == ["Billing", "wait", voice.NO_THEME_LABEL]
    assert pareto["detractor_mentions"].tolist() == [1, 1, 1]
    assert pareto["pct_of_detractor_comments"].tolist() == pytest.approx([50, 50, 50])
    assert pareto["cumulative_pct"].tolist() == pytest.approx([100 / 3, 200 / 3, 100])


def test_totals_and_growth(world):
    table, sums = _table(world)
    assert voice.totals(sums)["comments"] == 5
    assert voice.totals(sums)["nps"] == pytest.approx(0)  # [10, 3, 9, 0]: 2 - 2
    growing = voice.growing_themes(table.reset_index())
    assert growing["theme"].tolist() == ["wait"]  # 0% -> 40%; Billing fell
    assert voice.growth_sentence(growing.iloc[0]) == (
        "wait: 40.0% of comments (2 of 5), up 40.0 points from 0.0% (not significant)."
    )


def test_region_filter_and_access_scope(world):
    table, _ = _table(world, Filters(regions=("EMEA",)))
    assert table.loc["bill", "mentions"] == 1 and table.loc["bill", "share_pct"] == pytest.approx(100 / 3)
    scoped, _ = _table(world, Filters(scope=AccessScope(regions=("APAC",))))
    assert scoped.loc["bill", "mentions"] == 1 and scoped.loc["wait", "mentions"] == 2


def test_listening_posts(world):
    trend = voice.posts_trend(world, Filters(), PRIOR.start, CURRENT.end, voice.OPTIONAL_TABLES)
    summary = voice.posts_summary(trend, CURRENT, PRIOR).set_index("post")
    assert summary["volume"].to_dict() == {
        "Survey comments": 5,
        "Contact reasons": 3,
        "Complaints": 1,
        "Social mentions": 2,
    }
    assert summary.loc["Social mentions", "prior_volume"] == 1
    assert summary.loc["Social mentions", "change_pct"] == pytest.approx(100)
    assert summary.loc["Social mentions", "reach"] == 15
    assert summary.loc["Survey comments", "share_pct"] == pytest.approx(100 * 5 / 11)
    social = np.mean([sentiment.score("Love it"), sentiment.score("Awful")])
    assert summary.loc["Social mentions", "sentiment"] == pytest.approx(social)
    assert np.isnan(summary.loc["Contact reasons", "sentiment"])


def test_listening_posts_under_a_regional_scope_and_without_optional_tables(world):
    scope = Filters(scope=AccessScope(regions=("EMEA",)))
    trend = voice.posts_trend(world, scope, PRIOR.start, CURRENT.end, voice.OPTIONAL_TABLES)
    summary = voice.posts_summary(trend, CURRENT, PRIOR).set_index("post")
    # Unknown-region posts and APAC's complaint are not shown to an EMEA leader.
    assert summary["volume"].to_dict() == {"Survey comments": 3, "Contact reasons": 3, "Social mentions": 1}
    only_comments = voice.posts_trend(world, Filters(), PRIOR.start, CURRENT.end, ())
    assert set(only_comments["post"]) == {"Survey comments"}


def test_verbatims_newest_first_search_filters_revenue_and_paging(world):
    frame, matched = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery())
    assert matched == 5 and len(frame) == 5
    revenue = dict(zip(frame["customer"], frame["revenue_12m_usd"], strict=False))
    assert revenue == {"A": 1500.0, "B": 2000.0}  # the 12 closed months Nov 2025..Oct 2026
    frame, matched = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery(search="INVOICE"))
    assert matched == 2 and set(frame["comment"]) == {"Wrong invoice, left on hold forever", "Invoice ok"}
    ask = voice.VerbatimQuery(themes=("wait",), nps_groups=("detractor",))
    frame, matched = voice.verbatims(world, Filters(), CURRENT, ask)
    assert frame["comment"].tolist() == ["Wrong invoice, left on hold forever"]
    frame, _ = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery(by_revenue=True))
    assert frame["customer"].tolist()[:2] == ["B", "B"]
    paged, matched = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery(page=3, page_size=2))
    assert matched == 5 and len(paged) == 1
    past, matched = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery(page=9, page_size=2))
    assert matched == 5 and past.empty
    negative = voice.VerbatimQuery(sentiments=("negative",))
    frame, _ = voice.verbatims(world, Filters(scope=AccessScope(regions=("EMEA",))), CURRENT, negative)
    assert frame["comment"].tolist() == ["Terrible"]


def test_verbatim_view_labels_themes_and_sentiment(world):
    frame, _ = voice.verbatims(world, Filters(), CURRENT, voice.VerbatimQuery(search="hold forever"))
    view = voice.verbatim_view(frame, LABELS)
    assert view.loc[0, "themes"] == "Billing, wait"
    assert view.loc[0, "sentiment"] == sentiment.label(sentiment.score("Wrong invoice, left on hold forever"))
    assert list(view.columns)[:3] == ["date", "customer", "revenue_12m_usd"]


def test_status_reports_missing_tables_and_an_unbuilt_index():
    conn = fx.new_db()
    found = voice.status(conn)
    assert not found.built and found.missing == voice.OPTIONAL_TABLES
    voice_index.build(conn, TAXONOMY)
    found = voice.status(conn)
    assert found.built and found.labels == LABELS and not found.taxonomy_current  # not the configured default


def test_revenue_months():
    assert voice.revenue_months(date(2026, 11, 15)) == (date(2025, 11, 1), date(2026, 10, 1))
    assert voice.revenue_months(date(2026, 1, 31)) == (date(2025, 2, 1), date(2026, 1, 1))


def test_listening_posts_without_scored_texts_count_volume_only():
    conn = fx.new_db()
    fx.insert(conn, "customers", [fx.customer("a", "EMEA"), fx.customer("b", "APAC")])
    fx.insert(conn, "responses", [_response(*row) for row in COMMENTS])
    trend = voice.posts_trend(conn, Filters(), PRIOR.start, CURRENT.end, (), scored=False)
    summary = voice.posts_summary(trend, CURRENT, PRIOR).set_index("post")
    assert summary.loc["Survey comments", "volume"] == 5 and np.isnan(summary.loc["Survey comments", "sentiment"])


# --- the committed sample world: the planted EMEA billing-system go-live (truth.json, event E002) ------------------


@pytest.fixture(scope="module")
def sample_world(committed_path, tmp_path_factory):
    """A writable copy of the committed sample world with its comments scored and tagged."""
    import duckdb

    path = tmp_path_factory.mktemp("voice_sample") / "cx.duckdb"
    shutil.copyfile(committed_path, path)
    conn = duckdb.connect(str(path))
    voice_index.build(conn, themes.load(themes.DEFAULT_FILE))
    yield conn
    conn.close()


def _sample(conn, week: str, weeks: int, region: str | None):
    current = voice.window(parse_week(week), weeks)
    filters = Filters(regions=(region,) if region else ())
    sums = voice.theme_sums(conn, filters, current, voice.prior_window(current))
    labels = themes.load(themes.DEFAULT_FILE).labels()
    return voice.theme_table(sums, labels, 30), voice.detractor_pareto(sums, labels)


def test_sample_world_billing_go_live_leads_emea_detractor_themes_and_grows_significantly(sample_world):
    table, pareto = _sample(sample_world, "2026-W17", 8, "EMEA")  # 8 weeks from the go-live on 2026-03-02
    assert pareto["theme"].tolist()[:2] == ["billing", "billing_system"]
    growing = voice.growing_themes(table)
    assert growing["theme"].tolist()[:2] == ["billing_system", "billing"]
    assert growing["change_significant"].tolist()[:2] == [True, True]
    system = table.set_index("theme").loc["billing_system"]
    assert system["nps_gap_pts"] < 0 and system["gap_significant"]


def test_sample_world_apac_field_partner_change_is_the_fastest_growing_theme(sample_world):
    table, _ = _sample(sample_world, "2026-W46", 4, "APAC")  # the partner change started 2026-10-19
    assert voice.growing_themes(table)["theme"].iloc[0] == "field_service"


def test_sample_world_review_week_top_detractor_themes(sample_world):
    _, pareto = _sample(sample_world, "2026-W46", 13, None)
    assert pareto["label"].tolist()[:3] == ["Support & tickets", "Features & usability", "Reliability & outages"]
    assert pareto["detractor_mentions"].tolist()[:3] == [172, 118, 104]
