"""A weekly incremental load into a large database, timed.

    python benchmarks/bench_weekly.py --db PATH [--weeks 3] [--work DIR]

Makes a week's load out of the database itself: the responses of its last `--weeks` complete weeks, with their
attribute ratings, again as new responses (new ids) one week later (about 200,000 responses at 10M for 3 weeks),
and the last month's customer revenue again as the next month's. It copies the database (untimed), loads the folder
into the copy with the loader (validation, merge, the rollups and fact tables refreshed from the load's reach, the
voice index) and prints the load's seconds (the loader's own copy-and-swap of the file included), its reach, its
peak memory and what it loaded.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402
from cxmetrics import db  # noqa: E402
from cxmetrics.ingest.load import load_folder  # noqa: E402

SHIFT_DAYS = 7
# The week's rows, from the database's own: (table, SQL over it with $first, the first day of the copied weeks).
WEEK: tuple[tuple[str, str], ...] = (
    (
        "responses",
        "SELECT * REPLACE ('W' || response_id AS response_id, "  # noqa: S608 (constants)
        f"responded_at + INTERVAL {SHIFT_DAYS} DAY AS responded_at) FROM responses "
        "WHERE responded_at >= $first AND responded_at < $last_monday",
    ),
    (
        "response_attributes",
        "SELECT a.* REPLACE ('W' || a.response_id AS response_id) FROM response_attributes a "
        "JOIN responses r ON r.response_id = a.response_id WHERE r.responded_at >= $first "
        "AND r.responded_at < $last_monday",
    ),
    (
        "customer_revenue",
        "SELECT * REPLACE (CAST(month + INTERVAL 1 MONTH AS DATE) AS month) FROM customer_revenue "
        "WHERE month = (SELECT max(month) FROM customer_revenue)",
    ),
)


def write_week(database: Path, folder: Path, weeks: int) -> dict[str, int]:
    """Write the week's Parquet files into `folder`; rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = db.connect_read_only(database)
    try:
        last_day = conn.execute("SELECT CAST(max(responded_at) AS DATE) FROM responses").fetchone()[0]
        last_monday = conn.execute("SELECT CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)", [last_day]).fetchone()[0]
        params = {"first": last_monday - timedelta(weeks=weeks), "last_monday": last_monday}
        rows = {}
        for table, sql in WEEK:
            path = folder / f"{table}.parquet"
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            conn.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)", used)
            rows[table] = conn.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]  # noqa: S608
        return rows
    finally:
        conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the database to load a week into (left unchanged)")
    parser.add_argument("--weeks", type=int, default=3, help="complete weeks of responses to copy (default 3)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the week's files and the copy")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cx-weekly-"))
    rows = write_week(args.db, work / "week", args.weeks)
    copy = work / "cx.duckdb"
    shutil.copyfile(args.db, copy)
    seconds, report = harness.timed(lambda: load_folder(work / "week", copy))
    for table in report.tables:
        print(
            f"{table.table:<22} read {table.rows_read:>9,}  inserted {table.inserted:>9,}  rejected {table.rejected:,}"
        )
    print(f"files written: {rows}")
    print(f"weekly load: {seconds:.1f} s (reach {report.reach}); peak memory {harness.peak_rss_mb():,.0f} MB")
    if args.work is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
