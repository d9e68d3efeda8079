"""The notes every page shows above its figures: which optional tables to load, and which filters do not apply."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from cxmetrics.filters import Filters


def missing_tables(loaded: Collection[str], needed_tables: Mapping[str, str]) -> tuple[str, ...]:
    """The needed tables that hold no rows, in the order they are listed."""
    return tuple(t for t in needed_tables if t not in loaded)


def missing_note(loaded: Collection[str], needed_tables: Mapping[str, str]) -> str | None:
    """'Load `a` (what it adds); `b` (...) to complete this page (see the Data page).' for the needed tables (table
    -> what it adds) that hold no rows; None when every one is loaded."""
    missing = missing_tables(loaded, needed_tables)
    if not missing:
        return None
    parts = "; ".join(f"`{t}` ({needed_tables[t]})" for t in missing)
    return f"Load {parts} to complete this page (see the Data page)."


def ignored(filters: Filters, ignored_dimensions: Collection[str]) -> tuple[str, ...]:
    """The selected dimensions among `ignored_dimensions`, in name order."""
    return tuple(d for d in sorted(filters.selections()) if d in ignored_dimensions)


def filter_note(filters: Filters, ignored_dimensions: Collection[str], subject: str = "these figures") -> str | None:
    """'The touchpoint filter does not apply to {subject}: they show every touchpoint.' for the selected filters
    among the dimensions the figures cannot be filtered by; None when no such filter is selected."""
    names = " and ".join(ignored(filters, ignored_dimensions))
    if not names:
        return None
    return f"The {names} filter does not apply to {subject}: they show every {names}."
