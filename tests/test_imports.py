"""Survey-tool imports: detection of each format, drop rules, choice texts, time zones, and the loader's guarantees."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics import db
from cxmetrics.ingest.imports import (
    ImportFailed,
    Mapping,
    Options,
    StrictImportAborted,
    import_files,
    load,
    open_export,
    with_options,
)
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, write_folder

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
CURRENT = FIXTURES / "qualtrics_current_nps.csv"
CHOICE_TEXT = FIXTURES / "qualtrics_current_choice_text.csv"
INSIGHTS_2016 = FIXTURES / "qualtrics_2016_nps.csv"
SURVEYMONKEY = FIXTURES / "surveymonkey_nps.csv"
SURVEYMONKEY_EXCEL = FIXTURES / "surveymonkey_nps_excel.csv"
TYPEFORM = FIXTURES / "typeform_nps.csv"
GOOGLE_FORMS = FIXTURES / "google_forms_nps.csv"
GENERIC = FIXTURES / "generic_csat.csv"
REAL_CURRENT = FIXTURES / "qualtrics_current_real.csv"
REAL_LEGACY = FIXTURES / "qualtrics_legacy_real.csv"
SM_NPS = "How likely is it that you would recommend this company to a friend or colleague?"


@pytest.fixture
def target(minimal_db_copy: Path) -> Path:
    """A database holding customers C1 and C2 and three responses R1-R3."""
    return minimal_db_copy


def mapping(*columns: str, sets: tuple[str, ...] = ("survey=relationship",), toml: Path | None = None) -> Mapping:
    """A mapping from an optional TOML file and --map / --set entries."""
    return with_options(load(toml), list(columns), list(sets))


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query on a read-only connection."""
    conn = db.connect_read_only(path)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def responses(path: Path, *ids: str) -> dict[str, tuple]:
    """responded_at (as text), customer_id, nps, csat, ces and comment of the given responses."""
    found = rows(
        path,
        "SELECT response_id, strftime(responded_at, '%Y-%m-%d %H:%M:%S'), customer_id, nps, csat, ces, comment "
        "FROM responses WHERE list_contains(?, response_id)",
        [list(ids)],
    )
    return {r[0]: r[1:] for r in found}


@pytest.mark.parametrize(
    ("path", "tool"),
    [
        (REAL_CURRENT, "qualtrics"),
        (REAL_LEGACY, "qualtrics-legacy"),
        (CURRENT, "qualtrics"),
        (CHOICE_TEXT, "qualtrics"),
        (INSIGHTS_2016, "qualtrics-2016"),
        (SURVEYMONKEY, "surveymonkey"),
        (SURVEYMONKEY_EXCEL, "surveymonkey"),
        (TYPEFORM, "typeform"),
        (GOOGLE_FORMS, "google-forms"),
    ],
)
def test_each_format_is_detected_from_its_header_rows(path: Path, tool: str) -> None:
    assert open_export(path).tool == tool


def test_qualtrics_is_detected_on_its_id_rows_whatever_the_language_of_its_questions() -> None:
    """The real export has German labels; its ImportId row names the columns (QID1, _recordId, recordedDate)."""
    export = open_export(REAL_CURRENT)
    assert export.fields[export.index("Q1")].id == "QID1"
    assert export.fields[export.index("Antwort-ID")].id == "_recordId"
    assert (export.response_id, export.submitted_at) == ("_recordId", "recordedDate")


def test_legacy_qualtrics_reads_its_byte_order_mark_and_trailing_empty_column() -> None:
    export = open_export(REAL_LEGACY)
    assert export.fields[0].names == ("V1", "ResponseID")
    assert export.fields[-1].id == ""
    assert list(export.records()) == [
        (
            3,
            [
                "R_2YPOQ602ER1jkf1",
                "Standard-Antwortsatz",
                "Anonym",
                "",
                "",
                "130.92.34.66",
                "0",
                "2017-07-18 08:28:09",
                "2017-07-18 08:28:48",
                "1",
                "2",
                "Hello World!",
                "47.115097045898",
                "7.2315979003906",
                "-1",
                "",
            ],
        )
    ]


def test_an_unrecognised_file_is_refused_unless_imported_as_csv(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="recognises. Looked for: .* --source csv"):
        open_export(GENERIC)
    with pytest.raises(ImportFailed, match="--source typeform, but this is a surveymonkey export"):
        open_export(SURVEYMONKEY, "typeform")
    assert open_export(GENERIC, "csv").tool == "csv"


def test_real_exports_import_with_the_zone_the_user_gives(target: Path) -> None:
    """Both real Qualtrics files hold the same response: 08:28:48 in Zurich in July (UTC+2) is 06:28:48 UTC."""
    setting = mapping("nps=Q1", "comment=Q2")
    report = import_files([REAL_LEGACY], target, setting, Options(timezone="Europe/Zurich"))
    assert report.files[0].counts["added"] == 1
    assert responses(target, "R_2YPOQ602ER1jkf1") == {
        "R_2YPOQ602ER1jkf1": ("2017-07-18 06:28:48", None, 2, None, None, "Hello World!")
    }
    again = import_files([REAL_CURRENT], target, setting, Options(timezone="Europe/Zurich"))
    assert (again.files[0].counts["added"], again.files[0].counts["unchanged"]) == (0, 1)


def test_qualtrics_drops_test_preview_and_unfinished_responses_and_counts_them(target: Path) -> None:
    setting = mapping("customer_id=ExternalReference", "comment=QID3_TEXT")
    report = import_files([CURRENT], target, setting)
    assert report.files[0].counts == {
        "read": 6,
        "added": 3,
        "replaced": 0,
        "unchanged": 0,
        "dropped test": 1,
        "dropped preview": 1,
        "dropped unfinished": 1,
        "rejected": 0,
    }
    kept = import_files([CURRENT], target, setting, Options(keep_unfinished=True))
    assert (kept.files[0].counts["added"], kept.files[0].counts["dropped unfinished"]) == (1, 0)


def test_the_nps_question_is_found_by_its_nps_group_column_and_times_use_the_files_zone(target: Path) -> None:
    """America/Denver: 01:30 on 8 March 2026 is still MST (UTC-7); 9 and 10 March are MDT (UTC-6).

    The comment of R_2 spans two lines, so the next record starts on line 7 and the last on line 10.
    """
    import_files([CURRENT], target, mapping("customer_id=ExternalReference", "comment=QID3_TEXT"))
    assert responses(target, "R_1aaaaaaaaaaaaaa", "R_2bbbbbbbbbbbbbb", "R_6ffffffffffffff") == {
        "R_1aaaaaaaaaaaaaa": ("2026-03-08 08:30:00", "C1", 10, None, None, "Quick and friendly"),
        "R_2bbbbbbbbbbbbbb": ("2026-03-09 18:00:00", "C2", 6, None, None, "Slow support,\nthen fixed"),
        "R_6ffffffffffffff": ("2026-03-10 16:04:00", None, 8, None, None, None),
    }
    assert [line for line, _ in open_export(CURRENT).records()] == [4, 5, 7, 8, 9, 10]


def test_choice_text_is_mapped_and_an_unknown_answer_is_rejected_with_its_line(target: Path) -> None:
    report = import_files([CHOICE_TEXT], target, mapping(toml=FIXTURES / "qualtrics_choice_text.toml"))
    drops = ("dropped test", "dropped preview", "dropped unfinished", "added", "rejected")
    assert [report.files[0].counts[k] for k in drops] == [1, 1, 1, 2, 1]
    assert [(r.file, r.line, r.column, r.reason) for r in report.rejects] == [
        (
            "qualtrics_current_choice_text.csv",
            5,
            "csat",
            "unknown answer: 'Somewhat dissatisfied' is not a choice the mapping gives a value for csat",
        )
    ]
    assert responses(target, "R_1aaaaaaaaaaaaaa") == {
        "R_1aaaaaaaaaaaaaa": ("2026-03-08 08:30:00", "C1", 10, 5, None, "Quick and friendly")
    }
    assert rows(target, "SELECT channel FROM responses WHERE response_id = 'R_6ffffffffffffff'") == [("web",)]
    assert rows(target, "SELECT attribute, rating FROM response_attributes ORDER BY response_id, attribute") == [
        ("billing_accuracy", 5),
        ("support_responsiveness", 4),
        ("billing_accuracy", 4),
        ("support_responsiveness", 4),
    ]
    assert rows(target, "SELECT file, line, column_name, reason FROM load_rejects WHERE table_name = 'responses'") == [
        ("qualtrics_current_choice_text.csv", 5, "csat", report.rejects[0].reason)
    ]


@pytest.mark.parametrize("path", [INSIGHTS_2016, REAL_LEGACY, SURVEYMONKEY, GOOGLE_FORMS])
def test_a_file_that_states_no_zone_is_refused_without_timezone(target: Path, path: Path) -> None:
    before = db.file_identity(target)
    setting = mapping(f"nps={open_export(path).fields[2].id}") if path == GOOGLE_FORMS else mapping()
    with pytest.raises(ImportFailed, match="does not say which time zone .* --timezone ZONE .* does not guess"):
        import_files([path], target, setting)
    assert db.file_identity(target) == before


def test_insights_2016_export_with_a_given_zone(target: Path) -> None:
    """10:22:13 on 4 April 2016 in New York (EDT, UTC-4) is 14:22:13 UTC; the Status 2 row is a test."""
    setting = mapping("customer_id=ExternalDataReference", "comment=QID2_TEXT")
    report = import_files([INSIGHTS_2016], target, setting, Options(timezone="America/New_York"))
    assert report.files[0].counts["dropped test"] == 1
    assert responses(target, "R_16aaaaaaaaaaaaa")["R_16aaaaaaaaaaaaa"][:3] == ("2016-04-04 14:22:13", "C1", 9)


def test_surveymonkey_columns_by_question_or_position_and_excel_resave_flagged(target: Path) -> None:
    """London is on GMT (UTC+0) until 29 March; an Excel re-save keeps minutes only, and says so."""
    setting = mapping(f"nps={SM_NPS}", "comment=#12", "customer_id=Custom Data 1")
    report = import_files([SURVEYMONKEY], target, setting, Options(timezone="Europe/London"))
    assert (report.files[0].counts["added"], report.files[0].converted.minute_only) == (3, 0)
    assert responses(target, "114150000002")["114150000002"] == (
        "2026-03-09 13:04:10",
        "C2",
        3,
        None,
        None,
        "Invoices were wrong twice",
    )
    excel = import_files([SURVEYMONKEY_EXCEL], target, setting, Options(timezone="Europe/London"))
    assert (excel.files[0].counts["replaced"], excel.files[0].converted.minute_only) == (3, 3)
    assert responses(target, "114150000002")["114150000002"][0::5] == (
        "2026-03-09 13:04:00",
        "Factures erronées deux fois",
    )


def test_typeform_times_are_utc_and_partial_responses_are_unfinished(target: Path) -> None:
    setting = mapping("nps=#2", "csat=#3", sets=("survey=transactional", "touchpoint=support"))
    report = import_files([TYPEFORM], target, setting, Options(timezone="Asia/Tokyo"))
    assert report.files[0].plan.zone_note == "UTC (stated by the file; --timezone Asia/Tokyo not used)"
    assert report.files[0].counts["dropped unfinished"] == 1
    assert responses(target, "w8e2r6t0y4u1i9o3p7a5")["w8e2r6t0y4u1i9o3p7a5"][:5] == (
        "2026-03-10 00:05:02",
        None,
        4,
        2,
        None,
    )


def test_google_forms_local_times_across_the_change_to_summer_time(target: Path) -> None:
    """Berlin on 29 March 2026: 01:30 is CET (UTC+1) -> 00:30 UTC; 03:30 is CEST (UTC+2) -> 01:30 UTC."""
    setting = mapping("nps=#3", "comment=Anything else?")
    report = import_files([GOOGLE_FORMS], target, setting, Options(timezone="Europe/Berlin"))
    found = rows(
        target,
        "SELECT strftime(responded_at, '%Y-%m-%d %H:%M:%S'), nps FROM responses WHERE response_id "
        "LIKE 'google-forms-%' ORDER BY responded_at",
    )
    assert found == [("2026-03-29 00:30:00", 9), ("2026-03-29 01:30:00", 5)]
    assert [(r.line, r.column) for r in report.rejects] == [(4, "nps")]


def test_a_generic_csv_with_a_mapping_uses_the_offsets_its_times_carry(target: Path) -> None:
    """10:00 at +01:00 is 09:00 UTC; no --timezone is needed when every time states its offset."""
    report = import_files([GENERIC], target, mapping(toml=FIXTURES / "generic_csat.toml", sets=()), Options("csv"))
    assert report.files[0].counts["added"] == 2
    assert responses(target, "T-100") == {"T-100": ("2026-03-09 09:00:00", "C1", None, 5, 6, "Sorted quickly")}
    assert rows(target, "SELECT survey, touchpoint, channel FROM responses WHERE response_id = 'T-101'") == [
        ("transactional", "support", "email")
    ]


def test_reimporting_the_same_export_adds_nothing(target: Path) -> None:
    setting = mapping("customer_id=ExternalReference")
    first = import_files([CURRENT], target, setting)
    second = import_files([CURRENT], target, setting)
    assert (first.files[0].counts["added"], second.files[0].counts["added"]) == (3, 0)
    assert second.files[0].counts["unchanged"] == 3
    assert rows(target, "SELECT count(*) FROM responses") == [(6,)]


def test_a_dry_run_reports_the_counts_and_changes_nothing(target: Path) -> None:
    before = db.file_identity(target)
    report = import_files([CURRENT], target, mapping("customer_id=ExternalReference"), Options(dry_run=True))
    assert (report.dry_run, report.committed) == (True, False)
    assert report.files[0].counts["added"] == 3
    assert db.file_identity(target) == before
    assert rows(target, "SELECT count(*) FROM responses") == [(3,)]


def test_a_failed_import_changes_nothing(target: Path) -> None:
    """A strict import with a reject, and a batch whose second file is refused, both leave the database as it was."""
    before = db.file_identity(target)
    with pytest.raises(StrictImportAborted, match="1 rows rejected; strict import aborted"):
        import_files([CHOICE_TEXT], target, mapping(toml=FIXTURES / "qualtrics_choice_text.toml"), Options(strict=True))
    with pytest.raises(ImportFailed, match="time zone"):
        import_files([CURRENT, INSIGHTS_2016], target, mapping())
    assert db.file_identity(target) == before


def test_rejects_of_the_loader_keep_the_exports_line(target: Path) -> None:
    """An unknown customer is the loader's own rule; the line is the export's (a two-line record before it)."""
    text = CURRENT.read_text(encoding="utf-8-sig")
    path = target.parent / "export.csv"
    path.write_text(text.replace("R_6ffffffffffffff,,,,,", "R_6ffffffffffffff,,,,C404,"), encoding="utf-8")
    report = import_files([path], target, mapping("customer_id=ExternalReference"))
    assert [(r.file, r.line, r.column, r.reason) for r in report.rejects] == [
        ("export.csv", 10, "customer_id", "unknown customer: customer_id 'C404' is not in customers")
    ]


def test_a_customer_is_found_by_email(target: Path) -> None:
    folder = target.parent
    (folder / "emails.csv").write_text("email,customer_id\nana@example.com,C1\n")
    (folder / "map.toml").write_text('customer_id = { email = "Email address", lookup = "emails.csv" }\nnps = "#3"\n')
    setting = mapping(toml=folder / "map.toml")
    report = import_files([GOOGLE_FORMS], target, setting, Options(timezone="Europe/Berlin"))
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, "unknown email: 'bo@example.com' is not in the email lookup"),
        (4, "unknown email: 'cy@example.com' is not in the email lookup"),
        (4, "unknown answer: 'Extremely likely' is not a choice the mapping gives a value for nps"),
    ]
    assert rows(target, "SELECT customer_id FROM responses WHERE response_id LIKE 'google-forms-%'") == [("C1",)]


def test_the_command_line_overrides_the_mapping_file_and_refuses_unknown_keys(tmp_path: Path) -> None:
    setting = mapping("csat=score", toml=FIXTURES / "generic_csat.toml", sets=("touchpoint=billing",))
    assert (setting.sources["csat"].column, setting.sources["touchpoint"].value) == ("score", "billing")
    with pytest.raises(ImportFailed, match="unknown mapping key 'npss'"):
        mapping("npss=Q1")
    (tmp_path / "bad.toml").write_text('nps = { colum = "Q1" }\n')
    with pytest.raises(ImportFailed, match="bad.toml: nps: give a column name"):
        load(tmp_path / "bad.toml")
    with pytest.raises(ImportFailed, match="which survey is this"):
        import_files([CURRENT], tmp_path / "x.duckdb", Mapping())


def test_the_import_command_dry_run(target: Path, capsys: pytest.CaptureFixture) -> None:
    from cxmetrics.cli import main

    code = main(
        ["import", str(TYPEFORM), "--db", str(target), "--map", "nps=#2", "--set", "survey=relationship", "--dry-run"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "typeform_nps.csv: typeform export" in out
    assert "read 3, added 2, replaced 0, unchanged 0, dropped test 0, dropped preview 0, dropped unfinished 1" in out
    assert "dry run: nothing was changed" in out


def test_the_loader_imports_an_export_with_a_mapping_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`load DATA_DIR` imports `survey.csv` with `survey.toml` after the folder's tables; other files stay ignored."""
    from cxmetrics.cli import main

    folder = write_folder(tmp_path / "data", customers=CUSTOMERS, responses=GOOD_RESPONSES)
    (folder / "survey.csv").write_bytes(GOOGLE_FORMS.read_bytes())
    (folder / "survey.toml").write_text('survey = { value = "relationship" }\nnps = "#3"\ntimezone = "Europe/Berlin"\n')
    (folder / "notes.txt").write_text("not data")
    target = tmp_path / "cx.duckdb"
    assert main(["load", str(folder), "--db", str(target), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "survey.csv: google-forms export" in captured.out
    assert "survey.csv:4: column nps: unknown answer" in captured.err
    assert "note: ignored notes.txt" in captured.err and "ignored survey" not in captured.err
    assert rows(target, "SELECT count(*) FROM responses") == [(5,)]


def test_a_mapping_can_name_its_source(tmp_path: Path) -> None:
    (tmp_path / "map.toml").write_text((FIXTURES / "generic_csat.toml").read_text() + 'source = "csv"\n')
    assert load(tmp_path / "map.toml").source == "csv"
    (tmp_path / "bad.toml").write_text('source = "excel"\n')
    with pytest.raises(ImportFailed, match="source must be one of auto, qualtrics"):
        load(tmp_path / "bad.toml")


@pytest.mark.parametrize(
    ("text", "day_first", "written", "has_seconds"),
    [
        ("2026-03-09 10:15:42", False, "2026-03-09 10:15:42", True),
        ("2026-03-09T10:15:42Z", False, "2026-03-09 10:15:42+00:00", True),
        ("2026-03-09T10:15:42+05:30", False, "2026-03-09 10:15:42+05:30", True),
        ("2026-03-09 10:15", False, "2026-03-09 10:15:00", False),
        ("03/09/2026 01:04:10 PM", False, "2026-03-09 13:04:10", True),
        ("3/9/2026 13:04", False, "2026-03-09 13:04:00", False),
        ("09/03/2026 13:04:10", True, "2026-03-09 13:04:10", True),
        ("2026/03/29 3:30:00 AM", False, "2026-03-29 03:30:00", True),
        ("2026/03/29 3:30:00 AM GMT+2", False, "2026-03-29 03:30:00+02:00", True),
        ("09.03.2026 13:04", False, "2026-03-09 13:04:00", False),
    ],
)
def test_timestamps_as_the_tools_write_them(text: str, day_first: bool, written: str, has_seconds: bool) -> None:
    from cxmetrics.ingest.imports import timestamps

    value, seconds = timestamps.parse(text, day_first)
    assert (str(value), seconds) == (written, has_seconds)


def test_a_semicolon_separated_excel_resave_is_read(target: Path) -> None:
    """Excel in a comma-decimal locale saves with semicolons; the delimiter is taken from the first line."""
    lines = TYPEFORM.read_text().splitlines()
    path = target.parent / "typeform_excel.csv"
    path.write_text("\n".join(line.replace(",", ";") for line in lines) + "\n")
    report = import_files([path], target, mapping("nps=#2"))
    assert (report.files[0].plan.export.tool, report.files[0].counts["added"]) == ("typeform", 2)


def test_a_local_time_skipped_or_repeated_by_a_clock_change_is_rejected_not_guessed(target: Path) -> None:
    """In Berlin 02:30 on 29 March 2026 never happened and 02:30 on 25 October 2026 happened twice."""
    path = target.parent / "form.csv"
    head = GOOGLE_FORMS.read_text().splitlines()[0]
    path.write_text(f"{head}\n2026/03/29 2:30:00 AM,a@x.org,9,,\n2026/10/25 2:30:00 AM,b@x.org,9,,\n")
    report = import_files([path], target, mapping("nps=#3"), Options(timezone="Europe/Berlin"))
    assert [(r.line, r.column, r.reason) for r in report.rejects] == [
        (
            2,
            "responded_at",
            "nonexistent local time in Europe/Berlin (skipped when the clocks went forward): '2026/03/29 2:30:00 AM'",
        ),
        (
            3,
            "responded_at",
            "ambiguous local time in Europe/Berlin (it occurs twice when the clocks go back): '2026/10/25 2:30:00 AM'",
        ),
    ]


def test_the_import_command_refuses_without_a_zone_and_says_nothing_was_imported(
    target: Path, capsys: pytest.CaptureFixture
) -> None:
    from cxmetrics.cli import main

    code = main(["import", str(GOOGLE_FORMS), "--db", str(target), "--map", "nps=#3", "--set", "survey=relationship"])
    err = capsys.readouterr().err
    assert code == 1
    assert "google_forms_nps.csv: the file does not say which time zone its times are in" in err
    assert err.rstrip().endswith("nothing was imported")
