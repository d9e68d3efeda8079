"""Figures and table views of the Voice of the Customer page, built from the `analysis` frames (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from plotly.subplots import make_subplots

from cxmetrics.display import style
from cxmetrics.reports.voice import analysis as voice

POST_COLOURS = {
    "Survey comments": style.PRIMARY,
    "Contact reasons": style.SERIES[2],
    "Complaints": style.BAD,
    "Social mentions": style.SERIES[3],
}
ROW_PIXELS = 26


def _gap_text(gap: float, significant: bool, n: int, min_n: int) -> str:
    """'-28 pts, significant', '+11 pts, not significant', or why the gap is withheld."""
    if np.isnan(gap):
        return f"withheld: {n} NPS answers (< {min_n})"
    return f"{gap:+.0f} pts, " + ("significant" if significant else "not significant")


def theme_view(table: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The theme table as the page shows it: most mentioned first, untagged last, the NPS gap in words."""
    tagged = table[table["theme"] != voice.NO_THEME].sort_values(["mentions", "label"], ascending=[False, True])
    ordered = pd.concat([tagged, table[table["theme"] == voice.NO_THEME]])
    gaps = zip(ordered["nps_gap_pts"], ordered["gap_significant"], ordered["nps_n_with"], strict=True)
    view = pd.DataFrame(
        {
            "Theme": ordered["label"],
            "Mentions": ordered["mentions"],
            "Share of comments %": ordered["share_pct"],
            "Share change pts": ordered["share_change_pts"],
            "Sentiment": ordered["sentiment"],
            "Negative %": ordered["negative_pct"],
            "NPS mentioning": ordered["nps_with"],
            "NPS n": ordered["nps_n_with"],
            "NPS of the rest": ordered["nps_without"],
        }
    ).reset_index(drop=True)
    view = _as_text(view, THEME_FORMATS, WITHHELD)
    view["NPS gap"] = [_gap_text(g, s, n, min_n) for g, s, n in gaps]
    view["withheld"] = (ordered["withheld"] | ordered["nps_with"].isna()).to_numpy()
    for column, source in THEME_NS.items():
        view[column] = ordered[source].to_numpy()
    return view


def _as_text(frame: pd.DataFrame, formats: dict[str, str], missing: str) -> pd.DataFrame:
    """Columns formatted as text (a table of figures to read, not to sort), `missing` for NaN."""
    shown = frame.copy()
    for column, pattern in formats.items():
        shown[column] = [missing if pd.isna(v) else pattern.format(v) for v in frame[column]]
    return shown


WITHHELD = "–"
# The n of the theme table's shares and of the rest's NPS, kept beside the text (not shown as columns).
THEME_NS = {"comments_n": "all_comments", "prior_comments_n": "prior_all_comments", "rest_n": "nps_n_without"}
THEME_FORMATS = {
    "Mentions": "{:,}",
    "Share of comments %": "{:.1f}%",
    "Share change pts": "{:+.1f}",
    "Sentiment": "{:+.2f}",
    "Negative %": "{:.0f}%",
    "NPS mentioning": "{:.0f}",
    "NPS n": "{:,}",
    "NPS of the rest": "{:.0f}",
}


def theme_style(view: pd.DataFrame) -> Styler:
    """Numbers formatted, a withheld score as a dash, rows with a withheld score in grey, significant gaps in colour."""
    grey = f"color: {style.INSUFFICIENT}"

    def row_style(row: pd.Series) -> list[str]:
        gap = row["NPS gap"]
        colour = style.BAD if gap.startswith("-") else style.GOOD
        cells = {"NPS gap": f"color: {colour}; font-weight: 600" if gap.endswith(", significant") else ""}
        return [grey if row["withheld"] else cells.get(c, "") for c in row.index]

    return view.style.apply(row_style, axis=1)


def _gap_colour(gap: float, significant: bool | None) -> str:
    if pd.isna(significant) or not significant:
        return style.MUTED
    return style.BAD if gap < 0 else style.GOOD


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
            marker={"color": style.INSUFFICIENT, "size": 10},
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
    """Detractors' themes, most mentioned at the top, with the cumulative share of their mentions (top axis)."""
    colours = [style.INSUFFICIENT if t == voice.NO_THEME else style.BAD for t in frame["theme"]]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=frame["detractor_mentions"],
            y=frame["label"],
            orientation="h",
            marker_color=colours,
            name="Detractor comments mentioning it",
            text=["" if pd.isna(p) else f"{p:.0f}%" for p in frame["pct_of_detractor_comments"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,} detractor comments (%{text} of them)<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=frame["cumulative_pct"],
            y=frame["label"],
            xaxis="x2",
            mode="lines+markers",
            line={"color": style.INK, "width": 1.5},
            marker={"size": 5},
            name="Cumulative share of mentions (top axis)",
            hovertemplate="%{y}<br>cumulative %{x:.0f}% of mentions<extra></extra>",
        )
    )
    figure.update_layout(
        height=190 + ROW_PIXELS * len(frame),
        xaxis2={
            "overlaying": "x",
            "side": "top",
            "range": [0, 105],
            "dtick": 25,
            "showgrid": False,
            "ticksuffix": "%",
        },
        yaxis={"autorange": "reversed"},
        legend={"y": -0.06, "yanchor": "top"},
        margin={"l": 200, "r": 40, "t": 40, "b": 90},
    )
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
    figure.update_layout(height=580, legend={"y": 1.07}, margin={"l": 64, "r": 24, "t": 80, "b": 40})
    return figure


POST_FORMATS = {
    "Volume": "{:,}",
    "Per week": "{:,.0f}",
    "Share of all voices %": "{:.1f}%",
    "Change vs prior %": "{:+.0f}%",
    "Sentiment": "{:+.2f}",
    "Negative %": "{:.0f}%",
    "Reach": "{:,.0f}",
}


def posts_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The listening posts' window summary as the page shows it."""
    return _as_text(
        pd.DataFrame(
            {
                "Listening post": summary["post"],
                "Volume": summary["volume"],
                "Per week": summary["per_week"],
                "Share of all voices %": summary["share_pct"],
                "Change vs prior %": summary["change_pct"],
                "Sentiment": summary["sentiment"],
                "Negative %": summary["negative_pct"],
                "Sentiment n": summary["scored"],
                "Reach": summary["reach"],
            }
        ),
        POST_FORMATS,
        "n/a",
    )
