"""Exports as users really hand them over: other encodings and line ends, broken quotes, other zones and their clock
changes, names in other cases, a mapping without its export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cxmetrics.ingest.imports import ImportFailed, Options, import_files, load_folder, open_export
from tests.metric_fixtures import write_folder
from tests.test_imports import SM_NPS, SURVEYMONKEY, SURVEYMONKEY_EXCEL, TYPEFORM, mapping, rows

SM_HEAD = SURVEYMONKEY.read_text().splitlines()[:2]


def _unicode_text(source: Path, target: Path) -> Path:
    """`source` as Excel saves it as "Unicode text": UTF-16 with a byte-order mark, tab-separated."""
    cells = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(cells)
    target.write_text(out.getvalue(), encoding="utf-16")
    return target


def test_excel_unicode_text_is_read_with_its_lines(minimal_db_copy: Path) -> None:
    """UTF-16 and tabs; a rejected row names its line as in the CSV (the choice text on line 3 is unknown)."""
    path = _unicode_text(SURVEYMONKEY, minimal_db_copy.parent / "survey.txt")
    assert (open_export(path).tool, open_export(path).reading.delimiter) == ("surveymonkey", "\t")
    setting = mapping(f"nps={SM_NPS}", "csat=#11")
    report = import_files([path], minimal_db_copy, setting, Options(timezone="Europe/London"))
    assert [str(r) for r in report.rejects][0].startswith("survey.txt:3: column csat: unknown answer: 'Very satisfied'")


def test_a_semicolon_windows_1252_excel_resave_of_surveymonkey(minimal_db_copy: Path) -> None:
    path = minimal_db_copy.parent / "sm_semicolons.csv"
    path.write_bytes(SURVEYMONKEY_EXCEL.read_bytes().decode("cp1252").replace(",", ";").encode("cp1252"))
    report = import_files([path], minimal_db_copy, mapping("nps=#10", "comment=#12"), Options(timezone="Europe/London"))
    assert (report.files[0].counts["added"], report.files[0].converted.minute_only) == (3, 3)
    assert rows(minimal_db_copy, "SELECT comment FROM responses WHERE response_id = '114150000002'") == [
        ("Factures erronées deux fois",)
    ]


def test_old_mac_line_ends_are_read(minimal_db_copy: Path) -> None:
    path = minimal_db_copy.parent / "typeform_mac.csv"
    path.write_bytes(TYPEFORM.read_bytes().replace(b"\n", b"\r"))
    report = import_files([path], minimal_db_copy, mapping("nps=#2"), Options())
    assert report.files[0].counts["added"] == 2


def test_an_unterminated_quote_stops_the_import_with_its_line(minimal_db_copy: Path) -> None:
    """A quote opened in a comment swallows the next row; nothing is imported."""
    path = minimal_db_copy.parent / "sm_quote.csv"
    broken = "Invoices were wrong twice,Billing"
    path.write_text(SURVEYMONKEY.read_text().replace(broken, '"' + broken))
    with pytest.raises(ImportFailed, match="line 4: column #12: unterminated quote: .* runs over 1 lines that look"):
        import_files([path], minimal_db_copy, mapping("nps=#10"), Options(timezone="Europe/London"))
    assert rows(minimal_db_copy, "SELECT count(*) FROM responses") == [(3,)]


def test_a_quote_open_at_the_end_of_the_file_stops_the_import(minimal_db_copy: Path) -> None:
    path = minimal_db_copy.parent / "sm_open_end.csv"
    last = '114150000009,431000002,03/10/2026 08:00:00 AM,03/10/2026 08:02:30 AM,198.51.100.6,,,,,7,,"no end,,,'
    path.write_text(SURVEYMONKEY.read_text() + last + "\n")
    with pytest.raises(
        ImportFailed, match="sm_open_end.csv: line 6: column #12: unterminated quote: .* runs to the end"
    ):
        import_files([path], minimal_db_copy, mapping("nps=#10"), Options(timezone="Europe/London"))


def test_clock_changes_in_another_zone_are_rejected_not_guessed(minimal_db_copy: Path) -> None:
    """New York: 02:30 on 8 March 2026 never happened, 01:30 on 1 November happened twice; 02:30 then is fine."""
    lines = [
        "114150000901,431000001,03/08/2026 01:50:00 AM,03/08/2026 02:30:00 AM,198.51.100.4,,,,,9,,,,,",
        "114150000902,431000001,11/01/2026 01:10:00 AM,11/01/2026 01:30:00 AM,198.51.100.4,,,,,9,,,,,",
        "114150000903,431000001,11/01/2026 02:10:00 AM,11/01/2026 02:30:00 AM,198.51.100.4,,,,,9,,,,,",
    ]
    path = minimal_db_copy.parent / "sm_dst.csv"
    path.write_text("\n".join(SM_HEAD + lines) + "\n")
    report = import_files([path], minimal_db_copy, mapping("nps=#10"), Options(timezone="america/new_york"))
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejects] == [
        (3, "nonexistent local time in America/New_York"),
        (4, "ambiguous local time in America/New_York"),
    ]
    assert rows(
        minimal_db_copy,
        "SELECT strftime(responded_at, '%Y-%m-%d %H:%M') FROM responses WHERE response_id = '114150000903'",
    ) == [("2026-11-01 07:30",)]


def test_an_export_and_its_mapping_named_in_other_cases_go_together(minimal_db_copy: Path) -> None:
    """`Survey_Responses.CSV` beside `survey_responses.toml`: an export, not a misnamed responses table."""
    folder = write_folder(minimal_db_copy.parent / "week")
    (folder / "Survey_Responses.CSV").write_bytes(TYPEFORM.read_bytes())
    (folder / "survey_responses.toml").write_text('survey = { value = "relationship" }\nnps = "#2"\n')
    report, imported = load_folder(folder, minimal_db_copy)
    assert [f.counts["added"] for f in imported.files] == [2]


def test_a_mapping_without_its_export_stops_the_load(minimal_db_copy: Path) -> None:
    folder = write_folder(minimal_db_copy.parent / "week")
    (folder / "survey.toml").write_text('survey = { value = "relationship" }\n')
    (folder / "survey_export.csv").write_bytes(TYPEFORM.read_bytes())
    with pytest.raises(ImportFailed, match="survey.toml: a mapping with no export beside it: name the export survey"):
        load_folder(folder, minimal_db_copy)


def test_respondent_ids_excel_turned_into_scientific_notation_are_refused(tmp_path: Path) -> None:
    """Excel shows 114150000001 as 1.1415E+11 and saves it so: the ids are lost, so nothing is imported."""
    path = tmp_path / "sm_scientific.csv"
    path.write_text(SURVEYMONKEY.read_text().replace("114150000001,", "1.1415E+11,"))
    with pytest.raises(ImportFailed, match="line 3: the respondent id '1.1415E[+]11' was re-saved by Excel"):
        open_export(path)


def test_a_lone_quote_inside_an_unquoted_value_is_text_not_an_open_quote(minimal_db_copy: Path) -> None:
    path = minimal_db_copy.parent / "typeform_inch.csv"
    path.write_text(TYPEFORM.read_text().replace("Love it", 'Love the 5" screen'))
    import_files([path], minimal_db_copy, mapping("nps=#2", "comment=#4"), Options())
    assert rows(minimal_db_copy, "SELECT comment FROM responses WHERE nps = 10 AND comment LIKE 'Love%'") == [
        ('Love the 5" screen',)
    ]
