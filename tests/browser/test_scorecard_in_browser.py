"""The Scorecard, the home page, in headless Chromium: the period grain travels in the URL, the chart renders."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.tab import main_caption, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_home_page_is_the_scorecard_with_tiles_statement_and_chart(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().startswith("Scorecard")
    assert page.locator('[data-testid="stMetric"]').count() == 6
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 1
    assert main_caption(page).startswith("Week 2026-W46")


def test_choosing_a_grain_puts_it_in_the_url_and_a_link_with_it_reopens_that_view(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_text("Quarter", exact=True).click()
    page.wait_for_url("**grain=quarter**")
    wait_for_app(page)
    assert main_caption(page).startswith("Quarter 2026 Q3")
    page.goto(f"{app_url}/?grain=ytd&region=EMEA")
    wait_for_app(page)
    assert main_caption(page).startswith("Year to date 2026") and main_caption(page).endswith("for region EMEA.")
    assert screenshot(page, "scorecard-ytd-emea").stat().st_size > 10_000
