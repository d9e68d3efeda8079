"""Targets and events edited in the app: checked by the load's rules (the reason per refused row), saved whole and
atomically, every change audited with who and when, and refused for a viewer without the CX team or admin role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cxmetrics import db
from cxmetrics.access import Grant, NotAllowed
from cxmetrics.ingest import audit, edits
from cxmetrics.ingest.edits import EditRefused

CX = Grant(role="cx_team", email="cx@example.com")
LISTED = "python -m cxmetrics metrics lists them"
TARGET = {"metric": "nps", "period_start": date(2026, 1, 1), "grain": "quarter", "region": "", "segment": ""}


def _targets(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([TARGET | row for row in rows], columns=[*TARGET, "target"])


def _read(target: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(target), read_only=True) as conn:
        return edits.rows(conn, table)


def _history(target: Path) -> pd.DataFrame:
    with duckdb.connect(str(target), read_only=True) as conn:
        return audit.history(conn)


def test_a_valid_edit_is_saved_and_every_change_audited(minimal_db_copy: Path) -> None:
    first = edits.save(minimal_db_copy, "targets", _targets({"target": 30.0}), CX, "cx@example.com")
    assert (first.inserted, first.updated, first.deleted) == (1, 0, 0)
    second = edits.save(
        minimal_db_copy, "targets", _targets({"target": 35.0}, {"region": "EMEA", "target": 20.0}), CX, "ada"
    )
    assert (second.inserted, second.updated, second.deleted) == (1, 1, 0)
    stored = _read(minimal_db_copy, "targets")
    assert stored[["region", "target"]].values.tolist() == [["", 35.0], ["EMEA", 20.0]]
    history = _history(minimal_db_copy)
    update = history[(history["change"] == "update")]
    assert update[["changed_by", "row_key", "column_name", "old_value", "new_value"]].values.tolist() == [
        ["ada", "nps|2026-01-01|quarter||", "target", "30.0", "35.0"]
    ]
    third = edits.save(minimal_db_copy, "targets", _targets({"region": "EMEA", "target": 20.0}), CX, "ada")
    assert third.deleted == 1
    assert "delete" in _history(minimal_db_copy)["change"].tolist()


def test_an_edit_that_changes_nothing_leaves_the_file_alone(minimal_db_copy: Path) -> None:
    edits.save(minimal_db_copy, "targets", _targets({"target": 30.0}), CX, "cx")
    before = db.file_identity(minimal_db_copy)
    assert not edits.save(minimal_db_copy, "targets", _targets({"target": 30.0}), CX, "cx").changed
    assert db.file_identity(minimal_db_copy) == before


def test_an_invalid_edit_is_refused_row_by_row_and_nothing_is_saved(minimal_db_copy: Path) -> None:
    edits.save(minimal_db_copy, "targets", _targets({"target": 30.0}), CX, "cx")
    before = db.file_identity(minimal_db_copy)
    edited = _targets(
        {"target": 31.0},
        {"metric": "happiness", "target": 3.0},
        {"region": "EMEA", "target": 140.0},
        {"region": "Atlantis", "target": 40.0},
        {"grain": "fortnight", "target": 40.0},
    )
    with pytest.raises(EditRefused) as refused:
        edits.save(minimal_db_copy, "targets", edited, CX, "cx")
    assert [(r.line, r.column, r.reason) for r in refused.value.rejects] == [
        (2, "metric", f"unknown metric: 'happiness' is not in the metric registry ({LISTED})"),
        (3, "target", "impossible target: 140.0 is outside what nps can be (between -100 and 100)"),
        (4, "region", "unknown region: 'Atlantis' is not a region of any customer"),
        (5, "grain", "not an accepted value: 'fortnight' (accepted: week, month, quarter, year)"),
    ]  # fmt: skip
    assert db.file_identity(minimal_db_copy) == before
    assert _read(minimal_db_copy, "targets")["target"].tolist() == [30.0], "the valid row 1 is not saved either"


def test_events_get_an_id_and_a_date_outside_the_data_is_refused(minimal_db_copy: Path) -> None:
    row = {"event_id": None, "event_date": date(2026, 1, 6), "title": "Billing migration", "region": "EMEA"}
    saved = edits.save(minimal_db_copy, "events", pd.DataFrame([row | {"description": "New system"}]), CX, "cx")
    assert saved.inserted == 1
    stored = _read(minimal_db_copy, "events")
    assert stored["event_id"].iloc[0].startswith("E-") and stored["title"].tolist() == ["Billing migration"]
    late = row | {"event_id": stored["event_id"].iloc[0], "event_date": date(2031, 1, 1)}
    with pytest.raises(EditRefused) as refused:
        edits.save(minimal_db_copy, "events", pd.DataFrame([late]), CX, "cx")
    assert [r.reason for r in refused.value.rejects] == [
        "outside the data: 2031-01-01 is not between the first survey response and a year after the last "
        "(2026-01-05 to 2027-01-07)"
    ]


@pytest.mark.parametrize("role", ["executive", "leader"])
def test_only_the_cx_team_and_admins_may_edit(minimal_db_copy: Path, role: str) -> None:
    with pytest.raises(NotAllowed):
        edits.save(minimal_db_copy, "targets", _targets({"target": 30.0}), Grant(role=role), "someone")
    assert _read(minimal_db_copy, "targets").empty


def test_only_targets_and_events_are_editable(minimal_db_copy: Path) -> None:
    with pytest.raises(ValueError, match="customers cannot be edited in the app"):
        edits.save(minimal_db_copy, "customers", pd.DataFrame(), CX, "cx")
