"""Everything the Data page shows, from one call: the contract tables, the tiles, rejected rows and recent loads."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxmetrics import config
from cxmetrics.db import Connection
from cxmetrics.display import figures
from cxmetrics.display.tiles import Tile
from cxmetrics.query import catalog

LOADS = 5
RECORDED_IN_APP: tuple[str, ...] = ("actions",)  # the Actions page records them
TABLE_COLUMNS: tuple[str, ...] = (
    "table", "rows", "first_date", "last_date", "last_loaded_at", "source_file", "required", "used_for",
)  # fmt: skip


@dataclass(frozen=True)
class DataView:
    """The contract tables as shown (rows, dates, last load, what each is needed for), the tiles that count them,
    and the last loads' rejects."""

    caption: str
    tiles: tuple[Tile, ...]
    overview: pd.DataFrame
    overview_height: int
    missing_note: str | None
    rejects: pd.DataFrame
    loads: pd.DataFrame


def _missing_note(overview: pd.DataFrame) -> str | None:
    """Which contract tables hold no rows yet (but those recorded in the app, which a load may also fill)."""
    empty = overview.loc[(overview["rows"] == 0) & ~overview["table"].isin(RECORDED_IN_APP), "table"]
    if empty.empty:
        return None
    names = ", ".join(f"`{name}`" for name in empty)
    return f"Not loaded yet: {names}. Add them to a data folder (see below) to unlock the pages that need them."


def _tiles(overview: pd.DataFrame, rejected: int) -> tuple[Tile, ...]:
    """Tables loaded, survey responses and rejected rows of the last loads."""
    loaded = int((overview["rows"] > 0).sum())
    responses = int(overview.loc[overview["table"] == "responses", "rows"].iloc[0])
    return (
        Tile("tables_loaded", "Tables loaded", f"{loaded} of {len(overview)}", None),
        Tile("responses", "Survey responses", f"{responses:,}", None),
        Tile("rejected_rows", f"Rejected rows (last {LOADS} loads)", f"{rejected:,}", "A row can break several rules."),
    )


def build(conn: Connection, target: str) -> DataView:
    """The Data page for the database named `target` in the caption (its path, or a neutral name for a viewer who may
    not see paths)."""
    overview = catalog.table_overview(conn)
    return DataView(
        caption=f"Database: {target}. Each table of the data contract, when it was last loaded, and what was rejected.",
        tiles=_tiles(overview, catalog.rejected_rows(conn, LOADS)),
        overview=overview[list(TABLE_COLUMNS)],
        overview_height=figures.table_height(overview),
        missing_note=_missing_note(overview),
        rejects=catalog.recent_rejects(conn, LOADS, int(config.get("CX_REJECTS_SHOWN"))),
        loads=catalog.recent_loads(conn),
    )
