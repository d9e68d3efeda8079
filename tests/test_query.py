"""The query layer: trends in one pass, filters and access scope as bound parameters, comparisons, the scorecard."""

import math
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import REGISTRY
from cxmetrics.periods import Period, parse_week
from cxmetrics.query import frames as query
from tests import metric_fixtures as fx

W46 = parse_week("2026-W46")


@pytest.fixture
def trend():
    conn = fx.new_db()
    fx.trend_world(conn)
    return conn


@pytest.fixture(autouse=True)
def min_n_of_ten(monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "10")


def by_week(frame: pd.DataFrame) -> dict:
    return {row.period_label: row for row in frame.itertuples()}


def test_data_extent_and_latest_complete_periods(trend):
    assert query.data_extent(trend) == date(2026, 11, 16)
    assert query.latest_period(trend, "week") == W46
    assert query.latest_period(trend, "month").start == date(2026, 10, 1)


def test_trend_has_every_complete_week_and_not_the_current_one(trend):
    frame = query.metric_frame(trend, "nps", Filters(start=date(2026, 10, 26)), "week")
    assert list(frame["period_label"]) == ["2026-W44", "2026-W45", "2026-W46"]
    weeks = by_week(frame)
    assert weeks["2026-W46"].value == pytest.approx(30.0)
    assert (weeks["2026-W46"].promoters, weeks["2026-W46"].detractors, weeks["2026-W46"].n) == (50, 20, 100)
    assert weeks["2026-W45"].value == pytest.approx(0.0)


def test_trends_read_together_are_each_metrics_own_trend(trend):
    ids = ["nps", "csat", "ces", "responses"]
    filters = Filters(start=date(2026, 10, 26))
    together = query.metric_frames(trend, ids, filters, "week")
    for metric_id in ids:
        alone = query.metric_frame(trend, metric_id, filters, "week")
        pd.testing.assert_frame_equal(together[metric_id], alone)
    assert list(together["responses"]["period_label"]) == ["2026-W44", "2026-W45", "2026-W46"]
    assert together["responses"]["value"].tolist() == [1, 100, 100]


def test_below_minimum_n_the_value_is_withheld_and_n_kept(trend):
    w44 = by_week(query.metric_frame(trend, "nps", Filters(start=date(2026, 10, 26)), "week"))["2026-W44"]
    assert w44.suppressed and w44.n == 1
    assert math.isnan(w44.value) and math.isnan(w44.low) and math.isnan(w44.high)


def test_company_value_is_a_ratio_of_sums_not_a_mean_of_regions(trend):
    company = query.period_frame(trend, "nps", None, [W46]).iloc[0]
    regions = query.period_frame(trend, "nps", None, [W46], by="region").set_index("region")
    assert regions.loc["EMEA", "value"] == pytest.approx(70.0)
    assert regions.loc["APAC", "value"] == pytest.approx(-12.5)
    assert regions.loc["(none)", "n"] == 10  # anonymous responses form their own group
    for column in ("promoters", "detractors", "n"):
        assert regions[column].sum() == company[column]
    assert company["value"] == pytest.approx(30.0)
    assert company["value"] != pytest.approx(regions.loc[["EMEA", "APAC"], "value"].mean())


def test_anonymous_responses_drop_out_under_a_region_filter(trend):
    emea_apac = Filters(regions=("EMEA", "APAC"))
    row = query.period_frame(trend, "nps", emea_apac, [W46]).iloc[0]
    assert (row["n"], row["promoters"], row["detractors"]) == (90, 45, 15)


def test_access_scope_restricts_every_query(trend):
    scoped = Filters(scope=AccessScope(("EMEA",)))
    row = query.period_frame(trend, "nps", scoped, [W46]).iloc[0]
    assert (row["n"], row["value"]) == (50, pytest.approx(70.0))
    split = query.period_frame(trend, "nps", scoped, [W46], by="region")
    assert list(split["region"]) == ["EMEA"]


EVIL = "EMEA') OR 1=1; DROP TABLE responses; --"


@pytest.mark.parametrize(
    "filters",
    [
        Filters(regions=("APAC",), scope=AccessScope(("EMEA",))),
        Filters(scope=AccessScope(())),
        Filters(regions=("Atlantis",)),
        Filters(regions=(EVIL,), touchpoints=(EVIL,)),
    ],
    ids=["a region outside the scope", "an empty scope", "an unknown region", "values that look like SQL"],
)
def test_filters_that_select_nothing_give_empty_frames_with_their_columns(trend, filters):
    assert query.period_frame(trend, "nps", filters, [W46]).empty
    frame = query.metric_frame(trend, "nps", filters, "week")
    assert frame.empty
    assert {"period_start", "value", "low", "high", "n", "suppressed", "status"} <= set(frame.columns)
    assert trend.execute("SELECT count(*) FROM responses").fetchone()[0] == 212  # the values were only data


@pytest.mark.parametrize(
    ("metric_id", "grain", "by", "message"),
    [
        (
            "nps",
            "week",
            "region; DROP TABLE responses",
            "unknown dimension 'region; DROP TABLE responses'; valid dimensions",
        ),
        ("revenue", "week", "touchpoint", "metric 'revenue' cannot be split by 'touchpoint'; valid: region, segment"),
        ("no_such_metric", "week", None, "unknown metric 'no_such_metric'; valid metrics: nps, csat"),
        ("nps", "day", None, "unknown grain 'day'; valid grains: week, month, quarter"),
    ],
)
def test_unknown_names_raise_clear_errors(trend, metric_id, grain, by, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        query.metric_frame(trend, metric_id, Filters(), grain, by=by)


def test_filters_a_metric_cannot_apply_are_ignored_and_reported(trend):
    frame = query.metric_frame(trend, "revenue", Filters(touchpoints=("billing",)), "month")
    assert frame.attrs["ignored_filters"] == ("touchpoint",)
    assert query.metric_frame(trend, "nps", Filters(touchpoints=("billing",)), "week").empty


def test_compare_with_the_prior_week(trend):
    frame = query.metric_frame(trend, "nps", Filters(start=date(2026, 11, 9)), "week", compare="prior")
    row = frame.iloc[0]
    assert row["period_label"] == "2026-W46" and row["compare_start"] == date(2026, 11, 2)
    assert (row["compare_value"], row["compare_n"], row["compare_delta"]) == (0.0, 100, 30.0)
    # z = 2.691236 for independent answers (test_stats), but two customers and 10 anonymous answers give W46's 100
    # responses: e1 net 35 of 50, a1 -5 of 40, the anonymous +1 or -1, R = 0.3, so the clustered sum of squares is
    # 12/11 x (20^2 + 17^2 + 5 x 0.7^2 + 5 x 1.3^2) = 763.53 against 100/99 x (70 - 0.3 x 30) = 61.62 independent:
    # design effect 12.392; W45's two customers (net +10 and -10 of 50 each) 2 x 200 / (100/99 x 60) = 6.6.
    # z = 0.291262 / sqrt(0.00591593 x 12.392 + 0.00579696 x 6.6) = 0.87199: not significant.
    assert row["compare_z"] == pytest.approx(0.871994, abs=1e-5)
    assert not bool(row["compare_significant"])


def test_compare_with_the_same_week_last_year(trend):
    frame = query.metric_frame(trend, "nps", Filters(start=date(2026, 11, 9)), "week", "region", "last_year")
    apac = frame.set_index("region").loc["APAC"]
    assert apac["compare_start"] == date(2025, 11, 10)
    assert apac["compare_value"] == 100.0
    assert apac["compare_delta"] == pytest.approx(-12.5 - 100)
    emea = frame.set_index("region").loc["EMEA"]
    assert emea["compare_n"] == 0 and pd.isna(emea["compare_significant"])


def test_exact_metrics_have_no_significance(trend):
    fx.finance_world(trend)
    frame = query.metric_frame(trend, "revenue", Filters(start=date(2026, 10, 1)), "month", compare="prior")
    row = frame.iloc[0]
    assert (row["value"], row["compare_value"], row["compare_delta"]) == (5000.0, 500.0, 4500.0)
    assert pd.isna(row["compare_significant"])


def test_week_grain_pairs_monthly_data_with_the_latest_closed_month(trend):
    fx.finance_world(trend)
    weeks = by_week(query.metric_frame(trend, "revenue", Filters(start=date(2026, 10, 19)), "week"))
    assert weeks["2026-W43"].basis_start == date(2026, 9, 1) and weeks["2026-W43"].value == 500.0
    # W44 ends on Sunday 1 November: October has closed by then.
    assert weeks["2026-W44"].basis_start == date(2026, 10, 1) and weeks["2026-W44"].value == 5000.0
    assert weeks["2026-W46"].basis_start == date(2026, 10, 1) and weeks["2026-W46"].value == 5000.0


def test_quarter_grain_sums_its_months(trend):
    fx.finance_world(trend)
    fx.insert(trend, "financials", [{"month": date(2026, 7, 1), "region": "EMEA", "segment": "SMB", "revenue_usd": 50}])
    frame = query.metric_frame(trend, "revenue", Filters(), "quarter")
    assert list(frame["period_label"]) == ["2026 Q3"]  # October is in the incomplete fourth quarter
    assert frame.iloc[0]["value"] == 550.0


def test_scorecard_snapshot(trend):
    card = query.snapshots(trend, ["nps", "responses", "revenue"], Filters()).frame()
    nps = card.set_index("metric").loc["nps"]
    assert nps["period_label"] == "2026-W46" and nps["value"] == pytest.approx(30.0)
    assert nps["prior_delta"] == 30.0 and not bool(nps["prior_significant"])  # two customers: see above
    assert nps["last_year_value"] == 100.0 and nps["last_year_n"] == 10
    # W43..W46 pooled: P = 50 + 30 + 1, D = 20 + 30, n = 201 (ratio of sums, not a mean of weekly scores).
    assert nps["rolling_4w_n"] == 201
    assert nps["rolling_4w_value"] == pytest.approx(100 * (81 - 50) / 201)
    revenue = card.set_index("metric").loc["revenue"]
    assert revenue["n"] == 0 and math.isnan(revenue["value"])  # no financials loaded: shown as missing


def test_snapshots_read_the_scorecard_and_further_periods_together_as_each_would_alone(trend):
    fx.finance_world(trend)
    october = Period("month", date(2026, 10, 1), date(2026, 10, 31))
    weeks = [parse_week(f"2026-W{w}") for w in (43, 44, 45, 46)]
    snap = query.snapshots(
        trend,
        {"nps": W46, "responses": W46, "revenue": october},
        Filters(),
        extra={"nps": {"trend": weeks}, "revenue": {"chart": [Period("month", date(2026, 9, 1), date(2026, 9, 30))]}},
    )
    card, values = snap.frame(), snap.values
    expected = pd.concat(
        [
            query.snapshots(trend, ["nps", "responses"], Filters(), W46).frame(),
            query.snapshots(trend, ["revenue"], Filters(), october).frame(),
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(card, expected)
    # W43 has no responses: no row. W44 has one response (n below 10: withheld), W45 NPS 0, W46 NPS 30.
    trend_values = values["nps"]["trend"]
    assert trend_values["period_label"] == ["2026-W44", "2026-W45", "2026-W46"]
    assert trend_values["n"].tolist() == [1, 100, 100]
    assert math.isnan(trend_values["value"][0]) and trend_values["value"][1:].tolist() == pytest.approx([0.0, 30.0])
    assert values["revenue"]["chart"]["value"].tolist() == [500.0] and values["responses"] == {}
    targeted = query.with_targets(trend, "nps", Filters(), trend_values)
    assert {"target", "variance_to_target", "status"} <= set(targeted)


def test_snapshot_rows_are_the_frame_cells_one_dict_per_metric(trend):
    fx.finance_world(trend)
    october = Period("month", date(2026, 10, 1), date(2026, 10, 31))
    current = {"nps": W46, "revenue": october}
    snap = query.snapshots(trend, current, Filters())
    frame, rows = snap.frame(), snap.rows
    assert list(rows) == ["nps", "revenue"]
    for metric_id, row in rows.items():
        cells = frame.set_index("metric").loc[metric_id]
        for column, value in row.items():
            if column == "metric":
                continue
            expected = cells[column]
            assert (
                (value is pd.NA and expected is pd.NA) or value == expected or (value != value and expected != expected)
            )
    assert rows["nps"]["value"] == pytest.approx(30.0) and rows["revenue"]["prior_significant"] is pd.NA


def test_an_empty_database_gives_empty_frames():
    conn = fx.new_db()
    assert query.metric_frame(conn, "nps", Filters(), "week").empty
    assert query.latest_period(conn, "week") is None


def test_every_metric_runs_at_every_grain_and_list_of_periods(trend):
    fx.finance_world(trend)
    ids = list(REGISTRY)
    for grain in ("week", "month", "quarter"):
        at_grain = [m for m in ids if grain in REGISTRY[m].grains]  # monthly_churn_rate is monthly only
        frames = query.metric_frames(trend, at_grain, Filters(start=date(2025, 10, 1)), grain, compare="prior")
        assert set(frames) == set(at_grain) and len(at_grain) >= len(ids) - 1
    card = query.snapshots(
        trend, ids, Filters(regions=("EMEA",)), Period("ytd", date(2026, 1, 1), date(2026, 11, 15))
    ).frame()
    assert list(card["metric"]) == ids


def test_no_periods_give_an_empty_frame_with_the_usual_columns(trend):
    empty = query.period_frame(trend, "nps", None, [])
    full = query.period_frame(trend, "nps", None, [W46])
    assert empty.empty and list(empty.columns) == list(full.columns)


def test_a_trend_frame_keeps_its_columns_when_empty():
    conn = fx.new_db()
    frame = query.metric_frame(conn, "csat", Filters(), "month", by="segment", compare="last_year")
    assert frame.empty
    assert {"segment", "value", "n", "satisfied", "status", "compare_delta", "compare_significant"} <= set(frame)


def test_a_grain_the_metric_does_not_support_is_refused(trend, monkeypatch):
    monthly_only = replace(REGISTRY["revenue"], id="monthly_only", grains=("month", "quarter"))
    monkeypatch.setitem(REGISTRY, "monthly_only", monthly_only)
    with pytest.raises(ValueError, match="metric 'monthly_only' has no 'week' grain; valid: month, quarter"):
        query.metric_frame(trend, "monthly_only", Filters(), "week")
    assert query.metric_frame(trend, "monthly_only", Filters(), "month").empty


def test_a_split_snapshot_is_read_as_a_frame_not_as_one_row_per_metric(trend):
    snap = query.snapshots(trend, ["nps"], Filters(), W46, by="region")
    assert len(snap.frame()) > 1 and set(snap.frame()["metric"]) == {"nps"}
    with pytest.raises(ValueError, match="split by a dimension"):
        _ = snap.rows


def test_a_snapshot_defaults_to_the_last_complete_week(trend):
    assert query.snapshots(trend, ["nps"]).rows["nps"]["period_label"] == query.latest_period(trend, "week").label
