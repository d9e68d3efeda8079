"""The action register as the Actions page and the review pack show it: open and recently closed actions inside the
viewer's access scope, overdue first, each with its metric's movement since the baseline in words.

`build(conn, scope, today)` returns one frozen `ActionRegister`; the page lays it out and the pack renders the same
object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display.tiles import Tile, is_missing
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.query import frames
from cxmetrics.reports.actions import movement, register
from cxmetrics.reports.actions.register import Actor

RECENT_DAYS = 28
TABLE_COLUMNS: tuple[str, ...] = ("Status", "Action", "Owner", "Due", "Movement since the baseline", "Verdict", "Notes")
CSV_EXTRA: tuple[str, ...] = (
    "now_start", "now_end", "now_value", "now_low", "now_high", "now_n", "change", "z", "significant", "verdict",
)  # fmt: skip
_STATUS_WORDS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
# The dashboard's status colours (`display.style`) of an action's state and of its metric's verdict.
_STATE_COLOURS = {"Overdue": "off_target", "Open": "no_target", "Done": "on_target", "Dropped": "suppressed"}
_VERDICT_COLOURS = {
    "moving as intended": "on_target",
    "moving the wrong way": "off_target",
    "no significant change yet": "no_target",
}
_ARROWS = {"up": "↑", "down": "↓"}


@dataclass(frozen=True)
class ActionLine:
    """One action as listed: what, who, when, where it stands, and its metric's movement since the baseline."""

    action_id: str
    title: str
    owner: str
    due_date: date
    status: str
    overdue: bool
    metric: str
    slice: str
    direction: str
    note: str
    movement: movement.Movement
    stored: dict[str, Any]

    @property
    def status_text(self) -> str:
        """'Overdue', 'Open', 'Done' or 'Dropped'."""
        return "Overdue" if self.overdue else _STATUS_WORDS[self.status]

    @property
    def status_colour(self) -> str:
        """The status whose colour the state's badge takes: overdue red, done green, open and dropped grey."""
        return _STATE_COLOURS[self.status_text]

    @property
    def verdict_colour(self) -> str:
        """The status whose colour the verdict's badge takes: green as intended, red the wrong way, else grey."""
        return _VERDICT_COLOURS.get(self.movement.verdict, "suppressed")

    @property
    def details(self) -> str:
        """'emea@example.com · due 30 Nov 2026 · should go ↑ up · A-20261020-1a2b3c'."""
        arrow = _ARROWS[self.direction]
        return f"{self.owner} · due {self.due_date:%-d %b %Y} · should go {arrow} {self.direction} · {self.action_id}"

    @property
    def label(self) -> str:
        """How the action is named in a picker: 'A-20261207-1a2b3c · Fix invoice errors (open)'."""
        return f"{self.action_id} · {self.title} ({self.status_text.lower()})"


@dataclass(frozen=True)
class ActionRegister:
    """Everything the Actions page (and the pack's section) shows for one viewer's scope on one day."""

    caption: str
    tiles: tuple[Tile, ...]
    lines: tuple[ActionLine, ...]
    table: pd.DataFrame  # the lines as one table, for print (the page shows each line as a card)
    empty_note: str | None
    csv: bytes
    csv_name: str


def _line(conn: Connection, row: dict, latest_week: Period | None, scope: AccessScope, today: date) -> ActionLine:
    metric = get_metric(row["metric"])
    due = row["due_date"].date() if hasattr(row["due_date"], "date") else row["due_date"]
    slice_ = {dim: row.get(dim) or "" for dim in register.SLICE_DIMENSIONS}
    return ActionLine(
        action_id=row["action_id"],
        title=row["title"],
        owner=row["owner"],
        due_date=due,
        status=row["status"],
        overdue=row["status"] == "open" and due < today,
        metric=metric.label,
        slice=movement.slice_text(slice_),
        direction=row["direction"],
        note="" if is_missing(row.get("note")) else str(row["note"]),
        movement=movement.measure(conn, row, latest_week, scope),
        stored=row,
    )


def _ordered(lines: list[ActionLine]) -> tuple[ActionLine, ...]:
    """Overdue first, then open by due date, then closed ones, latest closed first (the SQL's order within each)."""
    rank = {True: 0, False: 1}
    return tuple(sorted(lines, key=lambda line: (line.status != "open", rank[line.overdue])))


def _table(lines: tuple[ActionLine, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "action_id": [line.action_id for line in lines],
            "Status": [line.status_text for line in lines],
            "Action": [line.title for line in lines],
            "Owner": [line.owner for line in lines],
            "Due": [line.due_date for line in lines],
            "Movement since the baseline": [f"{_ARROWS[line.direction]} {line.movement.sentence}" for line in lines],
            "Verdict": [line.movement.verdict for line in lines],
            "Notes": [line.note for line in lines],
        },
        columns=["action_id", *TABLE_COLUMNS],
    )


def _csv(lines: tuple[ActionLine, ...]) -> bytes:
    """Every listed action's stored columns and its movement's numbers, unformatted."""
    rows = []
    for line in lines:
        move, now = line.movement, line.movement.now
        rows.append(
            {name: line.stored.get(name) for name in register.TABLE.column_names}
            | {
                "now_start": now.start if now else None,
                "now_end": now.end if now else None,
                "now_value": now.value if now else None,
                "now_low": now.low if now else None,
                "now_high": now.high if now else None,
                "now_n": now.n if now else None,
                "change": move.delta,
                "z": move.z,
                "significant": move.significant,
                "verdict": move.verdict,
            }
        )
    columns = [*register.TABLE.column_names, *CSV_EXTRA]
    return pd.DataFrame(rows, columns=columns).to_csv(index=False).encode()


def _tiles(lines: tuple[ActionLine, ...]) -> tuple[Tile, ...]:
    open_lines = [line for line in lines if line.status == "open"]
    intended = sum(line.movement.verdict == "moving as intended" for line in open_lines)
    return (
        Tile("open_actions", "Open actions", f"{len(open_lines):,}", None),
        Tile("overdue_actions", "Overdue", f"{sum(line.overdue for line in lines):,}", "Open past their due date."),
        Tile(
            "moving_as_intended",
            "Moving as intended",
            f"{intended:,} of {len(open_lines):,}",
            "Open actions whose metric moved significantly the intended way since the baseline.",
        ),
        Tile("closed_recently", f"Closed in {RECENT_DAYS} days", f"{len(lines) - len(open_lines):,}", None),
    )


def build(conn: Connection, filters: Filters, today: date) -> ActionRegister:
    """The register of the actions inside the filters' access scope whose slice names a value chosen in each filtered
    dimension: every open one and those closed in the last 4 weeks."""
    scope = filters.scope
    found = register.visible(conn, scope, today - timedelta(days=RECENT_DAYS), filters.selections())
    latest = frames.latest_period(conn, "week") if not found.empty else None
    lines = _ordered([_line(conn, row, latest, scope, today) for row in found.to_dict("records")])
    since = f" since the baseline, up to {latest.end:%-d %b %Y}" if latest else ""
    chosen = {d: v for d, v in filters.limited().items() if d in register.SLICE_DIMENSIONS}
    where = "; ".join(f"{d} {', '.join(v) or '(none)'}" for d, v in chosen.items())
    where = f" for {where}" if where else ""
    caption = (
        f"Open actions and those closed in the last {RECENT_DAYS} days{where}, overdue first, with each metric's "
        f"movement{since}: the {movement.WINDOW_WEEKS} weeks to the review week an action was recorded in against "
        f"the latest {movement.WINDOW_WEEKS} weeks after them."
    )
    empty = None if lines else "No actions yet. Record one below, or from a bullet of the Scorecard's 'What changed'."
    return ActionRegister(
        caption=caption,
        tiles=_tiles(lines),
        lines=lines,
        table=_table(lines),
        empty_note=empty,
        csv=_csv(lines),
        csv_name=f"actions-{today.isoformat()}.csv",
    )


def updatable(actions: ActionRegister, actor: Actor) -> tuple[ActionLine, ...]:
    """The listed actions `actor` may update: their own, or all of them for the CX team and admins."""
    return tuple(line for line in actions.lines if register.may_update(actor, line.stored))


def recorded_text(row: dict) -> str:
    """What the page says once an action is recorded: its id and the baseline it captured."""
    metric = get_metric(row["metric"])
    value = row["baseline_value"]
    shown = "withheld (too few responses)" if is_missing(value) else metric.format(value)
    low, high = row["baseline_low"], row["baseline_high"]
    interval = "" if is_missing(low) else f", 95% interval {metric.format(low)} to {metric.format(high)}"
    return (
        f"Recorded {row['action_id']}: {movement.subject(metric, {d: row[d] for d in register.SLICE_DIMENSIONS})} "
        f"was {shown}{interval} "
        f"(n = {row['baseline_n']:,}) over {movement.span(row['baseline_start'], row['baseline_end'])}."
    )
