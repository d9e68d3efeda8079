"""The hosted deployment's files agree with the app: the container's install step, health check and command, the
proxy template's placeholders, the production settings, and the readiness endpoint's answers."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from cxmetrics import db, ui, warmup

ROOT = Path(__file__).resolve().parent.parent


def test_the_container_installs_with_the_tested_script_and_checks_readiness() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN bash scripts/install.sh" in dockerfile
    assert "bash scripts/install.sh" in (ROOT / "scripts" / "test.sh").read_text()  # the same step, tested here
    assert f"http://127.0.0.1:8501{ui.READY_PATH}" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert '"run", "serve.py", "--server.port", "8501"' in dockerfile


def test_the_demo_fills_every_placeholder_of_the_proxy_template() -> None:
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    script = (ROOT / "scripts" / "hosted_demo.sh").read_text()
    assert set(re.findall(r"@[A-Z_0-9]+@", template)) == set(re.findall(r'"s\|(@[A-Z_0-9]+@)\|', script))


def test_production_settings_are_on() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["server"]["allowedHosts"] and "*" not in settings["server"]["allowedHosts"]
    assert settings["server"]["maxUploadSize"] > 0 and settings["server"]["disconnectedSessionTTL"] > 0
    assert settings["server"]["fileWatcherType"] == "none"  # no walk of every module's path after each script run


def _ready() -> tuple[int, dict]:
    response = ui.readiness(None)
    return response.status_code, json.loads(response.body)


def test_readiness_answers_with_the_database_served(monkeypatch, small_world_db) -> None:
    monkeypatch.setattr(db, "POOL", db.ReadOnlyPool())  # the process's pool keeps nothing open after the test
    monkeypatch.setenv("CX_DB", str(small_world_db))
    status, body = _ready()
    assert status == 200 and body["ready"] and body["last_data_day"] == "2026-11-15"
    assert body["last_load"] != "None"


def test_readiness_fails_without_naming_the_path(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(db, "POOL", db.ReadOnlyPool())
    missing = tmp_path / "secret-location" / "cx.duckdb"
    monkeypatch.setenv("CX_DB", str(missing))
    status, body = _ready()
    assert status == 503 and body == {"ready": False, "reason": "no database"}


def test_a_replica_is_not_ready_until_its_first_warm_up_is_done(monkeypatch, small_world_db) -> None:
    import serve

    monkeypatch.setattr(db, "POOL", db.ReadOnlyPool())
    monkeypatch.setenv("CX_DB", str(small_world_db))
    monkeypatch.setattr(warmup, "PROGRESS", warmup.Progress())
    response = serve.ready(None)
    assert response.status_code == 503 and json.loads(response.body) == {"ready": False, "reason": "warming the caches"}
    warmup.PROGRESS.warmed.set()
    response = serve.ready(None)
    assert response.status_code == 200 and json.loads(response.body)["ready"]
