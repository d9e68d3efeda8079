"""The hosted dashboard end to end, as `scripts/hosted_demo.sh` starts it: a real OpenID Connect test provider, two
replicas of `streamlit run serve.py` and nginx with sticky sessions in front. Every role signs in through the proxy
and sees its slice, both replicas take sessions, and a load publishes a new database that both replicas move to
without a restart, closing the replaced file."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page

from cxmetrics.ingest.load import load_folder
from tests.browser.conftest import ROOT
from tests.browser.tab import MAIN, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PROXY = re.compile(r"ready at (http://\S+)")


@dataclass(frozen=True)
class Stack:
    """The running demo: the proxy's URL, the replicas' ports, its folder of logs and settings, its database."""

    url: str
    replica_ports: tuple[int, int]
    folder: Path
    database: Path


def _free_base_port() -> int:
    """A port whose next three are free too (the demo takes four consecutive ports)."""
    for base in range(20000 + os.getpid() % 2000 * 10, 60000, 10):
        try:
            sockets = [socket.create_server(("127.0.0.1", base + i)) for i in range(4)]
        except OSError:
            continue
        for sock in sockets:
            sock.close()
        return base
    raise RuntimeError("no four consecutive free ports")


@pytest.fixture(scope="module")
def stack(small_world_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`bash scripts/hosted_demo.sh` on free ports over a copy of the small world; Ctrl-C (SIGINT) at the end."""
    folder = tmp_path_factory.mktemp("hosted_demo")
    database = folder / "cx.duckdb"
    shutil.copyfile(small_world_db, database)
    base = _free_base_port()
    env = {**os.environ, "CX_DEMO_PORT": str(base), "CX_DB": str(database), "CX_DEMO_DIR": str(folder / "run")}
    process = subprocess.Popen(
        ["bash", "scripts/hosted_demo.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    lines = []
    for line in process.stdout:
        lines.append(line)
        found = PROXY.search(line)
        if found:
            break
    else:
        raise RuntimeError("the demo did not start:\n" + "".join(lines))
    try:
        yield Stack(found.group(1), (base + 2, base + 3), folder / "run", database)
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        assert "Stopped." in out


def _signed_in(browser: Browser, stack: Stack, sub: str, replica: str | None = None) -> Page:
    """A new browser (pinned to `replica` when given) signed in as the demo identity `sub`."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    if replica:
        host = stack.url.removeprefix("http://").split(":")[0]
        context.add_cookies([{"name": "cx_replica", "value": replica, "domain": host, "path": "/"}])
    page = context.new_page()
    page.goto(stack.url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    page.locator(f'button[name="sub"][value="{sub}"]').click()
    page.wait_for_url(f"{stack.url}/**")
    wait_for_app(page)
    return page


def _subtitle(page: Page) -> str:
    return page.locator(MAIN).get_by_text(re.compile(r"^Week \d{4}-W\d\d")).first.inner_text()


@pytest.mark.parametrize(
    ("sub", "sees"),
    [("exec", "for all regions"), ("emea", "for region EMEA"), ("cx", "for all regions"), ("admin", "for all regions")],
)
def test_each_role_signs_in_through_the_proxy_and_sees_its_slice(browser, stack, sub, sees) -> None:
    page = _signed_in(browser, stack, sub)
    assert page.locator(MAIN).locator("h1").first.inner_text() == "Scorecard"
    assert sees in _subtitle(page)
    data_link = page.get_by_role("link", name="Data", exact=True)
    assert data_link.count() == (1 if sub in ("cx", "admin") else 0)
    assert screenshot(page, f"hosted-{sub}-scorecard").stat().st_size > 10_000
    page.context.close()


def test_someone_not_on_the_list_sees_no_access_through_the_proxy(browser, stack) -> None:
    page = _signed_in(browser, stack, "someone")
    assert page.get_by_text("does not give you access").count() == 1
    assert page.locator(MAIN).locator("h1").count() == 0 or "Scorecard" not in page.locator(MAIN).inner_text()
    page.context.close()


def test_both_replicas_take_sessions_and_a_session_stays_on_its_replica(browser, stack) -> None:
    for replica in ("replica_1", "replica_2"):
        page = _signed_in(browser, stack, "emea", replica)
        assert "for region EMEA" in _subtitle(page)
        page.context.close()
    log = (stack.folder / "nginx-access.log").read_text().splitlines()
    served = {
        cookie: {line.split()[-2] for line in log if line.endswith(f" {cookie}") and "/_stcore/stream" in line}
        for cookie in ("replica_1", "replica_2")
    }
    first, second = (f"127.0.0.1:{port}" for port in stack.replica_ports)
    assert served == {"replica_1": {first}, "replica_2": {second}}  # each websocket on its own replica


def _ready(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cx/ready", timeout=10) as response:
        return json.loads(response.read())


def _replaced_files_open(stack: Stack, port: int) -> list[str]:
    """The replaced (deleted) database files the replica on `port` still holds open."""
    pid = int((stack.folder / f"replica-{port}.pid").read_text())
    links = (os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return [link for link in links if link.startswith(str(stack.database)) and link.endswith("(deleted)")]


def _warm_ups(stack: Stack, port: int) -> list[str]:
    """The warm-ups the replica on `port` has logged."""
    lines = (stack.folder / f"replica-{port}.log").read_text().splitlines()
    return [line for line in lines if "Warmed the caches" in line]


def test_each_replica_warms_its_caches_before_it_reports_ready(stack) -> None:
    for port in stack.replica_ports:
        (done,) = _warm_ups(stack, port)  # ready (the demo waited for it) only once the first warm-up is done
        assert "not warmed" not in done


def test_a_load_publishes_a_new_database_that_both_replicas_move_to_and_warm_without_a_restart(
    stack, small_world_dir: Path, tmp_path
) -> None:
    before = {port: _ready(port)["last_load"] for port in stack.replica_ports}
    warmed = {port: len(_warm_ups(stack, port)) for port in stack.replica_ports}
    folder = tmp_path / "week"
    shutil.copytree(small_world_dir, folder)
    (folder / "events.parquet").unlink(missing_ok=True)  # this week's file adds one event to those loaded
    (folder / "events.csv").write_text(
        "event_id,event_date,title,region,description\nE900,2026-11-12,Hosted load test,EMEA,published while serving\n"
    )
    time.sleep(1)  # a load time that differs from the last one at the second
    assert load_folder(folder, stack.database).committed
    deadline = time.monotonic() + 180
    for port in stack.replica_ports:  # each replica sees the new file on its own and warms its caches for it
        while len(_warm_ups(stack, port)) == warmed[port] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(_warm_ups(stack, port)) == warmed[port] + 1
        assert "not warmed" not in _warm_ups(stack, port)[-1]
        after = _ready(port)
        assert after["ready"] and after["last_load"] != before[port]
        assert _replaced_files_open(stack, port) == []  # and the replaced file is closed: its space is freed


PAGES = ("cx-financials", "journey", "loyalty", "voice", "complaints", "people")
OTHER_REGIONS = ("APAC", "LATAM", "North America")


def test_a_regional_leader_sees_only_their_region_on_every_page_through_the_proxy(browser, stack) -> None:
    page = _signed_in(browser, stack, "emea")
    for name in ("", *PAGES):
        page.goto(f"{stack.url}/{name}?region=APAC&region=LATAM")  # a URL edit asks for other regions
        wait_for_app(page)
        main = page.locator(MAIN)
        assert main.locator('[data-testid="stException"]').count() == 0, name
        text = main.inner_text()
        assert "EMEA" in text, name
        assert not [region for region in OTHER_REGIONS if region in text], name
    page.context.close()


def test_a_leaders_downloads_through_the_proxy_hold_only_their_region(browser, stack) -> None:
    page = _signed_in(browser, stack, "emea")
    page.goto(f"{stack.url}/loyalty")
    wait_for_app(page)
    with page.expect_download() as found:
        buttons = page.locator('[data-testid="stDownloadButton"]')
        buttons.filter(has_text="Download the at-risk list (CSV)").locator("button").click()
    at_risk = pd.read_csv(io.BytesIO(Path(found.value.path()).read_bytes()))
    assert len(at_risk) and set(at_risk["region"]) == {"EMEA"}
    page.context.close()


@pytest.mark.parametrize("path", ["", "journey?region=EMEA", "data"])
def test_a_signed_out_visitor_sees_only_the_sign_in_page_through_the_proxy(browser, stack, path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(f"{stack.url}/{path}")
    wait_for_app(page)
    assert page.get_by_role("button", name="Sign in").count() == 1
    assert page.locator(MAIN).locator("h1").count() == 0 or "Scorecard" not in page.locator(MAIN).inner_text()
    assert page.get_by_role("link", name="Journey & Drivers").count() == 0
    context.close()
