"""Validation rules of the data contract as SQL: each broken rule of a staged row becomes one reject with its reason.

Column names come from the schema (never from the data); data values are only ever column references here.
"""

from __future__ import annotations

from cxmetrics.metrics import REGISTRY
from cxmetrics.schema import Column, Table

EARLIEST_DATE = "1900-01-01"
LATEST_DATE = "2100-12-31"

_TYPE_WORDS = {
    "SMALLINT": "a whole number",
    "INTEGER": "a whole number",
    "BIGINT": "a whole number",
    "DOUBLE": "a number",
    "BOOLEAN": "true or false",
    "DATE": "a date YYYY-MM-DD",
    "TIMESTAMP": "a date or timestamp YYYY-MM-DD[ HH:MM:SS]",
}


def _quote(text: str) -> str:
    """A SQL string literal of schema text (column names, reasons): never used for data values."""
    return "'" + text.replace("'", "''") + "'"


def typed(col: Column, ref: str | None = None) -> str:
    """SQL that converts the staged text of `col` to its contract type (NULL when empty)."""
    ref = ref or col.name
    if col.is_whole_number:
        return f"CAST(TRY_CAST({ref} AS DOUBLE) AS {col.type})"
    if col.type == "BOOLEAN":
        return f"TRY_CAST(lower({ref}) AS BOOLEAN)"
    if col.choices:
        return f"lower({ref})"
    if col.empty_means_all:
        return f"coalesce({ref}, '')"
    if col.type == "VARCHAR":
        return ref
    return f"TRY_CAST({ref} AS {col.type})"


def _parses(col: Column) -> str:
    """SQL true when the non-empty staged text of `col` converts to its type."""
    name = col.name
    if col.is_whole_number:
        number = f"TRY_CAST({name} AS DOUBLE)"
        return f"coalesce(isfinite({number}) AND {number} = floor({number}), false)"
    if col.type == "DOUBLE":
        return f"coalesce(isfinite(TRY_CAST({name} AS DOUBLE)), false)"
    if col.type == "VARCHAR":
        return "true"
    return f"({typed(col)} IS NOT NULL)"


def _reject(col: str | None, condition: str, reason_sql: str, value_sql: str = "NULL") -> str:
    """A struct describing a broken rule when `condition` holds, else NULL."""
    column = _quote(col) if col else "NULL"
    return (
        f"CASE WHEN {condition} THEN struct_pack(column_name := {column}, "
        f"value := CAST({value_sql} AS VARCHAR), reason := {reason_sql}) END"
    )


def _range_reason(col: Column) -> str:
    if col.low is not None and col.high is not None:
        return f"'out of range: ' || {col.name} || ' is not between {col.low:g} and {col.high:g}'"
    if col.low is not None:
        return f"'out of range: ' || {col.name} || ' is below the minimum of {col.low:g}'"
    return f"'out of range: ' || {col.name} || ' is above the maximum of {col.high:g}'"


def _range_condition(col: Column) -> str:
    bounds = []
    if col.low is not None:
        bounds.append(f"{typed(col)} < {col.low!r}")
    if col.high is not None:
        bounds.append(f"{typed(col)} > {col.high!r}")
    return " OR ".join(bounds)


def column_rules(table: Table, col: Column) -> list[str]:
    """Rule expressions for one column, each NULL or a reject struct."""
    name, rules = col.name, []
    present = f"{name} IS NOT NULL"
    if (col.required or col.name in table.key) and not col.empty_means_all:
        rules.append(_reject(name, f"{name} IS NULL", _quote(f"missing value: {name} is required")))
    expected = _TYPE_WORDS.get(col.type)
    if expected and col.type != "VARCHAR":
        reason = "unparseable date" if col.is_temporal else "wrong type"
        rules.append(
            _reject(
                name,
                f"{present} AND NOT {_parses(col)}",
                f"'{reason}: ''' || {name} || ''' is not {expected}'",
                name,
            )
        )
    valid = f"{present} AND {_parses(col)}"
    if col.low is not None or col.high is not None:
        rules.append(_reject(name, f"{valid} AND ({_range_condition(col)})", _range_reason(col), name))
    if col.is_temporal:
        outside = f"{typed(col)} NOT BETWEEN DATE '{EARLIEST_DATE}' AND DATE '{LATEST_DATE}'"
        rules.append(
            _reject(
                name,
                f"{valid} AND {outside}",
                f"'implausible date: ' || {name} || ' is outside {EARLIEST_DATE[:4]}-{LATEST_DATE[:4]}'",
                name,
            )
        )
    if col.choices:
        accepted = ", ".join(col.choices)
        options = ", ".join(_quote(c) for c in col.choices)
        rules.append(
            _reject(
                name,
                f"{present} AND lower({name}) NOT IN ({options})",
                f"'not an accepted value: ''' || {name} || ''' (accepted: {accepted})'",
                name,
            )
        )
    if col.first_of_month:
        rules.append(
            _reject(name, f"{valid} AND day({typed(col)}) <> 1", f"'not the first day of a month: ' || {name}", name)
        )
    if col.not_before:
        other = table.column(col.not_before)
        both = f"{valid} AND {other.name} IS NOT NULL AND {_parses(other)}"
        rules.append(
            _reject(
                name,
                f"{both} AND {typed(col)} < {typed(other)}",
                f"'{name} ' || {name} || ' is before {other.name} ' || {other.name}",
                name,
            )
        )
    return rules


def _known_metric_rule() -> str:
    """Targets must name a metric of the registry, or they would silently never apply."""
    known = ", ".join(_quote(m) for m in REGISTRY)
    reason = (
        "'unknown metric: ''' || metric || ''' is not in the metric registry "
        "(python -m cxmetrics metrics lists them)'"
    )
    return _reject("metric", f"metric IS NOT NULL AND metric NOT IN ({known})", reason, "metric")


def table_rules(table: Table) -> list[str]:
    """Rules that involve several columns of a row, or knowledge beyond the schema."""
    if table.name == "targets":
        return [_known_metric_rule()]
    if table.name == "responses":
        return [
            _reject(
                None,
                "nps IS NULL AND csat IS NULL AND ces IS NULL",
                "'no score: nps, csat and ces are all empty'",
            )
        ]
    return []


def row_rules_sql(table: Table, staged: str) -> str:
    """SELECT of (_line, column_name, value, reason) for every broken row rule in the staged table."""
    rules = [rule for col in table.columns for rule in column_rules(table, col)] + table_rules(table)
    rule_list = ",\n        ".join(rules)
    # Identifiers and literals here come from the schema; the data is only referenced as columns.
    return f"""
SELECT _line, r.column_name, r.value, r.reason FROM (
    SELECT _line, unnest(list_filter([
        {rule_list}
    ], lambda x: x IS NOT NULL)) AS r
    FROM {staged}
)"""  # noqa: S608
