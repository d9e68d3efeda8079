"""Plotly figures and table styles built from the scorecard's frames (no Streamlit): the page only places them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from cxmetrics.display import figures, style
from cxmetrics.periods import Period

SECTION_STYLE = "font-weight: 700; background-color: #f3f4f6; color: #1f2933"
EVENT_LABEL_CHARS = 34
EVENT_LABEL_ROWS = 3
EVENT_LABEL_STEP = 0.035
LABEL_TURN = 0.8
TREND_HEIGHT = {1: 480, 2: 680}
ROW_HEIGHTS = {1: [1.0], 2: [0.64, 0.36]}
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.13, "xanchor": "left", "x": 0, "traceorder": "normal"}


# --- the statement table ------------------------------------------------------------------------------------------


def _status_cell(status: str) -> str:
    if not status:
        return ""
    return f"background-color: {style.status_colour(status)}; color: white; font-weight: 600"


def _actual_cell(status: str) -> str:
    """The actual value in its status colour, when there is a target to judge it against."""
    return (
        f"color: {style.status_colour(status)}; font-weight: 700"
        if status in figures.BADGE_COLOURS
        else "font-weight: 700"
    )


def _row_style(row: pd.Series) -> list[str]:
    """Section rows bold on grey; the status cell in the status colour, the actual value in it too."""
    if row["kind"] == "section":
        return [SECTION_STYLE] * len(row)
    cells = {"Status": _status_cell(row["status"]), "Actual": _actual_cell(row["status"])}
    return [cells.get(column, "") for column in row.index]


def statement_style(statement: pd.DataFrame) -> Styler:
    """The statement with section header rows and status colours (a miss within the noise is amber, not red)."""
    return statement.style.apply(_row_style, axis=1)


# --- the trend chart ------------------------------------------------------------------------------------------------


def _band(weekly: pd.DataFrame) -> list[go.Scatter]:
    """The 95% interval of weekly NPS as a filled band."""
    return figures.interval_band(weekly["period_start"], weekly["low"], weekly["high"])


def _label(weekly: pd.DataFrame) -> str:
    """Which NPS the weekly frame holds, as `scorecard.nps_weekly` names it ('Relationship NPS')."""
    return weekly.attrs["label"]


def _weekly_line(weekly: pd.DataFrame) -> go.Scatter:
    custom = weekly[["period_label", "n", "low", "high"]].to_numpy()
    return go.Scatter(
        x=weekly["period_start"],
        y=weekly["value"],
        customdata=custom,
        mode="lines+markers",
        name=f"{_label(weekly)}, weekly",
        line={"color": style.PRIMARY, "width": 1.5},
        marker={"size": 4},
        hovertemplate=f"%{{customdata[0]}}: {_label(weekly)} %{{y:+.0f}}<br>95% interval %{{customdata[2]:+.0f}} to "
        "%{customdata[3]:+.0f}<br>n = %{customdata[1]:,} responses<extra></extra>",
    )


def _rolling_line(weekly: pd.DataFrame) -> go.Scatter:
    return go.Scatter(
        x=weekly["period_start"],
        y=weekly["rolling_13w"],
        customdata=weekly[["period_label", "rolling_13w_n"]].to_numpy(),
        mode="lines",
        name="Rolling 13 weeks",
        line={"color": style.SERIES[1], "width": 3},
        hovertemplate=f"13 weeks to %{{customdata[0]}}: {_label(weekly)} %{{y:+.0f}}<br>n = %{{customdata[1]:,}} "
        "responses<extra></extra>",
    )


def _target_line(weekly: pd.DataFrame) -> go.Scatter:
    return go.Scatter(
        x=weekly["period_start"],
        y=weekly["target"],
        mode="lines",
        name="Target",
        line={"color": style.INK, "width": 1.5, "dash": "dash", "shape": "hv"},
        hovertemplate="Target %{y:+.0f}<extra></extra>",
    )


def _revenue_bars(monthly: pd.DataFrame) -> go.Bar:
    colours = [style.PRIMARY if latest else style.SECONDARY for latest in monthly["latest"]]
    return go.Bar(
        x=monthly["period_start"],
        y=monthly["revenue_usd"],
        xperiod="M1",
        xperiodalignment="middle",
        marker={"color": colours},
        customdata=monthly[["period_label"]].to_numpy(),
        name="Revenue (monthly)",
        hovertemplate="%{customdata[0]}: revenue $%{y:,.0f}<extra></extra>",
    )


def _event_marks(figure: go.Figure, events: pd.DataFrame, span: list[pd.Timestamp] | None, panels: int) -> None:
    """A dotted vertical line through both panels per event, with a short label staggered above the chart (to the
    left of the line near the right edge, so it is not cut off)."""
    turn = span[0] + (span[1] - span[0]) * LABEL_TURN if span else None
    lines, labels = [], []
    for i, event in enumerate(events.itertuples(index=False)):
        when = pd.Timestamp(event.event_date)
        lines.append(
            {"type": "line", "x0": when, "x1": when, "line": {"color": style.MUTED, "width": 1, "dash": "dot"}}
        )
        title = event.title if len(event.title) <= EVENT_LABEL_CHARS else event.title[: EVENT_LABEL_CHARS - 1] + "…"
        labels.append(
            {
                "x": when,
                "y": 1 + EVENT_LABEL_STEP * (i % EVENT_LABEL_ROWS),
                "xref": "x",
                "yref": "paper",
                "text": title,
                "showarrow": False,
                "xanchor": "right" if turn is not None and when > turn else "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": style.MUTED},
                "bgcolor": "rgba(255, 255, 255, 0.8)",
            }
        )
    figures.across_panels(figure, lines, panels)
    figures.add_annotations(figure, labels)


def _review_mark(figure: go.Figure, review: Period, panels: int) -> None:
    start, end = pd.Timestamp(review.start), pd.Timestamp(review.end) + pd.Timedelta(days=1)
    band = {"type": "rect", "x0": start, "x1": end, "fillcolor": style.WATCH, "opacity": 0.12, "line": {"width": 0}}
    figures.across_panels(figure, [band], panels)


def _latest_month_note(figure: go.Figure, monthly: pd.DataFrame) -> None:
    latest = monthly[monthly["latest"]]
    if latest.empty:
        return
    row = latest.iloc[-1]
    figure.add_annotation(
        x=pd.Timestamp(row["period_start"]) + pd.Timedelta(days=15),
        y=row["revenue_usd"],
        xref="x2",
        yref="y2",
        text=f"Latest closed month: {row['period_label']}",
        showarrow=True,
        arrowhead=0,
        ax=-80,
        ay=-28,
        font={"size": 11, "color": style.INK},
    )


def nps_revenue_trend(
    weekly: pd.DataFrame, monthly: pd.DataFrame, events: pd.DataFrame, review: Period | None = None
) -> go.Figure:
    """Weekly NPS with its 95% band, the rolling 13-week NPS and the target, above monthly revenue, one time axis
    (NPS alone when there is no revenue)."""
    panels = 2 if len(monthly) else 1
    figure = make_subplots(
        rows=panels, cols=1, shared_xaxes=True, row_heights=ROW_HEIGHTS[panels], vertical_spacing=0.06
    )
    for trace in [*_band(weekly), _weekly_line(weekly), _rolling_line(weekly)]:
        figure.add_trace(trace, row=1, col=1)
    if weekly["target"].notna().any():
        figure.add_trace(_target_line(weekly), row=1, col=1)
    if panels == 2:
        figure.add_trace(_revenue_bars(monthly), row=2, col=1)
        figure.update_yaxes(title_text="Revenue (USD per month)", tickprefix="$", tickformat="~s", row=2, col=1)
        _latest_month_note(figure, monthly)
    if review is not None:
        _review_mark(figure, review, panels)
    _event_marks(figure, events, _x_range(weekly), panels)
    figure.update_yaxes(title_text=f"{_label(weekly)} (points, -100 to +100)", tickformat="+d", row=1, col=1)
    figure.update_xaxes(title_text="Week starting", title_standoff=8, row=panels, col=1)
    figure.update_xaxes(range=_x_range(weekly))
    figure.update_layout(
        height=TREND_HEIGHT[panels], hovermode="x unified", bargap=0.15, margin={"t": 120}, legend=LEGEND
    )
    return figure


def _x_range(weekly: pd.DataFrame) -> list[pd.Timestamp] | None:
    """From the first week shown to the end of the last one."""
    if weekly.empty:
        return None
    return [pd.Timestamp(weekly["period_start"].min()), pd.Timestamp(weekly["period_end"].max()) + pd.Timedelta(days=1)]
