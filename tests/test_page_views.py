"""The views behind the Data, Complaints and Loyalty pages: the tiles, notes and lists they hand the pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cxmetrics.filters import Filters
from cxmetrics.reports.complaints import view as complaints_view
from cxmetrics.reports.data import view as data_view
from cxmetrics.reports.loyalty import view as loyalty_view


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def test_the_data_view_counts_tables_and_names_the_missing_ones(minimal_db: Path):
    with _open(minimal_db) as conn:
        view = data_view.build(conn, "`cx.duckdb`")
    assert view.caption.startswith("Database: `cx.duckdb`.")
    assert [(t.label, t.value) for t in view.tiles] == [
        ("Tables loaded", "2 of 13"),
        ("Survey responses", "3"),
        ("Rejected rows (last 5 loads)", "0"),
    ]
    assert view.missing_note.startswith("Not loaded yet: `response_attributes`, ")
    assert list(view.overview.columns) == list(data_view.TABLE_COLUMNS)
    assert view.overview_height == 35 * 14 + 3


def test_the_data_view_of_a_complete_world_has_no_missing_note(small_world_db: Path):
    with _open(small_world_db) as conn:
        view = data_view.build(conn, "world.duckdb")
    assert view.missing_note is None and view.tiles[0].value == "12 of 13", "no actions are recorded yet"


def _backlog(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["owner", "age", "open_follow_ups"])


@pytest.mark.parametrize(
    ("rows", "value", "delta", "colour"),
    [
        ([], "0", None, "off"),
        ([("Ana", "0-7 days", 3)], "3", "0 older than a week", "off"),
        (
            [("Ana", "0-7 days", 3), ("Ana", "8-30 days", 2), ("Bo", "over 30 days", 1)],
            "6",
            "3 older than a week",
            "inverse",
        ),
    ],
)
def test_the_backlog_tile_counts_what_is_open_and_what_is_older_than_a_week(rows, value, delta, colour):
    tile = complaints_view.backlog_tile(_backlog(rows), date(2026, 10, 31))
    assert (tile.value, tile.delta, tile.delta_colour, tile.delta_arrow) == (value, delta, colour, "off")
    assert tile.help == "Follow-ups opened and not closed on 31 Oct 2026 (end of day)."


@pytest.fixture(scope="module")
def loyalty(small_world_db: Path) -> loyalty_view.LoyaltyView:
    with _open(small_world_db) as conn:
        return loyalty_view.build(conn, Filters(), date(2026, 11, 15))


def test_loyalty_tiles_carry_their_status_words(loyalty):
    assert all(tile.status_text for tile in loyalty.tiles)
    assert {tile.status_text for tile in loyalty.tiles} <= {"On target", "Watch", "Off target", "No target", "No data"}


def test_the_at_risk_list_is_narrowed_counted_and_downloadable(loyalty):
    everyone = loyalty_view.at_risk_list(loyalty, 0, [], [])
    assert len(everyone.shown) == min(loyalty_view.LIST_ROWS, len(loyalty.at_risk))
    assert everyone.caption.startswith(
        f"{len(loyalty.at_risk):,} of the {len(loyalty.at_risk):,} customers active at the end of 31 Oct 2026"
    )
    owner = loyalty.owners[0]
    theirs = loyalty_view.at_risk_list(loyalty, 50, [owner], [])
    assert set(theirs.shown["account_owner"]) <= {owner} and (theirs.shown["risk_score"] >= 50).all()
    narrowed = theirs.csv.decode().count("\n") - 1
    assert theirs.caption.startswith(f"{narrowed:,} of the {len(loyalty.at_risk):,} customers active at the end")
    assert theirs.csv_name == "at-risk-customers-2026-10-31.csv"
