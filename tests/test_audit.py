"""The audit trail: one row per changed column, inserts in full, deletes as one row, read back newest first."""

from datetime import datetime

import duckdb
import pandas as pd

from cxmetrics.ingest import audit
from cxmetrics.ingest.schema import create_schema


def _conn() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    create_schema(conn)
    return conn


def test_update_writes_only_changed_columns_and_reads_back_newest_first() -> None:
    conn = _conn()
    first = datetime(2026, 11, 2, 9, 0)
    later = datetime(2026, 11, 3, 9, 0)
    insert = audit.Change("targets", "nps|2026-01-01|year||", "insert", new={"target": 30.0, "grain": "year"})
    update = audit.Change(
        "targets",
        "nps|2026-01-01|year||",
        "update",
        old={"target": 30.0, "grain": "year"},
        new={"target": 35.0, "grain": "year"},
    )
    assert audit.record(conn, "cx@example.com", [insert], at=first) == 2
    assert audit.record(conn, "admin@example.com", [update], at=later) == 1
    rows = audit.history(conn, "targets")
    assert list(rows["changed_by"]) == ["admin@example.com", "cx@example.com", "cx@example.com"]
    assert rows.iloc[0][["column_name", "old_value", "new_value"]].tolist() == ["target", "30.0", "35.0"]


def test_delete_is_one_row_and_missing_values_stay_missing() -> None:
    conn = _conn()
    audit.record(
        conn, "cx@example.com", [audit.Change("events", "e1", "insert", new={"title": "Launch", "region": None})]
    )
    audit.record(conn, "cx@example.com", [audit.Change("events", "e1", "delete")])
    rows = audit.history(conn)
    assert list(rows["change"]).count("delete") == 1
    inserted = rows[rows["change"] == "insert"].set_index("column_name")
    assert pd.isna(inserted.loc["region", "new_value"])
    assert (
        audit.record(conn, "x", [audit.Change("events", "e1", "update", old={"title": "A"}, new={"title": "A"})]) == 0
    )
