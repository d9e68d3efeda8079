"""The CX team's desk in Chromium against `streamlit run` over a copy of the small world (local mode: the one user
may do everything): files chosen in the upload widget (a good file, one with rejects, a wrong one), the dry run,
the load; a target edited in the grid, refused with its reason, then saved and audited; and a leader who cannot
open either page by its URL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page

from cxmetrics.ingest import edits
from cxmetrics.metrics.registry import REGISTRY
from tests.access_fixtures import EMEA_LEADER
from tests.browser.conftest import serving
from tests.browser.tab import MAIN, SCREENSHOTS, screenshot, wait_for_app
from tests.browser.test_access_in_browser import NAV, sign_in, title

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADER = "response_id,customer_id,responded_at,survey,touchpoint,channel,nps,csat,ces,comment\n"
ROW = "{id},,2026-11-10 10:0{i}:00,transactional,support,email,{nps},4,6,\n"
GOOD = HEADER + "".join(ROW.format(id=f"U{i}", i=i, nps=i + 6) for i in range(3))
WITH_REJECTS = (
    HEADER
    + "".join(ROW.format(id=f"V{i}", i=i, nps=i + 6) for i in range(3))
    + "V7,,2026-11-10 11:00:00,transactional,support,email,11,,,\nV8,,2026-11-10,survey,,,9,,,\n"
)


@pytest.fixture(scope="module")
def desk(small_world_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard in local mode over a writable copy of the small world: its URL and the database file."""
    folder = tmp_path_factory.mktemp("desk")
    target = folder / "cx.duckdb"
    shutil.copyfile(small_world_db, target)
    with serving({"CX_DB": str(target)}, folder / "streamlit.log") as url:
        yield url, target


def _stored(target: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(target), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _upload(page: Page, url: str, path: Path) -> str:
    """Open Load data, choose `path` in the upload widget, and return the main area's text once the run settles."""
    page.goto(f"{url}/load-data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.wait_for_timeout(500)
    wait_for_app(page)
    return page.locator(MAIN).inner_text()


def test_a_good_file_is_previewed_then_loaded(page: Page, desk: tuple[str, Path], tmp_path: Path) -> None:
    url, target = desk
    (tmp_path / "responses.csv").write_text(GOOD)
    before = _stored(target, "SELECT count(*) FROM responses")[0][0]
    text = _upload(page, url, tmp_path / "responses.csv")
    assert "Dry run: loading would add 3 rows, replace 0 rows, leave 0 rows unchanged and reject 0 rows." in text
    assert "No row would be rejected." in text
    assert _stored(target, "SELECT count(*) FROM responses")[0][0] == before
    page.get_by_role("button", name="Load into the dashboard", exact=True).click()
    page.wait_for_timeout(500)
    wait_for_app(page)
    assert "Loaded: add 3 rows" in page.locator(MAIN).inner_text()
    assert _stored(target, "SELECT count(*) FROM responses")[0][0] == before + 3
    assert ("Local user",) in _stored(target, "SELECT DISTINCT loaded_by FROM load_log")


def test_a_file_with_rejects_shows_each_reason(page: Page, desk: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = desk
    (tmp_path / "responses.csv").write_text(WITH_REJECTS)
    text = _upload(page, url, tmp_path / "responses.csv")
    assert "loading would add 3 rows, replace 0 rows, leave 0 rows unchanged and reject 2 rows" in text
    assert "2 rows would be rejected and not loaded; the other rows load." in text
    assert page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() == 2, "the counts and the rejects"
    screenshot(page, "desk-upload-preview")


def test_a_wrong_file_is_refused_with_a_clear_message(page: Page, desk: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = desk
    (tmp_path / "survey.xlsx").write_bytes(b"PK\x03\x04 not a csv")
    text = _upload(page, url, tmp_path / "survey.xlsx")
    assert "This upload cannot be loaded: survey.xlsx: not a file this upload takes" in text
    assert page.get_by_role("button", name="Load into the dashboard", exact=True).count() == 0
    screenshot(page, "desk-upload-refused")


def _edit_first_target(page: Page, value: str, expect: str) -> None:
    """Type `value` into the first row's target cell of the targets grid, press Save and wait for `expect`."""
    grid = page.locator(f'{MAIN} [data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] - 40, box["y"] + 35 + 17)  # the target, last column of the first row
    page.wait_for_timeout(500)
    page.keyboard.press("Control+A")
    page.keyboard.type(value, delay=50)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    wait_for_app(page)  # the edit's own rerun
    page.get_by_role("button", name="Save targets").click()
    page.locator(MAIN).get_by_text(expect).first.wait_for(timeout=60_000)
    wait_for_app(page)


def test_a_target_edited_in_the_grid_is_saved_and_audited_or_refused(page: Page, desk: tuple[str, Path]) -> None:
    url, target = desk
    with duckdb.connect(str(target), read_only=True) as conn:
        first = edits.rows(conn, "targets").iloc[0]
    low, high = REGISTRY[first["metric"]].value_range
    impossible = high + 100 if high is not None else low - 100
    page.goto(f"{url}/targets-events")
    wait_for_app(page)
    _edit_first_target(page, f"{first['target'] + 1:g}", "Saved targets")
    assert "Saved targets: 0 added, 1 changed, 0 deleted, by Local user." in page.locator(MAIN).inner_text()
    assert _stored(target, "SELECT change, column_name, old_value, new_value, changed_by FROM audit_log") == [
        ("update", "target", str(first["target"]), str(first["target"] + 1), "Local user")
    ]
    _edit_first_target(page, f"{impossible:g}", "Nothing was saved")
    text = page.locator(MAIN).inner_text()
    assert "Nothing was saved: 1 row of the table breaks a rule." in text
    assert f"Row 1, Target: impossible target: {float(impossible)} is outside what {first['metric']} can be" in text
    assert _stored(target, "SELECT count(*) FROM audit_log") == [(1,)], "a refused edit writes nothing"
    SCREENSHOTS.mkdir(exist_ok=True)  # the viewport: the grid, the refusal and its reason
    page.screenshot(path=str(SCREENSHOTS / "desk-targets-refused.png"))
    page.get_by_role("tab", name="Edit history").click()
    page.wait_for_timeout(300)
    screenshot(page, "desk-targets-history")


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab with no cookies (nobody signed in)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", ["load-data", "targets-events"])
def test_a_leader_cannot_open_the_desk_by_its_url(tab: Page, hosted_app_url: str, path: str) -> None:
    sign_in(tab, hosted_app_url, EMEA_LEADER)
    tab.goto(f"{hosted_app_url}/{path}")
    wait_for_app(tab)
    assert title(tab) == "Scorecard", f"a leader has no {path} page, even by its URL"
    menu = tab.locator(NAV).inner_text()
    assert "Load data" not in menu and "Targets & events" not in menu
    assert tab.locator('[data-testid="stFileUploader"]').count() == 0
