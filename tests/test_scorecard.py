"""The scorecard module: periods, formatting, the statement and tiles against the query layer, trends, empty data."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cxmetrics import periods
from cxmetrics.display.tiles import Tile
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import HEADLINE_NPS as NPS
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period, parse_week
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.reports.scorecard import view as scorecard

W46 = parse_week("2026-W46")
OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture(scope="module")
def week_card(small_world) -> scorecard.Scorecard:
    return scorecard.build(small_world, Filters(), W46)


def _row(card: scorecard.Scorecard, metric_id: str) -> pd.Series:
    statement = card.statement
    return statement[statement["metric"] == metric_id].iloc[0]


def _tiles(card: scorecard.Scorecard) -> dict[str, Tile]:
    return {tile.metric: tile for row in card.headline for tile in row}


# --- the statement -------------------------------------------------------------------------------------------------


def test_the_statement_is_laid_out_like_a_p_and_l(week_card):
    statement = week_card.statement
    sections = statement.loc[statement["kind"] == "section", "Measure"].tolist()
    assert sections == ["Customer", "Loyalty", "Financial results", "Operations", "People"]
    assert statement.loc[statement["kind"] == "metric", "metric"].tolist() == list(scorecard.STATEMENT_METRICS)
    assert list(scorecard.STATEMENT_COLUMNS) == [
        "Measure", "Period", "Actual", "Status", "Prior", "Change", "Target", "Variance", "Last year", "Trend",
    ]  # fmt: skip


def test_weekly_rows_show_the_week_and_monthly_rows_the_latest_closed_month(week_card):
    assert _row(week_card, NPS)["Period"] == "2026-W46"
    for metric_id in ("revenue", "gross_margin_pct", "enps"):
        assert _row(week_card, metric_id)["Period"] == "Oct 2026"
        assert _row(week_card, metric_id)["prior_period"] == "Sep 2026"
    for metric_id in ("logo_retention", "churn_rate", "nrr"):
        assert _row(week_card, metric_id)["Period"] == "12 months to Oct 2026"
        assert _row(week_card, metric_id)["prior_period"] == "12 months to Sep 2026"
    assert week_card.basis_note == (
        "Loyalty, financial results and people rows show October 2026, the latest closed month."
    )


def test_statement_values_are_the_query_layer_values(small_world, week_card):
    snap = (
        query.snapshots(small_world, ["transactional_nps", "csat", "complaints_per_1000"], Filters(), W46)
        .frame()
        .set_index("metric")
    )
    monthly = query.snapshots(small_world, ["revenue", "nrr"], Filters(), OCTOBER).frame().set_index("metric")
    for metric_id, source in [
        ("transactional_nps", snap),
        ("csat", snap),
        ("complaints_per_1000", snap),
        ("revenue", monthly),
    ]:
        row, expected = _row(week_card, metric_id), source.loc[metric_id]
        assert row["actual"] == pytest.approx(expected["value"])
        assert row["prior"] == pytest.approx(expected["prior_value"])
        assert row["last_year"] == pytest.approx(expected["last_year_value"])
        assert row["status"] == ("no_target" if pd.isna(expected["status"]) else expected["status"])
    tps = "transactional_nps"
    assert _row(week_card, tps)["Actual"] == get_metric(tps).format(snap.loc[tps, "value"])


def test_change_says_whether_it_is_significant_and_exact_figures_carry_no_verdict(week_card):
    nps_change = _row(week_card, "transactional_nps")["Change"]
    assert nps_change.endswith((" · significant", " · not significant"))
    assert _row(week_card, "revenue")["Change"].startswith(("+$", "-$"))
    assert "significant" not in _row(week_card, "revenue")["Change"]


def test_each_row_carries_its_13_period_trend_ending_with_the_period(small_world, week_card):
    weekly = query.metric_frame(
        small_world, "csat", Filters(start=W46.start - timedelta(weeks=12), end=W46.end), "week"
    )
    assert _row(week_card, "csat")["Trend"] == pytest.approx(weekly["value"].tolist())
    assert len(_row(week_card, "revenue")["Trend"]) == 13


def test_the_csv_has_one_unformatted_row_per_metric(week_card):
    frame = pd.read_csv(io.BytesIO(scorecard.statement_csv(week_card)))
    assert frame["metric"].tolist() == list(scorecard.STATEMENT_METRICS)
    assert frame.loc[frame["metric"] == "csat", "actual"].iloc[0] == pytest.approx(_row(week_card, "csat")["actual"])
    assert frame.loc[frame["metric"] == "revenue", "period"].iloc[0] == "Oct 2026"
    assert {"label", "change_significant", "target", "variance_to_target", "status"} <= set(frame.columns)


# --- headline tiles ------------------------------------------------------------------------------------------------


def test_six_headline_tiles_customer_scores_first(week_card):
    assert [[t.metric for t in row] for row in week_card.headline] == [
        [NPS, "csat", "ces"],
        ["logo_retention", "revenue", "gross_margin_pct"],
    ]


def test_a_tile_shows_value_change_verdict_trend_target_and_its_interval_on_hover(small_world):
    # The small world has too few relationship answers in a week: the headline tile of a month.
    tile = _tiles(scorecard.build(small_world, Filters(), OCTOBER))[NPS]
    snap = query.snapshots(small_world, [NPS], Filters(), OCTOBER).frame().iloc[0]
    metric = get_metric(NPS)
    assert tile.label == "Relationship NPS" and not snap["suppressed"]
    assert tile.value == metric.format(snap["value"])
    assert tile.comparison == "vs Sep 2026 · " + ("significant" if snap["prior_significant"] else "not significant")
    assert tile.delta_colour == ("normal" if snap["prior_significant"] else "off")
    assert len(tile.trend) == 13 and tile.trend[-1] == pytest.approx(snap["value"])
    assert f"95% interval {metric.format(snap['low'])} to {metric.format(snap['high'])}" in tile.help
    assert f"n = {int(snap['n']):,} relationship responses with an NPS answer" in tile.help


def test_a_monthly_tile_names_its_month_and_compares_months(week_card):
    tile = _tiles(week_card)["revenue"]
    assert tile.label == "Revenue · Oct 2026"
    assert tile.comparison == "vs Sep 2026"
    assert tile.value.startswith("$") and tile.value.endswith("M")


def test_a_suppressed_tile_says_why(small_world):
    thin = scorecard.build(small_world, Filters(regions=("LATAM",), touchpoints=("sales",)), W46)
    tile = _tiles(thin)[NPS]
    assert (tile.value, tile.status, tile.delta) == ("—", "suppressed", None)
    assert tile.comparison.startswith("Hidden: n = ")
    assert tile.comparison.endswith("relationship responses with an NPS answer, below the minimum of 30")


# --- the trend chart's frames ----------------------------------------------------------------------------------------


def test_weekly_nps_covers_two_years_to_the_review_week_with_interval_target_and_rolling_13_weeks(week_card):
    weekly = week_card.nps_weekly
    assert len(weekly) == scorecard.CHART_WEEKS
    assert weekly["period_label"].iloc[-1] == "2026-W46"
    assert {"value", "low", "high", "n", "target", "rolling_13w", "rolling_13w_n"} <= set(weekly.columns)


def test_the_rolling_13_weeks_equal_the_engine_over_the_same_13_weeks(small_world, week_card):
    weekly = week_card.nps_weekly.set_index("period_label")
    for label in ("2026-W46", "2026-W20", "2025-W48"):
        window = periods.rolling_weeks(parse_week(label), 13)
        engine = query.period_frame(small_world, NPS, Filters(), [window]).iloc[0]
        assert weekly.loc[label, "rolling_13w"] == pytest.approx(engine["value"])
        assert weekly.loc[label, "rolling_13w_n"] == engine["n"]


def test_monthly_revenue_ends_with_the_latest_closed_month(week_card):
    revenue = week_card.revenue_monthly
    assert revenue["period_label"].iloc[-1] == "Oct 2026"
    assert revenue["latest"].tolist() == [False] * (len(revenue) - 1) + [True]


def test_events_follow_the_region_filter_and_the_access_scope(small_world):
    everything = catalog.events_between(small_world, Filters(), date(2023, 1, 1), date(2026, 12, 31))
    assert {"", "EMEA", "APAC"} <= set(everything["region"])
    emea = catalog.events_between(small_world, Filters(regions=("EMEA",)), date(2023, 1, 1), date(2026, 12, 31))
    assert set(emea["region"]) == {"", "EMEA"}
    scoped = catalog.events_between(
        small_world, Filters(scope=AccessScope(("APAC",))), date(2023, 1, 1), date(2026, 12, 31)
    )
    assert set(scoped["region"]) == {"", "APAC"}


# --- grains, filters, partial data -----------------------------------------------------------------------------------


@pytest.mark.parametrize("grain", ["month", "quarter", "ytd"])
def test_every_grain_answers_with_the_query_layer(small_world, grain):
    period = periods.review_period(grain, W46, W46.end)
    card = scorecard.build(small_world, Filters(), period)
    expected = query.snapshots(small_world, [NPS, "revenue"], Filters(), period).frame().set_index("metric")
    assert _row(card, NPS)["actual"] == pytest.approx(expected.loc[NPS, "value"])
    assert _row(card, "revenue")["actual"] == pytest.approx(expected.loc["revenue", "value"])
    assert card.basis_note is None if grain != "ytd" else card.basis_note.endswith("the closed months of the year.")
    assert card.changes


def test_year_to_date_trailing_rows_say_they_cover_the_12_months_not_the_year(small_world):
    card = scorecard.build(small_world, Filters(), periods.review_period("ytd", W46, W46.end))
    # Logo retention, churn and NRR cover the 12 months to the latest closed month, compared with the same a year
    # before; repeat purchase, a monthly table's figure, covers January to October.
    for metric_id in ("logo_retention", "churn_rate", "nrr"):
        assert (_row(card, metric_id)["Period"], _row(card, metric_id)["prior_period"]) == (
            "12 months to Oct 2026",
            "12 months to Oct 2025",
        )
    assert _row(card, "repeat_purchase_rate")["Period"] == "2026 YTD to 31 Oct"
    assert _tiles(card)["logo_retention"].label == "Logo retention · 12 months to Oct 2026"


def test_a_filter_a_row_cannot_apply_is_footnoted(small_world):
    card = scorecard.build(small_world, Filters(touchpoints=("billing",)), W46)
    assert _row(card, "revenue")["Measure"] == "Revenue †"
    assert _row(card, NPS)["Measure"] == "Relationship NPS †"  # relationship surveys have no touchpoint
    assert _row(card, "transactional_nps")["Measure"] == "Transactional NPS"
    assert card.filter_note.startswith("† The touchpoint filter does not apply to these rows")
    assert "none is compared under this filter" in card.filter_note
    assert _tiles(card)["revenue"].label == "Revenue · Oct 2026 †"
    assert card.chart_note == "Revenue is not split by touchpoint: it shows all of them."


def test_a_region_filter_gives_the_region_values(small_world):
    emea = Filters(regions=("EMEA",))
    card = scorecard.build(small_world, emea, OCTOBER)
    tps = "transactional_nps"
    expected = query.metric_frame(small_world, tps, emea, "month").set_index("period_label").loc["Oct 2026"]
    assert _row(card, tps)["actual"] == pytest.approx(expected["value"])
    assert _row(card, tps)["n"] == expected["n"] < _row(scorecard.build(small_world, Filters(), OCTOBER), tps)["n"]
    assert card.subtitle == "Month Oct 2026, compared with Sep 2026, for region EMEA."


def test_with_only_customers_and_responses_the_cx_rows_show_and_the_rest_says_what_to_load(minimal_db: Path):
    conn = duckdb.connect(str(minimal_db), read_only=True)
    week = parse_week("2026-W02")
    card = scorecard.build(conn, Filters(), week)
    conn.close()
    shown = card.statement.loc[card.statement["kind"] == "metric", "metric"].tolist()
    assert shown == [NPS, "transactional_nps", "csat", "ces", "responses", "logo_retention", "churn_rate"]
    assert set(card.missing_tables) == {
        "financials", "customer_revenue", "complaints", "contacts", "follow_ups", "employee_engagement", "targets",
        "events",
    }  # fmt: skip
    assert card.missing_note.startswith("Load `customer_revenue` (Net revenue retention, Repeat purchase rate")
    assert _tiles(card)["revenue"].comparison == "Load financials to see it"
    assert card.revenue_monthly.empty and card.events.empty
    assert card.chart_note == "Monthly revenue appears under NPS once the financials table is loaded."
    assert [c.direction for c in card.changes] == ["steady"]


def test_the_scorecard_is_frozen(week_card):
    with pytest.raises(AttributeError):
        week_card.period = replace(W46)  # type: ignore[misc]


def test_a_row_without_a_count_reads_as_zero_responses(small_world):
    snap = query.snapshots(small_world, [NPS], Filters(), W46).frame().set_index("metric")
    snap.loc[NPS, ["n", "suppressed"]] = [float("nan"), True]
    row = scorecard.statement_frame(snap, {}).set_index("metric").loc[NPS]
    assert (row["Actual"], row["Status"], row["n"]) == ("— (n=0)", "Too few", 0)


def test_a_missing_weekly_sum_blanks_only_the_windows_that_hold_it(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "0")
    weeks = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(5)]
    weekly = {
        "period_start": weeks,
        "promoters": [5.0, 5.0, float("nan"), 5.0, 5.0],
        "detractors": [0.0, 0.0, 0.0, 5.0, 0.0],
        "n": [10.0, 10.0, 10.0, 10.0, 10.0],
    }
    value, n = scorecard.rolling(weekly, get_metric("nps"), weeks=2)
    assert np.isnan(value[0])  # one week is not two
    assert value[1] == pytest.approx(50.0)  # 10 promoters, 0 detractors of 20
    assert np.isnan(value[2]) and np.isnan(value[3])  # the windows holding week 3
    assert value[4] == pytest.approx(25.0)  # weeks 4 and 5: 10 promoters, 5 detractors of 20
    assert n.tolist()[1:] == [20.0, 20.0, 20.0, 20.0]
