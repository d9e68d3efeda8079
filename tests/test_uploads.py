"""Files uploaded in the app: refused with a clear message when they cannot be loaded, a dry run that changes
nothing, then the command line's own load, recorded with who loaded it and seen by the next read at once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cxmetrics import db
from cxmetrics.access import LOCAL, Grant, NotAllowed
from cxmetrics.ingest import uploads
from cxmetrics.ingest.uploads import Upload, UploadRefused
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
MORE = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,10,,,\nR5,C1,2026-01-08,relationship,,email,11,,,\n"
CX = Grant(role="cx_team", email="cx@example.com")


def _load(target: Path, *files: Upload, dry_run: bool = False, grant: Grant = CX) -> uploads.Outcome:
    return uploads.load_contract_files(list(files), str(target), grant, "cx@example.com", dry_run=dry_run, limit_mb=1)


def _rows(target: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(target), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_dry_run_counts_adds_and_rejects_and_changes_nothing(minimal_db_copy: Path) -> None:
    before = db.file_identity(minimal_db_copy)
    outcome = _load(minimal_db_copy, Upload("responses.csv", MORE.encode()), dry_run=True)
    assert outcome.dry_run and outcome.kind == "data-contract files"
    assert outcome.counts.to_dict("records") == [
        {"file": "responses.csv", "table": "responses", "rows_read": 5, "add": 1, "replace": 0, "unchanged": 3}
        | {"drop": 0, "reject": 1}
    ]
    assert outcome.rejects.values.tolist() == [
        ["responses.csv", 6, "nps", "11", "out of range: 11 is not between 0 and 10"]
    ]
    assert db.file_identity(minimal_db_copy) == before
    assert _rows(minimal_db_copy, "SELECT count(*) FROM responses") == [(3,)]


def test_the_load_is_recorded_with_who_loaded_it_and_a_reader_moves_to_it(minimal_db_copy: Path) -> None:
    target = str(minimal_db_copy)
    pool = db.ReadOnlyPool()
    with pool.lease(target) as (conn, _):
        assert conn.execute("SELECT count(*) FROM responses").fetchone() == (3,)
    files = (Upload("responses.csv", MORE.encode()), Upload("customers.csv", CUSTOMERS.encode()))
    outcome = _load(minimal_db_copy, *files)
    assert not outcome.dry_run and outcome.rejected == 1
    with pool.lease(target) as (conn, _):
        assert conn.execute("SELECT count(*) FROM responses").fetchone() == (4,), "the swapped-in file, no restart"
    assert pool.open_versions(target) == 1, "the replaced version is closed once no run holds it"
    assert _rows(minimal_db_copy, "SELECT DISTINCT loaded_by FROM load_log WHERE loaded_by IS NOT NULL") == [
        ("cx@example.com",)
    ]
    again = _load(minimal_db_copy, Upload("responses.csv", MORE.encode()))
    assert again.counts[["add", "unchanged"]].values.tolist() == [[0, 4]], "loading the same file twice adds nothing"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (Upload("orders.csv", b"a,b\n1,2\n"), "orders.csv: not named after a table of the data contract"),
        (Upload("responses.xlsx", b"PK\x03\x04"), "responses.xlsx: not a file this upload takes (accepted: .csv"),
        (Upload("responses.csv", b""), "responses.csv: the file is empty"),
        (Upload("responses.csv", b"x" * (1024 * 1024 + 1)), "responses.csv: 1.0 MB is over the upload limit of 1 MB"),
        (Upload("responses.parquet", b"PAR1 not really"), "responses.parquet: cannot be read as Parquet"),
        (Upload("responses.csv.gz", b"not gzip"), "cannot be read (Not a gzipped file"),
        (Upload("responses.csv", "nps\n\xe9\n".encode("cp1252")), "responses.csv: line 2: not valid UTF-8"),
        (Upload("responses.csv", b"response_id,nps\nR9,9\n"), "line 1: column responded_at: missing required column"),
    ],
    ids=["name", "type", "empty", "size", "corrupt parquet", "corrupt gzip", "encoding", "columns"],
)
def test_a_file_that_cannot_be_loaded_is_refused_naming_it(minimal_db_copy: Path, upload: Upload, message: str) -> None:
    before = db.file_identity(minimal_db_copy)
    with pytest.raises(UploadRefused) as refused:
        _load(minimal_db_copy, upload)
    assert message in str(refused.value)
    assert "cx-upload-" not in str(refused.value), "the working folder is not shown"
    assert db.file_identity(minimal_db_copy) == before


def test_a_survey_tool_export_with_its_mapping_and_zone(minimal_db_copy: Path) -> None:
    export = Upload("qualtrics_current_nps.csv", (FIXTURES / "qualtrics_current_nps.csv").read_bytes())
    mapping = Upload("mapping.toml", b'survey = { value = "relationship" }\ncustomer_id = "ExternalReference"\n')
    args = (export, mapping, "Europe/Paris", "auto", str(minimal_db_copy), CX, "cx@example.com")
    preview = uploads.import_export(*args, dry_run=True, limit_mb=5)
    assert preview.kind == "survey-tool export" and preview.dry_run
    assert preview.counts["table"].tolist() == ["responses (qualtrics export)"]
    assert any("ExternalReference" in line for line in preview.mapping)
    assert _rows(minimal_db_copy, "SELECT count(*) FROM responses") == [(3,)]
    loaded = uploads.import_export(*args, dry_run=False, limit_mb=5)
    assert loaded.counts["add"].tolist() == preview.counts["add"].tolist()
    assert _rows(minimal_db_copy, "SELECT count(*) FROM responses") == [(3 + preview.counts["add"].iloc[0],)]
    assert _rows(minimal_db_copy, "SELECT DISTINCT loaded_by FROM load_log WHERE loaded_by IS NOT NULL") == [
        ("cx@example.com",)
    ]


def test_a_broken_mapping_is_refused(minimal_db_copy: Path) -> None:
    export = Upload("generic.csv", (FIXTURES / "generic_csat.csv").read_bytes())
    with pytest.raises(UploadRefused, match="mapping.toml: cannot read the mapping"):
        uploads.import_export(
            export, Upload("mapping.toml", b"nps = "), None, "csv", str(minimal_db_copy), CX, "cx", dry_run=True,
            limit_mb=5,
        )  # fmt: skip


@pytest.mark.parametrize("role", ["executive", "leader"])
def test_only_the_cx_team_and_admins_may_load(minimal_db_copy: Path, role: str) -> None:
    viewer = Grant(role=role, email="someone@example.com")
    with pytest.raises(NotAllowed, match=f"the {role} role cannot load or edit data"):
        _load(minimal_db_copy, Upload("responses.csv", MORE.encode()), grant=viewer)
    assert _load(minimal_db_copy, Upload("responses.csv", MORE.encode()), grant=LOCAL, dry_run=True).rejected == 1


def test_a_workbook_export_previews_as_its_csv_twin(minimal_db_copy: Path) -> None:
    """The upload takes what the importer reads: a Qualtrics .xlsx export previews the same rows as its CSV."""
    mapping = Upload("mapping.toml", b'survey = { value = "relationship" }\ncustomer_id = "ExternalReference"\n')
    previews = []
    for name in ("qualtrics_current_nps.xlsx", "qualtrics_current_nps.csv"):
        export = Upload(name, (FIXTURES / name).read_bytes())
        args = (export, mapping, "Europe/Paris", "auto", str(minimal_db_copy), CX, "cx@example.com")
        previews.append(uploads.import_export(*args, dry_run=True, limit_mb=5).counts)
    workbook, text = previews
    assert workbook["table"].tolist() == ["responses (qualtrics export)"]
    assert workbook.drop(columns="file").equals(text.drop(columns="file"))
