"""CX & Financials in headless Chromium: every section renders (those below the fold once opened), the split travels
in the URL both ways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.tab import chosen_segment, open_page, reruns, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_sections_render_and_the_split_travels_in_the_url(page: Page, app_url: str) -> None:
    sent = reruns(page)
    open_page(page, f"{app_url}/cx-financials")
    main = page.locator('[data-testid="stMainBlockContainer"]')
    assert main.locator("h1").first.inner_text().startswith("CX & Financials")
    assert main.get_by_text("A promoter is worth").count() == 1
    assert main.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("By region", exact=True).click()
    page.wait_for_url("**split=region**")
    wait_for_app(page)
    assert sent[-1].fragment_id  # the split reran its chart's section alone
    # side by side, premium by segment, group values, revenue at risk; below the fold nothing until opened
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 4
    for label in ("Does NPS lead revenue and churn?", "CX ROI model", "Where CX and growth move together"):
        main.locator('[data-testid="stExpander"] summary', has_text=label).click()
        wait_for_app(page)
    # and opened: the lead-lag, the ROI range and the segment bubbles
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 7
    assert main.locator('[data-testid="stException"]').count() == 0
    open_page(page, f"{app_url}/cx-financials?split=segment&region=EMEA")
    assert "By segment" in chosen_segment(page)
    assert screenshot(page, "cx-financials-by-segment-emea").stat().st_size > 10_000
