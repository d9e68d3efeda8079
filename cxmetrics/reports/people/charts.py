"""Plotly figures of the People & CX page (no Streamlit): engagement against NPS by unit, and over time."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxmetrics.display import figures, style

HEIGHT = 380


def engagement_scatter(frame: pd.DataFrame, measure: str, measure_label: str, r_text: str) -> go.Figure:
    """Each unit-month with a shown NPS as a point: the employee measure against the unit's customer NPS, coloured
    by unit (months whose NPS is withheld for too few responses are left out, as in the correlation)."""
    frame = frame[frame["nps"].notna()]
    if frame.empty:
        return figures.empty("No unit-months with both employee and customer scores.")
    figure = go.Figure()
    for i, (unit, rows) in enumerate(frame.groupby("unit", sort=True)):
        figure.add_trace(
            go.Scatter(
                x=rows[measure],
                y=rows["nps"],
                mode="markers",
                name=str(unit),
                marker={"color": style.SERIES[i % len(style.SERIES)], "size": 8, "opacity": 0.8},
                customdata=rows[["month_label", "nps_n", "headcount"]].to_numpy(),
                hovertemplate=f"{unit}, %{{customdata[0]}}<br>{measure_label} %{{x:.1f}}<br>NPS %{{y:+.0f}} "
                "(n = %{customdata[1]:,} responses)<br>headcount %{customdata[2]:,.0f}<extra></extra>",
            )
        )
    figure.add_annotation(
        text=r_text, x=0.01, y=0.99, xref="paper", yref="paper", showarrow=False, xanchor="left", yanchor="top",
        font={"size": 13, "color": style.INK}, bgcolor="rgba(255, 255, 255, 0.85)",
    )  # fmt: skip
    figure.update_xaxes(title_text=measure_label)
    figure.update_yaxes(title_text="Customer NPS (points)", tickformat="+d")
    return figure.update_layout(height=420, margin={"t": 60})


def engagement_trend(frame: pd.DataFrame, measure: str, measure_label: str) -> go.Figure:
    """Customer NPS above the employee measure, month by month, one line per unit in the same colour in both."""
    if frame.empty:
        return figures.empty("No engagement data in the periods shown.")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for i, (unit, rows) in enumerate(frame.groupby("unit", sort=True)):
        colour = style.SERIES[i % len(style.SERIES)]
        figure.add_trace(
            go.Scatter(
                x=rows["month"], y=rows["nps"], mode="lines", name=str(unit), legendgroup=str(unit),
                line={"color": colour, "width": 2}, customdata=rows[["nps_n"]].to_numpy(),
                hovertemplate=f"{unit}: NPS %{{y:+.0f}} (n = %{{customdata[0]:,}})<extra></extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(
                x=rows["month"], y=rows[measure], mode="lines", name=str(unit), legendgroup=str(unit),
                showlegend=False, line={"color": colour, "width": 2, "dash": "dot"},
                hovertemplate=f"{unit}: {measure_label} %{{y:.1f}}<extra></extra>",
            ),
            row=2, col=1,
        )  # fmt: skip
    figure.update_yaxes(title_text="Customer NPS", tickformat="+d", row=1, col=1)
    figure.update_yaxes(title_text=measure_label, row=2, col=1)
    figure.update_xaxes(title_text="Month", row=2, col=1)
    return figure.update_layout(height=560, hovermode="x unified", margin={"t": 60})
