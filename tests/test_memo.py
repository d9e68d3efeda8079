"""What a read-only connection reads once (targets, first and last day, rollups) and a writable one every time: the
remembered facts are the facts."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd

from cxmetrics import db
from cxmetrics.query import frames as query
from cxmetrics.query import memo
from tests import metric_fixtures as fx


def _counter():
    """A read that returns how many times it has been called."""
    calls = []
    return lambda: calls.append(None) or len(calls)


def test_a_read_only_connection_remembers_each_fact_and_a_writable_one_reads_it_every_time(small_world_db) -> None:
    read_only, writable = db.connect_read_only(small_world_db), fx.new_db()
    read_a, read_b, read_again = _counter(), _counter(), _counter()
    assert [memo.remembered(read_only, "a", read_a) for _ in range(3)] == [1, 1, 1]
    assert memo.remembered(read_only, "b", read_b) == 1  # each fact on its own
    assert [memo.remembered(writable, "a", read_again) for _ in range(3)] == [1, 2, 3]
    assert memo.is_read_only(read_only) and not memo.is_read_only(writable)


def test_what_a_read_only_connection_remembers_is_what_a_fresh_read_gives(small_world_db, tmp_path) -> None:
    read_only = db.connect_read_only(small_world_db)
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(small_world_db, copy)
    writable = duckdb.connect(str(copy))

    def views(conn) -> list[pd.DataFrame]:
        return [
            query.snapshots(conn, ["nps", "revenue"]).frame(),
            query.metric_frame(conn, "nps", None, "month"),
            query.period_frame(conn, "csat", None, [query.latest_period(conn, "week")]),
        ]

    first = views(read_only)
    assert first[0]["target"].notna().any()
    for remembered, fresh in zip([*first, *views(read_only)], views(writable) * 2, strict=True):
        pd.testing.assert_frame_equal(remembered, fresh)


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
