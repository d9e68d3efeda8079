"""A shared link to any page works on a freshly started server: the first visitor sees the page, not Streamlit's
"Page not found" notice (which a folder named `pages/` beside dashboard.py caused until the first run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import serving
from tests.browser.tab import MAIN, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_first_visitor_of_a_fresh_server_opens_a_linked_page_without_a_notice(
    page: Page, small_world_db: Path, tmp_path: Path
) -> None:
    with serving({"CX_DB": str(small_world_db)}, tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/journey?region=EMEA")
        wait_for_app(page)
        assert page.locator(f"{MAIN} h1").first.inner_text().startswith("Journey & Drivers")
        assert page.get_by_role("dialog").count() == 0
        assert page.get_by_text("Page not found").count() == 0
