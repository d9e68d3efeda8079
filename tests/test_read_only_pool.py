"""The read-only connection pool of an app replica: one connection per database version, the replaced versions
closed (and their disk space freed) as soon as no script run holds them."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from cxmetrics import db


def _database(path: Path, rows: int) -> None:
    """A database file with a table `t` of `rows` rows, written as a load writes it (build, then swap in)."""
    with db.writable(path, fresh=True) as conn:
        conn.execute("CREATE TABLE t AS SELECT range AS i FROM range(?)", [rows])


def _deleted_files_open(path: Path) -> list[str]:
    """The replaced (deleted) versions of `path` this process still holds open."""
    fds = Path("/proc/self/fd")
    links = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
    return [link for link in links if link.startswith(str(path)) and link.endswith("(deleted)")]


def _count(conn: duckdb.DuckDBPyConnection) -> int:
    return db.cursor(conn).execute("SELECT count(*) FROM t").fetchone()[0]


def test_runs_of_one_version_share_its_connection(tmp_path) -> None:
    path = tmp_path / "cx.duckdb"
    _database(path, 3)
    pool = db.ReadOnlyPool()
    with pool.lease(str(path)) as (first, identity), pool.lease(str(path)) as (second, same):
        assert first is second and identity == same == db.file_identity(path)
        assert _count(first) == 3
    assert pool.open_versions(str(path)) == 1


def test_a_replaced_version_stays_open_for_the_run_that_holds_it_and_is_closed_when_it_ends(tmp_path) -> None:
    path = tmp_path / "cx.duckdb"
    _database(path, 3)
    pool = db.ReadOnlyPool()
    with pool.lease(str(path)) as (old, _):
        _database(path, 5)  # a load publishes a new version while a run reads the old one
        with pool.lease(str(path)) as (new, _):
            assert (_count(old), _count(new)) == (3, 5)  # each run sees one consistent version
            assert pool.open_versions(str(path)) == 2
            assert _deleted_files_open(path)  # the old file lives on while the run uses it
    assert pool.open_versions(str(path)) == 1
    with pytest.raises(duckdb.ConnectionException):
        old.execute("SELECT 1")
    assert _deleted_files_open(path) == []  # its disk space is released


def test_a_version_no_run_holds_is_closed_at_the_next_run(tmp_path) -> None:
    path = tmp_path / "cx.duckdb"
    _database(path, 3)
    pool = db.ReadOnlyPool()
    with pool.lease(str(path)) as (old, _):
        pass
    for rows in (5, 7, 9):  # three weekly loads, each seen by a later run
        _database(path, rows)
        with pool.lease(str(path)) as (conn, _):
            assert _count(conn) == rows
    assert pool.open_versions(str(path)) == 1 and _deleted_files_open(path) == []
    with pytest.raises(duckdb.ConnectionException):
        old.execute("SELECT 1")


def test_a_missing_database_is_an_error_and_leaves_nothing_open(tmp_path) -> None:
    pool = db.ReadOnlyPool()
    with pytest.raises(FileNotFoundError, match="does not exist"), pool.lease(str(tmp_path / "missing.duckdb")):
        pass
    assert pool.open_versions(str(tmp_path / "missing.duckdb")) == 0


def test_a_run_that_fails_releases_its_lease_so_its_version_can_close(tmp_path) -> None:
    path = tmp_path / "cx.duckdb"
    _database(path, 3)
    pool = db.ReadOnlyPool()
    with pytest.raises(ZeroDivisionError), pool.lease(str(path)) as (old, _):
        _ = 1 / 0  # a page that raises
    _database(path, 5)
    with pool.lease(str(path)) as (new, _):
        assert _count(new) == 5
    assert pool.open_versions(str(path)) == 1 and _deleted_files_open(path) == []
    with pytest.raises(duckdb.ConnectionException):
        old.execute("SELECT 1")
