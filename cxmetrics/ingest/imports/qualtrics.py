"""Qualtrics CSV exports in their three generations, detected on the id rows (never on question text).

- legacy: line 1 is the id row `V1,V2,...,Q1,...`, line 2 the column names and question text; a byte-order mark and a
  trailing empty column; no time zone is stated.
- 2016 "Insights": three header rows; the third holds `{'ImportId': 'QID1'}`, dict-like but not valid JSON.
- current: three header rows; the third holds `{"ImportId":"QID1"}` as JSON, with `"timeZone"` on date columns.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from cxmetrics.ingest.imports.export import Export, Field, Reading

SIGNATURE = 'Qualtrics: a third header row of ImportId cells ({"ImportId":"QID1"}), or a first row of ids V1, V2, ...'
# Status codes and texts of test and preview responses (Qualtrics' "Response Type").
_TEST = {"2", "survey test", "test"}
_PREVIEW = {"1", "survey preview", "preview"}
_LEGACY_ID = re.compile(r"V\d+")
_LEGACY_NAMES = {"ResponseID": "_recordId", "EndDate": "endDate", "Status": "status", "Finished": "finished"}


def _import_id(cell: str, strict_json: bool) -> dict | None:
    """The parsed ImportId cell, or None when it is not one of this generation's."""
    text = cell.strip()
    if not text.startswith("{") or "ImportId" not in text:
        return None
    try:
        found = json.loads(text) if strict_json else ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return found if isinstance(found, dict) and "ImportId" in found else None


def _id_row(rows: list[list[str]], strict_json: bool) -> list[dict] | None:
    """The third row as ImportId dicts when every non-empty cell is one."""
    if len(rows) < 3:
        return None
    cells = [c for c in rows[2] if c.strip()]
    parsed = [_import_id(c, strict_json) for c in rows[2]]
    if not cells or any(p is None for p, c in zip(parsed, rows[2], strict=True) if c.strip()):
        return None
    return [p or {"ImportId": ""} for p in parsed]


def detect(rows: list[list[str]]) -> str | None:
    """The generation of a Qualtrics export ('qualtrics', 'qualtrics-2016', 'qualtrics-legacy'), or None."""
    if _id_row(rows, strict_json=True):
        return "qualtrics"
    if _id_row(rows, strict_json=False):
        return "qualtrics-2016"
    ids = [c for c in rows[0] if c] if rows else []
    if len(ids) >= 2 and _LEGACY_ID.fullmatch(ids[0]) and ids[:2] == ["V1", "V2"] and len(rows) > 1:
        return "qualtrics-legacy"
    return None


def _key(import_id: str) -> str:
    """A metadata ImportId without its panel or location prefix, lower-cased (`panel-RecipientEmail`)."""
    return import_id.split("-", 1)[-1].lower()


def _three_row_fields(rows: list[list[str]], strict_json: bool) -> tuple[Field, ...]:
    ids = _id_row(rows, strict_json) or []
    tags, labels = rows[0], rows[1] + [""] * len(rows[0])
    return tuple(
        Field(str(meta.get("ImportId") or tag), (tag, labels[i]), meta.get("timeZone"))
        for i, (tag, meta) in enumerate(zip(tags, ids, strict=False))
    )


def _legacy_fields(rows: list[list[str]]) -> tuple[Field, ...]:
    names = rows[1] + [""] * len(rows[0])
    return tuple(
        Field(_LEGACY_NAMES.get(names[i], names[i]) if tag.startswith("V") else tag, (tag, names[i]))
        for i, tag in enumerate(rows[0])
    )


def _find(fields: tuple[Field, ...], *keys: str) -> int | None:
    """The position of the first field whose ImportId (or legacy name) matches one of `keys`, case-insensitively."""
    for key in keys:
        for position, fld in enumerate(fields):
            if _key(fld.id) == key.lower():
                return position
    return None


def _drop_rule(fields: tuple[Field, ...]):
    """test / preview / unfinished from Status, DistributionChannel and Finished."""
    status, channel = _find(fields, "status"), _find(fields, "distributionChannel")
    finished = _find(fields, "finished")

    def drop(cells: list[str]) -> str | None:
        marks = {_cell(cells, status).lower(), _cell(cells, channel).lower()}
        if marks & _TEST:
            return "test"
        if marks & _PREVIEW:
            return "preview"
        if finished is not None and _cell(cells, finished).lower() in {"0", "false"}:
            return "unfinished"
        return None

    return drop


def _cell(cells: list[str], position: int | None) -> str:
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


def read(path: Path, rows: list[list[str]], generation: str, reading: Reading) -> Export:
    """The export of a detected Qualtrics file."""
    legacy = generation == "qualtrics-legacy"
    fields = _legacy_fields(rows) if legacy else _three_row_fields(rows, generation == "qualtrics")
    submitted = _find(fields, "recordedDate", "endDate")
    response = _find(fields, "_recordId", "responseId")
    zone = fields[submitted].zone if submitted is not None else None
    return Export(
        tool=generation,
        path=path,
        fields=fields,
        header_rows=2 if legacy else 3,
        submitted_at=fields[submitted].id if submitted is not None else "",
        response_id=fields[response].id if response is not None else None,
        drop=_drop_rule(fields),
        reading=reading,
        stated_zone=zone,
    )


def nps_question(export: Export) -> str | None:
    """The NPS question, found by its `_NPS_GROUP` companion column (the one Qualtrics adds to every NPS question)."""
    for fld in export.fields:
        if fld.id.endswith("_NPS_GROUP"):
            question = fld.id.removesuffix("_NPS_GROUP")
            if export.has(question):
                return question
    return None
