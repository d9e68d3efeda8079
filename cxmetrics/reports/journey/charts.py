"""Plotly figures of the Journey & Drivers page (no Streamlit): the journey map, driver importance with intervals,
the importance-performance matrix and a cell's trend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cxmetrics.display import figures, style
from cxmetrics.metrics.registry import get_metric
from cxmetrics.reports.journey.drivers import DriverAnalysis, label
from cxmetrics.stats.importance import quadrant_cuts

CELL_HALF = 0.47
BAR_PIXELS = 30
EVENT_STEP = 0.07
MAP_ROW_PIXELS = 74
MAP_MARGIN_PIXELS = 110
MAP_STATUS_LABELS = {
    "on_target": "On target",
    "watch": "Watch: below target within the noise",
    "off_target": "Red: significantly below target or falling significantly",
    "suppressed": "Too few responses",
    "no_target": "No target, steady",
}
QUADRANT_CORNERS = {
    "Fix first": (1, 0, "right", "bottom"),
    "Keep up": (1, 1, "right", "top"),
    "Low priority": (0, 0, "left", "bottom"),
    "Possible overkill": (0, 1, "left", "top"),
}


def touchpoint_label(touchpoint: str) -> str:
    """'field_service' -> 'Field service'."""
    return touchpoint.replace("_", " ").capitalize()


def _cell_text(row, metric) -> str:
    if row.suppressed or pd.isna(row.value):
        return f"n={int(row.n):,}<br>too few"
    return f"<b>{metric.format(row.value)}</b><br>n={int(row.n):,}"


def _cell_hover(row, metric, compared_label: str) -> str:
    lines = [f"<b>{touchpoint_label(row.touchpoint)} · {row.row}</b>", row.reason.capitalize()]
    if not (row.suppressed or pd.isna(row.value)):
        lines.append(
            f"{metric.label} {metric.format(row.value)} (95% {metric.format(row.low)} to {metric.format(row.high)})"
        )
    lines.append(f"n = {int(row.n):,} responses")
    if not pd.isna(row.target):
        lines.append(f"Target {metric.format(row.target)}")
    if not pd.isna(row.compared_value):
        compared = f"{compared_label}: {metric.format(row.compared_value)} (n = {int(row.compared_n):,})"
        if not pd.isna(row.significant):
            compared += "; change " + ("significant" if row.significant else "not significant")
        lines.append(compared)
    return "<br>".join(lines)


def journey_map(cells: pd.DataFrame, metric_id: str, compared_label: str) -> go.Figure:
    """Touchpoints (journey order) across, rows down, each cell coloured by its status with score and n; one
    invisible marker per cell carries the hover text and makes the cell clickable."""
    metric = get_metric(metric_id)
    columns = list(dict.fromkeys(cells["touchpoint"]))
    rows = list(dict.fromkeys(cells["row"]))
    x = cells["touchpoint"].map({t: i for i, t in enumerate(columns)}).to_numpy()
    y = cells["row"].map({r: i for i, r in enumerate(rows)}).to_numpy()
    figure = go.Figure()
    figure.update_layout(
        shapes=[
            {"type": "rect", "x0": xi - CELL_HALF, "x1": xi + CELL_HALF, "y0": yi - CELL_HALF, "y1": yi + CELL_HALF,
             "fillcolor": style.status_colour(status), "line": {"width": 0}, "layer": "below"}
            for xi, yi, status in zip(x, y, cells["status"], strict=True)
        ]
    )  # one update for every cell: an add_shape per cell copies the layout each time  # fmt: skip
    rows_iter = list(cells.itertuples(index=False))
    figure.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=[_cell_text(r, metric) for r in rows_iter],
            textfont={"color": "white", "size": 13},
            marker={"symbol": "square", "size": 46, "opacity": 0},
            customdata=np.column_stack([cells["row"], cells["touchpoint"]]),
            hovertext=[_cell_hover(r, metric, compared_label) for r in rows_iter],
            hoverinfo="text",
            showlegend=False,
        )
    )
    for status in ("on_target", "watch", "off_target", "suppressed", "no_target"):
        if status in set(cells["status"]):
            figure.add_trace(_legend_entry(status))
    figure.update_xaxes(
        tickvals=list(range(len(columns))),
        ticktext=[touchpoint_label(t) for t in columns],
        side="top",
        range=[-0.5, len(columns) - 0.5],
        showline=False,
        showgrid=False,
        zeroline=False,
        ticks="",
    )
    figure.update_yaxes(
        tickvals=list(range(len(rows))),
        ticktext=rows,
        autorange="reversed",
        range=[len(rows) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
    )
    figure.update_layout(
        height=MAP_MARGIN_PIXELS + MAP_ROW_PIXELS * len(rows),
        margin={"l": 110, "r": 16, "t": 40, "b": 56},
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "xanchor": "left", "x": 0},
        dragmode=False,
        clickmode="event+select",
    )
    return figure


def _legend_entry(status: str) -> go.Scatter:
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"symbol": "square", "size": 14, "color": style.status_colour(status)},
        name=MAP_STATUS_LABELS[status],
    )


def driver_importance(analyses: list[DriverAnalysis]) -> go.Figure:
    """Johnson's relative weights (points of R-squared, x100) with 95% bootstrap intervals, one bar group per scope."""
    figure = go.Figure()
    order = [label(a) for a in analyses[0].table.sort_values("weight")["attribute"]]
    for colour, analysis in zip(style.SERIES, analyses, strict=False):
        table = analysis.table
        names = [label(a) for a in table["attribute"]]
        figure.add_trace(
            go.Bar(
                y=names,
                x=100 * table["weight"],
                orientation="h",
                name=f"{analysis.scope} (n = {analysis.n:,}, R² = {analysis.r_squared:.2f})",
                marker={"color": colour},
                error_x=figures.interval_error(
                    100 * table["weight"], 100 * table["low"], 100 * table["high"], thickness=1.2
                ),
                customdata=np.column_stack([table["share_pct"], 100 * table["low"], 100 * table["high"]]),
                hovertemplate="%{y}: %{x:.1f} points of R² x100 (%{customdata[0]:.0f}% of the explained)"
                "<br>95% bootstrap interval %{customdata[1]:.1f} to %{customdata[2]:.1f}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        height=140 + BAR_PIXELS * len(order) * len(analyses),
        xaxis_title="Relative weight (share of NPS variance explained, % points)",
        yaxis={"categoryorder": "array", "categoryarray": order},
        margin={"l": 170, "t": 60},
    )
    return figure


def priority_matrix(matrix: pd.DataFrame, performance_label: str) -> go.Figure:
    """Importance (share of the explained variance) against performance, cut at their medians, quadrants named."""
    colours = {
        "Fix first": style.BAD,
        "Keep up": style.GOOD,
        "Low priority": style.MUTED,
        "Possible overkill": style.WATCH,
    }
    figure = go.Figure(
        go.Scatter(
            x=matrix["share_pct"],
            y=matrix["performance"],
            mode="markers+text",
            text=[label(a) for a in matrix["attribute"]],
            textposition="top center",
            marker={"size": 14, "color": [colours[q] for q in matrix["quadrant"]]},
            customdata=matrix[["quadrant"]].to_numpy(),
            hovertemplate="%{text}<br>importance %{x:.0f}% of the explained<br>performance %{y:.2f}"
            "<br>%{customdata[0]}<extra></extra>",
            showlegend=False,
        )
    )
    x_mid, y_mid = quadrant_cuts(matrix["share_pct"].to_numpy(), matrix["performance"].to_numpy())
    figure.add_vline(x=x_mid, line={"color": style.MUTED, "dash": "dot"})
    figure.add_hline(y=y_mid, line={"color": style.MUTED, "dash": "dot"})
    for name, (right, top, xanchor, yanchor) in QUADRANT_CORNERS.items():
        figure.add_annotation(
            x=right,
            y=top,
            xref="x domain",
            yref="y domain",
            text=f"<b>{name}</b>",
            showarrow=False,
            xanchor=xanchor,
            yanchor=yanchor,
            font={"color": colours[name], "size": 13},
        )
    span = matrix["performance"].max() - matrix["performance"].min()
    pad = 0.15 * span if span > 0 else 0.1
    figure.update_layout(
        height=460,
        xaxis_title="Importance (% of the explained NPS variance)",
        yaxis_title=performance_label,
        yaxis={"range": [matrix["performance"].min() - pad, matrix["performance"].max() + pad]},
        xaxis={"rangemode": "tozero"},
    )
    return figure


def cell_trend(trend: pd.DataFrame, events: pd.DataFrame, metric_id: str, title: str, window: tuple) -> go.Figure:
    """A cell's monthly score with its 95% interval and n on hover over the (start, end) window, suppressed months
    left out, events marked."""
    metric = get_metric(metric_id)
    shown = trend[~trend["suppressed"]]
    x = pd.to_datetime(shown["period_start"])
    figure = go.Figure(
        [
            *figures.interval_band(x, shown["low"], shown["high"]),
            go.Scatter(
                x=x,
                y=shown["value"],
                mode="lines+markers",
                name=metric.label,
                line={"color": style.PRIMARY},
                customdata=shown[["period_label", "n"]].to_numpy(),
                hovertemplate="%{customdata[0]}: %{y:.1f}<br>n = %{customdata[1]:,}<extra></extra>",
            ),
        ]
    )
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    for i, event in enumerate(events.itertuples(index=False)):
        when = pd.Timestamp(event.event_date)
        figure.add_vline(x=when, line={"color": style.MUTED, "dash": "dot"})
        late = when > start + (end - start) * 0.7
        figure.add_annotation(
            x=when,
            y=1 + EVENT_STEP * (i % 2),
            yref="paper",
            text=event.title,
            showarrow=False,
            xanchor="right" if late else "left",
            yanchor="bottom",
            font={"size": 11, "color": style.MUTED},
        )
    figure.update_layout(
        height=360,
        title={"text": title, "y": 0.97},
        yaxis_title=f"{metric.label} ({metric.unit.replace('_', ' ')})",
        xaxis={"range": [start - pd.Timedelta(days=10), end + pd.Timedelta(days=10)]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
        margin={"t": 70},
    )
    return figure
