"""Typeform exports (CSV and .xlsx): one header row, a response token in the `#` column, dates stated in UTC.

The metadata columns come last: `Start Date (UTC)`, `Submit Date (UTC)`, `Network ID`, and in newer exports
`Response Type` (completed / partial), `Stage Date (UTC)`, `Tags`, `Ending`. The account's language translates
their names but keeps the `(UTC)` marker, so the export is recognised by its structure: `#` first, tokens of letters
and digits in it, and columns marked `(UTC)`; the submit date is the last `(UTC)` column. A response with no submit
date (a partial one) is unfinished.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field, Reading

SIGNATURE = "Typeform: a first column named '#' holding response tokens (letters and digits), and columns marked (UTC)"
SUBMITTED = "Submit Date (UTC)"
_TOKEN = re.compile(r"[0-9a-zA-Z]{16,40}")
_UTC = re.compile(r"\(\s*UTC\s*\)\s*$", re.IGNORECASE)


def _utc_columns(header: list[str]) -> list[int]:
    return [i for i, name in enumerate(header) if _UTC.search(name)]


def detect(rows: list[list[str]]) -> str | None:
    """'typeform' when the first column is the `#` token and some columns are marked (UTC), else None."""
    header = [c.strip() for c in rows[0]] if rows else []
    if header[:1] != ["#"] or not _utc_columns(header):
        return None
    tokens = [r[0].strip() for r in rows[1:] if r]
    return "typeform" if all(_TOKEN.fullmatch(t) for t in tokens) else None


def read(path: Path, rows: list[list[str]], tool: str, reading: Reading) -> Export:
    """The export of a detected Typeform file."""
    header = [c.strip() for c in rows[0]]
    submitted = header.index(SUBMITTED) if SUBMITTED in header else _utc_columns(header)[-1]
    kind = header.index("Response Type") if "Response Type" in header else None

    def drop(cells: list[str]) -> str | None:
        partial = kind is not None and kind < len(cells) and cells[kind].strip().lower() == "partial"
        unsent = submitted >= len(cells) or not cells[submitted].strip()
        return "unfinished" if partial or unsent else None

    fields = tuple(
        Field(name, (f"#{i + 1}", *((SUBMITTED,) if i == submitted else ())), "UTC" if _UTC.search(name) else None)
        for i, name in enumerate(header)
    )
    return Export(
        tool=tool,
        path=path,
        fields=fields,
        header_rows=1,
        submitted_at=header[submitted],
        response_id="#",
        drop=drop,
        reading=reading,
        stated_zone="UTC",
    )
