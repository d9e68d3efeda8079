"""Minimum-n suppression for every report: what a build lets out when a figure rests on too few observations.

A report declares, for each frame it returns, which columns rest on which n (`Rule`: the values, intervals, tests
and verdicts, and the counts that would rebuild them from the n) and which are exact (keys, labels, totals, the n
themselves); a record (a dataclass of figures) declares the same in its `WITHHELD` class attribute, and a tile
carries its n and minimum. `enforce` applies every declaration to everything a build returns, so none of those
figures leaves a build below its minimum while the n stays, in the tiles' words ("Too few (n = 7)"). The metric
frames of the query layer (`attrs["metric"]`) are declared by the registry: value, interval, tests and sums rest on
`n`, the compared value on `compare_n`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cxmetrics.display.style import status_word
from cxmetrics.display.tiles import Tile, is_missing, too_few
from cxmetrics.metrics.registry import REGISTRY, get_metric, minimum_n
from cxmetrics.query.aggregate import sum_columns

T = TypeVar("T")
KEY = "withheld"
# What a metric frame's rows show besides their sums: the value, its interval, target variance and change tests.
METRIC_VALUES: tuple[str, ...] = (
    "value", "low", "high", "variance_to_target", "variance_to_target_pct", "status", "compare_delta", "compare_z",
    "compare_p_value", "compare_significant",
)  # fmt: skip
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCORE_WORDS = re.compile(r"interval|significan", re.IGNORECASE)
# A sentence that carries a figure: a percentage, a signed score (a target is not one), an interval, a test.
_SCORE = re.compile(r"\d\s?%|(?<![Tt]arget )(?<![\w.\-])[+\-−]\d|interval|significan", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """Columns (or record fields) that rest on the n in column `n`: `values` (estimates, intervals, tests, verdicts)
    and `counts` (the numerators that rebuild them from n) are withheld where n is under the minimum of `metric`
    (the registry id), of each row's metric id in column `metric_column`, the minimum in column `minimum_column`
    (a figure with a minimum of its own, such as driver analysis), or else the CX_MIN_N setting."""

    n: str
    values: tuple[str, ...]
    counts: tuple[str, ...] = ()
    metric: str | None = None
    metric_column: str | None = None
    minimum_column: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the rule withholds."""
        return self.values + self.counts

    def minimum(self, metric_id: str | None = None) -> int:
        """The minimum n of a row (of metric `metric_id` when the rule reads it from a column)."""
        chosen = metric_id if self.metric_column else self.metric
        return minimum_n(get_metric(chosen) if chosen else None)

    def minimums(self, frame: pd.DataFrame) -> np.ndarray:
        """The minimum n of each row of `frame`."""
        if self.minimum_column is not None:
            return counts(frame[self.minimum_column])
        if self.metric_column is None:
            return np.full(len(frame), self.minimum())
        return np.array([self.minimum(m) for m in frame[self.metric_column]], dtype=float)

    def under(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows whose n is under their minimum (a missing n counts as none)."""
        return counts(frame[self.n]) < self.minimums(frame)


@dataclass(frozen=True)
class Declaration:
    """How a frame's columns stand to the minimum n: its rules, the columns that are exact, and whether it is shown
    (`shown=False`: the sums a page's own models read, such as an editable ROI's, with the `reason`)."""

    rules: tuple[Rule, ...] = ()
    exact: tuple[str, ...] = ()
    shown: bool = True
    reason: str = ""

    @property
    def classified(self) -> frozenset[str]:
        """Every column the declaration speaks for."""
        named = ({r.n, *r.columns, *((r.minimum_column,) if r.minimum_column else ())} for r in self.rules)
        return frozenset(self.exact).union(*named)


def declare(frame: pd.DataFrame, *rules: Rule, exact: Iterable[str] = ()) -> pd.DataFrame:
    """`frame` with its declaration in `attrs`, withheld by its rules."""
    declaration = Declaration(tuple(rules), tuple(exact))
    return withhold(frame, declaration)


def exact(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` declared to hold no estimate: every column is a key, a label, an exact figure or an n."""
    return declare(frame, exact=frame.columns)


def inputs(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    """`frame` declared as sums the page's own models read and never show (`reason` says which)."""
    frame = frame.copy()
    frame.attrs[KEY] = Declaration(shown=False, reason=reason)
    return frame


def metric_declaration(metric_id: str, frame: pd.DataFrame) -> Declaration:
    """The registry's declaration of a query-layer metric frame: its value, interval, tests and every sum but the
    n rest on `n`; the compared period's value on `compare_n`; the target, the n under the sum's own name and the
    columns that hold no number (the periods, the split's values) are exact."""
    metric = REGISTRY[metric_id]
    sums = tuple(c for c in sum_columns(metric) if c not in (metric.n_column, "n"))
    rules = [Rule("n", METRIC_VALUES, sums, metric_id)]
    if "compare_n" in frame:
        rules.append(Rule("compare_n", ("compare_value",), metric=metric_id))
    ruled = {c for r in rules for c in (r.n, *r.columns)}
    keys = [
        c
        for c in frame.columns
        if c not in ruled
        and (c in ("target", "suppressed", metric.n_column) or not pd.api.types.is_numeric_dtype(frame[c]))
    ]
    return Declaration(tuple(rules), tuple(keys))


def declaration(frame: pd.DataFrame) -> Declaration | None:
    """A frame's declaration: its own, else the registry's for a metric frame, else None (undeclared)."""
    found = frame.attrs.get(KEY)
    if found is not None:
        return found
    metric = frame.attrs.get("metric")
    return metric_declaration(metric, frame) if metric in REGISTRY else None


def _numbers(text: str) -> set[float]:
    """The numbers written in `text` ('1,234' is one)."""
    return {float(m.replace(",", "")) for m in _NUMBER.findall(text)}


def _leaves(text: str, allowed: set[int]) -> bool:
    """Whether `text` shows a number other than the `allowed` ones (an n and its minimum) or an interval or test."""
    return bool(_numbers(text) - {float(a) for a in allowed}) or bool(_SCORE_WORDS.search(text))


def counts(column: pd.Series) -> np.ndarray:
    """A column of n as numbers: text such as '1,234' read as 1234, anything missing or unreadable as 0."""
    if not pd.api.types.is_numeric_dtype(column):
        column = column.astype(str).str.replace(",", "", regex=False)
    return pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(dtype=float)


def _withheld_column(column: pd.Series, parts: list[tuple[np.ndarray, np.ndarray]]) -> pd.Series:
    """A column withheld where an n it rests on (`parts`: each rule's n and minimum per row) is under its minimum:
    NaN or NA for numbers and flags; for text, the tiles' words unless the cell already shows nothing but the n and
    minimum of its rules (a column with nothing to withhold is kept as it is)."""
    under = np.logical_or.reduce([n < least for n, least in parts])
    if not under.any():
        return column
    if pd.api.types.is_bool_dtype(column) or str(column.dtype) == "boolean":
        return column.astype("boolean").mask(under, pd.NA)
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float).mask(under, np.nan)
    allowed = _allowed(parts)
    shown = [
        _withheld_cell(cell, numbers) if hidden else cell
        for cell, hidden, numbers in zip(column, under, allowed, strict=True)
    ]
    return pd.Series(shown, index=column.index, dtype=object)


def _withheld_cell(cell: Any, allowed: set[int]) -> Any:
    """A text cell under its minimum: the tiles' words (with the smallest n) unless it shows nothing but the
    `allowed` numbers; any other value, None."""
    if is_missing(cell):
        return cell
    if not isinstance(cell, str):
        return None
    return too_few(min(allowed)) if _leaves(cell, allowed) else cell


def _allowed(parts: list[tuple[np.ndarray, np.ndarray]]) -> list[set[int]]:
    """Each row's numbers a withheld text cell may show: the n and minimum of every rule over it."""
    rows = zip(*(zip(n, least, strict=True) for n, least in parts), strict=True)
    return [{int(x) for pair in row for x in pair} for row in rows]


def _measured(frame: pd.DataFrame, rules: tuple[Rule, ...]) -> dict[Rule, tuple[np.ndarray, np.ndarray]]:
    """Each rule's n and minimum per row (rules whose n column the frame has)."""
    return {r: (counts(frame[r.n]), r.minimums(frame)) for r in dict.fromkeys(rules) if r.n in frame}


def allowed_numbers(frame: pd.DataFrame, rules: tuple[Rule, ...], column: str) -> tuple[np.ndarray, list[set[int]]]:
    """For a column: the rows under the minimum of any rule over it, and each row's numbers a withheld cell may
    show (the n and minimum of each of those rules)."""
    parts = [part for rule, part in _measured(frame, rules).items() if column in rule.columns]
    if not parts:
        return np.zeros(len(frame), dtype=bool), [set() for _ in range(len(frame))]
    return np.logical_or.reduce([n < least for n, least in parts]), _allowed(parts)


def withhold(frame: pd.DataFrame, declaration: Declaration) -> pd.DataFrame:
    """A copy of `frame` with every declared column withheld where an n it rests on is under its minimum."""
    frame = frame.copy()
    if not frame.empty:
        measured = _measured(frame, declaration.rules)
        columns = dict.fromkeys(c for r in measured for c in r.columns if c in frame)
        for column in columns:
            parts = [part for rule, part in measured.items() if column in rule.columns]
            frame[column] = _withheld_column(frame[column], parts)
    frame.attrs[KEY] = declaration
    return frame


def frame(found: pd.DataFrame) -> pd.DataFrame:
    """A frame as it may leave a build: withheld by its declaration (a metric frame by the registry's)."""
    declared = declaration(found)
    return found if declared is None or not declared.shown else withhold(found, declared)


def record(found: Any) -> Any:
    """A record (a dataclass of figures) with the fields its `WITHHELD` rules name withheld under the minimum."""
    declared: Declaration | None = getattr(type(found), "WITHHELD", None)
    if declared is None:
        return found
    changes = {}
    for rule in declared.rules:
        n = getattr(found, rule.n)
        least = _record_minimum(found, rule)
        if (0 if is_missing(n) else n) < least:
            changes |= {name: _missing_like(getattr(found, name)) for name in rule.columns}
    return replace(found, **changes) if changes else found


def _record_minimum(found: Any, rule: Rule) -> int:
    """The minimum n of a record's figures under `rule`."""
    if rule.minimum_column:
        return int(getattr(found, rule.minimum_column))
    return rule.minimum(getattr(found, rule.metric_column) if rule.metric_column else None)


def _missing_like(value: Any) -> Any:
    """The missing value of a field's kind: NaN for numbers, None otherwise."""
    return float("nan") if isinstance(value, float | int | np.number) and not isinstance(value, bool) else None


def _scoreless(text: str) -> str:
    """`text` without its sentences that carry a percentage, a signed score, an interval or a test (the rest as
    written)."""
    parts = re.split(r"(?<=\.)(\s+)", text)
    pairs = zip(parts[::2], [*parts[1::2], ""], strict=True)
    return "".join(s + gap for s, gap in pairs if not _SCORE.search(s)).strip()


def tile(found: Tile) -> Tile:
    """A tile whose n is under its minimum shows that n instead of its value, change, verdict against target,
    interval and the sparkline's last point."""
    if found.min_n is None or found.n is None or found.n >= found.min_n:
        return found
    allowed = {found.n, found.min_n}
    return replace(
        found,
        value=too_few(found.n) if _leaves(found.value, allowed) else found.value,
        delta=None,
        delta_colour="off",
        comparison=found.comparison if found.comparison and not _leaves(found.comparison, allowed) else None,
        note=found.note if found.note and not _leaves(found.note, allowed) else None,
        help=_scoreless(found.help),
        # The verdict against target and the sparkline's last point are the withheld value too.
        status="suppressed",
        status_text=status_word("suppressed"),
        trend=(*found.trend[:-1], float("nan")) if found.trend else (),
    )


def enforce(found: T, done: dict[int, Any] | None = None) -> T:
    """Everything a build returns, with every frame, record and tile withheld by its declaration (the walk goes
    through dataclasses, tuples, lists and dicts; an object met twice, `done` by its id, stays one object)."""
    done = {} if done is None else done
    if id(found) not in done:
        done[id(found)] = _enforced(found, done)
    return done[id(found)]


def _enforced(found: Any, done: dict[int, Any]) -> Any:
    if isinstance(found, pd.DataFrame):
        return frame(found)
    if isinstance(found, Tile):
        return tile(found)
    if is_dataclass(found) and not isinstance(found, type):
        changes = {f.name: enforce(getattr(found, f.name), done) for f in fields(found) if f.init}
        return record(replace(found, **changes))
    if isinstance(found, tuple | list):
        return type(found)(enforce(item, done) for item in found)
    if isinstance(found, dict):
        return {key: enforce(item, done) for key, item in found.items()}
    return found


def enforced(build: Callable[..., T]) -> Callable[..., T]:
    """A build whose result goes through `enforce` (the decorator every report's build functions wear)."""

    @functools.wraps(build)
    def wrapped(*args: Any, **kwargs: Any) -> T:
        return enforce(build(*args, **kwargs))

    return wrapped
