"""Load on the hosted dashboard: many signed-in sessions at once, each opening the Scorecard and two other pages and
changing a filter, measured at the server.

A fleet of real browsers on a 2-core machine competes with the server for the CPU and measures itself, so the
sessions here speak Streamlit's own protocol instead: each signs in at the OpenID Connect provider over HTTP (the
sign-in cookies land in its cookie jar exactly as in a browser), opens the websocket `/_stcore/stream` through the
proxy and sends the `rerun_script` messages a browser sends, with the page's name and the widget state of a changed
filter; a script run is timed from the request to its `script_finished` message. Nothing is rendered.

    python benchmarks/bench_load.py [--sessions 50] [--seconds 300] [--settle 150] [--think 0] [--cold] [--db PATH]

starts `scripts/hosted_demo.sh` (two replicas behind nginx) over the database (default: the sample world) and
prints: errors, p50/p95 script-run time per page, server CPU seconds per page view, and the replicas' resident
memory before (after the warm-up: each kind of visit once on each replica, pinned by the proxy's sticky cookie; with
`--cold` there is none, as for the first visitors after a start or a new load), at peak, and `--settle` seconds
after every session closed. A session that has not finished by `--seconds` is counted as an error; every request
goes to this machine's loopback. With
`--think N` each session pauses before each action (uniformly 0 to 2N seconds, seeded), as a person reading does;
by default all sessions act at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
IDENTITIES = ("exec", "emea", "cx", "admin")
# The two pages after the Scorecard, by session (rotating), and the filter each session changes on the last one.
OTHER_PAGES = (("journey", "loyalty"), ("cx-financials", "voice"), ("complaints", "people"))
FILTER_LABEL, FILTER_VALUE = "Region", "EMEA"
READY = re.compile(r"ready at (http://\S+)")
# The proxy's sticky cookie and its values (deploy/nginx.conf.template).
REPLICA_COOKIE, REPLICAS = "cx_replica", ("replica_1", "replica_2")


@dataclass
class Results:
    """What the sessions saw: script-run seconds per page, and errors with their reasons."""

    runs: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, page: str, seconds: float) -> None:
        """One finished script run."""
        self.runs.setdefault(page, []).append(seconds)


async def sign_in(url: str, sub: str, replica: str | None = None) -> httpx.Cookies:
    """The cookies of a browser that signed in as `sub`: it opens the sign-in page, presses "Sign in" (the script
    answers with the provider's address), chooses `sub` at the test provider and comes back through the callback.
    With `replica` (replica_1 or replica_2) the browser comes with the proxy's sticky cookie for that replica."""
    pinned = httpx.Cookies()
    if replica:  # stored as the proxy stores it (host-only, path /), so the proxy's own Set-Cookie replaces it
        pinned.set(REPLICA_COOKIE, replica, domain=httpx.URL(url).host, path="/")
    async with httpx.AsyncClient(base_url=url, follow_redirects=True, timeout=60, cookies=pinned) as http:
        await http.get("/")
        await http.get("/_stcore/health")  # as the page does first: it sets the XSRF cookie
        async with _stream(url, http.cookies) as ws:
            _, widgets, _, _ = await _script_run(ws, _rerun(""))
            button = widgets[("button", "Sign in")]
            await ws.send(_rerun("", triggers=(button,)))
            address = await _auth_redirect(ws)
        provider = await http.get(address)
        await http.post(str(provider.url), data={"sub": sub})
        if "_streamlit_user" not in http.cookies:
            raise RuntimeError(f"{sub} did not sign in (the callback set no user cookie)")
        return http.cookies


def _stream(url: str, cookies: httpx.Cookies):
    """The websocket a browser with `cookies` opens (its XSRF token in the subprotocols, as the browser sends it)."""
    xsrf = cookies.get("_streamlit_xsrf")
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return websockets.connect(
        url.replace("http://", "ws://") + "/_stcore/stream",
        subprotocols=["streamlit", *([xsrf] if xsrf else [])],
        additional_headers={"Cookie": header, "Origin": url},
        max_size=None,
        open_timeout=120,  # a browser waits for a busy server far longer than the library's 10 s
    )


async def _auth_redirect(ws) -> str:
    """The address the script sends the browser to after st.login()."""
    while True:
        message = ForwardMsg()
        message.ParseFromString(await ws.recv())
        if message.WhichOneof("type") == "auth_redirect":
            return message.auth_redirect.url


def _rerun(page: str, widgets: dict[str, list[str]] | None = None, triggers: tuple[str, ...] = ()) -> bytes:
    """The rerun request a browser sends to open `page` (its URL name), with changed multiselect values and pressed
    buttons."""
    message = BackMsg()
    message.rerun_script.page_name = page
    for widget_id, values in (widgets or {}).items():
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget_id
        state.string_array_value.data.extend(values)
    for widget_id in triggers:
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget_id
        state.trigger_value = True
    return message.SerializeToString()


async def _script_run(ws, request: bytes) -> tuple[float, dict[tuple[str, str], str], int, str]:
    """Send a rerun and read until it finishes: seconds, the widgets drawn ((kind, label) -> id), exceptions, and
    the text of its markdown."""
    start = time.perf_counter()
    await ws.send(request)
    widgets, exceptions, said = {}, 0, []
    while True:
        message = ForwardMsg()
        message.ParseFromString(await ws.recv())
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            chosen = element.WhichOneof("type")
            exceptions += chosen == "exception"
            if chosen == "markdown":
                said.append(element.markdown.body)
            widget = getattr(element, chosen)
            if getattr(widget, "id", "") and hasattr(widget, "label"):
                widgets.setdefault((chosen, widget.label), widget.id)
        if kind == "page_not_found":
            raise RuntimeError("page not found")
        if kind == "script_finished":
            return time.perf_counter() - start, widgets, exceptions, "\n".join(said)


async def session(url: str, number: int, results: Results, think: float = 0.0, replica: str | None = None) -> None:
    """One signed-in visit: the Scorecard, two other pages, then a filter changed on the last one; with `think`,
    a pause before each action drawn uniformly from 0 to twice that many seconds (a person reading the page)."""
    pause = random.Random(number)
    cookies = await sign_in(url, IDENTITIES[number % len(IDENTITIES)], replica)
    pages = ("", *OTHER_PAGES[number % len(OTHER_PAGES)])
    async with _stream(url, cookies) as ws:
        widgets: dict[tuple[str, str], str] = {}
        for page in pages:
            await asyncio.sleep(pause.uniform(0, 2 * think))
            seconds, widgets, exceptions, _ = await _script_run(ws, _rerun(page))
            results.add(page or "scorecard", seconds)
            if exceptions:
                results.errors.append(f"session {number}: {exceptions} exception(s) on {page or 'scorecard'}")
        chosen = {widgets[("multiselect", FILTER_LABEL)]: [FILTER_VALUE]}
        await asyncio.sleep(pause.uniform(0, 2 * think))
        seconds, _, exceptions, said = await _script_run(ws, _rerun(pages[-1], chosen))
        results.add(f"{pages[-1]} (filter changed)", seconds)
        if exceptions:
            results.errors.append(f"session {number}: {exceptions} exception(s) after the filter change")
        if f"region {FILTER_VALUE}" not in said:
            results.errors.append(f"session {number}: the page did not say it shows region {FILTER_VALUE}")


async def fleet(url: str, sessions: int, seconds: float, think: float = 0.0) -> Results:
    """`sessions` sessions at once, each bounded by the time limit."""
    results = Results()
    await asyncio.gather(*(bounded(url, n, results, seconds, think) for n in range(sessions)))
    return results


async def bounded(
    url: str, number: int, results: Results, seconds: float, think: float = 0.0, replica: str | None = None
) -> None:
    """One session within the time limit; its failure, whatever it is, becomes a reported error."""
    try:
        await asyncio.wait_for(session(url, number, results, think, replica), seconds)
    except Exception as error:  # noqa: BLE001 (every failure of a session is a reported error)
        pinned = f" on {replica}" if replica else ""
        results.errors.append(f"session {number}{pinned}: {type(error).__name__}: {error}")


async def warm_up(url: str, seconds: float) -> Results:
    """Every kind of visit the fleet makes (each identity with each set of pages, filter included), once on each
    replica: what a server that has served its leaders for a while holds in its caches."""
    results = Results()
    kinds = len(IDENTITIES) * len(OTHER_PAGES)
    for replica in REPLICAS:
        for number in range(kinds):
            await bounded(url, number, results, seconds, replica=replica)
    return results


# --- the server processes ------------------------------------------------------------------------------------------


def _replica_pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in sorted(folder.glob("replica-*.pid"))]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _rss_mb(pids: list[int]) -> float:
    """Resident memory of the processes, in MB."""
    found = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found += int(line.split()[1])
    return found / 1024


class PeakMemory:
    """Samples the processes' resident memory every half second while running; `peak` is the largest sample."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak, self._stop = pids, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pids))
            self._stop.wait(0.5)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def start_demo(db: str | None, folder: Path) -> tuple[subprocess.Popen, str]:
    """`scripts/hosted_demo.sh` on ports from 18500 (or CX_DEMO_PORT); its process and proxy URL once ready."""
    env = {**os.environ, "CX_DEMO_DIR": str(folder), "CX_DEMO_PORT": os.environ.get("CX_DEMO_PORT", "18500")}
    if db:
        env["CX_DB"] = db
    process = subprocess.Popen(
        ["bash", "scripts/hosted_demo.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    for line in process.stdout:
        found = READY.search(line)
        if found:
            return process, found.group(1)
    raise RuntimeError(f"the hosted demo did not start; see {folder}")


# --- the report ----------------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(results: Results, sessions: int, cpu: float, memory: tuple[float, float, float], wall: float) -> str:
    """The printed table."""
    views = sum(len(v) for v in results.runs.values())
    lines = [
        f"{sessions} sessions, {views} script runs in {wall:.1f} s; errors: {len(results.errors)}",
        *(f"  error: {e}" for e in results.errors[:10]),
        "| page | runs | p50 s | p95 s | max s |",
        "|---|---:|---:|---:|---:|",
    ]
    for page, runs in sorted(results.runs.items()):
        lines.append(
            f"| {page} | {len(runs)} | {_percentile(runs, 50):.2f} | {_percentile(runs, 95):.2f} | {max(runs):.2f} |"
        )
    before, peak, after = memory
    lines.append(f"server CPU seconds per page view: {cpu / max(views, 1):.2f} ({cpu:.1f} s over {views} views)")
    lines.append(
        f"replicas' resident memory: before {before:.0f} MB, peak {peak:.0f} MB, after {after:.0f} MB "
        f"({100 * (after - before) / before:+.1f}% against before)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Start the hosted demo, warm it with one session, run the fleet, wait, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300, help="time limit of each session")
    parser.add_argument("--settle", type=float, default=150, help="seconds to wait after the sessions closed")
    parser.add_argument("--db", help="the database (default: the sample world)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a person reads before each action")
    parser.add_argument("--cold", action="store_true", help="no warm-up: the first visitors after a start or a load")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cx-load-") as tmp:
        process, url = start_demo(args.db, Path(tmp))
        try:
            pids = _replica_pids(Path(tmp))
            if not args.cold:
                warm = asyncio.run(warm_up(url, args.seconds))
                if warm.errors:
                    print("\n".join(warm.errors), file=sys.stderr)
                    return 1
            before, cpu_before, start = _rss_mb(pids), _cpu_seconds(pids), time.perf_counter()
            with PeakMemory(pids) as peak:
                results = asyncio.run(fleet(url, args.sessions, args.seconds, args.think))
            wall, cpu = time.perf_counter() - start, _cpu_seconds(pids) - cpu_before
            time.sleep(args.settle)
            print(report(results, args.sessions, cpu, (before, peak.peak, _rss_mb(pids)), wall))
            return 1 if results.errors else 0
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
