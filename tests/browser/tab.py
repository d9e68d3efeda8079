"""Driving and reading one browser tab of the running dashboard: wait for a run to settle, open a page by its link,
read what the main area shows, save a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from streamlit.proto.BackMsg_pb2 import BackMsg

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
MAIN = '[data-testid="stMainBlockContainer"]'

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


def open_page(page: Page, url: str) -> None:
    """Open a page by its link and wait for it to render."""
    page.goto(url)
    wait_for_app(page)


def main_caption(page: Page) -> str:
    """The first caption of the page's main area."""
    return page.locator(f'{MAIN} [data-testid="stCaptionContainer"]').first.inner_text()


def chosen_segment(page: Page) -> str:
    """The label of the first selected option of a segmented control in the page's main area."""
    checked = page.locator(
        f'{MAIN} [data-testid="stButtonGroup"] button[aria-checked="true"], {MAIN} [kind="segmented_controlActive"]'
    )
    return checked.first.inner_text()


def reruns(page: Page) -> list:
    """From now on, every rerun request the tab sends to the server (`rerun_script` messages, in order): one with a
    `fragment_id` reruns that section of the page alone."""
    sent: list = []

    def on_frame(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            message = BackMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "rerun_script":
                sent.append(message.rerun_script)

    page.on("websocket", lambda ws: ws.on("framesent", on_frame))
    return sent
