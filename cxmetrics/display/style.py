"""One visual language: colour meaning (good / watch / bad / not enough data) and the plotly template."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

GOOD = "#1b7f3b"
WATCH = "#c98a00"
BAD = "#c0392b"
INSUFFICIENT = "#9aa0a6"
INK = "#1f2933"
MUTED = "#6b7280"
PRIMARY = "#1f4e79"
SECONDARY = "#5b8db8"
BAND = "rgba(31, 78, 121, 0.15)"
SERIES = (PRIMARY, "#e07b39", "#2a9d8f", "#8e6bbf", "#d4a017", "#c2185b", "#607d8b")

STATUS_COLOURS = {
    "on_target": GOOD,
    "watch": WATCH,
    "off_target": BAD,
    "suppressed": INSUFFICIENT,
    "no_target": MUTED,
}
# The words of a status, one entry each: the short word of badges and table cells, and what it means in a hover.
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "on_target": ("On target", "On target"),
    "watch": ("Watch", "Watch (miss within noise)"),
    "off_target": ("Off target", "Off target (significant)"),
    "suppressed": ("Too few", "Too few responses"),
    "no_target": ("No target", "No target"),
    "no_data": ("No data", "No data"),
}

TEMPLATE_NAME = "cx"


def status_colour(status: str | None) -> str:
    """The colour that means `status` everywhere in the dashboard."""
    return STATUS_COLOURS.get(status or "no_target", MUTED)


def status_word(status: str | None) -> str:
    """The short word of a status for badges and table cells: 'Watch' ('No target' when there is none)."""
    return STATUS_WORDS.get(status or "no_target", STATUS_WORDS["no_target"])[0]


def status_meaning(status: str | None) -> str:
    """What a status means, for hover texts and legends: 'Watch (miss within noise)'."""
    return STATUS_WORDS.get(status or "no_target", STATUS_WORDS["no_target"])[1]


def _template() -> go.layout.Template:
    """Plain, print-friendly charts: white background, light grid, one font, the series palette."""
    return go.layout.Template(
        layout=go.Layout(
            font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": INK},
            colorway=list(SERIES),
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin={"l": 56, "r": 24, "t": 48, "b": 40},
            xaxis={"showgrid": False, "linecolor": "#d0d5dd", "ticks": "outside", "tickcolor": "#d0d5dd"},
            yaxis={"gridcolor": "#eef0f3", "zerolinecolor": "#d0d5dd"},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
            hoverlabel={"bgcolor": "white", "font": {"color": INK}},
            title={"x": 0, "xanchor": "left", "font": {"size": 16}},
        )
    )


def register() -> None:
    """Make the dashboard template plotly's default (built once per process: every script run calls this)."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    if pio.templates.default != TEMPLATE_NAME:  # setting it validates the whole template again
        pio.templates.default = TEMPLATE_NAME
