"""The data-quality watch: each signal on a world where it is planted, none on a quiet one.

The tiny world (tests/quality_fixtures.py) has 132 responses a week for 9 weeks (W38-W46 2026): 33 a week in each of
EMEA and APAC by email and web, every NPS value 0-10 12 times a week; its numbers can be checked on paper. The
committed sample world must be quiet.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from cxmetrics import config
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period, parse_week
from cxmetrics.quality import freshness, report
from cxmetrics.reports.scorecard import changes
from cxmetrics.stats import drift
from tests.quality_fixtures import W46, in_review_week, tiny_world


def build(path: Path, filters: Filters | None = None, week=W46) -> report.QualityReport:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return report.build(conn, filters or Filters(), week)
    finally:
        conn.close()


def lines(found: report.QualityReport) -> list[str]:
    return [f.line for f in found.findings]


# --- the statistic of a shift -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "usual", "distance"),
    [
        ([10, 10], [10, 10], 0.0),
        ([10, 0], [0, 10], 1.0),
        ([1, 1, 0], [0, 1, 1], 0.5),  # half of the answers sit on another value
        ([0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], 1 / 6),  # 0.5 x (1/6 + 5 x (1/5 - 1/6))
        ([3, 1], [0, 0], 0.0),  # nothing to compare with
    ],
)
def test_total_variation_distance_by_hand(current, usual, distance):
    assert drift.total_variation(np.array(current), np.array(usual)) == pytest.approx(distance)


def test_a_shift_of_a_few_answers_is_not_told_from_chance_and_a_large_one_is():
    assert drift.shift(np.array([6, 4]), np.array([5, 5])).p_value > 0.5
    assert drift.shift(np.array([100, 0]), np.array([0, 100])).p_value < 1e-6
    assert drift.shift(np.array([5, 0]), np.array([7, 0])).p_value == 1.0  # one value answered: nothing to test


# --- the quiet worlds -------------------------------------------------------------------------------------------


def test_the_tiny_world_is_quiet(tmp_path: Path):
    found = build(tiny_world(tmp_path / "cx.duckdb"))
    assert found.findings == ()
    total = found.volumes[found.volumes[["region", "touchpoint", "channel"]].isna().all(axis=1)].iloc[0]
    assert (total["week_responses"], total["usual_responses"], total["change_pct"]) == (132, 132, 0.0)
    nps = found.answers.set_index("score").loc["nps"]
    assert (nps["responses"], nps["missing_pct"], nps["distance"]) == (132, 0.0, 0.0)
    assert found.duplicates == 0


def test_the_committed_sample_world_is_quiet_in_its_latest_week(committed):
    found = report.build(committed, Filters())
    assert found.week == parse_week("2026-W46")
    assert found.as_of == date(2026, 11, 15)
    assert lines(found) == []
    assert set(found.freshness["status"]) == {freshness.FRESH}


@pytest.mark.slow
def test_the_committed_sample_world_is_quiet_in_every_week_since_2024(committed):
    """149 weeks (2024-W02 to 2026-W46), Christmas weeks included: no signal fires on the defaults."""
    week, fired, checked = parse_week("2024-W02"), {}, 0
    while week.end <= date(2026, 11, 15):
        found = report.build(committed, Filters(), week)
        fired |= {week.label: lines(found)} if found.findings else {}
        week, checked = Period("week", week.start + timedelta(weeks=1), week.end + timedelta(weeks=1)), checked + 1
    assert (checked, fired) == (149, {})


# --- planted signals --------------------------------------------------------------------------------------------


def _collapse(rows):
    """APAC's email trigger breaks in W46: 6 of its 33 responses arrive."""
    cut = [r for r in rows if in_review_week(r) and (r["region"], r["channel"]) == ("APAC", "email")][6:]
    return [r for r in rows if r not in cut]


def test_a_collapsed_channel_in_one_region_is_told_with_its_counts(tmp_path: Path):
    # APAC email: 6 against a usual 33 (-81.8%) while the other responses held (99 of 99): 81.8% beyond them. APAC
    # (39 of 66) and email (39 of 66) fell 40.9% beyond the others (66 of 66): under the 70% threshold.
    found = build(tiny_world(tmp_path / "cx.duckdb", _collapse))
    assert lines(found) == [
        "APAC email survey volume fell 82% this week (6 responses, usually 33): check the survey trigger."
    ]
    (finding,) = found.findings
    assert finding.pairs == (("region", "APAC"), ("channel", "email"))
    flagged = found.volumes[found.volumes["flagged"]]
    assert flagged[["week_responses", "usual_responses", "change_pct", "relative_change_pct"]].values.tolist() == [
        [6, 33, -81.8, -81.8]
    ]
    apac = found.volumes[
        found.volumes["region"].eq("APAC") & found.volumes[["touchpoint", "channel"]].isna().all(axis=1)
    ]
    assert apac[["change_pct", "relative_change_pct", "flagged"]].values.tolist() == [[-40.9, -40.9, False]]


def test_a_week_that_falls_everywhere_alike_is_one_line_not_one_per_slice(tmp_path: Path):
    # 30 of each cell's 33 responses missing: 12 of 132 (-90.9%); every slice fell alike (0% beyond the others).
    def everywhere(rows):
        return [r for r in rows if not in_review_week(r) or int(r["response_id"][-3:]) % 33 < 3]

    found = build(tiny_world(tmp_path / "cx.duckdb", everywhere))
    assert lines(found) == ["Survey volume fell 91% this week (12 responses, usually 132): check the survey trigger."]


def test_a_volume_collapse_is_seen_only_within_the_viewers_scope(tmp_path: Path):
    # Within APAC the email collapse is the channel's (6 of 33 while web held 33 of 33); EMEA's viewer sees nothing.
    path = tiny_world(tmp_path / "cx.duckdb", _collapse)
    apac = build(path, Filters(scope=AccessScope(regions=("APAC",))))
    emea = build(path, Filters(scope=AccessScope(regions=("EMEA",))))
    assert lines(apac) == [
        "Email survey volume fell 82% this week (6 responses, usually 33): check the survey trigger."
    ]
    assert lines(emea) == []
    assert set(emea.volumes["region"].dropna()) == {"EMEA"}


def test_a_changed_answer_scale_is_a_shift_with_its_ranges(tmp_path: Path):
    # W46's NPS answered on a 1-5 scale (1 + i % 5): 27, 27, 26, 26, 26 of 132 against 12 of 132 of each of 0-10 in
    # the baseline. Total variation = 0.5 x (sum over 1-5 of (p - 1/11) + 6/11) = 6/11 = 0.545.
    def five_point(rows):
        return [r | {"nps": 1 + int(r["response_id"][-3:]) % 5} if in_review_week(r) else r for r in rows]

    found = build(tiny_world(tmp_path / "cx.duckdb", five_point))
    nps = found.answers.set_index("score").loc["nps"]
    assert nps["distance"] == pytest.approx(6 / 11, abs=5e-4)
    assert nps["p_value"] < 1e-10
    assert lines(found) == [
        "Transactional NPS answers shifted abruptly this week (answers 1-5, usually 0-10; 55% of answers on other "
        "values than usual): check the scale or answer mapping of the latest load."
    ]
    assert found.findings[0].explains


def test_a_score_left_unanswered_is_told_against_its_usual_share(tmp_path: Path):
    def no_csat(rows):
        return [r | {"csat": None} if in_review_week(r) and int(r["response_id"][-3:]) % 2 else r for r in rows]

    found = build(tiny_world(tmp_path / "cx.duckdb", no_csat))
    assert lines(found) == [
        "CSAT was left unanswered in 50% of transactional responses this week (usually 0%): check the survey form "
        "or its mapping."
    ]


def test_resubmitted_responses_are_counted_as_duplicates(tmp_path: Path):
    # 10 of W46's responses sent again 3 minutes later: 10 of 142 responses (7.0%).
    def resent(rows):
        again = [r for r in rows if in_review_week(r)][:10]
        copies = [
            r
            | {
                "response_id": r["response_id"] + "-again",
                "responded_at": r["responded_at"].replace(minute=r["responded_at"].minute + 3),
            }
            for r in again
        ]
        return rows + copies

    found = build(tiny_world(tmp_path / "cx.duckdb", resent))
    assert found.duplicates == 10
    assert lines(found) == [
        "10 responses this week look like duplicates (the same customer, survey and answers within 10 minutes; 7.0% "
        "of the week): check the survey tool for resubmissions."
    ]


def test_one_resubmission_or_one_outside_the_window_is_not_a_problem(tmp_path: Path):
    def resent(rows):
        first, second = [r for r in rows if in_review_week(r)][:2]
        late = second["responded_at"].replace(minute=second["responded_at"].minute + 11)
        return rows + [first | {"response_id": "once"}, second | {"response_id": "late", "responded_at": late}]

    found = build(tiny_world(tmp_path / "cx.duckdb", resent))
    assert (found.duplicates, lines(found)) == (1, [])


# --- freshness ----------------------------------------------------------------------------------------------------

COMPLAINT = ("K1", "EMEA-01", datetime(2026, 11, 15, 10), None, "billing", "billing", "email", "low", "open")


def _financials(*months: date) -> list[tuple]:
    return [(m, "EMEA", "SMB", 100.0, 40.0, 30.0, 1, 0) for m in months]


def test_a_table_behind_the_others_is_late_then_stale(tmp_path: Path):
    # Complaints run to 15 Nov (the freshness day on the data's clock). Responses end on 6 Nov (a Friday): 9 days
    # behind, late (> 3), not stale (<= 10). Financials end with Aug 2026: 31 Aug to 15 Nov is 76 days, late (> 45).
    def to_6_november(rows):
        return [r for r in rows if r["responded_at"].date() <= date(2026, 11, 6)]

    path = tiny_world(
        tmp_path / "cx.duckdb", to_6_november, complaints=[COMPLAINT], financials=_financials(date(2026, 8, 1))
    )
    found = build(path, week=None)  # the latest complete week of the responses: W44
    table = found.freshness.set_index("table")
    assert found.as_of == date(2026, 11, 15)
    assert table.loc["responses", ["last_date", "days_behind", "status"]].tolist() == [date(2026, 11, 6), 9, "late"]
    assert table.loc["financials", ["covered_until", "days_behind", "status"]].tolist() == [
        date(2026, 8, 31),
        76,
        "late",
    ]
    assert table.loc["complaints", "status"] == "fresh" and table.loc["contacts", "status"] == "not loaded"
    assert lines(found) == [
        "Survey responses last dated 6 Nov 2026, 9 days behind the freshest table (late): nothing after 6 Nov 2026 is "
        "in the figures.",
        "Financials last dated 1 Aug 2026, 76 days behind the freshest table (late): months after Aug 2026 are "
        "missing.",
    ]
    assert found.lines(report.PAGE_TABLES["people"]) == (lines(found)[0],)


def test_on_a_clock_day_the_review_week_is_incomplete(tmp_path: Path, monkeypatch):
    # CX_QUALITY_AS_OF = 2026-11-24: responses end on 15 Nov, 9 days ago, and W47 (16-22 Nov) has none.
    monkeypatch.setenv("CX_QUALITY_AS_OF", "2026-11-24")
    found = build(tiny_world(tmp_path / "cx.duckdb"), week=parse_week("2026-W47"))
    assert lines(found)[0] == ("Survey responses last dated 15 Nov 2026, 9 days ago (late): this week is incomplete.")
    monkeypatch.setenv("CX_QUALITY_AS_OF", "2026-11-27")
    assert build(tiny_world(tmp_path / "b.duckdb")).freshness.set_index("table").loc["responses", "status"] == "stale"


def test_an_unreadable_clock_setting_is_named(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CX_QUALITY_AS_OF", "yesterday")
    with pytest.raises(ValueError, match="CX_QUALITY_AS_OF must be 'data', 'today' or YYYY-MM-DD, not 'yesterday'"):
        build(tiny_world(tmp_path / "cx.duckdb"))


def test_freshness_is_the_tables_and_a_region_that_stops_shows_in_its_volume(tmp_path: Path):
    # APAC's responses stop on 1 Nov; EMEA's run to 15 Nov. The table is fresh for everyone (a load brings every
    # region); APAC's W46 has none of its usual 66 responses (the median of 8 weeks, W45's 0 among them).
    def apac_stops(rows):
        return [r for r in rows if r["region"] == "EMEA" or r["responded_at"].date() <= date(2026, 11, 1)]

    path = tiny_world(tmp_path / "cx.duckdb", apac_stops)
    everyone, apac = build(path), build(path, Filters(scope=AccessScope(regions=("APAC",))))
    for found in (everyone, apac):
        assert found.freshness.set_index("table").loc["responses", ["days_behind", "status"]].tolist() == [0, "fresh"]
    assert lines(everyone) == [
        "APAC survey volume fell 100% this week (0 responses, usually 66): check the survey trigger."
    ]
    assert lines(apac) == ["Survey volume fell 100% this week (0 responses, usually 66): check the survey trigger."]


# --- loads --------------------------------------------------------------------------------------------------------


def _load(load_id: str, at: datetime, table: str, read: int, rejected: int) -> tuple:
    return (load_id, at, table, f"/data/{table}.csv", read, read - rejected, 0, 0, rejected, None)


def test_a_load_that_rejected_a_share_of_its_rows_is_told_to_those_who_see_everything(tmp_path: Path):
    # The latest load of responses rejected 12 of 240 rows (5%); the earlier one 50 of 100 is history.
    log = [
        _load("L1", datetime(2026, 11, 9, 8), "responses", 100, 50),
        _load("L2", datetime(2026, 11, 16, 8), "responses", 240, 12),
        _load("L2", datetime(2026, 11, 16, 8), "customers", 80, 0),
    ]
    path = tiny_world(tmp_path / "cx.duckdb", load_log=log)
    found = build(path)
    assert lines(found) == [
        "The latest load of responses (16 Nov 2026) rejected 5% of its rows (12 of 240): its figures may be short; "
        "the Data page lists why."
    ]
    assert found.rejects[["table", "rejected_pct", "latest", "flagged"]].values.tolist() == [
        ["customers", 0.0, True, False],
        ["responses", 5.0, True, True],
        ["responses", 50.0, False, False],
    ]
    assert lines(build(path, Filters(scope=AccessScope(regions=("EMEA",))))) == []


def test_every_threshold_is_documented_in_the_metrics_reference():
    text = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text()
    names = [s.name for s in config.SETTINGS if s.name.startswith("CX_QUALITY_")]
    assert len(names) == 13
    assert all(f"| `{name}` |" in text for name in names)


def test_duplicates_are_not_judged_in_a_week_under_the_minimum_n(tmp_path: Path):
    # W46 keeps 20 responses (under CX_MIN_N = 30), 5 of them sent twice: 5 of 25 look like duplicates, not judged.
    def small_week(rows):
        kept = [r for r in rows if not in_review_week(r)] + [r for r in rows if in_review_week(r)][:20]
        again = [r | {"response_id": r["response_id"] + "-again"} for r in kept[-5:]]
        return kept + again

    found = build(tiny_world(tmp_path / "cx.duckdb", small_week))
    assert found.duplicates == 5
    assert not any(f.kind == "duplicates" for f in found.findings)


def test_what_changed_does_not_narrate_the_fall_a_changed_scale_makes(tmp_path: Path):
    # W46's NPS answered on 1-5: every answer a detractor, transactional NPS from -45 to -100. Without the watch
    # the fall is narrated; with it, one bullet says the move is not reported and why.
    def five_point(rows):
        return [r | {"nps": 1 + int(r["response_id"][-3:]) % 5} if in_review_week(r) else r for r in rows]

    conn = duckdb.connect(str(tiny_world(tmp_path / "cx.duckdb", five_point)), read_only=True)
    plain = changes.detect(conn, Filters(), W46)
    watched = changes.detect(conn, Filters(), W46, report.build(conn, Filters(), W46))
    conn.close()
    assert any(c.metric == "transactional_nps" for c in plain)
    assert not any(c.metric == "transactional_nps" for c in watched)
    assert watched[-1].sentence.startswith(
        "Moves of Transactional NPS are not reported: a data problem explains them. Transactional NPS answers shifted"
    )


def test_a_real_change_of_opinion_is_not_a_changed_scale_but_new_or_abandoned_values_are():
    usual = np.array([10, 0, 0, 10, 0, 0, 0, 10, 0, 0, 20])  # answers 0, 3, 7 and 10 of the baseline's 0-10 scale
    moved = np.array([1, 0, 0, 2, 0, 0, 0, 7, 0, 0, 30])  # the same values, far more promoters: a real move
    rescaled = np.array([0, 10, 10, 10, 10, 0, 0, 0, 0, 0, 0])  # answers 1-4: new values, the usual ones abandoned
    assert drift.shift(moved, usual).distance >= 0.25 and not drift.values_changed(moved, usual)
    assert drift.values_changed(rescaled, usual)
    few = np.array([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 2])  # 4 answers: a missing value is expected by chance
    assert not drift.values_changed(few, usual)
