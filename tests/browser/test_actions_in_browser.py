"""The Actions page in headless Chromium: a 'what changed' bullet's link opens the form prefilled, recording the action
lists it with its baseline, and the register is saved as a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page

from cxmetrics import db
from cxmetrics.access import Grant
from cxmetrics.filters import AccessScope
from cxmetrics.periods import parse_week
from cxmetrics.reports.actions import register
from tests.browser.conftest import serving
from tests.browser.tab import MAIN, open_page, screenshot, wait_for_app
from tests.metric_fixtures import ACTION_REVIEW_WEEK, action_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CX = register.Actor(Grant("cx_team"), "cx@example.com")


def _record(target: Path, title: str, owner: str, due: date, **slice_) -> dict:
    draft = register.Draft(title, owner, due, "transactional_nps", "up", touchpoint="billing", **slice_)
    return register.create(target, draft, CX, parse_week(ACTION_REVIEW_WEEK), now=datetime(2026, 10, 20, 9))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The dashboard over the hand-made world of the register's tests, with three actions recorded in 2026-W42."""
    target = action_world(tmp_path / "cx.duckdb")
    _record(
        target, "Fix the invoice errors of the migration", "emea.billing@example.com", date(2026, 11, 30), region="EMEA"
    )
    _record(target, "Explain the new invoice layout", "apac.billing@example.com", date(2027, 1, 15), region="APAC")
    done = _record(target, "Refund double charges", "emea.billing@example.com", date(2026, 11, 20), region="EMEA")
    register.update(target, done["action_id"], CX, status="done", note="All refunded", now=datetime(2026, 11, 18))
    with serving({"CX_DB": str(target)}, tmp_path / "streamlit.log") as url:
        yield url, target


def test_an_action_recorded_from_a_what_changed_bullet_joins_the_register(page: Page, served) -> None:
    url, target = served
    open_page(page, url)
    link = page.locator(MAIN).get_by_role("link", name="Record an action").first.get_attribute("href")
    assert link.startswith("./actions?week=2026-W46&")
    open_page(page, urljoin(url + "/", link))  # a markdown link opens a new tab: open it in this one
    main = page.locator(MAIN)
    assert main.get_by_label("Action", exact=True).input_value().startswith("Act on Transactional NPS")
    main.get_by_role("textbox", name="Owner").fill("cx.lead@example.com")
    main.get_by_role("button", name="Record the action").click()
    page.get_by_text("Recorded A-").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    stored = register.visible(db.connect_read_only(target), AccessScope())
    assert "cx.lead@example.com" in set(stored["owner"])
    assert main.get_by_role("textbox", name="Action").input_value() == "", "the form is emptied for the next one"
    open_page(page, f"{url}/actions")
    assert main.get_by_text("Transactional NPS at billing, EMEA: -25 at creation, +30 now, +55 pts").count() == 2
    assert screenshot(page, "actions-register").stat().st_size > 10_000
