"""What an adversarial trial of the loader found: each kind of bad input, and what the loader now does with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics import db
from cxmetrics.ingest.load import load_folder
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, counts, write_folder


def _load_responses(tmp_path: Path, rows: str):
    """Load the good customers with `rows` under the responses header into a fresh database."""
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS, responses=RESPONSES_HEADER + rows)
    return load_folder(folder, tmp_path / "x.db"), tmp_path / "x.db"


def _rejects(report) -> list[tuple[str, int, str | None, str]]:
    return [(r.table, r.line, r.column, r.reason) for r in report.rejects]


@pytest.mark.parametrize(
    ("table", "text", "rejects"),
    [
        (
            "responses",
            RESPONSES_HEADER + "R4,C1,2099-01-08 10:00,relationship,,email,9,,,\n",
            [("responses", 2, "responded_at", "future date: 2099-01-08 10:00 is after the time of this load")],
        ),
        (
            "customers",
            CUSTOMERS + "C3,X,EMEA,SMB,Retail,web,2024-05-01,2098-12-31\n",
            [("customers", 4, "churn_date", "future date: 2098-12-31 is after the time of this load")],
        ),
        (
            "complaints",
            "complaint_id,customer_id,opened_at,resolved_at,category,outcome\nK1,C1,2026-01-01,2099-01-01,x,open\n",
            [("complaints", 2, "resolved_at", "future date: 2099-01-01 is after the time of this load")],
        ),
        ("targets", "metric,period_start,grain,target\nnps,2099-01-01,year,40\n", []),
        ("events", "event_id,event_date,title\nE1,2027-01-05,Planned price change\n", []),
        (
            "events",
            "event_id,event_date,title\nE1,2099-01-01,Typo for 2029\nE2,2025-12-01,Before any response\n",
            [
                (
                    "events",
                    line,
                    "event_date",
                    f"outside the data: {day} is not between the first survey response and a year after the last "
                    "(2026-01-05 to 2027-01-07)",
                )
                for line, day in ((2, "2099-01-01"), (3, "2025-12-01"))
            ],
        ),
    ],
    ids=[
        "response",
        "churn",
        "complaint resolved",
        "target ahead is fine",
        "planned event is fine",
        "event outside the data",
    ],
)
def test_dates_after_the_load_are_rejected_except_plans(
    tmp_path: Path, table: str, text: str, rejects: list[tuple]
) -> None:
    tables = {"customers": CUSTOMERS, "responses": GOOD_RESPONSES} | {table: text}
    report = load_folder(write_folder(tmp_path / "in", **tables), tmp_path / "x.db")
    assert _rejects(report) == rejects


def test_a_response_dated_up_to_14_hours_ahead_of_utc_is_accepted(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    ahead = (datetime.now(UTC) + timedelta(hours=13)).strftime("%Y-%m-%d %H:%M:%S")
    report, target = _load_responses(tmp_path, f"R4,C1,{ahead},relationship,,email,9,,,\n")
    assert report.rejects == [] and counts(target)["responses"] == 1


def _parquet_responses(tmp_path: Path, **columns) -> Path:
    """A folder with the good customers and a one-row responses.parquet with `columns` beside its required ones."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    rows = {"response_id": ["P1"], "customer_id": ["C1"], "responded_at": ["2026-01-05"], "survey": ["relationship"]}
    pq.write_table(pa.table(rows | columns), folder / "responses.parquet")
    return folder


def test_a_nan_score_in_parquet_is_read_as_missing(tmp_path: Path) -> None:
    import pyarrow as pa

    folder = _parquet_responses(tmp_path, nps=pa.array([float("nan")]), csat=pa.array([4.0]))
    report = load_folder(folder, tmp_path / "x.db")
    assert report.rejects == []
    row = db.connect_read_only(tmp_path / "x.db").execute("SELECT nps, csat FROM responses").fetchall()
    assert row == [(None, 4)]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            {"nps": [9], "comment": [["late", "rude"]]},
            "responses.parquet: column comment: holds lists (list<element: string>), not single values",
        ),
        (
            {"nps": [9], "comment": [b"caf\xe9"]},
            "responses.parquet: row 1: column comment: not valid UTF-8 text; store text columns as UTF-8 strings",
        ),
    ],
    ids=["list", "latin-1 bytes"],
)
def test_parquet_columns_that_are_not_text_are_refused(tmp_path: Path, column: dict, message: str) -> None:
    from cxmetrics.ingest.staging import LoadError

    with pytest.raises(LoadError) as refused:
        load_folder(_parquet_responses(tmp_path, **column), tmp_path / "x.db")
    assert str(refused.value) == message
    assert not (tmp_path / "x.db").exists()


def test_utf8_bytes_in_a_parquet_text_column_are_read_as_text(tmp_path: Path) -> None:
    load_folder(_parquet_responses(tmp_path, nps=[9], comment=["café".encode()]), tmp_path / "x.db")
    assert db.connect_read_only(tmp_path / "x.db").execute("SELECT comment FROM responses").fetchone() == ("café",)


def test_a_table_given_as_a_folder_of_parquet_parts_loads_every_part(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    parts = folder / "responses.parquet"
    parts.mkdir()
    for n in (1, 2):
        rows = {"response_id": [f"P{n}a", f"P{n}b"], "responded_at": ["2026-01-05"] * 2, "survey": ["relationship"] * 2}
        pq.write_table(pa.table(rows | {"nps": [n, 11]}), parts / f"part-{n}.parquet")
    report = load_folder(folder, tmp_path / "x.db")
    assert [str(r) for r in report.rejects] == [
        "responses.parquet/part-1.parquet: row 2: column nps: out of range: 11 is not between 0 and 10",
        "responses.parquet/part-2.parquet: row 2: column nps: out of range: 11 is not between 0 and 10",
    ]
    assert counts(tmp_path / "x.db")["responses"] == 2


def test_a_key_repeated_in_a_later_parquet_part_is_a_duplicate(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    (folder / "responses.parquet").mkdir()
    for n in (1, 2):
        rows = {"response_id": ["P1"], "responded_at": ["2026-01-05"], "survey": ["relationship"], "nps": [n]}
        pq.write_table(pa.table(rows), folder / "responses.parquet" / f"part-{n}.parquet")
    report = load_folder(folder, tmp_path / "x.db")
    assert [str(r) for r in report.rejects] == [
        "responses.parquet/part-2.parquet: row 1: column response_id: "
        "duplicate key: (response_id) = (P1) already in responses.parquet/part-1.parquet"
    ]
    conn = db.connect_read_only(tmp_path / "x.db")
    assert conn.execute("SELECT nps FROM responses").fetchall() == [(1,)]
    log = "SELECT source, rows_read, inserted, rejected FROM load_log WHERE table_name = 'responses'"
    assert conn.execute(log).fetchall() == [(str(folder / "responses.parquet"), 2, 1, 1)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("survey_responses.csv", "survey_responses.csv: not named after a table: did you mean responses.csv?"),
        ("Responses.CSV", "Responses.CSV: not named after a table: did you mean responses.csv?"),
        ("responses.csv.GZ", "responses.csv.GZ: not named after a table: did you mean responses.csv.gz?"),
        ("customer.parquet", "customer.parquet: not named after a table: did you mean customers.parquet?"),
        ("complaint_log.csv", "complaint_log.csv: not named after a table: did you mean complaints.csv?"),
        ("responses.xlsx", "responses.xlsx: not named after a table: did you mean responses.csv?"),
        (
            "responses/",
            "responses: not named after a table: did you mean responses.parquet (a folder of Parquet parts)?",
        ),
    ],
)
def test_a_file_named_nearly_after_a_table_is_an_error_naming_the_table(
    tmp_path: Path, name: str, message: str
) -> None:
    from cxmetrics.ingest.staging import LoadError

    target = tmp_path / "x.db"
    load_folder(write_folder(tmp_path / "first", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    before = db.file_identity(target)
    folder = tmp_path / "week"
    folder.mkdir()
    if name.endswith("/"):
        (folder / name).mkdir()
        (folder / name / "part-0.csv").write_text(GOOD_RESPONSES)
    else:
        (folder / name).write_text(GOOD_RESPONSES)
    with pytest.raises(LoadError) as refused:
        load_folder(folder, target)
    assert str(refused.value) == f"{message} Name each file exactly after its table, in lower case"
    assert db.file_identity(target) == before


def test_files_named_for_no_table_are_noted_and_ignored(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS, responses=GOOD_RESPONSES)
    (folder / "truth.json").write_text("{}")
    (folder / "README.txt").write_text("exported weekly")
    report = load_folder(folder, tmp_path / "x.db")
    assert report.ignored_files == ["README.txt"]


def test_a_3_mb_comment_loads_whole(tmp_path: Path) -> None:
    long = "slow " * 600_000
    rows = f"R1,C1,2026-01-05,relationship,,email,9,,,{long}\nR2,C1,2026-01-05,relationship,,email,7,,,ok\n"
    report, target = _load_responses(tmp_path, rows)
    assert report.rejects == []
    conn = db.connect_read_only(target)
    assert conn.execute("SELECT response_id, length(comment) FROM responses ORDER BY 1").fetchall() == [
        ("R1", len(long.strip())),
        ("R2", 2),
    ]


@pytest.mark.parametrize(
    ("customers", "responses", "query", "expected"),
    [
        (
            CUSTOMERS,
            "R4,\tC1\u00a0,2026-01-08,relationship,,email,9,,,\n",
            "SELECT customer_id FROM responses WHERE response_id = 'R4'",
            [("C1",)],
        ),
        (
            CUSTOMERS,
            "\u00a0R4\u200b,c1,2026-01-08,relationship,,email,9,,,\n",
            "SELECT response_id, customer_id FROM responses WHERE nps = 9 AND responded_at = '2026-01-08'",
            [("R4", "C1")],
        ),
        (
            CUSTOMERS + "c1,Acme again,EMEA,SMB,Logistics,referral,2024-01-05,\n",
            "",
            "SELECT customer_id, name FROM customers ORDER BY 1",
            [("C1", "Acme Freight"), ("C2", "Borealis Health")],
        ),
        (
            CUSTOMERS,
            "R4,C1,2026-01-08,transactional,SUPPORT,Email,9,,,\nR5,C1,2026-01-08,transactional, Support\t,EMAIL,9,,,\n",
            "SELECT DISTINCT touchpoint, channel FROM responses WHERE response_id IN ('R4', 'R5')",
            [("support", "email")],
        ),
        (
            CUSTOMERS
            + "C3,Cyan,emea ,smb,Retail,Referral,2024-05-01,\nC4,Dune,\u00a0Emea,SMB,Retail,web,2024-05-01,\n",
            "",
            "SELECT DISTINCT region, segment FROM customers WHERE customer_id IN ('C1', 'C3', 'C4')",
            [("EMEA", "SMB")],
        ),
        (
            CUSTOMERS,
            "R4,C1,2026-01-08,relationship,,email,9,,,\u00a0Quick  and\tkind \n",
            "SELECT comment FROM responses WHERE response_id = 'R4'",
            [("Quick  and\tkind",)],
        ),
    ],
    ids=["padded reference", "padded key, reference in other case", "key in other case", "codes", "labels", "text"],
)
def test_ids_codes_and_labels_are_normalised_on_load(
    tmp_path: Path, customers: str, responses: str, query: str, expected: list[tuple]
) -> None:
    folder = write_folder(tmp_path / "in", customers=customers, responses=GOOD_RESPONSES + responses)
    report = load_folder(folder, tmp_path / "x.db")
    assert db.connect_read_only(tmp_path / "x.db").execute(query).fetchall() == expected
    assert [(r.line, r.reason) for r in report.rejects] == (
        [(4, "duplicate key: (customer_id) = (C1) already on line 2")] if "Acme again" in customers else []
    )


def test_a_key_in_other_case_updates_the_stored_row(tmp_path: Path) -> None:
    target = tmp_path / "x.db"
    load_folder(write_folder(tmp_path / "first", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    week = "customer_id,name,region,segment,signup_date\n c2 ,Borealis Care,apac,enterprise,2024-02-01\n"
    report = load_folder(write_folder(tmp_path / "week", customers=week), target)
    assert [(t.inserted, t.updated) for t in report.tables] == [(0, 1)]
    conn = db.connect_read_only(target)
    assert conn.execute(
        "SELECT customer_id, name, region, segment FROM customers WHERE name LIKE 'Bor%'"
    ).fetchall() == [("C2", "Borealis Care", "APAC", "Enterprise")]


WHOLE = "is not a whole number"
STAMP = "is not a date or timestamp YYYY-MM-DD[ HH:MM:SS]"


@pytest.mark.parametrize(
    ("nps", "responded_at", "reason"),
    [
        ("1e1", "2026-01-08", f"wrong type: '1e1' {WHOLE}"),
        ("1_0", "2026-01-08", f"wrong type: '1_0' {WHOLE}"),
        (".9e1", "2026-01-08", f"wrong type: '.9e1' {WHOLE}"),
        ("0x9", "2026-01-08", f"wrong type: '0x9' {WHOLE}"),
        ("9", "2026/01/08", f"unparseable date: '2026/01/08' {STAMP}"),
        ("9", "2026-1-8", f"unparseable date: '2026-1-8' {STAMP}"),
        ("9", "epoch", f"unparseable date: 'epoch' {STAMP}"),
        ("9", "08.01.2026", f"unparseable date: '08.01.2026' {STAMP}"),
    ],
)
def test_numbers_and_dates_in_other_formats_are_rejected(tmp_path: Path, nps: str, responded_at: str, reason: str):
    report, target = _load_responses(tmp_path, f"R4,C1,{responded_at},relationship,,email,{nps},,,\n")
    column = "nps" if "whole" in reason else "responded_at"
    assert _rejects(report) == [("responses", 2, column, reason)]
    assert counts(target)["responses"] == 0


@pytest.mark.parametrize(
    ("nps", "responded_at", "stored"),
    [
        ("9.0", "2026-01-08", (9, "2026-01-08 00:00:00")),
        ("+9", "2026-01-08T10:00:00Z", (9, "2026-01-08 10:00:00")),
        ("9", "2026-01-08 10:00:00.5+05:30", (9, "2026-01-08 04:30:00.5")),
        ("9", "2026-01-08 10:00 Europe/Paris", (9, "2026-01-08 09:00:00")),
    ],
)
def test_the_formats_a_spreadsheet_or_pandas_writes_are_accepted(
    tmp_path: Path, nps: str, responded_at: str, stored: tuple
) -> None:
    report, target = _load_responses(tmp_path, f"R4,C1,{responded_at},relationship,,email,{nps},,,\n")
    assert report.rejects == []
    conn = db.connect_read_only(target)
    assert conn.execute("SELECT nps, responded_at::VARCHAR FROM responses").fetchone() == stored


@pytest.mark.parametrize(
    ("signup", "reason"),
    [
        ("2024/05/01", "unparseable date: '2024/05/01' is not a date YYYY-MM-DD"),
        ("2024-05-01 10:30", "unparseable date: '2024-05-01 10:30' is not a date YYYY-MM-DD"),
    ],
)
def test_a_date_column_takes_a_date(tmp_path: Path, signup: str, reason: str) -> None:
    customers = CUSTOMERS + f"C3,X,EMEA,SMB,Retail,web,{signup},\n"
    report = load_folder(write_folder(tmp_path / "in", customers=customers, responses=GOOD_RESPONSES), tmp_path / "x")
    assert _rejects(report) == [("customers", 4, "signup_date", reason)]


CLOSE_IT = 'close it (a quote inside a value is written as two: "")'
ROW = "R{n},C1,2026-01-08,relationship,,email,{nps},,,{comment}\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ROW.format(n=4, nps=9, comment='"oops')
            + ROW.format(n=5, nps=9, comment="")
            + ROW.format(n=6, nps=99, comment="x"),
            "responses.csv: line 2: column comment: unterminated quote: the quoted value that opens here "
            f"runs to the end of the file; {CLOSE_IT}",
        ),
        (
            ROW.format(n=4, nps=9, comment='"oops'),
            "responses.csv: line 2: column comment: unterminated quote: the quoted value that opens here "
            f"runs to the end of the file; {CLOSE_IT}",
        ),
        (
            'R4,C1,2026-01-08,relationship,"support,email,9,,,\n'
            + ROW.format(n=5, nps=9, comment="")
            + ROW.format(n=6, nps=7, comment='"fine"'),
            "responses.csv: line 2: column touchpoint: unterminated quote: the quoted value that opens here "
            f"runs over 2 lines that look like rows; {CLOSE_IT}",
        ),
    ],
    ids=["open to the end", "open on the last row", "closed by a later row"],
)
def test_an_unterminated_quote_stops_the_load_naming_its_line(tmp_path: Path, rows: str, message: str) -> None:
    from cxmetrics.ingest.staging import LoadError

    with pytest.raises(LoadError) as refused:
        _load_responses(tmp_path, rows)
    assert str(refused.value) == message
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    "comment",
    ['"two\nlines"', '5" screen', '"said ""hi"", then left"', '"a list:\nfirst, second, third"'],
    ids=["multi-line", "inch mark", "doubled quotes", "commas on a later line"],
)
def test_quotes_used_correctly_load(tmp_path: Path, comment: str) -> None:
    report, target = _load_responses(
        tmp_path, ROW.format(n=4, nps=9, comment=comment) + ROW.format(n=5, nps=8, comment="")
    )
    assert report.rejects == [] and counts(target)["responses"] == 2


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-16", "responses.csv: line 1: not valid UTF-8 text; save the file as UTF-8 and load it again"),
        ("cp1252", "responses.csv: line 5: not valid UTF-8 text; save the file as UTF-8 and load it again"),
    ],
)
def test_a_file_in_another_encoding_is_refused_naming_its_line(tmp_path: Path, encoding: str, message: str) -> None:
    from cxmetrics.ingest.staging import LoadError

    folder = write_folder(tmp_path / "in", customers=CUSTOMERS)
    rows = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,9,,,Caf\u00e9\n"
    (folder / "responses.csv").write_bytes(rows.encode(encoding))
    with pytest.raises(LoadError) as refused:
        load_folder(folder, tmp_path / "x.db")
    assert str(refused.value) == message


def test_targets_a_metric_cannot_reach_or_for_an_unknown_slice_are_rejected(tmp_path: Path) -> None:
    targets = (
        "metric,period_start,grain,region,segment,target\n"
        "nps,2026-01-01,quarter,,,140\n"
        "ces,2026-01-01,quarter,,,0.5\n"
        "nrr,2026-01-01,quarter,,,115\n"
        "like_for_like_growth,2026-01-01,quarter,,,-120\n"
        "nps,2026-01-01,quarter,Atlantis,,40\n"
        "csat,2026-01-01,quarter,emea,Galactic,80\n"
    )
    tables = {"customers": CUSTOMERS, "responses": GOOD_RESPONSES, "targets": targets}
    report = load_folder(write_folder(tmp_path / "in", **tables), tmp_path / "x.db")
    assert _rejects(report) == [
        ("targets", 2, "target", "impossible target: 140 is outside what nps can be (between -100 and 100)"),
        ("targets", 3, "target", "impossible target: 0.5 is outside what ces can be (between 1 and 7)"),
        ("targets", 5, "target", "impossible target: -120 is outside what like_for_like_growth can be (from -100)"),
        ("targets", 6, "region", "unknown region: 'Atlantis' is not a region of any customer"),
        ("targets", 7, "segment", "unknown segment: 'Galactic' is not a segment of any customer"),
    ]
    conn = db.connect_read_only(tmp_path / "x.db")
    assert conn.execute("SELECT metric FROM targets").fetchall() == [("nrr",)], "nrr can exceed 100"
