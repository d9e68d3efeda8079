"""Typeform CSV exports: one header row, a response token in the `#` column, dates stated in UTC.

The metadata columns come last: `Start Date (UTC)`, `Submit Date (UTC)`, `Network ID`, and in newer exports
`Response Type` (completed / partial), `Stage Date (UTC)`, `Tags`, `Ending`.
"""

from __future__ import annotations

from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field

SUBMITTED = "Submit Date (UTC)"


def detect(rows: list[list[str]]) -> str | None:
    """'typeform' when the first column is the `#` token and a `Submit Date (UTC)` column exists, else None."""
    header = [c.strip() for c in rows[0]] if rows else []
    return "typeform" if header[:1] == ["#"] and SUBMITTED in header else None


def read(path: Path, rows: list[list[str]], tool: str, encoding: str, delimiter: str) -> Export:
    """The export of a detected Typeform file."""
    header = [c.strip() for c in rows[0]]
    kind = header.index("Response Type") if "Response Type" in header else None

    def drop(cells: list[str]) -> str | None:
        partial = kind is not None and kind < len(cells) and cells[kind].strip().lower() == "partial"
        return "unfinished" if partial else None

    fields = tuple(
        Field(name, (f"#{i + 1}",), "UTC" if name.endswith("(UTC)") else None) for i, name in enumerate(header)
    )
    return Export(
        tool=tool,
        path=path,
        fields=fields,
        header_rows=1,
        submitted_at=SUBMITTED,
        response_id="#",
        drop=drop,
        encoding=encoding,
        delimiter=delimiter,
        stated_zone="UTC",
    )
