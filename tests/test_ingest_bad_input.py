"""What an adversarial trial of the loader found: each kind of bad input, and what the loader now does with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics import db
from cxmetrics.ingest.load import load_folder
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, RESPONSES_HEADER, counts, write_folder


def _load_responses(tmp_path: Path, rows: str):
    """Load the good customers with `rows` under the responses header into a fresh database."""
    folder = write_folder(tmp_path / "in", customers=CUSTOMERS, responses=RESPONSES_HEADER + rows)
    return load_folder(folder, tmp_path / "x.db"), tmp_path / "x.db"


def _rejects(report) -> list[tuple[str, int, str | None, str]]:
    return [(r.table, r.line, r.column, r.reason) for r in report.rejects]


@pytest.mark.parametrize(
    ("table", "text", "rejects"),
    [
        (
            "responses",
            RESPONSES_HEADER + "R4,C1,2099-01-08 10:00,relationship,,email,9,,,\n",
            [("responses", 2, "responded_at", "future date: 2099-01-08 10:00 is after the time of this load")],
        ),
        (
            "customers",
            CUSTOMERS + "C3,X,EMEA,SMB,Retail,web,2024-05-01,2098-12-31\n",
            [("customers", 4, "churn_date", "future date: 2098-12-31 is after the time of this load")],
        ),
        (
            "complaints",
            "complaint_id,customer_id,opened_at,resolved_at,category,outcome\nK1,C1,2026-01-01,2099-01-01,x,open\n",
            [("complaints", 2, "resolved_at", "future date: 2099-01-01 is after the time of this load")],
        ),
        ("targets", "metric,period_start,grain,target\nnps,2099-01-01,year,40\n", []),
        ("events", "event_id,event_date,title\nE1,2099-01-01,Planned price change\n", []),
    ],
    ids=["response", "churn", "complaint resolved", "target ahead is fine", "planned event is fine"],
)
def test_dates_after_the_load_are_rejected_except_plans(
    tmp_path: Path, table: str, text: str, rejects: list[tuple]
) -> None:
    tables = {"customers": CUSTOMERS, "responses": GOOD_RESPONSES} | {table: text}
    report = load_folder(write_folder(tmp_path / "in", **tables), tmp_path / "x.db")
    assert _rejects(report) == rejects


def test_a_response_dated_up_to_14_hours_ahead_of_utc_is_accepted(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    ahead = (datetime.now(UTC) + timedelta(hours=13)).strftime("%Y-%m-%d %H:%M:%S")
    report, target = _load_responses(tmp_path, f"R4,C1,{ahead},relationship,,email,9,,,\n")
    assert report.rejects == [] and counts(target)["responses"] == 1
