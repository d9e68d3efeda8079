"""What a read-only connection reads once (targets, first and last day, rollups), and a writable one every time."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cxmetrics import db
from cxmetrics.query import frames as query
from tests import metric_fixtures as fx


def test_a_read_only_connection_reads_targets_extent_and_rollups_once(small_world_db) -> None:
    recording = fx.Recording(db.connect_read_only(small_world_db))
    first = query.snapshots(recording, ["nps", "revenue"]).frame()
    query.metric_frame(recording, "nps", None, "month")
    query.period_frame(recording, "csat", None, [query.latest_period(recording, "week")])
    assert recording.count("FROM targets") == 1
    assert recording.count("max(responded_at)") == 1
    assert recording.count("duckdb_columns()") == 1
    assert first["target"].notna().any()


def test_a_writable_connection_sees_its_own_new_targets() -> None:
    conn = fx.new_db()
    fx.cx_world(conn)
    before = query.snapshots(conn, ["nps"]).frame().iloc[0]
    assert pd.isna(before["target"])
    target = {"metric": "nps", "period_start": date(2026, 1, 1), "grain": "year", "region": "", "segment": ""}
    fx.insert(conn, "targets", [target | {"target": 5.0}])
    assert query.snapshots(conn, ["nps"]).frame().iloc[0]["target"] == 5.0
    fx.insert(conn, "responses", fx.responses("late", date(2026, 11, 23), nps=[10]))
    assert query.data_extent(conn) == date(2026, 11, 23)
