"""An import's drops and notes are stored with its load, in load_log, and older databases gain the columns."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cxmetrics.ingest.imports import Options, import_files, load_folder
from cxmetrics.ingest.schema import create_schema
from tests.metric_fixtures import write_folder
from tests.test_imports import FIXTURES, SURVEYMONKEY_EXCEL, TYPEFORM, mapping, rows

LOGGED = (
    "SELECT source, rows_read, dropped_test, dropped_preview, dropped_unfinished, notes FROM load_log "
    "WHERE table_name = 'responses' AND notes IS NOT NULL ORDER BY loaded_at, source"
)


def test_drops_and_notes_are_stored_with_each_imported_export(minimal_db_copy: Path) -> None:
    """Typeform: one partial dropped, UTC stated; SurveyMonkey re-saved by Excel: three times without seconds."""
    setting = mapping("nps=#2")
    import_files([TYPEFORM], minimal_db_copy, setting, Options(timezone="Asia/Tokyo"))
    import_files([SURVEYMONKEY_EXCEL], minimal_db_copy, mapping("nps=#10"), Options(timezone="Europe/London"))
    logged = [(Path(r[0]).name, *r[1:]) for r in rows(minimal_db_copy, LOGGED)]
    assert logged == [
        (
            "typeform_nps.csv",
            2,
            0,
            0,
            1,
            "typeform export; time zone UTC (stated by the file; --timezone Asia/Tokyo not used)",
        ),
        (
            "surveymonkey_nps_excel.csv",
            3,
            0,
            0,
            0,
            "surveymonkey export; time zone Europe/London (given; the file states none); "
            "3 times have no seconds (an Excel re-save?); read as :00",
        ),
    ]


def test_a_folder_loads_exports_notes_are_stored_too(minimal_db_copy: Path) -> None:
    folder = write_folder(minimal_db_copy.parent / "week")
    (folder / "survey.xlsx").write_bytes((FIXTURES / "typeform_nps.xlsx").read_bytes())
    (folder / "survey.toml").write_text('survey = { value = "relationship" }\nnps = "#2"\n')
    load_folder(folder, minimal_db_copy)
    assert [r[2:] for r in rows(minimal_db_copy, LOGGED)] == [
        (0, 0, 1, "typeform export; time zone UTC (stated by the file)")
    ]


def test_a_database_made_before_the_columns_gains_them(tmp_path: Path) -> None:
    """load_log as the first version created it: the new columns are added empty, the old rows kept."""
    conn = duckdb.connect(str(tmp_path / "old.duckdb"))
    conn.execute(
        "CREATE TABLE load_log (load_id VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, table_name VARCHAR NOT NULL, "
        "source VARCHAR NOT NULL, rows_read BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, "
        "unchanged BIGINT NOT NULL, rejected BIGINT NOT NULL, PRIMARY KEY (load_id, table_name))"
    )
    conn.execute("INSERT INTO load_log VALUES ('a', now(), 'responses', 'r.csv', 1, 1, 0, 0, 0)")
    create_schema(conn)
    found = conn.execute("SELECT load_id, ignored_columns, dropped_test, notes FROM load_log").fetchall()
    conn.close()
    assert found == [("a", None, 0, None)]
