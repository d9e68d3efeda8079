"""The action register: baseline and movement against hand-computed NPS, interval and z; records and updates with
their audit rows; the access scope in the list, the export and every write; actions loaded from a file."""

from __future__ import annotations

import html
import io
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cxmetrics import db
from cxmetrics.access import Grant
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.ingest import audit
from cxmetrics.ingest.load import load_folder
from cxmetrics.periods import parse_week
from cxmetrics.reports.actions import links, register, view
from cxmetrics.reports.actions.register import ActionRefused, Actor, Draft
from cxmetrics.reports.scorecard.changes import Change
from cxmetrics.review import pack as review_pack
from cxmetrics.review import sections
from cxmetrics.review.model import Context
from tests.metric_fixtures import ACTION_REVIEW_WEEK, action_world, write_folder

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 1, 9, 30)
CX = Actor(Grant("cx_team"), "cx@example.com")
ADMIN = Actor(Grant("admin"), "admin@example.com")
EXECUTIVE = Actor(Grant("executive"), "ceo@example.com")
OWNER = Actor(Grant("executive"), "ana@example.com")
EMEA_LEADER = Actor(Grant("leader", AccessScope(regions=("EMEA",))), "emea@example.com")

# Hand-computed (DESIGN.md section 4). Baseline, 21 Sep - 18 Oct: P = 10, D = 20, n = 40: NPS = 100 x (10 - 20) / 40
# = -25. Adjusted Wald: n' = 43, p' = 10.75 / 43 = 0.25, d' = 20.75 / 43 = 0.482558, NPS' = -23.2558,
# Var = (0.25 + 0.482558 - 0.232558^2) / 43 = 0.0157785, interval = -23.2558 +/- 196 x 0.125612 = [-47.876, +1.364].
# Now, 19 Oct - 15 Nov: P = 20, D = 8, n = 40: NPS = +30; p' = 20.75 / 43 = 0.482558, d' = 8.75 / 43 = 0.203488,
# NPS' = 27.9070, Var = (0.686047 - 0.279070^2) / 43 = 0.0141434, interval = 27.9070 +/- 196 x 0.118926 = [+4.597,
# +51.216]. z = (27.9070 + 23.2558) / (100 x sqrt(0.0157785 + 0.0141434)) = 51.1628 / 17.2979 = 2.958: significant.
BASELINE = (-25.0, -47.876, 1.364, 40)
NOW_READING = (30.0, 4.597, 51.216, 40)
Z = 2.958


def _draft(**changes) -> Draft:
    fields = dict(
        title="Fix invoice errors",
        owner="ana@example.com",
        due_date=date(2026, 12, 31),
        metric="transactional_nps",
        direction="up",
        region="EMEA",
        touchpoint="billing",
    )
    return Draft(**(fields | changes))


@pytest.fixture
def world(tmp_path: Path) -> Path:
    return action_world(tmp_path / "cx.duckdb")


def _read(target: Path) -> duckdb.DuckDBPyConnection:
    return db.connect_read_only(target)


def _create(target: Path, actor: Actor = CX, week: str = ACTION_REVIEW_WEEK, **changes) -> dict:
    return register.create(target, _draft(**changes), actor, parse_week(week), now=NOW)


def test_the_baseline_is_the_registry_nps_and_interval_of_the_slice_over_the_review_weeks(world: Path):
    row = _create(world)
    value, low, high, n = BASELINE
    assert row["baseline_value"] == value
    assert row["baseline_low"] == pytest.approx(low, abs=1e-3)
    assert row["baseline_high"] == pytest.approx(high, abs=1e-3)
    assert row["baseline_n"] == n
    assert (row["baseline_start"], row["baseline_end"]) == (date(2026, 9, 21), date(2026, 10, 18))
    stored = _read(world).execute("SELECT baseline_value, baseline_n, status FROM actions").fetchall()
    assert stored == [(value, n, "open")]


def test_the_movement_since_the_baseline_is_tested_as_design_section_4(world: Path):
    _create(world)
    line = view.build(_read(world), Filters(), TODAY).lines[0]
    move = line.movement
    assert (move.now.value, move.now.n) == (NOW_READING[0], NOW_READING[3])
    assert (move.now.low, move.now.high) == pytest.approx(NOW_READING[1:3], abs=1e-3)
    assert (move.now.start, move.now.end) == (date(2026, 10, 19), date(2026, 11, 15))
    assert move.delta == 55.0
    assert move.z == pytest.approx(Z, abs=1e-3)
    assert move.significant is True
    assert move.verdict == "moving as intended"
    assert move.sentence == (
        "Transactional NPS at billing, EMEA: -25 at creation, +30 now, +55 pts, significant (n = 40 then, 40 now)."
    )


def test_a_move_against_the_expected_direction_is_called_so(world: Path):
    _create(world, direction="down")
    assert view.build(_read(world), Filters(), TODAY).lines[0].movement.verdict == "moving the wrong way"


def test_a_slice_that_did_not_move_is_not_significant(world: Path):
    _create(world, region="APAC")
    move = view.build(_read(world), Filters(), TODAY).lines[0].movement
    assert (move.delta, move.significant, move.verdict) == (0.0, False, "no significant change yet")
    assert move.sentence.startswith(
        "Transactional NPS at billing, APAC: +0 at creation, +0 now, 0 pts, not significant"
    )


def test_under_the_minimum_n_the_baseline_is_withheld_and_nothing_is_tested(world: Path, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "41")
    row = _create(world)
    assert (row["baseline_value"], row["baseline_low"], row["baseline_n"]) == (None, None, 40)
    move = view.build(_read(world), Filters(), TODAY).lines[0].movement
    assert (move.z, move.significant, move.verdict) == (None, None, "too few responses to tell")
    assert "withheld (too few responses) at creation" in move.sentence


def test_an_action_of_the_latest_week_waits_for_a_week_after_its_baseline(world: Path):
    _create(world, week="2026-W46")
    move = view.build(_read(world), Filters(), TODAY).lines[0].movement
    assert move.now is None and move.verdict == "no complete week since"
    assert move.sentence == "Transactional NPS at billing, EMEA: +30 at creation; no complete week since."


def test_overdue_actions_come_first_then_open_by_due_date_then_closed(world: Path):
    late = _create(world, title="Late", due_date=date(2026, 12, 1))
    later = _create(world, title="Later", due_date=date(2027, 1, 31))
    soon = _create(world, title="Soon", due_date=date(2026, 12, 20))
    done = _create(world, title="Done", due_date=date(2026, 11, 30))
    register.update(world, done["action_id"], CX, status="done", now=datetime(2026, 12, 2))
    found = view.build(_read(world), Filters(), TODAY)
    assert [line.title for line in found.lines] == ["Late", "Soon", "Later", "Done"]
    assert list(found.table["Status"]) == ["Overdue", "Open", "Open", "Done"]
    assert {t.metric: t.value for t in found.tiles}["overdue_actions"] == "1"
    assert {late["action_id"], later["action_id"], soon["action_id"]} <= set(found.table["action_id"])


def test_actions_closed_more_than_four_weeks_ago_drop_off(world: Path):
    old = register.create(world, _draft(title="Old"), CX, parse_week(ACTION_REVIEW_WEEK), now=datetime(2026, 10, 20))
    register.update(world, old["action_id"], CX, status="dropped", now=datetime(2026, 11, 1))
    assert view.build(_read(world), Filters(), TODAY).lines == ()


def test_recording_and_updating_write_audit_rows(world: Path):
    row = _create(world, note="From the weekly review")
    inserted = audit.history(_read(world), "actions")
    assert set(inserted["change"]) == {"insert"} and set(inserted["changed_by"]) == {"cx@example.com"}
    assert set(inserted["row_key"]) == {row["action_id"]}
    values = inserted.set_index("column_name")["new_value"]
    assert values["title"] == "Fix invoice errors" and values["baseline_value"] == "-25.0"
    assert values["note"] == "2026-12-01 cx@example.com: From the weekly review"

    register.update(world, row["action_id"], OWNER, status="done", note="Invoices fixed", now=datetime(2026, 12, 3))
    updated = audit.history(_read(world), "actions")
    updated = updated[updated["change"] == "update"].set_index("column_name")
    assert set(updated["changed_by"]) == {"ana@example.com"}
    assert updated.loc["status", ["old_value", "new_value"]].tolist() == ["open", "done"]
    assert updated.loc["closed_at", "new_value"] == "2026-12-03 00:00:00"
    assert updated.loc["note", "new_value"] == (
        "2026-12-01 cx@example.com: From the weekly review\n2026-12-03 ana@example.com: Invoices fixed"
    )
    stored = _read(world).execute("SELECT status, closed_at FROM actions").fetchone()
    assert stored == ("done", datetime(2026, 12, 3))


def test_reopening_clears_the_closing_time(world: Path):
    row = _create(world)
    register.update(world, row["action_id"], CX, status="done", now=datetime(2026, 12, 3))
    register.update(world, row["action_id"], CX, status="open", now=datetime(2026, 12, 4))
    assert _read(world).execute("SELECT status, closed_at FROM actions").fetchone() == ("open", None)


def test_only_the_owner_the_cx_team_and_admins_update_an_action(world: Path):
    row = _create(world)
    with pytest.raises(ActionRefused, match="only the owner"):
        register.update(world, row["action_id"], EXECUTIVE, status="done")
    for actor in (OWNER, CX, ADMIN):
        register.update(world, row["action_id"], actor, note=f"seen by {actor.who}")
    assert _read(world).execute("SELECT note FROM actions").fetchone()[0].count("seen by") == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "needs a title"),
        ({"owner": ""}, "needs a owner"),
        ({"metric": "revenue"}, "not a metric an action can track"),
        ({"metric": "relationship_nps"}, "Relationship NPS cannot be cut by touchpoint"),
        ({"direction": "sideways"}, "direction must be one of up, down"),
    ],
)
def test_an_incomplete_or_impossible_action_is_refused_and_nothing_is_written(world: Path, changes, message):
    before = db.file_identity(world)
    with pytest.raises(ActionRefused, match=message):
        _create(world, **changes)
    assert db.file_identity(world) == before


def test_a_leader_lists_exports_records_and_updates_only_inside_their_scope(world: Path):
    emea = _create(world, ADMIN, owner="emea@example.com")
    apac = _create(world, ADMIN, region="APAC", owner="emea@example.com")
    everywhere = _create(world, ADMIN, region="")
    scope = EMEA_LEADER.grant.scope
    assert list(register.visible(_read(world), scope)["action_id"]) == [emea["action_id"]]
    found = view.build(_read(world), Filters(scope=scope), TODAY)
    exported = pd.read_csv(io.BytesIO(found.csv))
    assert list(exported["action_id"]) == [emea["action_id"]]
    assert set(register.visible(_read(world), AccessScope())["action_id"]) == {
        emea["action_id"], apac["action_id"], everywhere["action_id"],
    }  # fmt: skip
    before = db.file_identity(world)
    for region in ("APAC", ""):
        with pytest.raises(ActionRefused, match="outside your access"):
            _create(world, EMEA_LEADER, region=region)
    with pytest.raises(ActionRefused, match="no action"):
        register.update(world, apac["action_id"], EMEA_LEADER, status="done")
    assert db.file_identity(world) == before
    register.update(world, emea["action_id"], EMEA_LEADER, status="done")
    assert _create(world, EMEA_LEADER)["created_by"] == "emea@example.com"


def test_a_leader_scoped_by_touchpoint_sees_only_that_touchpoints_actions(world: Path):
    billing = _create(world, ADMIN)
    _create(world, ADMIN, touchpoint="")
    scope = AccessScope(touchpoints=("billing",))
    assert list(register.visible(_read(world), scope)["action_id"]) == [billing["action_id"]]


ACTIONS_CSV = """\
    action_id,title,owner,due_date,metric,region,segment,touchpoint,channel,direction,status,created_at,created_by
    A1,Fix invoices,ana@example.com,2027-01-15,transactional_nps,EMEA,,BILLING,,up,open,2026-11-20 09:00,cx@example.com
    A2,Call detractors,bo@example.com,2026-12-15,churn,,,,,up,open,2026-11-20 09:00,cx@example.com
    A3,Reprice,bo@example.com,2026-12-15,csat,,,,,sideways,closed,2026-11-20 09:00,cx@example.com
"""


def test_actions_load_from_a_file_and_bad_rows_are_rejected_with_line_column_and_reason(
    minimal_db_copy: Path, tmp_path: Path
):
    report = load_folder(write_folder(tmp_path / "in", actions=ACTIONS_CSV), minimal_db_copy)
    reasons = {(r.line, r.column): r.reason for r in report.rejects}
    assert reasons[(3, "metric")].startswith("unknown metric: 'churn' is not in the metric registry")
    assert reasons[(4, "direction")] == "not an accepted value: 'sideways' (accepted: up, down)"
    assert reasons[(4, "status")] == "not an accepted value: 'closed' (accepted: open, done, dropped)"
    loaded = _read(minimal_db_copy).execute("SELECT action_id, region, segment, touchpoint FROM actions").fetchall()
    assert loaded == [("A1", "EMEA", "", "billing")]


def test_links_prefill_the_metric_and_slice_of_a_cell_a_driver_and_a_bullet():
    week = parse_week("2026-W46")
    cell = links.from_cell(week, "csat", Filters(segments=("SMB",), touchpoints=("billing",)))
    assert cell == (
        "./actions?week=2026-W46&action_metric=csat&action_segment=SMB&action_touchpoint=billing&action_direction=up"
        "&action_title=Act+on+CSAT+at+billing%2C+SMB&action_origin=journey+map"
    )
    # Relationship NPS has no touchpoint: a driver's action names the rest of the slice.
    driver = links.from_driver(week, "Billing accuracy", Filters(regions=("EMEA",), touchpoints=("billing",)))
    assert driver == (
        "./actions?week=2026-W46&action_metric=relationship_nps&action_region=EMEA&action_direction=up"
        "&action_title=Improve+Billing+accuracy&action_origin=driver"
    )
    # A leader's one region joins the bullet's slice, so the action lies inside their scope.
    bullet = Change("transactional_nps", "", "touchpoint=billing", "down", -20.0, True, -3.0, 90, "", "journey",
                    "week=2026-W46&touchpoint=billing")  # fmt: skip
    leader = Filters(scope=AccessScope(regions=("EMEA",)))
    assert "action_region=EMEA&action_touchpoint=billing" in links.from_change(bullet, week, leader)
    steady = Change("", "", "", "steady", None, False, None, None, "Nothing moved.", "journey", "week=2026-W46")
    assert links.from_change(steady, week, Filters()) is None


def test_a_loaded_action_on_a_monthly_metric_is_listed_but_not_tracked(world: Path):
    with db.writable(world) as conn:
        conn.execute(
            "INSERT INTO actions (action_id, title, owner, due_date, metric, direction, status, created_at, "
            "created_by) VALUES ('L1', 'Grow revenue', 'ana@example.com', DATE '2027-03-31', 'revenue', 'up', 'open', "
            "TIMESTAMP '2026-11-20 09:00', 'cx@example.com')"
        )
    (line,) = view.build(_read(world), Filters(), TODAY).lines
    assert line.movement.verdict == "not tracked"
    assert line.movement.sentence.startswith("Revenue, company-wide: not tracked")


def test_the_sidebar_filters_narrow_the_register_to_the_actions_naming_a_chosen_value(world: Path):
    _create(world, ADMIN, title="EMEA billing")
    _create(world, ADMIN, title="APAC billing", region="APAC")
    _create(world, ADMIN, title="Everywhere", region="", touchpoint="")
    found = view.build(_read(world), Filters(regions=("APAC",)), TODAY)
    assert [line.title for line in found.lines] == ["APAC billing"]
    assert " for region APAC" in found.caption
    assert len(view.build(_read(world), Filters(touchpoints=("billing",)), TODAY).lines) == 2


def test_the_review_packs_register_is_the_pages_register_of_each_recipients_scope(world: Path):
    _create(world)  # transactional NPS at billing, EMEA
    conn = _read(world)
    week, last_day = review_pack.review_week(conn, ACTION_REVIEW_WEEK)
    for scope, listed in ((AccessScope(regions=("EMEA",)), 1), (AccessScope(regions=("APAC",)), 0)):
        printed = sections.action_register(Context(conn, Filters(scope=scope), week, last_day))
        page = view.build(conn, Filters(scope=scope), datetime.now(UTC).date())
        text = html.unescape("".join(b.html for b in printed.blocks))
        assert len(page.lines) == listed
        for line in page.lines:
            assert line.title in text and line.movement.sentence in text and line.owner in text
        if not listed:
            assert "Fix invoice errors" not in text and "No actions are recorded in this scope" in text
