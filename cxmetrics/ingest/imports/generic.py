"""Any other CSV with one header row: the mapping names the response id and submit-time columns."""

from __future__ import annotations

from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field, Reading


def read(path: Path, rows: list[list[str]], tool: str, reading: Reading) -> Export:
    """The export of a generic CSV; `response_id` and `responded_at` come from the mapping."""
    header = [c.strip() for c in rows[0]] if rows else []
    return Export(
        tool=tool,
        path=path,
        fields=tuple(Field(name, (f"#{i + 1}",)) for i, name in enumerate(header)),
        header_rows=1,
        submitted_at="",
        reading=reading,
    )
