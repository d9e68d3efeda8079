"""Rejected rows per load and table: a load that rejects a large share of what it read leaves its weeks short."""

from __future__ import annotations

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.quality.thresholds import Thresholds

RECENT_LOADS = 5
COLUMNS: tuple[str, ...] = ("loaded_at", "table", "rows_read", "rejected", "rejected_pct", "latest", "flagged")


def rejects(conn: Connection, limits: Thresholds, loads: int = RECENT_LOADS) -> pd.DataFrame:
    """Per table of the latest `loads` loads: rows read and rejected, the rejected share, whether it is the table's
    latest load, and whether that latest load's share reaches the threshold."""
    return conn.execute(
        """
        WITH recent AS (
            SELECT load_id FROM load_log GROUP BY load_id ORDER BY max(loaded_at) DESC LIMIT $loads
        ), shares AS (
            SELECT loaded_at, table_name AS "table", rows_read, rejected,
                   round(100.0 * rejected / nullif(rows_read, 0), 1) AS rejected_pct,
                   row_number() OVER (PARTITION BY table_name ORDER BY loaded_at DESC) = 1 AS latest
            FROM load_log WHERE load_id IN (SELECT load_id FROM recent)
        )
        SELECT *,
               coalesce(latest AND rejected > 0 AND 100.0 * rejected / nullif(rows_read, 0) >= $pct, FALSE) AS flagged
        FROM shares ORDER BY loaded_at DESC, "table"
        """,
        {"loads": loads, "pct": limits.rejects_pct},
    ).df()[list(COLUMNS)]
