"""Per table: the last day its data covers against its cadence, and whether it is fresh, late or stale.

The day freshness is judged on (`as_of`) is a setting (`CX_QUALITY_AS_OF`): by default the latest day any watched
table covers, the data's own clock, so a table is judged against the freshest one and the same database reads the
same on any day (the committed sample world and the tests are deterministic); `today` for a database loaded on a
schedule, where a load that did not happen at all must show. A monthly table covers its last month to the month's
end. Freshness is the table's, read over all its rows whoever looks: a load brings every region's rows at once, and
a sparse table cut to one region (its complaints, say) would look late after a few quiet days. A region whose rows
stop arriving shows in its response volume (`weekly`), which is read within the viewer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.metrics import sources
from cxmetrics.metrics.sources import Source
from cxmetrics.quality.thresholds import Thresholds

FRESH, LATE, STALE, NOT_LOADED = "fresh", "late", "stale", "not loaded"
COLUMNS: tuple[str, ...] = (
    "table", "cadence", "last_date", "covered_until", "days_behind", "status", "last_loaded_at",
)  # fmt: skip


@dataclass(frozen=True)
class Watched:
    """A table watched for freshness: its name, its words, its cadence ('week' or 'month') and the source whose
    time column dates its rows (and whose dimensions apply the filters and the access scope)."""

    table: str
    label: str
    cadence: str
    source: Source


WATCHED: tuple[Watched, ...] = (
    Watched("responses", "Survey responses", "week", sources.RESPONSES),
    Watched("complaints", "Complaints", "week", sources.COMPLAINTS_OPENED),
    Watched("contacts", "Contacts", "week", sources.CONTACTS),
    Watched("follow_ups", "Follow-ups", "week", sources.FOLLOW_UPS_OPENED),
    Watched("social_mentions", "Social mentions", "week", sources.SOCIAL_MENTIONS),
    Watched("customer_revenue", "Customer revenue", "month", sources.CUSTOMER_MONTHS),
    Watched("financials", "Financials", "month", sources.FINANCIALS),
    Watched("employee_engagement", "Employee engagement", "month", sources.ENGAGEMENT),
)
WATCHED_BY_TABLE = {w.table: w for w in WATCHED}


def last_dates(conn: Connection) -> dict[str, date | None]:
    """The last day with data of each watched table (None: no row), in one query."""
    parts = [
        f"SELECT '{w.table}' AS name, CAST(max({w.source.time}) AS DATE) AS last_date "  # noqa: S608 (registry names)
        f"FROM {w.source.from_sql}"
        for w in WATCHED
    ]
    return dict(conn.execute(" UNION ALL ".join(parts)).fetchall())


def covered_until(cadence: str, last_date: date | None) -> date | None:
    """The last day a table's data covers: its last date, or for a monthly table the end of its last month."""
    if last_date is None or cadence == "week":
        return last_date
    return periods.period_containing("month", last_date).end


def as_of(found: dict[str, date | None], setting: str) -> date | None:
    """The day freshness is judged on: the latest day any watched table covers ('data': of the tables' last days
    `found`), today in UTC ('today'), or the date the setting names; None when nothing is loaded (data clock)."""
    if setting == "today":
        return datetime.now(UTC).date()
    if setting != "data":
        try:
            return date.fromisoformat(setting)
        except ValueError:
            raise ValueError(f"CX_QUALITY_AS_OF must be 'data', 'today' or YYYY-MM-DD, not {setting!r}") from None
    covered = [covered_until(WATCHED_BY_TABLE[t].cadence, d) for t, d in found.items() if d is not None]
    return max(covered, default=None)


def status(days_behind: int | None, cadence: str, limits: Thresholds) -> str:
    """Fresh, late or stale by the days a table's data ends before the freshness day; 'not loaded' without data."""
    if days_behind is None:
        return NOT_LOADED
    late, stale = limits.late_days(cadence)
    return STALE if days_behind > stale else LATE if days_behind > late else FRESH


def _last_loads(conn: Connection) -> dict[str, datetime]:
    """The time of each table's latest load."""
    return dict(conn.execute("SELECT table_name, max(loaded_at) FROM load_log GROUP BY table_name").fetchall())


def table(conn: Connection, found: dict[str, date | None], day: date | None, limits: Thresholds) -> pd.DataFrame:
    """One row per watched table: cadence, last date (`found`), the day its data covers to, days behind `day`,
    status and the time of its latest load."""
    loads = _last_loads(conn)
    rows = []
    for watched in WATCHED:
        until = covered_until(watched.cadence, found.get(watched.table))
        behind = (day - until).days if until is not None and day is not None else None
        rows.append(
            {
                "table": watched.table,
                "cadence": "weekly" if watched.cadence == "week" else "monthly",
                "last_date": found.get(watched.table),
                "covered_until": until,
                "days_behind": behind,
                "status": status(behind, watched.cadence, limits),
                "last_loaded_at": loads.get(watched.table),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
