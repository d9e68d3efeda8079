"""A real `streamlit run` of the dashboard on a free localhost port, and headless Chromium to drive it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "screenshots"
MAIN = '[data-testid="stMainBlockContainer"]'
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


@pytest.fixture(scope="session")
def app_url(small_world_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served by `streamlit run` over the small sample world."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "CX_DB": str(small_world_db)}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with no background network traffic."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab at a desktop size."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


_SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]')
        && document.querySelector('[data-testid="stMainBlockContainer"] h1');
}"""


def wait_for_app(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the script run has finished and every element has rendered (twice, to outlast a rerun)."""
    for _ in range(2):
        page.wait_for_function(_SETTLED, timeout=timeout_ms)
        page.wait_for_timeout(400)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def close_dialog(page: Page) -> None:
    """Close the "Page not found" notice the app shell shows on a direct link to a page other than the first (the
    page itself renders behind it)."""
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")


def open_page(page: Page, url: str) -> None:
    """Open a page by its link, wait for it to render and close the shell's notice if it shows one."""
    page.goto(url)
    wait_for_app(page)
    close_dialog(page)


def main_caption(page: Page) -> str:
    """The first caption of the page's main area."""
    return page.locator(f'{MAIN} [data-testid="stCaptionContainer"]').first.inner_text()


def chosen_segment(page: Page) -> str:
    """The label of the first selected option of a segmented control in the page's main area."""
    checked = page.locator(
        f'{MAIN} [data-testid="stButtonGroup"] button[aria-checked="true"], {MAIN} [kind="segmented_controlActive"]'
    )
    return checked.first.inner_text()
