"""Plotly figures of the CX & Financials page, built from the frames of `value`, `leadlag` and `roi` (no Streamlit)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxmetrics.display import figures, style
from cxmetrics.metrics.registry import HEADLINE_NPS, get_metric
from cxmetrics.reports.cx_financials.value import GROUP_LABELS, Premium

NPS_LABEL = get_metric(HEADLINE_NPS).label
PANELS: tuple[tuple[str, str, str], ...] = (
    ("nps", f"{NPS_LABEL} (points)", "+.0f"),
    ("csat_pct", "CSAT (% 4-5)", ".1f"),
    ("revenue_usd", "Revenue (USD)", "$,.0f"),
    ("gross_margin_pct", "Gross margin (%)", ".1f"),
    ("churned_customers", "Churned customers", ",.0f"),
)
GROUP_COLOURS = {"promoter": style.GOOD, "passive": style.WATCH, "detractor": style.BAD, "no response": style.MUTED}
GROUP_PANELS: tuple[tuple[str, str, str], ...] = (
    ("revenue_per_customer_usd", "Revenue per customer, 12 months (USD)", "$,.0f"),
    ("revenue_growth_pct", "Revenue growth vs the year before (%)", "+.1f"),
    ("churn_pct", "Churned within the 12 months (%)", ".1f"),
    ("gross_margin_pct", "Gross margin (%)", ".1f"),
    ("cost_to_serve_per_customer_usd", "Cost to serve per customer, 12 months (USD)", "$,.0f"),
)
EVENT_LABEL_CHARS = 30


def _event_lines(figure: go.Figure, events: pd.DataFrame, panels: int) -> None:
    """A dotted line through every panel per event, its title at the top."""
    lines, labels = [], []
    for i, event in enumerate(events.itertuples(index=False)):
        when = pd.Timestamp(event.event_date)
        lines.append(
            {"type": "line", "x0": when, "x1": when, "line": {"color": style.MUTED, "width": 1, "dash": "dot"}}
        )
        title = event.title if len(event.title) <= EVENT_LABEL_CHARS else event.title[: EVENT_LABEL_CHARS - 1] + "…"
        labels.append(
            {"x": when, "y": 1.01 + 0.025 * (i % 2), "xref": "x", "yref": "paper", "text": title, "showarrow": False,
             "xanchor": "left", "yanchor": "bottom", "font": {"size": 11, "color": style.MUTED}}
        )  # fmt: skip
    figures.across_panels(figure, lines, panels)
    figures.add_annotations(figure, labels)


def side_by_side(series: pd.DataFrame, events: pd.DataFrame, by: str | None = None) -> go.Figure:
    """NPS, CSAT, revenue, gross margin and churned customers by month on one time axis (a line per value of
    `by`), with the events marked; the n of each CX score on hover."""
    panels = [p for p in PANELS if p[0] in series and series[p[0]].notna().any()]
    figure = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.025)
    groups = series.groupby(by, sort=True) if by else [("All", series)]
    for colour_index, (name, rows) in enumerate(groups):
        colour = style.SERIES[colour_index % len(style.SERIES)]
        for row, (column, label, fmt) in enumerate(panels, start=1):
            n = rows.get(f"{column}_n", pd.Series(index=rows.index, dtype=float))
            figure.add_trace(
                go.Scatter(
                    x=pd.to_datetime(rows["period_start"]),
                    y=rows[column],
                    customdata=n.to_numpy(),
                    mode="lines+markers",
                    marker={"size": 4},
                    line={"color": colour, "width": 2},
                    name=str(name),
                    legendgroup=str(name),
                    showlegend=bool(by) and row == 1,
                    hovertemplate=f"{name}: {label} %{{y:{fmt}}}"
                    + ("<br>n = %{customdata:,.0f}" if column in ("nps", "csat_pct") else "")
                    + "<extra></extra>",
                ),
                row=row,
                col=1,
            )
            figure.update_yaxes(title_text=label, title_font={"size": 11}, row=row, col=1)
    _event_lines(figure, events, len(panels))
    figure.update_xaxes(title_text="Month", row=len(panels), col=1)
    figure.update_layout(height=150 + 150 * len(panels), hovermode="x unified", margin={"t": 70})
    return figure


def group_values(values: pd.DataFrame) -> go.Figure:
    """One panel per behaviour: a bar per NPS group with its 95% interval; n customers on hover."""
    figure = make_subplots(
        rows=2, cols=3, subplot_titles=[p[1] for p in GROUP_PANELS], vertical_spacing=0.16, horizontal_spacing=0.07
    )
    labels = [GROUP_LABELS[g] for g in values.index]
    colours = [GROUP_COLOURS[g] for g in values.index]
    for position, (column, _, fmt) in enumerate(GROUP_PANELS):
        figure.add_trace(
            go.Bar(
                x=labels,
                y=values[column],
                marker={"color": colours},
                error_y=figures.interval_error(values[column], values[f"{column}_low"], values[f"{column}_high"]),
                customdata=values[["customers", f"{column}_low", f"{column}_high"]].to_numpy(),
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<br>95% interval %{{customdata[1]:{fmt}}} to "
                f"%{{customdata[2]:{fmt}}}<br>n = %{{customdata[0]:,}} customers<extra></extra>",
                showlegend=False,
            ),
            row=position // 3 + 1,
            col=position % 3 + 1,
        )
    figure.update_annotations(font={"size": 13})
    figure.update_xaxes(tickangle=0, tickfont={"size": 11})
    figure.update_layout(height=620, margin={"t": 40})
    return figure


WITHIN_SEGMENTS = "Within segment (headline)"
POOLED = "Segments pooled (context only)"


def _premium_rows(premium: Premium) -> pd.DataFrame:
    """One row per bar: each segment compared, the weighted headline, the pooled figure where it is context (label,
    value, low, high, colour, hover note)."""
    kept = premium.strata[~premium.strata["suppressed"]]
    rows = [
        (str(name), r.premium_usd, r.premium_low_usd, r.premium_high_usd, style.SECONDARY,
         f"{r.promoters:,} promoters, {r.detractors:,} detractors; weight {r.weight_pct:.0f}%")
        for name, r in kept.iterrows()
    ]  # fmt: skip
    for label, diff, colour in ((WITHIN_SEGMENTS, premium.adjusted, style.PRIMARY), (POOLED, premium.context, None)):
        if diff is not None:
            note = f"{diff.promoters:,} promoters, {diff.detractors:,} detractors"
            rows.append((label, diff.usd, diff.low_usd, diff.high_usd, colour or style.INSUFFICIENT, note))
    return pd.DataFrame(rows, columns=["label", "usd", "low", "high", "colour", "note"])


def premium_by_segment(premium: Premium) -> go.Figure:
    """Revenue per promoter minus per detractor over 12 months: a bar per segment compared with its 95% interval, the
    headline weighted by the detractors' segments, and the pooled figure greyed as context."""
    rows = _premium_rows(premium)
    if rows.empty:
        return figures.empty("Too few promoters or detractors in any segment to compare.")
    figure = go.Figure(
        go.Bar(
            y=rows["label"],
            x=rows["usd"],
            orientation="h",
            marker={"color": rows["colour"].tolist()},
            error_x=figures.interval_error(rows["usd"], rows["low"], rows["high"]),
            customdata=rows[["low", "high", "note"]].to_numpy(),
            hovertemplate="%{y}: %{x:$,.0f} per year<br>95% interval %{customdata[0]:$,.0f} to "
            "%{customdata[1]:$,.0f}<br>%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=120 + 45 * len(rows),
        xaxis={"title": "Revenue per promoter minus per detractor, 12 months (USD)", "tickformat": "$~s"},
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


def revenue_at_risk(risk: pd.DataFrame) -> go.Figure:
    """Horizontal bars per region or segment: detractor revenue at risk, passive revenue at risk, promoter upside."""
    names = [str(i) for i in risk.index]
    figure = go.Figure()
    for column, label, colour in (
        ("at_risk_short_usd", "Detractor revenue at risk (short term)", style.BAD),
        ("at_risk_long_usd", "Passive revenue at risk (long term)", style.WATCH),
        ("upside_usd", "Promoter upside", style.GOOD),
    ):
        figure.add_trace(
            go.Bar(
                y=names,
                x=risk[column],
                name=label,
                orientation="h",
                marker={"color": colour},
                hovertemplate="%{y}: %{x:$,.0f}<extra>" + label + "</extra>",
            )  # fmt: skip
        )
    figure.update_layout(
        barmode="group", height=120 + 70 * len(names), xaxis={"title": "USD over 12 months", "tickformat": "$~s"}
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


def _lag_axis_range(table: pd.DataFrame) -> list[float]:
    """A symmetric correlation axis wide enough for every bar and the noise band (at least -0.5 to 0.5)."""
    reach = pd.concat([table["correlation"].abs(), table["threshold"]]).max()
    top = max(0.5, float(reach) * 1.15 if pd.notna(reach) else 0.5)
    return [-min(top, 1.0), min(top, 1.0)]


def lead_lag(table: pd.DataFrame, titles: dict[str, str]) -> go.Figure:
    """Correlation of NPS changes with each outcome k months later: bars (grey when not significant, hatched out
    when too short to trust), the 95% permutation noise band, and the months and cells each rests on."""
    outcomes = [o for o in titles if (table["outcome"] == o).any()]
    figure = make_subplots(rows=1, cols=len(outcomes), subplot_titles=[titles[o] for o in outcomes], shared_yaxes=True)
    for col, outcome in enumerate(outcomes, start=1):
        rows = table[table["outcome"] == outcome]
        colours = [
            style.PRIMARY if s and t else style.INSUFFICIENT
            for s, t in zip(rows["significant"].fillna(False), rows["trusted"], strict=True)
        ]
        figure.add_trace(
            go.Bar(
                x=rows["lag_months"],
                y=rows["correlation"],
                marker={"color": colours, "pattern": {"shape": ["" if t else "/" for t in rows["trusted"]]}},
                customdata=rows[["periods", "cells", "threshold", "p_family"]].to_numpy(),
                hovertemplate="NPS change, then %{x} month(s) later: r = %{y:+.2f}<br>over %{customdata[0]} months "
                "in %{customdata[1]} cells; noise band ±%{customdata[2]:.2f}<br>chance at some lag under random "
                "timing: %{customdata[3]:.1%}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        for sign in (1, -1):
            figure.add_trace(
                go.Scatter(
                    x=rows["lag_months"],
                    y=sign * rows["threshold"],
                    mode="lines",
                    hoverinfo="skip",
                    showlegend=False,
                    line={"color": style.MUTED, "dash": "dash", "width": 1},
                ),  # fmt: skip
                row=1,
                col=col,
            )
        figure.update_xaxes(title_text="Lag (months after the NPS change)", dtick=1, row=1, col=col)
    figure.update_yaxes(title_text="Correlation (r)", range=_lag_axis_range(table), row=1, col=1)
    figure.update_layout(height=360, margin={"t": 60})
    return figure


def roi_range(ranges: pd.DataFrame) -> go.Figure:
    """Cumulative revenue and gross margin gained by the scenario after 1..3 years: the estimate with its range."""
    figure = go.Figure()
    for column, label, colour in (
        ("cumulative_revenue_usd", "Revenue", style.PRIMARY),
        ("cumulative_gross_margin_usd", "Gross margin", style.SERIES[2]),
    ):
        mid = ranges[f"{column}_mid"]
        figure.add_trace(
            go.Bar(
                x=[f"Year {y}" if y == 1 else f"Years 1-{y}" for y in ranges.index],
                y=mid,
                name=label,
                marker={"color": colour},
                error_y=figures.interval_error(mid, ranges[f"{column}_low"], ranges[f"{column}_high"]),
                customdata=ranges[[f"{column}_low", f"{column}_high"]].to_numpy(),
                hovertemplate=f"{label}: %{{y:$,.0f}}<br>range %{{customdata[0]:$,.0f}} to "
                "%{customdata[1]:$,.0f}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group", height=360, yaxis={"title": "Cumulative gain (USD)", "tickformat": "$~s"})
    return figure


def segment_bubbles(view: pd.DataFrame) -> go.Figure:
    """Relationship NPS against revenue growth per region x segment, bubble area = 12-month revenue, NPS interval as
    a bar."""
    shown = view[view["nps"].notna()]
    figure = go.Figure()
    largest = max(float(shown["revenue_usd"].max()), 1.0) if len(shown) else 1.0
    for i, (region, rows) in enumerate(shown.groupby("region", sort=True)):
        figure.add_trace(
            go.Scatter(
                x=rows["nps"],
                y=rows["revenue_growth_pct"],
                mode="markers+text",
                text=rows["segment"],
                textposition="top center",
                name=region,
                marker={
                    "size": rows["revenue_usd"],
                    "sizemode": "area",
                    "sizeref": 2 * largest / 60**2,
                    "sizemin": 6,
                    "color": style.SERIES[i % len(style.SERIES)],
                    "opacity": 0.75,
                },
                error_x=figures.interval_error(rows["nps"], rows["nps_low"], rows["nps_high"], colour=style.MUTED),
                customdata=rows[["segment", "n", "revenue_usd", "nps_low", "nps_high"]].to_numpy(),
                hovertemplate=f"{region} %{{customdata[0]}}<br>{NPS_LABEL} %{{x:+.0f}} (95% %{{customdata[3]:+.0f}} to "
                "%{customdata[4]:+.0f}, n = %{customdata[1]:,})<br>revenue growth %{y:+.1f}%<br>revenue "
                "%{customdata[2]:$,.0f}<extra></extra>",
            )
        )
    figure.update_layout(
        height=460,
        xaxis={"title": f"{NPS_LABEL} over the 12 months (points)", "tickformat": "+d"},
        yaxis={"title": "Revenue growth vs the year before (%)", "ticksuffix": "%"},
    )
    return figure
