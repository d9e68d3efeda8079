"""Validation rules of the data contract as SQL: each broken rule of a staged row becomes one reject with its reason.

Column names come from the schema (never from the data); data values are only ever column references here.
"""

from __future__ import annotations

from cxmetrics.ingest.schema import Column, Table
from cxmetrics.metrics.registry import REGISTRY

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


# The largest magnitude each whole-number type holds: larger values are rejected, never overflow the load.
_WHOLE_LIMITS = {"SMALLINT": 32767, "INTEGER": 2147483647, "BIGINT": 9223372036854775807}


def _number(ref: str) -> str:
    return f"TRY_CAST({ref} AS DOUBLE)"


def typed(col: Column, ref: str | None = None) -> str:
    """SQL that converts the staged text of `col` to its contract type (NULL when empty).

    Timestamps with an offset are converted to UTC (the load session runs in UTC); naive ones are kept as written.
    """
    ref = ref or col.name
    if col.is_whole_number:
        return f"CAST({_number(ref)} AS {col.type})"
    if col.type == "BOOLEAN":
        return f"TRY_CAST(lower({ref}) AS BOOLEAN)"
    if col.type == "TIMESTAMP":
        return f"CAST(TRY_CAST({ref} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if col.empty_means_all:
        return f"coalesce({'lower(' + ref + ')' if col.code else ref}, '')"
    if col.choices or col.code:
        return f"lower({ref})"
    if col.type == "VARCHAR":
        return ref
    return f"TRY_CAST({ref} AS {col.type})"


# The written forms each type accepts: DuckDB's casts alone also take '1e1' or '1_0' as 10, '2026/01/08', 'epoch'.
_FORMATS = {
    "whole": r"[+-]?[0-9]+(\.0*)?",
    "DOUBLE": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?",
    "DATE": r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]00:00(:00(\.0+)?)?(Z|[+-]00(:?00)?)?)?",
    "TIMESTAMP": r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
    r" ?(Z|[+-][0-9]{2}(:?[0-9]{2})?|[A-Za-z][A-Za-z0-9_/+-]*)?",
}


def _written_as(col: Column) -> str:
    """SQL true when the staged text has the written form of the column's type."""
    form = _FORMATS["whole" if col.is_whole_number else col.type]
    return f"regexp_full_match({col.name}, {_quote(form)})"


def _parses(col: Column) -> str:
    """SQL true when the non-empty staged text of `col` is written as its type and converts to it."""
    number = _number(col.name)
    if col.is_whole_number:
        return f"coalesce({_written_as(col)} AND isfinite({number}) AND {number} = floor({number}), false)"
    if col.type == "DOUBLE":
        return f"coalesce({_written_as(col)} AND isfinite({number}), false)"
    if col.type == "VARCHAR":
        return "true"
    if col.type == "BOOLEAN":
        return f"({typed(col)} IS NOT NULL)"
    return f"({_written_as(col)} AND {typed(col)} IS NOT NULL)"


def _reject(col: str | None, condition: str, reason_sql: str, value_sql: str = "NULL") -> str:
    """A struct describing a broken rule when `condition` holds, else NULL."""
    column = _quote(col) if col else "NULL"
    return (
        f"CASE WHEN {condition} THEN struct_pack(column_name := {column}, "
        f"value := CAST({value_sql} AS VARCHAR), reason := {reason_sql}) END"
    )


def _quoted_value(name: str) -> str:
    """SQL for the staged value in quotes, as shown in a reason."""
    return f"'''' || {name} || ''''"


def _required_rule(table: Table, col: Column) -> list[str]:
    if not (col.required or col.name in table.key) or col.empty_means_all:
        return []
    return [_reject(col.name, f"{col.name} IS NULL", _quote(f"missing value: {col.name} is required"))]


def _type_rule(col: Column) -> list[str]:
    if col.type == "VARCHAR":
        return []
    name = col.name
    expected = _TYPE_WORDS[col.type]
    reason = "unparseable date" if col.is_temporal else "wrong type"
    condition = f"{name} IS NOT NULL AND NOT {_parses(col)}"
    return [_reject(name, condition, f"'{reason}: ' || {_quoted_value(name)} || ' is not {expected}'", name)]


def _fits(col: Column) -> str:
    """SQL true when a whole number fits its column type (always true for other types)."""
    if not col.is_whole_number:
        return "true"
    return f"abs({_number(col.name)}) <= {_WHOLE_LIMITS[col.type]}"


def _valid(col: Column) -> str:
    return f"{col.name} IS NOT NULL AND {_parses(col)} AND {_fits(col)}"


def _size_rule(col: Column) -> list[str]:
    """Whole numbers too large for their type (where the column's own range does not already say so)."""
    if not col.is_whole_number:
        return []
    found = _range_condition_reason(col)
    outside_range = f" AND NOT ({found[0]})" if found else ""
    condition = f"{col.name} IS NOT NULL AND {_parses(col)} AND NOT {_fits(col)}{outside_range}"
    reason = f"'out of range: ' || {col.name} || ' is beyond {_WHOLE_LIMITS[col.type]}, the largest this column holds'"
    return [_reject(col.name, condition, reason, col.name)]


def _range_condition_reason(col: Column) -> tuple[str, str] | None:
    name, number = col.name, _number(col.name)
    if col.low is not None and col.high is not None:
        reason = f"'out of range: ' || {name} || ' is not between {col.low:g} and {col.high:g}'"
        return f"({number} < {col.low!r} OR {number} > {col.high!r})", reason
    if col.low is not None:
        return f"{number} < {col.low!r}", f"'out of range: ' || {name} || ' is below the minimum of {col.low:g}'"
    if col.high is not None:
        return f"{number} > {col.high!r}", f"'out of range: ' || {name} || ' is above the maximum of {col.high:g}'"
    return None


def _range_rule(col: Column) -> list[str]:
    found = _range_condition_reason(col)
    if found is None:
        return []
    condition, reason = found
    return [_reject(col.name, f"{col.name} IS NOT NULL AND {_parses(col)} AND {condition}", reason, col.name)]


def _date_rules(table: Table, col: Column) -> list[str]:
    if not col.is_temporal:
        return []
    name = col.name
    outside = f"{typed(col)} NOT BETWEEN DATE '{EARLIEST_DATE}' AND DATE '{LATEST_DATE}'"
    reason = f"'implausible date: ' || {name} || ' is outside {EARLIEST_DATE[:4]}-{LATEST_DATE[:4]}'"
    rules = [_reject(name, f"{_valid(col)} AND {outside}", reason, name)]
    if col.first_of_month:
        reason = f"'not the first day of a month: ' || {name}"
        rules.append(_reject(name, f"{_valid(col)} AND day({typed(col)}) <> 1", reason, name))
    if col.not_before:
        other = table.column(col.not_before)
        both = f"{_valid(col)} AND {_valid(other)} AND {typed(col)} < {typed(other)}"
        reason = f"'{name} ' || {name} || ' is before {other.name} ' || {other.name}"
        rules.append(_reject(name, both, reason, name))
    return rules


def _future_rule(col: Column) -> list[str]:
    """Observed dates cannot lie after the load (the load's clock is the temp table `load_clock`)."""
    if not col.is_temporal or col.may_be_future:
        return []
    latest = (
        "(SELECT latest FROM load_clock)"
        if col.type == "TIMESTAMP"
        else "(SELECT CAST(latest AS DATE) FROM load_clock)"
    )
    reason = f"'future date: ' || {col.name} || ' is after the time of this load'"
    return [_reject(col.name, f"{_valid(col)} AND {typed(col)} > {latest}", reason, col.name)]


def _choices_rule(col: Column) -> list[str]:
    if not col.choices:
        return []
    name, accepted = col.name, ", ".join(col.choices)
    options = ", ".join(_quote(c) for c in col.choices)
    reason = f"'not an accepted value: ' || {_quoted_value(name)} || ' (accepted: {accepted})'"
    return [_reject(name, f"{name} IS NOT NULL AND lower({name}) NOT IN ({options})", reason, name)]


def column_rules(table: Table, col: Column) -> list[str]:
    """Rule expressions for one column, each NULL or a reject struct."""
    return [
        *_required_rule(table, col),
        *_type_rule(col),
        *_size_rule(col),
        *_range_rule(col),
        *_date_rules(table, col),
        *_future_rule(col),
        *_choices_rule(col),
    ]


def _known_metric_rule() -> str:
    """Targets and actions must name a metric of the registry, or they would silently never apply."""
    known = ", ".join(_quote(m) for m in REGISTRY)
    reason = (
        "'unknown metric: ''' || metric || ''' is not in the metric registry (python -m cxmetrics metrics lists them)'"
    )
    return _reject("metric", f"metric IS NOT NULL AND metric NOT IN ({known})", reason, "metric")


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _possible_target_rule(target: Column) -> str:
    """A target outside the values its metric can take (an NPS target of 140) could never be met or missed."""
    cases = []
    for metric in REGISTRY.values():
        low, high = metric.value_range
        outside = [f"{_number(target.name)} < {low:g}"] if low is not None else []
        outside += [f"{_number(target.name)} > {high:g}"] if high is not None else []
        if outside:
            span = f"from {_bound(low)}" if high is None else f"up to {_bound(high)}"
            span = f"between {low:g} and {high:g}" if low is not None and high is not None else span
            reason = _quote(f" is outside what {metric.id} can be ({span})")
            cases.append((f"metric = {_quote(metric.id)} AND ({' OR '.join(outside)})", reason))
    condition = " OR ".join(f"({c})" for c, _ in cases)
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in cases) + " END"
    return _reject(
        target.name,
        f"{target.name} IS NOT NULL AND {_parses(target)} AND ({condition})",
        f"'impossible target: ' || {target.name} || {reason}",
        target.name,
    )


def _known_label_rule(name: str) -> str:
    """A region or segment the customers do not have would match no row: a typo, not a new slice."""
    known = f"(SELECT DISTINCT lower({name}) FROM customers WHERE {name} IS NOT NULL)"  # noqa: S608 (schema names)
    reason = f"'unknown {name}: ' || {_quoted_value(name)} || ' is not a {name} of any customer'"
    return _reject(name, f"{name} IS NOT NULL AND lower({name}) NOT IN {known}", reason, name)


def _within_data_rule(col: Column) -> str:
    """An event before the first survey response would never show on a trend; one more than a year after the last is
    a typo, not a planned change (a planned change may lie ahead of this week's data)."""
    first = "(SELECT min(responded_at)::DATE FROM responses)"
    last = "(SELECT CAST(max(responded_at)::DATE + INTERVAL 1 YEAR AS DATE) FROM responses)"
    outside = f"{_valid(col)} AND {typed(col)} NOT BETWEEN {first} AND {last}"
    reason = (
        f"'outside the data: ' || {col.name} || ' is not between the first survey response and a year after the "
        f"last (' || {first} || ' to ' || {last} || ')'"
    )
    return _reject(col.name, outside, reason, col.name)


def table_rules(table: Table) -> list[str]:
    """Rules that involve several columns of a row, or knowledge beyond the schema."""
    if table.name == "targets":
        return [
            _known_metric_rule(),
            _possible_target_rule(table.column("target")),
            _known_label_rule("region"),
            _known_label_rule("segment"),
        ]
    if table.name == "actions":
        return [_known_metric_rule()]
    if table.name == "events":
        return [_within_data_rule(table.column("event_date")), _known_label_rule("region")]
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
