"""What the Load data page says about a load: the dry run's verdict in one line, and the rows a save refused."""

from __future__ import annotations

import pandas as pd

from cxmetrics.ingest.load import Reject
from cxmetrics.ingest.uploads import Outcome

CONTRACT = "Data-contract files"
EXPORT = "Survey-tool export"
KINDS: tuple[str, ...] = (CONTRACT, EXPORT)


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def verdict(outcome: Outcome) -> str:
    """The counts in a sentence: what the load would do (a dry run) or did."""
    total = outcome.counts[["add", "replace", "unchanged", "drop", "reject"]].sum()
    parts = [
        f"add {_rows(int(total['add']))}",
        f"replace {_rows(int(total['replace']))}",
        f"leave {_rows(int(total['unchanged']))} unchanged",
    ]
    if total["drop"]:
        parts.append(f"drop {_rows(int(total['drop']))} (tests, previews, unfinished)")
    parts.append(f"reject {_rows(int(total['reject']))}")
    said = ", ".join(parts[:-1]) + " and " + parts[-1]
    if outcome.dry_run:
        return f"Dry run: loading would {said}. Nothing has been loaded yet."
    return f"Loaded: {said}."


def refused_rows(rejects: list[Reject]) -> pd.DataFrame:
    """The rows an edit broke a rule with: the row's number in the editor, the column, the value and the reason."""
    rows = [(r.line, r.column, r.value, r.reason) for r in rejects]
    return pd.DataFrame(rows, columns=["line", "column", "value", "reason"])
