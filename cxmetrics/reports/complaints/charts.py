"""Plotly figures of the Complaints & Follow-up page (no Streamlit): the page only places them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cxmetrics.display import figures, style
from cxmetrics.reports.complaints.closed_loop import AGE_BUCKETS

AGE_COLOURS = (style.SECONDARY, style.WATCH, "#d9822b", style.BAD)
OUTCOME_COLOURS = {"lost": style.BAD, "recovered": style.GOOD, "none": style.MUTED, "open": style.WATCH}
HEIGHT = 380


def _label(value: str) -> str:
    return str(value).replace("_", " ").capitalize()


def complaints_trend(frame: pd.DataFrame, by: str) -> go.Figure:
    """Complaints per 1,000 active customers per period, stacked by process (or category): the bar's height is the
    total rate, its parts the processes, the largest at the bottom."""
    if frame.empty:
        return figures.empty("No complaints in the periods shown.")
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
    """Churn of each complaint-outcome group with its 95% interval as error bars, n on hover; a group under the
    minimum n (churn withheld) shows its n and no bar."""
    if frame.empty:
        return figures.empty("No customers in the cohort.")
    figure = go.Figure(
        go.Bar(
            x=frame["churn_pct"],
            y=[f"{label} (n = {n:,})" for label, n in zip(frame["label"], frame["customers"], strict=True)],
            orientation="h",
            marker={"color": [OUTCOME_COLOURS.get(o, style.MUTED) for o in frame["outcome"]]},
            error_x=figures.interval_error(frame["churn_pct"], frame["churn_low_pct"], frame["churn_high_pct"]),
            text=["" if pd.isna(v) else f"{v:.1f}%" for v in frame["churn_pct"]],
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
        return figures.empty("No open follow-ups.")
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
        return figures.empty("No detractor responses due in the periods shown.")
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
