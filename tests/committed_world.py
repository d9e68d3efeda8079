"""The committed sample world (sample_data/) in a database file, for tests of what the dashboard finds in it."""

from __future__ import annotations

from pathlib import Path

from cxmetrics.config import SAMPLE_DATA_DIR
from cxmetrics.ingest.schema import TABLES
from tests import metric_fixtures as fx

TRUTH_FILE = SAMPLE_DATA_DIR / "truth.json"


def load_committed_world(path: Path) -> Path:
    """Each table straight from its Parquet file into a fresh database at `path`."""
    conn = fx.new_db(str(path))
    for table in TABLES:
        source = SAMPLE_DATA_DIR / f"{table.name}.parquet"
        if source.exists():
            conn.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM read_parquet(?)", [str(source)])  # noqa: S608
    conn.close()
    return path
