"""Database targets: read-only connections for the app, and build-then-swap writes so loads never block readers."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cxmetrics import config

ALIAS = "cx"
# What every query function takes: a DuckDB connection or one of its cursors (a script run's cursor in the app).
Connection = duckdb.DuckDBPyConnection
_CONNECTION_STRING = re.compile(r"^[a-z][a-z0-9]*:(?!\\)", re.IGNORECASE)


def is_file_target(target: str | Path) -> bool:
    """Whether the target is a local DuckDB file (not a connection string such as `md:cx`)."""
    text = str(target)
    return text != ":memory:" and not (_CONNECTION_STRING.match(text) and not Path(text).drive)


def configured_target() -> str:
    """The database the app and the CLI use by default: `CX_DB`, or the embedded sample database."""
    return str(config.get("CX_DB") or config.default_db_path())


def _sql_string(text: str) -> str:
    """A SQL string literal for a configured path (ATTACH takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def connect_read_only(target: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: many processes may hold one while a load replaces the file.

    A file is ATTACHed to a fresh in-memory instance rather than opened with `duckdb.connect(path)`, whose
    per-process instance cache would hand back the old, replaced file for as long as any connection to it lives.
    """
    if not is_file_target(target):
        return duckdb.connect(str(target))
    if not Path(target).exists():
        raise FileNotFoundError(f"database {target} does not exist; load data with `python -m cxmetrics load`")
    conn = duckdb.connect(":memory:")
    conn.execute(f"ATTACH {_sql_string(str(target))} AS {ALIAS} (READ_ONLY)")
    conn.execute(f"USE {ALIAS}")
    return conn


def cursor(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor (for one thread or script run) that sees the same database as `conn`."""
    cur = conn.cursor()
    if cur.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [ALIAS]).fetchone()[0]:
        cur.execute(f"USE {ALIAS}")
    return cur


@dataclass
class _Version:
    """One open version of a database and how many script runs hold a lease on it."""

    conn: duckdb.DuckDBPyConnection
    leases: int = 0


class ReadOnlyPool:
    """The read-only connections of one process (an app replica), one per database version, shared by every script
    run. A run leases the current version for its duration; when a load has swapped in a newer file, the older
    version's connection is closed as soon as no run holds it, which releases the replaced file's disk space (a
    replaced file stays on disk for as long as a connection has it open)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, tuple | None], _Version] = {}
        self._current: dict[str, tuple[str, tuple | None]] = {}

    @contextlib.contextmanager
    def lease(self, target: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, tuple | None]]:
        """The connection to the current version of `target` and its file identity (None for a connection string),
        held until the block ends; raises FileNotFoundError for a missing file."""
        with self._lock:
            key, version = self._current_version(target)
            version.leases += 1
        try:
            with self._lock:
                self._close_replaced()
            yield version.conn, key[1]
        finally:
            with self._lock:
                version.leases -= 1
                self._close_replaced()

    def _current_version(self, target: str) -> tuple[tuple[str, tuple | None], _Version]:
        """The open version of the file now at `target`, opened if new (under the lock). A load may swap the file
        between reading its identity and opening it: the identity is read again after opening, so a connection is
        never filed under another version's identity."""
        for _ in range(3):
            key = (target, file_identity(target))
            if key in self._open:
                break
            conn = connect_read_only(target)
            if file_identity(target) == key[1]:
                self._open[key] = _Version(conn)
                break
            conn.close()
        else:
            raise RuntimeError(f"database {target} kept changing while it was being opened")
        self._current[target] = key
        return key, self._open[key]

    def _close_replaced(self) -> None:
        """Close every version that is not its target's current one and that no run holds (under the lock); one
        that cannot close yet (a query of it still running) is kept and tried again at the next lease."""
        for key, version in list(self._open.items()):
            if version.leases == 0 and self._current.get(key[0]) != key:
                try:
                    version.conn.close()
                except duckdb.Error:
                    continue
                del self._open[key]

    def open_versions(self, target: str) -> int:
        """How many versions of `target` this process holds open (1 when every run has moved to the latest)."""
        with self._lock:
            return sum(1 for key in self._open if key[0] == target)


POOL = ReadOnlyPool()


def file_identity(target: str | Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of a database file, which changes whenever a load swaps it in; None if absent."""
    if not is_file_target(target):
        return None
    try:
        stat = os.stat(target)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Serialise writers of one database file across processes."""
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_copies(path: Path) -> None:
    """Delete working copies left by loads that were killed, with their WAL and spill folders (we hold the lock)."""
    for stale in path.parent.glob(f".{path.name}.loading-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _fsync_directory(folder: Path) -> None:
    """Make a rename durable: flush the folder entry too."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextlib.contextmanager
def _swapped_copy(path: Path, fresh: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of `path` (empty if `fresh`) that atomically replaces it if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path):
        _remove_stale_copies(path)
        work = path.with_name(f".{path.name}.loading-{os.getpid()}")
        if path.exists() and not fresh:
            shutil.copyfile(path, work)
        try:
            conn = duckdb.connect(str(work))
            try:
                yield conn
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
            with open(work, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(work, path)
            _fsync_directory(path.parent)
        finally:
            work.unlink(missing_ok=True)
            Path(str(work) + ".wal").unlink(missing_ok=True)


@contextlib.contextmanager
def writable(target: str | Path, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection whose work becomes visible to readers only if the block completes.

    `fresh` starts a file database from empty (the old file is still replaced only on success).
    """
    if is_file_target(target):
        with _swapped_copy(Path(target), fresh) as conn:
            yield conn
    else:
        conn = duckdb.connect(str(target))
        try:
            yield conn
        finally:
            conn.close()


def folder_fingerprint(folder: Path) -> str:
    """A content hash of a data folder: the embedded database is rebuilt when its sample data changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def stored_fingerprint(target: str | Path) -> str | None:
    """The fingerprint of the folder the database was built from, if it was built from one."""
    if file_identity(target) is None:
        return None
    conn = connect_read_only(target)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'source_fingerprint'").fetchone()
    except duckdb.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None
