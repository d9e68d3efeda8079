"""A data-quality warning on the Scorecard in headless Chromium: the small sample world with a broken survey trigger
planted in its last week; the screenshot is for a person to look at as an executive would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import serving
from tests.browser.tab import MAIN, screenshot, wait_for_app
from tests.quality_fixtures import BROKEN_TRIGGER, planted_sample_world

WARNING = f'{MAIN} [data-testid="stAlertContentWarning"] [data-testid="stMarkdownContainer"]'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def broken_trigger_url(small_world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard over the small sample world whose North America email survey trigger broke in 2026-W46."""
    folder = tmp_path_factory.mktemp("broken_trigger_browser")
    database = planted_sample_world(small_world_dir, folder, BROKEN_TRIGGER)
    with serving({"CX_DB": str(database)}, folder / "streamlit.log") as url:
        yield url


def test_the_scorecard_shows_the_broken_trigger_in_one_line_above_the_numbers(page: Page, broken_trigger_url: str):
    page.goto(broken_trigger_url)
    wait_for_app(page)
    warnings = page.locator(WARNING)
    assert warnings.count() == 1
    text = warnings.first.inner_text()
    assert text.startswith("North America email survey volume fell ") and text.endswith("check the survey trigger.")
    warning_top = warnings.first.bounding_box()["y"]
    tiles_top = page.locator('[data-testid="stMetric"]').first.bounding_box()["y"]
    assert warning_top < tiles_top, "the line is read before the numbers it qualifies"
    assert screenshot(page, "scorecard-data-quality-warning").stat().st_size > 10_000


def test_the_data_page_shows_the_data_quality_section(page: Page, broken_trigger_url: str):
    page.goto(f"{broken_trigger_url}/data")
    wait_for_app(page)
    assert page.get_by_role("heading", name="Data quality").count() == 1
    assert page.locator(WARNING).first.inner_text().startswith("North America email survey volume fell ")
    screenshot(page, "data-quality-section")
