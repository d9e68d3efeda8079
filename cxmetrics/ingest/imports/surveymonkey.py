"""SurveyMonkey exports (CSV, Excel re-saves of it, and the .xlsx export): two header rows, respondent columns first.

Line 1 holds the respondent columns `Respondent ID, Collector ID, Start Date, End Date, ...` and the question texts
(a question with several columns names only its first); line 2 holds each column's sub-header (`Response`,
`Open-Ended Response`, or the text of one choice), empty under the respondent columns. The account's language
translates every header (`ID du répondant`, `Befragten-ID`, `ID del encuestado`, ...), so the export is recognised
by its structure, never by a header's words: two header rows whose second is empty under the first four columns and
not empty further on, and data rows (where there are any) that start with two numeric ids and two dates. The first
four columns answer to their English names whatever the export's language. Dates are in the account's time zone,
which the file does not state.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxmetrics.ingest.imports import timestamps
from cxmetrics.ingest.imports.export import Export, Field, ImportFailed, Reading

SIGNATURE = (
    "SurveyMonkey: two header rows, the second empty under the first four columns (respondent id, collector id, "
    "start and end date) and filled further on; data rows starting with two numeric ids and two dates"
)
FIXED = ("Respondent ID", "Collector ID", "Start Date", "End Date")
_PLAIN = {"", "Response", "Open-Ended Response"}
_NUMERIC_ID = re.compile(r"\d{5,}")
# A long id that Excel re-saved in scientific notation (1.14150E+11): its last digits are lost.
_SCIENTIFIC_ID = re.compile(r"\d(?:[.,]\d+)?E\+\d+", re.IGNORECASE)


def _is_date(text: str) -> bool:
    try:
        timestamps.parse(text)
    except ValueError:
        try:
            timestamps.parse(text, day_first=True)
        except ValueError:
            return False
    return True


def _data_row_fits(cells: list[str]) -> bool:
    """A data row: two numeric ids, then a start and an end date."""
    cells = [c.strip() for c in cells[:4]] + [""] * 4
    ids = all(_NUMERIC_ID.fullmatch(c) or _SCIENTIFIC_ID.fullmatch(c) for c in cells[:2])
    return ids and all(_is_date(c) for c in cells[2:4])


def detect(rows: list[list[str]]) -> str | None:
    """'surveymonkey' when the rows have SurveyMonkey's structure (see the module's docstring), else None."""
    if len(rows) < 2 or len(rows[0]) < 5:
        return None
    top, sub = [c.strip() for c in rows[0]], [c.strip() for c in rows[1]] + [""] * len(rows[0])
    if not all(top[:4]) or any(sub[:4]) or not any(sub[4:]):
        return None
    return "surveymonkey" if len(rows) < 3 or _data_row_fits(rows[2]) else None


def _fields(top: list[str], sub: list[str]) -> tuple[Field, ...]:
    """Each column named by its question (carried over empty cells) and, for a choice column, ' / ' and its choice."""
    fields, question = [], ""
    sub = sub + [""] * len(top)
    for position, text in enumerate(top):
        question = text.strip() or question
        choice = sub[position].strip()
        name = question if choice in _PLAIN else f"{question} / {choice}"
        english = (FIXED[position],) if position < len(FIXED) else ()
        fields.append(Field(name, (text.strip(), f"#{position + 1}", *english)))
    return tuple(fields)


def read(path: Path, rows: list[list[str]], tool: str, reading: Reading) -> Export:
    """The export of a detected SurveyMonkey file."""
    if len(rows) > 2 and _SCIENTIFIC_ID.fullmatch(rows[2][0].strip()):
        raise ImportFailed(
            f"{path.name}: line 3: the respondent id {rows[2][0].strip()!r} was re-saved by Excel in scientific "
            "notation and has lost its last digits; export the file from SurveyMonkey again (or as .xlsx)"
        )
    fields = _fields(rows[0], rows[1])
    return Export(
        tool=tool,
        path=path,
        fields=fields,
        header_rows=2,
        submitted_at=fields[3].id,
        response_id=fields[0].id,
        reading=reading,
    )
