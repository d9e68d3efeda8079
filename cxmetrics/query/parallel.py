"""Independent queries of one read-only connection run side by side, each on a cursor of its own.

A page's query set is many small aggregate statements (a scorecard: one per source, a dozen), each spending most of
its time in DuckDB's parsing and planning, which uses one core and releases Python's lock. Run on separate cursors of
the same database, they overlap. Only read-only DuckDB connections qualify: a writable one may hold uncommitted rows
that another cursor would not see, so its queries run one after another, as does anything that is not a DuckDB
connection (a test's recording wrapper) and work started from inside a side-by-side run (no nested fan-out).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

import duckdb

from cxmetrics import db
from cxmetrics.db import Connection
from cxmetrics.query import memo

T = TypeVar("T")
WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="cx-query") if WORKERS > 1 else None
_INSIDE = threading.local()


class Cursors:
    """Idle cursors of one connection; a cursor serves one query at a time and is then handed back for reuse."""

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue = queue.SimpleQueue()

    def run(self, conn: Connection, work: Callable[[Any], T]) -> T:
        """`work(cursor)` on an idle cursor of `conn` (a new one when none is idle)."""
        try:
            cursor = self._idle.get_nowait()
        except queue.Empty:
            cursor = db.cursor(conn)
        _INSIDE.active = True
        try:
            return work(cursor)
        finally:
            _INSIDE.active = False
            self._idle.put(cursor)


def _cursors(conn: Connection) -> Cursors | None:
    """The cursors side-by-side work on `conn` uses, or None when it must run in order on `conn` itself."""
    if _POOL is None or getattr(_INSIDE, "active", False) or not isinstance(conn, duckdb.DuckDBPyConnection):
        return None
    return memo.remembered(conn, "cursors", Cursors) if memo.is_read_only(conn) else None


def run_all(conn: Connection, works: Sequence[Callable[[Any], T]]) -> list[T]:
    """`[work(connection) for work in works]`, side by side on cursors of `conn` when it is a read-only DuckDB
    connection and there are several, else one after another on `conn`; results in the order of `works`. The
    calling thread runs the first work itself while the pool runs the others; when one fails, the others not yet
    started are cancelled."""
    cursors = _cursors(conn) if len(works) > 1 else None
    if cursors is None:
        return [work(conn) for work in works]
    futures = [_POOL.submit(cursors.run, conn, work) for work in works[1:]]
    try:
        first = cursors.run(conn, works[0])
        return [first, *(future.result() for future in futures)]
    except BaseException:
        for future in futures:
            future.cancel()
        # Works already started finish before the error leaves: no query outlives the run that asked for it (its
        # connection may be closed once the run ends).
        wait(futures)
        raise
