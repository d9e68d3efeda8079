"""Targets and events edited in the app: the edited table is checked by the loader's own rules, saved whole and
atomically (`db.writable`), and every changed row is written to the audit trail with who changed it and when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from cxmetrics import db
from cxmetrics.access import Grant, require_data_role
from cxmetrics.db import Connection
from cxmetrics.ingest import audit
from cxmetrics.ingest.load import Reject, set_clock, validate_rows
from cxmetrics.ingest.schema import TABLES_BY_NAME, create_schema
from cxmetrics.ingest.staging import DataFile

EDITABLE: tuple[str, ...] = ("targets", "events")
SOURCE = "edited in the app"


class EditRefused(ValueError):
    """An edit that breaks a rule: nothing was saved; `rejects` gives each refused row (its number in the editor),
    column and reason."""

    def __init__(self, rejects: list[Reject]):
        super().__init__(f"{len({r.line for r in rejects})} row(s) refused; nothing was saved")
        self.rejects = rejects


class _Unchanged(Exception):
    """Raised inside the write when the edit changes nothing, so the database file is left as it was."""


@dataclass(frozen=True)
class Saved:
    """What a save did: rows added, changed and deleted, and the audit rows written."""

    inserted: int
    updated: int
    deleted: int
    audit_rows: int

    @property
    def changed(self) -> bool:
        """Whether anything was saved."""
        return bool(self.inserted or self.updated or self.deleted)


def rows(conn: Connection, table: str) -> pd.DataFrame:
    """The stored rows of an editable table as the editor shows them: the latest first."""
    spec = TABLES_BY_NAME[_editable(table)]
    order = ", ".join((f"{spec.date_column} DESC", *[k for k in spec.key if k != spec.date_column]))
    return conn.execute(f"SELECT {', '.join(spec.column_names)} FROM {table} ORDER BY {order}").df()  # noqa: S608


def _editable(table: str) -> str:
    if table not in EDITABLE:
        raise ValueError(f"{table} cannot be edited in the app (editable: {', '.join(EDITABLE)})")
    return table


def _text(value: Any) -> str | None:
    """A cell as the loader stages it: text, or None when empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _staged(table: str, edited: pd.DataFrame) -> pa.Table:
    """The edited rows as text columns plus `_line` (the row's number in the editor); a new event gets an id."""
    spec = TABLES_BY_NAME[table]
    columns: dict[str, list] = {"_line": list(range(1, len(edited) + 1))}
    for name in spec.column_names:
        values = [_text(v) for v in edited[name]] if name in edited else [None] * len(edited)
        if name == "event_id":
            values = [v or f"E-{uuid.uuid4().hex[:10]}" for v in values]
        columns[name] = values
    return pa.table({k: pa.array(v, pa.int64() if k == "_line" else pa.string()) for k, v in columns.items()})


def _keyed(conn: Connection, table: str, source: str) -> dict[str, dict[str, str | None]]:
    """Rows of `source` (the stored table or the checked edit) by audit key, every value as text."""
    spec = TABLES_BY_NAME[table]
    cast = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in spec.column_names)
    found = conn.execute(f"SELECT {cast} FROM {source}").fetchall()  # noqa: S608 (schema names only)
    keyed = {}
    for values in found:
        row = dict(zip(spec.column_names, values, strict=True))
        keyed["|".join(row[k] or "" for k in spec.key)] = row
    return keyed


def _changes(table: str, old: dict[str, dict], new: dict[str, dict]) -> list[audit.Change]:
    """Inserts, updates (values changed under the same key) and deletes between the stored and the edited rows."""
    changes = [audit.Change(table, key, "insert", new=row) for key, row in new.items() if key not in old]
    changes += [
        audit.Change(table, key, "update", old=old[key], new=row)
        for key, row in new.items()
        if key in old and old[key] != row
    ]
    changes += [audit.Change(table, key, "delete", old=row) for key, row in old.items() if key not in new]
    return changes


def _replace(conn: Connection, table: str) -> None:
    """The table becomes the checked rows of the edit."""
    names = ", ".join(TABLES_BY_NAME[table].column_names)
    conn.execute(f"DELETE FROM {table}")  # noqa: S608 (an editable table's name)
    conn.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM typed")  # noqa: S608


def _save_in(conn: Connection, table: str, staged: pa.Table, who: str) -> Saved:
    """Check, diff, replace and audit inside one transaction; raises EditRefused or _Unchanged to write nothing."""
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("BEGIN TRANSACTION")
    try:
        create_schema(conn)
        set_clock(conn)
        refused = validate_rows(conn, DataFile(table, Path(SOURCE)), staged)
        if refused:
            raise EditRefused(refused)
        changes = _changes(table, _keyed(conn, table, table), _keyed(conn, table, "typed"))
        if not changes:
            raise _Unchanged
        _replace(conn, table)
        written = audit.record(conn, who, changes)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    kinds = [c.change for c in changes]
    return Saved(kinds.count("insert"), kinds.count("update"), kinds.count("delete"), written)


def save(target: str | Path, table: str, edited: pd.DataFrame, grant: Grant, who: str) -> Saved:
    """Make `table` (targets or events) the edited rows, all or nothing, audited as `who`: only for the CX team and
    admins; raises EditRefused, saving nothing, when any row breaks a rule of the load."""
    require_data_role(grant)
    staged = _staged(_editable(table), edited)
    try:
        with db.writable(target) as conn:
            return _save_in(conn, table, staged, who)
    except _Unchanged:
        return Saved(0, 0, 0, 0)
