"""Finding figures that leave a build although their n is under its minimum.

`walk` goes through everything a build returns (dataclasses, tuples, lists, dicts) and reports, by path:
- a frame without a declaration, or with a column its declaration does not classify (so a new frame or column
  cannot slip past), and a declared value, interval, test or rebuilding count shown on a row under the minimum;
- a record with figures and no declaration, and a declared field shown under the minimum;
- a tile without its n and minimum, and a tile under its minimum that shows more than that n;
- a sentence that names an n under the minimum next to a percentage, a signed score, an interval or a test.
`figure_leaks` does the last for every point's hover text and label of a plotly figure (as JSON).
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxmetrics.display import withheld
from cxmetrics.display.tiles import Tile, is_missing
from cxmetrics.metrics.registry import METRICS, minimum_n

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# An n in words: 'n = 6', 'n=29', '(1 of 3)', '60% of 10 detractor comments'.
_SMALL_N = re.compile(r"\bn\s?=\s?(\d[\d,]*)|\bof (\d[\d,]*)\b")
# What a withheld figure must not sit beside: a percentage, a signed score, an interval, a test.
_SCORE = re.compile(r"\d\s?%|(?<![Tt]arget )(?<![\w.\-])[+\-−]\d|interval|significan", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.;])\s+|\n|<br>")
_TEMPLATE = re.compile(r"%\{([^}:|]+)(?:[:|][^}]*)?\}")


def _numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in _NUMBER.findall(text)}


def shows_more_than(text: str | None, allowed: set[int]) -> bool:
    """Whether `text` shows a number other than `allowed` (an n and its minimum), an interval or a test."""
    if not text:
        return False
    extra = _numbers(text) - {float(a) for a in allowed}
    return bool(extra) or bool(re.search("interval|significan", text, re.IGNORECASE))


def minimum_for(text: str) -> int:
    """The minimum n a text is held to: that of the registry metrics it names by label (the strictest of them), else
    CX_MIN_N (a text about an exact metric, such as net revenue retention, may show any n)."""
    named = [m for m in METRICS if re.search(rf"(?<![\w-]){re.escape(m.label)}(?![\w-])", text)]
    return max((minimum_n(m) for m in named), default=minimum_n())


def _small(text: str) -> list[int]:
    """The n named in `text`."""
    return [int(a or b) for a, b in (m.groups() for m in _SMALL_N.finditer(text.replace(",", "")))]


def _about_this_point(hover: str, minimum: int) -> str:
    """A hover's lines but those about another figure with an n of its own at or over the minimum (a compared
    period, say), as one text."""
    lines = re.split(r"<br>|\n", hover)
    return " ".join(line for line in lines if not (_small(line) and min(_small(line)) >= minimum))


def text_leaks(text: str, minimum: int | None = None, whole: bool = False) -> list[str]:
    """The sentences of `text` (all of it when `whole`) that name an n under `minimum` (by default `minimum_for`
    the text) beside a percentage, a signed score, an interval or a test."""
    minimum = minimum_for(text) if minimum is None else minimum
    found = []
    for sentence in [_about_this_point(text, minimum)] if whole else _SENTENCE.split(text):
        if any(0 < n < minimum for n in _small(sentence)) and _SCORE.search(sentence):
            found.append(sentence.strip())
    return found


def _frame_leaks(path: str, frame: pd.DataFrame) -> list[str]:
    declared = withheld.declaration(frame)
    if declared is None:
        return [f"{path}: a frame with no minimum-n declaration (columns {list(frame.columns)})"]
    if not declared.shown:
        return []
    found = [
        f"{path}: column {c!r} is neither exact nor withheld by a rule"
        for c in frame.columns
        if c not in declared.classified
    ]
    for rule in declared.rules:
        if rule.n not in frame:
            found.append(f"{path}: the n column {rule.n!r} of a rule is missing")
            continue
        under, minimums, counts = rule.under(frame), rule.minimums(frame), withheld.counts(frame[rule.n])
        for column in (c for c in rule.columns if c in frame):
            _, allowed = withheld.allowed_numbers(frame, declared.rules, column)
            for i in np.flatnonzero(under):
                cell, n = frame[column].iloc[i], int(counts[i])
                if _cell_shown(cell, allowed[i]):
                    found.append(f"{path}[{i}].{column} = {cell!r} with {rule.n} = {n} < {int(minimums[i])}")
    return found


def _cell_shown(cell: Any, allowed: set[int]) -> bool:
    if isinstance(cell, str):
        return shows_more_than(cell, allowed)
    if isinstance(cell, list | tuple | np.ndarray):
        return len(cell) > 0
    return not is_missing(cell)


def _record_leaks(path: str, found: Any) -> list[str]:
    declared = getattr(type(found), "WITHHELD", None)
    values = {f.name: getattr(found, f.name) for f in fields(found)}
    figures = [k for k, v in values.items() if isinstance(v, float) and not np.isnan(v)]
    if declared is None:
        return [f"{path}: a record with figures {figures} and no WITHHELD declaration"] if figures else []
    leaks = []
    for rule in declared.rules:
        n = values[rule.n]
        n = 0 if is_missing(n) else int(n)
        if n < _record_minimum(values, rule):
            leaks += [
                f"{path}.{c} = {values[c]!r} with {rule.n} = {n}" for c in rule.columns if _cell_shown(values[c], {n})
            ]
    return leaks


def _record_minimum(values: dict, rule: withheld.Rule) -> int:
    if rule.minimum_column:
        return int(values[rule.minimum_column])
    return rule.minimum(values[rule.metric_column] if rule.metric_column else None)


def _tile_leaks(path: str, tile: Tile) -> list[str]:
    if tile.min_n is None:
        return [f"{path}: tile {tile.label!r} declares no minimum n"]
    found = [
        f"{path}.{part}: {s!r}"
        for part in ("help", "note", "comparison")
        for s in text_leaks(getattr(tile, part) or "")
    ]
    if tile.n is None or tile.n >= tile.min_n:
        return found
    allowed = {tile.n, tile.min_n}
    shown = {
        "value": shows_more_than(tile.value, allowed),
        "delta": tile.delta is not None,
        "comparison": shows_more_than(tile.comparison, allowed),
        "note": shows_more_than(tile.note, allowed),
        "help": bool(_SCORE.search(tile.help)),
        "status": tile.status != "suppressed" or shows_more_than(tile.status_text, allowed),
        "trend": bool(tile.trend) and not math.isnan(tile.trend[-1]),
    }
    return found + [
        f"{path}.{k} of tile {tile.label!r} with n = {tile.n} < {tile.min_n}" for k, v in shown.items() if v
    ]


def walk(found: Any, path: str = "view") -> list[str]:
    """Every leak in `found` (a build's result), each as 'path: what'."""
    if isinstance(found, pd.DataFrame):
        return _frame_leaks(path, found)
    if isinstance(found, Tile):
        return _tile_leaks(path, found)
    if isinstance(found, str):
        return [f"{path}: {s!r}" for s in text_leaks(found)]
    if isinstance(found, bytes):
        return walk(found.decode("utf-8", "replace"), path)
    if is_dataclass(found) and not isinstance(found, type):
        leaks = _record_leaks(path, found)
        for f in fields(found):
            leaks += walk(getattr(found, f.name), f"{path}.{f.name}")
        return leaks
    if isinstance(found, tuple | list):
        return [leak for i, item in enumerate(found) for leak in walk(item, f"{path}[{i}]")]
    if isinstance(found, dict):
        return [leak for key, item in found.items() for leak in walk(item, f"{path}[{key!r}]")]
    return []


def not_shown(found: Any, path: str = "view") -> list[str]:
    """The paths of the frames in `found` declared as inputs a page's own models read and never show."""
    if isinstance(found, pd.DataFrame):
        declared = withheld.declaration(found)
        return [path] if declared is not None and not declared.shown else []
    if is_dataclass(found) and not isinstance(found, type):
        return [p for f in fields(found) for p in not_shown(getattr(found, f.name), f"{path}.{f.name}")]
    if isinstance(found, tuple | list):
        return [p for i, item in enumerate(found) for p in not_shown(item, f"{path}[{i}]")]
    if isinstance(found, dict):
        return [p for key, item in found.items() for p in not_shown(item, f"{path}[{key!r}]")]
    return []


def count_withheld(found: Any) -> int:
    """How many frame cells, record fields and tiles in `found` are under their minimum (so a walk that finds no leak
    can be told from a walk that had nothing to check)."""
    if isinstance(found, pd.DataFrame):
        declared = withheld.declaration(found)
        rules = declared.rules if declared is not None and declared.shown else ()
        return sum(int(r.under(found).sum()) for r in rules if r.n in found)
    if isinstance(found, Tile):
        return int(found.n is not None and found.min_n is not None and found.n < found.min_n)
    if is_dataclass(found) and not isinstance(found, type):
        return sum(count_withheld(getattr(found, f.name)) for f in fields(found))
    if isinstance(found, tuple | list):
        return sum(count_withheld(item) for item in found)
    if isinstance(found, dict):
        return sum(count_withheld(item) for item in found.values())
    return 0


# --- figures ---------------------------------------------------------------------------------------------------------


def _array(value: Any) -> Any:
    """A plotly JSON array, typed arrays ({'dtype', 'bdata', 'shape'}) decoded."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            array = array.reshape([int(s) for s in str(shape).split(",")])
        return array.tolist()
    return value


def _point(trace: dict, name: str, index: tuple[int, ...]) -> Any:
    value = _array(trace.get(name))
    if not isinstance(value, list):
        return value
    for i in index:
        if not isinstance(value, list) or i >= len(value):
            return None
        value = value[i]
    return value


def _render(template: str, trace: dict, index: tuple[int, ...]) -> str:
    """A hover template for one point, every %{...} replaced by the point's value (formats ignored)."""

    def value(match: re.Match) -> str:
        key = match.group(1).strip()
        item = re.fullmatch(r"(\w+)\[(\d+)\]", key)
        found = _point(trace, item.group(1), index) if item else _point(trace, key, index)
        if item and isinstance(found, list):
            found = found[int(item.group(2))] if int(item.group(2)) < len(found) else None
        return "" if found is None else str(found)

    return _TEMPLATE.sub(value, re.sub(r"<extra>.*?</extra>", "", template))


def _indices(trace: dict) -> list[tuple[int, ...]]:
    """The points of a trace (cells of a heatmap), by index."""
    z = _array(trace.get("z"))
    if isinstance(z, list) and z and isinstance(z[0], list):
        return [(i, j) for i, row in enumerate(z) for j in range(len(row))]
    lengths = [len(v) for k in ("x", "y", "customdata", "text") if isinstance(v := _array(trace.get(k)), list)]
    return [(i,) for i in range(max(lengths, default=0))]


def _drawn(trace: dict, index: tuple[int, ...]) -> bool:
    """Whether a point is drawn (and so has a hover): its plotted value is not missing."""
    axis = "z" if len(index) == 2 else ("x" if trace.get("orientation") == "h" else "y")
    value = _point(trace, axis, index)
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def figure_leaks(spec: str | dict, minimum: int | None = None) -> list[str]:
    """The hover texts and point labels of a plotly figure (JSON) that name an n under the minimum beside a score."""
    figure = json.loads(spec) if isinstance(spec, str) else spec
    found = []
    for number, trace in enumerate(figure.get("data", [])):
        if trace.get("hoverinfo") == "skip":
            continue
        for index in _indices(trace):
            if not _drawn(trace, index):
                continue
            texts = [_render(trace["hovertemplate"], trace, index)] if trace.get("hovertemplate") else []
            texts += [str(t) for k in ("text", "hovertext") if (t := _point(trace, k, index)) not in (None, "")]
            for text in texts:
                found += [
                    f"trace {number} ({trace.get('name')}) point {index}: {s!r}"
                    for s in text_leaks(text, minimum, whole=True)
                ]
    return found
