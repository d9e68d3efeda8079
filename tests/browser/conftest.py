"""A real `streamlit run` of the dashboard on a free localhost port, and headless Chromium to drive it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import oidc_provider_mock
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.access_fixtures import PEOPLE, auth_secrets, write_access_list

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
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


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, *options: str, port: int | None = None) -> Iterator[str]:
    """`streamlit run dashboard.py` on a localhost port (a free one by default) with `env` added and extra
    `--name value` options; yields its URL once healthy and stops it afterwards."""
    port = port or _free_port()
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", *options]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def app_url(small_world_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served by `streamlit run` over the small sample world."""
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with serving({"CX_DB": str(small_world_db)}, log) as url:
        yield url


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


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[str]:
    """A real OpenID Connect provider on localhost (oidc-provider-mock) that knows the demo identities; its URL."""
    with oidc_provider_mock.run_server_in_thread(
        user_claims=[oidc_provider_mock.User(sub=p.sub, claims=p.claims) for p in PEOPLE]
    ) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="session")
def hosted_app_url(
    small_world_db: Path, identity_provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard with sign-in on (`[auth]` secrets for the test provider) and the demo access list."""
    folder = tmp_path_factory.mktemp("hosted")
    port = _free_port()
    secrets = folder / "secrets.toml"
    section = auth_secrets(
        f"http://127.0.0.1:{port}/oauth2callback", f"{identity_provider}/.well-known/openid-configuration"
    )
    secrets.write_text("[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in section.items()))
    env = {"CX_DB": str(small_world_db), "CX_ACCESS_LIST": str(write_access_list(folder))}
    with serving(env, folder / "streamlit.log", "--secrets.files", str(secrets), port=port) as url:
        yield url
