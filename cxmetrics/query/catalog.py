"""What is in the database: per-table counts and date ranges, recent loads and their rejected rows, filter values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.ingest.schema import TABLES
from cxmetrics.metrics.sources import CUSTOMER_ROWS, RESPONSES
from cxmetrics.query import aggregate, memo

# Where each dimension's values live (allow-list: only these identifiers reach SQL).
_DIMENSION_SOURCES = {"region": CUSTOMER_ROWS, "segment": CUSTOMER_ROWS, "touchpoint": RESPONSES, "channel": RESPONSES}

# The pages that need each optional table: what a user gains by loading it.
USED_BY = {
    "customers": "every page (required)",
    "responses": "every page (required)",
    "response_attributes": "key driver analysis",
    "customer_revenue": "loyalty, revenue at risk, value of a promoter",
    "financials": "financial rows of the scorecard, CX next to revenue",
    "complaints": "complaints, recovery and churn after complaints",
    "contacts": "service effectiveness, cost per contact",
    "follow_ups": "closed loop: detractor follow-up",
    "employee_engagement": "people & CX",
    "social_mentions": "listening posts",
    "targets": "targets and status colours",
    "events": "event annotations on trends",
    "actions": "the action register (also recorded on the Actions page)",
}


def _table_row(conn: Connection, table) -> dict:
    """Row count and date range of one contract table."""
    span = f"min({table.date_column})::DATE, max({table.date_column})::DATE" if table.date_column else "NULL, NULL"
    rows, first, last = conn.execute(f"SELECT count(*), {span} FROM {table.name}").fetchone()  # noqa: S608
    return {"table": table.name, "rows": rows, "first_date": first, "last_date": last}


def table_overview(conn: Connection) -> pd.DataFrame:
    """One row per contract table: rows, date range, last load time and source, required or optional."""
    stats = pd.DataFrame([_table_row(conn, t) for t in TABLES])
    loads = conn.execute(
        """
        SELECT table_name AS "table", loaded_at AS last_loaded_at, source AS last_source
        FROM load_log QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY loaded_at DESC) = 1
        """
    ).df()
    overview = stats.merge(loads, on="table", how="left")
    overview["source_file"] = overview["last_source"].map(lambda p: Path(p).name, na_action="ignore")
    overview["required"] = [t.required for t in TABLES]
    overview["used_for"] = overview["table"].map(USED_BY)
    overview["description"] = [t.description for t in TABLES]
    return overview


def _has_loaded_by(conn: Connection) -> bool:
    """Whether load_log records who loaded (a database last loaded before it did has no such column yet)."""
    sql = "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'load_log' AND column_name = 'loaded_by'"
    return conn.execute(sql).fetchone()[0] > 0


def recent_loads(conn: Connection, limit: int = 20) -> pd.DataFrame:
    """The latest loads, newest first, with who loaded them, what they did in total, the survey-tool responses they
    dropped (test, preview, unfinished) and their notes (the tool, the time zone used, times without seconds)."""
    who = "any_value(loaded_by)" if _has_loaded_by(conn) else "CAST(NULL AS VARCHAR)"
    return conn.execute(
        f"""
        SELECT load_id, max(loaded_at) AS loaded_at, {who} AS loaded_by,
               string_agg(table_name, ', ' ORDER BY table_name) AS tables,
               sum(rows_read) AS rows_read, sum(inserted) AS inserted, sum(updated) AS updated,
               sum(unchanged) AS unchanged, sum(rejected) AS rejected,
               coalesce(sum(dropped_test), 0) AS dropped_test, coalesce(sum(dropped_preview), 0) AS dropped_preview,
               coalesce(sum(dropped_unfinished), 0) AS dropped_unfinished,
               string_agg(notes, '; ' ORDER BY table_name) AS notes
        FROM load_log GROUP BY load_id ORDER BY loaded_at DESC LIMIT ?
        """,  # noqa: S608 (a fixed expression)
        [limit],
    ).df()


def recent_rejects(conn: Connection, loads: int = 5, limit: int = 1000) -> pd.DataFrame:
    """Rejected rows of the latest `loads` loads with file, line, column, value and reason."""
    return conn.execute(
        """
        WITH latest AS (
            SELECT load_id, max(loaded_at) AS loaded_at FROM load_log
            GROUP BY load_id ORDER BY loaded_at DESC LIMIT ?
        )
        SELECT l.loaded_at, r.table_name AS "table", r.file, r.line, r.column_name AS "column", r.value, r.reason
        FROM load_rejects r JOIN latest l USING (load_id)
        ORDER BY l.loaded_at DESC, r.table_name, r.line
        LIMIT ?
        """,
        [loads, limit],
    ).df()


def rejected_rows(conn: Connection, loads: int = 5) -> int:
    """Rows rejected by the latest `loads` loads (a row breaking several rules counts once)."""
    return conn.execute(
        """
        SELECT coalesce(sum(rejected), 0) FROM load_log
        WHERE load_id IN (SELECT load_id FROM load_log GROUP BY load_id ORDER BY max(loaded_at) DESC LIMIT ?)
        """,
        [loads],
    ).fetchone()[0]


def dimension_values(conn: Connection, dimension: str, scope: AccessScope) -> list[str]:
    """Distinct non-empty values of a filter dimension that the scope allows, sorted."""
    if dimension not in _DIMENSION_SOURCES:
        raise ValueError(f"unknown dimension {dimension!r}; valid: {', '.join(_DIMENSION_SOURCES)}")
    source = _DIMENSION_SOURCES[dimension]
    if any(dim not in source.dims for dim in scope.restrictions()):
        # Customers cannot be cut by touchpoint: offer the values among the responses the scope leaves.
        source = RESPONSES
    joins, where, params = aggregate.scoped(source, Filters(scope=scope), dims=(dimension,))
    column = source.dims[dimension].expr
    sql = f"SELECT DISTINCT {column} FROM {source.from_sql} {joins} WHERE {where}"  # noqa: S608 (registry identifiers)
    values = [row[0] for row in conn.execute(sql, params).fetchall() if row[0]]
    return sorted(values)


def loaded_tables(conn: Connection) -> frozenset[str]:
    """The contract tables that hold at least one row (read once per read-only connection)."""
    checks = " UNION ALL ".join(
        f"SELECT '{t.name}' AS name WHERE EXISTS (SELECT 1 FROM {t.name})"  # noqa: S608 (schema names only)
        for t in TABLES
    )
    return memo.remembered(conn, "loaded_tables", lambda: frozenset(row[0] for row in conn.execute(checks).fetchall()))


def events_between(conn: Connection, filters: Filters, start: date, end: date) -> pd.DataFrame:
    """Events dated in [start, end]: company-wide ones and those of the visible regions."""
    sql = "SELECT event_date, title, coalesce(region, '') AS region FROM events WHERE event_date BETWEEN ? AND ?"
    params: list = [start, end]
    regions = filters.visible_regions()
    if regions is not None:
        sql += " AND (region IS NULL OR region = '' OR list_contains(?, region))"
        params.append(list(regions))
    return conn.execute(sql + " ORDER BY event_date", params).df()
