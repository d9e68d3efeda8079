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
# How an editor shows an empty region or segment: the slice it stands for, not a blank cell.
EVERY: dict[str, dict[str, str]] = {
    "targets": {"region": "All regions", "segment": "All segments"},
    "events": {"region": "Company-wide"},
}
HISTORY_COLUMNS: tuple[str, ...] = (
    "changed_at", "changed_by", "table_name", "row_key", "change", "column_name", "old_value", "new_value",
)  # fmt: skip


@dataclass(frozen=True)
class EditorsView:
    """The stored targets and events, the pick lists of their editors, the data's first and last day, and the edit
    history."""

    targets: pd.DataFrame
    events: pd.DataFrame
    target_choices: dict[str, list[str] | dict[str, str]]
    event_choices: dict[str, list[str]]
    first_day: date | None
    last_day: date | None
    history: pd.DataFrame

    @property
    def caption(self) -> str:
        """What the page is for and what a save checks."""
        span = f", {self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}" if self.first_day and self.last_day else ""
        return (
            "Set targets and annotate events in place. A save is checked like a load (known metric, a value the "
            f"metric can take, known region and segment, an event date within the survey data{span}), is saved "
            "whole or not at all, and is written to the edit history with your name."
        )


def for_editor(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The stored rows as an editor shows them: an empty region or segment named for the slice it stands for."""
    return frame.assign(**{c: frame[c].replace("", label).fillna(label) for c, label in EVERY[table].items()})


def from_editor(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """An editor's rows as they are stored: 'All regions' (and the like) back to empty."""
    return frame.assign(**{c: frame[c].replace(label, "") for c, label in EVERY[table].items() if c in frame})


def row_label(table: str, key: str) -> str:
    """An audited row's key in words: a target's metric, grain, start and slice; an event's id."""
    if table != "targets":
        return key
    metric, start, grain, region, segment = key.split("|")
    name = REGISTRY[metric].label if metric in REGISTRY else metric
    every = EVERY["targets"]
    return f"{name} · {grain} from {start} · {region or every['region']} · {segment or every['segment']}"


def _history(conn: Connection) -> pd.DataFrame:
    """The latest edits, each row named in words."""
    history = audit.history(conn, limit=HISTORY_ROWS)[list(HISTORY_COLUMNS)]
    history["row_key"] = [row_label(t, k) for t, k in zip(history["table_name"], history["row_key"], strict=True)]
    return history


def build(conn: Connection) -> EditorsView:
    """The Targets & events page."""
    everyone = AccessScope()
    regions = catalog.dimension_values(conn, "region", everyone)
    segments = catalog.dimension_values(conn, "segment", everyone)
    grains = list(TABLES_BY_NAME["targets"].column("grain").choices)
    return EditorsView(
        targets=for_editor("targets", edits.rows(conn, "targets")),
        events=for_editor("events", edits.rows(conn, "events")),
        target_choices={
            "metric": {m.id: m.label for m in sorted(REGISTRY.values(), key=lambda m: m.label)},
            "grain": grains,
            "region": [EVERY["targets"]["region"], *regions],
            "segment": [EVERY["targets"]["segment"], *segments],
        },
        event_choices={"region": [EVERY["events"]["region"], *regions]},
        first_day=frames.data_start(conn),
        last_day=frames.data_extent(conn),
        history=_history(conn),
    )
