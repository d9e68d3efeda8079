"""The Scorecard's "Review pack (PDF)" button in headless Chromium: a click downloads the pack of the view on screen."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader

from tests.browser.tab import wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PACK_TIMEOUT_MS = 180_000  # the pack is drawn and printed on the click; a loaded 2-core machine takes tens of seconds


def test_the_button_downloads_the_pack_of_the_filtered_view(page: Page, app_url: str, tmp_path) -> None:
    page.goto(f"{app_url}/?region=EMEA&grain=month")
    wait_for_app(page)
    with page.expect_download(timeout=PACK_TIMEOUT_MS) as download:
        page.get_by_role("button", name="Review pack (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("cx-review-2026-W46") and saved.suffix == ".pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages]
    assert len(pages) >= 8
    assert all("Scope: region EMEA" in text for text in pages)
    assert "Month Oct 2026" in pages[1]  # the period chosen on screen
