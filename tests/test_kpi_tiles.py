"""Headline tiles of registry metrics: value, change against the prior period with its significance, and n."""

from __future__ import annotations

from datetime import date

import pytest

from cxmetrics.display import tiles as kpi_tiles
from cxmetrics.filters import Filters
from cxmetrics.periods import Period
from tests import metric_fixtures as fx

W46 = Period("week", fx.WEEK, fx.WEEK_END)
W45 = Period("week", date(2026, 11, 2), date(2026, 11, 8))


@pytest.fixture
def ops_db(monkeypatch):
    """The metric fixtures' operations world; minimum n 1 so that its tiny counts are shown."""
    monkeypatch.setenv("CX_MIN_N", "1")
    conn = fx.new_db()
    fx.operations_world(conn)
    return conn


def test_tiles_show_value_change_and_n(ops_db):
    recovery, resolve = kpi_tiles.tiles(ops_db, Filters(), W46, ["complaint_recovery_rate", "median_days_to_resolve"])
    # W46 (9-15 Nov): k1 recovered, k2 lost, k3 recovered -> 66.7%; W45 resolved nothing.
    assert (recovery.label, recovery.value, recovery.delta) == ("Complaint recovery rate", "66.7%", None)
    assert "n = 3 complaints resolved as recovered or lost." in recovery.help
    # Days to resolve 9.5, 2 and 1.25 -> median 2.0 days.
    assert resolve.value == "2.0 d"


def test_a_change_needs_both_periods(ops_db):
    (follow_up,) = kpi_tiles.tiles(ops_db, Filters(), W45, ["follow_up_2bd"])
    # W45: d1 and d3 in time of d1-d4 -> 50%; W44 had no detractors due.
    assert follow_up.value == "50.0%" and follow_up.delta is None and follow_up.comparison is None


def _row(delta: float, significant, prior_value: float = 50.0) -> dict:
    """A snapshot row of 60 with its change against the prior period."""
    return {
        "value": 60.0, "low": 55.0, "high": 65.0, "n": 40, "suppressed": False, "prior_value": prior_value,
        "prior_delta": delta, "prior_significant": significant,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("metric_id", "row", "delta", "colour", "arrow", "comparison"),
    [
        ("follow_up_2bd", _row(12.34, False), "+12.3 pts", "off", "auto", "vs 2026-W45 · not significant"),
        ("follow_up_2bd", _row(-2.0, True), "-2.0 pts", "normal", "auto", "vs 2026-W45 · significant"),
        ("follow_up_2bd", _row(0.02, True), "0.0 pts", "off", "off", "vs 2026-W45 · significant"),
        ("median_days_to_resolve", _row(-0.5, None), "-0.5", "inverse", "auto", "vs 2026-W45"),
        ("follow_up_2bd", _row(float("nan"), None, float("nan")), None, "off", "auto", None),
    ],
)
def test_a_tile_shows_the_change_its_colour_and_whether_it_is_real(metric_id, row, delta, colour, arrow, comparison):
    tile = kpi_tiles.tile(kpi_tiles.get_metric(metric_id), row, W45)
    assert (tile.delta, tile.delta_colour, tile.delta_arrow, tile.comparison) == (delta, colour, arrow, comparison)
    assert tile.value == kpi_tiles.get_metric(metric_id).format(60.0)
    assert tile.help.endswith(f"2026-W45: {kpi_tiles.get_metric(metric_id).format(row['prior_value'])}.")


def test_a_withheld_value_shows_its_count(ops_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "30")
    (recovery,) = kpi_tiles.tiles(ops_db, Filters(), W46, ["complaint_recovery_rate"])
    assert recovery.value == "Too few (n = 3)" and "Withheld: fewer than 30" in recovery.help
