"""A load killed part-way changes nothing; a load while readers hold the database neither blocks nor is blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from cxmetrics import db
from cxmetrics.ingest.load import load_folder
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, counts, write_folder

ROOT = Path(__file__).resolve().parent.parent

KILLING_LOADER = """
import os, signal, sys
from cxmetrics.ingest.load import load_folder

def die_after_first_table(done, total, label):
    if done == 1:
        os.kill(os.getpid(), signal.SIGKILL)

load_folder(sys.argv[1], sys.argv[2], progress=die_after_first_table)
"""

READER = """
import sys
from cxmetrics import db

old = db.connect_read_only(sys.argv[1])
print(old.execute("SELECT count(*) FROM responses").fetchone()[0], flush=True)
sys.stdin.readline()
new = db.connect_read_only(sys.argv[1])
print(old.execute("SELECT count(*) FROM responses").fetchone()[0], flush=True)
print(new.execute("SELECT count(*) FROM responses").fetchone()[0], flush=True)
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, text=True, **kwargs)


def more_responses(n: int) -> str:
    """A responses file with `n` extra valid rows."""
    rows = "".join(f"X{i},C1,2026-02-01,relationship,,email,{i % 11},,,\n" for i in range(n))
    return GOOD_RESPONSES + rows


def test_a_load_killed_part_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "v1", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    before = db.file_identity(target)
    folder = write_folder(tmp_path / "v2", customers=CUSTOMERS, responses=more_responses(500))
    process = _python(KILLING_LOADER, str(folder), str(target))
    assert process.wait(timeout=60) == -9
    assert db.file_identity(target) == before
    assert counts(target) == {"customers": 2, "responses": 3}
    assert list(tmp_path.glob(".cx.duckdb.loading-*")), "the killed load's working copy should be left behind"
    load_folder(folder, target)
    assert counts(target)["responses"] == 503
    assert not list(tmp_path.glob(".cx.duckdb.loading-*")), "the next load cleans up the stale working copy"


def test_a_load_while_another_process_reads_succeeds_and_new_connections_see_it(tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "v1", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    reader = _python(READER, str(target), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert reader.stdout.readline().strip() == "3"
    report = load_folder(write_folder(tmp_path / "v2", customers=CUSTOMERS, responses=more_responses(10)), target)
    assert report.committed
    out, _ = reader.communicate("go\n", timeout=60)
    assert out.split() == ["3", "13"], "the old connection keeps its snapshot; a new one sees the load"


def test_a_reader_in_the_same_process_sees_the_swapped_file_on_reconnect(tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "v1", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    old = db.connect_read_only(target)
    load_folder(write_folder(tmp_path / "v2", customers=CUSTOMERS, responses=more_responses(4)), target)
    new = db.connect_read_only(target)
    assert old.execute("SELECT count(*) FROM responses").fetchone()[0] == 3
    assert new.execute("SELECT count(*) FROM responses").fetchone()[0] == 7
    assert db.cursor(new).execute("SELECT count(*) FROM responses").fetchone()[0] == 7


def test_empty_header_only_file_loads_nothing(tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    report = load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=RESPONSES_HEADER), target)
    assert [(t.table, t.rows_read) for t in report.tables] == [("customers", 2), ("responses", 0)]


def test_the_next_load_removes_everything_killed_loads_left(tmp_path: Path) -> None:
    target = tmp_path / "cx.duckdb"
    load_folder(write_folder(tmp_path / "v1", customers=CUSTOMERS, responses=GOOD_RESPONSES), target)
    for pid in (101, 202):
        (tmp_path / f".cx.duckdb.loading-{pid}").write_bytes(b"\0" * 4096)
        (tmp_path / f".cx.duckdb.loading-{pid}.wal").write_bytes(b"\0" * 16)
        spill = tmp_path / f".cx.duckdb.loading-{pid}.tmp"
        spill.mkdir()
        (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 4096)
    load_folder(write_folder(tmp_path / "v2", responses=more_responses(2)), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cx.duckdb", "cx.duckdb.lock", "v1", "v2"]
    assert counts(target)["responses"] == 5
