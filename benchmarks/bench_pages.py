"""How long each page takes to settle in Chromium, and where that time goes.

    python benchmarks/bench_pages.py [--db PATH] [--visits 5] [--pages scorecard journey ...] [--compare DIR]

Serves the dashboard with `streamlit run` on a free localhost port (over the sample world by default, built first
when missing; `--db` for another database) and, in the same run, the floor: a two-page Streamlit app with a metric
and a small table. Headless Chromium (Debian's, /usr/bin/chromium) opens each page once to warm the server, then
`--visits` more times, each a fresh load of the page (a new session of a warm server). Per page it prints medians:

- **settle s**: navigation start to the end of the page's last script run, when the app reports it is not running
  and nothing is left to draw (no skeleton, the title shown);
- **boot s**: navigation start to the first rerun request on the websocket (the HTML, the scripts, the connection);
- **script s**: the script runs, from each rerun request to its `script_finished` message (the server's work, as
  the browser sees it), summed over the visit's runs; **runs**: how many script runs the visit took;
- **render s**: from the last `script_finished` to the settled page (drawing what is left);
- **busy s**: the browser's main thread in long tasks (over 50 ms) during the visit (parsing and rendering);
- **KB**: bytes the websocket received, and of them **tables KB** (Arrow data frames), **figures KB** (Plotly JSON)
  and **metrics KB** (tiles with their sparklines).

Timings on a shared machine vary; compare pages with the floor measured in the same run. `--compare DIR` serves
another checkout's dashboard.py (say, of the previous commit) over the same database beside this one and measures
each page on both, visit by visit in turn, so a change is measured against its baseline under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxmetrics import config, db, navigation  # noqa: E402
from cxmetrics.ingest import load as ingest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

# Installed before the app's own scripts: times every websocket message and notes when the page is settled.
_INSTRUMENT = """(() => {
    const log = [];
    window.__cx = {log, settled: [], longtasks: 0};
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', (e) => log.push(['in', performance.now(), e.data.byteLength || 0]));
        }
        send(data) {
            log.push(['out', performance.now(), data.byteLength || data.length || 0]);
            return super.send(data);
        }
    };
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__cx.longtasks += entry.duration;
    }).observe({type: 'longtask', buffered: true});
    let was = false;
    setInterval(() => {
        const app = document.querySelector('[data-testid="stApp"]');
        const now = !!(app && app.getAttribute('data-test-script-state') === 'notRunning'
            && !document.querySelector('[data-testid="stSkeleton"]')
            && document.querySelector('[data-testid="stMainBlockContainer"] h1'));
        if (now && !was) window.__cx.settled.push(performance.now());
        was = now;
    }, 5);
})();"""

_FLOOR_APP = '''
"""The floor: the least a Streamlit page costs in this harness (two pages, a metric and a small table)."""
import pandas as pd
import streamlit as st


def first() -> None:
    st.title("First")
    st.metric("NPS", 42, 3)
    st.dataframe(pd.DataFrame({"region": ["EMEA", "Americas", "APAC"], "nps": [40, 45, 38]}))


def second() -> None:
    st.title("Second")
    st.metric("CSAT", "81%", "-1 pt")
    st.dataframe(pd.DataFrame({"segment": ["SMB", "Mid", "Enterprise"], "csat": [0.8, 0.82, 0.79]}))


st.navigation([st.Page(first, url_path="first"), st.Page(second, url_path="second")]).run()
'''

_KINDS = {
    "dataframe": "tables",
    "table": "tables",
    "plotly_chart": "figures",
    "vega_lite_chart": "figures",
    "metric": "metrics",
}


@dataclass
class Visit:
    """One load of a page: the split of its settle time (seconds) and the bytes it received by kind."""

    settle: float
    boot: float
    script: float
    runs: int
    render: float
    busy: float
    received: dict[str, int] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(script: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """`streamlit run script` (in the script's folder) on a free localhost port; its URL once healthy."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=script.parent, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _kinds(payload: bytes) -> tuple[bool, dict[str, int]]:
    """Whether a websocket message ends a script run, and its bytes by kind of element."""
    message = ForwardMsg()
    message.ParseFromString(payload)
    kind = message.WhichOneof("type")
    sizes = {"total": len(payload)}
    if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        name = _KINDS.get(element.WhichOneof("type") or "")
        if name:
            sizes[name] = len(payload)
    return kind == "script_finished", sizes


def visit(page: Page, url: str, quiet_ms: int = 600, timeout_s: float = 120) -> Visit:
    """Load `url` in `page` and wait until it settles and stays settled `quiet_ms`; the visit's figures."""
    payloads: list[bytes] = []

    def on_socket(ws) -> None:
        ws.on("framereceived", lambda payload: payloads.append(payload if isinstance(payload, bytes) else b""))

    page.on("websocket", on_socket)
    page.goto(url)
    deadline = time.monotonic() + timeout_s
    while True:
        page.wait_for_timeout(quiet_ms)
        state = page.evaluate("() => ({settled: window.__cx.settled, n: window.__cx.log.length, t: performance.now()})")
        done = page.evaluate(
            "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
        )
        if done == "notRunning" and state["settled"] and state["t"] - state["settled"][-1] >= quiet_ms:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not settle")
    found = page.evaluate("() => window.__cx")
    page.remove_listener("websocket", on_socket)
    return _visit(found, payloads)


def _visit(found: dict, payloads: list[bytes]) -> Visit:
    """The figures of one visit from the page's message log and the payloads Playwright saw, in the same order."""
    inbound = [entry for entry in found["log"] if entry[0] == "in"]
    received: dict[str, int] = {}
    script, runs, sent, finished = 0.0, 0, None, None
    boot = next((t for kind, t, _ in found["log"] if kind == "out"), 0.0)
    payload_at = iter(payloads[: len(inbound)])
    for kind, at, _ in found["log"]:
        if kind == "out":
            sent = at
            continue
        ends, sizes = _kinds(next(payload_at, b""))
        for name, size in sizes.items():
            received[name] = received.get(name, 0) + size
        if ends and sent is not None:
            script, runs, finished, sent = script + at - sent, runs + 1, at, None
    settle = max(found["settled"][-1], finished or 0.0)
    return Visit(
        settle=settle / 1000,
        boot=boot / 1000,
        script=script / 1000,
        runs=runs,
        render=(settle - (finished or settle)) / 1000,
        busy=found["longtasks"] / 1000,
        received=received,
    )


def measure(page: Page, urls: list[str], visits: int) -> list[list[Visit]]:
    """One warm-up visit of each URL, then `visits` measured rounds that visit each in turn (so that a change in the
    machine's load falls on all of them alike); the visits of each URL."""
    for url in urls:
        visit(page, url)
    rounds = [[visit(page, url) for url in urls] for _ in range(visits)]
    return [list(found) for found in zip(*rounds, strict=True)]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def row(name: str, found: list[Visit]) -> str:
    """A table row of medians over the visits."""
    kb = {key: _median([v.received.get(key, 0) / 1024 for v in found]) for key in ("total", *set(_KINDS.values()))}
    return (
        f"| {name} | {_median([v.settle for v in found]):.2f} | {_median([v.boot for v in found]):.2f} "
        f"| {_median([v.script for v in found]):.2f} | {_median([v.runs for v in found]):.0f} "
        f"| {_median([v.render for v in found]):.2f} | {_median([v.busy for v in found]):.2f} "
        f"| {kb['total']:,.0f} | {kb['tables']:,.0f} | {kb['figures']:,.0f} | {kb['metrics']:,.0f} |"
    )


def sample_world() -> str:
    """The embedded sample database, built from sample_data/ when missing or stale."""
    target = Path(db.configured_target())
    target.parent.mkdir(parents=True, exist_ok=True)
    ingest.ensure_built(target, Path(config.get("CX_SAMPLE_DIR")))
    return str(target)


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard and the floor app, visit every page, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="the database (default: the sample world)")
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--pages", nargs="*", help="URL names of the pages to visit (default: all)")
    parser.add_argument("--compare", type=Path, help="another checkout whose dashboard is measured beside this one")
    args = parser.parse_args(argv)
    roots = {"this": ROOT, **({"compared": args.compare.resolve()} if args.compare else {})}
    database = args.db or sample_world()
    pages = [p for p in navigation.PAGES if not args.pages or p.url_path in args.pages]
    header = [
        f"database: {database}; median of {args.visits} warm visits; load average {os.getloadavg()[0]:.1f}",
        "| page | settle s | boot s | script s | runs | render s | busy s | KB | tables KB | figures KB | metrics KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(header), flush=True)
    with tempfile.TemporaryDirectory(prefix="cx-pages-") as tmp:
        floor = Path(tmp) / "floor.py"
        floor.write_text(textwrap.dedent(_FLOOR_APP))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.add_init_script(_INSTRUMENT)
            tab = context.new_page()
            with serving(floor, {}, Path(tmp) / "floor.log") as url:
                for name in ("first", "second"):
                    print(row(f"floor: {name}", measure(tab, [f"{url}/{name}"], args.visits)[0]), flush=True)
            with contextlib.ExitStack() as servers:
                urls = {
                    label: servers.enter_context(serving(root / "dashboard.py", {"CX_DB": database}, Path(tmp) / label))
                    for label, root in roots.items()
                }
                for spec in pages:
                    found = measure(tab, [f"{url}/{navigation.url_path(spec)}" for url in urls.values()], args.visits)
                    for label, visits in zip(urls, found, strict=True):
                        print(row(spec.title + (f" ({label})" if len(urls) > 1 else ""), visits), flush=True)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
