"""A large Parquet or CSV file loads in batches: the same rows, counts and rejects (with their row or line numbers)
as at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics import db
from cxmetrics.ingest import staging
from cxmetrics.ingest.load import load_folder
from tests.metric_fixtures import CUSTOMERS, counts, write_folder

RESPONSES = {
    "response_id": ["P1", "P2", "P3", "P4", "P2", "P6", "P7"],
    "customer_id": ["C1", "C2", "C1", "C9", "C1", "C2", "C1"],
    "responded_at": pa.array([1767225600000000] * 7, pa.timestamp("us")),
    "survey": ["relationship"] * 7,
    "nps": pa.array([10, 3, 42, 8, 9, 7, 0], pa.int16()),
}
EXPECTED_REJECTS = [
    "responses.parquet: row 3: column nps: out of range: 42 is not between 0 and 10",
    "responses.parquet: row 4: column customer_id: unknown customer: customer_id 'C9' is not in customers",
    "responses.parquet: row 5: column response_id: duplicate key: (response_id) = (P2) already on line 2",
]


def _write_parquet(folder: Path) -> None:
    pq.write_table(pa.table(RESPONSES), folder / "responses.parquet")


def _write_csv(folder: Path) -> None:
    (folder / "responses.csv").write_text(RESPONSES_CSV)


def _loaded(tmp_path: Path, name: str, write: Callable[[Path], object]) -> tuple[Any, Any, list, Path]:
    """Load a folder of the customers and the responses `write` puts in it: the report, its responses table, the
    stored responses (id, customer, NPS, comment) and the database."""
    folder = write_folder(tmp_path / f"in-{name}", customers=CUSTOMERS)
    write(folder)
    target = tmp_path / f"{name}.duckdb"
    report = load_folder(folder, target)
    table = next(t for t in report.tables if t.table == "responses")
    conn = db.connect_read_only(target)
    try:
        stored = conn.execute("SELECT response_id, customer_id, nps, comment FROM responses ORDER BY 1").fetchall()
    finally:
        conn.close()
    return report, table, stored, target


def _load(tmp_path: Path, name: str) -> tuple[list[str], tuple, list]:
    report, table, stored, target = _loaded(tmp_path, name, _write_parquet)
    counted = (table.rows_read, table.inserted, table.updated, table.unchanged, table.rejected)
    assert counts(target)["responses"] == 4
    return [str(r) for r in report.rejects], counted, [row[:3] for row in stored]


@pytest.mark.parametrize("batch_rows", [2, 3])
def test_a_file_loaded_in_batches_gives_what_it_gives_at_once(tmp_path: Path, monkeypatch, batch_rows) -> None:
    at_once = _load(tmp_path, "whole")
    monkeypatch.setattr(staging, "BATCH_ROWS", batch_rows)
    batched = _load(tmp_path, "batched")
    assert batched == at_once
    assert at_once[0] == EXPECTED_REJECTS
    assert at_once[1] == (7, 4, 0, 0, 3)


def test_batches_number_their_rows_from_the_start_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"response_id": [f"P{i}" for i in range(5)]}), path)
    lines = [b.rows["_line"].to_pylist() for b in staging.parquet_batches(path, rows=2)]
    assert lines == [[1, 2], [3, 4], [5]]


def test_an_empty_parquet_file_is_one_empty_batch(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"Response_ID": pa.array([], pa.string())}), path)
    batches = list(staging.parquet_batches(path))
    assert len(batches) == 1 and batches[0].rows.num_rows == 0
    assert batches[0].rows.column_names == ["response_id", "_line"]


# The same responses as CSV, with what only a CSV file can have: a blank line, a comment over two lines (the record
# after it starts two lines further on) and a record with too few fields.
RESPONSES_CSV = (
    "response_id,customer_id,responded_at,survey,nps,comment\n"
    "P1,C1,2026-01-01,relationship,10,\n"
    "P2,C2,2026-01-01,relationship,3,\n"
    "\n"
    "P3,C1,2026-01-01,relationship,42,\n"
    'P4,C9,2026-01-01,relationship,8,"two\nlines"\n'
    "P2,C1,2026-01-01,relationship,9,\n"
    "P6,C2,2026-01-01\n"
    "P7,C1,2026-01-01,relationship,0,\n"
)
EXPECTED_CSV_REJECTS = [
    "responses.csv:5: column nps: out of range: 42 is not between 0 and 10",
    "responses.csv:6: column customer_id: unknown customer: customer_id 'C9' is not in customers",
    "responses.csv:8: column response_id: duplicate key: (response_id) = (P2) already on line 3",
    "responses.csv:9: malformed row: expected 6 fields, found 3",
]


def _load_csv(tmp_path: Path, name: str) -> tuple[list[str], tuple, list]:
    report, table, stored, _ = _loaded(tmp_path, name, _write_csv)
    return [str(r) for r in report.rejects], (table.rows_read, table.inserted, table.rejected), stored


@pytest.mark.parametrize("batch_rows", [1, 2, 4])
def test_a_csv_file_loaded_in_batches_gives_what_it_gives_at_once(tmp_path: Path, monkeypatch, batch_rows) -> None:
    at_once = _load_csv(tmp_path, "whole")
    monkeypatch.setattr(staging, "BATCH_ROWS", batch_rows)
    batched = _load_csv(tmp_path, "batched")
    assert batched == at_once
    assert at_once[0] == EXPECTED_CSV_REJECTS
    assert at_once[1] == (7, 3, 4)
    assert [r[0] for r in at_once[2]] == ["P1", "P2", "P7"]


def test_csv_batches_number_their_lines_from_the_start_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('response_id,comment\nP0,a\nP1,"b\nc"\n\nP2,d\nP3,e\nP4,f\n')
    batches = list(staging.csv_batches(path, rows=2))
    assert [b.rows["_line"].to_pylist() for b in batches] == [[2, 3], [6, 7], [8]]
    assert [b.rows["response_id"].to_pylist() for b in batches] == [["P0", "P1"], ["P2", "P3"], ["P4"]]


def test_csv_batches_of_a_plain_file_are_numbered_in_order(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("response_id\n" + "".join(f"P{i}\n" for i in range(5)))
    assert [b.rows["_line"].to_pylist() for b in staging.csv_batches(path, rows=2)] == [[2, 3], [4, 5], [6]]


def test_a_csv_file_with_only_a_header_is_one_empty_batch(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Response_ID,comment\n")
    batches = list(staging.csv_batches(path))
    assert len(batches) == 1 and batches[0].rows.num_rows == 0
    assert batches[0].rows.column_names == ["response_id", "comment", "_line"]
