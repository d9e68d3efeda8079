"""Everything the Targets & events page shows, from one call: the two tables as stored, the values their editors
offer, and the latest edits of the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.filters import AccessScope
from cxmetrics.ingest import audit, edits
from cxmetrics.ingest.schema import TABLES_BY_NAME
from cxmetrics.metrics.registry import REGISTRY
from cxmetrics.query import catalog, frames

HISTORY_ROWS = 200
HISTORY_COLUMNS: tuple[str, ...] = (
    "changed_at", "changed_by", "table_name", "row_key", "change", "column_name", "old_value", "new_value",
)  # fmt: skip


@dataclass(frozen=True)
class EditorsView:
    """The stored targets and events, the pick lists of their editors, the data's first and last day, and the edit
    history."""

    targets: pd.DataFrame
    events: pd.DataFrame
    target_choices: dict[str, list[str]]
    event_choices: dict[str, list[str]]
    first_day: date | None
    last_day: date | None
    history: pd.DataFrame

    @property
    def caption(self) -> str:
        """What the page is for and what a save checks."""
        span = f" ({self.first_day:%d %b %Y} to {self.last_day:%d %b %Y})" if self.first_day and self.last_day else ""
        return (
            "Set targets and annotate events in place. A save is checked like a load (known metric, a value the "
            f"metric can take, known region and segment, an event date within the survey data{span}), is saved "
            "whole or not at all, and is written to the edit history with your name."
        )


def _ranges() -> str:
    """The metrics' possible values, for the target column's help."""
    return "; ".join(
        f"{m.id} {'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}"
        for m in REGISTRY.values()
        for low, high in [m.value_range]
        if low is not None or high is not None
    )


def target_help() -> str:
    """The help of the target column: the unit and the values each metric can take."""
    return f"In the metric's unit. Possible values: {_ranges()}."


def build(conn: Connection) -> EditorsView:
    """The Targets & events page."""
    everyone = AccessScope()
    regions = catalog.dimension_values(conn, "region", everyone)
    segments = catalog.dimension_values(conn, "segment", everyone)
    grains = list(TABLES_BY_NAME["targets"].column("grain").choices)
    return EditorsView(
        targets=edits.rows(conn, "targets"),
        events=edits.rows(conn, "events"),
        target_choices={
            "metric": sorted(REGISTRY),
            "grain": grains,
            "region": ["", *regions],
            "segment": ["", *segments],
        },
        event_choices={"region": ["", *regions]},
        first_day=frames.data_start(conn),
        last_day=frames.data_extent(conn),
        history=audit.history(conn, limit=HISTORY_ROWS)[list(HISTORY_COLUMNS)],
    )
