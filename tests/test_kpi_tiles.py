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


def test_a_change_says_whether_it_is_significant(ops_db):
    (follow_up,) = kpi_tiles.tiles(ops_db, Filters(), W45, ["follow_up_2bd"])
    # W45: d1 and d3 in time of d1-d4 -> 50%; W44 had no detractors due.
    assert follow_up.value == "50.0%" and follow_up.delta is None
    metric = kpi_tiles.get_metric("follow_up_2bd")
    assert kpi_tiles.change_text(metric, 12.34, False) == "+12.3 (not significant)"
    assert kpi_tiles.change_text(metric, -2.0, True) == "-2.0 (significant)"
    assert kpi_tiles.change_text(kpi_tiles.get_metric("median_days_to_resolve"), -0.5, None) == "-0.5"


def test_a_withheld_value_shows_its_count(ops_db, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "30")
    (recovery,) = kpi_tiles.tiles(ops_db, Filters(), W46, ["complaint_recovery_rate"])
    assert recovery.value == "Too few (n = 3)" and "Withheld: fewer than 30" in recovery.help
