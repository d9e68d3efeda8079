"""A data folder with survey-tool exports beside their mappings loads in one transaction: everything or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics import db
from cxmetrics.cli import main
from cxmetrics.ingest.imports import ImportFailed, Options, StrictImportAborted, load_folder
from cxmetrics.ingest.load import StrictLoadAborted
from cxmetrics.ingest.staging import LoadError
from tests.metric_fixtures import CUSTOMERS, RESPONSES_HEADER, write_folder

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
GOOGLE_FORMS = FIXTURES / "google_forms_nps.csv"
MAPPING = 'survey = { value = "relationship" }\nnps = "#3"\ntimezone = "Europe/Berlin"\n'
WEEK = RESPONSES_HEADER + "R10,C1,2026-01-12 09:00:00,relationship,,email,8,,,\n"
BAD_WEEK = WEEK + "R11,C1,2026-01-13 09:00:00,relationship,,email,11,,,\n"


def _state(target: Path) -> tuple:
    """Everything a load can change: the rows of responses and of the load's bookkeeping."""
    conn = db.connect_read_only(target)
    try:
        return tuple(
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT * FROM responses ORDER BY response_id",
                "SELECT count(*) FROM load_log",
                "SELECT count(*) FROM load_rejects",
            )
        )
    finally:
        conn.close()


def _folder(tmp_path: Path, responses: str = WEEK, export: str | None = None, mapping: str = MAPPING) -> Path:
    """This week's responses.csv and a Google Forms export `survey.csv` with its mapping `survey.toml`."""
    folder = write_folder(tmp_path / "week", responses=responses)
    (folder / "survey.csv").write_text(export if export is not None else GOOGLE_FORMS.read_text())
    (folder / "survey.toml").write_text(mapping)
    return folder


def _ids(target: Path) -> set[str]:
    conn = db.connect_read_only(target)
    try:
        return {r[0] for r in conn.execute("SELECT response_id FROM responses").fetchall()}
    finally:
        conn.close()


def test_the_folders_files_and_its_export_commit_together(minimal_db_copy: Path) -> None:
    report, imported = load_folder(_folder(minimal_db_copy.parent), minimal_db_copy)
    assert report.committed and imported.committed
    assert [f.counts["added"] for f in imported.files] == [2]
    assert {"R1", "R2", "R3", "R10"} <= _ids(minimal_db_copy)
    assert len(_ids(minimal_db_copy)) == 6


def test_a_refused_export_leaves_the_folders_files_unloaded(minimal_db_copy: Path) -> None:
    """The mapping gives no zone and the export states none: the refusal comes before anything is written."""
    before = _state(minimal_db_copy)
    folder = _folder(minimal_db_copy.parent, mapping='survey = { value = "relationship" }\nnps = "#3"\n')
    with pytest.raises(ImportFailed, match="does not say which time zone"):
        load_folder(folder, minimal_db_copy)
    assert _state(minimal_db_copy) == before


def test_a_strict_abort_in_the_export_leaves_the_folders_files_unloaded(minimal_db_copy: Path) -> None:
    """The export's line 4 ('Extremely likely') is rejected; under --strict responses.csv's good row stays out too."""
    before = _state(minimal_db_copy)
    with pytest.raises(StrictImportAborted):
        load_folder(_folder(minimal_db_copy.parent), minimal_db_copy, Options(strict=True))
    assert _state(minimal_db_copy) == before


def test_a_strict_abort_in_the_folders_files_leaves_the_export_unimported(minimal_db_copy: Path) -> None:
    before = _state(minimal_db_copy)
    export = GOOGLE_FORMS.read_text().replace("Extremely likely", "10")
    with pytest.raises(StrictLoadAborted):
        load_folder(_folder(minimal_db_copy.parent, BAD_WEEK, export), minimal_db_copy, Options(strict=True))
    assert _state(minimal_db_copy) == before


def test_a_broken_file_in_the_folder_leaves_the_export_unimported(minimal_db_copy: Path) -> None:
    before = _state(minimal_db_copy)
    broken = RESPONSES_HEADER + 'R10,C1,2026-01-12 09:00:00,relationship,,email,8,,,"open quote\n'
    with pytest.raises(LoadError, match="quote"):
        load_folder(_folder(minimal_db_copy.parent, broken), minimal_db_copy)
    assert _state(minimal_db_copy) == before


def test_an_export_can_be_the_first_loads_responses(tmp_path: Path) -> None:
    """On an empty database the required responses may come from an export instead of responses.csv."""
    folder = write_folder(tmp_path / "first", customers=CUSTOMERS)
    (folder / "survey.csv").write_text(GOOGLE_FORMS.read_text().replace("Extremely likely", "10"))
    (folder / "survey.toml").write_text(MAPPING)
    load_folder(folder, tmp_path / "cx.duckdb")
    assert len(_ids(tmp_path / "cx.duckdb")) == 3


def test_the_load_command_says_nothing_was_loaded_when_its_export_aborts(
    minimal_db_copy: Path, capsys: pytest.CaptureFixture
) -> None:
    before = _state(minimal_db_copy)
    folder = _folder(minimal_db_copy.parent)
    assert main(["load", str(folder), "--db", str(minimal_db_copy), "--quiet", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "survey.csv:4: column nps: unknown answer" in err
    assert "strict import aborted, nothing was changed" in err
    assert _state(minimal_db_copy) == before
