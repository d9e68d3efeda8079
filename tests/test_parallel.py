"""Queries side by side: on cursors of a read-only connection, in order on anything else."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from cxmetrics import db
from cxmetrics.query import parallel


@pytest.fixture
def read_only(tmp_path: Path):
    path = tmp_path / "numbers.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(10)")
    conn = db.connect_read_only(path)
    yield conn
    conn.close()


def _total_below(limit: int):
    def work(conn) -> tuple[int, object]:
        return conn.execute("SELECT sum(n) FROM numbers WHERE n < ?", [limit]).fetchone()[0], conn

    return work


pytestmark = pytest.mark.skipif(parallel.WORKERS < 2, reason="one core: everything runs in order")


def test_a_read_only_connection_runs_the_works_on_cursors_with_results_in_order(read_only):
    found = parallel.run_all(read_only, [_total_below(limit) for limit in (3, 5, 10, 1)])
    assert [total for total, _ in found] == [3, 10, 45, 0]
    assert all(used is not read_only for _, used in found)


def test_cursors_are_reused_from_one_call_to_the_next(read_only):
    """However the works interleave, no more cursors are ever made than can run at once: the pool's threads and the
    calling one (which cursor a work gets depends on timing, so the test counts cursors over many calls)."""
    used = {id(cursor) for _ in range(10) for _, cursor in parallel.run_all(read_only, [_total_below(2)] * 4)}
    assert len(used) <= parallel.WORKERS + 1


def test_a_writable_connection_runs_the_works_in_order_on_itself():
    conn = duckdb.connect(":memory:")
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(4)")  # uncommitted: no other cursor sees it
    found = parallel.run_all(conn, [_total_below(2), _total_below(4)])
    assert found == [(1, conn), (6, conn)]


class _Wrapper:
    """Not a DuckDB connection: hands every statement to one."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, params=None):
        return self.conn.execute(sql, params or [])


def test_a_wrapper_that_is_not_a_connection_runs_the_works_in_order_on_itself(read_only):
    wrapper, ran = _Wrapper(read_only), []

    def work(limit: int):
        return lambda conn: ran.append(limit) or _total_below(limit)(conn)

    found = parallel.run_all(wrapper, [work(2), work(3)])
    assert [total for total, _ in found] == [1, 3] and all(used is wrapper for _, used in found)
    assert ran == [2, 3]  # each work once, one after the other


def test_work_started_from_a_side_by_side_run_stays_on_its_cursor(read_only):
    def nested(conn):
        return [used for _, used in parallel.run_all(conn, [_total_below(1), _total_below(2)])], conn

    for inner, outer in parallel.run_all(read_only, [nested, nested]):
        assert inner == [outer, outer]


def test_two_threads_never_share_a_cursor_at_once(read_only):
    busy: set[int] = set()
    clashes: list[int] = []
    lock = threading.Lock()

    def work(conn) -> int:
        with lock:
            if id(conn) in busy:
                clashes.append(id(conn))
            busy.add(id(conn))
        total = conn.execute("SELECT sum(n) FROM numbers, range(2000)").fetchone()[0]
        with lock:
            busy.discard(id(conn))
        return total

    parallel.run_all(read_only, [work] * 2)  # the connection itself serves one thread at a time: read its memo first
    results: list[list[int]] = []
    threads = [threading.Thread(target=lambda: results.append(parallel.run_all(read_only, [work] * 6))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[90_000] * 6] * 2 and not clashes


def test_an_error_in_one_work_reaches_the_caller(read_only):
    def broken(conn):
        return conn.execute("SELECT * FROM no_such_table").fetchall()

    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        parallel.run_all(read_only, [_total_below(2), broken])
