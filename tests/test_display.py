"""Shared presentation: the text, colour and arrow of a change, compact money, status words, and the notes about
missing tables and filters that do not apply."""

from __future__ import annotations

import pytest

from cxmetrics.display import columns, notes, style, tiles
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.reports.loyalty import risk

NAN = float("nan")


@pytest.mark.parametrize(
    ("metric_id", "delta", "short", "text"),
    [
        ("nps", -1.4, False, "-1 pts"),
        ("nps", 0.3, False, "0 pts"),
        ("csat", 2.345, False, "+2.3 pts"),
        ("csat", -0.04, False, "0.0 pts"),
        ("ces", -0.021, False, "-0.02"),
        ("revenue", 3_215_941.2, False, "+$3,215,941"),
        ("revenue", 3_215_941.2, True, "+$3.2M"),
        ("revenue", -3_215_941.2, True, "-$3.2M"),
        ("revenue", -436_205, True, "-$436,205"),
        ("cost_to_serve", 8.8, False, "+$9"),
        ("complaints_per_1000", -0.45, False, "-0.5"),
        ("median_days_to_resolve", 1.25, True, "+1.2"),
        ("follow_up_2bd", 12.34, True, "+12.3 pts"),
        ("enps", 4.6, True, "+5 pts"),
        ("nps", NAN, False, ""),
        ("nps", None, True, ""),
    ],
)
def test_a_change_is_signed_in_the_metric_unit_and_precision(metric_id, delta, short, text):
    assert tiles.change_text(get_metric(metric_id), delta, short=short) == text


@pytest.mark.parametrize(
    ("metric_id", "value", "text"),
    [
        ("revenue", 53_261_451, "$53.3M"),
        ("revenue", -1_250_000, "-$1.2M"),
        ("revenue", 950_000, "$950,000"),
        ("nps", 38.7, "+39"),
        ("csat", 76.69, "76.7%"),
        ("csat", NAN, "-"),
    ],
)
def test_tiles_show_millions_of_dollars_compactly(metric_id, value, text):
    assert tiles.compact(get_metric(metric_id), value) == text


@pytest.mark.parametrize(
    ("metric_id", "delta", "significant", "text"),
    [
        ("nps", 3.0, True, "significant"),
        ("nps", -3.0, False, "not significant"),
        ("nps", NAN, True, ""),
        ("nps", 3.0, None, ""),
        ("revenue", 1000.0, True, ""),
    ],
)
def test_a_sampled_change_says_whether_it_is_real(metric_id, delta, significant, text):
    assert tiles.verdict(get_metric(metric_id), delta, significant) == text


@pytest.mark.parametrize(
    ("metric_id", "shown", "verdict", "style"),
    [
        ("nps", "+3 pts", "significant", ("normal", "auto")),
        ("nps", "-3 pts", "significant", ("normal", "auto")),
        ("churn_rate", "+1.2 pts", "significant", ("inverse", "auto")),
        ("nps", "+3 pts", "not significant", ("off", "auto")),
        ("revenue", "+$3.2M", "", ("normal", "auto")),
        ("median_days_to_resolve", "-0.5", "", ("inverse", "auto")),
        ("nps", "0 pts", "not significant", ("off", "off")),
        ("csat", "0.0 pts", "significant", ("off", "off")),
        ("nps", "", "", ("off", "auto")),
    ],
)
def test_a_change_is_coloured_only_when_it_is_real_and_not_zero(metric_id, shown, verdict, style):
    assert tiles.change_style(get_metric(metric_id), shown, verdict) == style


@pytest.mark.parametrize(
    ("compared", "verdict", "text"),
    [("2026-W45", "not significant", "vs 2026-W45 · not significant"), ("Sep 2026", "", "vs Sep 2026")],
)
def test_a_change_says_what_it_is_against(compared, verdict, text):
    assert tiles.comparison(compared, verdict) == text


@pytest.mark.parametrize(
    ("status", "word", "meaning"),
    [
        ("on_target", "On target", "On target"),
        ("watch", "Watch", "Watch (miss within noise)"),
        ("off_target", "Off target", "Off target (significant)"),
        ("suppressed", "Too few", "Too few responses"),
        ("no_target", "No target", "No target"),
        ("no_data", "No data", "No data"),
        (None, "No target", "No target"),
        ("unknown", "No target", "No target"),
    ],
)
def test_every_status_has_one_short_word_and_one_meaning(status, word, meaning):
    assert (style.status_word(status), style.status_meaning(status)) == (word, meaning)


NEEDED = {"complaints": "complaint volume", "follow_ups": "the closed loop"}


@pytest.mark.parametrize(
    ("loaded", "missing", "note"),
    [
        ({"complaints", "follow_ups"}, (), None),
        (
            {"complaints"},
            ("follow_ups",),
            "Load `follow_ups` (the closed loop) to complete this page (see the Data page).",
        ),
        (
            set(),
            ("complaints", "follow_ups"),
            "Load `complaints` (complaint volume); `follow_ups` (the closed loop) to complete this page "
            "(see the Data page).",
        ),
    ],
)
def test_the_missing_note_says_what_each_table_adds(loaded, missing, note):
    assert notes.missing_tables(frozenset(loaded), NEEDED) == missing
    assert notes.missing_note(frozenset(loaded), NEEDED) == note


@pytest.mark.parametrize(
    ("filters", "ignored", "note"),
    [
        (Filters(), ("touchpoint", "channel"), None),
        (Filters(regions=("EMEA",)), ("touchpoint", "channel"), None),
        (
            Filters(touchpoints=("billing",)),
            ("touchpoint", "channel"),
            "The touchpoint filter does not apply to complaints: they show every touchpoint.",
        ),
        (
            Filters(touchpoints=("billing",), channels=("email",), regions=("EMEA",)),
            ("touchpoint", "channel"),
            "The channel and touchpoint filter does not apply to complaints: they show every channel and touchpoint.",
        ),
    ],
)
def test_the_filter_note_names_the_selected_filters_that_do_not_apply(filters, ignored, note):
    assert notes.filter_note(filters, ignored, "complaints") == note


def test_the_filter_note_speaks_of_the_figures_by_default():
    note = notes.filter_note(Filters(segments=("SMB",)), ("segment",))
    assert note == "The segment filter does not apply to these figures: they show every segment."


def test_the_risk_score_column_runs_to_the_highest_score():
    assert columns.COLUMNS["risk_score"].max_value == risk.MAX_SCORE
