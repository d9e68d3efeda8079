"""SurveyMonkey CSV exports (and Excel re-saves of them): two header rows, fixed respondent columns first.

Line 1 holds `Respondent ID, Collector ID, Start Date, End Date, ...` and the question texts (a question with several
columns names only its first); line 2 holds each column's sub-header (`Response`, `Open-Ended Response`, or the text
of one choice). Dates are in the account's time zone, which the file does not state.
"""

from __future__ import annotations

from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field

_FIXED = ("Respondent ID", "Collector ID")
_PLAIN = {"", "Response", "Open-Ended Response"}


def detect(rows: list[list[str]]) -> str | None:
    """'surveymonkey' when line 1 starts with the respondent and collector ids, else None."""
    return "surveymonkey" if rows and tuple(c.strip() for c in rows[0][:2]) == _FIXED and len(rows) > 1 else None


def _fields(top: list[str], sub: list[str]) -> tuple[Field, ...]:
    """Each column named by its question (carried over empty cells) and, for a choice column, ' / ' and its choice."""
    fields, question = [], ""
    sub = sub + [""] * len(top)
    for position, text in enumerate(top):
        question = text.strip() or question
        choice = sub[position].strip()
        name = question if choice in _PLAIN else f"{question} / {choice}"
        fields.append(Field(name, (text.strip(), f"#{position + 1}")))
    return tuple(fields)


def read(path: Path, rows: list[list[str]], tool: str, encoding: str, delimiter: str) -> Export:
    """The export of a detected SurveyMonkey file."""
    return Export(
        tool=tool,
        path=path,
        fields=_fields(rows[0], rows[1]),
        header_rows=2,
        submitted_at="End Date",
        response_id="Respondent ID",
        encoding=encoding,
        delimiter=delimiter,
    )
