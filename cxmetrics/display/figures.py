"""Figure and table pieces every report shares (no Streamlit): interval bands and bars, table heights, badges."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from cxmetrics.display import style

BADGE_COLOURS = {"on_target": "green", "watch": "orange", "off_target": "red"}
ROW_PIXELS = 35


def badge_colour(status: str) -> str:
    """The Streamlit badge colour of a target status (grey when there is nothing to judge)."""
    return BADGE_COLOURS.get(status, "gray")


def table_height(frame: pd.DataFrame) -> int:
    """Pixels that show every row of a table without scrolling."""
    return ROW_PIXELS * (len(frame) + 1) + 3


def interval_band(x: pd.Series, low: pd.Series, high: pd.Series, name: str | None = "95% interval") -> list[go.Scatter]:
    """A 95% interval as a filled band: the upper edge, then the lower edge filled up to it (no legend entry without
    a name)."""
    common = {"x": x, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
    label = {"name": name} if name else {"showlegend": False}
    upper = go.Scatter(y=high, showlegend=False, **common)
    return [upper, go.Scatter(y=low, fill="tonexty", fillcolor=style.BAND, **label, **common)]


def interval_error(value: pd.Series, low: pd.Series, high: pd.Series, colour: str | None = style.INK, **style) -> dict:
    """Error bars from each value down to its interval's low end and up to its high end."""
    bars = {"type": "data", "symmetric": False, "array": high - value, "arrayminus": value - low, "color": colour}
    return bars | style


def _panels(figure: go.Figure, rows: int) -> list[tuple[str, str]]:
    """The (x, y) axis references of the first `rows` panels of a one-column figure."""
    if rows <= 1:
        return [("x", "y")]
    found = [figure.get_subplot(row, 1) for row in range(1, rows + 1)]
    return [(p.xaxis.plotly_name.replace("axis", ""), p.yaxis.plotly_name.replace("axis", "")) for p in found]


def across_panels(figure: go.Figure, shapes: Sequence[dict], rows: int = 1) -> None:
    """Each shape (x in data, y from 0 to 1 of the panel) drawn in each of the first `rows` panels, added in one
    update: plotly's add_vline / add_vrect with row="all" walk the subplot grid and copy the layout per call, the
    largest part of building a trend chart with a few events."""
    drawn = [
        {"xref": x, "yref": f"{y} domain", "y0": 0, "y1": 1, **shape}
        for shape in shapes
        for x, y in _panels(figure, rows)
    ]
    figure.update_layout(shapes=[*figure.layout.shapes, *drawn])


def add_annotations(figure: go.Figure, annotations: Sequence[dict]) -> None:
    """Annotations added in one update rather than one `add_annotation` each."""
    figure.update_layout(annotations=[*figure.layout.annotations, *annotations])


def empty(message: str) -> go.Figure:
    """A small figure that says why there is nothing to draw."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure.update_layout(height=160)
