"""Every page of the running app in headless Chromium: loads without an exception, filters travel in the URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from cxmetrics.navigation import PAGES, url_path
from tests.browser.tab import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_loads_without_exception(page: Page, app_url: str, spec) -> None:
    page.goto(f"{app_url}/{url_path(spec)}")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().startswith(spec.title)
    assert screenshot(page, spec.url_path).stat().st_size > 10_000


def test_filters_travel_in_the_url(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/{url_path(PAGES[-1])}?week=2026-W11&region=EMEA")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_role("combobox", name="Review week").input_value().startswith("2026-W11")
    assert sidebar.locator('[data-testid="stMultiSelect"]').first.inner_text().split() == ["Region", "EMEA"]
    assert "week=2026-W11" in page.url and "region=EMEA" in page.url
