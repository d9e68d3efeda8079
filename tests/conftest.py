"""Shared fixtures: small seeded worlds and databases built in temporary folders (the suite never writes the repo)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from cxmetrics import query
from cxmetrics.ingest.load import load_folder
from cxmetrics.periods import Period
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, TRUTH_FILE, load_committed_world, write_folder

SMALL_WORLD_RESPONSES = 20_000


@pytest.fixture(scope="session")
def small_world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sample world (every table of the contract) generated with the default seed."""
    from cxmetrics.sample.world import generate

    folder = tmp_path_factory.mktemp("world")
    generate(folder, responses=SMALL_WORLD_RESPONSES, seed=42)
    return folder


@pytest.fixture(scope="session")
def small_world_db(small_world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database loaded from the small sample world."""
    target = tmp_path_factory.mktemp("world_db") / "cx.duckdb"
    report = load_folder(small_world_dir, target)
    assert report.rejected == 0, [str(r) for r in report.rejects[:5]]
    return target


@pytest.fixture(scope="session")
def small_world(small_world_db: Path):
    """A read-only connection to the small sample world, shared by the whole run."""
    conn = duckdb.connect(str(small_world_db), read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def small_world_week(small_world) -> Period:
    """The last complete ISO week of the small sample world."""
    return query.latest_period(small_world, "week")


@pytest.fixture(scope="session")
def minimal_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with only the two required tables (customers, responses) and a handful of rows."""
    base = tmp_path_factory.mktemp("minimal")
    target = base / "cx.duckdb"
    load_folder(write_folder(base / "in", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    return target


@pytest.fixture
def minimal_db_copy(minimal_db: Path, tmp_path: Path) -> Path:
    """A writable copy of `minimal_db` (customers C1 and C2, responses R1-R3) for a test that loads on top of it."""
    target = tmp_path / "cx.duckdb"
    shutil.copyfile(minimal_db, target)
    return target


@pytest.fixture(scope="session")
def committed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample world (sample_data/) as a database file, loaded once for the whole run."""
    return load_committed_world(tmp_path_factory.mktemp("committed") / "sample.duckdb")


@pytest.fixture(scope="session")
def committed(committed_path: Path):
    """A read-only connection to the committed sample world."""
    conn = duckdb.connect(str(committed_path), read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def truth() -> dict:
    """The committed world's planted and realised truths (sample_data/truth.json)."""
    return json.loads(TRUTH_FILE.read_text())
