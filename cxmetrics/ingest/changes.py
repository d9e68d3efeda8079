"""How far back a load reaches: the earliest day whose rollup and fact-table rows its new and changed rows can alter.

A rollup row of a day (or a period ending on it) is built only from source rows of that day or earlier, so after a
load only the rows from its earliest changed day on need rebuilding (`rollups.refresh`). A new row counts with its
times; a changed row with its old and new times when anything else changed, else with the times that moved; a
follow-up or attribute rating also with the time of the response it belongs to. Two
things reach further back: new responses move the last response day, which decides which detractors' follow-up
deadlines have passed (so the days of the deadline's reach before the old last day change too); and a customer whose
region, segment or other description changes moves all of their history, which needs a full rebuild (`FULL`).
"""

from __future__ import annotations

from datetime import date, timedelta

from cxmetrics.db import Connection
from cxmetrics.ingest.schema import TABLES_BY_NAME, Table

FULL = date.min  # rebuild from the beginning
# The times of each table that derived rows are keyed by; tables not named here feed no rollup or fact table.
TIMES: dict[str, tuple[str, ...]] = {
    "customers": ("signup_date", "churn_date"),
    "responses": ("responded_at",),
    "response_attributes": (),
    "follow_ups": ("opened_at", "closed_at"),
    "contacts": ("contacted_at",),
    "complaints": ("opened_at", "resolved_at"),
    "customer_revenue": ("month",),
}
OF_A_RESPONSE = frozenset({"response_attributes", "follow_ups"})  # rows keyed by a response_id
DEADLINE_REACH = timedelta(days=7)  # at least the longest follow-up deadline after a response (4 days)


def _times(table: str, alias: str) -> str:
    """The earliest of a row's times as a date (NULL times ignored); a row of a response also counts its response's
    time, `{alias}_p.responded_at` (`_response_join`)."""
    columns = [f"{alias}.{c}" for c in TIMES[table]]
    if table in OF_A_RESPONSE:
        columns.append(f"{alias}_p.responded_at")
    return f"CAST(least({', '.join(columns)}) AS DATE)"


def _response_join(table: str, alias: str) -> str:
    """The join giving a row of a response (`alias`) its response's time, from `response_times`."""
    if table not in OF_A_RESPONSE:
        return ""
    return f" LEFT JOIN response_times {alias}_p ON {alias}_p.response_id = {alias}.response_id"


def _keep_response_times(conn: Connection, table: Table, matched: str) -> None:
    """`response_times`: the time of each response the file's rows, and the stored rows they match, belong to (a
    join with the batch's few ids, which DuckDB hashes, rather than a lookup hashing every stored response)."""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE response_times AS
        SELECT p.response_id, p.responded_at FROM responses p WHERE p.response_id IN (
            SELECT response_id FROM typed
            UNION SELECT d.response_id FROM {table.name} d JOIN {matched} m ON {_key_match(table, "d", "m")})
        """  # noqa: S608
    )


def _moved_times(table: str) -> str:
    """Of a stored row `d` and its new version `t`: the earliest of every time of both when anything but a time
    changed, else of the times that changed (a churn date set, a complaint's resolution moved)."""
    times = TIMES[table]
    others = " OR ".join(f"t.{c} IS DISTINCT FROM d.{c}" for c in _other_columns(table)) or "false"
    moved = [f"CASE WHEN t.{c} IS DISTINCT FROM d.{c} THEN least(t.{c}, d.{c}) END" for c in times]
    everything = f"least({_times(table, 't')}, {_times(table, 'd')})"
    earliest_moved = f"CAST(least({', '.join(moved)}) AS DATE)" if moved else "CAST(NULL AS DATE)"
    return f"CASE WHEN {others} THEN {everything} ELSE {earliest_moved} END"


def _other_columns(table: str) -> list[str]:
    found = TABLES_BY_NAME[table]
    return [c for c in found.column_names if c not in found.key and c not in TIMES[table]]


def _key_match(table: Table, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in table.key)


def earliest(conn: Connection, table: Table, matched: str = "matched") -> date | None:
    """The earliest day the rows of `typed` (this file's valid rows) can change, against the stored rows of the
    table (`matched`: the keys found stored, with whether the row differs); None when they change nothing derived.
    Call it before the merge."""
    if table.name not in TIMES:
        return None
    if table.name == "customers" and _describes_anew(conn, table, matched):
        return FULL
    if table.name in OF_A_RESPONSE:
        _keep_response_times(conn, table, matched)
    joins = (_response_join(table.name, "t"), _response_join(table.name, "d"))
    new = (
        f"SELECT min({_times(table.name, 't')}) FROM typed t{joins[0]} WHERE NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {matched} m WHERE {_key_match(table, 't', 'm')})"
    )
    moved = (
        f"SELECT min({_moved_times(table.name)}) FROM typed t JOIN {matched} m ON {_key_match(table, 't', 'm')} "  # noqa: S608
        f"JOIN {table.name} d ON {_key_match(table, 'd', 'm')}{joins[0]}{joins[1]} WHERE m.changed"
    )
    found = [day for (day,) in conn.execute(f"{new} UNION ALL {moved}").fetchall() if day is not None]
    if table.name == "responses" and found:
        last = conn.execute("SELECT CAST(max(responded_at) AS DATE) FROM responses").fetchall()[0][0]
        found += [last - DEADLINE_REACH] if last else []
    return min(found, default=None)


def _describes_anew(conn: Connection, table: Table, matched: str) -> bool:
    """Whether a stored customer's description (anything but their dates) changes."""
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM d.{c}" for c in _other_columns(table.name)) or "false"
    sql = (
        f"SELECT count(*) FROM typed t JOIN {table.name} d ON {_key_match(table, 't', 'd')} "  # noqa: S608
        f"WHERE {differs}"
    )
    return conn.execute(sql).fetchall()[0][0] > 0


def combined(first: date | None, second: date | None) -> date | None:
    """The earlier of two reaches (None: no reach)."""
    return min((d for d in (first, second) if d is not None), default=None)
