"""One headless Chromium session turns a pack into files: each plotly figure into an SVG (kaleido, offline, with the
plotly.js that ships with plotly), then the finished HTML into a PDF (the DevTools `Page.printToPDF`).

Chromium lays the page out with the CSS paged-media rules of the document (`@page` size and margin boxes with the
page counter), so the PDF and the HTML file are the same document; the figures stay vectors in both.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import kaleido
import kaleido.errors
import plotly.graph_objects as go

from cxmetrics import config

LOAD_TIMEOUT_S = 60


class RenderError(RuntimeError):
    """The browser could not be started or could not render (the message says which and why)."""


@dataclass(frozen=True)
class Chart:
    """A figure to draw at a size in CSS pixels (the pack's text column is about 690 px wide)."""

    figure: go.Figure
    width: int = 690
    height: int = 320


def browser_path() -> str:
    """The Chromium the packs are drawn with (`CX_BROWSER`), checked to exist."""
    path = str(config.get("CX_BROWSER"))
    if not Path(path).is_file():
        raise RenderError(f"no browser at {path}: install Debian's chromium or set CX_BROWSER")
    return path


def _svg_text(data: bytes) -> str:
    """The SVG as markup to inline in HTML (kaleido returns bytes with the XML namespace already declared)."""
    return data.decode("utf-8")


async def _svgs(session: kaleido.Kaleido, charts: Sequence[Chart]) -> list[str]:
    found = []
    for chart in charts:
        data = await session.calc_fig(
            chart.figure, opts={"format": "svg", "width": chart.width, "height": chart.height}
        )
        found.append(_svg_text(data))
    return found


async def _pdf(session: kaleido.Kaleido, html: str) -> bytes:
    """The document printed by the same browser, its page size and margins from its own `@page` rules."""
    with tempfile.TemporaryDirectory(prefix="cx-pack-") as folder:
        page = Path(folder) / "pack.html"
        page.write_text(html, encoding="utf-8")
        tab = await session.create_tab("about:blank")
        await tab.send_command("Page.enable")
        loaded = tab.subscribe_once("Page.loadEventFired")
        await tab.send_command("Page.navigate", params={"url": page.as_uri()})
        await asyncio.wait_for(loaded, LOAD_TIMEOUT_S)
        printed = await tab.send_command("Page.printToPDF", params={"preferCSSPageSize": True, "printBackground": True})
    if "error" in printed:
        raise RenderError(f"the browser could not print the pack: {printed['error']}")
    return base64.b64decode(printed["result"]["data"])


async def _render(charts: Sequence[Chart], assemble, want_pdf: bool) -> tuple[str, bytes | None]:
    async with kaleido.Kaleido(path=browser_path(), mathjax=False, timeout=LOAD_TIMEOUT_S) as session:
        html = assemble(await _svgs(session, charts))
        return html, (await _pdf(session, html) if want_pdf else None)


def _run_apart(coroutine):
    """Run `coroutine` to its end on an event loop of its own: in this thread when none runs here, else in a thread of
    its own (a caller may already run a loop, as a test session driving a browser or an app server does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def render(charts: Sequence[Chart], assemble, want_pdf: bool) -> tuple[str, bytes | None]:
    """Draw `charts` as SVG, pass them (in order) to `assemble` for the finished HTML, and print that to PDF when
    `want_pdf`; one browser session for all of it."""
    try:
        return _run_apart(_render(charts, assemble, want_pdf))
    except RenderError:
        raise
    except (TimeoutError, OSError, RuntimeError, kaleido.errors.KaleidoError) as error:
        raise RenderError(f"the browser could not render the pack: {error}") from error
