"""Plotly figures of the Loyalty & Retention page (no Streamlit): retention trends, cohort heatmap, churn by
experience, and margin deciles with their NPS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxmetrics.display import figures, style
from cxmetrics.metrics.registry import get_metric

TREND_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Logo retention (%)", ("logo_retention",)),
    ("Churn rate (%)", ("churn_rate",)),
    ("Net and gross revenue retention (%)", ("nrr", "grr")),
    ("Repeat purchase rate (%)", ("repeat_purchase_rate",)),
)
TREND_HEIGHT = 620
HEATMAP_SCALE = [[0.0, "#f7fbff"], [0.5, "#6baed6"], [1.0, style.PRIMARY]]
EXPERIENCE_TITLES = {"nps_group": "By NPS category", "csat_band": "By CSAT band"}


def _band(frame: pd.DataFrame, row: int, col: int, figure: go.Figure) -> None:
    """The 95% interval of a single series as a filled band."""
    for trace in figures.interval_band(frame["period_start"], frame["low"], frame["high"], name=None):
        figure.add_trace(trace, row=row, col=col)


def _line(frame: pd.DataFrame, name: str, colour: str, dash: str | None, legend: bool) -> go.Scatter:
    """One series with n and the interval (when there is one) in the hover."""
    custom = frame[["period_label", "n", "low", "high"]].to_numpy()
    interval = "<br>95% interval %{customdata[2]:.1f} to %{customdata[3]:.1f}" if frame["low"].notna().any() else ""
    return go.Scatter(
        x=frame["period_start"],
        y=frame["value"],
        customdata=custom,
        mode="lines+markers",
        name=name,
        legendgroup=name,
        showlegend=legend,
        line={"color": colour, "width": 2, "dash": dash},
        marker={"size": 4},
        hovertemplate=f"{name} %{{customdata[0]}}: %{{y:.1f}}%{interval}<br>n = %{{customdata[1]:,}}<extra></extra>",
    )


def _target(frame: pd.DataFrame, legend: bool) -> go.Scatter:
    return go.Scatter(
        x=frame["period_start"],
        y=frame["target"],
        mode="lines",
        name="Target",
        legendgroup="Target",
        showlegend=legend,
        line={"color": style.INK, "width": 1.2, "dash": "dash", "shape": "hv"},
        hovertemplate="Target %{y:.1f}%<extra></extra>",
    )


def retention_trend(frames: dict[str, pd.DataFrame], by: str | None) -> go.Figure:
    """Logo retention, churn, NRR and GRR, and repeat purchase over time, in four panels; one line per region or
    segment when split (intervals and targets only for the whole)."""
    figure = make_subplots(
        rows=2, cols=2, subplot_titles=[t for t, _ in TREND_PANELS], vertical_spacing=0.14, horizontal_spacing=0.08
    )
    legend_seen: set[str] = set()
    for index, (_, metric_ids) in enumerate(TREND_PANELS):
        row, col = index // 2 + 1, index % 2 + 1
        for number, metric_id in enumerate(m for m in metric_ids if m in frames):
            frame = frames[metric_id].sort_values("period_start")
            for name, part, colour in _series(frame, metric_id, by, number):
                if by is None and frame["low"].notna().any():
                    _band(part, row, col, figure)
                figure.add_trace(
                    _line(part, name, colour, "dot" if number else None, name not in legend_seen), row=row, col=col
                )
                legend_seen.add(name)
            if by is None and frame["target"].notna().any():
                figure.add_trace(_target(frame, "Target" not in legend_seen), row=row, col=col)
                legend_seen.add("Target")
    figure.update_yaxes(ticksuffix="%")
    figure.update_layout(
        height=TREND_HEIGHT,
        hovermode="x unified",
        margin={"t": 40, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0},
    )
    return figure


def _series(frame: pd.DataFrame, metric_id: str, by: str | None, number: int):
    """(name, rows, colour) per line: the metric, or one per value of the split."""
    if by is None:
        return [(get_metric(metric_id).label, frame, style.SERIES[number])]
    values = sorted(frame[by].dropna().unique())
    label = "" if number == 0 else f" ({get_metric(metric_id).label})"
    return [
        (f"{value}{label}", frame[frame[by] == value], style.SERIES[i % len(style.SERIES)])
        for i, value in enumerate(values)
    ]


def cohort_heatmap(cohorts: pd.DataFrame) -> go.Figure:
    """Share of each signup quarter still active after 0, 1, 2 ... quarters; newest cohorts at the top."""
    grid = cohorts.pivot(index="cohort_label", columns="age_quarters", values="retention_pct").sort_index(
        ascending=False
    )
    count = cohorts.pivot(index="cohort_label", columns="age_quarters", values="customers").reindex_like(grid)
    low = cohorts.pivot(index="cohort_label", columns="age_quarters", values="low_pct").reindex_like(grid)
    high = cohorts.pivot(index="cohort_label", columns="age_quarters", values="high_pct").reindex_like(grid)
    text = np.where(np.isnan(grid.to_numpy(dtype=float)), "", np.vectorize(lambda v: f"{v:.0f}%")(grid.fillna(0)))
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=float),
            x=[f"Q+{a}" for a in grid.columns],
            y=list(grid.index),
            text=text,
            texttemplate="%{text}",
            customdata=np.dstack([count.to_numpy(dtype=float), low.to_numpy(dtype=float), high.to_numpy(dtype=float)]),
            colorscale=HEATMAP_SCALE,
            zmin=float(np.nanmin(grid.to_numpy(dtype=float))) if grid.notna().any().any() else 0,
            zmax=100,
            colorbar={"title": {"text": "Still active"}, "ticksuffix": "%"},
            hovertemplate="Signed up %{y}, %{x} quarters on: %{z:.1f}% still active<br>95% interval "
            "%{customdata[1]:.1f} to %{customdata[2]:.1f}<br>n = %{customdata[0]:,} customers<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="Quarters after the signup quarter (Q+0 = end of the signup quarter)", side="top")
    figure.update_yaxes(title_text="Signup quarter", type="category", title_standoff=12)
    figure.update_layout(height=110 + 32 * max(len(grid), 1), margin={"t": 80, "l": 110})
    return figure


def experience_churn(experience: pd.DataFrame) -> go.Figure:
    """Churn in the 12 months by NPS category and by CSAT band, with 95% intervals and n in the hover."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=list(EXPERIENCE_TITLES.values()), shared_yaxes=True)
    for col, grouping in enumerate(EXPERIENCE_TITLES, start=1):
        part = experience[experience["grouping"] == grouping]
        figure.add_trace(
            go.Bar(
                x=part["group"],
                y=part["churn_pct"],
                error_y=figures.interval_error(part["churn_pct"], part["churn_low_pct"], part["churn_high_pct"]),
                marker={"color": [_group_colour(g) for g in part["group"]]},
                customdata=part[["customers", "churned", "churn_low_pct", "churn_high_pct"]].to_numpy(),
                showlegend=False,
                hovertemplate="%{x}: %{y:.1f}% churned (%{customdata[1]:,} of %{customdata[0]:,})<br>95% interval "
                "%{customdata[2]:.1f} to %{customdata[3]:.1f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    figure.update_yaxes(title_text="Churned in the 12 months (%)", ticksuffix="%", row=1, col=1)
    figure.update_layout(height=380, margin={"t": 60})
    return figure


def _group_colour(group: str) -> str:
    """Green for promoters and satisfied, red for detractors and dissatisfied, amber between, grey for none."""
    if group in ("promoter", "4-5 satisfied"):
        return style.GOOD
    if group in ("detractor", "1-2 dissatisfied"):
        return style.BAD
    if group in ("passive", "3 neutral"):
        return style.WATCH
    return style.INSUFFICIENT


def value_deciles(deciles: pd.DataFrame) -> go.Figure:
    """Gross margin per margin decile (losses in red) with the decile's NPS and its interval on a second axis."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    colours = [style.BAD if m < 0 else style.SECONDARY for m in deciles["margin_usd"]]
    figure.add_trace(
        go.Bar(
            x=deciles["decile"],
            y=deciles["margin_usd"],
            marker={"color": colours},
            name="Gross margin (12 months)",
            customdata=deciles[["customers", "revenue_usd"]].to_numpy(),
            hovertemplate="Decile %{x}: margin $%{y:,.0f}<br>revenue $%{customdata[1]:,.0f}<br>"
            "%{customdata[0]:,} customers<extra></extra>",
        ),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=deciles["decile"],
            y=deciles["nps"],
            mode="lines+markers",
            name="NPS of the decile's customers",
            line={"color": style.SERIES[1], "width": 2},
            error_y=figures.interval_error(deciles["nps"], deciles["nps_low"], deciles["nps_high"], colour=None),
            customdata=deciles[["nps_n", "nps_low", "nps_high"]].to_numpy(),
            hovertemplate="Decile %{x}: NPS %{y:+.0f} (95% interval %{customdata[1]:+.0f} to %{customdata[2]:+.0f})"
            "<br>n = %{customdata[0]:,} answers<extra></extra>",
        ),
        secondary_y=True,
    )
    figure.update_xaxes(title_text="Gross-margin decile (1 = lowest margin)", tickmode="linear", dtick=1)
    figure.update_yaxes(
        title_text="Gross margin (USD, 12 months)",
        tickprefix="$",
        tickformat="~s",
        title_standoff=16,
        secondary_y=False,
    )
    figure.update_yaxes(title_text="NPS (points)", tickformat="+d", secondary_y=True, showgrid=False)
    figure.update_layout(height=420, hovermode="x unified", margin={"t": 60, "l": 90})
    return figure
