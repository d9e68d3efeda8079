"""The mapping from an export's columns to the data contract: a short TOML file plus `--map` / `--set`.

Keys are the contract's column names. A plain string names a column; a table says more:

    nps = "QID1"                                   # a column (its id, another of its names, or #N)
    csat = { column = "QID3", choices = { "Very satisfied" = 5, "Satisfied" = 4 } }
    touchpoint = { value = "billing" }             # a constant for the whole file
    customer_id = { email = "RecipientEmail", lookup = "emails.csv" }   # email -> customer_id (CSV email,customer_id)
    [attributes]
    billing_accuracy = "QID4_2"
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from cxmetrics.ingest.imports.export import ImportFailed
from cxmetrics.ingest.schema import TABLES_BY_NAME

KEYS = TABLES_BY_NAME["responses"].column_names
TOOLS = ("auto", "qualtrics", "surveymonkey", "typeform", "google-forms", "csv")
SETTINGS = ("timezone", "date_order", "source", "attributes")


@dataclass(frozen=True)
class Source:
    """Where one contract column comes from: a column (with its choice texts) or a constant, or an email lookup."""

    column: str | None = None
    value: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] | None = None

    def describe(self) -> str:
        """This source in words, for the dry run."""
        if self.emails is not None:
            return f"email column {self.column!r} looked up ({len(self.emails)} known emails)"
        if self.column is None:
            return f"constant {self.value!r}"
        extra = f" ({len(self.choices)} choice texts)" if self.choices else ""
        return f"column {self.column!r}{extra}"


@dataclass(frozen=True)
class Mapping:
    """Every contract column's source, the attribute ratings, and the file's time settings."""

    sources: dict[str, Source] = field(default_factory=dict)
    attributes: dict[str, Source] = field(default_factory=dict)
    timezone: str | None = None
    day_first: bool = False
    source: str | None = None

    def with_source(self, key: str, source: Source) -> Mapping:
        """This mapping with `key` (a contract column or `attributes.NAME`) taken from `source`."""
        if key.startswith("attributes."):
            return replace(self, attributes={**self.attributes, key.split(".", 1)[1]: source})
        _check_key(key)
        return replace(self, sources={**self.sources, key: source})


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise ImportFailed(f"unknown mapping key {key!r} (keys: {', '.join(KEYS)}, attributes.NAME)")


def _choices(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ImportFailed(f"{where}: choices must be a table of answer text = score")
    return {str(text).strip().casefold(): str(score) for text, score in raw.items()}


def _emails(path: Path) -> dict[str, str]:
    """email -> customer_id from a CSV with those two columns."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return {row["email"].strip().casefold(): row["customer_id"].strip() for row in csv.DictReader(handle)}
    except (OSError, KeyError) as exc:
        raise ImportFailed(f"{path}: cannot read the email lookup (a CSV with columns email,customer_id)") from exc


def source(raw: object, where: str, base: Path) -> Source:
    """A source from its TOML form."""
    if isinstance(raw, str):
        return Source(column=raw)
    if not isinstance(raw, dict) or not ({"column", "value", "email"} & raw.keys()):
        raise ImportFailed(f"{where}: give a column name, {{ column = ... }}, {{ value = ... }} or {{ email = ... }}")
    unknown = raw.keys() - {"column", "value", "choices", "email", "lookup"}
    if unknown:
        raise ImportFailed(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    if "email" in raw:
        return Source(column=str(raw["email"]), emails=_emails(base / str(raw.get("lookup", "emails.csv"))))
    value = raw.get("value")
    return Source(
        column=raw.get("column"),
        value=None if value is None else str(value),
        choices=_choices(raw.get("choices", {}), where),
    )


def parse(data: dict, base: Path, where: str = "mapping") -> Mapping:
    """A mapping from parsed TOML; `base` is the folder relative lookup files are read from."""
    for key in data:
        if key not in SETTINGS:
            _check_key(key)
    if data.get("source", "auto") not in TOOLS:
        raise ImportFailed(f"{where}: source must be one of {', '.join(TOOLS)}")
    order = data.get("date_order", "mdy")
    if order not in ("mdy", "dmy"):
        raise ImportFailed(f"{where}: date_order must be 'mdy' or 'dmy', not {order!r}")
    return Mapping(
        sources={k: source(v, f"{where}: {k}", base) for k, v in data.items() if k in KEYS},
        attributes={k: source(v, f"{where}: attributes.{k}", base) for k, v in data.get("attributes", {}).items()},
        timezone=data.get("timezone"),
        day_first=order == "dmy",
        source=data.get("source"),
    )


def load(path: Path | None) -> Mapping:
    """The mapping in a TOML file (an empty mapping when no file is given)."""
    if path is None:
        return Mapping()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImportFailed(f"{path}: cannot read the mapping: {exc}") from exc
    return parse(data, Path(path).parent, Path(path).name)


def _pair(text: str, flag: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ImportFailed(f"{flag} {text!r}: expected KEY=VALUE")
    return key.strip(), value.strip()


def with_options(mapping: Mapping, columns: list[str], constants: list[str]) -> Mapping:
    """The mapping with `--map KEY=COLUMN` and `--set KEY=VALUE` entries applied (the command line wins)."""
    for text in columns:
        key, column = _pair(text, "--map")
        old = mapping.attributes.get(key.split(".", 1)[-1]) if key.startswith("attributes.") else None
        old = old or mapping.sources.get(key) or Source()
        mapping = mapping.with_source(key, Source(column=column, choices=old.choices))
    for text in constants:
        key, value = _pair(text, "--set")
        mapping = mapping.with_source(key, Source(value=value))
    return mapping
