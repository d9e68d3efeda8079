"""The audit trail of edits made in the app: who changed which row of which table, when, from what to what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from cxmetrics.db import Connection

_INSERT = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class Change:
    """One row's change: its table, key, kind and the values before and after (None where there is none)."""

    table: str
    key: str
    change: str
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None


def _text(value: Any) -> str | None:
    """A value as the audit stores it: text, or None for missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def _rows(change: Change, who: str, at: datetime) -> list[list[Any]]:
    """The audit rows of one change: one per changed column (one row without columns for a delete)."""
    head = [at, who, change.table, change.key, change.change]
    if change.change == "delete":
        return [head + [None, None, None]]
    old = change.old or {}
    new = change.new or {}
    rows = []
    for column in new:
        before, after = _text(old.get(column)), _text(new.get(column))
        if change.change == "insert" or before != after:
            rows.append(head + [column, before, after])
    return rows


def record(conn: Connection, who: str, changes: list[Change], at: datetime | None = None) -> int:
    """Write the audit rows of `changes` (inside the caller's transaction); return how many were written."""
    when = (at or datetime.now(UTC)).replace(tzinfo=None)
    rows = [row for change in changes for row in _rows(change, who, when)]
    if rows:
        conn.executemany(_INSERT, rows)
    return len(rows)


def history(conn: Connection, table: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest audit rows, newest first, of one table or all."""
    sql = "SELECT * FROM audit_log"
    params: list[Any] = []
    if table is not None:
        sql += " WHERE table_name = ?"
        params.append(table)
    sql += " ORDER BY changed_at DESC, table_name, row_key, column_name LIMIT ?"
    params.append(limit)
    return conn.execute(sql, params).df()
