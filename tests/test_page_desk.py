"""The CX team's desk under AppTest: uploads previewed by a dry run then loaded, targets and events edited in place
(a valid edit saved and audited, an invalid one refused with its reason), and neither reachable without the CX team
or admin role."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cxmetrics.ingest import audit
from tests.access_fixtures import ADMIN, CX_TEAM, EMEA_LEADER, EXECUTIVE, Person, write_access_list
from tests.apptest import assert_no_exception, run_page
from tests.metric_fixtures import GOOD_RESPONSES
from tests.test_page_access import AUTH

LOAD = "app_pages/data_section/load.py"
EDITORS = "app_pages/data_section/targets_events.py"
DATA = "app_pages/data_section/tables.py"
NEW_TARGET = {"metric": "nps", "period_start": "2026-01-01", "grain": "quarter", "region": "", "segment": ""}
MORE = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,10,,,\nR5,C1,2026-01-08,relationship,,email,11,,,\n"


def _stored(target: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(target), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _refused(app) -> list[str]:
    """The refused rows listed under an editor."""
    return next(m.value for m in app.markdown if m.value.startswith("- Row ")).split("\n")


def _add_target(app, **values) -> None:
    """Seed the targets editor with one added row (as a person typing it would) and press Save."""
    app.session_state["targets_editor_0"] = {
        "edited_rows": {},
        "added_rows": [NEW_TARGET | values],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="save_targets").click().run()


def test_a_valid_target_is_saved_audited_and_seen_at_once(monkeypatch, minimal_db_copy: Path) -> None:
    app = run_page(monkeypatch, minimal_db_copy, EDITORS)
    assert_no_exception(app)
    assert app.data_editor[0].value.empty
    _add_target(app, target=40)
    assert_no_exception(app)
    assert [s.value for s in app.success] == [
        "Saved targets: 1 added, 0 changed, 0 deleted, by Local user. Every page shows the new values from now on."
    ]
    stored = _stored(minimal_db_copy, "SELECT metric, grain, region, target FROM targets")
    assert stored == [("nps", "quarter", "", 40.0)]
    with duckdb.connect(str(minimal_db_copy), read_only=True) as conn:
        history = audit.history(conn)
    assert set(history["changed_by"]) == {"Local user"} and set(history["change"]) == {"insert"}
    assert history.set_index("column_name").loc["target", "new_value"] == "40.0"
    assert app.data_editor[0].value["target"].tolist() == [40.0], "the editor shows the saved row"
    shown = app.dataframe[-1].value
    assert "target" in shown["column_name"].tolist(), "the edit history tab lists the change"
    assert set(shown["row_key"]) == {"NPS (all surveys) · quarter from 2026-01-01 · All regions · All segments"}
    app.switch_page(DATA).run()
    rows = next(d.value for d in app.dataframe if "rows" in d.value.columns).set_index("table")["rows"]
    assert rows["targets"] == 1, "another page sees the new row on its next run, no restart"


def test_an_impossible_target_is_refused_with_its_reason_and_nothing_saved(monkeypatch, minimal_db_copy) -> None:
    app = run_page(monkeypatch, minimal_db_copy, EDITORS)
    _add_target(app, target=140, region="EMEA")
    assert_no_exception(app)
    assert app.error[0].value.startswith("Nothing was saved: 1 row of the table breaks a rule. Fix it")
    assert _refused(app) == [
        "- Row 1, Target: impossible target: 140.0 is outside what nps can be (between -100 and 100)"
    ]
    assert _stored(minimal_db_copy, "SELECT count(*) FROM targets") == [(0,)]
    assert _stored(minimal_db_copy, "SELECT count(*) FROM audit_log") == [(0,)]


def test_an_event_outside_the_data_is_refused_and_a_good_one_saved(monkeypatch, minimal_db_copy) -> None:
    app = run_page(monkeypatch, minimal_db_copy, EDITORS)
    event = {"event_id": None, "event_date": "2024-06-01", "title": "Old news", "region": "", "description": None}
    app.session_state["events_editor_0"] = {"edited_rows": {}, "added_rows": [event], "deleted_rows": []}
    app.run()
    app.button(key="save_events").click().run()
    assert _refused(app) == [
        "- Row 1, Date: outside the data: 2024-06-01 is not between the first survey response and a year "
        "after the last (2026-01-05 to 2027-01-07)"
    ]
    app.session_state["events_editor_0"] = {
        "edited_rows": {},
        "added_rows": [event | {"event_date": "2026-01-06", "title": "Billing migration", "region": "EMEA"}],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="save_events").click().run()
    assert_no_exception(app)
    assert _stored(minimal_db_copy, "SELECT title, region FROM events") == [("Billing migration", "EMEA")]


def test_an_upload_is_previewed_then_loaded_and_recorded(monkeypatch, minimal_db_copy: Path) -> None:
    app = run_page(monkeypatch, minimal_db_copy, LOAD)
    assert_no_exception(app)
    app.file_uploader(key="_upload_files_0").set_value(("responses.csv", MORE.encode(), "text/csv")).run()
    assert_no_exception(app)
    assert app.markdown[0].value.startswith("**Detected:** data-contract files. Dry run: loading would add 1 row")
    assert app.dataframe[1].value["reason"].tolist() == ["out of range: 11 is not between 0 and 10"]
    assert _stored(minimal_db_copy, "SELECT count(*) FROM responses") == [(3,)], "a dry run loads nothing"
    app.button(key="_upload_load").click().run()
    assert_no_exception(app)
    assert app.success[0].value.startswith("Loaded: add 1 row, replace 0 rows, leave 3 rows unchanged")
    assert _stored(minimal_db_copy, "SELECT count(*) FROM responses") == [(4,)]
    assert ("Local user",) in _stored(minimal_db_copy, "SELECT DISTINCT loaded_by FROM load_log")


def test_a_wrong_file_is_refused_with_a_clear_message(monkeypatch, minimal_db_copy: Path) -> None:
    app = run_page(monkeypatch, minimal_db_copy, LOAD)
    app.file_uploader(key="_upload_files_0").set_value(("orders.xlsx", b"PK\x03\x04", "application/zip")).run()
    assert app.error[0].value == (
        "This upload cannot be loaded: orders.xlsx: not a file this upload takes (accepted: .csv, .csv.gz, "
        ".parquet); save a spreadsheet as CSV (UTF-8) first. Nothing was loaded."
    )
    assert not app.button


@pytest.fixture
def access_list(tmp_path: Path, monkeypatch) -> Path:
    """The demo access list, in force for the run."""
    path = write_access_list(tmp_path)
    monkeypatch.setenv("CX_ACCESS_LIST", str(path))
    return path


def _hosted(monkeypatch, database: Path, person: Person):
    return run_page(monkeypatch, database, secrets={"auth": AUTH}, user=person.user_info())


@pytest.mark.parametrize("person", [EMEA_LEADER, EXECUTIVE], ids=["leader", "executive"])
@pytest.mark.parametrize("page", [LOAD, EDITORS])
def test_leaders_and_executives_cannot_reach_the_desk(monkeypatch, minimal_db, access_list, person, page) -> None:
    app = _hosted(monkeypatch, minimal_db, person)
    assert_no_exception(app)
    with pytest.raises(Exception, match="not found|could not find|Could not find"):
        app.switch_page(page).run()


@pytest.mark.parametrize("person", [CX_TEAM, ADMIN], ids=["cx_team", "admin"])
def test_the_cx_team_and_admins_edit_under_their_own_name(monkeypatch, minimal_db_copy, access_list, person) -> None:
    app = _hosted(monkeypatch, minimal_db_copy, person)
    app.switch_page(EDITORS).run()
    _add_target(app, target=35)
    assert_no_exception(app)
    assert _stored(minimal_db_copy, "SELECT DISTINCT changed_by FROM audit_log") == [(person.email,)]


def test_a_survey_tool_export_is_previewed_with_its_mapping(monkeypatch, minimal_db_copy: Path) -> None:
    export = (Path(__file__).parent / "fixtures" / "imports" / "qualtrics_current_nps.csv").read_bytes()
    mapping = b'survey = { value = "relationship" }\ncustomer_id = "ExternalReference"\n'
    app = run_page(monkeypatch, minimal_db_copy, LOAD)
    app.button_group(key="_upload_kind").set_value("Survey-tool export").run()
    app.file_uploader(key="_upload_export_0").set_value(("survey.csv", export, "text/csv"))
    app.file_uploader(key="_upload_mapping_0").set_value(("survey.toml", mapping, "application/toml")).run()
    assert_no_exception(app)
    assert app.markdown[0].value.startswith("**Detected:** survey-tool export. Dry run: loading would add 3 rows")
    assert "ExternalReference" in app.code[0].value, "the mapping in use is shown"
    assert app.dataframe[0].value["table"].tolist() == ["responses (qualtrics export)"]
    app.button(key="_upload_load").click().run()
    assert app.success[0].value.startswith("Loaded: add 3 rows")
    assert _stored(minimal_db_copy, "SELECT count(*) FROM responses") == [(6,)]
