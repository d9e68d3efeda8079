"""What the Load data page says about a load: the dry run's verdict in one line, and the rows a save refused."""

from __future__ import annotations

from cxmetrics.display.columns import labels
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


def refusal(rejects: list[Reject]) -> str:
    """Why an edit was not saved, in one line."""
    rows = len({r.line for r in rejects})
    return (
        f"Nothing was saved: {_rows(rows)} of the table break{'s' if rows == 1 else ''} a rule. Fix "
        f"{'it' if rows == 1 else 'them'} (rows are numbered from the top of the table) and save again."
    )


def refused_rows(rejects: list[Reject]) -> str:
    """Each broken rule of an edit as a markdown list: the row's number in the editor, the column and the reason."""
    return "\n".join(
        f"- Row {r.line}, {labels([r.column])[r.column] if r.column else 'row'}: {r.reason}" for r in rejects
    )
