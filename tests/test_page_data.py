"""The Data page and the app shell under AppTest: tables, rejects, filters bound to the URL, new loads seen."""

from __future__ import annotations

import shutil
from pathlib import Path

from cxmetrics.ingest.load import load_folder
from tests.apptest import assert_no_exception, run_page
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, write_folder

PAGE = "app_pages/data_section/tables.py"


def _frame(app, column: str):
    """The page's first table with `column` (the page's sections each add tables)."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def _tables(app) -> dict[str, int]:
    frame = _frame(app, "rows")
    return dict(zip(frame["table"], frame["rows"], strict=True))


def test_data_page_lists_every_table_of_the_sample_world(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Data"
    tables = _tables(app)
    assert len(tables) == 13
    assert all(rows > 0 for name, rows in tables.items() if name != "actions"), tables
    assert tables["actions"] == 0, "the sample world records no actions"
    assert app.metric[0].value == "12 of 13"
    assert "No rows were rejected in the last loads." in [s.value for s in app.success]


def test_data_page_with_only_required_tables_says_what_to_load(monkeypatch, minimal_db: Path) -> None:
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    assert app.metric[0].value == "2 of 13"
    assert "Not loaded yet: `response_attributes`" in app.info[0].value


def test_data_page_shows_rejected_rows_with_reasons(monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    responses = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,11,,,\n"
    load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), target)
    app = run_page(monkeypatch, target, PAGE)
    assert_no_exception(app)
    rejects = _frame(app, "reason")
    assert rejects[["file", "line", "column", "reason"]].values.tolist() == [
        ["responses.csv", 5, "nps", "out of range: 11 is not between 0 and 10"]
    ]
    assert app.metric[2].value == "1"


def test_sidebar_filters_default_to_last_complete_week_and_follow_the_url(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE)
    week = app.sidebar.selectbox(key="week")
    assert week.value == "2026-W46", "the last complete ISO week of the sample world"
    assert app.query_params["week"] == "2026-W46"
    linked = run_page(monkeypatch, small_world_db, PAGE, week="2026-W11", region=["EMEA"])
    assert_no_exception(linked)
    assert linked.sidebar.selectbox(key="week").value == "2026-W11"
    assert linked.sidebar.multiselect(key="region").value == ["EMEA"]
    touchpoints = linked.sidebar.multiselect(key="touchpoint").options
    assert touchpoints[:3] == ["sales", "onboarding", "product"], "touchpoints in journey order"


def test_unknown_url_values_are_ignored(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db, PAGE, week="1999-W01", region=["Atlantis"])
    assert_no_exception(app)
    assert app.sidebar.selectbox(key="week").value == "2026-W46"
    assert app.sidebar.multiselect(key="region").value == []


def test_a_load_while_the_app_runs_is_seen_on_the_next_run(monkeypatch, tmp_path: Path, minimal_db: Path) -> None:
    target = tmp_path / "cx.duckdb"
    shutil.copyfile(minimal_db, target)
    app = run_page(monkeypatch, target, PAGE)
    assert _tables(app)["responses"] == 3
    more = GOOD_RESPONSES + "R4,C1,2026-01-08,relationship,,email,10,,,\n"
    load_folder(write_folder(tmp_path / "more", customers=CUSTOMERS, responses=more), target)
    app.run()
    assert_no_exception(app)
    assert _tables(app)["responses"] == 4


def test_missing_database_gives_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    app = run_page(monkeypatch, tmp_path / "absent.duckdb")
    assert not app.exception
    assert "does not exist" in app.error[0].value
    assert "python -m cxmetrics load" in app.error[0].value


def test_rejected_row_count_is_not_capped_by_the_list(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CX_REJECTS_SHOWN", "2")
    bad = "".join(f"B{i},C1,2026-01-08,relationship,,email,{11 + i},,,\n" for i in range(5))
    load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=GOOD_RESPONSES + bad), tmp_path / "x.db")
    app = run_page(monkeypatch, tmp_path / "x.db", PAGE)
    assert app.metric[2].value == "5"
    assert len(_frame(app, "reason")) == 2


def test_with_every_response_rejected_the_data_page_still_explains_why(monkeypatch, tmp_path: Path) -> None:
    responses = RESPONSES_HEADER + "R1,C1,2026-01-08,relationship,,email,99,,,\n"
    load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=responses), tmp_path / "x.db")
    home = run_page(monkeypatch, tmp_path / "x.db")
    assert_no_exception(home)
    assert "No survey responses are loaded yet" in home.warning[0].value
    data = run_page(monkeypatch, tmp_path / "x.db", PAGE)
    assert_no_exception(data)
    assert _frame(data, "reason")["reason"].tolist() == ["out of range: 99 is not between 0 and 10"]


def test_recent_loads_show_an_imports_drops_and_notes(monkeypatch, minimal_db_copy: Path) -> None:
    """The Qualtrics fixture holds one test, one preview and one unfinished response and states its zone."""
    from cxmetrics.ingest.imports import Mapping, Options, import_files
    from cxmetrics.ingest.imports.mapping import Source

    export = Path(__file__).parent / "fixtures" / "imports" / "qualtrics_current_nps.csv"
    import_files([export], minimal_db_copy, Mapping({"survey": Source(value="relationship")}), Options())
    app = run_page(monkeypatch, minimal_db_copy, PAGE)
    assert_no_exception(app)
    latest = _frame(app, "dropped_test").iloc[0]
    assert (latest["dropped_test"], latest["dropped_preview"], latest["dropped_unfinished"]) == (1, 1, 1)
    assert latest["notes"] == "qualtrics export; time zone America/Denver (stated by the file)"
