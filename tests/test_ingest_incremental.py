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
def loaded(minimal_db_copy: Path) -> Path:
    """A database holding the good two-table folder."""
    return minimal_db_copy


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


OWNED_CUSTOMERS = (
    "customer_id,name,region,segment,signup_date,account_owner\n"
    "C1,Acme Freight,EMEA,SMB,2024-01-05,Ann Lee\nC2,Borealis Health,APAC,Enterprise,2024-02-01,\n"
)
UNOWNED_CUSTOMERS = "customer_id,name,region,segment,signup_date\nC1,Acme Freight,EMEA,SMB,2024-01-05\n"
SCORES_ONLY = "response_id,customer_id,responded_at,survey,nps\nR1,C1,2026-01-05 10:00:00,relationship,9\n"


@pytest.mark.parametrize(
    ("first", "again", "query", "kept"),
    [
        (
            {"customers": OWNED_CUSTOMERS},
            {"customers": UNOWNED_CUSTOMERS},
            "SELECT account_owner FROM customers WHERE customer_id = 'C1'",
            "Ann Lee",
        ),
        (
            {"customers": CUSTOMERS},
            {"responses": SCORES_ONLY},
            "SELECT comment || ' / ' || csat FROM responses WHERE response_id = 'R1'",
            "Great partner / 5",
        ),
    ],
    ids=["account owner", "comment and csat"],
)
def test_a_file_without_an_optional_column_keeps_its_stored_values(
    tmp_path: Path, first: dict[str, str], again: dict[str, str], query: str, kept: str
) -> None:
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "first", **({"responses": GOOD_RESPONSES} | first)), target)
    report = load_folder(write_folder(tmp_path / "again", **again), target)
    assert [(t.inserted, t.updated, t.unchanged) for t in report.tables] == [(0, 0, 1)]
    assert db.connect_read_only(target).execute(query).fetchone() == (kept,)


def test_reloading_values_in_other_case_or_padding_adds_nothing(loaded: Path, tmp_path: Path) -> None:
    week = RESPONSES_HEADER + "r1 ,c1,2026-01-05 10:00:00,RELATIONSHIP,,EMAIL,9,5,,Great partner\n"
    customers = "customer_id,name,region,segment,signup_date\n\u00a0c2,Borealis Health,apac,enterprise,2024-02-01\n"
    report = load_folder(write_folder(tmp_path / "week", customers=customers, responses=week), loaded)
    assert [(t.table, t.inserted, t.updated, t.unchanged) for t in report.tables] == [
        ("customers", 0, 0, 1),
        ("responses", 0, 0, 1),
    ]
    assert counts(loaded) == {"customers": 2, "responses": 3}


def test_the_load_command_dry_run_reports_and_changes_nothing(loaded: Path, tmp_path: Path, capsys) -> None:
    from cxmetrics.cli import main

    before = db.file_identity(loaded)
    folder = write_folder(tmp_path / "week", responses=WEEK_RESPONSES + "R5,C1,2026-01-12,relationship,,email,12,,,\n")
    assert main(["load", str(folder), "--db", str(loaded), "--dry-run", "--quiet"]) == 1
    out = "".join(capsys.readouterr())
    assert "dry run: nothing was changed; 1 rows would be rejected" in out
    assert "responses.csv:3: column nps: out of range: 12 is not between 0 and 10" in out
    assert db.file_identity(loaded) == before and counts(loaded)["responses"] == 3
    assert main(["load", str(folder), "--db", str(loaded), "--quiet"]) == 1
    conn = db.connect_read_only(loaded)
    who = conn.execute("SELECT loaded_by FROM load_log WHERE inserted = 1 AND table_name = 'responses'").fetchall()
    assert len(who) == 1 and who[0][0].endswith(" (command line)")
