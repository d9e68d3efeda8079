"""The Journey & Drivers page in headless Chromium: the scorecard's explore link opens on its cell, and clicking a
cell of the journey map opens that cell's detail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import open_page, screenshot, wait_for_app

pytestmark = pytest.mark.browser

# The page position of the map cell at (touchpoint index, row index), from plotly's own axis conversions.
_CELL_POSITION = """([x, y]) => {
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const layout = plot._fullLayout;
    const box = plot.getBoundingClientRect();
    const left = box.left + layout.xaxis._offset + layout.xaxis.l2p(x);
    return [left, box.top + layout.yaxis._offset + layout.yaxis.l2p(y)];
}"""


def _selected(page: Page, label: str) -> str:
    main = page.locator('[data-testid="stMainBlockContainer"]')
    return main.get_by_role("combobox", name=label).input_value()


def test_the_explore_link_opens_the_map_on_its_cell(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/journey?week=2026-W46&grain=week&region=EMEA&touchpoint=billing")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    assert (_selected(page, "Region"), _selected(page, "Touchpoint")) == ("EMEA", "Billing")
    assert "clear the Touchpoint filter" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert screenshot(page, "journey-explore-link").stat().st_size > 10_000


def test_clicking_a_map_cell_opens_its_detail(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/journey?grain=quarter")
    before = (_selected(page, "Region"), _selected(page, "Touchpoint"))
    target = ("EMEA", "Product") if before != ("EMEA", "Product") else ("APAC", "Support")
    rows = ["All", "APAC", "EMEA", "LATAM", "North America"]
    columns = ["Sales", "Onboarding", "Product", "Support", "Field service", "Billing", "Renewal"]
    x, y = page.evaluate(_CELL_POSITION, [columns.index(target[1]), rows.index(target[0])])
    page.mouse.click(x, y)
    page.wait_for_timeout(500)
    wait_for_app(page)
    assert (_selected(page, "Region"), _selected(page, "Touchpoint")) == target
