"""An export's records as rows of the contract's `responses` and `response_attributes`, with drops and rejects.

Nothing is guessed: an answer text the mapping does not know, an unreadable date or an unknown email is a reject
with the export's own line; test, preview and unfinished responses are dropped and counted.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pyarrow as pa

from cxmetrics.ingest.imports import qualtrics, timestamps
from cxmetrics.ingest.imports.export import Export, ImportFailed
from cxmetrics.ingest.imports.mapping import Mapping, Source
from cxmetrics.ingest.schema import TABLES_BY_NAME

RESPONSE_COLUMNS = TABLES_BY_NAME["responses"].column_names
ATTRIBUTE_COLUMNS = (*TABLES_BY_NAME["response_attributes"].column_names, "_line")
SCORES = ("nps", "csat", "ces")
_NUMBER = re.compile(r"[+-]?\d+(\.0*)?")


@dataclass(frozen=True)
class Plan:
    """Where each contract column of one export comes from, resolved to positions, and the zone its times are in."""

    export: Export
    positions: dict[str, int]
    constants: dict[str, str]
    sources: dict[str, Source]
    attributes: dict[str, tuple[int, Source]]
    local_zone: ZoneInfo | None
    zone_note: str
    day_first: bool
    keep_unfinished: bool

    def describe(self) -> list[str]:
        """The mapping in use, one line per contract column, for the dry run."""
        lines = [f"{key:<14}{src.describe()}" for key, src in self.sources.items()]
        lines += [f"attributes.{name}: {src.describe()}" for name, (_, src) in self.attributes.items()]
        return lines + [f"{'time zone':<14}{self.zone_note}"]


@dataclass
class Converted:
    """The contract rows of one export, its drops by reason, its rejects, and notes such as minute-only times."""

    responses: dict[str, list] = field(default_factory=lambda: {c: [] for c in (*RESPONSE_COLUMNS, "_line")})
    attributes: dict[str, list] = field(default_factory=lambda: {c: [] for c in ATTRIBUTE_COLUMNS})
    rejects: list[tuple[int, str | None, str | None, str]] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    minute_only: int = 0
    read: int = 0

    def response_table(self) -> pa.Table:
        """The response rows as text columns plus `_line`, as the loader stages a file."""
        return _table(self.responses)

    def attribute_table(self, rejected_lines: set[int]) -> pa.Table:
        """The attribute ratings as text columns plus `_line` (their response's line), but for rejected responses."""
        keep = [i for i, line in enumerate(self.attributes["_line"]) if line not in rejected_lines]
        return _table({name: [values[i] for i in keep] for name, values in self.attributes.items()})


def _table(columns: dict[str, list]) -> pa.Table:
    return pa.table({n: pa.array(v, pa.int64() if n == "_line" else pa.string()) for n, v in columns.items()})


def _defaults(export: Export, mapping: Mapping) -> dict[str, Source]:
    """What the export itself says: its response id, its submit time, and (Qualtrics) its NPS question."""
    found = {}
    if export.response_id:
        found["response_id"] = Source(column=export.response_id)
    if export.submitted_at:
        found["responded_at"] = Source(column=export.submitted_at)
    nps = qualtrics.nps_question(export) if export.tool.startswith("qualtrics") else None
    if nps:
        found["nps"] = Source(column=nps)
    return {**found, **mapping.sources}


def _zone(export: Export, position: int, mapping: Mapping, timezone: str | None) -> tuple[ZoneInfo | None, str]:
    """The zone naive times are read in: the file's own where it states one, else the user's."""
    stated = export.fields[position].zone or export.stated_zone
    given = timezone or mapping.timezone
    if stated:
        ignored = f"; --timezone {given} not used" if given and given != stated else ""
        return timestamps.zone(stated), f"{stated} (stated by the file{ignored})"
    if given:
        return timestamps.zone(given), f"{given} (given; the file states none)"
    return None, "none stated or given (the times must carry their own offsets)"


def plan(export: Export, mapping: Mapping, timezone: str | None = None, keep_unfinished: bool = False) -> Plan:
    """Resolve the mapping against the export's columns; refuse what cannot be done without guessing."""
    sources = _defaults(export, mapping)
    if "responded_at" not in sources or sources["responded_at"].column is None:
        raise ImportFailed(f"{export.path.name}: which column is the submit time? map it: --map responded_at=COLUMN")
    if "survey" not in sources:
        raise ImportFailed(
            f"{export.path.name}: which survey is this? --set survey=relationship or --set survey=transactional"
        )
    positions = {k: export.index(s.column) for k, s in sources.items() if s.column is not None}
    local, note = _zone(export, positions["responded_at"], mapping, timezone)
    plan_ = Plan(
        export=export,
        positions=positions,
        constants={k: s.value or "" for k, s in sources.items() if s.column is None},
        sources=sources,
        attributes={name: (export.index(s.column), s) for name, s in mapping.attributes.items() if s.column},
        local_zone=local,
        zone_note=note,
        day_first=mapping.day_first,
        keep_unfinished=keep_unfinished,
    )
    if local is None:
        _refuse_naive_times(plan_)
    return plan_


def _has_offset(text: str, day_first: bool) -> bool:
    """Whether a time states its own offset (`+01:00`, `Z`, `GMT+1`)."""
    try:
        return bool(text) and timestamps.parse(text, day_first)[0].tzinfo is not None
    except ValueError:
        return False


def _refuse_naive_times(plan_: Plan) -> None:
    """Without a zone, go on only if the times carry their own offsets (checked on the first record)."""
    first = next(plan_.export.records(), None)
    if first and _has_offset(_cell(first[1], plan_.positions["responded_at"]), plan_.day_first):
        return
    raise ImportFailed(
        f"{plan_.export.path.name}: the file does not say which time zone its times are in; "
        "give it with --timezone ZONE (e.g. --timezone Europe/Berlin); the import does not guess"
    )


def _cell(cells: list[str], position: int) -> str:
    return cells[position].strip() if position < len(cells) else ""


def answer(text: str, src: Source, key: str, score: bool) -> tuple[str | None, str | None]:
    """(value, problem) of one cell: choice texts mapped, numbers kept, an unknown text a problem."""
    if not text:
        return None, None
    if src.choices:
        found = src.choices.get(text.casefold())
        if found is not None:
            return found, None
    if not score and not src.choices:
        return text, None
    if score and _NUMBER.fullmatch(text):
        return text, None
    return None, f"unknown answer: {text!r} is not a choice the mapping gives a value for {key}"


def derived_id(export: Export, cells: list[str]) -> str:
    """A response id for an export that has none (Google Forms): a hash of the whole row, stable across re-exports."""
    digest = hashlib.sha1("\x1f".join(c.strip() for c in cells).encode("utf-8"), usedforsecurity=False)
    return f"{export.tool}-{digest.hexdigest()[:16]}"


def _customer(text: str, src: Source) -> tuple[str | None, str | None]:
    if src.emails is None or not text:
        return text or None, None
    found = src.emails.get(text.casefold())
    return (found, None) if found else (None, f"unknown email: {text!r} is not in the email lookup")


def _when(plan_: Plan, text: str) -> tuple[str | None, str | None, bool]:
    """(UTC text, problem, has seconds) of the submit time."""
    if not text:
        return None, None, True
    try:
        value, has_seconds = timestamps.parse(text, plan_.day_first)
    except ValueError:
        return None, f"unparseable date: {text!r} is not a date and time this export writes", True
    utc, problem = timestamps.to_utc(value, plan_.local_zone)
    if utc is None:
        return None, f"{problem}: {text!r}", True
    return timestamps.utc_text(utc), None, has_seconds


def _values(plan_: Plan, cells: list[str], problems: list) -> dict[str, str | None]:
    """The contract columns of one record other than its submit time; problems appended as (column, reason)."""
    values = {}
    for key in RESPONSE_COLUMNS:
        if key in plan_.constants:
            values[key] = plan_.constants[key] or None
        elif key in plan_.positions and key != "responded_at":
            text, src = _cell(cells, plan_.positions[key]), plan_.sources[key]
            value, problem = _customer(text, src) if key == "customer_id" else answer(text, src, key, key in SCORES)
            values[key] = value
            if problem:
                problems.append((key, problem))
    if "response_id" not in plan_.positions:
        values["response_id"] = derived_id(plan_.export, cells)
    return values


def _row(plan_: Plan, line: int, cells: list[str], out: Converted) -> None:
    """Convert one kept record, or record its rejects."""
    problems: list[tuple[str, str]] = []
    values = _values(plan_, cells, problems)
    when, problem, has_seconds = _when(plan_, _cell(cells, plan_.positions["responded_at"]))
    values["responded_at"] = when
    out.minute_only += not has_seconds
    if problem:
        problems.append(("responded_at", problem))
    ratings = {n: answer(_cell(cells, p), s, f"attribute {n}", True) for n, (p, s) in plan_.attributes.items()}
    problems += [(f"attribute {n}", r[1]) for n, r in ratings.items() if r[1]]
    if problems:
        out.rejects += [(line, column, None, reason) for column, reason in problems]
        return
    for key in RESPONSE_COLUMNS:
        out.responses[key].append(values.get(key))
    out.responses["_line"].append(line)
    for name, (rating, _) in ratings.items():
        if rating is not None:
            _append(out.attributes, response_id=values["response_id"], attribute=name, rating=rating, _line=line)


def _append(columns: dict[str, list], **row) -> None:
    for name, value in row.items():
        columns[name].append(value)


def convert(plan_: Plan) -> Converted:
    """Every record of the export: dropped (test, preview, unfinished), rejected, or a contract row."""
    out = Converted()
    for line, cells in plan_.export.records():
        out.read += 1
        reason = plan_.export.drop(cells)
        if reason and not (reason == "unfinished" and plan_.keep_unfinished):
            out.dropped[reason] += 1
            continue
        _row(plan_, line, cells, out)
    return out
