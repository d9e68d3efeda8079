"""The loader: every rejected-row rule with its exact message, idempotence, atomicity and strict mode."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics import db
from cxmetrics.ingest import load
from cxmetrics.ingest.load import StrictLoadAborted, load_folder
from cxmetrics.ingest.staging import LoadError
from cxmetrics.text import index as voice_index
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, counts, write_folder


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A database holding the good two-table folder."""
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "good", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    return target


def test_good_folder_loads_every_row(loaded: Path) -> None:
    assert counts(loaded) == {"customers": 2, "responses": 3}


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("R9,C1,2026-01-08,relationship,,email,abc,,,", "nps", "wrong type: 'abc' is not a whole number"),
        ("R9,C1,2026-01-08,relationship,,email,11,,,", "nps", "out of range: 11 is not between 0 and 10"),
        ("R9,C1,2026-01-08,relationship,,email,7.5,,,", "nps", "wrong type: '7.5' is not a whole number"),
        ("R9,C1,2026-01-08,transactional,billing,web,,0,,", "csat", "out of range: 0 is not between 1 and 5"),
        ("R9,C1,2026-01-08,transactional,billing,web,,,8,", "ces", "out of range: 8 is not between 1 and 7"),
        (
            "R1,C1,2026-01-08,relationship,,email,5,,,",
            "response_id",
            "duplicate key: (response_id) = (R1) already on line 2",
        ),
        (
            "R9,C404,2026-01-08,relationship,,email,5,,,",
            "customer_id",
            "unknown customer: customer_id 'C404' is not in customers",
        ),
        (
            "R9,C1,31/02/2026,relationship,,email,5,,,",
            "responded_at",
            "unparseable date: '31/02/2026' is not a date or timestamp YYYY-MM-DD[ HH:MM:SS]",
        ),
        (
            "R9,C1,2026-02-31,relationship,,email,5,,,",
            "responded_at",
            "unparseable date: '2026-02-31' is not a date or timestamp YYYY-MM-DD[ HH:MM:SS]",
        ),
        ("R9,C1,,relationship,,email,5,,,", "responded_at", "missing value: responded_at is required"),
        (
            "R9,C1,2026-01-08,weekly,,email,5,,,",
            "survey",
            "not an accepted value: 'weekly' (accepted: relationship, transactional)",
        ),
        ("R9,C1,2026-01-08,relationship,,email,,,,", None, "no score: nps, csat and ces are all empty"),
        (
            "R9,C1,1850-01-08,relationship,,email,5,,,",
            "responded_at",
            "implausible date: 1850-01-08 is outside 1900-2100",
        ),
    ],
)
def test_bad_response_row_is_rejected_with_its_reason(tmp_path: Path, row: str, column: str, reason: str) -> None:
    responses = RESPONSES_HEADER + "R1,C1,2026-01-05,relationship,,email,9,,,\n" + row + "\n"
    report = load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), tmp_path / "x.db")
    assert [(r.file, r.line, r.column, r.reason) for r in report.rejects] == [("responses.csv", 3, column, reason)]
    assert counts(tmp_path / "x.db")["responses"] == 1


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            "C3,X,EMEA,SMB,Retail,web,2024-05-01,2024-04-01",
            "churn_date",
            "churn_date 2024-04-01 is before signup_date 2024-05-01",
        ),
        (
            "C3,X,EMEA,SMB,Retail,web,2024-13-01,",
            "signup_date",
            "unparseable date: '2024-13-01' is not a date YYYY-MM-DD",
        ),
        ("C3,,EMEA,SMB,Retail,web,2024-05-01,", "name", "missing value: name is required"),
    ],
)
def test_bad_customer_row_is_rejected_with_its_reason(tmp_path: Path, row: str, column: str, reason: str) -> None:
    report = load_folder(
        write_folder(tmp_path / "in", customers=CUSTOMERS + row + "\n", responses=GOOD_RESPONSES), tmp_path / "x.db"
    )
    assert [(r.line, r.column, r.reason) for r in report.rejects] == [(4, column, reason)]


def test_rules_of_other_tables(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        customers=CUSTOMERS,
        responses=GOOD_RESPONSES,
        customer_revenue="customer_id,month,revenue_usd,gross_margin_usd,cost_to_serve_usd\n"
        "C1,2026-01-01,100,40,10\nC1,2026-02-15,100,40,10\nC1,2026-03-01,-5,40,10\n",
        complaints="complaint_id,customer_id,opened_at,resolved_at,category,process,channel,severity,outcome\n"
        "K1,C1,2026-01-10,2026-01-09,invoice error,billing,email,high,recovered\n"
        "K2,C1,2026-01-10,,invoice error,billing,email,urgent,open\n",
        contacts="contact_id,customer_id,contacted_at,channel,reason,resolved_first_contact,handle_minutes,cost_usd\n"
        "T1,C1,2026-01-10,phone,billing question,maybe,5,6\nT2,C1,2026-01-10,phone,billing question,yes,5,6\n",
        targets="metric,period_start,grain,region,segment,target\nnps,2026-01-01,quarter,,,35\n"
        "nps,2026-01-01,quarter,EMEA,,30\nnps,2026-01-01,fortnight,,,30\nhappiness,2026-01-01,quarter,,,30\n",
    )
    report = load_folder(folder, tmp_path / "x.db")
    found = {(r.table, r.line, r.column, r.reason) for r in report.rejects}
    assert found == {
        ("customer_revenue", 3, "month", "not the first day of a month: 2026-02-15"),
        ("customer_revenue", 4, "revenue_usd", "out of range: -5 is below the minimum of 0"),
        ("complaints", 2, "resolved_at", "resolved_at 2026-01-09 is before opened_at 2026-01-10"),
        ("complaints", 3, "severity", "not an accepted value: 'urgent' (accepted: low, medium, high, critical)"),
        ("contacts", 2, "resolved_first_contact", "wrong type: 'maybe' is not true or false"),
        ("targets", 4, "grain", "not an accepted value: 'fortnight' (accepted: week, month, quarter, year)"),
        (
            "targets",
            5,
            "metric",
            "unknown metric: 'happiness' is not in the metric registry (python -m cxmetrics metrics lists them)",
        ),
    }
    conn = db.connect_read_only(tmp_path / "x.db")
    assert conn.execute("SELECT region, segment FROM targets ORDER BY region").fetchall() == [("", ""), ("EMEA", "")]
    assert conn.execute("SELECT resolved_first_contact FROM contacts").fetchall() == [(True,)]


def test_rejects_are_kept_in_the_database_with_the_load_log(tmp_path: Path) -> None:
    responses = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,12,,,\n"
    target = tmp_path / "x.db"
    report = load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), target)
    conn = db.connect_read_only(target)
    assert conn.execute("SELECT table_name, file, line, column_name, value, reason FROM load_rejects").fetchall() == [
        ("responses", "responses.csv", 5, "nps", "12", "out of range: 12 is not between 0 and 10")
    ]
    log = conn.execute(
        "SELECT table_name, rows_read, inserted, rejected FROM load_log WHERE load_id = ?", [report.load_id]
    )
    assert sorted(log.fetchall()) == [("customers", 2, 2, 0), ("responses", 4, 3, 1)]


def test_line_numbers_count_physical_lines_of_multiline_fields(tmp_path: Path) -> None:
    responses = (
        RESPONSES_HEADER
        + 'R1,C1,2026-01-05,relationship,,email,9,,,"two\nlines"\n\nR2,C1,2026-01-05,relationship,,email,99,,,\n'
    )
    report = load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), tmp_path / "x.db")
    assert [r.line for r in report.rejects] == [5]


def test_missing_required_column_names_file_and_column_and_changes_nothing(loaded: Path, tmp_path: Path) -> None:
    before = db.file_identity(loaded)
    responses = "response_id,customer_id,survey,nps\nR7,C1,relationship,9\n"
    with pytest.raises(LoadError, match=r"responses\.csv: line 1: column responded_at: missing required column"):
        load_folder(write_folder(tmp_path / "bad", customers=CUSTOMERS, responses=responses), loaded)
    assert db.file_identity(loaded) == before
    assert counts(loaded) == {"customers": 2, "responses": 3}


def test_first_load_requires_customers_and_responses(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="required table responses is missing"):
        load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS), tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


def test_reloading_the_same_folder_adds_nothing(loaded: Path, tmp_path: Path) -> None:
    report = load_folder(write_folder(tmp_path / "good", customers=CUSTOMERS, responses=GOOD_RESPONSES), loaded)
    assert [(t.table, t.inserted, t.updated, t.unchanged) for t in report.tables] == [
        ("customers", 0, 0, 2),
        ("responses", 0, 0, 3),
    ]
    assert counts(loaded) == {"customers": 2, "responses": 3}


def test_a_corrected_row_replaces_the_old_one(loaded: Path, tmp_path: Path) -> None:
    corrected = GOOD_RESPONSES.replace(
        "R2,C2,2026-01-06,transactional,billing,web,3", "R2,C2,2026-01-06,transactional,billing,web,6"
    )
    report = load_folder(write_folder(tmp_path / "fix", customers=CUSTOMERS, responses=corrected), loaded)
    assert [(t.inserted, t.updated, t.unchanged) for t in report.tables] == [(0, 0, 2), (0, 1, 2)]
    conn = db.connect_read_only(loaded)
    assert conn.execute("SELECT nps FROM responses WHERE response_id = 'R2'").fetchone() == (6,)


def test_strict_load_with_a_reject_changes_nothing(loaded: Path, tmp_path: Path) -> None:
    before = db.file_identity(loaded)
    responses = (
        GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,8,,,\nR5,C1,2026-01-08,relationship,,email,11,,,\n"
    )
    with pytest.raises(StrictLoadAborted) as aborted:
        load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), loaded, strict=True)
    assert [r.line for r in aborted.value.report.rejects] == [6]
    assert db.file_identity(loaded) == before
    assert counts(loaded) == {"customers": 2, "responses": 3}


def test_a_load_failing_after_it_committed_rows_in_its_working_copy_changes_nothing(
    loaded: Path, tmp_path: Path, monkeypatch
) -> None:
    before = db.file_identity(loaded)

    def index_fails(conn, since=None) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(voice_index, "build", index_fails)  # the last step, after the rows and rollups committed
    monkeypatch.setattr(load, "STEPWISE_BYTES", 0)
    responses = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,8,,,\n"
    with pytest.raises(RuntimeError, match="disk full"):
        load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), loaded)
    assert db.file_identity(loaded) == before
    assert counts(loaded) == {"customers": 2, "responses": 3}
    assert [p.name for p in loaded.parent.iterdir() if p.name.startswith(f".{loaded.name}")] == []


def test_parquet_sources_report_row_numbers(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    rows = {
        "response_id": ["P1", "P2"],
        "customer_id": ["C1", "C1"],
        "responded_at": pa.array([1767225600000000, 1767225600000000], pa.timestamp("us")),
        "survey": ["relationship", "relationship"],
        "nps": pa.array([10, 42], pa.int16()),
    }
    pq.write_table(pa.table(rows), folder / "responses.parquet")
    report = load_folder(folder, tmp_path / "x.db")
    assert [str(r) for r in report.rejects] == [
        "responses.parquet: row 2: column nps: out of range: 42 is not between 0 and 10"
    ]
    assert counts(tmp_path / "x.db")["responses"] == 1


def test_a_table_given_twice_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS, responses=GOOD_RESPONSES)
    pq.write_table(pa.table({"customer_id": ["C1"]}), folder / "customers.parquet")
    with pytest.raises(LoadError, match="both customers.csv and customers.parquet exist"):
        load_folder(folder, tmp_path / "x.db")


def test_schema_rejects_what_the_loader_would(loaded: Path) -> None:
    conn = duckdb.connect(str(loaded))
    with pytest.raises(duckdb.ConstraintException):
        conn.execute(
            "INSERT INTO responses (response_id, responded_at, survey, nps) VALUES ('Z', now(), 'relationship', 11)"
        )


def _load_responses(tmp_path: Path, text: str):
    """Load the good customers with `text` as responses.csv into a fresh database."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "customers.csv").write_text(CUSTOMERS)
    (folder / "responses.csv").write_bytes(text.encode() if isinstance(text, str) else text)
    return load_folder(folder, tmp_path / "x.db"), tmp_path / "x.db"


def test_numbers_too_large_for_their_column_are_rejected_not_crashing(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        customers=CUSTOMERS,
        responses=RESPONSES_HEADER + "R9,C1,2026-01-08,relationship,,email,100000,,,\n",
        social_mentions="mention_id,posted_at,platform,region,text,reach\nM1,2026-01-08,X,EMEA,hi,9999999999\n",
    )
    report = load_folder(folder, tmp_path / "x.db")
    assert {(r.table, r.column, r.reason) for r in report.rejects} == {
        ("responses", "nps", "out of range: 100000 is not between 0 and 10"),
        ("social_mentions", "reach", "out of range: 9999999999 is beyond 2147483647, the largest this column holds"),
    }


def test_timestamps_with_an_offset_are_stored_in_utc(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    rows = (
        RESPONSES_HEADER
        + "R1,C1,2026-01-05 23:30:00+02:00,relationship,,email,9,,,\nR2,C1,2026-01-05 23:30,relationship,,email,9,,,\n"
    )
    _, target = _load_responses(tmp_path, rows)
    conn = db.connect_read_only(target)
    assert conn.execute("SELECT response_id, responded_at::VARCHAR FROM responses ORDER BY 1").fetchall() == [
        ("R1", "2026-01-05 21:30:00"),
        ("R2", "2026-01-05 23:30:00"),
    ]


def test_parquet_timestamps_with_a_time_zone_are_stored_in_utc(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    stamp = pa.array([1767569400000000], pa.timestamp("us", tz="UTC"))  # 2026-01-04 23:30 UTC, a Sunday
    rows = {"response_id": ["P1"], "customer_id": ["C1"], "responded_at": stamp, "survey": ["relationship"], "nps": [9]}
    pq.write_table(pa.table(rows), folder / "responses.parquet")
    load_folder(folder, tmp_path / "x.db")
    conn = db.connect_read_only(tmp_path / "x.db")
    assert conn.execute("SELECT responded_at::VARCHAR FROM responses").fetchone() == ("2026-01-04 23:30:00",)


def test_a_row_with_the_wrong_number_of_fields_is_rejected_with_its_line(tmp_path: Path) -> None:
    rows = (
        GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,9,,,,extra\nR5,C1,2026-01-08,relationship,,email,8,,,\n"
    )
    report, target = _load_responses(tmp_path, rows)
    assert [(r.line, r.column, r.reason) for r in report.rejects] == [
        (5, None, "malformed row: expected 10 fields, found 11")
    ]
    assert counts(target)["responses"] == 4
    assert [(t.table, t.rows_read, t.rejected) for t in report.tables][1] == ("responses", 5, 1)


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    text = GOOD_RESPONSES.encode() + "R4,C1,2026-01-08,relationship,,email,9,,,caf\xe9\n".encode("latin-1")
    with pytest.raises(LoadError, match=r"responses\.csv: line 5: not valid UTF-8 text"):
        _load_responses(tmp_path, text)


def test_columns_outside_the_contract_are_reported_and_fail_a_strict_load(tmp_path: Path) -> None:
    rows = GOOD_RESPONSES.replace(",comment\n", ",csat_score\n", 1)
    report, _ = _load_responses(tmp_path, rows)
    assert report.ignored_columns == ["responses.csv: csat_score"]
    with pytest.raises(StrictLoadAborted, match="0 rows rejected and 1 columns ignored"):
        load_folder(tmp_path / "in", tmp_path / "strict.db", strict=True)


def test_parquet_columns_that_differ_only_by_case_are_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    pq.write_table(pa.table({"response_id": ["P1"], "NPS": [9], "nps": [3]}), folder / "responses.parquet")
    with pytest.raises(LoadError, match="column 'nps' appears more than once"):
        load_folder(folder, tmp_path / "x.db")


def test_byte_order_mark_windows_line_ends_and_header_case_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + GOOD_RESPONSES.replace("response_id,customer_id", " Response_ID,Customer_Id").replace(
        "\n", "\r\n"
    )
    report, target = _load_responses(tmp_path, text)
    assert report.rejects == [] and counts(target)["responses"] == 3


def test_rows_pointing_at_rejected_rows_are_rejected_too(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        customers=CUSTOMERS + "C3,,EMEA,SMB,Retail,web,2024-05-01,\n",
        responses=GOOD_RESPONSES
        + "R4,C3,2026-01-08,relationship,,email,9,,,\nR5,C1,2026-01-08,relationship,,email,99,,,\n",
        response_attributes="response_id,attribute,rating\nR5,billing_accuracy,4\nR1,billing_accuracy,5\n",
    )
    report = load_folder(folder, tmp_path / "x.db")
    assert [(r.table, r.line, r.reason) for r in report.rejects if r.table != "customers"] == [
        ("responses", 5, "unknown customer: customer_id 'C3' is not in customers"),
        ("responses", 6, "out of range: 99 is not between 0 and 10"),
        ("response_attributes", 2, "unknown response: response_id 'R5' is not in responses"),
    ]


def test_the_embedded_database_is_rebuilt_when_its_data_or_the_loader_version_changes(tmp_path: Path) -> None:
    from cxmetrics.ingest.load import build_fingerprint, ensure_built
    from cxmetrics.text import sentiment

    folder = write_folder(tmp_path / "sample", customers=CUSTOMERS, responses=GOOD_RESPONSES)
    target = tmp_path / "cx.duckdb"
    assert ensure_built(target, folder) is True
    assert ensure_built(target, folder) is False
    conn = duckdb.connect(str(target))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'source_fingerprint'", [db.folder_fingerprint(folder)])
    conn.close()
    assert ensure_built(target, folder) is True, "a database built by an older loader version is rebuilt"
    assert build_fingerprint(folder).endswith(f":sentiment-{sentiment.fingerprint()}"), "and by an older scorer"
    (folder / "responses.csv").write_text(GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,9,,,\n")
    assert build_fingerprint(folder) != db.stored_fingerprint(target)
    assert ensure_built(target, folder) is True
    assert counts(target)["responses"] == 4


def test_a_load_runs_under_the_configured_memory_limit_else_a_quarter_of_the_machine_at_most_2gb(
    monkeypatch,
) -> None:
    monkeypatch.delenv("CX_LOAD_MEMORY", raising=False)
    machine_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    assert load.memory_limit() == f"{min(machine_mb // 4, 2048)}MiB"
    monkeypatch.setenv("CX_LOAD_MEMORY", "700MB")
    expected = duckdb.connect()
    expected.execute("SET memory_limit = '700MB'")
    conn = duckdb.connect()
    with load.transaction(conn):
        seen = conn.execute("SELECT current_setting('memory_limit')").fetchone()
    assert seen == expected.execute("SELECT current_setting('memory_limit')").fetchone() != ("0 bytes",)
