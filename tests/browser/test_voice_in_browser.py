"""Voice of the Customer in headless Chromium: the window travels in the URL, the verbatim search narrows the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.tab import main_caption, open_page, reruns, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _main(page: Page):
    return page.locator('[data-testid="stMainBlockContainer"]')


def _shown(page: Page) -> str:
    return _main(page).get_by_text("Comments 1 to").first.inner_text()


def test_window_in_the_url_both_ways(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/voice")
    assert _main(page).locator('[data-testid="stPlotlyChart"]').count() == 3
    _main(page).get_by_text("52 weeks", exact=True).click()
    page.wait_for_url("**window=52**")
    wait_for_app(page)
    assert main_caption(page).startswith("52 weeks from")
    open_page(page, f"{app_url}/voice?window=4&region=EMEA")
    assert main_caption(page).startswith("4 weeks from")


def test_searching_the_verbatims_narrows_them(page: Page, app_url: str) -> None:
    sent = reruns(page)
    open_page(page, f"{app_url}/voice?window=52")
    before = int(_shown(page).split(" of ")[1].replace(",", ""))
    search = _main(page).get_by_label("Search comments")
    search.fill("invoice")
    search.press("Enter")
    wait_for_app(page)
    after = int(_shown(page).split(" of ")[1].replace(",", ""))
    assert 0 < after < before
    assert not sent[0].fragment_id and sent[-1].fragment_id  # the search reran the verbatims section alone
    assert screenshot(page, "voice-search").stat().st_size > 10_000
