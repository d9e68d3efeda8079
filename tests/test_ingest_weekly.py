"""A weekly load refreshes the rollups and fact tables from the earliest day it changes: every derived table ends up
with the same rows as a database built from scratch from the same data."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cxmetrics import db
from cxmetrics.ingest import changes
from cxmetrics.ingest.load import load_folder
from cxmetrics.query import rollups

CUTOFF = "2026-11-02"  # the small world's last weeks and its last month's revenue arrive as a weekly load
# Each table's rows before the cutoff (as they stood then) and the rows the week brings (new, or updated).
SPLITS: dict[str, tuple[str, str]] = {
    "customers": (
        "SELECT * REPLACE (CASE WHEN churn_date < $cut THEN churn_date END AS churn_date) FROM t "
        "WHERE signup_date < $cut",
        "SELECT * FROM t WHERE signup_date >= $cut OR churn_date >= $cut",
    ),
    "responses": ("SELECT * FROM t WHERE responded_at < $cut", "SELECT * FROM t WHERE responded_at >= $cut"),
    "response_attributes": (
        "SELECT * FROM t WHERE response_id IN (SELECT response_id FROM responses WHERE responded_at < $cut)",
        "SELECT * FROM t WHERE response_id IN (SELECT response_id FROM responses WHERE responded_at >= $cut)",
    ),
    "follow_ups": (
        "SELECT * REPLACE (CASE WHEN closed_at < $cut THEN status ELSE 'open' END AS status, "
        "CASE WHEN closed_at < $cut THEN closed_at END AS closed_at) FROM t WHERE opened_at < $cut",
        "SELECT * FROM t WHERE opened_at >= $cut OR closed_at >= $cut",
    ),
    "complaints": (
        "SELECT * REPLACE (CASE WHEN resolved_at < $cut THEN outcome ELSE 'open' END AS outcome, "
        "CASE WHEN resolved_at < $cut THEN resolved_at END AS resolved_at) FROM t WHERE opened_at < $cut",
        "SELECT * FROM t WHERE opened_at >= $cut OR resolved_at >= $cut",
    ),
    "contacts": ("SELECT * FROM t WHERE contacted_at < $cut", "SELECT * FROM t WHERE contacted_at >= $cut"),
    "customer_revenue": (
        "SELECT * FROM t WHERE month < date_trunc('month', CAST($cut AS DATE))",
        "SELECT * FROM t WHERE month >= date_trunc('month', CAST($cut AS DATE))",
    ),
}


def _split(world: Path, base: Path, week: Path) -> None:
    """The world as two folders: everything before the cutoff, and the week's new and updated rows."""
    base.mkdir()
    week.mkdir()
    conn = duckdb.connect()
    conn.execute(f"CREATE VIEW responses AS FROM read_parquet('{world / 'responses.parquet'}')")
    for path in sorted(world.glob("*.parquet")):
        name = path.stem
        conn.execute(f"CREATE OR REPLACE VIEW t AS FROM read_parquet('{path}')")
        before, after = SPLITS.get(name, ("SELECT * FROM t", None))
        for sql, folder in ((before, base), (after, week)):
            if sql:
                params = {"cut": date.fromisoformat(CUTOFF)} if "$cut" in sql else {}
                conn.execute(f"COPY ({sql}) TO '{folder / path.name}' (FORMAT parquet)", params)
    conn.close()


def _derived_tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'rollup_') "
        "OR table_name IN ('voice_comments', 'voice_texts') ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows]


def _rows(conn, table: str) -> list[tuple]:
    """The table's rows, sorted by their columns other than doubles (a row's key)."""
    kinds = conn.execute(
        "SELECT data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
    ).fetchall()
    keys = [i for i, (kind,) in enumerate(kinds) if kind != "DOUBLE"]
    rows = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
    return sorted(rows, key=lambda row: repr([row[i] for i in keys]))


def _same(ours: tuple, theirs: tuple) -> bool:
    """Equal rows; doubles (sums of money and their squares, added in no fixed order) to 12 significant digits."""
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, rel_tol=1e-12) if isinstance(a, float) and isinstance(b, float) else a == b
        for a, b in zip(ours, theirs, strict=True)
    )


@pytest.fixture(scope="module")
def weekly(small_world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(the base folder, the week's folder, a database built from scratch from both)."""
    root = tmp_path_factory.mktemp("weekly")
    base, week = root / "base", root / "week"
    _split(small_world_dir, base, week)
    scratch = root / "scratch.duckdb"
    load_folder(base, scratch, fresh=True)
    load_folder(week, scratch, fresh=False)
    return base, week, scratch


def test_a_weekly_load_refreshes_from_its_reach_and_equals_a_build_from_scratch(weekly, tmp_path, monkeypatch) -> None:
    base, week, scratch = weekly
    rebuilt = tmp_path / "rebuilt.duckdb"
    load_folder(base, rebuilt, fresh=True)
    with duckdb.connect(str(scratch)) as conn:
        rollups.build(conn)  # the reference: every derived table from scratch over the same raw rows
    full_builds = []
    monkeypatch.setattr(rollups, "build", lambda conn: full_builds.append(conn))
    report = load_folder(week, rebuilt)
    assert full_builds == [] and report.reach is not None
    assert date(2026, 10, 1) <= report.reach <= date.fromisoformat(CUTOFF)
    reference, refreshed = db.connect_read_only(scratch), db.connect_read_only(rebuilt)
    try:
        tables = _derived_tables(reference)
        assert len(tables) >= 25 and tables == _derived_tables(refreshed)
        for table in tables:
            ours, theirs = _rows(refreshed, table), _rows(reference, table)
            assert len(ours) == len(theirs) > 0, table
            different = [(a, b) for a, b in zip(ours, theirs, strict=True) if not _same(a, b)]
            assert different == [], (table, different[:3])
    finally:
        reference.close()
        refreshed.close()


def test_a_customer_described_anew_rebuilds_everything(weekly, tmp_path) -> None:
    _, _, scratch = weekly
    target = tmp_path / "moved.duckdb"
    target.write_bytes(scratch.read_bytes())
    conn = duckdb.connect()
    moved = tmp_path / "moved"
    moved.mkdir()
    source, written = weekly[0] / "customers.parquet", moved / "customers.parquet"
    conn.execute(
        f"COPY (SELECT * REPLACE ('Other' AS segment) FROM read_parquet('{source}') LIMIT 1) "  # noqa: S608
        f"TO '{written}' (FORMAT parquet)"
    )
    assert load_folder(moved, target).reach == changes.FULL


def test_a_load_of_tables_no_derived_row_reads_refreshes_nothing(weekly, tmp_path) -> None:
    _, _, scratch = weekly
    target = tmp_path / "events.duckdb"
    target.write_bytes(scratch.read_bytes())
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "events.csv").write_text("event_id,event_date,title,region,description\nE99,2026-11-20,Note,,\n")
    assert load_folder(folder, target).reach is None
