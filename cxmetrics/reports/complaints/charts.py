"""Plotly figures of the Complaints & Follow-up and People & CX pages (no Streamlit): the pages only place them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxmetrics.display import figures, style
from cxmetrics.reports.complaints.closed_loop import AGE_BUCKETS

AGE_COLOURS = (style.SECONDARY, style.WATCH, "#d9822b", style.BAD)
OUTCOME_COLOURS = {"lost": style.BAD, "recovered": style.GOOD, "none": style.MUTED, "open": style.WATCH}
HEIGHT = 380


def _empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure.update_layout(height=160)


def _label(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


def complaints_trend(frame: pd.DataFrame, by: str) -> go.Figure:
    """Complaints per 1,000 active customers per period, stacked by process (or category): the bar's height is the
    total rate, its parts the processes, the largest at the bottom."""
    if frame.empty:
        return _empty("No complaints in the periods shown.")
    figure = go.Figure()
    totals = frame.groupby(by)["complaints"].sum().sort_values(ascending=False)
    for i, value in enumerate(totals.index):
        rows = frame[frame[by] == value]
        figure.add_trace(
            go.Bar(
                x=rows["period_start"],
                y=rows["per_1000"],
                name=_label(value),
                marker={"color": style.SERIES[i % len(style.SERIES)] if i < len(style.SERIES) else style.MUTED},
                customdata=rows[["period_label", "complaints", "active_customers"]].to_numpy(),
                hovertemplate=f"{_label(value)}, %{{customdata[0]}}: %{{y:.1f}} per 1,000 customers<br>"
                "%{customdata[1]:,} complaints, %{customdata[2]:,.0f} active customers<extra></extra>",
            )
        )
    figure.update_yaxes(title_text="Per 1,000 active customers", rangemode="tozero")
    return figure.update_layout(height=HEIGHT, barmode="stack", bargap=0.15, hovermode="closest", margin={"t": 70})


def churn_by_outcome(frame: pd.DataFrame) -> go.Figure:
    """Churn of each complaint-outcome group with its 95% interval as error bars, n on hover."""
    if frame.empty:
        return _empty("No customers in the cohort.")
    figure = go.Figure(
        go.Bar(
            x=frame["churn_pct"],
            y=[f"{label} (n = {n:,})" for label, n in zip(frame["label"], frame["customers"], strict=True)],
            orientation="h",
            marker={"color": [OUTCOME_COLOURS.get(o, style.MUTED) for o in frame["outcome"]]},
            error_x=figures.interval_error(frame["churn_pct"], frame["churn_low_pct"], frame["churn_high_pct"]),
            text=[f"{v:.1f}%" for v in frame["churn_pct"]],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white", "size": 14},
            customdata=frame[["churned", "customers", "churn_low_pct", "churn_high_pct"]].to_numpy(),
            hovertemplate="%{y}: %{x:.1f}% churned<br>%{customdata[0]:,} of %{customdata[1]:,} customers<br>"
            "95% interval %{customdata[2]:.1f}% to %{customdata[3]:.1f}%<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="Churned within the year (% of customers, 95% interval)", ticksuffix="%")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure.update_layout(height=240, margin={"t": 20}, showlegend=False)


def backlog_by_owner(frame: pd.DataFrame) -> go.Figure:
    """Open follow-ups per owner, stacked by age (oldest in red), largest backlog on top."""
    if frame.empty:
        return _empty("No open follow-ups.")
    owners = list(dict.fromkeys(frame["owner"]))
    figure = go.Figure()
    for (label, _, _), colour in zip(AGE_BUCKETS, AGE_COLOURS, strict=True):
        rows = frame[frame["age"] == label].set_index("owner").reindex(owners)
        figure.add_trace(
            go.Bar(
                y=owners,
                x=rows["open_follow_ups"].fillna(0),
                name=label,
                orientation="h",
                marker={"color": colour},
                hovertemplate=f"%{{y}}: %{{x}} open for {label}<extra></extra>",
            )
        )
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(title_text="Open follow-ups", dtick=1 if frame["open_follow_ups"].max() < 10 else None)
    height = max(220, 26 * len(owners) + 120)
    return figure.update_layout(
        barmode="stack", height=height, margin={"t": 60}, legend_title_text="Open for", legend_traceorder="normal"
    )


def follow_up_trend(frame: pd.DataFrame) -> go.Figure:
    """Monthly share of detractors followed up within 2 business days with its 95% band and n on hover."""
    if frame.empty:
        return _empty("No detractor responses due in the periods shown.")
    figure = go.Figure(
        [
            *figures.interval_band(frame["period_start"], frame["low"], frame["high"]),
            go.Scatter(
                x=frame["period_start"],
                y=frame["value"],
                mode="lines+markers",
                name="Followed up within 2 business days",
                line={"color": style.PRIMARY, "width": 2},
                customdata=frame[["period_label", "n"]].to_numpy(),
                hovertemplate="%{customdata[0]}: %{y:.1f}%<br>n = %{customdata[1]:,} detractor responses due"
                "<extra></extra>",
            ),
        ]
    )
    figure.update_yaxes(title_text="% of detractors due", ticksuffix="%", rangemode="tozero")
    return figure.update_layout(height=300, margin={"t": 50}, hovermode="x unified")


def engagement_scatter(frame: pd.DataFrame, measure: str, measure_label: str, r_text: str) -> go.Figure:
    """Each unit-month with a shown NPS as a point: the employee measure against the unit's customer NPS, coloured
    by unit (months whose NPS is withheld for too few responses are left out, as in the correlation)."""
    frame = frame[frame["nps"].notna()]
    if frame.empty:
        return _empty("No unit-months with both employee and customer scores.")
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
        return _empty("No engagement data in the periods shown.")
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
