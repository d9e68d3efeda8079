"""Complaints & Follow-up and People & CX in headless Chromium: the choices travel in the URL, charts render."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.tab import MAIN, main_caption, open_page, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_choosing_a_quarter_on_complaints_puts_it_in_the_url_and_a_link_reopens_it(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/complaints")
    assert main_caption(page).startswith("Month Oct 2026")
    assert page.locator(f'{MAIN} [data-testid="stPlotlyChart"]').count() == 4
    page.get_by_text("Quarter", exact=True).click()
    page.wait_for_url("**complaints_grain=quarter**")
    wait_for_app(page)
    assert main_caption(page).startswith("Quarter 2026 Q3")
    open_page(page, f"{app_url}/complaints?complaints_grain=week&complaints_by=category&region=EMEA")
    assert main_caption(page).startswith("Week 2026-W46") and main_caption(page).endswith("for region EMEA.")
    assert page.locator(f"{MAIN} h3").first.inner_text() == "Complaints per 1,000 active customers by category"
    assert screenshot(page, "complaints-week-category-emea").stat().st_size > 10_000


def test_choosing_team_on_people_puts_it_in_the_url(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/people")
    assert page.locator(f'{MAIN} [data-testid="stMetric"]').count() == 3
    page.get_by_text("Team", exact=True).click()
    page.wait_for_url("**people_unit=team**")
    wait_for_app(page)
    assert page.locator(f"{MAIN} h3").last.inner_text() == "By team, Oct 2026"
    assert screenshot(page, "people-team").stat().st_size > 10_000
