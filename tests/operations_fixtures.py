"""Fixtures shared by the tests of the Complaints & Follow-up and People & CX pages: the committed sample world."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.committed_world import TRUTH_FILE, load_committed_world


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    """A read-only connection to the committed sample world."""
    path = load_committed_world(tmp_path_factory.mktemp("committed") / "sample.duckdb")
    conn = duckdb.connect(str(path), read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def truth() -> dict:
    """The committed world's planted and realised truths."""
    return json.loads(Path(TRUTH_FILE).read_text())


@pytest.fixture(scope="module")
def committed_path(tmp_path_factory) -> Path:
    """The committed sample world as a database file, for pages run under AppTest."""
    return load_committed_world(tmp_path_factory.mktemp("committed_pages") / "sample.duckdb")
