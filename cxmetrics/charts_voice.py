"""Figures and table views of the Voice of the Customer page, built from `cxmetrics.voice` frames (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from cxmetrics import theme, voice

POST_COLOURS = {
    "Survey comments": theme.PRIMARY,
    "Contact reasons": theme.SERIES[2],
    "Complaints": theme.BAD,
    "Social mentions": theme.SERIES[3],
}
ROW_PIXELS = 26


def _verdict(gap: float, significant: bool) -> str:
    """'lower (significant)', 'higher (significant)', 'not significant', or '' when withheld."""
    if np.isnan(gap):
        return ""
    if not significant:
        return "not significant"
    return "lower (significant)" if gap < 0 else "higher (significant)"


def theme_view(table: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The theme table as the page shows it: most mentioned first, untagged last, verdicts in words."""
    tagged = table[table["theme"] != voice.NO_THEME].sort_values(["mentions", "label"], ascending=[False, True])
    ordered = pd.concat([tagged, table[table["theme"] == voice.NO_THEME]])
    note = np.where(ordered["withheld"], f"fewer than {min_n} mentions: scores withheld", "")
    note = np.where(
        ~ordered["withheld"] & ordered["nps_with"].isna(), f"fewer than {min_n} NPS answers: NPS withheld", note
    )
    return pd.DataFrame(
        {
            "Theme": ordered["label"],
            "Mentions": ordered["mentions"],
            "Share of comments %": ordered["share_pct"],
            "Sentiment": ordered["sentiment"],
            "Negative %": ordered["negative_pct"],
            "NPS mentioning": ordered["nps_with"],
            "NPS n": ordered["nps_n_with"],
            "NPS of the rest": ordered["nps_without"],
            "NPS gap pts": ordered["nps_gap_pts"],
            "Gap": [_verdict(g, s) for g, s in zip(ordered["nps_gap_pts"], ordered["gap_significant"], strict=True)],
            "Share change pts": ordered["share_change_pts"],
            "Note": note,
        }
    ).reset_index(drop=True)


def theme_style(view: pd.DataFrame) -> Styler:
    """Rows whose scores are withheld in grey."""
    grey = f"color: {theme.INSUFFICIENT}"
    return view.style.apply(lambda row: [grey if row["Note"] else ""] * len(row), axis=1)


def table_height(frame: pd.DataFrame) -> int:
    """Pixels that show every row of a table without scrolling."""
    return 35 * (len(frame) + 1) + 3


def _gap_colour(gap: float, significant: bool) -> str:
    if not significant:
        return theme.MUTED
    return theme.BAD if gap < 0 else theme.GOOD


def theme_impact(table: pd.DataFrame) -> go.Figure:
    """NPS of the comments mentioning each theme against the rest: a dumbbell per theme, red when significantly
    lower, green when significantly higher, grey when the gap is noise."""
    shown = table[(table["theme"] != voice.NO_THEME) & table["nps_with"].notna()]
    shown = shown.sort_values("nps_gap_pts", ascending=False)
    figure = go.Figure()
    for _, row in shown.iterrows():
        figure.add_trace(
            go.Scatter(
                x=[row["nps_without"], row["nps_with"]],
                y=[row["label"]] * 2,
                mode="lines",
                line={"color": "#d0d5dd", "width": 3},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    colours = [_gap_colour(g, s) for g, s in zip(shown["nps_gap_pts"], shown["gap_significant"], strict=True)]
    figure.add_trace(
        go.Scatter(
            x=shown["nps_without"],
            y=shown["label"],
            mode="markers",
            marker={"color": theme.INSUFFICIENT, "size": 10},
            name="Comments not mentioning it",
            customdata=shown[["nps_n_without"]],
            hovertemplate="%{y}<br>NPS of the rest %{x:.0f} (n = %{customdata[0]:,})<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=shown["nps_with"],
            y=shown["label"],
            mode="markers",
            marker={"color": colours, "size": 13, "line": {"color": "white", "width": 1}},
            name="Comments mentioning the theme",
            customdata=np.column_stack([shown["nps_n_with"], shown["nps_gap_pts"]]),
            hovertemplate="%{y}<br>NPS %{x:.0f} (n = %{customdata[0]:,}), gap %{customdata[1]:+.0f} pts<extra></extra>",
        )
    )
    figure.update_layout(
        height=120 + ROW_PIXELS * len(shown),
        xaxis_title="NPS (-100 to 100)",
        yaxis={"autorange": "reversed"},
        margin={"l": 200, "r": 24, "t": 40, "b": 48},
    )
    return figure


def pareto(frame: pd.DataFrame) -> go.Figure:
    """Detractors' themes, most mentioned first, with the cumulative share of their mentions."""
    colours = [theme.INSUFFICIENT if t == voice.NO_THEME else theme.BAD for t in frame["theme"]]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Bar(
            x=frame["label"],
            y=frame["detractor_mentions"],
            marker_color=colours,
            name="Detractor comments mentioning it",
            customdata=frame[["pct_of_detractor_comments"]],
            hovertemplate="%{x}<br>%{y:,} detractor comments (%{customdata[0]:.0f}% of them)<extra></extra>",
        ),
        secondary_y=False,
    )
    figure.add_trace(
        go.Scatter(
            x=frame["label"],
            y=frame["cumulative_pct"],
            mode="lines+markers",
            line={"color": theme.INK, "width": 2},
            name="Cumulative share of mentions",
            hovertemplate="%{x}<br>cumulative %{y:.0f}%<extra></extra>",
        ),
        secondary_y=True,
    )
    figure.update_yaxes(title_text="Detractor comments", secondary_y=False)
    figure.update_yaxes(title_text="Cumulative %", range=[0, 105], showgrid=False, secondary_y=True)
    figure.update_layout(height=420, xaxis_tickangle=-30, margin={"l": 56, "r": 56, "t": 48, "b": 120})
    return figure


def listening_posts(trend: pd.DataFrame, start) -> go.Figure:
    """Weekly volume of every listening post on one scale, and the sentiment of the ones with text."""
    shown = trend[trend["week_start"].dt.date >= start]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.4],
        vertical_spacing=0.08,
        subplot_titles=("Volume per week", "Mean sentiment per week (-1 negative .. +1 positive)"),
    )
    for post in voice.POSTS:
        own = shown[shown["post"] == post]
        if own.empty:
            continue
        colour = POST_COLOURS[post]
        figure.add_trace(
            go.Scatter(
                x=own["week_start"],
                y=own["volume"],
                mode="lines",
                name=post,
                line={"color": colour, "width": 2},
                legendgroup=post,
                hovertemplate=f"{post}<br>week of %{{x|%d %b %Y}}: %{{y:,}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        if own["sentiment_n"].sum() > 0:
            mean = own["sentiment_sum"] / own["sentiment_n"].where(own["sentiment_n"] > 0)
            figure.add_trace(
                go.Scatter(
                    x=own["week_start"],
                    y=mean,
                    mode="lines+markers",
                    marker={"size": 4},
                    name=post,
                    line={"color": colour, "width": 1.5},
                    legendgroup=post,
                    showlegend=False,
                    customdata=own[["sentiment_n"]],
                    hovertemplate=f"{post}<br>week of %{{x|%d %b %Y}}: %{{y:.2f}} (n = %{{customdata[0]:,}})"
                    "<extra></extra>",
                ),
                row=2,
                col=1,
            )
    figure.update_yaxes(title_text="count", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="sentiment", range=[-1, 1], zeroline=True, row=2, col=1)
    figure.update_layout(height=560, margin={"l": 64, "r": 24, "t": 72, "b": 40})
    return figure


def posts_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The listening posts' window summary as the page shows it."""
    return pd.DataFrame(
        {
            "Listening post": summary["post"],
            "Volume": summary["volume"],
            "Per week": summary["per_week"],
            "Share of all voices %": summary["share_pct"],
            "Change vs prior %": summary["change_pct"],
            "Sentiment": summary["sentiment"],
            "Negative %": summary["negative_pct"],
            "Reach": summary["reach"],
        }
    )
