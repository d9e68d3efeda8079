"""CX & Financials in headless Chromium: every section renders, the split travels in the URL both ways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def _open(page: Page, url: str) -> None:
    """Open the page by its link; close the "Page not found" notice the app shell shows on a direct link."""
    page.goto(url)
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")


def test_sections_render_and_the_split_travels_in_the_url(page: Page, app_url: str) -> None:
    _open(page, f"{app_url}/cx-financials")
    main = page.locator('[data-testid="stMainBlockContainer"]')
    assert main.locator("h1").first.inner_text().startswith("CX & Financials")
    assert main.get_by_text("A promoter is worth").count() == 1
    assert main.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("By region", exact=True).click()
    page.wait_for_url("**split=region**")
    wait_for_app(page)
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 6
    _open(page, f"{app_url}/cx-financials?split=segment&region=EMEA")
    checked = main.locator(
        '[data-testid="stButtonGroup"] button[aria-checked="true"], [kind="segmented_controlActive"]'
    )
    assert "By segment" in checked.first.inner_text()
    assert screenshot(page, "cx-financials-by-segment-emea").stat().st_size > 10_000
