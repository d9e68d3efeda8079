"""Loyalty & Retention in headless Chromium: the split travels in the URL, the at-risk list narrows and downloads."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.tab import open_page, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_choosing_a_split_puts_it_in_the_url_and_the_list_downloads(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/loyalty")
    main = page.locator('[data-testid="stMainBlockContainer"]')
    assert main.locator('[data-testid="stMetric"]').count() == 6
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 4
    main.get_by_text("By region", exact=True).click()
    page.wait_for_url("**retention_split=region**")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    with page.expect_download() as download:
        main.get_by_role("button", name="Download the at-risk list (CSV)").click()
    assert download.value.suggested_filename.startswith("at-risk-customers-")
    assert screenshot(page, "loyalty-by-region").stat().st_size > 10_000
