"""What changed: significant moves of NPS, CSAT and CES, where they happened, in words, with a link to explore them.

Hand-made sums first (each number checkable on paper), then the truths planted in the committed sample world.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cxmetrics import periods
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import HEADLINE_NPS
from cxmetrics.periods import Period, parse_week
from cxmetrics.quality.findings import MISSING, SHIFT, VOLUME, Finding
from cxmetrics.quality.report import QualityReport
from cxmetrics.query import moves
from cxmetrics.query.moves import windows
from cxmetrics.reports.scorecard import changes
from cxmetrics.reports.scorecard.changes import summarise
from cxmetrics.stats.discovery import false_discovery_bar
from tests.metric_fixtures import TRUTH_FILE

W46 = parse_week("2026-W46")
W45 = periods.prior(W46)


def nps(key: str, period: Period, promoters: int, passives: int, detractors: int, metric: str = HEADLINE_NPS) -> dict:
    """An NPS cell (the headline relationship NPS unless `metric` says): the sums the metric engine returns for a
    slice and period."""
    n = promoters + passives + detractors
    return {"metric": metric, "slice": key, "period_start": period.start, "period_end": period.end, "n": n,
            "promoters": promoters, "detractors": detractors}  # fmt: skip


def csat(key: str, period: Period, satisfied: int, n: int) -> dict:
    """A CSAT cell: ratings 4-5 out of n."""
    return {"metric": "csat", "slice": key, "period_start": period.start, "period_end": period.end, "n": n,
            "satisfied": satisfied}  # fmt: skip


def cells(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def flat(key: str, size: int = 400) -> list[dict]:
    """A slice whose NPS is +25 in both weeks (half promoters, a quarter detractors)."""
    return [nps(key, p, size // 2, size // 4, size // 4) for p in (W46, W45)]


# --- the comparisons ---------------------------------------------------------------------------------------------


def test_a_week_is_compared_with_the_week_before_and_its_last_4_weeks_with_the_13_before():
    since, recent = windows(W46)
    assert (since.lens, since.compared) == ("prior", W45)
    assert (recent.current.start, recent.current.end) == (date(2026, 10, 19), date(2026, 11, 15))
    assert (recent.compared.start, recent.compared.end) == (date(2026, 7, 20), date(2026, 10, 18))
    assert recent.during == "over the last 4 weeks" and recent.before == "in the 13 weeks before"


@pytest.mark.parametrize(
    ("period", "baseline"),
    [
        (Period("month", date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 7, 1), date(2026, 9, 30))),
        (Period("quarter", date(2026, 7, 1), date(2026, 9, 30)), (date(2025, 7, 1), date(2026, 6, 30))),
    ],
)
def test_a_month_is_compared_with_the_3_before_and_a_quarter_with_the_4_before(period, baseline):
    since, recent = windows(period)
    assert since.compared == periods.prior(period)
    assert (recent.current, (recent.compared.start, recent.compared.end)) == (period, baseline)


def test_a_year_to_date_is_compared_with_the_same_period_last_year():
    ytd = Period("ytd", date(2026, 1, 1), date(2026, 11, 15))
    (only,) = windows(ytd)
    assert (only.compared.start, only.compared.end) == (date(2025, 1, 1), date(2025, 11, 15))


@pytest.mark.parametrize(
    ("p_values", "kept"),
    [
        ([0.001, 0.02, 0.03, 0.5], [True, True, True, False]),  # thresholds .0125 .025 .0375 .05
        ([0.04, 0.01, 0.03], [True, True, True]),  # step-up: the largest p passes at .05, so all do
        ([0.02, 0.5], [True, False]),
        ([0.03, 0.04], [True, True]),
        ([0.04] + [0.9] * 40, [False] + [False] * 40),  # one p < .05 among 41 is expected by chance
        ([], []),
    ],
)
def test_benjamini_hochberg_keeps_what_survives_the_false_discovery_rate(p_values, kept):
    assert (np.array(p_values) <= false_discovery_bar(np.array(p_values))).tolist() == kept


# --- hand-made scans ---------------------------------------------------------------------------------------------


def test_a_big_drop_in_one_region_is_named_in_plain_words_with_its_link():
    # EMEA: +40 (P=200, D=40 of 400) in W45 -> -10 (P=100, D=140 of 400) in W46; APAC flat at +25.
    rows = [
        nps("region=EMEA", W45, 200, 160, 40),
        nps("region=EMEA", W46, 100, 160, 140),
        *flat("region=APAC"),
        nps("", W45, 400, 260, 140),
        nps("", W46, 300, 260, 240),
    ]
    found = summarise(cells(*rows), W46, Filters())
    emea = found[0]
    assert (emea.metric, emea.where, emea.direction, emea.significant) == (HEADLINE_NPS, "in EMEA", "down", True)
    assert emea.delta == pytest.approx(-50)
    assert emea.sentence.startswith(
        "Relationship NPS in EMEA fell 50 points to -10 since last week (was +40 in 2026-W45; "
    )
    assert "significant, n=400)" in emea.sentence
    assert emea.href == "./journey?week=2026-W46&region=EMEA"
    assert all("APAC" not in c.sentence for c in found)


def test_nothing_significant_says_so_instead_of_narrating_noise():
    # EMEA +25 -> +22 (n=400 each): |z| is about 0.4.
    rows = [nps("region=EMEA", W45, 200, 100, 100), nps("region=EMEA", W46, 194, 100, 106), *flat("")]
    (only,) = summarise(cells(*rows), W46, Filters())
    assert (only.direction, only.significant, only.href) == ("steady", False, None)
    assert only.sentence.startswith(
        "Nothing moved significantly in 2026-W46: relationship and transactional NPS, CSAT and CES are within the noise"
    )
    assert "(2 comparisons checked)" in only.sentence


def test_a_slice_below_the_minimum_n_is_not_reported_however_big_its_move():
    # 20 responses: from all promoters to all detractors, but n < 30.
    rows = [nps("region=LATAM", W45, 20, 0, 0), nps("region=LATAM", W46, 0, 0, 20)]
    (only,) = summarise(cells(*rows), W46, Filters())
    assert only.direction == "steady"
    assert only.sentence.startswith("Too few responses in 2026-W46 to tell a real move from noise")


def test_a_lone_marginal_move_among_many_comparisons_is_treated_as_chance():
    # One slice with z of about -2.1 (significant alone), 40 flat slices: not significant once 41 tests are counted.
    rows = [nps("segment=SMB", W45, 200, 100, 100), nps("segment=SMB", W46, 170, 100, 130)]
    rows += [r for i in range(40) for r in flat(f"region=R{i:02d}")]
    found = summarise(cells(*rows), W46, Filters())
    assert [c.direction for c in found] == ["steady"]


def test_a_well_measured_move_leads_a_small_n_swing_back_to_normal_after_a_spike():
    # LATAM, 30 answers a week: a one-week spike in W45 (NPS -30: 6 promoters, 15 detractors) and back to +30 in W46
    # (15 and 6): +60 points since last week, z = 2.84. EMEA, 100 answers a week: +30 in the 13 weeks before (650 -
    # 260 of 1,300), +16 over the last 4 weeks (168 - 104 of 400): -14 points, z = -3.07. The company is the sum.
    # Size x share put the swing first (60/200 x 30/130 = 0.069 against 14/200 x 400/520 = 0.054); evidence does not.
    since, recent = windows(W46)
    latam = {W45: (6, 9, 15), W46: (15, 9, 6), recent.current: (48, 36, 36), recent.compared: (156, 117, 117)}
    emea = {W45: (50, 30, 20), W46: (42, 30, 28), recent.current: (168, 128, 104), recent.compared: (650, 390, 260)}
    rows = []
    for period in latam:
        company = tuple(a + b for a, b in zip(latam[period], emea[period], strict=True))
        rows += [nps("region=LATAM", period, *latam[period]), nps("region=EMEA", period, *emea[period])]
        rows.append(nps("", period, *company))
    found = summarise(cells(*rows), W46, Filters())
    assert [c.where for c in found] == ["in EMEA", "in LATAM", "company-wide"]
    assert [round(c.z, 2) for c in found] == [-3.07, 2.84, -2.67]
    assert found[0].sentence.startswith("Relationship NPS in EMEA fell 14 points to +16 over the last 4 weeks (was +30")
    assert found[1].sentence.startswith(
        "Relationship NPS in LATAM rose 60 points to +30 since last week (was -30 in 2026-W45"
    )


def test_metrics_that_moved_in_the_same_slice_make_one_bullet_and_a_steady_note_follows_a_short_list():
    rows = [
        nps("touchpoint=billing", W45, 200, 160, 40, "transactional_nps"),
        nps("touchpoint=billing", W46, 100, 160, 140, "transactional_nps"),
        csat("touchpoint=billing", W45, 340, 400),  # 85% -> 45%
        csat("touchpoint=billing", W46, 180, 400),
    ]
    first, last = summarise(cells(*rows), W46, Filters())
    assert first.where == "at the billing touchpoint"
    # CSAT's fall is the stronger evidence (z = -11.9 against -9.8 for NPS): CSAT leads.
    assert first.sentence.startswith("CSAT at the billing touchpoint fell 40.0 points to 45.0% since last week")
    assert first.sentence.endswith("; Transactional NPS fell 50 points to -10.")
    assert (last.direction, last.sentence) == (
        "steady",
        "Everything else held steady: no other significant move in relationship or transactional NPS, CSAT or CES.",
    )


def test_at_most_six_bullets_the_biggest_first():
    rows = []
    for i in range(8):
        drop = 40 + 10 * i
        rows += [nps(f"region=R{i}", W45, 300, 0, 100), nps(f"region=R{i}", W46, 300 - drop, 0, 100 + drop)]
    found = summarise(cells(*rows), W46, Filters())
    assert [c.where for c in found] == [f"in R{i}" for i in (7, 6, 5, 4, 3, 2)]


def test_under_filters_the_sentence_names_the_filtered_view_and_the_link_keeps_the_filters():
    filters = Filters(regions=("EMEA",), touchpoints=("billing",))
    rows = [nps("", W45, 200, 160, 40, "transactional_nps"), nps("", W46, 100, 160, 140, "transactional_nps")]
    (found, _) = summarise(cells(*rows), W46, filters)
    assert found.sentence.startswith("Transactional NPS at the billing touchpoint in EMEA fell 50 points")
    assert found.query == "week=2026-W46&region=EMEA&touchpoint=billing"


def test_the_explore_link_carries_the_week_the_grain_and_every_filter():
    query = changes.explore_query(Filters(segments=("SMB",)), "region=EMEA&touchpoint=billing", "2026-W12", "month")
    assert query == "week=2026-W12&grain=month&region=EMEA&segment=SMB&touchpoint=billing"


# --- the committed sample world ------------------------------------------------------------------------------------

pytestmark_sample = pytest.mark.skipif(not TRUTH_FILE.exists(), reason="the sample world has not been generated")


def _event(truth: dict, region: str) -> dict:
    return next(e for e in truth["events"] if e["region"] == region and e["touchpoint"])


def _names_event(found, region: str, touchpoint: str) -> bool:
    """A bullet locates a fall at the event's touchpoint in its region."""
    return any(
        c.direction == "down" and dict(moves.slice_pairs(c.slice)) == {"region": region, "touchpoint": touchpoint}
        for c in found
    )


@pytestmark_sample
@pytest.mark.parametrize("week", ["2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14", "2026-W15"])
def test_the_emea_billing_migration_is_named_in_its_weeks(committed, truth, week):
    event = _event(truth, "EMEA")
    assert (event["start"], event["direction"]) == ("2026-03-02", "down")
    found = changes.detect(committed, Filters(), parse_week(week))
    assert _names_event(found, event["region"], event["touchpoint"]), [c.sentence for c in found]
    located = next(c for c in found if c.slice == "region=EMEA&touchpoint=billing")
    assert "at the billing touchpoint in EMEA fell" in located.sentence
    assert located.href.endswith("week=" + week + "&region=EMEA&touchpoint=billing")


@pytestmark_sample
@pytest.mark.parametrize("week", ["2026-W44", "2026-W45", "2026-W46"])
def test_the_apac_field_service_partner_change_is_named_in_the_last_weeks(committed, truth, week):
    event = _event(truth, "APAC")
    found = changes.detect(committed, Filters(), parse_week(week))
    assert _names_event(found, event["region"], event["touchpoint"]), [c.sentence for c in found]
    assert any("at the field service touchpoint in APAC fell" in c.sentence for c in found)


@pytestmark_sample
def test_the_migration_month_is_named_at_month_grain(committed):
    found = changes.detect(committed, Filters(), Period("month", date(2026, 3, 1), date(2026, 3, 31)))
    assert _names_event(found, "EMEA", "billing"), [c.sentence for c in found]


@pytestmark_sample
@pytest.mark.parametrize("week", ["2025-W30", "2025-W20"])
def test_a_quiet_week_says_nothing_moved(committed, week):
    (only,) = changes.detect(committed, Filters(), parse_week(week))
    assert only.direction == "steady" and not only.significant
    assert only.sentence.startswith(f"Nothing moved significantly in {week}")


def test_relationship_nps_is_scanned_without_touchpoints_and_not_under_a_touchpoint_filter(small_world):
    found = moves.scan(small_world, Filters(), W46)
    relationship = found[found["metric"] == HEADLINE_NPS]
    assert set(relationship["slice"].map(lambda key: tuple(d for d, _ in moves.slice_pairs(key)))) == {
        (),
        ("region",),
        ("segment",),
    }
    assert "touchpoint=billing" in set(found.loc[found["metric"] == "transactional_nps", "slice"])
    billing = moves.scan(small_world, Filters(touchpoints=("billing",)), W46)
    assert HEADLINE_NPS not in set(billing["metric"]) and "transactional_nps" in set(billing["metric"])


# --- moves a data problem explains or qualifies ------------------------------------------------------------------


def _with_problems(*found: Finding) -> QualityReport:
    """A data-quality report of W46 holding only `found`."""
    empty = pd.DataFrame()
    return QualityReport(W46, date(2026, 11, 15), "data", empty, empty, empty, 0, empty, found)


def _emea_fall_and_billing_csat() -> pd.DataFrame:
    """Relationship NPS fell 50 points in EMEA (and 25 company-wide); CSAT at billing fell from 85% to 45%."""
    return cells(
        nps("region=EMEA", W45, 200, 160, 40),
        nps("region=EMEA", W46, 100, 160, 140),
        nps("", W45, 400, 260, 140),
        nps("", W46, 300, 260, 240),
        csat("touchpoint=billing", W45, 340, 400),
        csat("touchpoint=billing", W46, 180, 400),
    )


def test_a_move_a_changed_answer_scale_explains_is_left_out_and_said_so():
    shift = Finding(
        SHIFT, "responses", "Relationship NPS answers shifted abruptly this week.", survey="relationship", score="nps"
    )
    found = summarise(_emea_fall_and_billing_csat(), W46, Filters(), _with_problems(shift))
    assert [c.metric for c in found if c.significant] == ["csat"]
    assert found[-1].sentence == (
        "Moves of Relationship NPS are not reported: a data problem explains them. Relationship NPS answers shifted "
        "abruptly this week."
    )
    assert all("EMEA" not in c.sentence for c in found)


def test_a_move_over_a_collapsed_channel_is_told_with_the_caveat_and_others_are_not():
    line = "EMEA email survey volume fell 82% this week (6 responses, usually 33): check the survey trigger."
    collapse = Finding(VOLUME, "responses", line, (("region", "EMEA"), ("channel", "email")))
    found = summarise(_emea_fall_and_billing_csat(), W46, Filters(), _with_problems(collapse))
    by_where = {c.where: c for c in found if c.significant}
    assert by_where["in EMEA"].caveat == line
    assert by_where["in EMEA"].sentence.endswith(f"). Data caveat: {line}")
    # EMEA's email is a small part of the company's and of billing's responses: their moves stand without it.
    assert by_where["company-wide"].caveat is None
    assert by_where["at the billing touchpoint"].caveat is None


def test_a_problem_elsewhere_changes_nothing():
    line = "APAC email survey volume fell 82% this week (6 responses, usually 33): check the survey trigger."
    elsewhere = Finding(VOLUME, "responses", line, (("region", "APAC"), ("channel", "email")))
    csat_only = Finding(MISSING, "responses", "CSAT was left unanswered.", survey="transactional", score="csat")
    plain = summarise(_emea_fall_and_billing_csat(), W46, Filters())
    found = summarise(_emea_fall_and_billing_csat(), W46, Filters(), _with_problems(elsewhere, csat_only))
    emea = next(c for c in found if c.where == "in EMEA")
    assert emea.caveat is None and emea.sentence == next(c for c in plain if c.where == "in EMEA").sentence
