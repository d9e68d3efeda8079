"""Facts about a read-only database that a page asks for many times (its rollups, targets, first and last day),
read once per connection.

A read-only connection sees one version of the database for its whole life (a load writes a new file that readers
open anew), so what it reads cannot go stale. A writable connection can change its own data, so nothing is kept for
it: every call reads again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from cxmetrics.db import Connection

T = TypeVar("T")
_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _read_only(conn: Connection) -> bool:
    row = conn.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row and row[0])


def _memos(conn: Connection) -> dict | None:
    """The memo of a read-only connection; None for a writable one (or one that cannot be weakly referenced)."""
    try:
        if conn not in _MEMOS:
            _MEMOS[conn] = {} if _read_only(conn) else None
        return _MEMOS[conn]
    except TypeError:
        return None


def is_read_only(conn: Connection) -> bool:
    """Whether `conn` is a read-only connection whose facts are remembered (asked of the database once)."""
    return _memos(conn) is not None


def remembered(conn: Connection, key: str, read: Callable[[], T]) -> T:
    """`read()` once per read-only connection and `key`; on a writable connection, every time."""
    memos = _memos(conn)
    if memos is None:
        return read()
    if key not in memos:
        memos[key] = read()
    return memos[key]
