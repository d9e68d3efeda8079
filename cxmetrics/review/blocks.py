"""The pieces sections are written in, as escaped HTML: paragraphs (with the pages' **bold** and `code`), notes,
headline tiles in their status colours, and tables whose columns are shown as declared once for every page."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from cxmetrics.display import columns, style
from cxmetrics.display.tiles import Tile, is_missing
from cxmetrics.review.model import Block
from cxmetrics.review.render import Chart

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_PRINTF = re.compile(r"%(,?)(\.\d+)?([dfs])")
SPARK_WIDTH, SPARK_HEIGHT = 64, 16


def inline(text: str) -> str:
    """Text as HTML, with the markdown the pages' sentences use (`**bold**`, backticks) kept."""
    escaped = html.escape(text, quote=False)
    return _CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<strong>\1</strong>", escaped))


def paragraph(text: str | None, kind: str = "") -> Block:
    """A paragraph (`kind`: 'lead' for a finding, 'note' for a caption, 'missing' for what cannot be shown)."""
    if not text:
        return Block()
    return Block(html=f'<p class="{kind}">{inline(text)}</p>' if kind else f"<p>{inline(text)}</p>")


def bullets(texts: Sequence[str]) -> Block:
    """A bulleted list."""
    items = "".join(f"<li>{inline(t)}</li>" for t in texts if t)
    return Block(html=f"<ul>{items}</ul>" if items else "")


def heading(text: str) -> Block:
    """A sub-heading inside a section."""
    return Block(html=f"<h3>{inline(text)}</h3>")


def chart(figure, height: int = 320) -> Block:
    """A figure drawn as a vector image across the text column."""
    return Block(chart=Chart(figure, height=height))


def _tile(tile: Tile) -> str:
    colour = style.status_colour(tile.status) if tile.status_text else style.MUTED
    badge = (
        f'<span class="badge" style="background:{colour}">{inline(tile.status_text)}</span>' if tile.status_text else ""
    )
    delta = f'<div class="delta">{inline(tile.delta)}</div>' if tile.delta else ""
    said = f'<div class="said">{inline(tile.comparison)}</div>' if tile.comparison else ""
    note = f'<div class="said">{inline(tile.note)}</div>' if tile.note else ""
    return (
        f'<div class="tile"><div class="label">{inline(tile.label)}</div>'
        f'<div class="value">{inline(tile.value)}</div>{delta}{said}{badge}{note}</div>'
    )


def tiles(found: Sequence[Tile]) -> Block:
    """Headline tiles in a row: label, value, change and its verdict, the status badge in its colour."""
    return Block(html=f'<div class="tiles">{"".join(_tile(t) for t in found)}</div>') if found else Block()


def _printf(fmt: str, value: float) -> str:
    """A Streamlit printf-style number format ('%,.0f', '%.1f%%', '%d') applied in Python."""
    match = _PRINTF.search(fmt)
    if not match:
        return str(value)
    comma, decimals, kind = match.groups()
    spec = f"{',' if comma else ''}{decimals or ''}{'d' if kind == 'd' else 'f'}"
    number = format(int(round(value)) if kind == "d" else float(value), spec)
    return (fmt[: match.start()] + number + fmt[match.end() :]).replace("%%", "%")


def cell_text(name: str, value) -> str:
    """A cell as the pages show it, by its column's declared kind and format."""
    if is_missing(value) or value is pd.NaT:
        return ""
    spec = columns.column(name)
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if spec is not None and spec.shown_format and isinstance(value, int | float):
        return _printf(spec.shown_format, value)
    return str(value)


def label(name: str) -> str:
    """A column's declared label (its name when it has none)."""
    spec = columns.column(name)
    return spec.label if spec else name


def table(frame: pd.DataFrame, shown: Sequence[str] | None = None, numeric: Sequence[str] = ()) -> Block:
    """A table of `frame`'s `shown` columns (all by default) with declared labels and formats."""
    names = [c for c in (shown or frame.columns) if c in frame.columns]
    if frame.empty:
        return Block()
    head = "".join(f"<th>{html.escape(label(c))}</th>" for c in names)
    rows = []
    for record in frame[names].itertuples(index=False):
        cells = [
            f'<td class="{"num" if c in numeric or _is_number(v) else ""}">{inline(cell_text(c, v))}</td>'
            for c, v in zip(names, record, strict=True)
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return Block(html=f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def sparkline(values: Sequence[float]) -> str:
    """A small line of a statement row's trend, as inline SVG."""
    points = [float(v) for v in values]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / (len(points) - 1)
    coords = " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4):.1f}" for i, v in enumerate(points)
    )
    return (
        f'<svg class="spark" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}">'
        f'<polyline fill="none" stroke="{style.PRIMARY}" stroke-width="1.3" points="{coords}"/></svg>'
    )
