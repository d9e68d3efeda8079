"""Exports as workbooks (.xlsx) and in other languages: detected on structure, read with the CSV's rules and lines."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from cxmetrics.ingest.imports import ImportFailed, Mapping, Options, import_files, open_export
from tests.test_imports import FIXTURES, GENERIC, mapping, responses, rows

LANGUAGES = ("fr", "de", "es")
# (CSV twin, workbook, --map entries, zone): each pair must import to the same rows.
WORKBOOK_TWINS = [
    ("qualtrics_current_nps", ("customer_id=ExternalReference",), None),
    ("surveymonkey_nps", ("nps=#10", "comment=#12", "customer_id=Custom Data 1"), "Europe/London"),
    ("typeform_nps", ("nps=#2", "csat=#3"), None),
]


def _stored(target: Path) -> list[tuple]:
    """Every response but the three the minimal database starts with, as text."""
    return rows(
        target,
        "SELECT response_id, strftime(responded_at, '%Y-%m-%d %H:%M:%S'), customer_id, nps, csat, comment "
        "FROM responses WHERE response_id NOT IN ('R1', 'R2', 'R3') ORDER BY response_id",
    )


@pytest.mark.parametrize(("stem", "tool"), [(s, t) for s, t in zip(
    ("qualtrics_current_nps", "surveymonkey_nps", "typeform_nps", "google_forms_nps"),
    ("qualtrics", "surveymonkey", "typeform", "google-forms"), strict=True)])  # fmt: skip
def test_each_workbook_is_detected_like_its_csv(stem: str, tool: str) -> None:
    export = open_export(FIXTURES / f"{stem}.xlsx")
    assert (export.tool, export.reading.workbook) == (tool, True)


@pytest.mark.parametrize(("stem", "columns", "zone"), WORKBOOK_TWINS)
def test_a_workbook_imports_the_same_rows_as_its_csv(
    minimal_db_copy: Path, tmp_path: Path, stem: str, columns: tuple[str, ...], zone: str | None
) -> None:
    """Same ids, UTC times, scores and text; test, preview and unfinished dropped alike."""
    twin = tmp_path / "twin.duckdb"
    shutil.copyfile(minimal_db_copy, twin)
    csv_report = import_files([FIXTURES / f"{stem}.csv"], minimal_db_copy, mapping(*columns), Options(timezone=zone))
    book_report = import_files([FIXTURES / f"{stem}.xlsx"], twin, mapping(*columns), Options(timezone=zone))
    assert book_report.files[0].counts == csv_report.files[0].counts
    assert book_report.files[0].counts["added"] >= 2
    assert _stored(twin) == _stored(minimal_db_copy)


def test_a_workbooks_rejects_name_the_sheets_row(minimal_db_copy: Path) -> None:
    """Row 4 of the sheet answers 'Extremely likely', which the mapping does not know; its times have seconds."""
    setting = mapping("nps=#3")
    report = import_files(
        [FIXTURES / "google_forms_nps.xlsx"], minimal_db_copy, setting, Options(timezone="Europe/Berlin")
    )
    assert [(r.file, r.line, r.column) for r in report.rejects] == [("google_forms_nps.xlsx", 4, "nps")]
    assert report.files[0].converted.minute_only == 0
    assert rows(
        minimal_db_copy,
        "SELECT strftime(responded_at, '%H:%M') FROM responses WHERE response_id LIKE 'google-forms-%' ORDER BY 1",
    ) == [("00:30",), ("01:30",)]


def test_a_workbook_renamed_csv_is_still_read_as_a_workbook(minimal_db_copy: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "typeform_export.csv"
    shutil.copyfile(FIXTURES / "typeform_nps.xlsx", renamed)
    assert open_export(renamed).reading.workbook


def test_a_broken_workbook_is_refused_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "export.xlsx"
    broken.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(ImportFailed, match="export.xlsx: not a workbook this importer can read"):
        open_export(broken)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_surveymonkey_export_in_another_language_is_recognised_by_its_structure(
    minimal_db_copy: Path, language: str
) -> None:
    """Headers translated; ids and dates in the first four columns; the respondent id and end date found by place."""
    export = open_export(FIXTURES / f"surveymonkey_nps_{language}.csv")
    assert export.tool == "surveymonkey"
    assert export.has("Respondent ID") and export.has("End Date")
    setting = with_dmy(mapping("nps=#10", "comment=#11", "customer_id=#9"))
    report = import_files([export.path], minimal_db_copy, setting, Options(timezone="Europe/Paris"))
    assert report.files[0].counts["added"] == 2
    n = {"fr": 1, "de": 2, "es": 3}[language]
    found = responses(minimal_db_copy, f"1141500001{n}1", f"1141500001{n}2")
    assert found[f"1141500001{n}1"][:3] == ("2026-03-09 09:15:42", "C1", 9)
    assert found[f"1141500001{n}2"][:3] == ("2026-03-10 12:04:10", "C2", 3)


def with_dmy(setting: Mapping) -> Mapping:
    """The mapping with day-first slash dates, as French and Spanish accounts write them."""
    return replace(setting, day_first=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_typeform_export_in_another_language_is_recognised_by_its_structure(
    minimal_db_copy: Path, language: str
) -> None:
    """The submit date is the last (UTC) column; a response without one (a partial) is unfinished."""
    export = open_export(FIXTURES / f"typeform_nps_{language}.csv")
    assert (export.tool, export.stated_zone) == ("typeform", "UTC")
    assert export.submitted_at.endswith("(UTC)") and export.has("Submit Date (UTC)")
    report = import_files([export.path], minimal_db_copy, mapping("nps=#2"), Options())
    assert (report.files[0].counts["added"], report.files[0].counts["dropped unfinished"]) == (2, 1)
    assert rows(
        minimal_db_copy,
        "SELECT strftime(max(responded_at), '%Y-%m-%d %H:%M:%S') FROM responses WHERE length(response_id) = 32",
    ) == [("2026-03-10 00:05:02",)]


def test_an_unrecognised_file_says_what_was_looked_for() -> None:
    with pytest.raises(ImportFailed) as caught:
        open_export(GENERIC)
    message = str(caught.value)
    for tool in ("Qualtrics:", "SurveyMonkey:", "Typeform:", "Google Forms:"):
        assert tool in message
    assert "two header rows" in message and "--source csv" in message


@pytest.mark.parametrize(
    "text",
    [
        # a second row that is data, not sub-headers
        "id,ref,start,end,x\n1,2,2026-03-09,2026-03-09,a\n",
        # sub-headers, but a data row that does not start with two numeric ids and two dates
        "a,b,c,d,e\n,,,,Response\nx,y,z,w,9\n",
        # '#' first but no (UTC) column
        "#,score,date\nk3q9x1v7m2p8c4n6b0z5,9,2026-03-09\n",
        # '#' and (UTC) but a first column of line numbers, not tokens
        "#,score,Submitted (UTC)\n1,9,2026-03-09 10:00:00\n",
    ],
)
def test_lookalikes_are_not_taken_for_surveymonkey_or_typeform(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lookalike.csv"
    path.write_text(text)
    with pytest.raises(ImportFailed, match="not a survey-tool export"):
        open_export(path)
