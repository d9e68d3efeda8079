"""Weekly incremental loads: any subset of tables loads on top of an existing database."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics import db
from cxmetrics.ingest.load import load_folder
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, counts, write_folder

WEEK_RESPONSES = RESPONSES_HEADER + "R4,C1,2026-01-12,relationship,,email,9,,,\n"
EVENTS = "event_id,event_date,title,region,description\nE1,2026-01-12,Price change,,\n"
ATTRIBUTES = "response_id,attribute,rating\nR1,billing_accuracy,4\n"


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A database holding the good two-table folder."""
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "first", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    return target


@pytest.mark.parametrize(
    ("tables", "loaded_rows"),
    [
        ({"responses": WEEK_RESPONSES}, {"responses": (1, 1)}),
        ({"events": EVENTS}, {"events": (1, 1)}),
        ({"customers": CUSTOMERS}, {"customers": (2, 0)}),
        ({"response_attributes": ATTRIBUTES}, {"response_attributes": (1, 1)}),
        ({"responses": WEEK_RESPONSES, "events": EVENTS}, {"responses": (1, 1), "events": (1, 1)}),
    ],
)
def test_a_subset_of_tables_loads_on_top_of_an_existing_database(
    loaded: Path, tmp_path: Path, tables: dict[str, str], loaded_rows: dict[str, tuple[int, int]]
) -> None:
    report = load_folder(write_folder(tmp_path / "week", **tables), loaded)
    assert report.committed and report.rejects == []
    assert {t.table: (t.rows_read, t.inserted) for t in report.tables} == loaded_rows
    expected = {"customers": 2, "responses": 3 + loaded_rows.get("responses", (0, 0))[1]}
    assert counts(loaded) == expected


def test_a_weekly_load_keeps_what_earlier_loads_stored(loaded: Path, tmp_path: Path) -> None:
    load_folder(write_folder(tmp_path / "week", responses=WEEK_RESPONSES), loaded)
    conn = db.connect_read_only(loaded)
    ids = conn.execute("SELECT response_id FROM responses ORDER BY 1").fetchall()
    assert [i for (i,) in ids] == ["R1", "R2", "R3", "R4"]
