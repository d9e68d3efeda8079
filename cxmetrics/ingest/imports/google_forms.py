"""Google Forms response downloads: one header row starting with the submission timestamp, in local time without a
zone; checkbox answers joined with ", "; no response id (one is derived from the row, see `convert.derived_id`)."""

from __future__ import annotations

from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field, Reading

# The first column's name in the languages Google Forms most often exports in.
TIMESTAMP_NAMES = {
    "Timestamp",
    "Marca temporal",
    "Zeitstempel",
    "Horodateur",
    "Carimbo de data/hora",
    "Informazioni cronologiche",
}
SIGNATURE = "Google Forms: one header row whose first column is the form's timestamp (Timestamp, Horodateur, ...)"


def detect(rows: list[list[str]]) -> str | None:
    """'google-forms' when the first column is the form's timestamp, else None."""
    return "google-forms" if rows and rows[0][0].strip() in TIMESTAMP_NAMES else None


def read(path: Path, rows: list[list[str]], tool: str, reading: Reading) -> Export:
    """The export of a detected Google Forms file."""
    header = [c.strip() for c in rows[0]]
    return Export(
        tool=tool,
        path=path,
        fields=tuple(Field(name, (f"#{i + 1}",)) for i, name in enumerate(header)),
        header_rows=1,
        submitted_at=header[0],
        reading=reading,
    )
