"""The action register's table: reading the actions a viewer may see, recording and updating them.

An action's slice (region, segment, touchpoint, channel; empty for all) must lie inside the viewer's access scope: a
leader scoped to EMEA sees, exports, records and updates only actions whose region is EMEA, never a company-wide one.
The rule is applied in the SQL that reads the table and again, on the stored row, in every write. Every write goes
through the database's atomic copy-and-swap (`db.writable`) and leaves its audit rows (`ingest.audit`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxmetrics import db
from cxmetrics.access import DATA_ROLES, Grant
from cxmetrics.db import Connection
from cxmetrics.filters import AccessScope
from cxmetrics.ingest import audit
from cxmetrics.ingest.schema import TABLES_BY_NAME, table_ddl
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.reports.actions import movement

TABLE = TABLES_BY_NAME["actions"]
SLICE_DIMENSIONS: tuple[str, ...] = ("region", "segment", "touchpoint", "channel")
STATUSES: tuple[str, ...] = TABLE.column("status").choices or ()
DIRECTIONS: tuple[str, ...] = TABLE.column("direction").choices or ()
# Who may update any action in their scope (everyone else: the actions they own).
EDITOR_ROLES = DATA_ROLES
_SCOPE_FIELDS = {"region": "regions", "segment": "segments", "touchpoint": "touchpoints"}


class ActionRefused(ValueError):
    """An action the viewer may not record or change, or that cannot be recorded as given (the message says why)."""


@dataclass(frozen=True)
class Actor:
    """Who writes: their grant (role and scope) and their name as the audit records it."""

    grant: Grant
    who: str

    @property
    def name(self) -> str:
        """The name the register and the audit record ('local user' without sign-in)."""
        return self.who or "local user"


@dataclass(frozen=True)
class Draft:
    """A new action as entered: what, who, when, and the metric and slice it should move."""

    title: str
    owner: str
    due_date: date
    metric: str
    direction: str
    region: str = ""
    segment: str = ""
    touchpoint: str = ""
    channel: str = ""
    note: str = ""

    def slice(self) -> dict[str, str]:
        """The slice's chosen dimensions (empty ones are 'all')."""
        return {dim: getattr(self, dim) for dim in SLICE_DIMENSIONS if getattr(self, dim)}


# --- scope -----------------------------------------------------------------------------------------------------------


def scope_sql(scope: AccessScope, params: list[Any]) -> str:
    """The WHERE condition that keeps the actions inside `scope` (an empty value is 'all', outside any restriction);
    appends its bound values to `params`."""
    conditions = []
    for dim, allowed in sorted(scope.restrictions().items()):
        if not allowed:
            return "FALSE"
        conditions.append(f"{dim} IN ({', '.join('?' * len(allowed))})")
        params.extend(allowed)
    return " AND ".join(conditions) or "TRUE"


def in_scope(scope: AccessScope, row: Mapping[str, Any]) -> bool:
    """Whether an action's slice lies inside `scope` (the same rule as `scope_sql`)."""
    return all(row.get(dim) in allowed for dim, allowed in scope.restrictions().items())


# --- reading ---------------------------------------------------------------------------------------------------------


def has_table(conn: Connection) -> bool:
    """Whether the database has the actions table (a database built before it has none until a write or a load)."""
    found = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'actions'").fetchone()
    return bool(found and found[0])


def visible(
    conn: Connection,
    scope: AccessScope,
    closed_since: date | None = None,
    selections: Mapping[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """The actions inside `scope` (and, with `selections`, whose slice names one of the values chosen in each
    dimension: the sidebar's filters): every open one and, with `closed_since`, those closed on or after it (all
    closed ones without it): open ones by due date (so overdue first), then closed ones, the latest closed first."""
    if not has_table(conn):
        return pd.DataFrame(columns=list(TABLE.column_names))
    params: list[Any] = []
    where = scope_sql(scope, params)
    for dim, values in sorted((selections or {}).items()):
        if dim in SLICE_DIMENSIONS and values:
            where += f" AND {dim} IN ({', '.join('?' * len(values))})"
            params.extend(values)
    if closed_since is not None:
        where += " AND (status = 'open' OR closed_at >= ?)"
        params.append(closed_since)
    sql = (
        f"SELECT * FROM actions WHERE {where} "  # noqa: S608 (column names from the contract, values bound)
        "ORDER BY status <> 'open', CASE WHEN status = 'open' THEN due_date END, closed_at DESC, action_id"
    )
    return conn.execute(sql, params).df()


def _stored(conn: Connection, action_id: str) -> dict[str, Any] | None:
    frame = conn.execute("SELECT * FROM actions WHERE action_id = ?", [action_id]).df()
    return None if frame.empty else frame.iloc[0].to_dict()


# --- writing ---------------------------------------------------------------------------------------------------------


def may_update(actor: Actor, row: Mapping[str, Any]) -> bool:
    """Whether the actor may change an action: its owner, or the CX team and admins, and only inside their scope."""
    owner = str(row.get("owner") or "").strip().lower()
    mine = bool(actor.who) and owner == actor.who.strip().lower()
    return in_scope(actor.grant.scope, row) and (mine or actor.grant.role in EDITOR_ROLES)


def _check_draft(draft: Draft, actor: Actor) -> None:
    """Refuse a draft that is incomplete, names an unknown metric, a slice the metric cannot be cut by, or a slice
    outside the actor's scope."""
    for name in ("title", "owner"):
        if not getattr(draft, name).strip():
            raise ActionRefused(f"the action needs a {name}")
    if draft.direction not in DIRECTIONS:
        raise ActionRefused(f"direction must be one of {', '.join(DIRECTIONS)}, not {draft.direction!r}")
    metric = get_metric(draft.metric) if draft.metric in movement.ACTION_METRICS else None
    if metric is None:
        raise ActionRefused(f"{draft.metric!r} is not a metric an action can track")
    cannot = [dim for dim in draft.slice() if dim not in metric.dimensions]
    if cannot:
        raise ActionRefused(f"{metric.label} cannot be cut by {', '.join(cannot)}")
    if not in_scope(actor.grant.scope, asdict(draft)):
        raise ActionRefused(
            f"the slice ({movement.slice_text(draft.slice())}) is outside your access "
            f"({actor.grant.scope.describe()}): name a value inside it in each dimension it restricts"
        )


def _ensure_table(conn: Connection) -> None:
    conn.execute(table_ddl(TABLE))


def _new_id(now: datetime) -> str:
    return f"A-{now:%Y%m%d}-{uuid.uuid4().hex[:6]}"


def create(target: str | Path, draft: Draft, actor: Actor, week: Period, now: datetime | None = None) -> dict:
    """Record a new action with its baseline (the metric in its slice over the weeks to `week`, from the metric
    registry) and its audit rows, atomically; return the stored row. Raises ActionRefused."""
    _check_draft(draft, actor)
    now = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    with db.writable(target) as conn:
        _ensure_table(conn)
        base = movement.baseline(conn, draft.metric, draft.slice(), week)
        row = asdict(draft) | {
            "action_id": _new_id(now),
            "status": "open",
            "note": _note_line(now, actor, draft.note) if draft.note.strip() else None,
            "created_at": now,
            "created_by": actor.name,
            "closed_at": None,
        }
        row |= base.columns()
        row = {name: row.get(name) for name in TABLE.column_names}
        names, marks = ", ".join(row), ", ".join("?" * len(row))
        conn.execute(f"INSERT INTO actions ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608 (contract)
        audit.record(conn, actor.name, [audit.Change("actions", row["action_id"], "insert", new=row)], at=now)
    return row


def _note_line(now: datetime, actor: Actor, text: str) -> str:
    return f"{now:%Y-%m-%d} {actor.name}: {text.strip()}"


def update(
    target: str | Path, action_id: str, actor: Actor, status: str | None = None, note: str = "",
    now: datetime | None = None,
) -> dict:  # fmt: skip
    """Change an action's status and/or add a dated note line, with its audit rows, atomically; return the stored
    row. Raises ActionRefused for an action the actor may not change (or cannot see) and for an unknown status."""
    if status is not None and status not in STATUSES:
        raise ActionRefused(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    now = (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)
    with db.writable(target) as conn:
        _ensure_table(conn)
        old = _stored(conn, action_id)
        if old is None or not in_scope(actor.grant.scope, old):
            raise ActionRefused(f"no action {action_id} in your access")
        if not may_update(actor, old):
            raise ActionRefused(f"only the owner ({old['owner']}), the CX team or an admin may update {action_id}")
        new = {"status": old["status"], "closed_at": old["closed_at"], "note": old["note"]}
        if status is not None and status != old["status"]:
            new |= {"status": status, "closed_at": None if status == "open" else now}
        if note.strip():
            new["note"] = "\n".join(filter(None, [_text(old["note"]), _note_line(now, actor, note)]))
        new = {k: _plain(v) for k, v in new.items()}
        conn.execute(
            "UPDATE actions SET status = ?, closed_at = ?, note = ? WHERE action_id = ?",
            [new["status"], new["closed_at"], new["note"], action_id],
        )
        old_values = {k: _plain(old[k]) for k in new}
        audit.record(conn, actor.name, [audit.Change("actions", action_id, "update", old=old_values, new=new)], at=now)
        return _stored(conn, action_id) or {}


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _plain(value: Any) -> Any:
    """A stored value as a plain Python value (pandas' missing values as None, timestamps as datetimes)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
