"""period_frames: several metrics over a list of periods in one pass per source, the same frames as period_frame."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cxmetrics import db
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.query import frames as query

PERIODS = [
    Period("week", date(2026, 11, 9), date(2026, 11, 15)),
    Period("rolling", date(2026, 8, 17), date(2026, 11, 15)),
    Period("ytd", date(2026, 1, 1), date(2026, 11, 15)),
]


@pytest.mark.parametrize("by", [None, "region", "touchpoint"])
@pytest.mark.parametrize("filters", [Filters(), Filters(scope=AccessScope(("EMEA",)), segments=("SMB",))])
def test_period_frames_equal_one_period_frame_per_metric(small_world_db, by, filters) -> None:
    conn = db.connect_read_only(small_world_db)
    ids = ["nps", "csat", "ces"] + (["complaints_per_1000"] if by != "touchpoint" else [])
    frames = query.period_frames(conn, ids, filters, PERIODS, by=by)
    for metric_id in ids:
        single = query.period_frame(conn, metric_id, filters, PERIODS, by=by)
        pd.testing.assert_frame_equal(frames[metric_id], single, check_exact=False, rtol=1e-12)
        assert frames[metric_id].attrs == single.attrs


def test_no_periods_give_empty_frames(small_world_db) -> None:
    conn = db.connect_read_only(small_world_db)
    frames = query.period_frames(conn, ["nps", "revenue"], None, [])
    assert all(f.empty for f in frames.values())
    assert list(frames["nps"].columns) == list(query.period_frame(conn, "nps", None, []).columns)
