"""The Actions page under AppTest: with and without actions, a leader's scope, an update through the form, and an
action recorded from a 'what changed' bullet of the Scorecard."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from cxmetrics import db
from cxmetrics.access import Grant
from cxmetrics.filters import AccessScope
from cxmetrics.ingest import audit
from cxmetrics.periods import parse_week
from cxmetrics.reports.actions import register
from tests.access_fixtures import EMEA_LEADER, write_access_list
from tests.apptest import assert_no_exception, run_page
from tests.metric_fixtures import ACTION_REVIEW_WEEK, action_world
from tests.test_page_access import AUTH

PAGE = "app_pages/review/actions.py"
SCORECARD = "app_pages/review/scorecard.py"
ADMIN = register.Actor(Grant("admin"), "admin@example.com")


def _record(target: Path, title: str, region: str, due: date = date(2027, 1, 31), owner: str = "ana@example.com"):
    draft = register.Draft(title, owner, due, "transactional_nps", "up", region=region, touchpoint="billing")
    return register.create(target, draft, ADMIN, parse_week(ACTION_REVIEW_WEEK), now=datetime(2026, 11, 20, 9))


@pytest.fixture
def world(tmp_path: Path) -> Path:
    target = action_world(tmp_path / "cx.duckdb")
    _record(target, "Fix invoice errors", "EMEA", due=date(2026, 11, 30))
    _record(target, "Explain the new invoice", "APAC")
    return target


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _titles(app) -> list[str]:
    """The listed actions' titles, in order (each card opens with its title in bold)."""
    return [m.value.split("**")[1] for m in app.markdown if m.value.startswith("**")]


def _markdown(app, start: str) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith(start)]


def test_without_actions_the_page_says_how_to_record_one(monkeypatch, minimal_db: Path):
    app = run_page(monkeypatch, minimal_db, PAGE)
    assert_no_exception(app)
    assert app.title[0].value == "Actions"
    assert app.info[0].value.startswith("No actions yet")
    assert not _titles(app) and not app.get("download_button")
    assert [s.value for s in app.subheader] == ["Record an action", "Update an action"]
    assert app.selectbox(key="new_metric").value == "relationship_nps"


def test_a_database_from_before_the_register_shows_it_empty(monkeypatch, minimal_db: Path, tmp_path: Path):
    older = tmp_path / "older.duckdb"
    shutil.copyfile(minimal_db, older)
    with db.writable(older) as conn:
        conn.execute("DROP TABLE actions")
    app = run_page(monkeypatch, older, PAGE)
    assert_no_exception(app)
    assert app.info[0].value.startswith("No actions yet")


def test_the_register_lists_overdue_first_with_the_movement_in_words(monkeypatch, world: Path):
    app = run_page(monkeypatch, world, PAGE)
    assert_no_exception(app)
    assert _titles(app) == ["Fix invoice errors", "Explain the new invoice"]
    assert _markdown(app, ":red-badge[Overdue]") and _markdown(app, ":green-badge[Moving as intended]")
    assert _markdown(app, "Transactional NPS")[0] == (
        "Transactional NPS at billing, EMEA: -25 at creation, +30 now, +55 pts, significant (n = 40 then, 40 now)."
    )
    assert {m.label: m.value for m in app.metric}["Moving as intended"] == "1 of 2"
    assert app.get("download_button")[0].label == "Download the register (CSV)"


def test_an_update_through_the_form_is_saved_and_audited(monkeypatch, world: Path):
    app = run_page(monkeypatch, world, PAGE)
    picked = app.selectbox(key="update_pick")
    picked.select(picked.options[0])
    app.selectbox(key="update_status").select("done")
    app.text_input(key="update_note").input("Invoices corrected")
    _button(app, "Save").click().run()
    assert_no_exception(app)
    assert app.success[0].value.startswith("Updated A-") and app.success[0].value.endswith(": done.")
    conn = db.connect_read_only(world)
    assert conn.execute("SELECT status FROM actions WHERE title = 'Fix invoice errors'").fetchone() == ("done",)
    changes = audit.history(conn, "actions")
    assert set(changes.loc[changes["change"] == "update", "column_name"]) == {"status", "closed_at", "note"}
    assert _markdown(app, ":gray-badge[Open]") and _markdown(app, ":green-badge[Done]")


def test_a_leader_sees_only_the_actions_of_their_scope(monkeypatch, world: Path, tmp_path: Path):
    monkeypatch.setenv("CX_ACCESS_LIST", str(write_access_list(tmp_path)))
    app = run_page(monkeypatch, world, PAGE, secrets={"auth": AUTH}, user=EMEA_LEADER.user_info())
    assert_no_exception(app)
    assert _titles(app) == ["Fix invoice errors"]
    assert app.selectbox(key="new_region").options == ["EMEA"], "no 'All' and no other region to record"
    assert "Owners update their actions" in " ".join(c.value for c in app.caption)


def test_an_action_recorded_from_a_what_changed_bullet_is_prefilled_and_stored(monkeypatch, tmp_path: Path):
    target = action_world(tmp_path / "cx.duckdb")
    scorecard = run_page(monkeypatch, target)
    bullets = [m.value for m in scorecard.markdown if "[Record an action](" in m.value]
    assert any("at the billing touchpoint in EMEA" in b for b in bullets), bullets
    bullet = next(b for b in bullets if "at the billing touchpoint in EMEA" in b)
    link = bullet.split("[Record an action](", 1)[1].rstrip(")")
    assert link.startswith("./actions?week=2026-W46&")
    query = dict(parse_qsl(urlsplit(link).query))
    slice_ = {d: query.get(f"action_{d}", "") for d in register.SLICE_DIMENSIONS}
    assert slice_ == {"region": "EMEA", "segment": "", "touchpoint": "billing", "channel": ""}

    app = run_page(monkeypatch, target, PAGE, **query)
    assert_no_exception(app)
    assert app.selectbox(key="new_metric").value == query["action_metric"]
    assert {d: app.selectbox(key=f"new_{d}").value for d in register.SLICE_DIMENSIONS} == slice_
    assert app.text_input(key="new_title").value == query["action_title"]
    app.text_input(key="new_owner").input("ana@example.com")
    _button(app, "Record the action").click().run()
    assert_no_exception(app)
    assert app.success[0].value.startswith("Recorded A-")

    stored = register.visible(db.connect_read_only(target), AccessScope()).iloc[0]
    assert (stored["metric"], stored["owner"], stored["created_by"]) == (
        query["action_metric"],
        "ana@example.com",
        "local user",
    )
    assert {d: stored[d] for d in register.SLICE_DIMENSIONS} == slice_
    assert stored["baseline_end"].date() == parse_week(query["week"]).end
    assert (stored["baseline_value"], stored["baseline_n"]) == (30.0, 40), "the 4 weeks to 2026-W46 (test_actions)"
    assert _titles(app) == [query["action_title"]]
