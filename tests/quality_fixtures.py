"""Worlds for the data-quality watch: a tiny hand-made one whose every count can be checked on paper, and the small
sample world with a problem planted in its files and loaded the ordinary way."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from cxmetrics.ingest import schema
from cxmetrics.ingest.load import load_folder
from cxmetrics.periods import Period, parse_week

W46 = parse_week("2026-W46")  # 9 to 15 Nov 2026, the tiny world's review week
WEEKS = 9  # W38 .. W46: the review week and the 8 baseline weeks
PER_CELL = 33  # responses a week in each region x channel: 132 a week, 12 of each NPS value 0-10
REGIONS, CHANNELS = ("EMEA", "APAC"), ("email", "web")
CUSTOMERS_PER_REGION = 40

Row = dict


def _week_rows(week: Period, number: int) -> list[Row]:
    """One week's responses: 33 per region and channel, spread over the week's days and hours, transactional at the
    support touchpoint; NPS i % 11, CSAT 1 + i % 5, CES 1 + i % 7 over the week's i-th response."""
    rows = []
    for i in range(len(REGIONS) * len(CHANNELS) * PER_CELL):
        cell, k = divmod(i, PER_CELL)
        region, channel = REGIONS[cell // len(CHANNELS)], CHANNELS[cell % len(CHANNELS)]
        at = datetime.combine(week.start, datetime.min.time()) + timedelta(days=k % 7, hours=8 + k // 7, minutes=cell)
        rows.append(
            {
                "response_id": f"R{number:02d}-{i:03d}",
                "customer_id": f"{region}-{(k + cell) % CUSTOMERS_PER_REGION:02d}",
                "responded_at": at,
                "survey": "transactional",
                "touchpoint": "support",
                "channel": channel,
                "nps": i % 11,
                "csat": 1 + i % 5,
                "ces": 1 + i % 7,
                "region": region,
            }
        )
    return rows


def tiny_rows() -> list[Row]:
    """The tiny world's responses, W38 to W46 2026."""
    weeks = [Period("week", W46.start - timedelta(weeks=n), W46.end - timedelta(weeks=n)) for n in range(WEEKS)]
    return [row for number, week in enumerate(reversed(weeks)) for row in _week_rows(week, number)]


def in_review_week(row: Row) -> bool:
    """Whether a response is in the tiny world's review week (W46)."""
    return row["responded_at"].date() >= W46.start


def tiny_world(path: Path, plant: Callable[[list[Row]], list[Row]] = lambda rows: rows, **tables: list[tuple]) -> Path:
    """The tiny world with `plant` applied to its responses, written straight into a database at `path`; `tables`
    adds rows to other tables (complaints, financials, load_log) as tuples of the table's first columns, in order."""
    conn = duckdb.connect(str(path))
    schema.create_schema(conn)
    customers = pd.DataFrame(
        {
            "customer_id": [f"{region}-{n:02d}" for region in REGIONS for n in range(CUSTOMERS_PER_REGION)],
            "name": [f"{region} customer {n}" for region in REGIONS for n in range(CUSTOMERS_PER_REGION)],
            "region": [region for region in REGIONS for _ in range(CUSTOMERS_PER_REGION)],
            "segment": "SMB",
            "signup_date": date(2020, 1, 1),
        }
    )
    responses = pd.DataFrame(plant(tiny_rows())).drop(columns="region").astype({"nps": "Int16", "csat": "Int16"})
    conn.register("customer_rows", customers)
    conn.register("response_rows", responses)
    conn.execute("INSERT INTO customers BY NAME SELECT * FROM customer_rows")
    conn.execute("INSERT INTO responses BY NAME SELECT * FROM response_rows")
    for name, rows in tables.items():
        width = len(rows[0])
        sql = "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index LIMIT ?"
        columns = ", ".join(c for (c,) in conn.execute(sql, [name, width]).fetchall())
        conn.executemany(f"INSERT INTO {name} ({columns}) VALUES ({', '.join('?' * width)})", rows)  # noqa: S608
    conn.close()
    return path


def planted_sample_world(source: Path, folder: Path, drop: str) -> Path:
    """The small sample world's files with the responses that `drop` (a condition on responses r joined to
    customers c) selects removed, with their attribute ratings and follow-ups, loaded into `folder`/cx.duckdb."""
    data = folder / "data"
    shutil.copytree(source, data)
    conn = duckdb.connect()
    conn.execute("CREATE TABLE customers AS SELECT * FROM read_parquet(?)", [str(source / "customers.parquet")])
    doomed = "SELECT r.response_id FROM read_parquet(?) r LEFT JOIN customers c USING (customer_id) WHERE "
    conn.execute(f"CREATE TABLE doomed AS {doomed}{drop}", [str(source / "responses.parquet")])
    for table in ("responses", "response_attributes", "follow_ups"):
        conn.execute(
            f"COPY (SELECT * FROM read_parquet('{source / f'{table}.parquet'}') "  # noqa: S608 (test folders)
            f"WHERE response_id NOT IN (SELECT response_id FROM doomed)) TO '{data / f'{table}.parquet'}' "
            "(FORMAT parquet)"
        )
    conn.close()
    target = folder / "cx.duckdb"
    report = load_folder(data, target)
    assert report.rejected == 0, [str(r) for r in report.rejects[:5]]
    return target


# North America's email survey trigger breaks in the small world's last week (2026-W46): 1 in 6 of its responses
# arrive (about 5 of a usual 30).
BROKEN_TRIGGER = (
    "c.region = 'North America' AND r.channel = 'email' AND r.responded_at >= TIMESTAMP '2026-11-09' "
    "AND CAST(right(r.response_id, 4) AS INTEGER) % 6 <> 0"
)
